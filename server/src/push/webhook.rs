//! The webhook provider: the app's own gateway receives every delivery as a
//! signed JSON POST and forwards it however it likes. The signature is
//! `X-Push-Signature: sha256=<hex HMAC-SHA256 of the body with the
//! notifier's secret>`; `Idempotency-Key` is the delivery's key, the same on
//! every retry (`docs/push.md#webhook`).

use super::{Providers, by_status, unanswered};
use crate::core::push::notifiers::WebhookCredentials;
use crate::core::push::worker::{Job, Outcome};

pub(super) const SIGNATURE_HEADER: &str = "x-push-signature";

/// `sha256=<hex>` of `body` under `secret`.
pub(super) fn signature(secret: &str, body: &[u8]) -> String {
    use crate::core::secrets;
    format!("sha256={}", secrets::hex(&secrets::hmac_sha256(secret.as_bytes(), body)))
}

pub(super) async fn send(p: &Providers, c: &WebhookCredentials, job: &Job) -> Outcome {
    let body = serde_json::json!({
        "task_id": job.task_id,
        "delivery_id": job.delivery_id,
        "push_token": job.device_token,
        "user_id": job.user.0,
        "notifier": job.notifier.name,
        "attempt": job.attempt,
        "message": job.message,
    })
    .to_string();
    let sent = p
        .http
        .post(&c.url)
        .header("content-type", "application/json")
        .header("idempotency-key", &job.idempotency_key)
        .header(SIGNATURE_HEADER, signature(&c.secret, body.as_bytes()))
        .body(body)
        .send()
        .await;
    match sent {
        Ok(resp) => {
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            by_status(status, &text)
        }
        Err(e) => unanswered(e),
    }
}
