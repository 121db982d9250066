//! The fast path's memory: apps, user tokens, friend-id lists and groups
//! with their members, read on nearly every request, kept here instead of
//! asked of the database each time (docs/operations.md#caches).
//!
//! Exact on the node that writes: the core invalidates after its commit, so
//! the very next request reads the new state. Bounded on the others: the
//! same invalidation travels as an [`Event`] (`events`, docs/cluster.md)
//! and is applied on arrival. Each map is size-bounded (quick_cache's
//! S3-FIFO, weighted by list length where values are lists).
//!
//! The race a cache must not lose: a read that loaded the old state before
//! an invalidation, and fills the cache after it. Each cache has an epoch
//! that every invalidation bumps before removing; a fill carries the epoch
//! read before its load and, after inserting, removes its own entry again
//! if the epoch moved meanwhile. Either the invalidation's removal comes
//! after the insert, or the fill sees the bump: the stale value never stays.

use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use quick_cache::sync::Cache as Map;
use quick_cache::{UnitWeighter, Weighter};

use super::apps::App;
use super::events::Event;
use super::groups::GroupState;
use super::ids::{AppId, GroupId, UserId};
use super::paging::Page;
use super::tokens::TokenRecord;

/// How much each cache may hold.
#[derive(Debug, Clone, Copy)]
pub struct CacheLimits {
    /// Apps kept (each a few hundred bytes).
    pub apps: usize,
    /// User tokens kept (about 150 bytes each).
    pub tokens: usize,
    /// Friend ids kept over all lists (8 bytes each, plus one per list).
    pub friend_ids: u64,
    /// Group members kept over all groups (about 100 bytes each, plus one
    /// per group for the group itself).
    pub group_members: u64,
}

impl Default for CacheLimits {
    /// About 15 MB of tokens, 40 MB of friend ids and 50 MB of group
    /// members at most.
    fn default() -> Self {
        CacheLimits { apps: 10_000, tokens: 100_000, friend_ids: 5_000_000, group_members: 500_000 }
    }
}

/// An app is kept this long at most, also without an event: `server app`
/// commands change apps from another process, which publishes nothing.
pub(crate) const APP_TTL: Duration = Duration::from_secs(1);

/// Read before a load, handed back with the loaded value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

/// One bounded map with the epoch of the module doc.
pub(crate) struct Guarded<K, V, W = UnitWeighter> {
    map: Map<K, V, W>,
    epoch: AtomicU64,
}

impl<K: Eq + Hash + Clone, V: Clone> Guarded<K, V> {
    fn new(items: usize) -> Self {
        Guarded { map: Map::new(items.max(1)), epoch: AtomicU64::new(0) }
    }
}

impl<K: Eq + Hash + Clone, V: Clone, W: Weighter<K, V> + Clone> Guarded<K, V, W> {
    fn weighted(items: usize, weight: u64, weighter: W) -> Self {
        Guarded { map: Map::with_weighter(items.max(1), weight.max(1), weighter), epoch: AtomicU64::new(0) }
    }

    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.epoch.load(Ordering::SeqCst))
    }

    pub(crate) fn get(&self, key: &K) -> Option<V> {
        self.map.get(key)
    }

    /// Keeps `value`, loaded after `ticket` was taken, unless an
    /// invalidation came in between.
    pub(crate) fn fill(&self, ticket: Ticket, key: K, value: V) {
        if self.epoch.load(Ordering::SeqCst) != ticket.0 {
            return;
        }
        self.map.insert(key.clone(), value);
        if self.epoch.load(Ordering::SeqCst) != ticket.0 {
            self.map.remove(&key);
        }
    }

    pub(crate) fn invalidate(&self, key: &K) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.map.remove(key);
    }

    fn invalidate_where(&self, stale: impl Fn(&K, &V) -> bool) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.map.retain(|k, v| !stale(k, v));
    }

    fn clear(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.map.clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.len()
    }
}

/// A token as authentication checks it: the record and whether its user is disabled.
#[derive(Debug, Clone)]
pub(crate) struct CachedToken {
    pub(crate) record: TokenRecord,
    pub(crate) disabled: bool,
}

/// A friend-id list weighs one per id, and one for itself.
#[derive(Clone)]
pub(crate) struct ListWeight;

impl Weighter<(AppId, UserId), Arc<Page<UserId>>> for ListWeight {
    fn weight(&self, _: &(AppId, UserId), list: &Arc<Page<UserId>>) -> u64 {
        list.items.len() as u64 + 1
    }
}

/// A group weighs one per member, and one for itself.
#[derive(Clone)]
pub(crate) struct GroupWeight;

impl Weighter<(AppId, GroupId), Arc<GroupState>> for GroupWeight {
    fn weight(&self, _: &(AppId, GroupId), state: &Arc<GroupState>) -> u64 {
        state.members.len() as u64 + 1
    }
}

/// Every cache of one node.
pub(crate) struct Caches {
    pub(crate) apps: Guarded<AppId, (Instant, App)>,
    /// By the token's SHA-256 (hex), as stored.
    pub(crate) tokens: Guarded<String, CachedToken>,
    /// A user's whole friend list in id order, with the roster version read before it.
    pub(crate) friends: Guarded<(AppId, UserId), Arc<Page<UserId>>, ListWeight>,
    /// An active group's row and all its members (`core::groups`).
    pub(crate) groups: Guarded<(AppId, GroupId), Arc<GroupState>, GroupWeight>,
}

impl Caches {
    pub(crate) fn new(limits: CacheLimits) -> Caches {
        Caches {
            apps: Guarded::new(limits.apps),
            tokens: Guarded::new(limits.tokens),
            // Items: a guess at the number of lists (quick_cache sizes its table by it).
            friends: Guarded::weighted(
                usize::try_from(limits.friend_ids / 50).unwrap_or(usize::MAX),
                limits.friend_ids,
                ListWeight,
            ),
            groups: Guarded::weighted(
                usize::try_from(limits.group_members / 20).unwrap_or(usize::MAX),
                limits.group_members,
                GroupWeight,
            ),
        }
    }

    pub(crate) fn forget_tokens_expired_before(&self, before_ms: i64) {
        self.tokens.invalidate_where(|_, t| t.record.expires_at < before_ms);
    }

    /// What an event means to this node's memory.
    pub(crate) fn apply(&self, event: &Event) {
        match event {
            Event::Resync => {
                self.apps.clear();
                self.tokens.clear();
                self.friends.clear();
                self.groups.clear();
            }
            Event::AppChanged { app } => self.apps.invalidate(app),
            Event::TokenRevoked { token_hash } => self.tokens.invalidate(token_hash),
            Event::UsersChanged { app, users } => {
                self.tokens.invalidate_where(|_, t| &t.record.app == app && users.contains(&t.record.user))
            }
            Event::FriendsChanged { app, users } => {
                for user in users {
                    self.friends.invalidate(&(app.clone(), *user));
                }
            }
            Event::GroupChanged { app, group } => self.groups.invalidate(&(app.clone(), *group)),
            // For live sockets (`core::wakes`); what a kick revokes comes as its own event.
            Event::Wake { .. } | Event::WakeGroup { .. } | Event::Kick { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fill_that_straddles_an_invalidation_is_not_kept() {
        let cache: Guarded<u32, &str> = Guarded::new(10);
        let before = cache.ticket();
        // The load read the old value; then the write committed and invalidated.
        cache.invalidate(&1);
        cache.fill(before, 1, "old");
        assert_eq!(cache.get(&1), None);
        // A load that started after the invalidation is kept.
        let after = cache.ticket();
        cache.fill(after, 1, "new");
        assert_eq!(cache.get(&1), Some("new"));
    }

    #[test]
    fn an_invalidation_between_insert_and_check_still_wins() {
        // The interleaving `fill` guards against, replayed by hand: the
        // insert happened, then the invalidation, then the fill's re-check.
        let cache: Guarded<u32, &str> = Guarded::new(10);
        let t = cache.ticket();
        cache.map.insert(1, "old");
        cache.invalidate(&1);
        assert_ne!(cache.epoch.load(Ordering::SeqCst), t.0, "the fill's re-check sees the bump");
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn caches_are_bounded() {
        let caches = Caches::new(CacheLimits { apps: 2, tokens: 3, friend_ids: 100, group_members: 100 });
        let app = AppId::parse("a").unwrap();
        for i in 0..1000 {
            let t = caches.friends.ticket();
            let page = Page { items: vec![UserId(1); 30], next_cursor: None, version: 1 };
            caches.friends.fill(t, (app.clone(), UserId(i)), Arc::new(page));
        }
        assert!(caches.friends.len() <= 4, "{} lists of 31 kept in a weight of 100", caches.friends.len());
    }

    #[test]
    fn users_changed_drops_only_their_tokens() {
        let caches = Caches::new(CacheLimits::default());
        let app = AppId::parse("a").unwrap();
        for (hash, user) in [("h1", 1), ("h2", 1), ("h3", 2)] {
            let record =
                TokenRecord { app: app.clone(), user: UserId(user), expires_at: 0, revoked_at: None };
            let t = caches.tokens.ticket();
            caches.tokens.fill(t, hash.to_string(), CachedToken { record, disabled: false });
        }
        caches.apply(&Event::UsersChanged { app, users: vec![UserId(1)] });
        assert!(caches.tokens.get(&"h1".to_string()).is_none());
        assert!(caches.tokens.get(&"h2".to_string()).is_none());
        assert!(caches.tokens.get(&"h3".to_string()).is_some());
    }
}
