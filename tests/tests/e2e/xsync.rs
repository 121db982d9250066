//! The MaxIM client socket (xsync, issue 13) end to end, through the
//! independent client of `tests::xsync` (the protocol guide's behaviour of
//! floo-web, not the server's code): discovery, login, one-to-one and group
//! text between two and three users, read receipts, recall, append, offline
//! delivery on reconnect, unread counts, history on a new device, friend and
//! group notices, a kick by a second login on the same device, REST sends
//! reaching the socket, refusals (friends-only app, block, group ban), a
//! resent upload stored once, typing not stored; and two nodes on one
//! PostgreSQL, and two nodes joined by NATS (`TEST_NATS_URL`, default
//! `nats://127.0.0.1:4222`). Users register and log in through the generated REST client
//! (`/user/register`, `/token/user`); every wait has a deadline.

use client::MaximClient;
use server::core::AppId;
use server::core::apps::AppSettingsPatch;
use tests::xsync::proto::{
    self, GroupNotice, RosterNotice, UserNotice, group_notice, message_body, message_operation, meta,
    roster_notice, status, user_notice,
};
use tests::xsync::session::{body, text, within};
use tests::xsync::{Device, Event, LoginError, Session, discover};
use tests::{Node, TestApp, input, on_both_backends};

/// How long a test waits for anything that should come at once.
const SOON: f64 = 5.0;

struct Person {
    id: u64,
    token: String,
    api: MaximClient,
}

/// Registers `name` and logs it in, both through the generated REST client;
/// invitations to groups need no confirmation.
async fn person(app: &TestApp, name: &str) -> Person {
    person_on(app, &app.base_url, name).await
}

async fn person_on(app: &TestApp, base_url: &str, name: &str) -> Person {
    let anonymous = MaximClient::new(base_url.to_string()).with_app_id(app.app_id.clone());
    anonymous.user_register(&input!({"username": name, "password": "password1"})).await.expect("register");
    let login = anonymous.token_user(&input!({"name": name, "password": "password1"})).await.expect("token");
    let token = login.token.expect("token");
    let id = login.user_id.expect("user id") as u64;
    let api = anonymous.with_access_token(token.clone());
    assert!(api.user_settings_update(&input!({"group_confirm": false})).await.expect("settings"));
    Person { id, token, api }
}

/// The socket address the app's DNS answer names (`webim`).
async fn fireplace(app: &TestApp, base_url: &str) -> String {
    discover(&app.http, base_url, &app.app_id).await.expect("app_dns names a webim host").fireplace
}

async fn login(fireplace: &str, who: &Person) -> Session {
    login_as(fireplace, who, Device::fresh(who.id)).await
}

async fn login_as(fireplace: &str, who: &Person, device: Device) -> Session {
    match Session::login(fireplace, who.id, &who.token, device).await {
        Ok(s) => s,
        Err(e) => panic!("login of {}: {e}", who.id),
    }
}

#[track_caller]
fn assert_ok(ack: &Option<proto::SyncDl>) -> (u64, proto::SyncDl) {
    let Some(ack) = ack else { panic!("no ack within the deadline") };
    let code = ack.status.as_ref().map(|s| s.code);
    assert_eq!(code, Some(status::ErrorCode::Ok as i32), "ack status: {ack:?}");
    assert!(ack.server_mid > 0, "an OK ack carries server_mid (guide §7.2): {ack:?}");
    (ack.server_mid, ack.clone())
}

#[track_caller]
fn refused(ack: &Option<proto::SyncDl>, client_mid: u64) -> proto::Status {
    let Some(ack) = ack else { panic!("no answer within the deadline (the SDK never resends)") };
    assert_eq!(ack.client_mid, client_mid, "a refusal names the upload (guide §7.3): {ack:?}");
    let status = ack.status.clone().expect("status");
    assert_ne!(status.code, status::ErrorCode::Ok as i32, "refused: {ack:?}");
    status
}

async fn group(owner: &Person, members: &[&Person]) -> u64 {
    let ids: Vec<i64> = members.iter().map(|p| p.id as i64).collect();
    let created = owner.api.group_create(&input!({"name": "team", "user_list": ids})).await.expect("group");
    created.group_id.expect("group id") as u64
}

fn texts_of(dl: &proto::SyncDl) -> Vec<String> {
    dl.metas.iter().filter_map(text).collect()
}

on_both_backends!(discovery_login_ping_and_bad_tokens, |app| {
    let alice = person(&app, "alice").await;
    let found = discover(&app.http, &app.base_url, &app.app_id).await.expect("discovery");
    assert_eq!(found.fireplace, app.base_url, "one host serves DNS, REST and the socket");

    let device = Device::fresh(alice.id);
    let mut session = login_as(&found.fireplace, &alice, device.clone()).await;
    assert_eq!(session.uid, alice.id);
    assert_ne!(session.sn, device.sn, "the random SN is a placeholder the server replaces (guide §5.2)");
    assert!(session.login_unread.is_some(), "UNREAD is answered right after login");
    assert!(session.connection().ping(within(SOON)).await, "a ping `2` is answered by `3`");

    // The same browser logs in again: same guid, so the same SN.
    session.close();
    let again = login_as(&found.fireplace, &alice, session.device.clone()).await;
    assert_eq!(again.sn, session.sn, "the same device guid keeps its SN");

    match Session::login(&found.fireplace, alice.id, "not-a-token", Device::fresh(alice.id)).await {
        Err(LoginError::Refused(s)) => assert_eq!(s.code, status::ErrorCode::InvalidToken as i32, "{s:?}"),
        Err(e) => panic!("a bad token is answered INVALID_TOKEN, got {e}"),
        Ok(_) => panic!("a bad token logged in"),
    }
    // Bob's token for Alice's uid.
    let bob = person(&app, "bob").await;
    assert!(Session::login(&found.fireplace, alice.id, &bob.token, Device::fresh(alice.id)).await.is_err());

    // A frame before PROVISION: UNAUTHORIZED, "you must login first" (guide §5.2).
    let mut raw = tests::xsync::Connection::open(&found.fireplace).await.expect("connect");
    raw.send_frame(proto::frame::Command::Unread, None);
    let answer = raw.next_event(within(SOON)).await;
    match answer {
        Some(Event::Error(dl)) => {
            let s = dl.status.expect("status");
            assert_eq!(
                (s.code, s.reason.as_str()),
                (status::ErrorCode::Unauthorized as i32, "you must login first")
            );
        }
        other => panic!("expected an UNAUTHORIZED SyncDL, got {other:?}"),
    }
});

on_both_backends!(one_to_one_text_both_ways, |app| {
    let (alice, bob) = (person(&app, "alice").await, person(&app, "bob").await);
    let fp = fireplace(&app, &app.base_url).await;
    let mut a = login(&fp, &alice).await;
    let mut b = login(&fp, &bob).await;

    let (mid, _) = assert_ok(&a.send_text(bob.id, "hi bob", within(SOON)).await);
    let (meta, got) = b.next_message(within(SOON)).await.expect("bob receives within 5 s");
    assert_eq!((meta.id, got.content.as_str()), (mid, "hi bob"));
    assert_eq!(got.r#type, message_body::Type::Chat as i32);
    assert_eq!(
        meta.from.as_ref().map(|x| (x.uid, x.device_sn)),
        Some((alice.id, a.sn)),
        "from: sender uid and SN"
    );
    assert_eq!(meta.to.as_ref().map(|x| x.uid), Some(bob.id));
    assert!(meta.timestamp > 0, "the server stamps the time");

    let (reply, _) = assert_ok(&b.send_text(alice.id, "hi alice", within(SOON)).await);
    assert!(reply > mid, "server ids increase with time (guide §6.2)");
    let (meta, got) = a.next_message(within(SOON)).await.expect("alice receives within 5 s");
    assert_eq!((meta.id, got.content.as_str()), (reply, "hi alice"));

    // After the pull ends, UNREAD is quiet: delivered queues are acknowledged.
    assert!(a.pulled(bob.id, within(SOON)).await, "the pull ends with next_key 0");
    let unread = a.unread(within(SOON)).await.expect("UNREAD answered");
    assert!(unread.unread.iter().all(|u| u.n == 0), "{unread:?}");
});

on_both_backends!(three_users_group_text, |app| {
    let (owner, bob, carol) =
        (person(&app, "owner").await, person(&app, "bob").await, person(&app, "carol").await);
    let g = group(&owner, &[&bob, &carol]).await;
    let fp = fireplace(&app, &app.base_url).await;
    let (mut o, mut b, mut c) = (login(&fp, &owner).await, login(&fp, &bob).await, login(&fp, &carol).await);

    let (mid, _) = assert_ok(&o.send_group_text(g, "hello team", within(SOON)).await);
    for (who, s) in [("bob", &mut b), ("carol", &mut c)] {
        let (meta, got) = s.next_message(within(SOON)).await.unwrap_or_else(|| panic!("{who} receives"));
        assert_eq!((meta.id, got.content.as_str()), (mid, "hello team"), "{who}");
        assert_eq!(got.r#type, message_body::Type::Groupchat as i32);
        assert_eq!(meta.to.as_ref().map(|x| x.uid), Some(g), "to: the group");
        assert_eq!(meta.from.as_ref().map(|x| x.uid), Some(owner.id));
    }
    // The sending device gets nothing back: the first message it receives is Bob's answer.
    let (answer, _) = assert_ok(&b.send_group_text(g, "hi owner", within(SOON)).await);
    let (meta, got) = o.next_message(within(SOON)).await.expect("owner receives bob's text");
    assert_eq!(
        (meta.id, got.content.as_str()),
        (answer, "hi owner"),
        "the sender's own text is not echoed to its device"
    );
    let (meta, _) = c.next_message(within(SOON)).await.expect("carol receives bob's text");
    assert_eq!(meta.id, answer);
});

on_both_backends!(read_receipts_reach_the_sender_and_history, |app| {
    let (alice, bob) = (person(&app, "alice").await, person(&app, "bob").await);
    let fp = fireplace(&app, &app.base_url).await;
    let (mut a, mut b) = (login(&fp, &alice).await, login(&fp, &bob).await);
    let (mid, _) = assert_ok(&a.send_text(bob.id, "read me", within(SOON)).await);
    b.next_message(within(SOON)).await.expect("delivered");

    assert_ok(&b.read_ack(alice.id, mid, within(SOON)).await);
    let (meta, op) = a
        .next_operation(within(SOON), message_operation::OpType::ReadAck)
        .await
        .expect("alice gets the read receipt");
    assert_eq!(op.operation.as_ref().map(|o| o.mid), Some(mid));
    assert_eq!(meta.from.as_ref().map(|x| x.uid), Some(bob.id));

    // History shows Alice's own message as read by Bob (guide §6.4).
    let page = a.history(bob.id, 0, 20, within(SOON)).await.expect("history");
    let mine = page.metas.iter().find(|m| m.id == mid).expect("the message is in history");
    assert_eq!(body(mine).map(|b| b.status), Some(message_body::Status::Read as i32));
});

on_both_backends!(recall_by_the_author_only, |app| {
    let (alice, bob) = (person(&app, "alice").await, person(&app, "bob").await);
    let fp = fireplace(&app, &app.base_url).await;
    let (mut a, mut b) = (login(&fp, &alice).await, login(&fp, &bob).await);
    let (mid, _) = assert_ok(&a.send_text(bob.id, "oops", within(SOON)).await);
    let (kept, _) = assert_ok(&a.send_text(bob.id, "fine", within(SOON)).await);
    b.next_message(within(SOON)).await.expect("delivered");

    // Bob cannot recall Alice's message.
    let meta = {
        let op = proto::MessageOperation {
            r#type: message_operation::OpType::Recall as i32,
            mid,
            xid: Some(proto::Xid { uid: alice.id, device_sn: 0 }),
        };
        let body = proto::MessageBody {
            r#type: message_body::Type::Oper as i32,
            operation: Some(op),
            ..Default::default()
        };
        b.message_meta(alice.id, &body, false)
    };
    let cid = meta.id;
    let answer = b.send_meta(meta, within(SOON)).await;
    refused(&answer, cid);

    assert_ok(&a.recall(bob.id, mid, within(SOON)).await);
    let (_, op) =
        b.next_operation(within(SOON), message_operation::OpType::Recall).await.expect("recall forwarded");
    assert_eq!(op.operation.as_ref().map(|o| o.mid), Some(mid));
    let page = b.history(alice.id, 0, 20, within(SOON)).await.expect("history");
    let ids: Vec<u64> = page.metas.iter().filter(|m| text(m).is_some()).map(|m| m.id).collect();
    assert_eq!(ids, vec![kept], "a recalled message leaves history");
});

on_both_backends!(append_extends_a_message_and_stamps_the_edit, |app| {
    let (alice, bob) = (person(&app, "alice").await, person(&app, "bob").await);
    let fp = fireplace(&app, &app.base_url).await;
    let (mut a, mut b) = (login(&fp, &alice).await, login(&fp, &bob).await);
    let (mid, _) = assert_ok(&a.send_text(bob.id, "hello", within(SOON)).await);
    let (meta, _) = b.next_message(within(SOON)).await.expect("delivered");

    let (_, ack) = assert_ok(&a.append(bob.id, mid, " world", within(SOON)).await);
    assert!(
        ack.edit_timestamp >= meta.timestamp,
        "the APPEND ack carries edit_timestamp (guide §9): {ack:?}"
    );
    let (_, op) =
        b.next_operation(within(SOON), message_operation::OpType::Append).await.expect("append forwarded");
    assert_eq!(op.operation.as_ref().map(|o| o.mid), Some(mid));
    assert_eq!(op.content, " world");
    assert!(op.edit_timestamp > 0, "a forwarded APPEND carries MessageBody.edit_timestamp");
    let page = b.history(alice.id, 0, 20, within(SOON)).await.expect("history");
    let stored = page.metas.iter().find(|m| m.id == mid).and_then(body).expect("in history");
    assert_eq!(stored.content, "hello world");
});

on_both_backends!(offline_messages_arrive_on_reconnect_with_unread_counts, |app| {
    let (alice, bob) = (person(&app, "alice").await, person(&app, "bob").await);
    let fp = fireplace(&app, &app.base_url).await;
    let mut a = login(&fp, &alice).await;
    let b = login(&fp, &bob).await;
    let device = b.device.clone();
    b.close();
    let mut b = b;
    assert!(b.closed(within(SOON)).await.is_some());

    let mut sent = Vec::new();
    for t in ["one", "two", "three"] {
        sent.push(assert_ok(&a.send_text(bob.id, t, within(SOON)).await).0);
    }
    let mut b = login_as(&fp, &bob, device).await;
    let unread = b.login_unread.clone().expect("UNREAD at login");
    let entry =
        unread.unread.iter().find(|u| u.xid.as_ref().map(|x| x.uid) == Some(alice.id)).expect("conv alice");
    assert_eq!(entry.n, 3, "{unread:?}");
    assert_eq!(entry.r#type, proto::conversation_unread::ConvType::Chat as i32);

    let mut got = Vec::new();
    for _ in 0..3 {
        let (meta, _) = b.next_message(within(SOON)).await.expect("offline message synced after login");
        got.push(meta.id);
    }
    assert_eq!(got, sent, "in order");
    assert!(b.pulled(alice.id, within(SOON)).await, "the pull ends with next_key 0");
    let again = b.unread(within(SOON)).await.expect("UNREAD");
    assert!(again.unread.iter().all(|u| u.n == 0), "delivered means acknowledged: {again:?}");
});

on_both_backends!(group_unread_counts, |app| {
    let (owner, bob) = (person(&app, "owner").await, person(&app, "bob").await);
    let g = group(&owner, &[&bob]).await;
    let fp = fireplace(&app, &app.base_url).await;
    let mut o = login(&fp, &owner).await;
    let b = login(&fp, &bob).await;
    let device = b.device.clone();
    b.close();
    for t in ["a", "b"] {
        assert_ok(&o.send_group_text(g, t, within(SOON)).await);
    }
    let b = login_as(&fp, &bob, device).await;
    let unread = b.login_unread.clone().expect("UNREAD");
    let entry = unread.unread.iter().find(|u| u.xid.as_ref().map(|x| x.uid) == Some(g)).expect("conv g");
    assert_eq!((entry.n, entry.r#type), (2, proto::conversation_unread::ConvType::Groupchat as i32));
});

on_both_backends!(history_on_a_new_device, |app| {
    let (alice, bob) = (person(&app, "alice").await, person(&app, "bob").await);
    let fp = fireplace(&app, &app.base_url).await;
    let (mut a, mut b) = (login(&fp, &alice).await, login(&fp, &bob).await);
    let ids = vec![
        assert_ok(&a.send_text(bob.id, "1", within(SOON)).await).0,
        assert_ok(&b.send_text(alice.id, "2", within(SOON)).await).0,
        assert_ok(&a.send_text(bob.id, "3", within(SOON)).await).0,
    ];
    drop(b);
    let mut fresh = login(&fp, &bob).await;
    let page = fresh.history(alice.id, 0, 2, within(SOON)).await.expect("history");
    assert!(page.is_full_sync);
    assert_eq!(page.metas.iter().map(|m| m.id).collect::<Vec<_>>(), vec![ids[2], ids[1]], "newest first");
    assert_eq!(page.next_key, ids[1], "next_key: the smallest id returned");
    let older = fresh.history(alice.id, page.next_key, 2, within(SOON)).await.expect("history");
    assert_eq!(texts_of(&older), vec!["1".to_string()]);
    let none = fresh.history(alice.id, ids[0], 2, within(SOON)).await.expect("history");
    assert!(none.metas.is_empty() && none.next_key == 0, "{none:?}");
});

on_both_backends!(a_friend_application_through_rest_is_a_roster_notice, |app| {
    let (alice, bob) = (person(&app, "alice").await, person(&app, "bob").await);
    assert!(bob.api.user_settings_update(&input!({"auth_mode": 1})).await.expect("auth mode"));
    let fp = fireplace(&app, &app.base_url).await;
    let (mut a, mut b) = (login(&fp, &alice).await, login(&fp, &bob).await);

    assert!(alice.api.roster_apply(&input!({"user_id": bob.id, "reason": "hi"})).await.expect("apply"));
    let (_, notice) = b
        .next_notice::<RosterNotice>(within(SOON), meta::NameSpace::RosterNotice, |_| true)
        .await
        .expect("bob gets a ROSTER_NOTICE");
    assert_eq!(notice.r#type, roster_notice::Type::Applied as i32, "{notice:?}");
    assert_eq!(notice.from.as_ref().map(|x| x.uid), Some(alice.id));
    assert_eq!(notice.to.iter().map(|x| x.uid).collect::<Vec<_>>(), vec![bob.id]);

    assert!(bob.api.roster_accept(&input!({"user_id": alice.id})).await.expect("accept"));
    let (_, notice) = a
        .next_notice::<RosterNotice>(within(SOON), meta::NameSpace::RosterNotice, |n| {
            n.r#type == roster_notice::Type::Accepted as i32
        })
        .await
        .expect("alice gets ACCEPTED");
    assert_eq!(notice.from.as_ref().map(|x| x.uid), Some(bob.id));
    assert_eq!(notice.to.iter().map(|x| x.uid).collect::<Vec<_>>(), vec![alice.id]);
});

on_both_backends!(joining_a_group_is_a_group_notice, |app| {
    let (owner, bob, carol) =
        (person(&app, "owner").await, person(&app, "bob").await, person(&app, "carol").await);
    let g = group(&owner, &[&carol]).await;
    let fp = fireplace(&app, &app.base_url).await;
    let (mut o, mut b) = (login(&fp, &owner).await, login(&fp, &bob).await);

    let invited =
        owner.api.group_invite(&input!({"group_id": g, "user_list": [bob.id]})).await.expect("invite");
    assert_eq!(invited.len(), 1);
    // The owner's queue also holds CREATED (guide §8.3): look for the join.
    let joining = [
        group_notice::Type::Joined as i32,
        group_notice::Type::InviteAccepted as i32,
        group_notice::Type::Invited as i32,
    ];
    let about_g = |n: &GroupNotice| n.gid.as_ref().map(|x| x.uid) == Some(g) && joining.contains(&n.r#type);
    let (_, seen_by_bob) = b
        .next_notice(within(SOON), meta::NameSpace::GroupNotice, about_g)
        .await
        .expect("bob gets a GROUP_NOTICE");
    let (_, seen_by_owner) = o
        .next_notice(within(SOON), meta::NameSpace::GroupNotice, about_g)
        .await
        .expect("owner gets a GROUP_NOTICE");
    for n in [&seen_by_bob, &seen_by_owner] {
        assert!(n.from.is_some(), "from: who acted: {n:?}");
    }
    // Bob is a member now: the group's texts reach him.
    let (mid, _) = assert_ok(&o.send_group_text(g, "welcome", within(SOON)).await);
    let (meta, _) = b.next_message(within(SOON)).await.expect("bob receives the group text");
    assert_eq!(meta.id, mid);
});

on_both_backends!(a_second_login_on_the_same_device_kicks_the_first, |app| {
    let (alice, bob) = (person(&app, "alice").await, person(&app, "bob").await);
    let fp = fireplace(&app, &app.base_url).await;
    let mut first = login(&fp, &bob).await;
    let mut second = login_as(&fp, &bob, first.device.clone()).await;
    assert_eq!(second.sn, first.sn);
    let (_, kick) = first
        .next_notice::<UserNotice>(within(SOON), meta::NameSpace::UserNotice, |_| true)
        .await
        .expect("the first socket is told");
    assert_eq!(kick.r#type, user_notice::Type::KickBySameDevice as i32);
    assert!(first.closed(within(SOON)).await.is_some(), "then closed");

    // The new login is not kicked and receives.
    let mut a = login(&fp, &alice).await;
    let (mid, _) = assert_ok(&a.send_text(bob.id, "still there?", within(SOON)).await);
    let meta = second.next_meta(within(SOON)).await.expect("the second login receives");
    assert_eq!(meta.id, mid, "the first thing the new login sees is the message, not a kick");
});

on_both_backends!(a_rest_send_reaches_the_socket, |app| {
    let (alice, bob) = (person(&app, "alice").await, person(&app, "bob").await);
    let fp = fireplace(&app, &app.base_url).await;
    let mut b = login(&fp, &bob).await;
    let sent = alice
        .api
        .message_send(&input!({"type": 1, "targets": [bob.id], "content": "over REST"}))
        .await
        .expect("REST send");
    assert!(sent);
    let (meta, got) = b.next_message(within(SOON)).await.expect("arrives on the socket");
    assert_eq!(got.content, "over REST");
    assert_eq!(meta.from.as_ref().map(|x| x.uid), Some(alice.id));
});

on_both_backends!(refusals_name_the_upload, |app| {
    let (alice, bob, carol) =
        (person(&app, "alice").await, person(&app, "bob").await, person(&app, "carol").await);
    let fp = fireplace(&app, &app.base_url).await;
    let mut a = login(&fp, &alice).await;

    // A friends-only app: a stranger's text is refused.
    let app_id = AppId::parse(&app.app_id).expect("app id");
    let patch = AppSettingsPatch { stranger_may_message: Some(false), ..Default::default() };
    app.core.apps().update_settings(&app_id, patch).await.expect("friends only");
    let meta = a.message_meta(bob.id, &text_body("stranger"), true);
    let cid = meta.id;
    let s = refused(&a.send_meta(meta, within(SOON)).await, cid);
    assert!(s.reason.contains("your relation with target does not allow chat"), "guide §7.3: {s:?}");
    let patch = AppSettingsPatch { stranger_may_message: Some(true), ..Default::default() };
    app.core.apps().update_settings(&app_id, patch).await.expect("strangers again");

    // Blocked by the recipient.
    assert!(bob.api.roster_block(&input!({"user_id": alice.id})).await.expect("block"));
    let meta = a.message_meta(bob.id, &text_body("blocked"), true);
    let cid = meta.id;
    let s = refused(&a.send_meta(meta, within(SOON)).await, cid);
    assert!(s.reason.contains("you have been blocked by the recipient"), "guide §7.3: {s:?}");

    // Banned (muted) in a group.
    let g = group(&carol, &[&alice]).await;
    let banned = carol
        .api
        .group_ban(&input!({"group_id": g, "user_list": [alice.id], "duration": 10}))
        .await
        .expect("ban");
    assert_eq!(banned.len(), 1);
    let mut body = text_body("muted");
    body.r#type = message_body::Type::Groupchat as i32;
    let meta = a.message_meta(g, &body, true);
    let cid = meta.id;
    let s = refused(&a.send_meta(meta, within(SOON)).await, cid);
    assert_eq!(s.code, status::ErrorCode::UserBanned as i32, "guide §7.3: {s:?}");

    // A failed send stores nothing: Bob's history of Alice is empty.
    let mut b = login(&fp, &bob).await;
    let page = b.history(alice.id, 0, 20, within(SOON)).await.expect("history");
    assert!(page.metas.is_empty(), "{page:?}");
});

fn text_body(content: &str) -> proto::MessageBody {
    proto::MessageBody {
        r#type: message_body::Type::Chat as i32,
        content: content.to_string(),
        operation: Some(proto::MessageOperation::default()),
        ..Default::default()
    }
}

on_both_backends!(a_resent_upload_is_stored_once, |app| {
    let (alice, bob) = (person(&app, "alice").await, person(&app, "bob").await);
    let fp = fireplace(&app, &app.base_url).await;
    let (mut a, mut b) = (login(&fp, &alice).await, login(&fp, &bob).await);
    let meta = a.message_meta(bob.id, &text_body("once"), true);
    a.upload(&meta);
    a.upload(&meta);
    let (first, _) = assert_ok(&a.ack_of(meta.id, within(SOON)).await);
    let (second, _) = assert_ok(&a.ack_of(meta.id, within(SOON)).await);
    assert_eq!(first, second, "a true duplicate is answered with the first ack (guide §7.2)");

    // Same client id, other bytes: a different message (two in one millisecond).
    let mut other = a.message_meta(bob.id, &text_body("twice"), true);
    other.id = meta.id;
    let (third, _) = assert_ok(&a.send_meta(other, within(SOON)).await);
    assert_ne!(third, first);

    let (m1, _) = b.next_message(within(SOON)).await.expect("the message");
    let (m2, _) = b.next_message(within(SOON)).await.expect("the other message");
    assert_eq!((m1.id, m2.id), (first, third), "the duplicate was not delivered twice");
    let page = b.history(alice.id, 0, 20, within(SOON)).await.expect("history");
    assert_eq!(texts_of(&page), vec!["twice".to_string(), "once".to_string()]);
});

on_both_backends!(typing_is_pushed_but_not_stored, |app| {
    let (alice, bob) = (person(&app, "alice").await, person(&app, "bob").await);
    let fp = fireplace(&app, &app.base_url).await;
    let (mut a, mut b) = (login(&fp, &alice).await, login(&fp, &bob).await);
    a.typing(bob.id, true);
    let (meta, _) = b
        .next_meta_where(within(SOON), |m| body(m).is_some_and(|b| b.ext.contains("typing")))
        .await
        .expect("bob sees alice typing");
    assert_eq!(meta.from.as_ref().map(|x| x.uid), Some(alice.id));
    let (mid, _) = assert_ok(&a.send_text(bob.id, "typed", within(SOON)).await);
    let (meta, _) = b.next_message(within(SOON)).await.expect("the text");
    assert_eq!(meta.id, mid);
    let page = b.history(alice.id, 0, 20, within(SOON)).await.expect("history");
    assert_eq!(texts_of(&page), vec!["typed".to_string()], "typing leaves no trace");
    let unread = b.unread(within(SOON)).await.expect("UNREAD");
    assert!(unread.unread.iter().all(|u| u.n == 0), "{unread:?}");
});

/// Alice on node B sends; Bob on node A receives before a 1 s deadline.
async fn across_nodes(app: &TestApp, b_url: &str) {
    let alice = person_on(app, b_url, "alice").await;
    let bob = person_on(app, &app.base_url, "bob").await;
    let g = group(&bob, &[&alice]).await;
    let on_a = fireplace(app, &app.base_url).await;
    let on_b = fireplace(app, b_url).await;
    assert_ne!(on_a, on_b);
    let mut b = login(&on_a, &bob).await;
    let mut a = login(&on_b, &alice).await;

    let (mid, _) = assert_ok(&a.send_text(bob.id, "from node B", within(SOON)).await);
    let (meta, _) = b.next_message(within(1.0)).await.expect("arrives on node A before a 1 s deadline");
    assert_eq!(meta.id, mid);
    let (mid, _) = assert_ok(&b.send_group_text(g, "group from A", within(SOON)).await);
    let (meta, _) = a.next_message(within(1.0)).await.expect("arrives on node B before a 1 s deadline");
    assert_eq!(meta.id, mid);
    // A REST send on node B reaches the socket on node A.
    let via_b = MaximClient::new(b_url.to_string())
        .with_app_id(app.app_id.clone())
        .with_access_token(alice.token.clone());
    assert!(
        via_b
            .message_send(&input!({"type": 1, "targets": [bob.id], "content": "REST on B"}))
            .await
            .expect("send")
    );
    let (_, got) = b.next_message(within(1.0)).await.expect("REST on B reaches A before a 1 s deadline");
    assert_eq!(got.content, "REST on B");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_postgres_deliver_across() {
    tests::run(tests::Backend::Postgres, |app| async move {
        let node = Node::start(&app).await;
        across_nodes(&app, &node.base_url.clone()).await;
        node.stop().await;
    })
    .await;
}

fn nats_url() -> String {
    std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

on_both_backends!(two_nodes_joined_by_nats_deliver_across, |app| {
    // Two nodes of their own on the app's database, on a subject no other test uses.
    let subject = format!("im.xsync-test.{}.{}", std::process::id(), client_id_stamp());
    let options = server::cluster::ClusterOptions { nats_url: Some(nats_url()), nats_subject: Some(subject) };
    let a = Node::start_with(&app, &options).await;
    let b = Node::start_with(&app, &options).await;
    let mut on_a = app.clone();
    on_a.base_url = a.base_url.clone();
    across_nodes(&on_a, &b.base_url.clone()).await;
    b.stop().await;
    a.stop().await;
});

fn client_id_stamp() -> u64 {
    tests::xsync::session::client_id()
}
