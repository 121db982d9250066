//! Push rows: notifiers, tasks and their deliveries. A task and its
//! deliveries are written in one transaction (a task is never seen half
//! resolved); a delivery is claimed by one conditional UPDATE that takes
//! only rows pending and due or whose lease has run out, so two workers
//! never hold the same row, and settled only by the claim that holds it.

use std::collections::BTreeMap;

use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use crate::core::error::Result;
use crate::core::ids::{AppId, UserId};
use crate::core::push::worker::{Claimed, Settle};
use crate::core::push::{
    Audience, Candidate, ChannelFigures, Credentials, Environment, Initial, Kind, NewDelivery, NewNotifier,
    Notifier, TaskFigures,
};

use super::Db;
use super::errors::storage;
use super::rows::get;

const NOTIFIER_COLUMNS: &str = "name, kind, environment, credentials, created_at";

fn notifier(row: &AnyRow) -> Result<Notifier> {
    let kind: String = get(row, "kind")?;
    let kind = Kind::parse(&kind).ok_or_else(|| storage("unknown notifier kind"))?;
    let environment = Environment::from_i64(get(row, "environment")?)
        .ok_or_else(|| storage("notifier environment out of range"))?;
    let credentials: String = get(row, "credentials")?;
    Ok(Notifier {
        name: get(row, "name")?,
        kind,
        environment,
        credentials: Credentials::from_json(kind, &credentials)
            .map_err(|_| storage("stored notifier credentials unreadable"))?,
        created_at: get(row, "created_at")?,
    })
}

fn state_name(state: Initial) -> &'static str {
    match state {
        Initial::Pending => "pending",
        Initial::Skipped => "skipped",
        Initial::Failed => "failed",
    }
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

impl Db {
    /// False when the app already has a notifier of that name.
    pub async fn insert_notifier(&self, app: &AppId, new: &NewNotifier, now: i64) -> Result<bool> {
        let row = sqlx::query(
            "INSERT INTO push_notifiers (app_id, name, kind, environment, credentials, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (app_id, name) DO NOTHING RETURNING id",
        )
        .bind(app.as_str())
        .bind(new.name.as_str())
        .bind(new.kind.as_str())
        .bind(new.environment as i64)
        .bind(new.credentials.to_json())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    pub async fn notifiers(&self, app: &AppId) -> Result<Vec<Notifier>> {
        let sql = format!("SELECT {NOTIFIER_COLUMNS} FROM push_notifiers WHERE app_id = $1 ORDER BY id");
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(app.as_str()).fetch_all(&self.pool).await?;
        rows.iter().map(notifier).collect()
    }

    pub async fn notifier(&self, app: &AppId, name: &str) -> Result<Option<Notifier>> {
        let sql = format!("SELECT {NOTIFIER_COLUMNS} FROM push_notifiers WHERE app_id = $1 AND name = $2");
        let row =
            sqlx::query(AssertSqlSafe(sql)).bind(app.as_str()).bind(name).fetch_optional(&self.pool).await?;
        row.as_ref().map(notifier).transpose()
    }

    pub async fn delete_notifier(&self, app: &AppId, name: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM push_notifiers WHERE app_id = $1 AND name = $2")
            .bind(app.as_str())
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The app's devices with a bound token that `audience` names, with
    /// their users' push settings.
    pub async fn push_candidates(&self, app: &AppId, audience: &Audience) -> Result<Vec<Candidate>> {
        let (filter, texts, ids): (String, &[String], Vec<i64>) = match audience {
            Audience::All => (String::new(), &[], Vec::new()),
            Audience::Users(v) => (
                format!("AND d.user_id IN ({})", placeholders(2, v.len())),
                &[],
                v.iter().map(|u| u.0).collect(),
            ),
            Audience::Aliases(v) => {
                (format!("AND s.push_alias IN ({})", placeholders(2, v.len())), v.as_slice(), Vec::new())
            }
            Audience::Tags(v) => (
                format!(
                    "AND d.user_id IN (SELECT user_id FROM user_tags WHERE tag IN ({}))",
                    placeholders(2, v.len())
                ),
                v.as_slice(),
                Vec::new(),
            ),
            Audience::PushTokens(v) => {
                let list = placeholders(2, v.len());
                (
                    format!("AND (d.push_token IN ({list}) OR d.device_token IN ({list}))"),
                    v.as_slice(),
                    Vec::new(),
                )
            }
        };
        let sql = format!(
            "SELECT d.user_id, d.device_sn, d.device_token, d.notifier_name, u.disabled,
                    COALESCE(s.no_push, 0) AS no_push,
                    COALESCE(s.no_push_start_hour, 0) AS quiet_start,
                    COALESCE(s.no_push_end_hour, 0) AS quiet_end
             FROM devices d
             JOIN users u ON u.id = d.user_id
             LEFT JOIN user_settings s ON s.user_id = d.user_id
             WHERE u.app_id = $1 AND d.device_token IS NOT NULL AND d.notifier_name IS NOT NULL
                   AND d.device_token <> '' {filter}
             ORDER BY d.user_id, d.device_sn"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(app.as_str());
        for t in texts {
            query = query.bind(t.as_str());
        }
        for id in ids {
            query = query.bind(id);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(Candidate {
                    user: UserId(get(r, "user_id")?),
                    device_sn: get(r, "device_sn")?,
                    device_token: get(r, "device_token")?,
                    notifier_name: get(r, "notifier_name")?,
                    no_push: get::<i64>(r, "no_push")? != 0,
                    quiet_start_hour: get(r, "quiet_start")?,
                    quiet_end_hour: get(r, "quiet_end")?,
                    disabled: get::<i64>(r, "disabled")? != 0,
                })
            })
            .collect()
    }

    /// The task and its deliveries in one transaction; with a `request_id`
    /// the app used before, the earlier task's id and nothing written.
    pub async fn create_push_task(
        &self,
        app: &AppId,
        request_id: Option<&str>,
        audience: &str,
        message: &str,
        deliveries: &[NewDelivery],
        now: i64,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO push_tasks (app_id, request_id, audience, message, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (app_id, request_id) DO NOTHING RETURNING id",
        )
        .bind(app.as_str())
        .bind(request_id)
        .bind(audience)
        .bind(message)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = inserted else {
            let earlier = sqlx::query("SELECT id FROM push_tasks WHERE app_id = $1 AND request_id = $2")
                .bind(app.as_str())
                .bind(request_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| storage("push task neither inserted nor found"))?;
            return get(&earlier, "id");
        };
        let task: i64 = get(&row, "id")?;
        const COLUMNS: usize = 12;
        for chunk in deliveries.chunks(50) {
            let values = (0..chunk.len())
                .map(|i| format!("({})", placeholders(1 + i * COLUMNS, COLUMNS)))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO push_deliveries (task_id, app_id, user_id, device_sn, device_token, notifier_name,
                     provider, state, idem_key, due_at, reason, updated_at) VALUES {values}"
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for d in chunk {
                query = query
                    .bind(task)
                    .bind(app.as_str())
                    .bind(d.user.0)
                    .bind(d.device_sn)
                    .bind(d.device_token.as_str())
                    .bind(d.notifier_name.as_str())
                    .bind(d.provider.as_str())
                    .bind(state_name(d.state))
                    .bind(d.idempotency_key.as_str())
                    .bind(now)
                    .bind(d.reason.as_str())
                    .bind(now);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(task)
    }

    pub async fn push_task_figures(&self, app: &AppId, task: i64) -> Result<Option<TaskFigures>> {
        let found = sqlx::query("SELECT id FROM push_tasks WHERE id = $1 AND app_id = $2")
            .bind(task)
            .bind(app.as_str())
            .fetch_optional(&self.pool)
            .await?;
        if found.is_none() {
            return Ok(None);
        }
        let rows = sqlx::query(
            "SELECT provider, state, COUNT(*) AS n FROM push_deliveries WHERE task_id = $1
             GROUP BY provider, state",
        )
        .bind(task)
        .fetch_all(&self.pool)
        .await?;
        let mut channels: BTreeMap<String, ChannelFigures> = BTreeMap::new();
        for r in &rows {
            let provider: String = get(r, "provider")?;
            let state: String = get(r, "state")?;
            let n: i64 = get(r, "n")?;
            let f = channels.entry(provider).or_default();
            f.target += n;
            match state.as_str() {
                "sent" => f.sent += n,
                "skipped" => f.skipped += n,
                "failed" => f.failed += n,
                _ => f.pending += n,
            }
        }
        Ok(Some(TaskFigures { task_id: task, channels }))
    }

    pub async fn push_task_message(&self, task: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT message FROM push_tasks WHERE id = $1")
            .bind(task)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|r| get(r, "message")).transpose()
    }

    /// Takes up to `batch` rows that are pending and due, or sending with
    /// their lease over (a worker that died), for `holder` until `now +
    /// lease_ms`. The outer condition repeats the inner one: a row another
    /// worker claimed in between no longer matches it.
    pub async fn claim_deliveries(
        &self,
        holder: &str,
        now: i64,
        lease_ms: i64,
        batch: i64,
    ) -> Result<Vec<Claimed>> {
        let rows = sqlx::query(
            "UPDATE push_deliveries
             SET state = 'sending', claim = $1, due_at = $3, attempts = attempts + 1, updated_at = $2
             WHERE id IN (SELECT id FROM push_deliveries
                          WHERE state IN ('pending', 'sending') AND due_at <= $2
                          ORDER BY due_at, id LIMIT $4)
               AND state IN ('pending', 'sending') AND due_at <= $2
             RETURNING id, task_id, app_id, user_id, device_token, notifier_name, idem_key, attempts",
        )
        .bind(holder)
        .bind(now)
        .bind(now.saturating_add(lease_ms))
        .bind(batch)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let app: String = get(r, "app_id")?;
                Ok(Claimed {
                    id: get(r, "id")?,
                    task_id: get(r, "task_id")?,
                    app: AppId::parse(&app).map_err(|_| storage("delivery app id unreadable"))?,
                    user: UserId(get(r, "user_id")?),
                    device_token: get(r, "device_token")?,
                    notifier_name: get(r, "notifier_name")?,
                    idempotency_key: get(r, "idem_key")?,
                    attempt: get(r, "attempts")?,
                })
            })
            .collect()
    }

    /// Records an attempt's outcome, if `holder` still holds the row (a
    /// worker whose lease ran out must not overwrite its successor's).
    pub async fn settle_delivery(&self, id: i64, holder: &str, settle: &Settle, now: i64) -> Result<bool> {
        let (state, due_at, reason) = match settle {
            Settle::Sent => ("sent", now, ""),
            Settle::Failed(reason) => ("failed", now, reason.as_str()),
            Settle::RetryAt { due_at, reason } => ("pending", *due_at, reason.as_str()),
        };
        let done = sqlx::query(
            "UPDATE push_deliveries SET state = $3, due_at = $4, reason = $5, claim = '', updated_at = $6
             WHERE id = $1 AND claim = $2 AND state = 'sending'",
        )
        .bind(id)
        .bind(holder)
        .bind(state)
        .bind(due_at)
        .bind(reason)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
