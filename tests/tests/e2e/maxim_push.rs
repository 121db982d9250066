//! MaxIM `/push/*` through the generated client (`docs/push.md`): a user
//! logs in on a device and binds a vendor token to the app's webhook
//! notifier with `/user/token/bind`; the admin pushes to it and reads the
//! task's figures; the section's own codes (12005, 12006) and the
//! certificate without its secret. The providers' protocols, retries and
//! restarts are tested in `server/tests/push.rs`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use client::generated::maxim::models as m;
use serde_json::{Value, json};
use server::core::AppId;
use server::core::Config;
use server::core::push::notifiers::{VendorCredentials, WebhookCredentials};
use server::core::push::{Credentials, Environment, Kind, NewNotifier};
use tests::{TestApp, failure, input, on_both_backends_configured};

fn fast_worker(config: &mut Config) {
    config.push_worker.poll_every = Duration::from_millis(20);
    config.push_worker.retry_base = Duration::ZERO;
}

/// A gateway that accepts everything and keeps the bodies.
async fn gateway() -> (String, Arc<Mutex<Vec<Value>>>) {
    let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
    let kept = bodies.clone();
    let router = Router::new().route(
        "/hook",
        post(move |body: String| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push(serde_json::from_str(&body).unwrap_or(Value::Null));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}/hook"), bodies)
}

async fn add_notifier(app: &TestApp, name: &str, kind: Kind, credentials: Credentials) {
    let id = AppId::parse(&app.app_id).expect("app id");
    let new = NewNotifier { name: name.into(), kind, environment: Environment::Production, credentials };
    app.core.push().add_notifier(&id, new).await.expect("notifier");
}

/// Registers, logs in on a device and binds `device_token` to `notifier`.
async fn device_user(app: &TestApp, name: &str, device_token: &str, notifier: &str) -> i64 {
    let maxim = app.maxim();
    let id = maxim
        .user_register_v2(&input!({"username": name, "password": "password1"}))
        .await
        .expect("register")
        .user_id
        .expect("user id");
    let login = maxim
        .token_user(&input!({"name": name, "password": "password1", "device_guid": format!("{name}-phone")}))
        .await
        .expect("login");
    let user = app.maxim_as(&login.token.expect("token"));
    let devices = user.user_device_list().await.expect("devices").data;
    let sn = devices[0].device_sn.expect("device_sn");
    user.user_token_bind(&input!({"device_sn": sn, "device_token": device_token, "notifier_name": notifier}))
        .await
        .expect("bind");
    id
}

async fn figures_when_done(app: &TestApp, task: i64) -> m::PushTaskDetailDataItem {
    let start = Instant::now();
    loop {
        let detail = app.maxim_admin().push_task_detail(&input!({"list": [task]})).await.expect("detail");
        let item = detail.into_iter().next().expect("the task");
        let target = item.webhook_target.unwrap_or(0);
        let done = item.webhook_sent.unwrap_or(0)
            + item.webhook_skipped.unwrap_or(0)
            + item.webhook_failed.unwrap_or(0);
        if done == target {
            return item;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "task {task} not done: {item:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

on_both_backends_configured!(an_admin_pushes_to_a_bound_device_and_reads_the_figures, fast_worker, |app| {
    let admin = app.maxim_admin();
    let no_notifier = admin.push_notify(&input!({"audience": "all", "message": {"title": "t"}})).await;
    assert_eq!(failure(no_notifier).0, 12006);

    let (url, bodies) = gateway().await;
    let webhook = WebhookCredentials { url, secret: "s3cret".into() };
    add_notifier(&app, "gateway", Kind::Webhook, Credentials::Webhook(webhook)).await;
    let pat = device_user(&app, "pat", "vendor-token-1", "gateway").await;
    let _idle = device_user(&app, "idle", "vendor-token-2", "gateway").await;

    let data = admin
        .push_notify(&input!({"audience": {"user_id": [pat]}, "message": {"type": "text", "title": "Hello", "body": "from the admin"}}))
        .await
        .expect("notify");
    let task = data.task_id.expect("task_id");
    let item = figures_when_done(&app, task).await;
    assert_eq!(item.task_id, Some(task));
    assert_eq!((item.webhook_target, item.webhook_sent, item.webhook_received), (Some(1), Some(1), Some(1)));
    assert_eq!((item.apns_target, item.fcm_target), (Some(0), Some(0)));
    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "only pat's device: {bodies:?}");
    assert_eq!(bodies[0]["push_token"], "vendor-token-1");
    assert_eq!(bodies[0]["user_id"], pat);
    assert_eq!(bodies[0]["message"], json!({"type": "text", "title": "Hello", "body": "from the admin"}));

    let too_many: Vec<i64> = (1..=501).collect();
    let over = admin.push_notify(&input!({"audience": {"user_id": too_many}, "message": {}})).await;
    assert_eq!(failure(over).0, 12005);
    let as_user = app.maxim().push_notify(&input!({"audience": "all", "message": {}})).await;
    assert_eq!(failure(as_user).0, 10003, "no token");
});

on_both_backends_configured!(the_certificate_answers_the_vendor_ids_without_the_secret, fast_worker, |app| {
    let vendor =
        VendorCredentials { app_id: "1001".into(), app_key: "k".into(), app_secret: "hidden".into() };
    add_notifier(&app, "oppo", Kind::Oppo, Credentials::Vendor(vendor)).await;
    let (_, token) = app.register_with_token("olive").await;
    let user = app.maxim_as(&token);
    let cert = user.push_certificate(&input!({"provider": 6})).await.expect("certificate");
    assert_eq!(
        (cert.name.as_deref(), cert.app_id.as_deref(), cert.app_key.as_deref(), cert.app_secret),
        (Some("oppo"), Some("1001"), Some("k"), None)
    );
    let missing = user.push_certificate(&input!({"provider": 7})).await;
    assert_eq!(failure(missing).0, 12006);
});
