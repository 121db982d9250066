//! The MaxIM dialect: implements the generated MaxIM traits by calling the
//! core. This module holds what every MaxIM operation shares: who is
//! calling ([`Maxim::caller`], [`Maxim::actor`]) and how a domain error reads
//! as a MaxIM code ([`errors`]). Each tag's operations live in their own file.

pub mod errors;
pub mod roster;
pub mod token;
pub mod user;

use crate::core::{Actor, AppId, Caller, Core, UserId};
use crate::generated::maxim::api::{ApiError, Credentials};

pub use errors::api_error;

/// The MaxIM API over one core. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Maxim {
    pub(crate) core: Core,
}

impl Maxim {
    pub fn new(core: Core) -> Self {
        Maxim { core }
    }

    /// The app named by the `app_id` header (missing or unknown: 40000).
    pub(crate) async fn app(&self, credentials: &Credentials) -> Result<AppId, ApiError> {
        let raw = credentials.app_id.as_deref().map(str::trim).unwrap_or("");
        if raw.is_empty() {
            return Err(ApiError::new(errors::APP_NOT_FOUND, "the app_id header is missing"));
        }
        let id = AppId::parse(raw)
            .map_err(|_| ApiError::new(errors::APP_NOT_FOUND, format!("app_id `{raw}` does not exist")))?;
        match self.core.apps().find(&id).await.map_err(api_error)? {
            Some(app) => Ok(app.id),
            None => Err(ApiError::new(errors::APP_NOT_FOUND, format!("app_id `{raw}` does not exist"))),
        }
    }

    /// The authenticated caller: a user or an app admin (`access-token`
    /// missing: 10003, invalid: 10008, expired: 402).
    pub(crate) async fn caller(&self, credentials: &Credentials) -> Result<Caller, ApiError> {
        let app = self.app(credentials).await?;
        let token = credentials.access_token.as_deref().map(str::trim).filter(|t| !t.is_empty());
        self.core.tokens().authenticate(&app, token).await.map_err(api_error)
    }

    /// The user an operation runs for: the caller itself, or with an admin
    /// token the user named by the `user_id` header (a user token naming
    /// anyone else: 10010).
    pub(crate) async fn actor(
        &self,
        credentials: &Credentials,
        act_as: Option<i64>,
    ) -> Result<Actor, ApiError> {
        let caller = self.caller(credentials).await?;
        self.core.tokens().act_as(&caller, act_as.map(UserId)).await.map_err(api_error)
    }

    /// An admin caller (a user token: 10010).
    pub(crate) async fn admin(&self, credentials: &Credentials) -> Result<Caller, ApiError> {
        let caller = self.caller(credentials).await?;
        caller.require_admin().map_err(api_error)?;
        Ok(caller)
    }
}
