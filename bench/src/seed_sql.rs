//! The bench's own fixture seeding, in plain SQL, for a server without
//! `server seed`: the same command line and the same manifest
//! (`crate::manifest`), so `cargo xtask bench` can use either. It writes
//! what the server's schema holds for users, tokens, friendships, groups and
//! messages, in one transaction, into a database whose app `default` exists
//! (`server app create --id default` migrates and makes it).
//!
//! Layout: user 1 is the reader, 2 the peer, 3–66 the senders, 2–101 the
//! reader's 100 friends; users 1–2,000 are `group_big`, 1–500 `group_500`;
//! the rest of the `--users` have `--friends-per-user` ring friends; 2,000
//! strangers who ask for approval (auth mode 1) come last.

use std::str::FromStr;

use argon2::password_hash::PasswordHasher;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, Row, Transaction};

use crate::manifest::{Group, Manifest, User};

#[derive(clap::Args, Debug, Clone)]
pub struct SeedArgs {
    #[arg(long, default_value_t = 1000)]
    pub users: i64,
    #[arg(long, default_value_t = 10)]
    pub friends_per_user: i64,
    #[arg(long, default_value_t = 100)]
    pub groups: i64,
    #[arg(long, default_value_t = 20)]
    pub group_size: i64,
    #[arg(long, default_value_t = 10_000)]
    pub messages: i64,
    #[arg(long)]
    pub manifest: std::path::PathBuf,
    /// Members of `group_big` (the contract's 2,000; smaller for tests).
    #[arg(long, default_value_t = 2000, hide = true)]
    pub big_group: i64,
    /// Strangers (the contract's 2,000; fewer for tests).
    #[arg(long, default_value_t = 2000, hide = true)]
    pub strangers: i64,
    /// The app the fixtures belong to (it must exist).
    #[arg(long, default_value = "default")]
    pub app: String,
}

/// Message ids start from the milliseconds since 2024-01-01, times 4096.
const EPOCH_MS: i64 = 1_704_067_200_000;

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0))
}

pub async fn seed(url: &str, a: &SeedArgs) -> anyhow::Result<()> {
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new().max_connections(1).connect_with(AnyConnectOptions::from_str(url)?).await?;
    let started = std::time::Instant::now();
    let now = now_ms();
    let password = argon2::Argon2::default()
        .hash_password(b"bench-password")
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?
        .to_string();
    let app = a.app.as_str();
    let mut tx = pool.begin().await?;
    let big = a.big_group.max(500);
    let strangers_n = a.strangers.max(3);
    let members = a.users.max(big);
    let mut ids = Vec::with_capacity(usize::try_from(members + strangers_n)?);
    for n in 1..=members + strangers_n {
        let mode = if n > members { 1 } else { 0 };
        ids.push(insert_user(&mut tx, app, n, &password, mode, now).await?);
    }
    let user = |n: i64| ids[usize::try_from(n - 1).unwrap_or(0)];
    let (reader, peer) = (user(1), user(2));
    let mut friend_pairs = Vec::new();
    for n in 2..=101 {
        friend_pairs.push((reader, user(n)));
    }
    let ring = members - 101;
    if ring > 1 {
        for n in 0..ring {
            for d in 1..=(a.friends_per_user / 2).min(ring / 2) {
                friend_pairs.push((user(102 + n), user(102 + (n + d) % ring)));
            }
        }
    }
    for &(x, y) in &friend_pairs {
        befriend(&mut tx, app, x, y, now).await?;
    }
    let group_big = insert_group(&mut tx, app, reader, &(1..=big).map(user).collect::<Vec<_>>(), now).await?;
    let group_500 = insert_group(&mut tx, app, reader, &(1..=500).map(user).collect::<Vec<_>>(), now).await?;
    let size = a.group_size.clamp(2, members);
    for g in 0..(a.groups - 2).max(0) {
        let list: Vec<i64> = (0..size).map(|k| user(1 + (g * size + k) % members)).collect();
        let mut list = list;
        list.sort_unstable();
        list.dedup();
        insert_group(&mut tx, app, list[0], &list, now).await?;
    }
    // 60 messages between the reader and the peer, the rest between ring friends.
    let mut next_id = ((now - EPOCH_MS).max(0) << 12).max(1);
    for k in 0..a.messages.max(60) {
        let (from, to) = if k < 60 {
            if k % 2 == 0 { (reader, peer) } else { (peer, reader) }
        } else {
            friend_pairs[usize::try_from(k).unwrap_or(0) % friend_pairs.len()]
        };
        insert_message(&mut tx, app, next_id, from, to, &format!("seed message {k}"), now).await?;
        next_id += 1;
    }
    sqlx::query(
        "INSERT INTO message_ids (app_id, next_id) VALUES ($1, $2)
         ON CONFLICT (app_id) DO UPDATE SET next_id = excluded.next_id",
    )
    .bind(app)
    .bind(next_id)
    .execute(&mut *tx)
    .await?;
    let mut token_for = async |id: i64| -> anyhow::Result<User> {
        let token = random_token();
        sqlx::query(
            "INSERT INTO user_tokens (app_id, user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(app)
        .bind(id)
        .bind(sha256_hex(&token))
        .bind(now)
        .bind(now + 30 * 24 * 3600 * 1000)
        .execute(&mut *tx)
        .await?;
        Ok(User { user_id: id, token })
    };
    let reader_user = token_for(reader).await?;
    let peer_user = token_for(peer).await?;
    let mut senders = Vec::new();
    for n in 3..=66 {
        senders.push(token_for(user(n)).await?);
    }
    let mut strangers = Vec::new();
    for n in members + 1..=members + strangers_n {
        strangers.push(token_for(user(n)).await?);
    }
    let admin = format!("adm_{}", random_token());
    sqlx::query("INSERT INTO admin_tokens (app_id, token_hash, prefix, label, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(app)
        .bind(sha256_hex(&admin))
        .bind(format!("adm_…{}", &admin[admin.len() - 4..]))
        .bind("bench")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let manifest = Manifest {
        app_id: app.to_string(),
        admin_token: admin,
        reader: reader_user,
        roster_items: (2..=51).map(user).collect(),
        group_big: Group { group_id: group_big, members: big },
        group_500: Group { group_id: group_500, members: 500 },
        peer: peer_user,
        senders,
        strangers,
    };
    std::fs::write(&a.manifest, serde_json::to_string_pretty(&json!(manifest))?)?;
    eprintln!(
        "seeded {} users, {} friendships, {} groups, {} messages in {:.1} s",
        members + strangers_n,
        friend_pairs.len(),
        a.groups.max(2),
        a.messages.max(60),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A database name the bench made: letters, digits and `_` only, so it
/// can be quoted without escaping.
fn checked_name(name: &str) -> anyhow::Result<&str> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        anyhow::bail!("database name {name:?}: letters, digits and _ only");
    }
    Ok(name)
}

async fn admin_connection(url: &str) -> anyhow::Result<sqlx::AnyConnection> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    Ok(sqlx::AnyConnection::connect(url).await?)
}

pub async fn create_db(url: &str, name: &str, template: Option<&str>) -> anyhow::Result<()> {
    let mut conn = admin_connection(url).await?;
    let sql = match template {
        Some(t) => format!("CREATE DATABASE \"{}\" TEMPLATE \"{}\"", checked_name(name)?, checked_name(t)?),
        None => format!("CREATE DATABASE \"{}\"", checked_name(name)?),
    };
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
    Ok(())
}

pub async fn drop_db(url: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = admin_connection(url).await?;
    let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", checked_name(name)?);
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
    Ok(())
}

async fn new_entity(tx: &mut Transaction<'_, Any>, kind: &str) -> anyhow::Result<i64> {
    let row = sqlx::query("INSERT INTO entity_ids (kind) VALUES ($1) RETURNING id")
        .bind(kind)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get("id")?)
}

async fn insert_user(tx: &mut Transaction<'_, Any>, app: &str, n: i64, password: &str, auth_mode: i64, now: i64) -> anyhow::Result<i64> {
    let id = new_entity(tx, "user").await?;
    sqlx::query(
        "INSERT INTO users (id, app_id, username, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(id)
    .bind(app)
    .bind(format!("bench_u{n}"))
    .bind(password)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO user_settings (user_id, auth_mode, auth_question, auth_answer, group_confirm,
             auto_download, no_push, no_push_detail, no_push_start_hour, no_push_end_hour, no_sounds,
             vibratory, push_nick_name, push_token, push_alias, badge, silence_start_time, silence_end_time)
         VALUES ($1, $2, '', '', 0, 0, 0, 0, 0, 0, 0, 0, '', '', '', 0, 0, 0)",
    )
    .bind(id)
    .bind(auth_mode)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

async fn befriend(tx: &mut Transaction<'_, Any>, app: &str, a: i64, b: i64, now: i64) -> anyhow::Result<()> {
    for (owner, friend) in [(a, b), (b, a)] {
        sqlx::query(
            "INSERT INTO friendships (app_id, user_id, friend_id, relation, created_at, updated_at)
             VALUES ($1, $2, $3, 0, $4, $4) ON CONFLICT (user_id, friend_id) DO NOTHING",
        )
        .bind(app)
        .bind(owner)
        .bind(friend)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE users SET roster_version = roster_version + 1 WHERE id = $1")
            .bind(owner)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A normal group owned by `owner` (who is in `members`).
async fn insert_group(tx: &mut Transaction<'_, Any>, app: &str, owner: i64, members: &[i64], now: i64) -> anyhow::Result<i64> {
    let id = new_entity(tx, "group").await?;
    let count = i64::try_from(members.len())?;
    sqlx::query(
        "INSERT INTO chat_groups (id, app_id, name, description, avatar, ext, owner_id, group_type,
             apply_approval, member_invite, member_modify, read_ack, history_visible, capacity,
             member_count, member_version, created_at, updated_at)
         VALUES ($1, $2, $3, '', '', '', $4, 0, 1, 1, 0, 0, 0, $5, $6, $6, $7, $7)",
    )
    .bind(id)
    .bind(app)
    .bind(format!("bench group {id}"))
    .bind(owner)
    .bind(count.max(2000))
    .bind(count)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    for &m in members {
        sqlx::query("INSERT INTO group_members (group_id, user_id, role, join_time) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(m)
            .bind(if m == owner { 2 } else { 0 })
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}

async fn insert_message(tx: &mut Transaction<'_, Any>, app: &str, id: i64, from: i64, to: i64, text: &str, now: i64) -> anyhow::Result<()> {
    let body: i64 = sqlx::query(
        "INSERT INTO message_bodies (app_id, from_id, content_type, content, created_at) VALUES ($1, $2, 0, $3, $4)
         RETURNING id",
    )
    .bind(app)
    .bind(from)
    .bind(text)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    let (low, high) = (from.min(to), from.max(to));
    sqlx::query(
        "INSERT INTO messages (app_id, id, body_id, kind, from_id, to_id, conv_low, conv_high, created_at)
         VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8)",
    )
    .bind(app)
    .bind(id)
    .bind(body)
    .bind(from)
    .bind(to)
    .bind(low)
    .bind(high)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    for (user, peer) in [(from, to), (to, from)] {
        sqlx::query(
            "INSERT INTO conversations (app_id, user_id, peer_id, kind, conv_low, conv_high)
             VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT (app_id, user_id, peer_id) DO NOTHING",
        )
        .bind(app)
        .bind(user)
        .bind(peer)
        .bind(low)
        .bind(high)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
