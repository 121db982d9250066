//! Messages and conversations of the core (`docs/messages.md`), without
//! HTTP: sending to users and groups and reading back, idempotent sends
//! (also concurrent), paging at the edges, unread counts and read
//! positions, deleting a conversation, every refusal of a target (block,
//! ban, `ban_all`, non-member), `history_visible`, who may send as whom,
//! the app's notices, and one body for a send to 1,000 targets.

use std::time::Duration;

use server::core::apps::AppSettingsPatch;
use server::core::friends::ApplyRequest;
use server::core::groups::{NewGroup, SettingsPatch};
use server::core::messages::{ContentType, HistoryPage, NewMessage, SYSTEM, SendReport, TargetKind};
use server::core::settings::SettingsPatch as UserSettingsPatch;
use server::core::{Actor, Caller, Error, GroupId, Principal, UserId};

use crate::harness::Harness;
use crate::scenario;

/// A user who joins groups when invited (`group_confirm` off).
async fn user(h: &Harness, name: &str) -> Actor {
    let a = h.open_user(name).await;
    let patch = UserSettingsPatch { group_confirm: Some(false), ..Default::default() };
    h.core.settings().update(&a, patch).await.unwrap();
    a
}

fn caller(a: &Actor) -> Caller {
    Caller { app: a.app.clone(), principal: Principal::User(a.user) }
}

fn text(kind: TargetKind, targets: &[i64], content: &str) -> NewMessage {
    NewMessage {
        kind,
        targets: targets.to_vec(),
        content_type: ContentType::from_code(0).unwrap(),
        content: content.into(),
        ext: None,
        config: None,
        attachment: None,
        transaction_id: None,
    }
}

/// `from` sends `content` to user `to`: the message id.
async fn say(h: &Harness, from: &Actor, to: &Actor, content: &str) -> i64 {
    let report =
        h.core.messages().send(&caller(from), None, text(TargetKind::User, &[to.user.0], content)).await;
    let report = report.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    report.delivered[0].1
}

async fn say_in(h: &Harness, from: &Actor, g: GroupId, content: &str) -> Result<SendReport, Error> {
    h.core.messages().send(&caller(from), None, text(TargetKind::Group, &[g.0], content)).await
}

/// The single failure of a one-target send.
fn refusal(report: Result<SendReport, Error>) -> Error {
    let mut report = report.unwrap();
    assert!(report.delivered.is_empty(), "{:?}", report.delivered);
    assert_eq!(report.failed.len(), 1);
    report.failed.remove(0).1
}

async fn page(h: &Harness, me: &Actor, opposite: i64, start: Option<i64>, limit: Option<i64>) -> HistoryPage {
    h.core.messages().history(me, opposite, start, limit).await.unwrap()
}

fn contents(p: &HistoryPage) -> Vec<&str> {
    p.messages.iter().map(|m| m.content.as_str()).collect()
}

async fn unread(h: &Harness, me: &Actor, peer: i64) -> Option<i64> {
    let list = h.core.messages().conversations(me).await.unwrap();
    list.iter().find(|c| c.peer == peer).map(|c| c.unread)
}

async fn group(h: &Harness, owner: &Actor, members: &[&Actor]) -> GroupId {
    let new = NewGroup {
        name: "team".into(),
        members: members.iter().map(|a| a.user).collect(),
        ..Default::default()
    };
    h.core.groups().create(owner, new).await.unwrap().info.group.id
}

scenario!(one_to_one_messages_are_read_back_by_both_sides, |h| async move {
    let alice = user(&h, "alice").await;
    let bob = user(&h, "bob").await;
    let mut new = text(TargetKind::User, &[bob.user.0], "hello");
    new.ext = Some(r#"{"k":1}"#.into());
    new.attachment = Some(r#"{"dName":"a.png","fLen":3}"#.into());
    new.content_type = ContentType::from_code(1).unwrap();
    let report = h.core.messages().send(&caller(&alice), None, new).await.unwrap();
    let first = report.delivered[0].1;
    assert!(first > 0 && first <= 1 << 53, "{first}");
    h.clock.advance(Duration::from_millis(5));
    let second = say(&h, &bob, &alice, "hi").await;
    assert!(second > first, "ids grow: {first} then {second}");
    for (me, other) in [(&alice, &bob), (&bob, &alice)] {
        let p = page(&h, me, other.user.0, None, None).await;
        assert_eq!(contents(&p), ["hi", "hello"]);
        assert!(p.next.is_none());
        let m = &p.messages[1];
        assert_eq!((m.from, m.to, m.kind), (alice.user.0, bob.user.0, TargetKind::User));
        assert_eq!(m.content_type.name(), "IMAGE");
        assert_eq!(m.ext.as_deref(), Some(r#"{"k":1}"#));
        assert_eq!(m.attachment.as_deref(), Some(r#"{"dName":"a.png","fLen":3}"#));
        assert_eq!(m.config, None);
        assert!(p.messages[0].created_at > m.created_at);
    }
    let carol = user(&h, "carol").await;
    assert!(page(&h, &carol, alice.user.0, None, None).await.messages.is_empty());
});

scenario!(group_messages_are_stored_once_and_read_by_every_member, |h| async move {
    let owner = user(&h, "owner").await;
    let m1 = user(&h, "member1").await;
    let m2 = user(&h, "member2").await;
    let g = group(&h, &owner, &[&m1, &m2]).await;
    let before = h.core.messages().stored_counts(&h.app).await.unwrap();
    let report = say_in(&h, &m1, g, "hello all").await.unwrap();
    assert_eq!(report.delivered.len(), 1);
    let after = h.core.messages().stored_counts(&h.app).await.unwrap();
    assert_eq!((after.bodies - before.bodies, after.messages - before.messages), (1, 1));
    assert_eq!(after.conversations, before.conversations, "no row per member");
    for me in [&owner, &m1, &m2] {
        let p = page(&h, me, g.0, None, None).await;
        assert_eq!(contents(&p), ["hello all"]);
        assert_eq!((p.messages[0].from, p.messages[0].to), (m1.user.0, g.0));
    }
    assert_eq!(unread(&h, &owner, g.0).await, Some(1));
    assert_eq!(unread(&h, &m2, g.0).await, Some(1));
    assert_eq!(unread(&h, &m1, g.0).await, Some(0), "one's own messages are not unread");
});

scenario!(a_transaction_id_stores_one_message_also_under_concurrency, |h| async move {
    let alice = user(&h, "alice").await;
    let bob = user(&h, "bob").await;
    let mut new = text(TargetKind::User, &[bob.user.0], "once");
    new.transaction_id = Some(42);
    let first = h.core.messages().send(&caller(&alice), None, new.clone()).await.unwrap();
    assert!(!first.duplicate);
    let again = h.core.messages().send(&caller(&alice), None, new.clone()).await.unwrap();
    assert!(again.duplicate && again.delivered.is_empty());
    // Another sender may use the same transaction id.
    let mut from_bob = text(TargetKind::User, &[alice.user.0], "mine");
    from_bob.transaction_id = Some(42);
    assert!(!h.core.messages().send(&caller(&bob), None, from_bob).await.unwrap().duplicate);

    new.transaction_id = Some(43);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let core = h.core.clone();
            let c = caller(&alice);
            let n = new.clone();
            tokio::spawn(async move { core.messages().send(&c, None, n).await })
        })
        .collect();
    let mut stored = 0;
    for t in tasks {
        let report = t.await.unwrap().unwrap();
        stored += usize::from(!report.duplicate);
    }
    assert_eq!(stored, 1, "one of the concurrent sends stored it");
    let p = page(&h, &bob, alice.user.0, None, None).await;
    assert_eq!(contents(&p), ["once", "mine", "once"]);
    let counts = h.core.messages().stored_counts(&h.app).await.unwrap();
    assert_eq!((counts.bodies, counts.messages), (3, 3));
});

scenario!(history_pages_at_the_edges, |h| async move {
    let alice = user(&h, "alice").await;
    let bob = user(&h, "bob").await;
    let empty = page(&h, &alice, bob.user.0, None, Some(3)).await;
    assert!(empty.messages.is_empty() && empty.next.is_none());
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(say(&h, &alice, &bob, &format!("m{i}")).await);
    }
    let one = page(&h, &alice, bob.user.0, None, Some(5)).await;
    assert_eq!(contents(&one), ["m2", "m1", "m0"]);
    assert!(one.next.is_none(), "one page: the last");
    let exact = page(&h, &alice, bob.user.0, None, Some(3)).await;
    assert_eq!(contents(&exact), ["m2", "m1", "m0"]);
    assert!(exact.next.is_none(), "exactly a page: still the last");
    let first = page(&h, &alice, bob.user.0, None, Some(2)).await;
    assert_eq!(contents(&first), ["m2", "m1"]);
    assert_eq!(first.next, Some(ids[0]));
    let rest = page(&h, &alice, bob.user.0, first.next, Some(2)).await;
    assert_eq!(contents(&rest), ["m0"], "msg_id_start is inclusive");
    assert!(rest.next.is_none());
    let from_middle = page(&h, &alice, bob.user.0, Some(ids[1]), None).await;
    assert_eq!(contents(&from_middle), ["m1", "m0"]);
    let capped = page(&h, &alice, bob.user.0, None, Some(1000)).await;
    assert_eq!(capped.messages.len(), 3);
    let r = h.core.messages().history(&alice, bob.user.0, None, Some(-1)).await;
    assert!(matches!(r, Err(Error::Invalid { field: "limit", .. })), "{r:?}");
    let r = h.core.messages().history(&alice, 9_999_999, None, None).await;
    assert!(matches!(r, Err(Error::UserMissing)), "{r:?}");
});

scenario!(unread_counts_drop_with_ack_and_never_go_back, |h| async move {
    let alice = user(&h, "alice").await;
    let bob = user(&h, "bob").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(say(&h, &alice, &bob, &format!("m{i}")).await);
    }
    say(&h, &bob, &alice, "reply").await;
    assert_eq!(unread(&h, &bob, alice.user.0).await, Some(4));
    assert_eq!(unread(&h, &alice, bob.user.0).await, Some(1));
    let m = h.core.messages();
    m.ack(&bob, alice.user.0, Some(ids[1])).await.unwrap();
    assert_eq!(unread(&h, &bob, alice.user.0).await, Some(2));
    m.ack(&bob, alice.user.0, Some(ids[0])).await.unwrap();
    assert_eq!(unread(&h, &bob, alice.user.0).await, Some(2), "the read position never moves back");
    m.ack(&bob, alice.user.0, None).await.unwrap();
    assert_eq!(unread(&h, &bob, alice.user.0).await, Some(0));
    assert_eq!(unread(&h, &alice, bob.user.0).await, Some(1), "the other side's count is its own");
    // Acking past the newest message does not mark later ones read.
    m.ack(&alice, bob.user.0, Some(i64::from(i32::MAX) << 20)).await.unwrap();
    say(&h, &bob, &alice, "later").await;
    assert_eq!(unread(&h, &alice, bob.user.0).await, Some(1));
    // Groups: counted from the member's read position.
    let g = group(&h, &alice, &[&bob]).await;
    let mut last = 0;
    for i in 0..3 {
        last = say_in(&h, &alice, g, &format!("g{i}")).await.unwrap().delivered[0].1;
    }
    assert_eq!(unread(&h, &bob, g.0).await, Some(3));
    m.ack(&bob, g.0, Some(last - 1)).await.unwrap();
    assert_eq!(unread(&h, &bob, g.0).await, Some(1));
    m.ack(&bob, g.0, None).await.unwrap();
    assert_eq!(unread(&h, &bob, g.0).await, Some(0));
    let list = m.conversations(&bob).await.unwrap();
    assert_eq!(list[0].peer, g.0, "newest conversation first");
});

scenario!(deleting_a_conversation_hides_it_for_the_caller_only, |h| async move {
    let alice = user(&h, "alice").await;
    let bob = user(&h, "bob").await;
    say(&h, &alice, &bob, "old1").await;
    say(&h, &bob, &alice, "old2").await;
    h.core.messages().delete_conversation(&alice, bob.user.0).await.unwrap();
    assert!(page(&h, &alice, bob.user.0, None, None).await.messages.is_empty());
    assert_eq!(unread(&h, &alice, bob.user.0).await, None, "gone from the list");
    assert_eq!(contents(&page(&h, &bob, alice.user.0, None, None).await), ["old2", "old1"]);
    assert_eq!(unread(&h, &bob, alice.user.0).await, Some(1), "the other party keeps it");
    say(&h, &bob, &alice, "new").await;
    assert_eq!(contents(&page(&h, &alice, bob.user.0, None, None).await), ["new"]);
    assert_eq!(unread(&h, &alice, bob.user.0).await, Some(1), "back with the new message only");
});

scenario!(a_blocked_sender_is_refused, |h| async move {
    let alice = user(&h, "alice").await;
    let bob = user(&h, "bob").await;
    h.core.friends().block(&bob, alice.user).await.unwrap();
    let r = h.core.messages().send(&caller(&alice), None, text(TargetKind::User, &[bob.user.0], "hi")).await;
    assert!(matches!(refusal(r), Error::Blocked));
    // Bob may still write to Alice; after unblocking, Alice may again.
    say(&h, &bob, &alice, "hi").await;
    h.core.friends().unblock(&bob, alice.user).await.unwrap();
    say(&h, &alice, &bob, "thanks").await;
    let r = h.core.messages().send(&caller(&alice), None, text(TargetKind::User, &[9_999_999], "?")).await;
    assert!(matches!(refusal(r), Error::UserMissing));
    let r =
        h.core.messages().send(&caller(&alice), None, text(TargetKind::User, &[alice.user.0], "me")).await;
    assert!(matches!(refusal(r), Error::Invalid { field: "targets", .. }));
});

scenario!(some_targets_failing_do_not_fail_the_others, |h| async move {
    let alice = user(&h, "alice").await;
    let bob = user(&h, "bob").await;
    let carol = user(&h, "carol").await;
    h.core.friends().block(&carol, alice.user).await.unwrap();
    let targets = [bob.user.0, carol.user.0, 9_999_999, bob.user.0];
    let report =
        h.core.messages().send(&caller(&alice), None, text(TargetKind::User, &targets, "hi")).await.unwrap();
    assert_eq!(report.delivered.iter().map(|d| d.0).collect::<Vec<_>>(), [bob.user.0], "duplicates once");
    let failed: Vec<_> = report.failed.iter().map(|(t, e)| (*t, e.to_string())).collect();
    assert_eq!(failed, [(carol.user.0, "blocked".into()), (9_999_999, "user does not exist".into())]);
});

scenario!(banned_members_and_ban_all_are_refused_but_the_owner_sends, |h| async move {
    let owner = user(&h, "owner").await;
    let admin = user(&h, "admin").await;
    let member = user(&h, "member").await;
    let g = group(&h, &owner, &[&admin, &member]).await;
    h.core.groups().admin_add(&owner, g, &[admin.user]).await.unwrap();
    h.core.groups().ban(&owner, g, &[member.user], 10).await.unwrap();
    assert!(matches!(refusal(say_in(&h, &member, g, "x").await), Error::BannedInGroup));
    h.clock.advance(Duration::from_secs(11 * 60));
    say_in(&h, &member, g, "free again").await.unwrap();
    h.core.groups().ban_all(&owner, g, -1).await.unwrap();
    assert!(matches!(refusal(say_in(&h, &member, g, "x").await), Error::GroupMuted));
    assert_eq!(say_in(&h, &owner, g, "owner speaks").await.unwrap().delivered.len(), 1);
    assert_eq!(say_in(&h, &admin, g, "admin speaks").await.unwrap().delivered.len(), 1);
    h.core.groups().unban_all(&owner, g).await.unwrap();
    say_in(&h, &member, g, "unmuted").await.unwrap();
});

scenario!(non_members_and_missing_groups_are_refused, |h| async move {
    let owner = user(&h, "owner").await;
    let stranger = user(&h, "stranger").await;
    let g = group(&h, &owner, &[]).await;
    assert!(matches!(refusal(say_in(&h, &stranger, g, "x").await), Error::NotGroupMember));
    assert!(matches!(refusal(say_in(&h, &owner, GroupId(9_999_999), "x").await), Error::GroupMissing));
    let r = h.core.messages().history(&stranger, g.0, None, None).await;
    assert!(matches!(r, Err(Error::NotGroupMember)), "{r:?}");
    let r = h.core.messages().ack(&stranger, g.0, None).await;
    assert!(matches!(r, Err(Error::NotGroupMember)), "{r:?}");
    h.core.groups().destroy(&owner, g).await.unwrap();
    assert!(matches!(refusal(say_in(&h, &owner, g, "x").await), Error::GroupMissing));
    let r = h.core.messages().history(&owner, g.0, None, None).await;
    assert!(matches!(r, Err(Error::GroupMissing)), "{r:?}");
});

scenario!(new_members_see_earlier_messages_only_with_history_visible, |h| async move {
    let owner = user(&h, "owner").await;
    let late = user(&h, "late").await;
    let later = user(&h, "later").await;
    let g = group(&h, &owner, &[]).await;
    say_in(&h, &owner, g, "before").await.unwrap();
    h.clock.advance(Duration::from_millis(10));
    h.core.groups().invite(&owner, g, &[late.user], "").await.unwrap();
    h.clock.advance(Duration::from_millis(10));
    say_in(&h, &owner, g, "after").await.unwrap();
    assert_eq!(contents(&page(&h, &late, g.0, None, None).await), ["after"]);
    assert_eq!(unread(&h, &late, g.0).await, Some(1));
    let patch = SettingsPatch { history_visible: Some(true), ..Default::default() };
    h.core.groups().update_settings(&owner, g, patch).await.unwrap();
    h.core.groups().invite(&owner, g, &[later.user], "").await.unwrap();
    assert_eq!(contents(&page(&h, &later, g.0, None, None).await), ["after", "before"]);
    assert_eq!(unread(&h, &later, g.0).await, Some(2));
});

scenario!(an_admin_sends_as_a_user_and_a_user_only_as_itself, |h| async move {
    let alice = user(&h, "alice").await;
    let bob = user(&h, "bob").await;
    let admin = h.admin().await;
    let m = h.core.messages();
    let report = m
        .send(&admin, Some(alice.user), text(TargetKind::User, &[bob.user.0], "from the server"))
        .await
        .unwrap();
    assert_eq!(report.delivered.len(), 1);
    let p = page(&h, &bob, alice.user.0, None, None).await;
    assert_eq!(p.messages[0].from, alice.user.0);
    let r = m.send(&admin, None, text(TargetKind::User, &[bob.user.0], "x")).await;
    assert!(matches!(r, Err(Error::Invalid { field: "from_user_id", .. })), "{r:?}");
    let r = m.send(&admin, Some(UserId(9_999_999)), text(TargetKind::User, &[bob.user.0], "x")).await;
    assert!(matches!(r, Err(Error::UserMissing)), "{r:?}");
    let r = m.send(&caller(&alice), Some(bob.user), text(TargetKind::User, &[bob.user.0], "x")).await;
    assert!(matches!(r, Err(Error::NoPermission)), "{r:?}");
    assert!(
        m.send(&caller(&alice), Some(alice.user), text(TargetKind::User, &[bob.user.0], "x")).await.is_ok()
    );
    let r = m.notify(&caller(&alice), text(TargetKind::User, &[bob.user.0], "x")).await;
    assert!(matches!(r, Err(Error::NoPermission)), "{r:?}");
});

scenario!(notices_reach_users_and_groups_from_the_app, |h| async move {
    let alice = user(&h, "alice").await;
    let bob = user(&h, "bob").await;
    let g = group(&h, &alice, &[&bob]).await;
    let admin = h.admin().await;
    let m = h.core.messages();
    let report =
        m.notify(&admin, text(TargetKind::User, &[alice.user.0, bob.user.0], "maintenance")).await.unwrap();
    assert_eq!(report.delivered.len(), 2);
    for me in [&alice, &bob] {
        let p = page(&h, me, SYSTEM, None, None).await;
        assert_eq!(contents(&p), ["maintenance"]);
        assert_eq!(p.messages[0].from, SYSTEM);
        assert_eq!(unread(&h, me, SYSTEM).await, Some(1));
    }
    // A muted group still gets the app's notices.
    h.core.groups().ban_all(&alice, g, -1).await.unwrap();
    m.notify(&admin, text(TargetKind::Group, &[g.0], "group notice")).await.unwrap();
    let p = page(&h, &bob, g.0, None, None).await;
    assert_eq!((contents(&p), p.messages[0].from), (vec!["group notice"], SYSTEM));
    assert_eq!(unread(&h, &alice, g.0).await, Some(1));
});

scenario!(a_send_to_a_thousand_targets_stores_one_body, |h| async move {
    let alice = user(&h, "alice").await;
    let mut targets = Vec::new();
    for i in 0..1000 {
        let new = server::core::users::NewUser::new(format!("target{i}"), "password1");
        targets.push(h.core.users().register(&h.app, new).await.unwrap().id.0);
    }
    let before = h.core.messages().stored_counts(&h.app).await.unwrap();
    let report = h
        .core
        .messages()
        .send(&caller(&alice), None, text(TargetKind::User, &targets, "to all"))
        .await
        .unwrap();
    assert_eq!((report.delivered.len(), report.failed.len()), (1000, 0));
    let after = h.core.messages().stored_counts(&h.app).await.unwrap();
    assert_eq!(after.bodies - before.bodies, 1, "the body once");
    assert_eq!(after.messages - before.messages, 1000, "one small row per target");
    let ids: std::collections::BTreeSet<i64> = report.delivered.iter().map(|d| d.1).collect();
    assert_eq!(ids.len(), 1000, "each target's message has its own id");
    let reader = h.actor(UserId(targets[999]));
    assert_eq!(contents(&page(&h, &reader, alice.user.0, None, None).await), ["to all"]);
    let too_many: Vec<i64> = (1..=1001).collect();
    let r = h.core.messages().send(&caller(&alice), None, text(TargetKind::User, &too_many, "x")).await;
    assert!(matches!(r, Err(Error::Invalid { field: "targets", .. })), "{r:?}");
});

scenario!(an_app_of_friends_only_refuses_messages_between_strangers, |h| async move {
    let alice = user(&h, "alice").await;
    let bob = user(&h, "bob").await;
    let carol = user(&h, "carol").await;
    let patch = AppSettingsPatch { stranger_may_message: Some(false), ..Default::default() };
    h.core.apps().update_settings(&h.app, patch).await.unwrap();
    // Open users (auth mode 0): applying makes them friends at once.
    h.core.friends().apply(&alice, bob.user, ApplyRequest::default()).await.unwrap();
    say(&h, &alice, &bob, "friends may").await;
    let r = h.core.messages().send(&caller(&alice), None, text(TargetKind::User, &[carol.user.0], "x")).await;
    assert!(matches!(refusal(r), Error::NoPermission));
    let admin = h.admin().await;
    let notice =
        h.core.messages().notify(&admin, text(TargetKind::User, &[carol.user.0], "the app may")).await;
    assert_eq!(notice.unwrap().delivered.len(), 1);
});
