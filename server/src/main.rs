//! `server`: run the IM server, or manage its apps, admin tokens and push
//! notifiers.
//!
//! `serve` is the default command, so its flags are also accepted with no
//! command (`server --listen X`); they belong to it alone, and another command
//! refuses them rather than ignoring them. The database flags are global.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use server::app::{self, AllowOrigins, Application, Settings, anyhow_core};
use server::core::{self, AppId, AppSettings};

/// mimalloc rather than glibc's malloc: see the workspace manifest.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "server", about = "An IM server speaking the MaxIM, NetEase IM and YHChat APIs")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten, next_help_heading = "Database")]
    db: DbArgs,
    /// `serve`'s flags, given before any command (`server --listen X`,
    /// `server --listen X serve`); see [`parse`].
    #[command(flatten)]
    serve: ServeArgs,
}

/// Parses the command line; `Cli::parse` would accept `server --listen X app
/// list` and drop the flag. clap can refuse arguments before any subcommand
/// (`args_conflicts_with_subcommands`), but that also refuses the global
/// database flags there, and `server --data-dir D --listen X serve` is
/// how scripts start the server.
fn parse() -> Cli {
    let mut cmd = Cli::command();
    let matches = cmd.get_matches_mut();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut cmd).exit());
    match (&mut cli.command, matches.subcommand()) {
        (Some(Command::Serve(args)), Some((_, sub))) => {
            *args = ServeArgs::merge(cli.serve.clone(), &matches, args.clone(), sub);
        }
        (Some(_), Some((name, _))) => {
            if let Some(flag) = ServeArgs::ids().find(|id| given(&matches, id)) {
                let flag = flag.replace('_', "-");
                cmd.error(
                    ErrorKind::ArgumentConflict,
                    format!("`--{flag}` is a flag of `serve`; `{name}` does not take it"),
                )
                .exit();
            }
        }
        _ => {}
    }
    cli
}

/// Whether the flag `id` was typed (not taken from the environment or its default).
fn given(matches: &ArgMatches, id: &str) -> bool {
    matches.value_source(id) == Some(ValueSource::CommandLine)
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
#[command(next_help_heading = "Serving")]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Web pages allowed to call the API from a browser (CORS): `*`, `none`,
    /// or origins separated by commas (`https://app.example.com`).
    #[arg(long, env = "ALLOW_ORIGINS", default_value = "*")]
    allow_origins: AllowOrigins,
    /// Lifetime of a user token, in seconds.
    #[arg(long, env = "TOKEN_TTL_SECS", default_value_t = 7 * 24 * 3600)]
    token_ttl_secs: u64,
    /// Signed server-API (NetEase) calls allowed per app per second.
    #[arg(long, env = "SERVER_API_RATE", default_value_t = 100)]
    server_api_rate: i64,
    /// How long an app over that rate is refused, in seconds.
    #[arg(long, env = "SERVER_API_PENALTY_SECS", default_value_t = 10)]
    server_api_penalty_secs: u64,
    /// How often expired tokens, nonces and rate counters are swept, in seconds.
    #[arg(long, env = "HOUSEKEEPING_EVERY_SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    housekeeping_every_secs: u64,
    /// A request still running after this many seconds is answered with the
    /// dialect's internal-error code.
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout_secs: u64,
    /// The server's address as clients reach it, for the file links it hands
    /// out (behind a proxy: the proxy's); default `http://<listen address>`.
    #[arg(long, env = "PUBLIC_URL")]
    public_url: Option<String>,
    /// Where uploaded files go: `s3://bucket?endpoint=…&region=…&access_key_id=…&secret_access_key=…&allow_http=true`
    /// (docs/files.md), or a folder; default `<data dir>/files`.
    #[arg(long, env = "STORAGE_URL")]
    storage_url: Option<String>,
    /// How long an upload slot accepts its bytes, in seconds.
    #[arg(long, env = "UPLOAD_SLOT_SECS", default_value_t = 15 * 60, value_parser = clap::value_parser!(u64).range(1..))]
    upload_slot_secs: u64,
    /// The largest chat or group file but images, in MB.
    #[arg(long, env = "MAX_FILE_MB", default_value_t = 100)]
    max_file_mb: u64,
    /// The largest image (chat or group), in MB.
    #[arg(long, env = "MAX_IMAGE_MB", default_value_t = 20)]
    max_image_mb: u64,
    /// The largest avatar, in MB.
    #[arg(long, env = "MAX_AVATAR_MB", default_value_t = 5)]
    max_avatar_mb: u64,
    /// The largest request body, in KB, but file uploads (their own limits
    /// above); a larger one is refused with HTTP 413 without being read.
    #[arg(long, env = "MAX_BODY_KB", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=4 * 1024 * 1024))]
    max_body_kb: u64,
    /// Requests served at once; the next are answered HTTP 503 at once.
    #[arg(long, env = "MAX_IN_FLIGHT", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_in_flight: u64,
    /// How long a client may take to send a request's headers, in seconds;
    /// then its connection is closed.
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    header_read_timeout_secs: u64,
    /// Behind a proxy that appends the client to `X-Forwarded-For`: throttle
    /// password guessing by that entry instead of the socket peer
    /// (docs/security.md). Without such a proxy, clients could pick their address.
    #[arg(long)]
    trust_forwarded_for: bool,
    /// Failed password checks per account or address answered before its
    /// lock starts (docs/security.md#login-throttling).
    #[arg(long, env = "LOGIN_FREE_FAILURES", default_value_t = 5, value_parser = clap::value_parser!(i64).range(1..))]
    login_free_failures: i64,
    /// The longest lock after failed password checks, in seconds; also how
    /// long failures are remembered after the last one.
    #[arg(long, env = "LOGIN_MAX_DELAY_SECS", default_value_t = 15 * 60, value_parser = clap::value_parser!(u64).range(1..))]
    login_max_delay_secs: u64,
    /// `nats://host:4222`: nodes exchange events (cache invalidations) through
    /// NATS instead of PostgreSQL's LISTEN/NOTIFY (docs/cluster.md).
    #[arg(long, env = "NATS_URL")]
    nats_url: Option<String>,
    /// The NATS subject this deployment's nodes share (default `im.events`);
    /// deployments on one NATS server need distinct ones.
    #[arg(long, env = "NATS_SUBJECT")]
    nats_subject: Option<String>,
}

impl ServeArgs {
    /// The ids of its flags.
    fn ids() -> impl Iterator<Item = String> {
        ServeArgs::augment_args(clap::Command::new("serve"))
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .collect::<Vec<_>>()
            .into_iter()
    }

    /// `server --listen X serve --allow-origins Y`: each flag from where it
    /// was typed, the one after `serve` if both.
    fn merge(
        top: ServeArgs,
        top_matches: &ArgMatches,
        sub: ServeArgs,
        sub_matches: &ArgMatches,
    ) -> ServeArgs {
        let from_sub = |id: &str| given(sub_matches, id) || !given(top_matches, id);
        // A struct literal: a new flag that is not merged does not compile.
        macro_rules! pick {
            ($($field:ident),*) => {
                ServeArgs { $($field: if from_sub(stringify!($field)) { sub.$field } else { top.$field }),* }
            };
        }
        pick!(
            listen,
            allow_origins,
            token_ttl_secs,
            server_api_rate,
            server_api_penalty_secs,
            housekeeping_every_secs,
            request_timeout_secs,
            public_url,
            storage_url,
            upload_slot_secs,
            max_file_mb,
            max_image_mb,
            max_avatar_mb,
            max_body_kb,
            max_in_flight,
            header_read_timeout_secs,
            trust_forwarded_for,
            login_free_failures,
            login_max_delay_secs,
            nats_url,
            nats_subject
        )
    }
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
    /// Active groups in the app (0: no limit).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(i64).range(0..))]
    max_groups: i64,
    /// Active groups one user may own (0: no limit).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(i64).range(0..))]
    max_groups_created: i64,
    /// Active groups one user may be a member of, owned ones included (0: no limit).
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(i64).range(0..))]
    max_groups_joined: i64,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve(ServeArgs),
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
    /// Manage an app's push notifiers (docs/push.md#the-server-push-command).
    Push {
        #[command(subcommand)]
        command: PushCommand,
    },
    /// Fill the app `default` of an empty database with users, friendships,
    /// groups and messages at scale, and write the bench's manifest
    /// (docs/seeding.md).
    Seed(SeedArgs),
}

#[derive(Args)]
struct SeedArgs {
    /// Users `u1…uN`, password `bench-password` (at least 2101: the bench fixtures).
    #[arg(long, default_value_t = 1000 + server::seed::plan::MIN_USERS)]
    users: i64,
    /// Friends per user on average (roster size; 20 means 10 friendships per user).
    #[arg(long, default_value_t = 20)]
    friends_per_user: i64,
    /// Groups (at least 2: group_big and group_500).
    #[arg(long, default_value_t = 100)]
    groups: i64,
    /// Members per group on average.
    #[arg(long, default_value_t = 50)]
    group_size: i64,
    /// Messages, one-to-one and in groups (at least 200).
    #[arg(long, default_value_t = 10_000)]
    messages: i64,
    /// Where the manifest goes (JSON: app id, admin token, fixture users' tokens).
    #[arg(long)]
    manifest: PathBuf,
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
    /// List an app's admin tokens: id, creation time, label, state, and at
    /// most the last 4 characters of each (never the token).
    List {
        #[arg(long)]
        app: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke an admin token (by the id `token list` shows): refused from
    /// the next request on.
    Revoke {
        #[arg(long)]
        app: String,
        id: i64,
    },
}

#[derive(Args)]
struct PushAdd {
    #[arg(long)]
    app: String,
    #[arg(long)]
    name: String,
    /// apns, fcm, webhook; or huawei, xiaomi, meizu, vivo, oppo (stored,
    /// answered by /push/certificate, but not delivered to: no provider).
    #[arg(long)]
    kind: String,
    /// 0 development (APNs sandbox), 1 production.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i64).range(0..=1))]
    environment: i64,
    /// APNs: the team id.
    #[arg(long)]
    team_id: Option<String>,
    /// APNs: the key id of the .p8 key.
    #[arg(long)]
    key_id: Option<String>,
    /// APNs: the .p8 key file.
    #[arg(long)]
    private_key_file: Option<PathBuf>,
    /// APNs: the app's bundle id (apns-topic).
    #[arg(long)]
    topic: Option<String>,
    /// FCM: the service-account JSON file.
    #[arg(long)]
    service_account_file: Option<PathBuf>,
    /// Webhook: the gateway's URL.
    #[arg(long)]
    url: Option<String>,
    /// Webhook: the secret the body is signed with (HMAC-SHA256).
    #[arg(long, env = "PUSH_WEBHOOK_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Vendor kinds: the app id, key and secret of the vendor console.
    #[arg(long)]
    vendor_app_id: Option<String>,
    #[arg(long)]
    vendor_app_key: Option<String>,
    #[arg(long, env = "PUSH_VENDOR_APP_SECRET", hide_env_values = true)]
    vendor_app_secret: Option<String>,
    /// APNs, FCM: another base URL than the provider's (a proxy, a test server).
    #[arg(long)]
    base_url: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum PushCommand {
    /// Add a notifier: the credentials of one push provider, under the name
    /// devices bind their push tokens to.
    Add(Box<PushAdd>),
    /// List an app's notifiers (secrets cut short).
    List {
        #[arg(long)]
        app: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a notifier; devices bound to its name get nothing until one
    /// of that name exists again.
    Remove {
        #[arg(long)]
        app: String,
        #[arg(long)]
        name: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = parse();
    let serving = matches!(cli.command, None | Some(Command::Serve(_)));
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
            eprintln!("error: {}", causes(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and every cause, `: `-separated. A cause whose text its parent
/// already ends with is left out: sqlx and the domain's wrapper both repeat
/// their source's text.
fn causes(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.ends_with(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let (command, serve_args) = match cli.command {
        None => (None, cli.serve),
        Some(Command::Serve(args)) => (None, args),
        // The other commands run no server: its flags (refused on them) are
        // the defaults, and only the core's rules are used.
        Some(command) => (Some(command), cli.serve),
    };
    let mut core_config = core::Config {
        token_ttl: Duration::from_secs(serve_args.token_ttl_secs),
        housekeeping_every: Duration::from_secs(serve_args.housekeeping_every_secs),
        ..core::Config::default()
    };
    core_config.login_throttle.free_failures = serve_args.login_free_failures;
    core_config.login_throttle.max_delay = Duration::from_secs(serve_args.login_max_delay_secs);
    core_config.login_throttle.window = core_config.login_throttle.max_delay;
    core_config.files.storage = server::blobs::StorageConfig::parse(
        serve_args.storage_url.as_deref(),
        &cli.db.data_dir.join("files"),
    )
    .map_err(anyhow::Error::msg)?;
    core_config.files.slot_ttl = Duration::from_secs(serve_args.upload_slot_secs);
    core_config.files.max_file_bytes = serve_args.max_file_mb.saturating_mul(1 << 20);
    core_config.files.max_image_bytes = serve_args.max_image_mb.saturating_mul(1 << 20);
    core_config.files.max_avatar_bytes = serve_args.max_avatar_mb.saturating_mul(1 << 20);
    core_config.server_api_rate.max_hits = serve_args.server_api_rate;
    core_config.server_api_rate.penalty = Duration::from_secs(serve_args.server_api_penalty_secs);
    if let Some(Command::App { command: AppCommand::Create { settings, .. } }) = &command {
        core_config.app_defaults = AppSettings {
            stranger_may_message: settings.strangers_may_message,
            application_ttl_ms: settings.application_ttl_hours.saturating_mul(3_600_000),
            max_friends: settings.max_friends,
            max_groups: settings.max_groups,
            max_groups_created: settings.max_groups_created,
            max_groups_joined: settings.max_groups_joined,
            ..AppSettings::default()
        };
    }
    let settings = Settings {
        listen: serve_args.listen,
        data_dir: cli.db.data_dir.clone(),
        database_url: cli.db.database_url.clone(),
        core: core_config,
        allow_origins: serve_args.allow_origins.clone(),
        request_timeout: Duration::from_secs(serve_args.request_timeout_secs),
        public_url: serve_args.public_url.clone(),
        limits: server::limits::Limits {
            max_body_bytes: usize::try_from(serve_args.max_body_kb.saturating_mul(1024))
                .unwrap_or(usize::MAX),
            max_in_flight: usize::try_from(serve_args.max_in_flight).unwrap_or(usize::MAX),
            header_read_timeout: Duration::from_secs(serve_args.header_read_timeout_secs),
        },
        trust_forwarded_for: serve_args.trust_forwarded_for,
        cluster: server::cluster::ClusterOptions {
            nats_url: serve_args.nats_url.clone(),
            nats_subject: serve_args.nats_subject.clone(),
        },
    };
    match command {
        None | Some(Command::Serve(_)) => serve(settings).await,
        Some(Command::App { command }) => apps(settings, command).await,
        Some(Command::Token { command }) => tokens(settings, command).await,
        Some(Command::Push { command }) => push(settings, command).await,
        Some(Command::Seed(args)) => seed(settings, args).await,
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
    tracing::info!(database = %app::redact(&settings.database_url()), "listening on http://{addr}");
    println!("Swagger UI: http://{addr}/swagger-ui/");
    application.run_until_stopped().await
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
                    .map(|t| serde_json::json!({"id": t.id.0, "shown": t.shown(), "label": t.label, "created_at": t.created_at, "revoked_at": t.revoked_at, "revoked": t.revoked_at.is_some()}))
                    .collect();
                println!("{}", serde_json::json!({"app_id": app.as_str(), "tokens": items}));
            } else {
                println!("id\tcreated_at_ms\tshown\tstate\tlabel");
                for t in list {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        t.id.0,
                        t.created_at,
                        t.shown(),
                        if t.revoked_at.is_some() { "revoked" } else { "active" },
                        t.label
                    );
                }
            }
        }
        TokenCommand::Revoke { app, id } => {
            let app = AppId::parse(&app).map_err(anyhow_core)?;
            core.admin_tokens().revoke(&app, core::AdminTokenId(id)).await.map_err(|e| match e {
                core::Error::TokenInvalid => anyhow::anyhow!("no active admin token {id} in app `{app}`"),
                other => anyhow_core(other),
            })?;
            println!("revoked admin token {id} of app `{app}`");
        }
    }
    Ok(())
}

async fn seed(settings: Settings, args: SeedArgs) -> anyhow::Result<()> {
    use anyhow::Context;
    let params = server::seed::Params {
        users: args.users,
        friends_per_user: args.friends_per_user,
        groups: args.groups,
        group_size: args.group_size,
        messages: args.messages,
    };
    let started = std::time::Instant::now();
    let core = app::open_core(&settings).await?;
    let (manifest, counts) = server::seed::run(&core, params).await.map_err(anyhow_core)?;
    let text = serde_json::to_string_pretty(&manifest)?;
    std::fs::write(&args.manifest, text)
        .with_context(|| format!("cannot write the manifest {}", args.manifest.display()))?;
    core.db().close().await;
    println!(
        "{}",
        serde_json::json!({"seconds": started.elapsed().as_secs_f64(), "rows": counts, "manifest": args.manifest})
    );
    Ok(())
}

fn notifier_json(n: &core::push::Notifier) -> serde_json::Value {
    serde_json::json!({
        "name": n.name,
        "kind": n.kind.as_str(),
        "environment": n.environment as i64,
        "delivers": n.kind.delivers(),
        "credentials": n.credentials.redacted(),
        "created_at": n.created_at,
    })
}

fn print_notifier(n: &core::push::Notifier) {
    println!(
        "{}\t{}\t{}\t{}{}",
        n.name,
        n.kind.as_str(),
        if n.environment == core::push::Environment::Production { "production" } else { "development" },
        n.credentials.redacted(),
        if n.kind.delivers() { "" } else { "\t(stored; no provider delivers this kind)" }
    );
}

async fn push(settings: Settings, command: PushCommand) -> anyhow::Result<()> {
    use anyhow::Context;
    use core::push::notifiers::{ApnsCredentials, FcmCredentials, VendorCredentials, WebhookCredentials};
    use core::push::{Credentials, Environment, Kind, NewNotifier};
    let core = app::open_core(&settings).await?;
    match command {
        PushCommand::Add(add) => {
            let PushAdd {
                app,
                name,
                kind,
                environment,
                team_id,
                key_id,
                private_key_file,
                topic,
                service_account_file,
                url,
                secret,
                vendor_app_id,
                vendor_app_key,
                vendor_app_secret,
                base_url,
                json,
            } = *add;
            let app = AppId::parse(&app).map_err(anyhow_core)?;
            let kind = Kind::parse(&kind).with_context(|| {
                format!("unknown kind `{kind}`: apns, fcm, webhook, huawei, xiaomi, meizu, vivo or oppo")
            })?;
            let need = |v: Option<String>, flag: &str| {
                v.with_context(|| format!("a {} notifier needs --{flag}", kind.as_str()))
            };
            let credentials = match kind {
                Kind::Apns => {
                    let file = private_key_file.context("an apns notifier needs --private-key-file")?;
                    let private_key = std::fs::read_to_string(&file)
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    Credentials::Apns(ApnsCredentials {
                        team_id: need(team_id, "team-id")?,
                        key_id: need(key_id, "key-id")?,
                        private_key,
                        topic: need(topic, "topic")?,
                        base_url,
                    })
                }
                Kind::Fcm => {
                    let file =
                        service_account_file.context("an fcm notifier needs --service-account-file")?;
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    let mut account: FcmCredentials = serde_json::from_str(&text).with_context(|| {
                        format!(
                            "{} is not a service-account JSON (project_id, client_email, private_key, token_uri)",
                            file.display()
                        )
                    })?;
                    account.base_url = base_url;
                    Credentials::Fcm(account)
                }
                Kind::Webhook => Credentials::Webhook(WebhookCredentials {
                    url: need(url, "url")?,
                    secret: need(secret, "secret")?,
                }),
                _ => Credentials::Vendor(VendorCredentials {
                    app_id: vendor_app_id.unwrap_or_default(),
                    app_key: vendor_app_key.unwrap_or_default(),
                    app_secret: vendor_app_secret.unwrap_or_default(),
                }),
            };
            server::push::check_keys(&credentials).map_err(anyhow::Error::msg)?;
            let environment = Environment::from_i64(environment).context("--environment is 0 or 1")?;
            let added = core
                .push()
                .add_notifier(&app, NewNotifier { name, kind, environment, credentials })
                .await
                .map_err(anyhow_core)?;
            if json {
                println!("{}", notifier_json(&added));
            } else {
                print_notifier(&added);
            }
        }
        PushCommand::List { app, json } => {
            let app = AppId::parse(&app).map_err(anyhow_core)?;
            core.apps().get(&app).await.map_err(anyhow_core)?;
            let list = core.push().notifiers(&app).await.map_err(anyhow_core)?;
            if json {
                let items: Vec<_> = list.iter().map(notifier_json).collect();
                println!("{}", serde_json::json!({"app_id": app.as_str(), "notifiers": items}));
            } else {
                for n in &list {
                    print_notifier(n);
                }
            }
        }
        PushCommand::Remove { app, name } => {
            let app = AppId::parse(&app).map_err(anyhow_core)?;
            if !core.push().remove_notifier(&app, &name).await.map_err(anyhow_core)? {
                anyhow::bail!("app `{app}` has no notifier named `{name}`");
            }
            println!("removed {name}");
        }
    }
    Ok(())
}
