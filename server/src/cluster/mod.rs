//! Joining the other nodes: which transport carries this node's events
//! (`core::events`) to the nodes sharing its database (docs/cluster.md).
//!
//! NATS when a URL is given (`--nats-url`); else PostgreSQL's LISTEN/NOTIFY
//! on a PostgreSQL database (`store`); else, on SQLite (one server), an
//! in-process channel that cores opened on the same file in this process
//! share (tests start a second node that way).

mod local;
mod nats;

use anyhow::Context;

use crate::core::Core;

/// How nodes find each other.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// `nats://host:4222`: events go through NATS instead of the database.
    pub nats_url: Option<String>,
    /// The NATS subject this deployment's nodes share (`--nats-subject`);
    /// deployments on one NATS server need distinct ones.
    pub nats_subject: Option<String>,
}

/// The NATS subject when none is configured.
pub const DEFAULT_NATS_SUBJECT: &str = "im.events";

/// Attaches this node's transport to `core`'s event bus. A NATS server that
/// cannot be reached at start stops the start with the reason; later
/// disconnections are retried in the background.
pub async fn join(core: &Core, options: &ClusterOptions) -> anyhow::Result<()> {
    let events = core.events();
    match options.nats_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => {
            let subject = options.nats_subject.as_deref().unwrap_or(DEFAULT_NATS_SUBJECT);
            let transport = nats::NatsTransport::connect(url, subject, events.clone())
                .await
                .with_context(|| format!("cannot reach NATS at {}", crate::app::redact(url)))?;
            events.attach(Box::new(transport));
        }
        None => match core.db().event_transport() {
            Some(transport) => events.attach(transport),
            None => events.attach(Box::new(local::LocalTransport::for_database(core.db().url()))),
        },
    }
    Ok(())
}
