//! A group's life: creation, its info and settings, whole-group bans,
//! admins, ownership transfer, leaving and destruction, and the lists of
//! groups a user is in or may find.

use super::super::callers::Actor;
use super::super::error::{Error, Result};
use super::super::ids::{GroupId, UserId};
use super::super::notices::{Draft, NewNotice, NoticeKind};
use super::super::validation::Limit;
use super::{
    ApplyApproval, BatchEntry, Created, GroupInfo, GroupRole, GroupStatus, GroupType, Groups, InfoPatch,
    NewGroup, SettingsPatch, ValidNewGroup, ban_end, notify, require, unique,
};
use serde_json::json;

impl Groups<'_> {
    /// Creates a group owned by `me`. The listed members are invited by `me`
    /// as [`Groups::invite`] does: each joins or gets a pending invitation,
    /// one entry each, and a bad entry does not undo the group.
    pub async fn create(&self, me: &Actor, new: NewGroup) -> Result<Created> {
        Limit::GROUP_NAME.check(&new.name)?;
        Limit::GROUP_DESCRIPTION.check(&new.description)?;
        Limit::GROUP_AVATAR.check(&new.avatar)?;
        Limit::GROUP_EXT.check(&new.ext)?;
        let kind = GroupType::from_code(new.kind)?;
        let app = self.core.apps().get(&me.app).await?;
        self.core.users().get(&me.app, me.user).await?;
        let valid = ValidNewGroup {
            name: new.name,
            description: new.description,
            avatar: new.avatar,
            ext: new.ext,
            kind,
            apply_approval: ApplyApproval::AdminApproves,
            member_invite: true,
            member_modify: false,
            read_ack: false,
            history_visible: false,
            capacity: app.settings.group_capacity,
        };
        let limits = app.settings.group_limits();
        let now = self.core.now_ms();
        let created = |id| {
            let draft = Draft::group(NoticeKind::GroupCreated, id, me.user, None)
                .with(json!({ "name": valid.name, "type": valid.kind.code() }));
            NewNotice::to_each(&[me.user], &draft, now)
        };
        let id = self.core.db.insert_group(&me.app, &valid, me.user, limits, now, created).await?;
        let invited: Vec<UserId> = unique(&new.members).into_iter().filter(|u| *u != me.user).collect();
        let members = self.invite_told(me, id, &invited, "", true).await?;
        let info = self.info(me, id).await?;
        Ok(Created { info, members })
    }

    /// The group as `me` sees it. Members read it; anyone of the app reads a
    /// public group's; a destroyed group only its former members (status 1).
    pub async fn info(&self, me: &Actor, group: GroupId) -> Result<GroupInfo> {
        let g = self.core.db.group(&me.app, group).await?.ok_or(Error::GroupMissing)?;
        let mine = self.core.db.group_member(&me.app, group, me.user).await?;
        match (g.status, &mine) {
            (GroupStatus::Destroyed, None) => Err(Error::GroupMissing),
            (GroupStatus::Normal, None) if g.kind != GroupType::Public => Err(Error::NotGroupMember),
            _ => Ok(GroupInfo { group: g, me: mine }),
        }
    }

    /// [`Groups::info`] of each group on its own.
    pub async fn info_batch(&self, me: &Actor, groups: &[GroupId]) -> Vec<(GroupId, Result<GroupInfo>)> {
        let mut out = Vec::with_capacity(groups.len());
        for id in unique(groups) {
            out.push((id, self.info(me, id).await));
        }
        out
    }

    /// The group's settings (the same record as info), for members only.
    pub async fn settings(&self, me: &Actor, group: GroupId) -> Result<GroupInfo> {
        let (g, m) = self.as_member(me, group, GroupRole::Member).await?;
        Ok(GroupInfo { group: g, me: Some(m) })
    }

    /// Name, description, avatar, ext: admins, or any member when `member_modify`.
    pub async fn update_info(&self, me: &Actor, group: GroupId, patch: InfoPatch) -> Result<()> {
        Limit::GROUP_NAME.check_opt(patch.name.as_deref())?;
        Limit::GROUP_DESCRIPTION.check_opt(patch.description.as_deref())?;
        Limit::GROUP_AVATAR.check_opt(patch.avatar.as_deref())?;
        Limit::GROUP_EXT.check_opt(patch.ext.as_deref())?;
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        let g = tx.group().await?;
        let needs = if g.member_modify { GroupRole::Member } else { GroupRole::Admin };
        require(tx.member(me.user).await?, needs)?;
        tx.update_info(&patch, now).await?;
        let changed = notify::changed([
            ("name", notify::opt(&patch.name)),
            ("description", notify::opt(&patch.description)),
            ("avatar", notify::opt(&patch.avatar)),
            ("ext", notify::opt(&patch.ext)),
        ]);
        let draft = Draft::group(NoticeKind::GroupInfoUpdated, group, me.user, None).with(changed);
        notify::members(&mut tx, draft, &[], now).await?;
        tx.commit().await
    }

    /// apply_approval, member_invite, member_modify, read_ack, history_visible: admins.
    pub async fn update_settings(&self, me: &Actor, group: GroupId, patch: SettingsPatch) -> Result<()> {
        let approval = patch.apply_approval.map(ApplyApproval::from_code).transpose()?;
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        require(tx.member(me.user).await?, GroupRole::Admin)?;
        let flags = [patch.member_invite, patch.member_modify, patch.read_ack, patch.history_visible];
        tx.update_settings(approval, flags, now).await?;
        let changed = notify::changed([
            ("apply_approval", notify::opt(&patch.apply_approval)),
            ("member_invite", notify::opt(&patch.member_invite)),
            ("member_modify", notify::opt(&patch.member_modify)),
            ("read_ack", notify::opt(&patch.read_ack)),
            ("history_visible", notify::opt(&patch.history_visible)),
        ]);
        let draft = Draft::group(NoticeKind::GroupInfoUpdated, group, me.user, None).with(changed);
        notify::members(&mut tx, draft, &[], now).await?;
        tx.commit().await
    }

    /// Mutes the whole group for `minutes` (-1: until `unban_all`); owner and
    /// admins may still send. Answers the new `ban_expire_time`.
    pub async fn ban_all(&self, me: &Actor, group: GroupId, minutes: i64) -> Result<i64> {
        let now = self.core.now_ms();
        let expire = ban_end(now, minutes)?;
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        require(tx.member(me.user).await?, GroupRole::Admin)?;
        tx.set_group_ban(expire, now).await?;
        notify::members(&mut tx, ban_all_draft(group, me.user, expire), &[], now).await?;
        tx.commit().await?;
        Ok(expire)
    }

    pub async fn unban_all(&self, me: &Actor, group: GroupId) -> Result<()> {
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        require(tx.member(me.user).await?, GroupRole::Admin)?;
        tx.set_group_ban(0, now).await?;
        notify::members(&mut tx, ban_all_draft(group, me.user, 0), &[], now).await?;
        tx.commit().await
    }

    /// Owner only. The group is kept with status 1; everything but `info`
    /// answers `GroupMissing` from then on.
    pub async fn destroy(&self, me: &Actor, group: GroupId) -> Result<()> {
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        require(tx.member(me.user).await?, GroupRole::Owner)?;
        let draft = Draft::group(NoticeKind::GroupDestroyed, group, me.user, None);
        notify::members(&mut tx, draft, &[], now).await?;
        tx.destroy(now).await?;
        tx.commit().await
    }

    /// Any member but the owner, who must transfer the group first.
    pub async fn leave(&self, me: &Actor, group: GroupId) -> Result<()> {
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        let m = require(tx.member(me.user).await?, GroupRole::Member)?;
        if m.role == GroupRole::Owner {
            return Err(Error::OwnerCannotLeave);
        }
        tx.remove_member(me.user, now).await?;
        let draft = Draft::group(NoticeKind::GroupLeft, group, me.user, Some(me.user));
        notify::members(&mut tx, draft, &[me.user], now).await?;
        tx.commit().await
    }

    /// Owner only; `new_owner` must be a member. The old owner stays as a
    /// plain member.
    pub async fn transfer(&self, me: &Actor, group: GroupId, new_owner: UserId) -> Result<()> {
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        require(tx.member(me.user).await?, GroupRole::Owner)?;
        if new_owner == me.user {
            return Err(Error::invalid("new_owner", "already the owner"));
        }
        if tx.member(new_owner).await?.is_none() {
            return Err(Error::TransferTargetNotMember);
        }
        tx.transfer(me.user, new_owner, now).await?;
        let draft = Draft::group(NoticeKind::GroupOwnerAssigned, group, me.user, Some(new_owner));
        notify::members(&mut tx, draft, &[], now).await?;
        tx.commit().await
    }

    /// Owner only: members become admins (already admins: ok, unchanged).
    pub async fn admin_add(&self, me: &Actor, group: GroupId, users: &[UserId]) -> Result<Vec<BatchEntry>> {
        self.set_roles(me, group, users, GroupRole::Admin).await
    }

    /// Owner only: admins become plain members (already members: ok).
    pub async fn admin_remove(
        &self,
        me: &Actor,
        group: GroupId,
        users: &[UserId],
    ) -> Result<Vec<BatchEntry>> {
        self.set_roles(me, group, users, GroupRole::Member).await
    }

    /// The whole call fails only if the group or the caller's role does;
    /// then each user has its own entry.
    async fn set_roles(
        &self,
        me: &Actor,
        group: GroupId,
        users: &[UserId],
        role: GroupRole,
    ) -> Result<Vec<BatchEntry>> {
        self.as_member(me, group, GroupRole::Owner).await?;
        let mut out = Vec::new();
        for user in unique(users) {
            let result = self.set_role(me, group, user, role).await;
            out.push(BatchEntry { user, result });
        }
        Ok(out)
    }

    async fn set_role(&self, me: &Actor, group: GroupId, user: UserId, role: GroupRole) -> Result<()> {
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        require(tx.member(me.user).await?, GroupRole::Owner)?;
        match tx.member(user).await? {
            None => return Err(Error::NotGroupMember),
            Some(m) if m.role == GroupRole::Owner => {
                return Err(Error::invalid("user_list", "the owner's role changes only by transfer"));
            }
            Some(m) if m.role == role => return Ok(()),
            Some(_) => {}
        }
        tx.set_role(user, role).await?;
        let kind = if role == GroupRole::Admin {
            NoticeKind::GroupAdminGranted
        } else {
            NoticeKind::GroupAdminRevoked
        };
        notify::members(&mut tx, Draft::group(kind, group, me.user, Some(user)), &[], now).await?;
        tx.commit().await
    }

    /// The active groups `me` is a member of, ascending.
    pub async fn user_joined(&self, me: &Actor) -> Result<Vec<GroupId>> {
        let mine = self.core.db.groups_of_user(&me.app, me.user).await?;
        Ok(mine.into_iter().map(|(g, _)| g).collect())
    }

    /// The app's active public groups, ascending.
    pub async fn public_list(&self, me: &Actor) -> Result<Vec<GroupId>> {
        self.core.db.public_groups(&me.app).await
    }
}

/// The whole-group ban as the SDK reads it: an info update naming the property.
fn ban_all_draft(group: GroupId, actor: UserId, expire: i64) -> Draft {
    Draft::group(NoticeKind::GroupInfoUpdated, group, actor, None)
        .with(json!({ "property": "ban_expire_time", "ban_expire_time": expire }))
}
