//! NetEase `/nimserver/friend/*.action` (`docs/netease.md`) through the
//! generated client, and the answers' exact JSON through raw HTTP.

use client::ClientError;
use client::generated::netease::models as n;
use serde_json::Value;
use server::core::Clock;
use sha1::{Digest, Sha1};
use std::time::Duration;
use tests::{TestApp, on_both_backends};

fn add(accid: &str, faccid: &str, kind: i32) -> n::FriendAddInput {
    n::FriendAddInput { accid: accid.into(), faccid: faccid.into(), r#type: kind, msg: None, serverex: None }
}

fn pair(accid: &str, faccid: &str) -> n::FriendGetByAccidInput {
    n::FriendGetByAccidInput { accid: accid.into(), faccid: faccid.into() }
}

fn get(accid: &str, since: i64) -> n::FriendGetInput {
    n::FriendGetInput { accid: accid.into(), updatetime: since }
}

fn update(accid: &str, faccid: &str) -> n::FriendUpdateInput {
    n::FriendUpdateInput { accid: accid.into(), faccid: faccid.into(), alias: None, ex: None, serverex: None }
}

fn delete(accid: &str, faccid: &str, clear_alias: Option<bool>) -> n::FriendDeleteInput {
    n::FriendDeleteInput { accid: accid.into(), faccid: faccid.into(), is_delete_alias: clear_alias }
}

fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> i32 {
    match r {
        Ok(v) => panic!("expected an error code, got {v:?}"),
        Err(e) => e.code().unwrap_or_else(|| panic!("not an API error: {e}")),
    }
}

async fn users(app: &TestApp, names: &[&str]) {
    for name in names {
        app.register_needing_approval(name).await;
    }
}

on_both_backends!(add_types_one_to_four, |app| {
    users(&app, &["alice", "bob", "carol", "dave"]).await;
    let nim = app.netease().await;

    // Type 1: friends both ways at once; serverex is accid's side of it.
    nim.friend_add(&n::FriendAddInput { serverex: Some("vip".into()), ..add("alice", "bob", 1) })
        .await
        .unwrap();
    let f = nim.friend_get_by_accid(&pair("alice", "bob")).await.unwrap().friend.unwrap();
    assert_eq!(f.faccid.as_deref(), Some("bob"));
    assert_eq!(f.bidirection, Some(true));
    assert_eq!(f.serverex.as_deref(), Some("vip"));
    assert!(f.createtime.unwrap() > 0 && f.updatetime.unwrap() >= f.createtime.unwrap());
    let back = nim.friend_get_by_accid(&pair("bob", "alice")).await.unwrap().friend.unwrap();
    assert_eq!((back.faccid.as_deref(), back.serverex), (Some("alice"), None));

    // Repeated: 417, from either side.
    assert_eq!(code(nim.friend_add(&add("alice", "bob", 1)).await), 417);
    assert_eq!(code(nim.friend_add(&add("bob", "alice", 2)).await), 417);

    // Type 2: a request carol must agree to (her verification: approval).
    nim.friend_add(&n::FriendAddInput { msg: Some("我是alice".into()), ..add("alice", "carol", 2) })
        .await
        .unwrap();
    assert_eq!(code(nim.friend_get_by_accid(&pair("alice", "carol")).await), 404);
    // Type 4: carol refuses; nothing is left to agree to (417).
    nim.friend_add(&add("carol", "alice", 4)).await.unwrap();
    assert_eq!(code(nim.friend_add(&add("carol", "alice", 3)).await), 417);
    assert_eq!(code(nim.friend_add(&add("carol", "alice", 4)).await), 417);
    // Type 3: a new request, agreed.
    nim.friend_add(&add("alice", "carol", 2)).await.unwrap();
    nim.friend_add(&add("carol", "alice", 3)).await.unwrap();
    assert_eq!(
        nim.friend_get_by_accid(&pair("carol", "alice")).await.unwrap().friend.unwrap().bidirection,
        Some(true)
    );
    assert_eq!(
        nim.friend_get_by_accid(&pair("alice", "carol")).await.unwrap().friend.unwrap().faccid.as_deref(),
        Some("carol")
    );
    // Agreeing to a request nobody made.
    assert_eq!(code(nim.friend_add(&add("dave", "bob", 3)).await), 417);

    // Adding yourself, whatever the type: 414.
    for kind in 1..=4 {
        assert_eq!(code(nim.friend_add(&add("dave", "dave", kind)).await), 414, "type {kind}");
    }
    assert_eq!(code(nim.friend_add(&add("alice", "dave", 5)).await), 414);
    assert_eq!(code(nim.friend_add(&add("alice", "dave", 0)).await), 414);
    // Unknown accounts: 404.
    assert_eq!(code(nim.friend_add(&add("alice", "nobody", 1)).await), 404);
    assert_eq!(code(nim.friend_add(&add("nobody", "alice", 1)).await), 404);
    assert_eq!(code(nim.friend_get_by_accid(&pair("alice", "nobody")).await), 404);
    // Never friends: 404.
    assert_eq!(code(nim.friend_get_by_accid(&pair("alice", "dave")).await), 404);
});

on_both_backends!(update_delete_and_get_with_deletions, |app| {
    users(&app, &["alice", "bob", "carol", "dave"]).await;
    let nim = app.netease().await;
    let start = app.clock.now_ms();
    nim.friend_add(&add("alice", "bob", 1)).await.unwrap();
    nim.friend_add(&add("alice", "carol", 1)).await.unwrap();

    // update: alias, ex and serverex (empty clears).
    let all = n::FriendUpdateInput {
        alias: Some("Bobby".into()),
        ex: Some("e1".into()),
        serverex: Some("s1".into()),
        ..update("alice", "bob")
    };
    nim.friend_update(&all).await.unwrap();
    let f = nim.friend_get_by_accid(&pair("alice", "bob")).await.unwrap().friend.unwrap();
    assert_eq!(
        (f.alias.as_deref(), f.ex.as_deref(), f.serverex.as_deref()),
        (Some("Bobby"), Some("e1"), Some("s1"))
    );
    nim.friend_update(&n::FriendUpdateInput { serverex: Some(String::new()), ..update("alice", "bob") })
        .await
        .unwrap();
    let f = nim.friend_get_by_accid(&pair("alice", "bob")).await.unwrap().friend.unwrap();
    assert_eq!((f.alias.as_deref(), f.serverex), (Some("Bobby"), None), "only serverex cleared");
    // bob's own side is untouched.
    assert_eq!(nim.friend_get_by_accid(&pair("bob", "alice")).await.unwrap().friend.unwrap().alias, None);
    assert_eq!(code(nim.friend_update(&update("alice", "dave")).await), 404, "not friends");
    assert_eq!(code(nim.friend_update(&update("alice", "alice")).await), 414);

    // get since the start: both friends.
    let all = nim.friend_get(&get("alice", start - 1)).await.unwrap();
    assert_eq!(all.size, Some(2));
    let friends = all.friends.unwrap();
    let mut names: Vec<_> = friends.iter().map(|f| f.faccid.clone().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["bob", "carol"]);
    assert!(friends.iter().all(|f| f.bidirection == Some(true)));

    // A deletion after `mark` shows in get with bidirection false, on both sides.
    app.clock.advance(Duration::from_secs(1));
    let mark = app.clock.now_ms();
    app.clock.advance(Duration::from_secs(1));
    nim.friend_delete(&delete("alice", "bob", Some(true))).await.unwrap();
    let since = nim.friend_get(&get("alice", mark)).await.unwrap();
    assert_eq!(since.size, Some(1), "carol did not change after mark");
    let gone = &since.friends.unwrap()[0];
    assert_eq!((gone.faccid.as_deref(), gone.bidirection), (Some("bob"), Some(false)));
    assert!(gone.updatetime.unwrap() > mark);
    assert_eq!(gone.alias, None, "isDeleteAlias=true cleared alice's alias");
    let other_side = nim.friend_get(&get("bob", mark)).await.unwrap().friends.unwrap();
    assert_eq!((other_side[0].faccid.as_deref(), other_side[0].bidirection), (Some("alice"), Some(false)));
    assert_eq!(code(nim.friend_get_by_accid(&pair("alice", "bob")).await), 404);
    assert_eq!(code(nim.friend_delete(&delete("alice", "bob", None)).await), 404, "already deleted");
    assert_eq!(code(nim.friend_delete(&delete("alice", "dave", None)).await), 404, "never friends");
    // Nothing changed since now.
    let now = app.clock.now_ms();
    assert_eq!(nim.friend_get(&get("alice", now)).await.unwrap().size, Some(0));

    // isDeleteAlias absent (false): the alias stays on the deleted row.
    nim.friend_update(&n::FriendUpdateInput { alias: Some("Caz".into()), ..update("alice", "carol") })
        .await
        .unwrap();
    nim.friend_delete(&delete("alice", "carol", Some(false))).await.unwrap();
    let rows = nim.friend_get(&get("alice", mark)).await.unwrap().friends.unwrap();
    let carol = rows.iter().find(|f| f.faccid.as_deref() == Some("carol")).unwrap();
    assert_eq!((carol.bidirection, carol.alias.as_deref()), (Some(false), Some("Caz")));

    // Friends again: the row comes back as bidirection true.
    app.clock.advance(Duration::from_secs(1));
    let mark = app.clock.now_ms();
    app.clock.advance(Duration::from_secs(1));
    nim.friend_add(&add("bob", "alice", 1)).await.unwrap();
    let rows = nim.friend_get(&get("alice", mark)).await.unwrap().friends.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].faccid.as_deref(), rows[0].bidirection), (Some("bob"), Some(true)));
    assert!(rows[0].createtime.unwrap() > mark, "createtime is when they became friends again");
});

/// Headers as NetEase's SDK sends them, with the checksum computed here.
fn signed(key: &str, secret: &str, now_ms: i64, nonce: &str) -> reqwest::header::HeaderMap {
    let cur_time = (now_ms / 1000).to_string();
    let sum = hex::encode(Sha1::digest(format!("{secret}{nonce}{cur_time}").as_bytes()));
    let mut h = reqwest::header::HeaderMap::new();
    for (k, v) in
        [("AppKey", key.to_string()), ("Nonce", nonce.to_string()), ("CurTime", cur_time), ("CheckSum", sum)]
    {
        h.insert(k, v.parse().unwrap());
    }
    h
}

async fn raw(app: &TestApp, path: &str, body: &str, nonce: &str) -> (reqwest::StatusCode, String, Value) {
    let (key, secret) = app.netease_keys().await;
    let r = app
        .http
        .post(app.url(path))
        .headers(signed(&key, &secret, app.clock.now_ms(), nonce))
        .header("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, ct, r.json().await.unwrap())
}

on_both_backends!(answers_are_written_as_netease_writes_them, |app| {
    users(&app, &["tt1", "tt2", "tt3"]).await;
    let (status, ct, body) =
        raw(&app, "/nimserver/friend/add.action", "accid=tt1&faccid=tt2&type=1", "n1").await;
    assert_eq!((status.as_u16(), body.clone()), (200, serde_json::json!({"code": 200})));
    assert!(ct.starts_with("application/json"));
    raw(&app, "/nimserver/friend/add.action", "accid=tt1&faccid=tt3&type=1", "n2").await;
    raw(&app, "/nimserver/friend/update.action", "accid=tt1&faccid=tt3&alias=tt3", "n3").await;

    let (_, _, body) = raw(&app, "/nimserver/friend/get.action", "accid=tt1&updatetime=0", "n4").await;
    assert_eq!(body["code"], 200);
    assert_eq!(body["size"], 2);
    let friends = body["friends"].as_array().unwrap();
    assert_eq!(friends.len(), 2);
    for f in friends {
        assert!(f["createtime"].is_i64() && f["updatetime"].is_i64());
        assert_eq!(f["bidirection"], true);
        assert!(f["faccid"].is_string());
    }
    let tt2 = friends.iter().find(|f| f["faccid"] == "tt2").unwrap();
    assert!(tt2.get("alias").is_none(), "unset fields are left out: {tt2}");
    let tt3 = friends.iter().find(|f| f["faccid"] == "tt3").unwrap();
    assert_eq!(tt3["alias"], "tt3");

    let (_, _, body) = raw(&app, "/nimserver/friend/getByAccid.action", "accid=tt1&faccid=tt2", "n5").await;
    assert_eq!(body["code"], 200);
    assert_eq!(body["friend"]["faccid"], "tt2");
    assert_eq!(body["friend"]["bidirection"], true);
    assert!(body["friend"]["createtime"].is_i64());

    let (status, _, body) =
        raw(&app, "/nimserver/friend/getByAccid.action", "accid=tt2&faccid=tt3", "n6").await;
    assert_eq!(status.as_u16(), 200, "errors are in the body, HTTP stays 200");
    assert_eq!(body["code"], 404);
    assert!(body["desc"].is_string());

    let (_, _, body) =
        raw(&app, "/nimserver/friend/delete.action", "accid=tt1&faccid=tt2&isDeleteAlias=true", "n7").await;
    assert_eq!(body, serde_json::json!({"code": 200}));
});
