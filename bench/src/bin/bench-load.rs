//! `bench-load --addr HOST:PORT --case NAME --manifest FILE`: runs one case
//! against a target and prints one JSON line of results (`bench::load`).

use std::sync::Arc;
use std::time::Duration;

use bench::cases::Case;
use bench::manifest::Manifest;
use clap::Parser;

#[derive(Parser)]
#[command(about = "Load generator: one case, N keep-alive connections, one JSON line of results")]
struct Cli {
    /// The target's address.
    #[arg(long)]
    addr: std::net::SocketAddr,
    /// The case (`--list` names them).
    #[arg(long, required_unless_present = "list")]
    case: Option<String>,
    /// The fixture manifest `server seed` wrote.
    #[arg(long, required_unless_present = "list")]
    manifest: Option<std::path::PathBuf>,
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Measured seconds.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// The first operation's sequence number (writes vary by it).
    #[arg(long, default_value_t = 0)]
    seq_start: u64,
    /// Worker threads (default: the machine's cores, at most 4).
    #[arg(long)]
    threads: Option<usize>,
    /// Print the case names and titles, one per line.
    #[arg(long)]
    list: bool,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if cli.list {
        for c in Case::ALL {
            println!("{}\t{}", c.name(), c.title());
        }
        return Ok(());
    }
    let name = cli.case.unwrap_or_default();
    let case = Case::by_name(&name).ok_or_else(|| anyhow::anyhow!("no case named {name:?} (--list)"))?;
    let manifest = Arc::new(Manifest::read(&cli.manifest.unwrap_or_default())?);
    let threads =
        cli.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()).min(4));
    let options = bench::load::LoadOptions {
        addr: cli.addr,
        connections: cli.connections.max(1),
        warmup: Duration::from_secs_f64(cli.warmup.max(0.0)),
        duration: Duration::from_secs_f64(cli.duration.max(0.1)),
        seq_start: cli.seq_start,
    };
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(threads.max(1)).enable_all().build()?;
    let report = rt.block_on(bench::load::run(case, manifest, &options))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
