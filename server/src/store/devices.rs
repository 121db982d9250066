//! Device rows: registration by guid with a per-user serial number, listing,
//! removal (which revokes the device's tokens in the same transaction) and
//! the vendor push token bound to a device. Concurrent first logins from
//! one guid are settled by a UNIQUE upsert, not by reading first.

use sqlx::AssertSqlSafe;

use crate::core::devices::{Device, DeviceLogin, DeviceSession};
use crate::core::error::{Error, Result};
use crate::core::ids::{AppId, DeviceSn, UserId};

use super::Db;
use super::errors::storage;
use super::rows::{self, DEVICE_COLUMNS, get};
use super::users::revoke_tokens;

/// Only devices of users of the app.
const OWNED: &str = "user_id IN (SELECT id FROM users WHERE app_id = $1 AND id = $2)";

impl Db {
    /// Reuses the device with this guid, or registers it with the user's
    /// next serial number. Two first logins from one new guid at once both
    /// end on the same row (the UNIQUE (user_id, guid) upsert).
    pub async fn register_device(
        &self,
        app: &AppId,
        user: UserId,
        login: &DeviceLogin,
        fresh_push_token: &str,
        now: i64,
    ) -> Result<DeviceSession> {
        let sql = format!(
            "UPDATE devices SET platform = $4, user_agent = $5, last_login_at = $6
             WHERE {OWNED} AND guid = $3 RETURNING device_sn, push_token"
        );
        let existing = sqlx::query(AssertSqlSafe(sql))
            .bind(app.as_str())
            .bind(user.0)
            .bind(login.guid.as_str())
            .bind(login.platform)
            .bind(login.user_agent.as_str())
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = existing {
            return session(&row);
        }
        let counter = sqlx::query(
            "UPDATE users SET device_counter = device_counter + 1 WHERE app_id = $1 AND id = $2
             RETURNING device_counter",
        )
        .bind(app.as_str())
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::UserMissing)?;
        let sn: i64 = get(&counter, "device_counter")?;
        let row = sqlx::query(
            "INSERT INTO devices (user_id, device_sn, guid, platform, user_agent, push_token, created_at, last_login_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (user_id, guid) DO UPDATE SET platform = excluded.platform,
                 user_agent = excluded.user_agent, last_login_at = excluded.last_login_at
             RETURNING device_sn, push_token",
        )
        .bind(user.0)
        .bind(sn)
        .bind(login.guid.as_str())
        .bind(login.platform)
        .bind(login.user_agent.as_str())
        .bind(fresh_push_token)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| storage("device upsert returned nothing"))?;
        session(&row)
    }

    pub async fn devices(&self, app: &AppId, user: UserId) -> Result<Vec<Device>> {
        let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE {OWNED} ORDER BY device_sn");
        let rows =
            sqlx::query(AssertSqlSafe(sql)).bind(app.as_str()).bind(user.0).fetch_all(&self.pool).await?;
        rows.iter().map(rows::device).collect()
    }

    pub async fn device_exists(&self, app: &AppId, user: UserId, sn: DeviceSn) -> Result<bool> {
        let sql = format!("SELECT COUNT(*) AS n FROM devices WHERE {OWNED} AND device_sn = $3");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(app.as_str())
            .bind(user.0)
            .bind(sn.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(get::<i64>(&row, "n")? > 0)
    }

    /// Deletes the device and revokes its tokens in one transaction.
    pub async fn delete_device(&self, app: &AppId, user: UserId, sn: DeviceSn, now: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let sql = format!("DELETE FROM devices WHERE {OWNED} AND device_sn = $3");
        let done = sqlx::query(AssertSqlSafe(sql))
            .bind(app.as_str())
            .bind(user.0)
            .bind(sn.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        revoke_tokens(&mut tx, app, user, Some(sn), now).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn set_device_push(
        &self,
        app: &AppId,
        user: UserId,
        sn: DeviceSn,
        device_token: Option<&str>,
        notifier_name: Option<&str>,
    ) -> Result<bool> {
        let sql = format!(
            "UPDATE devices SET device_token = $4, notifier_name = $5 WHERE {OWNED} AND device_sn = $3"
        );
        let done = sqlx::query(AssertSqlSafe(sql))
            .bind(app.as_str())
            .bind(user.0)
            .bind(sn.0)
            .bind(device_token)
            .bind(notifier_name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

fn session(row: &sqlx::any::AnyRow) -> Result<DeviceSession> {
    Ok(DeviceSession { device_sn: DeviceSn(get(row, "device_sn")?), push_token: get(row, "push_token")? })
}
