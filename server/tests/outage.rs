//! PostgreSQL going away under load (docs/operations.md#database-outages):
//! the server, reaching the database through a TCP proxy the test cuts,
//! answers the calls in flight with MaxIM's internal-error code quickly,
//! and serves again by itself once the proxy is restored. The machine's
//! PostgreSQL itself is never stopped: other tests use it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use server::app::{Application, HttpOptions};
use server::core::{AppId, Core, SystemClock};
use server::store::{Db, DbOptions};
use server::testing::{self, Backend, FreshDatabase};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A TCP proxy to `upstream` that can be cut (every connection dropped,
/// new ones refused) and restored.
struct Proxy {
    addr: SocketAddr,
    open: Arc<AtomicBool>,
    /// Bumped at each cut: connections watching it end.
    cuts: watch::Sender<u64>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let (cuts, _) = watch::channel(0u64);
        let (accept_open, accept_cuts) = (open.clone(), cuts.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accept_open.load(Ordering::SeqCst) {
                    // Refused: closed at once.
                    drop(client);
                    continue;
                }
                let mut cut = accept_cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Proxy { addr, open, cuts }
    }

    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

/// `url` with its host and port replaced by `addr`'s.
fn through(url: &str, addr: SocketAddr) -> (String, SocketAddr) {
    let mut parsed = url::Url::parse(url).expect("a database URL");
    let host = parsed.host_str().unwrap_or("127.0.0.1").to_string();
    let port = parsed.port().unwrap_or(5432);
    let upstream = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
        .expect("resolve the database host")
        .next()
        .expect("an address");
    parsed.set_host(Some(&addr.ip().to_string())).unwrap();
    parsed.set_port(Some(addr.port())).unwrap();
    (parsed.to_string(), upstream)
}

/// One registration: the HTTP status, the envelope's code, and how long it took.
async fn register(client: &reqwest::Client, base: &str, app: &str, name: &str) -> (u16, i64, Duration) {
    let started = Instant::now();
    let response = client
        .post(format!("{base}/user/register"))
        .header("app_id", app)
        .json(&serde_json::json!({"username": name, "password": "secret123"}))
        .send()
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    let json: serde_json::Value = response.json().await.expect("a JSON body");
    (status, json["code"].as_i64().unwrap_or(-1), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_going_away_gives_internal_errors_then_the_server_recovers_by_itself() {
    let Some((fresh, url)) = FreshDatabase::create(Backend::Postgres).await else { return };
    // The proxy starts after the database exists; the pool goes through it.
    let (_, upstream) = through(&url, SocketAddr::from(([127, 0, 0, 1], 0)));
    let proxy = Proxy::start(upstream).await;
    let (proxied, _) = through(&url, proxy.addr);
    let db = Db::connect_with(&proxied, DbOptions { max_connections: 5, ..DbOptions::default() })
        .await
        .expect("connect through the proxy");
    let core = Core::new(db.clone(), Arc::new(SystemClock), testing::config());
    core.apps().create(AppId::parse("outage").unwrap()).await.expect("create app");
    let http = HttpOptions { request_timeout: Duration::from_secs(15), ..HttpOptions::default() };
    let application = Application::build_with_options(SocketAddr::from(([127, 0, 0, 1], 0)), core, &http)
        .await
        .expect("bind");
    let running = application.spawn();
    let base = running.base_url.clone();
    let client = reqwest::Client::new();

    let outcome = testing::in_own_task(async move {
        for i in 0..5 {
            let (status, code, _) = register(&client, &base, "outage", &format!("before{i}")).await;
            assert_eq!((status, code), (200, 200), "before the outage");
        }

        // A steady load across the cut and the restore: calls are in flight when it happens.
        let stop_load = Arc::new(AtomicBool::new(false));
        let load: Vec<_> = (0..3)
            .map(|t| {
                let (client, base, stop) = (client.clone(), base.clone(), stop_load.clone());
                tokio::spawn(async move {
                    let mut answers = Vec::new();
                    let mut n = 0;
                    while !stop.load(Ordering::SeqCst) {
                        n += 1;
                        answers.push(register(&client, &base, "outage", &format!("load{t}x{n}")).await);
                    }
                    answers
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(300)).await;
        proxy.cut();
        let calls: Vec<_> = (0..8)
            .map(|i| {
                let (client, base) = (client.clone(), base.clone());
                tokio::spawn(async move { register(&client, &base, "outage", &format!("during{i}")).await })
            })
            .collect();
        for call in calls {
            let (status, code, took) = call.await.unwrap();
            println!("during the outage: HTTP {status}, code {code}, after {took:?}");
            assert_eq!((status, code), (200, 20000), "an internal error in the envelope");
            // The pool's acquire timeout (5 s) plus the probe, well before the request timeout.
            assert!(took < Duration::from_secs(10), "took {took:?}");
        }

        proxy.restore();
        let restored = Instant::now();
        let mut i = 0;
        loop {
            i += 1;
            let (status, code, _) = register(&client, &base, "outage", &format!("after{i}")).await;
            if (status, code) == (200, 200) {
                break;
            }
            assert!(
                restored.elapsed() < Duration::from_secs(20),
                "not recovered: HTTP {status}, code {code}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        println!("served again {:?} after the restore", restored.elapsed());
        stop_load.store(true, Ordering::SeqCst);
        let mut seen = std::collections::BTreeMap::new();
        for task in load {
            for (status, code, took) in task.await.unwrap() {
                assert!(matches!((status, code), (200, 200) | (200, 20000)), "HTTP {status}, code {code}");
                assert!(took < Duration::from_secs(10), "took {took:?}");
                *seen.entry(code).or_insert(0) += 1;
            }
        }
        println!("the load's answers by code: {seen:?}");
        assert!(seen.contains_key(&200) && seen.contains_key(&20000), "{seen:?}");
        for j in 0..10 {
            let (status, code, _) = register(&client, &base, "outage", &format!("later{j}")).await;
            assert_eq!((status, code), (200, 200), "after the recovery");
        }
    })
    .await;
    let _ = running.stop().await;
    let _ = tokio::time::timeout(Duration::from_secs(10), db.close()).await;
    fresh.drop_best_effort().await;
    testing::resume(outcome);
}
