//! Sending: `/message/send` (a user, or the app's server as a user) and
//! `/message/notify` (the app itself), each one store transaction that
//! stores the body once and one row per one-to-one target or per group.

use std::collections::HashSet;

use super::super::callers::{Caller, Principal};
use super::super::error::{Error, Result};
use super::super::groups::GroupRole;
use super::super::ids::{AppId, GroupId, UserId};
use super::super::wakes::Wake;
use super::{ConversationKey, Messages, NewMessage, PeerFacts, SYSTEM, SendReport, TargetKind, in_force};

/// Targets one send may name (more: invalid). A group is one target
/// whatever its size.
pub const MAX_TARGETS: usize = 1000;

/// Characters of `content`, `ext`, `config` and `attachment` each.
pub const MAX_TEXT: usize = 65_536;

fn check_text(value: Option<&str>, field: &'static str) -> Result<()> {
    match value {
        Some(v) if v.chars().count() > MAX_TEXT => {
            Err(Error::invalid(field, format!("at most {MAX_TEXT} characters")))
        }
        _ => Ok(()),
    }
}

/// The targets once each, in the order given, after the checks every send makes.
fn checked_targets(new: &NewMessage) -> Result<Vec<i64>> {
    if new.targets.is_empty() {
        return Err(Error::invalid("targets", "at least one target"));
    }
    let mut seen = HashSet::new();
    let targets: Vec<i64> = new.targets.iter().copied().filter(|t| seen.insert(*t)).collect();
    if targets.len() > MAX_TARGETS {
        return Err(Error::invalid("targets", format!("at most {MAX_TARGETS} targets")));
    }
    if let Some(bad) = targets.iter().find(|t| **t <= 0) {
        return Err(Error::invalid("targets", format!("{bad} is not an id")));
    }
    check_text(Some(&new.content), "content")?;
    check_text(new.ext.as_deref(), "ext")?;
    check_text(new.config.as_deref(), "config")?;
    check_text(new.attachment.as_deref(), "attachment")?;
    Ok(targets)
}

impl Messages<'_> {
    /// `/message/send`: a user token sends as its user (naming another
    /// sender: `NoPermission`); an admin token as `from`, who must exist.
    pub async fn send(&self, caller: &Caller, from: Option<UserId>, new: NewMessage) -> Result<SendReport> {
        let sender = match (&caller.principal, from) {
            (Principal::User(me), None) => *me,
            (Principal::User(me), Some(from)) if from == *me => *me,
            (Principal::User(_), Some(_)) => return Err(Error::NoPermission),
            (Principal::Admin(_), None) => return Err(Error::invalid("from_user_id", "is missing")),
            (Principal::Admin(_), Some(from)) => {
                self.core.users().get(&caller.app, from).await?;
                from
            }
        };
        self.store(&caller.app, sender.0, 0, new).await
    }

    /// A send from a socket device (`sn`) of the actor: as `send` with a
    /// user token, remembering the device so that it does not get its own
    /// message back (its user's other devices do).
    pub async fn send_from_device(
        &self,
        actor: &super::super::callers::Actor,
        sn: i64,
        new: NewMessage,
    ) -> Result<SendReport> {
        self.store(&actor.app, actor.user.0, sn, new).await
    }

    /// `/message/notify`: a notice from the app itself (sender [`SYSTEM`]),
    /// for admin tokens only. Targets need only exist (active groups).
    pub async fn notify(&self, caller: &Caller, new: NewMessage) -> Result<SendReport> {
        caller.require_admin()?;
        self.store(&caller.app, SYSTEM, 0, new).await
    }

    async fn store(&self, app: &AppId, sender: i64, sender_sn: i64, new: NewMessage) -> Result<SendReport> {
        let targets = checked_targets(&new)?;
        let now = self.core.now_ms();
        // Read before the transaction: it holds a pooled connection, and
        // waiting for a second one while holding it could starve the pool.
        let strangers_ok = sender == SYSTEM
            || new.kind == TargetKind::Group
            || self.core.apps().get(app).await?.settings.stranger_may_message;
        let mut tx = self.core.db().begin_send(app).await?;
        // Inserting the body first is the transaction's first write (SQLite
        // takes its lock there) and settles a repeated transaction id under
        // the UNIQUE constraint: the second of two identical sends stores
        // nothing, however close together they come.
        let Some(body) = tx.insert_body(sender, &new, now).await? else {
            return Ok(SendReport { duplicate: true, ..SendReport::default() });
        };
        let mut report = SendReport::default();
        let mut keys = Vec::new();
        match new.kind {
            TargetKind::User => {
                for facts in tx.user_targets(UserId(sender), &targets).await? {
                    let refusal = if facts.id == sender {
                        Some(Error::invalid("targets", "a user cannot message itself"))
                    } else if !facts.exists {
                        Some(Error::UserMissing)
                    } else if facts.blocks_sender {
                        Some(Error::Blocked)
                    } else if !facts.friend && !strangers_ok {
                        Some(Error::NoPermission)
                    } else {
                        None
                    };
                    match refusal {
                        Some(e) => report.failed.push((facts.id, e)),
                        None => keys.push(ConversationKey::pair(UserId(facts.id), sender)),
                    }
                }
            }
            TargetKind::Group => {
                for target in targets {
                    let refusal = match tx.group_target(target, sender).await? {
                        PeerFacts::Group(g) if g.active => match &g.member {
                            _ if sender == SYSTEM => None,
                            None => Some(Error::NotGroupMember),
                            Some(m) if in_force(m.ban_expire_time, now) => Some(Error::BannedInGroup),
                            Some(m) if m.role < GroupRole::Admin && in_force(g.ban_expire_time, now) => {
                                Some(Error::GroupMuted)
                            }
                            Some(_) => None,
                        },
                        _ => Some(Error::GroupMissing),
                    };
                    match refusal {
                        Some(e) => report.failed.push((target, e)),
                        None => keys.push(ConversationKey::group(target, i64::MIN)),
                    }
                }
            }
        }
        if keys.is_empty() {
            // Dropping the transaction stores nothing, the transaction id
            // included: the same send may be tried again.
            return Ok(report);
        }
        let ids = tx.insert_messages(body, sender, new.kind, &keys, now).await?;
        if new.kind == TargetKind::User {
            tx.open_conversations(sender, &keys).await?;
        }
        if sender_sn != 0 {
            tx.set_origin(&ids, sender_sn).await?;
        }
        tx.commit().await?;
        report.delivered = keys.iter().zip(ids).map(|(k, id)| (k.peer_of(sender), id)).collect();
        self.wake(app, sender, new.kind, &report);
        Ok(report)
    }
}

impl Messages<'_> {
    /// Tells live connections who has something new: each one-to-one
    /// target (conversation: the sender) and the sender (conversation: the
    /// target), every member of each group (found by each node itself).
    fn wake(&self, app: &AppId, sender: i64, kind: TargetKind, report: &SendReport) {
        let wakes = self.core.wakes();
        match kind {
            TargetKind::User => {
                let mut targets = Vec::with_capacity(report.delivered.len() * 2);
                for (target, _) in &report.delivered {
                    targets.push((UserId(*target), sender));
                    if sender != SYSTEM {
                        targets.push((UserId(sender), *target));
                    }
                }
                wakes.publish(Wake::New { app: app.clone(), targets });
            }
            TargetKind::Group => {
                for (group, _) in &report.delivered {
                    wakes.publish(Wake::Group { app: app.clone(), group: GroupId(*group) });
                }
            }
        }
    }
}

impl ConversationKey {
    /// The target a key was made for, seen from `sender`.
    pub fn peer_of(&self, sender: i64) -> i64 {
        match self.kind {
            TargetKind::Group => self.low,
            TargetKind::User if self.low == sender => self.high,
            TargetKind::User => self.low,
        }
    }
}
