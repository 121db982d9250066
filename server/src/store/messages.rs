//! Messages' storage: bodies (stored once per send), message rows (one per
//! one-to-one target, one per group), the per-app id allocator and each
//! user's conversation rows (read position, what a deletion cleared).
//!
//! A send is one [`MessageTx`]. Its first write is the body's insert, where
//! the UNIQUE (app, sender, transaction id) constraint settles repeated
//! sends; the id allocator's row is written before any conversation row, so
//! two sends of one app queue on it and never take conversation rows in
//! opposite orders (no deadlock). Group state (membership, roles, bans,
//! `history_visible`) and block lists are read here, never written.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::core::error::Result;
use crate::core::groups::GroupRole;
use crate::core::ids::{AppId, UserId};
use crate::core::messages::{
    ContentType, ConversationKey, ConversationSummary, GroupFacts, MemberFacts, Message, NewMessage,
    PeerFacts, StoredCounts, TargetKind, UserTargetFacts,
};

use super::Db;
use super::errors::storage;
use super::rows::{get, placeholders};

/// Message ids count from here (2024-01-01, ms): `(now - EPOCH) << 12`
/// stays below 2^53 for 2^41 ms, about 69 years.
pub(super) const EPOCH_MS: i64 = 1_704_067_200_000;
pub(super) const ID_LIMIT: i64 = 1 << 53;

/// Rows per multi-row statement: well under both backends' bind limits.
const CHUNK: usize = 100;

pub(super) const MESSAGE_COLUMNS: &str = "m.id, m.kind, m.from_id, m.to_id, m.created_at, b.content_type, b.content, \
     b.ext, b.config, b.attachment";

fn kind(code: i64) -> Result<TargetKind> {
    TargetKind::from_code(code).map_err(|_| storage("stored value out of range: messages.kind"))
}

pub(super) fn message_row(row: &AnyRow) -> Result<Message> {
    Ok(Message {
        id: get(row, "id")?,
        kind: kind(get(row, "kind")?)?,
        from: get(row, "from_id")?,
        to: get(row, "to_id")?,
        content_type: ContentType::from_code(get(row, "content_type")?)
            .map_err(|_| storage("stored value out of range: message_bodies.content_type"))?,
        content: get(row, "content")?,
        ext: get(row, "ext")?,
        config: get(row, "config")?,
        attachment: get(row, "attachment")?,
        created_at: get(row, "created_at")?,
    })
}

/// What `id` names in the app, seen by `user` (a group with the user's membership).
async fn peer_facts(conn: &mut AnyConnection, app: &AppId, user: UserId, id: i64) -> Result<PeerFacts> {
    if id == crate::core::messages::SYSTEM {
        return Ok(PeerFacts::System);
    }
    let row = sqlx::query(
        "SELECT g.id, g.status, g.history_visible, g.ban_expire_time, m.role, m.join_time,
                m.ban_expire_time AS member_ban
         FROM chat_groups g LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = $3
         WHERE g.app_id = $1 AND g.id = $2",
    )
    .bind(app.as_str())
    .bind(id)
    .bind(user.0)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = row {
        let member = match get::<Option<i64>>(&row, "role")? {
            None => None,
            Some(role) => Some(MemberFacts {
                role: GroupRole::from_code(role).ok_or_else(|| storage("stored value out of range: role"))?,
                join_time: get(&row, "join_time")?,
                ban_expire_time: get(&row, "member_ban")?,
            }),
        };
        return Ok(PeerFacts::Group(GroupFacts {
            id,
            active: get::<i64>(&row, "status")? == 0,
            history_visible: get::<i64>(&row, "history_visible")? != 0,
            ban_expire_time: get(&row, "ban_expire_time")?,
            member,
        }));
    }
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE app_id = $1 AND id = $2")
        .bind(app.as_str())
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(if get::<i64>(&row, "n")? > 0 { PeerFacts::User } else { PeerFacts::Unknown })
}

impl Db {
    /// Begins a send in `app` (see [`MessageTx`]).
    pub async fn begin_send(&self, app: &AppId) -> Result<MessageTx> {
        Ok(MessageTx { tx: self.begin_write().await?, app: app.clone() })
    }

    pub async fn peer_facts(&self, app: &AppId, user: UserId, id: i64) -> Result<PeerFacts> {
        let mut conn = self.pool.acquire().await?;
        peer_facts(&mut conn, app, user, id).await
    }

    /// `user`'s read position and cleared point in the conversation with
    /// `peer` (0, 0 without a row).
    pub async fn conversation_state(&self, app: &AppId, user: UserId, peer: i64) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT read_id, cleared_id FROM conversations WHERE app_id = $1 AND user_id = $2 AND peer_id = $3",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(peer)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok((get(&row, "read_id")?, get(&row, "cleared_id")?)),
            None => Ok((0, 0)),
        }
    }

    /// Messages of the conversation after `cleared` and at or before
    /// `start`, newest first, at most `limit`.
    pub async fn history(
        &self,
        app: &AppId,
        key: &ConversationKey,
        cleared: i64,
        start: i64,
        limit: i64,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN message_bodies b ON b.id = m.body_id
             WHERE m.app_id = $1 AND m.conv_low = $2 AND m.conv_high = $3 AND m.id > $4 AND m.id <= $5
               AND m.created_at >= $6
             ORDER BY m.id DESC LIMIT $7"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(app.as_str())
            .bind(key.low)
            .bind(key.high)
            .bind(cleared)
            .bind(start)
            .bind(key.since)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(message_row).collect()
    }

    /// The newest message of the conversation the key's reader sees.
    pub async fn latest_id(&self, app: &AppId, key: &ConversationKey) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT MAX(id) AS latest FROM messages
             WHERE app_id = $1 AND conv_low = $2 AND conv_high = $3 AND created_at >= $4",
        )
        .bind(app.as_str())
        .bind(key.low)
        .bind(key.high)
        .bind(key.since)
        .fetch_one(&self.pool)
        .await?;
        get(&row, "latest")
    }

    /// Moves `user`'s read position to `id` (never backwards); with `clear`,
    /// the cleared point too (the conversation is deleted up to `id`).
    pub async fn mark_read(
        &self,
        app: &AppId,
        user: UserId,
        key: &ConversationKey,
        id: i64,
        clear: bool,
    ) -> Result<()> {
        let cleared = if clear { id } else { 0 };
        sqlx::query(
            "INSERT INTO conversations (app_id, user_id, peer_id, kind, conv_low, conv_high, read_id, cleared_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (app_id, user_id, peer_id) DO UPDATE SET
               read_id = CASE WHEN conversations.read_id > excluded.read_id
                         THEN conversations.read_id ELSE excluded.read_id END,
               cleared_id = CASE WHEN conversations.cleared_id > excluded.cleared_id
                            THEN conversations.cleared_id ELSE excluded.cleared_id END",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(key.peer)
        .bind(key.kind.code())
        .bind(key.low)
        .bind(key.high)
        .bind(id)
        .bind(cleared)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// `user`'s one-to-one conversations and active groups that show a
    /// message, with unread counts (messages from others after the read
    /// position). Group counts come from the group's messages and the
    /// user's read position: no row per member per message.
    pub async fn conversation_list(&self, app: &AppId, user: UserId) -> Result<Vec<ConversationSummary>> {
        let pairs = sqlx::query(
            "SELECT c.peer_id,
               (SELECT COUNT(*) FROM messages m
                WHERE m.app_id = c.app_id AND m.conv_low = c.conv_low AND m.conv_high = c.conv_high
                  AND m.from_id = c.peer_id
                  AND m.id > (CASE WHEN c.read_id > c.cleared_id THEN c.read_id ELSE c.cleared_id END)) AS unread,
               (SELECT MAX(m.id) FROM messages m
                WHERE m.app_id = c.app_id AND m.conv_low = c.conv_low AND m.conv_high = c.conv_high
                  AND m.id > c.cleared_id) AS last_id
             FROM conversations c WHERE c.app_id = $1 AND c.user_id = $2 AND c.kind = 1",
        )
        .bind(app.as_str())
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        let groups = sqlx::query(
            "SELECT x.peer_id,
               (SELECT COUNT(*) FROM messages m
                WHERE m.app_id = $1 AND m.conv_low = x.peer_id AND m.conv_high = 0 AND m.from_id <> $2
                  AND m.id > x.seen AND m.created_at >= x.since) AS unread,
               (SELECT MAX(m.id) FROM messages m
                WHERE m.app_id = $1 AND m.conv_low = x.peer_id AND m.conv_high = 0
                  AND m.id > x.cleared AND m.created_at >= x.since) AS last_id
             FROM (
               SELECT g.id AS peer_id,
                 CASE WHEN g.history_visible = 1 THEN $3 ELSE gm.join_time END AS since,
                 COALESCE(c.cleared_id, 0) AS cleared,
                 CASE WHEN COALESCE(c.read_id, 0) > COALESCE(c.cleared_id, 0)
                      THEN COALESCE(c.read_id, 0) ELSE COALESCE(c.cleared_id, 0) END AS seen
               FROM group_members gm JOIN chat_groups g ON g.id = gm.group_id
               LEFT JOIN conversations c ON c.app_id = g.app_id AND c.user_id = gm.user_id AND c.peer_id = g.id
               WHERE g.app_id = $1 AND gm.user_id = $2 AND g.status = 0
             ) x",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(i64::MIN)
        .fetch_all(&self.pool)
        .await?;
        let mut list = Vec::new();
        for (rows, kind) in [(pairs, TargetKind::User), (groups, TargetKind::Group)] {
            for row in &rows {
                if let Some(last_id) = get::<Option<i64>>(row, "last_id")? {
                    list.push(ConversationSummary {
                        peer: get(row, "peer_id")?,
                        kind,
                        unread: get(row, "unread")?,
                        last_id,
                    });
                }
            }
        }
        Ok(list)
    }

    pub async fn message_counts(&self, app: &AppId) -> Result<StoredCounts> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM message_bodies WHERE app_id = $1) AS bodies,
                    (SELECT COUNT(*) FROM messages WHERE app_id = $1) AS messages,
                    (SELECT COUNT(*) FROM conversations WHERE app_id = $1) AS conversations",
        )
        .bind(app.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(StoredCounts {
            bodies: get(&row, "bodies")?,
            messages: get(&row, "messages")?,
            conversations: get(&row, "conversations")?,
        })
    }
}

/// One send: rolled back when dropped without [`MessageTx::commit`].
pub struct MessageTx {
    tx: super::WriteTx,
    app: AppId,
}

impl std::fmt::Debug for MessageTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageTx").field("app", &self.app).finish_non_exhaustive()
    }
}

impl MessageTx {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    /// Stores the body; `None` when `sender` already sent this transaction id.
    pub async fn insert_body(&mut self, sender: i64, new: &NewMessage, now: i64) -> Result<Option<i64>> {
        let row = sqlx::query(
            "INSERT INTO message_bodies
               (app_id, from_id, transaction_id, content_type, content, ext, config, attachment, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(self.app.as_str())
        .bind(sender)
        .bind(new.transaction_id)
        .bind(new.content_type.code())
        .bind(new.content.as_str())
        .bind(new.ext.as_deref())
        .bind(new.config.as_deref())
        .bind(new.attachment.as_deref())
        .bind(now)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| get(&r, "id")).transpose()
    }

    /// For each target, in the order given: whether it is a user of the app,
    /// whether it blocks `sender` and whether the two are friends.
    pub async fn user_targets(&mut self, sender: UserId, targets: &[i64]) -> Result<Vec<UserTargetFacts>> {
        let mut existing = std::collections::HashSet::new();
        let mut blocking = std::collections::HashSet::new();
        let mut friends = std::collections::HashSet::new();
        for chunk in targets.chunks(CHUNK * 5) {
            let sql = format!(
                "SELECT id FROM users WHERE app_id = $1 AND id IN ({})",
                placeholders(2, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(self.app.as_str());
            for t in chunk {
                q = q.bind(*t);
            }
            for row in q.fetch_all(&mut *self.tx).await? {
                existing.insert(get::<i64>(&row, "id")?);
            }
            let sql = format!(
                "SELECT blocker_id FROM blocks WHERE blocked_id = $1 AND blocker_id IN ({})",
                placeholders(2, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(sender.0);
            for t in chunk {
                q = q.bind(*t);
            }
            for row in q.fetch_all(&mut *self.tx).await? {
                blocking.insert(get::<i64>(&row, "blocker_id")?);
            }
            let sql = format!(
                "SELECT friend_id FROM friendships WHERE user_id = $1 AND relation = 0 AND friend_id IN ({})",
                placeholders(2, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(sender.0);
            for t in chunk {
                q = q.bind(*t);
            }
            for row in q.fetch_all(&mut *self.tx).await? {
                friends.insert(get::<i64>(&row, "friend_id")?);
            }
        }
        Ok(targets
            .iter()
            .map(|id| UserTargetFacts {
                id: *id,
                exists: existing.contains(id),
                blocks_sender: blocking.contains(id),
                friend: friends.contains(id),
            })
            .collect())
    }

    /// What `group` is, with `sender`'s membership.
    pub async fn group_target(&mut self, group: i64, sender: i64) -> Result<PeerFacts> {
        peer_facts(&mut self.tx, &self.app, UserId(sender), group).await
    }

    /// Takes one id per key from the app's allocator and stores one message
    /// row per key, all pointing at `body`: the ids, in the keys' order.
    pub async fn insert_messages(
        &mut self,
        body: i64,
        sender: i64,
        kind: TargetKind,
        keys: &[ConversationKey],
        now: i64,
    ) -> Result<Vec<i64>> {
        let count = i64::try_from(keys.len()).map_err(|_| storage("too many messages"))?;
        let floor = now.saturating_sub(EPOCH_MS).max(0).saturating_mul(1 << 12).max(1);
        let row = sqlx::query(
            "INSERT INTO message_ids (app_id, next_id) VALUES ($1, $2 + $3)
             ON CONFLICT (app_id) DO UPDATE SET next_id =
               (CASE WHEN message_ids.next_id > $2 THEN message_ids.next_id ELSE $2 END) + $3
             RETURNING next_id",
        )
        .bind(self.app.as_str())
        .bind(floor.min(ID_LIMIT))
        .bind(count)
        .fetch_one(&mut *self.tx)
        .await?;
        let next: i64 = get(&row, "next_id")?;
        let first = next - count;
        if next > ID_LIMIT {
            return Err(storage("message ids exhausted"));
        }
        let ids: Vec<i64> = (first..next).collect();
        for (keys, ids) in keys.chunks(CHUNK).zip(ids.chunks(CHUNK)) {
            let values = (0..keys.len())
                .map(|i| format!("($1, $2, $3, $4, $5, {})", placeholders(6 + i * 4, 4)))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO messages (app_id, body_id, kind, from_id, created_at, id, to_id, conv_low, conv_high)
                 VALUES {values}"
            );
            let mut q = sqlx::query(AssertSqlSafe(sql))
                .bind(self.app.as_str())
                .bind(body)
                .bind(kind.code())
                .bind(sender)
                .bind(now);
            for (key, id) in keys.iter().zip(ids) {
                q = q.bind(*id).bind(key.peer_of(sender)).bind(key.low).bind(key.high);
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(ids)
    }

    /// Marks the messages `ids` as sent from the socket device `sn` of
    /// their sender (`docs/socket.md#delivery-model`).
    pub async fn set_origin(&mut self, ids: &[i64], sn: i64) -> Result<()> {
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "UPDATE messages SET from_sn = $2 WHERE app_id = $1 AND id IN ({})",
                placeholders(3, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(self.app.as_str()).bind(sn);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Gives both ends of each one-to-one key a conversation row (the
    /// sender's only when it is a user), where they have none yet.
    pub async fn open_conversations(&mut self, sender: i64, keys: &[ConversationKey]) -> Result<()> {
        let mut rows: Vec<(i64, i64, &ConversationKey)> = Vec::with_capacity(keys.len() * 2);
        for key in keys {
            let target = key.peer_of(sender);
            rows.push((target, sender, key));
            if sender != crate::core::messages::SYSTEM {
                rows.push((sender, target, key));
            }
        }
        for chunk in rows.chunks(CHUNK) {
            let values = (0..chunk.len())
                .map(|i| format!("($1, {}, 1)", placeholders(2 + i * 4, 4)))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO conversations (app_id, user_id, peer_id, conv_low, conv_high, kind) VALUES {values}
                 ON CONFLICT (app_id, user_id, peer_id) DO NOTHING"
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(self.app.as_str());
            for (user, peer, key) in chunk {
                q = q.bind(*user).bind(*peer).bind(key.low).bind(key.high);
            }
            q.execute(&mut *self.tx).await?;
        }
        Ok(())
    }
}
