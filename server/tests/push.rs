//! MaxIM push (`docs/push.md`) end to end: a server with its delivery
//! worker, devices with bound tokens, and local servers standing in for the
//! providers that check what each provider checks (the webhook's HMAC, the
//! FCM token endpoint's RS256 assertion and the Bearer it hands out, APNs'
//! HTTP/2, ES256 token, topic and path). Tasks resolve their audience,
//! honour push settings, count per channel, retry a 503, survive a restart
//! in the middle of a request without sending a delivery twice, and accept
//! the vendor quick start's three bodies as written. Both databases.
//!
//! The keys under `server/tests/testdata/push/` are test-only keys made
//! for these tests.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, Version};
use axum::response::IntoResponse;
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use server::app::{Application, Spawned};
use server::core::devices::DeviceLogin;
use server::core::push::notifiers::{ApnsCredentials, FcmCredentials, VendorCredentials, WebhookCredentials};
use server::core::push::{Credentials, Environment, Kind, NewNotifier};
use server::core::settings::SettingsPatch;
use server::core::users::NewUser;
use server::core::{Actor, AppId, Config, Core};
use server::testing::TestCore;
use sha2::Sha256;

const FCM_KEY: &str = include_str!("testdata/push/fcm-test-only.key");
const FCM_PUB: &str = include_str!("testdata/push/fcm-test-only.pub");
const APNS_KEY: &str = include_str!("testdata/push/apns-test-only.p8");
const APNS_PUB: &str = include_str!("testdata/push/apns-test-only.pub");
const HOOK_SECRET: &str = "hook-secret-for-tests";

/// A fast worker: polls often, retries at once, a lease the test moves past.
fn fast_worker(config: &mut Config) {
    config.push_worker.poll_every = Duration::from_millis(20);
    config.push_worker.retry_base = Duration::ZERO;
    config.push_worker.lease = Duration::from_secs(60);
    config.push_worker.max_attempts = 3;
}

/// One request a fake provider received.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    version: Version,
    headers: HeaderMap,
    body: Vec<u8>,
    /// What it answered (0: held, never answered).
    status: u16,
}

impl Hit {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

type Hits = Arc<Mutex<Vec<Hit>>>;

async fn read(req: Request) -> (String, Version, HeaderMap, Vec<u8>) {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.map(|b| b.to_vec()).unwrap_or_default();
    (parts.uri.path().to_string(), parts.version, parts.headers, body)
}

/// Serves `router` on a free port (HTTP/1 and h2c); its base URL.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// How a fake webhook gateway answers.
#[derive(Clone, Copy)]
enum Gateway {
    Accept,
    /// 503 to the first attempt of each delivery, then 200.
    FailFirst,
    /// 400 always.
    Refuse,
    /// Holds the very first request unanswered; 200 to every other.
    HoldFirst,
}

async fn gateway(behaviour: Gateway) -> (String, Hits) {
    let hits: Hits = Arc::default();
    let seen = hits.clone();
    let count = Arc::new(AtomicUsize::new(0));
    let router = Router::new().route(
        "/hook",
        post(move |req: Request| {
            let (hits, count) = (seen.clone(), count.clone());
            async move {
                let (path, version, headers, body) = read(req).await;
                let n = count.fetch_add(1, Ordering::SeqCst);
                let key =
                    headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                let earlier =
                    hits.lock().unwrap().iter().filter(|h: &&Hit| h.header("idempotency-key") == key).count();
                let status = match behaviour {
                    Gateway::Accept => 200,
                    Gateway::FailFirst if earlier == 0 => 503,
                    Gateway::FailFirst => 200,
                    Gateway::Refuse => 400,
                    Gateway::HoldFirst if n == 0 => 0,
                    Gateway::HoldFirst => 200,
                };
                hits.lock().unwrap().push(Hit { path, version, headers, body, status });
                if status == 0 {
                    std::future::pending::<()>().await;
                }
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK).into_response()
            }
        }),
    );
    (format!("{}/hook", serve(router).await), hits)
}

fn webhook(name: &str, url: &str) -> NewNotifier {
    NewNotifier {
        name: name.into(),
        kind: Kind::Webhook,
        environment: Environment::Production,
        credentials: Credentials::Webhook(WebhookCredentials { url: url.into(), secret: HOOK_SECRET.into() }),
    }
}

/// A user with one device per entry of `bound`: `Some((token, notifier))`
/// binds a push token, `None` leaves the device without one.
async fn user(core: &Core, app: &AppId, name: &str, bound: &[Option<(&str, &str)>]) -> i64 {
    let user = core.users().register(app, NewUser::new(name, "password1")).await.expect("register");
    let actor = Actor::new(app.clone(), user.id);
    for (i, b) in bound.iter().enumerate() {
        let login = DeviceLogin::new(format!("{name}-device-{i}"));
        let issued =
            core.tokens().login_by_username(app, name, "password1", Some(login)).await.expect("login");
        let sn = issued.device.expect("a device").device_sn;
        if let Some((token, notifier)) = b {
            core.devices().bind_push_token(&actor, sn, token, notifier).await.expect("bind");
        }
    }
    user.id.0
}

async fn settings(core: &Core, app: &AppId, user: i64, patch: SettingsPatch) {
    core.settings()
        .update(&Actor::new(app.clone(), server::core::UserId(user)), patch)
        .await
        .expect("settings");
}

/// The server under test with its worker.
struct Running {
    base: String,
    admin: String,
    app: AppId,
    http: reqwest::Client,
    server: Option<Spawned>,
}

impl Running {
    async fn start(core: &Core, app: &AppId) -> Running {
        let admin = core.admin_tokens().create(app, "push tests").await.expect("admin token").secret;
        Running::start_with(core, app, admin).await
    }

    async fn start_with(core: &Core, app: &AppId, admin: String) -> Running {
        let application =
            Application::build_with(SocketAddr::from(([127, 0, 0, 1], 0)), core.clone()).await.expect("bind");
        let server = application.spawn();
        Running {
            base: server.base_url.clone(),
            admin,
            app: app.clone(),
            http: reqwest::Client::new(),
            server: Some(server),
        }
    }

    async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop().await.expect("the server stops");
        }
    }

    async fn call_as(&self, token: &str, path: &str, body: &str) -> Value {
        self.http
            .post(format!("{}{path}", self.base))
            .header("app_id", self.app.as_str())
            .header("access-token", token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("a JSON envelope")
    }

    async fn call(&self, path: &str, body: Value) -> Value {
        self.call_as(&self.admin, path, &body.to_string()).await
    }

    async fn notify(&self, body: Value) -> i64 {
        let answer = self.call("/push/notify", body).await;
        assert_eq!(answer["code"], 200, "{answer}");
        answer["data"]["task_id"].as_i64().expect("a task id")
    }

    async fn detail(&self, task: i64) -> Value {
        let answer = self.call("/push/task/detail", json!({ "list": [task] })).await;
        assert_eq!(answer["code"], 200, "{answer}");
        answer["data"][0].clone()
    }
}

/// Waits until no delivery of `task` is pending; answers its figures.
async fn settled(core: &Core, app: &AppId, task: i64) -> server::core::push::TaskFigures {
    let start = Instant::now();
    loop {
        let figures = core.push().figures(app, &[task]).await.expect("figures").pop().expect("the task");
        if figures.channels.values().all(|c| c.pending == 0) {
            return figures;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "task {task} not settled: {figures:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn expect_signed(hit: &Hit) {
    let mut mac = Hmac::<Sha256>::new_from_slice(HOOK_SECRET.as_bytes()).expect("hmac");
    mac.update(&hit.body);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hit.header("x-push-signature"), format!("sha256={expected}"), "signature of {hit:?}");
    assert!(!hit.header("idempotency-key").is_empty());
}

/// A core on its own pool over the test's database, sharing nothing in
/// memory with the test's core but the clock.
async fn another_node(t: &TestCore) -> (Core, server::store::Db) {
    let db = server::store::Db::connect_with(&t.database_url, server::testing::db_options())
        .await
        .expect("connect");
    let mut config = server::testing::config();
    fast_worker(&mut config);
    (Core::new(db.clone(), t.clock.clone(), config), db)
}

fn scenario<F, Fut>(backend: server::testing::Backend, f: F) -> impl Future<Output = ()>
where
    F: FnOnce(TestCore) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    server::testing::run(backend, fast_worker, f)
}

server::both_backends!(webhook_task_honours_settings_and_counts_per_channel, |backend| scenario(
    backend,
    |t| async move {
        let (core, app) = (t.core.clone(), t.app.clone());
        let (url, hits) = gateway(Gateway::Accept).await;
        core.push().add_notifier(&app, webhook("hook", &url)).await.expect("notifier");
        let mi = NewNotifier {
            name: "mi".into(),
            kind: Kind::Xiaomi,
            environment: Environment::Production,
            credentials: Credentials::Vendor(VendorCredentials::default()),
        };
        core.push().add_notifier(&app, mi).await.expect("vendor notifier");
        let alice = user(&core, &app, "alice", &[Some(("a1", "hook")), Some(("a2", "hook"))]).await;
        let bob = user(&core, &app, "bob", &[None]).await;
        let carol = user(&core, &app, "carol", &[Some(("c1", "hook"))]).await;
        let dave = user(&core, &app, "dave", &[Some(("d1", "hook"))]).await;
        let eve = user(&core, &app, "eve", &[Some(("e1", "mi"))]).await;
        settings(&core, &app, carol, SettingsPatch { no_push: Some(true), ..Default::default() }).await;
        let hour = core.now_ms().div_euclid(3_600_000).rem_euclid(24);
        let quiet = SettingsPatch {
            no_push_start_hour: Some(hour),
            no_push_end_hour: Some((hour + 1) % 24),
            ..Default::default()
        };
        settings(&core, &app, dave, quiet).await;
        let mut server = Running::start(&core, &app).await;
        let task = server
            .notify(json!({
                "audience": {"user_id": [alice, bob, carol, dave, eve]},
                "message": {"type": "text", "title": "hi", "body": "there", "ext": {"k": 1}}
            }))
            .await;
        let figures = settled(&core, &app, task).await;
        let hook = figures.channels["webhook"];
        assert_eq!((hook.target, hook.sent, hook.skipped, hook.failed), (4, 2, 2, 0), "{figures:?}");
        let xiaomi = figures.channels["xiaomi"];
        assert_eq!((xiaomi.target, xiaomi.sent, xiaomi.failed), (1, 0, 1), "{figures:?}");
        let detail = server.detail(task).await;
        assert_eq!(detail["task_id"], task);
        assert_eq!(
            (&detail["webhook_target"], &detail["webhook_sent"], &detail["webhook_skipped"]),
            (&json!(4), &json!(2), &json!(2))
        );
        assert_eq!((&detail["xiaomi_target"], &detail["xiaomi_failed"]), (&json!(1), &json!(1)));
        assert_eq!(detail["apns_target"], 0);

        let hits = hits.lock().unwrap().clone();
        assert_eq!(hits.len(), 2, "only alice's two devices: {hits:?}");
        let mut tokens: Vec<String> =
            hits.iter().map(|h| h.json()["push_token"].as_str().unwrap_or("").into()).collect();
        tokens.sort();
        assert_eq!(tokens, ["a1", "a2"]);
        for hit in &hits {
            expect_signed(hit);
            let body = hit.json();
            assert_eq!((body["task_id"].as_i64(), body["user_id"].as_i64()), (Some(task), Some(alice)));
            assert_eq!(body["message"]["title"], "hi");
            assert_eq!(body["message"]["ext"]["k"], 1);
            assert!(body["delivery_id"].as_i64().is_some());
        }
        let keys: HashSet<&str> = hits.iter().map(|h| h.header("idempotency-key")).collect();
        assert_eq!(keys.len(), 2, "one key per delivery");

        // Aliases, tags and push tokens resolve to the same devices.
        settings(&core, &app, alice, SettingsPatch { push_alias: Some("ali".into()), ..Default::default() })
            .await;
        core.settings()
            .add_tags(&Actor::new(app.clone(), server::core::UserId(alice)), &["beijing".into()])
            .await
            .expect("tag");
        for audience in [
            json!({"alias": ["ali"]}),
            json!({"tag": ["beijing", "nowhere"]}),
            json!({"push_token": ["a1", "a2"]}),
        ] {
            let task = server.notify(json!({"audience": audience, "message": {"title": "t"}})).await;
            let f = settled(&core, &app, task).await;
            assert_eq!(
                (f.channels["webhook"].target, f.channels["webhook"].sent),
                (2, 2),
                "{audience}: {f:?}"
            );
        }
        let task = server.notify(json!({"audience": "all", "message": {"title": "t"}})).await;
        let f = settled(&core, &app, task).await;
        assert_eq!((f.channels["webhook"].target, f.channels["webhook"].skipped), (4, 2), "{f:?}");
        server.stop().await;
    }
));

server::both_backends!(webhook_retries_a_503_and_fails_on_a_400, |backend| scenario(
    backend,
    |t| async move {
        let (core, app) = (t.core.clone(), t.app.clone());
        let (flaky, flaky_hits) = gateway(Gateway::FailFirst).await;
        let (refusing, refusing_hits) = gateway(Gateway::Refuse).await;
        core.push().add_notifier(&app, webhook("flaky", &flaky)).await.expect("notifier");
        core.push().add_notifier(&app, webhook("refusing", &refusing)).await.expect("notifier");
        let u = user(&core, &app, "ursula", &[Some(("f1", "flaky")), Some(("r1", "refusing"))]).await;
        let mut server = Running::start(&core, &app).await;
        let task = server.notify(json!({"audience": {"user_id": [u]}, "message": {"body": "b"}})).await;
        let f = settled(&core, &app, task).await;
        let hook = f.channels["webhook"];
        assert_eq!((hook.target, hook.sent, hook.failed), (2, 1, 1), "{f:?}");
        let flaky = flaky_hits.lock().unwrap().clone();
        assert_eq!(flaky.iter().map(|h| h.status).collect::<Vec<_>>(), [503, 200]);
        assert_eq!(
            flaky[0].header("idempotency-key"),
            flaky[1].header("idempotency-key"),
            "a retry keeps the key"
        );
        assert_eq!(flaky[0].json()["attempt"], 1);
        assert_eq!(flaky[1].json()["attempt"], 2);
        assert_eq!(refusing_hits.lock().unwrap().len(), 1, "a 4xx is not retried");
        server.stop().await;
    }
));

server::both_backends!(fcm_gets_a_token_with_an_rs256_assertion_and_sends_with_its_bearer, |backend| {
    scenario(backend, |t| async move {
        let (core, app) = (t.core.clone(), t.app.clone());
        let hits: Hits = Arc::default();
        let token_calls = Arc::new(AtomicUsize::new(0));
        let base = {
            let (hits_t, hits_m, calls) = (hits.clone(), hits.clone(), token_calls.clone());
            // The token endpoint's URL is known only once it listens: it
            // reads it from the request (the assertion's audience).
            let router = Router::new()
                .route(
                    "/token",
                    post(move |req: Request| {
                        let (hits, calls) = (hits_t.clone(), calls.clone());
                        async move {
                            let host = req.headers().get("host").and_then(|h| h.to_str().ok()).unwrap_or("").to_string();
                            let (path, version, headers, body) = read(req).await;
                            let form: HashMap<String, String> =
                                form_urlencoded::parse(&body).into_owned().collect();
                            let mut validation = Validation::new(Algorithm::RS256);
                            validation.set_audience(&[format!("http://{host}/token")]);
                            validation.set_issuer(&["pusher@p1.iam.gserviceaccount.com"]);
                            let key = DecodingKey::from_rsa_pem(FCM_PUB.as_bytes()).expect("public key");
                            let verified = form.get("grant_type").map(String::as_str)
                                == Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
                                && form.get("assertion").is_some_and(|a| {
                                    jsonwebtoken::decode::<Value>(a, &key, &validation).is_ok_and(|t| {
                                        t.claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
                                    })
                                });
                            let status = if verified { 200 } else { 401 };
                            hits.lock().unwrap().push(Hit { path, version, headers, body, status });
                            if !verified {
                                return (StatusCode::UNAUTHORIZED, "bad assertion").into_response();
                            }
                            let n = calls.fetch_add(1, Ordering::SeqCst);
                            axum::Json(json!({"access_token": format!("at-{n}"), "expires_in": 3600, "token_type": "Bearer"}))
                                .into_response()
                        }
                    }),
                )
                .route(
                    "/v1/projects/{project}/messages:send",
                    post(move |req: Request| {
                        let hits = hits_m.clone();
                        async move {
                            let (path, version, headers, body) = read(req).await;
                            let ok = headers.get("authorization").and_then(|v| v.to_str().ok()) == Some("Bearer at-0");
                            let status = if ok { 200 } else { 401 };
                            hits.lock().unwrap().push(Hit { path, version, headers, body, status });
                            (StatusCode::from_u16(status).unwrap(), axum::Json(json!({"name": "projects/p1/messages/1"})))
                        }
                    }),
                );
            serve(router).await
        };
        let fcm = NewNotifier {
            name: "fcm".into(),
            kind: Kind::Fcm,
            environment: Environment::Production,
            credentials: Credentials::Fcm(FcmCredentials {
                project_id: "p1".into(),
                client_email: "pusher@p1.iam.gserviceaccount.com".into(),
                private_key: FCM_KEY.into(),
                token_uri: format!("{base}/token"),
                base_url: Some(base.clone()),
            }),
        };
        core.push().add_notifier(&app, fcm).await.expect("notifier");
        let u = user(&core, &app, "fred", &[Some(("fcm-1", "fcm")), Some(("fcm-2", "fcm"))]).await;
        let mut server = Running::start(&core, &app).await;
        let task = server
            .notify(
                json!({"audience": {"user_id": [u]}, "message": {"type": "image", "title": "T", "body": "B",
                "attachment_url": "https://x.example/1.jpg", "ext": {"n": 5, "s": "x"}}}),
            )
            .await;
        let f = settled(&core, &app, task).await;
        assert_eq!((f.channels["fcm"].target, f.channels["fcm"].sent), (2, 2), "{f:?}");
        let hits = hits.lock().unwrap().clone();
        assert!(hits.iter().all(|h| h.status == 200), "{hits:?}");
        assert_eq!(token_calls.load(Ordering::SeqCst), 1, "the access token is cached");
        let sends: Vec<&Hit> = hits.iter().filter(|h| h.path == "/v1/projects/p1/messages:send").collect();
        assert_eq!(sends.len(), 2);
        let mut tokens = Vec::new();
        for s in sends {
            let m = &s.json()["message"];
            tokens.push(m["token"].as_str().unwrap_or("").to_string());
            assert_eq!(
                m["notification"],
                json!({"title": "T", "body": "B", "image": "https://x.example/1.jpg"})
            );
            assert_eq!(
                (&m["data"]["n"], &m["data"]["s"]),
                (&json!("5"), &json!("x")),
                "data values are strings"
            );
        }
        tokens.sort();
        assert_eq!(tokens, ["fcm-1", "fcm-2"]);
        assert_eq!(server.detail(task).await["fcm_sent"], 2);
        server.stop().await;
    })
});

server::both_backends!(apns_speaks_http2_with_an_es256_token_topic_and_push_type, |backend| scenario(
    backend,
    |t| async move {
        let (core, app) = (t.core.clone(), t.app.clone());
        let hits: Hits = Arc::default();
        let seen = hits.clone();
        let router = Router::new().route(
            "/3/device/{token}",
            post(move |req: Request| {
                let hits = seen.clone();
                async move {
                    let (path, version, headers, body) = read(req).await;
                    let jwt = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("bearer "))
                        .unwrap_or("")
                        .to_string();
                    let mut validation = Validation::new(Algorithm::ES256);
                    validation.required_spec_claims = HashSet::new();
                    validation.validate_exp = false;
                    validation.set_issuer(&["TEAM123456"]);
                    let key = DecodingKey::from_ec_pem(APNS_PUB.as_bytes()).expect("public key");
                    let header_ok = jsonwebtoken::decode_header(&jwt)
                        .is_ok_and(|h| h.kid.as_deref() == Some("KEY1234567"));
                    let ok = version == Version::HTTP_2
                        && header_ok
                        && jsonwebtoken::decode::<Value>(&jwt, &key, &validation).is_ok()
                        && headers.get("apns-topic").is_some_and(|t| t == "com.example.app");
                    let status = if ok { 200 } else { 403 };
                    hits.lock().unwrap().push(Hit { path, version, headers, body, status });
                    StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let base = serve(router).await;
        let apns = NewNotifier {
            name: "ios".into(),
            kind: Kind::Apns,
            environment: Environment::Development,
            credentials: Credentials::Apns(ApnsCredentials {
                team_id: "TEAM123456".into(),
                key_id: "KEY1234567".into(),
                private_key: APNS_KEY.into(),
                topic: "com.example.app".into(),
                base_url: Some(base),
            }),
        };
        core.push().add_notifier(&app, apns).await.expect("notifier");
        let u = user(&core, &app, "ivy", &[Some(("deadbeef", "ios"))]).await;
        let mut server = Running::start(&core, &app).await;
        let alert = server
            .notify(json!({"audience": {"user_id": [u]}, "message": {"title": "T", "body": "B", "ext": {"k": "v"}}}))
            .await;
        let f = settled(&core, &app, alert).await;
        assert_eq!((f.channels["apns"].target, f.channels["apns"].sent), (1, 1), "{f:?}");
        let cmd = server
            .notify(json!({"audience": {"user_id": [u]}, "message": {"type": "cmd", "ext": {"k": "v"}}}))
            .await;
        let f = settled(&core, &app, cmd).await;
        assert_eq!(f.channels["apns"].sent, 1, "{f:?}");
        let hits = hits.lock().unwrap().clone();
        assert_eq!(hits.len(), 2);
        assert!(
            hits.iter()
                .all(|h| h.status == 200 && h.version == Version::HTTP_2 && h.path == "/3/device/deadbeef"),
            "{hits:?}"
        );
        assert_eq!(hits[0].header("apns-push-type"), "alert");
        assert_eq!(
            hits[0].json(),
            json!({"aps": {"alert": {"title": "T", "body": "B"}}, "k": "v", "task_id": alert})
        );
        assert_eq!(hits[1].header("apns-push-type"), "background");
        assert_eq!(hits[1].json()["aps"], json!({"content-available": 1}));
        let id = hits[0].header("apns-id");
        assert_eq!(id.len(), 36, "apns-id is a UUID: {id}");
        assert_eq!(id.matches('-').count(), 4);
        assert_eq!(server.detail(alert).await["apns_sent"], 1);
        server.stop().await;
    }
));

server::both_backends!(
    notify_refuses_large_audiences_bad_input_users_and_apps_without_notifiers,
    |backend| scenario(backend, |t| async move {
        let (core, app) = (t.core.clone(), t.app.clone());
        let mut server = Running::start(&core, &app).await;
        let body = json!({"audience": "all", "message": {"title": "t"}});
        let answer = server.call("/push/notify", body.clone()).await;
        assert_eq!(answer["code"], 12006, "no notifier: {answer}");
        let (url, _) = gateway(Gateway::Accept).await;
        core.push().add_notifier(&app, webhook("hook", &url)).await.expect("notifier");

        let ids: Vec<i64> = (1..=501).collect();
        let answer = server.call("/push/notify", json!({"audience": {"user_id": ids}, "message": {}})).await;
        assert_eq!(answer["code"], 12005, "{answer}");
        let tags: Vec<String> = (0..501).map(|i| format!("t{i}")).collect();
        let answer = server.call("/push/notify", json!({"audience": {"tag": tags}, "message": {}})).await;
        assert_eq!(answer["code"], 12005, "{answer}");
        let answer =
            server.call("/push/notify", json!({"audience": {"user_id": &ids[..500]}, "message": {}})).await;
        assert_eq!(answer["code"], 200, "500 entries are allowed: {answer}");
        let target = answer["data"]["task_id"].as_i64().expect("task id");
        let figures = core.push().figures(&app, &[target]).await.expect("figures");
        assert!(figures[0].channels.is_empty(), "nobody has a bound token: {figures:?}");

        for bad in [
            json!({"audience": "everyone", "message": {}}),
            json!({"audience": {"user_id": []}, "message": {}}),
            json!({"audience": {"tag": ["a"], "alias": ["b"]}, "message": {}}),
            json!({"audience": {"planet": ["mars"]}, "message": {}}),
            json!({"audience": {"user_id": ["x"]}, "message": {}}),
            json!({"audience": "all", "message": {"type": "video"}}),
            json!({"audience": "all", "message": {"ext": "not an object"}}),
            json!({"message": {}}),
            json!({"audience": "all"}),
        ] {
            let answer = server.call("/push/notify", bad.clone()).await;
            assert_eq!(answer["code"], 10002, "{bad}: {answer}");
        }
        let answer = server.call_as(&server.admin, "/push/notify", "{not json").await;
        assert_eq!(answer["code"], 10002, "{answer}");

        let (_, token) = {
            let u = core.users().register(&app, NewUser::new("plain", "password1")).await.expect("register");
            let issued =
                core.tokens().login_by_username(&app, "plain", "password1", None).await.expect("login");
            (u, issued.token)
        };
        let answer = server.call_as(&token, "/push/notify", &body.to_string()).await;
        assert_eq!(answer["code"], 10010, "a user token may not push: {answer}");
        let answer = server.call_as(&token, "/push/task/detail", r#"{"list":[1]}"#).await;
        assert_eq!(answer["code"], 10010, "{answer}");

        // request_id: the same request is one task.
        let once = json!({"audience": "all", "message": {}, "setting": {"request_id": "r-1"}});
        let (a, b) = (server.notify(once.clone()).await, server.notify(once).await);
        assert_eq!(a, b);
        // Task ids of other apps, or none, are left out.
        let answer = server.call("/push/task/detail", json!({"list": [a, 9_007_199_254_740_000i64]})).await;
        assert_eq!(answer["data"].as_array().map(Vec::len), Some(1), "{answer}");
        server.stop().await;
    })
);

server::both_backends!(certificate_answers_the_public_part_of_a_notifier, |backend| scenario(
    backend,
    |t| async move {
        let (core, app) = (t.core.clone(), t.app.clone());
        let mut server = Running::start(&core, &app).await;
        let hw = NewNotifier {
            name: "hw".into(),
            kind: Kind::Huawei,
            environment: Environment::Production,
            credentials: Credentials::Vendor(VendorCredentials {
                app_id: "10086".into(),
                app_key: "key".into(),
                app_secret: "very-secret".into(),
            }),
        };
        core.push().add_notifier(&app, hw).await.expect("notifier");
        let get = |q: &'static str| {
            let (http, base, app, admin) =
                (server.http.clone(), server.base.clone(), app.clone(), server.admin.clone());
            async move {
                http.get(format!("{base}/push/certificate?{q}"))
                    .header("app_id", app.as_str())
                    .header("access-token", admin)
                    .send()
                    .await
                    .expect("send")
                    .json::<Value>()
                    .await
                    .expect("json")
            }
        };
        let answer = get("provider=2").await;
        assert_eq!(answer["code"], 200, "{answer}");
        assert_eq!(answer["data"], json!({"app_id": "10086", "app_key": "key", "name": "hw"}), "no secret");
        assert_eq!(get("provider=2&environment=0").await["code"], 12006);
        assert_eq!(get("provider=1").await["code"], 12006);
        assert_eq!(get("provider=9").await["code"], 10002);
        assert_eq!(get("").await["code"], 10002);
        server.stop().await;
    }
));

server::both_backends!(the_quick_start_bodies_are_accepted_as_written, |backend| scenario(
    backend,
    |t| async move {
        let (core, app) = (t.core.clone(), t.app.clone());
        let (url, hits) = gateway(Gateway::Accept).await;
        core.push().add_notifier(&app, webhook("hook", &url)).await.expect("notifier");
        let u = user(&core, &app, "quinn", &[Some(("token1", "hook"))]).await;
        core.settings()
            .add_tags(&Actor::new(app.clone(), server::core::UserId(u)), &["beijing".into()])
            .await
            .expect("tag");
        let mut server = Running::start(&core, &app).await;
        // Verbatim from the vendor's quick start (-d '...').
        let bodies = [
            r#"{"audience": "all","message": {"type": "text","title": "this is push title","body": "this is push body"}}"#,
            r#"{"audience": {"push_token":["token1","token2"]},"message": {"type": "image","title": "this is push title","body": "this is push body","attachment_url": "https://xxx.com/images/1.jpg"}}"#,
            r#"{"audience": {"tag":["beijing","shanghai"]},"message": {"type": "cmd","title": "this is push title","body": "this is push body","ext": {"key1": 12345, "key2": "xxx" }}}"#,
        ];
        for body in bodies {
            let answer = server.call_as(&server.admin, "/push/notify", body).await;
            assert_eq!(answer["code"], 200, "{body}: {answer}");
            let task = answer["data"]["task_id"].as_i64().expect("task id");
            let f = settled(&core, &app, task).await;
            assert_eq!(f.channels["webhook"].sent, 1, "{body}: {f:?}");
        }
        let hits = hits.lock().unwrap().clone();
        let types: Vec<Value> = hits.iter().map(|h| h.json()["message"]["type"].clone()).collect();
        assert_eq!(types, [json!("text"), json!("image"), json!("cmd")]);
        assert_eq!(hits[2].json()["message"]["ext"], json!({"key1": 12345, "key2": "xxx"}));
        server.stop().await;
    }
));

server::both_backends!(
    a_restart_mid_task_resends_with_the_same_key_and_two_nodes_never_share_a_row,
    |backend| scenario(backend, |t| async move {
        let (core, app, clock) = (t.core.clone(), t.app.clone(), t.clock.clone());
        let (url, hits) = gateway(Gateway::HoldFirst).await;
        core.push().add_notifier(&app, webhook("hook", &url)).await.expect("notifier");
        let devices: Vec<Option<(&str, &str)>> =
            vec![Some(("r1", "hook")), Some(("r2", "hook")), Some(("r3", "hook"))];
        let u = user(&core, &app, "rita", &devices).await;
        let mut first = Running::start(&core, &app).await;
        let task = first.notify(json!({"audience": {"user_id": [u]}, "message": {"title": "once"}})).await;
        // Wait for the held request to be in flight and the two others to
        // be recorded as sent, then stop that server in the middle of the
        // held one.
        let start = Instant::now();
        loop {
            let held = hits.lock().unwrap().iter().any(|h| h.status == 0);
            let figures = core.push().figures(&app, &[task]).await.expect("figures");
            if held && figures[0].channels.get("webhook").is_some_and(|c| c.sent == 2) {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "the gateway never got the requests");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        first.stop().await;
        let held = hits.lock().unwrap().iter().find(|h| h.status == 0).cloned().expect("held");
        // Until its lease runs out, the row is the dead worker's.
        // Another process's worth: its own pool and core on the same database.
        let (other, other_db) = another_node(&t).await;
        let mut second = Running::start_with(&other, &app, first.admin.clone()).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = core.push().figures(&app, &[task]).await.expect("figures")[0].channels["webhook"];
        assert_eq!(
            (before.sent, before.pending),
            (2, 1),
            "the held delivery waits for its lease: {before:?}"
        );
        clock.advance(Duration::from_secs(61));
        let f = settled(&core, &app, task).await;
        assert_eq!((f.channels["webhook"].target, f.channels["webhook"].sent), (3, 3), "{f:?}");
        let hits = hits.lock().unwrap().clone();
        let mut accepted: HashMap<String, usize> = HashMap::new();
        for h in hits.iter().filter(|h| h.status == 200) {
            *accepted.entry(h.header("idempotency-key").to_string()).or_default() += 1;
        }
        assert_eq!(accepted.len(), 3, "every device got the push: {hits:?}");
        assert!(accepted.values().all(|&n| n == 1), "none twice: {accepted:?}");
        assert_eq!(accepted.get(held.header("idempotency-key")), Some(&1), "the retry kept the held key");
        let tokens: HashSet<String> =
            hits.iter().map(|h| h.json()["push_token"].as_str().unwrap_or("").into()).collect();
        assert_eq!(tokens.len(), 3);

        // Two nodes on one database share a task without sending a row twice.
        let (url, shared) = gateway(Gateway::Accept).await;
        core.push().add_notifier(&app, webhook("shared", &url)).await.expect("notifier");
        let mut users = Vec::new();
        for i in 0..12 {
            let name = format!("node{i}");
            let token = format!("n{i}");
            users.push(user(&core, &app, &name, &[Some((token.as_str(), "shared"))]).await);
        }
        let third = Running::start_with(&core, &app, first.admin.clone()).await;
        let task =
            third.notify(json!({"audience": {"user_id": users}, "message": {"title": "shared"}})).await;
        let f = settled(&core, &app, task).await;
        assert_eq!(f.channels["webhook"].sent, 12, "{f:?}");
        let shared = shared.lock().unwrap().clone();
        assert_eq!(shared.len(), 12, "one request per delivery across both nodes");
        let keys: HashSet<&str> = shared.iter().map(|h| h.header("idempotency-key")).collect();
        assert_eq!(keys.len(), 12);
        second.stop().await;
        let mut third = third;
        third.stop().await;
        other_db.close().await;
    })
);

#[test]
fn quiet_hours_wrap_past_midnight() {
    use server::core::push::in_quiet_hours;
    assert!(!in_quiet_hours(0, 0, 3), "equal bounds: none");
    assert!(in_quiet_hours(1, 5, 1) && in_quiet_hours(1, 5, 4) && !in_quiet_hours(1, 5, 5));
    assert!(in_quiet_hours(22, 7, 23) && in_quiet_hours(22, 7, 0) && in_quiet_hours(22, 7, 6));
    assert!(!in_quiet_hours(22, 7, 7) && !in_quiet_hours(22, 7, 21));
}

/// `server push add|list|remove` as an operator runs them, on a SQLite
/// database in a folder of its own.
#[test]
fn the_push_command_adds_lists_without_secrets_and_removes() {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("push-cli-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .current_dir(&dir)
            .env_remove("DATABASE_URL")
            .env_remove("DATA_DIR")
            .env_remove("PUSH_WEBHOOK_SECRET")
            .env_remove("PUSH_VENDOR_APP_SECRET")
            .arg("--data-dir")
            .arg(dir.join("data"))
            .args(args)
            .output()
            .expect("run the server binary");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (ok, _, err) = run(&["app", "create", "--id", "cli-push"]);
    assert!(ok, "{err}");
    let (ok, out, err) = run(&[
        "push",
        "add",
        "--app",
        "cli-push",
        "--name",
        "gw",
        "--kind",
        "webhook",
        "--url",
        "https://gw.example.com/push",
        "--secret",
        "supersecretvalue",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("gw") && !out.contains("supersecretvalue"), "{out}");
    let account = dir.join("account.json");
    let json = json!({"type": "service_account", "project_id": "p1", "client_email": "a@p1.iam.gserviceaccount.com",
        "private_key": FCM_KEY, "token_uri": "https://oauth2.googleapis.com/token"});
    std::fs::write(&account, json.to_string()).expect("write account");
    let (ok, _, err) = run(&[
        "push",
        "add",
        "--app",
        "cli-push",
        "--name",
        "android",
        "--kind",
        "fcm",
        "--service-account-file",
        account.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let (ok, _, err) = run(&[
        "push",
        "add",
        "--app",
        "cli-push",
        "--name",
        "mi",
        "--kind",
        "xiaomi",
        "--vendor-app-id",
        "2882",
        "--vendor-app-secret",
        "vendorsecret",
    ]);
    assert!(ok, "{err}");

    let (ok, out, err) = run(&["push", "list", "--app", "cli-push"]);
    assert!(ok, "{err}");
    for secret in ["supersecretvalue", "vendorsecret", "BEGIN PRIVATE KEY"] {
        assert!(!out.contains(secret), "a secret printed in full: {out}");
    }
    assert!(out.contains("supe…") && out.contains("no provider"), "{out}");
    assert!(out.contains("android\tfcm"), "{out}");
    let (ok, out, _) = run(&["push", "list", "--app", "cli-push", "--json"]);
    assert!(ok);
    let listed: Value = serde_json::from_str(&out).expect("json");
    let names: Vec<&str> =
        listed["notifiers"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["gw", "android", "mi"]);
    assert_eq!(listed["notifiers"][1]["credentials"]["private_key"], "(hidden)");

    let (ok, _, err) = run(&[
        "push",
        "add",
        "--app",
        "cli-push",
        "--name",
        "gw",
        "--kind",
        "webhook",
        "--url",
        "https://x.example.com",
        "--secret",
        "s",
    ]);
    assert!(!ok && err.contains("already has a notifier"), "a taken name: {err}");
    let (ok, _, err) =
        run(&["push", "add", "--app", "cli-push", "--name", "ios", "--kind", "apns", "--team-id", "T"]);
    assert!(!ok && err.contains("--private-key-file"), "{err}");
    let bogus = dir.join("bogus.p8");
    std::fs::write(&bogus, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
        .expect("write");
    let (ok, _, err) = run(&[
        "push",
        "add",
        "--app",
        "cli-push",
        "--name",
        "ios",
        "--kind",
        "apns",
        "--team-id",
        "T",
        "--key-id",
        "K",
        "--topic",
        "com.example",
        "--private-key-file",
        bogus.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("not an EC P-256 key"), "a key that cannot sign is refused: {err}");
    let (ok, _, err) = run(&["push", "add", "--app", "cli-push", "--name", "x", "--kind", "pager"]);
    assert!(!ok && err.contains("unknown kind"), "{err}");
    let (ok, _, err) = run(&["push", "remove", "--app", "cli-push", "--name", "gw"]);
    assert!(ok, "{err}");
    let (ok, _, err) = run(&["push", "remove", "--app", "cli-push", "--name", "gw"]);
    assert!(!ok && err.contains("no notifier named"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
