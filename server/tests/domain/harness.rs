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
    /// The database's URL, for a second node on it.
    pub database_url: String,
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

    /// Another node on the same database, on the event bus as a server
    /// joins it, once it hears this one (its listener connects in the background).
    pub(crate) async fn second_node(&self) -> (Core, server::store::Db) {
        let db = server::store::Db::connect_with(&self.database_url, server::testing::db_options())
            .await
            .expect("second pool");
        let node = Core::new(db.clone(), self.clock.clone(), self.core.config().clone());
        server::cluster::join(&node, &Default::default()).await.expect("join the bus");
        wait_until_heard(&self.core, &node).await;
        (node, db)
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
        |TestCore { core, clock, app, database_url }| scenario(Harness { core, clock, app, database_url }),
    )
    .await
}

/// Publishes a harmless event from `from` until `to` hears it.
async fn wait_until_heard(from: &Core, to: &Core) {
    use server::core::events::Event;
    let marker = Event::AppChanged { app: AppId::parse("bus-check").expect("app id") };
    let mut rx = to.events().subscribe();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        from.events().publish(marker.clone());
        let heard = tokio::time::timeout(std::time::Duration::from_millis(200), async {
            while let Ok(e) = rx.recv().await {
                if e == marker {
                    return;
                }
            }
        })
        .await;
        if heard.is_ok() {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "the second node never heard the first");
    }
}
