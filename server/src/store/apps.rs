//! App rows: the id, the NetEase-style key and secret, and the per-app
//! settings (application lifetime, friend limit, strangers' messaging,
//! group capacity, the lifetime of group applications and invitations, the
//! group limits).
//! Looked up by id (MaxIM's `app_id`) or by key (NetEase's `AppKey`).

use crate::core::apps::{App, AppSettings};
use crate::core::error::Result;
use crate::core::ids::AppId;
use sqlx::AssertSqlSafe;

use super::Db;
use super::rows::{self, APP_COLUMNS, bit};

impl Db {
    pub async fn insert_app(&self, app: &App) -> Result<()> {
        sqlx::query(
            "INSERT INTO apps (id, app_key, app_secret, stranger_may_message, application_ttl_ms, max_friends,
                 group_capacity, group_request_ttl_ms, max_groups, max_groups_created, max_groups_joined,
                 created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(app.id.as_str())
        .bind(&app.key)
        .bind(&app.secret)
        .bind(bit(app.settings.stranger_may_message))
        .bind(app.settings.application_ttl_ms)
        .bind(app.settings.max_friends)
        .bind(app.settings.group_capacity)
        .bind(app.settings.group_request_ttl_ms)
        .bind(app.settings.max_groups)
        .bind(app.settings.max_groups_created)
        .bind(app.settings.max_groups_joined)
        .bind(app.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn apps(&self) -> Result<Vec<App>> {
        let sql = format!("SELECT {APP_COLUMNS} FROM apps ORDER BY id");
        let rows = sqlx::query(AssertSqlSafe(sql.as_str())).fetch_all(&self.pool).await?;
        rows.iter().map(rows::app).collect()
    }

    pub async fn app(&self, id: &AppId) -> Result<Option<App>> {
        let sql = format!("SELECT {APP_COLUMNS} FROM apps WHERE id = $1");
        let row =
            sqlx::query(AssertSqlSafe(sql.as_str())).bind(id.as_str()).fetch_optional(&self.pool).await?;
        row.as_ref().map(rows::app).transpose()
    }

    pub async fn app_by_key(&self, key: &str) -> Result<Option<App>> {
        let sql = format!("SELECT {APP_COLUMNS} FROM apps WHERE app_key = $1");
        let row = sqlx::query(AssertSqlSafe(sql.as_str())).bind(key).fetch_optional(&self.pool).await?;
        row.as_ref().map(rows::app).transpose()
    }

    pub async fn update_app_settings(&self, id: &AppId, s: &AppSettings) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE apps SET stranger_may_message = $2, application_ttl_ms = $3, max_friends = $4,
                 group_capacity = $5, group_request_ttl_ms = $6, max_groups = $7, max_groups_created = $8,
                 max_groups_joined = $9
             WHERE id = $1",
        )
        .bind(id.as_str())
        .bind(bit(s.stranger_may_message))
        .bind(s.application_ttl_ms)
        .bind(s.max_friends)
        .bind(s.group_capacity)
        .bind(s.group_request_ttl_ms)
        .bind(s.max_groups)
        .bind(s.max_groups_created)
        .bind(s.max_groups_joined)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
