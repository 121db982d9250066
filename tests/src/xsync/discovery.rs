//! Finding the socket as the SDK does with a custom `dnsServer` (guide §2):
//! `GET {base}/v2/app_dns?app_id=A&source=sdk`, the `group_level == 0` entry,
//! its first cluster's `ratel` and `webim` hosts. Like the SDK, a cluster
//! without `rtc` hosts is refused.

use serde_json::Value;

/// Where REST and the socket are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// `{protocol}://{host}` of the REST API.
    pub ratel: String,
    /// `{protocol}://{host}` of the socket (turned into `ws(s)://` to connect).
    pub fireplace: String,
    pub app_status: String,
}

/// Asks the DNS endpoint of `base_url` for app `app_id`.
pub async fn discover(http: &reqwest::Client, base_url: &str, app_id: &str) -> Result<Discovery, String> {
    let url = format!("{}/v2/app_dns", base_url.trim_end_matches('/'));
    let response = http
        .get(&url)
        .query(&[("app_id", app_id), ("source", "sdk")])
        .header("app_id", app_id)
        .header("Accept", "application/json, text/plain, */*")
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let body: Value = response.json().await.map_err(|e| format!("GET {url}: not JSON: {e}"))?;
    parse(&body)
}

/// The discovery in a DNS answer, with the SDK's refusals.
pub fn parse(body: &Value) -> Result<Discovery, String> {
    if body["code"] != 200 {
        return Err(format!("DNS_FAILED: code {}", body["code"]));
    }
    let data = &body["data"];
    let status = data["app_status"].as_str().unwrap_or("").to_string();
    if matches!(status.as_str(), "banned" | "frozen" | "revoked") {
        return Err(format!("app {status}"));
    }
    let entry = data["dns_list"]
        .as_array()
        .and_then(|l| l.iter().find(|e| e["group_level"] == 0))
        .ok_or("DNS_FAILED: no dns_list entry with group_level 0")?;
    let cluster = entry["clusters"].as_array().and_then(|c| c.first()).ok_or("DNS_FAILED: no cluster")?;
    let first = |name: &str| -> Result<String, String> {
        let host =
            cluster[name].as_array().and_then(|h| h.first()).ok_or(format!("DNS_FAILED: no {name} host"))?;
        let protocol = host["protocol"].as_str().ok_or(format!("{name}: no protocol"))?;
        let address = host["host"].as_str().ok_or(format!("{name}: no host"))?;
        Ok(format!("{protocol}://{address}"))
    };
    let ratel = first("ratel")?;
    let fireplace = first("webim")?;
    first("rtc")?;
    if fireplace.split("://").nth(1).is_some_and(|h| h.contains('/')) {
        return Err("webim host carries a path (socket.io would read it as a namespace)".into());
    }
    Ok(Discovery { ratel, fireplace, app_status: status })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(clusters: Value) -> Value {
        json!({"code": 200, "message": "", "data": {"app_status": "normal",
            "dns_list": [{"group_level": 0, "clusters": clusters}]}})
    }

    #[test]
    fn picks_ratel_and_webim_and_requires_rtc() {
        let host = json!([{"protocol": "http", "host": "127.0.0.1:9"}]);
        let d = parse(&answer(json!([{"ratel": host, "webim": host, "rtc": host}]))).expect("discovery");
        assert_eq!(d.fireplace, "http://127.0.0.1:9");
        assert_eq!(d.ratel, "http://127.0.0.1:9");
        assert!(parse(&answer(json!([{"ratel": host, "webim": host}]))).is_err());
        assert!(parse(&json!({"code": 404})).is_err());
    }
}
