//! Reading the friend graph from one user's point of view.

use std::sync::Arc;

use super::super::callers::Actor;
use super::super::error::{Error, Result};
use super::super::ids::{AppId, ApplicationId, UserId};
use super::super::paging::{self, Page, PageRequest};
use super::{Application, Friends, Friendship, Relation, RosterFacts, RosterItem};

impl Friends<'_> {
    /// My roster version; it grows with every change to my roster.
    pub async fn version(&self, me: &Actor) -> Result<i64> {
        Ok(self.friend_list(me).await?.version)
    }

    /// A page of my friends' ids in id order (keyset, stable while the list
    /// changes), with my roster version read before the list.
    pub async fn friend_ids(&self, me: &Actor, page: &PageRequest) -> Result<Page<UserId>> {
        let limit = page.limit()?;
        let after = page.after_key()?;
        let list = self.friend_list(me).await?;
        let start = match after {
            Some(after) => list.items.partition_point(|id| id.0 <= after),
            None => 0,
        };
        let take = usize::try_from(limit).unwrap_or(usize::MAX).saturating_add(1);
        let rows = list.items[start..].iter().take(take).copied().collect();
        Ok(paging::page_of(rows, limit, list.version, |id| id.0))
    }

    /// All my friends' ids in id order, with my roster version read before
    /// them: what MaxIM's `GET /roster/list` answers without a `limit`
    /// (`docs/maxim.md#lists-and-paging`). The friend limit bounds it.
    pub async fn all_friend_ids(&self, me: &Actor) -> Result<Page<UserId>> {
        let list = self.friend_list(me).await?;
        Ok(Page { items: list.items.clone(), next_cursor: None, version: list.version })
    }

    /// My whole friend list and the roster version read before it, from
    /// memory when read before (`cache`): every roster commit invalidates
    /// the users it locked.
    async fn friend_list(&self, me: &Actor) -> Result<Arc<Page<UserId>>> {
        let cache = &self.core.caches().friends;
        let key = (me.app.clone(), me.user);
        if let Some(list) = cache.get(&key) {
            return Ok(list);
        }
        let ticket = cache.ticket();
        let version = self.core.db.roster_version(&me.app, me.user).await?.ok_or(Error::UserMissing)?;
        let items = self.core.db.friend_ids(&me.app, me.user, None, i64::MAX).await?;
        let list = Arc::new(Page { items, next_cursor: None, version });
        cache.fill(ticket, key, list.clone());
        Ok(list)
    }

    /// Items for the given ids, in the order given; unknown ids are skipped.
    pub async fn items(&self, me: &Actor, ids: &[UserId]) -> Result<Vec<RosterItem>> {
        let max = usize::try_from(paging::MAX_LIMIT).unwrap_or(1000);
        if ids.len() > max {
            return Err(Error::invalid("list", format!("at most {max} ids")));
        }
        let mut unique: Vec<UserId> = Vec::with_capacity(ids.len());
        for id in ids {
            if !unique.contains(id) {
                unique.push(*id);
            }
        }
        let facts = self.core.db.roster_facts(&me.app, me.user, &unique).await?;
        let mut items: Vec<RosterItem> = facts.into_iter().map(item_from).collect();
        items.sort_by_key(|item| unique.iter().position(|id| *id == item.user));
        Ok(items)
    }

    pub async fn lookup_by_id(&self, me: &Actor, user: UserId) -> Result<RosterItem> {
        self.items(me, &[user]).await?.into_iter().next().ok_or(Error::UserMissing)
    }

    /// Exact username (also a NetEase accid).
    pub async fn lookup_by_username(&self, me: &Actor, username: &str) -> Result<RosterItem> {
        let user = self.core.users().by_username(&me.app, username).await?;
        self.lookup_by_id(me, user.id).await
    }

    /// Exact mobile number.
    pub async fn lookup_by_mobile(&self, me: &Actor, mobile: &str) -> Result<RosterItem> {
        let user = self.core.users().by_mobile(&me.app, mobile).await?;
        self.lookup_by_id(me, user.id).await
    }

    pub async fn blocked_list(&self, me: &Actor) -> Result<Vec<UserId>> {
        self.version(me).await?;
        self.core.db.blocked_ids(&me.app, me.user).await
    }

    /// False if either blocked the other; true for friends; for strangers the
    /// app's setting decides.
    pub async fn may_message(&self, app: &AppId, user: UserId, roster: UserId) -> Result<bool> {
        let app = self.core.apps().get(app).await?;
        for id in [user, roster] {
            self.core.users().get(&app.id, id).await?;
        }
        if self.core.db.blocked_either_way(&app.id, user, roster).await? {
            return Ok(false);
        }
        let friendship = self.core.db.friendship(&app.id, user, roster).await?;
        if friendship.is_some_and(|f| f.relation == Relation::Friend) {
            return Ok(true);
        }
        Ok(app.settings.stranger_may_message)
    }

    /// Applications made to me, newest first, with their status as of now.
    pub async fn applications(&self, me: &Actor, page: &PageRequest) -> Result<Page<Application>> {
        let limit = page.limit()?;
        let before = page.after_key()?;
        let version = self.version(me).await?;
        let now = self.core.now_ms();
        let mut rows = self.core.db.incoming_applications(&me.app, me.user, before, limit + 1).await?;
        for a in &mut rows {
            a.status = status_at(a, now);
        }
        Ok(paging::page_of(rows, limit, version, |a| a.id.0))
    }

    /// One application I made or received.
    pub async fn application(&self, me: &Actor, id: ApplicationId) -> Result<Application> {
        match self.core.db.application(&me.app, id).await? {
            Some(mut a) if a.target == me.user || a.applicant == me.user => {
                a.status = status_at(&a, self.core.now_ms());
                Ok(a)
            }
            _ => Err(Error::ApplicationMissing),
        }
    }

    /// My side of the relation with `friend`, if there ever was a friendship
    /// (NetEase `getByAccid`: none → 404).
    pub async fn friendship(&self, me: &Actor, friend: UserId) -> Result<Option<Friendship>> {
        self.version(me).await?;
        self.core.db.friendship(&me.app, me.user, friend).await
    }

    /// My friendship rows changed after `since_ms`, deletions included
    /// (NetEase `get.action`), oldest change first.
    pub async fn changed_since(&self, me: &Actor, since_ms: i64) -> Result<Vec<Friendship>> {
        self.version(me).await?;
        self.core.db.friendships_changed_since(&me.app, me.user, since_ms).await
    }

    pub async fn friend_count(&self, me: &Actor) -> Result<i64> {
        self.version(me).await?;
        self.core.db.friend_count(&me.app, me.user).await
    }
}

fn status_at(a: &Application, now: i64) -> super::ApplicationStatus {
    use super::ApplicationStatus::*;
    match a.status {
        Pending if a.expires_at <= now => Expired,
        other => other,
    }
}

/// The privacy rule: the viewer's alias / ext / mute for someone are shown
/// only while that someone is the viewer's friend.
fn item_from(f: RosterFacts) -> RosterItem {
    let stored = f.friendship.as_ref().map(|row| row.0);
    let relation = if f.blocked_by_viewer { Relation::Blocked } else { stored.unwrap_or(Relation::Stranger) };
    let (alias, ext, mute_notification) = match f.friendship {
        Some((Relation::Friend, alias, ext, mute)) => (alias, ext, mute),
        _ => (String::new(), String::new(), false),
    };
    RosterItem {
        user: f.user,
        username: f.username,
        nick_name: f.nick_name,
        avatar: f.avatar,
        description: f.description,
        public_info: f.public_info,
        auth_mode: f.auth_mode,
        auth_question: f.auth_question,
        relation,
        alias,
        ext,
        mute_notification,
    }
}
