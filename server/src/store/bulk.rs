//! Bulk loading for `server seed` (docs/seeding.md): rows written many at a
//! time on one held connection, never through the request paths, so that a
//! million users and tens of millions of rows take minutes.
//!
//! The rows are the ones the request paths would have written (same tables,
//! same columns, same derived values); what differs is how: users come out
//! of one `INSERT … SELECT` over a recursive counter, the rest are integer
//! columns sent many rows at a time and turned into rows by one
//! `INSERT … SELECT` whose expressions are the same on both backends. On
//! SQLite the integers come as a multi-row `VALUES` list (under the 32766
//! bound-parameter limit); on PostgreSQL they are `COPY`ed into a temporary
//! table first, through a connection of the PostgreSQL driver opened from
//! the same URL (the `Any` driver has no `COPY`).
//!
//! Load settings are set on the held connections only and restored by
//! [`Bulk::finish`]: no waiting for the disk, a large page cache on SQLite,
//! and no foreign-key checks (SQLite `foreign_keys = OFF`, PostgreSQL
//! `session_replication_role = replica`, which skips the per-row
//! referential triggers and needs a superuser: refused, the load goes on
//! with the checks, slower). The rows are consistent by construction
//! (`seed::plan`), and `server/tests/seed.rs` reads them back through the
//! core.

use std::io::Write as _;

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgConnection;
use sqlx::{Any, AssertSqlSafe, Connection as _, Executor};

use crate::core::error::Result;
use crate::core::ids::AppId;
use crate::core::settings::UserSettings;

use super::rows::{bit, get};
use super::{Backend, Db};

/// SQLite's bound-parameter limit (SQLITE_MAX_VARIABLE_NUMBER).
const SQLITE_MAX_PARAMS: usize = 32766;
/// Rows per `COPY` into the staging table on PostgreSQL, then one
/// `INSERT … SELECT` from it.
const POSTGRES_ROWS: usize = 500_000;
/// Bytes of `COPY` text sent at a time.
const COPY_CHUNK: usize = 1 << 20;

/// The id a send at `ms` draws when the allocator is not ahead of the clock
/// (`super::messages`: 4096 ids per millisecond since 2024-01-01).
pub fn message_id_at(ms: i64) -> i64 {
    (ms - super::messages::EPOCH_MS).max(0).saturating_mul(1 << 12).max(1)
}

/// One connection taken from the pool for the whole load.
pub struct Bulk {
    conn: PoolConnection<Any>,
    /// PostgreSQL: the connection `COPY` and the staged inserts go through.
    pg: Option<PgConnection>,
    backend: Backend,
    app: AppId,
}

impl std::fmt::Debug for Bulk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bulk").field("app", &self.app).field("backend", &self.backend).finish_non_exhaustive()
    }
}

/// A group as `server seed` creates it: the app's defaults for a new group
/// (`core::groups`), with members already counted.
#[derive(Debug, Clone, Copy)]
pub struct BulkGroup {
    pub id: i64,
    pub owner: i64,
    pub member_count: i64,
}

/// A message row with its body (one body per message: each send had one
/// target).
#[derive(Debug, Clone, Copy)]
pub struct BulkMessage {
    pub id: i64,
    pub body_id: i64,
    /// 1 one-to-one, 2 group.
    pub kind: i64,
    pub from: i64,
    pub to: i64,
    pub conv_low: i64,
    pub conv_high: i64,
    pub created_at: i64,
}

impl Db {
    /// Takes a connection for a bulk load into `app` and sets it up for
    /// one (SQLite: no fsync, a 1 GB page cache, no foreign-key checks;
    /// PostgreSQL: a second connection for `COPY`, commits not waiting for
    /// the disk, referential triggers skipped where allowed). A crash during
    /// the load can lose the load, never what was committed before it.
    pub async fn begin_bulk(&self, app: &AppId) -> Result<Bulk> {
        let mut conn = self.pool.acquire().await?;
        let mut pg = None;
        match self.backend {
            Backend::Sqlite => {
                conn.execute("PRAGMA synchronous = OFF").await?;
                conn.execute("PRAGMA cache_size = -1048576").await?;
                conn.execute("PRAGMA foreign_keys = OFF").await?;
            }
            Backend::Postgres => {
                let mut copy = PgConnection::connect(self.url()).await?;
                conn.execute("SET synchronous_commit = off").await?;
                copy.execute("SET synchronous_commit = off").await?;
                // Superuser only; without it each row's foreign keys are
                // checked by a trigger, which is most of a row's cost.
                let replica = "SET session_replication_role = replica";
                match (conn.execute(replica).await, copy.execute(replica).await) {
                    (Ok(_), Ok(_)) => {}
                    (a, b) => {
                        let e = a.err().or(b.err()).map(|e| e.to_string()).unwrap_or_default();
                        tracing::warn!("seed: foreign keys checked row by row (slower): {e}");
                        conn.execute("SET session_replication_role = origin").await?;
                        copy.execute("SET session_replication_role = origin").await?;
                    }
                }
                pg = Some(copy);
            }
        }
        Ok(Bulk { conn, pg, backend: self.backend, app: app.clone() })
    }
}

impl Bulk {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the app has any user: seeding fills an empty app only.
    pub async fn app_has_users(&mut self) -> Result<bool> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM users WHERE app_id = $1 LIMIT 1) t")
                .bind(self.app.as_str())
                .fetch_one(&mut *self.conn)
                .await?;
        Ok(get::<i64>(&row, "n")? > 0)
    }

    /// The first id the shared user/group id space has not handed out.
    pub async fn next_entity_id(&mut self) -> Result<i64> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM entity_ids")
            .fetch_one(&mut *self.conn)
            .await?;
        get(&row, "n")
    }

    /// The first message body id not used yet.
    pub async fn next_body_id(&mut self) -> Result<i64> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM message_bodies")
            .fetch_one(&mut *self.conn)
            .await?;
        get(&row, "n")
    }

    /// Users `first..first+count`, each named `u<id - first + number_from>`,
    /// all with `password_hash`, with the default settings a registration
    /// writes and their ids taken in the shared id space. Generated by the
    /// database itself: nothing per row crosses the connection.
    pub async fn insert_users(
        &mut self,
        first: i64,
        count: i64,
        number_from: i64,
        password_hash: &str,
        now: i64,
    ) -> Result<()> {
        if count <= 0 {
            return Ok(());
        }
        let last = first + count - 1;
        let series =
            "WITH RECURSIVE s(g) AS (SELECT CAST($1 AS BIGINT) UNION ALL SELECT g + 1 FROM s WHERE g < $2)";
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO entity_ids (id, kind) {series} SELECT g, 'user' FROM s"
        )))
        .bind(first)
        .bind(last)
        .execute(&mut *self.conn)
        .await?;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO users (id, app_id, username, password_hash, created_at, updated_at)
             {series} SELECT g, $3, 'u' || CAST(g - $4 AS TEXT), $5, $6, $6 FROM s"
        )))
        .bind(first)
        .bind(last)
        .bind(self.app.as_str())
        .bind(first - number_from)
        .bind(password_hash)
        .bind(now)
        .execute(&mut *self.conn)
        .await?;
        let s = UserSettings::default();
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO user_settings (user_id, auth_mode, auth_question, auth_answer, group_confirm,
                 auto_download, no_push, no_push_detail, no_push_start_hour, no_push_end_hour, no_sounds,
                 vibratory, push_nick_name, push_token, push_alias, badge, silence_start_time, silence_end_time)
             {series} SELECT g, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19 FROM s"
        )))
        .bind(first)
        .bind(last)
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
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    /// Roster rows `(owner, friend)` as an accepted friendship writes them
    /// (relation 0, no alias); the caller gives both directions.
    pub async fn insert_friendships(&mut self, rows: &[[i64; 2]], now: i64) -> Result<()> {
        self.insert_columns(
            "INSERT INTO friendships (app_id, user_id, friend_id, relation, created_at, updated_at)",
            &format!("$1, column1, column2, 0, {now}, {now}"),
            rows,
        )
        .await
    }

    /// Each user's roster version becomes its number of roster rows: one
    /// bump per friendship made, as if each had been one accepted change.
    pub async fn set_roster_versions(&mut self, first: i64, last: i64) -> Result<()> {
        sqlx::query(
            "UPDATE users SET roster_version =
                 (SELECT COUNT(*) FROM friendships f WHERE f.user_id = users.id)
             WHERE app_id = $1 AND id BETWEEN $2 AND $3",
        )
        .bind(self.app.as_str())
        .bind(first)
        .bind(last)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    /// Groups with the settings `core::groups` gives a new group (private,
    /// admin approves applications, members may invite, history hidden),
    /// named `g<id>`, their ids taken in the shared id space; member counts
    /// as given, the member version one bump per member added (the owner's
    /// included, as creation writes 1).
    pub async fn insert_groups(&mut self, groups: &[BulkGroup], capacity: i64, now: i64) -> Result<()> {
        let ids: Vec<[i64; 1]> = groups.iter().map(|g| [g.id]).collect();
        self.insert_columns("INSERT INTO entity_ids (id, kind)", "column1, 'group'", &ids).await?;
        let rows: Vec<[i64; 3]> = groups.iter().map(|g| [g.id, g.owner, g.member_count]).collect();
        self.insert_columns(
            "INSERT INTO chat_groups (id, app_id, name, description, avatar, ext, owner_id, group_type, status,
                 apply_approval, member_invite, member_modify, read_ack, history_visible, ban_expire_time,
                 capacity, member_count, member_version, created_at, updated_at)",
            &format!(
                "column1, $1, 'g' || CAST(column1 AS TEXT), '', '', '', column2, 0, 0, 1, 1, 0, 0, 0, 0,
                 {capacity}, column3, column3, {now}, {now}"
            ),
            &rows,
        )
        .await
    }

    /// Membership rows `(group, user, role)`.
    pub async fn insert_group_members(&mut self, rows: &[[i64; 3]], now: i64) -> Result<()> {
        self.insert_columns(
            "INSERT INTO group_members (group_id, user_id, role, join_time)",
            &format!("column1, column2, column3, {now}"),
            rows,
        )
        .await
    }

    /// Messages and their bodies (text, `seed message <body id>`).
    pub async fn insert_messages(&mut self, messages: &[BulkMessage]) -> Result<()> {
        let bodies: Vec<[i64; 3]> = messages.iter().map(|m| [m.body_id, m.from, m.created_at]).collect();
        self.insert_columns(
            "INSERT INTO message_bodies (id, app_id, from_id, content_type, content, created_at)",
            "column1, $1, column2, 0, 'seed message ' || CAST(column1 AS TEXT), column3",
            &bodies,
        )
        .await?;
        let rows: Vec<[i64; 8]> = messages
            .iter()
            .map(|m| [m.id, m.body_id, m.kind, m.from, m.to, m.conv_low, m.conv_high, m.created_at])
            .collect();
        self.insert_columns(
            "INSERT INTO messages (app_id, id, body_id, kind, from_id, to_id, conv_low, conv_high, created_at)",
            "$1, column1, column2, column3, column4, column5, column6, column7, column8",
            &rows,
        )
        .await
    }

    /// One-to-one conversation rows `(user, peer, conv_low, conv_high)`,
    /// nothing read or cleared (what a send opens for both ends).
    pub async fn insert_conversations(&mut self, rows: &[[i64; 4]]) -> Result<()> {
        self.insert_columns(
            "INSERT INTO conversations (app_id, user_id, peer_id, kind, conv_low, conv_high)",
            "$1, column1, column2, 1, column3, column4",
            rows,
        )
        .await
    }

    /// Leaves the app's message-id allocator at `next` at least, so the
    /// next send draws above every seeded id.
    pub async fn reserve_message_ids(&mut self, next: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO message_ids (app_id, next_id) VALUES ($1, $2)
             ON CONFLICT (app_id) DO UPDATE SET next_id =
               CASE WHEN message_ids.next_id > $2 THEN message_ids.next_id ELSE $2 END",
        )
        .bind(self.app.as_str())
        .bind(next)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    /// Brings identity sequences past the ids written explicitly
    /// (PostgreSQL; SQLite's AUTOINCREMENT follows explicit ids by itself),
    /// refreshes the planner's statistics and restores the connection's
    /// settings.
    pub async fn finish(mut self) -> Result<()> {
        match self.backend {
            Backend::Postgres => {
                for table in ["entity_ids", "message_bodies"] {
                    sqlx::query(AssertSqlSafe(format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                             COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    )))
                    .execute(&mut *self.conn)
                    .await?;
                }
                if let Some(pg) = self.pg.take() {
                    pg.close().await?;
                }
                self.conn.execute("ANALYZE").await?;
                // This connection goes back to the pool: the request paths'
                // settings again.
                self.conn.execute("SET session_replication_role = origin").await?;
                self.conn.execute("SET synchronous_commit = on").await?;
            }
            Backend::Sqlite => {
                // Sampled statistics: a full ANALYZE reads every index.
                self.conn.execute("PRAGMA analysis_limit = 1000").await?;
                self.conn.execute("ANALYZE").await?;
                self.conn.execute("PRAGMA analysis_limit = 0").await?;
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").await?;
                // What the pool sets on every connection (`super::Db::connect_with`).
                self.conn.execute("PRAGMA foreign_keys = ON").await?;
                self.conn.execute("PRAGMA synchronous = NORMAL").await?;
                self.conn.execute("PRAGMA cache_size = -2000").await?;
            }
        }
        Ok(())
    }

    /// `INSERT {head} SELECT {select} FROM <rows>`: `select` names the
    /// row's values `column1…columnN` (SQLite's names for a `VALUES` list)
    /// and the app as `$1` (at most once).
    async fn insert_columns<const N: usize>(
        &mut self,
        head: &str,
        select: &str,
        rows: &[[i64; N]],
    ) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                // Anonymous `?` parameters: SQLite looks a named one (`$7`)
                // up in a list of all names, which makes binding 30k of them
                // quadratic. The app's `?` comes first in the text, so it is
                // the first argument.
                debug_assert!(select.matches("$1").count() <= 1);
                let select = select.replacen("$1", "?", 1);
                let uses_app = select.contains('?');
                let per = (SQLITE_MAX_PARAMS - 1) / N;
                let row = format!("({})", vec!["?"; N].join(", "));
                // One transaction for the caller's batch, not one per
                // statement: each commit writes every page it dirtied to
                // the WAL, and random-order index inserts (messages by
                // conversation, bodies by sender) dirty a page per row, so
                // at 1M users commits were most of the time (pagerWalFrames,
                // walChecksumBytes in the profile).
                let mut tx = self.conn.begin().await?;
                for chunk in rows.chunks(per) {
                    let values = vec![row.as_str(); chunk.len()].join(", ");
                    let sql = format!("{head} SELECT {select} FROM (VALUES {values})");
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    if uses_app {
                        q = q.bind(self.app.as_str());
                    }
                    for row in chunk {
                        for v in row {
                            q = q.bind(*v);
                        }
                    }
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            Backend::Postgres => {
                let pg = self.pg.as_mut().ok_or_else(|| {
                    crate::core::error::Error::invalid("bulk", "no PostgreSQL connection for COPY")
                })?;
                // Staged in a temporary table emptied at each commit: no WAL,
                // no index, no constraint; the insert from it is the same
                // `SELECT` as SQLite's over its `VALUES` list.
                let stage = format!("bulk_stage_{N}");
                let columns = (1..=N).map(|c| format!("column{c} BIGINT")).collect::<Vec<_>>().join(", ");
                sqlx::query(AssertSqlSafe(format!(
                    "CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ({columns}) ON COMMIT DELETE ROWS"
                )))
                .execute(&mut *pg)
                .await?;
                let insert = format!("{head} SELECT {select} FROM {stage}");
                let uses_app = select.contains("$1");
                let copy_sql = format!("COPY {stage} FROM STDIN");
                for chunk in rows.chunks(POSTGRES_ROWS) {
                    let mut tx = pg.begin().await?;
                    let mut copy = tx.copy_in_raw(&copy_sql).await?;
                    let mut text: Vec<u8> = Vec::with_capacity(COPY_CHUNK + 256);
                    for row in chunk {
                        for (c, v) in row.iter().enumerate() {
                            let sep = if c + 1 == N { '\n' } else { '\t' };
                            // Writing into a `Vec` cannot fail.
                            let _ = write!(text, "{v}{sep}");
                        }
                        if text.len() >= COPY_CHUNK {
                            copy.send(std::mem::take(&mut text)).await?;
                            text.reserve(COPY_CHUNK + 256);
                        }
                    }
                    if !text.is_empty() {
                        copy.send(text).await?;
                    }
                    copy.finish().await?;
                    let mut q = sqlx::query(AssertSqlSafe(insert.clone()));
                    if uses_app {
                        q = q.bind(self.app.as_str());
                    }
                    q.execute(&mut *tx).await?;
                    tx.commit().await?;
                }
            }
        }
        Ok(())
    }
}
