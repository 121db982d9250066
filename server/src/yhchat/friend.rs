//! `/v1/friend/*` over the shared friend graph and the core's groups.
//!
//! - `apply` is MaxIM's `/roster/apply` (the target's auth mode decides);
//!   applying to someone who already applied to you makes you friends. With
//!   chatType 2 it applies to join the group (its `apply_approval` decides).
//! - `agree-apply` takes the application id that `request-list` shows as
//!   `requestId`: 1 accepts; 2 declines; 3 ("show as expired") and
//!   4 ("show as dissolved") also close the application unaccepted, with
//!   that word kept as the decline reason of a friend application.
//! - Friend and group applications are numbered apart (two tables), so both
//!   can appear in one `request-list`: a friend application is listed as its
//!   id, a group application as its id negated. The sign tells
//!   `agree-apply` which one an id names; 0 names neither.
//! - `address-book-list` answers three lists as YHChat does: "用户" (the
//!   friends), "我加入的群聊" (the groups one is a member of) and "机器人"
//!   (empty until bots exist).
//! - `request-list` answers the applications made to the caller and those
//!   made to the groups the caller administers, newest first; `result` uses
//!   agree-apply's numbers: 0 pending, 1 accepted, 2 declined, 3 expired.
//!   Times are UTC seconds (`inviteAtStr` in UTC).
//! - `delete-friend` with chatType 2 leaves the group.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::core::friends::{Application, ApplicationStatus, ApplyRequest, DeleteOptions, FriendPatch};
use crate::core::groups::{Group, GroupApplication, GroupRole, RequestStatus};
use crate::core::paging::MAX_LIMIT;
use crate::core::users::User;
use crate::core::{Actor, ApplicationId, Error, PageRequest, UserId};
use crate::generated::yhchat::api::{ApiError, FriendApi, Request};
use crate::generated::yhchat::models;

use super::errors::{application_not_found, invalid, ok_status};
use super::{ChatKind, Yhchat, chat_group, chat_kind};

type RequestItem = models::FriendRequestListReplyRequestsItem;
type ChatItem = models::FriendAddressBookListReplyDataItemDataItem;

impl FriendApi for Yhchat {
    async fn friend_apply(&self, req: Request<(), models::FriendApplyInput>) -> Result<(), ApiError> {
        let me = self.actor(&req.credentials).await?;
        let remark = req.input.remark.unwrap_or_default();
        if chat_kind(req.input.chat_type)? == ChatKind::Group {
            let group = chat_group(req.input.chat_id.as_deref())?;
            // Joined at once or pending: the answer is success either way, as
            // for a friend application; the address book tells them apart.
            self.core.groups().apply(&me, group, &remark).await?;
            return Ok(());
        }
        let target = self.chat_user(&me, req.input.chat_id.as_deref()).await?;
        let apply = ApplyRequest { reason: remark, ..Default::default() };
        self.core.friends().apply(&me, target, apply).await?;
        Ok(())
    }

    async fn friend_delete_friend(
        &self,
        req: Request<(), models::FriendDeleteFriendInput>,
    ) -> Result<(), ApiError> {
        let me = self.actor(&req.credentials).await?;
        if chat_kind(req.input.chat_type)? == ChatKind::Group {
            let group = chat_group(req.input.chat_id.as_deref())?;
            return Ok(self.core.groups().leave(&me, group).await?);
        }
        let friend = self.chat_user(&me, req.input.chat_id.as_deref()).await?;
        Ok(self.core.friends().delete(&me, friend, DeleteOptions::default()).await?)
    }

    async fn friend_agree_apply(
        &self,
        req: Request<(), models::FriendAgreeApplyInput>,
    ) -> Result<(), ApiError> {
        let me = self.actor(&req.credentials).await?;
        let id = req.input.id.ok_or_else(|| invalid("id is required"))?;
        let agree = match req.input.agree {
            Some(agree @ 1..=4) => agree,
            _ => return Err(invalid("agree must be 1, 2, 3 or 4")),
        };
        if id < 0 {
            let group_application = -i64::from(id);
            return self
                .core
                .groups()
                .handle_application_by_id(&me, group_application, agree == 1)
                .await
                .map_err(|e| match e {
                    // Not an application to a group the caller administers
                    // (any more): as a friend application not made to them.
                    Error::GroupMissing | Error::NotGroupMember | Error::GroupRoleNeeded { .. } => {
                        application_not_found(format!("application {id} does not exist"))
                    }
                    e => e.into(),
                });
        }
        let id = ApplicationId(i64::from(id));
        let friends = self.core.friends();
        match agree {
            1 => friends.accept_application(&me, id).await,
            2 => friends.decline_application(&me, id, "").await,
            3 => friends.decline_application(&me, id, "expired").await,
            _ => friends.decline_application(&me, id, "dissolved").await,
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
                users.push(ChatItem {
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
            data: vec![
                list("用户", users),
                list("我加入的群聊", self.group_items(&me).await?),
                list("机器人", Vec::new()),
            ],
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
        // (created_at, item): friend applications first, so that a stable
        // sort keeps each list's own newest-first order among equal times.
        let mut requests = Vec::with_capacity(applications.len());
        for a in applications {
            let applicant = people.get(a.applicant).await?;
            if let Some(request) = request_item(&a, &receiver, &applicant) {
                requests.push((a.created_at, request));
            }
        }
        let mut groups = HashMap::new();
        for a in self.group_applications(&me).await? {
            let group = match groups.entry(a.group) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(slot) => match self.core.groups().info(&me, a.group).await {
                    Ok(info) => slot.insert(info.group),
                    // Left or destroyed since it was listed: no longer the caller's to see.
                    Err(Error::GroupMissing | Error::NotGroupMember) => continue,
                    Err(e) => return Err(e.into()),
                },
            };
            let applicant = people.get(a.applicant).await?;
            let processor = match a.handler {
                Some(handler) => display_name(&people.get(handler).await?),
                None => String::new(),
            };
            if let Some(request) = group_request_item(&a, group, &receiver, &applicant, processor) {
                requests.push((a.created_at, request));
            }
        }
        requests.sort_by_key(|(created_at, _)| std::cmp::Reverse(*created_at));
        let requests: Vec<RequestItem> = requests.into_iter().map(|(_, r)| r).collect();
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

impl Yhchat {
    /// Every application to the groups `me` administers, newest first.
    async fn group_applications(&self, me: &Actor) -> Result<Vec<GroupApplication>, ApiError> {
        let groups = self.core.groups();
        let mut out = Vec::new();
        let mut page = PageRequest::first(MAX_LIMIT);
        loop {
            let got = groups.applications(me, &[], &page).await?;
            out.extend(got.items);
            match got.next_cursor {
                Some(cursor) => page = PageRequest::after(Some(cursor), MAX_LIMIT),
                None => break,
            }
        }
        Ok(out)
    }

    /// The "我加入的群聊" list: `me`'s active groups, ascending ids.
    /// `permisson_level` is the document's: owner 100, admin 2, member 0;
    /// `noDisturb` is set while the member's `msg_mute_mode` is not 0.
    async fn group_items(&self, me: &Actor) -> Result<Vec<ChatItem>, ApiError> {
        let groups = self.core.groups();
        let ids = groups.user_joined(me).await?;
        let mut items = Vec::with_capacity(ids.len());
        for (id, info) in groups.info_batch(me, &ids).await {
            let info = match info {
                Ok(info) => info,
                // Left or destroyed since it was listed.
                Err(Error::GroupMissing | Error::NotGroupMember) => continue,
                Err(e) => return Err(e.into()),
            };
            let Some(membership) = info.me else { continue };
            let permisson_level = match membership.role {
                GroupRole::Owner => 100,
                GroupRole::Admin => 2,
                GroupRole::Member => 0,
            };
            items.push(ChatItem {
                chat_id: id.0.to_string(),
                name: info.group.name,
                avatar_url: info.group.avatar,
                permisson_level,
                no_disturb: membership.msg_mute_mode != 0,
            });
        }
        Ok(items)
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
fn request_item(a: &Application, receiver: &User, applicant: &User) -> Option<RequestItem> {
    let Ok(request_id) = i32::try_from(a.id.0) else {
        tracing::warn!(
            application = a.id.0,
            "a friend application id does not fit YHChat's int32 requestId; left out of request-list"
        );
        return None;
    };
    let outcome = match a.status {
        ApplicationStatus::Pending => (0, 0, String::new()),
        ApplicationStatus::Accepted => (1, a.updated_at, display_name(receiver)),
        ApplicationStatus::Declined => (2, a.updated_at, display_name(receiver)),
        ApplicationStatus::Expired => (3, a.expires_at, String::new()),
    };
    Some(RequestItem {
        target_type: 1,
        target_id: receiver.id.0.to_string(),
        ..request_base(receiver, applicant, a.created_at, &a.reason, request_id, outcome)
    })
}

/// What a friend and a group application share in request-list: the
/// receiver, the applicant, when and why, its id and what became of it
/// (`result`, when in ms, by whom).
fn request_base(
    receiver: &User,
    applicant: &User,
    created_at: i64,
    reason: &str,
    request_id: i32,
    (result, processed_at, processor): (i32, i64, String),
) -> RequestItem {
    RequestItem {
        receiver_name: display_name(receiver),
        receiver_avatar: receiver.avatar.clone(),
        name: display_name(applicant),
        avatar: applicant.avatar.clone(),
        inviter_id: applicant.id.0.to_string(),
        source_type: 1,
        receiver_id: receiver.id.0.to_string(),
        result,
        processed_at: processed_at / 1000,
        invite_at: created_at / 1000,
        invite_at_str: utc_text(created_at / 1000),
        request_id,
        processor_name: processor,
        note: reason.to_string(),
        ..Default::default()
    }
}

/// One application to a group `receiver` administers, as YHChat lists it:
/// `targetType` 2, `targetId` and `groupName`/`groupAvatar` the group's,
/// `requestId` the application's id negated (`None` when that does not fit
/// the document's int32).
fn group_request_item(
    a: &GroupApplication,
    group: &Group,
    receiver: &User,
    applicant: &User,
    processor: String,
) -> Option<RequestItem> {
    let Some(request_id) = a.id.checked_neg().and_then(|id| i32::try_from(id).ok()) else {
        tracing::warn!(
            application = a.id,
            "a group application id does not fit YHChat's int32 requestId; left out of request-list"
        );
        return None;
    };
    let outcome = match a.status {
        RequestStatus::Pending => (0, 0, String::new()),
        RequestStatus::Accepted => (1, a.updated_at, processor),
        RequestStatus::Declined => (2, a.updated_at, processor),
        RequestStatus::Expired => (3, a.expires_at, String::new()),
    };
    Some(RequestItem {
        group_name: group.name.clone(),
        group_avatar: group.avatar.clone(),
        target_type: 2,
        target_id: group.id.0.to_string(),
        ..request_base(receiver, applicant, a.created_at, &a.reason, request_id, outcome)
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
