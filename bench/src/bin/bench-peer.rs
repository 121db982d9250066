//! `bench-peer --database-url URL --listen ADDR`: the hand-written peer
//! (`bench::peer`); its subcommands are the bench's database chores
//! (`bench::db_admin`), so that `cargo xtask bench` needs no `psql`.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "The obvious hand-written axum + sqlx version of the benchmark's cases")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The server's database (`sqlite://…` or `postgres://…`).
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: std::net::SocketAddr,
}

#[derive(Subcommand)]
enum Command {
    /// Create the PostgreSQL database NAME (a copy of TEMPLATE if given) on
    /// the server `--database-url` names.
    CreateDb {
        name: String,
        #[arg(long)]
        template: Option<String>,
    },
    /// Drop the PostgreSQL database NAME if it exists.
    DropDb { name: String },
    /// Make the manifest's strangers ask for approval (auth mode 1).
    NeedApproval {
        #[arg(long)]
        manifest: std::path::PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let url = cli.database_url.ok_or_else(|| anyhow::anyhow!("--database-url is required"))?;
    match cli.command {
        Some(Command::CreateDb { name, template }) => {
            bench::db_admin::create_db(&url, &name, template.as_deref()).await
        }
        Some(Command::DropDb { name }) => bench::db_admin::drop_db(&url, &name).await,
        Some(Command::NeedApproval { manifest }) => {
            let manifest = bench::manifest::Manifest::read(&manifest)?;
            bench::db_admin::strangers_need_approval(&url, &manifest).await
        }
        None => {
            let pool = bench::peer::connect(&url).await?;
            let listener = tokio::net::TcpListener::bind(cli.listen).await?;
            eprintln!("bench-peer listening on {}", listener.local_addr()?);
            axum::serve(listener, bench::peer::router(pool)).await?;
            Ok(())
        }
    }
}
