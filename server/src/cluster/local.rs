//! The in-process transport: cores opened on the same SQLite file in one
//! process (a test's second node) hear each other. SQLite has no way to
//! tell another process, so a SQLite database serves one process.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, OnceLock};

use tokio::sync::broadcast;

use crate::core::events::{Outbox, Transport};

/// One channel per database URL, for the life of the process (a few bytes
/// per database ever opened).
fn channels() -> &'static Mutex<HashMap<String, broadcast::Sender<String>>> {
    static CHANNELS: OnceLock<Mutex<HashMap<String, broadcast::Sender<String>>>> = OnceLock::new();
    CHANNELS.get_or_init(Default::default)
}

pub(super) struct LocalTransport {
    channel: broadcast::Sender<String>,
}

impl LocalTransport {
    pub(super) fn for_database(url: &str) -> LocalTransport {
        let mut channels = channels().lock().unwrap_or_else(|e| e.into_inner());
        let channel = channels.entry(url.to_owned()).or_insert_with(|| broadcast::channel(4096).0).clone();
        LocalTransport { channel }
    }
}

impl Transport for LocalTransport {
    fn run(self: Box<Self>, mut outbox: Outbox) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let mut rx = self.channel.subscribe();
        let inbox = outbox.inbox();
        Box::pin(async move {
            loop {
                tokio::select! {
                    sent = outbox.next() => match sent {
                        Some(payload) => {
                            let _ = self.channel.send(payload);
                        }
                        None => return,
                    },
                    got = rx.recv() => match got {
                        Ok(payload) => inbox.deliver(&payload),
                        Err(broadcast::error::RecvError::Lagged(_)) => inbox.missed(),
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                }
            }
        })
    }
}
