//! `/nimserver/friend/*.action` over the shared friend graph.
//!
//! How the graph reads in NetEase's terms:
//! - `add` type 1 makes both friends at once (the server API is trusted: the
//!   target's verification setting is not asked, a block still refuses);
//!   type 2 is an application as MaxIM's `/roster/apply` makes it (the
//!   target's auth mode decides: pending, friends at once, or refused 403);
//!   types 3 and 4 accept or refuse faccid's pending application to accid.
//! - `get` returns accid's friendship rows changed after `updatetime`,
//!   oldest change first. A friendship ended since then is in the list with
//!   `bidirection: false` and `updatetime` the time it ended, so a client
//!   syncing by `updatetime` learns of deletions; `bidirection: true` is a
//!   current friend (friendships here are always two-way).
//! - `getByAccid` answers only current friends; anybody else (never a
//!   friend, deleted, unknown) is 404.
//! - `serverex` is written by `add` type 1 and `update` only (no client API
//!   writes it); empty `alias` / `ex` / `serverex` clear them.

use crate::core::friends::{ApplyRequest, DeleteOptions, Friendship, Relation, ServerFriendPatch};
use crate::generated::netease::api::{ApiError, FriendApi, Request};
use crate::generated::netease::models;

use super::Netease;
use super::errors::{bad_parameter, not_found};

impl FriendApi for Netease {
    async fn friend_add(&self, req: Request<(), models::FriendAddInput>) -> Result<(), ApiError> {
        let input = req.input;
        let (me, other) = self.pair(&req.credentials, &input.accid, &input.faccid).await?;
        let friends = self.core.friends();
        let msg = input.msg.unwrap_or_default();
        match input.r#type {
            1 => friends.add_directly(&me, other, input.serverex.as_deref()).await,
            2 => {
                friends.apply(&me, other, ApplyRequest { reason: msg, ..Default::default() }).await.map(drop)
            }
            3 => friends.accept(&me, other).await,
            4 => friends.decline(&me, other, &msg).await,
            _ => return Err(bad_parameter("type must be 1, 2, 3 or 4")),
        }?;
        Ok(())
    }

    async fn friend_update(&self, req: Request<(), models::FriendUpdateInput>) -> Result<(), ApiError> {
        let input = req.input;
        let (me, other) = self.pair(&req.credentials, &input.accid, &input.faccid).await?;
        let patch = ServerFriendPatch { alias: input.alias, ext: input.ex, server_ex: input.serverex };
        Ok(self.core.friends().update_by_server(&me, other, patch).await?)
    }

    async fn friend_delete(&self, req: Request<(), models::FriendDeleteInput>) -> Result<(), ApiError> {
        let input = req.input;
        let (me, other) = self.pair(&req.credentials, &input.accid, &input.faccid).await?;
        let options = DeleteOptions { clear_alias: input.is_delete_alias.unwrap_or(false) };
        Ok(self.core.friends().delete(&me, other, options).await?)
    }

    async fn friend_get(
        &self,
        req: Request<(), models::FriendGetInput>,
    ) -> Result<models::FriendGetReply, ApiError> {
        let app = self.authenticate(&req.credentials).await?;
        let me = crate::core::Actor::new(app.id.clone(), self.user(&app.id, &req.input.accid).await?);
        let rows = self.core.friends().changed_since(&me, req.input.updatetime).await?;
        let friends: Vec<models::Friend> = rows.into_iter().map(friend).collect();
        Ok(models::FriendGetReply {
            size: Some(i32::try_from(friends.len()).unwrap_or(i32::MAX)),
            friends: Some(friends),
        })
    }

    async fn friend_get_by_accid(
        &self,
        req: Request<(), models::FriendGetByAccidInput>,
    ) -> Result<models::FriendGetByAccidReply, ApiError> {
        let input = req.input;
        let (me, other) = self.pair(&req.credentials, &input.accid, &input.faccid).await?;
        match self.core.friends().friendship(&me, other).await? {
            Some(f) if f.relation == Relation::Friend => {
                Ok(models::FriendGetByAccidReply { friend: Some(friend(f)) })
            }
            _ => Err(not_found(format!("{} and {} are not friends", input.accid, input.faccid))),
        }
    }
}

/// One friendship row in NetEase's fields; empty text is left out, as
/// NetEase's own answers omit unset fields.
fn friend(f: Friendship) -> models::Friend {
    let set = |s: String| if s.is_empty() { None } else { Some(s) };
    models::Friend {
        faccid: Some(f.friend_username),
        createtime: Some(f.created_at),
        updatetime: Some(f.updated_at),
        bidirection: Some(f.relation == Relation::Friend),
        alias: set(f.alias),
        ex: set(f.ext),
        serverex: set(f.server_ex),
    }
}
