//! The event bus between nodes (docs/cluster.md): two cores on one
//! database hear each other's events — through LISTEN/NOTIFY on PostgreSQL,
//! the in-process channel on SQLite — and the same over NATS.

use std::time::Duration;

use server::cluster::{self, ClusterOptions};
use server::core::events::Event;
use server::core::{AppId, Core, UserId};
use server::store::Db;
use server::testing::{self, TestCore, db_options};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

/// A listener connects in the background: `from` publishes again until `to`
/// hears it (the deadline only bounds a failure).
async fn hears(from: &Core, to: &Core, event: Event) {
    let mut rx = to.events().subscribe();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        from.events().publish(event.clone());
        let heard = tokio::time::timeout(Duration::from_millis(200), async {
            loop {
                match rx.recv().await {
                    Ok(e) if e == event => return true,
                    Ok(_) | Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return false,
                }
            }
        })
        .await;
        if heard == Ok(true) {
            return;
        }
        assert!(Instant::now() < deadline, "{event:?} never reached the other node");
    }
}

async fn second_node(t: &TestCore, options: &ClusterOptions) -> (Core, Db) {
    let db = Db::connect_with(&t.database_url, db_options()).await.expect("second pool");
    let core = Core::new(db.clone(), t.clock.clone(), t.core.config().clone());
    cluster::join(&core, options).await.expect("join");
    (core, db)
}

fn users_changed(t: &TestCore, user: i64) -> Event {
    Event::UsersChanged { app: t.app.clone(), users: vec![UserId(user)] }
}

server::both_backends!(two_nodes_on_one_database_hear_each_other, |backend| {
    testing::run(
        backend,
        |_| {},
        |t| async move {
            let (other, db) = second_node(&t, &ClusterOptions::default()).await;

            // This node hears its own event at once, before any transport.
            let mut mine = t.core.events().subscribe();
            t.core.events().publish(users_changed(&t, 1));
            assert_eq!(mine.try_recv().unwrap(), users_changed(&t, 1));

            hears(&t.core, &other, users_changed(&t, 2)).await;
            hears(&other, &t.core, users_changed(&t, 3)).await;
            db.close().await;
        },
    )
});

server::both_backends!(nodes_on_other_databases_hear_nothing, |backend| {
    testing::run(
        backend,
        |_| {},
        |t| async move {
            let (other, db) = second_node(&t, &ClusterOptions::default()).await;
            // A third database: its node must not hear this one.
            testing::run(
                backend,
                |_| {},
                |stranger| async move {
                    let mut rx = stranger.core.events().subscribe();
                    // Heard by the node on the same database, so the transport ran ...
                    hears(&t.core, &other, users_changed(&t, 4)).await;
                    // ... and nothing reached the stranger but its own events.
                    assert!(matches!(rx.try_recv(), Err(tokio::sync::broadcast::error::TryRecvError::Empty)));
                },
            )
            .await;
            db.close().await;
        },
    )
});

/// The NATS server tests use: `TEST_NATS_URL`, else the local one.
fn nats_url() -> String {
    std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

server::both_backends!(two_nodes_hear_each_other_over_nats, |backend| {
    testing::run(
        backend,
        |_| {},
        |t| async move {
            // Its own subject: tests run at once on one NATS server.
            let options = ClusterOptions {
                nats_url: Some(nats_url()),
                nats_subject: Some(format!("im.test.{:016x}", t.core.events().node())),
            };
            cluster::join(&t.core, &options).await.expect("join over NATS");
            let (other, db) = second_node(&t, &options).await;
            hears(&t.core, &other, users_changed(&t, 5)).await;
            hears(&other, &t.core, Event::AppChanged { app: AppId::parse("x").unwrap() }).await;
            db.close().await;
        },
    )
});

#[tokio::test]
async fn an_unreachable_nats_server_stops_the_start_with_the_reason() {
    let Some(t) = fresh_sqlite().await else { return };
    let options = ClusterOptions { nats_url: Some("nats://127.0.0.1:1".into()), nats_subject: None };
    let e = cluster::join(&t, &options).await.unwrap_err();
    assert!(format!("{e:#}").contains("cannot reach NATS at nats://127.0.0.1:1"), "{e:#}");
}

async fn fresh_sqlite() -> Option<Core> {
    let db = Db::connect("sqlite::memory:").await.ok()?;
    Some(Core::new(db, std::sync::Arc::new(server::core::SystemClock), testing::config()))
}
