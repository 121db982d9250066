//! The fast path's caches (docs/operations.md#caches): apps, tokens,
//! friend lists and groups with their members. They never answer with
//! what a change made stale: on the node that made the change, the very
//! next call sees it; on another node on the same database, within 1 s
//! (polled up to that bound). Each test first reads through the cache, so
//! that a stale entry is there to be invalidated.

use std::time::Duration;

use server::core::apps::AppSettingsPatch;
use server::core::friends::DeleteOptions;
use server::core::groups::{GroupRole, NewGroup};
use server::core::settings::SettingsPatch;
use server::core::{Core, Error, GroupId, Page, PageRequest, Principal, UserId};
use tokio::time::Instant;

use crate::harness::PASSWORD;
use crate::scenario;

/// How soon another node must see a change (the bound).
const OTHER_NODE_BOUND: Duration = Duration::from_secs(1);

/// Polls `check` until it holds, failing after [`OTHER_NODE_BOUND`].
async fn within_bound<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + OTHER_NODE_BOUND;
    while !check().await {
        assert!(Instant::now() < deadline, "the other node still did not see: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn friends_of(core: &Core, me: &server::core::Actor) -> Vec<UserId> {
    let Page { items, .. } = core.friends().all_friend_ids(me).await.expect("friend ids");
    items
}

async fn auth(core: &Core, h: &crate::harness::Harness, token: &str) -> Result<UserId, Error> {
    match core.tokens().authenticate(&h.app, Some(token)).await?.principal {
        Principal::User(user) => Ok(user),
        Principal::Admin(_) => panic!("a user token"),
    }
}

scenario!(a_kicked_device_token_is_refused_by_the_next_call, |h| async move {
    let alice = h.open_user("alice").await;
    let token = h.login("alice", Some("phone")).await;
    assert_eq!(auth(&h.core, &h, &token.token).await.unwrap(), alice.user);
    h.core.devices().kick(&alice, token.device.map(|d| d.device_sn)).await.unwrap();
    assert!(matches!(auth(&h.core, &h, &token.token).await, Err(Error::TokenRevoked)));
});

scenario!(a_password_change_refuses_the_old_token_at_once, |h| async move {
    let alice = h.open_user("alice").await;
    let token = h.login("alice", None).await;
    assert_eq!(auth(&h.core, &h, &token.token).await.unwrap(), alice.user);
    h.core.users().change_password(&alice, PASSWORD, "password2").await.unwrap();
    assert!(matches!(auth(&h.core, &h, &token.token).await, Err(Error::TokenRevoked)));
});

scenario!(a_disabled_user_is_refused_at_once, |h| async move {
    let alice = h.open_user("alice").await;
    let token = h.login("alice", None).await;
    assert_eq!(auth(&h.core, &h, &token.token).await.unwrap(), alice.user);
    let admin = h.admin().await;
    h.core.users().disable(&admin, &[alice.user]).await.unwrap();
    let refused = auth(&h.core, &h, &token.token).await;
    assert!(matches!(refused, Err(Error::TokenRevoked | Error::UserDisabled)), "{refused:?}");
});

scenario!(friend_lists_follow_every_roster_change_at_once, |h| async move {
    let f = h.core.friends();
    let (a, b, c) = (h.open_user("amy").await, h.open_user("bob").await, h.open_user("cid").await);
    assert_eq!(friends_of(&h.core, &a).await, vec![]);
    let v0 = f.version(&a).await.unwrap();

    f.add_directly(&a, b.user, None).await.unwrap();
    assert_eq!(friends_of(&h.core, &a).await, vec![b.user], "a new friend");
    assert_eq!(friends_of(&h.core, &b).await, vec![a.user], "on both sides");
    assert!(f.version(&a).await.unwrap() > v0, "the version moved with it");

    // Through another user's call: c applies to a (open), a's list changes.
    f.apply(&c, a.user, Default::default()).await.unwrap();
    assert_eq!(friends_of(&h.core, &a).await, vec![b.user, c.user], "a friend who applied");

    f.delete(&a, b.user, DeleteOptions::default()).await.unwrap();
    assert_eq!(friends_of(&h.core, &a).await, vec![c.user], "a removed friend");
    assert_eq!(friends_of(&h.core, &b).await, vec![], "on both sides");

    // A block keeps the friendship underneath (docs/maxim.md#blocks) but
    // moves the roster version, which the cached list carries.
    let before = f.version(&c).await.unwrap();
    f.block(&c, a.user).await.unwrap();
    assert!(f.version(&c).await.unwrap() > before, "a block is a roster change");
});

scenario!(app_settings_are_seen_by_the_next_call, |h| async move {
    let before = h.core.apps().get(&h.app).await.unwrap();
    let patch = AppSettingsPatch { max_friends: Some(before.settings.max_friends + 1), ..Default::default() };
    h.core.apps().update_settings(&h.app, patch).await.unwrap();
    let after = h.core.apps().get(&h.app).await.unwrap();
    assert_eq!(after.settings.max_friends, before.settings.max_friends + 1);
});

scenario!(another_node_refuses_a_revoked_token_within_a_second, |h| async move {
    let (b, db) = h.second_node().await;
    let alice = h.open_user("alice").await;
    let kicked = h.login("alice", Some("phone")).await;
    let changed = h.login("alice", None).await;
    for t in [&kicked, &changed] {
        assert_eq!(auth(&b, &h, &t.token).await.unwrap(), alice.user, "cached on the other node");
    }
    h.core.devices().kick(&alice, kicked.device.map(|d| d.device_sn)).await.unwrap();
    within_bound("a kicked device", || async { auth(&b, &h, &kicked.token).await.is_err() }).await;
    // A password change, through the other node this time.
    let fresh = h.login("alice", None).await;
    assert!(auth(&h.core, &h, &fresh.token).await.is_ok(), "cached on the first node");
    b.users().change_password(&alice, PASSWORD, "password2").await.unwrap();
    within_bound("a password change", || async { auth(&h.core, &h, &fresh.token).await.is_err() }).await;
    db.close().await;
});

scenario!(another_node_sees_a_new_friend_within_a_second, |h| async move {
    let (b, db) = h.second_node().await;
    let (x, y) = (h.open_user("xia").await, h.open_user("yan").await);
    assert_eq!(friends_of(&b, &x).await, vec![], "cached on the other node");
    h.core.friends().add_directly(&x, y.user, None).await.unwrap();
    within_bound("a new friend", || async { friends_of(&b, &x).await == vec![y.user] }).await;
    h.core.friends().delete(&x, y.user, DeleteOptions::default()).await.unwrap();
    within_bound("a removed friend", || async { friends_of(&b, &x).await.is_empty() }).await;
    db.close().await;
});

/// A user who joins groups it is invited to at once.
async fn joiner(h: &crate::harness::Harness, name: &str) -> server::core::Actor {
    let a = h.open_user(name).await;
    let patch = SettingsPatch { group_confirm: Some(false), ..Default::default() };
    h.core.settings().update(&a, patch).await.unwrap();
    a
}

/// The member list as `viewer` reads it through `core`: (user, role, display name, banned).
async fn roll(
    core: &Core,
    viewer: &server::core::Actor,
    g: GroupId,
) -> Result<Vec<(UserId, GroupRole, String, bool)>, Error> {
    let page = core.groups().member_list(viewer, g, &PageRequest::default()).await?;
    Ok(page.items.into_iter().map(|m| (m.user, m.role, m.display_name, m.ban_expire_time != 0)).collect())
}

async fn ids(core: &Core, viewer: &server::core::Actor, g: GroupId) -> Vec<UserId> {
    roll(core, viewer, g).await.expect("member list").into_iter().map(|m| m.0).collect()
}

scenario!(group_members_follow_every_group_change_at_once, |h| async move {
    let groups = h.core.groups();
    let (a, b, c) = (joiner(&h, "amy").await, joiner(&h, "bob").await, joiner(&h, "cid").await);
    let new = NewGroup { name: "team".into(), members: vec![b.user], ..Default::default() };
    let g = groups.create(&a, new).await.unwrap().info.group.id;
    assert_eq!(ids(&h.core, &a, g).await, vec![a.user, b.user]);

    groups.invite(&a, g, &[c.user], "").await.unwrap();
    assert_eq!(ids(&h.core, &a, g).await, vec![a.user, b.user, c.user], "an invited member");
    assert_eq!(ids(&h.core, &c, g).await.len(), 3, "who may now read the list");

    groups.kick(&a, g, &[b.user]).await.unwrap();
    assert_eq!(ids(&h.core, &a, g).await, vec![a.user, c.user], "a kicked member");
    assert!(matches!(roll(&h.core, &b, g).await, Err(Error::NotGroupMember)), "the kicked may not read it");

    groups.admin_add(&a, g, &[c.user]).await.unwrap();
    let admins: Vec<UserId> = groups.admin_list(&a, g).await.unwrap().iter().map(|m| m.user).collect();
    assert_eq!(admins, vec![c.user], "a new admin");

    groups.set_display_name(&c, g, "cid in team").await.unwrap();
    let mine = groups.members_display_name(&a, g, &[c.user]).await.unwrap();
    assert_eq!(mine[0].display_name, "cid in team", "a member's own name");

    groups.ban(&a, g, &[c.user], 10).await.unwrap();
    let row = roll(&h.core, &a, g).await.unwrap().into_iter().find(|m| m.0 == c.user).unwrap();
    assert!(row.3, "a banned member");

    groups.transfer(&a, g, c.user).await.unwrap();
    let roles: Vec<(UserId, GroupRole)> =
        roll(&h.core, &a, g).await.unwrap().into_iter().map(|m| (m.0, m.1)).collect();
    assert_eq!(roles, vec![(a.user, GroupRole::Member), (c.user, GroupRole::Owner)], "a new owner");

    groups.leave(&a, g).await.unwrap();
    assert_eq!(ids(&h.core, &c, g).await, vec![c.user], "a member who left");

    groups.destroy(&c, g).await.unwrap();
    assert!(matches!(roll(&h.core, &c, g).await, Err(Error::GroupMissing)), "a destroyed group");
});

scenario!(another_node_sees_a_group_change_within_a_second, |h| async move {
    let (other, db) = h.second_node().await;
    let (a, x) = (joiner(&h, "ann").await, joiner(&h, "xuan").await);
    let new = NewGroup { name: "team".into(), members: vec![x.user], ..Default::default() };
    let g = h.core.groups().create(&a, new).await.unwrap().info.group.id;
    assert_eq!(ids(&other, &x, g).await, vec![a.user, x.user], "cached on the other node");

    h.core.groups().kick(&a, g, &[x.user]).await.unwrap();
    within_bound("a kicked member", || async {
        matches!(roll(&other, &x, g).await, Err(Error::NotGroupMember))
    })
    .await;
    within_bound("a shorter list", || async { ids(&other, &a, g).await == vec![a.user] }).await;

    // And back, through the other node: a new name, seen here.
    assert_eq!(roll(&h.core, &a, g).await.unwrap()[0].2, "", "cached on the first node");
    other.groups().set_display_name(&a, g, "boss").await.unwrap();
    within_bound("a new display name", || async { roll(&h.core, &a, g).await.unwrap()[0].2 == "boss" }).await;
    db.close().await;
});

scenario!(another_node_sees_new_app_settings_within_a_second, |h| async move {
    let (other, db) = h.second_node().await;
    let before = other.apps().get(&h.app).await.unwrap().settings.max_friends;
    let patch = AppSettingsPatch { max_friends: Some(before + 1), ..Default::default() };
    h.core.apps().update_settings(&h.app, patch).await.unwrap();
    within_bound("new app settings", || async {
        other.apps().get(&h.app).await.unwrap().settings.max_friends == before + 1
    })
    .await;
    db.close().await;
});
