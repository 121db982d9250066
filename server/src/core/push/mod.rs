//! Push: notifiers (an app's push credentials), tasks that send one message
//! to an audience, and the per-device deliveries a background worker makes
//! through the provider of each device's notifier (`docs/push.md`).
//!
//! A task is resolved when it is made: the audience becomes one delivery
//! row per device with a bound push token, those whose user's settings say
//! "not now" (`no_push`, quiet hours) recorded as skipped. The worker
//! ([`worker`]) then sends the pending rows; the rows, not memory, hold the
//! progress, so a restart resumes and several nodes share the work. How a
//! message reaches a provider is the [`worker::Deliver`] the server plugs
//! in (`server/src/push/`): the core holds no HTTP.

pub mod notifiers;
pub mod worker;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Core;
use super::error::{Error, Result};
use super::ids::{AppId, UserId};
use super::validation::Limit;
pub use notifiers::{Credentials, Environment, Kind, NewNotifier, Notifier};

/// Entries an audience list may have (MaxIM answers 12005 above).
pub const MAX_AUDIENCE: usize = 500;

/// Who a task is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every device of the app with a bound token.
    All,
    Users(Vec<UserId>),
    /// Users whose push alias is one of these.
    Aliases(Vec<String>),
    /// Users with one of these tags.
    Tags(Vec<String>),
    /// Devices whose MaxIM push token (issued at login) or bound vendor
    /// token is one of these.
    PushTokens(Vec<String>),
}

impl Audience {
    fn check(&self) -> Result<()> {
        let (field, len) = match self {
            Audience::All => return Ok(()),
            Audience::Users(v) => ("user_id", v.len()),
            Audience::Aliases(v) => ("alias", v.len()),
            Audience::Tags(v) => ("tag", v.len()),
            Audience::PushTokens(v) => ("push_token", v.len()),
        };
        if len == 0 {
            return Err(Error::invalid(field, "the audience list is empty"));
        }
        if len > MAX_AUDIENCE {
            return Err(Error::PushAudienceTooLarge { max: MAX_AUDIENCE });
        }
        let texts = match self {
            Audience::Aliases(v) | Audience::Tags(v) | Audience::PushTokens(v) => v.as_slice(),
            _ => &[],
        };
        for t in texts {
            if t.is_empty() || t.len() > 512 {
                return Err(Error::invalid(field, "entries are 1 to 512 bytes"));
            }
        }
        Ok(())
    }

    /// For the task row (what was asked, kept for inspection).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Audience::All => serde_json::json!("all"),
            Audience::Users(v) => serde_json::json!({"user_id": v.iter().map(|u| u.0).collect::<Vec<_>>()}),
            Audience::Aliases(v) => serde_json::json!({ "alias": v }),
            Audience::Tags(v) => serde_json::json!({ "tag": v }),
            Audience::PushTokens(v) => serde_json::json!({ "push_token": v }),
        }
    }
}

/// The message a task sends. The documented fields are typed; the rest of
/// what the caller sent (`ios`, `android`, `badge`, …) is kept and handed
/// to the webhook as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PushMessage {
    /// `text`, `image` or `cmd` (pass-through: not shown by the system).
    #[serde(rename = "type", default = "text")]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub attachment_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

fn text() -> String {
    "text".into()
}

impl PushMessage {
    pub fn is_cmd(&self) -> bool {
        self.kind == "cmd"
    }

    fn check(&mut self) -> Result<()> {
        if self.kind.is_empty() {
            self.kind = text();
        }
        if !matches!(self.kind.as_str(), "text" | "image" | "cmd") {
            return Err(Error::invalid("type", "text, image or cmd"));
        }
        Limit { field: "title", max: 256 }.check(&self.title)?;
        Limit { field: "body", max: 4096 }.check(&self.body)?;
        Limit { field: "attachment_url", max: 2048 }.check(&self.attachment_url)?;
        if serde_json::to_string(self).map(|s| s.len()).unwrap_or(usize::MAX) > 16 * 1024 {
            return Err(Error::invalid("message", "at most 16 KiB of JSON"));
        }
        Ok(())
    }
}

/// One device the audience resolved to, with what decides its fate.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub user: UserId,
    pub device_sn: i64,
    pub device_token: String,
    pub notifier_name: String,
    pub no_push: bool,
    pub quiet_start_hour: i64,
    pub quiet_end_hour: i64,
    pub disabled: bool,
}

/// What becomes of a candidate when the task is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initial {
    Pending,
    Skipped,
    Failed,
}

/// A delivery row to create.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub user: UserId,
    pub device_sn: i64,
    pub device_token: String,
    pub notifier_name: String,
    /// The notifier's kind, `""` when the app has no notifier of that name.
    pub provider: String,
    pub state: Initial,
    pub reason: String,
    pub idempotency_key: String,
}

/// Figures of one channel (notifier kind) of a task.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelFigures {
    /// Devices with a bound token the audience resolved to.
    pub target: i64,
    /// Accepted by the provider (2xx).
    pub sent: i64,
    /// Not sent because of the user's push settings.
    pub skipped: i64,
    /// Given up: refused, retries exhausted, or no provider.
    pub failed: i64,
    /// Still to be sent (or being sent).
    pub pending: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFigures {
    pub task_id: i64,
    /// By provider (`apns`, `fcm`, `webhook`, a vendor kind, or `""` for
    /// devices bound to a notifier name the app does not have).
    pub channels: BTreeMap<String, ChannelFigures>,
}

/// Whether `hour` (0-23, UTC) falls in the quiet hours `start..end`; equal
/// bounds mean none, and `start > end` wraps past midnight (22 to 7).
pub fn in_quiet_hours(start: i64, end: i64, hour: i64) -> bool {
    if start == end {
        false
    } else if start < end {
        (start..end).contains(&hour)
    } else {
        hour >= start || hour < end
    }
}

/// A UUID-shaped random key (APNs wants `apns-id` as a UUID).
fn idempotency_key() -> String {
    let h = super::secrets::random_hex(16);
    format!("{}-{}-4{}-a{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

pub struct Push<'a> {
    pub(super) core: &'a Core,
}

impl Push<'_> {
    pub async fn add_notifier(&self, app: &AppId, new: NewNotifier) -> Result<Notifier> {
        new.check()?;
        self.core.apps().get(app).await?;
        let now = self.core.now_ms();
        if !self.core.db.insert_notifier(app, &new, now).await? {
            return Err(Error::invalid(
                "name",
                format!("the app already has a notifier named `{}`", new.name),
            ));
        }
        Ok(Notifier {
            name: new.name,
            kind: new.kind,
            environment: new.environment,
            credentials: new.credentials,
            created_at: now,
        })
    }

    pub async fn notifiers(&self, app: &AppId) -> Result<Vec<Notifier>> {
        self.core.db.notifiers(app).await
    }

    /// Whether there was one to remove. Devices bound to the name keep
    /// it: their deliveries fail until a notifier of that name exists again.
    pub async fn remove_notifier(&self, app: &AppId, name: &str) -> Result<bool> {
        self.core.db.delete_notifier(app, name).await
    }

    /// The app's notifier of `kind` for `environment` (the first added if
    /// several): what `/push/certificate` answers. None: `PushNotEnabled`.
    pub async fn certificate(&self, app: &AppId, environment: Environment, kind: Kind) -> Result<Notifier> {
        self.notifiers(app)
            .await?
            .into_iter()
            .find(|n| n.kind == kind && n.environment == environment)
            .ok_or(Error::PushNotEnabled)
    }

    /// Makes a task: resolves the audience to deliveries and answers the
    /// task id. With a `request_id` seen before, the earlier task's id and
    /// nothing new.
    pub async fn notify(
        &self,
        app: &AppId,
        audience: Audience,
        mut message: PushMessage,
        request_id: Option<String>,
    ) -> Result<i64> {
        audience.check()?;
        message.check()?;
        let request_id = request_id.filter(|r| !r.is_empty());
        if let Some(r) = &request_id {
            Limit { field: "request_id", max: 128 }.check(r)?;
        }
        let notifiers = self.notifiers(app).await?;
        if notifiers.is_empty() {
            return Err(Error::PushNotEnabled);
        }
        let now = self.core.now_ms();
        let hour = now.div_euclid(3_600_000).rem_euclid(24);
        let candidates = self.core.db.push_candidates(app, &audience).await?;
        let deliveries = candidates
            .into_iter()
            .map(|c| {
                let notifier = notifiers.iter().find(|n| n.name == c.notifier_name);
                let provider = notifier.map(|n| n.kind.as_str().to_owned()).unwrap_or_default();
                let (state, reason) = if c.disabled {
                    (Initial::Skipped, "user disabled".to_owned())
                } else if c.no_push {
                    (Initial::Skipped, "no_push".to_owned())
                } else if in_quiet_hours(c.quiet_start_hour, c.quiet_end_hour, hour) {
                    (Initial::Skipped, "quiet hours".to_owned())
                } else {
                    match notifier {
                        None => (Initial::Failed, format!("no notifier named `{}`", c.notifier_name)),
                        Some(n) if !n.kind.delivers() => {
                            (Initial::Failed, format!("no provider for {} notifiers", n.kind.as_str()))
                        }
                        Some(_) => (Initial::Pending, String::new()),
                    }
                };
                NewDelivery {
                    user: c.user,
                    device_sn: c.device_sn,
                    device_token: c.device_token,
                    notifier_name: c.notifier_name,
                    provider,
                    state,
                    reason,
                    idempotency_key: idempotency_key(),
                }
            })
            .collect::<Vec<_>>();
        let message_json =
            serde_json::to_string(&message).map_err(|e| Error::invalid("message", e.to_string()))?;
        self.core
            .db
            .create_push_task(
                app,
                request_id.as_deref(),
                &audience.to_json().to_string(),
                &message_json,
                &deliveries,
                now,
            )
            .await
    }

    /// Figures of the app's tasks among `ids`, in the order asked; ids of
    /// no task of the app are left out.
    pub async fn figures(&self, app: &AppId, ids: &[i64]) -> Result<Vec<TaskFigures>> {
        if ids.len() > MAX_AUDIENCE {
            return Err(Error::invalid("list", format!("at most {MAX_AUDIENCE} task ids")));
        }
        let mut out = Vec::new();
        for &id in ids {
            if out.iter().any(|f: &TaskFigures| f.task_id == id) {
                continue;
            }
            if let Some(f) = self.core.db.push_task_figures(app, id).await? {
                out.push(f);
            }
        }
        Ok(out)
    }
}
