//! The load generator: `connections` keep-alive HTTP/1.1 connections, each
//! sending one operation after another for a warm-up and then a measured
//! duration, latencies in one `hdrhistogram`. Every answer's status and
//! envelope `code` are checked, so that a fast error is counted as an error,
//! never as a success.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Either, Empty, Full};
use hyper::Request;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;

use crate::cases::{Case, Step};
use crate::manifest::Manifest;

#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub addr: SocketAddr,
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// The first operation's sequence number (writes vary by it).
    pub seq_start: u64,
}

/// One case's results: what `bench-load` prints as one JSON line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub case: String,
    pub connections: usize,
    /// The measured time, warm-up excluded.
    pub seconds: f64,
    /// Operations completed in the measured time, successful or not.
    pub operations: u64,
    /// Successful operations per second.
    pub ops_per_sec: f64,
    /// HTTP requests per operation (2 for apply + accept).
    pub requests_per_op: usize,
    pub latency_us: Latency,
    /// (percentile, microseconds) from 0 to 100, for plots.
    pub curve: Vec<(f64, u64)>,
    pub errors: Errors,
    /// The first error seen, to say why.
    pub first_error: Option<String>,
    /// Sequence numbers used, warm-up included: the next run on the same
    /// database starts after them.
    pub seq_used: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Latency {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Errors {
    /// An HTTP status other than 2xx.
    pub status: u64,
    /// A 2xx answer whose envelope `code` is not 200 (or no envelope).
    pub code: u64,
    /// Connection or protocol failures.
    pub io: u64,
}

impl Errors {
    pub fn total(&self) -> u64 {
        self.status + self.code + self.io
    }
    fn add(&mut self, o: &Errors) {
        self.status += o.status;
        self.code += o.code;
        self.io += o.io;
    }
}

const CURVE: [f64; 12] = [0.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99, 100.0];

/// What went wrong with one answer.
#[derive(Debug)]
enum Failure {
    Status(String),
    Code(String),
    Io(String),
}

struct Worker {
    hist: Histogram<u64>,
    ok: u64,
    errors: Errors,
    first_error: Option<String>,
}

pub async fn run(case: Case, manifest: Arc<Manifest>, o: &LoadOptions) -> anyhow::Result<Report> {
    let start = Instant::now();
    let measure_from = start + o.warmup;
    let end = measure_from + o.duration;
    let seq = Arc::new(AtomicU64::new(o.seq_start));
    let mut tasks = Vec::with_capacity(o.connections);
    for _ in 0..o.connections {
        let (manifest, seq, addr) = (manifest.clone(), seq.clone(), o.addr);
        tasks.push(tokio::spawn(async move { worker(case, &manifest, addr, &seq, measure_from, end).await }));
    }
    let mut hist = new_histogram();
    let (mut ok, mut errors, mut first_error) = (0u64, Errors::default(), None);
    for t in tasks {
        let w = t.await?;
        hist.add(&w.hist).map_err(|e| anyhow::anyhow!("merging histograms: {e}"))?;
        ok += w.ok;
        errors.add(&w.errors);
        first_error = first_error.or(w.first_error);
    }
    let seconds = Instant::now().saturating_duration_since(measure_from).as_secs_f64().max(1e-9);
    let q = |p: f64| hist.value_at_quantile(p / 100.0);
    Ok(Report {
        case: case.name().to_string(),
        connections: o.connections,
        seconds,
        operations: ok + errors.total(),
        ops_per_sec: ok as f64 / seconds,
        requests_per_op: case.steps(&manifest, 0).len(),
        latency_us: Latency { p50: q(50.0), p90: q(90.0), p99: q(99.0), p999: q(99.9), max: hist.max() },
        curve: CURVE.iter().map(|&p| (p, if p >= 100.0 { hist.max() } else { q(p) })).collect(),
        errors,
        first_error,
        seq_used: seq.load(Ordering::Relaxed) - o.seq_start,
    })
}

fn new_histogram() -> Histogram<u64> {
    // 1 µs to 10 min, 3 significant digits.
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

type Sender = http1::SendRequest<Either<Full<Bytes>, Empty<Bytes>>>;

async fn connect(addr: SocketAddr) -> Result<Sender, String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, conn) =
        http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn worker(
    case: Case,
    m: &Manifest,
    addr: SocketAddr,
    seq: &AtomicU64,
    measure_from: Instant,
    end: Instant,
) -> Worker {
    let mut w = Worker { hist: new_histogram(), ok: 0, errors: Errors::default(), first_error: None };
    let mut sender: Option<Sender> = None;
    let host = addr.to_string();
    loop {
        let begun = Instant::now();
        if begun >= end {
            return w;
        }
        let steps = case.steps(m, seq.fetch_add(1, Ordering::Relaxed));
        let mut outcome = Ok(());
        for step in &steps {
            outcome = send(&mut sender, addr, &host, &m.app_id, step).await;
            if outcome.is_err() {
                break;
            }
        }
        let done = Instant::now();
        if begun < measure_from {
            if matches!(outcome, Err(Failure::Io(_))) {
                // Nothing listening yet, or the connection broke: retry soon.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            continue;
        }
        match outcome {
            Ok(()) => {
                w.ok += 1;
                let us = u64::try_from(done.duration_since(begun).as_micros()).unwrap_or(u64::MAX);
                w.hist.saturating_record(us.max(1));
            }
            Err(f) => {
                let text = match f {
                    Failure::Status(t) => {
                        w.errors.status += 1;
                        t
                    }
                    Failure::Code(t) => {
                        w.errors.code += 1;
                        t
                    }
                    Failure::Io(t) => {
                        w.errors.io += 1;
                        t
                    }
                };
                w.first_error.get_or_insert(text);
            }
        }
    }
}

#[derive(Deserialize)]
struct Envelope {
    code: Option<i64>,
}

async fn send(
    sender: &mut Option<Sender>,
    addr: SocketAddr,
    host: &str,
    app: &str,
    step: &Step,
) -> Result<(), Failure> {
    if sender.as_ref().is_none_or(|s| s.is_closed()) {
        *sender = Some(connect(addr).await.map_err(Failure::Io)?);
    }
    let Some(s) = sender.as_mut() else { return Err(Failure::Io("no connection".into())) };
    s.ready().await.map_err(|e| Failure::Io(format!("connection: {e}")))?;
    let body = match &step.body {
        Some(b) => Either::Left(Full::new(b.clone())),
        None => Either::Right(Empty::new()),
    };
    let mut req = Request::builder()
        .method(step.method.clone())
        .uri(step.path.as_str())
        .header("host", host)
        .header("app_id", app)
        .header("access-token", step.token.as_str());
    if step.body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req.body(body).map_err(|e| Failure::Io(format!("request: {e}")))?;
    let answer = match s.send_request(req).await {
        Ok(a) => a,
        Err(e) => {
            *sender = None;
            return Err(Failure::Io(format!("{} {}: {e}", step.method, step.path)));
        }
    };
    let status = answer.status();
    let bytes = match answer.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            *sender = None;
            return Err(Failure::Io(format!("{} {}: body: {e}", step.method, step.path)));
        }
    };
    let excerpt = || String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned();
    if !status.is_success() {
        return Err(Failure::Status(format!("{} {}: HTTP {status}: {}", step.method, step.path, excerpt())));
    }
    match serde_json::from_slice::<Envelope>(&bytes) {
        Ok(Envelope { code: Some(200) }) => Ok(()),
        _ => Err(Failure::Code(format!("{} {}: {}", step.method, step.path, excerpt()))),
    }
}
