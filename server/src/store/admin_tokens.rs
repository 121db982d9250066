//! Admin token rows: insert, list per app, find by digest, revoke. Only the
//! SHA-256 digest and a short prefix are stored, never the secret (the core
//! shows it once, at creation).

use crate::core::admin_tokens::AdminToken;
use crate::core::error::Result;
use crate::core::ids::{AdminTokenId, AppId};
use sqlx::AssertSqlSafe;

use super::Db;
use super::rows::{self, ADMIN_TOKEN_COLUMNS};

impl Db {
    pub async fn insert_admin_token(
        &self,
        app: &AppId,
        hash: &str,
        prefix: &str,
        label: &str,
        now: i64,
    ) -> Result<AdminToken> {
        let sql = format!(
            "INSERT INTO admin_tokens (app_id, token_hash, prefix, label, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING {ADMIN_TOKEN_COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql.as_str()))
            .bind(app.as_str())
            .bind(hash)
            .bind(prefix)
            .bind(label)
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        rows::admin_token(&row)
    }

    pub async fn admin_tokens(&self, app: &AppId) -> Result<Vec<AdminToken>> {
        let sql = format!("SELECT {ADMIN_TOKEN_COLUMNS} FROM admin_tokens WHERE app_id = $1 ORDER BY id");
        let rows = sqlx::query(AssertSqlSafe(sql.as_str())).bind(app.as_str()).fetch_all(&self.pool).await?;
        rows.iter().map(rows::admin_token).collect()
    }

    pub async fn admin_token_by_hash(&self, hash: &str) -> Result<Option<AdminToken>> {
        let sql = format!("SELECT {ADMIN_TOKEN_COLUMNS} FROM admin_tokens WHERE token_hash = $1");
        let row = sqlx::query(AssertSqlSafe(sql.as_str())).bind(hash).fetch_optional(&self.pool).await?;
        row.as_ref().map(rows::admin_token).transpose()
    }

    pub async fn revoke_admin_token(&self, app: &AppId, id: AdminTokenId, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE admin_tokens SET revoked_at = $3 WHERE app_id = $1 AND id = $2 AND revoked_at IS NULL",
        )
        .bind(app.as_str())
        .bind(id.0)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
