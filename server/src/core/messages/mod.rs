//! Messages and conversations (`docs/messages.md`): sending to users and
//! groups, the app's notices, a conversation's history, the conversation
//! list with unread counts, read positions and deleting a conversation.
//!
//! A send stores its content once (one body, whatever the number of
//! targets) in one store transaction ([`crate::store::MessageTx`]); a group
//! message is one row for all members. Unread counts are computed from the
//! messages and the user's read position, so nothing is written per member
//! of a group per message.
//!
//! A conversation is named by one id: the other user's, the group's, or 0
//! for the app's notices (users and groups share one id space).

mod reading;
mod sending;

pub use reading::{DEFAULT_LIMIT, MAX_LIMIT};
pub use sending::{MAX_TARGETS, MAX_TEXT};

use super::Core;
use super::error::{Error, Result};
use super::groups::GroupRole;
use super::ids::UserId;

/// The sender of the app's notices (`/message/notify`), and the peer id of
/// their conversation.
pub const SYSTEM: i64 = 0;

/// MaxIM `type`: what the targets of a send are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// 1: users (one-to-one).
    User,
    /// 2: groups.
    Group,
}

impl TargetKind {
    pub fn code(self) -> i64 {
        match self {
            TargetKind::User => 1,
            TargetKind::Group => 2,
        }
    }

    pub fn from_code(code: i64) -> Result<Self> {
        match code {
            1 => Ok(TargetKind::User),
            2 => Ok(TargetKind::Group),
            _ => Err(Error::invalid("type", "1 users or 2 groups")),
        }
    }
}

/// MaxIM `content_type` 0..=7 and its name (answered as `ctype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentType(i64);

impl ContentType {
    const NAMES: [&'static str; 8] =
        ["TEXT", "IMAGE", "AUDIO", "VIDEO", "FILE", "LOCATION", "COMMAND", "FORWARD"];

    pub fn from_code(code: i64) -> Result<Self> {
        if (0..8).contains(&code) {
            Ok(ContentType(code))
        } else {
            Err(Error::invalid("content_type", "0 text to 7 forward"))
        }
    }

    pub fn code(self) -> i64 {
        self.0
    }

    pub fn name(self) -> &'static str {
        usize::try_from(self.0).ok().and_then(|i| Self::NAMES.get(i)).copied().unwrap_or("TEXT")
    }
}

/// What a send carries. `ext`, `config` and `attachment` are passed through
/// untouched (`None`: not sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub kind: TargetKind,
    pub targets: Vec<i64>,
    pub content_type: ContentType,
    pub content: String,
    pub ext: Option<String>,
    pub config: Option<String>,
    pub attachment: Option<String>,
    pub transaction_id: Option<i64>,
}

/// A stored message as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub kind: TargetKind,
    /// The sender; [`SYSTEM`] for the app's notices.
    pub from: i64,
    /// The user or the group it was sent to.
    pub to: i64,
    pub content_type: ContentType,
    pub content: String,
    pub ext: Option<String>,
    pub config: Option<String>,
    pub attachment: Option<String>,
    pub created_at: i64,
}

/// What a send did, target by target.
#[derive(Debug, Default)]
pub struct SendReport {
    /// The same sender already sent this `transaction_id`: nothing was stored.
    pub duplicate: bool,
    /// Targets that got the message, with its id, in the order given.
    pub delivered: Vec<(i64, i64)>,
    /// Targets refused, with the reason, in the order given.
    pub failed: Vec<(i64, Error)>,
}

/// One entry of a user's conversation list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationSummary {
    /// The other user, the group, or [`SYSTEM`].
    pub peer: i64,
    pub kind: TargetKind,
    /// Messages from others after the read position.
    pub unread: i64,
    /// The newest message the user sees in it.
    pub last_id: i64,
}

/// A page of a conversation, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage {
    pub messages: Vec<Message>,
    /// The first message of the next (older) page, to pass as `msg_id_start`;
    /// `None` on the last page.
    pub next: Option<i64>,
    /// The reader's read position in the conversation.
    pub read_id: i64,
}

/// What the store knows of the id a conversation is named by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerFacts {
    /// 0: the app's notices.
    System,
    /// A user of the app.
    User,
    Group(GroupFacts),
    /// Neither a user nor a group of the app.
    Unknown,
}

/// A group as sending and reading need it, with the caller's membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFacts {
    pub id: i64,
    pub active: bool,
    pub history_visible: bool,
    /// Whole-group mute: 0 none, -1 permanent, else its end (ms).
    pub ban_expire_time: i64,
    pub member: Option<MemberFacts>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFacts {
    pub role: GroupRole,
    pub join_time: i64,
    /// 0 not banned, -1 permanent, else its end (ms).
    pub ban_expire_time: i64,
}

/// A user-target's facts for one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTargetFacts {
    pub id: i64,
    pub exists: bool,
    /// The target has the sender on its block list.
    pub blocks_sender: bool,
    /// The two are friends.
    pub friend: bool,
}

/// A user's view of one conversation: the key of its messages and where the
/// user's reading starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversationKey {
    pub peer: i64,
    pub kind: TargetKind,
    pub low: i64,
    pub high: i64,
    /// Messages created before this (ms) are not shown (a member who joined
    /// a group without `history_visible`); `i64::MIN` for none.
    pub since: i64,
}

impl ConversationKey {
    /// Between two users (or a user and [`SYSTEM`]).
    pub fn pair(me: UserId, peer: i64) -> Self {
        let (low, high) = if peer < me.0 { (peer, me.0) } else { (me.0, peer) };
        ConversationKey { peer, kind: TargetKind::User, low, high, since: i64::MIN }
    }

    pub fn group(group: i64, since: i64) -> Self {
        ConversationKey { peer: group, kind: TargetKind::Group, low: group, high: 0, since }
    }
}

/// A ban (a member's, or a whole group's) in force at `now`: -1 is forever.
pub(crate) fn in_force(ban_expire_time: i64, now: i64) -> bool {
    ban_expire_time == -1 || ban_expire_time > now
}

/// Rows the messages take in an app (for operators and tests: a send to
/// many targets stores one body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoredCounts {
    pub bodies: i64,
    pub messages: i64,
    pub conversations: i64,
}

/// The messages view of the core.
pub struct Messages<'a> {
    pub(crate) core: &'a Core,
}
