//! The benchmark's databases: one seeded database per backend and scale,
//! cached in `target/bench/data/` under a key of its parameters (seeding a
//! million users takes minutes), and a fresh copy of it for each target so
//! that every target starts from the same rows (the writes of one never
//! meet the next). SQLite copies the file; PostgreSQL copies a database
//! with `CREATE DATABASE … TEMPLATE` (through `bench-peer create-db`, so no
//! `psql` is needed).
//!
//! Seeding runs `server seed` (docs/seeding.md), then makes the manifest's
//! strangers ask for approval (`bench-peer need-approval`): seeded users are
//! open, and apply + accept needs an application to accept.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, bail};

use super::Context;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    OneK,
    OneM,
}

impl Scale {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Scale::OneK => "1k",
            Scale::OneM => "1m",
        }
    }

    /// `server seed`'s flags for this scale (the figures; at "1k",
    /// 1,000 users besides the 2,101 the fixtures take, so that they have
    /// friends of their own: `server seed` gives the fixtures none).
    fn seed_args(self) -> [(&'static str, u64); 5] {
        match self {
            Scale::OneK => [
                ("--users", 3_101),
                ("--friends-per-user", 10),
                ("--groups", 100),
                ("--group-size", 20),
                ("--messages", 10_000),
            ],
            Scale::OneM => [
                ("--users", 1_000_000),
                // 10M friendships read as 10M pairs: 20M roster rows.
                ("--friends-per-user", 20),
                ("--groups", 100_000),
                ("--group-size", 20),
                ("--messages", 10_000_000),
            ],
        }
    }
}

/// A seeded database, ready to copy.
pub(crate) struct Seeded {
    backend: Backend,
    /// SQLite: the file; PostgreSQL: the database's name.
    master: String,
    pub(crate) manifest: PathBuf,
    /// Set when this run seeded (not cached).
    pub(crate) seed_seconds: Option<f64>,
}

/// A target's own copy of the seeded database.
pub(crate) struct Copy {
    pub(crate) url: String,
    backend: Backend,
    /// SQLite: the file; PostgreSQL: the database's name.
    name: String,
}

impl Copy {
    pub(crate) fn remove(self, ctx: &Context) {
        match self.backend {
            Backend::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    std::fs::remove_file(format!("{}{suffix}", self.name)).ok();
                }
            }
            Backend::Postgres => {
                if let Err(e) = peer_db(ctx, &["drop-db", &self.name]) {
                    eprintln!("warning: dropping {}: {e:#}", self.name);
                }
            }
        }
    }
}

/// The schema's version for the cache key: the migrations the server has.
fn schema_tag(ctx: &Context) -> String {
    let dir = ctx.repo.join("server/migrations/sqlite");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names.last().map_or_else(|| "none".into(), |n| n.split('_').next().unwrap_or("x").to_string())
}

fn sqlite_url(file: &Path) -> String {
    format!("sqlite://{}?mode=rwc", file.display())
}

/// The PostgreSQL URL of database `name` on the server `ctx.pg_url` names.
fn pg_url(ctx: &Context, name: &str) -> String {
    let base = ctx.pg_url.split('?').next().unwrap_or(&ctx.pg_url);
    let cut = base.rfind('/').filter(|&i| i > "postgres://".len()).unwrap_or(base.len());
    format!("{}/{name}", &base[..cut])
}

fn peer_db(ctx: &Context, args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new(ctx.bins.join("bench-peer"))
        .arg("--database-url")
        .arg(&ctx.pg_url)
        .args(args)
        .output()
        .context("running bench-peer")?;
    if !out.status.success() {
        bail!("bench-peer {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

fn run_checked(mut cmd: Command, what: &str) -> anyhow::Result<()> {
    let out = cmd.output().with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// The seeded database of `backend` at `scale`, from the cache or made now.
pub(crate) fn prepare(ctx: &Context, backend: Backend, scale: Scale) -> anyhow::Result<Seeded> {
    let key = format!("{}-{}-{}", backend.name(), scale.name(), schema_tag(ctx));
    let dir = ctx.out.join("data").join(&key);
    let manifest = dir.join("manifest.json");
    let master = match backend {
        Backend::Sqlite => dir.join("seeded.sqlite").display().to_string(),
        Backend::Postgres => format!("bench_seed_{}", key.replace('-', "_")),
    };
    if manifest.exists() {
        eprintln!("{} {}: cached seed {}", backend.name(), scale.name(), dir.display());
        return Ok(Seeded { backend, master, manifest, seed_seconds: None });
    }
    std::fs::create_dir_all(&dir)?;
    let url = match backend {
        Backend::Sqlite => {
            std::fs::remove_file(&master).ok();
            sqlite_url(Path::new(&master))
        }
        Backend::Postgres => {
            peer_db(ctx, &["drop-db", &master])?;
            peer_db(ctx, &["create-db", &master])?;
            pg_url(ctx, &master)
        }
    };
    eprintln!("{} {}: server seed (once; cached in {})…", backend.name(), scale.name(), dir.display());
    let started = Instant::now();
    let partial = dir.join("manifest.partial.json");
    let flags: Vec<String> =
        scale.seed_args().iter().flat_map(|(f, v)| [f.to_string(), v.to_string()]).collect();
    let mut cmd = Command::new(ctx.bins.join("server"));
    cmd.args(["seed", "--database-url", &url]).args(&flags).arg("--manifest").arg(&partial);
    // Its progress (rows/s per stage) shows as it goes: at 1M users this
    // takes minutes.
    cmd.stderr(std::process::Stdio::inherit());
    run_checked(cmd, "server seed")?;
    let mut cmd = Command::new(ctx.bins.join("bench-peer"));
    cmd.args(["--database-url", &url, "need-approval", "--manifest"]).arg(&partial);
    run_checked(cmd, "bench-peer need-approval")?;
    std::fs::rename(&partial, &manifest)?;
    Ok(Seeded { backend, master, manifest, seed_seconds: Some(started.elapsed().as_secs_f64()) })
}

/// A copy of the seeded database for one target.
pub(crate) fn fresh_copy(ctx: &Context, seeded: &Seeded, label: &str) -> anyhow::Result<Copy> {
    match seeded.backend {
        Backend::Sqlite => {
            let file = ctx.work.join(format!("{label}.sqlite"));
            for suffix in ["", "-wal", "-shm"] {
                let from = PathBuf::from(format!("{}{suffix}", seeded.master));
                if from.exists() {
                    let to = format!("{}{suffix}", file.display());
                    std::fs::copy(&from, &to).with_context(|| format!("copying {}", from.display()))?;
                    // On disk before the target starts: otherwise its first
                    // checkpoint waits for the kernel to write the whole copy
                    // (4 GB at 1M users), inside the first write measured.
                    std::fs::File::open(&to)?.sync_all().with_context(|| format!("syncing {to}"))?;
                }
            }
            Ok(Copy { url: sqlite_url(&file), backend: Backend::Sqlite, name: file.display().to_string() })
        }
        Backend::Postgres => {
            let name = format!("bench_run_{}", label.replace('-', "_"));
            peer_db(ctx, &["drop-db", &name])?;
            peer_db(ctx, &["create-db", &name, "--template", &seeded.master]).with_context(|| {
                format!("copying {}; if it is gone, delete target/bench/data to seed again", seeded.master)
            })?;
            Ok(Copy { url: pg_url(ctx, &name), backend: Backend::Postgres, name })
        }
    }
}
