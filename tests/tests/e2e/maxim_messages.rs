//! MaxIM `/message/*` (`docs/messages.md`) over HTTP: sending to users and
//! groups and reading back with the answer's `set_*` flags, idempotent
//! sends (also concurrent), paging at the edges, unread counts and acks,
//! deleting a conversation, every refusal a send answers (block, ban,
//! `ban_all`, non-member, another sender), `history_visible`, acting as a
//! user, the app's notices, one body for 1,000 targets, and the shapes of
//! the JavaScript SDK. Users are set up through the core; every behaviour
//! under test goes through the generated client (raw HTTP where the exact
//! shape matters).

use client::ClientError;
use client::generated::maxim::models as m;
use serde_json::{Value, json};
use server::core::AppId;
use server::core::settings::SettingsPatch;
use server::core::users::NewUser;
use tests::{TestApp, failure, input, on_both_backends};

struct Who {
    id: i64,
    api: client::MaximClient,
}

/// A registered, logged-in user who joins groups when invited.
async fn user(app: &TestApp, name: &str) -> Who {
    let (id, token) = app.register_with_token(name).await;
    let app_id = AppId::parse(&app.app_id).expect("app id");
    let patch = SettingsPatch { group_confirm: Some(false), ..Default::default() };
    let actor = server::core::Actor::new(app_id, server::core::UserId(id));
    app.core.settings().update(&actor, patch).await.expect("settings");
    Who { id, api: app.maxim_as(&token) }
}

fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> i32 {
    failure(r).0
}

async fn send(from: &Who, kind: i32, targets: &[i64], content: &str) -> Result<bool, ClientError> {
    from.api.message_send(&input!({"type": kind, "targets": targets, "content": content})).await
}

async fn history(
    who: &Who,
    opposite: i64,
    start: Option<i64>,
    limit: Option<i32>,
) -> m::MessageConversationMessagesData {
    let q = m::MessageConversationMessagesInput { opposite_id: Some(opposite), msg_id_start: start, limit };
    who.api.message_conversation_messages(&q).await.expect("history")
}

fn contents(page: &m::MessageConversationMessagesData) -> Vec<String> {
    page.messages.iter().flatten().map(|m| m.content.clone().unwrap_or_default()).collect()
}

async fn unread(who: &Who, peer: i64) -> Option<i32> {
    let list = who.api.message_unread().await.expect("unread");
    list.iter().find(|c| c.conversation_id.as_ref().and_then(|x| x.uid) == Some(peer)).and_then(|c| c.num)
}

async fn ack(who: &Who, conversation: i64, msg_id: Option<i64>) {
    let q = m::MessageAckInput { conversation_id: Some(conversation), msg_id, device_sn: None };
    assert!(who.api.message_ack(&q).await.expect("ack"));
}

async fn create_group(owner: &Who, members: &[i64]) -> i64 {
    let created =
        owner.api.group_create(&input!({"name": "team", "user_list": members})).await.expect("create");
    created.group_id.expect("group id")
}

on_both_backends!(one_to_one_messages_round_trip_with_their_flags, |app| {
    let alice = user(&app, "alice").await;
    let bob = user(&app, "bob").await;
    let sent = alice
        .api
        .message_send(&input!({
            "type": 1, "targets": [bob.id], "content_type": 4, "content": "a file",
            "attachment": "{\"dName\":\"a.txt\",\"fLen\":3,\"url\":\"https://x/a\"}",
            "ext": "{\"k\":\"v\"}"
        }))
        .await;
    assert!(sent.expect("send"));
    assert!(send(&bob, 1, &[alice.id], "thanks").await.expect("reply"));
    let page = history(&bob, alice.id, None, None).await;
    assert_eq!(contents(&page), ["thanks", "a file"]);
    assert_eq!((page.is_last, page.set_is_last, page.set_next_msg_id), (Some(true), Some(true), Some(false)));
    assert_eq!(page.next_msg_id, None);
    assert_eq!(page.messages_size, Some(2));
    let msg = &page.messages.as_ref().expect("messages")[1];
    assert_eq!(msg.from_xid.as_ref().and_then(|x| x.uid), Some(alice.id));
    assert_eq!(msg.to_xid.as_ref().and_then(|x| x.uid), Some(bob.id));
    assert_eq!(msg.from_xid.as_ref().and_then(|x| x.set_uid), Some(true));
    assert_eq!(msg.ctype.as_deref(), Some("FILE"));
    assert_eq!(msg.attachment.as_deref(), Some("{\"dName\":\"a.txt\",\"fLen\":3,\"url\":\"https://x/a\"}"));
    assert_eq!(msg.ext.as_deref(), Some("{\"k\":\"v\"}"));
    assert_eq!((msg.config.as_deref(), msg.set_config, msg.set_ext), (None, Some(false), Some(true)));
    assert_eq!(msg.status.as_deref(), Some("UNREAD"));
    let ts = msg.timestamp.expect("timestamp");
    assert!(ts > 1_600_000_000_000, "ms since 1970, int64: {ts}");
    let id = msg.msg_id.expect("id");
    assert!(id > 0 && id <= 1 << 53, "{id}");
    assert_eq!(page.messages.as_ref().unwrap()[0].status.as_deref(), Some("READ"), "one's own");
    assert_eq!(contents(&history(&alice, bob.id, None, None).await), ["thanks", "a file"]);
});

on_both_backends!(group_messages_reach_every_member_once, |app| {
    let owner = user(&app, "owner").await;
    let member = user(&app, "member").await;
    let g = create_group(&owner, &[member.id]).await;
    assert!(send(&member, 2, &[g], "hello team").await.expect("send"));
    let page = history(&owner, g, None, None).await;
    assert_eq!(contents(&page), ["hello team"]);
    let msg = &page.messages.as_ref().unwrap()[0];
    assert_eq!(
        (msg.from_xid.as_ref().and_then(|x| x.uid), msg.to_xid.as_ref().and_then(|x| x.uid)),
        (Some(member.id), Some(g))
    );
    assert_eq!(unread(&owner, g).await, Some(1));
    assert_eq!(unread(&member, g).await, Some(0));
    ack(&owner, g, None).await;
    assert_eq!(unread(&owner, g).await, Some(0));
    let counts = app.core.messages().stored_counts(&AppId::parse(&app.app_id).unwrap()).await.unwrap();
    assert_eq!((counts.bodies, counts.messages), (1, 1));
});

on_both_backends!(a_transaction_id_sends_once_also_concurrently, |app| {
    let alice = user(&app, "alice").await;
    let bob = user(&app, "bob").await;
    let body = input!({"type": 1, "targets": [bob.id], "content": "once", "transaction_id": 7});
    assert!(alice.api.message_send(&body).await.expect("first"));
    assert!(alice.api.message_send(&body).await.expect("repeat answers true"));
    assert_eq!(contents(&history(&bob, alice.id, None, None).await), ["once"]);
    let body: m::MessageSendInput =
        input!({"type": 1, "targets": [bob.id], "content": "race", "transaction_id": 8});
    let calls = (0..6).map(|_| {
        let api = alice.api.clone();
        let body = body.clone();
        tokio::spawn(async move { api.message_send(&body).await })
    });
    for call in calls.collect::<Vec<_>>() {
        assert!(call.await.expect("task").expect("send"));
    }
    assert_eq!(contents(&history(&bob, alice.id, None, None).await), ["race", "once"]);
});

on_both_backends!(history_pages_newest_first_from_an_inclusive_start, |app| {
    let alice = user(&app, "alice").await;
    let bob = user(&app, "bob").await;
    let empty = history(&alice, bob.id, None, Some(2)).await;
    assert_eq!((contents(&empty).len(), empty.is_last), (0, Some(true)));
    for i in 0..4 {
        send(&alice, 1, &[bob.id], &format!("m{i}")).await.expect("send");
    }
    let first = history(&alice, bob.id, None, Some(2)).await;
    assert_eq!((contents(&first), first.is_last), (vec!["m3".to_string(), "m2".into()], Some(false)));
    let next = first.next_msg_id.expect("next");
    let second = history(&alice, bob.id, Some(next), Some(2)).await;
    assert_eq!(contents(&second), ["m1", "m0"]);
    assert_eq!((second.is_last, second.next_msg_id), (Some(true), None), "exactly a page: the last");
    let all = history(&alice, bob.id, None, None).await;
    assert_eq!(contents(&all).len(), 4);
    let q = m::MessageConversationMessagesInput { opposite_id: None, msg_id_start: None, limit: None };
    assert_eq!(code(alice.api.message_conversation_messages(&q).await), 10002);
    let q = m::MessageConversationMessagesInput {
        opposite_id: Some(bob.id),
        msg_id_start: None,
        limit: Some(-1),
    };
    assert_eq!(code(alice.api.message_conversation_messages(&q).await), 10002);
});

on_both_backends!(unread_counts_drop_with_acks_that_never_go_back, |app| {
    let alice = user(&app, "alice").await;
    let bob = user(&app, "bob").await;
    for i in 0..3 {
        send(&alice, 1, &[bob.id], &format!("m{i}")).await.expect("send");
    }
    assert_eq!(unread(&bob, alice.id).await, Some(3));
    let ids: Vec<i64> = history(&bob, alice.id, None, None)
        .await
        .messages
        .unwrap()
        .iter()
        .map(|m| m.msg_id.unwrap())
        .collect();
    ack(&bob, alice.id, Some(ids[1])).await;
    assert_eq!(unread(&bob, alice.id).await, Some(1));
    ack(&bob, alice.id, Some(ids[2])).await;
    assert_eq!(unread(&bob, alice.id).await, Some(1), "never backwards");
    ack(&bob, alice.id, None).await;
    assert_eq!(unread(&bob, alice.id).await, Some(0));
    assert_eq!(unread(&alice, bob.id).await, Some(0), "one's own messages are not unread");
    let q = m::MessageAckInput { conversation_id: None, msg_id: None, device_sn: None };
    assert_eq!(code(bob.api.message_ack(&q).await), 10002);
});

on_both_backends!(deleting_a_conversation_leaves_the_other_party_its_copy, |app| {
    let alice = user(&app, "alice").await;
    let bob = user(&app, "bob").await;
    send(&alice, 1, &[bob.id], "old").await.expect("send");
    let del = m::MessageConversationDeleteInput { conversation_id: Some(alice.id) };
    assert!(bob.api.message_conversation_delete(&del).await.expect("delete"));
    assert!(contents(&history(&bob, alice.id, None, None).await).is_empty());
    assert_eq!(unread(&bob, alice.id).await, None);
    assert_eq!(contents(&history(&alice, bob.id, None, None).await), ["old"]);
    send(&alice, 1, &[bob.id], "new").await.expect("send");
    assert_eq!(contents(&history(&bob, alice.id, None, None).await), ["new"]);
    assert_eq!(unread(&bob, alice.id).await, Some(1));
});

on_both_backends!(every_refusal_of_a_send_has_its_code, |app| {
    let owner = user(&app, "owner").await;
    let member = user(&app, "member").await;
    let stranger = user(&app, "stranger").await;
    assert!(stranger.api.roster_block(&m::RosterBlockInput { user_id: owner.id }).await.expect("block"));
    assert_eq!(code(send(&owner, 1, &[stranger.id], "hi").await), 10006);
    assert_eq!(code(send(&owner, 1, &[9_999_999], "hi").await), 10000);
    let g = create_group(&owner, &[member.id]).await;
    assert_eq!(code(send(&stranger, 2, &[g], "hi").await), 20002);
    assert_eq!(code(send(&owner, 2, &[9_999_999], "hi").await), 20001);
    owner
        .api
        .group_ban(&input!({"group_id": g, "user_list": [member.id], "duration": 60}))
        .await
        .expect("ban");
    let (c, message) = failure(send(&member, 2, &[g], "hi").await);
    assert_eq!(c, 10010);
    assert!(message.contains(&g.to_string()) && message.contains("banned"), "{message}");
    owner.api.group_unban(&input!({"group_id": g, "user_list": [member.id]})).await.expect("unban");
    assert!(send(&member, 2, &[g], "free").await.expect("unbanned"));
    owner.api.group_settings_ban_all(&input!({"group_id": g, "duration": -1})).await.expect("ban_all");
    assert_eq!(code(send(&member, 2, &[g], "hi").await), 10010);
    assert!(send(&owner, 2, &[g], "the owner still sends").await.expect("owner"));
    // Some targets failing: the others still get it, and the answer is true.
    assert!(send(&owner, 1, &[stranger.id, member.id], "mixed").await.expect("partly delivered"));
    assert_eq!(contents(&history(&member, owner.id, None, None).await), ["mixed"]);
    // Bad input.
    assert_eq!(code(owner.api.message_send(&input!({"targets": [member.id], "content": "x"})).await), 10002);
    assert_eq!(code(owner.api.message_send(&input!({"type": 3, "targets": [member.id]})).await), 10002);
    assert_eq!(code(owner.api.message_send(&input!({"type": 1, "targets": []})).await), 10002);
    let bad_ctype = input!({"type": 1, "targets": [member.id], "content_type": 8});
    assert_eq!(code(owner.api.message_send(&bad_ctype).await), 10002);
});

on_both_backends!(new_members_see_history_only_when_visible, |app| {
    let owner = user(&app, "owner").await;
    let late = user(&app, "late").await;
    let later = user(&app, "later").await;
    let g = create_group(&owner, &[]).await;
    send(&owner, 2, &[g], "before").await.expect("send");
    app.clock.advance(std::time::Duration::from_millis(5));
    owner.api.group_invite(&input!({"group_id": g, "user_list": [late.id]})).await.expect("invite");
    assert!(contents(&history(&late, g, None, None).await).is_empty());
    owner.api.group_settings_history_visible(&input!({"group_id": g, "value": true})).await.expect("visible");
    owner.api.group_invite(&input!({"group_id": g, "user_list": [later.id]})).await.expect("invite");
    assert_eq!(contents(&history(&later, g, None, None).await), ["before"]);
});

on_both_backends!(the_app_server_sends_as_a_user_and_users_only_as_themselves, |app| {
    let alice = user(&app, "alice").await;
    let bob = user(&app, "bob").await;
    let admin = app.maxim_admin();
    let body = input!({"type": 1, "targets": [bob.id], "from_user_id": alice.id, "content": "via server"});
    assert!(admin.message_send(&body).await.expect("admin as alice"));
    assert_eq!(contents(&history(&bob, alice.id, None, None).await), ["via server"]);
    let as_bob = input!({"type": 1, "targets": [alice.id], "from_user_id": bob.id, "content": "x"});
    assert_eq!(code(alice.api.message_send(&as_bob).await), 10010);
    // Naming no sender, the app itself sends (as /message/notify): sender 0.
    assert!(
        admin
            .message_send(&input!({"type": 1, "targets": [bob.id], "content": "from the app"}))
            .await
            .unwrap()
    );
    assert_eq!(contents(&history(&bob, 0, None, None).await), ["from the app"]);
    // The reading calls act as the `user_id` header's user.
    let as_bob = admin.acting_as_user(bob.id);
    assert_eq!(unread(&Who { id: bob.id, api: as_bob.clone() }, alice.id).await, Some(1));
    let q = m::MessageAckInput { conversation_id: Some(alice.id), msg_id: None, device_sn: None };
    assert!(as_bob.message_ack(&q).await.expect("ack as bob"));
    assert_eq!(unread(&bob, alice.id).await, Some(0));
    assert_eq!(code(alice.api.acting_as_user(bob.id).message_unread().await), 10010);
});

on_both_backends!(notices_come_from_the_app_to_users_and_groups, |app| {
    let alice = user(&app, "alice").await;
    let bob = user(&app, "bob").await;
    let g = create_group(&alice, &[bob.id]).await;
    let admin = app.maxim_admin();
    assert!(
        admin
            .message_notify(&input!({"type": 1, "targets": [alice.id, bob.id], "content": "upgrade"}))
            .await
            .expect("notify")
    );
    let page = history(&bob, 0, None, None).await;
    assert_eq!(contents(&page), ["upgrade"]);
    assert_eq!(page.messages.as_ref().unwrap()[0].from_xid.as_ref().and_then(|x| x.uid), Some(0));
    assert_eq!(unread(&alice, 0).await, Some(1));
    assert!(
        admin
            .message_notify(&input!({"type": 2, "targets": [g], "content": "group notice"}))
            .await
            .expect("notify")
    );
    assert_eq!(contents(&history(&alice, g, None, None).await), ["group notice"]);
    assert_eq!(unread(&alice, g).await, Some(1));
    assert_eq!(
        code(alice.api.message_notify(&input!({"type": 1, "targets": [bob.id], "content": "x"})).await),
        10010
    );
});

on_both_backends!(a_thousand_targets_are_one_request_and_one_body, |app| {
    let alice = user(&app, "alice").await;
    let app_id = AppId::parse(&app.app_id).unwrap();
    let mut targets = Vec::new();
    for i in 0..1000 {
        let u = app.core.users().register(&app_id, NewUser::new(format!("target{i}"), "password1")).await;
        targets.push(u.expect("register").id.0);
    }
    assert!(send(&alice, 1, &targets, "to everyone").await.expect("send"));
    let counts = app.core.messages().stored_counts(&app_id).await.unwrap();
    assert_eq!((counts.bodies, counts.messages), (1, 1000));
    let too_many: Vec<i64> = (1..=1001).collect();
    assert_eq!(code(send(&alice, 1, &too_many, "x").await), 10002);
});

on_both_backends!(the_javascript_sdks_shapes_are_served, |app| {
    let alice = user(&app, "alice").await;
    let bob = user(&app, "bob").await;
    send(&alice, 1, &[bob.id], "hi").await.expect("send");
    let bob_token = {
        let app_id = AppId::parse(&app.app_id).unwrap();
        app.core.tokens().login_by_username(&app_id, "bob", "password1", None).await.unwrap().token
    };
    let get = |path: String| {
        app.http.get(app.url(&path)).header("app_id", &app.app_id).header("access-token", &bob_token).send()
    };
    let body: Value = get("/message/unread?".into()).await.unwrap().json().await.unwrap();
    assert_eq!(body["code"], 200, "{body}");
    assert_eq!(body["data"][0]["conversation_id"]["uid"], json!(alice.id));
    assert_eq!(body["data"][0]["num"], 1);
    let url = format!("/message/conversation?opposite_id={}&msg_id_start=&limit=", alice.id);
    let body: Value = get(url).await.unwrap().json().await.unwrap();
    assert_eq!(body["data"]["messages"][0]["content"], "hi", "{body}");
    assert_eq!(body["data"]["messages"][0]["set_content"], true);
    // POST with the id in the query and the body {}.
    let url = app.url(&format!("/message/conversation?conversation_id={}", alice.id));
    let body: Value = app
        .http
        .post(url)
        .header("app_id", &app.app_id)
        .header("access-token", &bob_token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"code": 200, "message": null, "data": true}));
    assert!(contents(&history(&bob, alice.id, None, None).await).is_empty());
    // The documented PUT of /message/send, with numbers as strings.
    let body: Value = app
        .http
        .put(app.url("/message/send"))
        .header("app_id", &app.app_id)
        .header("access-token", &bob_token)
        .json(&json!({"type": "1", "targets": [alice.id.to_string()], "content": "by PUT"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"code": 200, "message": null, "data": true}));
    assert_eq!(contents(&history(&alice, bob.id, None, Some(1)).await), ["by PUT"]);
});

on_both_backends!(two_nodes_draw_distinct_ids_and_settle_one_transaction_id, |app| {
    let alice = user(&app, "alice").await;
    let bob = user(&app, "bob").await;
    let node = tests::Node::start(&app).await;
    let token = {
        let app_id = AppId::parse(&app.app_id).unwrap();
        app.core.tokens().login_by_username(&app_id, "alice", "password1", None).await.unwrap().token
    };
    let other = client::MaximClient::new(node.base_url.clone())
        .with_app_id(app.app_id.clone())
        .with_access_token(token);
    let mut calls = Vec::new();
    for i in 0..16 {
        let api = if i % 2 == 0 { alice.api.clone() } else { other.clone() };
        let body: m::MessageSendInput = if i < 10 {
            input!({"type": 1, "targets": [bob.id], "content": format!("m{i}")})
        } else {
            input!({"type": 1, "targets": [bob.id], "content": "same", "transaction_id": 99})
        };
        calls.push(tokio::spawn(async move { api.message_send(&body).await }));
    }
    for call in calls {
        assert!(call.await.expect("task").expect("send"));
    }
    let page = history(&bob, alice.id, None, Some(100)).await;
    let ids: std::collections::BTreeSet<i64> =
        page.messages.iter().flatten().filter_map(|m| m.msg_id).collect();
    assert_eq!(ids.len(), 11, "ten distinct sends and one of the six repeats, each its own id");
    assert_eq!(contents(&page).iter().filter(|c| *c == "same").count(), 1);
    node.stop().await;
});
