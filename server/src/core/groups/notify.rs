//! Who a group change tells (`docs/notices.md#who-gets-what`): the members,
//! the owner and admins, or named users, each read inside the change's
//! transaction so the list is the one the change saw.

use super::super::error::Result;
use super::super::ids::UserId;
use super::super::notices::{Draft, NewNotice};
use crate::store::GroupTx;

/// Every current member, and `also` (e.g. a user just removed).
pub(super) async fn members(tx: &mut GroupTx, draft: Draft, also: &[UserId], now: i64) -> Result<()> {
    let mut users = tx.member_ids().await?;
    users.extend_from_slice(also);
    tx.notify(NewNotice::to_each(&users, &draft, now));
    Ok(())
}

/// The owner and admins, and `also` (e.g. the applicant).
pub(super) async fn admins(tx: &mut GroupTx, draft: Draft, also: &[UserId], now: i64) -> Result<()> {
    let mut users = tx.admin_ids().await?;
    users.extend_from_slice(also);
    tx.notify(NewNotice::to_each(&users, &draft, now));
    Ok(())
}

/// Only the named users.
pub(super) fn users(tx: &mut GroupTx, draft: Draft, users: &[UserId], now: i64) {
    tx.notify(NewNotice::to_each(users, &draft, now));
}

pub(super) use super::super::notices::{changed_fields as changed, opt};
