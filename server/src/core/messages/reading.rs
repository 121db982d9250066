//! Reading: a conversation's history, the conversation list with unread
//! counts, read positions (ack) and deleting a conversation from one user's
//! view. All run for an [`Actor`]; a group conversation needs membership.

use super::super::callers::Actor;
use super::super::error::{Error, Result};
use super::{ConversationKey, ConversationSummary, HistoryPage, Messages, PeerFacts, StoredCounts};
use crate::core::ids::AppId;

/// A history page's size when none is asked for, and the most one may have.
pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

impl Messages<'_> {
    /// The conversation `id` names for `actor`: the other user, [`super::SYSTEM`],
    /// or a group the actor is a member of (a new member without
    /// `history_visible` sees it from the join on).
    pub(crate) async fn conversation(
        &self,
        actor: &Actor,
        id: i64,
        field: &'static str,
    ) -> Result<ConversationKey> {
        if id == actor.user.0 {
            return Err(Error::invalid(field, "names the caller itself"));
        }
        if id < 0 {
            return Err(Error::invalid(field, "is not an id"));
        }
        match self.core.db().peer_facts(&actor.app, actor.user, id).await? {
            PeerFacts::System | PeerFacts::User => Ok(ConversationKey::pair(actor.user, id)),
            PeerFacts::Group(g) if !g.active => Err(Error::GroupMissing),
            PeerFacts::Group(g) => match g.member {
                None => Err(Error::NotGroupMember),
                Some(m) => {
                    Ok(ConversationKey::group(g.id, if g.history_visible { i64::MIN } else { m.join_time }))
                }
            },
            PeerFacts::Unknown => Err(Error::UserMissing),
        }
    }

    /// A page of the conversation with `opposite`, newest first, starting
    /// at `start` (inclusive; `None`: the newest), at most `limit`
    /// (`None` or 0: [`DEFAULT_LIMIT`], above [`MAX_LIMIT`]: that).
    pub async fn history(
        &self,
        actor: &Actor,
        opposite: i64,
        start: Option<i64>,
        limit: Option<i64>,
    ) -> Result<HistoryPage> {
        let limit = match limit {
            None | Some(0) => DEFAULT_LIMIT,
            Some(n) if n < 0 => return Err(Error::invalid("limit", "must not be negative")),
            Some(n) => n.min(MAX_LIMIT),
        };
        let start = match start {
            None | Some(0) => i64::MAX,
            Some(n) if n < 0 => return Err(Error::invalid("msg_id_start", "must not be negative")),
            Some(n) => n,
        };
        let key = self.conversation(actor, opposite, "opposite_id").await?;
        let db = self.core.db();
        let (read_id, cleared_id) = db.conversation_state(&actor.app, actor.user, key.peer).await?;
        let mut messages = db.history(&actor.app, &key, cleared_id, start, limit + 1).await?;
        let next = if messages.len() as i64 > limit { messages.pop().map(|m| m.id) } else { None };
        Ok(HistoryPage { messages, next, read_id })
    }

    /// The actor's conversations that show a message, newest first, with
    /// the number of messages from others after the read position.
    pub async fn conversations(&self, actor: &Actor) -> Result<Vec<ConversationSummary>> {
        let mut list = self.core.db().conversation_list(&actor.app, actor.user).await?;
        list.sort_by_key(|c| std::cmp::Reverse(c.last_id));
        Ok(list)
    }

    /// Marks the conversation read up to `up_to` (`None`: all of it). The
    /// read position never moves backwards, nor past the newest message.
    pub async fn ack(&self, actor: &Actor, conversation: i64, up_to: Option<i64>) -> Result<()> {
        if up_to.is_some_and(|id| id < 0) {
            return Err(Error::invalid("msg_id", "must not be negative"));
        }
        let key = self.conversation(actor, conversation, "conversation_id").await?;
        let db = self.core.db();
        let Some(latest) = db.latest_id(&actor.app, &key).await? else { return Ok(()) };
        let read = up_to.map_or(latest, |id| id.min(latest));
        db.mark_read(&actor.app, actor.user, &key, read, false).await
    }

    /// Removes the conversation from the actor's list and history: what it
    /// holds now is hidden (and read) for the actor only; later messages
    /// show again.
    pub async fn delete_conversation(&self, actor: &Actor, conversation: i64) -> Result<()> {
        let key = self.conversation(actor, conversation, "conversation_id").await?;
        let db = self.core.db();
        let Some(latest) = db.latest_id(&actor.app, &key).await? else { return Ok(()) };
        db.mark_read(&actor.app, actor.user, &key, latest, true).await
    }

    /// How many rows the app's messages take (see [`StoredCounts`]).
    pub async fn stored_counts(&self, app: &AppId) -> Result<StoredCounts> {
        self.core.db().message_counts(app).await
    }
}
