//! The friend graph (MaxIM's roster), shared by every dialect: a friend made
//! through one API is a friend in the others.
//!
//! Storage model: one friendship row per direction (`owner` → `friend`) holding
//! the owner's alias / ext / server_ex / mute flag; a deletion keeps both rows
//! with relation "deleted friend" so "changed since T" queries see it. Blocks
//! are a separate overlay (blocker → blocked), so unblocking restores whatever
//! relation was underneath. Applications are rows with numeric ids; at most one
//! pending application per (applicant, target), enforced by a unique index.
//!
//! Every mutation runs in one store transaction that first locks the rosters
//! of the users involved (in id order, bumping their roster versions), so
//! concurrent applies, accepts and declines on one pair are serialized by the
//! database.

mod graph;
mod queries;

use super::Core;
use super::error::Error;
use super::ids::{ApplicationId, UserId};
use super::settings::AuthMode;

/// How the viewer stands towards another user (MaxIM `relation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// 0
    Friend,
    /// 1: was a friend, deleted by either side.
    DeletedFriend,
    /// 2: never a friend.
    Stranger,
    /// 3: on the viewer's blacklist.
    Blocked,
}

impl Relation {
    pub fn code(self) -> i64 {
        match self {
            Relation::Friend => 0,
            Relation::DeletedFriend => 1,
            Relation::Stranger => 2,
            Relation::Blocked => 3,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ApplyRequest {
    /// Shown to the target (NetEase `msg`, YHChat `remark`).
    pub reason: String,
    /// The applicant's alias for the target, applied once they are friends.
    pub alias: String,
    /// Answer to the target's question (auth mode 2).
    pub answer: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyOutcome {
    /// Friends both ways now (auth mode 0, a right answer, or the target had
    /// applied to the applicant already).
    Friends,
    /// Waiting for the target (auth mode 1); a repeated apply refreshes it.
    Pending { application: ApplicationId, expires_at: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationStatus {
    Pending,
    Accepted,
    Declined,
    /// Still pending in storage, but past `expires_at`: it can no longer be
    /// accepted or declined.
    Expired,
}

impl ApplicationStatus {
    /// MaxIM's `status` (0 pending, 1 accepted, 2 declined); an expired
    /// application still reads 0, its `expires_at` tells it apart.
    pub fn maxim_code(self) -> i64 {
        match self {
            ApplicationStatus::Pending | ApplicationStatus::Expired => 0,
            ApplicationStatus::Accepted => 1,
            ApplicationStatus::Declined => 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: ApplicationId,
    pub applicant: UserId,
    pub target: UserId,
    pub reason: String,
    pub alias: String,
    pub status: ApplicationStatus,
    /// Kept when declined.
    pub decline_reason: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: i64,
}

/// One direction of a friendship, as NetEase and YHChat read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Friendship {
    pub owner: UserId,
    pub friend: UserId,
    /// The friend's username (NetEase `faccid`).
    pub friend_username: String,
    /// `Friend` or `DeletedFriend`.
    pub relation: Relation,
    pub alias: String,
    pub ext: String,
    /// Writable only through the server API (NetEase `serverex`).
    pub server_ex: String,
    pub mute_notification: bool,
    /// When they (last) became friends.
    pub created_at: i64,
    pub updated_at: i64,
}

/// Another user as the viewer sees them. Public fields for anyone; `alias`,
/// `ext` and `mute_notification` only when the viewer counts them as a friend
/// (empty / false otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterItem {
    pub user: UserId,
    pub username: String,
    pub nick_name: String,
    pub avatar: String,
    pub description: String,
    pub public_info: String,
    pub auth_mode: AuthMode,
    pub auth_question: String,
    pub relation: Relation,
    pub alias: String,
    pub ext: String,
    pub mute_notification: bool,
}

/// What the store knows about another user from the viewer's side; the core
/// decides what of it the viewer may see.
#[derive(Debug, Clone)]
pub struct RosterFacts {
    pub user: UserId,
    pub username: String,
    pub nick_name: String,
    pub avatar: String,
    pub description: String,
    pub public_info: String,
    pub auth_mode: AuthMode,
    pub auth_question: String,
    /// The viewer's row towards this user, if any: its relation, and the
    /// viewer's alias, ext and mute for the user.
    pub friendship: Option<(Relation, String, String, bool)>,
    pub blocked_by_viewer: bool,
}

/// The caller's own settings for a friend (MaxIM `/roster/ext`, YHChat
/// no-notify). `None` leaves a field unchanged.
#[derive(Debug, Clone, Default)]
pub struct FriendPatch {
    pub alias: Option<String>,
    pub ext: Option<String>,
    pub mute_notification: Option<bool>,
}

/// What the server API (NetEase `update.action`) may change; only it may
/// write `server_ex`.
#[derive(Debug, Clone, Default)]
pub struct ServerFriendPatch {
    pub alias: Option<String>,
    pub ext: Option<String>,
    pub server_ex: Option<String>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct DeleteOptions {
    /// NetEase `isDeleteAlias`: also forget the deleter's alias for the friend.
    pub clear_alias: bool,
}

/// Per-entry result of a batch apply.
#[derive(Debug)]
pub struct BatchApplyEntry {
    pub target: UserId,
    pub result: Result<ApplyOutcome, Error>,
}

pub struct Friends<'a> {
    pub(super) core: &'a Core,
}
