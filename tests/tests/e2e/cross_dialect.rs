//! One friend graph behind three doors (`docs/README.md#one-friend-graph-three-doors`): what one dialect
//! does, the others see. Ids: a NetEase accid is the username, a YHChat
//! chatId is the MaxIM user id written in decimal.

use client::ClientError;
use client::generated::maxim::models as m;
use client::generated::netease::models as n;
use serde_json::{Value, json};
use tests::{TestApp, on_both_backends};

fn add(accid: &str, faccid: &str, kind: i32) -> n::FriendAddInput {
    n::FriendAddInput { accid: accid.into(), faccid: faccid.into(), r#type: kind, msg: None, serverex: None }
}

fn pair(accid: &str, faccid: &str) -> n::FriendGetByAccidInput {
    n::FriendGetByAccidInput { accid: accid.into(), faccid: faccid.into() }
}

fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> i32 {
    match r {
        Ok(v) => panic!("expected an error code, got {v:?}"),
        Err(e) => e.code().unwrap_or_else(|| panic!("not an API error: {e}")),
    }
}

async fn maxim_friends(app: &TestApp, token: &str) -> Vec<i64> {
    let page = app
        .maxim_as(token)
        .roster_list_ids(&m::RosterListIdsInput { cursor: None, limit: None })
        .await
        .unwrap();
    page.data
}

async fn yh(app: &TestApp, token: &str, op: &str, body: Value) -> Value {
    let r = app
        .http
        .post(app.url(&format!("/v1/friend/{op}")))
        .header("token", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    r.json().await.unwrap()
}

on_both_backends!(a_netease_request_accepted_through_maxim, |app| {
    let (alice, alice_t) = app.register_needing_approval("alice").await;
    let (bob, bob_t) = app.register_needing_approval("bob").await;
    let nim = app.netease().await;
    nim.friend_add(&n::FriendAddInput { msg: Some("from NetEase".into()), ..add("alice", "bob", 2) })
        .await
        .unwrap();

    // bob sees the application in MaxIM and accepts it there.
    let applications = app
        .maxim_as(&bob_t)
        .roster_apply_list(&m::RosterApplyListInput { cursor: None, limit: None })
        .await
        .unwrap()
        .data;
    assert_eq!(applications.len(), 1);
    let accepted =
        app.maxim_as(&bob_t).roster_accept(&m::RosterAcceptInput { user_id: alice }).await.unwrap();
    assert!(accepted);

    // Friends in NetEase and in MaxIM, both ways.
    assert_eq!(
        nim.friend_get_by_accid(&pair("alice", "bob")).await.unwrap().friend.unwrap().bidirection,
        Some(true)
    );
    assert_eq!(
        nim.friend_get_by_accid(&pair("bob", "alice")).await.unwrap().friend.unwrap().bidirection,
        Some(true)
    );
    assert_eq!(maxim_friends(&app, &alice_t).await, [bob]);
    assert_eq!(maxim_friends(&app, &bob_t).await, [alice]);
    // And in YHChat's address book.
    let r = yh(&app, &alice_t, "apply", json!({"chatId": bob.to_string(), "chatType": 1})).await;
    assert_eq!(r["code"], -9, "already added");
});

on_both_backends!(a_yhchat_friend_is_seen_in_netease_and_maxim, |app| {
    let (carol, carol_t) = app.register_needing_approval("carol").await;
    let (dave, dave_t) = app.register_needing_approval("dave").await;
    assert_eq!(
        yh(&app, &carol_t, "apply", json!({"chatId": dave.to_string(), "chatType": 1, "remark": "hi"})).await
            ["code"],
        1
    );
    // dave sees it in MaxIM, and accepts it in YHChat by its request id.
    let applications = app
        .maxim_as(&dave_t)
        .roster_apply_list(&m::RosterApplyListInput { cursor: None, limit: None })
        .await
        .unwrap()
        .data;
    assert_eq!(applications[0].user_id, Some(carol));
    let request_id = app.yhchat_as(&dave_t).friend_request_list().await.unwrap().requests[0].request_id;
    assert_eq!(yh(&app, &dave_t, "agree-apply", json!({"id": request_id, "agree": 1})).await["code"], 1);

    let nim = app.netease().await;
    let got = nim.friend_get(&n::FriendGetInput { accid: "carol".into(), updatetime: 0 }).await.unwrap();
    assert_eq!(got.size, Some(1));
    let f = &got.friends.unwrap()[0];
    assert_eq!((f.faccid.as_deref(), f.bidirection), (Some("dave"), Some(true)));
    assert_eq!(maxim_friends(&app, &carol_t).await, [dave]);
    assert_eq!(maxim_friends(&app, &dave_t).await, [carol]);

    // A NetEase deletion empties the YHChat and MaxIM lists.
    nim.friend_delete(&n::FriendDeleteInput {
        accid: "dave".into(),
        faccid: "carol".into(),
        is_delete_alias: None,
    })
    .await
    .unwrap();
    assert!(maxim_friends(&app, &carol_t).await.is_empty());
    assert_eq!(
        yh(&app, &carol_t, "delete-friend", json!({"chatId": dave.to_string(), "chatType": 1})).await["code"],
        -10
    );
});

on_both_backends!(a_maxim_block_refuses_netease_and_yhchat_adds, |app| {
    let (erin, erin_t) = app.register_needing_approval("erin").await;
    let (_, frank_t) = app.register_needing_approval("frank").await;
    let frank = app
        .core
        .users()
        .by_username(&server::core::AppId::parse(&app.app_id).unwrap(), "frank")
        .await
        .unwrap()
        .id
        .0;
    assert!(app.maxim_as(&erin_t).roster_block(&m::RosterBlockInput { user_id: frank }).await.unwrap());

    let nim = app.netease().await;
    assert_eq!(code(nim.friend_add(&add("frank", "erin", 1)).await), 403);
    assert_eq!(code(nim.friend_add(&add("frank", "erin", 2)).await), 403);
    assert_eq!(
        yh(&app, &frank_t, "apply", json!({"chatId": erin.to_string(), "chatType": 1})).await["code"],
        -4
    );
    assert!(maxim_friends(&app, &frank_t).await.is_empty());

    // Unblocked in MaxIM: NetEase may add again.
    assert!(app.maxim_as(&erin_t).roster_unblock(&m::RosterUnblockInput { user_id: frank }).await.unwrap());
    nim.friend_add(&add("frank", "erin", 1)).await.unwrap();
    assert_eq!(maxim_friends(&app, &erin_t).await, [frank]);
});
