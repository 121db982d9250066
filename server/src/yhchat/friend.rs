//! `/v1/friend/*` over the shared friend graph.
//!
//! - `apply` is MaxIM's `/roster/apply` (the target's auth mode decides);
//!   applying to someone who already applied to you makes you friends.
//! - `agree-apply` takes the application id that `request-list` shows as
//!   `requestId`: 1 accepts; 2 declines; 3 ("show as expired") and
//!   4 ("show as dissolved") also close the application unaccepted, with
//!   that word kept as the decline reason.
//! - `address-book-list` answers three lists as YHChat does: "用户" (the
//!   friends), "我加入的群聊" and "机器人" (empty until groups and bots exist).
//! - `request-list` answers the applications made to the caller, newest
//!   first; `result` uses agree-apply's numbers: 0 pending, 1 accepted,
//!   2 declined, 3 expired. Times are UTC seconds (`inviteAtStr` in UTC).

use std::collections::HashMap;

use crate::core::friends::{Application, ApplicationStatus, ApplyRequest, DeleteOptions, FriendPatch};
use crate::core::paging::MAX_LIMIT;
use crate::core::users::User;
use crate::core::{Actor, ApplicationId, PageRequest, UserId};
use crate::generated::yhchat::api::{ApiError, FriendApi, Request};
use crate::generated::yhchat::models;

use super::errors::{invalid, ok_status};
use super::{Yhchat, require_user_chat};

impl FriendApi for Yhchat {
    async fn friend_apply(&self, req: Request<(), models::FriendApplyInput>) -> Result<(), ApiError> {
        let me = self.actor(&req.credentials).await?;
        require_user_chat(req.input.chat_type)?;
        let target = self.chat_user(&me, req.input.chat_id.as_deref()).await?;
        let apply = ApplyRequest { reason: req.input.remark.unwrap_or_default(), ..Default::default() };
        self.core.friends().apply(&me, target, apply).await?;
        Ok(())
    }

    async fn friend_delete_friend(
        &self,
        req: Request<(), models::FriendDeleteFriendInput>,
    ) -> Result<(), ApiError> {
        let me = self.actor(&req.credentials).await?;
        require_user_chat(req.input.chat_type)?;
        let friend = self.chat_user(&me, req.input.chat_id.as_deref()).await?;
        Ok(self.core.friends().delete(&me, friend, DeleteOptions::default()).await?)
    }

    async fn friend_agree_apply(
        &self,
        req: Request<(), models::FriendAgreeApplyInput>,
    ) -> Result<(), ApiError> {
        let me = self.actor(&req.credentials).await?;
        let id =
            req.input.id.map(|id| ApplicationId(i64::from(id))).ok_or_else(|| invalid("id is required"))?;
        let friends = self.core.friends();
        match req.input.agree {
            Some(1) => friends.accept_application(&me, id).await,
            Some(2) => friends.decline_application(&me, id, "").await,
            Some(3) => friends.decline_application(&me, id, "expired").await,
            Some(4) => friends.decline_application(&me, id, "dissolved").await,
            _ => return Err(invalid("agree must be 1, 2, 3 or 4")),
        }?;
        Ok(())
    }

    async fn friend_address_book_list(
        &self,
        req: Request<(), models::FriendAddressBookListMessage>,
    ) -> Result<models::FriendAddressBookListReply, ApiError> {
        let me = self.actor(&req.credentials).await?;
        let friends = self.core.friends();
        let mut ids = Vec::new();
        let mut page = PageRequest::first(MAX_LIMIT);
        loop {
            let got = friends.friend_ids(&me, &page).await?;
            ids.extend(got.items);
            match got.next_cursor {
                Some(cursor) => page = PageRequest::after(Some(cursor), MAX_LIMIT),
                None => break,
            }
        }
        let mut users = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(usize::try_from(MAX_LIMIT).unwrap_or(1000)) {
            for item in friends.items(&me, chunk).await? {
                let name = [&item.alias, &item.nick_name, &item.username]
                    .into_iter()
                    .find(|s| !s.is_empty())
                    .cloned()
                    .unwrap_or_default();
                users.push(models::FriendAddressBookListReplyDataItemDataItem {
                    chat_id: item.user.0.to_string(),
                    name,
                    avatar_url: item.avatar,
                    permisson_level: 0,
                    no_disturb: item.mute_notification,
                });
            }
        }
        let list = |name: &str, data| models::FriendAddressBookListReplyDataItem {
            list_name: name.to_string(),
            data,
        };
        Ok(models::FriendAddressBookListReply {
            // The request's number is echoed, as YHChat's status carries it.
            status: Some(ok_status(req.input.number.trim().parse().unwrap_or(0))),
            data: vec![list("用户", users), list("我加入的群聊", Vec::new()), list("机器人", Vec::new())],
        })
    }

    async fn friend_request_list(
        &self,
        req: Request<(), ()>,
    ) -> Result<models::FriendRequestListReply, ApiError> {
        let me = self.actor(&req.credentials).await?;
        let friends = self.core.friends();
        let mut applications = Vec::new();
        let mut page = PageRequest::first(MAX_LIMIT);
        loop {
            let got = friends.applications(&me, &page).await?;
            applications.extend(got.items);
            match got.next_cursor {
                Some(cursor) => page = PageRequest::after(Some(cursor), MAX_LIMIT),
                None => break,
            }
        }
        let mut people = People { yh: self, me: &me, known: HashMap::new() };
        let receiver = people.get(me.user).await?;
        let mut requests = Vec::with_capacity(applications.len());
        for a in applications {
            let applicant = people.get(a.applicant).await?;
            if let Some(request) = request_item(&a, &receiver, &applicant) {
                requests.push(request);
            }
        }
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        let pending = requests.iter().filter(|r| r.result == 0).count();
        Ok(models::FriendRequestListReply {
            status: Some(ok_status(0)),
            total: count(requests.len()),
            pending: count(pending),
            requests,
        })
    }

    async fn friend_no_notify(&self, req: Request<(), models::FriendNoNotifyInput>) -> Result<(), ApiError> {
        let me = self.actor(&req.credentials).await?;
        let mute = match req.input.no_notify {
            Some(0) => false,
            Some(1) => true,
            _ => return Err(invalid("noNotify must be 0 or 1")),
        };
        let friend = self.chat_user(&me, req.input.chat_id.as_deref()).await?;
        let patch = FriendPatch { mute_notification: Some(mute), ..Default::default() };
        Ok(self.core.friends().set_ext(&me, friend, patch).await?)
    }
}

/// Profiles looked up once per request.
struct People<'a> {
    yh: &'a Yhchat,
    me: &'a Actor,
    known: HashMap<UserId, User>,
}

impl People<'_> {
    async fn get(&mut self, id: UserId) -> Result<User, ApiError> {
        if let Some(user) = self.known.get(&id) {
            return Ok(user.clone());
        }
        let user = self.yh.core.users().get(&self.me.app, id).await?;
        self.known.insert(id, user.clone());
        Ok(user)
    }
}

fn display_name(user: &User) -> String {
    if user.nick_name.is_empty() { user.username.clone() } else { user.nick_name.clone() }
}

/// One application as YHChat lists it; `None` when its id does not fit the
/// document's int32 `requestId` (it could not be agreed to by id anyway).
fn request_item(
    a: &Application,
    receiver: &User,
    applicant: &User,
) -> Option<models::FriendRequestListReplyRequestsItem> {
    let Ok(request_id) = i32::try_from(a.id.0) else {
        tracing::warn!(
            application = a.id.0,
            "a friend application id does not fit YHChat's int32 requestId; left out of request-list"
        );
        return None;
    };
    let (result, processed_at, processor) = match a.status {
        ApplicationStatus::Pending => (0, 0, String::new()),
        ApplicationStatus::Accepted => (1, a.updated_at, display_name(receiver)),
        ApplicationStatus::Declined => (2, a.updated_at, display_name(receiver)),
        ApplicationStatus::Expired => (3, a.expires_at, String::new()),
    };
    Some(models::FriendRequestListReplyRequestsItem {
        receiver_name: display_name(receiver),
        receiver_avatar: receiver.avatar.clone(),
        name: display_name(applicant),
        avatar: applicant.avatar.clone(),
        inviter_id: applicant.id.0.to_string(),
        source_type: 1,
        target_type: 1,
        target_id: receiver.id.0.to_string(),
        receiver_id: receiver.id.0.to_string(),
        result,
        processed_at: processed_at / 1000,
        invite_at: a.created_at / 1000,
        invite_at_str: utc_text(a.created_at / 1000),
        request_id,
        processor_name: processor,
        note: a.reason.clone(),
        ..Default::default()
    })
}

/// `YYYY-MM-DD HH:MM:SS` in UTC (days to civil date: H. Hinnant's algorithm).
fn utc_text(seconds: i64) -> String {
    let (days, secs) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::utc_text;

    #[test]
    fn utc_dates() {
        assert_eq!(utc_text(0), "1970-01-01 00:00:00");
        assert_eq!(utc_text(1_443_592_222), "2015-09-30 05:50:22");
        assert_eq!(utc_text(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(utc_text(-1), "1969-12-31 23:59:59");
    }
}
