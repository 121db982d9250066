//! The peer's read cases: the roster's ids and items, a group's members, a
//! page of a one-to-one conversation.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sqlx::{AnyPool, AssertSqlSafe, Row};

use super::{Answer, Fault, caller, ok, placeholders};

pub(super) async fn roster_ids(State(pool): State<AnyPool>, headers: HeaderMap) -> Answer {
    let (app, me) = caller(&pool, &headers).await?;
    let rows = sqlx::query(
        "SELECT friend_id FROM friendships WHERE app_id = $1 AND user_id = $2 AND relation = 0 ORDER BY friend_id",
    )
    .bind(&app)
    .bind(me)
    .fetch_all(&pool)
    .await?;
    let ids = rows.iter().map(|r| r.try_get::<i64, _>("friend_id")).collect::<Result<Vec<_>, _>>()?;
    let version: i64 = sqlx::query("SELECT roster_version FROM users WHERE id = $1")
        .bind(me)
        .fetch_one(&pool)
        .await?
        .try_get("roster_version")?;
    Ok(Json(json!({ "code": 200, "message": null, "data": ids, "version": version })))
}

#[derive(Deserialize)]
pub(super) struct ItemsBody {
    list: Vec<i64>,
}

pub(super) async fn roster_items(
    State(pool): State<AnyPool>,
    headers: HeaderMap,
    Json(body): Json<ItemsBody>,
) -> Answer {
    let (app, me) = caller(&pool, &headers).await?;
    if body.list.is_empty() {
        return ok(json!([]));
    }
    let sql = format!(
        "SELECT u.id, u.username, u.nick_name, u.avatar, u.description, u.public_info,
                s.auth_mode, s.auth_question, f.relation, f.alias, f.ext, f.mute_notification,
                b.blocker_id
         FROM users u
         JOIN user_settings s ON s.user_id = u.id
         LEFT JOIN friendships f ON f.user_id = $2 AND f.friend_id = u.id
         LEFT JOIN blocks b ON b.blocker_id = $2 AND b.blocked_id = u.id
         WHERE u.app_id = $1 AND u.id IN ({})",
        placeholders(3, body.list.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(&app).bind(me);
    for id in &body.list {
        q = q.bind(*id);
    }
    let mut items = Vec::new();
    for r in q.fetch_all(&pool).await? {
        let friendship: Option<i64> = r.try_get("relation")?;
        let blocked = r.try_get::<Option<i64>, _>("blocker_id")?.is_some();
        let relation = match (blocked, friendship) {
            (true, _) => 3,
            (false, Some(0)) => 0,
            (false, Some(_)) => 1,
            (false, None) => 2,
        };
        let mut item = Map::new();
        item.insert("user_id".into(), json!(r.try_get::<i64, _>("id")?));
        for text in ["username", "nick_name", "avatar", "description", "public_info", "auth_question"] {
            item.insert(text.into(), json!(r.try_get::<String, _>(text)?));
        }
        item.insert("auth_mode".into(), json!(r.try_get::<i64, _>("auth_mode")?));
        item.insert("relation".into(), json!(relation));
        if relation == 0 {
            item.insert("alias".into(), json!(r.try_get::<String, _>("alias")?));
            item.insert("ext".into(), json!(r.try_get::<String, _>("ext")?));
            item.insert("mute_notification".into(), json!(r.try_get::<i64, _>("mute_notification")? != 0));
        }
        items.push(Value::Object(item));
    }
    ok(Value::Array(items))
}

fn id_param(query: &HashMap<String, String>, name: &str) -> Result<i64, Fault> {
    query.get(name).and_then(|v| v.parse().ok()).ok_or_else(|| Fault::new(10002, format!("invalid {name}")))
}

pub(super) async fn member_list(
    State(pool): State<AnyPool>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let (app, me) = caller(&pool, &headers).await?;
    let group = id_param(&query, "group_id")?;
    let found = sqlx::query(
        "SELECT g.member_version FROM chat_groups g JOIN group_members m ON m.group_id = g.id
         WHERE g.id = $1 AND g.app_id = $2 AND g.status = 0 AND m.user_id = $3",
    )
    .bind(group)
    .bind(&app)
    .bind(me)
    .fetch_optional(&pool)
    .await?
    .ok_or_else(|| Fault::new(20017, "not a member of this group"))?;
    let version: i64 = found.try_get("member_version")?;
    let rows = sqlx::query(
        "SELECT user_id, display_name, join_time FROM group_members WHERE group_id = $1 ORDER BY user_id",
    )
    .bind(group)
    .fetch_all(&pool)
    .await?;
    let mut members = Vec::with_capacity(rows.len());
    for r in &rows {
        members.push(json!({
            "display_name": r.try_get::<String, _>("display_name")?,
            "join_time": r.try_get::<i64, _>("join_time")?,
            "user_id": r.try_get::<i64, _>("user_id")?,
        }));
    }
    let total = members.len();
    Ok(Json(json!({ "code": 200, "message": null, "data": members, "version": version, "total": total })))
}

const CONTENT_TYPES: [&str; 8] =
    ["TEXT", "IMAGE", "AUDIO", "VIDEO", "FILE", "LOCATION", "COMMAND", "FORWARD"];

fn xid(uid: i64) -> Value {
    json!({ "set_device_sn": false, "set_uid": true, "uid": uid })
}

/// One-to-one conversations only: the benchmark reads no group history.
pub(super) async fn conversation(
    State(pool): State<AnyPool>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let (app, me) = caller(&pool, &headers).await?;
    let other = id_param(&query, "opposite_id")?;
    let limit =
        query.get("limit").and_then(|v| v.parse::<i64>().ok()).filter(|l| *l > 0).unwrap_or(20).min(100);
    let state = sqlx::query(
        "SELECT read_id, cleared_id FROM conversations WHERE app_id = $1 AND user_id = $2 AND peer_id = $3",
    )
    .bind(&app)
    .bind(me)
    .bind(other)
    .fetch_optional(&pool)
    .await?;
    let (read_id, cleared_id) = match state {
        Some(r) => (r.try_get::<i64, _>("read_id")?, r.try_get::<i64, _>("cleared_id")?),
        None => (0, 0),
    };
    let rows = sqlx::query(
        "SELECT m.id, m.from_id, m.to_id, m.created_at, b.content_type, b.content, b.ext, b.config, b.attachment
         FROM messages m JOIN message_bodies b ON b.id = m.body_id
         WHERE m.app_id = $1 AND m.conv_low = $2 AND m.conv_high = $3 AND m.id > $4
         ORDER BY m.id DESC LIMIT $5",
    )
    .bind(&app)
    .bind(me.min(other))
    .bind(me.max(other))
    .bind(cleared_id)
    .bind(limit + 1)
    .fetch_all(&pool)
    .await?;
    let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
    let mut messages = Vec::new();
    let mut next = None;
    for (i, r) in rows.iter().enumerate() {
        let id: i64 = r.try_get("id")?;
        if i64::try_from(i).unwrap_or(i64::MAX) == limit {
            next = Some(id);
            break;
        }
        let from: i64 = r.try_get("from_id")?;
        let kind: i64 = r.try_get("content_type")?;
        let mut m = Map::new();
        m.insert("content".into(), json!(r.try_get::<String, _>("content")?));
        m.insert(
            "ctype".into(),
            json!(usize::try_from(kind).ok().and_then(|k| CONTENT_TYPES.get(k)).unwrap_or(&"TEXT")),
        );
        m.insert("from_xid".into(), xid(from));
        m.insert("msg_id".into(), json!(id));
        for field in ["attachment", "config", "ext"] {
            let value: Option<String> = r.try_get(field)?;
            m.insert(format!("set_{field}"), json!(value.is_some()));
            if let Some(v) = value {
                m.insert(field.into(), json!(v));
            }
        }
        for set in ["content", "ctype", "from_xid", "msg_id", "status", "timestamp", "to_xid"] {
            m.insert(format!("set_{set}"), json!(true));
        }
        m.insert("status".into(), json!(if from == me || id <= read_id { "READ" } else { "UNREAD" }));
        m.insert("timestamp".into(), json!(r.try_get::<i64, _>("created_at")?));
        m.insert("to_xid".into(), xid(r.try_get("to_id")?));
        messages.push(Value::Object(m));
    }
    let mut data = json!({
        "is_last": !more,
        "messages_size": messages.len(),
        "messages": messages,
        "set_is_last": true,
        "set_messages": true,
        "set_next_msg_id": more,
    });
    if let Some(next) = next {
        data["next_msg_id"] = json!(next);
    }
    ok(data)
}
