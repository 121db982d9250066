//! Raw-bytes replies (file downloads).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A reply that is not an envelope: bytes and their media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binary {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Binary {
    pub fn new(content_type: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Binary { content_type: content_type.into(), bytes: bytes.into() }
    }

    /// HTTP 200 with the bytes; an unusable media type falls back to
    /// `application/octet-stream`.
    pub fn into_response(self) -> Response {
        let ct = HeaderValue::from_str(&self.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream"));
        (StatusCode::OK, [(header::CONTENT_TYPE, ct)], self.bytes).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_content_type_falls_back() {
        let r = Binary::new("bad\nvalue", vec![1, 2]).into_response();
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/octet-stream");
        assert_eq!(r.status(), StatusCode::OK);
    }
}
