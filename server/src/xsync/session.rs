//! One socket's task: login (PROVISION), UNREAD, queue pulls and history
//! (SYNC without a meta), uploads (SYNC with a meta, handed to `ops`), and
//! the hub's wake-ups and kicks, one at a time in arrival order
//! (`docs/socket.md#login`, `#delivery-model`).

use std::sync::Arc;

use bytes::Bytes;
use prost::Message as _;
use socketioxide::extract::SocketRef;
use tokio::sync::mpsc;

use super::frames::{self, error, ok, xid};
use super::proto::{Frame, Provision, SyncDl, SyncUl, frame, status::ErrorCode};
use super::{Hub, Input, Live};
use crate::core::callers::Actor;
use crate::core::devices::DeviceLogin;
use crate::core::wakes::{KickReason, Wake};
use crate::core::{Core, Error};

/// Metas per SyncDL batch of a queue.
const BATCH: i64 = 50;

/// A logged-in device on this socket.
#[derive(Debug, Clone)]
pub(super) struct Device {
    pub(super) actor: Actor,
    pub(super) sn: i64,
}

/// Takes the socket out of the hub when its task ends (or is aborted).
struct Registered {
    hub: Arc<Hub>,
    device: Option<Device>,
    sid: String,
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(d) = &self.device {
            self.hub.remove(&d.actor.app, d.actor.user.0, &self.sid);
        }
    }
}

pub(super) struct Session {
    pub(super) core: Core,
    pub(super) hub: Arc<Hub>,
    socket: SocketRef,
    tx: mpsc::UnboundedSender<Input>,
    reg: Registered,
}

pub(super) async fn run(
    core: Core,
    hub: Arc<Hub>,
    socket: SocketRef,
    tx: mpsc::UnboundedSender<Input>,
    mut rx: mpsc::UnboundedReceiver<Input>,
) {
    let sid = socket.id.to_string();
    let reg = Registered { hub: hub.clone(), device: None, sid };
    let mut session = Session { core, hub, socket, tx, reg };
    while let Some(input) = rx.recv().await {
        if !session.handle(input).await {
            break;
        }
    }
}

impl Session {
    pub(super) fn send(&self, frame: Bytes) {
        if let Err(e) = self.socket.emit("frame", &frame) {
            tracing::debug!("socket frame not sent: {e}");
        }
    }

    pub(super) fn device(&self) -> Option<&Device> {
        self.reg.device.as_ref()
    }

    /// Handles one input; `false` ends the socket.
    async fn handle(&mut self, input: Input) -> bool {
        match input {
            Input::Frame(bytes) => {
                if let Err(status) = self.frame(&bytes).await {
                    self.send(frames::failure(status));
                }
                true
            }
            Input::Wake(conversation) => {
                if self.device().is_some() {
                    self.send(frames::notice(conversation));
                }
                true
            }
            Input::Push(bytes) => {
                self.send(bytes);
                true
            }
            Input::Kick(reason) => {
                self.send(frames::user_notice(reason.code()));
                let _ = self.socket.clone().disconnect();
                false
            }
        }
    }

    async fn frame(&mut self, bytes: &[u8]) -> Result<(), super::proto::Status> {
        let f = Frame::decode(bytes).map_err(|e| error(ErrorCode::PbParserError, e.to_string()))?;
        if f.compress_method != 0 || f.encrypt_method != 0 {
            return Err(error(
                ErrorCode::EncryptMethodUnsupported,
                "frames must be uncompressed and unencrypted",
            ));
        }
        let command = frame::Command::try_from(f.command)
            .map_err(|_| error(ErrorCode::UnknownCommand, format!("unknown command {}", f.command)))?;
        if command == frame::Command::Provision {
            let p = Provision::decode(f.payload.as_slice())
                .map_err(|e| error(ErrorCode::PbParserError, e.to_string()))?;
            let answer = self.login(p).await;
            self.send(frames::provision(answer));
            return Ok(());
        }
        let Some(device) = self.device().cloned() else {
            return Err(error(ErrorCode::Unauthorized, "you must login first"));
        };
        match command {
            frame::Command::Unread => {
                let pending = self.core.inbox().pending(&device.actor, device.sn).await.map_err(internal)?;
                self.send(frames::unread(&pending));
                Ok(())
            }
            frame::Command::Sync => {
                let ul = SyncUl::decode(f.payload.as_slice())
                    .map_err(|e| error(ErrorCode::PbParserError, e.to_string()))?;
                match ul.meta {
                    Some(meta) => {
                        super::ops::upload(self, &device, meta).await;
                        Ok(())
                    }
                    None if ul.is_full_sync => self.history(&device, ul).await,
                    None => self.pull(&device, ul).await,
                }
            }
            _ => Err(error(ErrorCode::UnknownCommand, "the server sends NOTICE; clients do not")),
        }
    }

    async fn login(&mut self, p: Provision) -> Provision {
        match self.try_login(&p).await {
            Ok(device) => {
                let answer = Provision {
                    status: Some(ok()),
                    xid: Some(super::proto::Xid {
                        uid: device.actor.user.0 as u64,
                        device_sn: u32::try_from(device.sn).unwrap_or(0),
                    }),
                    ..Default::default()
                };
                if let Some(old) = self.reg.device.replace(device.clone()) {
                    self.hub.remove(&old.actor.app, old.actor.user.0, &self.reg.sid);
                }
                // Another socket of the same device (on any node) is closed.
                self.core.wakes().publish(Wake::Kick {
                    app: device.actor.app.clone(),
                    user: device.actor.user,
                    device: Some(crate::core::DeviceSn(device.sn)),
                    reason: KickReason::SameDevice,
                    keep: Some(self.reg.sid.clone()),
                });
                let live = Live { sid: self.reg.sid.clone(), sn: device.sn, tx: self.tx.clone() };
                self.hub.add(&device.actor.app, device.actor.user.0, live);
                answer
            }
            Err(status) => Provision { status: Some(status), xid: p.xid, ..Default::default() },
        }
    }

    async fn try_login(&self, p: &Provision) -> Result<Device, super::proto::Status> {
        let actor =
            self.core.tokens().authenticate_user_token(Some(&p.token)).await.map_err(|e| match e {
                Error::UserDisabled => error(ErrorCode::UserFrozen, "the user is disabled"),
                Error::TokenMissing | Error::TokenInvalid | Error::TokenExpired | Error::TokenRevoked => {
                    error(ErrorCode::InvalidToken, e.to_string())
                }
                e => internal(e),
            })?;
        let uid = p.xid.as_ref().map_or(0, |x| x.uid);
        if uid != actor.user.0 as u64 {
            return Err(error(ErrorCode::InvalidToken, "the token is not this user's"));
        }
        let guid =
            if p.device_guid.trim().is_empty() { format!("{uid}_socket") } else { p.device_guid.clone() };
        let login = DeviceLogin {
            guid,
            platform: i64::from(p.os_type.clamp(0, 6)),
            user_agent: p.device_info.chars().take(512).collect(),
        };
        let session = self.core.devices().register_for(&actor, login).await.map_err(|e| match e {
            Error::Invalid { .. } => error(ErrorCode::InvalidParameter, e.to_string()),
            e => internal(e),
        })?;
        let sn = session.device_sn.0;
        self.core.inbox().open(&actor, sn).await.map_err(internal)?;
        Ok(Device { actor, sn })
    }

    async fn pull(&self, device: &Device, ul: SyncUl) -> Result<(), super::proto::Status> {
        let conversation = ul.xid.as_ref().map_or(0, |x| x.uid);
        let peer = i64::try_from(conversation).map_err(|_| error(ErrorCode::InvalidParameter, "xid"))?;
        let key = i64::try_from(ul.key).unwrap_or(i64::MAX);
        let items =
            self.core.inbox().pull(&device.actor, device.sn, peer, key, BATCH).await.map_err(internal)?;
        let next_key = items.last().map_or(0, |i| i.key() as u64);
        let metas = items.iter().map(frames::item_meta).collect();
        self.send(frames::sync_dl(SyncDl {
            status: Some(ok()),
            xid: Some(ul.xid.unwrap_or_else(|| xid(0))),
            metas,
            next_key,
            ..Default::default()
        }));
        Ok(())
    }

    async fn history(&self, device: &Device, ul: SyncUl) -> Result<(), super::proto::Status> {
        let conversation = ul.xid.as_ref().map_or(0, |x| x.uid);
        let peer = i64::try_from(conversation).map_err(|_| error(ErrorCode::InvalidParameter, "xid"))?;
        let before = i64::try_from(ul.key).unwrap_or(i64::MAX);
        let limit = if ul.full_sync_num <= 0 { 20 } else { i64::from(ul.full_sync_num) };
        let list = match self.core.inbox().history(&device.actor, peer, before, limit).await {
            Ok(list) => list,
            Err(
                e
                @ (Error::NotGroupMember | Error::GroupMissing | Error::UserMissing | Error::Invalid { .. }),
            ) => {
                return Err(error(ErrorCode::InvalidParameter, e.to_string()));
            }
            Err(e) => return Err(internal(e)),
        };
        let next_key = list.last().map_or(0, |d| d.message.id as u64);
        let metas = list.iter().map(|d| frames::message_meta(d, true)).collect();
        self.send(frames::sync_dl(SyncDl {
            status: Some(ok()),
            xid: Some(ul.xid.unwrap_or_else(|| xid(0))),
            metas,
            next_key,
            is_full_sync: true,
            ..Default::default()
        }));
        Ok(())
    }
}

/// A failure below the protocol: logged with its cause, answered `FAIL`.
pub(super) fn internal(e: Error) -> super::proto::Status {
    tracing::warn!("socket: {e}");
    error(ErrorCode::Fail, "internal error")
}
