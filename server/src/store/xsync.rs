//! Storage of per-device delivery (`core::inbox`, `docs/socket.md`): socket
//! devices' floors and positions, the queue and history queries over the
//! messages, forwarded operations, recall and edit marks, per-user hidden
//! messages (migration 0009).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sqlx::AssertSqlSafe;

use crate::core::error::Result;
use crate::core::ids::{AppId, UserId};
use crate::core::inbox::{Delivered, NewOp, StoredOp};
use crate::core::messages::{ConversationKey, Message, TargetKind};

use super::Db;
use super::errors::storage;
use super::messages::{EPOCH_MS, ID_LIMIT, MESSAGE_COLUMNS, message_row};
use super::rows::get;

/// The first message id drawn at `ms` or later.
fn id_at(ms: i64) -> i64 {
    ms.saturating_sub(EPOCH_MS).max(0).saturating_mul(1 << 12).min(ID_LIMIT)
}

/// The queue's condition on `m` (messages) and `$1` app, `$2`/`$3` the
/// conversation, `$4` the start, `$5` its `since`, `$6` the user, `$7` the
/// device.
const QUEUE_MESSAGES: &str = "FROM messages m JOIN message_bodies b ON b.id = m.body_id
     LEFT JOIN message_marks k ON k.app_id = m.app_id AND k.message_id = m.id
     WHERE m.app_id = $1 AND m.conv_low = $2 AND m.conv_high = $3 AND m.id > $4 AND m.created_at >= $5
       AND NOT (m.from_id = $6 AND m.from_sn = $7)
       AND COALESCE(k.recalled, 0) = 0";

const QUEUE_OPS: &str = "FROM message_ops o
     WHERE o.app_id = $1 AND o.conv_low = $2 AND o.conv_high = $3 AND o.id > $4 AND o.created_at >= $5
       AND NOT (o.from_id = $6 AND o.from_sn = $7) AND (o.only_user = 0 OR o.only_user = $6)";

/// Binds `$1`…`$8` of a queue query (`QUEUE_MESSAGES`, `QUEUE_OPS`): the
/// conversation, the device and where its queue starts, then the limit.
fn queue_query<'q>(
    sql: String,
    app: &'q AppId,
    key: &ConversationKey,
    user: UserId,
    sn: i64,
    start: i64,
    limit: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(AssertSqlSafe(sql))
        .bind(app.as_str())
        .bind(key.low)
        .bind(key.high)
        .bind(start)
        .bind(key.since)
        .bind(user.0)
        .bind(sn)
        .bind(limit)
}

fn delivered(row: &sqlx::any::AnyRow) -> Result<Delivered> {
    Ok(Delivered {
        message: message_row(row)?,
        from_sn: get(row, "from_sn")?,
        edit_timestamp: get(row, "edit_timestamp")?,
        read: false,
    })
}

impl Db {
    /// The device's floor, set once: message ids from `since` on, and the
    /// notices after the user's newest one.
    pub async fn socket_device_open(&self, app: &AppId, user: UserId, sn: i64, since: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO socket_devices (app_id, user_id, device_sn, message_floor, notice_acked)
             VALUES ($1, $2, $3, $4,
               (SELECT COALESCE(MAX(position), 0) FROM notices WHERE app_id = $1 AND user_id = $2))
             ON CONFLICT (app_id, user_id, device_sn) DO NOTHING",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(sn)
        .bind(id_at(since))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The device's acknowledged position in conversation `peer` (its floor
    /// before the first acknowledgement).
    pub async fn socket_position(&self, app: &AppId, user: UserId, sn: i64, peer: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COALESCE(
               (SELECT acked_id FROM socket_positions
                WHERE app_id = $1 AND user_id = $2 AND device_sn = $3 AND peer_id = $4),
               (SELECT message_floor FROM socket_devices WHERE app_id = $1 AND user_id = $2 AND device_sn = $3),
               0) AS start",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(sn)
        .bind(peer)
        .fetch_one(&self.pool)
        .await?;
        get(&row, "start")
    }

    /// Moves the device's position in `peer` to `key` (never backwards).
    pub async fn socket_ack(&self, app: &AppId, user: UserId, sn: i64, peer: i64, key: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO socket_positions (app_id, user_id, device_sn, peer_id, acked_id) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (app_id, user_id, device_sn, peer_id) DO UPDATE SET acked_id =
               CASE WHEN socket_positions.acked_id > excluded.acked_id
                    THEN socket_positions.acked_id ELSE excluded.acked_id END",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(sn)
        .bind(peer)
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn socket_ack_notices(&self, app: &AppId, user: UserId, sn: i64, position: i64) -> Result<()> {
        sqlx::query(
            "UPDATE socket_devices SET notice_acked = $4
             WHERE app_id = $1 AND user_id = $2 AND device_sn = $3 AND notice_acked < $4",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(sn)
        .bind(position)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn socket_notices_acked(&self, app: &AppId, user: UserId, sn: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COALESCE((SELECT notice_acked FROM socket_devices
               WHERE app_id = $1 AND user_id = $2 AND device_sn = $3), 0) AS acked",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(sn)
        .fetch_one(&self.pool)
        .await?;
        get(&row, "acked")
    }

    /// The user's conversations a device may have a queue in: one-to-one
    /// rows (0 included) and active groups the user is in.
    pub async fn socket_peers(&self, app: &AppId, user: UserId) -> Result<Vec<(i64, TargetKind)>> {
        let rows = sqlx::query(
            "SELECT peer_id, 1 AS kind FROM conversations WHERE app_id = $1 AND user_id = $2 AND kind = 1
             UNION ALL
             SELECT g.id AS peer_id, 2 AS kind FROM group_members gm JOIN chat_groups g ON g.id = gm.group_id
             WHERE g.app_id = $1 AND gm.user_id = $2 AND g.status = 0",
        )
        .bind(app.as_str())
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let kind = if get::<i64>(row, "kind")? == 2 { TargetKind::Group } else { TargetKind::User };
                Ok((get(row, "peer_id")?, kind))
            })
            .collect()
    }

    /// The device's next messages of the conversation after `start`, ascending.
    pub async fn queue_messages(
        &self,
        app: &AppId,
        key: &ConversationKey,
        user: UserId,
        sn: i64,
        start: i64,
        limit: i64,
    ) -> Result<Vec<Delivered>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS}, m.from_sn, COALESCE(k.edit_timestamp, 0) AS edit_timestamp
             {QUEUE_MESSAGES} ORDER BY m.id LIMIT $8"
        );
        let rows = queue_query(sql, app, key, user, sn, start, limit).fetch_all(&self.pool).await?;
        rows.iter().map(delivered).collect()
    }

    pub async fn queue_ops(
        &self,
        app: &AppId,
        key: &ConversationKey,
        user: UserId,
        sn: i64,
        start: i64,
        limit: i64,
    ) -> Result<Vec<StoredOp>> {
        let sql = format!(
            "SELECT o.id, o.from_id, o.from_sn, o.to_id, o.ns, o.payload, o.created_at {QUEUE_OPS}
             ORDER BY o.id LIMIT $8"
        );
        let rows = queue_query(sql, app, key, user, sn, start, limit).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let payload: String = get(row, "payload")?;
                Ok(StoredOp {
                    id: get(row, "id")?,
                    from: get(row, "from_id")?,
                    from_sn: get(row, "from_sn")?,
                    to: get(row, "to_id")?,
                    ns: get(row, "ns")?,
                    payload: B64.decode(payload).map_err(|_| storage("message_ops.payload is not base64"))?,
                    created_at: get(row, "created_at")?,
                })
            })
            .collect()
    }

    /// How many items the device's queue holds in the conversation (at most `cap` of each kind).
    pub async fn queue_count(
        &self,
        app: &AppId,
        key: &ConversationKey,
        user: UserId,
        sn: i64,
        start: i64,
        cap: i64,
    ) -> Result<i64> {
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM (SELECT m.id {QUEUE_MESSAGES} LIMIT $8) x)
                  + (SELECT COUNT(*) FROM (SELECT o.id {QUEUE_OPS} LIMIT $8) y) AS n"
        );
        let row = queue_query(sql, app, key, user, sn, start, cap).fetch_one(&self.pool).await?;
        get(&row, "n")
    }

    /// Messages of the conversation before `before`, after `cleared`, newest
    /// first, without recalled ones and those `user` hid.
    pub async fn socket_history(
        &self,
        app: &AppId,
        key: &ConversationKey,
        user: UserId,
        cleared: i64,
        before: i64,
        limit: i64,
    ) -> Result<Vec<Delivered>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS}, m.from_sn, COALESCE(k.edit_timestamp, 0) AS edit_timestamp
             FROM messages m JOIN message_bodies b ON b.id = m.body_id
             LEFT JOIN message_marks k ON k.app_id = m.app_id AND k.message_id = m.id
             WHERE m.app_id = $1 AND m.conv_low = $2 AND m.conv_high = $3 AND m.id > $4 AND m.id < $5
               AND m.created_at >= $6 AND COALESCE(k.recalled, 0) = 0
               AND NOT EXISTS (SELECT 1 FROM message_hidden h
                               WHERE h.app_id = m.app_id AND h.user_id = $7 AND h.message_id = m.id)
             ORDER BY m.id DESC LIMIT $8"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(app.as_str())
            .bind(key.low)
            .bind(key.high)
            .bind(cleared)
            .bind(before)
            .bind(key.since)
            .bind(user.0)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(delivered).collect()
    }

    /// Stores an operation under an id from the app's message allocator.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_op(
        &self,
        app: &AppId,
        key: &ConversationKey,
        user: UserId,
        sn: i64,
        only_user: i64,
        op: &NewOp,
        now: i64,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO message_ids (app_id, next_id) VALUES ($1, $2 + 1)
             ON CONFLICT (app_id) DO UPDATE SET next_id =
               (CASE WHEN message_ids.next_id > $2 THEN message_ids.next_id ELSE $2 END) + 1
             RETURNING next_id",
        )
        .bind(app.as_str())
        .bind(id_at(now).max(1))
        .fetch_one(&mut *tx)
        .await?;
        let next: i64 = get(&row, "next_id")?;
        if next > ID_LIMIT {
            return Err(storage("message ids exhausted"));
        }
        let id = next - 1;
        sqlx::query(
            "INSERT INTO message_ops
               (app_id, id, conv_low, conv_high, from_id, from_sn, to_id, only_user, ns, payload, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(app.as_str())
        .bind(id)
        .bind(key.low)
        .bind(key.high)
        .bind(user.0)
        .bind(sn)
        .bind(op.to)
        .bind(only_user)
        .bind(op.ns)
        .bind(B64.encode(&op.payload))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The message `id` if it belongs to the conversation (and is not recalled).
    pub async fn message_in(&self, app: &AppId, key: &ConversationKey, id: i64) -> Result<Option<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN message_bodies b ON b.id = m.body_id
             LEFT JOIN message_marks k ON k.app_id = m.app_id AND k.message_id = m.id
             WHERE m.app_id = $1 AND m.id = $2 AND m.conv_low = $3 AND m.conv_high = $4
               AND m.created_at >= $5 AND COALESCE(k.recalled, 0) = 0"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(app.as_str())
            .bind(id)
            .bind(key.low)
            .bind(key.high)
            .bind(key.since)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(message_row).transpose()
    }

    pub async fn mark_recalled(&self, app: &AppId, id: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO message_marks (app_id, message_id, recalled) VALUES ($1, $2, 1)
             ON CONFLICT (app_id, message_id) DO UPDATE SET recalled = 1",
        )
        .bind(app.as_str())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// New text for the message `id` (its body: a one-to-one message sent
    /// from a socket has a body of its own) and its edit time.
    pub async fn edit_message(
        &self,
        app: &AppId,
        id: i64,
        content: &str,
        config: Option<&str>,
        ext: Option<&str>,
        at: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE message_bodies SET content = $3, config = $4, ext = $5
             WHERE app_id = $1 AND id = (SELECT body_id FROM messages WHERE app_id = $1 AND id = $2)",
        )
        .bind(app.as_str())
        .bind(id)
        .bind(content)
        .bind(config)
        .bind(ext)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO message_marks (app_id, message_id, edit_timestamp) VALUES ($1, $2, $3)
             ON CONFLICT (app_id, message_id) DO UPDATE SET edit_timestamp = excluded.edit_timestamp",
        )
        .bind(app.as_str())
        .bind(id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn hide_message(&self, app: &AppId, user: UserId, id: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO message_hidden (app_id, user_id, message_id) VALUES ($1, $2, $3)
             ON CONFLICT (app_id, user_id, message_id) DO NOTHING",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The id and time of the message `sender` sent with `transaction_id`
    /// (a resent upload answered with its first ack).
    pub async fn message_by_transaction(
        &self,
        app: &AppId,
        sender: UserId,
        transaction_id: i64,
    ) -> Result<Option<(i64, i64)>> {
        let row = sqlx::query(
            "SELECT MIN(m.id) AS id, MIN(m.created_at) AS created_at FROM messages m
             JOIN message_bodies b ON b.id = m.body_id
             WHERE b.app_id = $1 AND b.from_id = $2 AND b.transaction_id = $3",
        )
        .bind(app.as_str())
        .bind(sender.0)
        .bind(transaction_id)
        .fetch_one(&self.pool)
        .await?;
        match get::<Option<i64>>(&row, "id")? {
            Some(id) => Ok(Some((id, get(&row, "created_at")?))),
            None => Ok(None),
        }
    }
}
