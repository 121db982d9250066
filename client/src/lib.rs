//! Typed clients of the three dialects, generated from the OpenAPI specs
//! (`generated/`), over a small hand-written runtime: the HTTP transport,
//! envelope decoding, NetEase's CheckSum signing and the error type.
//!
//! ```no_run
//! # async fn demo() -> Result<(), client::ClientError> {
//! let maxim = client::MaximClient::new("http://127.0.0.1:8080").with_app_id("app").with_token("token");
//! let friends = maxim.roster_list_ids(&Default::default()).await?;
//! # let _ = friends; Ok(()) }
//! ```

mod auth;
pub mod checksum;
pub mod envelope;
pub mod error;
// Formatted by the generator (prettyplease); `cargo fmt` must leave it as
// generated, or `cargo xtask regen --check` would call it stale.
#[rustfmt::skip]
pub mod generated;
pub mod transport;

pub use error::ClientError;
pub use generated::maxim::MaximClient;
pub use generated::netease::NeteaseClient;
pub use generated::yhchat::YhchatClient;
pub use transport::{Binary, Signer, Transport};
