//! What one client may take from the server: the size of a request body,
//! the time to send its headers, and the share of the requests in flight.
//! Each refusal is an answer in the envelope of the dialect the path
//! belongs to, so that clients read it where they read every error
//! (docs/operations.md#resource-limits).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use tokio::sync::Semaphore;

use crate::dialects::Dialect;

/// The limits `server serve` runs with (flags `--max-body-kb`,
/// `--max-in-flight`, `--header-read-timeout-secs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest request body but file uploads, in bytes.
    pub max_body_bytes: usize,
    /// Requests served at once; the next ones are refused at once.
    pub max_in_flight: usize,
    /// How long a connection may take to send a request's headers.
    pub header_read_timeout: Duration,
}

impl Default for Limits {
    /// 1 MB bodies (the largest JSON call, a batch of messages or members,
    /// is far below), 1024 requests in flight (the database pool, not this,
    /// is what runs out first; this keeps a flood from queueing without
    /// bound), 10 s for the headers (a browser sends them in one packet).
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_in_flight: 1024,
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

/// Routes with their own, larger limits (`maxim::file`): the file bytes.
fn has_own_limit(path: &str) -> bool {
    path.starts_with("/file/blob/")
}

/// Refuses a body over `max` bytes: at once when its `Content-Length` says
/// so, or when the bytes read reach the limit (a chunked body), without
/// reading the rest.
pub async fn body_limit(max: usize, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if has_own_limit(&path) {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return too_large(&path, max);
    }
    let (parts, body) = request.into_parts();
    let tripped = Arc::new(AtomicBool::new(false));
    let flag = tripped.clone();
    let body = http_body_util::Limited::new(body, max).map_err(move |e| {
        if e.is::<http_body_util::LengthLimitError>() {
            flag.store(true, Ordering::Relaxed);
        }
        e
    });
    let response = next.run(Request::from_parts(parts, Body::new(body))).await;
    // The handler saw a body it could not read; the cause is ours.
    if tripped.load(Ordering::Relaxed) { too_large(&path, max) } else { response }
}

/// HTTP 413 with the dialect's internal-error code: the request was not
/// handled, and a client that shows the code shows why.
pub fn too_large(path: &str, max: usize) -> Response {
    let envelope = Dialect::of_path(path).envelope();
    let mut response =
        envelope.error(envelope.internal, &format!("the request body is larger than {} KB", max / 1024));
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    close(response)
}

/// Admits a request while fewer than the semaphore's permits are in flight;
/// the next ones are answered at once, not queued.
pub async fn in_flight(permits: Arc<Semaphore>, request: Request, next: Next) -> Response {
    match permits.try_acquire_owned() {
        Ok(permit) => {
            let response = next.run(request).await;
            drop(permit);
            response
        }
        Err(_) => {
            tracing::warn!(path = request.uri().path(), "too many requests in flight; refused");
            busy(request.uri().path())
        }
    }
}

/// HTTP 503 with the dialect's internal-error code and `Retry-After: 1`.
pub fn busy(path: &str) -> Response {
    let envelope = Dialect::of_path(path).envelope();
    let mut response = envelope.error(envelope.internal, "the server is busy; retry in a second");
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response.into_response()
}

/// The connection is closed after this answer: the rest of a refused body
/// is never read.
fn close(mut response: Response) -> Response {
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
