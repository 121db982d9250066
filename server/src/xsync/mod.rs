//! The MaxIM client socket ("xsync", `docs/socket.md`): Socket.IO v2 over
//! WebSocket at `/socket.io/` (socketioxide with its `v4` protocol
//! feature), one protobuf `Frame` per `frame` event as a binary attachment.
//!
//! A dialect of its own: it logs a device in with a REST user token and
//! speaks for it to the core (`core::inbox` for delivery, `core::messages`
//! for sending). Each socket has one task ([`session`]) that handles its
//! frames and its wake-ups in order; the [`Hub`] knows the live sockets of
//! each user on this node and turns the wake-ups of the event bus
//! (`Event::Wake`, `Event::Kick`, published through `core::wakes` by any
//! node) into NOTICE frames and kicks.

mod discovery;
mod frames;
mod ops;
pub mod proto;
mod session;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use socketioxide::SocketIo;
use socketioxide::extract::{SocketRef, TryData};
use tokio::sync::mpsc;

use crate::core::Core;
use crate::core::events::Event;
use crate::core::ids::AppId;
use crate::core::wakes::KickReason;

pub use discovery::router as discovery_router;

/// What a socket's task is told, in the order it must handle it.
#[derive(Debug)]
enum Input {
    /// A `frame` event's binary attachment.
    Frame(Bytes),
    /// Something new in this conversation: send NOTICE.
    Wake(i64),
    /// Push these frame bytes as they are (typing).
    Push(Bytes),
    Kick(KickReason),
}

#[derive(Debug, Clone)]
struct Live {
    sid: String,
    sn: i64,
    tx: mpsc::UnboundedSender<Input>,
}

/// The live, logged-in sockets of this process, by user.
#[derive(Debug, Default)]
pub struct Hub {
    users: Mutex<HashMap<(AppId, i64), Vec<Live>>>,
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(AppId, i64), Vec<Live>>> {
        self.users.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn add(&self, app: &AppId, user: i64, live: Live) {
        let mut users = self.lock();
        let list = users.entry((app.clone(), user)).or_default();
        list.retain(|l| l.sid != live.sid);
        list.push(live);
    }

    fn remove(&self, app: &AppId, user: i64, sid: &str) {
        let mut users = self.lock();
        if let Some(list) = users.get_mut(&(app.clone(), user)) {
            list.retain(|l| l.sid != sid);
            if list.is_empty() {
                users.remove(&(app.clone(), user));
            }
        }
    }

    /// Whether a socket of `app` is connected here.
    fn serves(&self, app: &AppId) -> bool {
        self.lock().keys().any(|(a, _)| a == app)
    }

    fn sockets(&self, app: &AppId, user: i64) -> Vec<Live> {
        self.lock().get(&(app.clone(), user)).cloned().unwrap_or_default()
    }

    /// Delivers a wake-up to the sockets it concerns.
    fn dispatch(&self, event: Event) {
        match event {
            Event::Wake { app, targets } => {
                for (user, conversation) in targets {
                    for live in self.sockets(&app, user.0) {
                        let _ = live.tx.send(Input::Wake(conversation));
                    }
                }
            }
            Event::Kick { app, user, device, reason, keep } => {
                for live in self.sockets(&app, user.0) {
                    let concerned = device.is_none_or(|d| d == live.sn);
                    if concerned && keep.as_deref() != Some(live.sid.as_str()) {
                        let _ = live.tx.send(Input::Kick(reason));
                    }
                }
            }
            // Other events are not the sockets' business; after a `Resync`
            // (wake-ups may be lost) the SDK's UNREAD every 50 s finds what is pending.
            _ => {}
        }
    }
}

/// The socket.io layer serving `/socket.io/`, and the task turning the
/// core's wake-ups into frames on this process's sockets.
pub fn layer(core: Core) -> socketioxide::layer::SocketIoLayer {
    let (layer, io) = SocketIo::builder().build_layer();
    let hub = Arc::new(Hub::default());
    let mut events = core.events().subscribe();
    let listener = hub.clone();
    let groups = core.clone();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(Event::WakeGroup { app, group }) => {
                    // No socket of the app here: nobody to find among the members.
                    if !listener.serves(&app) {
                        continue;
                    }
                    match groups.groups().member_ids(&app, group).await {
                        Ok(members) => {
                            let targets = members.into_iter().map(|m| (m, group.0)).collect();
                            listener.dispatch(Event::Wake { app, targets });
                        }
                        // The next UNREAD (50 s) finds what this wake-up would have told.
                        Err(e) => tracing::warn!("waking group {}: {e}", group.0),
                    }
                }
                Ok(event) => listener.dispatch(event),
                // Missed wake-ups: the sockets' next UNREAD (50 s) catches up.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("socket hub missed {n} wake-ups")
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    io.ns("/", move |socket: SocketRef| {
        let (core, hub) = (core.clone(), hub.clone());
        async move { connect(core, hub, socket) }
    });
    layer
}

/// A new socket: its `frame` events feed its task, which ends with it.
fn connect(core: Core, hub: Arc<Hub>, socket: SocketRef) {
    {
        let (tx, rx) = mpsc::unbounded_channel();
        let frames = tx.clone();
        // Queued when the handler is called, in arrival order: socketioxide
        // spawns each handler's future, and spawned futures may run out of
        // order (an acknowledging pull overtaken by the UNREAD after it).
        socket.on("frame", move |TryData(data): TryData<Bytes>| {
            match data {
                Ok(bytes) => {
                    let _ = frames.send(Input::Frame(bytes));
                }
                Err(e) => tracing::debug!("socket frame without a binary attachment: {e}"),
            }
            async {}
        });
        let task = tokio::spawn(session::run(core, hub, socket.clone(), tx, rx)).abort_handle();
        socket.on_disconnect(move || {
            task.abort();
            async {}
        });
    }
}
