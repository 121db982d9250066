//! `bench-peer --database-url URL --listen ADDR`: the hand-written peer
//! (`bench::peer`); `bench-peer seed …`: the bench's own fixture seeding
//! (`bench::seed_sql`), for a server without `server seed`.

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
    /// Write the bench fixtures and their manifest (after `server app create --id default`).
    Seed(bench::seed_sql::SeedArgs),
    /// Create the PostgreSQL database NAME (a copy of TEMPLATE if given) on
    /// the server `--database-url` names; the bench needs no `psql`.
    CreateDb {
        name: String,
        #[arg(long)]
        template: Option<String>,
    },
    /// Drop the PostgreSQL database NAME if it exists.
    DropDb { name: String },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let url = cli.database_url.ok_or_else(|| anyhow::anyhow!("--database-url is required"))?;
    match cli.command {
        Some(Command::Seed(args)) => bench::seed_sql::seed(&url, &args).await,
        Some(Command::CreateDb { name, template }) => bench::seed_sql::create_db(&url, &name, template.as_deref()).await,
        Some(Command::DropDb { name }) => bench::seed_sql::drop_db(&url, &name).await,
        None => {
            let pool = bench::peer::connect(&url).await?;
            let listener = tokio::net::TcpListener::bind(cli.listen).await?;
            eprintln!("bench-peer listening on {}", listener.local_addr()?);
            axum::serve(listener, bench::peer::router(pool)).await?;
            Ok(())
        }
    }
}
