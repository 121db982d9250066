//! APNs with token-based authentication: an ES256 JWT (`iss` the team,
//! `kid` the key) reused for 50 minutes (Apple refuses one older than an
//! hour and one renewed more often than every 20), then an HTTP/2 `POST
//! {base}/3/device/{token}`. `apns-id` is the delivery's idempotency key.

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};

use super::{Providers, by_status, seconds_since_epoch, unanswered};
use crate::core::push::Environment;
use crate::core::push::notifiers::ApnsCredentials;
use crate::core::push::worker::{Job, Outcome};

const PRODUCTION: &str = "https://api.push.apple.com";
const DEVELOPMENT: &str = "https://api.sandbox.push.apple.com";
const JWT_REUSE: Duration = Duration::from_secs(50 * 60);

#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    iat: u64,
}

fn jwt(p: &Providers, c: &ApnsCredentials) -> Result<String, Outcome> {
    let key = format!("apns\n{}\n{}", c.team_id, c.key_id);
    if let Some(token) = p.cached(&key) {
        return Ok(token);
    }
    let signing = EncodingKey::from_ec_pem(c.private_key.as_bytes())
        .map_err(|e| Outcome::Failed(format!("the .p8 key: {e}")))?;
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(c.key_id.clone());
    let token =
        jsonwebtoken::encode(&header, &Claims { iss: &c.team_id, iat: seconds_since_epoch() }, &signing)
            .map_err(|e| Outcome::Failed(format!("signing the APNs token: {e}")))?;
    p.cache(key, token.clone(), JWT_REUSE);
    Ok(token)
}

/// `{"aps": {...}, ...ext}`: an alert, or for `cmd` a background push
/// (`content-available`, nothing shown).
pub(super) fn body(job: &Job) -> serde_json::Value {
    let m = &job.message;
    let mut body = serde_json::Map::new();
    for (k, v) in m.ext.iter().flatten() {
        if k != "aps" {
            body.insert(k.clone(), v.clone());
        }
    }
    let aps = if m.is_cmd() {
        serde_json::json!({"content-available": 1})
    } else {
        let mut aps = serde_json::json!({"alert": {"title": m.title, "body": m.body}});
        if !m.attachment_url.is_empty() {
            aps["mutable-content"] = 1.into();
            body.insert("attachment_url".into(), m.attachment_url.clone().into());
        }
        aps
    };
    body.insert("aps".into(), aps);
    body.insert("task_id".into(), job.task_id.into());
    serde_json::Value::Object(body)
}

pub(super) async fn send(p: &Providers, c: &ApnsCredentials, job: &Job) -> Outcome {
    let token = match jwt(p, c) {
        Ok(t) => t,
        Err(outcome) => return outcome,
    };
    let base = c
        .base_url
        .as_deref()
        .unwrap_or(match job.notifier.environment {
            Environment::Production => PRODUCTION,
            Environment::Development => DEVELOPMENT,
        })
        .trim_end_matches('/');
    // Apple speaks only HTTP/2; without TLS there is no ALPN to agree on it.
    let client = if base.starts_with("http://") { &p.h2c } else { &p.http };
    let (push_type, priority) = if job.message.is_cmd() { ("background", "5") } else { ("alert", "10") };
    let sent = client
        .post(format!("{base}/3/device/{}", job.device_token))
        .version(reqwest::Version::HTTP_2)
        .header("authorization", format!("bearer {token}"))
        .header("apns-topic", &c.topic)
        .header("apns-push-type", push_type)
        .header("apns-priority", priority)
        .header("apns-id", &job.idempotency_key)
        .json(&body(job))
        .send()
        .await;
    match sent {
        Ok(resp) => {
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            if status.as_u16() == 403 && text.contains("ExpiredProviderToken") {
                p.forget(&format!("apns\n{}\n{}", c.team_id, c.key_id));
                return Outcome::Retry(format!("HTTP 403: {text}"));
            }
            by_status(status, &text)
        }
        Err(e) => unanswered(e),
    }
}
