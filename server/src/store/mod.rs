//! The only place with SQL.
//!
//! One set of queries runs on both backends through sqlx's `Any` driver: the
//! schema keeps to types both decode alike (BIGINT, TEXT; flags as 0/1), and
//! placeholders are `$N`, which SQLite also reads as numbered parameters. Only
//! the migrations differ (identity columns), one folder per backend.
//!
//! Concurrency is settled by the database: UNIQUE constraints, conditional
//! updates, roster transactions that lock user rows in id order (see
//! [`roster`]), group transactions that lock the group's row
//! ([`groups`]) and sends that queue on their app's message-id row
//! ([`messages`]). Every write transaction starts with a write, so SQLite
//! takes its write lock up front (waiting on `busy_timeout`) instead of
//! failing a read-to-write upgrade.

mod admin_tokens;
mod apps;
mod bulk;
mod devices;
mod errors;
mod files;
mod gate;
mod groups;
mod limits;
mod messages;
mod notices;
mod notify;
mod push;
mod roster;
mod rows;
mod settings;
mod throttle;
mod tokens;
mod users;
mod xsync;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Connection, Executor};

pub use bulk::{Bulk, BulkGroup, BulkMessage, message_id_at};
pub use gate::WriteTx;
pub use groups::{GroupTx, UserGroups};
pub use messages::MessageTx;
pub use roster::RosterTx;

use crate::core::error::{Error, InfraError, Result};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// From the URL scheme: `sqlite:` or `postgres:`/`postgresql:`.
    pub fn of_url(url: &str) -> Result<Backend> {
        let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(Error::invalid("database_url", "must start with sqlite: or postgres:")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
    /// How long a SQLite writer waits for another writer's lock.
    pub sqlite_busy_timeout: Duration,
    /// How long opening the database, and later each wait for a pooled
    /// connection, may take: an unreachable server is reported after this
    /// rather than after sqlx's 30 s.
    pub acquire_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            max_connections: 10,
            sqlite_busy_timeout: Duration::from_secs(30),
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// One direct attempt after the pool gave up gets this long: the pool's own
/// attempts already waited, and a refused connection answers at once.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// The pool found no connection in time. sqlx then only says "pool timed
/// out" (it retries refused connections until the deadline), so `cause` is
/// what one direct attempt answered: the reason an operator needs.
#[derive(Debug)]
struct NoConnection {
    waited: Duration,
    cause: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl std::fmt::Display for NoConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no connection to the database within {:?}", self.waited)
    }
}

impl std::error::Error for NoConnection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

async fn probe(connect: &AnyConnectOptions) -> Option<Box<dyn std::error::Error + Send + Sync + 'static>> {
    match tokio::time::timeout(PROBE_TIMEOUT, AnyConnection::connect_with(connect)).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            None
        }
        Ok(Err(e)) => Some(Box::new(e)),
        Err(_) => Some(format!("no answer within {PROBE_TIMEOUT:?}").into()),
    }
}

/// SQLite answers a file it cannot open with "unable to open database file",
/// naming neither the file nor the reason; the file system says both.
fn sqlite_file_problem(url: &str, in_memory: bool) -> Option<std::io::Error> {
    use std::io::{Error as IoError, ErrorKind};
    if in_memory {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let file = options.get_filename();
    let folder = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    match std::fs::metadata(folder) {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Some(IoError::new(ErrorKind::NotFound, format!("no such folder: {}", folder.display())));
        }
        Err(e) => return Some(IoError::new(e.kind(), format!("{}: {e}", folder.display()))),
        Ok(meta) if !meta.is_dir() => {
            return Some(IoError::new(
                ErrorKind::NotADirectory,
                format!("not a folder: {}", folder.display()),
            ));
        }
        Ok(_) => {}
    }
    let read_only = url.contains("mode=ro");
    let create = url.contains("mode=rwc");
    match std::fs::OpenOptions::new().read(true).write(!read_only).create(create && !read_only).open(file) {
        Err(e) => Some(IoError::new(e.kind(), format!("{}: {e}", file.display()))),
        Ok(_) => None,
    }
}

/// A pool on either backend, migrated on connect.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// Told after a change that live connections must hear of commits
    /// (notices); shared by every clone (`core::wakes`).
    wakes: crate::core::wakes::Wakes,
    /// For the event bus's own connections (`notify`) and to tell which
    /// SQLite file in-process nodes share.
    url: Url,
    /// SQLite's writers take turns here (`gate`); `None` on PostgreSQL.
    turns: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

/// A database URL, kept out of `Debug` output (it may hold a password).
#[derive(Clone)]
struct Url(std::sync::Arc<str>);

impl std::fmt::Debug for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<url>")
    }
}

impl Db {
    /// The wake-up channel of this database's live connections.
    pub fn wakes(&self) -> &crate::core::wakes::Wakes {
        &self.wakes
    }

    /// `sqlite://path?mode=rwc` (file, created if missing), `sqlite::memory:`,
    /// or `postgres://user@host:port/db`.
    pub async fn connect(url: &str) -> Result<Db> {
        Self::connect_with(url, DbOptions::default()).await
    }

    pub async fn connect_with(url: &str, options: DbOptions) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let connect = AnyConnectOptions::from_str(url).map_err(|e| Error::Storage(InfraError::new(e)))?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let busy_ms = options.sqlite_busy_timeout.as_millis();
        let mut pool = AnyPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout);
        if backend == Backend::Sqlite {
            pool = pool.after_connect(move |conn, _meta| {
                Box::pin(async move {
                    sqlx::query(AssertSqlSafe(format!("PRAGMA busy_timeout = {busy_ms}")))
                        .execute(&mut *conn)
                        .await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    if !in_memory {
                        // Readers then never block the single writer, nor it them.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            });
        }
        let pool = match pool.connect_with(connect.clone()).await {
            Ok(pool) => pool,
            Err(sqlx::Error::PoolTimedOut) => {
                let cause = probe(&connect).await;
                return Err(Error::Storage(InfraError::new(NoConnection {
                    waited: options.acquire_timeout,
                    cause,
                })));
            }
            Err(e) => {
                let problem = match backend {
                    Backend::Sqlite => sqlite_file_problem(url, in_memory),
                    Backend::Postgres => None,
                };
                return Err(Error::Storage(match problem {
                    Some(problem) => InfraError::new(problem),
                    None => InfraError::new(e),
                }));
            }
        };
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await.map_err(|e| Error::Storage(InfraError::new(e)))?;
        Ok(Db { pool, backend, wakes: Default::default(), url: Url(url.into()), turns: gate::turns(backend) })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL this pool was opened with (may hold a password: never log it).
    pub fn url(&self) -> &str {
        &self.url.0
    }

    /// Nodes on this PostgreSQL database exchange events through
    /// LISTEN/NOTIFY; SQLite has no such thing (`None`).
    pub fn event_transport(&self) -> Option<Box<dyn crate::core::events::Transport>> {
        match self.backend {
            Backend::Postgres => Some(Box::new(notify::PgTransport::new(self.url()))),
            Backend::Sqlite => None,
        }
    }

    /// Waits for every connection to be returned and closes them.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
