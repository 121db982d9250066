//! Apps (tenants): id, the NetEase-style key/secret pair, and per-app settings.

use std::time::Duration;

use super::Core;
use super::clock::duration_ms;
use super::error::{Error, Result};
use super::events::Event;
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
    /// Active groups in the app (MaxIM 20007); 0: no limit.
    pub max_groups: i64,
    /// Active groups one user owns (MaxIM 20008); 0: no limit.
    pub max_groups_created: i64,
    /// Active groups one user is a member of, owned ones included (MaxIM
    /// 20009); 0: no limit.
    pub max_groups_joined: i64,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            stranger_may_message: true,
            application_ttl_ms: duration_ms(Duration::from_secs(7 * 24 * 3600)),
            max_friends: 3000,
            group_capacity: 2000,
            group_request_ttl_ms: duration_ms(Duration::from_secs(7 * 24 * 3600)),
            max_groups: 0,
            max_groups_created: 500,
            max_groups_joined: 2000,
        }
    }
}

impl AppSettings {
    /// The group limits, as the store enforces them.
    pub fn group_limits(&self) -> GroupLimits {
        GroupLimits {
            per_app: self.max_groups,
            created_per_user: self.max_groups_created,
            joined_per_user: self.max_groups_joined,
        }
    }
}

/// How many groups an app and its users may have; 0 is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupLimits {
    pub per_app: i64,
    pub created_per_user: i64,
    pub joined_per_user: i64,
}

impl GroupLimits {
    /// Whether `count` more groups would pass `limit` (0: never).
    pub fn reached(limit: i64, count: i64) -> bool {
        limit > 0 && count >= limit
    }
}

#[derive(Debug, Clone, Default)]
pub struct AppSettingsPatch {
    pub stranger_may_message: Option<bool>,
    pub application_ttl_ms: Option<i64>,
    pub max_friends: Option<i64>,
    pub group_capacity: Option<i64>,
    pub group_request_ttl_ms: Option<i64>,
    pub max_groups: Option<i64>,
    pub max_groups_created: Option<i64>,
    pub max_groups_joined: Option<i64>,
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
        self.core.events().publish(Event::AppChanged { app: app.id.clone() });
        Ok(app)
    }

    pub async fn list(&self) -> Result<Vec<App>> {
        self.core.db.apps().await
    }

    /// From memory when read less than `cache::APP_TTL` ago (an unknown
    /// app is asked of the database every time: a new one is seen at once).
    pub async fn find(&self, id: &AppId) -> Result<Option<App>> {
        let cache = &self.core.caches().apps;
        if let Some((at, app)) = cache.get(id)
            && at.elapsed() < super::cache::APP_TTL
        {
            return Ok(Some(app));
        }
        let ticket = cache.ticket();
        let found = self.core.db.app(id).await?;
        if let Some(app) = &found {
            cache.fill(ticket, id.clone(), (std::time::Instant::now(), app.clone()));
        }
        Ok(found)
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
        // From the database, not the cache: the settings not patched are written back.
        let mut app = self.core.db.app(id).await?.ok_or(Error::AppMissing)?;
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
        for (field, value, setting) in [
            ("max_groups", patch.max_groups, &mut s.max_groups),
            ("max_groups_created", patch.max_groups_created, &mut s.max_groups_created),
            ("max_groups_joined", patch.max_groups_joined, &mut s.max_groups_joined),
        ] {
            if let Some(v) = value {
                if v < 0 {
                    return Err(Error::invalid(field, "must not be negative (0: no limit)"));
                }
                *setting = v;
            }
        }
        self.core.db.update_app_settings(id, &app.settings).await?;
        self.core.events().publish(Event::AppChanged { app: id.clone() });
        Ok(app)
    }
}
