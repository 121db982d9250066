//! The domain: apps, users, tokens, devices, the friend graph and groups.
//!
//! `Core` is a cheap-to-clone handle; its parts are reached through views
//! named after what they hold (`core.friends().apply(..)`). Every operation
//! takes the app explicitly (through an [`Actor`] or an [`AppId`]), and every
//! stored row is scoped by app, so nothing of one app is reachable from another.

pub mod admin_tokens;
pub mod apps;
pub mod callers;
pub mod clock;
pub mod devices;
pub mod error;
pub mod events;
pub mod files;
pub mod friends;
pub mod groups;
pub mod housekeeping;
pub mod ids;
pub mod inbox;
pub mod limits;
pub mod messages;
pub mod notices;
pub mod paging;
pub mod push;
pub mod secrets;
pub mod settings;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod validation;
pub mod wakes;

use std::sync::Arc;
use std::time::Duration;

pub use apps::{App, AppSettings};
pub use callers::{Actor, Caller, Principal};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, RefusalReason, Result};
pub use ids::{AdminTokenId, AnnouncementId, AppId, ApplicationId, DeviceSn, GroupFileId, GroupId, UserId};
pub use paging::{Page, PageRequest};
pub use secrets::PasswordCost;

use crate::store::Db;

#[derive(Debug, Clone)]
pub struct Config {
    /// Lifetime of a user token.
    pub token_ttl: Duration,
    pub password_cost: PasswordCost,
    /// Settings a new app starts with.
    pub app_defaults: AppSettings,
    /// Calls per app to the signed server API (NetEase: 100/s, then 10 s refused).
    pub server_api_rate: limits::RateRule,
    /// How often a running server sweeps what has expired (`housekeeping`).
    pub housekeeping_every: Duration,
    /// How long a signed group QR code (`groups().qrcode_sign`) stays valid.
    pub group_qrcode_ttl: Duration,
    /// How the push delivery worker paces itself (`push::worker`).
    pub push_worker: push::worker::WorkerConfig,
    /// Uploads: storage, slot lifetime, size limits, thumbnails (`docs/files.md`).
    pub files: files::FilesConfig,
    /// Password and signature guessing (`throttle`, `docs/security.md`).
    pub login_throttle: throttle::ThrottleRule,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token_ttl: Duration::from_secs(7 * 24 * 3600),
            password_cost: PasswordCost::Standard,
            app_defaults: AppSettings::default(),
            server_api_rate: limits::RateRule::NETEASE_APP,
            housekeeping_every: Duration::from_secs(600),
            group_qrcode_ttl: Duration::from_secs(7 * 24 * 3600),
            push_worker: push::worker::WorkerConfig::default(),
            files: files::FilesConfig::default(),
            login_throttle: throttle::ThrottleRule::default(),
        }
    }
}

#[derive(Clone)]
pub struct Core {
    db: Db,
    clock: Arc<dyn Clock>,
    config: Config,
    /// Where uploaded files' bytes live (`config.files.storage`).
    blobs: crate::blobs::Blobs,
    /// What this node tells the others and hears from them (`events`).
    events: events::Events,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core").field("db", &self.db).field("config", &self.config).finish()
    }
}

impl Core {
    /// A storage that cannot be opened is logged and replaced by memory:
    /// the server's start (`app::open_core`) opens it first and stops on
    /// the error, so this only happens to a core built by hand.
    pub fn new(db: Db, clock: Arc<dyn Clock>, config: Config) -> Self {
        let blobs = crate::blobs::Blobs::open(&config.files.storage).unwrap_or_else(|e| {
            tracing::error!("object storage: {e}; keeping files in memory");
            crate::blobs::Blobs::memory()
        });
        let events = events::Events::new(std::sync::Arc::new(|_: &events::Event| {}));
        db.wakes().attach(&events);
        Core { db, clock, config, blobs, events }
    }

    /// The event bus: `publish` tells every node, `subscribe` hears them all.
    pub fn events(&self) -> &events::Events {
        &self.events
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn apps(&self) -> apps::Apps<'_> {
        apps::Apps { core: self }
    }

    pub fn admin_tokens(&self) -> admin_tokens::AdminTokens<'_> {
        admin_tokens::AdminTokens { core: self }
    }

    pub fn users(&self) -> users::Users<'_> {
        users::Users { core: self, from: None }
    }

    pub fn settings(&self) -> settings::Settings<'_> {
        settings::Settings { core: self }
    }

    pub fn throttle(&self) -> throttle::Throttle<'_> {
        throttle::Throttle { core: self }
    }

    pub fn tokens(&self) -> tokens::Tokens<'_> {
        tokens::Tokens { core: self, from: None }
    }

    pub fn devices(&self) -> devices::Devices<'_> {
        devices::Devices { core: self }
    }

    pub fn friends(&self) -> friends::Friends<'_> {
        friends::Friends { core: self }
    }

    pub fn groups(&self) -> groups::Groups<'_> {
        groups::Groups { core: self }
    }

    pub fn limits(&self) -> limits::Limits<'_> {
        limits::Limits { core: self }
    }

    pub fn messages(&self) -> messages::Messages<'_> {
        messages::Messages { core: self }
    }

    pub fn files(&self) -> files::Files<'_> {
        files::Files { core: self }
    }

    pub fn housekeeping(&self) -> housekeeping::Housekeeping<'_> {
        housekeeping::Housekeeping { core: self }
    }

    pub fn notices(&self) -> notices::Notices<'_> {
        notices::Notices { core: self }
    }

    pub fn push(&self) -> push::Push<'_> {
        push::Push { core: self }
    }

    pub fn inbox(&self) -> inbox::Inbox<'_> {
        inbox::Inbox { core: self }
    }

    /// Closes the live sockets of the actor's device (`None`: all of them),
    /// after a change that ended their tokens.
    pub fn kick(&self, actor: &Actor, device: Option<DeviceSn>, reason: wakes::KickReason) {
        let wake = wakes::Wake::Kick { app: actor.app.clone(), user: actor.user, device, reason, keep: None };
        self.wakes().publish(wake);
        // (A kick's sockets are found by `server/src/xsync/`, on every node.)
    }

    /// Wake-ups for live connections (`wakes`).
    pub fn wakes(&self) -> &wakes::Wakes {
        self.db.wakes()
    }
}
