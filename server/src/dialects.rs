//! The API dialects mounted on the server. Each implements its generated
//! traits by calling the core; this module only assembles their routers and
//! answers unknown routes in the envelope of the dialect the path belongs to.

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::core::Core;

/// Dialect routers, plus a fallback for unknown routes.
pub fn router(core: Core) -> Router {
    use crate::generated::maxim::router as maxim;
    let api = Arc::new(crate::maxim::Maxim::new(core.clone()));
    Router::new()
        .merge(maxim::user_router(api.clone()))
        .merge(maxim::token_router(api.clone()))
        .merge(maxim::roster_router(api))
        .merge(crate::netease::router(core.clone()))
        .merge(crate::yhchat::router(core.clone()))
        .fallback(unknown_route)
}

/// The documented sections not served yet (their calls answer 404), for
/// the start-up message.
pub fn not_mounted() -> &'static [&'static str] {
    &[
        "MaxIM push (/push/*)",
        "MaxIM messages (/message/*)",
        "MaxIM groups (/group/*)",
        "MaxIM files (/file/*)",
    ]
}

async fn unknown_route(uri: Uri) -> Response {
    let path = uri.path();
    let body = if path.starts_with("/nimserver/") {
        serde_json::json!({"code": 404, "desc": format!("no such operation: {path}")})
    } else if path.starts_with("/v1/") {
        serde_json::json!({"code": -2, "msg": format!("no such operation: {path}")})
    } else {
        serde_json::json!({"code": 404, "message": format!("no such operation: {path}"), "data": null})
    };
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}
