//! Hand-written runtime the generated routers (`crate::generated`) call:
//! reading lenient parameters from the query string and the body, writing a
//! dialect's envelope, protobuf bodies and replies. Every failure here is a
//! [`Rejection`] the router answers in the dialect's envelope, never a
//! plain-text rejection, a 5xx or a panic.

pub mod binary;
pub mod cause;
pub mod envelope;
mod flat;
pub mod headers;
pub mod params;
pub mod proto;
pub mod rejection;

pub use binary::Binary;
pub use cause::Cause;
pub use envelope::Envelope;
pub use headers::{header, header_string, required_header};
pub use params::{BodyMode, Kind, Params, json_body, read_body};
pub use rejection::{Rejection, RejectionKind};

#[cfg(test)]
mod router_tests;
