//! The fast path's caches (docs/operations.md#caches) never answer with
//! what a change made stale: on the node that made the change, the very
//! next call sees it; on another node on the same database, within 1 s
//! (polled up to that bound). Each test first reads through the cache, so
//! that a stale entry is there to be invalidated.

use std::time::Duration;

use server::core::apps::AppSettingsPatch;
use server::core::friends::DeleteOptions;
use server::core::{Core, Error, Page, Principal, UserId};
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
