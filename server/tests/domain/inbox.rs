//! Per-device delivery for the socket (`core::inbox`, `docs/socket.md`):
//! each device has its own position per conversation, moved only by its
//! acknowledgements; a device never gets back what it sent itself; notices
//! come in conversation 0 under small keys (from a device's first login
//! on); recall only by the author and only within five minutes; edits by
//! the author, with their time; a resent upload stores nothing new; sends
//! and notices wake the users they concern.

use std::time::Duration;

use server::core::events::Event;
use server::core::friends::ApplyRequest;
use server::core::inbox::{Edit, Item, NOTICE_KEYS};
use server::core::messages::{ContentType, NewMessage, TargetKind};
use server::core::{Actor, Error, UserId};

use crate::harness::Harness;
use crate::scenario;

fn text(to: &Actor, content: &str, transaction_id: Option<i64>) -> NewMessage {
    NewMessage {
        kind: TargetKind::User,
        targets: vec![to.user.0],
        content_type: ContentType::from_code(0).unwrap(),
        content: content.into(),
        ext: None,
        config: None,
        attachment: None,
        transaction_id,
    }
}

/// `from` sends from its socket device `sn`: the message id.
async fn say(h: &Harness, from: &Actor, sn: i64, to: &Actor, content: &str) -> i64 {
    let report = h.core.messages().send_from_device(from, sn, text(to, content, None)).await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    report.delivered[0].1
}

fn keys(items: &[Item]) -> Vec<i64> {
    items.iter().map(Item::key).collect()
}

fn contents(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Message(d) => Some(d.message.content.clone()),
            _ => None,
        })
        .collect()
}

scenario!(each_device_has_its_own_position_and_never_gets_its_own_sends, |h| async move {
    let a = h.open_user("alice").await;
    let b = h.open_user("bob").await;
    let inbox = h.core.inbox();
    for (who, sn) in [(&a, 1), (&a, 2), (&b, 1), (&b, 2)] {
        inbox.open(who, sn).await.unwrap();
    }
    let m1 = say(&h, &a, 1, &b, "one").await;
    let m2 = say(&h, &a, 1, &b, "two").await;
    assert!(m2 > m1);

    // Bob's first device pulls, acknowledges the first, then everything.
    let all = inbox.pull(&b, 1, a.user.0, 0, 50).await.unwrap();
    assert_eq!(keys(&all), vec![m1, m2]);
    assert_eq!(keys(&inbox.pull(&b, 1, a.user.0, m1, 50).await.unwrap()), vec![m2]);
    assert!(inbox.pull(&b, 1, a.user.0, m2, 50).await.unwrap().is_empty());
    // Pulling again without a key starts where the acknowledgement left it.
    assert!(inbox.pull(&b, 1, a.user.0, 0, 50).await.unwrap().is_empty());
    // An older key does not move the position back.
    assert!(inbox.pull(&b, 1, a.user.0, m1, 50).await.unwrap().is_empty());

    // Bob's second device still has both; its counts say so.
    assert_eq!(contents(&inbox.pull(&b, 2, a.user.0, 0, 50).await.unwrap()), ["one", "two"]);
    let pending = inbox.pending(&b, 2).await.unwrap();
    let with_alice: Vec<i64> = pending.iter().filter(|p| p.peer == a.user.0).map(|p| p.count).collect();
    assert_eq!(with_alice, vec![2]);
    assert!(inbox.pending(&b, 1).await.unwrap().iter().all(|p| p.peer != a.user.0));

    // Alice's sending device gets nothing back; her other device gets both.
    assert!(inbox.pull(&a, 1, b.user.0, 0, 50).await.unwrap().is_empty());
    assert_eq!(keys(&inbox.pull(&a, 2, b.user.0, 0, 50).await.unwrap()), vec![m1, m2]);

    // Batches are cut at the limit, in id order.
    assert_eq!(keys(&inbox.pull(&b, 2, a.user.0, 0, 1).await.unwrap()), vec![m1]);
});

scenario!(a_device_first_seen_gets_the_last_week_only, |h| async move {
    let a = h.open_user("alice").await;
    let b = h.open_user("bob").await;
    let inbox = h.core.inbox();
    let old = say(&h, &a, 1, &b, "old").await;
    h.clock.advance(Duration::from_secs(8 * 24 * 3600));
    let recent = say(&h, &a, 1, &b, "recent").await;
    inbox.open(&b, 1).await.unwrap();
    let got = keys(&inbox.pull(&b, 1, a.user.0, 0, 50).await.unwrap());
    assert_eq!(got, vec![recent]);
    assert!(!got.contains(&old));
    // History still has both, newest first.
    let history = inbox.history(&b, a.user.0, 0, 20).await.unwrap();
    let ids: Vec<i64> = history.iter().map(|d| d.message.id).collect();
    assert_eq!(ids, vec![recent, old]);
});

scenario!(notices_come_in_conversation_zero_under_small_keys, |h| async move {
    let a = h.open_user("alice").await;
    let b = h.open_user("bob").await;
    let inbox = h.core.inbox();
    inbox.open(&b, 1).await.unwrap();
    h.core.friends().apply(&a, b.user, ApplyRequest::default()).await.unwrap();
    let items = inbox.pull(&b, 1, 0, 0, 50).await.unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| matches!(i, Item::Notice(_)) && i.key() < NOTICE_KEYS));
    let last = items.last().unwrap().key();
    assert!(inbox.pull(&b, 1, 0, last, 50).await.unwrap().is_empty());
    assert!(inbox.pending(&b, 1).await.unwrap().iter().all(|p| p.peer != 0));
    // A device first seen after the notice does not get it.
    inbox.open(&b, 2).await.unwrap();
    assert!(inbox.pull(&b, 2, 0, 0, 50).await.unwrap().is_empty());
});

scenario!(recall_is_the_authors_within_five_minutes, |h| async move {
    let a = h.open_user("alice").await;
    let b = h.open_user("bob").await;
    let inbox = h.core.inbox();
    inbox.open(&b, 1).await.unwrap();
    let m1 = say(&h, &a, 1, &b, "oops").await;
    let m2 = say(&h, &a, 1, &b, "late").await;
    assert!(matches!(inbox.recall(&b, a.user.0, m1).await, Err(Error::NoPermission)));
    inbox.recall(&a, b.user.0, m1).await.unwrap();
    h.clock.advance(Duration::from_secs(5 * 60 + 1));
    assert!(matches!(inbox.recall(&a, b.user.0, m2).await, Err(Error::Invalid { .. })));
    // The recalled message leaves the history and the queue.
    let history: Vec<i64> =
        inbox.history(&b, a.user.0, 0, 20).await.unwrap().iter().map(|d| d.message.id).collect();
    assert_eq!(history, vec![m2]);
    assert_eq!(contents(&inbox.pull(&b, 1, a.user.0, 0, 50).await.unwrap()), ["late"]);
});

scenario!(edits_are_the_authors_and_carry_their_time, |h| async move {
    let a = h.open_user("alice").await;
    let b = h.open_user("bob").await;
    let inbox = h.core.inbox();
    let m = say(&h, &a, 1, &b, "hel").await;
    h.clock.advance(Duration::from_secs(3));
    assert!(matches!(inbox.edit(&b, a.user.0, m, Edit::Append("x".into())).await, Err(Error::NoPermission)));
    let at = inbox.edit(&a, b.user.0, m, Edit::Append("lo".into())).await.unwrap();
    let history = inbox.history(&b, a.user.0, 0, 20).await.unwrap();
    assert_eq!(history[0].message.content, "hello");
    assert_eq!(history[0].edit_timestamp, at);
    assert!(at >= history[0].message.created_at + 3000);
    let replace = Edit::Replace { content: "bye".into(), config: Some("{\"k\":1}".into()), ext: None };
    inbox.edit(&a, b.user.0, m, replace).await.unwrap();
    let history = inbox.history(&b, a.user.0, 0, 20).await.unwrap();
    assert_eq!(history[0].message.content, "bye");
    assert_eq!(history[0].message.config.as_deref(), Some("{\"k\":1}"));
    // Deleting hides it from the deleter only.
    inbox.hide(&b, a.user.0, m).await.unwrap();
    assert!(inbox.history(&b, a.user.0, 0, 20).await.unwrap().is_empty());
    assert_eq!(inbox.history(&a, b.user.0, 0, 20).await.unwrap().len(), 1);
});

scenario!(a_resent_upload_stores_nothing_new, |h| async move {
    let a = h.open_user("alice").await;
    let b = h.open_user("bob").await;
    let first = h.core.messages().send_from_device(&a, 1, text(&b, "hi", Some(77))).await.unwrap();
    let again = h.core.messages().send_from_device(&a, 1, text(&b, "hi", Some(77))).await.unwrap();
    assert!(!first.duplicate);
    assert!(again.duplicate && again.delivered.is_empty());
    let (id, _) = h.core.inbox().sent_with(&a, 77).await.unwrap().unwrap();
    assert_eq!(id, first.delivered[0].1);
    assert_eq!(h.core.inbox().history(&b, a.user.0, 0, 20).await.unwrap().len(), 1);
    assert!(h.core.inbox().sent_with(&a, 78).await.unwrap().is_none());
});

/// The targets of the next wake-up on the bus (other events skipped).
async fn next_wake(events: &mut tokio::sync::broadcast::Receiver<Event>) -> Vec<(UserId, i64)> {
    loop {
        if let Event::Wake { targets, .. } = events.recv().await.unwrap() {
            return targets;
        }
    }
}

scenario!(sends_and_notices_wake_the_users_they_concern, |h| async move {
    let a = h.open_user("alice").await;
    let b = h.open_user("bob").await;
    let mut events = h.core.events().subscribe();
    say(&h, &a, 1, &b, "hi").await;
    let targets = next_wake(&mut events).await;
    assert!(targets.contains(&(b.user, a.user.0)));
    assert!(targets.contains(&(a.user, b.user.0)));
    h.core.friends().apply(&a, b.user, ApplyRequest::default()).await.unwrap();
    assert!(next_wake(&mut events).await.contains(&(UserId(b.user.0), 0)));
});
