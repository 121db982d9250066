//! FCM HTTP v1: an OAuth2 access token from the service account (an RS256
//! JWT assertion POSTed to its `token_uri`, kept until shortly before it
//! expires), then `POST {base}/v1/projects/{project}/messages:send`.

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};

use super::{Providers, by_status, seconds_since_epoch, unanswered};
use crate::core::push::notifiers::FcmCredentials;
use crate::core::push::worker::{Job, Outcome};

const DEFAULT_BASE: &str = "https://fcm.googleapis.com";
const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

#[derive(serde::Serialize)]
struct Assertion<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// The access token, from the cache or the token endpoint.
async fn access_token(p: &Providers, c: &FcmCredentials) -> Result<String, Outcome> {
    let key = format!("fcm\n{}\n{}", c.token_uri, c.client_email);
    if let Some(token) = p.cached(&key) {
        return Ok(token);
    }
    let _one_fetch = p.fetching.lock().await;
    if let Some(token) = p.cached(&key) {
        return Ok(token);
    }
    let signing = EncodingKey::from_rsa_pem(c.private_key.as_bytes())
        .map_err(|e| Outcome::Failed(format!("the service account's private key: {e}")))?;
    let iat = seconds_since_epoch();
    let claims = Assertion { iss: &c.client_email, scope: SCOPE, aud: &c.token_uri, iat, exp: iat + 3600 };
    let assertion = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &signing)
        .map_err(|e| Outcome::Failed(format!("signing the assertion: {e}")))?;
    let resp = p
        .http
        .post(&c.token_uri)
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.as_str()),
        ])
        .send()
        .await
        .map_err(unanswered)?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(match by_status(status, &text) {
            Outcome::Failed(why) => Outcome::Failed(format!("token endpoint: {why}")),
            other => other,
        });
    }
    let answer: TokenAnswer =
        serde_json::from_str(&text).map_err(|e| Outcome::Retry(format!("token endpoint answer: {e}")))?;
    // A minute early, so that a token is never used as it expires.
    let valid = answer.expires_in.unwrap_or(3600).saturating_sub(60);
    p.cache(key, answer.access_token.clone(), Duration::from_secs(valid));
    Ok(answer.access_token)
}

/// The v1 message: a notification (not for `cmd`, which is data only) and
/// the `ext` fields as data (FCM data values are strings).
pub(super) fn body(job: &Job) -> serde_json::Value {
    let m = &job.message;
    let mut data = serde_json::Map::new();
    for (k, v) in m.ext.iter().flatten() {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        data.insert(k.clone(), text.into());
    }
    data.insert("task_id".into(), job.task_id.to_string().into());
    let mut message = serde_json::json!({"token": job.device_token, "data": data});
    if !m.is_cmd() {
        let mut notification = serde_json::json!({"title": m.title, "body": m.body});
        if !m.attachment_url.is_empty() {
            notification["image"] = m.attachment_url.clone().into();
        }
        message["notification"] = notification;
    }
    serde_json::json!({ "message": message })
}

pub(super) async fn send(p: &Providers, c: &FcmCredentials, job: &Job) -> Outcome {
    let token = match access_token(p, c).await {
        Ok(t) => t,
        Err(outcome) => return outcome,
    };
    let base = c.base_url.as_deref().unwrap_or(DEFAULT_BASE).trim_end_matches('/');
    let url = format!("{base}/v1/projects/{}/messages:send", c.project_id);
    let sent = p.http.post(url).bearer_auth(token).json(&body(job)).send().await;
    match sent {
        Ok(resp) => {
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            if status.as_u16() == 401 {
                // The token was revoked or expired early: fetch another next time.
                p.forget(&format!("fcm\n{}\n{}", c.token_uri, c.client_email));
                return Outcome::Retry(format!("HTTP 401: {text}"));
            }
            by_status(status, &text)
        }
        Err(e) => unanswered(e),
    }
}
