//! `cargo xtask bench --profile`: where the server's time goes, per case.
//!
//! While a case loads the server, `perf record` samples the server's process
//! (CPU clock, 499 Hz, call graphs from the unwind tables) and is stopped
//! with SIGINT when the case ends, so each case gets its own profile. Then
//! `perf report` writes two text files next to the run's table
//! (`target/bench/<stamp>-profile/<backend>-<scale>-<case>.*`): `top.txt`,
//! the hottest functions by their own samples, and `crates.txt`, the same
//! samples summed by the crate the function belongs to (the first path
//! segment of its demangled name: `sqlx_sqlite`, `serde_json`, `server`,
//! `[kernel]`…), which is the quickest answer to "is it the database, the
//! encoding or our code". The sampler costs the server a few percent, so a
//! profiled run's figures are not compared with an unprofiled one's.
//!
//! Release builds keep line tables (`[profile.release]` in the workspace
//! manifest), so functions have names; `perf` comes from Debian's
//! `linux-perf`. Without it the run stops before measuring anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context as _, bail};

/// Fails early, with the reason, when `perf` cannot sample here.
pub(crate) fn check() -> anyhow::Result<()> {
    let probe = std::env::temp_dir().join(format!("xtask-perf-check-{}.data", std::process::id()));
    let out = Command::new("perf")
        .args(["record", "-q", "-F", "99", "-o"])
        .arg(&probe)
        .args(["--", "true"])
        .output()
        .context("running perf (Debian: apt-get install linux-perf)")?;
    std::fs::remove_file(&probe).ok();
    if !out.status.success() {
        bail!("perf record cannot sample here: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// A sampler attached to one process for the length of one case.
pub(crate) struct Sampler {
    child: Child,
    data: PathBuf,
}

impl Sampler {
    /// Starts sampling process `pid` into `<dir>/<label>.data`.
    pub(crate) fn start(dir: &Path, label: &str, pid: u32) -> anyhow::Result<Sampler> {
        std::fs::create_dir_all(dir)?;
        let data = dir.join(format!("{label}.data"));
        let child = Command::new("perf")
            .args(["record", "-q", "-F", "499", "-g", "-p", &pid.to_string(), "-o"])
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting perf record")?;
        Ok(Sampler { child, data })
    }

    /// Stops sampling, writes the reports and removes the raw samples
    /// (tens of megabytes per case). Returns the crate summary's first lines.
    pub(crate) fn finish(mut self) -> anyhow::Result<String> {
        // SIGINT makes perf flush and exit cleanly; a kill would lose the file.
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        self.child.wait()?;
        let report = Command::new("perf")
            .args(["report", "--stdio", "--no-children", "-g", "none", "--percent-limit", "0.3", "-i"])
            .arg(&self.data)
            .output()
            .context("running perf report")?;
        if !report.status.success() {
            bail!("perf report: {}", String::from_utf8_lossy(&report.stderr).trim());
        }
        let top = String::from_utf8_lossy(&report.stdout).into_owned();
        std::fs::write(self.data.with_extension("top.txt"), &top)?;
        let all = Command::new("perf")
            .args(["report", "--stdio", "--no-children", "-g", "none", "--percent-limit", "0", "-i"])
            .arg(&self.data)
            .output()
            .context("running perf report")?;
        let crates = by_crate(&String::from_utf8_lossy(&all.stdout));
        std::fs::write(self.data.with_extension("crates.txt"), &crates)?;
        std::fs::remove_file(&self.data).ok();
        Ok(crates.lines().take(8).collect::<Vec<_>>().join("\n"))
    }
}

/// Sums `perf report`'s self percentages by crate, largest first.
fn by_crate(report: &str) -> String {
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    for line in report.lines() {
        // `    12.34%  server  server  [.] sqlx_sqlite::connection::…`
        let line = line.trim_start();
        let Some((pct, rest)) = line.split_once('%') else { continue };
        let Ok(pct) = pct.trim().parse::<f64>() else { continue };
        let crate_name = if rest.contains("[k]") {
            "[kernel]".to_string()
        } else {
            match rest.split_once("] ") {
                Some((_, symbol)) => crate_of(symbol.trim()),
                None => "?".to_string(),
            }
        };
        *sums.entry(crate_name).or_default() += pct;
    }
    let mut list: Vec<(String, f64)> = sums.into_iter().collect();
    list.sort_by(|a, b| b.1.total_cmp(&a.1));
    list.iter().map(|(c, p)| format!("{p:6.2}%  {c}\n")).collect()
}

/// The crate of a demangled Rust symbol (`<a::B as c::D>::f` → `a`); a C
/// symbol (`malloc`, `sqlite3VdbeExec`) is named by a library guess.
fn crate_of(symbol: &str) -> String {
    let s = symbol.trim_start_matches('<').trim_start_matches('&').trim_start_matches("mut ");
    if let Some((head, _)) = s.split_once("::") {
        return head.to_string();
    }
    if s.starts_with("sqlite3") {
        "[sqlite C]".to_string()
    } else if s.starts_with("0x") {
        "[unknown]".to_string()
    } else {
        "[libc and other C]".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_summed_by_crate() {
        let report = "\
# comment
    40.00%  server  server            [.] sqlite3VdbeExec
    20.00%  server  server            [.] <sqlx_core::pool::Pool as Clone>::clone
    10.00%  server  server            [.] sqlx_core::row::Row::get
     5.00%  server  [kernel.kallsyms] [k] do_syscall_64
     5.00%  server  libc.so.6         [.] malloc
";
        let out = by_crate(report);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0].trim(), "40.00%  [sqlite C]");
        assert_eq!(lines[1].trim(), "30.00%  sqlx_core");
        assert!(out.contains("5.00%  [kernel]"));
        assert!(out.contains("5.00%  [libc and other C]"));
    }
}
