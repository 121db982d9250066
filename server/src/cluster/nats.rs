//! The NATS transport: every node publishes its events on one subject and
//! subscribes to it (core NATS, at most once: a reconnection is reported
//! as missed events, and the caches resync).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use futures::StreamExt;

use crate::core::events::{Events, Inbox, Outbox, Transport};

pub(super) struct NatsTransport {
    client: async_nats::Client,
    subscriber: async_nats::Subscriber,
    subject: String,
    /// Where the connection callback reports a reconnection, once attached.
    inbox: Arc<OnceLock<Inbox>>,
}

impl NatsTransport {
    pub(super) async fn connect(url: &str, subject: &str, events: Events) -> anyhow::Result<NatsTransport> {
        // The inbox exists only once attached; the callback finds it later.
        let inbox = Arc::new(OnceLock::<Inbox>::new());
        let disconnected = Arc::new(AtomicBool::new(false));
        let (cb_inbox, cb_disconnected) = (inbox.clone(), disconnected.clone());
        let client = async_nats::ConnectOptions::new()
            .name(format!("im-server-{:016x}", events.node()))
            .event_callback(move |event| {
                match event {
                    async_nats::Event::Disconnected => {
                        tracing::warn!("event bus: NATS disconnected; reconnecting");
                        cb_disconnected.store(true, Ordering::SeqCst);
                    }
                    async_nats::Event::Connected if cb_disconnected.swap(false, Ordering::SeqCst) => {
                        if let Some(inbox) = cb_inbox.get() {
                            inbox.missed();
                        }
                    }
                    _ => {}
                }
                async {}
            })
            .connect(url)
            .await?;
        let subscriber = client.subscribe(subject.to_owned()).await?;
        // Subscribed once the server has seen it: events published from now on arrive.
        client.flush().await?;
        Ok(NatsTransport { client, subscriber, subject: subject.to_owned(), inbox })
    }
}

impl Transport for NatsTransport {
    fn run(self: Box<Self>, mut outbox: Outbox) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let NatsTransport { client, mut subscriber, subject, inbox } = *self;
        let _ = inbox.set(outbox.inbox());
        let inbox = outbox.inbox();
        Box::pin(async move {
            loop {
                tokio::select! {
                    sent = outbox.next() => match sent {
                        // Buffered by the client while disconnected.
                        Some(payload) => {
                            if let Err(e) = client.publish(subject.clone(), payload.into()).await {
                                tracing::warn!("event bus: cannot publish to NATS: {e}");
                                outbox.lost();
                            }
                        }
                        None => break,
                    },
                    got = subscriber.next() => match got {
                        Some(message) => match std::str::from_utf8(&message.payload) {
                            Ok(payload) => inbox.deliver(payload),
                            Err(_) => tracing::warn!("event bus: dropped a NATS message that is not UTF-8"),
                        },
                        // The client was closed: nothing more will come.
                        None => break,
                    },
                }
            }
            let _ = client.drain().await;
        })
    }
}
