//! YHChat `/v1/friend/*` (`docs/yhchat.md`): JSON answers `{code, msg}`, and
//! the protobuf answers decoded with types generated in this crate from
//! `tests/proto/yhchat_friend.proto` (written from the document), not with
//! the server's models. Users (chatType 1) and groups (chatType 2): groups
//! are set up through the core, then reached only through YHChat's calls.

use std::time::Duration;

use prost::Message;
use serde_json::{Value, json};
use server::core::groups::{NewGroup, SettingsPatch as GroupSettings};
use server::core::users::ProfilePatch;
use server::core::{Actor, AppId, GroupId, UserId};
use tests::{TestApp, on_both_backends};

// prost writes `pub` items; here they are the test's own.
#[allow(unreachable_pub)]
mod pb {
    include!(concat!(env!("OUT_DIR"), "/yhchat_friend.rs"));
}

async fn post(app: &TestApp, token: Option<&str>, op: &str, body: Value) -> Value {
    let mut req = app.http.post(app.url(&format!("/v1/friend/{op}"))).json(&body);
    if let Some(t) = token {
        req = req.header("token", t);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn proto(app: &TestApp, token: Option<&str>, op: &str, body: Vec<u8>) -> Vec<u8> {
    let mut req = app
        .http
        .post(app.url(&format!("/v1/friend/{op}")))
        .header("Content-Type", "application/x-protobuf")
        .body(body);
    if let Some(t) = token {
        req = req.header("token", t);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
    assert_eq!(ct.as_deref(), Some("application/x-protobuf"));
    r.bytes().await.unwrap().to_vec()
}

async fn address_book(app: &TestApp, token: &str, number: &str) -> pb::AddressBookList {
    let send = pb::AddressBookListSend { number: number.into() };
    let reply = proto(app, Some(token), "address-book-list", send.encode_to_vec()).await;
    pb::AddressBookList::decode(reply.as_slice()).expect("an address_book_list message")
}

async fn requests(app: &TestApp, token: &str) -> pb::Response {
    let reply = proto(app, Some(token), "request-list", Vec::new()).await;
    pb::Response::decode(reply.as_slice()).expect("a Response message")
}

fn ok() -> Value {
    json!({"code": 1, "msg": "success"})
}

fn users_list(book: &pb::AddressBookList) -> &pb::address_book_list::Data {
    book.data.iter().find(|d| d.list_name == "用户").expect("the 用户 list")
}

fn groups_list(book: &pb::AddressBookList) -> &[pb::address_book_list::data::DataList] {
    &book.data.iter().find(|d| d.list_name == "我加入的群聊").expect("the 我加入的群聊 list").data
}

fn actor(app: &TestApp, user: i64) -> Actor {
    Actor::new(AppId::parse(&app.app_id).unwrap(), UserId(user))
}

/// A group owned by `owner` (its `apply_approval` is 1, the default: an
/// admin approves), made through the core.
async fn group(app: &TestApp, owner: i64, name: &str) -> GroupId {
    let new = NewGroup { name: name.into(), avatar: format!("https://g/{name}.png"), ..Default::default() };
    app.core.groups().create(&actor(app, owner), new).await.unwrap().info.group.id
}

async fn set_approval(app: &TestApp, owner: i64, g: GroupId, approval: i64) {
    let patch = GroupSettings { apply_approval: Some(approval), ..Default::default() };
    app.core.groups().update_settings(&actor(app, owner), g, patch).await.unwrap();
}

fn chat(g: GroupId) -> Value {
    json!({"chatId": g.0.to_string(), "chatType": 2})
}

on_both_backends!(apply_agree_list_mute_delete, |app| {
    let (alice, alice_t) = app.register_needing_approval("alice").await;
    let (bob, bob_t) = app.register_needing_approval("bob").await;
    let app_id = AppId::parse(&app.app_id).unwrap();
    let bob_actor = server::core::Actor::new(app_id.clone(), server::core::UserId(bob));
    let nick = ProfilePatch {
        nick_name: Some("Bob B".into()),
        avatar: Some("https://a/b.png".into()),
        ..Default::default()
    };
    app.core.users().update_profile(&bob_actor, nick).await.unwrap();

    // apply: a pending application (bob's verification is approval).
    let body = post(
        &app,
        Some(&alice_t),
        "apply",
        json!({"chatId": bob.to_string(), "chatType": 1, "remark": "测试申请简介"}),
    )
    .await;
    assert_eq!(body, ok());
    // Applying again refreshes the same application.
    assert_eq!(
        post(
            &app,
            Some(&alice_t),
            "apply",
            json!({"chatId": bob.to_string(), "chatType": 1, "remark": "again"})
        )
        .await,
        ok()
    );

    let list = requests(&app, &bob_t).await;
    let status = list.status.clone().unwrap();
    assert_eq!((status.code, status.msg.as_str()), (1, "success"));
    assert_eq!((list.total, list.pending, list.requests.len()), (1, 1, 1));
    let r = &list.requests[0];
    assert_eq!(r.inviter_id, alice.to_string());
    assert_eq!(r.receiver_id, bob.to_string());
    assert_eq!(r.target_id, bob.to_string());
    assert_eq!(
        (r.name.as_str(), r.receiver_name.as_str(), r.receiver_avatar.as_str()),
        ("alice", "Bob B", "https://a/b.png")
    );
    assert_eq!((r.result, r.note.as_str()), (0, "again"));
    assert!(r.request_id > 0);
    assert!(r.invite_at > 1_600_000_000 && r.invite_at < 10_000_000_000, "seconds: {}", r.invite_at);
    assert_eq!(r.invite_at_str.len(), "2025-01-01 00:00:00".len());
    assert_eq!(requests(&app, &alice_t).await.requests.len(), 0, "only applications to the caller");

    // Only the target may agree; then they are friends both ways.
    let id = r.request_id;
    assert_eq!(post(&app, Some(&alice_t), "agree-apply", json!({"id": id, "agree": 1})).await["code"], -6);
    assert_eq!(post(&app, Some(&bob_t), "agree-apply", json!({"id": id, "agree": 1})).await, ok());
    assert_eq!(
        post(&app, Some(&bob_t), "agree-apply", json!({"id": id, "agree": 1})).await["code"],
        -6,
        "handled already"
    );
    let list = requests(&app, &bob_t).await;
    assert_eq!((list.total, list.pending, list.requests[0].result), (1, 0, 1));
    assert_eq!(list.requests[0].processor_name, "Bob B");
    assert!(list.requests[0].processed_at > 0);

    let book = address_book(&app, &alice_t, "114514").await;
    let status = book.status.clone().unwrap();
    assert_eq!((status.number, status.code, status.msg.as_str()), (114514, 1, "success"));
    let names: Vec<_> = book.data.iter().map(|d| d.list_name.as_str()).collect();
    assert_eq!(names, ["用户", "我加入的群聊", "机器人"]);
    let friends = &users_list(&book).data;
    assert_eq!(friends.len(), 1);
    assert_eq!(
        (friends[0].chat_id.as_str(), friends[0].name.as_str(), friends[0].avatar_url.as_str()),
        (bob.to_string().as_str(), "Bob B", "https://a/b.png")
    );
    assert!(!friends[0].no_disturb);
    assert_eq!(users_list(&address_book(&app, &bob_t, "").await).data[0].chat_id, alice.to_string());

    // Already added: -9.
    assert_eq!(
        post(&app, Some(&alice_t), "apply", json!({"chatId": bob.to_string(), "chatType": 1})).await["code"],
        -9
    );

    // no-notify sets the caller's mute flag only.
    assert_eq!(
        post(&app, Some(&alice_t), "no-notify", json!({"chatId": bob.to_string(), "noNotify": 1})).await,
        ok()
    );
    assert!(users_list(&address_book(&app, &alice_t, "1").await).data[0].no_disturb);
    assert!(!users_list(&address_book(&app, &bob_t, "1").await).data[0].no_disturb);
    assert_eq!(
        post(&app, Some(&alice_t), "no-notify", json!({"chatId": bob.to_string(), "noNotify": 0})).await,
        ok()
    );
    assert!(!users_list(&address_book(&app, &alice_t, "1").await).data[0].no_disturb);
    assert_eq!(
        post(&app, Some(&alice_t), "no-notify", json!({"chatId": bob.to_string(), "noNotify": 2})).await["code"],
        -2
    );

    // delete-friend: gone for both.
    assert_eq!(
        post(&app, Some(&bob_t), "delete-friend", json!({"chatId": alice.to_string(), "chatType": 1})).await,
        ok()
    );
    assert!(users_list(&address_book(&app, &alice_t, "1").await).data.is_empty());
    assert_eq!(
        post(&app, Some(&bob_t), "delete-friend", json!({"chatId": alice.to_string(), "chatType": 1})).await
            ["code"],
        -10
    );
    assert_eq!(
        post(&app, Some(&alice_t), "no-notify", json!({"chatId": bob.to_string(), "noNotify": 1})).await["code"],
        -10
    );
});

on_both_backends!(declines_and_other_agree_values, |app| {
    let (alice, alice_t) = app.register_needing_approval("alice").await;
    let (_, bob_t) = app.register_needing_approval("bob").await;
    let (_, carol_t) = app.register_needing_approval("carol").await;
    let (_, dave_t) = app.register_needing_approval("dave").await;
    for t in [&bob_t, &carol_t, &dave_t] {
        assert_eq!(
            post(&app, Some(t), "apply", json!({"chatId": alice.to_string(), "chatType": 1})).await,
            ok()
        );
    }
    let list = requests(&app, &alice_t).await;
    assert_eq!((list.total, list.pending), (3, 3));
    // Newest first: dave, carol, bob.
    let ids: Vec<i32> = list.requests.iter().map(|r| r.request_id).collect();
    let names: Vec<&str> = list.requests.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["dave", "carol", "bob"]);
    // Someone else's application cannot be handled.
    assert_eq!(post(&app, Some(&bob_t), "agree-apply", json!({"id": ids[0], "agree": 2})).await["code"], -6);
    assert_eq!(post(&app, Some(&alice_t), "agree-apply", json!({"id": ids[0], "agree": 2})).await, ok());
    assert_eq!(post(&app, Some(&alice_t), "agree-apply", json!({"id": ids[1], "agree": 3})).await, ok());
    assert_eq!(
        post(&app, Some(&alice_t), "agree-apply", json!({"id": ids[2], "agree": 5})).await["code"],
        -2
    );
    assert_eq!(post(&app, Some(&alice_t), "agree-apply", json!({"agree": 1})).await["code"], -2);
    assert_eq!(
        post(&app, Some(&alice_t), "agree-apply", json!({"id": 999999, "agree": 1})).await["code"],
        -6
    );
    let list = requests(&app, &alice_t).await;
    let results: Vec<i32> = list.requests.iter().map(|r| r.result).collect();
    assert_eq!(results, [2, 2, 0]);
    assert_eq!(list.pending, 1);
    assert!(users_list(&address_book(&app, &alice_t, "1").await).data.is_empty(), "nobody was accepted");
});

on_both_backends!(failures_answer_negative_codes, |app| {
    let (alice, alice_t) = app.register_needing_approval("alice").await;
    let (bob, _) = app.register_needing_approval("bob").await;
    let target = json!({"chatId": bob.to_string(), "chatType": 1});

    // Token: missing, unknown, an admin token (not a user token).
    for token in [None, Some("nope"), Some(app.admin_token.as_str())] {
        let body = post(&app, token, "apply", target.clone()).await;
        assert_eq!(body["code"], -3, "{token:?}: {body}");
        assert!(body["msg"].is_string());
    }
    // The protobuf answers carry the failure in their status.
    let reply = proto(&app, None, "request-list", Vec::new()).await;
    let status = pb::Response::decode(reply.as_slice()).unwrap().status.unwrap();
    assert_eq!(status.code, -3);
    let reply = proto(&app, Some("nope"), "address-book-list", Vec::new()).await;
    assert_eq!(pb::AddressBookList::decode(reply.as_slice()).unwrap().status.unwrap().code, -3);
    let reply = proto(&app, Some(&alice_t), "address-book-list", vec![0x12, 0x05, b'a']).await;
    assert_eq!(
        pb::AddressBookList::decode(reply.as_slice()).unwrap().status.unwrap().code,
        -2,
        "a truncated message"
    );

    // Targets: unknown (-1), missing (-2), yourself (-2).
    for chat in ["999999", "abc"] {
        assert_eq!(
            post(&app, Some(&alice_t), "apply", json!({"chatId": chat, "chatType": 1})).await["code"],
            -1,
            "{chat}"
        );
    }
    assert_eq!(post(&app, Some(&alice_t), "apply", json!({"chatType": 1})).await["code"], -2);
    assert_eq!(
        post(&app, Some(&alice_t), "apply", json!({"chatId": alice.to_string(), "chatType": 1})).await["code"],
        -2
    );
    // Bots: -7 until they exist. A user's id is no group (one id space): -1.
    for op in ["apply", "delete-friend"] {
        let body = post(&app, Some(&alice_t), op, json!({"chatId": bob.to_string(), "chatType": 3})).await;
        assert_eq!(body["code"], -7, "{op} chatType 3");
        let body = post(&app, Some(&alice_t), op, json!({"chatId": bob.to_string(), "chatType": 2})).await;
        assert_eq!(body["code"], -1, "{op} chatType 2 on a user");
    }
    assert_eq!(
        post(&app, Some(&alice_t), "apply", json!({"chatId": bob.to_string(), "chatType": 9})).await["code"],
        -2
    );
    // A user that refuses everybody: -5.
    let bob_actor = server::core::Actor::new(AppId::parse(&app.app_id).unwrap(), server::core::UserId(bob));
    let closed = server::core::settings::SettingsPatch { auth_mode: Some(3), ..Default::default() };
    app.core.settings().update(&bob_actor, closed).await.unwrap();
    assert_eq!(post(&app, Some(&alice_t), "apply", target.clone()).await["code"], -5);

    // A token belongs to its own app: users of another app are not there.
    let (other, _) = app.other_app("other-app").await;
    let other = AppId::parse(&other).unwrap();
    app.core.users().register(&other, server::core::users::NewUser::new("zed", "password1")).await.unwrap();
    let zed_t = app.core.tokens().login_by_username(&other, "zed", "password1", None).await.unwrap().token;
    assert_eq!(post(&app, Some(&zed_t), "apply", target.clone()).await["code"], -1);
    assert_eq!(requests(&app, &zed_t).await.status.unwrap().code, 1);
});

on_both_backends!(the_generated_client_reads_the_answers, |app| {
    let (_, alice_t) = app.register_needing_approval("alice").await;
    let (bob, bob_t) = app.register_needing_approval("bob").await;
    use client::generated::yhchat::models as y;
    let yh = app.yhchat_as(&alice_t);
    yh.friend_apply(&y::FriendApplyInput {
        chat_id: Some(bob.to_string()),
        chat_type: Some(1),
        remark: Some("hi".into()),
    })
    .await
    .unwrap();
    let list = app.yhchat_as(&bob_t).friend_request_list().await.unwrap();
    let id = list.requests[0].request_id;
    app.yhchat_as(&bob_t)
        .friend_agree_apply(&y::FriendAgreeApplyInput { id: Some(id), agree: Some(1) })
        .await
        .unwrap();
    let book =
        yh.friend_address_book_list(&y::FriendAddressBookListMessage { number: "7".into() }).await.unwrap();
    assert_eq!(book.data[0].data[0].chat_id, bob.to_string());
    let e = yh
        .friend_apply(&y::FriendApplyInput {
            chat_id: Some(bob.to_string()),
            chat_type: Some(1),
            remark: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(-9));
});

on_both_backends!(group_applications_beside_friend_applications, |app| {
    let (alice, alice_t) = app.register_needing_approval("alice").await;
    let (bob, bob_t) = app.register_needing_approval("bob").await;
    let (carol, carol_t) = app.register_needing_approval("carol").await;
    let g = group(&app, alice, "team").await;

    // carol applies to alice as a friend, bob (a second later) to the group: both wait.
    assert_eq!(
        post(&app, Some(&carol_t), "apply", json!({"chatId": alice.to_string(), "chatType": 1})).await,
        ok()
    );
    app.clock.advance(Duration::from_secs(1));
    assert_eq!(
        post(
            &app,
            Some(&bob_t),
            "apply",
            json!({"chatId": g.0.to_string(), "chatType": 2, "remark": "let me in"})
        )
        .await,
        ok()
    );
    assert!(groups_list(&address_book(&app, &bob_t, "1").await).is_empty(), "pending, not joined");

    let list = requests(&app, &alice_t).await;
    assert_eq!((list.total, list.pending, list.requests.len()), (2, 2, 2));
    let kinds: Vec<i32> = list.requests.iter().map(|r| r.target_type).collect();
    assert_eq!(kinds, [2, 1], "newest first across both kinds");
    let group_request = list.requests.iter().find(|r| r.target_type == 2).expect("the group application");
    let friend_request = list.requests.iter().find(|r| r.target_type == 1).expect("the friend application");
    assert!(group_request.request_id < 0, "group applications are numbered negative");
    assert!(friend_request.request_id > 0);
    assert_eq!(
        (
            group_request.target_id.as_str(),
            group_request.group_name.as_str(),
            group_request.group_avatar.as_str()
        ),
        (g.0.to_string().as_str(), "team", "https://g/team.png")
    );
    assert_eq!(
        (group_request.inviter_id.as_str(), group_request.name.as_str(), group_request.note.as_str()),
        (bob.to_string().as_str(), "bob", "let me in")
    );
    assert_eq!((group_request.receiver_id.as_str(), group_request.result), (alice.to_string().as_str(), 0));
    assert!(group_request.invite_at > 1_600_000_000 && group_request.invite_at < 10_000_000_000);
    assert_eq!(friend_request.inviter_id, carol.to_string());
    // Applicants and plain members do not see the group's applications.
    assert_eq!(requests(&app, &bob_t).await.total, 0);

    // Only an admin of the group may handle it: -6 for anyone else.
    let gid = group_request.request_id;
    for t in [&bob_t, &carol_t] {
        assert_eq!(post(&app, Some(t), "agree-apply", json!({"id": gid, "agree": 1})).await["code"], -6);
    }
    assert_eq!(post(&app, Some(&alice_t), "agree-apply", json!({"id": gid, "agree": 1})).await, ok());
    assert_eq!(
        post(&app, Some(&alice_t), "agree-apply", json!({"id": gid, "agree": 1})).await["code"],
        -6,
        "handled already"
    );
    // The friend application is untouched by the group's, and the other way round.
    let list = requests(&app, &alice_t).await;
    assert_eq!(list.pending, 1);
    let handled = list.requests.iter().find(|r| r.request_id == gid).unwrap();
    assert_eq!((handled.result, handled.processor_name.as_str()), (1, "alice"));
    assert!(handled.processed_at > 0);
    let fid = friend_request.request_id;
    assert_eq!(post(&app, Some(&alice_t), "agree-apply", json!({"id": fid, "agree": 1})).await, ok());
    assert_eq!(requests(&app, &alice_t).await.pending, 0);
    assert_eq!(users_list(&address_book(&app, &alice_t, "1").await).data[0].chat_id, carol.to_string());

    // bob is a member now: the group is in his address book, not in carol's.
    let mine = groups_list(&address_book(&app, &bob_t, "1").await).to_vec();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].chat_id.as_str(), mine[0].name.as_str(), mine[0].avatar_url.as_str()),
        (g.0.to_string().as_str(), "team", "https://g/team.png")
    );
    assert_eq!((mine[0].permisson_level, mine[0].no_disturb), (0, false));
    assert!(groups_list(&address_book(&app, &carol_t, "1").await).is_empty());
    assert_eq!(groups_list(&address_book(&app, &alice_t, "1").await)[0].permisson_level, 100);
    // Already a member: -9.
    assert_eq!(post(&app, Some(&bob_t), "apply", chat(g)).await["code"], -9);

    // Declined (agree 2; 3 and 4 decline too): not a member.
    assert_eq!(post(&app, Some(&carol_t), "apply", chat(g)).await, ok());
    let id = requests(&app, &alice_t).await.requests.iter().find(|r| r.result == 0).unwrap().request_id;
    assert_eq!(post(&app, Some(&alice_t), "agree-apply", json!({"id": id, "agree": 4})).await, ok());
    let list = requests(&app, &alice_t).await;
    assert_eq!(list.requests.iter().find(|r| r.request_id == id).unwrap().result, 2);
    assert!(groups_list(&address_book(&app, &carol_t, "1").await).is_empty());
    assert_eq!(
        post(&app, Some(&alice_t), "agree-apply", json!({"id": -999_999, "agree": 1})).await["code"],
        -6
    );
});

on_both_backends!(group_modes_roles_and_leaving, |app| {
    let (alice, alice_t) = app.register_needing_approval("alice").await;
    let (_, bob_t) = app.register_needing_approval("bob").await;
    let (carol, carol_t) = app.register_needing_approval("carol").await;
    let (dave, dave_t) = app.register_needing_approval("dave").await;
    let g = group(&app, alice, "open").await;
    let gr = app.core.groups();

    // apply_approval 0: applying joins at once.
    set_approval(&app, alice, g, 0).await;
    for t in [&bob_t, &carol_t] {
        assert_eq!(post(&app, Some(t), "apply", chat(g)).await, ok());
    }
    assert_eq!(groups_list(&address_book(&app, &bob_t, "1").await)[0].chat_id, g.0.to_string());
    assert_eq!(requests(&app, &alice_t).await.total, 0, "nothing waited");

    // An admin's level is 2; a muted group is noDisturb.
    gr.admin_add(&actor(&app, alice), g, &[UserId(carol)]).await.unwrap();
    gr.set_msg_mute_mode(&actor(&app, carol), g, 1).await.unwrap();
    let mine = groups_list(&address_book(&app, &carol_t, "1").await).to_vec();
    assert_eq!((mine[0].permisson_level, mine[0].no_disturb), (2, true));

    // An admin (not only the owner) sees and handles the group's applications.
    set_approval(&app, alice, g, 1).await;
    assert_eq!(post(&app, Some(&dave_t), "apply", chat(g)).await, ok());
    let list = requests(&app, &carol_t).await;
    assert_eq!((list.total, list.pending), (1, 1));
    let id = list.requests[0].request_id;
    assert_eq!(post(&app, Some(&carol_t), "agree-apply", json!({"id": id, "agree": 1})).await, ok());
    assert_eq!(groups_list(&address_book(&app, &dave_t, "1").await).len(), 1);
    assert_eq!(requests(&app, &alice_t).await.requests[0].processor_name, "carol");

    // delete-friend with chatType 2 leaves the group; not a member: -10.
    assert_eq!(post(&app, Some(&dave_t), "delete-friend", chat(g)).await, ok());
    assert!(groups_list(&address_book(&app, &dave_t, "1").await).is_empty());
    assert_eq!(post(&app, Some(&dave_t), "delete-friend", chat(g)).await["code"], -10);
    // The owner cannot leave (transfer first): -2.
    assert_eq!(post(&app, Some(&alice_t), "delete-friend", chat(g)).await["code"], -2);

    // apply_approval 2: refused (-5); the group's block list: -4.
    set_approval(&app, alice, g, 2).await;
    assert_eq!(post(&app, Some(&dave_t), "apply", chat(g)).await["code"], -5);
    set_approval(&app, alice, g, 0).await;
    gr.block(&actor(&app, alice), g, &[UserId(dave)]).await.unwrap();
    assert_eq!(post(&app, Some(&dave_t), "apply", chat(g)).await["code"], -4);

    // Chat ids: unknown or not a number -1, missing -2.
    for chat_id in ["999999", "abc"] {
        let body = post(&app, Some(&dave_t), "apply", json!({"chatId": chat_id, "chatType": 2})).await;
        assert_eq!(body["code"], -1, "{chat_id}");
    }
    assert_eq!(post(&app, Some(&dave_t), "apply", json!({"chatType": 2})).await["code"], -2);

    // Destroyed: gone from the address book; leaving or applying: -1.
    gr.destroy(&actor(&app, alice), g).await.unwrap();
    assert!(groups_list(&address_book(&app, &bob_t, "1").await).is_empty());
    assert_eq!(post(&app, Some(&bob_t), "delete-friend", chat(g)).await["code"], -1);
    assert_eq!(post(&app, Some(&dave_t), "apply", chat(g)).await["code"], -1);
});
