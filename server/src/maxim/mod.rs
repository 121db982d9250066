//! The MaxIM dialect: implements the generated MaxIM traits by calling the
//! core. This module holds what every MaxIM operation shares: who is
//! calling ([`Maxim::caller`]) and for whom ([`Maxim::actor`], from the
//! act-as headers), and how a domain error reads as a MaxIM code
//! ([`errors`]). Each tag's operations live in their own file.

pub mod errors;
pub mod file;
pub mod group;
pub mod message;
pub mod push;
pub mod roster;
pub mod token;
pub mod user;

use crate::core::{Actor, AppId, Caller, Core, UserId};
use crate::generated::maxim::api::{
    ApiError, Credentials, GroupIdHeaders, GroupIdUserIdHeaders, Request, UserIdHeaders,
};

/// The MaxIM API over one core. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Maxim {
    pub(crate) core: Core,
    /// The server's address as clients reach it (`--public-url`), for the
    /// links the file section hands out.
    pub(crate) public_url: String,
}

/// The act-as headers of an operation: with an admin token, `user_id` names
/// the user the call runs for. Operations whose documented headers have no
/// `user_id` run as the token's user only (`docs/maxim.md#acting-as-a-user`).
pub(crate) trait ActAs {
    fn user_id(&self) -> Option<i64>;
}

impl ActAs for GroupIdUserIdHeaders {
    fn user_id(&self) -> Option<i64> {
        self.user_id
    }
}

impl ActAs for UserIdHeaders {
    fn user_id(&self) -> Option<i64> {
        self.user_id
    }
}

/// `group_id` (acting as a group's admin) belongs to the group section.
impl ActAs for GroupIdHeaders {
    fn user_id(&self) -> Option<i64> {
        None
    }
}

impl ActAs for () {
    fn user_id(&self) -> Option<i64> {
        None
    }
}

impl Maxim {
    pub fn new(core: Core) -> Self {
        Maxim { core, public_url: String::new() }
    }

    /// The same API, handing out links under `public_url`.
    pub fn with_public_url(mut self, public_url: impl Into<String>) -> Self {
        self.public_url = public_url.into();
        self
    }

    /// The app named by the `app_id` header (missing or unknown: 40000).
    pub(crate) async fn app(&self, credentials: &Credentials) -> Result<AppId, ApiError> {
        let raw = credentials.app_id.as_deref().map(str::trim).unwrap_or("");
        if raw.is_empty() {
            return Err(errors::app_not_found("the app_id header is missing"));
        }
        let unknown = || errors::app_not_found(format!("app_id `{raw}` does not exist"));
        let id = AppId::parse(raw).map_err(|_| unknown())?;
        self.core.apps().find(&id).await?.map(|app| app.id).ok_or_else(unknown)
    }

    /// The authenticated caller: a user or an app admin (`access-token`
    /// missing: 10003, invalid: 10008, expired: 402).
    pub(crate) async fn caller(&self, credentials: &Credentials) -> Result<Caller, ApiError> {
        let app = self.app(credentials).await?;
        let token = credentials.access_token.as_deref().map(str::trim).filter(|t| !t.is_empty());
        Ok(self.core.tokens().authenticate(&app, token).await?)
    }

    /// The user a request runs for: the caller itself, or with an admin
    /// token the user its act-as headers name (a user token naming anyone
    /// else: 10010).
    pub(crate) async fn actor<H: ActAs, I>(&self, req: &Request<H, I>) -> Result<Actor, ApiError> {
        self.actor_for(&req.credentials, req.headers.user_id()).await
    }

    /// As [`Maxim::actor`], for a user named elsewhere than in the headers.
    pub(crate) async fn actor_for(
        &self,
        credentials: &Credentials,
        user: Option<i64>,
    ) -> Result<Actor, ApiError> {
        let caller = self.caller(credentials).await?;
        Ok(self.core.tokens().act_as(&caller, user.map(UserId)).await?)
    }

    /// An admin caller (a user token: 10010).
    pub(crate) async fn admin(&self, credentials: &Credentials) -> Result<Caller, ApiError> {
        let caller = self.caller(credentials).await?;
        caller.require_admin()?;
        Ok(caller)
    }
}
