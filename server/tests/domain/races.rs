//! Concurrent requests on one pair end in one consistent state, settled by
//! the database (transactions and unique constraints), not by timing.

use std::sync::Arc;

use server::core::friends::{ApplicationStatus, ApplyOutcome, ApplyRequest, Relation};
use server::core::users::NewUser;
use server::core::{Actor, Error, PageRequest};

use crate::harness::{Harness, PASSWORD};
use crate::scenario;

const ROUNDS: usize = 4;

async fn relation(h: &Harness, viewer: &Actor, other: &Actor) -> Relation {
    h.core.friends().lookup_by_id(viewer, other.user).await.unwrap().relation
}

async fn pending_between(h: &Harness, a: &Actor, b: &Actor) -> usize {
    let mut n = 0;
    for (me, other) in [(a, b), (b, a)] {
        let page = h.core.friends().applications(me, &PageRequest::first(1000)).await.unwrap();
        n += page
            .items
            .iter()
            .filter(|x| x.applicant == other.user && x.status == ApplicationStatus::Pending)
            .count();
    }
    n
}

scenario!(both_apply_to_each_other_at_once, |h| async move {
    let h = Arc::new(h);
    for round in 0..ROUNDS {
        let a = h.approving_user(&format!("alice{round}")).await;
        let b = h.approving_user(&format!("bob{round}")).await;
        let (h1, h2, a1, b1, a2, b2) = (h.clone(), h.clone(), a.clone(), b.clone(), a.clone(), b.clone());
        let t1 =
            tokio::spawn(async move { h1.core.friends().apply(&a1, b1.user, ApplyRequest::default()).await });
        let t2 =
            tokio::spawn(async move { h2.core.friends().apply(&b2, a2.user, ApplyRequest::default()).await });
        let (r1, r2) = (t1.await.unwrap().unwrap(), t2.await.unwrap().unwrap());
        // Exactly one of them found the other's application and made them friends.
        let friends_now = [r1, r2].iter().filter(|r| **r == ApplyOutcome::Friends).count();
        assert_eq!(friends_now, 1, "{r1:?} {r2:?}");
        assert_eq!(relation(&h, &a, &b).await, Relation::Friend);
        assert_eq!(relation(&h, &b, &a).await, Relation::Friend);
        assert_eq!(pending_between(&h, &a, &b).await, 0);
        assert_eq!(h.core.friends().friend_count(&a).await.unwrap(), 1);
        assert_eq!(h.core.friends().friend_count(&b).await.unwrap(), 1);
    }
});

scenario!(accept_and_decline_at_once, |h| async move {
    let h = Arc::new(h);
    for round in 0..ROUNDS {
        let a = h.open_user(&format!("alice{round}")).await;
        let b = h.approving_user(&format!("bob{round}")).await;
        h.core.friends().apply(&a, b.user, ApplyRequest::default()).await.unwrap();
        let (h1, h2, a1, b1, a2, b2) = (h.clone(), h.clone(), a.clone(), b.clone(), a.clone(), b.clone());
        let accept = tokio::spawn(async move { h1.core.friends().accept(&b1, a1.user).await });
        let decline = tokio::spawn(async move { h2.core.friends().decline(&b2, a2.user, "no").await });
        let (ra, rd) = (accept.await.unwrap(), decline.await.unwrap());
        assert!(ra.is_ok() != rd.is_ok(), "exactly one wins: {ra:?} {rd:?}");
        let loser = if ra.is_ok() { &rd } else { &ra };
        assert!(matches!(loser, Err(Error::ApplicationMissing)), "{loser:?}");
        let status =
            h.core.friends().applications(&b, &PageRequest::default()).await.unwrap().items[0].status;
        let (ab, ba) = (relation(&h, &a, &b).await, relation(&h, &b, &a).await);
        if ra.is_ok() {
            assert_eq!((status, ab, ba), (ApplicationStatus::Accepted, Relation::Friend, Relation::Friend));
        } else {
            assert_eq!(
                (status, ab, ba),
                (ApplicationStatus::Declined, Relation::Stranger, Relation::Stranger)
            );
        }
    }
});

scenario!(the_same_accept_twice, |h| async move {
    let h = Arc::new(h);
    for round in 0..ROUNDS {
        let a = h.open_user(&format!("alice{round}")).await;
        let b = h.approving_user(&format!("bob{round}")).await;
        h.core.friends().apply(&a, b.user, ApplyRequest::default()).await.unwrap();
        let mut tasks = Vec::new();
        for _ in 0..2 {
            let (h, a, b) = (h.clone(), a.clone(), b.clone());
            tasks.push(tokio::spawn(async move { h.core.friends().accept(&b, a.user).await }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => ok += 1,
                Err(Error::ApplicationMissing) => {}
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        assert_eq!(ok, 1);
        assert_eq!(relation(&h, &a, &b).await, Relation::Friend);
        assert_eq!(relation(&h, &b, &a).await, Relation::Friend);
        assert_eq!(h.core.friends().friend_count(&b).await.unwrap(), 1);
    }
});

scenario!(same_username_registered_at_once, |h| async move {
    let h = Arc::new(h);
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let h = h.clone();
        tasks.push(tokio::spawn(async move {
            h.core.users().register(&h.app, NewUser::new("dup", PASSWORD)).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::UsernameTaken) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ok, 1);
});

scenario!(same_device_logs_in_twice_at_once, |h| async move {
    let h = Arc::new(h);
    h.open_user("alice").await;
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let h = h.clone();
        tasks.push(tokio::spawn(async move { h.login("alice", Some("one-guid")).await }));
    }
    let mut sessions = Vec::new();
    for t in tasks {
        sessions.push(t.await.unwrap().device.unwrap());
    }
    assert!(sessions.windows(2).all(|w| w[0] == w[1]), "{sessions:?}");
});
