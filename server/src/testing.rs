//! Fresh databases for tests: each test gets its own, on either backend.
//!
//! SQLite: a new file in the temp dir. PostgreSQL: a new database on the
//! server named by `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`, the development machines'
//! service), dropped afterwards, best effort. An unreachable PostgreSQL
//! fails the test: a skipped test is not a pass. `SKIP_POSTGRES=1` says so
//! explicitly, and then the PostgreSQL variants return early with a notice;
//! it is refused when `CI` is set.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{AssertSqlSafe, Connection};

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
