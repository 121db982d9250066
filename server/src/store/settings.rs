//! User settings rows (friend verification, push and notification
//! switches). A patch is applied in one statement, so concurrent patches of
//! different fields do not undo each other.

use sqlx::{Any, AssertSqlSafe, Executor};

use crate::core::error::Result;
use crate::core::ids::{AppId, UserId};
use crate::core::settings::{SettingsPatch, UserSettings};

use super::Db;
use super::rows::{self, SETTINGS_COLUMNS, bit};

impl Db {
    pub async fn settings(&self, app: &AppId, user: UserId) -> Result<Option<UserSettings>> {
        settings(&self.pool, app, user).await
    }

    /// Applies the set fields in one statement (no lost updates between
    /// concurrent patches of different fields).
    pub async fn update_settings(&self, app: &AppId, user: UserId, p: &SettingsPatch) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE user_settings SET
                 auth_mode = COALESCE($3, auth_mode),
                 auth_question = COALESCE($4, auth_question),
                 auth_answer = COALESCE($5, auth_answer),
                 group_confirm = COALESCE($6, group_confirm),
                 auto_download = COALESCE($7, auto_download),
                 no_push = COALESCE($8, no_push),
                 no_push_detail = COALESCE($9, no_push_detail),
                 no_push_start_hour = COALESCE($10, no_push_start_hour),
                 no_push_end_hour = COALESCE($11, no_push_end_hour),
                 no_sounds = COALESCE($12, no_sounds),
                 vibratory = COALESCE($13, vibratory),
                 push_nick_name = COALESCE($14, push_nick_name),
                 push_token = COALESCE($15, push_token),
                 push_alias = COALESCE($16, push_alias),
                 badge = COALESCE($17, badge),
                 silence_start_time = COALESCE($18, silence_start_time),
                 silence_end_time = COALESCE($19, silence_end_time)
             WHERE user_id IN (SELECT id FROM users WHERE app_id = $1 AND id = $2)",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(p.auth_mode)
        .bind(p.auth_question.as_deref())
        .bind(p.auth_answer.as_deref())
        .bind(p.group_confirm.map(bit))
        .bind(p.auto_download.map(bit))
        .bind(p.no_push.map(bit))
        .bind(p.no_push_detail.map(bit))
        .bind(p.no_push_start_hour)
        .bind(p.no_push_end_hour)
        .bind(p.no_sounds.map(bit))
        .bind(p.vibratory.map(bit))
        .bind(p.push_nick_name.as_deref())
        .bind(p.push_token.as_deref())
        .bind(p.push_alias.as_deref())
        .bind(p.badge)
        .bind(p.silence_start_time)
        .bind(p.silence_end_time)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// A user's settings, on the pool or inside a transaction (`RosterTx`).
pub(super) async fn settings<'c>(
    db: impl Executor<'c, Database = Any>,
    app: &AppId,
    user: UserId,
) -> Result<Option<UserSettings>> {
    let sql = format!(
        "SELECT {SETTINGS_COLUMNS} FROM user_settings s JOIN users u ON u.id = s.user_id
         WHERE u.app_id = $1 AND u.id = $2"
    );
    let row = sqlx::query(AssertSqlSafe(sql)).bind(app.as_str()).bind(user.0).fetch_optional(db).await?;
    row.as_ref().map(rows::settings).transpose()
}
