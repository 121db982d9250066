//! User tokens: login, issue by admin, authenticate, act-as.
//!
//! Tokens are 256 random bits shown once; only their SHA-256 is stored, with
//! an expiry and a revocation time. A revoked token stays on record so the
//! caller can be told "revoked" rather than "unknown".

use super::Core;
use super::admin_tokens::ADMIN_TOKEN_PREFIX;
use super::cache::CachedToken;
use super::callers::{Actor, Caller, Principal};
use super::clock::duration_ms;
use super::devices::{DeviceLogin, DeviceSession};
use super::error::{Error, Result};
use super::ids::{AppId, UserId};
use super::secrets;
use super::users::Credentials;

#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The value to send as `access-token`; available only now.
    pub token: String,
    pub user: UserId,
    pub expires_at: i64,
    /// Set when the login named a device.
    pub device: Option<DeviceSession>,
}

/// A stored user token, as authentication needs it.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub app: AppId,
    pub user: UserId,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

pub struct Tokens<'a> {
    pub(super) core: &'a Core,
    /// The client address password checks are throttled by (`throttle`).
    pub(super) from: Option<String>,
}

impl Tokens<'_> {
    /// Password checks throttled by this client address too (the network
    /// doors pass it; see `throttle`).
    pub fn from_address(mut self, address: Option<&str>) -> Self {
        self.from = address.map(str::to_owned);
        self
    }

    /// Login by exact username. Unknown user → `UserMissing`.
    pub async fn login_by_username(
        &self,
        app: &AppId,
        username: &str,
        password: &str,
        device: Option<DeviceLogin>,
    ) -> Result<IssuedToken> {
        let creds = self.core.db.credentials_by_username(app, username).await?;
        self.login(app, creds, password, device).await
    }

    /// Login by a name that may be a username, a mobile number or an email,
    /// tried in that order (a username can look like a number).
    pub async fn login_by_name(
        &self,
        app: &AppId,
        login_name: &str,
        password: &str,
        device: Option<DeviceLogin>,
    ) -> Result<IssuedToken> {
        let db = &self.core.db;
        let mut creds = db.credentials_by_username(app, login_name).await?;
        if creds.is_none()
            && let Some(user) = db.user_by_mobile(app, login_name.trim()).await?
        {
            creds = db.credentials_by_id(app, user.id).await?;
        }
        if creds.is_none()
            && let Some(user) = db.user_by_email(app, login_name.trim()).await?
        {
            creds = db.credentials_by_id(app, user.id).await?;
        }
        self.login(app, creds, password, device).await
    }

    pub async fn login_by_id(
        &self,
        app: &AppId,
        user: UserId,
        password: &str,
        device: Option<DeviceLogin>,
    ) -> Result<IssuedToken> {
        let creds = self.core.db.credentials_by_id(app, user).await?;
        self.login(app, creds, password, device).await
    }

    async fn login(
        &self,
        app: &AppId,
        creds: Option<Credentials>,
        password: &str,
        device: Option<DeviceLogin>,
    ) -> Result<IssuedToken> {
        self.core.apps().get(app).await?;
        let throttle = self.core.throttle();
        let Some(creds) = creds else {
            throttle.unknown_account(self.from.as_deref()).await?;
            return Err(Error::UserMissing);
        };
        throttle
            .verify_password(app, creds.user, self.from.as_deref(), password, creds.password_hash)
            .await?;
        // Checked after the password so a disabled account's existence is not
        // revealed to someone who does not know its password.
        if creds.disabled {
            return Err(Error::UserDisabled);
        }
        self.issue(app, creds.user, device).await
    }

    /// Admin only: a token for any user of the caller's app, no password.
    pub async fn issue_for(
        &self,
        caller: &Caller,
        user: UserId,
        device: Option<DeviceLogin>,
    ) -> Result<IssuedToken> {
        caller.require_admin()?;
        let found = self.core.users().get(&caller.app, user).await?;
        if found.disabled {
            return Err(Error::UserDisabled);
        }
        self.issue(&caller.app, user, device).await
    }

    async fn issue(&self, app: &AppId, user: UserId, device: Option<DeviceLogin>) -> Result<IssuedToken> {
        let now = self.core.now_ms();
        let device = match device {
            Some(login) => Some(self.core.devices().register(app, user, login).await?),
            None => None,
        };
        let token = secrets::random_hex(32);
        let expires_at = now.saturating_add(duration_ms(self.core.config.token_ttl));
        let device_sn = device.as_ref().map(|d| d.device_sn);
        self.core
            .db
            .insert_user_token(app, user, &secrets::sha256_hex(&token), device_sn, now, expires_at)
            .await?;
        Ok(IssuedToken { token, user, expires_at, device })
    }

    /// Who a token belongs to, within `app`. A token of another app is
    /// `TokenInvalid` here, exactly as an unknown one.
    pub async fn authenticate(&self, app: &AppId, token: Option<&str>) -> Result<Caller> {
        let token = token.map(str::trim).filter(|t| !t.is_empty()).ok_or(Error::TokenMissing)?;
        if token.len() > 256 {
            return Err(Error::TokenInvalid);
        }
        let hash = secrets::sha256_hex(token);
        if token.starts_with(ADMIN_TOKEN_PREFIX) {
            let admin = self.core.db.admin_token_by_hash(&hash).await?.ok_or(Error::TokenInvalid)?;
            if &admin.app != app {
                return Err(Error::TokenInvalid);
            }
            if admin.revoked_at.is_some() {
                return Err(Error::TokenRevoked);
            }
            return Ok(Caller { app: app.clone(), principal: Principal::Admin(admin.id) });
        }
        let CachedToken { record, disabled } = self.user_token(hash).await?.ok_or(Error::TokenInvalid)?;
        if &record.app != app {
            return Err(Error::TokenInvalid);
        }
        if record.revoked_at.is_some() {
            return Err(Error::TokenRevoked);
        }
        if record.expires_at <= self.core.now_ms() {
            return Err(Error::TokenExpired);
        }
        if disabled {
            return Err(Error::UserDisabled);
        }
        Ok(Caller { app: app.clone(), principal: Principal::User(record.user) })
    }

    /// A user token by its hash, from memory when seen before (`cache`):
    /// every change that would refuse it (revocation, password, disabling)
    /// invalidates it. Unknown tokens are not kept.
    async fn user_token(&self, hash: String) -> Result<Option<CachedToken>> {
        let cache = &self.core.caches().tokens;
        if let Some(found) = cache.get(&hash) {
            return Ok(Some(found));
        }
        let ticket = cache.ticket();
        let Some((record, disabled)) = self.core.db.user_token_by_hash(&hash).await? else {
            return Ok(None);
        };
        let found = CachedToken { record, disabled };
        cache.fill(ticket, hash, found.clone());
        Ok(Some(found))
    }

    /// The user a user token belongs to, in the token's own app: for dialects
    /// whose requests name no app (YHChat's `token` header). Admin tokens are
    /// refused (`TokenInvalid`): they act as nobody by themselves.
    pub async fn authenticate_user_token(&self, token: Option<&str>) -> Result<Actor> {
        let token = token.map(str::trim).filter(|t| !t.is_empty()).ok_or(Error::TokenMissing)?;
        if token.len() > 256 || token.starts_with(ADMIN_TOKEN_PREFIX) {
            return Err(Error::TokenInvalid);
        }
        let record = self.user_token(secrets::sha256_hex(token)).await?.ok_or(Error::TokenInvalid)?.record;
        // The app-scoped check does expiry, revocation and disabled users.
        let caller = self.authenticate(&record.app, Some(token)).await?;
        match caller.principal {
            Principal::User(user) => Ok(Actor::new(caller.app, user)),
            Principal::Admin(_) => Err(Error::TokenInvalid),
        }
    }

    /// The user a call acts as. A user token acts as itself (naming itself is
    /// allowed, naming anybody else is `NoPermission`); an admin token must
    /// name an existing user of its app.
    pub async fn act_as(&self, caller: &Caller, requested: Option<UserId>) -> Result<Actor> {
        match (caller.principal, requested) {
            (Principal::User(me), None) => Ok(Actor::new(caller.app.clone(), me)),
            (Principal::User(me), Some(other)) if other == me => Ok(Actor::new(caller.app.clone(), me)),
            (Principal::User(_), Some(_)) => Err(Error::NoPermission),
            (Principal::Admin(_), Some(user)) => {
                self.core.users().get(&caller.app, user).await?;
                Ok(Actor::new(caller.app.clone(), user))
            }
            (Principal::Admin(_), None) => {
                Err(Error::invalid("user_id", "an admin token must name the user to act as"))
            }
        }
    }

    /// Deletes token rows that expired before `before_ms` (housekeeping).
    /// Each node sweeps on its own timer, so each forgets here what it
    /// kept of the purged tokens: they then answer "unknown", not "expired".
    pub async fn purge_expired(&self, before_ms: i64) -> Result<u64> {
        let purged = self.core.db.purge_user_tokens(before_ms).await?;
        self.core.caches().forget_tokens_expired_before(before_ms);
        Ok(purged)
    }
}
