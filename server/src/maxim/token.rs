//! The MaxIM token section: a user token by user name, by id, or by a login
//! name that may be a username, a mobile number or an email. These calls
//! need only `app_id`; a `device_guid` registers the device and brings back
//! its `push_token`.

use crate::core::UserId;
use crate::core::devices::DeviceLogin;
use crate::core::tokens::IssuedToken;
use crate::generated::maxim::api::{ApiError, GroupIdUserIdHeaders, Request, TokenApi};
use crate::generated::maxim::models;

use super::Maxim;
use super::user::{given, missing, required};

/// The token answer of `/token/user`, `/token/id` and `/token/login`.
/// `expire` is the expiry in milliseconds since 1970, like every other MaxIM
/// time (an override widens the export's int32). The file-store fields
/// belong to the files section.
fn token_data(issued: IssuedToken) -> models::TokenData {
    models::TokenData {
        access_key_secret: None,
        encrypt_type: None,
        expire: Some(issued.expires_at),
        public_key: None,
        push_token: issued.device.map(|d| d.push_token),
        store_token: None,
        token: Some(issued.token),
        user_id: Some(issued.user.0),
    }
}

fn device(guid: Option<String>) -> Option<DeviceLogin> {
    given(guid).map(DeviceLogin::new)
}

impl Maxim {
    /// Password logins throttled by the request's client address (`core::throttle`).
    fn tokens(&self) -> crate::core::tokens::Tokens<'_> {
        self.core.tokens().from_address(crate::client_address::current().as_deref())
    }
}

impl TokenApi for Maxim {
    async fn token_id(
        &self,
        req: Request<GroupIdUserIdHeaders, models::TokenIdInput>,
    ) -> Result<models::TokenData, ApiError> {
        let app = self.app(&req.credentials).await?;
        let i = req.input;
        let user = UserId(required(i.user_id, "user_id")?);
        let issued = match (i.password, req.credentials.access_token.is_some()) {
            (Some(password), _) => {
                self.tokens().login_by_id(&app, user, &password, device(i.device_guid)).await
            }
            // An app admin token may fetch a token for any user of its app
            // without the password (a user token here: 10010).
            (None, true) => {
                let caller = self.caller(&req.credentials).await?;
                self.core.tokens().issue_for(&caller, user, device(i.device_guid)).await
            }
            (None, false) => return Err(missing("password")),
        };
        Ok(token_data(issued?))
    }

    async fn token_login(
        &self,
        req: Request<GroupIdUserIdHeaders, models::TokenLoginInput>,
    ) -> Result<models::TokenData, ApiError> {
        let app = self.app(&req.credentials).await?;
        let i = req.input;
        let login_name = required(i.login_name, "login_name")?;
        let password = required(i.password, "password")?;
        let issued = self.tokens().login_by_name(&app, &login_name, &password, device(i.device_guid)).await?;
        Ok(token_data(issued))
    }

    async fn token_user(
        &self,
        req: Request<GroupIdUserIdHeaders, models::TokenUserInput>,
    ) -> Result<models::TokenData, ApiError> {
        let app = self.app(&req.credentials).await?;
        let i = req.input;
        let name = required(i.name, "name")?;
        let password = required(i.password, "password")?;
        let issued = self.tokens().login_by_username(&app, &name, &password, device(i.device_guid)).await?;
        Ok(token_data(issued))
    }
}
