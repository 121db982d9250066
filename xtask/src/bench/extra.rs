//! Cases that other programs measure, joined to the same report: the
//! client-socket benchmark (issue 13, `tests/src/bin/socket_bench.rs`).
//!
//! `socket_bench` starts its own server in a child process on a fresh
//! database (its RSS is then the server's alone), holds N logged-in
//! sockets, and measures delivery to a 500-member group with every member
//! connected. It prints a Markdown table and, last, one JSON line; this
//! module runs it per backend and hands both to the report.

use std::process::Command;

use anyhow::{Context as _, bail};

use super::Context;
use super::data::Backend;

/// What one run of the socket benchmark printed.
pub(crate) struct SocketRun {
    /// Its Markdown lines (the heading line and the table).
    pub(crate) markdown: String,
    /// Its closing JSON line.
    pub(crate) json: serde_json::Value,
}

/// Runs `socket_bench` against a child server on `backend`.
pub(crate) fn socket(ctx: &Context, backend: Backend, connections: u64) -> anyhow::Result<SocketRun> {
    eprintln!("  socket   {:<8} {connections} idle sockets, a 500-member group", backend.name());
    let mut command = Command::new(ctx.bins.join("socket_bench"));
    command.args([
        "--connections",
        &connections.to_string(),
        "--group-size",
        &500.min(connections).to_string(),
    ]);
    if backend == Backend::Postgres {
        command.args(["--database-url", &ctx.pg_url]);
    }
    let out = command.output().context("running socket_bench")?;
    if !out.status.success() {
        bail!("socket_bench on {}: {}", backend.name(), String::from_utf8_lossy(&out.stderr));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json_line =
        stdout.lines().rev().find(|l| l.starts_with('{')).context("socket_bench printed no JSON line")?;
    let json =
        serde_json::from_str(json_line).with_context(|| format!("socket_bench printed {json_line:?}"))?;
    let markdown = stdout
        .lines()
        .filter(|l| l.starts_with('|') || l.starts_with("socket_bench:"))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(SocketRun { markdown, json })
}
