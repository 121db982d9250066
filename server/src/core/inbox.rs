//! Per-device delivery for real-time clients (the MaxIM socket,
//! `docs/socket.md#delivery-model`): what each device of a user still has to
//! receive, conversation by conversation, and the operations on messages
//! (read marks, recall, edits, per-user deletion) that travel the same way.
//!
//! Nothing is copied per device: a device's queue for a conversation is the
//! conversation's messages and operations after the device's acknowledged
//! position in it (or, before its first acknowledgement, after the floor
//! set at the device's first login), less what the device sent itself.
//! Conversation 0 holds the user's notices (`server/src/core/notices.rs`) and the
//! app's system messages; a key below [`NOTICE_KEYS`] is a notice position,
//! a larger one a message id.

use super::Core;
use super::callers::Actor;
use super::error::{Error, Result};
use super::ids::{GroupId, UserId};
use super::messages::{ConversationKey, Message, SYSTEM, TargetKind};
use super::notices::Notice;
use super::wakes::Wake;

/// Keys of conversation 0 below this are notice positions; message ids
/// are far above it (they count milliseconds since 2024 shifted by 12 bits).
pub const NOTICE_KEYS: i64 = 1 << 40;

/// What a device logging in for the first time receives from before its
/// login: the last seven days of its conversations' messages. Older
/// notices it does not get (the REST lists hold their state).
pub const BACKFILL_MS: i64 = 7 * 24 * 3600 * 1000;

/// How long after sending its author may recall a message.
pub const RECALL_LIMIT_MS: i64 = 5 * 60 * 1000;

/// A message in a queue or history, with what the reader needs of its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub message: Message,
    /// The socket device it was sent from (0: not from a socket).
    pub from_sn: i64,
    /// The last append/replace (ms), 0 never edited.
    pub edit_timestamp: i64,
    /// History only: the reader read it (someone else's message), or the
    /// peer read it (the reader's own one-to-one message).
    pub read: bool,
}

/// An operation as forwarded: the encoded payload is the client's own,
/// opaque here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOp {
    pub id: i64,
    pub from: i64,
    pub from_sn: i64,
    pub to: i64,
    /// The client's namespace number for `payload`.
    pub ns: i64,
    pub payload: Vec<u8>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Message(Delivered),
    Op(StoredOp),
    Notice(Notice),
}

impl Item {
    /// The key a client acknowledges this item with.
    pub fn key(&self) -> i64 {
        match self {
            Item::Message(m) => m.message.id,
            Item::Op(o) => o.id,
            Item::Notice(n) => n.position,
        }
    }
}

/// A conversation with something pending for a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    /// The peer, the group, or 0 (notices and system messages).
    pub peer: i64,
    /// `None` for conversation 0.
    pub kind: Option<TargetKind>,
    pub count: i64,
}

/// An operation to forward: who gets it and what it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOp {
    /// The conversation (peer or group, as seen by the author).
    pub peer: i64,
    /// Only this user's devices get it (the author's own operations).
    pub only_author: bool,
    pub to: i64,
    pub ns: i64,
    pub payload: Vec<u8>,
}

/// An edit of a message's text by its author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Append(String),
    Replace { content: String, config: Option<String>, ext: Option<String> },
}

/// How many items one count looks at per conversation (UNREAD): the SDK
/// only needs to know that something is pending.
const COUNT_CAP: i64 = 1000;

fn no_such_message() -> Error {
    Error::invalid("mid", "no such message in this conversation")
}

pub struct Inbox<'a> {
    pub(super) core: &'a Core,
}

impl Inbox<'_> {
    /// Registers the device's floor at its first login (later logins keep it).
    pub async fn open(&self, actor: &Actor, sn: i64) -> Result<()> {
        let since = self.core.now_ms() - BACKFILL_MS;
        self.core.db().socket_device_open(&actor.app, actor.user, sn, since).await
    }

    /// The conversation `peer` as the actor sees it; `None` for 0.
    async fn key(&self, actor: &Actor, peer: i64) -> Result<ConversationKey> {
        if peer == SYSTEM {
            return Ok(ConversationKey::pair(actor.user, SYSTEM));
        }
        self.core.messages().conversation(actor, peer, "xid").await
    }

    /// Where the device's queue for `peer` starts (exclusive).
    async fn start(&self, actor: &Actor, sn: i64, peer: i64) -> Result<i64> {
        let db = self.core.db();
        let start = db.socket_position(&actor.app, actor.user, sn, peer).await?;
        let (_, cleared) = db.conversation_state(&actor.app, actor.user, peer).await?;
        Ok(start.max(cleared))
    }

    /// Acknowledges everything up to `key` in the device's queue for `peer`
    /// (0: nothing), then answers the next `limit` items.
    pub async fn pull(&self, actor: &Actor, sn: i64, peer: i64, key: i64, limit: i64) -> Result<Vec<Item>> {
        let db = self.core.db();
        if key > 0 {
            if peer == SYSTEM && key < NOTICE_KEYS {
                db.socket_ack_notices(&actor.app, actor.user, sn, key).await?;
            } else {
                db.socket_ack(&actor.app, actor.user, sn, peer, key).await?;
            }
        }
        if peer == SYSTEM {
            let after = db.socket_notices_acked(&actor.app, actor.user, sn).await?;
            let notices = db.notices_since(&actor.app, actor.user, after, limit).await?;
            if !notices.is_empty() {
                return Ok(notices.into_iter().map(Item::Notice).collect());
            }
        }
        let key = match self.key(actor, peer).await {
            Ok(key) => key,
            // Left the group, or it is gone: nothing more to deliver.
            Err(Error::NotGroupMember | Error::GroupMissing | Error::UserMissing) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let start = self.start(actor, sn, peer).await?;
        let messages = db.queue_messages(&actor.app, &key, actor.user, sn, start, limit).await?;
        let ops = db.queue_ops(&actor.app, &key, actor.user, sn, start, limit).await?;
        let mut items: Vec<Item> =
            messages.into_iter().map(Item::Message).chain(ops.into_iter().map(Item::Op)).collect();
        items.sort_by_key(Item::key);
        items.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(items)
    }

    /// The device's conversations with something pending (conversation 0
    /// first when it has some).
    pub async fn pending(&self, actor: &Actor, sn: i64) -> Result<Vec<Pending>> {
        let db = self.core.db();
        let mut peers = db.socket_peers(&actor.app, actor.user).await?;
        if !peers.iter().any(|(p, _)| *p == SYSTEM) {
            peers.insert(0, (SYSTEM, TargetKind::User));
        }
        let mut out = Vec::new();
        for (peer, kind) in peers {
            let mut count = 0;
            if peer == SYSTEM {
                let after = db.socket_notices_acked(&actor.app, actor.user, sn).await?;
                count +=
                    i64::try_from(db.notices_since(&actor.app, actor.user, after, COUNT_CAP).await?.len())
                        .unwrap_or(COUNT_CAP);
            }
            let Ok(key) = self.key(actor, peer).await else { continue };
            let start = self.start(actor, sn, peer).await?;
            count += db.queue_count(&actor.app, &key, actor.user, sn, start, COUNT_CAP).await?;
            if count > 0 {
                let kind = if peer == SYSTEM { None } else { Some(kind) };
                out.push(Pending { peer, kind, count });
            }
        }
        Ok(out)
    }

    /// Up to `limit` messages of the conversation before `before` (0: the
    /// newest), newest first, without recalled ones and those the actor
    /// deleted, each with its read state for the actor.
    pub async fn history(&self, actor: &Actor, peer: i64, before: i64, limit: i64) -> Result<Vec<Delivered>> {
        let key = self.key(actor, peer).await?;
        let db = self.core.db();
        let (read_id, cleared) = db.conversation_state(&actor.app, actor.user, peer).await?;
        let peer_read = match key.kind {
            TargetKind::User if peer != SYSTEM => {
                db.conversation_state(&actor.app, UserId(peer), actor.user.0).await?.0
            }
            _ => i64::MAX,
        };
        let before = if before <= 0 { i64::MAX } else { before };
        let mut list =
            db.socket_history(&actor.app, &key, actor.user, cleared, before, limit.clamp(1, 100)).await?;
        for d in &mut list {
            d.read = if d.message.from == actor.user.0 {
                d.message.id <= peer_read
            } else {
                d.message.id <= read_id
            };
        }
        Ok(list)
    }

    /// Stores an operation for forwarding: the id it gets and its time.
    pub async fn record(&self, actor: &Actor, sn: i64, op: NewOp) -> Result<(i64, i64)> {
        let key = self.key(actor, op.peer).await?;
        let now = self.core.now_ms();
        let only = if op.only_author { actor.user.0 } else { 0 };
        let id = self.core.db().insert_op(&actor.app, &key, actor.user, sn, only, &op, now).await?;
        let app = actor.app.clone();
        let wake = match key.kind {
            // The author is a member: the group's wake reaches it too.
            TargetKind::Group if !op.only_author => Wake::Group { app, group: GroupId(op.peer) },
            TargetKind::User if !op.only_author => {
                Wake::New { app, targets: vec![(actor.user, op.peer), (UserId(op.peer), actor.user.0)] }
            }
            _ => Wake::New { app, targets: vec![(actor.user, op.peer)] },
        };
        self.core.wakes().publish(wake);
        Ok((id, now))
    }

    /// The message `mid` of conversation `peer`, checked to be the actor's own.
    async fn own(&self, actor: &Actor, peer: i64, mid: i64) -> Result<Message> {
        let key = self.key(actor, peer).await?;
        let message = self.core.db().message_in(&actor.app, &key, mid).await?.ok_or_else(no_such_message)?;
        if message.from != actor.user.0 {
            return Err(Error::NoPermission);
        }
        Ok(message)
    }

    /// Recalls the actor's message `mid`: within [`RECALL_LIMIT_MS`] of its
    /// sending, only by its author; it leaves every history and queue.
    pub async fn recall(&self, actor: &Actor, peer: i64, mid: i64) -> Result<()> {
        let message = self.own(actor, peer, mid).await?;
        if self.core.now_ms() - message.created_at > RECALL_LIMIT_MS {
            return Err(Error::invalid("mid", "can be recalled only within 5 minutes of sending"));
        }
        self.core.db().mark_recalled(&actor.app, mid).await
    }

    /// Edits the actor's message `mid`: the edit time (ms, never before the
    /// message's own time).
    pub async fn edit(&self, actor: &Actor, peer: i64, mid: i64, edit: Edit) -> Result<i64> {
        let message = self.own(actor, peer, mid).await?;
        let at = self.core.now_ms().max(message.created_at);
        let (content, config, ext) = match edit {
            Edit::Append(more) => (format!("{}{more}", message.content), message.config, message.ext),
            Edit::Replace { content, config, ext } => {
                (content, config.or(message.config), ext.or(message.ext))
            }
        };
        if content.chars().count() > super::messages::MAX_TEXT {
            return Err(Error::invalid("content", "too long once edited"));
        }
        self.core.db().edit_message(&actor.app, mid, &content, config.as_deref(), ext.as_deref(), at).await?;
        Ok(at)
    }

    /// Hides the message `mid` from the actor's history.
    pub async fn hide(&self, actor: &Actor, peer: i64, mid: i64) -> Result<()> {
        let key = self.key(actor, peer).await?;
        self.core.db().message_in(&actor.app, &key, mid).await?.ok_or_else(no_such_message)?;
        self.core.db().hide_message(&actor.app, actor.user, mid).await
    }

    /// The id and time of the actor's message sent with `transaction_id`:
    /// a resent upload is answered with its first acknowledgement.
    pub async fn sent_with(&self, actor: &Actor, transaction_id: i64) -> Result<Option<(i64, i64)>> {
        self.core.db().message_by_transaction(&actor.app, actor.user, transaction_id).await
    }
}
