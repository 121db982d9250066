//! The event bus: small facts one node tells every node (its own included),
//! such as "this user's tokens changed", so that memory kept by each node
//! (the caches of `core::cache`, open client sockets) follows what another
//! node wrote. See docs/cluster.md.
//!
//! [`Events::publish`] delivers at once to this node (its caches first, then
//! its subscribers) and queues the event for the [`Transport`] the server
//! attached (PostgreSQL LISTEN/NOTIFY in `store`, NATS or the in-process
//! channel in `server/src/cluster/`), which carries it to the other nodes.
//! Nothing waits on a slow reader: subscribers get a `broadcast` channel (a
//! lagging one is told `Lagged` and must treat it as [`Event::Resync`]), and
//! the outgoing queue is bounded (an overflow is followed by a `Resync` to
//! the others).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, watch};

use super::ids::{AppId, GroupId, UserId};

/// Something every node may need to know. New variants are added by what
/// needs them; an unknown variant from a newer node is logged and dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// Events may have been missed (a transport reconnected, a queue
    /// overflowed): forget everything derived from earlier events.
    Resync,
    /// An app's settings changed, or it was created.
    AppChanged { app: AppId },
    /// One user token was revoked; `token_hash` is its stored SHA-256, never the token.
    TokenRevoked { token_hash: String },
    /// Every token of these users must be checked again: password changed,
    /// disabled, enabled, deleted.
    UsersChanged { app: AppId, users: Vec<UserId> },
    /// These users' friend lists (friends, blocks) changed.
    FriendsChanged { app: AppId, users: Vec<UserId> },
    /// A group's members (join, leave, kick, role) or its existence changed.
    GroupChanged { app: AppId, group: GroupId },
    /// Each user has something new in the conversation named next to it
    /// (`core::wakes`): its live sockets, on whatever node, pull.
    Wake { app: AppId, targets: Vec<(UserId, i64)> },
    /// Every member of the group has something new in its conversation:
    /// each node finds the members itself (its group cache), so a message
    /// to a group of thousands is one small event.
    WakeGroup { app: AppId, group: GroupId },
    /// Close the user's sockets on `device` (all: `None`) but the one `keep`
    /// names (`core::wakes`).
    Kick {
        app: AppId,
        user: UserId,
        device: Option<i64>,
        reason: super::wakes::KickReason,
        keep: Option<String>,
    },
}

/// How many events a subscriber may fall behind before it is told `Lagged`.
const SUBSCRIBER_BACKLOG: usize = 4096;
/// How many events may wait for the transport before new ones are dropped
/// (and a `Resync` sent once the queue drains).
const OUTGOING_BACKLOG: usize = 16 * 1024;

/// What applies an event to this node's own state before subscribers see it.
pub type Apply = Arc<dyn Fn(&Event) + Send + Sync>;

/// The bus of one node; cheap to clone.
#[derive(Clone)]
pub struct Events {
    inner: Arc<Inner>,
}

struct Inner {
    /// Tells this node's own events from the others' when the transport echoes them.
    node: u64,
    apply: Apply,
    local: broadcast::Sender<Event>,
    outgoing: Mutex<Option<mpsc::Sender<String>>>,
    /// An event could not be queued for the others: they must resync.
    overflowed: AtomicBool,
    /// Dropped with the last handle; the transport then stops.
    _alive: watch::Sender<()>,
    alive: watch::Receiver<()>,
}

/// An event as it travels between nodes.
#[derive(Serialize, Deserialize)]
struct Wire {
    from: u64,
    event: Event,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events").field("node", &self.inner.node).finish()
    }
}

impl Events {
    /// A bus with no transport yet: events reach this node only.
    pub fn new(apply: Apply) -> Events {
        let (local, _) = broadcast::channel(SUBSCRIBER_BACKLOG);
        let (alive_tx, alive_rx) = watch::channel(());
        Events {
            inner: Arc::new(Inner {
                node: rand::random(),
                apply,
                local,
                outgoing: Mutex::new(None),
                overflowed: AtomicBool::new(false),
                _alive: alive_tx,
                alive: alive_rx,
            }),
        }
    }

    /// Tells this node at once, and the other nodes through the transport.
    /// Call it after the change is committed: a node that reloads on the
    /// event must read the new state.
    pub fn publish(&self, event: Event) {
        self.inner.deliver(&event);
        self.inner.send_out(event);
    }

    /// Every event from now on, of this node and of the others.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.local.subscribe()
    }

    /// Runs `transport` in a background task, carrying this node's events to
    /// the others and theirs here. A second transport replaces the first
    /// (whose queue then closes, which stops it).
    pub fn attach(&self, transport: Box<dyn Transport>) {
        let (tx, rx) = mpsc::channel(OUTGOING_BACKLOG);
        *self.inner.outgoing.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
        let outbox = Outbox { rx, inbox: self.inbox() };
        tokio::spawn(transport.run(outbox));
    }

    fn inbox(&self) -> Inbox {
        Inbox { events: Arc::downgrade(&self.inner), alive: self.inner.alive.clone() }
    }

    /// This node's id on the bus (random per start).
    pub fn node(&self) -> u64 {
        self.inner.node
    }
}

impl Inner {
    fn send_out(&self, event: Event) {
        let outgoing = self.outgoing.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = outgoing.as_ref() {
            let wire = Wire { from: self.node, event };
            match serde_json::to_string(&wire) {
                Ok(payload) => {
                    if tx.try_send(payload).is_err() {
                        self.overflowed.store(true, Ordering::SeqCst);
                    }
                }
                Err(e) => tracing::error!("event bus: cannot encode {:?}: {e}", wire.event),
            }
        }
    }

    fn deliver(&self, event: &Event) {
        (self.apply)(event);
        // No subscriber is not an error.
        let _ = self.local.send(event.clone());
    }
}

/// Carries events between nodes. `run` ends when [`Outbox::next`] says the
/// node is gone; it reconnects by itself on connection loss, and calls
/// [`Inbox::missed`] when events may have been lost meanwhile.
pub trait Transport: Send + 'static {
    fn run(self: Box<Self>, outbox: Outbox) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// What a transport sends: this node's events, encoded.
pub struct Outbox {
    rx: mpsc::Receiver<String>,
    inbox: Inbox,
}

impl Outbox {
    /// The next event to send to the others; `None` once the node is gone.
    /// After a queue overflow, a `Resync` comes next.
    pub async fn next(&mut self) -> Option<String> {
        if let Some(events) = self.inbox.events.upgrade()
            && events.overflowed.swap(false, Ordering::SeqCst)
        {
            tracing::warn!("event bus: the outgoing queue overflowed; telling the other nodes to resync");
            return serde_json::to_string(&Wire { from: events.node, event: Event::Resync }).ok();
        }
        self.rx.recv().await
    }

    /// An event could not be sent: the others will be told to resync.
    pub fn lost(&self) {
        if let Some(events) = self.inbox.events.upgrade() {
            events.overflowed.store(true, Ordering::SeqCst);
        }
    }

    /// The way in, for a transport that receives in another task.
    pub fn inbox(&self) -> Inbox {
        self.inbox.clone()
    }
}

/// Where a transport hands what other nodes sent.
#[derive(Clone)]
pub struct Inbox {
    events: Weak<Inner>,
    alive: watch::Receiver<()>,
}

impl Inbox {
    /// An event another node sent (this node's own, echoed back, are ignored).
    pub fn deliver(&self, payload: &str) {
        let Some(events) = self.events.upgrade() else { return };
        match serde_json::from_str::<Wire>(payload) {
            Ok(wire) if wire.from == events.node => {}
            Ok(wire) => events.deliver(&wire.event),
            Err(e) => {
                tracing::warn!("event bus: dropped an event this node cannot read ({e}): {payload:.200}")
            }
        }
    }

    /// The connection was lost: what was sent meanwhile is gone, here and
    /// (for what this node sent) there. Both sides resync.
    pub fn missed(&self) {
        let Some(events) = self.events.upgrade() else { return };
        tracing::info!("event bus: reconnected; resyncing");
        events.deliver(&Event::Resync);
        events.send_out(Event::Resync);
    }

    /// Resolves once the node is gone.
    pub async fn closed(&self) {
        let mut alive = self.alive.clone();
        while alive.changed().await.is_ok() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_travel_as_tagged_json() {
        let wire = Wire {
            from: 7,
            event: Event::UsersChanged { app: AppId::parse("a").unwrap(), users: vec![UserId(3)] },
        };
        let json = serde_json::to_string(&wire).unwrap();
        assert_eq!(json, r#"{"from":7,"event":{"kind":"users_changed","app":"a","users":[3]}}"#);
        let back: Wire = serde_json::from_str(&json).unwrap();
        assert_eq!(back.event, wire.event);
        // An app id that would not parse is refused on arrival too.
        assert!(serde_json::from_str::<Event>(r#"{"kind":"app_changed","app":"a b"}"#).is_err());
    }

    #[tokio::test]
    async fn a_publisher_never_waits_on_a_lagging_subscriber() {
        let events = Events::new(Arc::new(|_| {}));
        let mut slow = events.subscribe();
        for _ in 0..SUBSCRIBER_BACKLOG * 2 {
            events.publish(Event::Resync);
        }
        assert!(matches!(slow.recv().await, Err(broadcast::error::RecvError::Lagged(_))));
    }

    #[tokio::test]
    async fn own_echoes_are_ignored_and_others_delivered() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let events = Events::new(Arc::new(move |e: &Event| sink.lock().unwrap().push(e.clone())));
        let inbox = events.inbox();
        let app = AppId::parse("a").unwrap();
        let mine = serde_json::to_string(&Wire { from: events.node(), event: Event::Resync }).unwrap();
        let theirs = serde_json::to_string(&Wire {
            from: events.node().wrapping_add(1),
            event: Event::AppChanged { app: app.clone() },
        })
        .unwrap();
        inbox.deliver(&mine);
        inbox.deliver(&theirs);
        inbox.deliver("not json");
        assert_eq!(*seen.lock().unwrap(), vec![Event::AppChanged { app }]);
    }
}
