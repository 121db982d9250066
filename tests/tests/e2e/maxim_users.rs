//! MaxIM user section through the generated client (and raw HTTP where the
//! point is the request shape): registration, profile, settings, push
//! bindings, devices, password, disable/enable, act-as and the error codes.

use std::time::Duration;

use client::MaximClient;
use client::generated::maxim::models as m;
use reqwest::Method;
use serde_json::{Value, json};
use server::core::{Actor, AppId, UserId};
use tests::{TestApp, failure, input, on_both_backends};

const PASSWORD: &str = "secret-1";
const TOKEN_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

async fn register(app: &TestApp, username: &str) -> i64 {
    let data = app
        .maxim()
        .user_register_v2(&input!({"username": username, "password": PASSWORD}))
        .await
        .expect("register");
    data.user_id.expect("user_id")
}

async fn login(app: &TestApp, username: &str, guid: Option<&str>) -> m::TokenData {
    app.maxim()
        .token_user(&input!({"name": username, "password": PASSWORD, "device_guid": guid}))
        .await
        .expect("login")
}

/// A registered user and a client holding its token.
async fn user(app: &TestApp, username: &str) -> (i64, MaximClient) {
    let id = register(app, username).await;
    let token = login(app, username, None).await.token.expect("token");
    (id, app.maxim_as(&token))
}

fn actor(app: &TestApp, id: i64) -> Actor {
    Actor::new(AppId::parse(&app.app_id).expect("app id"), UserId(id))
}

/// A raw request with the app id, an optional token and an optional JSON body.
async fn raw(
    app: &TestApp,
    method: Method,
    path_and_query: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Value {
    let mut req = app.http.request(method, app.url(path_and_query)).header("app_id", &app.app_id);
    if let Some(token) = token {
        req = req.header("access-token", token);
    }
    if let Some(body) = body {
        req = req.header("content-type", "application/json").body(body.to_string());
    }
    let resp = req.send().await.expect("send");
    assert_eq!(resp.status(), 200, "business answers are HTTP 200");
    resp.json().await.expect("JSON envelope")
}

on_both_backends!(registration_forms_create_users_with_default_settings, |app| {
    let data = app
        .maxim()
        .user_register(&input!({"username": "alice", "password": PASSWORD, "mobile": "+8613800000001", "email": "alice@example.com", "verification_code": ""}))
        .await
        .unwrap();
    let alice = data.user_id.unwrap();
    assert_eq!(data.id, Some(alice));
    assert_eq!(data.auth_mode, Some(0), "anyone may add a new user at once, as on the real service");
    assert_eq!(
        (data.group_confirm, data.auto_download, data.vibratory, data.no_push, data.no_sounds),
        (Some(false), Some(false), Some(false), Some(false), Some(false))
    );
    let profile = app.maxim_admin().acting_as_user(alice).user_profile_get().await.unwrap();
    assert_eq!(profile.username.as_deref(), Some("alice"));
    assert_eq!(profile.mobile.as_deref(), Some("+8613800000001"));
    assert_eq!(profile.email.as_deref(), Some("alice@example.com"));

    let bob = app
        .maxim()
        .user_register_v2(&input!({"username": "bob", "password": PASSWORD}))
        .await
        .unwrap()
        .user_id
        .unwrap();
    assert_ne!(bob, alice);
    assert!(login(&app, "bob", None).await.token.is_some(), "a v2 registration can log in");

    // Push registration: alias and push token bound, the device registered.
    let pushed = app
        .maxim()
        .user_register_push(
            &input!({"username": "carol", "password": PASSWORD, "alias": "carol-phone", "push_token": "vendor-tok", "device_guid": "carol-guid", "sign": "x"}),
        )
        .await
        .unwrap();
    let carol = pushed.user_id.unwrap();
    assert_eq!(pushed.push_token.as_deref(), Some("vendor-tok"));
    let stored = app.core.settings().get(&actor(&app, carol)).await.unwrap();
    assert_eq!((stored.push_alias.as_str(), stored.push_token.as_str()), ("carol-phone", "vendor-tok"));
    let devices = app.maxim_admin().acting_as_user(carol).user_device_list().await.unwrap();
    assert_eq!(devices.data.len(), 1, "the named device is registered");

    // Without a push token of its own, the user is reachable by its device's.
    let dave = app
        .maxim()
        .user_register_push(&input!({"username": "dave", "password": PASSWORD, "device_guid": "dave-guid"}))
        .await
        .unwrap();
    let token = login(&app, "dave", Some("dave-guid")).await;
    assert_eq!(
        dave.push_token, token.push_token,
        "the device's push token, as the login on that device returns it"
    );
});

on_both_backends!(registration_rejects_bad_and_duplicate_input, |app| {
    register(&app, "alice").await;
    let (code, _) =
        failure(app.maxim().user_register(&input!({"username": "alice", "password": PASSWORD})).await);
    assert_eq!(code, 10004, "a taken username at registration");
    let (code, _) =
        failure(app.maxim().user_register_v2(&input!({"username": "alice", "password": PASSWORD})).await);
    assert_eq!(code, 10004);
    let (code, message) =
        failure(app.maxim().user_register(&input!({"username": "a b", "password": PASSWORD})).await);
    assert_eq!(code, 10002);
    assert!(message.contains("username"), "{message}");
    let (code, message) =
        failure(app.maxim().user_register(&input!({"username": "shorty", "password": "12345"})).await);
    assert_eq!(code, 10002);
    assert!(message.contains("password"), "{message}");
    let (code, message) = failure(app.maxim().user_register_v2(&input!({"username": "nopass"})).await);
    assert_eq!(code, 10002);
    assert!(message.contains("password is missing"), "{message}");
    let (code, message) = failure(app.maxim().user_register_push(&input!({"password": PASSWORD})).await);
    assert_eq!(code, 10002);
    assert!(message.contains("username is missing"), "{message}");
    let (code, message) =
        failure(app.maxim().user_register(&input!({"username": "coded", "password": PASSWORD, "mobile": "13800000002", "verification_code": "1234"})).await);
    assert_eq!(code, 10001, "no code can be checked: {message}");
    let (code, _) = failure(app.maxim().token_user(&input!({"name": "coded", "password": PASSWORD})).await);
    assert_eq!(code, 10000, "a refused registration leaves no user behind");
    app.maxim()
        .user_register(&input!({"username": "twin1", "password": PASSWORD, "mobile": "13800000003"}))
        .await
        .unwrap();
    let (code, _) = failure(
        app.maxim()
            .user_register(&input!({"username": "twin2", "password": PASSWORD, "mobile": "13800000003"}))
            .await,
    );
    assert_eq!(code, 10011, "a mobile number bound to another user");
    let (code, _) = failure(
        app.maxim()
            .with_app_id("no-such-app")
            .user_register_v2(&input!({"username": "ghost", "password": PASSWORD}))
            .await,
    );
    assert_eq!(code, 40000);
});

on_both_backends!(batch_registration_is_for_admins_and_reports_each_entry, |app| {
    register(&app, "taken").await;
    let results = app
        .maxim_admin()
        .user_register_batch(&input!({"list": [
            {"username": "fresh1", "password": PASSWORD},
            {"username": "taken", "password": PASSWORD},
            {"username": "nopass"},
            {"username": "fresh2", "password": PASSWORD}
        ]}))
        .await
        .unwrap();
    let summary: Vec<(Option<&str>, Option<bool>)> =
        results.iter().map(|r| (r.username.as_deref(), r.success)).collect();
    assert_eq!(
        summary,
        [
            (Some("fresh1"), Some(true)),
            (Some("taken"), Some(false)),
            (Some("nopass"), Some(false)),
            (Some("fresh2"), Some(true))
        ]
    );
    assert!(results[1].reason.as_deref().unwrap().contains("10004"), "{:?}", results[1].reason);
    assert!(results[2].reason.as_deref().unwrap().contains("password is missing"), "{:?}", results[2].reason);
    assert!(results[0].user_id.is_some() && results[1].user_id.is_none());
    assert_eq!(
        login(&app, "fresh2", None).await.user_id,
        results[3].user_id,
        "a batch-registered user logs in"
    );

    let (_, alice) = user(&app, "alice").await;
    let (code, _) = failure(
        alice.user_register_batch(&input!({"list": [{"username": "sneaky", "password": PASSWORD}]})).await,
    );
    assert_eq!(code, 10010, "a user token cannot batch-register");
    let (code, _) = failure(app.maxim().user_register_batch(&input!({"list": []})).await);
    assert_eq!(code, 10003, "batch registration needs a token");
    let (code, message) = failure(app.maxim_admin().user_register_batch(&input!({})).await);
    assert_eq!((code, message.contains("list")), (10002, true), "{message}");
});

on_both_backends!(profile_is_read_and_updated_field_by_field, |app| {
    let (alice, client) = user(&app, "alice").await;
    assert!(client.user_nickname(&input!({"nick_name": "Alice"})).await.unwrap());
    assert!(client.user_avatar(&input!({"avatar": "https://img.example/a.png"})).await.unwrap());
    assert!(
        client
            .user_profile_update(&input!({"description": "hi", "public_info": "pub", "private_info": "priv"}))
            .await
            .unwrap()
    );
    assert!(client.user_mobile(&input!({"mobile": "+8613900000000"})).await.unwrap());
    let p = client.user_profile_get().await.unwrap();
    assert_eq!(p.user_id, Some(alice));
    assert_eq!(
        (
            p.nick_name.as_deref(),
            p.avatar.as_deref(),
            p.description.as_deref(),
            p.public_info.as_deref(),
            p.private_info.as_deref(),
            p.mobile.as_deref()
        ),
        (
            Some("Alice"),
            Some("https://img.example/a.png"),
            Some("hi"),
            Some("pub"),
            Some("priv"),
            Some("+8613900000000")
        )
    );

    // An empty string clears a text field; absent fields stay as they are.
    assert!(client.user_profile_update(&input!({"description": ""})).await.unwrap());
    assert!(client.user_mobile(&input!({"mobile": ""})).await.unwrap());
    let p = client.user_profile_get().await.unwrap();
    assert_eq!((p.description.as_deref(), p.nick_name.as_deref(), p.mobile), (Some(""), Some("Alice"), None));

    // Username: changed, then a login by the new name works; a taken one is 11011.
    assert!(client.user_username(&input!({"username": "alice2"})).await.unwrap());
    assert_eq!(client.user_profile_get().await.unwrap().username.as_deref(), Some("alice2"));
    assert_eq!(login(&app, "alice2", None).await.user_id, Some(alice));
    register(&app, "bob").await;
    let (code, _) = failure(client.user_username(&input!({"username": "bob"})).await);
    assert_eq!(code, 11011, "a username taken by another user");
    let (code, message) = failure(client.user_nickname(&input!({})).await);
    assert_eq!(code, 10002);
    assert!(message.contains("nick_name"), "{message}");
    let (code, message) = failure(client.user_nickname(&input!({"nick_name": "x".repeat(65)})).await);
    assert_eq!(code, 10002);
    assert!(message.contains("nick_name"), "{message}");
});

on_both_backends!(profile_and_avatar_batches_are_for_admins, |app| {
    let alice = register(&app, "alice").await;
    let bob = register(&app, "bob").await;
    let admin = app.maxim_admin();
    let results = admin
        .user_profile_batch(&input!({"list": [
            {"user_id": alice, "nick_name": "A", "public_info": "pa"},
            {"user_id": 999_999_999, "nick_name": "ghost"},
            {"nick_name": "nobody"},
            {"user_id": bob, "description": "db"}
        ]}))
        .await
        .unwrap();
    let success: Vec<Option<bool>> = results.iter().map(|r| r.success).collect();
    assert_eq!(success, [Some(true), Some(false), Some(false), Some(true)]);
    assert!(results[1].reason.as_deref().unwrap().contains("10000"), "{:?}", results[1].reason);
    assert!(results[2].reason.as_deref().unwrap().contains("user_id is missing"), "{:?}", results[2].reason);
    let a = admin.acting_as_user(alice).user_profile_get().await.unwrap();
    assert_eq!((a.nick_name.as_deref(), a.public_info.as_deref()), (Some("A"), Some("pa")));
    assert_eq!(
        admin.acting_as_user(bob).user_profile_get().await.unwrap().description.as_deref(),
        Some("db")
    );

    let results = admin
        .user_avatar_batch(&input!({"list": [{"user_id": alice, "avatar": "a.png"}, {"user_id": bob}]}))
        .await
        .unwrap();
    assert_eq!(results.iter().map(|r| r.success).collect::<Vec<_>>(), [Some(true), Some(false)]);
    assert!(results[1].reason.as_deref().unwrap().contains("avatar is missing"));
    assert_eq!(
        admin.acting_as_user(alice).user_profile_get().await.unwrap().avatar.as_deref(),
        Some("a.png")
    );
    assert_eq!(
        admin.acting_as_user(bob).user_profile_get().await.unwrap().avatar.as_deref(),
        Some(""),
        "the failed entry changed nothing"
    );

    // Another app's user is out of reach of this app's admin.
    let (other_app, other_admin) = app.other_app("other-app").await;
    let stranger = app
        .core
        .users()
        .register(&AppId::parse(&other_app).unwrap(), server::core::users::NewUser::new("stranger", PASSWORD))
        .await
        .unwrap();
    let results = admin
        .user_profile_batch(&input!({"list": [{"user_id": stranger.id.0, "nick_name": "hijack"}]}))
        .await
        .unwrap();
    assert_eq!(results[0].success, Some(false));
    let (_, client) = user(&app, "carol").await;
    let (code, _) =
        failure(client.user_profile_batch(&input!({"list": [{"user_id": alice, "nick_name": "x"}]})).await);
    assert_eq!(code, 10010, "a user token cannot batch-update");
    let (code, _) =
        failure(client.user_avatar_batch(&input!({"list": [{"user_id": alice, "avatar": "x"}]})).await);
    assert_eq!(code, 10010);
    let _ = other_admin;
});

on_both_backends!(settings_are_stored_and_returned_faithfully, |app| {
    let (alice, client) = user(&app, "alice").await;
    let all = json!({
        "auth_mode": 2, "auth_question": "2+2?", "auth_answer": "4", "group_confirm": false, "auto_download": false,
        "no_push": true, "no_push_detail": true, "no_push_start_hour": 22, "no_push_end_hour": 7, "no_sounds": true,
        "vibratory": false, "push_nick_name": "Ally", "push_token": "pt-1", "silence_start_time": 100, "silence_end_time": 200
    });
    assert!(client.user_settings_update(&serde_json::from_value(all.clone()).unwrap()).await.unwrap());
    let got = serde_json::to_value(client.user_settings_get().await.unwrap()).unwrap();
    for (k, v) in all.as_object().unwrap() {
        assert_eq!(&got[k], v, "setting {k}");
    }
    assert_eq!((got["user_id"].as_i64(), got["id"].as_i64()), (Some(alice), Some(alice)));

    // The one-setting operations, each read back.
    assert!(client.user_authmode(&input!({"value": 3})).await.unwrap());
    assert!(client.user_download(&input!({"value": true})).await.unwrap());
    assert!(client.user_push(&input!({"value": false})).await.unwrap());
    assert!(client.user_push_detail(&input!({"value": false})).await.unwrap());
    assert!(client.user_sounds(&input!({"value": false})).await.unwrap());
    assert!(client.user_vibratory(&input!({"value": true})).await.unwrap());
    assert!(client.user_push_limit(&input!({"no_push_start_hour": 1, "no_push_end_hour": 2})).await.unwrap());
    assert!(client.user_push_nickname(&input!({"value": "Al"})).await.unwrap());
    let s = client.user_settings_get().await.unwrap();
    assert_eq!(s.auth_mode, Some(3));
    assert_eq!(
        (s.auto_download, s.no_push, s.no_push_detail, s.no_sounds, s.vibratory),
        (Some(true), Some(false), Some(false), Some(false), Some(true))
    );
    assert_eq!(
        (s.no_push_start_hour, s.no_push_end_hour, s.push_nick_name.as_deref()),
        (Some(1), Some(2), Some("Al"))
    );
    assert_eq!(
        (s.auth_question.as_deref(), s.auth_answer.as_deref(), s.group_confirm),
        (Some("2+2?"), Some("4"), Some(false)),
        "untouched settings stay"
    );

    let (code, message) = failure(client.user_authmode(&input!({"value": 7})).await);
    assert_eq!(code, 10002);
    assert!(message.contains("auth_mode"), "{message}");
    let (code, message) = failure(client.user_authmode(&input!({})).await);
    assert_eq!(code, 10002);
    assert!(message.contains("value is missing"), "{message}");
    let (code, _) = failure(client.user_push_limit(&input!({"no_push_start_hour": 24})).await);
    assert_eq!(code, 10002);
    let (code, message) = failure(client.user_push_limit(&input!({})).await);
    assert_eq!(code, 10002);
    assert!(message.contains("no_push_start_hour"), "{message}");
    let bob = register(&app, "bob").await;
    let (code, _) = failure(client.user_settings_update(&input!({"user_id": bob, "auth_mode": 1})).await);
    assert_eq!(code, 10010, "a settings body naming another user");
    assert_eq!(app.maxim_admin().acting_as_user(bob).user_settings_get().await.unwrap().auth_mode, Some(0));
    assert_eq!(
        client.user_settings_get().await.unwrap().auth_mode,
        Some(3),
        "nor was it applied to the caller"
    );
});

on_both_backends!(push_alias_badge_tags_and_device_tokens_are_stored, |app| {
    let alice = register(&app, "alice").await;
    let token = login(&app, "alice", Some("alice-phone")).await;
    let client = app.maxim_as(token.token.as_deref().unwrap());
    let me = actor(&app, alice);

    assert!(client.user_push_alias(&input!({"alias": "ally", "push_token": "pt-9"})).await.unwrap());
    assert!(client.user_push_badge(&input!({"badge": 5})).await.unwrap());
    let s = app.core.settings().get(&me).await.unwrap();
    assert_eq!((s.push_alias.as_str(), s.push_token.as_str(), s.badge), ("ally", "pt-9", 5));
    assert_eq!(client.user_settings_get().await.unwrap().push_token.as_deref(), Some("pt-9"));
    assert!(client.user_push_alias(&input!({"alias": "", "push_token": ""})).await.unwrap());
    let s = app.core.settings().get(&me).await.unwrap();
    assert_eq!(
        (s.push_alias.as_str(), s.push_token.as_str()),
        ("", "pt-9"),
        "\"\" unbinds the alias and keeps the push token"
    );
    let (code, _) = failure(client.user_push_badge(&input!({"badge": -1})).await);
    assert_eq!(code, 10002);

    assert!(client.user_push_tag_bind(&input!({"tags": ["beijing", "vip", "beijing"]})).await.unwrap());
    // Tags keep the order they were first added in (the store orders by
    // time added; within one call, by name).
    app.clock.advance(Duration::from_millis(1));
    assert!(client.user_push_tag_bind(&input!({"tags": ["shanghai"]})).await.unwrap());
    assert_eq!(client.user_push_tag_list().await.unwrap(), ["beijing", "vip", "shanghai"]);
    assert!(client.user_push_tag_unbind(&input!({"tags": ["vip"]})).await.unwrap());
    assert_eq!(client.user_push_tag_list().await.unwrap(), ["beijing", "shanghai"]);
    assert!(client.user_push_tag_all().await.unwrap());
    assert!(client.user_push_tag_list().await.unwrap().is_empty());
    let (code, message) = failure(client.user_push_tag_bind(&input!({})).await);
    assert_eq!((code, message.contains("tags")), (10002, true));

    let devices = client.user_device_list().await.unwrap().data;
    let sn = devices[0].device_sn.unwrap();
    assert!(
        client
            .user_token_bind(
                &input!({"device_sn": sn, "device_token": "apns-abc", "notifier_name": "prod-cert"})
            )
            .await
            .unwrap()
    );
    let stored = app.core.devices().list(&me).await.unwrap();
    assert_eq!(
        (stored[0].device_token.as_deref(), stored[0].notifier_name.as_deref()),
        (Some("apns-abc"), Some("prod-cert"))
    );
    client.user_token_unbind(&input!({"deviceSn": sn})).await.unwrap();
    let stored = app.core.devices().list(&me).await.unwrap();
    assert_eq!((stored[0].device_token.as_deref(), stored[0].notifier_name.as_deref()), (None, None));
    let (code, _) =
        failure(client.user_token_bind(&input!({"device_sn": sn + 10, "device_token": "x"})).await);
    assert_eq!(code, 10002, "an unknown device");
    let (code, message) = failure(client.user_token_unbind(&input!({})).await);
    assert_eq!((code, message.contains("deviceSn")), (10002, true), "{message}");
});

on_both_backends!(password_change_revokes_every_token, |app| {
    register(&app, "alice").await;
    let first = login(&app, "alice", None).await.token.unwrap();
    let second = login(&app, "alice", Some("tablet")).await.token.unwrap();
    let client = app.maxim_as(&first);
    let (code, _) = failure(
        client.user_change_password(&input!({"old_password": "wrong-one", "new_password": "secret-2"})).await,
    );
    assert_eq!(code, 11001);
    let (code, message) = failure(client.user_change_password(&input!({"old_password": PASSWORD})).await);
    assert_eq!((code, message.contains("new_password")), (10002, true), "{message}");
    assert!(
        client
            .user_change_password(&input!({"old_password": PASSWORD, "new_password": "secret-2"}))
            .await
            .unwrap()
    );
    for token in [&first, &second] {
        let (code, _) = failure(app.maxim_as(token).user_profile_get().await);
        assert_eq!(code, 402, "a token from before the change is dead");
    }
    let (code, _) = failure(app.maxim().token_user(&input!({"name": "alice", "password": PASSWORD})).await);
    assert_eq!(code, 11001, "the old password no longer logs in");
    let fresh = app.maxim().token_user(&input!({"name": "alice", "password": "secret-2"})).await.unwrap();
    assert!(app.maxim_as(fresh.token.as_deref().unwrap()).user_profile_get().await.is_ok());
});

on_both_backends!(devices_are_listed_removed_and_kicked, |app| {
    let alice = register(&app, "alice").await;
    let phone = login(&app, "alice", Some("phone")).await;
    let laptop = login(&app, "alice", Some("laptop")).await;
    let phone_client = app.maxim_as(phone.token.as_deref().unwrap());
    let laptop_client = app.maxim_as(laptop.token.as_deref().unwrap());
    let list = phone_client.user_device_list().await.unwrap();
    assert_eq!(list.cursor, None);
    let sns: Vec<i32> = list.data.iter().map(|d| d.device_sn.unwrap()).collect();
    assert_eq!(sns.len(), 2);
    assert!(list.data.iter().all(|d| d.user_id == Some(alice)));
    let (phone_sn, laptop_sn) = (sns[0], sns[1]);

    // Kicking the phone ends its token only; the device stays registered.
    assert!(laptop_client.user_kick(&input!({"device_sn": phone_sn})).await.unwrap());
    assert_eq!(failure(phone_client.user_profile_get().await).0, 402);
    assert!(laptop_client.user_profile_get().await.is_ok());
    assert_eq!(laptop_client.user_device_list().await.unwrap().data.len(), 2);

    // Removing the laptop forgets it and ends its token (the caller's own here).
    assert!(laptop_client.user_device_remove(&input!({"device_sn": laptop_sn})).await.unwrap());
    assert_eq!(failure(laptop_client.user_profile_get().await).0, 402);
    let admin = app.maxim_admin().acting_as_user(alice);
    let left: Vec<Option<i32>> =
        admin.user_device_list().await.unwrap().data.iter().map(|d| d.device_sn).collect();
    assert_eq!(left, [Some(phone_sn)]);
    let (code, _) = failure(admin.user_device_remove(&input!({"device_sn": laptop_sn})).await);
    assert_eq!(code, 10002, "an unknown device");
    let (code, message) = failure(admin.user_device_remove(&input!({})).await);
    assert_eq!((code, message.contains("device_sn")), (10002, true), "{message}");

    // A kick without device_sn ends every token, device or not.
    let plain = login(&app, "alice", None).await.token.unwrap();
    let phone_again = login(&app, "alice", Some("phone")).await.token.unwrap();
    assert!(admin.user_kick(&input!({})).await.unwrap());
    assert_eq!(failure(app.maxim_as(&plain).user_profile_get().await).0, 402);
    assert_eq!(failure(app.maxim_as(&phone_again).user_profile_get().await).0, 402);
    let (code, _) = failure(admin.user_kick(&input!({"device_sn": 99})).await);
    assert_eq!(code, 10002, "kicking an unknown device");
});

on_both_backends!(online_status_follows_live_tokens, |app| {
    let alice = register(&app, "alice").await;
    let admin = app.maxim_admin().acting_as_user(alice);
    assert_eq!(admin.user_online_status().await.unwrap().online, Some(false), "never logged in");
    let token = login(&app, "alice", None).await.token.unwrap();
    assert_eq!(admin.user_online_status().await.unwrap().online, Some(true));
    assert_eq!(app.maxim_as(&token).user_online_status().await.unwrap().online, Some(true));
    admin.user_kick(&input!({})).await.unwrap();
    assert_eq!(admin.user_online_status().await.unwrap().online, Some(false), "kicked everywhere");
    login(&app, "alice", None).await;
    app.clock.advance(TOKEN_TTL + Duration::from_secs(1));
    assert_eq!(admin.user_online_status().await.unwrap().online, Some(false), "the token expired");
});

on_both_backends!(disabled_users_get_no_token_and_old_tokens_fail, |app| {
    let alice = register(&app, "alice").await;
    let bob = register(&app, "bob").await;
    let old = login(&app, "alice", None).await.token.unwrap();
    let (code, _) = failure(app.maxim_as(&old).user_disable(&input!({"list": [bob]})).await);
    assert_eq!(code, 10010, "a user cannot disable anybody");
    let (code, _) = failure(app.maxim_admin().user_disable(&input!({"list": [alice, 999_999_999]})).await);
    assert_eq!(code, 10000, "an unknown id in the list");
    assert!(app.maxim_as(&old).user_profile_get().await.is_ok(), "and then nobody was disabled");
    let (code, message) = failure(app.maxim_admin().user_disable(&input!({})).await);
    assert_eq!((code, message.contains("list")), (10002, true));

    assert!(app.maxim_admin().user_disable(&input!({"list": [alice]})).await.unwrap());
    assert_eq!(failure(app.maxim_as(&old).user_profile_get().await).0, 402, "an old token fails");
    let (code, _) = failure(app.maxim().token_user(&input!({"name": "alice", "password": PASSWORD})).await);
    assert_eq!(code, 10010, "a disabled user gets no token");
    let (code, _) = failure(app.maxim().token_id(&input!({"user_id": alice, "password": PASSWORD})).await);
    assert_eq!(code, 10010);
    assert!(login(&app, "bob", None).await.token.is_some(), "others are untouched");

    assert!(app.maxim_admin().user_enable(&input!({"list": [alice]})).await.unwrap());
    let fresh = login(&app, "alice", None).await.token.unwrap();
    assert!(app.maxim_as(&fresh).user_profile_get().await.is_ok());
    assert_eq!(
        failure(app.maxim_as(&old).user_profile_get().await).0,
        402,
        "enabling does not revive old tokens"
    );
    let (code, _) = failure(app.maxim_as(&fresh).user_enable(&input!({"list": [alice]})).await);
    assert_eq!(code, 10010);
});

on_both_backends!(operations_without_a_counterpart_say_so, |app| {
    let (_, client) = user(&app, "alice").await;
    let (code, message) =
        failure(client.user_bind_openid(&input!({"open_id": "wx-1", "type": "wechat"})).await);
    assert_eq!(code, 10002);
    assert!(message.contains("not supported"), "{message}");
    let (code, _) = failure(app.maxim().user_bind_openid(&input!({"open_id": "wx-1"})).await);
    assert_eq!(code, 10003, "still authenticated first");
});

on_both_backends!(public_and_private_info_take_the_text_as_info_or_as_the_body, |app| {
    let (_, client) = user(&app, "alice").await;
    let token = login(&app, "alice", None).await.token.expect("token");
    assert!(client.user_public(&input!({"info": "hello all"})).await.unwrap());
    assert!(client.user_private(&input!({"info": "just me"})).await.unwrap());
    let profile = client.user_profile_get().await.unwrap();
    assert_eq!(profile.public_info.as_deref(), Some("hello all"));
    assert_eq!(profile.private_info.as_deref(), Some("just me"));

    // The real service's form: the text is the body, whatever its type.
    for (method, path, ct, body) in [
        (reqwest::Method::PUT, "/user/public", "text/plain", "plain words"),
        (reqwest::Method::POST, "/user/private", "application/json", "{not json"),
    ] {
        let answer: serde_json::Value = app
            .http
            .request(method, app.url(path))
            .header("app_id", &app.app_id)
            .header("access-token", &token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["code"], 200, "{path}: {answer}");
    }
    let profile = client.user_profile_get().await.unwrap();
    assert_eq!(profile.public_info.as_deref(), Some("plain words"));
    assert_eq!(profile.private_info.as_deref(), Some("{not json"));

    for body in [None, Some("{}"), Some(r#"{"info": null}"#)] {
        let answer = raw(&app, Method::POST, "/user/public", Some(&token), body).await;
        assert_eq!(answer["code"], 10002, "no text: {answer}");
        assert!(answer["message"].as_str().unwrap_or("").contains("info"), "{answer}");
    }
    let (code, _) = failure(client.user_private(&input!({"info": "x".repeat(4097)})).await);
    assert_eq!(code, 10002, "the profile's limit holds");
});

on_both_backends!(every_call_but_registration_needs_a_valid_token, |app| {
    let (_, client) = user(&app, "alice").await;
    let (code, _) = failure(app.maxim().user_profile_get().await);
    assert_eq!(code, 10003, "no access-token");
    let (code, _) = failure(app.maxim_as("not-a-token").user_profile_get().await);
    assert_eq!(code, 10008, "an unknown access-token");
    let (code, _) = failure(app.maxim_as("adm_not-a-token").user_settings_get().await);
    assert_eq!(code, 10008, "an unknown admin-looking token");
    let (code, _) = failure(client.clone().with_app_id("no-such-app").user_profile_get().await);
    assert_eq!(code, 40000, "an unknown app_id");
    let (code, _) = failure(app.maxim().user_nickname(&input!({})).await);
    assert_eq!(code, 10003, "authentication comes before checking the parameters");
    let body = raw(&app, Method::GET, "/user/profile", None, None).await;
    assert_eq!(body["code"], 10003);
    let no_app = app.http.get(app.url("/user/profile")).send().await.unwrap().json::<Value>().await.unwrap();
    assert_eq!(no_app["code"], 40000, "no app_id header at all");
    assert!(client.user_profile_get().await.is_ok());
    app.clock.advance(TOKEN_TTL + Duration::from_secs(1));
    let (code, _) = failure(client.user_profile_get().await);
    assert_eq!(code, 402, "an expired token");
    let (code, _) = failure(client.user_push_tag_list().await);
    assert_eq!(code, 402);
});

on_both_backends!(admins_act_as_users_of_their_own_app_only, |app| {
    let (alice, alice_client) = user(&app, "alice").await;
    let bob = register(&app, "bob").await;
    let admin = app.maxim_admin();

    // An admin acts as the user its user_id header names.
    assert!(admin.acting_as_user(bob).user_nickname(&input!({"nick_name": "Bobby"})).await.unwrap());
    assert_eq!(
        admin.acting_as_user(bob).user_profile_get().await.unwrap().nick_name.as_deref(),
        Some("Bobby")
    );
    assert_eq!(
        alice_client.user_profile_get().await.unwrap().nick_name.as_deref(),
        Some(""),
        "nobody else changed"
    );
    let (code, message) = failure(admin.user_profile_get().await);
    assert_eq!(code, 10002, "an admin must say whom it acts as");
    assert!(message.contains("user_id"), "{message}");
    let (code, _) = failure(admin.acting_as_user(999_999_999).user_profile_get().await);
    assert_eq!(code, 10000, "acting as an unknown user");

    // A user token may name itself, nobody else.
    assert_eq!(alice_client.acting_as_user(alice).user_profile_get().await.unwrap().user_id, Some(alice));
    let (code, _) = failure(alice_client.acting_as_user(bob).user_profile_get().await);
    assert_eq!(code, 10010);
    let (code, _) =
        failure(alice_client.acting_as_user(bob).user_nickname(&input!({"nick_name": "pwned"})).await);
    assert_eq!(code, 10010);
    assert_eq!(
        admin.acting_as_user(bob).user_profile_get().await.unwrap().nick_name.as_deref(),
        Some("Bobby")
    );

    // Nothing of app A is reachable with app B's tokens.
    let (other_app, other_admin) = app.other_app("app-b").await;
    let (code, _) = failure(app.maxim_as(&other_admin).acting_as_user(alice).user_profile_get().await);
    assert_eq!(code, 10008, "app B's admin token with app A's id");
    let b_admin = MaximClient::new(app.base_url.clone())
        .with_app_id(other_app.clone())
        .with_access_token(other_admin.clone());
    let (code, _) = failure(b_admin.acting_as_user(alice).user_profile_get().await);
    assert_eq!(code, 10000, "app A's user does not exist in app B");
    let (code, _) = failure(b_admin.user_disable(&input!({"list": [alice]})).await);
    assert_eq!(code, 10000);
    assert!(alice_client.user_profile_get().await.is_ok(), "alice is not disabled");
    let (code, _) = failure(alice_client.clone().with_app_id(other_app).user_profile_get().await);
    assert_eq!(code, 10008, "app A's user token with app B's id");
});

on_both_backends!(real_client_request_shapes_are_accepted, |app| {
    let (alice, client) = user(&app, "alice").await;
    let token = login(&app, "alice", Some("web")).await.token.unwrap();
    let t = Some(token.as_str());

    // POST with the parameters in the query string and the body `{}`.
    let r = raw(&app, Method::POST, "/user/authmode?value=0", t, Some("{}")).await;
    assert_eq!(
        (r["code"].as_i64(), r["data"].as_bool(), r["message"].is_null()),
        (Some(200), Some(true), true),
        "{r}"
    );
    let r = raw(&app, Method::POST, "/user/nickname?nick_name=Queried", t, Some("{}")).await;
    assert_eq!(r["code"], 200, "{r}");
    let r = raw(&app, Method::POST, "/user/push?value=true", t, Some("{}")).await;
    assert_eq!(r["code"], 200, "{r}");
    let r = raw(&app, Method::POST, "/user/username?username=alice_q", t, Some("{}")).await;
    assert_eq!(r["code"], 200, "{r}");
    let r = raw(&app, Method::POST, "/user/mobile?mobile=13700000000", t, Some("{}")).await;
    assert_eq!(r["code"], 200, "{r}");

    // Parameterless GETs with a trailing `?`.
    let r = raw(&app, Method::GET, "/user/settings?", t, None).await;
    assert_eq!(
        (r["code"].as_i64(), r["data"]["auth_mode"].as_i64(), r["data"]["no_push"].as_bool()),
        (Some(200), Some(0), Some(true)),
        "{r}"
    );
    let r = raw(&app, Method::GET, "/user/profile?", t, None).await;
    assert_eq!(
        (r["data"]["nick_name"].as_str(), r["data"]["username"].as_str(), r["data"]["mobile"].as_str()),
        (Some("Queried"), Some("alice_q"), Some("13700000000")),
        "{r}"
    );
    let r = raw(&app, Method::GET, "/user/device/list?", t, None).await;
    assert_eq!(r["data"].as_array().map(Vec::len), Some(1), "{r}");
    assert!(r.get("cursor").is_none(), "one page: no cursor: {r}");

    // POST where the document says PUT or DELETE.
    let r = raw(&app, Method::POST, "/user/settings", t, Some(r#"{"vibratory": false}"#)).await;
    assert_eq!(r["code"], 200, "{r}");
    let r = raw(&app, Method::POST, "/user/push/tag", t, Some(r#"{"tags": ["a", "b"]}"#)).await;
    assert_eq!(r["code"], 200, "{r}");
    let r = raw(&app, Method::DELETE, "/user/push/tag", t, Some(r#"{"tags": ["a"]}"#)).await;
    assert_eq!(r["code"], 200, "{r}");
    let r = raw(&app, Method::POST, "/user/push/tag/all", t, Some("{}")).await;
    assert_eq!(r["code"], 200, "{r}");
    assert!(client.user_push_tag_list().await.unwrap().is_empty());
    let r = raw(&app, Method::PUT, "/user/profile", t, Some(r#"{"description": "put"}"#)).await;
    assert_eq!(r["code"], 200, "{r}");
    assert_eq!(client.user_profile_get().await.unwrap().description.as_deref(), Some("put"));
    let admin = app.admin_token.clone();
    let bob = register(&app, "bob").await;
    let r = raw(&app, Method::POST, "/user/disable", Some(&admin), Some(&json!({"list": [bob]}).to_string()))
        .await;
    assert_eq!(r["code"], 200, "{r}");
    let r = raw(&app, Method::POST, "/user/enable", Some(&admin), Some(&json!({"list": [bob]}).to_string()))
        .await;
    assert_eq!(r["code"], 200, "{r}");
    assert!(login(&app, "bob", None).await.token.is_some());

    // Empty strings for optional values: `device_sn=` is "not given" (kick all).
    let s = client.user_settings_get().await.unwrap();
    assert_eq!(s.vibratory, Some(false));
    let r = raw(&app, Method::POST, "/user/kick?device_sn=", t, Some("{}")).await;
    assert_eq!(r["code"], 200, "{r}");
    assert_eq!(failure(client.user_profile_get().await).0, 402, "every token was kicked");
    let r = raw(&app, Method::GET, "/user/online_status?", Some(&admin), None).await;
    assert_eq!(r["code"], 10002, "an admin without user_id: {r}");
    let r = app
        .http
        .get(app.url("/user/online_status?"))
        .header("app_id", &app.app_id)
        .header("access-token", &admin)
        .header("user_id", alice.to_string())
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!((r["code"].as_i64(), r["data"]["online"].as_bool()), (Some(200), Some(false)), "{r}");
    let r = raw(&app, Method::POST, "/user/authmode?value=abc", Some(&admin), Some("{}")).await;
    assert_eq!(r["code"], 10002, "a mistyped parameter: {r}");
    assert!(r["message"].as_str().unwrap().contains("value"), "{r}");
});

on_both_backends!(usernames_follow_the_real_services_rule, |app| {
    for bad in ["a.b", "a-b", "12345", "maxim_bot", "MaXiM1", "mta_x", "MTA2"] {
        let (code, message) =
            failure(app.maxim().user_register_v2(&input!({"username": bad, "password": PASSWORD})).await);
        assert_eq!(code, 10002, "{bad}");
        assert!(message.contains("username"), "{bad}: {message}");
    }
    for good in ["test_user", "_123", "a1_maxim"] {
        register(&app, good).await;
    }
    let (_, client) = user(&app, "alice").await;
    let (code, _) = failure(client.user_username(&input!({"username": "mta_alice"})).await);
    assert_eq!(code, 10002, "a new username follows the rule too");
});

on_both_backends!(add_roster_makes_friends_at_once_whatever_the_auth_mode, |app| {
    let (owner, owner_client) = user(&app, "owner").await;
    let (closed, closed_client) = user(&app, "closed").await;
    assert!(closed_client.user_authmode(&input!({"value": 3})).await.unwrap());
    let add = |list: Vec<i64>| {
        let app = app.clone();
        async move {
            let body = json!({ "list": list }).to_string();
            raw_as_admin(&app, Method::POST, "/user/add_roster", owner, Some(&body)).await
        }
    };
    assert_eq!(add(vec![closed]).await["data"], true, "auth mode 3 does not refuse the app");
    assert_eq!(add(vec![closed]).await["data"], true, "already friends: nothing to do");
    let rosters = raw_as_admin(&app, Method::GET, "/user/rosters", owner, None).await;
    assert_eq!(rosters["data"], json!([{"user_id": closed, "name": "closed"}]), "{rosters}");
    let rosters = raw_as_admin(&app, Method::GET, "/user/rosters", closed, None).await;
    assert_eq!(rosters["data"], json!([{"user_id": owner, "name": "owner"}]), "both sides: {rosters}");
    assert_eq!(add(vec![owner]).await["code"], 10002, "the user itself");
    assert_eq!(add(vec![i64::from(i32::MAX)]).await["code"], 10000, "an unknown user");
    let as_self = owner_client.acting_as_user(owner);
    let (code, _) = failure(as_self.user_add_roster(&input!({"list": [closed]})).await);
    assert_eq!(code, 10010, "an admin call: a user token may not");
});

/// A raw admin request acting as `user` through the `user_id` header.
async fn raw_as_admin(app: &TestApp, method: Method, path: &str, user: i64, body: Option<&str>) -> Value {
    let mut req = app
        .http
        .request(method, app.url(path))
        .header("app_id", &app.app_id)
        .header("access-token", &app.admin_token)
        .header("user_id", user.to_string());
    if let Some(body) = body {
        req = req.header("content-type", "application/json").body(body.to_string());
    }
    req.send().await.expect("send").json().await.expect("JSON envelope")
}
