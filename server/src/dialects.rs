//! The API dialects mounted on the server. Each implements its generated
//! traits by calling the core; this module only assembles their routers and
//! answers what no handler does (unknown routes, requests cut short) in the
//! envelope of the dialect the path belongs to.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::core::Core;
use crate::wire::Envelope;

/// The dialect a request speaks, told by its path alone: an answer that no
/// handler wrote must still be one its client can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Maxim,
    Netease,
    Yhchat,
}

impl Dialect {
    /// NetEase under `/nimserver/`, YHChat under `/v1/`, MaxIM elsewhere
    /// (its paths have no common prefix).
    pub fn of_path(path: &str) -> Dialect {
        if path.starts_with("/nimserver/") {
            Dialect::Netease
        } else if path.starts_with("/v1/") {
            Dialect::Yhchat
        } else {
            Dialect::Maxim
        }
    }

    pub fn envelope(self) -> Envelope {
        match self {
            Dialect::Maxim => crate::generated::maxim::router::ENVELOPE,
            Dialect::Netease => crate::generated::netease::router::ENVELOPE,
            Dialect::Yhchat => crate::generated::yhchat::router::ENVELOPE,
        }
    }

    /// What the dialect answers for an operation it does not have.
    fn not_found_code(self) -> i32 {
        match self {
            Dialect::Maxim | Dialect::Netease => 404,
            Dialect::Yhchat => -2,
        }
    }
}

/// Dialect routers, plus a fallback for unknown routes.
/// `public_url`: the server's address as clients reach it, in the links
/// the file section hands out.
pub fn router(core: Core, public_url: &str) -> Router {
    use crate::generated::maxim::router as maxim;
    let api = Arc::new(crate::maxim::Maxim::new(core.clone()).with_public_url(public_url));
    Router::new()
        .merge(
            maxim::user_router(api.clone())
                .layer(axum::middleware::map_request(crate::maxim::user::info_as_body)),
        )
        .merge(maxim::token_router(api.clone()))
        .merge(maxim::roster_router(api.clone()))
        .merge(maxim::group_router(api.clone()))
        .merge(maxim::message_router(api.clone()))
        .merge(maxim::push_router(api.clone()))
        .merge(crate::maxim::file::router(api))
        .merge(crate::netease::router(core.clone()))
        .merge(crate::yhchat::router(core.clone()))
        .fallback(unknown_route)
}

async fn unknown_route(uri: Uri) -> Response {
    let path = uri.path();
    let dialect = Dialect::of_path(path);
    let body =
        dialect.envelope().error_value(dialect.not_found_code(), &format!("no such operation: {path}"));
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

/// The answer to a request still running after `limit` (its handler is
/// dropped): the dialect's internal-error code, HTTP 200 as every error the
/// dialects answer, so that clients read the code where they always do.
pub fn timed_out(path: &str, limit: Duration) -> Response {
    let envelope = Dialect::of_path(path).envelope();
    envelope.error(envelope.internal, &format!("the request took longer than {}", seconds(limit)))
}

/// `30 s`, or `1.5 s` for limits tests set below a second's precision.
fn seconds(d: Duration) -> String {
    if d.subsec_nanos() == 0 { format!("{} s", d.as_secs()) } else { format!("{} s", d.as_secs_f64()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(r: Response) -> (StatusCode, serde_json::Value) {
        let status = r.status();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn unknown_routes_answer_in_the_paths_dialect() {
        let cases = [
            ("/push/x", r#"{"code":404,"message":"no such operation: /push/x","data":null}"#),
            ("/nimserver/x", r#"{"code":404,"desc":"no such operation: /nimserver/x"}"#),
            ("/v1/x", r#"{"code":-2,"msg":"no such operation: /v1/x"}"#),
        ];
        for (path, expected) in cases {
            let (status, json) = body(unknown_route(path.parse().unwrap()).await).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            assert_eq!(json.to_string(), expected);
        }
    }

    #[tokio::test]
    async fn timeouts_answer_the_dialects_internal_error() {
        let limit = Duration::from_secs(3);
        let cases = [
            ("/user/register", r#"{"code":20000,"message":"the request took longer than 3 s","data":null}"#),
            ("/nimserver/friend/add.action", r#"{"code":500,"desc":"the request took longer than 3 s"}"#),
            ("/v1/friend/apply", r#"{"code":-500,"msg":"the request took longer than 3 s"}"#),
        ];
        for (path, expected) in cases {
            let (status, json) = body(timed_out(path, limit)).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(json.to_string(), expected);
        }
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
    }
}
