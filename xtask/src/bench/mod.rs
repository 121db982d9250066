//! `cargo xtask bench`: the side-by-side benchmark (`docs/benchmarks.md`).
//! It builds the release binaries, seeds a database per backend and scale
//! (cached in `target/bench/data/`), starts each target as a child process
//! on a free port (this server, the hand-written peer, the static-JSON
//! ceiling), runs every case against it with the separate load generator
//! (`bench-load`), samples the target's peak RSS, and prints one table,
//! written also as Markdown, JSON and an SVG plot under `target/bench/`.
//!
//! Modules: [`data`] (databases and seeding), [`targets`] (child processes
//! and their memory), [`report`] (the table, the goals, the files),
//! [`plot`] (latency percentiles), [`extra`] (cases other programs measure).

mod data;
pub mod extra;
mod plot;
mod profile;
mod report;
mod targets;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::ValueEnum;

use data::{Backend, Scale};
use report::{LoadReport, Results, Row};
use targets::{Kind, Running};

#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// Which databases to run on.
    #[arg(long, value_enum, default_value_t = BackendChoice::Both)]
    pub backend: BackendChoice,
    /// PostgreSQL server for `--backend postgres|both` (the bench creates and
    /// drops its own `bench_…` databases there).
    #[arg(long, env = "BENCH_DATABASE_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub database_url: String,
    /// Data sizes: 1k users, 1M users, or both.
    #[arg(long, value_enum, default_value_t = ScaleChoice::OneK)]
    pub scale: ScaleChoice,
    /// Measured seconds per case and target.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 2.0)]
    pub warmup: f64,
    /// Keep-alive connections of the load generator.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// Only the cases whose name contains one of these (comma-separated),
    /// e.g. `roster,send`.
    #[arg(long, value_delimiter = ',')]
    pub cases: Vec<String>,
    /// A short run to see that everything works: 2 s per case, 0.5 s warm-up.
    #[arg(long)]
    pub quick: bool,
    /// Skip `cargo build --release` (the binaries are already built).
    #[arg(long)]
    pub no_build: bool,
    /// Also run the client-socket benchmark (`socket_bench`: idle sockets
    /// and their memory, delivery to a 500-member group) on each backend.
    #[arg(long)]
    pub socket: bool,
    /// Idle sockets the socket benchmark holds.
    #[arg(long, default_value_t = 10_000)]
    pub socket_connections: u64,
    /// Sample the server with `perf record` during each case and write
    /// its hottest functions and a per-crate summary next to the table
    /// (`target/bench/<stamp>-profile/`).
    #[arg(long)]
    pub profile: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScaleChoice {
    #[value(name = "1k")]
    OneK,
    #[value(name = "1m")]
    OneM,
    Both,
}

/// Everything a run needs to know: where things are and how to load.
pub(crate) struct Context {
    pub(crate) repo: PathBuf,
    /// `<target>/release`, holding `server`, `bench-peer`, `bench-load`, `bench-ceiling`.
    pub(crate) bins: PathBuf,
    /// `<target>/bench`.
    pub(crate) out: PathBuf,
    /// This run's scratch folder (database copies, logs), removed at the end.
    pub(crate) work: PathBuf,
    pub(crate) pg_url: String,
    pub(crate) load: LoadSettings,
    /// Where `--profile` writes the server's profiles.
    pub(crate) profile: Option<PathBuf>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct LoadSettings {
    pub(crate) connections: usize,
    pub(crate) duration: f64,
    pub(crate) warmup: f64,
}

/// One case: its name and title (`bench-load --list`).
#[derive(Debug, Clone)]
pub(crate) struct CaseInfo {
    pub(crate) name: String,
    pub(crate) title: String,
}

pub fn run(repo: &Path, args: BenchArgs) -> anyhow::Result<()> {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo.join("target"), PathBuf::from);
    let target_dir = if target_dir.is_relative() { repo.join(target_dir) } else { target_dir };
    if !args.no_build {
        eprintln!("building the release binaries (server, bench-peer, bench-ceiling, bench-load)…");
        let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        build.current_dir(repo).args(["build", "--release", "-p", "server", "-p", "bench", "--bins"]);
        if args.socket {
            build.args(["-p", "tests", "--bin", "socket_bench"]);
        }
        let status = build.status().context("running cargo build")?;
        if !status.success() {
            bail!("cargo build --release failed");
        }
    }
    let (duration, warmup) = if args.quick { (2.0, 0.5) } else { (args.duration, args.warmup) };
    let out = target_dir.join("bench");
    let stamp = report::timestamp();
    let work = out.join(format!("run-{stamp}"));
    std::fs::create_dir_all(&work)?;
    let ctx = Context {
        repo: repo.to_path_buf(),
        bins: target_dir.join("release"),
        out: out.clone(),
        work: work.clone(),
        pg_url: args.database_url.clone(),
        load: LoadSettings { connections: args.connections.max(1), duration, warmup },
        profile: args.profile.then(|| out.join(format!("{stamp}-profile"))),
    };
    if args.profile {
        profile::check()?;
    }
    let cases = select_cases(&ctx, &args.cases)?;
    let backends = match args.backend {
        BackendChoice::Sqlite => vec![Backend::Sqlite],
        BackendChoice::Postgres => vec![Backend::Postgres],
        BackendChoice::Both => vec![Backend::Sqlite, Backend::Postgres],
    };
    let scales = match args.scale {
        ScaleChoice::OneK => vec![Scale::OneK],
        ScaleChoice::OneM => vec![Scale::OneM],
        ScaleChoice::Both => vec![Scale::OneK, Scale::OneM],
    };
    let mut results = Results::new(stamp.clone(), commit(repo), ctx.load.clone());
    let mut ceiling_done = false;
    for &scale in &scales {
        for &backend in &backends {
            let seeded = data::prepare(&ctx, backend, scale)?;
            if let Some(s) = seeded.seed_seconds {
                results.seeding.push(format!(
                    "{} {}: seeded by `server seed` in {s:.0} s",
                    backend.name(),
                    scale.name()
                ));
            }
            if !ceiling_done {
                // The ceiling needs no database: measured once, shown in every table.
                let running = targets::start(&ctx, Kind::Ceiling, None, "ceiling")?;
                for case in &cases {
                    let row = measure(&ctx, &running, &seeded.manifest, case, "-", "-", Kind::Ceiling)?;
                    results.rows.push(row);
                }
                running.stop();
                ceiling_done = true;
            }
            for kind in [Kind::Server, Kind::Peer] {
                let label = format!("{}-{}-{}", kind.name(), backend.name(), scale.name());
                let copy = data::fresh_copy(&ctx, &seeded, &label)?;
                let running = targets::start(&ctx, kind, Some(&copy.url), &label)?;
                for case in &cases {
                    let row =
                        measure(&ctx, &running, &seeded.manifest, case, backend.name(), scale.name(), kind)?;
                    results.rows.push(row);
                }
                running.stop();
                copy.remove(&ctx);
            }
        }
    }
    let mut socket_text = String::new();
    if args.socket {
        for &backend in &backends {
            let run = extra::socket(&ctx, backend, args.socket_connections)?;
            socket_text.push_str(&format!("\n### Client socket, {}\n\n{}\n", backend.name(), run.markdown));
            results.socket.push(run.json);
        }
    }
    let mut text = report::markdown(&results, &cases);
    text.push_str(&socket_text);
    println!("{text}");
    let base = out.join(&stamp);
    std::fs::write(base.with_extension("md"), &text)?;
    std::fs::write(base.with_extension("json"), serde_json::to_string_pretty(&results)?)?;
    plot::svg(&results, &cases, &base.with_extension("svg"))?;
    eprintln!("wrote {}.{{md,json,svg}}", base.display());
    std::fs::remove_dir_all(&work).ok();
    Ok(())
}

fn select_cases(ctx: &Context, filter: &[String]) -> anyhow::Result<Vec<CaseInfo>> {
    let out = Command::new(ctx.bins.join("bench-load"))
        .args(["--addr", "127.0.0.1:1", "--list"])
        .output()
        .context("running bench-load --list")?;
    if !out.status.success() {
        bail!("bench-load --list: {}", String::from_utf8_lossy(&out.stderr));
    }
    let all: Vec<CaseInfo> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(n, t)| CaseInfo { name: n.to_string(), title: t.to_string() })
        .collect();
    let chosen: Vec<CaseInfo> = all
        .iter()
        .filter(|c| filter.is_empty() || filter.iter().any(|f| c.name.contains(f.as_str())))
        .cloned()
        .collect();
    if chosen.is_empty() {
        let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
        bail!("--cases {filter:?} matches none of {names:?}");
    }
    Ok(chosen)
}

/// Runs one case against a running target, sampling its memory meanwhile.
fn measure(
    ctx: &Context,
    target: &Running,
    manifest: &Path,
    case: &CaseInfo,
    backend: &str,
    scale: &str,
    kind: Kind,
) -> anyhow::Result<Row> {
    eprintln!("  {:<8} {:<8} {:<3} {}", kind.name(), backend, scale, case.name);
    let mut child = Command::new(ctx.bins.join("bench-load"))
        .arg("--addr")
        .arg(target.addr.to_string())
        .args(["--case", &case.name])
        .arg("--manifest")
        .arg(manifest)
        .args(["--connections", &ctx.load.connections.to_string()])
        .args(["--duration", &ctx.load.duration.to_string()])
        .args(["--warmup", &ctx.load.warmup.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("starting bench-load")?;
    let sampler = match (&ctx.profile, kind) {
        (Some(dir), Kind::Server) => {
            Some(profile::Sampler::start(dir, &format!("{backend}-{scale}-{}", case.name), target.pid())?)
        }
        _ => None,
    };
    let mut peak_kb = target.rss_kb().unwrap_or(0);
    while child.try_wait()?.is_none() {
        std::thread::sleep(Duration::from_millis(100));
        peak_kb = peak_kb.max(target.rss_kb().unwrap_or(0));
    }
    if let Some(sampler) = sampler {
        let summary = sampler.finish()?;
        eprintln!(
            "    profile by crate:\n{}",
            summary.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
        );
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("bench-load {}: {}", case.name, String::from_utf8_lossy(&out.stderr));
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let load: LoadReport = serde_json::from_str(line.trim())
        .with_context(|| format!("bench-load {} printed {line:?}", case.name))?;
    if let Some(e) = &load.first_error {
        eprintln!("    first error: {e}");
    }
    Ok(Row {
        backend: backend.to_string(),
        scale: scale.to_string(),
        target: kind.name().to_string(),
        case: case.name.clone(),
        peak_rss_kb: peak_kb,
        load,
    })
}

fn commit(repo: &Path) -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .current_dir(repo)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let head = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    if dirty { format!("{head}+changes") } else { head }
}
