//! Typed clients of the three dialects, generated from the OpenAPI specs
//! (`generated/`), over a small hand-written runtime: the HTTP transport,
//! envelope decoding, NetEase's CheckSum signing and the error type.
//!
//! The generated models (`generated::<dialect>::models`) are the one copy
//! of the API's data types: the server uses them too, without the `http`
//! feature (no reqwest), and its tests with the `schema` feature (which
//! derives `schemars::JsonSchema` and lists every model in `registry()`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), client::ClientError> {
//! let maxim = client::MaximClient::new("http://127.0.0.1:8080").with_app_id("app").with_token("token");
//! let friends = maxim.roster_list_ids(&Default::default()).await?;
//! # let _ = friends; Ok(()) }
//! ```

#[cfg(feature = "http")]
mod auth;
#[cfg(feature = "http")]
pub mod checksum;
#[cfg(feature = "http")]
pub mod envelope;
#[cfg(feature = "http")]
pub mod error;
// Formatted by the generator (prettyplease); `cargo fmt` must leave it as
// generated, or `cargo xtask regen --check` would call it stale.
#[rustfmt::skip]
pub mod generated;
#[cfg(feature = "schema")]
pub mod schema;
#[cfg(feature = "http")]
pub mod transport;

#[cfg(feature = "http")]
pub use error::ClientError;
#[cfg(feature = "http")]
pub use generated::maxim::MaximClient;
#[cfg(feature = "http")]
pub use generated::netease::NeteaseClient;
#[cfg(feature = "http")]
pub use generated::yhchat::YhchatClient;
#[cfg(feature = "http")]
pub use transport::{Binary, Signer, Transport};
