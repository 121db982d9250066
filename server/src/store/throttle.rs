//! Failed-secret counters and the addresses each account has logged in
//! from (`core::throttle`), in the database so that every server process
//! sharing it refuses the same guesses. A failure is one atomic upsert.

use crate::core::error::Result;
use crate::core::ids::{AppId, UserId};
use crate::core::throttle::FailureRow;

use super::Db;
use super::errors::storage;
use super::rows::get;

impl Db {
    pub async fn login_failures(&self, key: &str) -> Result<Option<FailureRow>> {
        let row =
            sqlx::query("SELECT failures, last_failure_at, locked_until FROM login_failures WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            Ok(FailureRow {
                failures: get(&r, "failures")?,
                last_failure_at: get(&r, "last_failure_at")?,
                locked_until: get(&r, "locked_until")?,
            })
        })
        .transpose()
    }

    /// Counts one failure at `now`; a count whose last failure and lock both
    /// ended at or before `forget_before` starts again at 1. Returns the count.
    pub async fn record_login_failure(&self, key: &str, now: i64, forget_before: i64) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO login_failures (key, failures, last_failure_at, locked_until) VALUES ($1, 1, $2, 0)
             ON CONFLICT (key) DO UPDATE SET
                 failures = CASE WHEN login_failures.last_failure_at > $3
                                      OR login_failures.locked_until > $3
                                 THEN login_failures.failures + 1 ELSE 1 END,
                 last_failure_at = excluded.last_failure_at
             RETURNING failures",
        )
        .bind(key)
        .bind(now)
        .bind(forget_before)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| storage("login failure upsert returned nothing"))?;
        get(&row, "failures")
    }

    /// Refuses the key until `until` (never shortens a longer lock).
    pub async fn lock_login_key(&self, key: &str, until: i64) -> Result<()> {
        sqlx::query("UPDATE login_failures SET locked_until = $2 WHERE key = $1 AND locked_until < $2")
            .bind(key)
            .bind(until)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn remember_login_address(
        &self,
        app: &AppId,
        user: UserId,
        address: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_known_addresses (app_id, user_id, address, last_success_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (app_id, user_id, address) DO UPDATE SET last_success_at = excluded.last_success_at",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(address)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether the account logged in from `address` after `since`.
    pub async fn is_known_login_address(
        &self,
        app: &AppId,
        user: UserId,
        address: &str,
        since: i64,
    ) -> Result<bool> {
        let row = sqlx::query(
            "SELECT 1 AS hit FROM login_known_addresses
             WHERE app_id = $1 AND user_id = $2 AND address = $3 AND last_success_at > $4",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(address)
        .bind(since)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Deletes counters forgotten (last failure and lock ended at or before
    /// `forget_before`) and known addresses unused since `known_before`.
    pub async fn purge_login_throttle(&self, forget_before: i64, known_before: i64) -> Result<u64> {
        let failures =
            sqlx::query("DELETE FROM login_failures WHERE last_failure_at <= $1 AND locked_until <= $1")
                .bind(forget_before)
                .execute(&self.pool)
                .await?;
        let known = sqlx::query("DELETE FROM login_known_addresses WHERE last_success_at <= $1")
            .bind(known_before)
            .execute(&self.pool)
            .await?;
        Ok(failures.rows_affected() + known.rows_affected())
    }
}
