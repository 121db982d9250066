//! The notices log's storage: appending a transaction's notices (called by
//! the roster and group transactions as they commit) and reading a user's
//! log from a position.
//!
//! Positions come from the recipient's `notice_counters` row, moved by the
//! transaction's count of notices for that user in one upsert that answers
//! the new last position. The row stays locked until the transaction ends,
//! so writers for one user take turns and positions commit in order, with
//! no gap (a rolled-back transaction takes its numbers back with it).
//! Counters are moved in ascending user id, one append per transaction and
//! as its last write, so two transactions never wait on each other's
//! counter rows in opposite orders, nor on another lock while holding a
//! counter: no deadlock.

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::core::error::Result;
use crate::core::ids::{AppId, GroupId, UserId};
use crate::core::notices::{NewNotice, Notice, NoticeKind};

use super::Db;
use super::errors::storage;
use super::rows::get;

/// Rows per statement: a group change may notify thousands of members, and
/// both backends cap the parameters of one statement (SQLite at 32766).
/// Small enough that a group of a few hundred members takes several of
/// each (`server/tests/domain/notices.rs` has one).
const COUNTER_CHUNK: usize = 200;
const NOTICE_CHUNK: usize = 250;

/// After a commit: wakes the live connections of the notices' recipients
/// (their notices queue, conversation 0).
pub(super) fn wake(wakes: &crate::core::wakes::Wakes, app: &AppId, notices: &[NewNotice]) {
    let mut users: Vec<(UserId, i64)> = notices.iter().map(|n| (n.user, 0)).collect();
    users.sort_unstable_by_key(|u| u.0.0);
    users.dedup();
    wakes.publish(crate::core::wakes::Wake::New { app: app.clone(), targets: users });
}

/// Appends `notices` (in their order per recipient) inside the caller's
/// transaction. Call once per transaction, after its other writes.
pub(super) async fn append(conn: &mut AnyConnection, app: &AppId, notices: &[NewNotice]) -> Result<()> {
    if notices.is_empty() {
        return Ok(());
    }
    let mut counts: BTreeMap<i64, i64> = BTreeMap::new();
    for n in notices {
        *counts.entry(n.user.0).or_default() += 1;
    }
    // user -> the position its next notice of this transaction gets.
    let mut next: BTreeMap<i64, i64> = BTreeMap::new();
    let users: Vec<(i64, i64)> = counts.into_iter().collect();
    for chunk in users.chunks(COUNTER_CHUNK) {
        let values: Vec<String> =
            (0..chunk.len()).map(|i| format!("(${}, $1, ${})", 2 + 2 * i, 3 + 2 * i)).collect();
        let sql = format!(
            "INSERT INTO notice_counters (user_id, app_id, last_position) VALUES {}
             ON CONFLICT (user_id) DO UPDATE SET
                 last_position = notice_counters.last_position + excluded.last_position
             RETURNING user_id, last_position",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(app.as_str());
        for (user, count) in chunk {
            q = q.bind(*user).bind(*count);
        }
        let rows = q.fetch_all(&mut *conn).await?;
        if rows.len() != chunk.len() {
            return Err(storage("notice counters: one row per user expected"));
        }
        let wanted: BTreeMap<i64, i64> = chunk.iter().copied().collect();
        for row in &rows {
            let user: i64 = get(row, "user_id")?;
            let last: i64 = get(row, "last_position")?;
            let count = wanted.get(&user).ok_or_else(|| storage("notice counter of another user"))?;
            next.insert(user, last - count + 1);
        }
    }
    for chunk in notices.chunks(NOTICE_CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p = 2 + 8 * i;
                format!(
                    "(${}, ${}, $1, ${}, ${}, ${}, ${}, ${}, ${})",
                    p,
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4,
                    p + 5,
                    p + 6,
                    p + 7
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO notices (user_id, position, app_id, kind, from_id, to_id, group_id, payload, created_at)
             VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(app.as_str());
        for n in chunk {
            let slot = next.get_mut(&n.user.0).ok_or_else(|| storage("notice without a position"))?;
            let position = *slot;
            *slot += 1;
            q = q
                .bind(n.user.0)
                .bind(position)
                .bind(n.kind.code())
                .bind(n.from.0)
                .bind(n.to.map(|u| u.0))
                .bind(n.group.map(|g| g.0))
                .bind(n.payload.to_string())
                .bind(n.created_at);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

fn notice_row(row: &AnyRow) -> Result<Notice> {
    let kind: String = get(row, "kind")?;
    let payload: String = get(row, "payload")?;
    Ok(Notice {
        user: UserId(get(row, "user_id")?),
        position: get(row, "position")?,
        kind: NoticeKind::from_code(&kind).ok_or_else(|| storage("notices.kind unknown"))?,
        from: UserId(get(row, "from_id")?),
        to: get::<Option<i64>>(row, "to_id")?.map(UserId),
        group: get::<Option<i64>>(row, "group_id")?.map(GroupId),
        payload: serde_json::from_str(&payload).map_err(|_| storage("notices.payload is not JSON"))?,
        created_at: get(row, "created_at")?,
    })
}

impl Db {
    /// Up to `limit` of `user`'s notices after `after`, ascending.
    pub async fn notices_since(
        &self,
        app: &AppId,
        user: UserId,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Notice>> {
        let rows = sqlx::query(
            "SELECT user_id, position, kind, from_id, to_id, group_id, payload, created_at FROM notices
             WHERE app_id = $1 AND user_id = $2 AND position > $3 ORDER BY position LIMIT $4",
        )
        .bind(app.as_str())
        .bind(user.0)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(notice_row).collect()
    }

    /// The committed counter is the newest committed position: a counter
    /// moves only with the notices it numbers.
    pub async fn latest_notice_position(&self, app: &AppId, user: UserId) -> Result<i64> {
        let row = sqlx::query("SELECT last_position FROM notice_counters WHERE app_id = $1 AND user_id = $2")
            .bind(app.as_str())
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => get(&r, "last_position")?,
            None => 0,
        })
    }
}
