//! NetEase's CheckSum authentication: requests signed here exactly as
//! NetEase's SDK signs them, with SHA-1 computed in the test (not by the
//! server's or the client's function).

use std::time::Duration;

use serde_json::Value;
use server::core::{AppId, Clock};
use sha1::{Digest, Sha1};
use tests::{TestApp, on_both_backends};

/// Lowercase hex SHA-1 of AppSecret + Nonce + CurTime.
fn sdk_checksum(secret: &str, nonce: &str, cur_time: &str) -> String {
    hex::encode(Sha1::digest(format!("{secret}{nonce}{cur_time}").as_bytes()))
}

struct Signed {
    key: Option<String>,
    nonce: Option<String>,
    cur_time: Option<String>,
    check_sum: Option<String>,
}

impl Signed {
    fn new(key: &str, secret: &str, nonce: &str, cur_time_s: i64) -> Self {
        let cur_time = cur_time_s.to_string();
        Signed {
            key: Some(key.into()),
            check_sum: Some(sdk_checksum(secret, nonce, &cur_time)),
            nonce: Some(nonce.into()),
            cur_time: Some(cur_time),
        }
    }
}

async fn call(app: &TestApp, s: &Signed) -> Value {
    let mut req = app
        .http
        .post(app.url("/nimserver/friend/add.action"))
        .header("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
        .body("accid=zhangsan&faccid=lisi&type=1");
    for (name, value) in
        [("AppKey", &s.key), ("Nonce", &s.nonce), ("CurTime", &s.cur_time), ("CheckSum", &s.check_sum)]
    {
        if let Some(v) = value {
            req = req.header(name, v);
        }
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn now_s(app: &TestApp) -> i64 {
    app.clock.now_ms() / 1000
}

async fn setup(app: &TestApp) -> (String, String) {
    app.register_with_token("zhangsan").await;
    app.register_with_token("lisi").await;
    app.netease_keys().await
}

async fn unfriend(app: &TestApp) {
    let app_id = AppId::parse(&app.app_id).unwrap();
    let me = app.core.users().actor_by_username(&app_id, "zhangsan").await.unwrap();
    let other = app.core.users().by_username(&app_id, "lisi").await.unwrap();
    app.core.friends().delete(&me, other.id, Default::default()).await.unwrap();
}

on_both_backends!(a_request_signed_as_the_sdk_signs_it_passes, |app| {
    // The test vector: SHA-1 as NetEase defines it, over a known input.
    assert_eq!(sdk_checksum("", "", ""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    assert_eq!(sdk_checksum("a", "b", "c"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    let (key, secret) = setup(&app).await;
    let body = call(&app, &Signed::new(&key, &secret, "4tgggergigwow323t23t", now_s(&app))).await;
    assert_eq!(body, serde_json::json!({"code": 200}));
    // Upper-case hex is the same checksum.
    unfriend(&app).await;
    let mut s = Signed::new(&key, &secret, "another-nonce", now_s(&app));
    s.check_sum = s.check_sum.map(|c| c.to_uppercase());
    assert_eq!(call(&app, &s).await["code"], 200);
    // Within the 5 minutes either way.
    unfriend(&app).await;
    assert_eq!(call(&app, &Signed::new(&key, &secret, "early", now_s(&app) - 299)).await["code"], 200);
    unfriend(&app).await;
    assert_eq!(call(&app, &Signed::new(&key, &secret, "late", now_s(&app) + 299)).await["code"], 200);
});

on_both_backends!(stale_or_future_cur_time_is_refused, |app| {
    let (key, secret) = setup(&app).await;
    for (nonce, at) in [("old", now_s(&app) - 301), ("new", now_s(&app) + 301), ("ancient", 1_443_592_222)] {
        let body = call(&app, &Signed::new(&key, &secret, nonce, at)).await;
        assert_eq!(body["code"], 414, "CurTime {at}: {body}");
        assert!(body["desc"].as_str().unwrap().contains("CurTime"));
    }
    let mut s = Signed::new(&key, &secret, "text", now_s(&app));
    s.cur_time = Some("yesterday".into());
    assert_eq!(call(&app, &s).await["code"], 414);
});

on_both_backends!(a_replayed_nonce_is_refused, |app| {
    let (key, secret) = setup(&app).await;
    let first = Signed::new(&key, &secret, "once", now_s(&app));
    assert_eq!(call(&app, &first).await["code"], 200);
    unfriend(&app).await;
    // The very same request again, and the nonce with a fresh CurTime.
    let body = call(&app, &first).await;
    assert_eq!(body["code"], 414);
    assert!(body["desc"].as_str().unwrap().contains("Nonce"), "{body}");
    app.clock.advance(Duration::from_secs(60));
    assert_eq!(call(&app, &Signed::new(&key, &secret, "once", now_s(&app))).await["code"], 414);
    // The nonce is in the database, where every server process sees it.
    let app_id = AppId::parse(&app.app_id).unwrap();
    let again = app.core.limits().use_nonce(&app_id, "once", Duration::from_secs(1)).await;
    assert!(matches!(again, Err(server::core::Error::NonceReused)), "{again:?}");
    // Once no CurTime carrying it could pass any more, it may come back.
    app.clock.advance(Duration::from_secs(11 * 60));
    assert_eq!(call(&app, &Signed::new(&key, &secret, "once", now_s(&app))).await["code"], 200);
});

on_both_backends!(a_wrong_secret_or_checksum_is_refused, |app| {
    let (key, secret) = setup(&app).await;
    let body = call(&app, &Signed::new(&key, "not-the-secret", "n1", now_s(&app))).await;
    assert_eq!(body["code"], 414);
    assert!(body["desc"].as_str().unwrap().contains("CheckSum"));
    // A checksum over another nonce, or another app's secret.
    let mut s = Signed::new(&key, &secret, "n2", now_s(&app));
    s.nonce = Some("n3".into());
    assert_eq!(call(&app, &s).await["code"], 414);
    let (other_id, _) = app.other_app("other-app").await;
    let other = app.core.apps().get(&AppId::parse(&other_id).unwrap()).await.unwrap();
    assert_eq!(call(&app, &Signed::new(&key, &other.secret, "n4", now_s(&app))).await["code"], 414);
    assert_eq!(call(&app, &Signed::new("no-such-key", &secret, "n5", now_s(&app))).await["code"], 414);
    // A refused request does not use its nonce up.
    assert_eq!(call(&app, &Signed::new(&key, &secret, "n1", now_s(&app))).await["code"], 200);
});

on_both_backends!(missing_headers_are_414, |app| {
    let (key, secret) = setup(&app).await;
    for missing in ["AppKey", "Nonce", "CurTime", "CheckSum"] {
        let mut s = Signed::new(&key, &secret, &format!("m-{missing}"), now_s(&app));
        match missing {
            "AppKey" => s.key = None,
            "Nonce" => s.nonce = None,
            "CurTime" => s.cur_time = None,
            _ => s.check_sum = None,
        }
        let body = call(&app, &s).await;
        assert_eq!(body["code"], 414, "without {missing}: {body}");
        assert!(body["desc"].as_str().unwrap().contains(missing), "{body}");
    }
    let mut s = Signed::new(&key, &secret, "", now_s(&app));
    s.nonce = Some(String::new());
    assert_eq!(call(&app, &s).await["code"], 414, "an empty nonce");
    let none = Signed { key: None, nonce: None, cur_time: None, check_sum: None };
    assert_eq!(call(&app, &none).await["code"], 414);
    let long = "n".repeat(129);
    assert_eq!(
        call(&app, &Signed::new(&key, &secret, &long, now_s(&app))).await["code"],
        414,
        "a nonce over 128 characters"
    );
    assert_eq!(call(&app, &Signed::new(&key, &secret, &"n".repeat(128), now_s(&app))).await["code"], 200);
});
