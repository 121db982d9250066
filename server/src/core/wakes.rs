//! Wake-ups for live connections: "user U has something new in
//! conversation C" and "close the sockets of this device". Sends, notices
//! and account changes publish them after they commit; whatever holds live
//! connections (the MaxIM socket, `server/src/xsync/`) hears them on the
//! event bus (`core::events`: `Event::Wake`, `Event::Kick`), on every node.
//!
//! A wake carries no content: the receiver reads what is new from the
//! database, so a lost or repeated wake costs a round trip, never a message.
//! The store holds this handle too (notices are appended there), so it
//! lives in the database handle and is tied to the core's bus when the core
//! is built.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::events::{Event, Events};
use super::ids::{AppId, DeviceSn, GroupId, UserId};

/// Why a device's sockets are closed (the SDK's `UserNotice.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KickReason {
    /// 1: the password changed.
    PasswordChanged,
    /// 2: the user was disabled.
    Frozen,
    /// 4: the same device logged in again elsewhere.
    SameDevice,
    /// 5: `/user/kick` revoked the device's tokens.
    KickedByOther,
    /// 10: the device was removed.
    DeviceRemoved,
}

impl KickReason {
    pub fn code(self) -> i32 {
        match self {
            KickReason::PasswordChanged => 1,
            KickReason::Frozen => 2,
            KickReason::SameDevice => 4,
            KickReason::KickedByOther => 5,
            KickReason::DeviceRemoved => 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wake {
    /// Each user has something new in the conversation named next to it
    /// (the peer's id, the group's, or 0 for notices).
    New { app: AppId, targets: Vec<(UserId, i64)> },
    /// Every member of the group has something new in the group's conversation.
    Group { app: AppId, group: GroupId },
    /// Close the user's sockets on `device` (`None`: all), except the
    /// socket `keep` names (the new login that caused a same-device kick).
    Kick { app: AppId, user: UserId, device: Option<DeviceSn>, reason: KickReason, keep: Option<String> },
}

/// Targets per event: PostgreSQL's NOTIFY carries at most 8000 bytes, and
/// a group's members may be thousands.
const TARGETS_PER_EVENT: usize = 150;

/// The wake-up handle; cheap to clone, all clones tied to one bus.
#[derive(Debug, Clone, Default)]
pub struct Wakes {
    bus: Arc<OnceLock<Events>>,
}

impl Wakes {
    /// Ties the handle to the core's bus (the first core built on a
    /// database keeps it).
    pub fn attach(&self, events: &Events) {
        let _ = self.bus.set(events.clone());
    }

    /// Any other event the store must tell after a commit (a group
    /// transaction's `GroupChanged`): this handle is the store's only way
    /// onto the bus. Before the core is built, nobody can be listening.
    pub fn publish_event(&self, event: Event) {
        if let Some(bus) = self.bus.get() {
            bus.publish(event);
        }
    }

    /// Tells every node; nobody listening is fine.
    pub fn publish(&self, wake: Wake) {
        let Some(bus) = self.bus.get() else { return };
        match wake {
            Wake::New { app, targets } => {
                for chunk in targets.chunks(TARGETS_PER_EVENT) {
                    bus.publish(Event::Wake { app: app.clone(), targets: chunk.to_vec() });
                }
            }
            Wake::Group { app, group } => bus.publish(Event::WakeGroup { app, group }),
            Wake::Kick { app, user, device, reason, keep } => {
                bus.publish(Event::Kick { app, user, device: device.map(|d| d.0), reason, keep });
            }
        }
    }
}
