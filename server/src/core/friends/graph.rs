//! Changes to the friend graph. Each runs in one roster transaction (see the
//! module docs); rules are decided here, atomicity is the store's.

use super::super::apps::App;
use super::super::callers::Actor;
use super::super::error::{Error, RefusalReason, Result};
use super::super::events::Event;
use super::super::ids::{ApplicationId, UserId};
use super::super::notices::{Draft, NewNotice, NoticeKind, changed_fields, opt};
use super::super::settings::AuthMode;
use super::super::validation::Limit;
use super::{
    ApplicationStatus, ApplyOutcome, ApplyRequest, BatchApplyEntry, DeleteOptions, FriendPatch, Friends,
    Relation, ServerFriendPatch,
};
use crate::store::RosterTx;

use serde_json::json;

impl Friends<'_> {
    /// Commits a roster change, then tells every node (this one at once)
    /// that the locked users' friend lists changed: their roster versions moved.
    async fn commit(&self, tx: RosterTx) -> Result<()> {
        let (app, users) = (tx.app().clone(), tx.users().to_vec());
        tx.commit().await?;
        self.core.events().publish(Event::FriendsChanged { app, users });
        Ok(())
    }

    /// Applies to become `target`'s friend (`docs/maxim.md#applications`).
    pub async fn apply(&self, me: &Actor, target: UserId, req: ApplyRequest) -> Result<ApplyOutcome> {
        if target == me.user {
            return Err(Error::invalid("user_id", "cannot apply to yourself"));
        }
        Limit::APPLY_REASON.check(&req.reason)?;
        Limit::ALIAS.check(&req.alias)?;
        let app = self.core.apps().get(&me.app).await?;
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_rosters(&me.app, &[me.user, target]).await?;
        may_befriend(&mut tx, me.user, target).await?;
        // The target asked first: that is consent enough, whatever its auth mode.
        if let Some(theirs) = tx.pending_application(target, me.user, now).await? {
            check_capacity(&mut tx, &app, me.user, target).await?;
            tx.make_friends(me.user, target, &req.alias, &theirs.alias, None, now).await?;
            tell_both(&mut tx, Draft::roster(NoticeKind::FriendAccepted, me.user, target), now);
            self.commit(tx).await?;
            return Ok(ApplyOutcome::Friends);
        }
        let settings = tx.settings(target).await?;
        match settings.auth_mode {
            AuthMode::Closed => return Err(Error::Refused { reason: RefusalReason::RefusesAll }),
            AuthMode::Question => {
                let given = req.answer.as_deref().unwrap_or("").trim();
                if given != settings.auth_answer.trim() {
                    return Err(Error::Refused { reason: RefusalReason::WrongAnswer });
                }
            }
            AuthMode::Open => {}
            AuthMode::Approval => {
                let expires_at = now.saturating_add(app.settings.application_ttl_ms);
                let id = tx
                    .upsert_pending_application(me.user, target, &req.reason, &req.alias, now, expires_at)
                    .await?;
                let draft = Draft::roster(NoticeKind::FriendApplied, me.user, target).with(json!({
                    "application_id": id.0,
                    "reason": req.reason,
                    "expires_at": expires_at,
                }));
                tell_both(&mut tx, draft, now);
                self.commit(tx).await?;
                return Ok(ApplyOutcome::Pending { application: id, expires_at });
            }
        }
        check_capacity(&mut tx, &app, me.user, target).await?;
        tx.make_friends(me.user, target, &req.alias, "", None, now).await?;
        tell_both(&mut tx, Draft::roster(NoticeKind::FriendAdded, me.user, target), now);
        self.commit(tx).await?;
        Ok(ApplyOutcome::Friends)
    }

    /// Applies to each target on its own; one failure does not undo the others.
    pub async fn apply_batch(&self, me: &Actor, list: Vec<(UserId, ApplyRequest)>) -> Vec<BatchApplyEntry> {
        let mut out = Vec::with_capacity(list.len());
        for (target, req) in list {
            let result = self.apply(me, target, req).await;
            out.push(BatchApplyEntry { target, result });
        }
        out
    }

    /// Friends at once, without the target's consent or auth mode (NetEase
    /// `add.action` type 1, a trusted server call). A block still refuses.
    pub async fn add_directly(&self, me: &Actor, target: UserId, server_ex: Option<&str>) -> Result<()> {
        if target == me.user {
            return Err(Error::invalid("faccid", "cannot add yourself"));
        }
        Limit::SERVER_EX.check_opt(server_ex)?;
        let app = self.core.apps().get(&me.app).await?;
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_rosters(&me.app, &[me.user, target]).await?;
        may_befriend(&mut tx, me.user, target).await?;
        check_capacity(&mut tx, &app, me.user, target).await?;
        tx.make_friends(me.user, target, "", "", server_ex, now).await?;
        tell_both(&mut tx, Draft::roster(NoticeKind::FriendAdded, me.user, target), now);
        self.commit(tx).await
    }

    /// Accepts `applicant`'s pending, unexpired application to me.
    pub async fn accept(&self, me: &Actor, applicant: UserId) -> Result<()> {
        self.accept_inner(me, applicant, None).await
    }

    /// Accepts by application id (YHChat `agree-apply`).
    pub async fn accept_application(&self, me: &Actor, id: ApplicationId) -> Result<()> {
        let application = self.incoming_application(me, id).await?;
        self.accept_inner(me, application.applicant, Some(id)).await
    }

    async fn accept_inner(
        &self,
        me: &Actor,
        applicant: UserId,
        expected: Option<ApplicationId>,
    ) -> Result<()> {
        if applicant == me.user {
            return Err(Error::ApplicationMissing);
        }
        let app = self.core.apps().get(&me.app).await?;
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_rosters(&me.app, &[me.user, applicant]).await?;
        let pending =
            tx.pending_application(applicant, me.user, now).await?.ok_or(Error::ApplicationMissing)?;
        if expected.is_some_and(|id| id != pending.id) {
            return Err(Error::ApplicationMissing);
        }
        check_capacity(&mut tx, &app, me.user, applicant).await?;
        tx.make_friends(applicant, me.user, &pending.alias, "", None, now).await?;
        let draft = Draft::roster(NoticeKind::FriendAccepted, me.user, applicant)
            .with(json!({ "application_id": pending.id.0 }));
        tell_both(&mut tx, draft, now);
        self.commit(tx).await
    }

    /// Declines `applicant`'s pending, unexpired application; the reason is kept.
    pub async fn decline(&self, me: &Actor, applicant: UserId, reason: &str) -> Result<()> {
        self.decline_inner(me, applicant, reason, None).await
    }

    pub async fn decline_application(&self, me: &Actor, id: ApplicationId, reason: &str) -> Result<()> {
        let application = self.incoming_application(me, id).await?;
        self.decline_inner(me, application.applicant, reason, Some(id)).await
    }

    async fn decline_inner(
        &self,
        me: &Actor,
        applicant: UserId,
        reason: &str,
        expected: Option<ApplicationId>,
    ) -> Result<()> {
        Limit::DECLINE_REASON.check(reason)?;
        if applicant == me.user {
            return Err(Error::ApplicationMissing);
        }
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_rosters(&me.app, &[me.user, applicant]).await?;
        let pending =
            tx.pending_application(applicant, me.user, now).await?.ok_or(Error::ApplicationMissing)?;
        if expected.is_some_and(|id| id != pending.id) {
            return Err(Error::ApplicationMissing);
        }
        tx.close_application(pending.id, ApplicationStatus::Declined, reason, now).await?;
        let draft = Draft::roster(NoticeKind::FriendDeclined, me.user, applicant)
            .with(json!({ "application_id": pending.id.0, "reason": reason }));
        tell_both(&mut tx, draft, now);
        self.commit(tx).await
    }

    async fn incoming_application(&self, me: &Actor, id: ApplicationId) -> Result<super::Application> {
        match self.core.db.application(&me.app, id).await? {
            Some(a) if a.target == me.user => Ok(a),
            _ => Err(Error::ApplicationMissing),
        }
    }

    /// Ends the friendship for both; each then sees the other as a deleted friend.
    pub async fn delete(&self, me: &Actor, friend: UserId, options: DeleteOptions) -> Result<()> {
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_rosters(&me.app, &[me.user, friend]).await?;
        if !is_friend(&mut tx, me.user, friend).await? {
            return Err(Error::NotFriends);
        }
        tx.end_friendship(me.user, friend, options.clear_alias, now).await?;
        tell_both(&mut tx, Draft::roster(NoticeKind::FriendRemoved, me.user, friend), now);
        self.commit(tx).await
    }

    /// Puts `other` on my blacklist. Idempotent. A friendship underneath stays
    /// (and shows again after `unblock`).
    pub async fn block(&self, me: &Actor, other: UserId) -> Result<()> {
        if other == me.user {
            return Err(Error::invalid("user_id", "cannot block yourself"));
        }
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_rosters(&me.app, &[me.user, other]).await?;
        if !tx.is_blocked(me.user, other).await? {
            tx.block(me.user, other, now).await?;
            tell_actor(&mut tx, Draft::roster(NoticeKind::FriendBlocked, me.user, other), now);
        }
        self.commit(tx).await
    }

    /// Idempotent.
    pub async fn unblock(&self, me: &Actor, other: UserId) -> Result<()> {
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_rosters(&me.app, &[me.user, other]).await?;
        if tx.unblock(me.user, other).await? {
            tell_actor(&mut tx, Draft::roster(NoticeKind::FriendUnblocked, me.user, other), now);
        }
        self.commit(tx).await
    }

    /// My alias / ext / mute flag for a friend.
    pub async fn set_ext(&self, me: &Actor, friend: UserId, patch: FriendPatch) -> Result<()> {
        Limit::ALIAS.check_opt(patch.alias.as_deref())?;
        Limit::EXT.check_opt(patch.ext.as_deref())?;
        let server = ServerFriendPatch { alias: patch.alias, ext: patch.ext, server_ex: None };
        self.update(me, friend, server, patch.mute_notification).await
    }

    /// The server API's update (NetEase `update.action`), the only writer of
    /// `server_ex`.
    pub async fn update_by_server(&self, me: &Actor, friend: UserId, patch: ServerFriendPatch) -> Result<()> {
        Limit::ALIAS.check_opt(patch.alias.as_deref())?;
        Limit::EXT.check_opt(patch.ext.as_deref())?;
        Limit::SERVER_EX.check_opt(patch.server_ex.as_deref())?;
        self.update(me, friend, patch, None).await
    }

    async fn update(
        &self,
        me: &Actor,
        friend: UserId,
        patch: ServerFriendPatch,
        mute: Option<bool>,
    ) -> Result<()> {
        let now = self.core.now_ms();
        let mut tx = self.core.db.lock_rosters(&me.app, &[me.user]).await?;
        if !tx.update_friendship(me.user, friend, &patch, mute, now).await? {
            return Err(Error::NotFriends);
        }
        let changed = changed_fields([
            ("alias", opt(&patch.alias)),
            ("ext", opt(&patch.ext)),
            ("server_ex", opt(&patch.server_ex)),
            ("mute_notification", opt(&mute)),
        ]);
        let draft = Draft::roster(NoticeKind::FriendInfoUpdated, me.user, friend).with(changed);
        tell_actor(&mut tx, draft, now);
        self.commit(tx).await
    }
}

/// A change both parties see: the actor (`from`) and the other (`to`).
fn tell_both(tx: &mut RosterTx, draft: Draft, now: i64) {
    let to = draft.to.unwrap_or(draft.from);
    tx.notify(NewNotice::to_each(&[draft.from, to], &draft, now));
}

/// A change only the actor sees (its other devices): blocks are not shown
/// to the blocked, a friend's alias is the owner's own.
fn tell_actor(tx: &mut RosterTx, draft: Draft, now: i64) {
    tx.notify(NewNotice::to_each(&[draft.from], &draft, now));
}

/// Inside the pair's transaction: `me` may become `target`'s friend unless
/// `target` blocked `me` or they already are friends.
async fn may_befriend(tx: &mut RosterTx, me: UserId, target: UserId) -> Result<()> {
    let (blocked, friends) = tx.block_and_friendship(target, me).await?;
    if blocked {
        return Err(Error::Blocked);
    }
    if friends {
        return Err(Error::AlreadyFriends);
    }
    Ok(())
}

async fn is_friend(tx: &mut RosterTx, owner: UserId, other: UserId) -> Result<bool> {
    Ok(tx.friendship(owner, other).await?.is_some_and(|f| f.relation == Relation::Friend))
}

/// Exact under concurrency: both rosters are locked by the transaction.
async fn check_capacity(tx: &mut RosterTx, app: &App, a: UserId, b: UserId) -> Result<()> {
    let (of_a, of_b) = tx.friend_counts(a, b).await?;
    if of_a >= app.settings.max_friends || of_b >= app.settings.max_friends {
        return Err(Error::TooManyFriends);
    }
    Ok(())
}
