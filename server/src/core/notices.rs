//! The notices log: what a roster or group change tells the users it
//! concerns, kept in order per user so a real-time channel can deliver it
//! and a client can catch up from the last position it saw
//! (`docs/notices.md`).
//!
//! The changes themselves (`core/friends`, `core/groups`) draft the notices
//! ([`NewNotice`]) and hand them to their store transaction, which appends
//! them when it commits: a change and its notices commit together or not at
//! all. This view only reads.

use serde_json::Value;

use super::Core;
use super::callers::Actor;
use super::error::{Error, Result};
use super::ids::{GroupId, UserId};

/// What happened. Each kind has a stable text code (stored, and what a
/// client may rely on) and the MaxIM SDK's namespace and type number
/// (`RosterNotice.Type`, `GroupNotice.Type`) a socket would send it as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    FriendAdded,
    FriendRemoved,
    FriendAccepted,
    FriendDeclined,
    FriendBlocked,
    FriendUnblocked,
    FriendApplied,
    /// The owner's alias, ext or mute flag for a friend changed.
    FriendInfoUpdated,
    GroupCreated,
    GroupDestroyed,
    GroupJoined,
    GroupLeft,
    GroupApplied,
    GroupApplyAccepted,
    GroupApplyDeclined,
    GroupInvited,
    GroupInviteAccepted,
    GroupInviteDeclined,
    GroupKicked,
    GroupBlocked,
    GroupUnblocked,
    GroupOwnerAssigned,
    GroupAdminGranted,
    GroupAdminRevoked,
    GroupBanned,
    GroupUnbanned,
    /// Info, settings, the whole-group ban, a member's display name.
    GroupInfoUpdated,
    /// Published or deleted.
    GroupAnnouncementUpdated,
    /// A member's own message mute or push mode.
    GroupMessageSetting,
    GroupFileUploaded,
    GroupFileDeleted,
    GroupFileUpdated,
}

/// The SDK's payload namespace of a notice (`Meta.ns`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeNamespace {
    /// 2
    Group,
    /// 3
    Roster,
}

impl NoticeNamespace {
    pub fn code(self) -> i64 {
        match self {
            NoticeNamespace::Group => 2,
            NoticeNamespace::Roster => 3,
        }
    }
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 32] = [
        NoticeKind::FriendAdded,
        NoticeKind::FriendRemoved,
        NoticeKind::FriendAccepted,
        NoticeKind::FriendDeclined,
        NoticeKind::FriendBlocked,
        NoticeKind::FriendUnblocked,
        NoticeKind::FriendApplied,
        NoticeKind::FriendInfoUpdated,
        NoticeKind::GroupCreated,
        NoticeKind::GroupDestroyed,
        NoticeKind::GroupJoined,
        NoticeKind::GroupLeft,
        NoticeKind::GroupApplied,
        NoticeKind::GroupApplyAccepted,
        NoticeKind::GroupApplyDeclined,
        NoticeKind::GroupInvited,
        NoticeKind::GroupInviteAccepted,
        NoticeKind::GroupInviteDeclined,
        NoticeKind::GroupKicked,
        NoticeKind::GroupBlocked,
        NoticeKind::GroupUnblocked,
        NoticeKind::GroupOwnerAssigned,
        NoticeKind::GroupAdminGranted,
        NoticeKind::GroupAdminRevoked,
        NoticeKind::GroupBanned,
        NoticeKind::GroupUnbanned,
        NoticeKind::GroupInfoUpdated,
        NoticeKind::GroupAnnouncementUpdated,
        NoticeKind::GroupMessageSetting,
        NoticeKind::GroupFileUploaded,
        NoticeKind::GroupFileDeleted,
        NoticeKind::GroupFileUpdated,
    ];

    /// The stored code; never changed once released (`docs/notices.md#kinds`).
    pub fn code(self) -> &'static str {
        self.sdk().2
    }

    pub fn from_code(code: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn namespace(self) -> NoticeNamespace {
        self.sdk().0
    }

    /// The type number within the namespace, as the SDK's enums number them.
    pub fn sdk_type(self) -> i64 {
        self.sdk().1
    }

    fn sdk(self) -> (NoticeNamespace, i64, &'static str) {
        use NoticeKind::*;
        use NoticeNamespace::{Group, Roster};
        match self {
            FriendAdded => (Roster, 1, "roster.added"),
            FriendRemoved => (Roster, 2, "roster.removed"),
            FriendAccepted => (Roster, 3, "roster.accepted"),
            FriendDeclined => (Roster, 4, "roster.declined"),
            FriendBlocked => (Roster, 5, "roster.blocked"),
            FriendUnblocked => (Roster, 6, "roster.unblocked"),
            FriendApplied => (Roster, 7, "roster.applied"),
            FriendInfoUpdated => (Roster, 8, "roster.info_updated"),
            GroupCreated => (Group, 3, "group.created"),
            GroupDestroyed => (Group, 4, "group.destroyed"),
            GroupJoined => (Group, 5, "group.joined"),
            GroupLeft => (Group, 6, "group.left"),
            GroupApplied => (Group, 7, "group.applied"),
            GroupApplyAccepted => (Group, 8, "group.apply_accepted"),
            GroupApplyDeclined => (Group, 9, "group.apply_declined"),
            GroupInvited => (Group, 10, "group.invited"),
            GroupInviteAccepted => (Group, 11, "group.invite_accepted"),
            GroupInviteDeclined => (Group, 12, "group.invite_declined"),
            GroupKicked => (Group, 13, "group.kicked"),
            GroupBlocked => (Group, 14, "group.blocked"),
            GroupUnblocked => (Group, 15, "group.unblocked"),
            GroupOwnerAssigned => (Group, 16, "group.owner_assigned"),
            GroupAdminGranted => (Group, 17, "group.admin_granted"),
            GroupAdminRevoked => (Group, 18, "group.admin_revoked"),
            GroupBanned => (Group, 21, "group.banned"),
            GroupUnbanned => (Group, 22, "group.unbanned"),
            GroupInfoUpdated => (Group, 23, "group.info_updated"),
            GroupAnnouncementUpdated => (Group, 24, "group.announcement_updated"),
            GroupMessageSetting => (Group, 25, "group.message_setting"),
            GroupFileUploaded => (Group, 26, "group.file_uploaded"),
            GroupFileDeleted => (Group, 27, "group.file_deleted"),
            GroupFileUpdated => (Group, 28, "group.file_updated"),
        }
    }
}

/// One notice of one user's log.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// The recipient, whose log this is.
    pub user: UserId,
    /// 1, 2, 3, ... in the recipient's log, without gaps.
    pub position: i64,
    pub kind: NoticeKind,
    /// Who acted (the SDK's `from`).
    pub from: UserId,
    /// The user acted upon, if any (the SDK's `to`).
    pub to: Option<UserId>,
    pub group: Option<GroupId>,
    /// A small JSON object, `{}` when the kind needs nothing more (the SDK's `content`).
    pub payload: Value,
    pub created_at: i64,
}

/// A notice drafted by a change, appended by its transaction's commit.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotice {
    pub user: UserId,
    pub kind: NoticeKind,
    pub from: UserId,
    pub to: Option<UserId>,
    pub group: Option<GroupId>,
    pub payload: Value,
    pub created_at: i64,
}

impl NewNotice {
    /// The same notice for each recipient (duplicates left out).
    pub fn to_each(recipients: &[UserId], draft: &Draft, now: i64) -> Vec<NewNotice> {
        let mut seen = std::collections::HashSet::new();
        recipients
            .iter()
            .filter(|u| seen.insert(**u))
            .map(|&user| NewNotice {
                user,
                kind: draft.kind,
                from: draft.from,
                to: draft.to,
                group: draft.group,
                payload: draft.payload.clone(),
                created_at: now,
            })
            .collect()
    }
}

/// A notice without its recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub kind: NoticeKind,
    pub from: UserId,
    pub to: Option<UserId>,
    pub group: Option<GroupId>,
    pub payload: Value,
}

impl Draft {
    pub fn roster(kind: NoticeKind, from: UserId, to: UserId) -> Draft {
        Draft { kind, from, to: Some(to), group: None, payload: Value::Object(Default::default()) }
    }

    pub fn group(kind: NoticeKind, group: GroupId, from: UserId, to: Option<UserId>) -> Draft {
        Draft { kind, from, to, group: Some(group), payload: Value::Object(Default::default()) }
    }

    pub fn with(mut self, payload: Value) -> Draft {
        self.payload = payload;
        self
    }
}

/// The fields a patch sets, as a JSON object (unset ones left out): the
/// payload of the "info updated" kinds.
pub(crate) fn changed_fields<const N: usize>(fields: [(&str, Option<Value>); N]) -> Value {
    let mut out = serde_json::Map::new();
    for (name, value) in fields {
        if let Some(v) = value {
            out.insert(name.to_owned(), v);
        }
    }
    Value::Object(out)
}

pub(crate) fn opt<T: serde::Serialize>(v: &Option<T>) -> Option<Value> {
    v.as_ref().map(|v| serde_json::json!(v))
}

/// The most a single `since` answers.
pub const MAX_LIMIT: i64 = 1000;

pub struct Notices<'a> {
    pub(super) core: &'a Core,
}

impl Notices<'_> {
    /// The actor's notices after `after_position` (0: from the start),
    /// oldest first, at most `limit` (1 to [`MAX_LIMIT`]). Catching up is
    /// calling again with the last position answered.
    pub async fn since(&self, me: &Actor, after_position: i64, limit: i64) -> Result<Vec<Notice>> {
        if after_position < 0 {
            return Err(Error::invalid("after_position", "must not be negative"));
        }
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Error::invalid("limit", "1 to 1000"));
        }
        self.core.db.notices_since(&me.app, me.user, after_position, limit).await
    }

    /// The position of the actor's newest notice; 0 before the first.
    pub async fn latest_position(&self, me: &Actor) -> Result<i64> {
        self.core.db.latest_notice_position(&me.app, me.user).await
    }
}
