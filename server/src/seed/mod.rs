//! `server seed`: fills an empty app with users, friendships, groups and
//! messages at scale through the store's bulk paths (`store::Bulk`), then
//! creates the bench fixtures' tokens through the core's own token path and
//! returns the manifest the bench reads (docs/seeding.md).
//!
//! Rows are what the request paths would have written; what seeding skips
//! is per-row work with no trace in the data: one argon2 hash serves every
//! user (hashing a million passwords would take hours), and no notices are
//! written (the per-user notice counters start when a user's first real
//! change does, exactly as for a user who never had one).

pub mod plan;

use std::time::Instant;

use futures::{StreamExt, TryStreamExt};
use serde::Serialize;

use crate::core::error::{Error, Result};
use crate::core::{AppId, Core, UserId, secrets};
use crate::store::{Bulk, BulkGroup, BulkMessage, message_id_at};

pub use plan::{Params, Plan};

/// Every seeded user's password.
pub const PASSWORD: &str = "bench-password";
/// The app seeded.
pub const APP: &str = "default";
/// Roster owners per friendship batch.
const OWNERS_PER_BATCH: i64 = 20_000;
const MESSAGES_PER_BATCH: usize = 100_000;
const MEMBERS_PER_BATCH: usize = 200_000;

#[derive(Debug, Clone, Serialize)]
pub struct UserToken {
    pub user_id: i64,
    pub token: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupRef {
    pub group_id: i64,
    pub members: i64,
}

/// What the bench needs to know about a seeded app (the `--manifest` file).
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub app_id: String,
    pub admin_token: String,
    /// Exactly 100 friends.
    pub reader: UserToken,
    /// 50 of the reader's friends.
    pub roster_items: Vec<i64>,
    /// The reader is a member.
    pub group_big: GroupRef,
    /// The reader and the senders are members.
    pub group_500: GroupRef,
    /// A friend of the reader, 50 messages each way between them.
    pub peer: UserToken,
    /// 64 friends of the reader, members of `group_500`.
    pub senders: Vec<UserToken>,
    /// 2,000 users with no friendship.
    pub strangers: Vec<UserToken>,
}

/// Rows written per table, for the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub users: i64,
    pub roster_rows: i64,
    pub groups: i64,
    pub group_members: i64,
    pub messages: i64,
    pub conversations: i64,
}

/// Throughput on stderr, at most once a second per table and once at its end.
struct Progress {
    what: &'static str,
    total: i64,
    done: i64,
    start: Instant,
    shown: Instant,
}

impl Progress {
    fn new(what: &'static str, total: i64) -> Progress {
        let now = Instant::now();
        Progress { what, total, done: 0, start: now, shown: now }
    }

    fn add(&mut self, rows: usize) {
        self.done += rows as i64;
        if self.shown.elapsed().as_secs() >= 1 {
            self.shown = Instant::now();
            self.show();
        }
    }

    fn show(&self) {
        let secs = self.start.elapsed().as_secs_f64().max(1e-3);
        eprintln!(
            "seed: {} {}/{} rows, {:.0} rows/s",
            self.what,
            self.done,
            self.total,
            self.done as f64 / secs
        );
    }

    fn end(self) {
        let secs = self.start.elapsed().as_secs_f64();
        eprintln!("seed: {} {} rows in {secs:.1} s", self.what, self.done);
    }
}

/// Seeds the app `default` (created if missing) of `core`'s database,
/// which must have no user in it yet.
pub async fn run(core: &Core, params: Params) -> Result<(Manifest, Counts)> {
    let app_id = AppId::parse(APP)?;
    let app = match core.apps().find(&app_id).await? {
        Some(app) => app,
        None => core.apps().create(app_id.clone()).await?,
    };
    let mut bulk = core.db().begin_bulk(&app_id).await?;
    if bulk.app_has_users().await? {
        return Err(Error::invalid("app", "already has users: seed an empty database"));
    }
    let first_user = bulk.next_entity_id().await?;
    let plan =
        Plan::new(params, first_user, app.settings.group_capacity).map_err(|e| Error::invalid("seed", e))?;
    let hash = secrets::hash_password(PASSWORD.to_owned(), core.config().password_cost).await?;
    // Messages, one per millisecond, end a minute before now; everything
    // else exists before the first of them (groups hide earlier history
    // from later members).
    let now = core.now_ms();
    let first_message_at = now - params.messages - 60_000;
    let created_at = first_message_at - 60_000;
    let mut counts = Counts::default();

    let users = Progress::new("users", params.users);
    bulk.insert_users(first_user, params.users, 1, &hash, created_at).await?;
    counts.users = params.users;
    Progress { done: params.users, ..users }.end();

    counts.roster_rows = seed_friendships(&mut bulk, &plan, created_at).await?;
    let groups = plan.groups();
    (counts.groups, counts.group_members) = seed_groups(&mut bulk, &plan, &groups, created_at).await?;
    (counts.messages, counts.conversations) =
        seed_messages(&mut bulk, &plan, &groups, first_message_at).await?;
    let finish = Progress::new("statistics and settings", 0);
    bulk.finish().await?;
    finish.end();

    let manifest = fixtures(core, &app_id, &plan, &groups).await?;
    Ok((manifest, counts))
}

async fn seed_friendships(bulk: &mut Bulk, plan: &Plan, now: i64) -> Result<i64> {
    let bulk_users = plan.params.users - plan::FIXTURE_USERS;
    let total = 2 * plan::READER_FRIENDS + bulk_users * 2 * plan.offsets.len() as i64;
    let mut progress = Progress::new("roster rows", total);
    let mut owner = plan.first_user;
    while owner <= plan.last_user() {
        let rows = plan.friendships(owner, owner + OWNERS_PER_BATCH);
        bulk.insert_friendships(&rows, now).await?;
        progress.add(rows.len());
        owner += OWNERS_PER_BATCH;
    }
    bulk.set_roster_versions(plan.first_user, plan.last_user()).await?;
    let written = progress.done;
    progress.end();
    Ok(written)
}

async fn seed_groups(bulk: &mut Bulk, plan: &Plan, groups: &plan::Groups, now: i64) -> Result<(i64, i64)> {
    let list: Vec<BulkGroup> = (0..groups.len())
        .map(|g| {
            let members = groups.members(g);
            BulkGroup {
                id: plan.first_group + g as i64,
                owner: members[0],
                member_count: members.len() as i64,
            }
        })
        .collect();
    let progress = Progress::new("groups", list.len() as i64);
    bulk.insert_groups(&list, plan.capacity, now).await?;
    Progress { done: list.len() as i64, ..progress }.end();
    let total: i64 = list.iter().map(|g| g.member_count).sum();
    let mut progress = Progress::new("group members", total);
    let mut rows: Vec<[i64; 3]> = Vec::with_capacity(MEMBERS_PER_BATCH);
    for (g, group) in list.iter().enumerate() {
        let members = groups.members(g);
        let mut sorted: Vec<[i64; 3]> =
            members.iter().map(|u| [group.id, *u, if *u == group.owner { 2 } else { 0 }]).collect();
        sorted.sort_unstable();
        rows.extend(sorted);
        if rows.len() >= MEMBERS_PER_BATCH {
            bulk.insert_group_members(&rows, now).await?;
            progress.add(rows.len());
            rows.clear();
        }
    }
    bulk.insert_group_members(&rows, now).await?;
    progress.add(rows.len());
    progress.end();
    Ok((list.len() as i64, total))
}

async fn seed_messages(
    bulk: &mut Bulk,
    plan: &Plan,
    groups: &plan::Groups,
    first_at: i64,
) -> Result<(i64, i64)> {
    let first_body = bulk.next_body_id().await?;
    let mut progress = Progress::new("messages", plan.params.messages);
    let mut planned = plan.messages(groups);
    let mut batch = Vec::with_capacity(MESSAGES_PER_BATCH);
    let mut n = 0i64;
    let mut last_id = 0;
    for m in planned.by_ref() {
        let at = first_at + n;
        let (conv_low, conv_high) =
            if m.kind == 1 { (m.from.min(m.to), m.from.max(m.to)) } else { (m.to, 0) };
        last_id = message_id_at(at);
        batch.push(BulkMessage {
            id: last_id,
            body_id: first_body + n,
            kind: m.kind,
            from: m.from,
            to: m.to,
            conv_low,
            conv_high,
            created_at: at,
        });
        n += 1;
        if batch.len() >= MESSAGES_PER_BATCH {
            bulk.insert_messages(&batch).await?;
            progress.add(batch.len());
            batch.clear();
        }
    }
    bulk.insert_messages(&batch).await?;
    progress.add(batch.len());
    progress.end();
    bulk.reserve_message_ids(last_id + 1).await?;
    let mut rows: Vec<[i64; 4]> = planned
        .pairs()
        .into_iter()
        .flat_map(|(low, high)| [[low, high, low, high], [high, low, low, high]])
        .collect();
    rows.sort_unstable();
    let progress = Progress::new("conversations", rows.len() as i64);
    bulk.insert_conversations(&rows).await?;
    Progress { done: rows.len() as i64, ..progress }.end();
    Ok((n, rows.len() as i64))
}

/// The admin token and the fixture users' tokens, issued by the core as an
/// admin's `/token/user` would.
async fn fixtures(core: &Core, app: &AppId, plan: &Plan, groups: &plan::Groups) -> Result<Manifest> {
    let admin = core.admin_tokens().create(app, "created by server seed").await?;
    let caller = core.tokens().authenticate(app, Some(&admin.secret)).await?;
    let progress = Progress::new("tokens", 2 + plan::SENDERS + plan::STRANGERS);
    let issue = |user: i64| {
        let caller = caller.clone();
        async move {
            let t = core.tokens().issue_for(&caller, UserId(user), None).await?;
            Ok::<_, Error>(UserToken { user_id: user, token: t.token })
        }
    };
    // Sixteen at a time: on PostgreSQL each is a commit waiting for the disk.
    let users: Vec<i64> =
        [plan.reader(), plan.peer()].into_iter().chain(plan.senders()).chain(plan.strangers()).collect();
    let mut tokens: Vec<UserToken> =
        futures::stream::iter(users.into_iter().map(issue)).buffered(16).try_collect().await?;
    let strangers = tokens.split_off(2 + plan::SENDERS as usize);
    let senders = tokens.split_off(2);
    let peer = tokens.pop().ok_or_else(|| Error::invalid("seed", "no peer token"))?;
    let reader = tokens.pop().ok_or_else(|| Error::invalid("seed", "no reader token"))?;
    Progress { done: 2 + plan::SENDERS + plan::STRANGERS, ..progress }.end();
    Ok(Manifest {
        app_id: app.to_string(),
        admin_token: admin.secret,
        reader,
        roster_items: plan.reader_friends().take(plan::ROSTER_ITEMS as usize).collect(),
        group_big: GroupRef { group_id: plan.group_big(), members: groups.members(0).len() as i64 },
        group_500: GroupRef { group_id: plan.group_500(), members: groups.members(1).len() as i64 },
        peer,
        senders,
        strangers,
    })
}
