//! How the MaxIM web SDK finds this server (`docs/socket.md#discovery`):
//! `GET /v2/app_dns` names this server's own public URL as the REST
//! (`ratel`), socket (`webim`) and RTC hosts; `/api/health` and `GET /`
//! answer its probes; `/app/config` its UI settings (the MaxIM spec has no
//! such operation). CORS comes from the server's layer (`app::cors`).

use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use serde_json::{Value, json};

/// The routes, answering with `public_url` (`--public-url`, or the bound
/// address): behind a proxy the listen address is not what clients reach.
pub fn router(public_url: &str) -> Router {
    let hosts = hosts(public_url);
    Router::new()
        .route("/v2/app_dns", get(move |q: Query<DnsQuery>| dns(q, hosts.clone())))
        .route("/api/health", get(|| async { axum::Json(json!({"status": "ok"})) }))
        .route("/app/config", get(app_config).post(app_config))
        .route("/", get(|| async { "ok" }))
}

#[derive(Debug, serde::Deserialize)]
struct DnsQuery {
    #[serde(default)]
    app_id: Option<String>,
}

/// `(ratel, webim)` hosts: the REST host may carry a path prefix, the
/// socket host must not (socket.io would read a path as a namespace).
#[derive(Debug, Clone)]
struct Hosts {
    ratel: Value,
    webim: Value,
}

fn hosts(public_url: &str) -> Hosts {
    let (protocol, host, path) = match url::Url::parse(public_url) {
        Ok(u) => {
            let host = match (u.host_str(), u.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_owned(),
                (None, _) => "localhost".to_owned(),
            };
            (u.scheme().to_owned(), host, u.path().trim_end_matches('/').to_owned())
        }
        Err(_) => ("http".to_owned(), public_url.to_owned(), String::new()),
    };
    let ip_list: Vec<String> = Vec::new();
    Hosts {
        ratel: json!({"protocol": protocol, "host": format!("{host}{path}"), "ip_list": ip_list}),
        webim: json!({"protocol": protocol, "host": host, "ip_list": ip_list}),
    }
}

async fn dns(Query(q): Query<DnsQuery>, hosts: Hosts) -> axum::Json<Value> {
    let cluster = json!({
        "ratel": [hosts.ratel],
        "webim": [hosts.webim.clone()],
        // The SDK stops without an RTC host, even for chat alone.
        "rtc": [hosts.webim],
    });
    axum::Json(json!({
        "code": 200,
        "message": "ok",
        "data": {
            "app_id": q.app_id.unwrap_or_default(),
            "dns_list": [{"group_level": 0, "clusters": [cluster]}],
            "app_status": "normal",
            "account_verification": {},
            "dns_server_list": [],
            "link_server_list": [],
            "version": 1,
        }
    }))
}

/// UI settings: none are kept, so the SDK's defaults apply.
async fn app_config() -> axum::Json<Value> {
    axum::Json(json!({"code": 200, "message": "ok", "data": {}}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_keep_the_port_and_give_the_path_to_rest_only() {
        let h = hosts("https://im.example.com:8443/api/");
        assert_eq!(h.ratel["host"], "im.example.com:8443/api");
        assert_eq!(h.webim["host"], "im.example.com:8443");
        assert_eq!(h.webim["protocol"], "https");
    }
}
