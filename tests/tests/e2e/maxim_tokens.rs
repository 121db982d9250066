//! MaxIM token section: `/token/user`, `/token/id` and `/token/login`, the
//! token answer, devices named at login, expiry, admin-issued tokens and the
//! login failures.

use std::time::Duration;

use client::ClientError;
use reqwest::Method;
use serde_json::Value;
use server::core::housekeeping::EXPIRED_TOKEN_GRACE;
use server::core::{Actor, AppId, Clock, Config, UserId};
use tests::{TestApp, failure, input, on_both_backends, on_both_backends_configured};

const PASSWORD: &str = "secret-1";
const TOKEN_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

async fn register(app: &TestApp, username: &str, mobile: Option<&str>, email: Option<&str>) -> i64 {
    let data = app
        .maxim()
        .user_register(
            &input!({"username": username, "password": PASSWORD, "mobile": mobile, "email": email}),
        )
        .await
        .expect("register");
    data.user_id.expect("user_id")
}

/// Whether a token works: reads the profile with it and returns the user id.
async fn whoami(app: &TestApp, token: &str) -> Result<i64, ClientError> {
    Ok(app.maxim_as(token).user_profile_get().await?.user_id.unwrap_or_default())
}

async fn raw_post(app: &TestApp, path: &str, body: &str) -> Value {
    app.http
        .request(Method::POST, app.url(path))
        .header("app_id", &app.app_id)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("JSON envelope")
}

on_both_backends!(three_logins_issue_working_tokens_with_an_expiry, |app| {
    let alice = register(&app, "alice", Some("+8613800000001"), Some("alice@example.com")).await;
    let expected_expire = app.clock.now_ms() + i64::try_from(TOKEN_TTL.as_millis()).unwrap();

    let by_name = app.maxim().token_user(&input!({"name": "alice", "password": PASSWORD})).await.unwrap();
    assert_eq!(by_name.user_id, Some(alice));
    assert_eq!(by_name.push_token, None, "no device_guid, no push token");
    let expire = by_name.expire.unwrap();
    assert_eq!(expire, expected_expire, "expire is the expiry in ms since 1970 (the clock stands still)");
    assert_eq!(whoami(&app, by_name.token.as_deref().unwrap()).await.unwrap(), alice);

    let by_id = app.maxim().token_id(&input!({"user_id": alice, "password": PASSWORD})).await.unwrap();
    assert_eq!(by_id.user_id, Some(alice));
    assert_eq!(whoami(&app, by_id.token.as_deref().unwrap()).await.unwrap(), alice);
    assert_ne!(by_id.token, by_name.token, "every login gets its own random token");

    for login_name in ["alice", "+8613800000001", "alice@example.com"] {
        let t =
            app.maxim().token_login(&input!({"login_name": login_name, "password": PASSWORD})).await.unwrap();
        assert_eq!(t.user_id, Some(alice), "login by {login_name}");
        assert_eq!(whoami(&app, t.token.as_deref().unwrap()).await.unwrap(), alice);
    }
    // Every token stays valid next to the others.
    assert!(whoami(&app, by_name.token.as_deref().unwrap()).await.is_ok());
});

on_both_backends!(a_device_guid_registers_a_device_and_returns_its_push_token, |app| {
    let alice = register(&app, "alice", None, None).await;
    let first = app
        .maxim()
        .token_user(&input!({"name": "alice", "password": PASSWORD, "device_guid": "phone-1"}))
        .await
        .unwrap();
    let push_token = first.push_token.clone().expect("a push token for a named device");
    assert!(!push_token.is_empty());
    // The same device again: the same device and push token; another device: new ones.
    let again = app
        .maxim()
        .token_id(&input!({"user_id": alice, "password": PASSWORD, "device_guid": "phone-1"}))
        .await
        .unwrap();
    assert_eq!(again.push_token.as_deref(), Some(push_token.as_str()));
    let other = app
        .maxim()
        .token_login(&input!({"login_name": "alice", "password": PASSWORD, "device_guid": "tablet-1"}))
        .await
        .unwrap();
    assert_ne!(other.push_token.as_deref(), Some(push_token.as_str()));
    let devices = app.maxim_as(first.token.as_deref().unwrap()).user_device_list().await.unwrap().data;
    assert_eq!(devices.len(), 2);
    let stored = app
        .core
        .devices()
        .list(&Actor::new(AppId::parse(&app.app_id).unwrap(), UserId(alice)))
        .await
        .unwrap();
    let guids: Vec<&str> = stored.iter().map(|d| d.guid.as_str()).collect();
    assert_eq!(guids, ["phone-1", "tablet-1"]);
    assert_eq!(stored[0].push_token, push_token);

    // An empty device_guid is "not given" (the SDK sends "" for unset text).
    let plain = app
        .maxim()
        .token_user(&input!({"name": "alice", "password": PASSWORD, "device_guid": ""}))
        .await
        .unwrap();
    assert_eq!(plain.push_token, None);
    assert_eq!(app.maxim_as(plain.token.as_deref().unwrap()).user_device_list().await.unwrap().data.len(), 2);
});

// More failures from one address than the throttle lets through
// (docs/security.md): its rule is loosened here, tests/tests/security.rs has it.
on_both_backends_configured!(
    login_failures_have_their_codes,
    |c| c.login_throttle.free_failures = 100,
    |app| {
        let alice = register(&app, "alice", None, None).await;
        let (code, _) =
            failure(app.maxim().token_user(&input!({"name": "nobody", "password": PASSWORD})).await);
        assert_eq!(code, 10000, "unknown username");
        let (code, _) =
            failure(app.maxim().token_id(&input!({"user_id": 999_999_999, "password": PASSWORD})).await);
        assert_eq!(code, 10000, "unknown id");
        let (code, _) = failure(
            app.maxim()
                .token_login(&input!({"login_name": "nobody@example.com", "password": PASSWORD}))
                .await,
        );
        assert_eq!(code, 10000, "unknown login name");
        let (code, _) =
            failure(app.maxim().token_user(&input!({"name": "alice", "password": "wrong-pass"})).await);
        assert_eq!(code, 11001);
        let (code, _) =
            failure(app.maxim().token_id(&input!({"user_id": alice, "password": "wrong-pass"})).await);
        assert_eq!(code, 11001);
        let (code, _) = failure(
            app.maxim().token_login(&input!({"login_name": "alice", "password": "wrong-pass"})).await,
        );
        assert_eq!(code, 11001);
        for (result, field) in [
            (app.maxim().token_user(&input!({"password": PASSWORD})).await.map(|_| ()), "name is missing"),
            (app.maxim().token_user(&input!({"name": "alice"})).await.map(|_| ()), "password is missing"),
            (app.maxim().token_id(&input!({"password": PASSWORD})).await.map(|_| ()), "user_id is missing"),
            (app.maxim().token_id(&input!({"user_id": alice})).await.map(|_| ()), "password is missing"),
            (
                app.maxim().token_login(&input!({"password": PASSWORD})).await.map(|_| ()),
                "login_name is missing",
            ),
            (
                app.maxim().token_login(&input!({"login_name": "alice"})).await.map(|_| ()),
                "password is missing",
            ),
        ] {
            let (code, message) = failure(result);
            assert_eq!(code, 10002, "{field}");
            assert!(message.contains(field), "{message} names {field}");
        }
        let (code, _) = failure(
            app.maxim()
                .with_app_id("no-such-app")
                .token_user(&input!({"name": "alice", "password": PASSWORD}))
                .await,
        );
        assert_eq!(code, 40000);
        let no_app = app
            .http
            .post(app.url("/token/user"))
            .json(&serde_json::json!({"name": "alice", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(no_app.json::<Value>().await.unwrap()["code"], 40000, "no app_id header");
        // The same user in another app does not log in there.
        let (other_app, _) = app.other_app("app-b").await;
        let (code, _) = failure(
            app.maxim()
                .with_app_id(other_app)
                .token_user(&input!({"name": "alice", "password": PASSWORD}))
                .await,
        );
        assert_eq!(code, 10000);
    }
);

on_both_backends!(tokens_expire_after_their_lifetime, |app| {
    register(&app, "alice", None, None).await;
    let token = app
        .maxim()
        .token_user(&input!({"name": "alice", "password": PASSWORD}))
        .await
        .unwrap()
        .token
        .unwrap();
    app.clock.advance(TOKEN_TTL - Duration::from_secs(60));
    assert!(whoami(&app, &token).await.is_ok(), "still valid a minute before expiry");
    app.clock.advance(Duration::from_secs(61));
    let (code, _) = failure(whoami(&app, &token).await);
    assert_eq!(code, 402, "expired");
    let fresh = app
        .maxim()
        .token_user(&input!({"name": "alice", "password": PASSWORD}))
        .await
        .unwrap()
        .token
        .unwrap();
    assert!(whoami(&app, &fresh).await.is_ok(), "logging in again gives a working token");
});

fn sweep_every_50ms(c: &mut Config) {
    c.housekeeping_every = Duration::from_millis(50);
}

// The running server sweeps on its own timer: an expired token answers 402
// through the grace period, then the server forgets it (10008).
on_both_backends_configured!(the_server_forgets_tokens_long_expired, sweep_every_50ms, |app| {
    register(&app, "alice", None, None).await;
    let token = app
        .maxim()
        .token_user(&input!({"name": "alice", "password": PASSWORD}))
        .await
        .unwrap()
        .token
        .unwrap();
    app.clock.advance(TOKEN_TTL + Duration::from_secs(1));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(failure(whoami(&app, &token).await).0, 402, "kept through sweeps within the grace period");
    app.clock.advance(EXPIRED_TOKEN_GRACE);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (code, _) = failure(whoami(&app, &token).await);
        if code == 10008 {
            break;
        }
        assert_eq!(code, 402);
        assert!(std::time::Instant::now() < deadline, "no sweep within 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
});

on_both_backends!(an_admin_token_fetches_user_tokens_of_its_own_app, |app| {
    let alice = register(&app, "alice", None, None).await;
    let issued =
        app.maxim_admin().token_id(&input!({"user_id": alice, "device_guid": "server-side"})).await.unwrap();
    assert_eq!(issued.user_id, Some(alice));
    assert!(issued.push_token.is_some());
    assert_eq!(whoami(&app, issued.token.as_deref().unwrap()).await.unwrap(), alice);

    let user_token = issued.token.unwrap();
    let (code, _) = failure(app.maxim_as(&user_token).token_id(&input!({"user_id": alice})).await);
    assert_eq!(code, 10010, "a user token cannot skip the password");
    let (code, _) = failure(app.maxim_as("garbage").token_id(&input!({"user_id": alice})).await);
    assert_eq!(code, 10008);
    let (code, _) = failure(app.maxim_admin().token_id(&input!({"user_id": 999_999_999})).await);
    assert_eq!(code, 10000);

    // App B's admin token reaches nothing of app A.
    let (other_app, other_admin) = app.other_app("app-b").await;
    let (code, _) = failure(app.maxim_as(&other_admin).token_id(&input!({"user_id": alice})).await);
    assert_eq!(code, 10008, "app B's admin token with app A's id");
    let b_admin = app.maxim().with_app_id(other_app).with_access_token(other_admin);
    let (code, _) = failure(b_admin.token_id(&input!({"user_id": alice})).await);
    assert_eq!(code, 10000, "app A's user is unknown in app B");

    // A password, when given, is checked whoever asks.
    let (code, _) =
        failure(app.maxim_admin().token_id(&input!({"user_id": alice, "password": "wrong-pass"})).await);
    assert_eq!(code, 11001);
});

on_both_backends!(a_user_token_works_only_in_its_own_app, |app| {
    let alice = register(&app, "alice", None, None).await;
    let token = app
        .maxim()
        .token_user(&input!({"name": "alice", "password": PASSWORD}))
        .await
        .unwrap()
        .token
        .unwrap();
    let (other_app, other_admin) = app.other_app("app-b").await;
    let in_b = app.maxim().with_app_id(other_app.clone()).with_access_token(token.clone());
    let (code, _) = failure(in_b.user_profile_get().await);
    assert_eq!(code, 10008);
    // A same-named user of app B is a different user with its own password.
    let b_admin = app.maxim().with_app_id(other_app.clone()).with_access_token(other_admin);
    let created = b_admin
        .user_register_batch(&input!({"list": [{"username": "alice", "password": "other-pass"}]}))
        .await
        .unwrap();
    let b_alice = created[0].user_id.unwrap();
    assert_ne!(b_alice, alice);
    let (code, _) = failure(
        app.maxim()
            .with_app_id(other_app.clone())
            .token_user(&input!({"name": "alice", "password": PASSWORD}))
            .await,
    );
    assert_eq!(code, 11001, "app A's password is not app B's");
    let b_token = app
        .maxim()
        .with_app_id(other_app)
        .token_user(&input!({"name": "alice", "password": "other-pass"}))
        .await
        .unwrap();
    assert_eq!(b_token.user_id, Some(b_alice));
    let (code, _) = failure(whoami(&app, b_token.token.as_deref().unwrap()).await);
    assert_eq!(code, 10008, "app B's user token with app A's id");
});

on_both_backends!(token_calls_accept_the_real_clients_shapes, |app| {
    let alice = register(&app, "alice", None, None).await;
    // JSON bodies with empty optionals, and numbers sent as text.
    let r = raw_post(&app, "/token/user", r#"{"name": "alice", "password": "secret-1", "device_guid": ""}"#)
        .await;
    assert_eq!((r["code"].as_i64(), r["message"].is_null()), (Some(200), true), "{r}");
    assert_eq!(r["data"]["user_id"].as_i64(), Some(alice));
    assert!(r["data"]["token"].is_string() && r["data"]["expire"].is_i64(), "{r}");
    assert!(r["data"].get("push_token").is_none(), "no device, no push_token: {r}");
    let r = raw_post(
        &app,
        "/token/id",
        &format!(r#"{{"user_id": "{alice}", "password": "secret-1", "device_guid": "web-1"}}"#),
    )
    .await;
    assert_eq!(r["code"], 200, "{r}");
    assert!(r["data"]["push_token"].is_string(), "{r}");
    // Parameters in the query string with the body `{}`.
    let r = raw_post(&app, "/token/login?login_name=alice&password=secret-1", "{}").await;
    assert_eq!((r["code"].as_i64(), r["data"]["user_id"].as_i64()), (Some(200), Some(alice)), "{r}");
    // An empty body is no body.
    let r = raw_post(&app, "/token/user", "").await;
    assert_eq!(r["code"], 10002, "{r}");
    assert!(r["message"].as_str().unwrap().contains("name"), "{r}");
    let r = raw_post(&app, "/token/user", "not json").await;
    assert_eq!(r["code"], 10002, "{r}");
});
