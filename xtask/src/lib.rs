//! `cargo xtask`: the project's build tasks. Data flows one way:
//! documents → [`parse`] → [`model`] → [`merge`] + [`overrides`] →
//! [`openapi`] specs → `codegen` Rust → [`regen`] writes or checks files.
//! [`bench`] is apart: the side-by-side benchmark of the built server.

pub mod bench;
pub mod codegen;
pub mod error;
pub mod merge;
pub mod model;
pub mod openapi;
pub mod overrides;
pub mod parse;
pub mod pipeline;
pub mod regen;
pub mod shared_schemas;
