//! Users: registration, profile, contact bindings, password, disable/enable.

use super::Core;
use super::callers::{Actor, Caller};
use super::error::{Error, Result};
use super::ids::{AppId, UserId};
use super::secrets;
use super::validation::{self, Limit};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub app: AppId,
    /// Unique within the app; also the NetEase accid.
    pub username: String,
    pub nick_name: String,
    pub avatar: String,
    pub description: String,
    /// Visible to anybody.
    pub public_info: String,
    /// Visible to the user only.
    pub private_info: String,
    /// Unique within the app when set.
    pub mobile: Option<String>,
    /// Unique within the app when set.
    pub email: Option<String>,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

impl NewUser {
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        NewUser { username: username.into(), password: password.into(), ..Default::default() }
    }
}

/// What the store needs to create a user; built only after validation.
#[derive(Debug, Clone)]
pub struct ValidNewUser {
    pub username: String,
    pub password_hash: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

/// `None` leaves a field as it is; `Some("")` clears it.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    pub nick_name: Option<String>,
    pub avatar: Option<String>,
    pub description: Option<String>,
    pub public_info: Option<String>,
    pub private_info: Option<String>,
}

impl ProfilePatch {
    fn validate(&self) -> Result<()> {
        Limit::NICK_NAME.check_opt(self.nick_name.as_deref())?;
        Limit::AVATAR.check_opt(self.avatar.as_deref())?;
        Limit::DESCRIPTION.check_opt(self.description.as_deref())?;
        Limit::PUBLIC_INFO.check_opt(self.public_info.as_deref())?;
        Limit::PRIVATE_INFO.check_opt(self.private_info.as_deref())
    }
}

/// Stored credentials of one user, for login.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: UserId,
    pub password_hash: String,
    pub disabled: bool,
}

pub struct Users<'a> {
    pub(super) core: &'a Core,
    /// The client address the old-password check is throttled by (`throttle`).
    pub(super) from: Option<String>,
}

impl Users<'_> {
    /// The old-password check throttled by this client address too.
    pub fn from_address(mut self, address: Option<&str>) -> Self {
        self.from = address.map(str::to_owned);
        self
    }

    /// Open registration (no token). The app must exist.
    pub async fn register(&self, app: &AppId, new: NewUser) -> Result<User> {
        self.core.apps().get(app).await?;
        self.insert(app, new).await
    }

    /// Admin only. Each entry succeeds or fails on its own.
    pub async fn register_batch(&self, caller: &Caller, list: Vec<NewUser>) -> Result<Vec<Result<User>>> {
        caller.require_admin()?;
        let mut out = Vec::with_capacity(list.len());
        for new in list {
            out.push(self.insert(&caller.app, new).await);
        }
        Ok(out)
    }

    async fn insert(&self, app: &AppId, new: NewUser) -> Result<User> {
        let username = validation::username(&new.username)?;
        validation::password(&new.password)?;
        let mobile = validation::mobile(new.mobile.as_deref())?;
        let email = validation::email(new.email.as_deref())?;
        // Cheap early answer before paying for a hash; the UNIQUE constraint
        // still settles a race between two registrations of one name.
        if self.core.db.user_by_username(app, &username).await?.is_some() {
            return Err(Error::UsernameTaken);
        }
        let password_hash = secrets::hash_password(new.password, self.core.config.password_cost).await?;
        let valid = ValidNewUser { username, password_hash, mobile, email };
        self.core.db.insert_user(app, &valid, self.core.now_ms()).await
    }

    /// Any user of the app, by id.
    pub async fn get(&self, app: &AppId, id: UserId) -> Result<User> {
        self.core.db.user(app, id).await?.ok_or(Error::UserMissing)
    }

    /// The actor's own profile (includes private fields).
    pub async fn profile(&self, actor: &Actor) -> Result<User> {
        self.get(&actor.app, actor.user).await
    }

    pub async fn by_username(&self, app: &AppId, username: &str) -> Result<User> {
        self.core.db.user_by_username(app, username).await?.ok_or(Error::UserMissing)
    }

    pub async fn by_mobile(&self, app: &AppId, mobile: &str) -> Result<User> {
        self.core.db.user_by_mobile(app, mobile.trim()).await?.ok_or(Error::UserMissing)
    }

    /// Resolves a NetEase accid (= username) to the user it names.
    pub async fn actor_by_username(&self, app: &AppId, username: &str) -> Result<Actor> {
        let user = self.by_username(app, username).await?;
        Ok(Actor::new(app.clone(), user.id))
    }

    pub async fn update_profile(&self, actor: &Actor, patch: ProfilePatch) -> Result<User> {
        patch.validate()?;
        if !self.core.db.update_profile(&actor.app, actor.user, &patch, self.core.now_ms()).await? {
            return Err(Error::UserMissing);
        }
        self.profile(actor).await
    }

    /// Admin only; each entry succeeds or fails on its own.
    pub async fn update_profiles(
        &self,
        caller: &Caller,
        list: Vec<(UserId, ProfilePatch)>,
    ) -> Result<Vec<(UserId, Result<User>)>> {
        caller.require_admin()?;
        let mut out = Vec::with_capacity(list.len());
        for (user, patch) in list {
            let actor = Actor::new(caller.app.clone(), user);
            out.push((user, self.update_profile(&actor, patch).await));
        }
        Ok(out)
    }

    pub async fn set_username(&self, actor: &Actor, username: &str) -> Result<User> {
        let username = validation::username(username)?;
        if !self.core.db.set_username(&actor.app, actor.user, &username, self.core.now_ms()).await? {
            return Err(Error::UserMissing);
        }
        self.profile(actor).await
    }

    /// `None` or `""` unbinds the number.
    pub async fn set_mobile(&self, actor: &Actor, mobile: Option<&str>) -> Result<User> {
        let mobile = validation::mobile(mobile)?;
        if !self.core.db.set_mobile(&actor.app, actor.user, mobile.as_deref(), self.core.now_ms()).await? {
            return Err(Error::UserMissing);
        }
        self.profile(actor).await
    }

    /// `None` or `""` unbinds the address.
    pub async fn set_email(&self, actor: &Actor, email: Option<&str>) -> Result<User> {
        let email = validation::email(email)?;
        if !self.core.db.set_email(&actor.app, actor.user, email.as_deref(), self.core.now_ms()).await? {
            return Err(Error::UserMissing);
        }
        self.profile(actor).await
    }

    /// Checks the old password, stores the new one and revokes every token of
    /// the user, the current one included.
    pub async fn change_password(&self, actor: &Actor, old: &str, new: &str) -> Result<()> {
        validation::password(new)?;
        let creds =
            self.core.db.credentials_by_id(&actor.app, actor.user).await?.ok_or(Error::UserMissing)?;
        self.core
            .throttle()
            .verify_password(&actor.app, actor.user, self.from.as_deref(), old, creds.password_hash)
            .await?;
        self.store_password(actor, new).await
    }

    /// Admin only: sets a password without knowing the old one.
    pub async fn reset_password(&self, caller: &Caller, user: UserId, new: &str) -> Result<()> {
        caller.require_admin()?;
        validation::password(new)?;
        self.store_password(&Actor::new(caller.app.clone(), user), new).await
    }

    async fn store_password(&self, actor: &Actor, new: &str) -> Result<()> {
        let hash = secrets::hash_password(new.to_owned(), self.core.config.password_cost).await?;
        if self.core.db.set_password(&actor.app, actor.user, &hash, self.core.now_ms()).await? {
            self.core.kick(actor, None, super::wakes::KickReason::PasswordChanged);
            Ok(())
        } else {
            Err(Error::UserMissing)
        }
    }

    /// Admin only. A disabled user gets no token and its tokens stop working
    /// (they are revoked, so enabling again does not revive them). Every id
    /// must exist, else nothing changes.
    pub async fn disable(&self, caller: &Caller, users: &[UserId]) -> Result<()> {
        self.set_disabled(caller, users, true).await
    }

    pub async fn enable(&self, caller: &Caller, users: &[UserId]) -> Result<()> {
        self.set_disabled(caller, users, false).await
    }

    async fn set_disabled(&self, caller: &Caller, users: &[UserId], disabled: bool) -> Result<()> {
        caller.require_admin()?;
        self.core.db.set_disabled(&caller.app, users, disabled, self.core.now_ms()).await?;
        if disabled {
            for user in users {
                self.core.kick(
                    &Actor::new(caller.app.clone(), *user),
                    None,
                    super::wakes::KickReason::Frozen,
                );
            }
        }
        Ok(())
    }

    /// Online means holding a live (unexpired, unrevoked) user token: the
    /// only presence signal that survives without a socket and is shared by
    /// every server process through the database.
    pub async fn is_online(&self, app: &AppId, user: UserId) -> Result<bool> {
        self.get(app, user).await?;
        self.core.db.has_live_token(app, user, self.core.now_ms()).await
    }
}
