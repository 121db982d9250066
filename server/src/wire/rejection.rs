//! Why a request could not be read; the router turns it into the dialect's
//! `invalid_parameter` (or `too_long`) code.

/// What was wrong with a request's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// Missing, malformed or mistyped.
    InvalidParameter,
    /// Longer than the spec's `maxLength`.
    TooLong,
}

/// A request the router answers with an error, with a message naming the
/// field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub kind: RejectionKind,
    pub message: String,
}

impl Rejection {
    pub fn invalid(message: impl Into<String>) -> Self {
        Rejection { kind: RejectionKind::InvalidParameter, message: message.into() }
    }

    pub fn too_long(message: impl Into<String>) -> Self {
        Rejection { kind: RejectionKind::TooLong, message: message.into() }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rejection {}
