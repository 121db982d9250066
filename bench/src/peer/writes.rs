//! The peer's write cases: a message to users or to a group, a friend
//! application and its acceptance. Each checks with plain reads, then writes
//! the rows the server's schema needs in one transaction (message ids from
//! the schema's per-app allocator row, `server/migrations/sqlite/0004_messages.sql`).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::json;
use sqlx::{Any, AnyPool, Row, Transaction};

use super::{Answer, Fault, caller, now_ms, ok};

/// Message ids start from the milliseconds since 2024-01-01, times 4096.
const EPOCH_MS: i64 = 1_704_067_200_000;

#[derive(Deserialize)]
pub(super) struct SendBody {
    r#type: i64,
    targets: Vec<i64>,
    #[serde(default)]
    content_type: i64,
    #[serde(default)]
    content: String,
    ext: Option<String>,
    config: Option<String>,
    attachment: Option<String>,
}

pub(super) async fn send(
    State(pool): State<AnyPool>,
    headers: HeaderMap,
    Json(body): Json<SendBody>,
) -> Answer {
    let (app, me) = caller(&pool, &headers).await?;
    if !(0..8).contains(&body.content_type) || body.targets.is_empty() {
        return Err(Fault::new(10002, "invalid content_type or targets"));
    }
    let now = now_ms();
    match body.r#type {
        1 => {
            for &target in &body.targets {
                let friends = sqlx::query(
                    "SELECT relation FROM friendships WHERE user_id = $1 AND friend_id = $2 AND relation = 0",
                )
                .bind(me)
                .bind(target)
                .fetch_optional(&pool)
                .await?
                .is_some();
                let blocked =
                    sqlx::query("SELECT 1 AS one FROM blocks WHERE blocker_id = $1 AND blocked_id = $2")
                        .bind(target)
                        .bind(me)
                        .fetch_optional(&pool)
                        .await?
                        .is_some();
                if !friends || blocked {
                    return Err(Fault::new(10010, format!("target {target}: may not message")));
                }
            }
            let mut tx = pool.begin().await?;
            let body_id = insert_body(&mut tx, &app, me, &body, now).await?;
            let mut id = allocate_ids(&mut tx, &app, body.targets.len(), now).await?;
            for &target in &body.targets {
                let (low, high) = (me.min(target), me.max(target));
                insert_message(&mut tx, &app, id, body_id, 1, me, target, (low, high), now).await?;
                for (user, peer) in [(target, me), (me, target)] {
                    sqlx::query(
                        "INSERT INTO conversations (app_id, user_id, peer_id, conv_low, conv_high, kind)
                         VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (app_id, user_id, peer_id) DO NOTHING",
                    )
                    .bind(&app)
                    .bind(user)
                    .bind(peer)
                    .bind(low)
                    .bind(high)
                    .execute(&mut *tx)
                    .await?;
                }
                id += 1;
            }
            tx.commit().await?;
        }
        2 => {
            for &group in &body.targets {
                let row = sqlx::query(
                    "SELECT g.ban_expire_time AS g_ban, m.ban_expire_time AS m_ban, m.role
                     FROM chat_groups g JOIN group_members m ON m.group_id = g.id
                     WHERE g.id = $1 AND g.app_id = $2 AND g.status = 0 AND m.user_id = $3",
                )
                .bind(group)
                .bind(&app)
                .bind(me)
                .fetch_optional(&pool)
                .await?
                .ok_or_else(|| Fault::new(20017, format!("target {group}: not a member")))?;
                let muted = |end: i64| end == -1 || end > now;
                let role: i64 = row.try_get("role")?;
                if muted(row.try_get("m_ban")?) || (role == 0 && muted(row.try_get("g_ban")?)) {
                    return Err(Fault::new(20019, format!("target {group}: muted")));
                }
            }
            let mut tx = pool.begin().await?;
            let body_id = insert_body(&mut tx, &app, me, &body, now).await?;
            let mut id = allocate_ids(&mut tx, &app, body.targets.len(), now).await?;
            for &group in &body.targets {
                insert_message(&mut tx, &app, id, body_id, 2, me, group, (group, 0), now).await?;
                id += 1;
            }
            tx.commit().await?;
        }
        _ => return Err(Fault::new(10002, "invalid type")),
    }
    ok(json!(true))
}

async fn insert_body(
    tx: &mut Transaction<'_, Any>,
    app: &str,
    me: i64,
    b: &SendBody,
    now: i64,
) -> Result<i64, Fault> {
    let row = sqlx::query(
        "INSERT INTO message_bodies (app_id, from_id, content_type, content, ext, config, attachment, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(app)
    .bind(me)
    .bind(b.content_type)
    .bind(&b.content)
    .bind(b.ext.as_deref())
    .bind(b.config.as_deref())
    .bind(b.attachment.as_deref())
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("id")?)
}

/// The first of `n` new message ids.
async fn allocate_ids(tx: &mut Transaction<'_, Any>, app: &str, n: usize, now: i64) -> Result<i64, Fault> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    let floor = ((now - EPOCH_MS).max(0) << 12).max(1);
    let row = sqlx::query(
        "INSERT INTO message_ids (app_id, next_id) VALUES ($1, $2 + $3)
         ON CONFLICT (app_id) DO UPDATE SET next_id =
           (CASE WHEN message_ids.next_id > $2 THEN message_ids.next_id ELSE $2 END) + $3
         RETURNING next_id",
    )
    .bind(app)
    .bind(floor)
    .bind(n)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get::<i64, _>("next_id")? - n)
}

#[allow(clippy::too_many_arguments)]
async fn insert_message(
    tx: &mut Transaction<'_, Any>,
    app: &str,
    id: i64,
    body: i64,
    kind: i64,
    from: i64,
    to: i64,
    (low, high): (i64, i64),
    now: i64,
) -> Result<(), Fault> {
    sqlx::query(
        "INSERT INTO messages (app_id, id, body_id, kind, from_id, to_id, conv_low, conv_high, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(app)
    .bind(id)
    .bind(body)
    .bind(kind)
    .bind(from)
    .bind(to)
    .bind(low)
    .bind(high)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Deserialize)]
pub(super) struct UserBody {
    user_id: i64,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    alias: String,
}

/// Open users become friends at once; users asking for approval get a
/// pending application; others refuse.
pub(super) async fn apply(
    State(pool): State<AnyPool>,
    headers: HeaderMap,
    Json(body): Json<UserBody>,
) -> Answer {
    let (app, me) = caller(&pool, &headers).await?;
    let target = body.user_id;
    if target == me {
        return Err(Fault::new(10002, "cannot apply to oneself"));
    }
    let row = sqlx::query(
        "SELECT s.auth_mode, a.application_ttl_ms FROM users u
         JOIN user_settings s ON s.user_id = u.id JOIN apps a ON a.id = u.app_id
         WHERE u.id = $1 AND u.app_id = $2",
    )
    .bind(target)
    .bind(&app)
    .fetch_optional(&pool)
    .await?
    .ok_or_else(|| Fault::new(10000, "user does not exist"))?;
    let (mode, ttl): (i64, i64) = (row.try_get("auth_mode")?, row.try_get("application_ttl_ms")?);
    let already = sqlx::query(
        "SELECT 1 AS one FROM friendships WHERE user_id = $1 AND friend_id = $2 AND relation = 0",
    )
    .bind(me)
    .bind(target)
    .fetch_optional(&pool)
    .await?
    .is_some();
    if already {
        return ok(json!(true));
    }
    let now = now_ms();
    let mut tx = pool.begin().await?;
    match mode {
        0 => befriend(&mut tx, &app, me, target, now).await?,
        1 => {
            sqlx::query(
                "INSERT INTO friend_applications
                     (app_id, applicant_id, target_id, reason, alias, status, created_at, updated_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, 0, $6, $6, $7)
                 ON CONFLICT (applicant_id, target_id) WHERE status = 0 DO UPDATE SET
                     reason = excluded.reason, updated_at = excluded.updated_at, expires_at = excluded.expires_at",
            )
            .bind(&app)
            .bind(me)
            .bind(target)
            .bind(&body.reason)
            .bind(&body.alias)
            .bind(now)
            .bind(now + ttl)
            .execute(&mut *tx)
            .await?;
        }
        _ => return Err(Fault::new(10011, "this user accepts no applications")),
    }
    tx.commit().await?;
    ok(json!(true))
}

pub(super) async fn accept(
    State(pool): State<AnyPool>,
    headers: HeaderMap,
    Json(body): Json<UserBody>,
) -> Answer {
    let (app, me) = caller(&pool, &headers).await?;
    let applicant = body.user_id;
    let now = now_ms();
    let pending = sqlx::query(
        "SELECT id FROM friend_applications
         WHERE app_id = $1 AND applicant_id = $2 AND target_id = $3 AND status = 0 AND expires_at > $4",
    )
    .bind(&app)
    .bind(applicant)
    .bind(me)
    .bind(now)
    .fetch_optional(&pool)
    .await?
    .ok_or_else(|| Fault::new(10007, "friend application does not exist or has expired"))?;
    let id: i64 = pending.try_get("id")?;
    let mut tx = pool.begin().await?;
    let settled = sqlx::query(
        "UPDATE friend_applications SET status = 1, updated_at = $2 WHERE id = $1 AND status = 0",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if settled.rows_affected() == 0 {
        return Err(Fault::new(10007, "friend application does not exist or has expired"));
    }
    befriend(&mut tx, &app, me, applicant, now).await?;
    tx.commit().await?;
    ok(json!(true))
}

/// Both friendship rows, and both users' roster versions bumped.
async fn befriend(tx: &mut Transaction<'_, Any>, app: &str, a: i64, b: i64, now: i64) -> Result<(), Fault> {
    for (owner, friend) in [(a, b), (b, a)] {
        sqlx::query(
            "INSERT INTO friendships (app_id, user_id, friend_id, relation, created_at, updated_at)
             VALUES ($1, $2, $3, 0, $4, $4)
             ON CONFLICT (user_id, friend_id) DO UPDATE SET relation = 0, updated_at = excluded.updated_at",
        )
        .bind(app)
        .bind(owner)
        .bind(friend)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE users SET roster_version = roster_version + 1 WHERE id = $1")
            .bind(owner)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
