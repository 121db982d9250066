//! MaxIM `/roster/*`: the friend graph of the core, in MaxIM's words
//! (rules: `docs/maxim.md#friends`).
//!
//! Decisions the documents leave open:
//! - Text optionals: absent leaves a value as it is, `""` sets it empty
//!   (`/roster/ext` with `"alias": ""` clears the alias), because that is the
//!   only way a client can clear one.
//! - Operations whose documented headers have no `user_id` (accept, block,
//!   unblock, delete, the id lookup) run as the token's user only; an admin
//!   token there answers 10002 (it has nobody to act as).
//! - `/roster/may_message` asks about `user_id`: a user token may ask only for
//!   itself (else 10010), an admin token for anyone.
//! - accept / decline answer 10007 whenever there is no pending application
//!   from that user, an unknown user included.
//! - A lookup shows `alias`, `ext` and `mute_notification` only at relation 0
//!   (friend); otherwise they are absent, also while the viewer blocks a
//!   friend (relation 3: they show again after unblocking).

use crate::core::friends::{ApplyOutcome, ApplyRequest, FriendPatch, Relation, RosterItem};
use crate::core::{PageRequest, UserId};
use crate::generated::maxim::api::{ApiError, GroupIdHeaders, GroupIdUserIdHeaders, Request, RosterApi};
use crate::generated::maxim::models::{self, Paged};

use super::Maxim;
use super::errors::no_application;

fn page_request(cursor: Option<String>, limit: Option<i32>) -> PageRequest {
    PageRequest { cursor, limit: limit.map(i64::from) }
}

fn apply_request(reason: Option<String>, alias: Option<String>, answer: Option<String>) -> ApplyRequest {
    ApplyRequest { reason: reason.unwrap_or_default(), alias: alias.unwrap_or_default(), answer }
}

/// The roster item the lookups and `POST /roster/list` answer; alias, ext
/// and mute setting are the caller's own, shown only for a friend.
fn roster_item(item: RosterItem) -> models::RosterItem {
    let own = item.relation == Relation::Friend;
    models::RosterItem {
        user_id: Some(item.user.0),
        username: Some(item.username),
        nick_name: Some(item.nick_name),
        avatar: Some(item.avatar),
        description: Some(item.description),
        public_info: Some(item.public_info),
        auth_mode: i32::try_from(item.auth_mode.code()).ok(),
        auth_question: Some(item.auth_question),
        relation: i32::try_from(item.relation.code()).ok(),
        alias: own.then_some(item.alias),
        ext: own.then_some(item.ext),
        mute_notification: own.then_some(item.mute_notification),
    }
}

impl RosterApi for Maxim {
    async fn roster_accept(
        &self,
        req: Request<GroupIdHeaders, models::RosterAcceptInput>,
    ) -> Result<bool, ApiError> {
        let me = self.actor(&req).await?;
        self.core.friends().accept(&me, UserId(req.input.user_id)).await.map_err(no_application)?;
        Ok(true)
    }

    async fn roster_apply(
        &self,
        req: Request<GroupIdUserIdHeaders, models::RosterApplyInput>,
    ) -> Result<bool, ApiError> {
        let me = self.actor(&req).await?;
        let input = req.input;
        let request = apply_request(input.reason, input.alias, input.auth_answer);
        self.core.friends().apply(&me, UserId(input.user_id), request).await?;
        Ok(true)
    }

    async fn roster_apply_batch(
        &self,
        req: Request<GroupIdUserIdHeaders, Vec<models::RosterApplyBatchBodyItem>>,
    ) -> Result<models::RosterApplyBatchData, ApiError> {
        let me = self.actor(&req).await?;
        let list = req
            .input
            .into_iter()
            .map(|e| (UserId(e.user_id), apply_request(e.reason, e.alias, None)))
            .collect();
        let mut success = Vec::new();
        let mut fails = Vec::new();
        for entry in self.core.friends().apply_batch(&me, list).await {
            match entry.result {
                Ok(ApplyOutcome::Friends | ApplyOutcome::Pending { .. }) => success.push(entry.target.0),
                // The code is in the text: the entry has no field of its own for it.
                Err(e) => fails.push(models::RosterApplyBatchDataFailsItem {
                    user_id: Some(entry.target.0),
                    reason: Some(ApiError::from(e).to_string()),
                }),
            }
        }
        Ok(models::RosterApplyBatchData { success: Some(success), fails: Some(fails) })
    }

    async fn roster_apply_list(
        &self,
        req: Request<GroupIdUserIdHeaders, models::RosterApplyListInput>,
    ) -> Result<Paged<Vec<models::RosterApplyListDataItem>>, ApiError> {
        let me = self.actor(&req).await?;
        let page =
            self.core.friends().applications(&me, &page_request(req.input.cursor, req.input.limit)).await?;
        let data = page
            .items
            .into_iter()
            .map(|a| models::RosterApplyListDataItem {
                user_id: Some(a.applicant.0),
                reason: Some(a.reason),
                status: i32::try_from(a.status.maxim_code()).ok(),
                expired_time: Some(a.expires_at),
            })
            .collect();
        Ok(Paged { data, cursor: page.next_cursor, version: Some(page.version) })
    }

    async fn roster_block(
        &self,
        req: Request<GroupIdHeaders, models::RosterBlockInput>,
    ) -> Result<bool, ApiError> {
        let me = self.actor(&req).await?;
        self.core.friends().block(&me, UserId(req.input.user_id)).await?;
        Ok(true)
    }

    async fn roster_blocked_list(
        &self,
        req: Request<GroupIdUserIdHeaders, ()>,
    ) -> Result<Vec<i64>, ApiError> {
        let me = self.actor(&req).await?;
        let ids = self.core.friends().blocked_list(&me).await?;
        Ok(ids.into_iter().map(|u| u.0).collect())
    }

    async fn roster_decline(
        &self,
        req: Request<GroupIdUserIdHeaders, models::RosterDeclineInput>,
    ) -> Result<bool, ApiError> {
        let me = self.actor(&req).await?;
        let reason = req.input.reason.unwrap_or_default();
        self.core.friends().decline(&me, UserId(req.input.user_id), &reason).await.map_err(no_application)?;
        Ok(true)
    }

    async fn roster_delete(
        &self,
        req: Request<GroupIdHeaders, models::RosterDeleteInput>,
    ) -> Result<bool, ApiError> {
        let me = self.actor(&req).await?;
        self.core.friends().delete(&me, UserId(req.input.user_id), Default::default()).await?;
        Ok(true)
    }

    async fn roster_ext(
        &self,
        req: Request<GroupIdUserIdHeaders, models::RosterExtInput>,
    ) -> Result<bool, ApiError> {
        let me = self.actor(&req).await?;
        let input = req.input;
        let patch =
            FriendPatch { alias: input.alias, ext: input.ext, mute_notification: input.mute_notification };
        self.core.friends().set_ext(&me, UserId(input.user_id), patch).await?;
        Ok(true)
    }

    async fn roster_id(
        &self,
        req: Request<GroupIdHeaders, models::RosterIdInput>,
    ) -> Result<models::RosterItem, ApiError> {
        let me = self.actor(&req).await?;
        let item = self.core.friends().lookup_by_id(&me, UserId(req.input.user_id)).await?;
        Ok(roster_item(item))
    }

    async fn roster_list_ids(
        &self,
        req: Request<GroupIdUserIdHeaders, models::RosterListIdsInput>,
    ) -> Result<Paged<Vec<i64>>, ApiError> {
        let me = self.actor(&req).await?;
        let input = req.input;
        // The web SDK asks without a limit and follows no cursor: the whole list.
        let whole =
            matches!(input.limit, None | Some(0)) && input.cursor.as_deref().is_none_or(str::is_empty);
        let friends = self.core.friends();
        let page = if whole {
            friends.all_friend_ids(&me).await?
        } else {
            friends.friend_ids(&me, &page_request(input.cursor, input.limit)).await?
        };
        Ok(Paged {
            data: page.items.into_iter().map(|u| u.0).collect(),
            cursor: page.next_cursor,
            version: Some(page.version),
        })
    }

    async fn roster_list_items(
        &self,
        req: Request<GroupIdUserIdHeaders, models::RosterListItemsInput>,
    ) -> Result<Vec<models::RosterItem>, ApiError> {
        let me = self.actor(&req).await?;
        let ids: Vec<UserId> = req.input.list.into_iter().map(UserId).collect();
        let items = self.core.friends().items(&me, &ids).await?;
        Ok(items.into_iter().map(roster_item).collect())
    }

    async fn roster_may_message(
        &self,
        req: Request<GroupIdHeaders, models::RosterMayMessageInput>,
    ) -> Result<bool, ApiError> {
        // Asking about `user_id` is acting as `user_id`: only that user or an admin may.
        let me = self.actor_for(&req.credentials, Some(req.input.user_id)).await?;
        Ok(self.core.friends().may_message(&me.app, me.user, UserId(req.input.roster_id)).await?)
    }

    async fn roster_mobile(
        &self,
        req: Request<GroupIdUserIdHeaders, models::RosterMobileInput>,
    ) -> Result<models::RosterItem, ApiError> {
        let me = self.actor(&req).await?;
        let item = self.core.friends().lookup_by_mobile(&me, req.input.mobile.trim()).await?;
        Ok(roster_item(item))
    }

    async fn roster_name(
        &self,
        req: Request<GroupIdUserIdHeaders, models::RosterNameInput>,
    ) -> Result<models::RosterItem, ApiError> {
        let me = self.actor(&req).await?;
        let item = self.core.friends().lookup_by_username(&me, req.input.username.trim()).await?;
        Ok(roster_item(item))
    }

    async fn roster_unblock(
        &self,
        req: Request<GroupIdHeaders, models::RosterUnblockInput>,
    ) -> Result<bool, ApiError> {
        let me = self.actor(&req).await?;
        self.core.friends().unblock(&me, UserId(req.input.user_id)).await?;
        Ok(true)
    }
}
