//! Every friend rule of the core (`docs/maxim.md#friends`), without HTTP:
//! auth modes, applications (expiry, refresh, mutual, by id), deletion,
//! blocks, ext and lookups' privacy, stable paging, versions, batches, the
//! friend limit and the server API's direct add.

use std::time::Duration;

use server::core::apps::AppSettingsPatch;
use server::core::friends::{
    ApplicationStatus, ApplyOutcome, ApplyRequest, DeleteOptions, FriendPatch, Relation, ServerFriendPatch,
};
use server::core::settings::SettingsPatch;
use server::core::users::ProfilePatch;
use server::core::{Actor, Error, PageRequest, RefusalReason, UserId};

use crate::harness::Harness;
use crate::scenario;

fn req(reason: &str) -> ApplyRequest {
    ApplyRequest { reason: reason.into(), ..Default::default() }
}

async fn relation(h: &Harness, viewer: &Actor, other: &Actor) -> Relation {
    h.core.friends().lookup_by_id(viewer, other.user).await.unwrap().relation
}

async fn assert_friends(h: &Harness, a: &Actor, b: &Actor) {
    assert_eq!(relation(h, a, b).await, Relation::Friend);
    assert_eq!(relation(h, b, a).await, Relation::Friend);
    let ids_a = h.core.friends().friend_ids(a, &PageRequest::first(1000)).await.unwrap().items;
    let ids_b = h.core.friends().friend_ids(b, &PageRequest::first(1000)).await.unwrap().items;
    assert!(ids_a.contains(&b.user) && ids_b.contains(&a.user));
}

scenario!(auth_mode_open_makes_friends_at_once, |h| async move {
    let f = h.core.friends();
    let a = h.open_user("alice").await;
    let b = h.open_user("bob").await;
    let v0 = (f.version(&a).await.unwrap(), f.version(&b).await.unwrap());
    assert_eq!(relation(&h, &a, &b).await, Relation::Stranger);
    let r = f.apply(&a, b.user, ApplyRequest { alias: "Bobby".into(), ..req("hi") }).await.unwrap();
    assert_eq!(r, ApplyOutcome::Friends);
    assert_friends(&h, &a, &b).await;
    assert!(f.version(&a).await.unwrap() > v0.0 && f.version(&b).await.unwrap() > v0.1);
    assert_eq!(f.lookup_by_id(&a, b.user).await.unwrap().alias, "Bobby");
    assert!(matches!(f.apply(&a, b.user, req("again")).await, Err(Error::AlreadyFriends)));
    assert!(matches!(f.apply(&b, a.user, req("again")).await, Err(Error::AlreadyFriends)));
    assert!(matches!(f.apply(&a, a.user, req("me")).await, Err(Error::Invalid { .. })));
    assert!(matches!(f.apply(&a, UserId(i64::MAX), req("?")).await, Err(Error::UserMissing)));
    // No application is left behind by an immediate friendship.
    assert!(f.applications(&b, &PageRequest::default()).await.unwrap().items.is_empty());
});

scenario!(auth_mode_question_and_closed, |h| async move {
    let f = h.core.friends();
    let a = h.open_user("alice").await;
    let q = h.user_with_mode("quizzer", 2).await;
    let patch = SettingsPatch {
        auth_question: Some("2+2?".into()),
        auth_answer: Some("4".into()),
        ..Default::default()
    };
    h.core.settings().update(&q, patch).await.unwrap();
    let wrong = ApplyRequest { answer: Some("5".into()), ..req("hi") };
    let r = f.apply(&a, q.user, wrong).await;
    assert!(matches!(r, Err(Error::Refused { reason: RefusalReason::WrongAnswer })), "{r:?}");
    let r = f.apply(&a, q.user, req("no answer")).await;
    assert!(matches!(r, Err(Error::Refused { reason: RefusalReason::WrongAnswer })));
    let item = f.lookup_by_id(&a, q.user).await.unwrap();
    assert_eq!(item.auth_question, "2+2?");
    let right = ApplyRequest { answer: Some(" 4 ".into()), ..req("hi") };
    assert_eq!(f.apply(&a, q.user, right).await.unwrap(), ApplyOutcome::Friends);
    assert_friends(&h, &a, &q).await;

    let c = h.user_with_mode("closed", 3).await;
    let r = f.apply(&a, c.user, req("hi")).await;
    assert!(matches!(r, Err(Error::Refused { reason: RefusalReason::RefusesAll })));
    assert!(f.applications(&c, &PageRequest::default()).await.unwrap().items.is_empty());
});

scenario!(approval_accept_decline_and_history, |h| async move {
    let f = h.core.friends();
    let a = h.open_user("alice").await;
    let b = h.approving_user("bob").await;
    let now = h.core.now_ms();
    let ApplyOutcome::Pending { application, expires_at } =
        f.apply(&a, b.user, req("let me in")).await.unwrap()
    else {
        panic!("expected pending")
    };
    assert_eq!(expires_at, now + 7 * 24 * 3600 * 1000);
    assert_eq!(relation(&h, &a, &b).await, Relation::Stranger);
    let page = f.applications(&b, &PageRequest::default()).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let app_row = &page.items[0];
    assert_eq!(
        (app_row.id, app_row.applicant, app_row.status),
        (application, a.user, ApplicationStatus::Pending)
    );
    assert_eq!((app_row.reason.as_str(), app_row.expires_at), ("let me in", expires_at));
    assert_eq!(page.version, f.version(&b).await.unwrap());

    // Decline keeps the reason; the application is then closed.
    f.decline(&b, a.user, "who are you").await.unwrap();
    let declined = f.application(&b, application).await.unwrap();
    assert_eq!(
        (declined.status, declined.decline_reason.as_str()),
        (ApplicationStatus::Declined, "who are you")
    );
    assert_eq!(declined.status.maxim_code(), 2);
    assert!(matches!(f.accept(&b, a.user).await, Err(Error::ApplicationMissing)));
    assert!(matches!(f.decline(&b, a.user, "").await, Err(Error::ApplicationMissing)));

    // A new application after a decline is a new row; history stays.
    let ApplyOutcome::Pending { application: second, .. } = f.apply(&a, b.user, req("please")).await.unwrap()
    else {
        panic!("expected pending")
    };
    assert_ne!(second, application);
    f.accept(&b, a.user).await.unwrap();
    assert_friends(&h, &a, &b).await;
    assert!(matches!(f.accept(&b, a.user).await, Err(Error::ApplicationMissing)), "double accept");
    let statuses: Vec<_> =
        f.applications(&b, &PageRequest::default()).await.unwrap().items.iter().map(|x| x.status).collect();
    assert_eq!(statuses, vec![ApplicationStatus::Accepted, ApplicationStatus::Declined]);

    // Nobody applied: nothing to accept.
    let c = h.open_user("carol").await;
    assert!(matches!(f.accept(&c, a.user).await, Err(Error::ApplicationMissing)));
    assert!(matches!(f.accept(&c, UserId(i64::MAX)).await, Err(Error::UserMissing)));
    // Only the target may see or act on an application by id.
    assert!(matches!(f.accept_application(&c, second).await, Err(Error::ApplicationMissing)));
    assert!(matches!(f.application(&c, second).await, Err(Error::ApplicationMissing)));
});

scenario!(by_application_id, |h| async move {
    let f = h.core.friends();
    let a = h.open_user("alice").await;
    let b = h.approving_user("bob").await;
    let c = h.open_user("carol").await;
    let ApplyOutcome::Pending { application, .. } = f.apply(&a, b.user, req("1")).await.unwrap() else {
        panic!()
    };
    f.accept_application(&b, application).await.unwrap();
    assert_friends(&h, &a, &b).await;
    let ApplyOutcome::Pending { application, .. } = f.apply(&c, b.user, req("2")).await.unwrap() else {
        panic!()
    };
    f.decline_application(&b, application, "no").await.unwrap();
    assert!(matches!(f.accept_application(&b, application).await, Err(Error::ApplicationMissing)));
});

scenario!(mutual_apply_and_reapply_refresh, |h| async move {
    let f = h.core.friends();
    let a = h.approving_user("alice").await;
    let b = h.approving_user("bob").await;
    let ApplyOutcome::Pending { application: first, expires_at: e1 } =
        f.apply(&a, b.user, req("one")).await.unwrap()
    else {
        panic!()
    };
    h.clock.advance(Duration::from_secs(60));
    let ApplyOutcome::Pending { application: again, expires_at: e2 } =
        f.apply(&a, b.user, req("two")).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(again, first, "re-apply refreshes the pending application");
    assert_eq!(e2, e1 + 60_000);
    let page = f.applications(&b, &PageRequest::default()).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].reason, "two");

    // Bob applies back: both already want it, so they are friends at once.
    assert_eq!(f.apply(&b, a.user, req("me too")).await.unwrap(), ApplyOutcome::Friends);
    assert_friends(&h, &a, &b).await;
    let page = f.applications(&b, &PageRequest::default()).await.unwrap();
    assert_eq!(page.items[0].status, ApplicationStatus::Accepted);
    assert!(f.applications(&a, &PageRequest::default()).await.unwrap().items.is_empty());
});

scenario!(applications_expire, |h| async move {
    let f = h.core.friends();
    let patch = AppSettingsPatch { application_ttl_ms: Some(60_000), ..Default::default() };
    h.core.apps().update_settings(&h.app, patch).await.unwrap();
    let a = h.open_user("alice").await;
    let b = h.approving_user("bob").await;
    let ApplyOutcome::Pending { application, expires_at } = f.apply(&a, b.user, req("hi")).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(expires_at, h.core.now_ms() + 60_000);
    h.clock.advance(Duration::from_secs(60));
    assert!(matches!(f.accept(&b, a.user).await, Err(Error::ApplicationMissing)));
    assert!(matches!(f.decline(&b, a.user, "late").await, Err(Error::ApplicationMissing)));
    let listed = f.applications(&b, &PageRequest::default()).await.unwrap();
    assert_eq!(listed.items[0].status, ApplicationStatus::Expired);
    assert_eq!(listed.items[0].status.maxim_code(), 0);
    // Re-applying refreshes the expired application, which can then be accepted.
    let ApplyOutcome::Pending { application: again, .. } = f.apply(&a, b.user, req("again")).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(again, application);
    f.accept(&b, a.user).await.unwrap();
    assert_friends(&h, &a, &b).await;
});

scenario!(delete_leaves_deleted_friend, |h| async move {
    let f = h.core.friends();
    let a = h.open_user("alice").await;
    let b = h.open_user("bob").await;
    let since = h.core.now_ms();
    f.apply(&a, b.user, ApplyRequest { alias: "B".into(), ..req("") }).await.unwrap();
    h.clock.advance(Duration::from_millis(5));
    let v = f.version(&b).await.unwrap();
    f.delete(&b, a.user, DeleteOptions::default()).await.unwrap();
    assert!(f.version(&b).await.unwrap() > v);
    assert_eq!(relation(&h, &a, &b).await, Relation::DeletedFriend);
    assert_eq!(relation(&h, &b, &a).await, Relation::DeletedFriend);
    assert!(f.friend_ids(&a, &PageRequest::default()).await.unwrap().items.is_empty());
    assert_eq!(f.lookup_by_id(&a, b.user).await.unwrap().alias, "", "alias is for friends only");
    assert!(matches!(f.delete(&a, b.user, DeleteOptions::default()).await, Err(Error::NotFriends)));
    let changed = f.changed_since(&a, since).await.unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!((changed[0].friend, changed[0].relation), (b.user, Relation::DeletedFriend));
    assert_eq!(changed[0].friend_username, "bob");
    assert!(f.friendship(&a, b.user).await.unwrap().is_some());
    assert!(f.changed_since(&a, h.core.now_ms()).await.unwrap().is_empty());
    // Friends again: relation 0, the old alias comes back (NetEase keeps it unless asked to delete it).
    f.apply(&b, a.user, req("")).await.unwrap();
    assert_friends(&h, &a, &b).await;
    assert_eq!(f.lookup_by_id(&a, b.user).await.unwrap().alias, "B");
    f.delete(&a, b.user, DeleteOptions { clear_alias: true }).await.unwrap();
    f.apply(&a, b.user, req("")).await.unwrap();
    assert_eq!(f.lookup_by_id(&a, b.user).await.unwrap().alias, "");
});

scenario!(block_refuses_and_silences, |h| async move {
    let f = h.core.friends();
    let a = h.open_user("alice").await;
    let b = h.open_user("bob").await;
    let c = h.open_user("carol").await;
    assert!(f.may_message(&h.app, a.user, c.user).await.unwrap(), "strangers may message by default");
    f.apply(&a, b.user, req("")).await.unwrap();
    assert!(f.may_message(&h.app, a.user, b.user).await.unwrap());

    f.block(&b, a.user).await.unwrap();
    f.block(&b, a.user).await.unwrap();
    assert_eq!(f.blocked_list(&b).await.unwrap(), vec![a.user]);
    assert_eq!(relation(&h, &b, &a).await, Relation::Blocked);
    assert_eq!(relation(&h, &a, &b).await, Relation::Friend, "relation 3 only from the blocker's side");
    assert!(!f.may_message(&h.app, a.user, b.user).await.unwrap());
    assert!(!f.may_message(&h.app, b.user, a.user).await.unwrap());
    f.delete(&a, b.user, DeleteOptions::default()).await.unwrap();
    assert!(matches!(f.apply(&a, b.user, req("sorry")).await, Err(Error::Blocked)));
    assert!(matches!(f.add_directly(&a, b.user, None).await, Err(Error::Blocked)));
    assert!(matches!(f.block(&a, a.user).await, Err(Error::Invalid { .. })));
    assert!(matches!(f.block(&a, UserId(i64::MAX)).await, Err(Error::UserMissing)));

    f.unblock(&b, a.user).await.unwrap();
    f.unblock(&b, a.user).await.unwrap();
    assert!(f.blocked_list(&b).await.unwrap().is_empty());
    assert_eq!(relation(&h, &b, &a).await, Relation::DeletedFriend);
    assert!(f.may_message(&h.app, a.user, b.user).await.unwrap());
    f.apply(&a, b.user, req("")).await.unwrap();

    let patch = AppSettingsPatch { stranger_may_message: Some(false), ..Default::default() };
    h.core.apps().update_settings(&h.app, patch).await.unwrap();
    assert!(!f.may_message(&h.app, a.user, c.user).await.unwrap());
    assert!(f.may_message(&h.app, a.user, b.user).await.unwrap());
    assert!(matches!(f.may_message(&h.app, a.user, UserId(i64::MAX)).await, Err(Error::UserMissing)));
});

scenario!(ext_and_lookups_respect_privacy, |h| async move {
    let f = h.core.friends();
    let a = h.open_user("alice").await;
    let b = h.open_user("bob").await;
    let c = h.open_user("carol").await;
    let profile = ProfilePatch {
        nick_name: Some("Bob".into()),
        public_info: Some("hello".into()),
        private_info: Some("secret".into()),
        ..Default::default()
    };
    h.core.users().update_profile(&b, profile).await.unwrap();
    h.core.users().set_mobile(&b, Some("13700000000")).await.unwrap();
    f.apply(&a, b.user, req("")).await.unwrap();
    let patch = FriendPatch {
        alias: Some("B!".into()),
        ext: Some("{\"k\":1}".into()),
        mute_notification: Some(true),
    };
    f.set_ext(&a, b.user, patch).await.unwrap();
    let r = f.set_ext(&a, c.user, FriendPatch { alias: Some("x".into()), ..Default::default() }).await;
    assert!(matches!(r, Err(Error::NotFriends)));
    let long = FriendPatch { alias: Some("a".repeat(129)), ..Default::default() };
    assert!(matches!(f.set_ext(&a, b.user, long).await, Err(Error::Invalid { field: "alias", .. })));

    for item in [
        f.lookup_by_id(&a, b.user).await.unwrap(),
        f.lookup_by_username(&a, "bob").await.unwrap(),
        f.lookup_by_mobile(&a, "13700000000").await.unwrap(),
    ] {
        assert_eq!((item.user, item.relation), (b.user, Relation::Friend));
        assert_eq!(
            (item.alias.as_str(), item.ext.as_str(), item.mute_notification),
            ("B!", "{\"k\":1}", true)
        );
        assert_eq!((item.nick_name.as_str(), item.public_info.as_str()), ("Bob", "hello"));
    }
    // A stranger sees the public fields only; nobody else's alias.
    let seen = f.lookup_by_username(&c, "bob").await.unwrap();
    assert_eq!(
        (seen.relation, seen.alias.as_str(), seen.ext.as_str(), seen.mute_notification),
        (Relation::Stranger, "", "", false)
    );
    assert_eq!(seen.public_info, "hello");
    // Bob's own view of Alice carries none of Alice's settings.
    let back = f.lookup_by_id(&b, a.user).await.unwrap();
    assert_eq!((back.alias.as_str(), back.mute_notification), ("", false));
    assert!(matches!(f.lookup_by_username(&a, "nobody").await, Err(Error::UserMissing)));
    assert!(matches!(f.lookup_by_mobile(&a, "10000000000").await, Err(Error::UserMissing)));

    // The server API alone writes server_ex.
    let server = ServerFriendPatch { server_ex: Some("srv".into()), ..Default::default() };
    f.update_by_server(&a, b.user, server).await.unwrap();
    let row = f.friendship(&a, b.user).await.unwrap().unwrap();
    assert_eq!((row.server_ex.as_str(), row.alias.as_str(), row.ext.as_str()), ("srv", "B!", "{\"k\":1}"));
    assert!(row.mute_notification);

    // Items come back in the order asked, unknown ids skipped.
    let items = f.items(&a, &[c.user, UserId(i64::MAX), b.user, c.user]).await.unwrap();
    assert_eq!(items.iter().map(|i| i.user).collect::<Vec<_>>(), vec![c.user, b.user]);
    assert_eq!(items[1].alias, "B!");
});

scenario!(pagination_is_stable_while_the_list_changes, |h| async move {
    let f = h.core.friends();
    let me = h.open_user("myself").await;
    let mut friends = Vec::new();
    for i in 0..7 {
        let u = h.open_user(&format!("friend{i}")).await;
        f.apply(&me, u.user, req("")).await.unwrap();
        friends.push(u);
    }
    let first = f.friend_ids(&me, &PageRequest::first(3)).await.unwrap();
    assert_eq!(first.items, friends[..3].iter().map(|u| u.user).collect::<Vec<_>>());
    let cursor = first.next_cursor.clone().expect("more pages");
    // Between pages: one already-seen friend leaves, one unseen leaves, a new one arrives.
    f.delete(&me, friends[0].user, DeleteOptions::default()).await.unwrap();
    f.delete(&me, friends[4].user, DeleteOptions::default()).await.unwrap();
    let late = h.open_user("late").await;
    f.apply(&late, me.user, req("")).await.unwrap();
    let second = f.friend_ids(&me, &PageRequest::after(Some(cursor), 3)).await.unwrap();
    assert!(second.version > first.version);
    let third = f.friend_ids(&me, &PageRequest::after(second.next_cursor.clone(), 3)).await.unwrap();
    assert!(third.next_cursor.is_none());
    let mut seen: Vec<UserId> =
        first.items.iter().chain(&second.items).chain(&third.items).copied().collect();
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total, "no id twice");
    for (i, u) in friends.iter().enumerate() {
        assert_eq!(seen.contains(&u.user), i != 4, "friend{i}");
    }
    assert!(seen.contains(&late.user));
    assert!(matches!(
        f.friend_ids(&me, &PageRequest::after(Some("bogus".into()), 3)).await,
        Err(Error::Invalid { field: "cursor", .. })
    ));
    let all = f.friend_ids(&me, &PageRequest { cursor: Some(String::new()), limit: Some(0) }).await.unwrap();
    assert_eq!(all.items.len(), 6);
    assert!(all.next_cursor.is_none());
    assert_eq!(f.friend_count(&me).await.unwrap(), 6);
});

scenario!(application_list_pages, |h| async move {
    let f = h.core.friends();
    let me = h.approving_user("myself").await;
    for i in 0..5 {
        let u = h.open_user(&format!("fan{i}")).await;
        f.apply(&u, me.user, req(&format!("fan {i}"))).await.unwrap();
    }
    let p1 = f.applications(&me, &PageRequest::first(2)).await.unwrap();
    let p2 = f.applications(&me, &PageRequest::after(p1.next_cursor.clone(), 2)).await.unwrap();
    let p3 = f.applications(&me, &PageRequest::after(p2.next_cursor.clone(), 2)).await.unwrap();
    let reasons: Vec<_> = [p1.items, p2.items, p3.items].concat().into_iter().map(|a| a.reason).collect();
    assert_eq!(reasons, vec!["fan 4", "fan 3", "fan 2", "fan 1", "fan 0"]);
    assert!(p3.next_cursor.is_none());
});

scenario!(version_grows_with_every_change, |h| async move {
    let f = h.core.friends();
    let a = h.open_user("alice").await;
    let b = h.approving_user("bob").await;
    let mut last = f.version(&b).await.unwrap();
    let mut step = |v: i64, what: &str| {
        assert!(v > last, "{what}: {v} <= {last}");
        last = v;
    };
    f.apply(&a, b.user, req("")).await.unwrap();
    step(f.version(&b).await.unwrap(), "application received");
    f.accept(&b, a.user).await.unwrap();
    step(f.version(&b).await.unwrap(), "accept");
    f.set_ext(&b, a.user, FriendPatch { alias: Some("A".into()), ..Default::default() }).await.unwrap();
    step(f.version(&b).await.unwrap(), "ext");
    f.block(&b, a.user).await.unwrap();
    step(f.version(&b).await.unwrap(), "block");
    f.unblock(&b, a.user).await.unwrap();
    step(f.version(&b).await.unwrap(), "unblock");
    f.delete(&a, b.user, DeleteOptions::default()).await.unwrap();
    step(f.version(&b).await.unwrap(), "deleted by the other side");
    // A failed operation changes nothing.
    let before = f.version(&b).await.unwrap();
    assert!(f.accept(&b, a.user).await.is_err());
    assert_eq!(f.version(&b).await.unwrap(), before);
});

scenario!(batch_apply_reports_each_entry, |h| async move {
    let f = h.core.friends();
    let me = h.open_user("myself").await;
    let open = h.open_user("open").await;
    let approving = h.approving_user("approving").await;
    let closed = h.user_with_mode("closed", 3).await;
    let list = vec![
        (open.user, req("1")),
        (closed.user, req("2")),
        (UserId(i64::MAX), req("3")),
        (approving.user, req("4")),
        (me.user, req("5")),
        (open.user, req("6")),
    ];
    let results = f.apply_batch(&me, list).await;
    assert_eq!(results.len(), 6);
    assert_eq!(results[0].result.as_ref().ok(), Some(&ApplyOutcome::Friends));
    assert!(matches!(results[1].result, Err(Error::Refused { .. })));
    assert!(matches!(results[2].result, Err(Error::UserMissing)));
    assert!(matches!(results[3].result, Ok(ApplyOutcome::Pending { .. })));
    assert!(matches!(results[4].result, Err(Error::Invalid { .. })));
    assert!(matches!(results[5].result, Err(Error::AlreadyFriends)));
    assert_eq!(results[2].target, UserId(i64::MAX));
    assert_friends(&h, &me, &open).await;
});

scenario!(friend_limit_and_direct_add, |h| async move {
    let f = h.core.friends();
    let patch = AppSettingsPatch { max_friends: Some(2), ..Default::default() };
    h.core.apps().update_settings(&h.app, patch).await.unwrap();
    let me = h.open_user("myself").await;
    let closed = h.user_with_mode("closed", 3).await;
    // Add directly ignores the target's auth mode (trusted server call).
    f.add_directly(&me, closed.user, Some("from-server")).await.unwrap();
    assert_friends(&h, &me, &closed).await;
    assert_eq!(f.friendship(&me, closed.user).await.unwrap().unwrap().server_ex, "from-server");
    assert!(matches!(f.add_directly(&me, closed.user, None).await, Err(Error::AlreadyFriends)));
    let second = h.open_user("second").await;
    f.apply(&me, second.user, req("")).await.unwrap();
    let third = h.open_user("third").await;
    assert!(matches!(f.apply(&me, third.user, req("")).await, Err(Error::TooManyFriends)));
    assert!(matches!(f.apply(&third, me.user, req("")).await, Err(Error::TooManyFriends)));
    assert!(matches!(f.add_directly(&third, me.user, None).await, Err(Error::TooManyFriends)));
    f.delete(&me, second.user, DeleteOptions::default()).await.unwrap();
    f.apply(&third, me.user, req("")).await.unwrap();
});
