//! `server`: run the IM server, or manage its apps and admin tokens.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use server::app::{self, AllowOrigins, Application, Settings, anyhow_core};
use server::core::{self, AppId, AppSettings};

#[derive(Parser)]
#[command(name = "server", about = "An IM server speaking the MaxIM, NetEase IM and YHChat APIs")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Folder for the default SQLite database.
    #[arg(long, env = "DATA_DIR", default_value = "./data", global = true)]
    data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; default: the SQLite file in the data dir.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LISTEN", default_value = "127.0.0.1:8080", global = true)]
    listen: SocketAddr,
    /// Web pages allowed to call the API from a browser (CORS): `*`, `none`,
    /// or origins separated by commas (`https://app.example.com`).
    #[arg(long, env = "ALLOW_ORIGINS", default_value = "*", global = true)]
    allow_origins: AllowOrigins,
    /// Lifetime of a user token, in seconds.
    #[arg(long, env = "TOKEN_TTL_SECS", default_value_t = 7 * 24 * 3600, global = true)]
    token_ttl_secs: u64,
    /// Signed server-API (NetEase) calls allowed per app per second.
    #[arg(long, env = "SERVER_API_RATE", default_value_t = 100, global = true)]
    server_api_rate: i64,
    /// How long an app over that rate is refused, in seconds.
    #[arg(long, env = "SERVER_API_PENALTY_SECS", default_value_t = 10, global = true)]
    server_api_penalty_secs: u64,
    /// How often expired tokens, nonces and rate counters are swept, in seconds.
    #[arg(long, env = "HOUSEKEEPING_EVERY_SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    housekeeping_every_secs: u64,
}

/// Settings a new app starts with.
#[derive(Args, Clone)]
struct AppSettingsArgs {
    /// How long a pending friend application stays acceptable, in hours.
    #[arg(long, default_value_t = 7 * 24)]
    application_ttl_hours: i64,
    /// Friends per user (NetEase: 3000).
    #[arg(long, default_value_t = 3000)]
    max_friends: i64,
    /// Whether two users who are not friends may message each other.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    strangers_may_message: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Manage apps.
    App {
        #[command(subcommand)]
        command: AppCommand,
    },
    /// Manage admin tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum AppCommand {
    /// Create an app and its first admin token.
    Create {
        /// The app id (default: a random one).
        #[arg(long)]
        id: Option<String>,
        #[command(flatten)]
        settings: AppSettingsArgs,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// List apps with their NetEase AppKey/AppSecret.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an admin token for an app.
    Create {
        #[arg(long)]
        app: String,
        /// What the token is for.
        #[arg(long, default_value = "created by server token create")]
        label: String,
        #[arg(long)]
        json: bool,
    },
    /// List an app's admin tokens (prefixes only).
    List {
        #[arg(long)]
        app: String,
        #[arg(long)]
        json: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let serving = matches!(cli.command, None | Some(Command::Serve));
    if serving {
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "info,tower_http=info".into()),
            )
            .init();
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut core_config = core::Config {
        token_ttl: Duration::from_secs(cli.serve.token_ttl_secs),
        housekeeping_every: Duration::from_secs(cli.serve.housekeeping_every_secs),
        ..core::Config::default()
    };
    core_config.server_api_rate.max_hits = cli.serve.server_api_rate;
    core_config.server_api_rate.penalty = Duration::from_secs(cli.serve.server_api_penalty_secs);
    if let Some(Command::App { command: AppCommand::Create { settings, .. } }) = &cli.command {
        core_config.app_defaults = AppSettings {
            stranger_may_message: settings.strangers_may_message,
            application_ttl_ms: settings.application_ttl_hours.saturating_mul(3_600_000),
            max_friends: settings.max_friends,
        };
    }
    let settings = Settings {
        listen: cli.serve.listen,
        data_dir: cli.db.data_dir.clone(),
        database_url: cli.db.database_url.clone(),
        core: core_config,
        allow_origins: cli.serve.allow_origins.clone(),
    };
    match cli.command {
        None | Some(Command::Serve) => serve(settings).await,
        Some(Command::App { command }) => apps(settings, command).await,
        Some(Command::Token { command }) => tokens(settings, command).await,
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let application = Application::build(&settings).await?;
    if let Some((app_id, token)) = app::ensure_default_app(application.core()).await? {
        println!(
            "First start: created app `{app_id}` with admin token\n  {token}\n(shown once; `server token create --app {app_id}` makes another)"
        );
    }
    let addr = application.local_addr();
    tracing::info!(database = %redact(&settings.database_url()), "listening on http://{addr}");
    println!("Swagger UI: http://{addr}/swagger-ui/");
    for part in server::dialects::not_mounted() {
        println!("not served yet: {part}");
    }
    application.run_until_stopped().await
}

/// A database URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(c) => format!("{}:***{}", &url[..s + 3 + c], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

async fn apps(settings: Settings, command: AppCommand) -> anyhow::Result<()> {
    let core = app::open_core(&settings).await?;
    match command {
        AppCommand::Create { id, json, .. } => {
            let id = match id {
                Some(id) => AppId::parse(&id).map_err(anyhow_core)?,
                None => {
                    AppId::parse(&format!("app-{}", core::secrets::random_hex(6))).map_err(anyhow_core)?
                }
            };
            let created = core.apps().create(id).await.map_err(anyhow_core)?;
            let token =
                core.admin_tokens().create(&created.id, "created with the app").await.map_err(anyhow_core)?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"app_id": created.id.as_str(), "admin_token": token.secret, "app_key": created.key, "app_secret": created.secret})
                );
            } else {
                println!(
                    "app_id:      {}\nadmin_token: {}\napp_key:     {}\napp_secret:  {}",
                    created.id, token.secret, created.key, created.secret
                );
            }
        }
        AppCommand::List { json } => {
            let list = core.apps().list().await.map_err(anyhow_core)?;
            if json {
                let items: Vec<_> = list
                    .iter()
                    .map(|a| serde_json::json!({"app_id": a.id.as_str(), "app_key": a.key, "app_secret": a.secret, "created_at": a.created_at}))
                    .collect();
                println!("{}", serde_json::json!({"apps": items}));
            } else {
                for a in list {
                    println!("{}\tapp_key={}\tapp_secret={}", a.id, a.key, a.secret);
                }
            }
        }
    }
    Ok(())
}

async fn tokens(settings: Settings, command: TokenCommand) -> anyhow::Result<()> {
    let core = app::open_core(&settings).await?;
    match command {
        TokenCommand::Create { app, label, json } => {
            let app = AppId::parse(&app).map_err(anyhow_core)?;
            core.apps().get(&app).await.map_err(anyhow_core)?;
            let token = core.admin_tokens().create(&app, &label).await.map_err(anyhow_core)?;
            if json {
                println!("{}", serde_json::json!({"app_id": app.as_str(), "admin_token": token.secret}));
            } else {
                println!("{}", token.secret);
            }
        }
        TokenCommand::List { app, json } => {
            let app = AppId::parse(&app).map_err(anyhow_core)?;
            let list = core.admin_tokens().list(&app).await.map_err(anyhow_core)?;
            if json {
                let items: Vec<_> = list
                    .iter()
                    .map(|t| serde_json::json!({"prefix": t.prefix, "label": t.label, "created_at": t.created_at, "revoked": t.revoked_at.is_some()}))
                    .collect();
                println!("{}", serde_json::json!({"app_id": app.as_str(), "tokens": items}));
            } else {
                for t in list {
                    println!(
                        "{}…\t{}\t{}",
                        t.prefix,
                        t.label,
                        if t.revoked_at.is_some() { "revoked" } else { "active" }
                    );
                }
            }
        }
    }
    Ok(())
}
