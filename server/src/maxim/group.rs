//! MaxIM `/group/*` (and the web SDK's `/app/qrcode/*`): the groups of the
//! core in MaxIM's words (`docs/groups.md`).
//!
//! Decisions the documents leave open:
//! - Who acts: the token's user; with an admin token, the user its `user_id`
//!   header names, or (with `group_id` instead) the group's owner, so an app
//!   admin may do everything a group's owner may ([`Maxim::group_actor`]).
//! - The export document marks no parameter required: a missing `group_id`
//!   (or the list a batch works on) answers 10002 naming it.
//! - Batches answer one `{user_id, result, reason}` per entry, `result`
//!   "success" or "failed" with the reason; one bad entry never fails the
//!   others. `apply` and `transfer` answer the same shape for the caller /
//!   the new owner: `reason` says "joined" or "pending" for an application.
//! - Lists the core keeps whole (bans, blocks, admins, announcements, files)
//!   answer every entry, no cursor; `member_list`, `application_list` and
//!   `invitation_list` page by cursor when given a `limit` (`member_list`
//!   without one answers every member).

use crate::core::groups::{self as core_groups, BatchEntry, InfoPatch, JoinOutcome, NewFile, NewGroup};
use crate::core::{Actor, AnnouncementId, Error, GroupFileId, GroupId, PageRequest, UserId};
use crate::generated::maxim::api::{ApiError, GroupApi, GroupIdUserIdHeaders, Request, UserIdHeaders};
use crate::generated::maxim::models;

use super::Maxim;
use super::user::{given, narrow, non_empty, required};

/// The group a request names (absent: 10002).
fn group_id(id: Option<i64>) -> Result<GroupId, ApiError> {
    required(id, "group_id").map(GroupId)
}

fn user_ids(list: Option<Vec<i64>>) -> Result<Vec<UserId>, ApiError> {
    Ok(non_empty(list, "user_list")?.into_iter().map(UserId).collect())
}

/// A list answer's `total`.
fn total(n: usize) -> Option<i32> {
    Some(narrow(i64::try_from(n).unwrap_or(i64::MAX)))
}

fn page(cursor: Option<String>, limit: Option<i32>) -> PageRequest {
    PageRequest { cursor: given(cursor), limit: limit.map(i64::from) }
}

/// The group as the caller sees it; `owner` and `owner_id` both, as the
/// document names it both ways.
fn group_info(info: core_groups::GroupInfo) -> models::GroupInfo {
    let g = info.group;
    models::GroupInfo {
        group_id: Some(g.id.0),
        name: Some(g.name),
        description: Some(g.description),
        avatar: Some(g.avatar),
        ext: Some(g.ext),
        owner_id: Some(g.owner.0),
        owner: Some(g.owner.0),
        r#type: Some(narrow(g.kind.code())),
        status: Some(narrow(g.status.code())),
        created_at: Some(g.created_at),
        updated_at: Some(g.updated_at),
        apply_approval: Some(narrow(g.apply_approval.code())),
        member_invite: Some(g.member_invite),
        member_modify: Some(g.member_modify),
        read_ack: Some(g.read_ack),
        history_visible: Some(g.history_visible),
        ban_expire_time: Some(g.ban_expire_time),
        capacity: Some(narrow(g.capacity)),
        count: Some(narrow(g.count)),
        msg_mute_mode: info.me.as_ref().map(|m| narrow(m.msg_mute_mode)),
        msg_push_mode: info.me.as_ref().map(|m| narrow(m.msg_push_mode)),
    }
}

fn member(m: core_groups::Member) -> models::GroupMember {
    models::GroupMember {
        user_id: Some(m.user.0),
        display_name: Some(m.display_name),
        join_time: Some(m.join_time),
    }
}

fn banned(m: core_groups::Member) -> models::GroupBannedMember {
    models::GroupBannedMember {
        user_id: Some(m.user.0),
        display_name: Some(m.display_name),
        join_time: Some(m.join_time),
        expired_time: Some(m.ban_expire_time),
    }
}

fn announcement(a: core_groups::Announcement) -> models::GroupAnnouncement {
    models::GroupAnnouncement {
        id: Some(a.id.0),
        group_id: Some(a.group.0),
        title: Some(a.title),
        content: Some(a.content),
        author: Some(a.author.0),
        created_at: Some(a.created_at),
    }
}

fn file(f: core_groups::GroupFile) -> models::GroupFile {
    models::GroupFile {
        file_id: Some(f.id.0),
        group_id: Some(f.group.0),
        name: Some(f.name),
        size: Some(f.size),
        r#type: Some(f.file_type),
        url: Some(f.url),
        uploader: Some(f.uploader.0),
        created_at: Some(f.created_at),
        updated_at: Some(f.updated_at),
    }
}

/// `{user_id, result, reason}`: "success", or "failed" and why.
fn result_of<T>(user: Option<i64>, file: Option<i64>, result: Result<T, Error>) -> models::GroupBatchResult {
    let (result, reason) = match result {
        Ok(_) => ("success", None),
        Err(e) => ("failed", Some(ApiError::from(e).to_string())),
    };
    models::GroupBatchResult { user_id: user, file_id: file, result: Some(result.into()), reason }
}

fn batch<T>(entries: Vec<BatchEntry<T>>) -> Vec<models::GroupBatchResult> {
    entries.into_iter().map(|e| result_of(Some(e.user.0), None, e.result)).collect()
}

/// The entry of one user the command succeeded for.
fn success(user: UserId) -> models::GroupBatchResult {
    result_of(Some(user.0), None, Ok::<(), Error>(()))
}

/// `apply`'s entry: `reason` says whether the caller joined or waits.
fn joined(user: UserId, outcome: JoinOutcome) -> models::GroupBatchResult {
    let reason = match outcome {
        JoinOutcome::Joined => "joined",
        JoinOutcome::Pending { .. } => "pending",
    };
    models::GroupBatchResult { reason: Some(reason.into()), ..success(user) }
}

impl Maxim {
    /// The user a group call runs for: the caller; with an admin token the
    /// user `user_id` names, or with `group_id` the group's owner
    /// (`docs/maxim.md#acting-as-a-user`).
    pub(crate) async fn group_actor<I>(
        &self,
        req: &Request<GroupIdUserIdHeaders, I>,
    ) -> Result<Actor, ApiError> {
        let caller = self.caller(&req.credentials).await?;
        if req.headers.user_id.is_none()
            && let Some(group) = req.headers.group_id
            && caller.require_admin().is_ok()
        {
            return Ok(self.core.groups().owner_actor(&caller, GroupId(group)).await?);
        }
        Ok(self.core.tokens().act_as(&caller, req.headers.user_id.map(UserId)).await?)
    }
}

impl GroupApi for Maxim {
    async fn group_admin_add(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupAdminAddInput>,
    ) -> Result<Vec<models::GroupBatchResult>, ApiError> {
        let me = self.group_actor(&req).await?;
        let (group, users) = (group_id(req.input.group_id)?, user_ids(req.input.user_list)?);
        Ok(batch(self.core.groups().admin_add(&me, group, &users).await?))
    }

    async fn group_admin_remove(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupAdminRemoveInput>,
    ) -> Result<Vec<models::GroupBatchResult>, ApiError> {
        let me = self.group_actor(&req).await?;
        let (group, users) = (group_id(req.input.group_id)?, user_ids(req.input.user_list)?);
        Ok(batch(self.core.groups().admin_remove(&me, group, &users).await?))
    }

    async fn group_admin_list(
        &self,
        req: Request<UserIdHeaders, models::GroupAdminListInput>,
    ) -> Result<Vec<models::GroupMember>, ApiError> {
        let me = self.actor(&req).await?;
        let admins = self.core.groups().admin_list(&me, group_id(req.input.group_id)?).await?;
        Ok(admins.into_iter().map(member).collect())
    }

    async fn group_announcement(
        &self,
        req: Request<UserIdHeaders, models::GroupAnnouncementInput>,
    ) -> Result<models::GroupAnnouncement, ApiError> {
        let me = self.actor(&req).await?;
        let id = AnnouncementId(required(req.input.announcement_id, "announcement_id")?);
        Ok(announcement(self.core.groups().announcement(&me, group_id(req.input.group_id)?, id).await?))
    }

    async fn group_announcement_delete(
        &self,
        req: Request<UserIdHeaders, models::GroupAnnouncementDeleteInput>,
    ) -> Result<bool, ApiError> {
        let me = self.actor(&req).await?;
        let id = AnnouncementId(required(req.input.announcement_id, "announcement_id")?);
        self.core.groups().announcement_delete(&me, group_id(req.input.group_id)?, id).await?;
        Ok(true)
    }

    async fn group_announcement_edit(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupAnnouncementEditInput>,
    ) -> Result<models::GroupAnnouncement, ApiError> {
        let me = self.group_actor(&req).await?;
        let input = req.input;
        let (title, content) = (input.title.unwrap_or_default(), input.content.unwrap_or_default());
        let made =
            self.core.groups().announcement_edit(&me, group_id(input.group_id)?, &title, &content).await?;
        Ok(announcement(made))
    }

    async fn group_announcement_last(
        &self,
        req: Request<UserIdHeaders, models::GroupAnnouncementLastInput>,
    ) -> Result<models::GroupAnnouncement, ApiError> {
        let me = self.actor(&req).await?;
        let last = self.core.groups().announcement_last(&me, group_id(req.input.group_id)?).await?;
        Ok(last.map(announcement).ok_or(Error::AnnouncementMissing)?)
    }

    async fn group_announcement_list(
        &self,
        req: Request<UserIdHeaders, models::GroupAnnouncementListInput>,
    ) -> Result<Vec<models::GroupAnnouncement>, ApiError> {
        let me = self.actor(&req).await?;
        let all = self.core.groups().announcements(&me, group_id(req.input.group_id)?).await?;
        Ok(all.into_iter().map(announcement).collect())
    }

    async fn group_application_list(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupApplicationListInput>,
    ) -> Result<models::GroupApplicationListReply, ApiError> {
        let me = self.group_actor(&req).await?;
        let input = req.input;
        let mut groups: Vec<GroupId> =
            input.group_list.unwrap_or_default().into_iter().map(GroupId).collect();
        if groups.is_empty()
            && let Some(g) = req.headers.group_id
        {
            groups.push(GroupId(g));
        }
        if groups.is_empty() {
            return Err(super::user::missing("group_list"));
        }
        let got = self.core.groups().applications(&me, &groups, &page(input.cursor, input.limit)).await?;
        let data: Vec<models::GroupApplication> = got
            .items
            .into_iter()
            .map(|a| models::GroupApplication {
                group_id: Some(a.group.0),
                applicant_id: Some(a.applicant.0),
                reason: Some(a.reason),
                status: Some(narrow(a.status.code())),
                expired_time: Some(a.expires_at),
            })
            .collect();
        Ok(models::GroupApplicationListReply {
            total: total(data.len()),
            data,
            cursor: got.next_cursor,
            // These lists keep no version of their own: none is answered.
            version: None,
        })
    }

    async fn group_apply(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupApplyInput>,
    ) -> Result<models::GroupBatchResult, ApiError> {
        let me = self.group_actor(&req).await?;
        let reason = req.input.reason.unwrap_or_default();
        let outcome = self.core.groups().apply(&me, group_id(req.input.group_id)?, &reason).await?;
        Ok(joined(me.user, outcome))
    }

    async fn group_apply_handle(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupApplyHandleInput>,
    ) -> Result<models::GroupBatchResult, ApiError> {
        let me = self.group_actor(&req).await?;
        let input = req.input;
        let applicant = UserId(required(input.user_id, "user_id")?);
        let approve = required(input.approval, "approval")?;
        self.core.groups().handle_application(&me, group_id(input.group_id)?, applicant, approve).await?;
        Ok(success(applicant))
    }

    async fn group_ban(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupBanInput>,
    ) -> Result<Vec<models::GroupBatchResult>, ApiError> {
        let me = self.group_actor(&req).await?;
        let input = req.input;
        let (group, users) = (group_id(input.group_id)?, user_ids(input.user_list)?);
        let minutes = required(input.duration, "duration")?;
        Ok(batch(self.core.groups().ban(&me, group, &users, minutes).await?))
    }

    async fn group_banned_list(
        &self,
        req: Request<UserIdHeaders, models::GroupBannedListInput>,
    ) -> Result<models::GroupBannedListReply, ApiError> {
        let me = self.actor(&req).await?;
        let list: Vec<_> = self
            .core
            .groups()
            .banned_list(&me, group_id(req.input.group_id)?)
            .await?
            .into_iter()
            .map(banned)
            .collect();
        Ok(models::GroupBannedListReply { total: total(list.len()), data: list, cursor: None, version: None })
    }

    async fn group_block(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupBlockInput>,
    ) -> Result<Vec<models::GroupBatchResult>, ApiError> {
        let me = self.group_actor(&req).await?;
        let (group, users) = (group_id(req.input.group_id)?, user_ids(req.input.user_list)?);
        Ok(batch(self.core.groups().block(&me, group, &users).await?))
    }

    async fn group_blocked_list(
        &self,
        req: Request<UserIdHeaders, models::GroupBlockedListInput>,
    ) -> Result<models::GroupBlockedListReply, ApiError> {
        let me = self.actor(&req).await?;
        let list: Vec<models::GroupBlockedMember> = self
            .core
            .groups()
            .blocked_list(&me, group_id(req.input.group_id)?)
            .await?
            .into_iter()
            .map(|b| models::GroupBlockedMember {
                group_id: Some(b.group.0),
                user_id: Some(b.user.0),
                created_at: Some(b.created_at),
            })
            .collect();
        Ok(models::GroupBlockedListReply {
            total: total(list.len()),
            data: list,
            cursor: None,
            version: None,
        })
    }

    async fn group_create(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupCreateInput>,
    ) -> Result<models::GroupInfo, ApiError> {
        let me = self.actor(&req).await?;
        let input = req.input;
        let new = NewGroup {
            name: input.name.unwrap_or_default(),
            description: input.description.unwrap_or_default(),
            avatar: input.avatar.unwrap_or_default(),
            ext: String::new(),
            kind: i64::from(input.r#type.unwrap_or(0)),
            members: input.user_list.unwrap_or_default().into_iter().map(UserId).collect(),
        };
        let created = self.core.groups().create(&me, new).await?;
        Ok(group_info(created.info))
    }

    async fn group_destroy(
        &self,
        req: Request<UserIdHeaders, models::GroupDestroyInput>,
    ) -> Result<bool, ApiError> {
        let me = self.actor(&req).await?;
        self.core.groups().destroy(&me, group_id(req.input.group_id)?).await?;
        Ok(true)
    }

    async fn group_display_name(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupDisplayNameInput>,
    ) -> Result<bool, ApiError> {
        let me = self.group_actor(&req).await?;
        let name = req.input.value.unwrap_or_default();
        self.core.groups().set_display_name(&me, group_id(req.input.group_id)?, &name).await?;
        Ok(true)
    }

    async fn group_file(
        &self,
        req: Request<UserIdHeaders, models::GroupFileInput>,
    ) -> Result<models::GroupFile, ApiError> {
        let me = self.actor(&req).await?;
        let id = GroupFileId(required(req.input.file_id, "file_id")?);
        Ok(file(self.core.groups().file(&me, group_id(req.input.group_id)?, id).await?))
    }

    async fn group_file_delete(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupFileDeleteInput>,
    ) -> Result<Vec<models::GroupBatchResult>, ApiError> {
        let me = self.group_actor(&req).await?;
        let group = group_id(req.input.group_id)?;
        let files: Vec<GroupFileId> =
            required(req.input.file_list, "file_list")?.into_iter().map(GroupFileId).collect();
        let done = self.core.groups().file_delete(&me, group, &files).await?;
        Ok(done.into_iter().map(|e| result_of(None, Some(e.file.0), e.result)).collect())
    }

    async fn group_file_list(
        &self,
        req: Request<UserIdHeaders, models::GroupFileListInput>,
    ) -> Result<Vec<models::GroupFile>, ApiError> {
        let me = self.actor(&req).await?;
        Ok(self
            .core
            .groups()
            .files(&me, group_id(req.input.group_id)?)
            .await?
            .into_iter()
            .map(file)
            .collect())
    }

    async fn group_file_update_name(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupFileUpdateNameInput>,
    ) -> Result<bool, ApiError> {
        let me = self.group_actor(&req).await?;
        let input = req.input;
        let id = GroupFileId(required(input.file_id, "file_id")?);
        let name = required(given(input.name), "name")?;
        self.core.groups().file_rename(&me, group_id(input.group_id)?, id, &name).await?;
        Ok(true)
    }

    async fn group_file_upload(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupFileUploadInput>,
    ) -> Result<models::GroupFile, ApiError> {
        let me = self.group_actor(&req).await?;
        let input = req.input;
        let group = group_id(input.group_id)?;
        let url = required(given(input.url), "url")?;
        // The url must name a file uploaded for this group (docs/files.md#group-shared-files).
        super::file::check_group_shared(self, &me, group, &url).await?;
        let new = NewFile {
            name: required(given(input.name), "name")?,
            size: input.size.unwrap_or(0),
            file_type: input.r#type.unwrap_or_default(),
            url,
        };
        Ok(file(self.core.groups().file_upload(&me, group, new).await?))
    }

    async fn group_info(
        &self,
        req: Request<UserIdHeaders, models::GroupInfoInput>,
    ) -> Result<models::GroupInfo, ApiError> {
        let me = self.actor(&req).await?;
        Ok(group_info(self.core.groups().info(&me, group_id(req.input.group_id)?).await?))
    }

    async fn group_info_avatar(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupInfoAvatarInput>,
    ) -> Result<bool, ApiError> {
        let me = self.group_actor(&req).await?;
        let patch = InfoPatch { avatar: Some(req.input.value.unwrap_or_default()), ..Default::default() };
        self.core.groups().update_info(&me, group_id(req.input.group_id)?, patch).await?;
        Ok(true)
    }

    async fn group_info_batch(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupInfoBatchInput>,
    ) -> Result<Vec<models::GroupInfo>, ApiError> {
        let me = self.group_actor(&req).await?;
        let groups: Vec<GroupId> =
            required(req.input.group_list, "group_list")?.into_iter().map(GroupId).collect();
        // Groups the caller may not see (or that do not exist) are left out.
        let found = self.core.groups().info_batch(&me, &groups).await;
        let mut out = Vec::with_capacity(found.len());
        for (_, info) in found {
            match info {
                Ok(info) => out.push(group_info(info)),
                Err(e @ (Error::Storage(_) | Error::Internal(_))) => return Err(e.into()),
                Err(_) => {}
            }
        }
        Ok(out)
    }

    async fn group_info_description(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupInfoDescriptionInput>,
    ) -> Result<bool, ApiError> {
        let me = self.group_actor(&req).await?;
        let patch =
            InfoPatch { description: Some(req.input.value.unwrap_or_default()), ..Default::default() };
        self.core.groups().update_info(&me, group_id(req.input.group_id)?, patch).await?;
        Ok(true)
    }

    async fn group_info_ext(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupInfoExtInput>,
    ) -> Result<bool, ApiError> {
        let me = self.group_actor(&req).await?;
        let patch = InfoPatch { ext: Some(req.input.value.unwrap_or_default()), ..Default::default() };
        self.core.groups().update_info(&me, group_id(req.input.group_id)?, patch).await?;
        Ok(true)
    }

    async fn group_info_name(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupInfoNameInput>,
    ) -> Result<bool, ApiError> {
        let me = self.group_actor(&req).await?;
        let name = required(given(req.input.value), "value")?;
        let patch = InfoPatch { name: Some(name), ..Default::default() };
        self.core.groups().update_info(&me, group_id(req.input.group_id)?, patch).await?;
        Ok(true)
    }

    async fn group_invitation_list(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupInvitationListInput>,
    ) -> Result<models::GroupInvitationListReply, ApiError> {
        let me = self.actor(&req).await?;
        let got = self.core.groups().invitations(&me, &page(req.input.cursor, req.input.limit)).await?;
        let data: Vec<models::GroupInvitation> = got
            .items
            .into_iter()
            .map(|i| models::GroupInvitation {
                group_id: Some(i.group.0),
                inviter_id: Some(i.inviter.0),
                invitee_id: Some(i.invitee.0),
                reason: Some(i.reason),
                status: Some(narrow(i.status.code())),
                expired_time: Some(i.expires_at),
            })
            .collect();
        Ok(models::GroupInvitationListReply {
            total: total(data.len()),
            data,
            cursor: got.next_cursor,
            // These lists keep no version of their own: none is answered.
            version: None,
        })
    }

    async fn group_invite(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupInviteInput>,
    ) -> Result<Vec<models::GroupBatchResult>, ApiError> {
        let me = self.group_actor(&req).await?;
        let input = req.input;
        let (group, users) = (group_id(input.group_id)?, user_ids(input.user_list)?);
        let reason = input.reason.unwrap_or_default();
        Ok(batch(self.core.groups().invite(&me, group, &users, &reason).await?))
    }

    async fn group_invite_handle(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupInviteHandleInput>,
    ) -> Result<bool, ApiError> {
        let me = self.actor(&req).await?;
        let input = req.input;
        let inviter = UserId(required(input.user_id, "user_id")?);
        let approve = required(input.approval, "approval")?;
        self.core.groups().handle_invitation(&me, group_id(input.group_id)?, inviter, approve).await?;
        Ok(true)
    }

    async fn group_kick(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupKickInput>,
    ) -> Result<Vec<models::GroupBatchResult>, ApiError> {
        let me = self.group_actor(&req).await?;
        let (group, users) = (group_id(req.input.group_id)?, user_ids(req.input.user_list)?);
        Ok(batch(self.core.groups().kick(&me, group, &users).await?))
    }

    async fn group_leave(
        &self,
        req: Request<UserIdHeaders, models::GroupLeaveInput>,
    ) -> Result<bool, ApiError> {
        let me = self.actor(&req).await?;
        self.core.groups().leave(&me, group_id(req.input.group_id)?).await?;
        Ok(true)
    }

    async fn group_member_list(
        &self,
        req: Request<UserIdHeaders, models::GroupMemberListInput>,
    ) -> Result<models::GroupMemberListReply, ApiError> {
        let me = self.actor(&req).await?;
        let input = req.input;
        let group = group_id(input.group_id)?;
        // Without a limit (or 0): every member, in one answer (the core's rule).
        let got = self.core.groups().member_list(&me, group, &page(input.cursor, input.limit)).await?;
        let data: Vec<models::GroupMember> = got.items.into_iter().map(member).collect();
        Ok(models::GroupMemberListReply {
            total: total(data.len()),
            data,
            cursor: got.next_cursor,
            version: Some(got.version),
        })
    }

    async fn group_members_display_name(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupMembersDisplayNameInput>,
    ) -> Result<Vec<models::GroupMember>, ApiError> {
        let me = self.group_actor(&req).await?;
        let (group, users) = (group_id(req.input.group_id)?, user_ids(req.input.user_list)?);
        Ok(self
            .core
            .groups()
            .members_display_name(&me, group, &users)
            .await?
            .into_iter()
            .map(member)
            .collect())
    }

    async fn group_msg_mute_mode(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupMsgMuteModeInput>,
    ) -> Result<bool, ApiError> {
        let me = self.actor(&req).await?;
        let mode = i64::from(required(req.input.msg_mute_mode, "msg_mute_mode")?);
        self.core.groups().set_msg_mute_mode(&me, group_id(req.input.group_id)?, mode).await?;
        Ok(true)
    }

    async fn group_msg_push_mode(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupMsgPushModeInput>,
    ) -> Result<bool, ApiError> {
        let me = self.actor(&req).await?;
        let mode = i64::from(required(req.input.msg_push_mode, "msg_push_mode")?);
        self.core.groups().set_msg_push_mode(&me, group_id(req.input.group_id)?, mode).await?;
        Ok(true)
    }

    async fn group_public_list(&self, req: Request<GroupIdUserIdHeaders, ()>) -> Result<Vec<i64>, ApiError> {
        let me = self.actor(&req).await?;
        Ok(self.core.groups().public_list(&me).await?.into_iter().map(|g| g.0).collect())
    }

    async fn group_qrcode_invite(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupQrcodeInviteInput>,
    ) -> Result<bool, ApiError> {
        let me = self.actor(&req).await?;
        let token = required(given(req.input.qr_info), "qr_info")?;
        self.core.groups().qrcode_invite(&me, &token).await?;
        Ok(true)
    }

    async fn group_qrcode_sign(
        &self,
        req: Request<UserIdHeaders, models::GroupQrcodeSignInput>,
    ) -> Result<models::GroupQrcodeSignData, ApiError> {
        let me = self.actor(&req).await?;
        let qr = self.core.groups().qrcode_sign(&me, group_id(req.input.group_id)?).await?;
        Ok(models::GroupQrcodeSignData {
            qr_info: Some(qr.token),
            create_at: Some(qr.created_at),
            expire_at: Some(qr.expires_at),
        })
    }

    async fn group_settings(
        &self,
        req: Request<UserIdHeaders, models::GroupSettingsInput>,
    ) -> Result<models::GroupInfo, ApiError> {
        let me = self.actor(&req).await?;
        Ok(group_info(self.core.groups().settings(&me, group_id(req.input.group_id)?).await?))
    }

    async fn group_settings_allow_member_invitation(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupSettingsAllowMemberInvitationInput>,
    ) -> Result<bool, ApiError> {
        let me = self.group_actor(&req).await?;
        let value = required(req.input.value, "value")?;
        let patch = core_groups::SettingsPatch { member_invite: Some(value), ..Default::default() };
        self.core.groups().update_settings(&me, group_id(req.input.group_id)?, patch).await?;
        Ok(true)
    }

    async fn group_settings_allow_member_modify(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupSettingsAllowMemberModifyInput>,
    ) -> Result<bool, ApiError> {
        let me = self.group_actor(&req).await?;
        let value = required(req.input.value, "value")?;
        let patch = core_groups::SettingsPatch { member_modify: Some(value), ..Default::default() };
        self.core.groups().update_settings(&me, group_id(req.input.group_id)?, patch).await?;
        Ok(true)
    }

    async fn group_settings_ban_all(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupSettingsBanAllInput>,
    ) -> Result<models::GroupSettingsBanAllData, ApiError> {
        let me = self.group_actor(&req).await?;
        let minutes = required(req.input.duration, "duration")?;
        let until = self.core.groups().ban_all(&me, group_id(req.input.group_id)?, minutes).await?;
        Ok(models::GroupSettingsBanAllData { ban_expire_time: Some(until) })
    }

    async fn group_settings_enable_read_ack(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupSettingsEnableReadAckInput>,
    ) -> Result<bool, ApiError> {
        let me = self.group_actor(&req).await?;
        let value = required(req.input.value, "value")?;
        let patch = core_groups::SettingsPatch { read_ack: Some(value), ..Default::default() };
        self.core.groups().update_settings(&me, group_id(req.input.group_id)?, patch).await?;
        Ok(true)
    }

    async fn group_settings_history_visible(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupSettingsHistoryVisibleInput>,
    ) -> Result<bool, ApiError> {
        let me = self.group_actor(&req).await?;
        let value = required(req.input.value, "value")?;
        let patch = core_groups::SettingsPatch { history_visible: Some(value), ..Default::default() };
        self.core.groups().update_settings(&me, group_id(req.input.group_id)?, patch).await?;
        Ok(true)
    }

    async fn group_settings_require_admin_approval(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupSettingsRequireAdminApprovalInput>,
    ) -> Result<bool, ApiError> {
        let me = self.group_actor(&req).await?;
        let value = i64::from(required(req.input.apply_approval, "apply_approval")?);
        let patch = core_groups::SettingsPatch { apply_approval: Some(value), ..Default::default() };
        self.core.groups().update_settings(&me, group_id(req.input.group_id)?, patch).await?;
        Ok(true)
    }

    async fn group_settings_unban_all(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupSettingsUnbanAllInput>,
    ) -> Result<bool, ApiError> {
        let me = self.group_actor(&req).await?;
        self.core.groups().unban_all(&me, group_id(req.input.group_id)?).await?;
        Ok(true)
    }

    async fn group_transfer(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupTransferInput>,
    ) -> Result<models::GroupBatchResult, ApiError> {
        let me = self.group_actor(&req).await?;
        let new_owner = UserId(required(req.input.new_owner, "new_owner")?);
        self.core.groups().transfer(&me, group_id(req.input.group_id)?, new_owner).await?;
        Ok(success(new_owner))
    }

    async fn group_unban(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupUnbanInput>,
    ) -> Result<Vec<models::GroupBatchResult>, ApiError> {
        let me = self.group_actor(&req).await?;
        let (group, users) = (group_id(req.input.group_id)?, user_ids(req.input.user_list)?);
        Ok(batch(self.core.groups().unban(&me, group, &users).await?))
    }

    async fn group_unblock(
        &self,
        req: Request<GroupIdUserIdHeaders, models::GroupUnblockInput>,
    ) -> Result<Vec<models::GroupBatchResult>, ApiError> {
        let me = self.group_actor(&req).await?;
        let (group, users) = (group_id(req.input.group_id)?, user_ids(req.input.user_list)?);
        Ok(batch(self.core.groups().unblock(&me, group, &users).await?))
    }

    async fn group_user_joined(&self, req: Request<GroupIdUserIdHeaders, ()>) -> Result<Vec<i64>, ApiError> {
        let me = self.actor(&req).await?;
        Ok(self.core.groups().user_joined(&me).await?.into_iter().map(|g| g.0).collect())
    }
}
