//! Raw-bytes replies (file downloads): the bytes, or a redirect to where
//! an object store serves them (a presigned URL).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A reply that is not an envelope: bytes and their media type, or a
/// redirect (`redirect` set: HTTP 302 to it, no body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binary {
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub redirect: Option<String>,
}

impl Binary {
    pub fn new(content_type: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Binary { content_type: content_type.into(), bytes: bytes.into(), redirect: None }
    }

    /// HTTP 302 to `url`.
    pub fn redirect(url: impl Into<String>) -> Self {
        Binary { content_type: String::new(), bytes: Vec::new(), redirect: Some(url.into()) }
    }

    /// HTTP 200 with the bytes; an unusable media type falls back to
    /// `application/octet-stream`.
    pub fn into_response(self) -> Response {
        if let Some(url) = &self.redirect {
            // A URL that is no header value cannot be followed: a plain 500
            // would hide why, so say it in the status line's body.
            return match HeaderValue::from_str(url) {
                Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
                Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "unusable redirect URL").into_response(),
            };
        }
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

    #[test]
    fn redirects_answer_302() {
        let r = Binary::redirect("http://s3.example/b/k?X-Amz-Signature=1").into_response();
        assert_eq!(r.status(), StatusCode::FOUND);
        assert_eq!(r.headers()[header::LOCATION], "http://s3.example/b/k?X-Amz-Signature=1");
    }
}
