//! Groups' storage: the id space users and groups share, groups, members,
//! block lists, kicks, applications, invitations, announcements and file
//! records.
//!
//! Changes go through [`GroupTx`]: a transaction that begins by writing the
//! group's row (a no-op update of an active group). That first write takes
//! the row lock (PostgreSQL) or the database write lock (SQLite), so two
//! changes to one group run one after the other; a destroyed or unknown
//! group ends it at once with `GroupMissing`. Joins and leaves move
//! `member_count` in the same transaction, and its CHECK against `capacity`
//! keeps the group from ever being over-full.
//!
//! The app's group limits count across groups, which one group's lock does
//! not cover: see [`lock_user_groups`] and [`Db::insert_group`].

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Executor};

use crate::core::apps::GroupLimits;
use crate::core::error::{Error, Result};
use crate::core::groups::{
    Announcement, ApplyApproval, BlockedUser, Group, GroupApplication, GroupFile, GroupInvitation, GroupRole,
    GroupStatus, GroupType, InfoPatch, Member, NewFile, RequestStatus, ValidNewGroup,
};
use crate::core::ids::{AnnouncementId, AppId, GroupFileId, GroupId, UserId};
use crate::core::notices::NewNotice;

use super::Db;
use super::errors::storage;
use super::rows::{bit, get, placeholders};

/// Draws the next id of the space users and groups share.
pub(super) async fn allocate_id(conn: &mut AnyConnection, kind: &str) -> Result<i64> {
    let row = sqlx::query("INSERT INTO entity_ids (kind) VALUES ($1) RETURNING id")
        .bind(kind)
        .fetch_one(&mut *conn)
        .await?;
    get(&row, "id")
}

/// The active groups one user is in, counted under the user's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserGroups {
    /// Owned (role 2).
    pub owned: i64,
    /// Any role, owned ones included.
    pub joined: i64,
}

/// Writes `user`'s row (a no-op update), then counts the active groups the
/// user owns and is in. The per-user limits count memberships of many
/// groups, so the lock of the one group being joined does not make the
/// count exact on PostgreSQL: two joins of one user to two groups hold two
/// different group locks. The user's row lock does: every transaction that
/// adds a membership or a group for the user takes it before counting, so
/// they run one after the other, and the count (a new statement, hence a
/// new READ COMMITTED snapshot) sees what the one before committed. On
/// SQLite the write lock every write transaction takes first already
/// serialises them. Locks are taken in one order, group or app first, then
/// the user, and no transaction takes a user's row before a group's or the
/// app's, so these cannot deadlock (roster transactions lock users only).
async fn lock_user_groups(conn: &mut AnyConnection, app: &AppId, user: UserId) -> Result<UserGroups> {
    let done = sqlx::query("UPDATE users SET updated_at = updated_at WHERE app_id = $1 AND id = $2")
        .bind(app.as_str())
        .bind(user.0)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::UserMissing);
    }
    let row = sqlx::query(
        "SELECT COUNT(*) AS joined, COUNT(CASE WHEN m.role = 2 THEN 1 END) AS owned
         FROM group_members m JOIN chat_groups g ON g.id = m.group_id
         WHERE m.user_id = $1 AND g.status = 0",
    )
    .bind(user.0)
    .fetch_one(&mut *conn)
    .await?;
    Ok(UserGroups { owned: get(&row, "owned")?, joined: get(&row, "joined")? })
}

const GROUP_COLUMNS: &str = "g.id, g.app_id, g.name, g.description, g.avatar, g.ext, g.owner_id, \
     g.group_type, g.status, g.apply_approval, g.member_invite, g.member_modify, g.read_ack, \
     g.history_visible, g.ban_expire_time, g.capacity, g.member_count, g.member_version, g.created_at, \
     g.updated_at";

const MEMBER_COLUMNS: &str = "m.group_id, m.user_id, m.role, m.display_name, m.join_time, \
     m.msg_mute_mode, m.msg_push_mode, m.ban_expire_time";

const APPLICATION_COLUMNS: &str = "a.id, a.group_id, a.applicant_id, a.reason, a.status, a.handler_id, \
     a.created_at, a.updated_at, a.expires_at";

const INVITATION_COLUMNS: &str = "i.id, i.group_id, i.inviter_id, i.invitee_id, i.reason, i.status, \
     i.created_at, i.updated_at, i.expires_at";

const ANNOUNCEMENT_COLUMNS: &str = "n.id, n.group_id, n.title, n.content, n.author_id, n.created_at";

const FILE_COLUMNS: &str =
    "f.id, f.group_id, f.name, f.size, f.file_type, f.url, f.uploader_id, f.created_at, f.updated_at";

fn corrupt(what: &str) -> Error {
    storage(&format!("stored value out of range: {what}"))
}

fn flag(row: &AnyRow, col: &str) -> Result<bool> {
    Ok(get::<i64>(row, col)? != 0)
}

fn group_row(row: &AnyRow) -> Result<Group> {
    let app: String = get(row, "app_id")?;
    Ok(Group {
        id: GroupId(get(row, "id")?),
        app: AppId::parse(&app).map_err(|_| corrupt("chat_groups.app_id"))?,
        name: get(row, "name")?,
        description: get(row, "description")?,
        avatar: get(row, "avatar")?,
        ext: get(row, "ext")?,
        owner: UserId(get(row, "owner_id")?),
        kind: GroupType::from_code(get(row, "group_type")?).map_err(|_| corrupt("chat_groups.group_type"))?,
        status: match get::<i64>(row, "status")? {
            0 => GroupStatus::Normal,
            1 => GroupStatus::Destroyed,
            _ => return Err(corrupt("chat_groups.status")),
        },
        apply_approval: ApplyApproval::from_code(get(row, "apply_approval")?)
            .map_err(|_| corrupt("chat_groups.apply_approval"))?,
        member_invite: flag(row, "member_invite")?,
        member_modify: flag(row, "member_modify")?,
        read_ack: flag(row, "read_ack")?,
        history_visible: flag(row, "history_visible")?,
        ban_expire_time: get(row, "ban_expire_time")?,
        capacity: get(row, "capacity")?,
        count: get(row, "member_count")?,
        member_version: get(row, "member_version")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

fn member_row(row: &AnyRow) -> Result<Member> {
    Ok(Member {
        group: GroupId(get(row, "group_id")?),
        user: UserId(get(row, "user_id")?),
        role: GroupRole::from_code(get(row, "role")?).ok_or_else(|| corrupt("group_members.role"))?,
        display_name: get(row, "display_name")?,
        join_time: get(row, "join_time")?,
        msg_mute_mode: get(row, "msg_mute_mode")?,
        msg_push_mode: get(row, "msg_push_mode")?,
        ban_expire_time: get(row, "ban_expire_time")?,
    })
}

fn request_status(code: i64, what: &str) -> Result<RequestStatus> {
    match code {
        0 => Ok(RequestStatus::Pending),
        1 => Ok(RequestStatus::Accepted),
        2 => Ok(RequestStatus::Declined),
        _ => Err(corrupt(what)),
    }
}

fn application_row(row: &AnyRow) -> Result<GroupApplication> {
    Ok(GroupApplication {
        id: get(row, "id")?,
        group: GroupId(get(row, "group_id")?),
        applicant: UserId(get(row, "applicant_id")?),
        reason: get(row, "reason")?,
        status: request_status(get(row, "status")?, "group_applications.status")?,
        handler: get::<Option<i64>>(row, "handler_id")?.map(UserId),
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
        expires_at: get(row, "expires_at")?,
    })
}

fn invitation_row(row: &AnyRow) -> Result<GroupInvitation> {
    Ok(GroupInvitation {
        id: get(row, "id")?,
        group: GroupId(get(row, "group_id")?),
        inviter: UserId(get(row, "inviter_id")?),
        invitee: UserId(get(row, "invitee_id")?),
        reason: get(row, "reason")?,
        status: request_status(get(row, "status")?, "group_invitations.status")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
        expires_at: get(row, "expires_at")?,
    })
}

fn announcement_row(row: &AnyRow) -> Result<Announcement> {
    Ok(Announcement {
        id: AnnouncementId(get(row, "id")?),
        group: GroupId(get(row, "group_id")?),
        title: get(row, "title")?,
        content: get(row, "content")?,
        author: UserId(get(row, "author_id")?),
        created_at: get(row, "created_at")?,
    })
}

fn file_row(row: &AnyRow) -> Result<GroupFile> {
    Ok(GroupFile {
        id: GroupFileId(get(row, "id")?),
        group: GroupId(get(row, "group_id")?),
        name: get(row, "name")?,
        size: get(row, "size")?,
        file_type: get(row, "file_type")?,
        url: get(row, "url")?,
        uploader: UserId(get(row, "uploader_id")?),
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

fn ids(rows: &[AnyRow], col: &str) -> Result<Vec<i64>> {
    rows.iter().map(|r| get(r, col)).collect()
}

// Reads both the pool and a `GroupTx` run, written once over any executor.

async fn group<'c>(db: impl Executor<'c, Database = Any>, app: &AppId, id: GroupId) -> Result<Option<Group>> {
    let sql = format!("SELECT {GROUP_COLUMNS} FROM chat_groups g WHERE g.app_id = $1 AND g.id = $2");
    let row = sqlx::query(AssertSqlSafe(sql)).bind(app.as_str()).bind(id.0).fetch_optional(db).await?;
    row.as_ref().map(group_row).transpose()
}

async fn member<'c>(
    db: impl Executor<'c, Database = Any>,
    app: &AppId,
    group: GroupId,
    user: UserId,
) -> Result<Option<Member>> {
    let sql = format!(
        "SELECT {MEMBER_COLUMNS} FROM group_members m JOIN chat_groups g ON g.id = m.group_id
         WHERE g.app_id = $1 AND m.group_id = $2 AND m.user_id = $3"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(app.as_str())
        .bind(group.0)
        .bind(user.0)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(member_row).transpose()
}

async fn file<'c>(
    db: impl Executor<'c, Database = Any>,
    app: &AppId,
    group: GroupId,
    id: GroupFileId,
) -> Result<Option<GroupFile>> {
    let sql = format!(
        "SELECT {FILE_COLUMNS} FROM group_files f JOIN chat_groups g ON g.id = f.group_id
         WHERE g.app_id = $1 AND f.group_id = $2 AND f.id = $3"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(app.as_str())
        .bind(group.0)
        .bind(id.0)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(file_row).transpose()
}

impl Db {
    /// Creates the group with `owner` as its only member, in one
    /// transaction, within `limits`: the app's active groups, and the
    /// owner's owned and joined ones (the owner is a member too). The
    /// notices `notices` drafts for the new id commit with it.
    pub async fn insert_group(
        &self,
        app: &AppId,
        new: &ValidNewGroup,
        owner: UserId,
        limits: GroupLimits,
        now: i64,
        notices: impl FnOnce(GroupId) -> Vec<NewNotice>,
    ) -> Result<GroupId> {
        let mut tx = self.begin_write().await?;
        if limits.per_app > 0 {
            // Two creations in one app would each count the other's group
            // as missing; writing the app's row first makes them take turns
            // (as the user's row does below). Only with a limit: without
            // one, creations in an app need not wait for each other.
            sqlx::query("UPDATE apps SET created_at = created_at WHERE id = $1")
                .bind(app.as_str())
                .execute(&mut *tx)
                .await?;
            let row = sqlx::query("SELECT COUNT(*) AS n FROM chat_groups WHERE app_id = $1 AND status = 0")
                .bind(app.as_str())
                .fetch_one(&mut *tx)
                .await?;
            if GroupLimits::reached(limits.per_app, get(&row, "n")?) {
                return Err(Error::AppGroupLimit { max: limits.per_app });
            }
        }
        let mine = lock_user_groups(&mut tx, app, owner).await?;
        if GroupLimits::reached(limits.created_per_user, mine.owned) {
            return Err(Error::GroupsCreatedLimit { max: limits.created_per_user });
        }
        if GroupLimits::reached(limits.joined_per_user, mine.joined) {
            return Err(Error::GroupsJoinedLimit { max: limits.joined_per_user });
        }
        let id = allocate_id(&mut tx, "group").await?;
        sqlx::query(
            "INSERT INTO chat_groups (id, app_id, name, description, avatar, ext, owner_id, group_type, status,
                 apply_approval, member_invite, member_modify, read_ack, history_visible, ban_expire_time,
                 capacity, member_count, member_version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, $13, 0, $14, 1, 1, $15, $15)",
        )
        .bind(id)
        .bind(app.as_str())
        .bind(&new.name)
        .bind(&new.description)
        .bind(&new.avatar)
        .bind(&new.ext)
        .bind(owner.0)
        .bind(new.kind.code())
        .bind(new.apply_approval.code())
        .bind(bit(new.member_invite))
        .bind(bit(new.member_modify))
        .bind(bit(new.read_ack))
        .bind(bit(new.history_visible))
        .bind(new.capacity)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO group_members (group_id, user_id, role, join_time) VALUES ($1, $2, 2, $3)")
            .bind(id)
            .bind(owner.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let notices = notices(GroupId(id));
        super::notices::append(&mut tx, app, &notices).await?;
        tx.commit().await?;
        super::notices::wake(&self.wakes, app, &notices);
        Ok(GroupId(id))
    }

    /// The group in any status.
    pub async fn group(&self, app: &AppId, id: GroupId) -> Result<Option<Group>> {
        group(&self.pool, app, id).await
    }

    pub async fn group_member(&self, app: &AppId, group: GroupId, user: UserId) -> Result<Option<Member>> {
        member(&self.pool, app, group, user).await
    }

    /// Whether `user` is a member of the app's active group `group`.
    pub async fn is_group_member(&self, app: &AppId, group: GroupId, user: UserId) -> Result<bool> {
        let row = sqlx::query(
            "SELECT 1 AS one FROM group_members m JOIN chat_groups g ON g.id = m.group_id
             WHERE g.app_id = $1 AND g.id = $2 AND g.status = 0 AND m.user_id = $3",
        )
        .bind(app.as_str())
        .bind(group.0)
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Every member, by ascending user id (the group cache's load, `core::groups`).
    pub async fn group_members(&self, app: &AppId, group: GroupId) -> Result<Vec<Member>> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM group_members m JOIN chat_groups g ON g.id = m.group_id
             WHERE g.app_id = $1 AND m.group_id = $2 ORDER BY m.user_id"
        );
        let rows =
            sqlx::query(AssertSqlSafe(sql)).bind(app.as_str()).bind(group.0).fetch_all(&self.pool).await?;
        rows.iter().map(member_row).collect()
    }

    /// Members whose ban is in force at `now`, by ascending user id.
    pub async fn banned_members(&self, app: &AppId, group: GroupId, now: i64) -> Result<Vec<Member>> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM group_members m JOIN chat_groups g ON g.id = m.group_id
             WHERE g.app_id = $1 AND m.group_id = $2 AND (m.ban_expire_time = -1 OR m.ban_expire_time > $3)
             ORDER BY m.user_id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(app.as_str())
            .bind(group.0)
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(member_row).collect()
    }

    pub async fn group_blocked(&self, app: &AppId, group: GroupId) -> Result<Vec<BlockedUser>> {
        let rows = sqlx::query(
            "SELECT b.group_id, b.user_id, b.created_at FROM group_blocks b JOIN chat_groups g ON g.id = b.group_id
             WHERE g.app_id = $1 AND b.group_id = $2 ORDER BY b.user_id",
        )
        .bind(app.as_str())
        .bind(group.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BlockedUser {
                    group: GroupId(get(r, "group_id")?),
                    user: UserId(get(r, "user_id")?),
                    created_at: get(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Active groups `user` is a member of, ascending, with the user's role in each.
    pub async fn groups_of_user(&self, app: &AppId, user: UserId) -> Result<Vec<(GroupId, GroupRole)>> {
        let rows = sqlx::query(
            "SELECT m.group_id, m.role FROM group_members m JOIN chat_groups g ON g.id = m.group_id
             WHERE g.app_id = $1 AND m.user_id = $2 AND g.status = 0 ORDER BY m.group_id",
        )
        .bind(app.as_str())
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let role =
                    GroupRole::from_code(get(r, "role")?).ok_or_else(|| corrupt("group_members.role"))?;
                Ok((GroupId(get(r, "group_id")?), role))
            })
            .collect()
    }

    /// Active public groups of the app, ascending.
    pub async fn public_groups(&self, app: &AppId) -> Result<Vec<GroupId>> {
        let rows = sqlx::query(
            "SELECT id FROM chat_groups WHERE app_id = $1 AND group_type = 1 AND status = 0 ORDER BY id",
        )
        .bind(app.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(ids(&rows, "id")?.into_iter().map(GroupId).collect())
    }

    /// One group application by its id, in any group of the app.
    pub async fn group_application(&self, app: &AppId, id: i64) -> Result<Option<GroupApplication>> {
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM group_applications a JOIN chat_groups g ON g.id = a.group_id
             WHERE g.app_id = $1 AND a.id = $2"
        );
        let row =
            sqlx::query(AssertSqlSafe(sql)).bind(app.as_str()).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(application_row).transpose()
    }

    /// Applications to `groups`, newest first, ids below `before`.
    pub async fn group_applications(
        &self,
        app: &AppId,
        groups: &[GroupId],
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<GroupApplication>> {
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM group_applications a JOIN chat_groups g ON g.id = a.group_id
             WHERE g.app_id = $1 AND a.id < $2 AND a.group_id IN ({}) ORDER BY a.id DESC LIMIT $3",
            placeholders(4, groups.len())
        );
        let mut q =
            sqlx::query(AssertSqlSafe(sql)).bind(app.as_str()).bind(before.unwrap_or(i64::MAX)).bind(limit);
        for g in groups {
            q = q.bind(g.0);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(application_row).collect()
    }

    /// Invitations to `invitee`, newest first, ids below `before`.
    pub async fn group_invitations_to(
        &self,
        app: &AppId,
        invitee: UserId,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<GroupInvitation>> {
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM group_invitations i JOIN chat_groups g ON g.id = i.group_id
             WHERE g.app_id = $1 AND i.invitee_id = $2 AND i.id < $3 ORDER BY i.id DESC LIMIT $4"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(app.as_str())
            .bind(invitee.0)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(invitation_row).collect()
    }

    /// Announcements of the group, newest first.
    pub async fn announcements(&self, app: &AppId, group: GroupId) -> Result<Vec<Announcement>> {
        let sql = format!(
            "SELECT {ANNOUNCEMENT_COLUMNS} FROM group_announcements n JOIN chat_groups g ON g.id = n.group_id
             WHERE g.app_id = $1 AND n.group_id = $2 ORDER BY n.id DESC"
        );
        let rows =
            sqlx::query(AssertSqlSafe(sql)).bind(app.as_str()).bind(group.0).fetch_all(&self.pool).await?;
        rows.iter().map(announcement_row).collect()
    }

    pub async fn announcement(
        &self,
        app: &AppId,
        group: GroupId,
        id: AnnouncementId,
    ) -> Result<Option<Announcement>> {
        let sql = format!(
            "SELECT {ANNOUNCEMENT_COLUMNS} FROM group_announcements n JOIN chat_groups g ON g.id = n.group_id
             WHERE g.app_id = $1 AND n.group_id = $2 AND n.id = $3"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(app.as_str())
            .bind(group.0)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(announcement_row).transpose()
    }

    /// Shared files of the group, oldest first.
    pub async fn group_files(&self, app: &AppId, group: GroupId) -> Result<Vec<GroupFile>> {
        let sql = format!(
            "SELECT {FILE_COLUMNS} FROM group_files f JOIN chat_groups g ON g.id = f.group_id
             WHERE g.app_id = $1 AND f.group_id = $2 ORDER BY f.id"
        );
        let rows =
            sqlx::query(AssertSqlSafe(sql)).bind(app.as_str()).bind(group.0).fetch_all(&self.pool).await?;
        rows.iter().map(file_row).collect()
    }

    pub async fn group_file(
        &self,
        app: &AppId,
        group: GroupId,
        id: GroupFileId,
    ) -> Result<Option<GroupFile>> {
        file(&self.pool, app, group, id).await
    }

    /// Begins a change to an active group (else `GroupMissing`); see the module docs.
    pub async fn lock_group(&self, app: &AppId, group: GroupId) -> Result<GroupTx> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE chat_groups SET updated_at = updated_at WHERE app_id = $1 AND id = $2 AND status = 0",
        )
        .bind(app.as_str())
        .bind(group.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::GroupMissing);
        }
        Ok(GroupTx { tx, app: app.clone(), group, notices: Vec::new(), wakes: self.wakes.clone() })
    }
}

/// A change to one group, holding its lock until commit (or drop: rollback).
pub struct GroupTx {
    tx: super::WriteTx,
    app: AppId,
    group: GroupId,
    /// Appended by `commit`, as the transaction's last write (see `super::notices`).
    notices: Vec<NewNotice>,
    wakes: crate::core::wakes::Wakes,
}

impl std::fmt::Debug for GroupTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupTx").field("app", &self.app).field("group", &self.group).finish_non_exhaustive()
    }
}

impl GroupTx {
    /// Commits, then tells every node's group cache (`core::cache`) that
    /// the group changed: every write to `chat_groups` and `group_members`
    /// but a new group's own goes through a `GroupTx`, so this is the one
    /// place invalidation needs. It is published before `commit` returns,
    /// so this node's next read sees the change.
    pub async fn commit(mut self) -> Result<()> {
        super::notices::append(&mut self.tx, &self.app, &self.notices).await?;
        self.tx.commit().await?;
        self.wakes.publish_event(crate::core::events::Event::GroupChanged {
            app: self.app.clone(),
            group: self.group,
        });
        super::notices::wake(&self.wakes, &self.app, &self.notices);
        Ok(())
    }

    /// Notices the change leaves, committed with it.
    pub fn notify(&mut self, notices: Vec<NewNotice>) {
        self.notices.extend(notices);
    }

    /// The members' ids, ascending: who a change to the whole group tells.
    pub async fn member_ids(&mut self) -> Result<Vec<UserId>> {
        let rows = sqlx::query("SELECT user_id FROM group_members WHERE group_id = $1 ORDER BY user_id")
            .bind(self.group.0)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(|r| get(r, "user_id").map(UserId)).collect()
    }

    /// The owner's and admins' ids, ascending: who handles what the group is asked.
    pub async fn admin_ids(&mut self) -> Result<Vec<UserId>> {
        let rows = sqlx::query(
            "SELECT user_id FROM group_members WHERE group_id = $1 AND role >= 1 ORDER BY user_id",
        )
        .bind(self.group.0)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(|r| get(r, "user_id").map(UserId)).collect()
    }

    pub async fn group(&mut self) -> Result<Group> {
        group(&mut *self.tx, &self.app, self.group).await?.ok_or_else(|| storage("locked group vanished"))
    }

    pub async fn member(&mut self, user: UserId) -> Result<Option<Member>> {
        member(&mut *self.tx, &self.app, self.group, user).await
    }

    /// Whether `user` is a user of this group's app.
    pub async fn user_exists(&mut self, user: UserId) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE app_id = $1 AND id = $2")
            .bind(self.app.as_str())
            .bind(user.0)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(get::<i64>(&row, "n")? > 0)
    }

    pub async fn is_blocked(&mut self, user: UserId) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM group_blocks WHERE group_id = $1 AND user_id = $2")
            .bind(self.group.0)
            .bind(user.0)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(get::<i64>(&row, "n")? > 0)
    }

    /// How often `user` was kicked from the group after `since`.
    pub async fn kicks_since(&mut self, user: UserId, since: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM group_kicks WHERE group_id = $1 AND user_id = $2 AND kicked_at > $3",
        )
        .bind(self.group.0)
        .bind(user.0)
        .bind(since)
        .fetch_one(&mut *self.tx)
        .await?;
        get(&row, "n")
    }

    /// Locks `user`'s row until commit and counts the active groups the
    /// user is in (see [`lock_user_groups`]); what a join checks the app's
    /// per-user limit against.
    pub async fn lock_user_groups(&mut self, user: UserId) -> Result<UserGroups> {
        lock_user_groups(&mut self.tx, &self.app, user).await
    }

    async fn bump_members(&mut self, delta: i64, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE chat_groups SET member_count = member_count + $2, member_version = member_version + 1,
                 updated_at = $3 WHERE id = $1",
        )
        .bind(self.group.0)
        .bind(delta)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Adds the member; whatever the user had pending with the group
    /// (applications, invitations to it) is accepted with it. Over capacity,
    /// the count's CHECK fails the statement (`Storage`): callers check first.
    pub async fn add_member(&mut self, user: UserId, role: GroupRole, now: i64) -> Result<()> {
        sqlx::query("INSERT INTO group_members (group_id, user_id, role, join_time) VALUES ($1, $2, $3, $4)")
            .bind(self.group.0)
            .bind(user.0)
            .bind(role.code())
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        self.bump_members(1, now).await?;
        for sql in [
            "UPDATE group_applications SET status = 1, updated_at = $3
             WHERE group_id = $1 AND applicant_id = $2 AND status = 0",
            "UPDATE group_invitations SET status = 1, updated_at = $3
             WHERE group_id = $1 AND invitee_id = $2 AND status = 0",
        ] {
            sqlx::query(sql).bind(self.group.0).bind(user.0).bind(now).execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// False if `user` was not a member.
    pub async fn remove_member(&mut self, user: UserId, now: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
            .bind(self.group.0)
            .bind(user.0)
            .execute(&mut *self.tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        self.bump_members(-1, now).await?;
        Ok(true)
    }

    pub async fn record_kick(&mut self, user: UserId, now: i64) -> Result<()> {
        sqlx::query("INSERT INTO group_kicks (group_id, user_id, kicked_at) VALUES ($1, $2, $3)")
            .bind(self.group.0)
            .bind(user.0)
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Sets a member's role (not to or from owner: see [`GroupTx::transfer`]).
    pub async fn set_role(&mut self, user: UserId, role: GroupRole) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE group_members SET role = $3 WHERE group_id = $1 AND user_id = $2 AND role <> 2",
        )
        .bind(self.group.0)
        .bind(user.0)
        .bind(role.code())
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The owner becomes a plain member and `to` (a member) the owner. The
    /// old owner steps down first: the one-owner index is checked per statement.
    pub async fn transfer(&mut self, from: UserId, to: UserId, now: i64) -> Result<()> {
        for (user, role) in [(from, GroupRole::Member), (to, GroupRole::Owner)] {
            let done = sqlx::query("UPDATE group_members SET role = $3 WHERE group_id = $1 AND user_id = $2")
                .bind(self.group.0)
                .bind(user.0)
                .bind(role.code())
                .execute(&mut *self.tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(storage("transfer: membership vanished"));
            }
        }
        sqlx::query("UPDATE chat_groups SET owner_id = $2, updated_at = $3 WHERE id = $1")
            .bind(self.group.0)
            .bind(to.0)
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    pub async fn update_info(&mut self, patch: &InfoPatch, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE chat_groups SET name = COALESCE($2, name), description = COALESCE($3, description),
                 avatar = COALESCE($4, avatar), ext = COALESCE($5, ext), updated_at = $6
             WHERE id = $1",
        )
        .bind(self.group.0)
        .bind(patch.name.as_deref())
        .bind(patch.description.as_deref())
        .bind(patch.avatar.as_deref())
        .bind(patch.ext.as_deref())
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Settings already validated: `apply_approval` a valid code, flags 0/1.
    pub async fn update_settings(
        &mut self,
        apply_approval: Option<ApplyApproval>,
        flags: [Option<bool>; 4],
        now: i64,
    ) -> Result<()> {
        let [member_invite, member_modify, read_ack, history_visible] = flags.map(|f| f.map(bit));
        sqlx::query(
            "UPDATE chat_groups SET apply_approval = COALESCE($2, apply_approval),
                 member_invite = COALESCE($3, member_invite), member_modify = COALESCE($4, member_modify),
                 read_ack = COALESCE($5, read_ack), history_visible = COALESCE($6, history_visible),
                 updated_at = $7
             WHERE id = $1",
        )
        .bind(self.group.0)
        .bind(apply_approval.map(ApplyApproval::code))
        .bind(member_invite)
        .bind(member_modify)
        .bind(read_ack)
        .bind(history_visible)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn set_group_ban(&mut self, expire: i64, now: i64) -> Result<()> {
        sqlx::query("UPDATE chat_groups SET ban_expire_time = $2, updated_at = $3 WHERE id = $1")
            .bind(self.group.0)
            .bind(expire)
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Status 1. Members, applications and invitations are kept as they are
    /// (no lock can be taken on a destroyed group, so nothing changes them).
    pub async fn destroy(&mut self, now: i64) -> Result<()> {
        sqlx::query("UPDATE chat_groups SET status = 1, updated_at = $2 WHERE id = $1")
            .bind(self.group.0)
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// False if `user` is not a member.
    pub async fn set_member_ban(&mut self, user: UserId, expire: i64) -> Result<bool> {
        let done =
            sqlx::query("UPDATE group_members SET ban_expire_time = $3 WHERE group_id = $1 AND user_id = $2")
                .bind(self.group.0)
                .bind(user.0)
                .bind(expire)
                .execute(&mut *self.tx)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// A member's own fields; `None` leaves one as it is. False if not a member.
    pub async fn set_member_fields(
        &mut self,
        user: UserId,
        display_name: Option<&str>,
        msg_mute_mode: Option<i64>,
        msg_push_mode: Option<i64>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE group_members SET display_name = COALESCE($3, display_name),
                 msg_mute_mode = COALESCE($4, msg_mute_mode), msg_push_mode = COALESCE($5, msg_push_mode)
             WHERE group_id = $1 AND user_id = $2",
        )
        .bind(self.group.0)
        .bind(user.0)
        .bind(display_name)
        .bind(msg_mute_mode)
        .bind(msg_push_mode)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Idempotent.
    pub async fn block(&mut self, user: UserId, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO group_blocks (group_id, user_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (group_id, user_id) DO NOTHING",
        )
        .bind(self.group.0)
        .bind(user.0)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Idempotent.
    pub async fn unblock(&mut self, user: UserId) -> Result<()> {
        sqlx::query("DELETE FROM group_blocks WHERE group_id = $1 AND user_id = $2")
            .bind(self.group.0)
            .bind(user.0)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Creates the pending application, or refreshes the one already pending
    /// (expired or not): same id, new reason and expiry.
    pub async fn upsert_application(
        &mut self,
        applicant: UserId,
        reason: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO group_applications
                 (group_id, applicant_id, reason, status, created_at, updated_at, expires_at)
             VALUES ($1, $2, $3, 0, $4, $4, $5)
             ON CONFLICT (group_id, applicant_id) WHERE status = 0 DO UPDATE SET
                 reason = excluded.reason, updated_at = excluded.updated_at, expires_at = excluded.expires_at
             RETURNING id",
        )
        .bind(self.group.0)
        .bind(applicant.0)
        .bind(reason)
        .bind(now)
        .bind(expires_at)
        .fetch_one(&mut *self.tx)
        .await?;
        get(&row, "id")
    }

    /// The application pending from `applicant`, if not expired at `now`.
    pub async fn pending_application(
        &mut self,
        applicant: UserId,
        now: i64,
    ) -> Result<Option<GroupApplication>> {
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM group_applications a
             WHERE a.group_id = $1 AND a.applicant_id = $2 AND a.status = 0 AND a.expires_at > $3"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(self.group.0)
            .bind(applicant.0)
            .bind(now)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(application_row).transpose()
    }

    /// Moves a pending application to accepted or declined; false if no longer pending.
    pub async fn close_application(
        &mut self,
        id: i64,
        accepted: bool,
        handler: UserId,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE group_applications SET status = $3, handler_id = $4, updated_at = $5
             WHERE group_id = $1 AND id = $2 AND status = 0",
        )
        .bind(self.group.0)
        .bind(id)
        .bind(if accepted { 1_i64 } else { 2 })
        .bind(handler.0)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Creates the pending invitation, or refreshes the one already pending
    /// from the same inviter.
    pub async fn upsert_invitation(
        &mut self,
        inviter: UserId,
        invitee: UserId,
        reason: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO group_invitations
                 (group_id, inviter_id, invitee_id, reason, status, created_at, updated_at, expires_at)
             VALUES ($1, $2, $3, $4, 0, $5, $5, $6)
             ON CONFLICT (group_id, inviter_id, invitee_id) WHERE status = 0 DO UPDATE SET
                 reason = excluded.reason, updated_at = excluded.updated_at, expires_at = excluded.expires_at
             RETURNING id",
        )
        .bind(self.group.0)
        .bind(inviter.0)
        .bind(invitee.0)
        .bind(reason)
        .bind(now)
        .bind(expires_at)
        .fetch_one(&mut *self.tx)
        .await?;
        get(&row, "id")
    }

    pub async fn pending_invitation(
        &mut self,
        inviter: UserId,
        invitee: UserId,
        now: i64,
    ) -> Result<Option<GroupInvitation>> {
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM group_invitations i
             WHERE i.group_id = $1 AND i.inviter_id = $2 AND i.invitee_id = $3 AND i.status = 0
               AND i.expires_at > $4"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(self.group.0)
            .bind(inviter.0)
            .bind(invitee.0)
            .bind(now)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(invitation_row).transpose()
    }

    pub async fn close_invitation(&mut self, id: i64, accepted: bool, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE group_invitations SET status = $3, updated_at = $4 WHERE group_id = $1 AND id = $2 AND status = 0",
        )
        .bind(self.group.0)
        .bind(id)
        .bind(if accepted { 1_i64 } else { 2 })
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn insert_announcement(
        &mut self,
        title: &str,
        content: &str,
        author: UserId,
        now: i64,
    ) -> Result<AnnouncementId> {
        let row = sqlx::query(
            "INSERT INTO group_announcements (group_id, title, content, author_id, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(self.group.0)
        .bind(title)
        .bind(content)
        .bind(author.0)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(AnnouncementId(get(&row, "id")?))
    }

    pub async fn delete_announcement(&mut self, id: AnnouncementId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM group_announcements WHERE group_id = $1 AND id = $2")
            .bind(self.group.0)
            .bind(id.0)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn insert_file(&mut self, new: &NewFile, uploader: UserId, now: i64) -> Result<GroupFileId> {
        let row = sqlx::query(
            "INSERT INTO group_files (group_id, name, size, file_type, url, uploader_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(self.group.0)
        .bind(&new.name)
        .bind(new.size)
        .bind(&new.file_type)
        .bind(&new.url)
        .bind(uploader.0)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(GroupFileId(get(&row, "id")?))
    }

    pub async fn file(&mut self, id: GroupFileId) -> Result<Option<GroupFile>> {
        file(&mut *self.tx, &self.app, self.group, id).await
    }

    pub async fn rename_file(&mut self, id: GroupFileId, name: &str, now: i64) -> Result<bool> {
        let done =
            sqlx::query("UPDATE group_files SET name = $3, updated_at = $4 WHERE group_id = $1 AND id = $2")
                .bind(self.group.0)
                .bind(id.0)
                .bind(name)
                .bind(now)
                .execute(&mut *self.tx)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn delete_file(&mut self, id: GroupFileId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM group_files WHERE group_id = $1 AND id = $2")
            .bind(self.group.0)
            .bind(id.0)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
