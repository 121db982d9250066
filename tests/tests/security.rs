//! Security through the real server (docs/security.md): password guessing
//! is refused over HTTP from the socket peer's address, on two nodes alike,
//! and NetEase CheckSum guessing likewise; and a whole scenario leaves no
//! token, password, AppSecret or CheckSum in the server's trace-level logs.
//! Its own test binary: it installs the process's tracing subscriber.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use tests::{Node, TestApp, on_both_backends};

/// Everything the server logged in this process.
fn captured() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("server=trace,tower_http=trace"))
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .try_init();
        log
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn maxim(app: &TestApp, base: &str, path: &str, token: Option<&str>, body: Value) -> Value {
    let mut req = app.http.post(format!("{base}{path}")).header("app_id", &app.app_id).json(&body);
    if let Some(t) = token {
        req = req.header("access-token", t);
    }
    req.send().await.expect("send").json().await.expect("json")
}

fn sign(secret: &str, nonce: &str, cur_time: &str) -> String {
    let mut h = Sha1::new();
    h.update(format!("{secret}{nonce}{cur_time}").as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

async fn netease(app: &TestApp, key: &str, checksum: &str, nonce: &str, cur_time: &str) -> Value {
    app.http
        .post(app.url("/nimserver/friend/get.action"))
        .header("AppKey", key)
        .header("Nonce", nonce)
        .header("CurTime", cur_time)
        .header("CheckSum", checksum)
        .form(&[("accid", "alice"), ("updatetime", "0")])
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

fn cur_time(app: &TestApp) -> String {
    use server::core::Clock;
    (app.clock.now_ms() / 1000).to_string()
}

on_both_backends!(password_guessing_is_refused_over_http_on_every_node, |app| {
    app.register_with_token("alice").await;
    let login = |password: &'static str, base: String| {
        let app = app.clone();
        async move {
            maxim(&app, &base, "/token/user", None, json!({"name": "alice", "password": password})).await
        }
    };
    for _ in 0..5 {
        let r = login("wrong-password", app.base_url.clone()).await;
        assert_ne!(r["code"], 200, "{r}");
        assert_ne!(r["code"], 10010, "{r}");
    }
    let r = login("password1", app.base_url.clone()).await;
    assert_eq!(r["code"], 10010, "{r}");
    assert_eq!(r["message"], "too many failed attempts, retry in 1 s");
    // Another node on the same database refuses the same address.
    let node = Node::start(&app).await;
    let r = login("password1", node.base_url.clone()).await;
    assert_eq!(r["code"], 10010, "{r}");
    node.stop().await;

    // NetEase: CheckSum guesses per AppKey and address.
    let (key, secret) = app.netease_keys().await;
    for i in 0..5 {
        let r = netease(&app, &key, &"0".repeat(40), &format!("n{i}"), &cur_time(&app)).await;
        assert_eq!(r["code"], 414, "{r}");
    }
    let now = cur_time(&app);
    let r = netease(&app, &key, &sign(&secret, "good", &now), "good", &now).await;
    assert_eq!(r["code"], 416, "{r}");
});

on_both_backends!(no_secret_reaches_the_logs, |app| {
    let log = captured();
    let base = app.base_url.clone();
    let mut secrets = vec![app.admin_token.clone()];
    let (bob, bob_token) = app.register_with_token("bob").await;
    secrets.push(bob_token.clone());
    let password = "Sup3r-secret-pw";
    secrets.push(password.to_owned());
    let r =
        maxim(&app, &base, "/user/register", None, json!({"username": "alice", "password": password})).await;
    assert_eq!(r["code"], 200, "{r}");
    let r = maxim(&app, &base, "/token/user", None, json!({"name": "alice", "password": password})).await;
    assert_eq!(r["code"], 200, "{r}");
    let alice_token = r["data"]["token"].as_str().unwrap().to_owned();
    let alice = r["data"]["user_id"].as_i64().unwrap();
    secrets.push(alice_token.clone());
    let r =
        maxim(&app, &base, "/token/user", None, json!({"name": "alice", "password": "wrong-Pa55word"})).await;
    assert_ne!(r["code"], 200, "{r}");
    secrets.push("wrong-Pa55word".into());

    let r = maxim(&app, &base, "/roster/apply", Some(&alice_token), json!({"user_id": bob, "reason": "hi"}))
        .await;
    println!("apply: {r}");
    let r = app
        .http
        .post(format!("{base}/roster/accept?user_id={alice}"))
        .header("app_id", &app.app_id)
        .header("access-token", &bob_token)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    println!("accept: {r}");
    let r = maxim(&app, &base, "/group/create", Some(&alice_token), json!({"name": "g", "user_list": [bob]}))
        .await;
    println!("group: {r}");
    let r = maxim(
        &app,
        &base,
        "/message/send",
        Some(&alice_token),
        json!({"type": 1, "targets": [bob], "content": "hello"}),
    )
    .await;
    println!("message: {r}");
    // An admin token used: a token for bob without his password.
    let r = maxim(&app, &base, "/token/id", Some(&app.admin_token), json!({"user_id": bob})).await;
    assert_eq!(r["code"], 200, "{r}");
    secrets.push(r["data"]["token"].as_str().unwrap().to_owned());

    let (key, secret) = app.netease_keys().await;
    secrets.push(secret.clone());
    let now = cur_time(&app);
    let checksum = sign(&secret, "nonce-1", &now);
    let r = netease(&app, &key, &checksum, "nonce-1", &now).await;
    assert_eq!(r["code"], 200, "{r}");
    secrets.push(checksum);
    let wrong = sign("not-the-secret", "nonce-2", &now);
    let r = netease(&app, &key, &wrong, "nonce-2", &now).await;
    assert_eq!(r["code"], 414, "{r}");
    secrets.push(wrong);

    let text = String::from_utf8_lossy(&log.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(text.contains("/token/user"), "the requests were logged:\n{text}");
    println!("captured {} bytes of logs", text.len());
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "`{secret}` is in the logs:\n{text}");
    }
});
