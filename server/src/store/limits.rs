//! Rate counters and nonces, kept in the database so that every server
//! process sharing it counts the same hits and refuses the same replayed
//! nonce. Each count is one atomic upsert; housekeeping purges what is spent.

use crate::core::error::Result;
use crate::core::ids::AppId;
use crate::core::limits::RateCount;

use super::Db;
use super::errors::storage;
use super::rows::get;

impl Db {
    /// Counts a hit in the fixed window starting at `window_start`, in one
    /// atomic upsert (no read-modify-write race between processes).
    pub async fn count_hit(&self, key: &str, window_start: i64) -> Result<RateCount> {
        let row = sqlx::query(
            "INSERT INTO rate_counters (key, window_start, hits, blocked_until) VALUES ($1, $2, 1, 0)
             ON CONFLICT (key) DO UPDATE SET
                 hits = CASE WHEN rate_counters.window_start = excluded.window_start
                             THEN rate_counters.hits + 1 ELSE 1 END,
                 window_start = excluded.window_start
             RETURNING hits, blocked_until",
        )
        .bind(key)
        .bind(window_start)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| storage("rate counter upsert returned nothing"))?;
        Ok(RateCount { hits_in_window: get(&row, "hits")?, blocked_until: get(&row, "blocked_until")? })
    }

    pub async fn block_key(&self, key: &str, until: i64) -> Result<()> {
        sqlx::query("UPDATE rate_counters SET blocked_until = $2 WHERE key = $1 AND blocked_until < $2")
            .bind(key)
            .bind(until)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// True if the nonce was not in use. An expired record of the same nonce
    /// is replaced.
    pub async fn record_nonce(&self, app: &AppId, nonce: &str, now: i64, expires_at: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO nonces (app_id, nonce, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (app_id, nonce) DO UPDATE SET expires_at = excluded.expires_at
             WHERE nonces.expires_at <= $4",
        )
        .bind(app.as_str())
        .bind(nonce)
        .bind(expires_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes expired nonces and spent rate counters; returns how many of each.
    pub async fn purge_limits(&self, now: i64) -> Result<(u64, u64)> {
        let nonces =
            sqlx::query("DELETE FROM nonces WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        // A counter whose window and penalty are over carries no information.
        let counters =
            sqlx::query("DELETE FROM rate_counters WHERE blocked_until <= $1 AND window_start < $1 - 60000")
                .bind(now)
                .execute(&self.pool)
                .await?;
        Ok((nonces.rows_affected(), counters.rows_affected()))
    }
}
