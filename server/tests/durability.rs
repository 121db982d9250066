//! Kill -9 in the middle of a write load (docs/operations.md#durability):
//! the server binary (`CARGO_BIN_EXE_server`, the debug build under `cargo
//! test`) takes registrations, friend applications and accepts, messages
//! and group joins from several tasks, is SIGKILLed, and is restarted on the
//! same database. Every write it answered 200 must be there, and nothing
//! half-done: friendships on both sides or neither, group counts equal to
//! the member lists. On SQLite and PostgreSQL.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use server::testing::{Backend, FreshDatabase};

const APP: &str = "durable";

fn server(url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    for var in ["DATA_DIR", "DATABASE_URL", "LISTEN", "REQUEST_TIMEOUT_SECS"] {
        cmd.env_remove(var);
    }
    cmd.env("RUST_LOG", "warn").arg("--database-url").arg(url);
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// Starts `server serve` on `url` and waits until it answers.
async fn start(url: &str, http: &reqwest::Client) -> (Child, String) {
    let port = free_port();
    let child = server(url)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server binary");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (child, base)
}

#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    /// `(code, data)`; `None` when no answer came (the server is gone).
    async fn call(&self, method: &str, path: &str, token: &str, body: Value) -> Option<(i64, Value)> {
        let url = format!("{}{path}", self.base);
        let request = if method == "GET" { self.http.get(url) } else { self.http.post(url).json(&body) };
        let response = request.header("app_id", APP).header("access-token", token).send().await.ok()?;
        if response.status() != 200 {
            return None;
        }
        let json: Value = response.json().await.ok()?;
        Some((json["code"].as_i64().unwrap_or(-1), json["data"].clone()))
    }

    /// Whether the call answered code 200.
    async fn ok(&self, method: &str, path: &str, token: &str, body: Value) -> bool {
        matches!(self.call(method, path, token, body).await, Some((200, _)))
    }

    async fn register(&self, name: &str) -> bool {
        self.ok("POST", "/user/register", "", json!({"username": name, "password": "secret123"})).await
    }

    /// `(token, user id)`.
    async fn login(&self, name: &str) -> Option<(String, i64)> {
        match self.call("POST", "/token/user", "", json!({"name": name, "password": "secret123"})).await? {
            (200, data) => Some((data["token"].as_str()?.to_string(), data["user_id"].as_i64()?)),
            _ => None,
        }
    }
}

/// Ids in a list answer: an array (of ids, or of objects with `user_id`),
/// or an object holding one under `list`.
fn ids(data: &Value) -> BTreeSet<i64> {
    let list = match data {
        Value::Array(a) => a.clone(),
        Value::Object(o) => o.get("list").and_then(Value::as_array).cloned().unwrap_or_default(),
        _ => Vec::new(),
    };
    list.iter().filter_map(|v| v.as_i64().or_else(|| v["user_id"].as_i64())).collect()
}

/// What the load saw answered 200.
#[derive(Default)]
struct Acked {
    registered: Vec<String>,
    friends: Vec<(i64, i64)>,
    /// (sender, receiver, content)
    messages: Vec<(i64, i64, String)>,
    joined: Vec<i64>,
}

async fn scenario(backend: Backend) {
    let Some((fresh, url)) = FreshDatabase::create(backend).await else { return };
    let created = server(&url).args(["app", "create", "--id", APP, "--json"]).output().expect("app create");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let (mut child, base) = start(&url, &http).await;
    let api = Api { http: http.clone(), base };

    // Users known before the load: the group's owner and sixteen others
    // (120 friendships to make: more than the load gets through before the kill).
    let mut users = Vec::new();
    for i in 0..17 {
        let name = format!("seed{i}");
        assert!(api.register(&name).await, "register {name}");
        users.push(api.login(&name).await.expect("login"));
    }
    let (owner_token, _) = users[0].clone();
    let (code, group) =
        api.call("POST", "/group/create", &owner_token, json!({"name": "g"})).await.expect("create group");
    assert_eq!(code, 200, "{group}");
    let group_id = group["group_id"].as_i64().expect("group id");
    assert!(
        api.ok(
            "POST",
            "/group/settings/require_admin_approval",
            &owner_token,
            json!({"group_id": group_id, "apply_approval": 0})
        )
        .await
    );

    let acked = Arc::new(Mutex::new(Acked::default()));
    let users = Arc::new(users);
    let mut tasks = Vec::new();
    // Registrations, each new user logging in and joining the group.
    for t in 0..2 {
        let (api, acked) = (api.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0.. {
                let name = format!("load{t}x{n}");
                if !api.register(&name).await {
                    break;
                }
                acked.lock().unwrap().registered.push(name.clone());
                let Some((token, id)) = api.login(&name).await else { break };
                if !api
                    .ok("POST", "/group/apply", &token, json!({"group_id": group_id, "reason": "hi"}))
                    .await
                {
                    break;
                }
                acked.lock().unwrap().joined.push(id);
            }
        }));
    }
    // Friendships among the seed users: apply, then accept.
    {
        let (api, acked, users) = (api.clone(), acked.clone(), users.clone());
        tasks.push(tokio::spawn(async move {
            for a in 1..users.len() {
                for b in a + 1..users.len() {
                    let ((ta, ia), (tb, ib)) = (users[a].clone(), users[b].clone());
                    if !api.ok("POST", "/roster/apply", &ta, json!({"user_id": ib, "reason": "hi"})).await {
                        return;
                    }
                    if !api.ok("POST", &format!("/roster/accept?user_id={ia}"), &tb, json!({})).await {
                        return;
                    }
                    acked.lock().unwrap().friends.push((ia, ib));
                }
            }
        }));
    }
    // Messages between seed users.
    for t in 0..2 {
        let (api, acked, users) = (api.clone(), acked.clone(), users.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0..10_000usize {
                let (ts, from) = users[1 + (n + t) % 8].clone();
                let (_, to) = users[1 + (n + t + 1 + t) % 8].clone();
                let content = format!("m{t}x{n}");
                let body = json!({"type": 1, "targets": [to], "content_type": 0, "content": content});
                if !api.ok("POST", "/message/send", &ts, body).await {
                    return;
                }
                acked.lock().unwrap().messages.push((from, to, content));
            }
        }));
    }

    tokio::time::sleep(Duration::from_secs(3)).await;
    // Child::kill is SIGKILL on Unix: no shutdown, no flush.
    child.kill().expect("kill -9");
    let _ = child.wait();
    for task in tasks {
        let _ = task.await;
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    println!(
        "{backend:?}: answered before the kill: {} registrations, {} friendships, {} messages, {} joins",
        acked.registered.len(),
        acked.friends.len(),
        acked.messages.len(),
        acked.joined.len()
    );
    assert!(!acked.messages.is_empty() && !acked.registered.is_empty(), "the load did not run");

    let (mut child, base) = start(&url, &http).await;
    let api = Api { http: http.clone(), base };
    let outcome = tokio::spawn(async move {
        for name in &acked.registered {
            assert!(api.login(name).await.is_some(), "{name} was registered but is gone");
        }
        // Fresh tokens (the old ones would do too: they are in the database).
        let mut rosters = BTreeMap::new();
        let mut tokens = BTreeMap::new();
        for i in 0..users.len() {
            let (token, id) = api.login(&format!("seed{i}")).await.expect("seed login");
            let (code, data) = api.call("GET", "/roster/list", &token, json!({})).await.expect("roster");
            assert_eq!(code, 200, "{data}");
            rosters.insert(id, ids(&data));
            tokens.insert(id, token);
        }
        for (a, friends) in &rosters {
            for b in friends {
                assert!(
                    rosters.get(b).is_some_and(|f| f.contains(a)),
                    "{a} has {b} as a friend, not the reverse"
                );
            }
        }
        for (a, b) in &acked.friends {
            assert!(rosters[a].contains(b), "the accepted friendship {a}-{b} is gone");
        }
        // Every acknowledged message, in the receiver's conversation.
        let mut seen: BTreeMap<(i64, i64), BTreeSet<String>> = BTreeMap::new();
        for (from, to, _) in &acked.messages {
            if seen.contains_key(&(*from, *to)) {
                continue;
            }
            let mut contents = BTreeSet::new();
            let mut start = 0i64;
            loop {
                let path = format!("/message/conversation?opposite_id={from}&limit=100&msg_id_start={start}");
                let (code, data) = api.call("GET", &path, &tokens[to], json!({})).await.expect("history");
                assert_eq!(code, 200, "{data}");
                for m in data["messages"].as_array().into_iter().flatten() {
                    if m["from_xid"]["uid"].as_i64() == Some(*from) || m["from_xid"].as_i64() == Some(*from) {
                        contents.insert(m["content"].as_str().unwrap_or_default().to_string());
                    }
                }
                match data["next_msg_id"].as_i64() {
                    Some(next) if data["is_last"] != json!(true) => start = next,
                    _ => break,
                }
            }
            seen.insert((*from, *to), contents);
        }
        for (from, to, content) in &acked.messages {
            assert!(seen[&(*from, *to)].contains(content), "message {content} from {from} to {to} is gone");
        }
        // The group: its count is its member list, and every join is in it.
        let owner = &tokens[&users[0].1];
        let (code, info) = api
            .call("GET", &format!("/group/info?group_id={group_id}"), owner, json!({}))
            .await
            .expect("info");
        assert_eq!(code, 200, "{info}");
        let (code, list) = api
            .call("GET", &format!("/group/member_list?group_id={group_id}"), owner, json!({}))
            .await
            .expect("members");
        assert_eq!(code, 200, "{list}");
        let members = ids(&list);
        assert_eq!(info["count"].as_u64(), Some(members.len() as u64), "count vs member list: {info} {list}");
        for id in &acked.joined {
            assert!(members.contains(id), "the join of {id} is gone");
        }
    })
    .await;
    let _ = child.kill();
    let _ = child.wait();
    fresh.drop_best_effort().await;
    server::testing::resume(outcome);
}

server::both_backends!(writes_answered_before_a_kill_9_are_all_there_after_a_restart, |backend| scenario(
    backend
));
