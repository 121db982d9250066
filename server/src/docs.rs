//! The three specs as JSON and Swagger UI over them. The specs are the
//! checked-in files, embedded at build time, with `servers` pointing at this
//! server so that Authorize and "Try it out" call it.

use axum::Router;
use serde_json::Value;
use utoipa_swagger_ui::{SwaggerUi, Url};

/// (display name, where it is served, spec text)
pub const SPECS: [(&str, &str, &str); 3] = [
    ("MaxIM", "/openapi/maxim.json", include_str!("../../spec/openapi/maxim.json")),
    ("NetEase IM", "/openapi/netease.json", include_str!("../../spec/openapi/netease.json")),
    ("YHChat", "/openapi/yhchat.json", include_str!("../../spec/openapi/yhchat.json")),
];

/// A spec as served: the vendor's own server stays listed after this one.
pub fn served_spec(text: &str) -> Value {
    let mut spec: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    if let Some(servers) = spec.get_mut("servers").and_then(Value::as_array_mut) {
        servers.retain(|s| s["url"] != "/");
        servers.insert(0, serde_json::json!({"url": "/", "description": "this server"}));
    }
    spec
}

/// `/swagger-ui` and `/openapi/{dialect}.json`.
pub fn router() -> Router {
    let mut ui = SwaggerUi::new("/swagger-ui");
    for (name, url, text) in SPECS {
        ui = ui.external_url_unchecked(Url::new(name, url), served_spec(text));
    }
    Router::new().merge(ui)
}
