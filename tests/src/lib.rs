//! Integration tests start the real server (the same `Application` that
//! `server serve` runs) on port 0 with a fresh database of either backend,
//! and talk HTTP to it through the generated clients.
//!
//! The database, the test core and the cleanup come from `server::testing`
//! (shared with the domain tests); this adds the started server, its admin
//! token and the clients.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use server::app::Application;
use server::core::{AppId, Config, Core, ManualClock};
use server::store::Db;
pub use server::testing::Backend;
use server::testing::TestCore;

#[doc(hidden)]
pub use server::both_backends as __both_backends;

/// One scenario on both backends, as `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, |$app:ident| $body:expr) => {
        $crate::__both_backends!($name, |backend| $crate::run(backend, |$app| async move { $body }));
    };
}

/// As [`on_both_backends!`], with the core's [`Config`] changed first by
/// `$configure: fn(&mut Config)` (small limits for a test).
#[macro_export]
macro_rules! on_both_backends_configured {
    ($name:ident, $configure:expr, |$app:ident| $body:expr) => {
        $crate::__both_backends!($name, |backend| {
            $crate::run_configured(backend, $configure, |$app| async move { $body })
        });
    };
}

/// A generated input model from JSON (the client models have no `Default`,
/// and a JSON literal reads like the request a client sends).
#[macro_export]
macro_rules! input {
    ($($json:tt)+) => {
        serde_json::from_value(serde_json::json!($($json)+)).expect("the JSON matches the input model")
    };
}

/// The API error (code, message) of a call expected to fail.
#[track_caller]
pub fn failure<T: std::fmt::Debug>(result: Result<T, client::ClientError>) -> (i32, String) {
    match result {
        Err(client::ClientError::Api { code, message }) => (code, message),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// A running server with its own database, one app and an admin token.
#[derive(Clone)]
pub struct TestApp {
    pub addr: SocketAddr,
    pub base_url: String,
    pub core: Core,
    pub clock: Arc<ManualClock>,
    pub app_id: String,
    pub admin_token: String,
    pub http: reqwest::Client,
    /// The database this server uses, for a second node on it.
    pub database_url: String,
}

impl TestApp {
    /// A MaxIM client with the app id and no token.
    pub fn maxim(&self) -> client::MaximClient {
        client::MaximClient::new(self.base_url.clone()).with_app_id(self.app_id.clone())
    }

    /// A MaxIM client with the app id and the given token.
    pub fn maxim_as(&self, token: &str) -> client::MaximClient {
        self.maxim().with_access_token(token.to_string())
    }

    /// A MaxIM client holding the app's admin token.
    pub fn maxim_admin(&self) -> client::MaximClient {
        self.maxim_as(&self.admin_token)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The app's NetEase `AppKey` and `AppSecret`.
    pub async fn netease_keys(&self) -> (String, String) {
        let app = self.core.apps().get(&AppId::parse(&self.app_id).expect("app id")).await.expect("app");
        (app.key, app.secret)
    }

    /// A NetEase client signing every request as the app.
    pub async fn netease(&self) -> client::NeteaseClient {
        let (key, secret) = self.netease_keys().await;
        client::NeteaseClient::new(self.base_url.clone()).with_key_secret(key, secret)
    }

    /// A YHChat client with the given user token.
    pub fn yhchat_as(&self, token: &str) -> client::YhchatClient {
        client::YhchatClient::new(self.base_url.clone()).with_token(token.to_string())
    }

    /// Registers `username` (set up through the core) and logs it in: its
    /// user id (also its YHChat chat id) and a user token.
    pub async fn register_with_token(&self, username: &str) -> (i64, String) {
        let app = AppId::parse(&self.app_id).expect("app id");
        let user = self
            .core
            .users()
            .register(&app, server::core::users::NewUser::new(username, "password1"))
            .await
            .expect("register");
        let token = self
            .core
            .tokens()
            .login_by_username(&app, username, "password1", None)
            .await
            .expect("login")
            .token;
        (user.id.0, token)
    }

    /// As [`TestApp::register_with_token`], for a user whose friend
    /// applications wait for approval (auth mode 1), which the friend
    /// stories need: new users start at auth mode 0 (`docs/maxim.md#new-users`).
    pub async fn register_needing_approval(&self, username: &str) -> (i64, String) {
        let (id, token) = self.register_with_token(username).await;
        let app = AppId::parse(&self.app_id).expect("app id");
        let me = server::core::Actor::new(app, server::core::UserId(id));
        let patch = server::core::settings::SettingsPatch { auth_mode: Some(1), ..Default::default() };
        self.core.settings().update(&me, patch).await.expect("auth mode 1");
        (id, token)
    }

    /// Another app on the same server, with its own admin token.
    pub async fn other_app(&self, id: &str) -> (String, String) {
        let app = self.core.apps().create(AppId::parse(id).expect("app id")).await.expect("create app");
        let token = self.core.admin_tokens().create(&app.id, "tests").await.expect("admin token");
        (app.id.to_string(), token.secret)
    }
}

/// Starts a server on `backend`, runs `scenario` against it, then stops the
/// server and drops the database, also when the scenario panics.
pub async fn run<F, Fut>(backend: Backend, scenario: F)
where
    F: FnOnce(TestApp) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_configured(backend, |_| {}, scenario).await
}

/// As [`run`], with the core's configuration changed by `configure` first.
pub async fn run_configured<F, Fut>(backend: Backend, configure: fn(&mut Config), scenario: F)
where
    F: FnOnce(TestApp) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    server::testing::run(backend, configure, |test: TestCore| async move {
        let TestCore { core, clock, app, database_url } = test;
        let admin = core.admin_tokens().create(&app, "tests").await.expect("admin token");
        let application =
            Application::build_with(SocketAddr::from(([127, 0, 0, 1], 0)), core.clone()).await.expect("bind");
        let addr = application.local_addr();
        let server = application.spawn();
        let test_app = TestApp {
            addr,
            base_url: format!("http://{addr}"),
            core,
            clock,
            app_id: app.to_string(),
            admin_token: admin.secret,
            http: reqwest::Client::new(),
            database_url,
        };
        // The server stops before the database goes, also after a failure.
        let outcome = server::testing::in_own_task(scenario(test_app)).await;
        let _ = server.stop().await;
        server::testing::resume(outcome);
    })
    .await
}

/// Another server process's worth on the same database: its own pool, core
/// and listener, sharing nothing in memory with the first.
pub struct Node {
    pub base_url: String,
    server: server::app::Spawned,
    db: Db,
}

impl Node {
    pub async fn start(app: &TestApp) -> Node {
        Node::start_with(app, &Default::default()).await
    }

    /// As [`Node::start`], joining the other nodes as `options` say (NATS).
    pub async fn start_with(app: &TestApp, options: &server::cluster::ClusterOptions) -> Node {
        let db = Db::connect_with(&app.database_url, server::testing::db_options())
            .await
            .expect("second node connects");
        let core = Core::new(db.clone(), app.clock.clone(), server::testing::config());
        server::cluster::join(&core, options).await.expect("second node joins the bus");
        let server =
            Application::build_with(SocketAddr::from(([127, 0, 0, 1], 0)), core).await.expect("bind").spawn();
        Node { base_url: server.base_url.clone(), server, db }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn stop(self) {
        let _ = self.server.stop().await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.db.close()).await;
    }
}

pub mod xsync;
