//! The push providers: how a delivery reaches APNs, FCM or the app's own
//! webhook gateway (`docs/push.md#providers`). The core's worker decides
//! what to send and when; this module only speaks each provider's HTTP and
//! says whether the attempt was accepted, refused for good, or worth
//! retrying. Base URLs come from the notifier, so tests point them at local
//! servers.

mod apns;
mod fcm;
mod webhook;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::core::push::Credentials;
use crate::core::push::worker::{BoxFuture, Deliver, Job, Outcome};

/// How long one provider call may take; shorter than the worker's lease.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Delivers through the provider of the job's notifier kind, keeping the
/// access tokens (FCM) and signed JWTs (APNs) it obtained until they near
/// their expiry.
pub struct Providers {
    /// HTTP/1.1 or HTTP/2 as the server offers (TLS ALPN).
    http: reqwest::Client,
    /// HTTP/2 without TLS (h2c, prior knowledge): APNs stand-ins in tests.
    h2c: reqwest::Client,
    tokens: Mutex<HashMap<String, (String, Instant)>>,
    /// Held while an access token is fetched, so that a batch of
    /// deliveries starting together asks the token endpoint once.
    fetching: tokio::sync::Mutex<()>,
}

impl Default for Providers {
    fn default() -> Self {
        Self::new()
    }
}

impl Providers {
    pub fn new() -> Self {
        let http = reqwest::Client::builder().timeout(CALL_TIMEOUT).build().unwrap_or_default();
        let h2c = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .http2_prior_knowledge()
            .build()
            .unwrap_or_default();
        Providers { http, h2c, tokens: Mutex::new(HashMap::new()), fetching: tokio::sync::Mutex::new(()) }
    }

    fn cached(&self, key: &str) -> Option<String> {
        let tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens.get(key).filter(|(_, until)| Instant::now() < *until).map(|(t, _)| t.clone())
    }

    fn cache(&self, key: String, token: String, valid_for: Duration) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens.insert(key, (token, Instant::now() + valid_for));
    }

    fn forget(&self, key: &str) {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

impl Deliver for Providers {
    fn deliver<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            match &job.notifier.credentials {
                Credentials::Webhook(c) => webhook::send(self, c, job).await,
                Credentials::Fcm(c) => fcm::send(self, c, job).await,
                Credentials::Apns(c) => apns::send(self, c, job).await,
                Credentials::Vendor(_) => {
                    Outcome::Failed(format!("no provider for {} notifiers", job.notifier.kind.as_str()))
                }
            }
        })
    }
}

/// Whether the keys of `credentials` can sign what their provider needs
/// (an RS256 assertion for FCM, an ES256 token for APNs): the operator
/// hears of a bad key when adding the notifier, not from failed deliveries.
pub fn check_keys(credentials: &Credentials) -> Result<(), String> {
    use jsonwebtoken::EncodingKey;
    match credentials {
        Credentials::Fcm(c) => EncodingKey::from_rsa_pem(c.private_key.as_bytes())
            .map(drop)
            .map_err(|e| format!("the service account's private_key is not an RSA key: {e}")),
        Credentials::Apns(c) => EncodingKey::from_ec_pem(c.private_key.as_bytes())
            .map(drop)
            .map_err(|e| format!("the .p8 file is not an EC P-256 key: {e}")),
        Credentials::Webhook(_) | Credentials::Vendor(_) => Ok(()),
    }
}

/// A status as an outcome: 2xx sent; 429, 408 and 5xx retried; other 4xx failed.
fn by_status(status: reqwest::StatusCode, body: &str) -> Outcome {
    let why = || format!("HTTP {}: {}", status.as_u16(), body.chars().take(200).collect::<String>());
    if status.is_success() {
        Outcome::Sent
    } else if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
        Outcome::Retry(why())
    } else {
        Outcome::Failed(why())
    }
}

/// A request that got no answer (refused, reset, timed out): retried.
fn unanswered(e: reqwest::Error) -> Outcome {
    Outcome::Retry(format!("no answer: {e}"))
}

fn seconds_since_epoch() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
