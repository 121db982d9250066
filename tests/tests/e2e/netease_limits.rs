//! NetEase limits: 3000 friends (419, here a small configured limit), 100
//! calls per second per app then 10 s refused (416, also a small configured
//! rate), parameter lengths (405) and missing or malformed parameters (414).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use client::ClientError;
use client::generated::netease::models as n;
use serde_json::Value;
use server::core::apps::AppSettingsPatch;
use server::core::limits::RateRule;
use server::core::{AppId, Clock, Config};
use sha1::{Digest, Sha1};
use tests::{TestApp, on_both_backends, on_both_backends_configured};

fn add(accid: &str, faccid: &str, kind: i32) -> n::FriendAddInput {
    n::FriendAddInput { accid: accid.into(), faccid: faccid.into(), r#type: kind, msg: None, serverex: None }
}

fn get(accid: &str) -> n::FriendGetInput {
    n::FriendGetInput { accid: accid.into(), updatetime: 0 }
}

fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> i32 {
    match r {
        Ok(v) => panic!("expected an error code, got {v:?}"),
        Err(e) => e.code().unwrap_or_else(|| panic!("not an API error: {e}")),
    }
}

on_both_backends!(the_friend_limit_answers_419, |app| {
    for name in ["alice", "bob", "carol", "dave", "erin"] {
        app.register_needing_approval(name).await;
    }
    let settings = AppSettingsPatch { max_friends: Some(2), ..Default::default() };
    app.core.apps().update_settings(&AppId::parse(&app.app_id).unwrap(), settings).await.unwrap();
    let nim = app.netease().await;
    nim.friend_add(&add("alice", "bob", 1)).await.unwrap();
    nim.friend_add(&add("alice", "carol", 1)).await.unwrap();
    assert_eq!(code(nim.friend_add(&add("alice", "dave", 1)).await), 419);
    assert_eq!(code(nim.friend_add(&add("dave", "alice", 1)).await), 419, "the other side is full");
    // A request may wait; agreeing to it would pass the limit.
    nim.friend_add(&add("erin", "alice", 2)).await.unwrap();
    assert_eq!(code(nim.friend_add(&add("alice", "erin", 3)).await), 419);
    // Deleting one makes room again.
    nim.friend_delete(&n::FriendDeleteInput {
        accid: "alice".into(),
        faccid: "bob".into(),
        is_delete_alias: None,
    })
    .await
    .unwrap();
    nim.friend_add(&add("alice", "erin", 3)).await.unwrap();
    assert_eq!(
        nim.friend_get(&get("alice"))
            .await
            .unwrap()
            .friends
            .unwrap()
            .iter()
            .filter(|f| f.bidirection == Some(true))
            .count(),
        2
    );
});

fn three_per_second(c: &mut Config) {
    c.server_api_rate =
        RateRule { max_hits: 3, window: Duration::from_secs(1), penalty: Duration::from_secs(10) };
}

on_both_backends_configured!(over_the_rate_the_app_is_refused_for_10_seconds, three_per_second, |app| {
    app.register_needing_approval("alice").await;
    let nim = app.netease().await;
    // The clock stands still: every call falls in one window.
    for _ in 0..3 {
        nim.friend_get(&get("alice")).await.unwrap();
    }
    let e = nim.friend_get(&get("alice")).await.unwrap_err();
    assert_eq!(e.code(), Some(416), "{e}");
    // Refused for 10 s, even in later windows.
    app.clock.advance(Duration::from_secs(5));
    assert_eq!(code(nim.friend_get(&get("alice")).await), 416);
    // Another app is counted on its own.
    let (other_id, _) = app.other_app("other-app").await;
    let other = app.core.apps().get(&AppId::parse(&other_id).unwrap()).await.unwrap();
    let other_nim = client::NeteaseClient::new(app.base_url.clone()).with_key_secret(other.key, other.secret);
    assert_eq!(code(other_nim.friend_get(&get("alice")).await), 404, "served (alice is not of that app)");
    app.clock.advance(Duration::from_secs(6));
    nim.friend_get(&get("alice")).await.unwrap();
});

on_both_backends!(the_default_rate_is_100_calls_per_second, |app| {
    app.register_needing_approval("alice").await;
    let nim = app.netease().await;
    for i in 0..100 {
        nim.friend_get(&get("alice")).await.unwrap_or_else(|e| panic!("call {i}: {e}"));
    }
    assert_eq!(code(nim.friend_get(&get("alice")).await), 416);
});

/// A form POST signed as NetEase's SDK signs it.
async fn form(app: &TestApp, path: &str, body: &str) -> Value {
    let (key, secret) = app.netease_keys().await;
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let nonce = format!("nonce-{}", SEQ.fetch_add(1, Ordering::Relaxed));
    let cur_time = (app.clock.now_ms() / 1000).to_string();
    let sum = hex::encode(Sha1::digest(format!("{secret}{nonce}{cur_time}").as_bytes()));
    let r = app
        .http
        .post(app.url(path))
        .header("AppKey", key)
        .header("Nonce", nonce)
        .header("CurTime", cur_time)
        .header("CheckSum", sum)
        .header("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

on_both_backends!(lengths_answer_405_and_bad_parameters_414, |app| {
    for name in ["alice", "bob"] {
        app.register_needing_approval(name).await;
    }
    let add = "/nimserver/friend/add.action";
    let update = "/nimserver/friend/update.action";
    assert_eq!(form(&app, add, "accid=alice&faccid=bob&type=1").await["code"], 200);

    // alias: 128 characters (not bytes) pass, 129 are too long.
    let ok = "好".repeat(128);
    assert_eq!(form(&app, update, &format!("accid=alice&faccid=bob&alias={}", enc(&ok))).await["code"], 200);
    let body = form(&app, update, &format!("accid=alice&faccid=bob&alias={}", "a".repeat(129))).await;
    assert_eq!(body["code"], 405, "{body}");
    assert!(body["desc"].as_str().unwrap().contains("alias"));
    for (field, max) in [("ex", 256), ("serverex", 256)] {
        let body =
            form(&app, update, &format!("accid=alice&faccid=bob&{field}={}", "x".repeat(max + 1))).await;
        assert_eq!(body["code"], 405, "{field}");
        assert_eq!(
            form(&app, update, &format!("accid=alice&faccid=bob&{field}={}", "x".repeat(max))).await["code"],
            200
        );
    }
    assert_eq!(
        form(&app, add, &format!("accid=alice&faccid=bob&type=2&msg={}", "m".repeat(257))).await["code"],
        405
    );
    assert_eq!(form(&app, add, &format!("accid={}&faccid=bob&type=1", "a".repeat(33))).await["code"], 405);

    // Missing or malformed: 414.
    for body in [
        "faccid=bob&type=1",
        "accid=&faccid=bob&type=1",
        "accid=alice&type=1",
        "accid=alice&faccid=bob",
        "accid=alice&faccid=bob&type=one",
    ] {
        let got = form(&app, add, body).await;
        assert_eq!(got["code"], 414, "{body}: {got}");
        assert!(got["desc"].is_string());
    }
    assert_eq!(form(&app, "/nimserver/friend/get.action", "accid=alice").await["code"], 414);
    assert_eq!(form(&app, "/nimserver/friend/get.action", "accid=alice&updatetime=soon").await["code"], 414);
    assert_eq!(
        form(&app, "/nimserver/friend/delete.action", "accid=alice&faccid=bob&isDeleteAlias=maybe").await["code"],
        414
    );
    assert_eq!(form(&app, "/nimserver/friend/getByAccid.action", "faccid=bob").await["code"], 414);
    // Still friends: none of the refused calls did anything.
    assert_eq!(
        form(&app, "/nimserver/friend/getByAccid.action", "accid=alice&faccid=bob").await["code"],
        200
    );
});
