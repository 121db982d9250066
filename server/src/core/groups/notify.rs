//! Who a group change tells (`docs/notices.md#who-gets-what`): the members,
//! the owner and admins, or named users, each read inside the change's
//! transaction so the list is the one the change saw.

use serde_json::{Map, Value, json};

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

/// The fields a patch sets, as a JSON object (unset ones left out).
pub(super) fn changed<const N: usize>(fields: [(&str, Option<Value>); N]) -> Value {
    let mut out = Map::new();
    for (name, value) in fields {
        if let Some(v) = value {
            out.insert(name.to_owned(), v);
        }
    }
    Value::Object(out)
}

pub(super) fn opt<T: serde::Serialize>(v: &Option<T>) -> Option<Value> {
    v.as_ref().map(|v| json!(v))
}
