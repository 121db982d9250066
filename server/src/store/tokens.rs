//! User token rows: insert (digest only), look up by digest with the user's
//! disabled flag, revoke (per device or all), the "online" query (a live
//! token) and the housekeeping purge of long-expired tokens.

use crate::core::error::Result;
use crate::core::ids::{AppId, DeviceSn, UserId};
use crate::core::tokens::TokenRecord;

use super::Db;
use super::rows::get;
use super::users::revoke_tokens;

impl Db {
    pub async fn insert_user_token(
        &self,
        app: &AppId,
        user: UserId,
        hash: &str,
        device: Option<DeviceSn>,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO user_tokens (app_id, user_id, token_hash, device_sn, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(hash)
        .bind(device.map(|d| d.0))
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The token and whether its user is disabled.
    pub async fn user_token_by_hash(&self, hash: &str) -> Result<Option<(TokenRecord, bool)>> {
        let row = sqlx::query(
            "SELECT t.app_id, t.user_id, t.expires_at, t.revoked_at, u.disabled
             FROM user_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let app: String = get(&row, "app_id")?;
        // A stored app id that no longer parses cannot match any request.
        let Ok(app) = AppId::parse(&app) else { return Ok(None) };
        let record = TokenRecord {
            app,
            user: UserId(get(&row, "user_id")?),
            expires_at: get(&row, "expires_at")?,
            revoked_at: get(&row, "revoked_at")?,
        };
        Ok(Some((record, get::<i64>(&row, "disabled")? != 0)))
    }

    pub async fn revoke_user_tokens(
        &self,
        app: &AppId,
        user: UserId,
        device: Option<DeviceSn>,
        now: i64,
    ) -> Result<u64> {
        let mut conn = self.pool.acquire().await?;
        revoke_tokens(&mut conn, app, user, device, now).await
    }

    pub async fn has_live_token(&self, app: &AppId, user: UserId, now: i64) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM user_tokens
             WHERE app_id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(get::<i64>(&row, "n")? > 0)
    }

    pub async fn purge_user_tokens(&self, expired_before: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM user_tokens WHERE expires_at < $1")
            .bind(expired_before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
