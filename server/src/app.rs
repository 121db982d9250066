//! Building and running the server: `build(settings)` opens the database,
//! binds the listener (port 0 picks a free one) and assembles the router, so
//! that tests start exactly what `server serve` starts.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::http::{HeaderValue, Uri};
use axum::routing::get;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower::timeout::TimeoutLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::core::{self, AppId, Core, SystemClock};
use crate::limits::{self, Limits};
use crate::store::Db;

/// What `server serve` is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: the SQLite file in `data_dir`.
    pub database_url: Option<String>,
    pub core: core::Config,
    /// Origins whose pages may call the API from a browser (see [`cors`]).
    pub allow_origins: AllowOrigins,
    /// A request still running after this is answered with an error (see
    /// [`HttpOptions::request_timeout`]).
    pub request_timeout: Duration,
    /// The server's address as clients reach it (`--public-url`); `None`:
    /// `http://<listen address>`.
    pub public_url: Option<String>,
    /// Body size, requests in flight, header read time (`crate::limits`).
    pub limits: Limits,
    /// `--trust-forwarded-for`: see [`HttpOptions::trust_forwarded_for`].
    pub trust_forwarded_for: bool,
    /// How this node hears the others (`--nats-url`; docs/cluster.md).
    pub cluster: crate::cluster::ClusterOptions,
}

/// How the HTTP side answers, beyond the core's rules.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub allow_origins: AllowOrigins,
    /// How long a request may run before it is answered in its dialect's
    /// envelope with the internal-error code and its handler dropped. A
    /// client waiting on a stuck database gets an answer it can act on
    /// instead of a hanging connection. An open transaction rolls back, but
    /// a write already committed stays: the answer does not say the write
    /// did not happen.
    pub request_timeout: Duration,
    /// Base of the links the server hands out (file uploads and
    /// downloads); behind a proxy it is not the listen address. `None`:
    /// `http://<the bound address>`.
    pub public_url: Option<String>,
    /// What one client may take from the server (`crate::limits`).
    pub limits: Limits,
    /// Take the client address for login throttling from the last
    /// `X-Forwarded-For` entry (behind a proxy that appends it) instead of
    /// the socket peer (`client_address`). Off by default: without a proxy
    /// a client could name any address.
    pub trust_forwarded_for: bool,
}

impl Default for HttpOptions {
    /// Any origin, 30 s: what `server serve` runs with unless told otherwise.
    fn default() -> Self {
        HttpOptions {
            allow_origins: AllowOrigins::Any,
            request_timeout: Duration::from_secs(30),
            public_url: None,
            limits: Limits::default(),
            trust_forwarded_for: false,
        }
    }
}

/// Which web pages a browser lets call this server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AllowOrigins {
    /// Any page (the default).
    #[default]
    Any,
    /// No cross-origin calls: no CORS headers are sent.
    None,
    /// Only these origins (`https://app.example.com`), checked when parsed.
    List(Vec<HeaderValue>),
}

impl std::str::FromStr for AllowOrigins {
    type Err = String;

    /// `*`, `none`, or origins separated by commas.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "*" => Ok(AllowOrigins::Any),
            "none" => Ok(AllowOrigins::None),
            list => {
                let mut origins = Vec::new();
                for o in list.split(',').map(|o| o.trim().trim_end_matches('/')).filter(|o| !o.is_empty()) {
                    let value = HeaderValue::from_str(o)
                        .ok()
                        .filter(|_| o.starts_with("http://") || o.starts_with("https://"));
                    origins.push(
                        value
                            .ok_or_else(|| format!("`{o}` is not an origin like https://app.example.com"))?,
                    );
                }
                if origins.is_empty() {
                    Err("no origin given (use `*` or `none`)".into())
                } else {
                    Ok(AllowOrigins::List(origins))
                }
            }
        }
    }
}

/// CORS: browser apps (the MaxIM web SDK runs in the app's own pages, on
/// another origin than this server) can only call an API that answers the
/// preflight. Tokens travel in headers, never in cookies, so no credentials
/// are allowed and any origin is safe to admit by default.
pub fn cors(origins: &AllowOrigins) -> Option<CorsLayer> {
    let layer = CorsLayer::new()
        .allow_methods(Any)
        .allow_headers(Any)
        .expose_headers(Any)
        .max_age(std::time::Duration::from_secs(3600));
    match origins {
        AllowOrigins::Any => Some(layer.allow_origin(Any)),
        AllowOrigins::None => None,
        AllowOrigins::List(list) => Some(layer.allow_origin(AllowOrigin::list(list.iter().cloned()))),
    }
}

impl Settings {
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!("sqlite://{}?mode=rwc", self.data_dir.join("server.db").display()),
        }
    }
}

/// Opens (creating and migrating) the configured database. The data dir is
/// the server's own folder and is created; a database URL names a file the
/// operator chose, so a missing folder there is reported, not created (a
/// typo would otherwise start an empty database somewhere unexpected).
pub async fn open_core(settings: &Settings) -> anyhow::Result<Core> {
    let url = settings.database_url();
    if url.starts_with("sqlite:") && settings.database_url.is_none() {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("cannot create the data folder {}", settings.data_dir.display()))?;
    }
    // A storage that cannot be opened stops the start, with the reason
    // (the core would otherwise fall back to memory).
    crate::blobs::Blobs::open(&settings.core.files.storage)
        .map_err(anyhow::Error::msg)
        .context("cannot open the file storage")?;
    let db = Db::connect(&url)
        .await
        .map_err(anyhow_core)
        .with_context(|| format!("cannot open the database {}", redact(&url)))?;
    Ok(Core::new(db, Arc::new(SystemClock), settings.core.clone()))
}

/// A database URL without its password, for logs and error messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(c) => format!("{}:***{}", &url[..s + 3 + c], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

/// On an empty database, a default app and its first admin token, so that a
/// newcomer can call the API at once. Returns what was created.
pub async fn ensure_default_app(core: &Core) -> anyhow::Result<Option<(String, String)>> {
    if !core.apps().list().await.map_err(anyhow_core)?.is_empty() {
        return Ok(None);
    }
    let app = core.apps().create(AppId::parse("default").map_err(anyhow_core)?).await.map_err(anyhow_core)?;
    let token = core.admin_tokens().create(&app.id, "created at first start").await.map_err(anyhow_core)?;
    Ok(Some((app.id.to_string(), token.secret)))
}

/// A domain error for the command line, its causes kept: `{:#}` (or walking
/// `source()`) shows why the database failed, which the error's own text
/// leaves out so that clients never see it.
pub fn anyhow_core(e: core::Error) -> anyhow::Error {
    anyhow::Error::new(e)
}

/// Every route the server answers.
pub fn router(core: Core, http: &HttpOptions) -> Router {
    let limit = http.request_timeout;
    let routes = Router::new()
        .route("/healthz", get(health))
        .merge(crate::docs::router())
        .merge(crate::dialects::router(core.clone(), http.public_url.as_deref().unwrap_or("")))
        .merge(crate::xsync::discovery_router(http.public_url.as_deref().unwrap_or("")))
        .with_state(())
        // Inside CORS, so that a browser may read the timeout's answer too.
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(move |uri: Uri, _: tower::BoxError| async move {
                    // The inner service never fails, so every error here is the timeout.
                    tracing::warn!(
                        path = uri.path(),
                        "request took longer than {limit:?}; answered with an error"
                    );
                    crate::dialects::timed_out(uri.path(), limit)
                }))
                .layer(TimeoutLayer::new(limit)),
        );
    // Inside CORS too; the body limit inside the count, so that a refused
    // body still counts while it is refused.
    let max_body = http.limits.max_body_bytes;
    let permits = Arc::new(tokio::sync::Semaphore::new(http.limits.max_in_flight.max(1)));
    let routes = routes
        .layer(axum::middleware::from_fn(move |req, next| limits::body_limit(max_body, req, next)))
        .layer(axum::middleware::from_fn(move |req, next| limits::in_flight(permits.clone(), req, next)));
    let routes = routes
        .layer(axum::middleware::from_fn_with_state(http.trust_forwarded_for, crate::client_address::layer));
    let routes = match cors(&http.allow_origins) {
        Some(cors) => routes.layer(cors),
        None => routes,
    };
    // The MaxIM socket answers `/socket.io/` before any HTTP layer: a
    // socket is no request to time out or count in flight.
    routes.layer(TraceLayer::new_for_http()).layer(crate::xsync::layer(core))
}

async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"status": "ok"}))
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    core: Core,
    header_read_timeout: Duration,
}

impl Application {
    pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
        let core = open_core(settings).await?;
        crate::cluster::join(&core, &settings.cluster).await?;
        let http = HttpOptions {
            allow_origins: settings.allow_origins.clone(),
            request_timeout: settings.request_timeout,
            public_url: settings.public_url.clone(),
            limits: settings.limits,
            trust_forwarded_for: settings.trust_forwarded_for,
        };
        Self::build_with_options(settings.listen, core, &http).await
    }

    /// With a core the caller opened (tests pass their own clock) and the
    /// default [`HttpOptions`].
    pub async fn build_with(listen: SocketAddr, core: Core) -> anyhow::Result<Application> {
        Self::build_with_options(listen, core, &HttpOptions::default()).await
    }

    /// As [`Application::build_with`], with the given HTTP options (a short
    /// request timeout in tests).
    pub async fn build_with_options(
        listen: SocketAddr,
        core: Core,
        http: &HttpOptions,
    ) -> anyhow::Result<Application> {
        let listener =
            TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        // Port 0 picks a port only now: the default public URL is the bound one.
        let bound = listener.local_addr().with_context(|| format!("cannot listen on {listen}"))?;
        let http = HttpOptions {
            public_url: Some(http.public_url.clone().unwrap_or_else(|| format!("http://{bound}"))),
            ..http.clone()
        };
        Ok(Application {
            listener,
            router: router(core.clone(), &http),
            core,
            header_read_timeout: http.limits.header_read_timeout,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn core(&self) -> &Core {
        &self.core
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let core = self.core.clone();
        self.run_until(shutdown_signal()).await?;
        core.db().close().await;
        Ok(())
    }

    /// Serves, sweeping expired records on the configured timer, until `stop`
    /// resolves.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let sweeper = spawn_housekeeping(self.core.clone());
        let pusher = spawn_push_worker(self.core.clone());
        let served = serve(self.listener, self.router, self.header_read_timeout, stop).await;
        sweeper.abort();
        // A delivery cut short here is taken over once its lease runs out
        // (`core::push::worker`).
        pusher.abort();
        served?;
        Ok(())
    }

    /// Serves in a background task until [`Spawned::stop`] (tests, benchmarks).
    pub fn spawn(self) -> Spawned {
        let base_url = format!("http://{}", self.local_addr());
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(self.run_until(async move {
            let _ = stop_rx.await;
        }));
        Spawned { base_url, stop, task }
    }
}

/// A server serving in a background task.
pub struct Spawned {
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Spawned {
    /// Stops accepting, finishes in-flight requests (waiting at most 10 s),
    /// and says how the server ended.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        match tokio::time::timeout(std::time::Duration::from_secs(10), self.task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(anyhow::anyhow!("the server task failed: {join}")),
            Err(_) => Err(anyhow::anyhow!("the server did not stop within 10 s")),
        }
    }
}

/// Serves connections until `stop`, then lets the open ones finish (HTTP/1
/// and HTTP/2). `axum::serve` does the same but gives hyper no timer, so a
/// client trickling its headers would hold a connection forever; here they
/// must arrive within `header_read_timeout`.
async fn serve(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use tower::ServiceExt;

    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, a connection reset before
                    // accept: not the listener's end. Pause, go on.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let service = router.clone().map_request(move |r: axum::http::Request<hyper::body::Incoming>| {
            // The peer, as `into_make_service_with_connect_info` would
            // give it: login throttling keys on it (`client_address`).
            let mut r = r.map(axum::body::Body::new);
            r.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            r
        });
        let conn = builder
            .serve_connection_with_upgrades(
                TokioIo::new(stream),
                hyper_util::service::TowerToHyperService::new(service),
            )
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Sweeps at start and then every `housekeeping_every`. A failed sweep is
/// logged and retried at the next tick; it never stops the server.
fn spawn_housekeeping(core: Core) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // (`interval` panics on zero.)
        let mut tick =
            tokio::time::interval(core.config().housekeeping_every.max(std::time::Duration::from_millis(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match core.housekeeping().sweep().await {
                Ok(swept) if swept != Default::default() => tracing::info!(?swept, "housekeeping"),
                Ok(_) => {}
                Err(e) => tracing::warn!("housekeeping failed: {e}"),
            }
        }
    })
}

/// The push delivery worker (`core::push::worker`) over the HTTP providers.
fn spawn_push_worker(core: Core) -> tokio::task::JoinHandle<()> {
    let providers: Arc<dyn crate::core::push::worker::Deliver> = Arc::new(crate::push::Providers::new());
    tokio::spawn(crate::core::push::worker::run(core, providers))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn allow_origin_for(origins: &AllowOrigins, origin: &str) -> Option<String> {
        let mut app = Router::new().route("/x", get(|| async { "ok" }));
        if let Some(cors) = cors(origins) {
            app = app.layer(cors);
        }
        let req = Request::get("/x").header("origin", origin).body(Body::empty()).unwrap();
        let resp = app.oneshot(req).await.unwrap();
        resp.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_string())
    }

    #[test]
    fn origins_parse_from_the_command_line() {
        assert_eq!("*".parse(), Ok(AllowOrigins::Any));
        assert_eq!("none".parse(), Ok(AllowOrigins::None));
        assert_eq!(
            "https://a.example.com, http://localhost:3000/".parse(),
            Ok(AllowOrigins::List(vec![
                HeaderValue::from_static("https://a.example.com"),
                HeaderValue::from_static("http://localhost:3000")
            ]))
        );
        for bad in ["", "a.example.com", "ftp://x", "https://a\nb"] {
            assert!(bad.parse::<AllowOrigins>().is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn only_listed_origins_are_allowed() {
        let list: AllowOrigins = "https://a.example.com".parse().unwrap();
        assert_eq!(
            allow_origin_for(&list, "https://a.example.com").await.as_deref(),
            Some("https://a.example.com")
        );
        assert_eq!(allow_origin_for(&list, "https://evil.example.com").await, None);
        assert_eq!(allow_origin_for(&AllowOrigins::None, "https://a.example.com").await, None);
        assert_eq!(allow_origin_for(&AllowOrigins::Any, "https://b.example.com").await.as_deref(), Some("*"));
    }
}
