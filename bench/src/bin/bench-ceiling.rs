//! `bench-ceiling --listen ADDR`: the static-JSON ceiling (`bench::ceiling`).

use clap::Parser;

#[derive(Parser)]
#[command(about = "Answers every request with one static JSON envelope of 100 ids")]
struct Cli {
    #[arg(long, default_value = "127.0.0.1:8082")]
    listen: std::net::SocketAddr,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let listener = tokio::net::TcpListener::bind(cli.listen).await?;
    eprintln!("bench-ceiling listening on {}", listener.local_addr()?);
    axum::serve(listener, bench::ceiling::router()).await?;
    Ok(())
}
