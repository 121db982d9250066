//! The event bus between nodes sharing a PostgreSQL database: each node
//! LISTENs on one channel and publishes with `pg_notify` (docs/cluster.md).
//! It is SQL, so it lives here; `core::events` only sees a `Transport`.
//!
//! Its own small native pool (one connection held by the listener, one for
//! publishing): the `Any` driver has no LISTEN, and a notification must not
//! wait behind requests for a connection of the main pool.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};

use crate::core::events::{Inbox, Outbox, Transport};

/// Notifications are per database, so nodes on other databases of the same
/// server never hear these.
const CHANNEL: &str = "im_events";
/// PostgreSQL refuses a larger payload; events are far smaller.
const MAX_PAYLOAD: usize = 7900;
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(5);

pub(crate) struct PgTransport {
    url: String,
}

impl PgTransport {
    pub(crate) fn new(url: &str) -> PgTransport {
        PgTransport { url: url.to_owned() }
    }
}

impl Transport for PgTransport {
    fn run(self: Box<Self>, outbox: Outbox) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(run(self.url, outbox))
    }
}

async fn run(url: String, mut outbox: Outbox) {
    let pool = match PgPoolOptions::new().max_connections(2).connect_lazy(&url) {
        Ok(pool) => pool,
        Err(e) => {
            tracing::error!("event bus: bad PostgreSQL URL ({e}); other nodes will not hear this one");
            return;
        }
    };
    let listening = tokio::spawn(listen(pool.clone(), outbox.inbox()));
    while let Some(payload) = outbox.next().await {
        if payload.len() > MAX_PAYLOAD {
            tracing::error!("event bus: an event of {} bytes is too large for NOTIFY", payload.len());
            outbox.lost();
            continue;
        }
        if let Err(e) = notify(&pool, &payload).await {
            // Once more after a pause (a reconnect), then the others resync.
            tokio::time::sleep(RETRY_FIRST).await;
            if notify(&pool, &payload).await.is_err() {
                tracing::warn!("event bus: cannot notify the other nodes: {e}");
                outbox.lost();
            }
        }
    }
    listening.abort();
    pool.close().await;
}

async fn notify(pool: &PgPool, payload: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(pool).await.map(|_| ())
}

/// Listens until the node is gone, reconnecting after any failure; every
/// reconnection may have missed notifications, and says so.
async fn listen(pool: PgPool, inbox: Inbox) {
    let mut wait = RETRY_FIRST;
    let mut first = true;
    loop {
        let listener = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            _ = inbox.closed() => return,
            l = listener => match l {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!("event bus: cannot LISTEN ({e}); retrying in {wait:?}");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(RETRY_MAX);
                    continue;
                }
            },
        };
        if !first {
            inbox.missed();
        }
        first = false;
        wait = RETRY_FIRST;
        loop {
            tokio::select! {
                _ = inbox.closed() => return,
                got = listener.try_recv() => match got {
                    Ok(Some(n)) => inbox.deliver(n.payload()),
                    // Lost and reconnected (it LISTENs again by itself).
                    Ok(None) => inbox.missed(),
                    Err(e) => {
                        tracing::warn!("event bus: the LISTEN connection failed: {e}");
                        break;
                    }
                },
            }
        }
    }
}
