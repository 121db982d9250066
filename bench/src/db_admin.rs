//! What the bench does to databases besides serving: create and drop its
//! PostgreSQL databases (copies of the seeded one, so no `psql` is needed),
//! and make the manifest's strangers ask for approval, because `server
//! seed` leaves every user open (docs/seeding.md) and apply + accept needs
//! an application to accept.

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AssertSqlSafe, Connection};

use crate::manifest::Manifest;

/// A database name the bench made: letters, digits and `_` only, so it
/// can be quoted without escaping.
fn checked_name(name: &str) -> anyhow::Result<&str> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        anyhow::bail!("database name {name:?}: letters, digits and _ only");
    }
    Ok(name)
}

async fn admin_connection(url: &str) -> anyhow::Result<sqlx::AnyConnection> {
    sqlx::any::install_default_drivers();
    Ok(sqlx::AnyConnection::connect(url).await?)
}

/// `CREATE DATABASE name [TEMPLATE template]` on the server `url` names.
///
/// A copy is made with `STRATEGY = FILE_COPY` where the server has it
/// (PostgreSQL 15+): the default there, `WAL_LOG`, writes the whole
/// template through the WAL and leaves gigabytes of dirty buffers that the
/// checkpointer writes out while the first target is being measured (the
/// 1M-user database is 7 GB). `FILE_COPY` copies the files and syncs them
/// before it returns.
pub async fn create_db(url: &str, name: &str, template: Option<&str>) -> anyhow::Result<()> {
    let mut conn = admin_connection(url).await?;
    let name = checked_name(name)?;
    let Some(t) = template else {
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).execute(&mut conn).await?;
        return Ok(());
    };
    let t = checked_name(t)?;
    let file_copy = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\" STRATEGY = FILE_COPY");
    if sqlx::query(AssertSqlSafe(file_copy)).execute(&mut conn).await.is_err() {
        // Before PostgreSQL 15 there is no STRATEGY (and copies are file copies).
        let plain = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\"");
        sqlx::query(AssertSqlSafe(plain)).execute(&mut conn).await?;
    }
    Ok(())
}

pub async fn drop_db(url: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = admin_connection(url).await?;
    let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", checked_name(name)?);
    sqlx::query(AssertSqlSafe(sql)).execute(&mut conn).await?;
    Ok(())
}

/// Sets the strangers' auth mode to 1 (approval needed), in the database
/// before any target starts on it.
pub async fn strangers_need_approval(url: &str, manifest: &Manifest) -> anyhow::Result<()> {
    sqlx::any::install_default_drivers();
    let pool =
        AnyPoolOptions::new().max_connections(1).connect_with(AnyConnectOptions::from_str(url)?).await?;
    let mut tx = pool.begin().await?;
    for chunk in manifest.strangers.chunks(500) {
        let list = chunk.iter().map(|s| s.user_id.to_string()).collect::<Vec<_>>().join(", ");
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE user_settings SET auth_mode = 1 WHERE user_id IN ({list})"
        )))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    pool.close().await;
    Ok(())
}
