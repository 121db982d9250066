//! The peer: the obvious hand-written axum + sqlx version of the benchmark's
//! cases, on the server's own database and schema, answering the same JSON
//! envelopes. No caches and no cleverness on purpose: it is the yardstick a
//! user would write in an afternoon (`docs/benchmarks.md#the-targets`).
//!
//! Each handler checks the token (`access-token` + `app_id` headers) with
//! one query, then runs the case's straightforward queries; writes read
//! what they check first and then write in one transaction.

mod reads;
mod writes;

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor, Row};

/// The pool the peer uses: as many connections as the server's default,
/// SQLite in WAL mode with a busy timeout, the usual setup.
pub async fn connect(url: &str) -> anyhow::Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let options = AnyConnectOptions::from_str(url)?;
    let mut pool = AnyPoolOptions::new().max_connections(10).acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        pool = pool.after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("PRAGMA busy_timeout = 30000").await?;
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                Ok(())
            })
        });
    }
    Ok(pool.connect_with(options).await?)
}

pub fn router(pool: AnyPool) -> Router {
    Router::new()
        .route("/roster/list", get(reads::roster_ids).post(reads::roster_items))
        .route("/group/member_list", get(reads::member_list))
        .route("/message/conversation", get(reads::conversation))
        .route("/message/send", post(writes::send))
        .route("/roster/apply", post(writes::apply))
        .route("/roster/accept", post(writes::accept))
        .with_state(pool)
}

/// A MaxIM error envelope (the codes the server uses for the same faults).
#[derive(Debug)]
pub struct Fault(i64, String);

impl Fault {
    fn new(code: i64, message: impl Into<String>) -> Fault {
        Fault(code, message.into())
    }
}

impl From<sqlx::Error> for Fault {
    fn from(e: sqlx::Error) -> Fault {
        Fault(10001, format!("database: {e}"))
    }
}

impl IntoResponse for Fault {
    fn into_response(self) -> Response {
        Json(json!({ "code": self.0, "message": self.1, "data": null })).into_response()
    }
}

type Answer = Result<Json<Value>, Fault>;

fn ok(data: Value) -> Answer {
    Ok(Json(json!({ "code": 200, "message": null, "data": data })))
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0))
}

/// The caller: (app id, user id) of a live user token of that app.
async fn caller(pool: &AnyPool, headers: &HeaderMap) -> Result<(String, i64), Fault> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (app, token) = (header("app_id"), header("access-token"));
    if token.is_empty() {
        return Err(Fault::new(10008, "access token missing"));
    }
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    let row = sqlx::query(
        "SELECT t.user_id, t.expires_at, t.revoked_at, u.disabled
         FROM user_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.app_id = $2",
    )
    .bind(hash)
    .bind(&app)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| Fault::new(10008, "access token invalid"))?;
    let revoked: Option<i64> = row.try_get("revoked_at")?;
    let expires: i64 = row.try_get("expires_at")?;
    let disabled: i64 = row.try_get("disabled")?;
    if revoked.is_some() || expires <= now_ms() || disabled != 0 {
        return Err(Fault::new(10008, "access token invalid"));
    }
    Ok((app, row.try_get("user_id")?))
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}
