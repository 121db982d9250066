//! The IM server.
//!
//! `core` holds the domain (apps, users, tokens, devices, the friend graph) and
//! knows no dialect, no HTTP and no SQL; `store` is the only place with SQL;
//! `blobs` holds uploaded files' bytes (local folder or S3).

pub mod app;
pub mod blobs;
pub mod client_address;
pub mod cluster;
pub mod core;
pub mod dialects;
pub mod docs;
// Formatted by the generator (prettyplease); `cargo fmt` must leave it as
// generated, or `cargo xtask regen --check` would call it stale.
#[rustfmt::skip]
pub mod generated;
pub mod limits;
pub mod maxim;
pub mod netease;
pub mod push;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wire;
pub mod xsync;
pub mod yhchat;
