//! The SDK-like API over one logged-in socket. Each call does what floo-web
//! does for the same user action (guide §5, §7, §9): `login` sends PROVISION,
//! then UNREAD (whose entries the pump syncs); sends are `SyncUL{meta}`
//! answered by an ack matched on the client id; history is a full sync.
//! Every wait takes a deadline and gives up at it: tests assert "within
//! N s", never sleep-then-check.
//!
//! Events a wait does not consume stay buffered, in order, for later waits.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use prost::Message as _;

use super::connection::{ConnectError, Connection, Event};
use super::proto::{
    self, MessageBody, Meta, Provision, SyncDl, SyncUl, UnreadDl, Xid, frame, message_body, meta,
};

/// A browser's stored identity: the SN the server gave it (or the SDK's
/// random placeholder before the first login) and its device guid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub sn: u32,
    pub guid: String,
}

impl Device {
    /// A fresh browser storage for `uid`: a placeholder SN in the SDK's range
    /// and a guid `{uid}_{random}`.
    pub fn fresh(uid: u64) -> Device {
        let r = random_u64();
        Device { sn: 999_999_999 + (r % 2_140_000) as u32, guid: format!("{uid}_{}", (r >> 32) % (1 << 31)) }
    }
}

/// Why a login failed.
#[derive(Debug)]
pub enum LoginError {
    Connect(ConnectError),
    /// The PROVISION answer's status was not OK.
    Refused(proto::Status),
    /// No PROVISION answer before the deadline, or the socket closed.
    NoAnswer(String),
}

impl std::fmt::Display for LoginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginError::Connect(e) => write!(f, "connect: {e}"),
            LoginError::Refused(s) => write!(f, "refused: code {} {:?}", s.code, s.reason),
            LoginError::NoAnswer(e) => write!(f, "no PROVISION answer: {e}"),
        }
    }
}

/// A socket after a successful PROVISION.
pub struct Session {
    pub uid: u64,
    /// The SN the server assigned.
    pub sn: u32,
    pub device: Device,
    connection: Connection,
    buffered: VecDeque<Event>,
    /// The first UNREAD answer, as received at login.
    pub login_unread: Option<UnreadDl>,
}

/// How long a login waits for each answer.
pub const LOGIN_WAIT: Duration = Duration::from_secs(10);

static LAST_CLIENT_ID: AtomicU64 = AtomicU64::new(0);

/// A client id as the SDK makes one (a millisecond clock), kept unique in
/// this process so acks match one upload each.
pub fn client_id() -> u64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(1);
    let mut last = LAST_CLIENT_ID.load(Ordering::Relaxed);
    loop {
        let next = now.max(last + 1);
        match LAST_CLIENT_ID.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(now_ms());
    h.finish()
}

/// The deadline `secs` seconds from now.
pub fn within(secs: f64) -> Instant {
    Instant::now() + Duration::from_secs_f64(secs)
}

fn is_ok(status: &Option<proto::Status>) -> bool {
    status.as_ref().is_some_and(|s| s.code == proto::status::ErrorCode::Ok as i32)
}

/// The MessageBody of a MESSAGE (or PUSH) meta.
pub fn body(meta: &Meta) -> Option<MessageBody> {
    match meta::NameSpace::try_from(meta.ns) {
        Ok(meta::NameSpace::Message | meta::NameSpace::Push) => {
            MessageBody::decode(meta.payload.as_slice()).ok()
        }
        _ => None,
    }
}

/// The text of a chat message meta (not of operations).
pub fn text(meta: &Meta) -> Option<String> {
    body(meta).filter(|b| b.r#type != message_body::Type::Oper as i32).map(|b| b.content)
}

impl Session {
    /// Connects to `fireplace` and logs `uid` in with its REST `token`, as
    /// the SDK does on every connect: PROVISION, then UNREAD (the pump syncs
    /// the entries with `n > 0`).
    pub async fn login(
        fireplace: &str,
        uid: u64,
        token: &str,
        device: Device,
    ) -> Result<Session, LoginError> {
        let connection = Connection::open(fireplace).await.map_err(LoginError::Connect)?;
        Session::provision(connection, uid, token, device).await
    }

    /// PROVISION on an open connection.
    pub async fn provision(
        mut connection: Connection,
        uid: u64,
        token: &str,
        device: Device,
    ) -> Result<Session, LoginError> {
        let request = Provision {
            xid: Some(Xid { uid, device_sn: device.sn }),
            token: token.to_string(),
            os_type: proto::provision::OsType::Web as i32,
            sdk_vsn: "2.0.0".into(),
            device_guid: device.guid.clone(),
            device_info: "Web".into(),
            ..Default::default()
        };
        connection.send_frame(frame::Command::Provision, Some(&request.encode_to_vec()));
        let deadline = Instant::now() + LOGIN_WAIT;
        let mut buffered = VecDeque::new();
        let answer = loop {
            match connection.next_event(deadline).await {
                Some(Event::Provision(p)) => break p,
                Some(Event::Closed(why)) => return Err(LoginError::NoAnswer(why)),
                Some(other) => buffered.push_back(other),
                None => return Err(LoginError::NoAnswer("deadline".into())),
            }
        };
        if !is_ok(&answer.status) {
            return Err(LoginError::Refused(answer.status.unwrap_or_default()));
        }
        let Some(xid) = answer.xid else {
            return Err(LoginError::NoAnswer("an OK PROVISION without xid (guide §4.2)".into()));
        };
        let device =
            if xid.device_sn == 0 { device } else { Device { sn: xid.device_sn, guid: device.guid } };
        let mut session =
            Session { uid, sn: xid.device_sn, device, connection, buffered, login_unread: None };
        session.login_unread = session.unread(Instant::now() + LOGIN_WAIT).await;
        Ok(session)
    }

    /// The raw connection (pings, raw messages).
    pub fn connection(&mut self) -> &mut Connection {
        &mut self.connection
    }

    /// The first event matching `pick`, buffered or new, before the deadline.
    pub async fn wait_for<T>(
        &mut self,
        deadline: Instant,
        mut pick: impl FnMut(&Event) -> Option<T>,
    ) -> Option<T> {
        if let Some(i) = self.buffered.iter().position(|e| pick(e).is_some()) {
            let event = self.buffered.remove(i).expect("index from position");
            return pick(&event);
        }
        loop {
            let event = self.connection.next_event(deadline).await?;
            if let Some(found) = pick(&event) {
                return Some(found);
            }
            let closed = matches!(event, Event::Closed(_));
            self.buffered.push_back(event);
            if closed {
                return None;
            }
        }
    }

    /// Everything received so far that no wait took, without waiting.
    pub async fn drain(&mut self) -> Vec<Event> {
        while let Some(e) = self.connection.next_event(Instant::now()).await {
            self.buffered.push_back(e);
        }
        self.buffered.drain(..).collect()
    }

    /// The next delivered meta of any namespace.
    pub async fn next_meta(&mut self, deadline: Instant) -> Option<Meta> {
        self.wait_for(deadline, |e| match e {
            Event::Meta { meta, .. } => Some(meta.clone()),
            _ => None,
        })
        .await
    }

    /// The next delivered meta that `want` accepts (others stay buffered),
    /// with its arrival instant.
    pub async fn next_meta_where(
        &mut self,
        deadline: Instant,
        mut want: impl FnMut(&Meta) -> bool,
    ) -> Option<(Meta, Instant)> {
        self.wait_for(deadline, |e| match e {
            Event::Meta { meta, at, .. } if want(meta) => Some((meta.clone(), *at)),
            _ => None,
        })
        .await
    }

    /// The next chat message (CHAT or GROUPCHAT body, not an operation).
    pub async fn next_message(&mut self, deadline: Instant) -> Option<(Meta, MessageBody)> {
        let (meta, _) = self.next_meta_where(deadline, |m| text(m).is_some()).await?;
        let body = body(&meta)?;
        Some((meta, body))
    }

    /// The next operation meta of type `op` (RECALL, READ_ACK, APPEND...).
    pub async fn next_operation(
        &mut self,
        deadline: Instant,
        op: proto::message_operation::OpType,
    ) -> Option<(Meta, MessageBody)> {
        let (meta, _) = self
            .next_meta_where(deadline, |m| {
                body(m).is_some_and(|b| {
                    b.r#type == message_body::Type::Oper as i32
                        && b.operation.as_ref().is_some_and(|o| o.r#type == op as i32)
                })
            })
            .await?;
        let body = body(&meta)?;
        Some((meta, body))
    }

    /// The next meta of namespace `ns`, with its payload decoded as `T`.
    pub async fn next_notice<T: prost::Message + Default>(
        &mut self,
        deadline: Instant,
        ns: meta::NameSpace,
        mut want: impl FnMut(&T) -> bool,
    ) -> Option<(Meta, T)> {
        let (meta, _) = self
            .next_meta_where(deadline, |m| {
                m.ns == ns as i32 && T::decode(m.payload.as_slice()).is_ok_and(|t| want(&t))
            })
            .await?;
        let notice = T::decode(meta.payload.as_slice()).ok()?;
        Some((meta, notice))
    }

    /// Waits for the socket to close; its reason.
    pub async fn closed(&mut self, deadline: Instant) -> Option<String> {
        self.wait_for(deadline, |e| match e {
            Event::Closed(why) => Some(why.clone()),
            _ => None,
        })
        .await
    }

    /// UNREAD: the answer, or `None` at the deadline.
    pub async fn unread(&mut self, deadline: Instant) -> Option<UnreadDl> {
        self.connection.send_frame(frame::Command::Unread, None);
        self.wait_for(deadline, |e| match e {
            Event::Unread(u) => Some(u.clone()),
            _ => None,
        })
        .await
    }

    /// Pulls `conv` explicitly (`SyncUL{xid}`) and waits until the pull ends;
    /// the metas are delivered as events (read them with `next_*`).
    pub async fn sync(&mut self, conv: u64, deadline: Instant) -> bool {
        let ul = SyncUl { xid: Some(Xid { uid: conv, device_sn: 0 }), ..Default::default() };
        self.connection.send_frame(frame::Command::Sync, Some(&ul.encode_to_vec()));
        self.wait_for(deadline, |e| match e {
            Event::PullDone { conv: c } if *c == conv => Some(()),
            _ => None,
        })
        .await
        .is_some()
    }

    /// Waits until no pull of `conv` is in progress (a SyncDL with
    /// `next_key == 0` ended the last one, and no NOTICE restarted it).
    /// Called after a message of `conv` arrived, it means that message is
    /// acknowledged.
    pub async fn pulled(&mut self, conv: u64, deadline: Instant) -> bool {
        loop {
            if !self.connection.is_pulling(conv) {
                return true;
            }
            let ended = self.wait_for(deadline, |e| match e {
                Event::PullDone { conv: c } if *c == conv => Some(()),
                _ => None,
            });
            if ended.await.is_none() {
                return false;
            }
        }
    }

    /// History of `conv`: up to `amount` messages older than `key` (0: the
    /// newest), as the SDK asks for them (guide §6.3).
    pub async fn history(&mut self, conv: u64, key: u64, amount: i32, deadline: Instant) -> Option<SyncDl> {
        let ul = SyncUl {
            xid: Some(Xid { uid: conv, device_sn: 0 }),
            key,
            is_full_sync: true,
            full_sync_num: amount,
            ..Default::default()
        };
        self.connection.send_frame(frame::Command::Sync, Some(&ul.encode_to_vec()));
        self.wait_for(deadline, |e| match e {
            Event::History(dl) => Some(dl.clone()),
            _ => None,
        })
        .await
    }

    /// Uploads `meta` (its `id` is the client id) without waiting.
    pub fn upload(&self, meta: &Meta) -> bool {
        let ul = SyncUl { meta: Some(meta.clone()), ..Default::default() };
        self.connection.send_frame(frame::Command::Sync, Some(&ul.encode_to_vec()))
    }

    /// The ack (or refusal) of the upload with this client id.
    pub async fn ack_of(&mut self, client_mid: u64, deadline: Instant) -> Option<SyncDl> {
        self.wait_for(deadline, |e| match e {
            Event::Ack(dl) if dl.client_mid == client_mid => Some(dl.clone()),
            _ => None,
        })
        .await
    }

    /// Uploads `meta` and waits for its ack.
    pub async fn send_meta(&mut self, meta: Meta, deadline: Instant) -> Option<SyncDl> {
        self.upload(&meta);
        self.ack_of(meta.id, deadline).await
    }

    /// A message meta from this device to `to`, as the SDK builds one.
    pub fn message_meta(&self, to: u64, body: &MessageBody, with_timestamp: bool) -> Meta {
        Meta {
            id: client_id(),
            from: Some(Xid { uid: self.uid, device_sn: self.sn }),
            to: Some(Xid { uid: to, device_sn: 0 }),
            timestamp: if with_timestamp { now_ms() } else { 0 },
            ns: meta::NameSpace::Message as i32,
            payload: body.encode_to_vec(),
        }
    }

    fn chat_body(kind: message_body::Type, text: &str) -> MessageBody {
        MessageBody {
            r#type: kind as i32,
            content: text.to_string(),
            ctype: message_body::ContentType::Text as i32,
            // The SDK puts an UNKNOWN operation on every body (guide §7.1).
            operation: Some(proto::MessageOperation::default()),
            ..Default::default()
        }
    }

    /// A one-to-one text; the ack.
    pub async fn send_text(&mut self, to: u64, text: &str, deadline: Instant) -> Option<SyncDl> {
        let meta = self.message_meta(to, &Self::chat_body(message_body::Type::Chat, text), true);
        self.send_meta(meta, deadline).await
    }

    /// A group text; the ack.
    pub async fn send_group_text(&mut self, group: u64, text: &str, deadline: Instant) -> Option<SyncDl> {
        let meta = self.message_meta(group, &Self::chat_body(message_body::Type::Groupchat, text), true);
        self.send_meta(meta, deadline).await
    }

    /// A typing indicator to `to` (qos AT_MOST_ONCE); its client id. The
    /// SDK does not wait for an answer.
    pub fn typing(&self, to: u64, typing: bool) -> u64 {
        let mut body = Self::chat_body(message_body::Type::Chat, "");
        body.ext = format!(r#"{{"input_status":"{}"}}"#, if typing { "typing" } else { "nothing" });
        body.qos = message_body::QoS::AtMostOnce as i32;
        let meta = self.message_meta(to, &body, true);
        self.upload(&meta);
        meta.id
    }

    fn operation_meta(
        &self,
        to: u64,
        op: proto::message_operation::OpType,
        mid: u64,
        xid: Option<u64>,
        content: &str,
    ) -> Meta {
        let ctype = if op == proto::message_operation::OpType::ReadAck {
            message_body::ContentType::Command
        } else {
            message_body::ContentType::Text
        };
        let body = MessageBody {
            r#type: message_body::Type::Oper as i32,
            content: content.to_string(),
            ctype: ctype as i32,
            operation: Some(proto::MessageOperation {
                r#type: op as i32,
                mid,
                xid: xid.map(|uid| Xid { uid, device_sn: 0 }),
            }),
            ..Default::default()
        };
        self.message_meta(to, &body, false)
    }

    /// READ_ACK of message `mid` sent by `sender`.
    pub async fn read_ack(&mut self, sender: u64, mid: u64, deadline: Instant) -> Option<SyncDl> {
        let meta = self.operation_meta(sender, proto::message_operation::OpType::ReadAck, mid, None, "");
        self.send_meta(meta, deadline).await
    }

    /// READ_ALL of conversation `conv` up to `mid` (sent to self).
    pub async fn read_all(&mut self, conv: u64, mid: u64, deadline: Instant) -> Option<SyncDl> {
        let meta =
            self.operation_meta(self.uid, proto::message_operation::OpType::ReadAll, mid, Some(conv), "");
        self.send_meta(meta, deadline).await
    }

    /// RECALL of my message `mid` in conversation `conv` (peer or group).
    pub async fn recall(&mut self, conv: u64, mid: u64, deadline: Instant) -> Option<SyncDl> {
        let meta = self.operation_meta(conv, proto::message_operation::OpType::Recall, mid, Some(conv), "");
        self.send_meta(meta, deadline).await
    }

    /// APPEND `text` to my message `mid` in conversation `conv`.
    pub async fn append(&mut self, conv: u64, mid: u64, text: &str, deadline: Instant) -> Option<SyncDl> {
        let meta = self.operation_meta(conv, proto::message_operation::OpType::Append, mid, Some(conv), text);
        self.send_meta(meta, deadline).await
    }

    /// Logs out: `41` and close.
    pub fn close(&self) {
        self.connection.close();
    }
}
