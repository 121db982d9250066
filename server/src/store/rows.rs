//! Row shapes and their conversion into domain types. Columns are read by
//! name; a value the domain cannot represent becomes `Storage`, never a panic.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::core::admin_tokens::AdminToken;
use crate::core::apps::{App, AppSettings};
use crate::core::devices::Device;
use crate::core::error::{Error, InfraError, Result};
use crate::core::friends::{Application, ApplicationStatus, Friendship, Relation};
use crate::core::ids::{AdminTokenId, AppId, ApplicationId, DeviceSn, UserId};
use crate::core::settings::{AuthMode, UserSettings};
use crate::core::users::User;

pub(crate) fn get<'r, T>(row: &'r AnyRow, col: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(col).map_err(Error::from)
}

pub(crate) fn flag(row: &AnyRow, col: &str) -> Result<bool> {
    Ok(get::<i64>(row, col)? != 0)
}

pub(crate) fn bit(v: bool) -> i64 {
    i64::from(v)
}

fn corrupt(what: &str) -> Error {
    Error::Storage(InfraError::new(format!("stored value out of range: {what}")))
}

pub(crate) const APP_COLUMNS: &str = "id, app_key, app_secret, stranger_may_message, application_ttl_ms, max_friends, group_capacity, \
     group_request_ttl_ms, max_groups, max_groups_created, max_groups_joined, created_at";

pub(crate) fn app(row: &AnyRow) -> Result<App> {
    let id: String = get(row, "id")?;
    Ok(App {
        id: AppId::parse(&id).map_err(|_| corrupt("apps.id"))?,
        key: get(row, "app_key")?,
        secret: get(row, "app_secret")?,
        settings: AppSettings {
            stranger_may_message: flag(row, "stranger_may_message")?,
            application_ttl_ms: get(row, "application_ttl_ms")?,
            max_friends: get(row, "max_friends")?,
            group_capacity: get(row, "group_capacity")?,
            group_request_ttl_ms: get(row, "group_request_ttl_ms")?,
            max_groups: get(row, "max_groups")?,
            max_groups_created: get(row, "max_groups_created")?,
            max_groups_joined: get(row, "max_groups_joined")?,
        },
        created_at: get(row, "created_at")?,
    })
}

pub(crate) const ADMIN_TOKEN_COLUMNS: &str = "id, app_id, prefix, label, created_at, revoked_at";

pub(crate) fn admin_token(row: &AnyRow) -> Result<AdminToken> {
    let app: String = get(row, "app_id")?;
    Ok(AdminToken {
        id: AdminTokenId(get(row, "id")?),
        app: AppId::parse(&app).map_err(|_| corrupt("admin_tokens.app_id"))?,
        label: get(row, "label")?,
        prefix: get(row, "prefix")?,
        created_at: get(row, "created_at")?,
        revoked_at: get(row, "revoked_at")?,
    })
}

/// Prefixed with `u.` so it can be joined.
pub(crate) const USER_COLUMNS: &str = "u.id, u.app_id, u.username, u.nick_name, u.avatar, u.description, \
     u.public_info, u.private_info, u.mobile, u.email, u.disabled, u.created_at, u.updated_at";

pub(crate) fn user(row: &AnyRow) -> Result<User> {
    let app: String = get(row, "app_id")?;
    Ok(User {
        id: UserId(get(row, "id")?),
        app: AppId::parse(&app).map_err(|_| corrupt("users.app_id"))?,
        username: get(row, "username")?,
        nick_name: get(row, "nick_name")?,
        avatar: get(row, "avatar")?,
        description: get(row, "description")?,
        public_info: get(row, "public_info")?,
        private_info: get(row, "private_info")?,
        mobile: get(row, "mobile")?,
        email: get(row, "email")?,
        disabled: flag(row, "disabled")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

pub(crate) const SETTINGS_COLUMNS: &str = "s.auth_mode, s.auth_question, s.auth_answer, s.group_confirm, \
     s.auto_download, s.no_push, s.no_push_detail, s.no_push_start_hour, s.no_push_end_hour, s.no_sounds, \
     s.vibratory, s.push_nick_name, s.push_token, s.push_alias, s.badge, s.silence_start_time, s.silence_end_time";

pub(crate) fn auth_mode(row: &AnyRow) -> Result<AuthMode> {
    AuthMode::from_code(get(row, "auth_mode")?).map_err(|_| corrupt("user_settings.auth_mode"))
}

pub(crate) fn settings(row: &AnyRow) -> Result<UserSettings> {
    Ok(UserSettings {
        auth_mode: auth_mode(row)?,
        auth_question: get(row, "auth_question")?,
        auth_answer: get(row, "auth_answer")?,
        group_confirm: flag(row, "group_confirm")?,
        auto_download: flag(row, "auto_download")?,
        no_push: flag(row, "no_push")?,
        no_push_detail: flag(row, "no_push_detail")?,
        no_push_start_hour: get(row, "no_push_start_hour")?,
        no_push_end_hour: get(row, "no_push_end_hour")?,
        no_sounds: flag(row, "no_sounds")?,
        vibratory: flag(row, "vibratory")?,
        push_nick_name: get(row, "push_nick_name")?,
        push_token: get(row, "push_token")?,
        push_alias: get(row, "push_alias")?,
        badge: get(row, "badge")?,
        silence_start_time: get(row, "silence_start_time")?,
        silence_end_time: get(row, "silence_end_time")?,
    })
}

pub(crate) const DEVICE_COLUMNS: &str = "user_id, device_sn, guid, platform, user_agent, push_token, \
     device_token, notifier_name, created_at, last_login_at";

pub(crate) fn device(row: &AnyRow) -> Result<Device> {
    Ok(Device {
        user: UserId(get(row, "user_id")?),
        device_sn: DeviceSn(get(row, "device_sn")?),
        guid: get(row, "guid")?,
        platform: get(row, "platform")?,
        user_agent: get(row, "user_agent")?,
        push_token: get(row, "push_token")?,
        device_token: get(row, "device_token")?,
        notifier_name: get(row, "notifier_name")?,
        created_at: get(row, "created_at")?,
        last_login_at: get(row, "last_login_at")?,
    })
}

/// Friendship columns (`f.`) plus the friend's username (`fu.`).
pub(crate) const FRIENDSHIP_COLUMNS: &str = "f.user_id, f.friend_id, fu.username AS friend_username, f.relation, \
     f.alias, f.ext, f.server_ex, f.mute_notification, f.created_at, f.updated_at";

/// A stored `friendships.relation`.
pub(crate) fn relation(code: i64) -> Result<Relation> {
    match code {
        0 => Ok(Relation::Friend),
        1 => Ok(Relation::DeletedFriend),
        _ => Err(corrupt("friendships.relation")),
    }
}

pub(crate) fn friendship(row: &AnyRow) -> Result<Friendship> {
    let relation = relation(get(row, "relation")?)?;
    Ok(Friendship {
        owner: UserId(get(row, "user_id")?),
        friend: UserId(get(row, "friend_id")?),
        friend_username: get(row, "friend_username")?,
        relation,
        alias: get(row, "alias")?,
        ext: get(row, "ext")?,
        server_ex: get(row, "server_ex")?,
        mute_notification: flag(row, "mute_notification")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

pub(crate) const APPLICATION_COLUMNS: &str = "id, applicant_id, target_id, reason, alias, status, \
     decline_reason, created_at, updated_at, expires_at";

pub(crate) fn application_status_code(status: ApplicationStatus) -> i64 {
    match status {
        ApplicationStatus::Pending | ApplicationStatus::Expired => 0,
        ApplicationStatus::Accepted => 1,
        ApplicationStatus::Declined => 2,
    }
}

pub(crate) fn application(row: &AnyRow) -> Result<Application> {
    let status = match get::<i64>(row, "status")? {
        0 => ApplicationStatus::Pending,
        1 => ApplicationStatus::Accepted,
        2 => ApplicationStatus::Declined,
        _ => return Err(corrupt("friend_applications.status")),
    };
    Ok(Application {
        id: ApplicationId(get(row, "id")?),
        applicant: UserId(get(row, "applicant_id")?),
        target: UserId(get(row, "target_id")?),
        reason: get(row, "reason")?,
        alias: get(row, "alias")?,
        status,
        decline_reason: get(row, "decline_reason")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
        expires_at: get(row, "expires_at")?,
    })
}

/// `$from, $from+1, ...` for an `IN (...)` list.
pub(crate) fn placeholders(from: usize, count: usize) -> String {
    (from..from + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}
