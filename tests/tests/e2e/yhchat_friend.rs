//! YHChat `/v1/friend/*` (`docs/yhchat.md`): JSON answers `{code, msg}`, and
//! the protobuf answers decoded with types generated in this crate from
//! `tests/proto/yhchat_friend.proto` (written from the document), not with
//! the server's models.

use prost::Message;
use serde_json::{Value, json};
use server::core::AppId;
use server::core::users::ProfilePatch;
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

on_both_backends!(apply_agree_list_mute_delete, |app| {
    let (alice, alice_t) = app.register_with_token("alice").await;
    let (bob, bob_t) = app.register_with_token("bob").await;
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
    let (alice, alice_t) = app.register_with_token("alice").await;
    let (_, bob_t) = app.register_with_token("bob").await;
    let (_, carol_t) = app.register_with_token("carol").await;
    let (_, dave_t) = app.register_with_token("dave").await;
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
    let (alice, alice_t) = app.register_with_token("alice").await;
    let (bob, _) = app.register_with_token("bob").await;
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
    // Groups and bots: -7 until they exist.
    for op in ["apply", "delete-friend"] {
        for kind in [2, 3] {
            let body =
                post(&app, Some(&alice_t), op, json!({"chatId": bob.to_string(), "chatType": kind})).await;
            assert_eq!(body["code"], -7, "{op} chatType {kind}");
        }
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
    let (_, alice_t) = app.register_with_token("alice").await;
    let (bob, bob_t) = app.register_with_token("bob").await;
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
