//! Groups: the group and its settings, members and their roles, the block
//! list, applications and invitations, bans, announcements, shared file
//! records and signed QR invitations (`docs/groups.md`).
//!
//! Every change runs in one store transaction that first locks the group's
//! row ([`crate::store::GroupTx`]), so changes to one group happen one after
//! the other and each sees the other's committed result; the database's
//! constraints (one owner, one membership per user, one pending application
//! or invitation per pair, member count within capacity) hold the rules even
//! if a check here were wrong. Reads need no lock.
//!
//! Who acts: an [`Actor`], the user the call runs for. An admin token acting
//! "as the admin of a group" (MaxIM's `group_id` header) becomes an `Actor`
//! of that group's owner through [`Groups::owner_actor`], so every rule below
//! has one caller to check.

mod content;
mod joining;
mod lifecycle;
mod moderation;
mod notify;
pub mod qrcode;

pub use joining::{KICK_LIMIT, KICK_WINDOW};

use std::fmt;
use std::sync::Arc;

use super::Core;
use super::callers::{Actor, Caller};
use super::error::{Error, Result};
use super::ids::{AnnouncementId, AppId, GroupFileId, GroupId, UserId};

/// A member's role; ordered, so `role >= GroupRole::Admin` reads as "at least admin".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupRole {
    Member,
    Admin,
    Owner,
}

impl GroupRole {
    pub fn code(self) -> i64 {
        match self {
            GroupRole::Member => 0,
            GroupRole::Admin => 1,
            GroupRole::Owner => 2,
        }
    }

    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            0 => Some(GroupRole::Member),
            1 => Some(GroupRole::Admin),
            2 => Some(GroupRole::Owner),
            _ => None,
        }
    }
}

impl fmt::Display for GroupRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GroupRole::Member => "member",
            GroupRole::Admin => "admin",
            GroupRole::Owner => "owner",
        })
    }
}

/// MaxIM `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupType {
    /// 0: its info is readable by members only.
    Private,
    /// 1: its info is readable by anyone of the app; listed by `public_list`.
    Public,
    /// 2
    Chatroom,
}

impl GroupType {
    pub fn code(self) -> i64 {
        match self {
            GroupType::Private => 0,
            GroupType::Public => 1,
            GroupType::Chatroom => 2,
        }
    }

    pub fn from_code(code: i64) -> Result<Self> {
        match code {
            0 => Ok(GroupType::Private),
            1 => Ok(GroupType::Public),
            2 => Ok(GroupType::Chatroom),
            _ => Err(Error::invalid("type", "0 private, 1 public or 2 chatroom")),
        }
    }
}

/// MaxIM `apply_approval`: who may join by applying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyApproval {
    /// 0: an application joins at once.
    Anyone,
    /// 1: an application waits for an admin.
    AdminApproves,
    /// 2: nobody may apply.
    Nobody,
}

impl ApplyApproval {
    pub fn code(self) -> i64 {
        match self {
            ApplyApproval::Anyone => 0,
            ApplyApproval::AdminApproves => 1,
            ApplyApproval::Nobody => 2,
        }
    }

    pub fn from_code(code: i64) -> Result<Self> {
        match code {
            0 => Ok(ApplyApproval::Anyone),
            1 => Ok(ApplyApproval::AdminApproves),
            2 => Ok(ApplyApproval::Nobody),
            _ => Err(Error::invalid("apply_approval", "0 anyone, 1 admin approves, 2 nobody")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupStatus {
    /// 0
    Normal,
    /// 1: kept so its former members can still read its info; nothing else answers.
    Destroyed,
}

impl GroupStatus {
    pub fn code(self) -> i64 {
        match self {
            GroupStatus::Normal => 0,
            GroupStatus::Destroyed => 1,
        }
    }
}

/// A group as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: GroupId,
    pub app: AppId,
    pub name: String,
    pub description: String,
    pub avatar: String,
    /// Free text, often JSON.
    pub ext: String,
    pub owner: UserId,
    pub kind: GroupType,
    pub status: GroupStatus,
    pub apply_approval: ApplyApproval,
    /// Members (not only admins) may invite.
    pub member_invite: bool,
    /// Members (not only admins) may edit name, description, avatar and ext.
    pub member_modify: bool,
    pub read_ack: bool,
    pub history_visible: bool,
    /// Whole-group mute: 0 none, -1 permanent, else its end in ms.
    pub ban_expire_time: i64,
    pub capacity: i64,
    /// Members now.
    pub count: i64,
    /// Grows with every membership change.
    pub member_version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Group {
    /// Whether `ban_all` is in force at `now`.
    pub fn all_banned_at(&self, now: i64) -> bool {
        ban_in_force(self.ban_expire_time, now)
    }
}

/// One membership, with the member's own settings for the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub group: GroupId,
    pub user: UserId,
    pub role: GroupRole,
    /// The member's nickname in this group.
    pub display_name: String,
    pub join_time: i64,
    /// 0 none, 1 mute notifications, 2 block messages.
    pub msg_mute_mode: i64,
    /// 0 all, 1 none, 2 admins and @me, 3 admins only, 4 @me only.
    pub msg_push_mode: i64,
    /// 0 not banned, -1 permanent, else its end in ms (a past end reads as not banned).
    pub ban_expire_time: i64,
}

impl Member {
    pub fn banned_at(&self, now: i64) -> bool {
        ban_in_force(self.ban_expire_time, now)
    }
}

fn ban_in_force(expire: i64, now: i64) -> bool {
    expire == -1 || expire > now
}

/// A group as one user sees it: `me` is the viewer's membership (its
/// `msg_mute_mode` / `msg_push_mode` are MaxIM's per-caller fields), `None`
/// for a non-member reading a public group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    pub group: Group,
    pub me: Option<Member>,
}

#[derive(Debug, Clone, Default)]
pub struct NewGroup {
    pub name: String,
    pub description: String,
    pub avatar: String,
    pub ext: String,
    /// [`GroupType`] code; 0 by default.
    pub kind: i64,
    /// Invited by the creator as `invite` does (each joins or gets a pending invitation).
    pub members: Vec<UserId>,
}

/// What the store needs to create a group; built only after validation.
#[derive(Debug, Clone)]
pub struct ValidNewGroup {
    pub name: String,
    pub description: String,
    pub avatar: String,
    pub ext: String,
    pub kind: GroupType,
    pub apply_approval: ApplyApproval,
    pub member_invite: bool,
    pub member_modify: bool,
    pub read_ack: bool,
    pub history_visible: bool,
    pub capacity: i64,
}

/// `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct InfoPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub avatar: Option<String>,
    pub ext: Option<String>,
}

/// `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    /// [`ApplyApproval`] code.
    pub apply_approval: Option<i64>,
    pub member_invite: Option<bool>,
    pub member_modify: Option<bool>,
    pub read_ack: Option<bool>,
    pub history_visible: Option<bool>,
}

/// One entry of a batch on a user list: one failure never fails the others.
#[derive(Debug)]
pub struct BatchEntry<T = ()> {
    pub user: UserId,
    pub result: Result<T>,
}

/// What an application or invitation led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinOutcome {
    /// A member now.
    Joined,
    /// Waiting for an admin (application) or the invitee (invitation); a
    /// repeat refreshes it.
    Pending { expires_at: i64 },
}

/// Status of an application or invitation as of now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStatus {
    Pending,
    Accepted,
    Declined,
    /// Still pending in storage but past its expiry: it can no longer be handled.
    Expired,
}

impl RequestStatus {
    /// MaxIM's `status` (0 pending, 1 accepted, 2 declined); an expired one
    /// reads 0, its `expires_at` tells it apart.
    pub fn code(self) -> i64 {
        match self {
            RequestStatus::Pending | RequestStatus::Expired => 0,
            RequestStatus::Accepted => 1,
            RequestStatus::Declined => 2,
        }
    }

    fn at(self, expires_at: i64, now: i64) -> Self {
        match self {
            RequestStatus::Pending if expires_at <= now => RequestStatus::Expired,
            other => other,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupApplication {
    pub id: i64,
    pub group: GroupId,
    pub applicant: UserId,
    pub reason: String,
    pub status: RequestStatus,
    /// The admin who accepted or declined it.
    pub handler: Option<UserId>,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInvitation {
    pub id: i64,
    pub group: GroupId,
    pub inviter: UserId,
    pub invitee: UserId,
    pub reason: String,
    pub status: RequestStatus,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub id: AnnouncementId,
    pub group: GroupId,
    pub title: String,
    pub content: String,
    pub author: UserId,
    pub created_at: i64,
}

/// A shared file's record; the server keeps the URL as registered, not the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFile {
    pub id: GroupFileId,
    pub group: GroupId,
    pub name: String,
    pub size: i64,
    pub file_type: String,
    pub url: String,
    pub uploader: UserId,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct NewFile {
    pub name: String,
    pub size: i64,
    pub file_type: String,
    pub url: String,
}

/// One entry of `file_delete`.
#[derive(Debug)]
pub struct FileBatchEntry {
    pub file: GroupFileId,
    pub result: Result<()>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedUser {
    pub group: GroupId,
    pub user: UserId,
    pub created_at: i64,
}

/// What `create` answers: the group as its owner sees it, and one entry per
/// listed member.
#[derive(Debug)]
pub struct Created {
    pub info: GroupInfo,
    pub members: Vec<BatchEntry<JoinOutcome>>,
}

/// A signed QR invitation (`qrcode_sign`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrCode {
    /// Opaque to clients: `qrcode_invite` takes it back.
    pub token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

pub struct Groups<'a> {
    pub(super) core: &'a Core,
}

impl Groups<'_> {
    /// An app admin acting as the admin of `group` (MaxIM's `group_id`
    /// header with an admin token) acts as the group's owner: the one role
    /// that may do everything an admin may.
    pub async fn owner_actor(&self, caller: &Caller, group: GroupId) -> Result<Actor> {
        caller.require_admin()?;
        let g = self.active(&caller.app, group).await?;
        Ok(Actor::new(caller.app.clone(), g.owner))
    }

    /// The group if it exists in the app and is not destroyed.
    async fn active(&self, app: &AppId, group: GroupId) -> Result<Group> {
        match self.core.db.group(app, group).await? {
            Some(g) if g.status == GroupStatus::Normal => Ok(g),
            _ => Err(Error::GroupMissing),
        }
    }

    /// The active group with every member, from memory when read before
    /// (`core::cache`): every committed group transaction invalidates it
    /// (`GroupTx::commit` publishes `GroupChanged`), so the next request on
    /// this node reads the change, and other nodes within the bus's delay.
    pub(crate) async fn state(&self, app: &AppId, group: GroupId) -> Result<Arc<GroupState>> {
        let cache = &self.core.caches().groups;
        let key = (app.clone(), group);
        if let Some(state) = cache.get(&key) {
            return Ok(state);
        }
        let ticket = cache.ticket();
        let g = self.active(app, group).await?;
        let members = self.core.db.group_members(app, group).await?;
        let state = Arc::new(GroupState { group: g, members });
        cache.fill(ticket, key, state.clone());
        Ok(state)
    }

    /// The members' ids, ascending (from [`Groups::state`]); none when the
    /// group is not active: who a wake-up for the group reaches.
    pub(crate) async fn member_ids(&self, app: &AppId, group: GroupId) -> Result<Vec<UserId>> {
        match self.state(app, group).await {
            Ok(state) => Ok(state.members.iter().map(|m| m.user).collect()),
            Err(Error::GroupMissing) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The active group and the actor's membership, which must have at least `needs`.
    async fn as_member(&self, me: &Actor, group: GroupId, needs: GroupRole) -> Result<(Group, Member)> {
        let (state, m) = self.state_as_member(me, group, needs).await?;
        Ok((state.group.clone(), m))
    }

    /// As [`Groups::as_member`], with the whole state for reads that need the members.
    async fn state_as_member(
        &self,
        me: &Actor,
        group: GroupId,
        needs: GroupRole,
    ) -> Result<(Arc<GroupState>, Member)> {
        let state = self.state(&me.app, group).await?;
        let m = require(state.member(me.user).cloned(), needs)?;
        Ok((state, m))
    }
}

/// An active group and all its members by ascending user id: what the
/// group cache keeps (`core::cache`).
#[derive(Debug)]
pub struct GroupState {
    pub group: Group,
    pub members: Vec<Member>,
}

impl GroupState {
    pub fn member(&self, user: UserId) -> Option<&Member> {
        self.members.binary_search_by_key(&user, |m| m.user).ok().map(|i| &self.members[i])
    }

    /// The members after `after` (all: `None`), at most `limit` of them.
    pub fn members_after(&self, after: Option<i64>, limit: usize) -> impl Iterator<Item = &Member> {
        let start = after.map_or(0, |a| self.members.partition_point(|m| m.user.0 <= a));
        self.members[start..].iter().take(limit)
    }
}

/// The membership, if it has at least `needs` (none: 20002, too low: the role needed).
fn require(member: Option<Member>, needs: GroupRole) -> Result<Member> {
    match member {
        None => Err(Error::NotGroupMember),
        Some(m) if m.role < needs => Err(Error::GroupRoleNeeded { needs }),
        Some(m) => Ok(m),
    }
}

/// Ids in the order given, each once.
fn unique<T: PartialEq + Copy>(ids: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

/// `now + minutes`, or -1 for a permanent ban; 0 and other negatives are refused.
fn ban_end(now: i64, minutes: i64) -> Result<i64> {
    match minutes {
        -1 => Ok(-1),
        m if m > 0 => Ok(now.saturating_add(m.saturating_mul(60_000))),
        _ => Err(Error::invalid("duration", "minutes above 0, or -1 for permanent")),
    }
}
