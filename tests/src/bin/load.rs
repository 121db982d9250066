//! A load benchmark: friend-graph reads and a few writes through the MaxIM
//! API, with figures printed and nothing asserted.
//!
//! ```sh
//! cargo run --release -p tests --bin load -- [--users N] [--concurrency C] [--seconds S]
//! cargo run --release -p tests --bin load -- --database-url postgres://postgres@127.0.0.1:5432/test
//! cargo run --release -p tests --bin load -- --url http://127.0.0.1:8080 [--app-id default]
//! ```
//!
//! Without `--url` the server runs in this process, started as the
//! integration tests start it (`Application::build_with` on 127.0.0.1:0) on
//! a fresh database: a SQLite file in the temp dir, or with `--database-url`
//! a new database created on that PostgreSQL server through
//! [`FreshDatabase`]; either is removed afterwards. With `--url` it loads a
//! running server, which must be on this machine (127.0.0.1, ::1 or
//! localhost), in the app named by `--app-id`.
//!
//! Setup, all through HTTP: N users register (`POST /user/register`) and
//! log in (`POST /token/user`), then each applies to the next one in a ring
//! (`POST /roster/apply`) and that one accepts (`POST /roster/accept`: a new
//! user's auth mode needs approval). Load: C workers, each sending one
//! request at a time as a random user until S seconds have passed or
//! `--max-requests` have been sent: `GET /roster/list` (80%),
//! `GET /roster/id` of another user (15%), `POST /roster/ext` on a friend
//! (5%). An error is a transport failure, an HTTP status other than 200 or
//! an envelope `code` other than 200.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use clap::builder::RangedU64ValueParser;
use serde_json::{Value, json};
use server::app::Application;
use server::core::{AppId, Core, SystemClock};
use server::store::{Db, DbOptions};
use server::testing::{Backend, FreshDatabase};

const PASSWORD: &str = "load-password-1";
const LIST_PERCENT: u64 = 80;
const ID_PERCENT: u64 = 15;

/// Loads the IM server through the MaxIM API and prints figures.
///
/// Without --url the server runs in this process, on a fresh database that
/// is removed afterwards. The flags have no environment variables.
#[derive(Debug, Clone, Parser)]
#[command(name = "load", args_override_self = true)]
struct Options {
    /// Load a running server on this machine (127.0.0.1, ::1, localhost);
    /// not with --database-url, which is for the in-process server.
    #[arg(long, value_name = "URL", value_parser = local_url, conflicts_with = "database_url")]
    url: Option<String>,
    /// Its app (default: default, the app a server creates on an empty
    /// database); only with --url: the in-process server has an app of its own.
    #[arg(long, value_name = "APP", requires = "url")]
    app_id: Option<String>,
    /// In-process server on PostgreSQL: a fresh database is created on that
    /// server for the run and dropped afterwards (default: in-process server
    /// on a fresh SQLite file).
    #[arg(long, value_name = "POSTGRES_URL", value_parser = postgres_url)]
    database_url: Option<String>,
    /// Users in the friend ring.
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = RangedU64ValueParser::<usize>::new().range(2..=100_000))]
    users: usize,
    /// Concurrent workers.
    #[arg(long, value_name = "C", default_value_t = 32, value_parser = RangedU64ValueParser::<usize>::new().range(1..=1024))]
    concurrency: usize,
    /// Load duration in seconds, at most 3600.
    #[arg(long, value_name = "S", default_value_t = 10.0, value_parser = seconds)]
    seconds: f64,
    /// Stop earlier after M requests.
    #[arg(long, value_name = "M", default_value_t = 2_000_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    max_requests: u64,
    /// The in-process server's database pool size (as `server`'s).
    #[arg(long, value_name = "P", default_value_t = DbOptions::default().max_connections, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pool: u32,
}

/// The options from `args` (without the program name), or clap's message.
#[cfg(test)]
fn parse_options(args: impl Iterator<Item = String>) -> Result<Options, String> {
    Options::try_parse_from(std::iter::once("load".to_string()).chain(args)).map_err(|e| e.to_string())
}

fn postgres_url(raw: &str) -> Result<String, String> {
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        Ok(raw.to_string())
    } else {
        Err("a postgres:// URL is needed (SQLite is the default)".into())
    }
}

fn seconds(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 3600.0 => Ok(s),
        Ok(_) => Err("must be in (0, 3600]".into()),
        Err(_) => Err("not a number".into()),
    }
}

/// The URL without a trailing slash, if it names a server on this machine.
fn local_url(raw: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(raw).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("http or https only".into());
    }
    // The url crate normalises hosts: `127.1` is `127.0.0.1`, IPv6 is bracketed.
    let local = match url.host_str() {
        Some(host) => host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || host == "[::1]",
        None => false,
    };
    if !local {
        return Err("this tool only loads a server on this machine (127.0.0.1, ::1 or localhost)".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

fn main() -> ExitCode {
    let options = Options::parse();
    if let Some(db) = &options.database_url {
        // SAFETY: no other thread exists yet (the runtime is built below);
        // FreshDatabase reads the PostgreSQL server to create on from here.
        unsafe { std::env::set_var("TEST_DATABASE_URL", db) };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("load: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("load: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The server under load: one started here (stopped and its database
/// removed at the end), or one given by URL.
enum Target {
    InProcess(InProcess),
    Remote,
}

struct InProcess {
    fresh: FreshDatabase,
    serving: Serving,
}

struct Serving {
    db: Db,
    server: server::app::Spawned,
}

impl InProcess {
    async fn start(backend: Backend, pool: u32) -> Result<(InProcess, String, String), String> {
        let (fresh, url) = FreshDatabase::create(backend).await.ok_or(
            "SKIP_POSTGRES is set: not creating a PostgreSQL database; unset it to run on PostgreSQL",
        )?;
        match Self::start_on(&url, pool).await {
            Ok((serving, base_url, app_id)) => Ok((InProcess { fresh, serving }, base_url, app_id)),
            Err(e) => {
                fresh.drop_best_effort().await;
                Err(e)
            }
        }
    }

    /// The server on `url`, its base URL and its app.
    async fn start_on(url: &str, pool: u32) -> Result<(Serving, String, String), String> {
        let db = Db::connect_with(url, DbOptions { max_connections: pool, ..DbOptions::default() })
            .await
            .map_err(|e| format!("connect {url}: {e}"))?;
        // The tests' configuration (minimal password hashing), so that
        // registering the users takes no time and argon2's 19 MiB per hash
        // does not make the peak RSS. The load itself hashes no password
        // (tokens are SHA-256). The clock is the real one: nothing here moves time.
        let core = Core::new(db.clone(), Arc::new(SystemClock), server::testing::config());
        let prepared = async {
            let app = core.apps().create(AppId::parse("load")?).await?;
            core.admin_tokens().create(&app.id, "load benchmark").await?;
            Ok::<_, server::core::Error>(app.id.to_string())
        };
        let app_id = match prepared.await {
            Ok(id) => id,
            Err(e) => {
                db.close().await;
                return Err(format!("create the app: {e}"));
            }
        };
        let application = match Application::build_with(SocketAddr::from(([127, 0, 0, 1], 0)), core).await {
            Ok(a) => a,
            Err(e) => {
                db.close().await;
                return Err(format!("bind 127.0.0.1:0: {e}"));
            }
        };
        let server = application.spawn();
        let base_url = server.base_url.clone();
        Ok((Serving { db, server }, base_url, app_id))
    }

    async fn stop(self) {
        let Serving { db, server } = self.serving;
        if let Err(e) = server.stop().await {
            eprintln!("load: {e}");
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), db.close()).await;
        self.fresh.drop_best_effort().await;
    }
}

async fn run(o: Options) -> Result<(), String> {
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let interrupted = interrupted.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("load: interrupted, stopping");
                interrupted.store(true, Ordering::SeqCst);
            }
        });
    }
    let (target, base_url, app_id, described) = match &o.url {
        Some(url) => {
            let app = o.app_id.clone().unwrap_or_else(|| "default".into());
            (
                Target::Remote,
                url.clone(),
                app,
                format!("running server at {url} (client only in this process)"),
            )
        }
        None => {
            let (backend, name) = match &o.database_url {
                Some(url) => (
                    Backend::Postgres,
                    format!("PostgreSQL (fresh database on {}, dropped afterwards)", redact(url)),
                ),
                None => (
                    Backend::Sqlite,
                    "SQLite (fresh file in the temp dir, WAL, removed afterwards)".to_string(),
                ),
            };
            let (server, base_url, app_id) = InProcess::start(backend, o.pool).await?;
            let described = format!(
                "in-process server at {base_url} on {name}, pool {} connections; client and server share this process",
                o.pool
            );
            (Target::InProcess(server), base_url, app_id, described)
        }
    };
    let outcome = benchmark(&o, &base_url, &app_id, &described, &interrupted).await;
    if let Target::InProcess(server) = target {
        server.stop().await;
    }
    outcome
}

/// The URL without its password, for printing.
fn redact(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[derive(Debug, Clone)]
struct User {
    id: i64,
    token: String,
    /// The next user in the ring: a friend, for `/roster/ext`.
    friend: i64,
}

struct Api {
    http: reqwest::Client,
    base: String,
    app_id: String,
}

impl Api {
    /// The envelope of a call that must succeed (HTTP 200, code 200).
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut req =
            self.http.request(method.clone(), format!("{}{path}", self.base)).header("app_id", &self.app_id);
        if let Some(token) = token {
            req = req.header("access-token", token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.map_err(|e| format!("{method} {path}: {e}"))?;
        let status = res.status();
        let bytes = res.bytes().await.map_err(|e| format!("{method} {path}: reading the body: {e}"))?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| {
            format!(
                "{method} {path}: HTTP {status}, not JSON: {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
            )
        })?;
        if status != reqwest::StatusCode::OK || value["code"] != 200 {
            return Err(format!("{method} {path}: HTTP {status}: {}", truncate(&value.to_string(), 300)));
        }
        Ok(value)
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Runs `job(i)` for every `i` in `0..n` on `workers` tasks; the first error
/// (or an interruption) ends it.
async fn for_each<T, F, Fut>(
    n: usize,
    workers: usize,
    interrupted: &Arc<AtomicBool>,
    job: F,
) -> Result<Vec<T>, String>
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
        let (job, next, failed, interrupted) =
            (job.clone(), next.clone(), failed.clone(), interrupted.clone());
        set.spawn(async move {
            let mut done = Vec::new();
            loop {
                if failed.load(Ordering::SeqCst) || interrupted.load(Ordering::SeqCst) {
                    return Ok(done);
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n {
                    return Ok(done);
                }
                match job(i).await {
                    Ok(v) => done.push((i, v)),
                    Err(e) => {
                        failed.store(true, Ordering::SeqCst);
                        return Err(e);
                    }
                }
            }
        });
    }
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    let mut first_error = None;
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(Ok(done)) => done.into_iter().for_each(|(i, v)| out[i] = Some(v)),
            Ok(Err(e)) => first_error = first_error.or(Some(e)),
            Err(e) => first_error = first_error.or(Some(format!("a setup task failed: {e}"))),
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    if interrupted.load(Ordering::SeqCst) {
        return Err("interrupted during setup".into());
    }
    Ok(out.into_iter().map(|v| v.expect("every index ran")).collect())
}

async fn setup(
    api: &Arc<Api>,
    n: usize,
    workers: usize,
    interrupted: &Arc<AtomicBool>,
) -> Result<Vec<User>, String> {
    // Unique per run, so that a running server can be loaded again.
    let stamp =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let run = format!("{:08x}", (stamp as u64 ^ u64::from(std::process::id()).rotate_left(32)) as u32);
    let logins = {
        let api = api.clone();
        for_each(n, workers, interrupted, move |i| {
            let api = api.clone();
            let name = format!("ld{run}_{i}");
            async move {
                api.call(
                    reqwest::Method::POST,
                    "/user/register",
                    None,
                    Some(json!({"username": name, "password": PASSWORD})),
                )
                .await?;
                let login = api
                    .call(
                        reqwest::Method::POST,
                        "/token/user",
                        None,
                        Some(json!({"name": name, "password": PASSWORD})),
                    )
                    .await?;
                let token = login["data"]["token"]
                    .as_str()
                    .ok_or_else(|| format!("/token/user: no data.token in {login}"))?
                    .to_string();
                let id = login["data"]["user_id"]
                    .as_i64()
                    .ok_or_else(|| format!("/token/user: no data.user_id in {login}"))?;
                Ok((id, token))
            }
        })
        .await?
    };
    let users: Vec<User> = (0..n)
        .map(|i| User { id: logins[i].0, token: logins[i].1.clone(), friend: logins[(i + 1) % n].0 })
        .collect();
    // A ring: i applies to i+1, which accepts (auth mode 1, approval needed).
    // With two users the ring is one friendship.
    let edges = if n == 2 { 1 } else { n };
    let ring = Arc::new(users.clone());
    {
        let api = api.clone();
        for_each(edges, workers, interrupted, move |i| {
            let (api, ring) = (api.clone(), ring.clone());
            async move {
                let (from, to) = (&ring[i], &ring[(i + 1) % ring.len()]);
                api.call(
                    reqwest::Method::POST,
                    "/roster/apply",
                    Some(&from.token),
                    Some(json!({"user_id": to.id, "reason": "load"})),
                )
                .await?;
                api.call(
                    reqwest::Method::POST,
                    &format!("/roster/accept?user_id={}", from.id),
                    Some(&to.token),
                    Some(json!({})),
                )
                .await?;
                Ok(())
            }
        })
        .await?;
    }
    // The ring is there: the first user has its two neighbours (one if n = 2).
    let list = api.call(reqwest::Method::GET, "/roster/list", Some(&users[0].token), None).await?;
    let mut friends: Vec<i64> =
        list["data"].as_array().map(|a| a.iter().filter_map(Value::as_i64).collect()).unwrap_or_default();
    friends.sort_unstable();
    let mut expected = vec![users[1].id, users[n - 1].id];
    expected.sort_unstable();
    expected.dedup();
    if friends != expected {
        return Err(format!("after setup the first user's friends are {friends:?}, expected {expected:?}"));
    }
    Ok(users)
}

#[derive(Clone, Copy)]
enum Op {
    List,
    Id,
    Ext,
}

const OPS: [(Op, &str); 3] =
    [(Op::List, "GET /roster/list"), (Op::Id, "GET /roster/id"), (Op::Ext, "POST /roster/ext")];

#[derive(Default)]
struct Tally {
    /// Microseconds, every request (failed ones too).
    latencies: Vec<u32>,
    sent: [u64; 3],
    errors: [u64; 3],
    samples: Vec<String>,
}

/// xorshift64*: enough to pick users and operations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) % n
    }
}

async fn one_request(api: &Api, users: &[User], rng: &mut Rng, op: Op, serial: u64) -> Result<(), String> {
    let n = users.len() as u64;
    let me = &users[rng.below(n) as usize];
    let (method, path, body) = match op {
        Op::List => (reqwest::Method::GET, "/roster/list".to_string(), None),
        Op::Id => {
            let other = loop {
                let u = &users[rng.below(n) as usize];
                if u.id != me.id {
                    break u.id;
                }
            };
            (reqwest::Method::GET, format!("/roster/id?user_id={other}"), None)
        }
        Op::Ext => (
            reqwest::Method::POST,
            "/roster/ext".to_string(),
            Some(json!({"user_id": me.friend, "ext": format!("load {serial}")})),
        ),
    };
    api.call(method, &path, Some(&me.token), body).await.map(|_| ())
}

async fn worker(
    api: Arc<Api>,
    users: Arc<Vec<User>>,
    seed: u64,
    deadline: Instant,
    max: u64,
    issued: Arc<AtomicU64>,
    interrupted: Arc<AtomicBool>,
) -> Tally {
    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    loop {
        if interrupted.load(Ordering::Relaxed) || Instant::now() >= deadline {
            break;
        }
        let serial = issued.fetch_add(1, Ordering::Relaxed);
        if serial >= max {
            break;
        }
        let roll = rng.below(100);
        let k = if roll < LIST_PERCENT {
            0
        } else if roll < LIST_PERCENT + ID_PERCENT {
            1
        } else {
            2
        };
        let started = Instant::now();
        let result = one_request(&api, &users, &mut rng, OPS[k].0, serial).await;
        tally.latencies.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
        tally.sent[k] += 1;
        if let Err(e) = result {
            tally.errors[k] += 1;
            if tally.samples.len() < 3 {
                tally.samples.push(e);
            }
        }
    }
    tally
}

/// The nearest-rank percentile, in milliseconds.
fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    f64::from(sorted[rank.min(sorted.len()) - 1]) / 1000.0
}

/// The process's peak resident set (`VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn benchmark(
    o: &Options,
    base_url: &str,
    app_id: &str,
    described: &str,
    interrupted: &Arc<AtomicBool>,
) -> Result<(), String> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let api = Arc::new(Api { http, base: base_url.to_string(), app_id: app_id.to_string() });
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);

    println!("configuration");
    println!("  target: {described}");
    println!("  app: {app_id}");
    println!("  users: {} (a ring of {} friendships)", o.users, if o.users == 2 { 1 } else { o.users });
    println!("  concurrency: {} workers, one request in flight each", o.concurrency);
    println!("  duration: {} s, at most {} requests", o.seconds, o.max_requests);
    println!(
        "  mix: GET /roster/list {LIST_PERCENT}%, GET /roster/id {ID_PERCENT}%, POST /roster/ext {}%",
        100 - LIST_PERCENT - ID_PERCENT
    );
    println!("  cpus: {cpus} (tokio runtime with {cpus} worker threads)");
    println!(
        "  build: {}",
        if cfg!(debug_assertions) {
            "debug (figures are not representative: use --release)"
        } else {
            "release"
        }
    );

    let started = Instant::now();
    let users = Arc::new(setup(&api, o.users, o.concurrency.min(16), interrupted).await?);
    println!(
        "setup: {} users registered and logged in, ring made, in {:.2} s",
        users.len(),
        started.elapsed().as_secs_f64()
    );

    let issued = Arc::new(AtomicU64::new(0));
    let seed0 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(o.seconds);
    let mut set = tokio::task::JoinSet::new();
    for w in 0..o.concurrency {
        set.spawn(worker(
            api.clone(),
            users.clone(),
            seed0 ^ (w as u64 + 1),
            deadline,
            o.max_requests,
            issued.clone(),
            interrupted.clone(),
        ));
    }
    let mut total = Tally::default();
    while let Some(joined) = set.join_next().await {
        let tally = joined.map_err(|e| format!("a worker failed: {e}"))?;
        total.latencies.extend_from_slice(&tally.latencies);
        for k in 0..3 {
            total.sent[k] += tally.sent[k];
            total.errors[k] += tally.errors[k];
        }
        for s in tally.samples {
            if total.samples.len() < 5 {
                total.samples.push(s);
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let requests: u64 = total.sent.iter().sum();
    let errors: u64 = total.errors.iter().sum();
    total.latencies.sort_unstable();
    let lat = &total.latencies;

    println!("results{}", if interrupted.load(Ordering::SeqCst) { " (interrupted: partial)" } else { "" });
    println!("  elapsed: {elapsed:.2} s");
    println!("  requests: {requests}");
    println!("  errors: {errors}");
    println!("  throughput: {:.0} req/s", requests as f64 / elapsed.max(1e-9));
    println!("  latency p50: {:.2} ms", percentile(lat, 50.0));
    println!("  latency p90: {:.2} ms", percentile(lat, 90.0));
    println!("  latency p99: {:.2} ms", percentile(lat, 99.0));
    println!("  latency max: {:.2} ms", lat.last().map(|&m| f64::from(m) / 1000.0).unwrap_or(0.0));
    let whose =
        if o.url.is_some() { "this process: the client only" } else { "this process: client and server" };
    match peak_rss_kib() {
        Some(kib) => println!("  peak RSS: {:.1} MiB (VmHWM, {whose})", kib as f64 / 1024.0),
        None => println!("  peak RSS: unknown (no /proc/self/status)"),
    }
    for (k, (_, name)) in OPS.iter().enumerate() {
        println!("  {name}: {} requests, {} errors", total.sent[k], total.errors[k]);
    }
    for s in &total.samples {
        println!("  error sample: {s}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_only_servers_on_this_machine() {
        assert_eq!(local_url("http://127.0.0.1:8080/").as_deref(), Ok("http://127.0.0.1:8080"));
        assert_eq!(local_url("http://LOCALHOST:8080").as_deref(), Ok("http://localhost:8080"));
        assert_eq!(local_url("http://[::1]:8080").as_deref(), Ok("http://[::1]:8080"));
        for far in [
            "http://example.com",
            "http://127.0.0.2:8080",
            "http://localhost.example.com",
            "ftp://127.0.0.1",
            "http://10.0.0.1",
        ] {
            assert!(local_url(far).is_err(), "{far}");
        }
    }

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentile(&sorted, 50.0), 50.0);
        assert_eq!(percentile(&sorted, 99.0), 99.0);
        assert_eq!(percentile(&sorted, 100.0), 100.0);
        assert_eq!(percentile(&[7000], 50.0), 7.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }

    #[test]
    fn options_are_checked() {
        let parse = |args: &[&str]| parse_options(args.iter().map(|s| s.to_string()));
        let o = parse(&[]).expect("defaults");
        assert_eq!((o.users, o.concurrency, o.seconds), (200, 32, 10.0));
        assert!(parse(&["--url", "http://127.0.0.1:1", "--database-url", "postgres://h/db"]).is_err());
        assert!(parse(&["--app-id", "x"]).is_err());
        assert!(parse(&["--database-url", "sqlite://x"]).is_err());
        assert!(parse(&["--users", "1"]).is_err());
        assert!(parse(&["--seconds", "0"]).is_err());
        assert_eq!(parse(&["--users=5", "--concurrency", "2"]).map(|o| (o.users, o.concurrency)), Ok((5, 2)));
    }
}
