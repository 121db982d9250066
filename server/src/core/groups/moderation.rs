//! Keeping order: kicks (counted, for the rejoin rule), bans of members,
//! the group's block list, and whether a member may send right now. Each
//! batch entry runs in its own transaction, so one bad entry never fails
//! the others; admins may act on members only, the owner on admins too.

use super::super::callers::Actor;
use super::super::error::{Error, Result};
use super::super::ids::{GroupId, UserId};
use super::super::notices::{Draft, NoticeKind};
use super::{BatchEntry, BlockedUser, GroupRole, Groups, Member, ban_end, notify, require, unique};
use serde_json::json;

/// Whether `me` may act on `target`: only on a lower role (so admins on
/// members, the owner on admins and members), never on oneself.
fn outranks(me: &Member, target: &Member) -> Result<()> {
    if me.user == target.user {
        return Err(Error::invalid("user_list", "cannot act on yourself"));
    }
    if target.role >= me.role {
        return Err(Error::GroupRoleNeeded { needs: GroupRole::Owner });
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Act {
    Kick,
    Ban(i64),
    Unban,
    Block,
    Unblock,
}

impl Groups<'_> {
    /// Removes members (admins: members only; the owner: admins too). Each
    /// kick is recorded: three within a day keep the user out for that day.
    pub async fn kick(&self, me: &Actor, group: GroupId, users: &[UserId]) -> Result<Vec<BatchEntry>> {
        self.batch(me, group, users, Act::Kick).await
    }

    /// Bans members from sending for `minutes` (-1: until unbanned).
    pub async fn ban(
        &self,
        me: &Actor,
        group: GroupId,
        users: &[UserId],
        minutes: i64,
    ) -> Result<Vec<BatchEntry>> {
        ban_end(0, minutes)?;
        self.batch(me, group, users, Act::Ban(minutes)).await
    }

    pub async fn unban(&self, me: &Actor, group: GroupId, users: &[UserId]) -> Result<Vec<BatchEntry>> {
        self.batch(me, group, users, Act::Unban).await
    }

    /// Adds users (members or not) to the block list; a blocked member
    /// leaves the group (not counted as a kick). Blocked users may neither
    /// apply nor be invited.
    pub async fn block(&self, me: &Actor, group: GroupId, users: &[UserId]) -> Result<Vec<BatchEntry>> {
        self.batch(me, group, users, Act::Block).await
    }

    pub async fn unblock(&self, me: &Actor, group: GroupId, users: &[UserId]) -> Result<Vec<BatchEntry>> {
        self.batch(me, group, users, Act::Unblock).await
    }

    /// The call fails as a whole only when the group or the caller's role
    /// does; then one entry per user.
    async fn batch(&self, me: &Actor, group: GroupId, users: &[UserId], act: Act) -> Result<Vec<BatchEntry>> {
        self.as_member(me, group, GroupRole::Admin).await?;
        let mut out = Vec::new();
        for user in unique(users) {
            let result = self.moderate(me, group, user, act).await;
            out.push(BatchEntry { user, result });
        }
        Ok(out)
    }

    async fn moderate(&self, me: &Actor, group: GroupId, user: UserId, act: Act) -> Result<()> {
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        let mine = require(tx.member(me.user).await?, GroupRole::Admin)?;
        let target = tx.member(user).await?;
        match act {
            Act::Kick | Act::Ban(_) | Act::Unban => {
                let target = target.ok_or(Error::NotGroupMember)?;
                outranks(&mine, &target)?;
                match act {
                    Act::Kick => {
                        tx.remove_member(user, now).await?;
                        tx.record_kick(user, now).await?;
                        let draft = Draft::group(NoticeKind::GroupKicked, group, me.user, Some(user));
                        notify::members(&mut tx, draft, &[user], now).await?;
                    }
                    Act::Ban(minutes) => {
                        let expire = ban_end(now, minutes)?;
                        tx.set_member_ban(user, expire).await?;
                        let draft = Draft::group(NoticeKind::GroupBanned, group, me.user, Some(user))
                            .with(json!({ "minutes": minutes, "ban_expire_time": expire }));
                        notify::members(&mut tx, draft, &[], now).await?;
                    }
                    _ => {
                        tx.set_member_ban(user, 0).await?;
                        let draft = Draft::group(NoticeKind::GroupUnbanned, group, me.user, Some(user));
                        notify::members(&mut tx, draft, &[], now).await?;
                    }
                }
            }
            Act::Block => {
                if !tx.user_exists(user).await? {
                    return Err(Error::UserMissing);
                }
                if user == me.user {
                    return Err(Error::invalid("user_list", "cannot act on yourself"));
                }
                let draft = Draft::group(NoticeKind::GroupBlocked, group, me.user, Some(user));
                if let Some(target) = target {
                    outranks(&mine, &target)?;
                    tx.remove_member(user, now).await?;
                    notify::members(&mut tx, draft, &[user], now).await?;
                } else if !tx.is_blocked(user).await? {
                    notify::admins(&mut tx, draft, &[user], now).await?;
                }
                tx.block(user, now).await?;
            }
            Act::Unblock => {
                if tx.is_blocked(user).await? {
                    tx.unblock(user).await?;
                    let draft = Draft::group(NoticeKind::GroupUnblocked, group, me.user, Some(user));
                    notify::admins(&mut tx, draft, &[user], now).await?;
                }
            }
        }
        tx.commit().await
    }

    /// Members whose ban is in force, for members.
    pub async fn banned_list(&self, me: &Actor, group: GroupId) -> Result<Vec<Member>> {
        self.as_member(me, group, GroupRole::Member).await?;
        self.core.db.banned_members(&me.app, group, self.core.now_ms()).await
    }

    /// The block list, for admins.
    pub async fn blocked_list(&self, me: &Actor, group: GroupId) -> Result<Vec<BlockedUser>> {
        self.as_member(me, group, GroupRole::Admin).await?;
        self.core.db.group_blocked(&me.app, group).await
    }

    /// Whether `me`, a member, is kept from sending now: banned, or the whole
    /// group is (`ban_all`) and `me` is neither owner nor admin.
    pub async fn muted(&self, me: &Actor, group: GroupId) -> Result<bool> {
        let (g, m) = self.as_member(me, group, GroupRole::Member).await?;
        let now = self.core.now_ms();
        Ok(m.banned_at(now) || (g.all_banned_at(now) && m.role == GroupRole::Member))
    }
}
