//! Apps (tenants): id, the NetEase-style key/secret pair, and per-app settings.

use std::time::Duration;

use super::Core;
use super::clock::duration_ms;
use super::error::{Error, Result};
use super::ids::AppId;
use super::secrets;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub id: AppId,
    /// Public half of the pair (NetEase `AppKey`); unique across apps.
    pub key: String,
    /// Kept in clear: the NetEase checksum needs it to recompute SHA-1.
    pub secret: String,
    pub settings: AppSettings,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSettings {
    /// May two users who are not friends (and have not blocked each other) message?
    pub stranger_may_message: bool,
    /// How long a pending friend application stays acceptable.
    pub application_ttl_ms: i64,
    /// Friends per user (NetEase: 3000).
    pub max_friends: i64,
    /// Members per group, fixed for a group when it is created (MaxIM: 2000).
    pub group_capacity: i64,
    /// How long a group application or invitation stays pending.
    pub group_request_ttl_ms: i64,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            stranger_may_message: true,
            application_ttl_ms: duration_ms(Duration::from_secs(7 * 24 * 3600)),
            max_friends: 3000,
            group_capacity: 2000,
            group_request_ttl_ms: duration_ms(Duration::from_secs(7 * 24 * 3600)),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AppSettingsPatch {
    pub stranger_may_message: Option<bool>,
    pub application_ttl_ms: Option<i64>,
    pub max_friends: Option<i64>,
    pub group_capacity: Option<i64>,
    pub group_request_ttl_ms: Option<i64>,
}

pub struct Apps<'a> {
    pub(super) core: &'a Core,
}

impl Apps<'_> {
    pub async fn create(&self, id: AppId) -> Result<App> {
        let app = App {
            id,
            key: secrets::random_hex(16),
            secret: secrets::random_hex(16),
            settings: self.core.config.app_defaults.clone(),
            created_at: self.core.now_ms(),
        };
        self.core.db.insert_app(&app).await?;
        Ok(app)
    }

    pub async fn list(&self) -> Result<Vec<App>> {
        self.core.db.apps().await
    }

    pub async fn find(&self, id: &AppId) -> Result<Option<App>> {
        self.core.db.app(id).await
    }

    /// The app or `AppMissing`; what a request naming an app checks first.
    pub async fn get(&self, id: &AppId) -> Result<App> {
        self.find(id).await?.ok_or(Error::AppMissing)
    }

    /// For NetEase-style requests that name the app by its key.
    pub async fn by_key(&self, key: &str) -> Result<App> {
        self.core.db.app_by_key(key).await?.ok_or(Error::AppMissing)
    }

    pub async fn update_settings(&self, id: &AppId, patch: AppSettingsPatch) -> Result<App> {
        let mut app = self.get(id).await?;
        let s = &mut app.settings;
        if let Some(v) = patch.stranger_may_message {
            s.stranger_may_message = v;
        }
        if let Some(v) = patch.application_ttl_ms {
            if v <= 0 {
                return Err(Error::invalid("application_ttl_ms", "must be positive"));
            }
            s.application_ttl_ms = v;
        }
        if let Some(v) = patch.max_friends {
            if v < 0 {
                return Err(Error::invalid("max_friends", "must not be negative"));
            }
            s.max_friends = v;
        }
        if let Some(v) = patch.group_capacity {
            if v <= 0 {
                return Err(Error::invalid("group_capacity", "must be positive"));
            }
            s.group_capacity = v;
        }
        if let Some(v) = patch.group_request_ttl_ms {
            if v <= 0 {
                return Err(Error::invalid("group_request_ttl_ms", "must be positive"));
            }
            s.group_request_ttl_ms = v;
        }
        self.core.db.update_app_settings(id, &app.settings).await?;
        Ok(app)
    }
}
