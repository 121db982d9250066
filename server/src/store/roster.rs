//! The friend graph's storage. Mutations go through [`RosterTx`]: a
//! transaction that begins by bumping the roster version of every user
//! involved, in ascending id order. That first UPDATE takes the users' row
//! locks (PostgreSQL) or the database write lock (SQLite), so two operations
//! on overlapping rosters run one after the other, each seeing the other's
//! committed result; the fixed order rules out deadlocks. The version bump is
//! rolled back with the transaction when the operation fails.

use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Executor};

use crate::core::error::{Error, Result};
use crate::core::friends::{Application, ApplicationStatus, Friendship, RosterFacts, ServerFriendPatch};
use crate::core::ids::{AppId, ApplicationId, UserId};
use crate::core::notices::NewNotice;
use crate::core::settings::UserSettings;

use super::Db;
use super::errors::storage;
use super::rows::{
    self, APPLICATION_COLUMNS, FRIENDSHIP_COLUMNS, application_status_code, bit, get, placeholders,
};

pub struct RosterTx {
    tx: super::WriteTx,
    app: AppId,
    /// The users whose rosters this transaction locked (and whose cached
    /// friend lists its commit makes stale).
    users: Vec<UserId>,
    /// Appended by `commit`, as the transaction's last write (see `super::notices`).
    notices: Vec<NewNotice>,
    wakes: crate::core::wakes::Wakes,
}

impl std::fmt::Debug for RosterTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RosterTx").field("app", &self.app).finish_non_exhaustive()
    }
}

impl Db {
    /// Begins a roster transaction over `users` (all must exist in the app,
    /// else `UserMissing`).
    pub async fn lock_rosters(&self, app: &AppId, users: &[UserId]) -> Result<RosterTx> {
        let mut ids: Vec<i64> = users.iter().map(|u| u.0).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut tx = self.begin_write().await?;
        match self.backend {
            // SQLite locks the whole database at the first write, so the
            // order cannot matter: one statement for every user.
            super::Backend::Sqlite => {
                let sql = format!(
                    "UPDATE users SET roster_version = roster_version + 1 WHERE app_id = $1 AND id IN ({})",
                    placeholders(2, ids.len())
                );
                let mut q = sqlx::query(AssertSqlSafe(sql)).bind(app.as_str());
                for &id in &ids {
                    q = q.bind(id);
                }
                if q.execute(&mut *tx).await?.rows_affected() != ids.len() as u64 {
                    return Err(Error::UserMissing);
                }
            }
            // Row locks, taken one statement at a time in id order: two
            // transactions over the same pair cannot deadlock.
            super::Backend::Postgres => {
                for &id in &ids {
                    let done = sqlx::query(
                        "UPDATE users SET roster_version = roster_version + 1 WHERE app_id = $1 AND id = $2",
                    )
                    .bind(app.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(Error::UserMissing);
                    }
                }
            }
        }
        let users = ids.into_iter().map(UserId).collect();
        Ok(RosterTx { tx, app: app.clone(), users, notices: Vec::new(), wakes: self.wakes.clone() })
    }

    pub async fn roster_version(&self, app: &AppId, user: UserId) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT roster_version FROM users WHERE app_id = $1 AND id = $2")
            .bind(app.as_str())
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| get(&r, "roster_version")).transpose()
    }

    /// Up to `limit` friend ids greater than `after`, ascending.
    pub async fn friend_ids(
        &self,
        app: &AppId,
        owner: UserId,
        after: Option<i64>,
        limit: i64,
    ) -> Result<Vec<UserId>> {
        let rows = sqlx::query(
            "SELECT friend_id FROM friendships
             WHERE app_id = $1 AND user_id = $2 AND relation = 0 AND friend_id > $3
             ORDER BY friend_id LIMIT $4",
        )
        .bind(app.as_str())
        .bind(owner.0)
        .bind(after.unwrap_or(i64::MIN))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| get(r, "friend_id").map(UserId)).collect()
    }

    pub async fn friend_count(&self, app: &AppId, owner: UserId) -> Result<i64> {
        friend_count(&self.pool, app, owner).await
    }

    /// Everything the viewer may be shown about `targets` (existing users of
    /// the app only).
    pub async fn roster_facts(
        &self,
        app: &AppId,
        viewer: UserId,
        targets: &[UserId],
    ) -> Result<Vec<RosterFacts>> {
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT u.id, u.username, u.nick_name, u.avatar, u.description, u.public_info,
                 s.auth_mode, s.auth_question,
                 f.relation AS f_relation, f.alias AS f_alias, f.ext AS f_ext, f.mute_notification AS f_mute,
                 b.blocker_id AS b_blocker
             FROM users u
             JOIN user_settings s ON s.user_id = u.id
             LEFT JOIN friendships f ON f.user_id = $2 AND f.friend_id = u.id
             LEFT JOIN blocks b ON b.blocker_id = $2 AND b.blocked_id = u.id
             WHERE u.app_id = $1 AND u.id IN ({})",
            placeholders(3, targets.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(app.as_str()).bind(viewer.0);
        for t in targets {
            q = q.bind(t.0);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(roster_facts).collect()
    }

    pub async fn friendship(&self, app: &AppId, owner: UserId, friend: UserId) -> Result<Option<Friendship>> {
        friendship(&self.pool, app, owner, friend).await
    }

    pub async fn friendships_changed_since(
        &self,
        app: &AppId,
        owner: UserId,
        since: i64,
    ) -> Result<Vec<Friendship>> {
        let sql = format!(
            "SELECT {FRIENDSHIP_COLUMNS} FROM friendships f JOIN users fu ON fu.id = f.friend_id
             WHERE f.app_id = $1 AND f.user_id = $2 AND f.updated_at > $3
             ORDER BY f.updated_at, f.friend_id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(app.as_str())
            .bind(owner.0)
            .bind(since)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::friendship).collect()
    }

    pub async fn blocked_ids(&self, app: &AppId, blocker: UserId) -> Result<Vec<UserId>> {
        let rows = sqlx::query(
            "SELECT blocked_id FROM blocks WHERE app_id = $1 AND blocker_id = $2 ORDER BY blocked_id",
        )
        .bind(app.as_str())
        .bind(blocker.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| get(r, "blocked_id").map(UserId)).collect()
    }

    pub async fn blocked_either_way(&self, app: &AppId, a: UserId, b: UserId) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM blocks WHERE app_id = $1
             AND ((blocker_id = $2 AND blocked_id = $3) OR (blocker_id = $3 AND blocked_id = $2))",
        )
        .bind(app.as_str())
        .bind(a.0)
        .bind(b.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(get::<i64>(&row, "n")? > 0)
    }

    /// Up to `limit` applications to `target` with id below `before`, newest first.
    pub async fn incoming_applications(
        &self,
        app: &AppId,
        target: UserId,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Application>> {
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM friend_applications
             WHERE app_id = $1 AND target_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(app.as_str())
            .bind(target.0)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::application).collect()
    }

    pub async fn application(&self, app: &AppId, id: ApplicationId) -> Result<Option<Application>> {
        let sql =
            format!("SELECT {APPLICATION_COLUMNS} FROM friend_applications WHERE app_id = $1 AND id = $2");
        let row =
            sqlx::query(AssertSqlSafe(sql)).bind(app.as_str()).bind(id.0).fetch_optional(&self.pool).await?;
        row.as_ref().map(rows::application).transpose()
    }
}

// Queries both a `Db` (on its pool) and a `RosterTx` (inside its transaction)
// run, written once over any executor.

/// The owner's row towards `friend`, current or deleted.
async fn friendship<'c>(
    db: impl Executor<'c, Database = Any>,
    app: &AppId,
    owner: UserId,
    friend: UserId,
) -> Result<Option<Friendship>> {
    let sql = format!(
        "SELECT {FRIENDSHIP_COLUMNS} FROM friendships f JOIN users fu ON fu.id = f.friend_id
         WHERE f.app_id = $1 AND f.user_id = $2 AND f.friend_id = $3"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(app.as_str())
        .bind(owner.0)
        .bind(friend.0)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(rows::friendship).transpose()
}

/// How many current friends `owner` has.
async fn friend_count<'c>(db: impl Executor<'c, Database = Any>, app: &AppId, owner: UserId) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM friendships WHERE app_id = $1 AND user_id = $2 AND relation = 0",
    )
    .bind(app.as_str())
    .bind(owner.0)
    .fetch_one(db)
    .await?;
    get(&row, "n")
}

/// Only the columns a roster item shows: this runs for every item of
/// `POST /roster/list`, and each column costs a conversion per row.
fn roster_facts(row: &AnyRow) -> Result<RosterFacts> {
    let relation: Option<i64> = get(row, "f_relation")?;
    let friendship = match relation {
        None => None,
        Some(code) => Some((
            rows::relation(code)?,
            get(row, "f_alias")?,
            get(row, "f_ext")?,
            rows::flag(row, "f_mute")?,
        )),
    };
    Ok(RosterFacts {
        user: UserId(get(row, "id")?),
        username: get(row, "username")?,
        nick_name: get(row, "nick_name")?,
        avatar: get(row, "avatar")?,
        description: get(row, "description")?,
        public_info: get(row, "public_info")?,
        auth_mode: rows::auth_mode(row)?,
        auth_question: get(row, "auth_question")?,
        blocked_by_viewer: get::<Option<i64>>(row, "b_blocker")?.is_some(),
        friendship,
    })
}

impl RosterTx {
    /// The users whose rosters this transaction locked.
    pub fn users(&self) -> &[UserId] {
        &self.users
    }

    pub fn app(&self) -> &AppId {
        &self.app
    }

    pub async fn commit(mut self) -> Result<()> {
        super::notices::append(&mut self.tx, &self.app, &self.notices).await?;
        self.tx.commit().await?;
        super::notices::wake(&self.wakes, &self.app, &self.notices);
        Ok(())
    }

    /// Notices the change leaves, committed with it.
    pub fn notify(&mut self, notices: Vec<NewNotice>) {
        self.notices.extend(notices);
    }

    pub async fn friendship(&mut self, owner: UserId, friend: UserId) -> Result<Option<Friendship>> {
        friendship(&mut *self.tx, &self.app, owner, friend).await
    }

    pub async fn is_blocked(&mut self, blocker: UserId, blocked: UserId) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM blocks WHERE app_id = $1 AND blocker_id = $2 AND blocked_id = $3",
        )
        .bind(self.app.as_str())
        .bind(blocker.0)
        .bind(blocked.0)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(get::<i64>(&row, "n")? > 0)
    }

    pub async fn settings(&mut self, user: UserId) -> Result<UserSettings> {
        super::settings::settings(&mut *self.tx, &self.app, user).await?.ok_or(Error::UserMissing)
    }

    /// The friend counts of `a` and `b`, in one statement.
    pub async fn friend_counts(&mut self, a: UserId, b: UserId) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM friendships WHERE app_id = $1 AND user_id = $2 AND relation = 0) AS a,
                    (SELECT COUNT(*) FROM friendships WHERE app_id = $1 AND user_id = $3 AND relation = 0) AS b",
        )
        .bind(self.app.as_str())
        .bind(a.0)
        .bind(b.0)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok((get(&row, "a")?, get(&row, "b")?))
    }

    /// Whether `blocker` blocks `other`, and whether `other` is `blocker`'s
    /// friend, in one statement (what an application checks first).
    pub async fn block_and_friendship(&mut self, blocker: UserId, other: UserId) -> Result<(bool, bool)> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM blocks WHERE app_id = $1 AND blocker_id = $2 AND blocked_id = $3) AS blocked,
                    (SELECT COUNT(*) FROM friendships
                      WHERE app_id = $1 AND user_id = $3 AND friend_id = $2 AND relation = 0) AS friends",
        )
        .bind(self.app.as_str())
        .bind(blocker.0)
        .bind(other.0)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok((get::<i64>(&row, "blocked")? > 0, get::<i64>(&row, "friends")? > 0))
    }

    /// The pending application from `applicant` to `target`, if not expired.
    pub async fn pending_application(
        &mut self,
        applicant: UserId,
        target: UserId,
        now: i64,
    ) -> Result<Option<Application>> {
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM friend_applications
             WHERE app_id = $1 AND applicant_id = $2 AND target_id = $3 AND status = 0 AND expires_at > $4"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(self.app.as_str())
            .bind(applicant.0)
            .bind(target.0)
            .bind(now)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(rows::application).transpose()
    }

    /// Creates the pending application, or refreshes the one already pending
    /// (expired or not): same id, new reason, alias and expiry.
    pub async fn upsert_pending_application(
        &mut self,
        applicant: UserId,
        target: UserId,
        reason: &str,
        alias: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<ApplicationId> {
        let row = sqlx::query(
            "INSERT INTO friend_applications
                 (app_id, applicant_id, target_id, reason, alias, status, created_at, updated_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, 0, $6, $6, $7)
             ON CONFLICT (applicant_id, target_id) WHERE status = 0 DO UPDATE SET
                 reason = excluded.reason, alias = excluded.alias,
                 updated_at = excluded.updated_at, expires_at = excluded.expires_at
             RETURNING id",
        )
        .bind(self.app.as_str())
        .bind(applicant.0)
        .bind(target.0)
        .bind(reason)
        .bind(alias)
        .bind(now)
        .bind(expires_at)
        .fetch_optional(&mut *self.tx)
        .await?
        .ok_or_else(|| storage("application upsert returned nothing"))?;
        Ok(ApplicationId(get(&row, "id")?))
    }

    /// Moves a pending application to accepted or declined.
    pub async fn close_application(
        &mut self,
        id: ApplicationId,
        status: ApplicationStatus,
        decline_reason: &str,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE friend_applications SET status = $3, decline_reason = $4, updated_at = $5
             WHERE app_id = $1 AND id = $2 AND status = 0",
        )
        .bind(self.app.as_str())
        .bind(id.0)
        .bind(application_status_code(status))
        .bind(decline_reason)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Both directions become friends (rows created or revived), each
    /// side's alias set if given; pending applications between the two, either
    /// way, become accepted.
    pub async fn make_friends(
        &mut self,
        a: UserId,
        b: UserId,
        alias_a: &str,
        alias_b: &str,
        server_ex_a: Option<&str>,
        now: i64,
    ) -> Result<()> {
        for (owner, friend, alias, server_ex) in [(a, b, alias_a, server_ex_a), (b, a, alias_b, None)] {
            sqlx::query(
                "INSERT INTO friendships (app_id, user_id, friend_id, relation, alias, server_ex, created_at, updated_at)
                 VALUES ($1, $2, $3, 0, $4, COALESCE($5, ''), $6, $6)
                 ON CONFLICT (user_id, friend_id) DO UPDATE SET
                     relation = 0,
                     alias = CASE WHEN excluded.alias <> '' THEN excluded.alias ELSE friendships.alias END,
                     server_ex = COALESCE($5, friendships.server_ex),
                     created_at = CASE WHEN friendships.relation = 0 THEN friendships.created_at
                                       ELSE excluded.created_at END,
                     updated_at = excluded.updated_at",
            )
            .bind(self.app.as_str())
            .bind(owner.0)
            .bind(friend.0)
            .bind(alias)
            .bind(server_ex)
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        }
        sqlx::query(
            "UPDATE friend_applications SET status = 1, updated_at = $4
             WHERE app_id = $1 AND status = 0
               AND ((applicant_id = $2 AND target_id = $3) OR (applicant_id = $3 AND target_id = $2))",
        )
        .bind(self.app.as_str())
        .bind(a.0)
        .bind(b.0)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Both rows become "deleted friend" (kept, so changes since T show it).
    pub async fn end_friendship(
        &mut self,
        a: UserId,
        b: UserId,
        clear_alias_of_a: bool,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE friendships SET relation = 1, updated_at = $4,
                 alias = CASE WHEN $5 = 1 AND user_id = $2 THEN '' ELSE alias END
             WHERE app_id = $1 AND relation = 0
               AND ((user_id = $2 AND friend_id = $3) OR (user_id = $3 AND friend_id = $2))",
        )
        .bind(self.app.as_str())
        .bind(a.0)
        .bind(b.0)
        .bind(now)
        .bind(bit(clear_alias_of_a))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn block(&mut self, blocker: UserId, blocked: UserId, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO blocks (app_id, blocker_id, blocked_id, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (blocker_id, blocked_id) DO NOTHING",
        )
        .bind(self.app.as_str())
        .bind(blocker.0)
        .bind(blocked.0)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn unblock(&mut self, blocker: UserId, blocked: UserId) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM blocks WHERE app_id = $1 AND blocker_id = $2 AND blocked_id = $3")
                .bind(self.app.as_str())
                .bind(blocker.0)
                .bind(blocked.0)
                .execute(&mut *self.tx)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Changes the owner's row towards a current friend; false if not friends.
    pub async fn update_friendship(
        &mut self,
        owner: UserId,
        friend: UserId,
        patch: &ServerFriendPatch,
        mute: Option<bool>,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE friendships SET alias = COALESCE($4, alias), ext = COALESCE($5, ext),
                 server_ex = COALESCE($6, server_ex), mute_notification = COALESCE($7, mute_notification),
                 updated_at = $8
             WHERE app_id = $1 AND user_id = $2 AND friend_id = $3 AND relation = 0",
        )
        .bind(self.app.as_str())
        .bind(owner.0)
        .bind(friend.0)
        .bind(patch.alias.as_deref())
        .bind(patch.ext.as_deref())
        .bind(patch.server_ex.as_deref())
        .bind(mute.map(bit))
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
