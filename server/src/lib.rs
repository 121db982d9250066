//! The IM server.
//!
//! `core` holds the domain (apps, users, tokens, devices, the friend graph) and
//! knows no dialect, no HTTP and no SQL; `store` is the only place with SQL.

pub mod app;
pub mod core;
pub mod dialects;
pub mod docs;
pub mod store;
pub mod generated;
pub mod wire;
pub mod testing;
pub mod maxim;
pub mod netease;
pub mod yhchat;
