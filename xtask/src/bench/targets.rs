//! The targets as child processes: each started on a free local port with
//! its output in a log file, waited for until it accepts connections, its
//! resident memory read from `/proc/<pid>/status` while a case runs, and
//! stopped (killed: none keeps state the bench needs) when its cases are done.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use super::Context;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Server,
    Peer,
    Ceiling,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Server => "server",
            Kind::Peer => "peer",
            Kind::Ceiling => "ceiling",
        }
    }
}

pub(crate) struct Running {
    child: Child,
    pub(crate) addr: SocketAddr,
    log: PathBuf,
}

fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

pub(crate) fn start(ctx: &Context, kind: Kind, db_url: Option<&str>, label: &str) -> anyhow::Result<Running> {
    let addr = free_port()?;
    let log = ctx.work.join(format!("{label}.log"));
    let mut cmd = match kind {
        Kind::Server => {
            let mut c = Command::new(ctx.bins.join("server"));
            c.arg("--data-dir").arg(ctx.work.join(format!("{label}-data")));
            c
        }
        Kind::Peer => Command::new(ctx.bins.join("bench-peer")),
        Kind::Ceiling => Command::new(ctx.bins.join("bench-ceiling")),
    };
    if let Some(url) = db_url {
        cmd.args(["--database-url", url]);
    }
    cmd.args(["--listen", &addr.to_string()]);
    let file = std::fs::File::create(&log)?;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .spawn()
        .with_context(|| format!("starting {}", kind.name()))?;
    let mut running = Running { child, addr, log };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(running);
        }
        if let Some(status) = running.child.try_wait()? {
            let text = std::fs::read_to_string(&running.log).unwrap_or_default();
            bail!("{} exited ({status}) before listening:\n{text}", kind.name());
        }
        if Instant::now() > deadline {
            bail!("{} did not listen on {addr} within 120 s (log: {})", kind.name(), running.log.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Running {
    fn status_kb(&self, field: &str) -> Option<u64> {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = text.lines().find(|l| l.starts_with(field))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now, in KiB (`None` where `/proc` is missing).
    pub(crate) fn rss_kb(&self) -> Option<u64> {
        self.status_kb("VmRSS:")
    }

    pub(crate) fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}
