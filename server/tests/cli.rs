//! The `server` binary as an operator meets it: a database it cannot open is
//! reported with the reason (and soon), flags land on the command they belong
//! to, and a request stuck on the database is answered in its dialect's
//! envelope instead of hanging. Admin tokens are listed with at most their
//! last 4 characters, never the token, and a revoked one is refused from the
//! next request.
//!
//! The binary runs as a child process (`CARGO_BIN_EXE_server`), each in its
//! own temporary folder so that a default `./data` never lands in the
//! repository; the request timeout is tested in process, on the same
//! `Application` that `server serve` runs.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use server::app::{Application, HttpOptions};
use server::core::{AppId, Config, Core, Error, PasswordCost, SystemClock};
use server::store::{Db, DbOptions};
use server::testing::{Backend, FreshDatabase};
use sqlx::Connection;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A child still running after this is killed and fails the test: a hang
/// guard, not a measure of speed.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// An empty folder of its own, removed when dropped.
fn temp_dir(name: &str) -> TempDir {
    tempfile::Builder::new().prefix(&format!("cli-{name}-")).tempdir().expect("a temporary folder")
}

fn server(dir: &TempDir) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.current_dir(dir.path());
    // The environment could otherwise point the child at another database.
    for var in ["DATA_DIR", "DATABASE_URL", "LISTEN", "REQUEST_TIMEOUT_SECS"] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs `args` to the end (or kills it at [`HANG_GUARD`]) and prints how
/// long it took.
fn run(dir: &TempDir, args: &[&str]) -> Output {
    let started = Instant::now();
    let mut child = server(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server binary");
    loop {
        if child.try_wait().expect("poll the child").is_some() {
            break;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`server {}` still ran after {HANG_GUARD:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("collect the output");
    println!(
        "`server {}` ended after {:.2} s with {}; stderr: {}",
        args.join(" "),
        started.elapsed().as_secs_f64(),
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    );
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn an_unreachable_postgres_is_reported_with_its_cause() {
    let dir = temp_dir("pg");
    // Port 1 on loopback: nothing listens, the connection is refused.
    let out = run(&dir, &["--database-url", "postgres://nobody@127.0.0.1:1/x", "app", "list"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("cannot open the database"), "{err}");
    assert!(err.to_lowercase().contains("refused"), "the cause is named: {err}");
}

#[test]
fn a_sqlite_file_in_a_missing_folder_names_the_folder() {
    let dir = temp_dir("sqlite");
    let missing = dir.path().join("no").join("such");
    let url = format!("sqlite://{}?mode=rwc", missing.join("x.db").display());
    let out = run(&dir, &["--database-url", &url, "app", "list"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(&format!("no such folder: {}", missing.display())), "{err}");
    assert!(!missing.exists(), "a database URL's folder is not created");
}

#[test]
fn the_data_dir_is_created_and_a_failure_to_create_it_is_named() {
    let dir = temp_dir("data-dir");
    let data = dir.path().join("a").join("b");
    let out = run(&dir, &["--data-dir", data.to_str().unwrap(), "app", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(data.join("server.db").exists());

    // Below a plain file no folder can be made, whoever runs the test.
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let under_file = file.join("data");
    let out = run(&dir, &["--data-dir", under_file.to_str().unwrap(), "app", "list"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(&format!("cannot create the data folder {}", under_file.display())), "{err}");
    assert!(err.to_lowercase().contains("not a directory"), "the cause is named: {err}");
}

#[test]
fn serve_flags_are_refused_by_other_commands() {
    let dir = temp_dir("flags");
    let data = dir.path().to_str().unwrap();
    for args in [
        &["--data-dir", data, "app", "list", "--listen", "127.0.0.1:1"][..],
        &["--data-dir", data, "token", "create", "--app", "default", "--listen", "127.0.0.1:1"],
        &["--data-dir", data, "--listen", "127.0.0.1:1", "app", "list"],
        &["--data-dir", data, "--request-timeout-secs", "3", "token", "list", "--app", "default"],
        &["--data-dir", data, "app", "list", "--request-timeout-secs", "3"],
    ] {
        let out = run(&dir, args);
        assert_eq!(out.status.code(), Some(2), "clap refuses `{}`", args.join(" "));
        let err = stderr(&out);
        assert!(err.contains("--listen") || err.contains("--request-timeout-secs"), "{err}");
    }
    // The database flags go anywhere.
    let out = run(&dir, &["app", "list", "--data-dir", data]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn help_lists_serve_flags_only_where_they_belong() {
    let dir = temp_dir("help");
    let serve = stdout(&run(&dir, &["serve", "--help"]));
    for flag in ["--listen", "--request-timeout-secs", "--allow-origins", "--data-dir", "--database-url"] {
        assert!(serve.contains(flag), "serve --help lists {flag}:\n{serve}");
    }
    for command in ["app", "token"] {
        let help = stdout(&run(&dir, &[command, "--help"]));
        assert!(help.contains("--data-dir"), "{command} --help:\n{help}");
        for flag in ["--listen", "--request-timeout-secs", "--token-ttl-secs"] {
            assert!(!help.contains(flag), "{command} --help does not list {flag}:\n{help}");
        }
    }
    let create = stdout(&run(&dir, &["app", "create", "--help"]));
    assert!(create.contains("--max-friends") && !create.contains("--listen"), "{create}");
    for flag in ["--max-groups", "--max-groups-created", "--max-groups-joined"] {
        assert!(create.contains(flag), "app create --help lists {flag}:\n{create}");
    }
}

/// A port nothing listens on just now, so that a test can tell the server
/// took the `--listen` it was given.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// Starts `server ARGS`, waits for it to say where it listens, stops it.
fn serves_on(dir: &TempDir, args: &[&str], expected: &str) {
    let mut child = server(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server binary");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let found =
            BufReader::new(stdout).lines().map_while(Result::ok).find(|l| l.starts_with("Swagger UI:"));
        let _ = tx.send(found);
    });
    let line = rx.recv_timeout(HANG_GUARD);
    let _ = child.kill();
    let _ = child.wait();
    match line {
        Ok(Some(line)) => {
            println!("`server {}`: {line}", args.join(" "));
            assert_eq!(line, format!("Swagger UI: http://{expected}/swagger-ui/"));
        }
        other => panic!("`server {}` did not start serving: {other:?}", args.join(" ")),
    }
}

#[test]
fn serve_is_the_default_and_takes_its_flags_before_or_after_its_name() {
    let dir = temp_dir("serve");
    let data = dir.path().to_str().unwrap();
    for args in [
        &["--data-dir", data, "--listen", "ADDR", "--request-timeout-secs", "5"][..],
        &["serve", "--data-dir", data, "--listen", "ADDR"],
        &["--data-dir", data, "--listen", "ADDR", "serve", "--request-timeout-secs", "5"],
    ] {
        let addr = format!("127.0.0.1:{}", free_port());
        let args: Vec<&str> = args.iter().map(|a| if *a == "ADDR" { addr.as_str() } else { a }).collect();
        serves_on(&dir, &args, &addr);
    }
}

/// `METHOD path` with a JSON body over a fresh connection, the answer's body
/// as JSON. Plain HTTP/1.1 keeps the test free of a client library.
async fn call(addr: SocketAddr, path: &str, app_id: &str, body: &str) -> serde_json::Value {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\napp_id: {app_id}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read the answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_stuck_on_the_database_is_answered_in_its_dialects_envelope() {
    let (fresh, url) = FreshDatabase::create(Backend::Sqlite).await.expect("a SQLite database");
    // The writer would wait 60 s for the lock: only the request timeout can
    // answer within the test's guard.
    let options = DbOptions { sqlite_busy_timeout: Duration::from_secs(60), ..DbOptions::default() };
    let db = Db::connect_with(&url, options).await.expect("open");
    let config = Config { password_cost: PasswordCost::InsecureFast, ..Config::default() };
    let core = Core::new(db.clone(), Arc::new(SystemClock), config);
    core.apps().create(AppId::parse("cli").unwrap()).await.expect("create app");
    let http = HttpOptions { request_timeout: Duration::from_secs(1), ..HttpOptions::default() };
    let application = Application::build_with_options(SocketAddr::from(([127, 0, 0, 1], 0)), core, &http)
        .await
        .expect("bind");
    let addr = application.local_addr();
    let running = application.spawn();

    let mut locker = sqlx::SqliteConnection::connect(&url).await.expect("second connection");
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut locker).await.expect("take the write lock");
    let started = Instant::now();
    let register = call(addr, "/user/register", "cli", r#"{"username":"alice","password":"secret123"}"#);
    let answer =
        tokio::time::timeout(Duration::from_secs(20), register).await.expect("answered, not hanging");
    println!("answered after {:.2} s: {answer}", started.elapsed().as_secs_f64());
    let internal = server::generated::maxim::router::ENVELOPE.internal;
    assert_eq!(
        answer,
        serde_json::json!({"code": internal, "message": "the request took longer than 1 s", "data": null})
    );

    sqlx::query("ROLLBACK").execute(&mut locker).await.expect("release the lock");
    locker.close().await.expect("close");
    let answer = call(addr, "/user/register", "cli", r#"{"username":"bob","password":"secret123"}"#).await;
    assert_eq!(answer["code"], 200, "{answer}");

    running.stop().await.expect("stop");
    db.close().await;
    fresh.drop_best_effort().await;
}

/// The JSON a `--json` command printed.
fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[tokio::test]
async fn tokens_are_listed_without_their_secret_and_revoked_at_once() {
    let dir = temp_dir("tokens");
    let first = json(&run(&dir, &["app", "create", "--id", "shop", "--json"]));
    let first_secret = first["admin_token"].as_str().unwrap().to_owned();
    let second = json(&run(&dir, &["token", "create", "--app", "shop", "--label", "ci", "--json"]));
    let second_secret = second["admin_token"].as_str().unwrap().to_owned();

    let listed = json(&run(&dir, &["token", "list", "--app", "shop", "--json"]));
    let tokens = listed["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    for (token, secret) in tokens.iter().zip([&first_secret, &second_secret]) {
        let shown = token["shown"].as_str().unwrap();
        let tail = shown.strip_prefix("adm_…").expect("the kind, then the tail");
        assert_eq!(tail.chars().count(), 4);
        assert!(secret.ends_with(tail));
        assert!(token["id"].as_i64().is_some() && token["created_at"].as_i64().is_some());
    }
    let table = run(&dir, &["token", "list", "--app", "shop"]);
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    for secret in [&first_secret, &second_secret] {
        // Not the token, nor any 8 characters of its random part.
        for window in secret.as_bytes()[4..].windows(8) {
            let piece = std::str::from_utf8(window).unwrap();
            assert!(!table.contains(piece) && !listed.to_string().contains(piece), "{piece} shown");
        }
    }
    assert!(table.contains("ci"));

    let id = tokens[1]["id"].as_i64().unwrap().to_string();
    let out = run(&dir, &["token", "revoke", "--app", "shop", &id]);
    assert!(out.status.success());
    let listed = json(&run(&dir, &["token", "list", "--app", "shop", "--json"]));
    assert_eq!(listed["tokens"][1]["revoked"], true);
    assert_eq!(listed["tokens"][0]["revoked"], false);
    // Again, or an id of nothing: refused with the reason.
    for bad in [id.as_str(), "999"] {
        let out = run(&dir, &["token", "revoke", "--app", "shop", bad]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("no active admin token"));
    }

    let url = format!("sqlite://{}?mode=rwc", dir.path().join("data").join("server.db").display());
    let db = Db::connect(&url).await.unwrap();
    let core = Core::new(db.clone(), Arc::new(SystemClock), Config::default());
    let app = AppId::parse("shop").unwrap();
    let r = core.tokens().authenticate(&app, Some(&second_secret)).await;
    assert!(matches!(r, Err(Error::TokenRevoked)), "{r:?}");
    assert!(core.tokens().authenticate(&app, Some(&first_secret)).await.is_ok());
    db.close().await;
}
