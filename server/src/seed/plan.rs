//! Who is who in a seeded app, decided before anything is written: the
//! bench fixtures' places among the users, the friend graph, the groups'
//! members and every message's conversation. Pure and deterministic (one
//! fixed-seed RNG), so two runs with the same parameters give the same data
//! and the tests can check the layout without a database. docs/seeding.md
//! draws the layout.

use std::collections::BTreeSet;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The reader's friends (u2…u101); the first is the peer, the next
/// [`SENDERS`] the senders.
pub const READER_FRIENDS: i64 = 100;
/// Of the reader's friends, the ones `roster_items` lists.
pub const ROSTER_ITEMS: i64 = 50;
pub const SENDERS: i64 = 64;
/// Users with no friendship and no group, for apply+accept.
pub const STRANGERS: i64 = 2000;
pub const GROUP_BIG: i64 = 2000;
pub const GROUP_500: i64 = 500;
/// Messages between the reader and the peer, then in `group_500`.
pub const PEER_MESSAGES: i64 = 100;
pub const GROUP_500_MESSAGES: i64 = 100;
/// u1 is the reader, then its friends, then the strangers; the bulk follows.
pub const FIXTURE_USERS: i64 = 1 + READER_FRIENDS + STRANGERS;
/// The fixtures alone: `group_big` draws its members from every user.
pub const MIN_USERS: i64 = FIXTURE_USERS;
pub const MIN_MESSAGES: i64 = PEER_MESSAGES + GROUP_500_MESSAGES;
/// One-to-one messages per conversation, on average.
const MESSAGES_PER_CONVERSATION: i64 = 10;
const SEED: u64 = 0x5EED_1A7A;

/// What `server seed` is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    pub users: i64,
    /// Average roster size (friends per user, both directions counted once
    /// each: 20 means 10 friendships per user).
    pub friends_per_user: i64,
    pub groups: i64,
    pub group_size: i64,
    pub messages: i64,
}

/// The layout of one seeding: ids and the friend graph's shape.
#[derive(Debug, Clone)]
pub struct Plan {
    pub params: Params,
    /// u1's id; uK is `first_user + K - 1`.
    pub first_user: i64,
    /// The first group's id (right after the users).
    pub first_group: i64,
    /// The bulk graph is circulant: bulk user i is friends with i ± d for
    /// each offset d (mod the bulk's size). Offsets are distinct and below
    /// half the bulk, so no pair repeats and every bulk user has exactly
    /// `2 × offsets.len()` friends.
    pub offsets: Vec<i64>,
    /// Groups' capacity in the app.
    pub capacity: i64,
}

impl Plan {
    pub fn new(params: Params, first_user: i64, capacity: i64) -> Result<Plan, String> {
        let Params { users, friends_per_user, groups, group_size, messages } = params;
        if users < MIN_USERS {
            return Err(format!("--users must be at least {MIN_USERS} (the bench fixtures)"));
        }
        if groups < 2 {
            return Err("--groups must be at least 2 (group_big and group_500)".into());
        }
        if messages < MIN_MESSAGES {
            return Err(format!("--messages must be at least {MIN_MESSAGES} (the bench fixtures)"));
        }
        if friends_per_user < 0 {
            return Err("--friends-per-user must not be negative".into());
        }
        let bulk = users - FIXTURE_USERS;
        if group_size < 1 || group_size + group_size / 2 > capacity.min(users - 1) {
            return Err(format!(
                "--group-size must be between 1 and {} (groups hold up to 1.5 × the size)",
                capacity.min(users - 1) * 2 / 3
            ));
        }
        if capacity < GROUP_BIG {
            return Err(format!("the app's group capacity ({capacity}) is below group_big's {GROUP_BIG}"));
        }
        let wanted = friends_per_user / 2;
        if wanted > 0 && wanted > (bulk - 1) / 2 {
            return Err(format!(
                "--friends-per-user must be at most {} for this many users (the bulk after u{FIXTURE_USERS})",
                (bulk - 1).max(0)
            ));
        }
        let mut rng = StdRng::seed_from_u64(SEED);
        let mut offsets = BTreeSet::new();
        while (offsets.len() as i64) < wanted {
            offsets.insert(rng.random_range(1..=(bulk - 1) / 2));
        }
        Ok(Plan {
            params,
            first_user,
            first_group: first_user + users,
            offsets: offsets.into_iter().collect(),
            capacity,
        })
    }

    /// The id of uK.
    pub fn user(&self, number: i64) -> i64 {
        self.first_user + number - 1
    }

    pub fn last_user(&self) -> i64 {
        self.user(self.params.users)
    }

    pub fn reader(&self) -> i64 {
        self.user(1)
    }

    pub fn reader_friends(&self) -> impl Iterator<Item = i64> + use<> {
        let first = self.user(2);
        first..first + READER_FRIENDS
    }

    pub fn peer(&self) -> i64 {
        self.user(2)
    }

    pub fn senders(&self) -> impl Iterator<Item = i64> + use<> {
        let first = self.user(3);
        first..first + SENDERS
    }

    pub fn strangers(&self) -> impl Iterator<Item = i64> + use<> {
        let first = self.user(2 + READER_FRIENDS);
        first..first + STRANGERS
    }

    fn bulk_size(&self) -> i64 {
        self.params.users - FIXTURE_USERS
    }

    /// The id of bulk user `index` (0-based).
    fn bulk(&self, index: i64) -> i64 {
        self.user(FIXTURE_USERS + 1) + index
    }

    pub fn group_big(&self) -> i64 {
        self.first_group
    }

    pub fn group_500(&self) -> i64 {
        self.first_group + 1
    }

    /// Roster rows owned by users `from..to` (ids), both directions of every
    /// friendship eventually, each owner's rows by friend id.
    pub fn friendships(&self, from: i64, to: i64) -> Vec<[i64; 2]> {
        let mut rows = Vec::new();
        let reader = self.reader();
        let bulk_first = self.bulk(0);
        let size = self.bulk_size();
        for owner in from.max(self.first_user)..to.min(self.last_user() + 1) {
            if owner == reader {
                rows.extend(self.reader_friends().map(|f| [owner, f]));
            } else if owner < reader + 1 + READER_FRIENDS {
                rows.push([owner, reader]);
            } else if owner >= bulk_first {
                let i = owner - bulk_first;
                let mut friends: Vec<i64> = self
                    .offsets
                    .iter()
                    .flat_map(|d| [(i + d) % size, (i + size - d) % size])
                    .map(|j| self.bulk(j))
                    .collect();
                friends.sort_unstable();
                rows.extend(friends.into_iter().map(|f| [owner, f]));
            }
        }
        rows
    }

    /// Every group's members, the owner first; the fixtures' groups first.
    /// `group_big` and `group_500` draw from every user (strangers too: they
    /// have no friendship, memberships are allowed), the bulk groups from
    /// the bulk when it is large enough.
    pub fn groups(&self) -> Groups {
        let mut rng = StdRng::seed_from_u64(SEED ^ 0x6A0);
        let reader = self.reader();
        let everyone: Vec<i64> = (self.first_user..=self.last_user()).filter(|u| *u != reader).collect();
        let draw = |pool: &[i64], n: i64, skip: &[i64], rng: &mut StdRng| -> Vec<i64> {
            let mut picked: BTreeSet<i64> = skip.iter().copied().collect();
            let mut order = Vec::with_capacity(n as usize);
            while (order.len() as i64) < n {
                let u = pool[rng.random_range(0..pool.len())];
                if picked.insert(u) {
                    order.push(u);
                }
            }
            order
        };
        let mut groups = Groups { members: Vec::new(), starts: vec![0] };
        let mut big = draw(&everyone, GROUP_BIG - 1, &[], &mut rng);
        big.push(reader);
        groups.push(big);
        let senders: Vec<i64> = self.senders().collect();
        let mut g500 = draw(&everyone, GROUP_500 - 1 - SENDERS, &senders, &mut rng);
        g500.push(reader);
        g500.extend(senders);
        groups.push(g500);
        let s = self.params.group_size;
        let bulk: Vec<i64> = (self.bulk(0)..=self.last_user()).collect();
        let pool = if bulk.len() as i64 >= s + s / 2 { &bulk } else { &everyone };
        for _ in 2..self.params.groups {
            let n = rng.random_range(s - s / 2..=s + s / 2);
            groups.push(draw(pool, n, &[], &mut rng));
        }
        groups
    }

    /// One-to-one conversations of the bulk: conversation j is bulk user
    /// `j mod size` with its friend through offset `j / size` (with no
    /// friend graph, its next neighbour): distinct pairs.
    fn conversations(&self, one_to_one: i64) -> i64 {
        let pairs = self.bulk_size() * (self.offsets.len() as i64).max(1);
        (one_to_one / MESSAGES_PER_CONVERSATION).clamp(1, pairs.max(1))
    }

    fn conversation(&self, j: i64) -> (i64, i64) {
        let size = self.bulk_size();
        let i = j % size;
        let d = self.offsets.get((j / size) as usize).copied().unwrap_or(1);
        (self.bulk(i), self.bulk((i + d) % size))
    }

    /// The messages in sending order: (from, kind, to) with kind 1 a user
    /// and 2 a group; the fixtures' first.
    pub fn messages(&self, groups: &Groups) -> Messages<'_> {
        let bulk = self.params.messages - MIN_MESSAGES;
        let bulk_groups = groups.len() as i64 - 2;
        let one_to_one = if bulk_groups > 0 { bulk / 2 + bulk % 2 } else { bulk };
        let conversations = self.conversations(one_to_one.max(1));
        Messages {
            plan: self,
            groups: groups.clone(),
            rng: StdRng::seed_from_u64(SEED ^ 0x3E5),
            next: 0,
            conversations,
            used: vec![false; conversations as usize],
        }
    }
}

/// Members of every group, flat.
#[derive(Debug, Clone)]
pub struct Groups {
    members: Vec<i64>,
    starts: Vec<usize>,
}

impl Groups {
    fn push(&mut self, members: Vec<i64>) {
        self.members.extend(members);
        self.starts.push(self.members.len());
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Group `index`'s members, the owner first.
    pub fn members(&self, index: usize) -> &[i64] {
        &self.members[self.starts[index]..self.starts[index + 1]]
    }
}

/// One message as planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub from: i64,
    /// 1 one-to-one, 2 group.
    pub kind: i64,
    pub to: i64,
}

/// The messages, drawn one by one (ten million do not sit in memory).
#[derive(Debug)]
pub struct Messages<'a> {
    plan: &'a Plan,
    groups: Groups,
    rng: StdRng,
    next: i64,
    conversations: i64,
    /// Which bulk conversations got a message (those get conversation rows).
    used: Vec<bool>,
}

impl Messages<'_> {
    /// The one-to-one pairs that have messages, each once, smaller id first.
    pub fn pairs(&self) -> Vec<(i64, i64)> {
        let mut pairs = vec![(self.plan.reader(), self.plan.peer())];
        pairs.extend(
            self.used.iter().enumerate().filter(|(_, u)| **u).map(|(j, _)| self.plan.conversation(j as i64)),
        );
        for p in &mut pairs {
            *p = (p.0.min(p.1), p.0.max(p.1));
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }
}

impl Iterator for Messages<'_> {
    type Item = Planned;

    fn next(&mut self) -> Option<Planned> {
        let i = self.next;
        if i >= self.plan.params.messages {
            return None;
        }
        self.next += 1;
        let plan = self.plan;
        if i < PEER_MESSAGES {
            let (a, b) = (plan.reader(), plan.peer());
            let (from, to) = if i % 2 == 0 { (a, b) } else { (b, a) };
            return Some(Planned { from, kind: 1, to });
        }
        if i < MIN_MESSAGES {
            let from = plan.user(3) + (i - PEER_MESSAGES) % SENDERS;
            return Some(Planned { from, kind: 2, to: plan.group_500() });
        }
        let bulk_groups = self.groups.len() - 2;
        let to_group = if bulk_groups > 0 && (i - MIN_MESSAGES) % 2 == 1 {
            Some(2 + self.rng.random_range(0..bulk_groups))
        } else if plan.bulk_size() < 2 {
            // No bulk pair to talk: group_big takes them.
            Some(0)
        } else {
            None
        };
        if let Some(g) = to_group {
            let members = self.groups.members(g);
            let from = members[self.rng.random_range(0..members.len())];
            return Some(Planned { from, kind: 2, to: plan.first_group + g as i64 });
        }
        let j = self.rng.random_range(0..self.conversations);
        self.used[j as usize] = true;
        let (a, b) = plan.conversation(j);
        let (from, to) = if self.rng.random_bool(0.5) { (a, b) } else { (b, a) };
        Some(Planned { from, kind: 1, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(users: i64, friends: i64) -> Plan {
        let params = Params { users, friends_per_user: friends, groups: 10, group_size: 20, messages: 1000 };
        Plan::new(params, 1, 2000).unwrap()
    }

    #[test]
    fn the_bulk_graph_is_mutual_without_repeats_and_spares_the_fixtures() {
        let p = plan(5000, 10);
        let rows = p.friendships(p.first_user, p.last_user() + 1);
        let set: std::collections::HashSet<[i64; 2]> = rows.iter().copied().collect();
        assert_eq!(set.len(), rows.len(), "a roster row repeats");
        assert!(rows.iter().all(|[a, b]| set.contains(&[*b, *a])), "a friendship is one-sided");
        assert_eq!(rows.iter().filter(|[a, _]| *a == p.reader()).count() as i64, READER_FRIENDS);
        for s in p.strangers() {
            assert!(!rows.iter().any(|[a, b]| *a == s || *b == s), "stranger {s} has a friend");
        }
        let bulk_owner = p.user(FIXTURE_USERS + 1);
        assert_eq!(rows.iter().filter(|[a, _]| *a == bulk_owner).count(), 10);
    }

    #[test]
    fn groups_hold_the_fixtures_and_no_member_twice() {
        let p = plan(5000, 10);
        let groups = p.groups();
        assert_eq!(groups.len(), 10);
        let big = groups.members(0);
        assert_eq!(big.len() as i64, GROUP_BIG);
        assert!(big.contains(&p.reader()));
        let g500 = groups.members(1);
        assert_eq!(g500.len() as i64, GROUP_500);
        assert!(p.senders().all(|s| g500.contains(&s)));
        for g in 0..groups.len() {
            let m: BTreeSet<i64> = groups.members(g).iter().copied().collect();
            assert_eq!(m.len(), groups.members(g).len());
        }
    }

    #[test]
    fn the_same_parameters_plan_the_same_messages() {
        let p = plan(5000, 10);
        let groups = p.groups();
        let a: Vec<Planned> = p.messages(&groups).collect();
        let b: Vec<Planned> = p.messages(&groups).collect();
        assert_eq!(a, b);
        assert_eq!(a.len(), 1000);
        let with_peer = a.iter().filter(|m| m.kind == 1 && [m.from, m.to] == [p.reader(), p.peer()]).count();
        assert!(with_peer >= 40);
    }

    #[test]
    fn the_fixtures_alone_make_a_plan() {
        let params =
            Params { users: MIN_USERS, friends_per_user: 0, groups: 4, group_size: 10, messages: 500 };
        let p = Plan::new(params, 1, 2000).unwrap();
        let groups = p.groups();
        assert_eq!(groups.members(0).len() as i64, GROUP_BIG);
        let planned: Vec<Planned> = p.messages(&groups).collect();
        assert_eq!(planned.len(), 500);
        assert!(planned.iter().all(|m| m.from != m.to));
        assert_eq!(p.friendships(p.first_user, p.last_user() + 1).len() as i64, 2 * READER_FRIENDS);
    }

    #[test]
    fn too_few_users_for_the_fixtures_are_refused() {
        let params = Params { users: 100, friends_per_user: 10, groups: 10, group_size: 20, messages: 1000 };
        assert!(Plan::new(params, 1, 2000).is_err());
    }
}
