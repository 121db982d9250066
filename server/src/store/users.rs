//! User rows and what hangs off them: creation with default settings in one
//! transaction, lookups by id, username, mobile and email, profile and
//! contact updates, password changes and disabling (both revoke tokens
//! atomically), and push tags. Uniqueness (username, mobile, email) is left to
//! the database's constraints, which settle races between requests.

use crate::core::error::{Error, Result};
use crate::core::ids::{AppId, UserId};
use crate::core::settings::UserSettings;
use crate::core::users::{Credentials, ProfilePatch, User, ValidNewUser};
use sqlx::AssertSqlSafe;

use super::Db;
use super::errors::storage;
use super::rows::{self, USER_COLUMNS, bit, get, placeholders};

impl Db {
    /// Creates the user and its default settings in one transaction; the id
    /// comes from the id space users share with groups.
    pub async fn insert_user(&self, app: &AppId, new: &ValidNewUser, now: i64) -> Result<User> {
        let mut tx = self.begin_write().await?;
        let id = super::groups::allocate_id(&mut tx, "user").await?;
        sqlx::query(
            "INSERT INTO users (id, app_id, username, password_hash, mobile, email, created_at, updated_at)
             VALUES ($7, $1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(app.as_str())
        .bind(&new.username)
        .bind(&new.password_hash)
        .bind(new.mobile.as_deref())
        .bind(new.email.as_deref())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let s = UserSettings::default();
        sqlx::query(
            "INSERT INTO user_settings (user_id, auth_mode, auth_question, auth_answer, group_confirm,
                 auto_download, no_push, no_push_detail, no_push_start_hour, no_push_end_hour, no_sounds,
                 vibratory, push_nick_name, push_token, push_alias, badge, silence_start_time, silence_end_time)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        )
        .bind(id)
        .bind(s.auth_mode.code())
        .bind(&s.auth_question)
        .bind(&s.auth_answer)
        .bind(bit(s.group_confirm))
        .bind(bit(s.auto_download))
        .bind(bit(s.no_push))
        .bind(bit(s.no_push_detail))
        .bind(s.no_push_start_hour)
        .bind(s.no_push_end_hour)
        .bind(bit(s.no_sounds))
        .bind(bit(s.vibratory))
        .bind(&s.push_nick_name)
        .bind(&s.push_token)
        .bind(&s.push_alias)
        .bind(s.badge)
        .bind(s.silence_start_time)
        .bind(s.silence_end_time)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.user(app, UserId(id)).await?.ok_or_else(|| storage("user vanished after insert"))
    }

    pub async fn user(&self, app: &AppId, id: UserId) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.app_id = $1 AND u.id = $2");
        let row =
            sqlx::query(AssertSqlSafe(sql)).bind(app.as_str()).bind(id.0).fetch_optional(&self.pool).await?;
        row.as_ref().map(rows::user).transpose()
    }

    pub async fn user_by_username(&self, app: &AppId, username: &str) -> Result<Option<User>> {
        self.user_by_text("username", app, username).await
    }

    pub async fn user_by_mobile(&self, app: &AppId, mobile: &str) -> Result<Option<User>> {
        self.user_by_text("mobile", app, mobile).await
    }

    pub async fn user_by_email(&self, app: &AppId, email: &str) -> Result<Option<User>> {
        self.user_by_text("email", app, email).await
    }

    /// `column` is one of the fixed names above, never input.
    async fn user_by_text(&self, column: &str, app: &AppId, value: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.app_id = $1 AND u.{column} = $2");
        let row =
            sqlx::query(AssertSqlSafe(sql)).bind(app.as_str()).bind(value).fetch_optional(&self.pool).await?;
        row.as_ref().map(rows::user).transpose()
    }

    pub async fn credentials_by_username(&self, app: &AppId, username: &str) -> Result<Option<Credentials>> {
        let row =
            sqlx::query("SELECT id, password_hash, disabled FROM users WHERE app_id = $1 AND username = $2")
                .bind(app.as_str())
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(credentials).transpose()
    }

    pub async fn credentials_by_id(&self, app: &AppId, id: UserId) -> Result<Option<Credentials>> {
        let row = sqlx::query("SELECT id, password_hash, disabled FROM users WHERE app_id = $1 AND id = $2")
            .bind(app.as_str())
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(credentials).transpose()
    }

    /// Applies the set fields in one statement, so concurrent patches of
    /// different fields do not undo each other.
    pub async fn update_profile(&self, app: &AppId, id: UserId, p: &ProfilePatch, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET nick_name = COALESCE($3, nick_name), avatar = COALESCE($4, avatar),
                 description = COALESCE($5, description), public_info = COALESCE($6, public_info),
                 private_info = COALESCE($7, private_info), updated_at = $8
             WHERE app_id = $1 AND id = $2",
        )
        .bind(app.as_str())
        .bind(id.0)
        .bind(p.nick_name.as_deref())
        .bind(p.avatar.as_deref())
        .bind(p.description.as_deref())
        .bind(p.public_info.as_deref())
        .bind(p.private_info.as_deref())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn set_username(&self, app: &AppId, id: UserId, username: &str, now: i64) -> Result<bool> {
        self.set_column("username", app, id, Some(username), now).await
    }

    pub async fn set_mobile(&self, app: &AppId, id: UserId, mobile: Option<&str>, now: i64) -> Result<bool> {
        self.set_column("mobile", app, id, mobile, now).await
    }

    pub async fn set_email(&self, app: &AppId, id: UserId, email: Option<&str>, now: i64) -> Result<bool> {
        self.set_column("email", app, id, email, now).await
    }

    /// `column` is one of the fixed names above, never input.
    async fn set_column(
        &self,
        column: &str,
        app: &AppId,
        id: UserId,
        value: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let sql = format!("UPDATE users SET {column} = $3, updated_at = $4 WHERE app_id = $1 AND id = $2");
        let done = sqlx::query(AssertSqlSafe(sql.as_str()))
            .bind(app.as_str())
            .bind(id.0)
            .bind(value)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Stores the new hash and revokes every token of the user, atomically.
    pub async fn set_password(&self, app: &AppId, id: UserId, hash: &str, now: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("UPDATE users SET password_hash = $3, updated_at = $4 WHERE app_id = $1 AND id = $2")
                .bind(app.as_str())
                .bind(id.0)
                .bind(hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        revoke_tokens(&mut tx, app, id, None, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// All ids must exist in the app, else nothing changes (`UserMissing`).
    /// Disabling also revokes the users' tokens.
    pub async fn set_disabled(&self, app: &AppId, ids: &[UserId], disabled: bool, now: i64) -> Result<()> {
        let mut unique: Vec<i64> = ids.iter().map(|id| id.0).collect();
        unique.sort_unstable();
        unique.dedup();
        if unique.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "UPDATE users SET disabled = $2, updated_at = $3 WHERE app_id = $1 AND id IN ({})",
            placeholders(4, unique.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql.as_str())).bind(app.as_str()).bind(bit(disabled)).bind(now);
        for id in &unique {
            q = q.bind(*id);
        }
        let done = q.execute(&mut *tx).await?;
        if usize::try_from(done.rows_affected()).ok() != Some(unique.len()) {
            return Err(Error::UserMissing);
        }
        if disabled {
            for id in &unique {
                revoke_tokens(&mut tx, app, UserId(*id), None, now).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn tags(&self, app: &AppId, user: UserId) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT t.tag FROM user_tags t JOIN users u ON u.id = t.user_id
             WHERE u.app_id = $1 AND t.user_id = $2 ORDER BY t.created_at, t.tag",
        )
        .bind(app.as_str())
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| get(r, "tag")).collect()
    }

    pub async fn add_tags(&self, app: &AppId, user: UserId, tags: &[String], now: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for tag in tags {
            sqlx::query(
                "INSERT INTO user_tags (user_id, tag, created_at)
                 SELECT id, $3, $4 FROM users WHERE app_id = $1 AND id = $2
                 ON CONFLICT (user_id, tag) DO NOTHING",
            )
            .bind(app.as_str())
            .bind(user.0)
            .bind(tag.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// `None` removes every tag.
    pub async fn remove_tags(&self, app: &AppId, user: UserId, tags: Option<&[String]>) -> Result<()> {
        let owner = "user_id IN (SELECT id FROM users WHERE app_id = $1 AND id = $2)";
        match tags {
            None => {
                let sql = format!("DELETE FROM user_tags WHERE {owner}");
                sqlx::query(AssertSqlSafe(sql.as_str()))
                    .bind(app.as_str())
                    .bind(user.0)
                    .execute(&self.pool)
                    .await?;
            }
            Some(tags) => {
                let sql = format!("DELETE FROM user_tags WHERE {owner} AND tag = $3");
                for tag in tags {
                    sqlx::query(AssertSqlSafe(sql.as_str()))
                        .bind(app.as_str())
                        .bind(user.0)
                        .bind(tag.as_str())
                        .execute(&self.pool)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

fn credentials(row: &sqlx::any::AnyRow) -> Result<Credentials> {
    Ok(Credentials {
        user: UserId(get(row, "id")?),
        password_hash: get(row, "password_hash")?,
        disabled: get::<i64>(row, "disabled")? != 0,
    })
}

/// Revokes live tokens of a user (of one device, or all with `None`).
pub(super) async fn revoke_tokens(
    conn: &mut sqlx::AnyConnection,
    app: &AppId,
    user: UserId,
    device: Option<crate::core::ids::DeviceSn>,
    now: i64,
) -> Result<u64> {
    let done = match device {
        None => {
            sqlx::query("UPDATE user_tokens SET revoked_at = $3 WHERE app_id = $1 AND user_id = $2 AND revoked_at IS NULL")
                .bind(app.as_str())
                .bind(user.0)
                .bind(now)
                .execute(&mut *conn)
                .await?
        }
        Some(sn) => {
            sqlx::query(
                "UPDATE user_tokens SET revoked_at = $3
                 WHERE app_id = $1 AND user_id = $2 AND device_sn = $4 AND revoked_at IS NULL",
            )
            .bind(app.as_str())
            .bind(user.0)
            .bind(now)
            .bind(sn.0)
            .execute(&mut *conn)
            .await?
        }
    };
    Ok(done.rows_affected())
}
