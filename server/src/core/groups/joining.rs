//! Becoming a member: applications (handled by admins), invitations
//! (honouring the invitee's `group_confirm` setting), signed QR codes, and
//! the checks every join passes (not a member yet, not blocked, not kicked
//! too often, a free seat, fewer groups than the app lets a user join), made
//! inside the group's transaction.

use std::time::Duration;

use super::super::apps::GroupLimits;
use super::super::callers::Actor;
use super::super::clock::duration_ms;
use super::super::error::{Error, Result};
use super::super::ids::{GroupId, UserId};
use super::super::notices::{Draft, NoticeKind};
use super::super::paging::{self, Page, PageRequest};
use super::super::validation::Limit;
use super::qrcode::{self, QrClaims};
use super::{
    ApplyApproval, BatchEntry, Group, GroupApplication, GroupInvitation, GroupRole, Groups, JoinOutcome,
    Member, QrCode, notify, require, unique,
};
use crate::store::GroupTx;
use serde_json::json;

/// Kicked this many times within [`KICK_WINDOW`], a user may not join again
/// until the oldest of those kicks is a window old.
pub const KICK_LIMIT: i64 = 3;
pub const KICK_WINDOW: Duration = Duration::from_secs(24 * 3600);

impl Groups<'_> {
    /// Applies to join. `apply_approval` 0 joins at once, 1 leaves a pending
    /// application for the admins (applying again refreshes it: reason and
    /// expiry), 2 refuses.
    pub async fn apply(&self, me: &Actor, group: GroupId, reason: &str) -> Result<JoinOutcome> {
        Limit::GROUP_REASON.check(reason)?;
        let app = self.core.apps().get(&me.app).await?;
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        let g = tx.group().await?;
        admissible(&mut tx, me.user, now).await?;
        match g.apply_approval {
            ApplyApproval::Nobody => Err(Error::GroupApplyClosed),
            ApplyApproval::Anyone => {
                join(&mut tx, &g, me.user, app.settings.max_groups_joined, now).await?;
                let draft = Draft::group(NoticeKind::GroupJoined, group, me.user, Some(me.user));
                notify::members(&mut tx, draft, &[], now).await?;
                tx.commit().await?;
                Ok(JoinOutcome::Joined)
            }
            ApplyApproval::AdminApproves => {
                let expires_at = now.saturating_add(app.settings.group_request_ttl_ms);
                let id = tx.upsert_application(me.user, reason, now, expires_at).await?;
                let draft = Draft::group(NoticeKind::GroupApplied, group, me.user, None).with(json!({
                    "application_id": id,
                    "reason": reason,
                    "expires_at": expires_at,
                }));
                notify::admins(&mut tx, draft, &[me.user], now).await?;
                tx.commit().await?;
                Ok(JoinOutcome::Pending { expires_at })
            }
        }
    }

    /// An admin accepts (the applicant joins) or declines `applicant`'s
    /// pending application; none pending, expired or handled: 20014.
    pub async fn handle_application(
        &self,
        me: &Actor,
        group: GroupId,
        applicant: UserId,
        approve: bool,
    ) -> Result<()> {
        self.handle_application_inner(me, group, applicant, None, approve).await
    }

    /// [`Groups::handle_application`] naming the application by its id, as
    /// the lists show it: an id that is not the applicant's pending
    /// application (unknown, expired, handled, or replaced) is 20014 too.
    pub async fn handle_application_by_id(&self, me: &Actor, id: i64, approve: bool) -> Result<()> {
        let a = self.core.db.group_application(&me.app, id).await?.ok_or(Error::GroupApplicationMissing)?;
        self.handle_application_inner(me, a.group, a.applicant, Some(id), approve).await
    }

    async fn handle_application_inner(
        &self,
        me: &Actor,
        group: GroupId,
        applicant: UserId,
        expected: Option<i64>,
        approve: bool,
    ) -> Result<()> {
        let app = self.core.apps().get(&me.app).await?;
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        require(tx.member(me.user).await?, GroupRole::Admin)?;
        let pending = tx.pending_application(applicant, now).await?.ok_or(Error::GroupApplicationMissing)?;
        if expected.is_some_and(|id| id != pending.id) {
            return Err(Error::GroupApplicationMissing);
        }
        if !tx.close_application(pending.id, approve, me.user, now).await? {
            return Err(Error::GroupApplicationMissing);
        }
        let payload = json!({ "application_id": pending.id });
        if approve {
            let g = tx.group().await?;
            join(&mut tx, &g, applicant, app.settings.max_groups_joined, now).await?;
            let draft = Draft::group(NoticeKind::GroupApplyAccepted, group, me.user, Some(applicant));
            notify::members(&mut tx, draft.with(payload), &[], now).await?;
        } else {
            let draft = Draft::group(NoticeKind::GroupApplyDeclined, group, me.user, Some(applicant));
            notify::admins(&mut tx, draft.with(payload), &[applicant], now).await?;
        }
        tx.commit().await
    }

    /// Applications to the listed groups (none listed: every group `me`
    /// administers), newest first, with their status as of now. `me` must be
    /// an admin of each listed group.
    pub async fn applications(
        &self,
        me: &Actor,
        groups: &[GroupId],
        page: &PageRequest,
    ) -> Result<Page<GroupApplication>> {
        let limit = page.limit()?;
        let before = page.after_key()?;
        let groups = if groups.is_empty() {
            let mine = self.core.db.groups_of_user(&me.app, me.user).await?;
            mine.into_iter().filter(|(_, role)| *role >= GroupRole::Admin).map(|(g, _)| g).collect()
        } else {
            let groups = unique(groups);
            for g in &groups {
                self.as_member(me, *g, GroupRole::Admin).await?;
            }
            groups
        };
        let now = self.core.now_ms();
        let mut rows = self.core.db.group_applications(&me.app, &groups, before, limit + 1).await?;
        for a in &mut rows {
            a.status = a.status.at(a.expires_at, now);
        }
        Ok(paging::page_of(rows, limit, 0, |a| a.id))
    }

    /// Invites each user on its own (one entry each). An invitee whose
    /// `group_confirm` setting is off joins at once; one whose setting is on
    /// gets a pending invitation (inviting again refreshes it). Admins may
    /// always invite, members when `member_invite` (else the whole call: 20012).
    pub async fn invite(
        &self,
        me: &Actor,
        group: GroupId,
        users: &[UserId],
        reason: &str,
    ) -> Result<Vec<BatchEntry<JoinOutcome>>> {
        self.invite_told(me, group, users, reason, false).await
    }

    /// [`Groups::invite`]; `at_creation`: the members listed when the group
    /// is created, whose joins are told to the joiner and the creator only
    /// (`docs/notices.md#who-gets-what`: telling every member of each join
    /// would write a number of notices growing with the square of the list).
    pub(super) async fn invite_told(
        &self,
        me: &Actor,
        group: GroupId,
        users: &[UserId],
        reason: &str,
        at_creation: bool,
    ) -> Result<Vec<BatchEntry<JoinOutcome>>> {
        Limit::GROUP_REASON.check(reason)?;
        let (g, m) = self.as_member(me, group, GroupRole::Member).await?;
        may_invite(&g, &m)?;
        let mut out = Vec::new();
        for user in unique(users) {
            let result = self.invite_one(me, group, user, reason, at_creation).await;
            out.push(BatchEntry { user, result });
        }
        Ok(out)
    }

    async fn invite_one(
        &self,
        me: &Actor,
        group: GroupId,
        user: UserId,
        reason: &str,
        at_creation: bool,
    ) -> Result<JoinOutcome> {
        if user == me.user {
            return Err(Error::AlreadyGroupMember);
        }
        let app = self.core.apps().get(&me.app).await?;
        let confirm = match self.core.db.settings(&me.app, user).await? {
            Some(s) => s.group_confirm,
            None => return Err(Error::UserMissing),
        };
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        let g = tx.group().await?;
        let m = require(tx.member(me.user).await?, GroupRole::Member)?;
        may_invite(&g, &m)?;
        admissible(&mut tx, user, now).await?;
        if confirm {
            let expires_at = now.saturating_add(app.settings.group_request_ttl_ms);
            tx.upsert_invitation(me.user, user, reason, now, expires_at).await?;
            let draft = Draft::group(NoticeKind::GroupInvited, group, me.user, Some(user))
                .with(json!({ "reason": reason, "expires_at": expires_at }));
            notify::users(&mut tx, draft, &[user, me.user], now);
            tx.commit().await?;
            return Ok(JoinOutcome::Pending { expires_at });
        }
        join(&mut tx, &g, user, app.settings.max_groups_joined, now).await?;
        let draft = Draft::group(NoticeKind::GroupJoined, group, me.user, Some(user));
        if at_creation {
            notify::users(&mut tx, draft, &[user, me.user], now);
        } else {
            notify::members(&mut tx, draft, &[], now).await?;
        }
        tx.commit().await?;
        Ok(JoinOutcome::Joined)
    }

    /// The invitee accepts (joins) or declines the pending invitation from
    /// `inviter`; none pending, expired or handled: 20015.
    pub async fn handle_invitation(
        &self,
        me: &Actor,
        group: GroupId,
        inviter: UserId,
        approve: bool,
    ) -> Result<()> {
        let app = self.core.apps().get(&me.app).await?;
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_group(&me.app, group).await?;
        let pending =
            tx.pending_invitation(inviter, me.user, now).await?.ok_or(Error::GroupInvitationMissing)?;
        if !tx.close_invitation(pending.id, approve, now).await? {
            return Err(Error::GroupInvitationMissing);
        }
        if approve {
            let g = tx.group().await?;
            join(&mut tx, &g, me.user, app.settings.max_groups_joined, now).await?;
            let draft = Draft::group(NoticeKind::GroupInviteAccepted, group, me.user, Some(inviter));
            notify::members(&mut tx, draft, &[], now).await?;
        } else {
            let draft = Draft::group(NoticeKind::GroupInviteDeclined, group, me.user, Some(inviter));
            notify::users(&mut tx, draft, &[me.user, inviter], now);
        }
        tx.commit().await
    }

    /// Invitations made to `me`, newest first, with their status as of now.
    pub async fn invitations(&self, me: &Actor, page: &PageRequest) -> Result<Page<GroupInvitation>> {
        let limit = page.limit()?;
        let before = page.after_key()?;
        let now = self.core.now_ms();
        let mut rows = self.core.db.group_invitations_to(&me.app, me.user, before, limit + 1).await?;
        for i in &mut rows {
            i.status = i.status.at(i.expires_at, now);
        }
        Ok(paging::page_of(rows, limit, 0, |i| i.id))
    }

    /// A signed QR invitation from `me`, who must be allowed to invite.
    pub async fn qrcode_sign(&self, me: &Actor, group: GroupId) -> Result<QrCode> {
        let (g, m) = self.as_member(me, group, GroupRole::Member).await?;
        may_invite(&g, &m)?;
        let app = self.core.apps().get(&me.app).await?;
        let created_at = self.core.now_ms();
        let expires_at = created_at.saturating_add(duration_ms(self.core.config.group_qrcode_ttl));
        let token = qrcode::sign(&app.secret, &me.app, QrClaims { group, inviter: me.user, expires_at });
        Ok(QrCode { token, created_at, expires_at })
    }

    /// Joins `me` to the token's group as invited by its signer, who must
    /// still be a member allowed to invite (20012). Invalid token: 20024;
    /// expired: 20025. `group_confirm` and `apply_approval` do not apply:
    /// scanning is the invitee's consent, the signer's the group's.
    pub async fn qrcode_invite(&self, me: &Actor, token: &str) -> Result<GroupId> {
        let app = self.core.apps().get(&me.app).await?;
        let claims = qrcode::verify(&app.secret, &me.app, token)?;
        let now = self.core.now_ms();
        if claims.expires_at <= now {
            return Err(Error::QrCodeExpired);
        }
        let mut tx = self.core.db.lock_group(&me.app, claims.group).await?;
        let g = tx.group().await?;
        let inviter = tx.member(claims.inviter).await?;
        let allowed = inviter.as_ref().is_some_and(|m| may_invite(&g, m).is_ok());
        if !allowed {
            return Err(Error::GroupRoleNeeded { needs: GroupRole::Admin });
        }
        admissible(&mut tx, me.user, now).await?;
        join(&mut tx, &g, me.user, app.settings.max_groups_joined, now).await?;
        let draft = Draft::group(NoticeKind::GroupJoined, claims.group, me.user, Some(me.user))
            .with(json!({ "inviter": claims.inviter.0 }));
        notify::members(&mut tx, draft, &[], now).await?;
        tx.commit().await?;
        Ok(claims.group)
    }
}

/// Admins may always invite; members when the group lets them.
fn may_invite(g: &Group, m: &Member) -> Result<()> {
    if m.role >= GroupRole::Admin || g.member_invite {
        Ok(())
    } else {
        Err(Error::GroupRoleNeeded { needs: GroupRole::Admin })
    }
}

/// Whether `user` could join now: not a member, not blocked, not kicked too often.
async fn admissible(tx: &mut GroupTx, user: UserId, now: i64) -> Result<()> {
    if !tx.user_exists(user).await? {
        return Err(Error::UserMissing);
    }
    if tx.member(user).await?.is_some() {
        return Err(Error::AlreadyGroupMember);
    }
    if tx.is_blocked(user).await? {
        return Err(Error::BlockedByGroup);
    }
    if tx.kicks_since(user, now.saturating_sub(duration_ms(KICK_WINDOW))).await? >= KICK_LIMIT {
        return Err(Error::KickedTooOften);
    }
    Ok(())
}

/// Adds `user` as a member after every check, inside the group's lock, so
/// the count read is exact (the count's CHECK backs it). The groups the
/// user is in are counted under the user's lock as well
/// ([`GroupTx::lock_user_groups`] says why that is exact), against the
/// app's `max_groups_joined`.
pub(super) async fn join(tx: &mut GroupTx, g: &Group, user: UserId, max_joined: i64, now: i64) -> Result<()> {
    admissible(tx, user, now).await?;
    if g.count >= g.capacity {
        return Err(Error::GroupFull);
    }
    if GroupLimits::reached(max_joined, tx.lock_user_groups(user).await?.joined) {
        return Err(Error::GroupsJoinedLimit { max: max_joined });
    }
    tx.add_member(user, GroupRole::Member, now).await
}
