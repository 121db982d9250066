//! The vendor's server-API quick start (服务端开发指南（API）入门), replayed as
//! written: every cURL example's method, path, headers and body, with the
//! document's placeholders (app id, admin token, ids) replaced by this
//! app's and by the ids of users made earlier in the scenario, and every
//! answer compared with the document's answer — the same keys with the same
//! JSON types, and the same values except ids, times and tokens
//! (docs/maxim.md#the-vendors-quick-start).
//!
//! Where the server answers otherwise on purpose, the difference is listed
//! in [`KNOWN`] with its reason, and the test checks that it is exactly that.

use axum::Router;
use axum::routing::post;
use serde_json::{Value, json};
use server::core::AppId;
use server::core::push::notifiers::WebhookCredentials;
use server::core::push::{Credentials, Environment, Kind, NewNotifier};
use tests::{TestApp, on_both_backends};

/// Keys whose values are ids, times or versions: only their type is compared.
const VOLATILE: [&str; 7] =
    ["user_id", "group_id", "owner_id", "created_at", "updated_at", "join_time", "version"];

/// Differences the server keeps on purpose: (example, difference, why).
const KNOWN: [(&str, &[&str], &str); 4] = [
    (
        "register test_user with the document's password",
        &["code: 10002 instead of 200", "data: null instead of an object"],
        "this server's passwords are 6 to 64 characters (docs/maxim.md#registration); \
         the document's password `asd` is 3",
    ),
    (
        "push notify 1",
        &["data: {\"task_id\":1} instead of true"],
        "the answer is the push task's id, which the spec's answer schema gives (docs/push.md#pushnotify)",
    ),
    ("push notify 2", &["data: {\"task_id\":2} instead of true"], "as push notify 1"),
    ("push notify 3", &["data: {\"task_id\":3} instead of true"], "as push notify 1"),
];

/// Where `ours` differs from the document's `doc` answer: a key of the
/// document's answer missing or of another type, or a non-volatile value
/// that is not the same. Keys only this server answers (`message: null`)
/// are not differences: a client reading the document's keys finds them.
fn differences(doc: &Value, ours: &Value, at: &str, out: &mut Vec<String>) {
    let key = at.rsplit('.').next().unwrap_or(at).trim_end_matches(|c: char| c == ']' || c.is_ascii_digit());
    let key = key.trim_end_matches('[');
    match (doc, ours) {
        (Value::Object(d), Value::Object(o)) => {
            for (k, dv) in d {
                let here = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
                match o.get(k) {
                    Some(ov) => differences(dv, ov, &here, out),
                    None => out.push(format!("{here}: missing")),
                }
            }
        }
        (Value::Array(d), Value::Array(o)) => {
            if d.len() != o.len() {
                out.push(format!("{at}: {} items instead of {}", o.len(), d.len()));
                return;
            }
            for (i, (dv, ov)) in d.iter().zip(o).enumerate() {
                differences(dv, ov, &format!("{at}[{i}]"), out);
            }
        }
        (Value::Number(_), Value::Number(_)) if VOLATILE.contains(&key) => {}
        (d, o) if d == o => {}
        (Value::Object(_), o) => out.push(format!("{at}: {o} instead of an object")),
        (Value::Array(_), o) => out.push(format!("{at}: {o} instead of an array")),
        (d, o) => out.push(format!("{at}: {o} instead of {d}")),
    }
}

/// One example of the document, sent as written.
struct Replay<'a> {
    app: &'a TestApp,
    /// (example, differences) of every example replayed.
    seen: Vec<(String, Vec<String>)>,
}

impl Replay<'_> {
    /// Sends `method path` with the document's headers and raw body, and
    /// records how the answer differs from `doc_answer`.
    async fn example(
        &mut self,
        name: &str,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Option<String>,
        doc_answer: Value,
    ) -> Value {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self.app.http.request(method, self.app.url(path));
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        if let Some(body) = body {
            req = req.body(body);
        }
        let res = req.send().await.expect("the server answers");
        assert_eq!(res.status(), 200, "{name}: HTTP status");
        let answer: Value = res.json().await.expect("a JSON answer");
        let mut diffs = Vec::new();
        differences(&doc_answer, &answer, "", &mut diffs);
        self.seen.push((name.to_string(), diffs));
        answer
    }
}

/// A push gateway that accepts everything (the app's webhook notifier).
async fn gateway() -> String {
    let router = Router::new().route("/hook", post(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}/hook")
}

on_both_backends!(every_quick_start_example_answers_as_the_document_shows, |app| {
    let mut r = Replay { app: &app, seen: Vec::new() };
    let app_id = app.app_id.clone();
    let token = app.admin_token.clone();
    let json_ct = ("Content-Type", "application/json".to_string());
    let open = |extra: &[(&'static str, String)]| {
        let mut h = vec![json_ct.clone(), ("app_id", app_id.clone())];
        h.extend_from_slice(extra);
        h
    };
    let admin = |extra: &[(&'static str, String)]| {
        let mut h = vec![json_ct.clone(), ("access-token", token.clone()), ("app_id", app_id.clone())];
        h.extend_from_slice(extra);
        h
    };
    let ok_true = json!({"code": 200, "data": true});
    let settings = |id: i64| {
        json!({"code": 200, "data": {
            "user_id": id, "auto_download": false, "group_confirm": false, "no_sounds": false,
            "no_push": false, "vibratory": false, "no_push_detail": false, "auth_mode": 0,
            "no_push_start_hour": 0, "no_push_end_hour": 0
        }})
    };

    // 注册用户, as written (the password is 3 characters), then with a
    // password this server takes; the users the later examples name.
    let body = r#"{ "username": "test_user", "password": "asd"}"#;
    r.example(
        "register test_user with the document's password",
        "POST",
        "/user/register/v2",
        &open(&[]),
        Some(body.into()),
        settings(2302128618880),
    )
    .await;
    let mut ids = Vec::new();
    for name in ["test_user", "user_a", "user_b"] {
        let body = format!(r#"{{ "username": "{name}", "password": "asd123"}}"#);
        let answer = r
            .example(
                &format!("register {name}"),
                "POST",
                "/user/register/v2",
                &open(&[]),
                Some(body),
                settings(0),
            )
            .await;
        ids.push(answer["data"]["user_id"].as_i64().expect("a user id"));
    }
    let (owner, a, b) = (ids[0], ids[1], ids[2]);
    let as_owner = admin(&[("user_id", owner.to_string())]);

    // 添加好友 and 获取好友列表.
    let body = format!(r#"{{ "list": [{a}, {b}]}}"#);
    r.example("add_roster", "POST", "/user/add_roster", &as_owner, Some(body), ok_true.clone()).await;
    let doc =
        json!({"code": 200, "data": [{"user_id": a, "name": "user_a"}, {"user_id": b, "name": "user_b"}]});
    let rosters = r.example("rosters", "GET", "/user/rosters", &as_owner, None, doc).await;
    let listed: Vec<i64> =
        rosters["data"].as_array().unwrap().iter().filter_map(|i| i["user_id"].as_i64()).collect();
    assert_eq!(listed, vec![a, b], "the friends just added: {rosters}");

    // 创建群, 邀请用户加群, 获取群成员列表, 解散群.
    let body = r#"{ "name": "g001", "description": "test-group"}"#;
    let doc = json!({"code": 200, "data": {
        "name": "g001", "status": 0, "description": "test-group", "type": 0, "group_id": 2306414607729_i64,
        "owner_id": owner, "created_at": 1569615417000_i64, "updated_at": 1569615417000_i64,
        "member_invite": true, "apply_approval": 1, "read_ack": false, "history_visible": false,
        "member_modify": false
    }});
    let group = r.example("group create", "POST", "/group/create", &as_owner, Some(body.into()), doc).await;
    assert_eq!(group["data"]["owner_id"], owner, "{group}");
    let group_id = group["data"]["group_id"].as_i64().expect("a group id");
    let body = format!(r#"{{ "group_id": {group_id}, "user_list": [{a}, {b}]}}"#);
    let doc = json!({"code": 200, "data": [{"result": "success", "user_id": a}, {"result": "success", "user_id": b}]});
    r.example("group invite", "POST", "/group/invite", &as_owner, Some(body), doc).await;
    let doc = json!({"code": 200, "data": [
        {"user_id": owner, "join_time": 1569615417000_i64},
        {"user_id": a, "join_time": 1569615490000_i64},
        {"user_id": b, "join_time": 1569615490000_i64}
    ], "version": 1569586735861_i64});
    // The document's example sends no Content-Type on GET and DELETE.
    let no_ct = |h: Vec<(&'static str, String)>| -> Vec<(&'static str, String)> {
        h.into_iter().filter(|(k, _)| *k != "Content-Type").collect()
    };
    let path = format!("/group/member_list?group_id={group_id}&limit=50");
    let members = r.example("group member_list", "GET", &path, &no_ct(as_owner.clone()), None, doc).await;
    let mut member_ids: Vec<i64> =
        members["data"].as_array().unwrap().iter().filter_map(|m| m["user_id"].as_i64()).collect();
    member_ids.sort_unstable();
    let mut want = vec![owner, a, b];
    want.sort_unstable();
    assert_eq!(member_ids, want, "{members}");
    let path = format!("/group/destroy?group_id={group_id}");
    r.example("group destroy", "DELETE", &path, &no_ct(as_owner.clone()), None, ok_true.clone()).await;

    // 管理员发送单聊文本消息.
    let body = format!(r#"{{"targets":[{owner}],"type":1,"content":"hello","content_type":0}}"#);
    r.example("message send", "POST", "/message/send", &admin(&[]), Some(body), ok_true.clone()).await;

    // 管理员发送推送通知: the app needs a notifier (docs/push.md).
    let url = gateway().await;
    let new = NewNotifier {
        name: "gateway".into(),
        kind: Kind::Webhook,
        environment: Environment::Production,
        credentials: Credentials::Webhook(WebhookCredentials { url, secret: "s3cret".into() }),
    };
    app.core.push().add_notifier(&AppId::parse(&app.app_id).expect("app id"), new).await.expect("notifier");
    let pushes = [
        r#"{"audience": "all","message": {"type": "text","title": "this is push title","body": "this is push body"}}"#,
        r#"{"audience": {"push_token":["token1","token2"]},"message": {"type": "image","title": "this is push title","body": "this is push body","attachment_url": "https://xxx.com/images/1.jpg"}}"#,
        r#"{"audience": {"tag":["beijing","shanghai"]},"message": {"type": "cmd","title": "this is push title","body": "this is push body","ext": {"key1": 12345, "key2": "xxx" }}}"#,
    ];
    for (i, body) in pushes.iter().enumerate() {
        let name = format!("push notify {}", i + 1);
        r.example(&name, "POST", "/push/notify", &admin(&[]), Some(body.to_string()), ok_true.clone()).await;
    }

    // Every example answered as the document shows, but the known ones,
    // which differ exactly as listed.
    let mut unexpected = Vec::new();
    for (name, diffs) in &r.seen {
        let known: Vec<&str> =
            KNOWN.iter().filter(|(n, _, _)| n == name).flat_map(|(_, d, _)| d.iter().copied()).collect();
        let got: Vec<&str> = diffs.iter().map(String::as_str).collect();
        if got != known {
            unexpected.push(format!("{name}: {got:?} (expected {known:?})"));
        }
    }
    assert!(unexpected.is_empty(), "examples that differ from the document:\n{}", unexpected.join("\n"));
    assert_eq!(r.seen.len(), 14, "every example replayed (register counted twice)");
});
