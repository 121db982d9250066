//! The delivery worker: claims due delivery rows, hands each to the
//! provider through [`Deliver`], and settles the row with the outcome.
//!
//! The guarantee (`docs/push.md#delivery-guarantee`): a row settled as sent
//! is never sent again; a row claimed by a worker that died (a crash, a
//! stop in the middle of a request) is claimed again once its lease has run
//! out and sent again with the same idempotency key, so a receiver that
//! keeps the keys it has seen can drop the duplicate. Two workers never hold
//! one row at once: a claim is a conditional UPDATE that only takes rows
//! pending and due or whose lease is over, and only the claim's holder may
//! settle the row.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::{Notifier, PushMessage};
use crate::core::Core;
use crate::core::clock::duration_ms;
use crate::core::error::Result;
use crate::core::ids::{AppId, UserId};

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Wait between polls when nothing is due.
    pub poll_every: Duration,
    /// How long a claimed row is the claimer's; past it another worker
    /// takes the row over. Longer than a provider call with its timeout.
    pub lease: Duration,
    /// Attempts per delivery before it is failed.
    pub max_attempts: i64,
    /// Wait before the first retry, doubled each time (at most 10 minutes).
    pub retry_base: Duration,
    /// Rows claimed at once.
    pub batch: i64,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            poll_every: Duration::from_secs(1),
            lease: Duration::from_secs(120),
            max_attempts: 5,
            retry_base: Duration::from_secs(2),
            batch: 32,
        }
    }
}

/// A claimed delivery as stored.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub task_id: i64,
    pub app: AppId,
    pub user: UserId,
    pub device_token: String,
    pub notifier_name: String,
    pub idempotency_key: String,
    /// This attempt's number, from 1.
    pub attempt: i64,
}

/// What a provider is given.
#[derive(Debug, Clone)]
pub struct Job {
    pub delivery_id: i64,
    pub task_id: i64,
    pub app: AppId,
    pub user: UserId,
    /// The vendor token the device bound.
    pub device_token: String,
    /// The same on every attempt of this delivery.
    pub idempotency_key: String,
    pub attempt: i64,
    pub notifier: Notifier,
    pub message: PushMessage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The provider accepted the message.
    Sent,
    /// The provider refused it for good (a 4xx, a bad token).
    Failed(String),
    /// Worth trying again (a 5xx, 429, a connection error).
    Retry(String),
}

/// A boxed future, so that providers can sit behind `dyn`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one delivery; the server's providers implement it.
pub trait Deliver: Send + Sync + 'static {
    fn deliver<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Outcome>;
}

/// How a row ends an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    Sent,
    Failed(String),
    RetryAt { due_at: i64, reason: String },
}

/// Runs the worker until the task is aborted (the server stops). A failed
/// poll (database down) is logged and retried after `poll_every`.
pub async fn run(core: Core, deliver: Arc<dyn Deliver>) {
    let holder = crate::core::secrets::random_hex(8);
    let pause = core.config().push_worker.poll_every.max(Duration::from_millis(1));
    loop {
        match work_once(&core, &deliver, &holder).await {
            Ok(0) => tokio::time::sleep(pause).await,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("push worker: {e}");
                tokio::time::sleep(pause).await;
            }
        }
    }
}

/// Claims one batch and sends it, each delivery in a task of its own;
/// answers how many rows were claimed. Returns when the batch is settled.
pub async fn work_once(core: &Core, deliver: &Arc<dyn Deliver>, holder: &str) -> Result<usize> {
    let config = &core.config().push_worker;
    let now = core.now_ms();
    let claimed = core.db().claim_deliveries(holder, now, duration_ms(config.lease), config.batch).await?;
    let count = claimed.len();
    let mut notifiers: HashMap<(AppId, String), Option<Notifier>> = HashMap::new();
    let mut messages: HashMap<i64, Option<PushMessage>> = HashMap::new();
    let mut running = tokio::task::JoinSet::new();
    for row in claimed {
        let key = (row.app.clone(), row.notifier_name.clone());
        let notifier = match notifiers.get(&key) {
            Some(found) => found.clone(),
            None => {
                let found = core.db().notifier(&row.app, &row.notifier_name).await?;
                notifiers.insert(key, found.clone());
                found
            }
        };
        let message = match messages.get(&row.task_id) {
            Some(found) => found.clone(),
            None => {
                let stored = core.db().push_task_message(row.task_id).await?;
                let found: Option<PushMessage> = stored.and_then(|m| serde_json::from_str(&m).ok());
                messages.insert(row.task_id, found.clone());
                found
            }
        };
        let (core, deliver, holder) = (core.clone(), deliver.clone(), holder.to_owned());
        running.spawn(async move {
            let outcome = match (notifier, message) {
                (None, _) => Outcome::Failed(format!("no notifier named `{}`", row.notifier_name)),
                (_, None) => Outcome::Failed("the task's message cannot be read".into()),
                (Some(notifier), Some(message)) => {
                    let job = Job {
                        delivery_id: row.id,
                        task_id: row.task_id,
                        app: row.app.clone(),
                        user: row.user,
                        device_token: row.device_token.clone(),
                        idempotency_key: row.idempotency_key.clone(),
                        attempt: row.attempt,
                        notifier,
                        message,
                    };
                    deliver.deliver(&job).await
                }
            };
            let config = &core.config().push_worker;
            let settle = match outcome {
                Outcome::Sent => Settle::Sent,
                Outcome::Failed(reason) => Settle::Failed(reason),
                Outcome::Retry(reason) if row.attempt >= config.max_attempts => {
                    Settle::Failed(format!("gave up after {} attempts: {reason}", row.attempt))
                }
                Outcome::Retry(reason) => {
                    let wait = duration_ms(config.retry_base)
                        .saturating_mul(1 << (row.attempt - 1).clamp(0, 20))
                        .min(600_000);
                    Settle::RetryAt { due_at: core.now_ms().saturating_add(wait), reason }
                }
            };
            if let Err(e) = core.db().settle_delivery(row.id, &holder, &settle, core.now_ms()).await {
                tracing::warn!(delivery = row.id, "push worker could not record an outcome: {e}");
            }
        });
    }
    while running.join_next().await.is_some() {}
    Ok(count)
}
