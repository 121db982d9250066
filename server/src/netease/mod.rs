//! The NetEase IM dialect (its server API): implements the generated NetEase
//! traits by calling the core. Calls are trusted by the app's signature, not
//! by a user token: [`Netease::authenticate`] checks `AppKey`, `CurTime`,
//! `CheckSum`, the app's call rate and the `Nonce`, then an operation acts
//! as the user its `accid` names (accid = username).
//!
//! Codes: [`errors`]. Friend operations and how the graph reads in NetEase's
//! terms (a deletion in `get.action`, `bidirection`): [`friend`].

pub mod checksum;
pub mod errors;
pub mod friend;

use std::sync::Arc;

use axum::Router;

use crate::core::{Actor, App, AppId, Core, UserId};
use crate::generated::netease::api::{ApiError, Credentials};
use errors::{bad_parameter as bad_header, not_found};

/// The NetEase API over one core. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Netease {
    pub(crate) core: Core,
}

/// Every NetEase route, answered in NetEase's envelope.
pub fn router(core: Core) -> Router {
    crate::generated::netease::router(Arc::new(Netease::new(core)))
}

impl Netease {
    pub fn new(core: Core) -> Self {
        Netease { core }
    }

    /// The app that signed the request. Every failure of the signature is
    /// 414 (NetEase's answer to a bad header); an app over its call rate is
    /// 416. The rate is counted only for correctly signed calls, so knowing
    /// an AppKey is not enough to lock its app out; the nonce is recorded
    /// last, so a refused call does not use it up.
    pub(crate) async fn authenticate(&self, c: &Credentials) -> Result<App, ApiError> {
        let header = |value: &Option<String>, name: &str| {
            value.clone().ok_or_else(|| bad_header(format!("missing header {name}")))
        };
        let key = header(&c.app_key, "AppKey")?;
        let nonce = header(&c.nonce, "Nonce")?;
        let cur_time = header(&c.cur_time, "CurTime")?;
        let sum = header(&c.check_sum, "CheckSum")?;
        let app = self.core.apps().by_key(&key).await.map_err(|e| match e {
            crate::core::Error::AppMissing => bad_header("unknown AppKey"),
            other => other.into(),
        })?;
        let seconds =
            checksum::parse_cur_time(&cur_time).ok_or_else(|| bad_header("CurTime must be UTC seconds"))?;
        if !checksum::is_fresh(seconds, self.core.now_ms()) {
            return Err(bad_header("CurTime is more than 5 minutes away from the server's time"));
        }
        // Guessing an AppSecret through CheckSum is throttled per AppKey and
        // client address like password guessing (416 while locked).
        let guess_key = crate::client_address::current()
            .map(|address| crate::core::throttle::signature_key(&app.id, &address));
        let throttle = self.core.throttle();
        let had_failures = match &guess_key {
            Some(key) => throttle.check(key).await?,
            None => false,
        };
        if !checksum::matches(&checksum::checksum(&app.secret, &nonce, &cur_time), &sum) {
            if let Some(key) = &guess_key {
                throttle.failed(key).await?;
            }
            return Err(bad_header("CheckSum does not match"));
        }
        if let Some(key) = guess_key.as_deref().filter(|_| had_failures) {
            throttle.clear(key).await?;
        }
        let rule = self.core.config().server_api_rate;
        self.core.limits().hit(&format!("netease:{}", app.id), rule).await?;
        self.core.limits().use_nonce(&app.id, &nonce, checksum::NONCE_TTL).await.map_err(|e| match e {
            crate::core::Error::NonceReused => bad_header("Nonce already used"),
            other => other.into(),
        })?;
        Ok(app)
    }

    /// The user an accid names (empty: 414, unknown: 404).
    pub(crate) async fn user(&self, app: &AppId, accid: &str) -> Result<UserId, ApiError> {
        if accid.trim().is_empty() {
            return Err(bad_header("accid and faccid must not be empty"));
        }
        match self.core.users().by_username(app, accid).await {
            Ok(user) => Ok(user.id),
            Err(crate::core::Error::UserMissing) => Err(not_found(format!("accid `{accid}` does not exist"))),
            Err(e) => Err(e.into()),
        }
    }

    /// The user a call acts for, and the other user it names; an accid naming
    /// itself as faccid is 414.
    pub(crate) async fn pair(
        &self,
        c: &Credentials,
        accid: &str,
        faccid: &str,
    ) -> Result<(Actor, UserId), ApiError> {
        let app = self.authenticate(c).await?;
        if accid == faccid {
            return Err(bad_header("accid and faccid are the same account"));
        }
        let me = self.user(&app.id, accid).await?;
        let other = self.user(&app.id, faccid).await?;
        Ok((Actor::new(app.id, me), other))
    }
}
