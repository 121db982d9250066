//! What a call can fail with.

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with a non-success code in its envelope (or a
    /// protobuf reply's status).
    #[error("API error {code}: {message}")]
    Api { code: i32, message: String },
    /// The request could not be sent or its answer not received.
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// The answer was not what the spec describes.
    #[error("decode: {0}")]
    Decode(String),
}

impl ClientError {
    /// The envelope code, for API errors.
    pub fn code(&self) -> Option<i32> {
        match self {
            ClientError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}
