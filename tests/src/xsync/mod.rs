//! An independent xsync client: the MaxIM client socket ("fireplace") as the
//! vendor's web SDK speaks it, written from the protocol guide and the
//! project's own `spec/proto/xsync.proto`, sharing no code with the server's
//! socket. Tests and the socket benchmark use it to check the server the way
//! an app built on floo-web would.
//!
//! Layers, bottom up:
//! - [`proto`]: the prost types of `spec/proto/xsync.proto`;
//! - [`wire`]: Engine.IO 3 / Socket.IO v2 text packets and the binary
//!   attachment that carries one `Frame` (pure functions, unit-tested against
//!   the worked bytes of the guide);
//! - [`connection`]: one real WebSocket (`tokio-tungstenite`): the open
//!   packet, `40`, client pings, and a background pump that answers NOTICEs
//!   and UNREAD entries with SYNC pulls until `next_key == 0`, as the SDK does;
//! - [`session`]: the SDK-like API (`login`, `send_text`, `next_message`,
//!   `history`, `recall`, ...), every wait bounded by a deadline;
//! - [`discovery`]: `GET /v2/app_dns` and the `webim` host.

pub mod connection;
pub mod discovery;
pub mod session;
pub mod wire;

/// The prost types of the socket's wire schema (package `im.floo.protobuf`).
#[allow(clippy::all, unreachable_pub)]
pub mod proto {
    include!(concat!(env!("OUT_DIR"), "/im.floo.protobuf.rs"));
}

pub use connection::{Connection, Event};
pub use discovery::{Discovery, discover};
pub use session::{Device, LoginError, Session};
