//! Runs one scenario against a fresh database of either backend.
//!
//! Fresh databases come from `server::testing` (its docs say how the
//! PostgreSQL one is found).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use server::core::devices::DeviceLogin;
use server::core::settings::SettingsPatch;
use server::core::tokens::IssuedToken;
use server::core::users::NewUser;
use server::core::{Actor, AppId, Caller, Config, Core, ManualClock, PasswordCost, UserId};
use server::store::{Db, DbOptions};
use server::testing::FreshDatabase;

pub use server::testing::Backend;

/// One scenario on both backends, as two tests: `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! scenario {
    ($name:ident, |$h:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::harness::run($crate::harness::Backend::Sqlite, |$h| $body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::harness::run($crate::harness::Backend::Postgres, |$h| $body).await;
            }
        }
    };
}

pub const PASSWORD: &str = "password1";

pub struct Harness {
    pub core: Core,
    pub clock: Arc<ManualClock>,
    pub app: AppId,
}

impl Harness {
    /// Registers `username` with [`PASSWORD`] and the given auth mode.
    pub async fn user_with_mode(&self, username: &str, auth_mode: i64) -> Actor {
        let user =
            self.core.users().register(&self.app, NewUser::new(username, PASSWORD)).await.expect("register");
        let actor = Actor::new(self.app.clone(), user.id);
        let patch = SettingsPatch { auth_mode: Some(auth_mode), ..Default::default() };
        self.core.settings().update(&actor, patch).await.expect("auth mode");
        actor
    }

    /// A user anyone may befriend without consent (auth mode 0).
    pub async fn open_user(&self, username: &str) -> Actor {
        self.user_with_mode(username, 0).await
    }

    /// A user whose consent is needed (auth mode 1).
    pub async fn approving_user(&self, username: &str) -> Actor {
        self.user_with_mode(username, 1).await
    }

    pub async fn login(&self, username: &str, device: Option<&str>) -> IssuedToken {
        self.core
            .tokens()
            .login_by_username(&self.app, username, PASSWORD, device.map(DeviceLogin::new))
            .await
            .expect("login")
    }

    pub async fn admin(&self) -> Caller {
        let issued = self.core.admin_tokens().create(&self.app, "tests").await.expect("admin token");
        self.core.tokens().authenticate(&self.app, Some(&issued.secret)).await.expect("admin auth")
    }

    pub fn actor(&self, user: UserId) -> Actor {
        Actor::new(self.app.clone(), user)
    }

    /// A second app on the same database.
    pub async fn other_app(&self, id: &str) -> AppId {
        let app = AppId::parse(id).expect("app id");
        self.core.apps().create(app.clone()).await.expect("create app");
        app
    }
}

pub async fn run<F, Fut>(backend: Backend, scenario: F)
where
    F: FnOnce(Harness) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some((fresh, url)) = FreshDatabase::create(backend).await else { return };
    let options = DbOptions { max_connections: 5, ..DbOptions::default() };
    let db = match Db::connect_with(&url, options).await {
        Ok(db) => db,
        Err(e) => {
            fresh.drop_best_effort().await;
            panic!("connect {url}: {e:?}");
        }
    };
    let clock = Arc::new(ManualClock::starting_now());
    let config = Config { password_cost: PasswordCost::InsecureFast, ..Config::default() };
    let core = Core::new(db.clone(), clock.clone(), config);
    let app = AppId::parse("test-app").expect("app id");
    core.apps().create(app.clone()).await.expect("create app");
    let harness = Harness { core, clock, app };
    // In its own task so a failing assertion still lets us drop the database.
    let outcome = tokio::spawn(scenario(harness)).await;
    tokio::time::timeout(Duration::from_secs(10), db.close()).await.ok();
    fresh.drop_best_effort().await;
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("scenario did not finish: {e}"),
        }
    }
}
