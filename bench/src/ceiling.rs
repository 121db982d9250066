//! The ceiling: a bare axum handler answering every request with one
//! static JSON envelope of 100 ids, what the HTTP stack alone can do on this
//! machine. The other targets are compared with it.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;

/// The envelope `GET /roster/list` answers for 100 friends.
pub fn body() -> String {
    let ids: Vec<String> = (2..102).map(|i: i64| i.to_string()).collect();
    format!(r#"{{"code":200,"message":null,"data":[{}],"version":100}}"#, ids.join(","))
}

pub fn router() -> Router {
    let body: &'static str = Box::leak(body().into_boxed_str());
    Router::new()
        .fallback(move || async move { ([(header::CONTENT_TYPE, "application/json")], body).into_response() })
}
