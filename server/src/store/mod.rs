//! The only place with SQL.
//!
//! One set of queries runs on both backends through sqlx's `Any` driver: the
//! schema keeps to types both decode alike (BIGINT, TEXT; flags as 0/1), and
//! placeholders are `$N`, which SQLite also reads as numbered parameters. Only
//! the migrations differ (identity columns), one folder per backend.
//!
//! Concurrency is settled by the database: UNIQUE constraints, conditional
//! updates, and roster transactions that lock user rows in id order (see
//! [`roster`]). Every write transaction starts with a write, so SQLite takes
//! its write lock up front (waiting on `busy_timeout`) instead of failing a
//! read-to-write upgrade.

mod admin_tokens;
mod apps;
mod devices;
mod errors;
mod limits;
mod roster;
mod rows;
mod settings;
mod tokens;
mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, AssertSqlSafe, Executor};

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
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions { max_connections: 10, sqlite_busy_timeout: Duration::from_secs(30) }
    }
}

/// A pool on either backend, migrated on connect.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
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
        let mut pool = AnyPoolOptions::new().max_connections(options.max_connections.max(1));
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
        let pool = pool.connect_with(connect).await.map_err(|e| Error::Storage(InfraError::new(e)))?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await.map_err(|e| Error::Storage(InfraError::new(e)))?;
        Ok(Db { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Waits for every connection to be returned and closes them.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
