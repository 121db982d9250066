//! The bench machinery works, cheaply enough for CI (no figure is asserted:
//! speed is what the bench prints, not what a test checks):
//! - the load generator counts successes, and each kind of error apart,
//!   against tiny in-process targets;
//! - the peer answers the server's shapes (and, on the same rows, the same
//!   ids) for every read case, and performs every write case, on the
//!   smallest database `server seed` makes, on both backends.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use bench::cases::Case;
use bench::load::{LoadOptions, Report};
use bench::manifest::{Group, Manifest, User};
use serde_json::Value;

fn dummy_manifest() -> Manifest {
    let user = |id| User { user_id: id, token: format!("token-{id}") };
    Manifest {
        app_id: "default".into(),
        admin_token: "adm_x".into(),
        reader: user(1),
        roster_items: vec![2, 3],
        group_big: Group { group_id: 10, members: 3 },
        group_500: Group { group_id: 11, members: 3 },
        peer: user(2),
        senders: vec![user(3)],
        strangers: vec![user(4), user(5), user(6)],
    }
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    addr
}

async fn load(addr: SocketAddr, case: Case) -> Report {
    let options = LoadOptions {
        addr,
        connections: 4,
        warmup: Duration::from_millis(100),
        duration: Duration::from_millis(400),
        seq_start: 0,
    };
    bench::load::run(case, Arc::new(dummy_manifest()), &options).await.expect("load run")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_generator_counts_successes_against_the_ceiling() {
    let report = load(serve(bench::ceiling::router()).await, Case::RosterListGet).await;
    assert!(report.operations > 0, "{report:?}");
    assert_eq!(report.errors.total(), 0, "{report:?}");
    assert!(report.ops_per_sec > 0.0);
    assert!(report.latency_us.p50 > 0 && report.latency_us.p50 <= report.latency_us.max);
    assert_eq!(report.curve.len(), 12);
    // The JSON line `cargo xtask bench` reads back.
    let line = serde_json::to_string(&report).expect("json");
    let back: Report = serde_json::from_str(&line).expect("parses");
    assert_eq!(back.operations, report.operations);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fast_envelope_error_is_an_error_not_a_success() {
    let router =
        Router::new().fallback(|| async { r#"{"code":10008,"message":"access token invalid","data":null}"# });
    let report = load(serve(router).await, Case::RosterListGet).await;
    assert!(report.operations > 0);
    assert_eq!(report.errors.code, report.operations, "{report:?}");
    assert_eq!(report.ops_per_sec, 0.0);
    assert!(report.first_error.as_deref().is_some_and(|e| e.contains("10008")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_failures_and_refused_connections_are_counted_apart() {
    let router = Router::new().fallback(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") });
    let report = load(serve(router).await, Case::MessageSendUser).await;
    assert!(report.operations > 0);
    assert_eq!(report.errors.status, report.operations, "{report:?}");

    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let report = load(closed, Case::RosterListGet).await;
    assert!(report.errors.io > 0, "{report:?}");
    assert_eq!(report.ops_per_sec, 0.0);
}

/// A JSON value's shape: keys and value kinds, arrays by their first item.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.first().map(shape).into_iter().collect()),
        Value::Null => "null".into(),
        Value::Bool(_) => "bool".into(),
        Value::Number(_) => "number".into(),
        Value::String(_) => "string".into(),
    }
}

/// The ids an answer lists, sorted: what both must agree on for the same rows.
fn ids(case: Case, v: &Value) -> Vec<i64> {
    let data = &v["data"];
    let mut out: Vec<i64> = match case {
        Case::RosterListGet => data.as_array().into_iter().flatten().filter_map(Value::as_i64).collect(),
        Case::RosterListPost | Case::GroupMemberList => {
            data.as_array().into_iter().flatten().filter_map(|x| x["user_id"].as_i64()).collect()
        }
        Case::MessageConversation => {
            data["messages"].as_array().into_iter().flatten().filter_map(|m| m["msg_id"].as_i64()).collect()
        }
        _ => Vec::new(),
    };
    out.sort_unstable();
    out
}

async fn call(http: &reqwest::Client, base: &str, app: &str, step: &bench::cases::Step) -> Value {
    let mut req = http
        .request(step.method.as_str().parse().expect("method"), format!("{base}{}", step.path))
        .header("app_id", app)
        .header("access-token", &step.token);
    if let Some(body) = &step.body {
        req = req.header("content-type", "application/json").body(body.to_vec());
    }
    let answer = req.send().await.expect("answer");
    answer.json().await.expect("a JSON answer")
}

tests::on_both_backends!(the_peer_answers_as_the_server_does, |app| {
    // The fixtures as `server seed` makes them (the smallest seeding), read
    // back through the manifest's JSON: the contract the bench reads.
    let params =
        server::seed::Params { users: 2101, friends_per_user: 0, groups: 4, group_size: 10, messages: 200 };
    let (manifest, _) = server::seed::run(&app.core, params).await.expect("seed");
    let m: Manifest = serde_json::from_value(serde_json::to_value(&manifest).expect("json"))
        .expect("the manifest contract");
    bench::db_admin::strangers_need_approval(&app.database_url, &m).await.expect("strangers need approval");
    assert_eq!(m.roster_items.len(), 50);
    assert_eq!(m.senders.len(), 64);

    let pool = bench::peer::connect(&app.database_url).await.expect("peer pool");
    let peer = format!("http://{}", serve(bench::peer::router(pool)).await);
    let server = app.base_url.clone();
    let http = reqwest::Client::new();
    let expected_len = |case: Case| match case {
        Case::RosterListGet => 100,
        Case::RosterListPost => 50,
        Case::GroupMemberList => 2000,
        _ => 20,
    };
    for case in Case::ALL.into_iter().filter(|c| !c.writes()) {
        let step = &case.steps(&m, 0)[0];
        let (from_server, from_peer) =
            (call(&http, &server, &m.app_id, step).await, call(&http, &peer, &m.app_id, step).await);
        assert_eq!(from_server["code"], 200, "{}: server {from_server}", case.name());
        assert_eq!(
            shape(&from_peer),
            shape(&from_server),
            "{}: peer {from_peer}\nserver {from_server}",
            case.name()
        );
        assert_eq!(ids(case, &from_server).len(), expected_len(case), "{}", case.name());
        assert_eq!(ids(case, &from_peer), ids(case, &from_server), "{}", case.name());
    }
    // Every write case succeeds on both (distinct operations: seq 0 and 1).
    for case in Case::ALL.into_iter().filter(|c| c.writes()) {
        for (base, seq) in [(&server, 0), (&peer, 1)] {
            for step in case.steps(&m, seq) {
                let answer = call(&http, base, &m.app_id, &step).await;
                assert_eq!(
                    answer,
                    serde_json::json!({"code": 200, "message": null, "data": true}),
                    "{} {base} {}",
                    case.name(),
                    step.path
                );
            }
        }
    }
});
