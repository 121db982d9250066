//! What members read and keep in a group: the member list and admins, each
//! member's own display name and message modes, announcements (admins
//! publish) and shared file records (members upload; the uploader or an
//! admin renames and deletes).

use super::super::callers::Actor;
use super::super::error::{Error, Result};
use super::super::ids::{AnnouncementId, GroupFileId, GroupId, UserId};
use super::super::notices::{Draft, NoticeKind};
use super::super::paging::{self, Page, PageRequest};
use super::super::validation::Limit;
use super::{
    Announcement, FileBatchEntry, GroupFile, GroupRole, Groups, Member, NewFile, notify, require, unique,
};
use serde_json::json;

impl Groups<'_> {
    /// Members by ascending user id. Without a limit (`None` or 0) every
    /// member in one page; with one, pages by cursor. `version` is the
    /// group's membership version, read with the rows. Served from the
    /// group cache (`Groups::state`).
    pub async fn member_list(&self, me: &Actor, group: GroupId, page: &PageRequest) -> Result<Page<Member>> {
        let (state, _) = self.state_as_member(me, group, GroupRole::Member).await?;
        let after = page.after_key()?;
        let limit = match page.limit {
            None | Some(0) => None,
            Some(_) => Some(page.limit()?),
        };
        let take = limit.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX).saturating_add(1));
        let rows: Vec<Member> = state.members_after(after, take).cloned().collect();
        Ok(paging::page_of(rows, limit.unwrap_or(i64::MAX), state.group.member_version, |m| m.user.0))
    }

    /// The admins (not the owner), by ascending user id.
    pub async fn admin_list(&self, me: &Actor, group: GroupId) -> Result<Vec<Member>> {
        let (state, _) = self.state_as_member(me, group, GroupRole::Member).await?;
        Ok(state.members.iter().filter(|m| m.role == GroupRole::Admin).cloned().collect())
    }

    /// The listed users' memberships (display names, join times), by
    /// ascending user id; users who are not members are left out.
    pub async fn members_display_name(
        &self,
        me: &Actor,
        group: GroupId,
        users: &[UserId],
    ) -> Result<Vec<Member>> {
        let (state, _) = self.state_as_member(me, group, GroupRole::Member).await?;
        let mut wanted = unique(users);
        wanted.sort();
        Ok(wanted.into_iter().filter_map(|u| state.member(u).cloned()).collect())
    }

    /// My nickname in the group.
    pub async fn set_display_name(&self, me: &Actor, group: GroupId, name: &str) -> Result<()> {
        Limit::DISPLAY_NAME.check(name)?;
        self.set_mine(me, group, Some(name), None, None).await
    }

    /// 0 none, 1 mute notifications, 2 block messages.
    pub async fn set_msg_mute_mode(&self, me: &Actor, group: GroupId, mode: i64) -> Result<()> {
        if !(0..=2).contains(&mode) {
            return Err(Error::invalid("msg_mute_mode", "0, 1 or 2"));
        }
        self.set_mine(me, group, None, Some(mode), None).await
    }

    /// 0 all, 1 none, 2 admins and @me, 3 admins only, 4 @me only (else 20003).
    pub async fn set_msg_push_mode(&self, me: &Actor, group: GroupId, mode: i64) -> Result<()> {
        if !(0..=4).contains(&mode) {
            return Err(Error::InvalidPushMode);
        }
        self.set_mine(me, group, None, None, Some(mode)).await
    }

    async fn set_mine(
        &self,
        me: &Actor,
        group: GroupId,
        display_name: Option<&str>,
        mute: Option<i64>,
        push: Option<i64>,
    ) -> Result<()> {
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        require(tx.member(me.user).await?, GroupRole::Member)?;
        tx.set_member_fields(me.user, display_name, mute, push).await?;
        if let Some(name) = display_name {
            let draft = Draft::group(NoticeKind::GroupInfoUpdated, group, me.user, Some(me.user))
                .with(json!({ "property": "display_name", "display_name": name }));
            notify::members(&mut tx, draft, &[], now).await?;
        }
        if mute.is_some() || push.is_some() {
            let changed = notify::changed([
                ("msg_mute_mode", notify::opt(&mute)),
                ("msg_push_mode", notify::opt(&push)),
            ]);
            let draft =
                Draft::group(NoticeKind::GroupMessageSetting, group, me.user, Some(me.user)).with(changed);
            notify::users(&mut tx, draft, &[me.user], now);
        }
        tx.commit().await
    }

    /// Admins publish an announcement; the newest is the group's current one.
    pub async fn announcement_edit(
        &self,
        me: &Actor,
        group: GroupId,
        title: &str,
        content: &str,
    ) -> Result<Announcement> {
        Limit::ANNOUNCEMENT_TITLE.check(title)?;
        Limit::ANNOUNCEMENT_CONTENT.check(content)?;
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        require(tx.member(me.user).await?, GroupRole::Admin)?;
        let id = tx.insert_announcement(title, content, me.user, now).await?;
        let draft = Draft::group(NoticeKind::GroupAnnouncementUpdated, group, me.user, None)
            .with(json!({ "announcement_id": id.0, "title": title }));
        notify::members(&mut tx, draft, &[], now).await?;
        tx.commit().await?;
        Ok(Announcement {
            id,
            group,
            title: title.to_owned(),
            content: content.to_owned(),
            author: me.user,
            created_at: now,
        })
    }

    pub async fn announcement(&self, me: &Actor, group: GroupId, id: AnnouncementId) -> Result<Announcement> {
        self.as_member(me, group, GroupRole::Member).await?;
        self.core.db.announcement(&me.app, group, id).await?.ok_or(Error::AnnouncementMissing)
    }

    /// Newest first.
    pub async fn announcements(&self, me: &Actor, group: GroupId) -> Result<Vec<Announcement>> {
        self.as_member(me, group, GroupRole::Member).await?;
        self.core.db.announcements(&me.app, group).await
    }

    /// The current (newest) announcement, if any.
    pub async fn announcement_last(&self, me: &Actor, group: GroupId) -> Result<Option<Announcement>> {
        Ok(self.announcements(me, group).await?.into_iter().next())
    }

    pub async fn announcement_delete(&self, me: &Actor, group: GroupId, id: AnnouncementId) -> Result<()> {
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        require(tx.member(me.user).await?, GroupRole::Admin)?;
        if !tx.delete_announcement(id).await? {
            return Err(Error::AnnouncementMissing);
        }
        let draft = Draft::group(NoticeKind::GroupAnnouncementUpdated, group, me.user, None)
            .with(json!({ "announcement_id": id.0, "deleted": true }));
        notify::members(&mut tx, draft, &[], now).await?;
        tx.commit().await
    }

    /// Any member records a shared file (name, size, type and the URL it was
    /// uploaded to; the server keeps no content).
    pub async fn file_upload(&self, me: &Actor, group: GroupId, new: NewFile) -> Result<GroupFile> {
        Limit::FILE_NAME.check(&new.name)?;
        Limit::FILE_TYPE.check(&new.file_type)?;
        Limit::FILE_URL.check(&new.url)?;
        if new.name.trim().is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        if new.url.trim().is_empty() {
            return Err(Error::invalid("url", "must not be empty"));
        }
        if new.size < 0 {
            return Err(Error::invalid("size", "must not be negative"));
        }
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        require(tx.member(me.user).await?, GroupRole::Member)?;
        let id = tx.insert_file(&new, me.user, now).await?;
        let file = tx.file(id).await?.ok_or(Error::GroupFileMissing)?;
        let draft = Draft::group(NoticeKind::GroupFileUploaded, group, me.user, None)
            .with(json!({ "file_id": id.0, "name": file.name, "size": file.size }));
        notify::members(&mut tx, draft, &[], now).await?;
        tx.commit().await?;
        Ok(file)
    }

    pub async fn file(&self, me: &Actor, group: GroupId, id: GroupFileId) -> Result<GroupFile> {
        self.as_member(me, group, GroupRole::Member).await?;
        self.core.db.group_file(&me.app, group, id).await?.ok_or(Error::GroupFileMissing)
    }

    /// Oldest first.
    pub async fn files(&self, me: &Actor, group: GroupId) -> Result<Vec<GroupFile>> {
        self.as_member(me, group, GroupRole::Member).await?;
        self.core.db.group_files(&me.app, group).await
    }

    /// The uploader or an admin (else 20023).
    pub async fn file_rename(&self, me: &Actor, group: GroupId, id: GroupFileId, name: &str) -> Result<()> {
        Limit::FILE_NAME.check(name)?;
        if name.trim().is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        let mine = require(tx.member(me.user).await?, GroupRole::Member)?;
        let file = tx.file(id).await?.ok_or(Error::GroupFileMissing)?;
        may_manage(&mine, &file)?;
        tx.rename_file(id, name, now).await?;
        let draft = Draft::group(NoticeKind::GroupFileUpdated, group, me.user, None)
            .with(json!({ "file_id": id.0, "name": name }));
        notify::members(&mut tx, draft, &[], now).await?;
        tx.commit().await
    }

    /// Each file on its own: the uploader or an admin (else 20023).
    pub async fn file_delete(
        &self,
        me: &Actor,
        group: GroupId,
        files: &[GroupFileId],
    ) -> Result<Vec<FileBatchEntry>> {
        self.as_member(me, group, GroupRole::Member).await?;
        let mut out = Vec::new();
        for file in unique(files) {
            let result = self.delete_file(me, group, file).await;
            out.push(FileBatchEntry { file, result });
        }
        Ok(out)
    }

    async fn delete_file(&self, me: &Actor, group: GroupId, id: GroupFileId) -> Result<()> {
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        let mine = require(tx.member(me.user).await?, GroupRole::Member)?;
        let file = tx.file(id).await?.ok_or(Error::GroupFileMissing)?;
        may_manage(&mine, &file)?;
        tx.delete_file(id).await?;
        let draft = Draft::group(NoticeKind::GroupFileDeleted, group, me.user, None)
            .with(json!({ "file_id": id.0, "name": file.name }));
        notify::members(&mut tx, draft, &[], now).await?;
        tx.commit().await
    }
}

fn may_manage(me: &Member, file: &GroupFile) -> Result<()> {
    if me.role >= GroupRole::Admin || file.uploader == me.user {
        Ok(())
    } else {
        Err(Error::GroupFileForbidden)
    }
}
