//! MaxIM `/roster/*` (`docs/maxim.md#friends`) through the generated client, and the
//! request shapes of the real JavaScript SDK through raw HTTP.

use std::collections::HashSet;
use std::time::Duration;

use client::ClientError;
use client::generated::maxim::models as m;
use serde_json::{Value, json};
use server::core::settings::SettingsPatch;
use server::core::users::{NewUser, ProfilePatch};
use server::core::{Actor, AppId, PageRequest, UserId};
use tests::{TestApp, on_both_backends};

const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);

struct Who {
    id: i64,
    name: String,
    token: String,
    api: client::MaximClient,
}

/// A registered, logged-in user with the given friend verification mode
/// (set up through the core: the behaviour under test goes through HTTP).
async fn user(app: &TestApp, name: &str, auth_mode: i64) -> Who {
    user_with(app, name, auth_mode, None).await
}

async fn user_with(app: &TestApp, name: &str, auth_mode: i64, mobile: Option<&str>) -> Who {
    let app_id = AppId::parse(&app.app_id).expect("app id");
    let new = NewUser { mobile: mobile.map(str::to_string), ..NewUser::new(name, "password1") };
    let registered = app.core.users().register(&app_id, new).await.expect("register");
    let actor = Actor::new(app_id.clone(), registered.id);
    let patch = SettingsPatch { auth_mode: Some(auth_mode), ..Default::default() };
    app.core.settings().update(&actor, patch).await.expect("auth mode");
    let profile = ProfilePatch {
        nick_name: Some(format!("{name} nick")),
        public_info: Some(format!("{name} public")),
        ..Default::default()
    };
    app.core.users().update_profile(&actor, profile).await.expect("profile");
    let token =
        app.core.tokens().login_by_username(&app_id, name, "password1", None).await.expect("login").token;
    Who { id: registered.id.0, name: name.to_string(), api: app.maxim_as(&token), token }
}

/// Tokens live as long as applications (7 days): after moving the clock that
/// far, log in again.
async fn log_in_again(app: &TestApp, who: &mut Who) {
    let app_id = AppId::parse(&app.app_id).expect("app id");
    who.token = app
        .core
        .tokens()
        .login_by_username(&app_id, &who.name, "password1", None)
        .await
        .expect("login")
        .token;
    who.api = app.maxim_as(&who.token);
}

async fn question(app: &TestApp, who: &Who, q: &str, answer: &str) {
    let actor = Actor::new(AppId::parse(&app.app_id).expect("app id"), UserId(who.id));
    let patch = SettingsPatch {
        auth_question: Some(q.into()),
        auth_answer: Some(answer.into()),
        ..Default::default()
    };
    app.core.settings().update(&actor, patch).await.expect("question");
}

fn apply(to: i64) -> m::RosterApplyInput {
    m::RosterApplyInput { user_id: to, alias: None, reason: None, auth_answer: None }
}

fn apply_answer(to: i64, answer: &str) -> m::RosterApplyInput {
    m::RosterApplyInput { auth_answer: Some(answer.into()), ..apply(to) }
}

fn apply_reason(to: i64, reason: &str) -> m::RosterApplyInput {
    m::RosterApplyInput { reason: Some(reason.into()), ..apply(to) }
}

fn accept(from: i64) -> m::RosterAcceptInput {
    m::RosterAcceptInput { user_id: from }
}

fn decline(from: i64, reason: &str) -> m::RosterDeclineInput {
    m::RosterDeclineInput { user_id: from, reason: Some(reason.into()) }
}

fn first_page(limit: i32) -> m::RosterListIdsInput {
    m::RosterListIdsInput { cursor: None, limit: Some(limit) }
}

fn all_applications() -> m::RosterApplyListInput {
    m::RosterApplyListInput { cursor: None, limit: None }
}

use tests::failure as err;

fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> i32 {
    err(r).0
}

async fn friends_of(who: &Who) -> Vec<i64> {
    who.api.roster_list_ids(&first_page(1000)).await.expect("list").data
}

async fn version_of(who: &Who) -> i64 {
    who.api.roster_list_ids(&first_page(1)).await.expect("list").version.expect("a version")
}

async fn relation(viewer: &Who, other: &Who) -> i32 {
    viewer
        .api
        .roster_id(&m::RosterIdInput { user_id: other.id })
        .await
        .expect("lookup")
        .relation
        .expect("relation")
}

on_both_backends!(auth_mode_0_makes_friends_at_once, |app| {
    let a = user(&app, "alice", 1).await;
    let b = user(&app, "bob", 0).await;
    assert!(a.api.roster_apply(&apply(b.id)).await.unwrap());
    assert_eq!(friends_of(&a).await, vec![b.id]);
    assert_eq!(friends_of(&b).await, vec![a.id]);
    assert_eq!(relation(&a, &b).await, 0);
    assert_eq!(relation(&b, &a).await, 0);
    assert!(
        b.api.roster_apply_list(&all_applications()).await.unwrap().data.is_empty(),
        "no application left behind"
    );
});

on_both_backends!(auth_mode_1_waits_for_accept, |app| {
    let a = user(&app, "alice", 1).await;
    let b = user(&app, "bob", 1).await;
    assert!(a.api.roster_apply(&apply_reason(b.id, "hi, it's alice")).await.unwrap());
    assert!(friends_of(&a).await.is_empty());
    assert_eq!(relation(&a, &b).await, 2);
    let list = b.api.roster_apply_list(&all_applications()).await.unwrap();
    assert_eq!(list.data.len(), 1);
    let entry = &list.data[0];
    assert_eq!(entry.user_id, Some(a.id));
    assert_eq!(entry.reason.as_deref(), Some("hi, it's alice"));
    assert_eq!(entry.status, Some(0));
    assert_eq!(
        entry.expired_time,
        Some(app.core.now_ms() + WEEK.as_millis() as i64),
        "7 days, in milliseconds"
    );
    assert!(list.cursor.is_none());
    assert!(list.version.is_some());
    // The applicant cannot accept its own application.
    assert_eq!(code(a.api.roster_accept(&accept(b.id)).await), 10007);
    assert!(b.api.roster_accept(&accept(a.id)).await.unwrap());
    assert_eq!(friends_of(&a).await, vec![b.id]);
    assert_eq!(friends_of(&b).await, vec![a.id]);
    let list = b.api.roster_apply_list(&all_applications()).await.unwrap();
    assert_eq!(list.data[0].status, Some(1));
    assert_eq!(code(b.api.roster_accept(&accept(a.id)).await), 10007, "nothing pending any more");
    assert_eq!(code(a.api.roster_apply(&apply(b.id)).await), 10005);
});

on_both_backends!(auth_mode_2_needs_the_right_answer, |app| {
    let a = user(&app, "alice", 1).await;
    let b = user(&app, "bob", 2).await;
    question(&app, &b, "favourite colour?", "blue").await;
    let seen = a.api.roster_id(&m::RosterIdInput { user_id: b.id }).await.unwrap();
    assert_eq!(seen.auth_mode, Some(2));
    assert_eq!(seen.auth_question.as_deref(), Some("favourite colour?"));
    let (code, message) = err(a.api.roster_apply(&apply_answer(b.id, "red")).await);
    assert_eq!(code, 10012);
    assert!(message.contains("answer"), "says why: {message}");
    assert_eq!(err(a.api.roster_apply(&apply(b.id)).await).0, 10012, "no answer is a wrong answer");
    assert!(friends_of(&a).await.is_empty());
    assert!(a.api.roster_apply(&apply_answer(b.id, "blue")).await.unwrap());
    assert_eq!(friends_of(&a).await, vec![b.id]);
    assert_eq!(friends_of(&b).await, vec![a.id]);
});

on_both_backends!(auth_mode_3_refuses_everyone, |app| {
    let a = user(&app, "alice", 1).await;
    let b = user(&app, "bob", 3).await;
    let (code, message) = err(a.api.roster_apply(&apply(b.id)).await);
    assert_eq!(code, 10012);
    assert!(message.contains("refuses"), "says why: {message}");
    assert!(b.api.roster_apply_list(&all_applications()).await.unwrap().data.is_empty());
    // b may still apply the other way.
    assert!(b.api.roster_apply(&apply(a.id)).await.unwrap());
    assert!(a.api.roster_accept(&accept(b.id)).await.unwrap());
    assert_eq!(friends_of(&b).await, vec![a.id]);
});

on_both_backends!(apply_errors, |app| {
    let a = user(&app, "alice", 0).await;
    let b = user(&app, "bob", 0).await;
    assert_eq!(code(a.api.roster_apply(&apply(a.id)).await), 10002, "to yourself");
    assert_eq!(code(a.api.roster_apply(&apply(b.id + 1000)).await), 10000, "unknown user");
    assert!(a.api.roster_apply(&apply(b.id)).await.unwrap());
    assert_eq!(code(a.api.roster_apply(&apply(b.id)).await), 10005);
    assert_eq!(code(b.api.roster_apply(&apply(a.id)).await), 10005);
    assert_eq!(
        code(a.api.roster_apply(&apply_reason(b.id, &"x".repeat(300))).await),
        10002,
        "reason too long"
    );
    // Users of another app are unknown here.
    let (other_app, other_admin) = app.other_app("other-app").await;
    let stranger =
        client::MaximClient::new(app.base_url.clone()).with_app_id(other_app).with_access_token(other_admin);
    assert_eq!(code(stranger.acting_as_user(a.id).roster_apply(&apply(b.id)).await), 10000);
    // Anonymous calls and bad tokens.
    assert_eq!(code(app.maxim().roster_apply(&apply(b.id)).await), 10003);
    assert_eq!(code(app.maxim_as("nonsense").roster_apply(&apply(b.id)).await), 10008);
});

on_both_backends!(mutual_applications_make_friends, |app| {
    let a = user(&app, "alice", 1).await;
    let b = user(&app, "bob", 1).await;
    assert!(a.api.roster_apply(&apply(b.id)).await.unwrap());
    assert!(friends_of(&b).await.is_empty());
    // b applying back is consent enough, whatever a's auth mode.
    assert!(b.api.roster_apply(&apply(a.id)).await.unwrap());
    assert_eq!(friends_of(&a).await, vec![b.id]);
    assert_eq!(friends_of(&b).await, vec![a.id]);
    for who in [&a, &b] {
        let pending = who.api.roster_apply_list(&all_applications()).await.unwrap().data;
        assert!(pending.iter().all(|e| e.status != Some(0)), "no pending leftovers: {pending:?}");
    }
});

on_both_backends!(applying_again_refreshes_the_application, |app| {
    let a = user(&app, "alice", 1).await;
    let mut b = user(&app, "bob", 1).await;
    assert!(a.api.roster_apply(&apply_reason(b.id, "first")).await.unwrap());
    let before = b.api.roster_apply_list(&all_applications()).await.unwrap().data;
    app.clock.advance(Duration::from_secs(3 * 24 * 3600));
    assert!(a.api.roster_apply(&apply_reason(b.id, "second")).await.unwrap());
    let after = b.api.roster_apply_list(&all_applications()).await.unwrap().data;
    assert_eq!(after.len(), 1, "one application, not two: {after:?}");
    assert_eq!(after[0].reason.as_deref(), Some("second"));
    assert_eq!(after[0].expired_time, Some(app.core.now_ms() + WEEK.as_millis() as i64));
    assert!(after[0].expired_time > before[0].expired_time);
    // Refreshed: still acceptable after the first one would have expired.
    app.clock.advance(Duration::from_secs(5 * 24 * 3600));
    log_in_again(&app, &mut b).await;
    assert!(b.api.roster_accept(&accept(a.id)).await.unwrap());
});

on_both_backends!(applications_expire, |app| {
    let mut a = user(&app, "alice", 1).await;
    let mut b = user(&app, "bob", 1).await;
    assert!(a.api.roster_apply(&apply(b.id)).await.unwrap());
    app.clock.advance(WEEK + Duration::from_secs(1));
    log_in_again(&app, &mut a).await;
    log_in_again(&app, &mut b).await;
    assert_eq!(code(b.api.roster_accept(&accept(a.id)).await), 10007);
    assert_eq!(code(b.api.roster_decline(&decline(a.id, "late")).await), 10007);
    let list = b.api.roster_apply_list(&all_applications()).await.unwrap().data;
    assert_eq!(list.len(), 1);
    assert!(
        list[0].expired_time.unwrap() < app.core.now_ms(),
        "expired_time tells an expired application apart"
    );
    // b applying back does not revive the expired one: a (auth mode 1) must accept.
    assert!(b.api.roster_apply(&apply(a.id)).await.unwrap());
    assert!(friends_of(&b).await.is_empty());
    assert!(a.api.roster_accept(&accept(b.id)).await.unwrap());
    assert_eq!(friends_of(&b).await, vec![a.id]);
});

on_both_backends!(decline_keeps_the_reason, |app| {
    let a = user(&app, "alice", 1).await;
    let b = user(&app, "bob", 1).await;
    assert_eq!(code(b.api.roster_accept(&accept(a.id)).await), 10007, "nothing to accept");
    assert_eq!(code(b.api.roster_decline(&decline(a.id, "no")).await), 10007, "nothing to decline");
    assert_eq!(
        code(b.api.roster_accept(&accept(a.id + 1000)).await),
        10007,
        "unknown user: nothing to accept"
    );
    assert!(a.api.roster_apply(&apply_reason(b.id, "hello")).await.unwrap());
    assert!(b.api.roster_decline(&decline(a.id, "no thanks")).await.unwrap());
    assert_eq!(b.api.roster_apply_list(&all_applications()).await.unwrap().data[0].status, Some(2));
    let actor = Actor::new(AppId::parse(&app.app_id).unwrap(), UserId(b.id));
    let stored = app.core.friends().applications(&actor, &PageRequest::default()).await.unwrap();
    assert_eq!(stored.items[0].decline_reason, "no thanks");
    assert_eq!(code(b.api.roster_accept(&accept(a.id)).await), 10007);
    assert_eq!(code(b.api.roster_decline(&decline(a.id, "again")).await), 10007);
    assert!(friends_of(&a).await.is_empty());
    // A declined applicant may try again.
    assert!(a.api.roster_apply(&apply(b.id)).await.unwrap());
    assert!(b.api.roster_accept(&accept(a.id)).await.unwrap());
    assert_eq!(friends_of(&a).await, vec![b.id]);
});

on_both_backends!(delete_leaves_deleted_friends_on_both_sides, |app| {
    let a = user(&app, "alice", 0).await;
    let b = user(&app, "bob", 0).await;
    assert!(a.api.roster_apply(&apply(b.id)).await.unwrap());
    assert!(a.api.roster_delete(&m::RosterDeleteInput { user_id: b.id }).await.unwrap());
    assert!(friends_of(&a).await.is_empty());
    assert!(friends_of(&b).await.is_empty());
    assert_eq!(relation(&a, &b).await, 1);
    assert_eq!(relation(&b, &a).await, 1);
    assert_eq!(
        code(a.api.roster_delete(&m::RosterDeleteInput { user_id: b.id }).await),
        10002,
        "not friends any more"
    );
    // Friends again: relation 0.
    assert!(b.api.roster_apply(&apply(a.id)).await.unwrap());
    assert_eq!(relation(&a, &b).await, 0);
});

on_both_backends!(block_and_unblock, |app| {
    let a = user(&app, "alice", 0).await;
    let b = user(&app, "bob", 0).await;
    let c = user(&app, "carol", 0).await;
    let may = |from: &Who, to: &Who| m::RosterMayMessageInput { user_id: from.id, roster_id: to.id };
    assert!(a.api.roster_apply(&apply(b.id)).await.unwrap());
    assert!(a.api.roster_may_message(&may(&a, &b)).await.unwrap());
    assert!(c.api.roster_may_message(&may(&c, &a)).await.unwrap(), "strangers may, by default");

    assert!(b.api.roster_block(&m::RosterBlockInput { user_id: a.id }).await.unwrap());
    assert!(b.api.roster_block(&m::RosterBlockInput { user_id: a.id }).await.unwrap(), "idempotent");
    assert!(b.api.roster_block(&m::RosterBlockInput { user_id: c.id }).await.unwrap());
    assert_eq!(relation(&b, &a).await, 3);
    assert_eq!(relation(&a, &b).await, 0, "the overlay is the blocker's");
    assert_eq!(friends_of(&b).await, vec![a.id], "a block does not end a friendship");
    let mut blocked = b.api.roster_blocked_list().await.unwrap();
    blocked.sort();
    assert_eq!(blocked, vec![a.id, c.id]);
    assert!(a.api.roster_blocked_list().await.unwrap().is_empty());
    assert!(!a.api.roster_may_message(&may(&a, &b)).await.unwrap());
    assert!(!b.api.roster_may_message(&may(&b, &a)).await.unwrap(), "either way");
    assert_eq!(code(c.api.roster_apply(&apply(b.id)).await), 10006);
    assert_eq!(code(b.api.roster_block(&m::RosterBlockInput { user_id: b.id }).await), 10002, "yourself");
    assert_eq!(code(b.api.roster_block(&m::RosterBlockInput { user_id: b.id + 1000 }).await), 10000);

    assert!(b.api.roster_unblock(&m::RosterUnblockInput { user_id: a.id }).await.unwrap());
    assert!(b.api.roster_unblock(&m::RosterUnblockInput { user_id: a.id }).await.unwrap(), "idempotent");
    assert_eq!(relation(&b, &a).await, 0, "the friendship underneath shows again");
    assert!(a.api.roster_may_message(&may(&a, &b)).await.unwrap());
    assert_eq!(b.api.roster_blocked_list().await.unwrap(), vec![c.id]);
    assert!(b.api.roster_unblock(&m::RosterUnblockInput { user_id: c.id }).await.unwrap());
    assert!(c.api.roster_apply(&apply(b.id)).await.unwrap());
    assert!(friends_of(&b).await.contains(&c.id));
});

on_both_backends!(ext_sets_my_own_view_of_a_friend, |app| {
    let a = user(&app, "alice", 0).await;
    let b = user(&app, "bob", 0).await;
    let c = user(&app, "carol", 0).await;
    assert!(
        a.api.roster_apply(&m::RosterApplyInput { alias: Some("B".into()), ..apply(b.id) }).await.unwrap()
    );
    let seen = a.api.roster_id(&m::RosterIdInput { user_id: b.id }).await.unwrap();
    assert_eq!(seen.alias.as_deref(), Some("B"), "the alias given when applying");
    let ext = m::RosterExtInput {
        user_id: b.id,
        alias: Some("Bobby".into()),
        ext: Some("{\"k\":1}".into()),
        mute_notification: Some(true),
    };
    assert!(a.api.roster_ext(&ext).await.unwrap());
    let seen = a.api.roster_id(&m::RosterIdInput { user_id: b.id }).await.unwrap();
    assert_eq!(seen.alias.as_deref(), Some("Bobby"));
    assert_eq!(seen.ext.as_deref(), Some("{\"k\":1}"));
    assert_eq!(seen.mute_notification, Some(true));
    // Mine only: b's view of a is untouched.
    let theirs = b.api.roster_id(&m::RosterIdInput { user_id: a.id }).await.unwrap();
    assert_eq!(theirs.alias.as_deref(), Some(""));
    assert_eq!(theirs.mute_notification, Some(false));
    // Absent leaves a value, "" clears it.
    let clear_alias =
        m::RosterExtInput { user_id: b.id, alias: Some(String::new()), ext: None, mute_notification: None };
    assert!(a.api.roster_ext(&clear_alias).await.unwrap());
    let seen = a.api.roster_id(&m::RosterIdInput { user_id: b.id }).await.unwrap();
    assert_eq!(seen.alias.as_deref(), Some(""));
    assert_eq!(seen.ext.as_deref(), Some("{\"k\":1}"));
    assert_eq!(seen.mute_notification, Some(true));
    let not_a_friend =
        m::RosterExtInput { user_id: c.id, alias: Some("C".into()), ext: None, mute_notification: None };
    assert_eq!(code(a.api.roster_ext(&not_a_friend).await), 10002);
    let too_long =
        m::RosterExtInput { user_id: b.id, alias: None, ext: Some("x".repeat(300)), mute_notification: None };
    assert_eq!(code(a.api.roster_ext(&too_long).await), 10002);
});

on_both_backends!(lookups_show_private_fields_to_friends_only, |app| {
    let a = user_with(&app, "alice", 0, Some("+8613800000001")).await;
    let b = user_with(&app, "bob", 0, Some("+8613800000002")).await;
    let c = user(&app, "carol", 1).await;
    assert!(a.api.roster_apply(&apply(b.id)).await.unwrap());
    let ext = m::RosterExtInput {
        user_id: b.id,
        alias: Some("Bobby".into()),
        ext: Some("secret".into()),
        mute_notification: Some(true),
    };
    assert!(a.api.roster_ext(&ext).await.unwrap());

    // The friend, by id, name and mobile.
    let by_id = a.api.roster_id(&m::RosterIdInput { user_id: b.id }).await.unwrap();
    let by_name = a.api.roster_name(&m::RosterNameInput { username: "bob".into() }).await.unwrap();
    let by_mobile =
        a.api.roster_mobile(&m::RosterMobileInput { mobile: "+8613800000002".into() }).await.unwrap();
    for (user_id, username, relation, alias, ext) in [
        (by_id.user_id, by_id.username, by_id.relation, by_id.alias, by_id.ext),
        (by_name.user_id, by_name.username, by_name.relation, by_name.alias, by_name.ext),
        (by_mobile.user_id, by_mobile.username, by_mobile.relation, by_mobile.alias, by_mobile.ext),
    ] {
        assert_eq!(user_id, Some(b.id));
        assert_eq!(username.as_deref(), Some("bob"));
        assert_eq!(relation, Some(0));
        assert_eq!(alias.as_deref(), Some("Bobby"));
        assert_eq!(ext.as_deref(), Some("secret"));
    }
    assert_eq!(by_id.nick_name.as_deref(), Some("bob nick"));
    assert_eq!(by_id.public_info.as_deref(), Some("bob public"));

    // A stranger sees the public fields only.
    let seen = c.api.roster_name(&m::RosterNameInput { username: "bob".into() }).await.unwrap();
    assert_eq!(seen.user_id, Some(b.id));
    assert_eq!(seen.relation, Some(2));
    assert_eq!(seen.nick_name.as_deref(), Some("bob nick"));
    assert_eq!(seen.public_info.as_deref(), Some("bob public"));
    assert_eq!(seen.auth_mode, Some(0));
    assert_eq!((seen.alias, seen.ext, seen.mute_notification), (None, None, None));
    let seen = c.api.roster_mobile(&m::RosterMobileInput { mobile: "+8613800000002".into() }).await.unwrap();
    assert_eq!((seen.user_id, seen.alias, seen.ext), (Some(b.id), None, None));
    // A deleted friend's old alias is not shown either.
    assert!(a.api.roster_delete(&m::RosterDeleteInput { user_id: b.id }).await.unwrap());
    let seen = a.api.roster_id(&m::RosterIdInput { user_id: b.id }).await.unwrap();
    assert_eq!((seen.relation, seen.alias, seen.ext), (Some(1), None, None));

    assert_eq!(code(a.api.roster_id(&m::RosterIdInput { user_id: c.id + 1000 }).await), 10000);
    assert_eq!(code(a.api.roster_name(&m::RosterNameInput { username: "nobody".into() }).await), 10000);
    assert_eq!(
        code(a.api.roster_mobile(&m::RosterMobileInput { mobile: "+8613899999999".into() }).await),
        10000
    );

    // POST /roster/list: items for the given ids, in order, unknown ids skipped.
    assert!(a.api.roster_apply(&apply(b.id)).await.unwrap());
    let items = a
        .api
        .roster_list_items(&m::RosterListItemsInput { list: vec![c.id, c.id + 1000, b.id] })
        .await
        .unwrap();
    let ids: Vec<_> = items.iter().map(|i| i.user_id).collect();
    assert_eq!(ids, vec![Some(c.id), Some(b.id)]);
    assert_eq!((items[0].relation, items[0].alias.as_deref()), (Some(2), None));
    assert_eq!(
        (items[1].relation, items[1].alias.as_deref()),
        (Some(0), Some("Bobby")),
        "friends again: my old alias shows again"
    );
});

on_both_backends!(list_pages_stay_stable_while_the_list_changes, |app| {
    let a = user(&app, "alice", 0).await;
    let mut friends = Vec::new();
    for i in 1..=7 {
        let f = user(&app, &format!("friend{i}"), 0).await;
        assert!(a.api.roster_apply(&apply(f.id)).await.unwrap());
        friends.push(f);
    }
    let first = a.api.roster_list_ids(&first_page(3)).await.unwrap();
    assert_eq!(first.data, vec![friends[0].id, friends[1].id, friends[2].id]);
    let cursor = first.cursor.clone().expect("more pages");
    // Between pages: one seen friend leaves, one unseen leaves, one joins.
    assert!(a.api.roster_delete(&m::RosterDeleteInput { user_id: friends[1].id }).await.unwrap());
    assert!(friends[4].api.roster_delete(&m::RosterDeleteInput { user_id: a.id }).await.unwrap());
    let late = user(&app, "latecomer", 0).await;
    assert!(late.api.roster_apply(&apply(a.id)).await.unwrap());

    let mut seen: Vec<i64> = first.data.clone();
    let mut cursor = Some(cursor);
    let mut pages = 1;
    while let Some(c) = cursor {
        let page =
            a.api.roster_list_ids(&m::RosterListIdsInput { cursor: Some(c), limit: Some(3) }).await.unwrap();
        seen.extend(&page.data);
        cursor = page.cursor;
        pages += 1;
        assert!(pages < 10, "the cursor must end");
    }
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no repeats: {seen:?}");
    for kept in [0, 2, 3, 5, 6] {
        assert!(unique.contains(&friends[kept].id), "friend{} kept all along is listed", kept + 1);
    }
    assert!(!unique.contains(&friends[4].id), "removed before its page");
    assert!(unique.contains(&late.id), "added after the cursor's key");

    // Defaults and the last page.
    let all = a.api.roster_list_ids(&m::RosterListIdsInput { cursor: None, limit: None }).await.unwrap();
    assert_eq!(all.data.len(), 6);
    assert!(all.cursor.is_none());
    assert_eq!(
        code(
            a.api
                .roster_list_ids(&m::RosterListIdsInput { cursor: Some("garbage".into()), limit: None })
                .await
        ),
        10002
    );
    assert_eq!(
        code(a.api.roster_list_ids(&m::RosterListIdsInput { cursor: None, limit: Some(-1) }).await),
        10002
    );

    // The application list pages the same way.
    let b = user(&app, "bob", 1).await;
    for f in &friends {
        assert!(f.api.roster_apply(&apply(b.id)).await.unwrap());
    }
    let mut got = Vec::new();
    let mut cursor = None;
    loop {
        let page =
            b.api.roster_apply_list(&m::RosterApplyListInput { cursor, limit: Some(2) }).await.unwrap();
        got.extend(page.data.iter().filter_map(|e| e.user_id));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut expected: Vec<i64> = friends.iter().map(|f| f.id).collect();
    expected.reverse();
    assert_eq!(got, expected, "newest first, each once");
});

on_both_backends!(version_grows_with_every_change, |app| {
    let a = user(&app, "alice", 1).await;
    let b = user(&app, "bob", 1).await;
    let mut last = (version_of(&a).await, version_of(&b).await);
    let mut step = |now: (i64, i64), what: &str, both: bool| {
        assert!(now.0 > last.0, "{what}: a's version {} -> {}", last.0, now.0);
        if both {
            assert!(now.1 > last.1, "{what}: b's version {} -> {}", last.1, now.1);
        }
        last = now;
    };
    a.api.roster_apply(&apply(b.id)).await.unwrap();
    step((version_of(&a).await, version_of(&b).await), "apply", true);
    b.api.roster_accept(&accept(a.id)).await.unwrap();
    step((version_of(&a).await, version_of(&b).await), "accept", true);
    a.api
        .roster_ext(&m::RosterExtInput {
            user_id: b.id,
            alias: Some("B".into()),
            ext: None,
            mute_notification: None,
        })
        .await
        .unwrap();
    step((version_of(&a).await, version_of(&b).await), "ext", false);
    a.api.roster_block(&m::RosterBlockInput { user_id: b.id }).await.unwrap();
    step((version_of(&a).await, version_of(&b).await), "block", true);
    a.api.roster_unblock(&m::RosterUnblockInput { user_id: b.id }).await.unwrap();
    step((version_of(&a).await, version_of(&b).await), "unblock", true);
    a.api.roster_delete(&m::RosterDeleteInput { user_id: b.id }).await.unwrap();
    step((version_of(&a).await, version_of(&b).await), "delete", true);
    b.api.roster_apply(&apply(a.id)).await.unwrap();
    step((version_of(&a).await, version_of(&b).await), "apply back", true);
    a.api.roster_decline(&decline(b.id, "no")).await.unwrap();
    step((version_of(&a).await, version_of(&b).await), "decline", true);
    // A refused call changes nothing.
    let before = last;
    assert_eq!(code(a.api.roster_accept(&accept(b.id)).await), 10007);
    assert_eq!(code(a.api.roster_apply(&apply(a.id)).await), 10002);
    assert_eq!((version_of(&a).await, version_of(&b).await), before);
    // The application list carries the same version.
    let list = a.api.roster_apply_list(&all_applications()).await.unwrap();
    assert_eq!(list.version, Some(before.0));
});

on_both_backends!(batch_apply_reports_each_entry, |app| {
    let a = user(&app, "alice", 0).await;
    let open = user(&app, "open", 0).await;
    let asks = user(&app, "asks", 1).await;
    let closed = user(&app, "closed", 3).await;
    let blocker = user(&app, "blocker", 0).await;
    let friend = user(&app, "friend", 0).await;
    assert!(blocker.api.roster_block(&m::RosterBlockInput { user_id: a.id }).await.unwrap());
    assert!(a.api.roster_apply(&apply(friend.id)).await.unwrap());
    let unknown = friend.id + 1000;
    let entry = |id: i64| m::RosterApplyBatchBodyItem {
        user_id: id,
        alias: Some(String::new()),
        reason: Some("batch".into()),
    };
    let list: Vec<_> =
        [open.id, closed.id, asks.id, blocker.id, unknown, a.id, friend.id].into_iter().map(entry).collect();
    let result = a.api.roster_apply_batch(&list).await.unwrap();
    assert_eq!(result.success, Some(vec![open.id, asks.id]));
    let fails = result.fails.expect("fails");
    let failed: Vec<_> = fails.iter().map(|f| f.user_id).collect();
    assert_eq!(failed, vec![Some(closed.id), Some(blocker.id), Some(unknown), Some(a.id), Some(friend.id)]);
    let reasons: Vec<&str> = fails.iter().map(|f| f.reason.as_deref().unwrap_or("")).collect();
    for (reason, code) in reasons.iter().zip(["10012", "10006", "10000", "10002", "10005"]) {
        assert!(reason.contains(code), "{reason} names code {code}");
    }
    // The successes stand.
    assert!(friends_of(&a).await.contains(&open.id));
    let pending = asks.api.roster_apply_list(&all_applications()).await.unwrap().data;
    assert_eq!((pending[0].user_id, pending[0].reason.as_deref()), (Some(a.id), Some("batch")));
    // An empty batch is no error.
    let empty = a.api.roster_apply_batch(&Vec::new()).await.unwrap();
    assert_eq!((empty.success, empty.fails), (Some(vec![]), Some(vec![])));
});

on_both_backends!(admin_acts_as_a_user, |app| {
    let a = user(&app, "alice", 1).await;
    let b = user(&app, "bob", 1).await;
    let c = user(&app, "carol", 0).await;
    let admin = app.maxim_admin();
    let as_a = admin.acting_as_user(a.id);
    assert!(as_a.roster_apply(&apply(b.id)).await.unwrap());
    let as_b = admin.acting_as_user(b.id);
    let pending = as_b.roster_apply_list(&all_applications()).await.unwrap().data;
    assert_eq!(pending[0].user_id, Some(a.id));
    assert!(as_b.roster_decline(&decline(a.id, "admin says no")).await.unwrap());
    assert!(as_a.roster_apply(&apply(c.id)).await.unwrap());
    assert_eq!(as_a.roster_list_ids(&first_page(10)).await.unwrap().data, vec![c.id]);
    assert!(
        as_a.roster_ext(&m::RosterExtInput {
            user_id: c.id,
            alias: Some("C".into()),
            ext: None,
            mute_notification: None
        })
        .await
        .unwrap()
    );
    let items = as_a.roster_list_items(&m::RosterListItemsInput { list: vec![c.id] }).await.unwrap();
    assert_eq!(items[0].alias.as_deref(), Some("C"));
    assert_eq!(
        as_a.roster_name(&m::RosterNameInput { username: "carol".into() }).await.unwrap().relation,
        Some(0)
    );
    assert!(as_a.roster_blocked_list().await.unwrap().is_empty());
    let batch = as_a
        .roster_apply_batch(&vec![m::RosterApplyBatchBodyItem { user_id: b.id, alias: None, reason: None }])
        .await
        .unwrap();
    assert_eq!(batch.success, Some(vec![b.id]));
    // may_message: an admin may ask about anyone, a user only about itself.
    let may = m::RosterMayMessageInput { user_id: a.id, roster_id: c.id };
    assert!(admin.roster_may_message(&may).await.unwrap());
    assert!(a.api.roster_may_message(&may).await.unwrap());
    assert_eq!(code(b.api.roster_may_message(&may).await), 10010);

    // An admin must name the user; the user must exist.
    assert_eq!(code(admin.roster_apply(&apply(b.id)).await), 10002);
    assert_eq!(code(admin.roster_list_ids(&first_page(10)).await), 10002);
    assert_eq!(code(admin.acting_as_user(c.id + 1000).roster_apply(&apply(b.id)).await), 10000);
    // A user token naming someone else: 10010; naming itself is fine.
    let c_as_a = c.api.acting_as_user(a.id);
    assert_eq!(code(c_as_a.roster_apply(&apply(b.id)).await), 10010);
    assert_eq!(code(c_as_a.roster_list_ids(&first_page(10)).await), 10010);
    assert_eq!(code(c_as_a.roster_apply_list(&all_applications()).await), 10010);
    assert_eq!(code(c_as_a.roster_blocked_list().await), 10010);
    assert_eq!(c.api.acting_as_user(c.id).roster_list_ids(&first_page(10)).await.unwrap().data, vec![a.id]);
});

// ---- the real client's request shapes, over raw HTTP ----

async fn raw(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path_and_query: &str,
    body: Option<Value>,
) -> Value {
    let mut rb = app
        .http
        .request(method, app.url(path_and_query))
        .header("app_id", &app.app_id)
        .header("access-token", token);
    if let Some(body) = body {
        rb = rb.json(&body);
    }
    let response = rb.send().await.expect("send");
    assert_eq!(response.status(), 200, "business answers are HTTP 200: {path_and_query}");
    response.json().await.expect("JSON envelope")
}

fn ok(envelope: &Value) {
    assert_eq!(envelope["code"], 200, "{envelope}");
    assert!(envelope["message"].is_null(), "message null on success: {envelope}");
}

on_both_backends!(real_client_request_shapes, |app| {
    use reqwest::Method;
    let a = user(&app, "alice", 1).await;
    let b = user(&app, "bob", 1).await;
    let c = user(&app, "carol", 1).await;

    // Apply with empty-string optionals.
    let body = json!({"user_id": b.id, "alias": "", "reason": "", "auth_answer": ""});
    ok(&raw(&app, &a.token, Method::POST, "/roster/apply", Some(body)).await);
    // Parameterless GET with a trailing `?`, and `cursor=` / `limit=`.
    for path in ["/roster/apply/list?", "/roster/apply/list?cursor=&limit="] {
        let list = raw(&app, &b.token, Method::GET, path, None).await;
        ok(&list);
        assert_eq!(list["data"][0]["user_id"], a.id);
        assert_eq!(list["data"][0]["status"], 0);
        assert!(list["data"][0]["expired_time"].is_i64());
        assert!(list["version"].is_i64(), "{list}");
        assert!(list.get("cursor").is_none(), "no cursor on the last page: {list}");
    }
    // accept: parameters in the query string, body `{}`.
    ok(&raw(&app, &b.token, Method::POST, &format!("/roster/accept?user_id={}", a.id), Some(json!({})))
        .await);
    let list = raw(&app, &a.token, Method::GET, "/roster/list?", None).await;
    ok(&list);
    assert_eq!(list["data"], json!([b.id]));
    assert!(list["version"].is_i64());
    let list = raw(&app, &a.token, Method::GET, "/roster/list?cursor=&limit=", None).await;
    assert_eq!(list["data"], json!([b.id]));
    // ext with an empty alias.
    let ext = json!({"user_id": b.id, "alias": "", "ext": "e", "mute_notification": false});
    ok(&raw(&app, &a.token, Method::POST, "/roster/ext", Some(ext)).await);
    // block / unblock / delete the same way.
    for op in ["block", "unblock", "delete"] {
        ok(&raw(&app, &a.token, Method::POST, &format!("/roster/{op}?user_id={}", b.id), Some(json!({})))
            .await);
    }
    let lookup = raw(&app, &a.token, Method::GET, &format!("/roster/id?user_id={}", b.id), None).await;
    ok(&lookup);
    assert_eq!(lookup["data"]["relation"], 1);
    // decline from the query string.
    ok(&raw(&app, &c.token, Method::POST, "/roster/apply", Some(json!({"user_id": a.id}))).await);
    ok(&raw(
        &app,
        &a.token,
        Method::POST,
        &format!("/roster/decline?user_id={}&reason=", c.id),
        Some(json!({})),
    )
    .await);
    // An error in the envelope, with HTTP 200.
    let again =
        raw(&app, &a.token, Method::POST, &format!("/roster/accept?user_id={}", c.id), Some(json!({}))).await;
    assert_eq!(again["code"], 10007);
    assert!(again["message"].is_string());
    ok(&raw(
        &app,
        &a.token,
        Method::GET,
        &format!("/roster/may_message?user_id={}&roster_id={}", a.id, b.id),
        None,
    )
    .await);
    // Ids as strings, as form-minded clients send them.
    let items =
        raw(&app, &a.token, Method::POST, "/roster/list", Some(json!({"list": [b.id.to_string()]}))).await;
    ok(&items);
    assert_eq!(items["data"][0]["user_id"], b.id);
    let blocked = raw(&app, &a.token, Method::GET, "/roster/blocked_list?", None).await;
    assert_eq!(blocked["data"], json!([]));
    // Invalid input: 10002.
    let bad = raw(&app, &a.token, Method::POST, "/roster/accept?user_id=abc", Some(json!({}))).await;
    assert_eq!(bad["code"], 10002);
    let missing = raw(&app, &a.token, Method::POST, "/roster/apply", Some(json!({}))).await;
    assert_eq!(missing["code"], 10002);
});

on_both_backends!(documented_put_and_delete_methods, |app| {
    use reqwest::Method;
    let a = user(&app, "alice", 1).await;
    let b = user(&app, "bob", 1).await;
    let c = user(&app, "carol", 1).await;
    ok(&raw(&app, &a.token, Method::POST, "/roster/apply", Some(json!({"user_id": b.id}))).await);
    ok(&raw(&app, &b.token, Method::PUT, "/roster/accept", Some(json!({"user_id": a.id}))).await);
    ok(&raw(&app, &a.token, Method::PUT, "/roster/ext", Some(json!({"user_id": b.id, "alias": "B"}))).await);
    ok(&raw(&app, &a.token, Method::PUT, "/roster/block", Some(json!({"user_id": b.id}))).await);
    ok(&raw(&app, &a.token, Method::DELETE, &format!("/roster/unblock?user_id={}", b.id), None).await);
    ok(&raw(&app, &a.token, Method::DELETE, &format!("/roster/delete?user_id={}", b.id), None).await);
    ok(&raw(&app, &c.token, Method::POST, "/roster/apply", Some(json!({"user_id": a.id}))).await);
    ok(&raw(&app, &a.token, Method::PUT, "/roster/decline", Some(json!({"user_id": c.id, "reason": "no"})))
        .await);
    let list = raw(&app, &a.token, Method::GET, "/roster/list", None).await;
    assert_eq!(list["data"], json!([]));
});

// The web SDK lists friends with `GET /roster/list?` (no limit) and follows
// no cursor: it must get every friend, not the first page.
on_both_backends!(the_list_without_a_limit_is_the_whole_list, |app| {
    use reqwest::Method;
    let a = user(&app, "alice", 0).await;
    let mut ids = Vec::new();
    for i in 0..55 {
        let f = user(&app, &format!("friend{i}"), 0).await;
        f.api.roster_apply(&apply(a.id)).await.expect("apply to auth mode 0");
        ids.push(f.id);
    }
    for query in ["/roster/list?", "/roster/list?cursor=&limit=", "/roster/list?limit=0"] {
        let list = raw(&app, &a.token, Method::GET, query, None).await;
        ok(&list);
        assert_eq!(list["data"], json!(ids), "{query}");
        assert!(list.get("cursor").is_none(), "{query}: no cursor: {list}");
    }
    // With a limit it pages.
    let page = a.api.roster_list_ids(&first_page(10)).await.unwrap();
    assert_eq!(page.data, ids[..10]);
    assert!(page.cursor.is_some());
});
