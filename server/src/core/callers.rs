//! Who is calling: the authenticated principal, and the user it acts as.

use super::error::{Error, Result};
use super::ids::{AdminTokenId, AppId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// A user token: may act only as this user.
    User(UserId),
    /// An app admin token: may act as any user of its app, and as a group admin.
    Admin(AdminTokenId),
}

/// The result of authenticating a token against an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub app: AppId,
    pub principal: Principal,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        matches!(self.principal, Principal::Admin(_))
    }

    pub fn require_admin(&self) -> Result<()> {
        if self.is_admin() { Ok(()) } else { Err(Error::NoPermission) }
    }
}

/// A user of an app on whose behalf an operation runs. Obtained from
/// `Tokens::act_as` (MaxIM, YHChat) or `Users::actor_by_username` (NetEase,
/// whose server API is trusted by its app checksum).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub app: AppId,
    pub user: UserId,
}

impl Actor {
    pub fn new(app: AppId, user: UserId) -> Self {
        Actor { app, user }
    }
}
