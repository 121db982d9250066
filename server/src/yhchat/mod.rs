//! The YHChat dialect (its client API): implements the generated YHChat
//! traits by calling the core. The `token` header is a user token; the app
//! is the token's own (YHChat requests name no app). A chat id is a MaxIM
//! user id (chatType 1) or group id (chatType 2) written in decimal; users
//! and groups share one id space. Bots (chatType 3) answer -7 until they exist.
//!
//! Codes: [`errors`]. Friend operations: [`friend`].

pub mod errors;
pub mod friend;

use std::sync::Arc;

use axum::Router;

use crate::core::Core;
use crate::core::{Actor, GroupId, UserId};
use crate::generated::yhchat::api::{ApiError, Credentials};
use errors::{invalid, not_supported, target_not_found};

/// The YHChat API over one core. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Yhchat {
    pub(crate) core: Core,
}

/// Every YHChat route, answered in YHChat's envelope (or protobuf status).
pub fn router(core: Core) -> Router {
    crate::generated::yhchat::router(Arc::new(Yhchat::new(core)))
}

impl Yhchat {
    pub fn new(core: Core) -> Self {
        Yhchat { core }
    }

    /// The token's user (missing, unknown, expired, revoked: -3).
    pub(crate) async fn actor(&self, c: &Credentials) -> Result<Actor, ApiError> {
        Ok(self.core.tokens().authenticate_user_token(c.token.as_deref()).await?)
    }

    /// The user a chat id names in the actor's app (absent: -2; not a user
    /// of the app: -1).
    pub(crate) async fn chat_user(&self, me: &Actor, chat_id: Option<&str>) -> Result<UserId, ApiError> {
        let raw =
            chat_id.map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| invalid("chatId is required"))?;
        let missing = || target_not_found(format!("chat `{raw}` does not exist"));
        let id = raw.parse::<i64>().map(UserId).map_err(|_| missing())?;
        match self.core.users().get(&me.app, id).await {
            Ok(user) => Ok(user.id),
            Err(crate::core::Error::UserMissing) => Err(missing()),
            Err(e) => Err(e.into()),
        }
    }
}

/// What a `chatType` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChatKind {
    User,
    Group,
}

/// An absent chatType means a user, as the official client always sends 1
/// for one; bots answer -7 until they exist.
pub(crate) fn chat_kind(chat_type: Option<i32>) -> Result<ChatKind, ApiError> {
    match chat_type {
        None | Some(1) => Ok(ChatKind::User),
        Some(2) => Ok(ChatKind::Group),
        Some(3) => Err(not_supported("bots (chatType 3) are not supported yet")),
        Some(other) => Err(invalid(format!("chatType {other} is not 1, 2 or 3"))),
    }
}

/// The group a chat id names (absent: -2; not a number: -1). Whether it
/// exists is the core's to say (`GroupMissing`: -1), inside the operation.
pub(crate) fn chat_group(chat_id: Option<&str>) -> Result<GroupId, ApiError> {
    let raw =
        chat_id.map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| invalid("chatId is required"))?;
    raw.parse::<i64>().map(GroupId).map_err(|_| target_not_found(format!("chat `{raw}` does not exist")))
}
