//! The results: what `bench-load` measured per case and target, the one
//! table `cargo xtask bench` prints (and writes as Markdown and JSON), and
//! the goals checked against it (`docs/benchmarks.md#reading-the-table`).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{CaseInfo, LoadSettings};

/// `bench-load`'s JSON line (the fields the report reads).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LoadReport {
    pub(crate) case: String,
    pub(crate) seconds: f64,
    pub(crate) operations: u64,
    pub(crate) ops_per_sec: f64,
    pub(crate) requests_per_op: usize,
    pub(crate) latency_us: Latency,
    pub(crate) curve: Vec<(f64, u64)>,
    pub(crate) errors: Errors,
    pub(crate) first_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Latency {
    pub(crate) p50: u64,
    pub(crate) p90: u64,
    pub(crate) p99: u64,
    pub(crate) p999: u64,
    pub(crate) max: u64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Errors {
    pub(crate) status: u64,
    pub(crate) code: u64,
    pub(crate) io: u64,
}

impl Errors {
    fn total(&self) -> u64 {
        self.status + self.code + self.io
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Row {
    /// `sqlite`, `postgres`, or `-` (the ceiling).
    pub(crate) backend: String,
    /// `1k`, `1m`, or `-`.
    pub(crate) scale: String,
    /// `server`, `peer`, `ceiling`.
    pub(crate) target: String,
    pub(crate) case: String,
    /// The target's largest resident memory sampled during the case.
    pub(crate) peak_rss_kb: u64,
    pub(crate) load: LoadReport,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Results {
    pub(crate) started: String,
    pub(crate) commit: String,
    pub(crate) load: LoadSettings,
    pub(crate) cores: usize,
    pub(crate) rows: Vec<Row>,
    pub(crate) seeding: Vec<String>,
    pub(crate) notes: Vec<String>,
    /// The client-socket benchmark's JSON lines, one per backend (`extra`).
    pub(crate) socket: Vec<serde_json::Value>,
}

impl Results {
    pub(crate) fn new(started: String, commit: String, load: LoadSettings) -> Results {
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        Results {
            started,
            commit,
            load,
            cores,
            rows: Vec::new(),
            seeding: Vec::new(),
            notes: Vec::new(),
            socket: Vec::new(),
        }
    }

    fn find(&self, backend: &str, scale: &str, target: &str, case: &str) -> Option<&Row> {
        self.rows.iter().find(|r| {
            r.case == case
                && r.target == target
                && ((r.backend == backend && r.scale == scale) || (target == "ceiling" && r.backend == "-"))
        })
    }

    /// The (backend, scale) pairs measured, in order.
    pub(crate) fn sections(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for r in self.rows.iter().filter(|r| r.backend != "-") {
            let key = (r.backend.clone(), r.scale.clone());
            if !out.contains(&key) {
                out.push(key);
            }
        }
        out
    }
}

/// `YYYYMMDDTHHMMSSZ`, UTC, from the system clock.
pub(crate) fn timestamp() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

fn ms(us: u64) -> String {
    let v = us as f64 / 1000.0;
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

fn thousands(v: f64) -> String {
    let n = v.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn errors(e: &Errors) -> String {
    if e.total() == 0 {
        return "0".into();
    }
    let mut parts = Vec::new();
    for (n, what) in [(e.status, "http"), (e.code, "code"), (e.io, "io")] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    parts.join(", ")
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

pub(crate) fn markdown(r: &Results, cases: &[CaseInfo]) -> String {
    let mut s = String::new();
    let l = &r.load;
    let _ = writeln!(s, "# Benchmark {}\n", r.started);
    let _ = writeln!(
        s,
        "Commit `{}`; {} connections, {} s per case after {} s of warm-up; load from `bench-load` \
         (its own process); {} cores. Ops/s counts successful operations (apply + accept: one \
         operation of two requests); latencies in ms; peak RSS is the target's, sampled during the case.\n",
        r.commit, l.connections, l.duration, l.warmup, r.cores
    );
    for (backend, scale) in r.sections() {
        let _ = writeln!(s, "## {backend}, {scale} users\n");
        let _ =
            writeln!(s, "| case | target | ops/s | p50 | p99 | errors | peak RSS MB | × peer | % ceiling |");
        let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for case in cases {
            let peer = r.find(&backend, &scale, "peer", &case.name).map(|x| x.load.ops_per_sec);
            let ceiling = r.find(&backend, &scale, "ceiling", &case.name).map(|x| x.load.ops_per_sec);
            for (i, target) in ["server", "peer", "ceiling"].into_iter().enumerate() {
                let Some(row) = r.find(&backend, &scale, target, &case.name) else { continue };
                let x = &row.load;
                let vs_peer =
                    peer.and_then(|p| ratio(x.ops_per_sec, p)).map_or("".into(), |v| format!("{v:.2}×"));
                let vs_ceiling = ceiling
                    .and_then(|c| ratio(x.ops_per_sec, c))
                    .map_or("".into(), |v| format!("{:.0}%", v * 100.0));
                let _ = writeln!(
                    s,
                    "| {} | {target} | {} | {} | {} | {} | {} | {vs_peer} | {vs_ceiling} |",
                    if i == 0 { case.title.as_str() } else { "" },
                    thousands(x.ops_per_sec),
                    ms(x.latency_us.p50),
                    ms(x.latency_us.p99),
                    errors(&x.errors),
                    row.peak_rss_kb / 1024,
                );
            }
        }
        s.push('\n');
    }
    let goals = goals(r, cases);
    if !goals.is_empty() {
        let _ = writeln!(s, "## Goals\n");
        for g in goals {
            let _ = writeln!(s, "- {g}");
        }
        s.push('\n');
    }
    let errors: Vec<String> = r
        .rows
        .iter()
        .filter_map(|row| {
            row.load
                .first_error
                .as_ref()
                .map(|e| format!("{} {} {} {}: {e}", row.target, row.backend, row.scale, row.case))
        })
        .collect();
    if !errors.is_empty() || !r.seeding.is_empty() || !r.notes.is_empty() {
        let _ = writeln!(s, "## Notes\n");
        for line in r.seeding.iter().chain(&r.notes).chain(&errors) {
            let _ = writeln!(s, "- {line}");
        }
    }
    s
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

const ROSTER: &str = "roster_list_get";
const WRITES: [&str; 3] = ["message_send_user", "message_send_group", "roster_apply_accept"];

/// The goals, each with the figures that decide it.
fn goals(r: &Results, cases: &[CaseInfo]) -> Vec<String> {
    let mut out = Vec::new();
    let ops = |b: &str, sc: &str, t: &str, c: &str| r.find(b, sc, t, c).map(|x| x.load.ops_per_sec);
    for (backend, scale) in r.sections() {
        let (b, sc) = (backend.as_str(), scale.as_str());
        if b == "sqlite"
            && let (Some(server), Some(peer), Some(ceiling)) =
                (ops(b, sc, "server", ROSTER), ops(b, sc, "peer", ROSTER), ops(b, sc, "ceiling", ROSTER))
        {
            let p99 = r.find(b, sc, "server", ROSTER).map_or(0, |x| x.load.latency_us.p99);
            let (vp, vc) = (server / peer.max(1e-9), server / ceiling.max(1e-9));
            out.push(format!(
                "{b} {sc}: GET /roster/list ≥ 3× peer: {vp:.2}× ({}); ≥ 30% of ceiling: {:.0}% ({}); \
                 p99 < 5 ms at {} connections: {} ms ({})",
                verdict(vp >= 3.0),
                vc * 100.0,
                verdict(vc >= 0.3),
                r.load.connections,
                ms(p99),
                verdict(p99 < 5_000)
            ));
        }
        let mut below = Vec::new();
        let mut slower_writes = Vec::new();
        for c in cases {
            let (Some(server), Some(peer)) = (ops(b, sc, "server", &c.name), ops(b, sc, "peer", &c.name))
            else {
                continue;
            };
            if WRITES.contains(&c.name.as_str()) {
                if server < 0.9 * peer {
                    slower_writes.push(format!("{} {:.2}×", c.name, server / peer.max(1e-9)));
                }
            } else if server <= peer {
                below.push(format!("{} {:.2}×", c.name, server / peer.max(1e-9)));
            }
        }
        out.push(format!(
            "{b} {sc}: every read above the peer: {}",
            if below.is_empty() { "met".to_string() } else { format!("NOT met ({})", below.join(", ")) }
        ));
        out.push(format!(
            "{b} {sc}: writes at the peer's rate (≥ 0.9×): {}",
            if slower_writes.is_empty() {
                "met".to_string()
            } else {
                format!("NOT met ({})", slower_writes.join(", "))
            }
        ));
    }
    let rss = r.rows.iter().filter(|x| x.target == "server").map(|x| x.peak_rss_kb).max();
    if let Some(rss) = rss {
        out.push(format!(
            "server RSS under load < 300 MB: {} MB ({})",
            rss / 1024,
            verdict(rss < 300 * 1024)
        ));
    }
    for scale in ["1k", "1m"] {
        let mut worse = Vec::new();
        let mut any = false;
        for c in cases.iter().filter(|c| !WRITES.contains(&c.name.as_str())) {
            if let (Some(sq), Some(pg)) =
                (ops("sqlite", scale, "server", &c.name), ops("postgres", scale, "server", &c.name))
            {
                any = true;
                if sq > 2.0 * pg {
                    worse.push(format!("{} {:.1}× slower", c.name, sq / pg.max(1e-9)));
                }
            }
        }
        if any {
            out.push(format!(
                "{scale}: PostgreSQL reads within 2× of SQLite: {}",
                if worse.is_empty() { "met".to_string() } else { format!("NOT met ({})", worse.join(", ")) }
            ));
        }
    }
    for backend in ["sqlite", "postgres"] {
        let mut off = Vec::new();
        let mut any = false;
        for c in cases {
            let (Some(small), Some(big)) =
                (r.find(backend, "1k", "server", &c.name), r.find(backend, "1m", "server", &c.name))
            else {
                continue;
            };
            any = true;
            let (a, b) = (&small.load.latency_us, &big.load.latency_us);
            if b.p50 as f64 > 1.2 * a.p50 as f64 || b.p99 as f64 > 1.2 * a.p99 as f64 {
                off.push(format!(
                    "{} p50 {}→{} ms, p99 {}→{} ms",
                    c.name,
                    ms(a.p50),
                    ms(b.p50),
                    ms(a.p99),
                    ms(b.p99)
                ));
            }
        }
        if any {
            out.push(format!(
                "{backend}: at 1M users p50/p99 within 20% of 1k: {}",
                if off.is_empty() { "met".to_string() } else { format!("NOT met ({})", off.join("; ")) }
            ));
        }
    }
    out
}
