//! Test support, shared by the domain tests (`server/tests/domain`) and the
//! end-to-end tests (the `tests` crate): a fresh database per test, a test
//! [`Core`] on it, a scenario run on it with the database removed afterwards,
//! and [`both_backends!`](crate::both_backends) to make one scenario two tests.
//! Compiled only with the `testing` feature, so the release server has none of it.
//!
//! SQLite: a new file in the temp dir. PostgreSQL: a new database on the
//! server named by `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`, the development machines'
//! service), dropped afterwards, best effort. An unreachable PostgreSQL
//! fails the test: a skipped test is not a pass. `SKIP_POSTGRES=1` says so
//! explicitly, and then the PostgreSQL variants return early with a notice;
//! it is refused when `CI` is set.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::{AssertSqlSafe, Connection};
use tokio::task::JoinError;

use crate::blobs::StorageConfig;
use crate::core::{AppId, Config, Core, ManualClock, PasswordCost};
use crate::store::{Db, DbOptions};

pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("imtest_{}_{}_{}", std::process::id(), nanos, COUNTER.fetch_add(1, Ordering::SeqCst))
}

/// A database created for one test; [`FreshDatabase::drop_best_effort`] removes it.
pub enum FreshDatabase {
    Sqlite { path: PathBuf },
    Postgres { admin_url: String, name: String },
}

impl FreshDatabase {
    /// The new database and its URL; `None` only when `SKIP_POSTGRES` is set
    /// outside CI and a PostgreSQL one was asked for.
    pub async fn create(backend: Backend) -> Option<(FreshDatabase, String)> {
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{}.sqlite", unique_name()));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                Some((FreshDatabase::Sqlite { path }, url))
            }
            Backend::Postgres => {
                if std::env::var_os("SKIP_POSTGRES").is_some() {
                    assert!(
                        std::env::var_os("CI").is_none(),
                        "SKIP_POSTGRES is set in CI: the PostgreSQL tests must run there"
                    );
                    eprintln!("notice: SKIP_POSTGRES is set, not running the PostgreSQL variant");
                    return None;
                }
                let admin_url = match std::env::var("TEST_DATABASE_URL") {
                    Ok(url) if !url.trim().is_empty() => url,
                    _ => DEFAULT_TEST_DATABASE_URL.to_string(),
                };
                let name = unique_name();
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} is unreachable ({e}); set TEST_DATABASE_URL, or SKIP_POSTGRES=1 to run SQLite only"));
                sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&mut admin)
                    .await
                    .expect("create test database");
                let _ = admin.close().await;
                let url = with_database(&admin_url, &name);
                Some((FreshDatabase::Postgres { admin_url, name }, url))
            }
        }
    }

    pub async fn drop_best_effort(self) {
        match self {
            FreshDatabase::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            FreshDatabase::Postgres { admin_url, name } => {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ = sqlx::query(AssertSqlSafe(sql)).execute(&mut admin).await;
                    let _ = admin.close().await;
                }
            }
        }
    }
}

/// The app every test core starts with.
pub const TEST_APP: &str = "test-app";

/// The core's configuration in tests: the defaults, but cheap password
/// hashing (argon2 at its standard cost takes 19 MiB and tens of
/// milliseconds per hash, and tests register users by the hundred).
pub fn config() -> Config {
    Config { password_cost: PasswordCost::InsecureFast, ..Config::default() }
}

/// Files on local disk, in a folder of the temp dir the tests share (keys
/// are random, so tests never collide): a `configure` for [`run`].
pub fn local_storage(config: &mut Config) {
    config.files.storage = StorageConfig::Local(std::env::temp_dir().join("imtest-files"));
}

/// Files on S3: the store `TEST_S3_URL` names (its bucket created if
/// missing; CI runs moto there), else an S3 server in this process (`s3s`
/// over a temp dir, started once, with the credentials `test`/`test`, so
/// presigned URLs are checked for real): a `configure` for [`run`].
pub fn s3_storage(config: &mut Config) {
    config.files.storage = StorageConfig::S3(test_s3_url());
}

/// The bucket tests use on the in-process server.
const TEST_BUCKET: &str = "imtest";

/// See [`s3_storage`].
pub fn test_s3_url() -> String {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| match std::env::var("TEST_S3_URL") {
        Ok(url) if !url.trim().is_empty() => {
            create_bucket(&url);
            url
        }
        _ => start_s3_server(),
    })
    .clone()
}

/// Creates the bucket of an `s3://bucket?endpoint=…` URL with an unsigned
/// `PUT /bucket`, which test servers (moto) accept; an existing bucket
/// answers an error that is ignored. Best effort: a bucket that cannot be
/// made fails the tests that use it, with the store's own message.
fn create_bucket(url: &str) {
    use std::io::{Read, Write};
    let Ok(parsed) = url::Url::parse(url) else { return };
    let bucket = parsed.host_str().unwrap_or_default().to_string();
    let Some(endpoint) = parsed.query_pairs().find(|(k, _)| k == "endpoint").map(|(_, v)| v.into_owned())
    else {
        return;
    };
    let Ok(endpoint) = url::Url::parse(&endpoint) else { return };
    let host = endpoint.host_str().unwrap_or("127.0.0.1").to_string();
    let port = endpoint.port_or_known_default().unwrap_or(80);
    if let Ok(mut conn) = std::net::TcpStream::connect((host.as_str(), port)) {
        let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
        let request = format!(
            "PUT /{bucket} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let _ = conn.write_all(request.as_bytes());
        let mut answer = Vec::new();
        let _ = conn.read_to_end(&mut answer);
    }
}

/// An S3 server (`s3s-fs` over a temp dir) on a thread of its own, so that
/// it outlives each test's runtime: its `s3://` URL.
fn start_s3_server() -> String {
    let root = tempfile::tempdir().expect("temp dir for the S3 server").keep();
    std::fs::create_dir_all(root.join(TEST_BUCKET)).expect("the test bucket");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime of the S3 server");
        runtime.block_on(async move {
            let fs = s3s_fs::FileSystem::new(&root).expect("s3s-fs over the temp dir");
            let mut builder = s3s::service::S3ServiceBuilder::new(fs);
            builder.set_auth(s3s::auth::SimpleAuth::from_single("test", "test"));
            let service = builder.build();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the S3 server");
            tx.send(listener.local_addr().expect("its address")).expect("report the address");
            let http = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            loop {
                let Ok((socket, _)) = listener.accept().await else { continue };
                let conn =
                    http.serve_connection(hyper_util::rt::TokioIo::new(socket), service.clone()).into_owned();
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
        });
    });
    let addr = rx.recv().expect("the S3 server started");
    format!(
        "s3://{TEST_BUCKET}?endpoint=http://{addr}&region=us-east-1&access_key_id=test&secret_access_key=test&allow_http=true"
    )
}

/// A small pool: many tests run at once, each on its own database.
pub fn db_options() -> DbOptions {
    DbOptions { max_connections: 5, ..DbOptions::default() }
}

/// What a scenario is given: a core on a fresh database, with [`config`]
/// as the caller changed it, a clock that moves only when told to, and one
/// app, [`TEST_APP`].
pub struct TestCore {
    pub core: Core,
    pub clock: Arc<ManualClock>,
    pub app: AppId,
    /// The database's URL, for another pool on it (a second server node).
    pub database_url: String,
}

/// Runs `scenario` on a [`TestCore`] over a fresh database of `backend`,
/// then closes the pool and drops the database, also when the scenario
/// panics; the panic then goes on. Runs nothing when `SKIP_POSTGRES` skips
/// the backend.
pub async fn run<F, Fut>(backend: Backend, configure: impl FnOnce(&mut Config), scenario: F)
where
    F: FnOnce(TestCore) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some((fresh, url)) = FreshDatabase::create(backend).await else { return };
    let db = match Db::connect_with(&url, db_options()).await {
        Ok(db) => db,
        Err(e) => {
            fresh.drop_best_effort().await;
            panic!("connect {url}: {e:?}");
        }
    };
    let clock = Arc::new(ManualClock::starting_now());
    let mut config = config();
    configure(&mut config);
    let core = Core::new(db.clone(), clock.clone(), config);
    if let Err(e) = crate::cluster::join(&core, &Default::default()).await {
        fresh.drop_best_effort().await;
        panic!("join the event bus: {e:#}");
    }
    let app = AppId::parse(TEST_APP).expect("app id");
    let outcome = match core.apps().create(app.clone()).await {
        Ok(_) => Ok(in_own_task(scenario(TestCore { core, clock, app, database_url: url })).await),
        Err(e) => Err(e),
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), db.close()).await;
    fresh.drop_best_effort().await;
    match outcome {
        Ok(outcome) => resume(outcome),
        Err(e) => panic!("create the test app: {e:?}"),
    }
}

/// Runs `future` in a task of its own: its panic (a failed assertion) ends
/// only that task, so the caller can still clean up before [`resume`].
pub async fn in_own_task<T: Send + 'static>(
    future: impl Future<Output = T> + Send + 'static,
) -> Result<T, JoinError> {
    tokio::spawn(future).await
}

/// What [`in_own_task`] returned, its panic resumed as it was.
pub fn resume<T>(outcome: Result<T, JoinError>) -> T {
    match outcome {
        Ok(value) => value,
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("scenario did not finish: {e}"),
        },
    }
}

/// One scenario as two tests, `<name>::sqlite` and `<name>::postgres`:
/// `$run` is evaluated and awaited with `$backend` bound to each
/// [`Backend`] in turn. The harnesses' macros (`on_both_backends!`,
/// `scenario!`) are this with their own `run`; the calling crate needs
/// `tokio` (for `#[tokio::test]`).
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$backend:ident| $run:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $backend = $crate::testing::Backend::Sqlite;
                $run.await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let $backend = $crate::testing::Backend::Postgres;
                $run.await;
            }
        }
    };
}

/// The same server and credentials, another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{host_part}/{name}{query}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn swaps_the_database_name() {
        assert_eq!(super::with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(
            super::with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
