//! Wake-ups for live connections: "user U has something new in
//! conversation C" and "close the sockets of this device". Whatever holds
//! live connections (the MaxIM socket, `server/src/xsync/`) subscribes;
//! sends, notices and account changes publish after they commit.
//!
//! In-process for now (a broadcast channel): [`Wakes::publish`] is the one
//! function to re-point at the cross-node event bus, so that a user on
//! another server process is woken too (`docs/socket.md#several-nodes`).
//! A wake carries no content: the receiver reads what is new from the
//! database, so a lost or repeated wake costs a round trip, never a message.

use tokio::sync::broadcast;

use super::ids::{AppId, DeviceSn, UserId};

/// Why a device's sockets are closed (the SDK's `UserNotice.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// Close the user's sockets on `device` (`None`: all), except the
    /// socket `keep` names (the new login that caused a same-device kick).
    Kick { app: AppId, user: UserId, device: Option<DeviceSn>, reason: KickReason, keep: Option<String> },
}

/// The wake-up channel; cheap to clone.
#[derive(Debug, Clone)]
pub struct Wakes {
    tx: broadcast::Sender<Wake>,
}

impl Default for Wakes {
    fn default() -> Self {
        Wakes { tx: broadcast::channel(4096).0 }
    }
}

impl Wakes {
    /// Tells every subscriber; nobody listening is fine.
    pub fn publish(&self, wake: Wake) {
        let empty = matches!(&wake, Wake::New { targets, .. } if targets.is_empty());
        if !empty {
            let _ = self.tx.send(wake);
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Wake> {
        self.tx.subscribe()
    }
}
