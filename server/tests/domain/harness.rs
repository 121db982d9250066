//! Runs one scenario against a core on a fresh database of either backend.
//!
//! The database, the core and the cleanup come from `server::testing` (its
//! docs say how the PostgreSQL database is found); this adds the users,
//! logins and admin callers the scenarios ask for.

use std::future::Future;
use std::sync::Arc;

use server::core::devices::DeviceLogin;
use server::core::settings::SettingsPatch;
use server::core::tokens::IssuedToken;
use server::core::users::NewUser;
use server::core::{Actor, AppId, Caller, Core, ManualClock, UserId};
use server::testing::TestCore;

pub(crate) use server::testing::Backend;

/// One scenario on both backends, as two tests: `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! scenario {
    ($name:ident, |$h:ident| $body:expr) => {
        server::both_backends!($name, |backend| $crate::harness::run(backend, |$h| $body));
    };
}

pub(crate) const PASSWORD: &str = "password1";

pub(crate) struct Harness {
    pub core: Core,
    pub clock: Arc<ManualClock>,
    pub app: AppId,
}

impl Harness {
    /// Registers `username` with [`PASSWORD`] and the given auth mode.
    pub(crate) async fn user_with_mode(&self, username: &str, auth_mode: i64) -> Actor {
        let user =
            self.core.users().register(&self.app, NewUser::new(username, PASSWORD)).await.expect("register");
        let actor = Actor::new(self.app.clone(), user.id);
        let patch = SettingsPatch { auth_mode: Some(auth_mode), ..Default::default() };
        self.core.settings().update(&actor, patch).await.expect("auth mode");
        actor
    }

    /// A user anyone may befriend without consent (auth mode 0).
    pub(crate) async fn open_user(&self, username: &str) -> Actor {
        self.user_with_mode(username, 0).await
    }

    /// A user whose consent is needed (auth mode 1).
    pub(crate) async fn approving_user(&self, username: &str) -> Actor {
        self.user_with_mode(username, 1).await
    }

    pub(crate) async fn login(&self, username: &str, device: Option<&str>) -> IssuedToken {
        self.core
            .tokens()
            .login_by_username(&self.app, username, PASSWORD, device.map(DeviceLogin::new))
            .await
            .expect("login")
    }

    pub(crate) async fn admin(&self) -> Caller {
        let issued = self.core.admin_tokens().create(&self.app, "tests").await.expect("admin token");
        self.core.tokens().authenticate(&self.app, Some(&issued.secret)).await.expect("admin auth")
    }

    pub(crate) fn actor(&self, user: UserId) -> Actor {
        Actor::new(self.app.clone(), user)
    }

    /// A second app on the same database.
    pub(crate) async fn other_app(&self, id: &str) -> AppId {
        let app = AppId::parse(id).expect("app id");
        self.core.apps().create(app.clone()).await.expect("create app");
        app
    }
}

pub(crate) async fn run<F, Fut>(backend: Backend, scenario: F)
where
    F: FnOnce(Harness) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    server::testing::run(
        backend,
        |_| {},
        |TestCore { core, clock, app, .. }| scenario(Harness { core, clock, app }),
    )
    .await
}
