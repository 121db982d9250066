//! The socket benchmark (issue 13): idle connections held by one node and
//! the memory each costs the server, then the delivery latency of group
//! texts to a 500-member group with every member connected. Figures are
//! printed (a table and one JSON line); nothing is asserted.
//!
//! ```sh
//! cargo run --release -p tests --bin socket_bench -- [--connections 10000] [--group-size 500] [--messages 20]
//! cargo run --release -p tests --bin socket_bench -- --database-url postgres://postgres@127.0.0.1:5432/test
//! cargo run --release -p tests --bin socket_bench -- --url http://127.0.0.1:8080 --app-id default --server-pid 1234
//! ```
//!
//! Without `--url` the server runs in a child process (this binary again,
//! with `--serve-child`) on a fresh database (a SQLite file in the temp dir,
//! or a new PostgreSQL database), so that the child's `/proc/PID/status`
//! `VmRSS` is the server's memory alone; the child stops and drops its
//! database when this process closes its stdin. The child hashes passwords
//! at the tests' minimal cost so that registering 10,000 users is quick.
//!
//! Setup through REST: N users register and log in (`/user/register`,
//! `/token/user`), one socket each (`tests::xsync`: discovery, Socket.IO v2,
//! PROVISION, UNREAD). Memory: server RSS before the sockets, after all are
//! logged in and 2 s of settling, and the difference per connection.
//! Latency: user 0 creates a group with the next `group-size - 1` users and
//! sends `messages` texts one at a time; for each, the time from the upload
//! to its arrival at each member's socket (NOTICE, SYNC pull, SyncDL, as the
//! SDK receives it), all clocks being this process's.

use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};
use tests::xsync::session::text;
use tests::xsync::{Device, Session, discover};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

const PASSWORD: &str = "socket-bench-1";

/// Holds many xsync sockets on one server and measures memory and group delivery.
#[derive(Debug, Clone, Parser)]
#[command(name = "socket_bench")]
struct Options {
    /// Logged-in sockets to hold (one user each).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    connections: u64,
    /// Members of the latency group, its owner included (at most --connections).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(2..=10_000))]
    group_size: u64,
    /// Group texts sent, one at a time.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    messages: u64,
    /// Concurrent registrations and logins.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    concurrency: u64,
    /// The child server on PostgreSQL (a fresh database on that server).
    #[arg(long, value_name = "POSTGRES_URL", conflicts_with = "url")]
    database_url: Option<String>,
    /// A running server on this machine instead of a child.
    #[arg(long, requires = "app_id")]
    url: Option<String>,
    /// Its app.
    #[arg(long)]
    app_id: Option<String>,
    /// Its process id, for its memory (without it, no memory figures).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Internal: run the server and print `READY <url> <app>`.
    #[arg(long, hide = true)]
    serve_child: bool,
}

fn main() -> ExitCode {
    let options = Options::parse();
    if let Some(db) = &options.database_url {
        // SAFETY: no other thread exists yet; FreshDatabase reads it.
        unsafe { std::env::set_var("TEST_DATABASE_URL", db) };
    }
    // 10,000 sockets are 10,000 descriptors here and as many in the child
    // (which inherits the raised limit).
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(0);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("socket_bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = if options.serve_child {
        runtime.block_on(serve_child(options.database_url.is_some()))
    } else {
        runtime.block_on(run(options, limit))
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("socket_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The child: a server on a fresh database until stdin closes.
async fn serve_child(postgres: bool) -> Result<(), String> {
    use server::app::Application;
    use server::core::{AppId, Core, SystemClock};
    use server::store::Db;
    use server::testing::{Backend, FreshDatabase};

    let backend = if postgres { Backend::Postgres } else { Backend::Sqlite };
    let (fresh, url) = FreshDatabase::create(backend).await.ok_or("SKIP_POSTGRES is set")?;
    let db =
        Db::connect_with(&url, server::testing::db_options()).await.map_err(|e| format!("connect: {e}"))?;
    let core = Core::new(db.clone(), Arc::new(SystemClock), server::testing::config());
    server::cluster::join(&core, &Default::default()).await.map_err(|e| format!("join the bus: {e:#}"))?;
    let app = core
        .apps()
        .create(AppId::parse("bench").map_err(|e| e.to_string())?)
        .await
        .map_err(|e| e.to_string())?;
    let application = Application::build_with(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), core)
        .await
        .map_err(|e| format!("bind: {e}"))?;
    let server = application.spawn();
    println!("READY {} {}", server.base_url, app.id);
    let mut sink = Vec::new();
    let _ = tokio::io::stdin().read_to_end(&mut sink).await;
    let _ = server.stop().await;
    let _ = tokio::time::timeout(Duration::from_secs(10), db.close()).await;
    fresh.drop_best_effort().await;
    Ok(())
}

/// The server's resident memory (`VmRSS`), in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

struct Rest {
    http: reqwest::Client,
    base: String,
    app_id: String,
}

impl Rest {
    async fn call(&self, path: &str, token: Option<&str>, body: Value) -> Result<Value, String> {
        let mut req =
            self.http.post(format!("{}{path}", self.base)).header("app_id", &self.app_id).json(&body);
        if let Some(t) = token {
            req = req.header("access-token", t);
        }
        let value: Value = req
            .send()
            .await
            .map_err(|e| format!("{path}: {e}"))?
            .json()
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        if value["code"] != 200 {
            return Err(format!("{path}: {value}"));
        }
        Ok(value["data"].clone())
    }
}

/// Runs `job(i)` for `i in 0..n` on `workers` tasks, in index order of results.
async fn for_each<T, F, Fut>(n: usize, workers: usize, job: F) -> Result<Vec<T>, String>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, String>> + Send + 'static,
{
    let job = Arc::new(job);
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicBool::new(false));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..workers.clamp(1, n.max(1)) {
        let (job, next, failed) = (job.clone(), next.clone(), failed.clone());
        set.spawn(async move {
            let mut done = Vec::new();
            while !failed.load(Ordering::SeqCst) {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n {
                    break;
                }
                match job(i).await {
                    Ok(v) => done.push((i, v)),
                    Err(e) => {
                        failed.store(true, Ordering::SeqCst);
                        return Err(e);
                    }
                }
            }
            Ok(done)
        });
    }
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(Ok(done)) => done.into_iter().for_each(|(i, v)| out[i] = Some(v)),
            Ok(Err(e)) => return Err(e),
            Err(e) => return Err(format!("a task failed: {e}")),
        }
    }
    Ok(out.into_iter().map(|v| v.expect("every index ran")).collect())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

async fn run(o: Options, nofile: u64) -> Result<(), String> {
    let (mut child, base, app_id, pid) = match &o.url {
        Some(url) => {
            (None, url.trim_end_matches('/').to_string(), o.app_id.clone().unwrap_or_default(), o.server_pid)
        }
        None => {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            let mut cmd = tokio::process::Command::new(exe);
            cmd.arg("--serve-child").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit());
            if let Some(db) = &o.database_url {
                cmd.arg("--database-url").arg(db);
            }
            let mut child =
                cmd.kill_on_drop(true).spawn().map_err(|e| format!("start the server child: {e}"))?;
            let stdout = child.stdout.take().ok_or("no child stdout")?;
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).await.map_err(|e| e.to_string())?;
            let mut words = line.split_whitespace();
            let (Some("READY"), Some(url), Some(app)) = (words.next(), words.next(), words.next()) else {
                return Err(format!("the child did not start: {line:?}"));
            };
            let pid = child.id();
            (Some(child), url.to_string(), app.to_string(), pid)
        }
    };
    let outcome = bench(&o, &base, &app_id, pid, nofile).await;
    if let Some(child) = child.as_mut() {
        drop(child.stdin.take());
        let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
    }
    outcome
}

async fn bench(o: &Options, base: &str, app_id: &str, pid: Option<u32>, nofile: u64) -> Result<(), String> {
    let n = o.connections as usize;
    let group_size = (o.group_size as usize).min(n);
    let rest =
        Arc::new(Rest { http: reqwest::Client::new(), base: base.to_string(), app_id: app_id.to_string() });
    let fireplace = discover(&rest.http, base, app_id).await?.fireplace;
    let run_tag = format!("{:x}", std::process::id());

    let started = Instant::now();
    let users = {
        let (rest, tag) = (rest.clone(), run_tag.clone());
        for_each(n, o.concurrency as usize, move |i| {
            let (rest, name) = (rest.clone(), format!("sb{tag}u{i}"));
            async move {
                rest.call("/user/register", None, json!({"username": name, "password": PASSWORD})).await?;
                let t = rest.call("/token/user", None, json!({"name": name, "password": PASSWORD})).await?;
                let token = t["token"].as_str().ok_or("no token")?.to_string();
                let uid = t["user_id"].as_u64().ok_or("no user_id")?;
                if i < group_size {
                    rest.call("/user/settings", Some(&token), json!({"group_confirm": false})).await?;
                }
                Ok((uid, token))
            }
        })
        .await?
    };
    let registered = started.elapsed();

    let rss_before = pid.and_then(rss_kib);
    let started = Instant::now();
    let sessions = {
        let (users, fireplace) = (Arc::new(users.clone()), fireplace.clone());
        for_each(n, o.concurrency as usize, move |i| {
            let (users, fireplace) = (users.clone(), fireplace.clone());
            async move {
                let (uid, token) = &users[i];
                Session::login(&fireplace, *uid, token, Device::fresh(*uid))
                    .await
                    .map_err(|e| format!("login {i}: {e}"))
            }
        })
        .await?
    };
    let connected = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = pid.and_then(rss_kib);
    let per_connection_kib = match (rss_before, rss_after) {
        (Some(b), Some(a)) => Some((a as f64 - b as f64) / n as f64),
        _ => None,
    };

    // The group: user 0 and the next group_size - 1 users, invited 100 at a time.
    let owner_token = users[0].1.clone();
    let members: Vec<u64> = users[1..group_size].iter().map(|u| u.0).collect();
    let first: Vec<u64> = members.iter().take(100).copied().collect();
    let g =
        rest.call("/group/create", Some(&owner_token), json!({"name": "bench", "user_list": first})).await?;
    let gid = g["group_id"].as_u64().ok_or("no group id")?;
    for chunk in members[first.len().min(members.len())..].chunks(100) {
        rest.call("/group/invite", Some(&owner_token), json!({"group_id": gid, "user_list": chunk})).await?;
    }

    let mut sessions = sessions.into_iter();
    let mut owner = sessions.next().ok_or("no sessions")?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, Instant)>();
    let messages = o.messages;
    let mut receivers = Vec::new();
    for mut s in sessions.by_ref().take(group_size - 1) {
        let tx = tx.clone();
        receivers.push(tokio::spawn(async move {
            let mut seen = 0;
            while seen < messages {
                let deadline = Instant::now() + Duration::from_secs(30);
                let Some((meta, at)) =
                    s.next_meta_where(deadline, |m| text(m).is_some_and(|t| t.starts_with("bench "))).await
                else {
                    break;
                };
                let seq = text(&meta).and_then(|t| t[6..].parse().ok()).unwrap_or(u64::MAX);
                let _ = tx.send((seq, at));
                seen += 1;
            }
            s
        }));
    }
    drop(tx);
    let idle: Vec<Session> = sessions.collect();

    let mut latencies_ms = Vec::new();
    let mut acks_ms = Vec::new();
    let mut missing = 0usize;
    for seq in 0..messages {
        let sent = Instant::now();
        let ack = owner
            .send_group_text(gid, &format!("bench {seq}"), Instant::now() + Duration::from_secs(30))
            .await;
        if ack.is_none_or(|a| a.server_mid == 0) {
            return Err(format!("group text {seq} was not acknowledged"));
        }
        acks_ms.push(sent.elapsed().as_secs_f64() * 1000.0);
        let mut got = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while got < group_size - 1 {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some((s, at))) if s == seq => {
                    latencies_ms.push(at.saturating_duration_since(sent).as_secs_f64() * 1000.0);
                    got += 1;
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        missing += group_size - 1 - got;
    }
    for r in receivers {
        let _ = r.await;
    }
    drop(idle);
    latencies_ms.sort_by(f64::total_cmp);
    acks_ms.sort_by(f64::total_cmp);

    let mib = |k: Option<u64>| k.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or("n/a".into());
    println!(
        "socket_bench: server {base} (pid {}), open-file limit {nofile}",
        pid.map_or("n/a".into(), |p| p.to_string())
    );
    println!("| figure | value |");
    println!("|---|---|");
    println!("| users registered + logged in (REST) | {n} in {:.1} s |", registered.as_secs_f64());
    println!("| sockets logged in (PROVISION + UNREAD) | {n} in {:.1} s |", connected.as_secs_f64());
    println!("| server RSS before sockets | {} |", mib(rss_before));
    println!("| server RSS with {n} idle sockets | {} |", mib(rss_after));
    println!(
        "| server memory per connection | {} |",
        per_connection_kib.map_or("n/a".into(), |k| format!("{k:.1} KiB"))
    );
    println!("| group members (all connected) | {group_size} |");
    println!("| group texts sent | {messages} |");
    println!("| deliveries measured / missing | {} / {missing} |", latencies_ms.len());
    for p in [50.0, 99.0] {
        println!("| delivery p{p:.0} | {:.1} ms |", percentile(&latencies_ms, p));
    }
    println!("| delivery max | {:.1} ms |", latencies_ms.last().copied().unwrap_or(f64::NAN));
    println!("| sender ack p50 | {:.1} ms |", percentile(&acks_ms, 50.0));
    let summary = json!({
        "bench": "socket",
        "connections": n,
        "connect_seconds": connected.as_secs_f64(),
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "kib_per_connection": per_connection_kib,
        "group_size": group_size,
        "messages": messages,
        "deliveries": latencies_ms.len(),
        "missing": missing,
        "delivery_p50_ms": percentile(&latencies_ms, 50.0),
        "delivery_p99_ms": percentile(&latencies_ms, 99.0),
        "delivery_max_ms": latencies_ms.last(),
        "ack_p50_ms": percentile(&acks_ms, 50.0),
    });
    println!("{summary}");
    Ok(())
}
