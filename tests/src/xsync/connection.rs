//! One xsync socket on a real WebSocket, and the SDK's automatic part of the
//! protocol (guide §3 and §6.1), run by a background pump:
//!
//! - the Engine.IO open packet is awaited, then Socket.IO's `40`;
//! - the client pings (`2`) every `pingInterval` and closes with "ping
//!   timeout" when no pong (`3`) follows within `pingTimeout` (EIO3: the
//!   client pings, the server answers);
//! - a NOTICE, or an UNREAD entry with `n > 0`, starts a pull `SyncUL{xid}`;
//!   a pull SyncDL with `next_key != 0` continues it with `key = next_key`
//!   (which acknowledges the batch); `next_key == 0` ends it, and a NOTICE
//!   that came during the pull starts a new one;
//! - everything the test may want to see (delivered metas, acks, history,
//!   UNREAD answers, errors, the close) becomes an [`Event`], stamped with
//!   the instant it arrived (the benchmark measures delivery with it).
//!
//! A frame leaves as one unit through the writer task, so a ping can never
//! slip between the `451-` header and its binary attachment.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use prost::Message as _;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;

use super::proto::{self, Frame, SyncDl, SyncUl, UnreadDl, Xid, frame};
use super::wire::{self, Handshake, Text};

/// What the socket brought, in arrival order.
#[derive(Debug, Clone)]
pub enum Event {
    /// The PROVISION answer.
    Provision(proto::Provision),
    /// The UNREAD answer.
    Unread(UnreadDl),
    /// One delivered meta (from a pull or an unrequested SyncDL), with the
    /// conversation xid of the SyncDL that carried it.
    Meta { conv: u64, meta: proto::Meta, at: Instant },
    /// A pull of `conv` ended (`next_key == 0`).
    PullDone { conv: u64 },
    /// The ack (or refusal) of an uploaded meta: a SyncDL with `client_mid`.
    Ack(SyncDl),
    /// A history answer (`is_full_sync`).
    History(SyncDl),
    /// A SyncDL whose status is not OK and that acknowledges nothing.
    Error(SyncDl),
    /// Something the client could not read (kept so a test can fail on it).
    Garbage(String),
    /// The socket closed; the reason as the client saw it.
    Closed(String),
}

/// A connected (not yet logged-in) socket.
pub struct Connection {
    pub handshake: Handshake,
    out: mpsc::UnboundedSender<Vec<Message>>,
    events: mpsc::UnboundedReceiver<Event>,
    pongs: watch::Receiver<u64>,
    /// Frames received, for tests that count traffic.
    pub frames_in: Arc<AtomicU64>,
    /// Conversations with a pull in progress (shared with the pump).
    pulling: Arc<Mutex<HashSet<u64>>>,
}

/// Why connecting failed.
#[derive(Debug)]
pub enum ConnectError {
    WebSocket(String),
    Handshake(String),
    TimedOut,
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::WebSocket(e) => write!(f, "websocket: {e}"),
            ConnectError::Handshake(e) => write!(f, "handshake: {e}"),
            ConnectError::TimedOut => write!(f, "no open packet and `40` within 10 s"),
        }
    }
}

/// The SDK's connect timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Connection {
    /// Opens `{fireplace}/socket.io/?EIO=3&transport=websocket` (`fireplace`
    /// is `ws://host:port` or `http://host:port`) and waits for the open
    /// packet and `40`.
    pub async fn open(fireplace: &str) -> Result<Connection, ConnectError> {
        let base =
            fireplace.trim_end_matches('/').replacen("https://", "wss://", 1).replacen("http://", "ws://", 1);
        let url = format!("{base}/socket.io/?EIO=3&transport=websocket");
        let attempt = async {
            let (ws, _) = tokio_tungstenite::connect_async(url.as_str())
                .await
                .map_err(|e| ConnectError::WebSocket(e.to_string()))?;
            let (mut sink, mut stream) = ws.split();
            let mut handshake = None;
            while let Some(message) = stream.next().await {
                let message = message.map_err(|e| ConnectError::WebSocket(e.to_string()))?;
                let Message::Text(text) = message else { continue };
                match wire::parse_text(&text) {
                    Text::Open(h) => handshake = Some(h),
                    Text::Connect => match handshake.take() {
                        Some(h) => return Ok((h, sink, stream)),
                        None => return Err(ConnectError::Handshake("`40` before the open packet".into())),
                    },
                    Text::Ping => {
                        // An EIO4 habit: answer it anyway rather than hang.
                        let _ = sink.send(Message::text(wire::PONG)).await;
                    }
                    other => return Err(ConnectError::Handshake(format!("unexpected {other:?}"))),
                }
            }
            Err(ConnectError::Handshake("closed during the handshake".into()))
        };
        let (handshake, sink, stream) =
            tokio::time::timeout(CONNECT_TIMEOUT, attempt).await.map_err(|_| ConnectError::TimedOut)??;

        let (out_tx, out_rx) = mpsc::unbounded_channel::<Vec<Message>>();
        let (event_tx, events) = mpsc::unbounded_channel();
        let (pong_tx, pongs) = watch::channel(0u64);
        let frames_in = Arc::new(AtomicU64::new(0));
        let pulling = Arc::new(Mutex::new(HashSet::new()));
        tokio::spawn(write_loop(sink, out_rx));
        tokio::spawn(ping_loop(handshake.clone(), out_tx.clone(), pongs.clone(), event_tx.clone()));
        let pump = Pump {
            out: out_tx.clone(),
            events: event_tx,
            pulling: pulling.clone(),
            renotice: HashSet::new(),
            pong: pong_tx,
            frames_in: frames_in.clone(),
        };
        tokio::spawn(pump.run(stream));
        Ok(Connection { handshake, out: out_tx, events, pongs, frames_in, pulling })
    }

    /// Sends one frame as the SDK does (header text + binary attachment).
    pub fn send_frame(&self, command: frame::Command, payload: Option<&[u8]>) -> bool {
        send_frame(&self.out, command as i32, payload)
    }

    /// Sends raw WebSocket messages (malformed-input tests).
    pub fn send_raw(&self, messages: Vec<Message>) -> bool {
        self.out.send(messages).is_ok()
    }

    /// The next event, or `None` once the deadline passes or the pump ended.
    pub async fn next_event(&mut self, deadline: Instant) -> Option<Event> {
        tokio::time::timeout_at(deadline.into(), self.events.recv()).await.ok().flatten()
    }

    /// Sends an Engine.IO ping and waits for its pong; false when none
    /// arrives before the deadline.
    pub async fn ping(&mut self, deadline: Instant) -> bool {
        let seen = *self.pongs.borrow_and_update();
        if self.out.send(vec![Message::text(wire::PING)]).is_err() {
            return false;
        }
        let wait = self.pongs.wait_for(|n| *n > seen);
        matches!(tokio::time::timeout_at(deadline.into(), wait).await, Ok(Ok(_)))
    }

    /// Whether a pull of `conv` is in progress.
    pub fn is_pulling(&self, conv: u64) -> bool {
        self.pulling.lock().is_ok_and(|p| p.contains(&conv))
    }

    /// Sends `41` and closes the WebSocket, as the SDK's logout does.
    pub fn close(&self) {
        let _ = self.out.send(vec![Message::text(wire::DISCONNECT), Message::Close(None)]);
    }
}

impl Drop for Connection {
    /// A dropped session logs out rather than lingering on the server.
    fn drop(&mut self) {
        self.close();
    }
}

fn send_frame(out: &mpsc::UnboundedSender<Vec<Message>>, command: i32, payload: Option<&[u8]>) -> bool {
    let attachment = wire::attachment_like_sdk(command, payload);
    out.send(vec![Message::text(wire::FRAME_EVENT_HEADER), Message::binary(attachment)]).is_ok()
}

type Sink = futures::stream::SplitSink<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    Message,
>;
type Stream = futures::stream::SplitStream<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
>;

async fn write_loop(mut sink: Sink, mut out: mpsc::UnboundedReceiver<Vec<Message>>) {
    while let Some(batch) = out.recv().await {
        for message in batch {
            let closing = matches!(message, Message::Close(_));
            if sink.send(message).await.is_err() || closing {
                return;
            }
        }
    }
    let _ = sink.close().await;
}

async fn ping_loop(
    handshake: Handshake,
    out: mpsc::UnboundedSender<Vec<Message>>,
    mut pongs: watch::Receiver<u64>,
    events: mpsc::UnboundedSender<Event>,
) {
    let interval = Duration::from_millis(handshake.ping_interval_ms.max(1));
    let timeout = Duration::from_millis(handshake.ping_timeout_ms.max(1));
    loop {
        tokio::time::sleep(interval).await;
        let seen = *pongs.borrow_and_update();
        if out.send(vec![Message::text(wire::PING)]).is_err() {
            return;
        }
        let answered = tokio::time::timeout(timeout, pongs.wait_for(|n| *n > seen)).await;
        match answered {
            Ok(Ok(_)) => {}
            Ok(Err(_)) => return,
            Err(_) => {
                let _ = events.send(Event::Closed("ping timeout".into()));
                let _ = out.send(vec![Message::Close(None)]);
                return;
            }
        }
    }
}

/// The reading half and the SDK's automatic replies.
struct Pump {
    out: mpsc::UnboundedSender<Vec<Message>>,
    events: mpsc::UnboundedSender<Event>,
    /// Conversations with a pull in progress.
    pulling: Arc<Mutex<HashSet<u64>>>,
    /// Conversations noticed again during their pull.
    renotice: HashSet<u64>,
    pong: watch::Sender<u64>,
    frames_in: Arc<AtomicU64>,
}

impl Pump {
    async fn run(mut self, mut stream: Stream) {
        let mut awaiting_attachment = false;
        let reason = loop {
            let Some(message) = stream.next().await else { break "end of stream".to_string() };
            let message = match message {
                Ok(m) => m,
                Err(e) => break format!("websocket error: {e}"),
            };
            match message {
                Message::Text(text) => match wire::parse_text(&text) {
                    Text::Pong => {
                        self.pong.send_modify(|n| *n += 1);
                    }
                    Text::Ping => {
                        let _ = self.out.send(vec![Message::text(wire::PONG)]);
                    }
                    Text::BinaryEvent { name, attachments } if name == "frame" && attachments == 1 => {
                        awaiting_attachment = true;
                    }
                    Text::Disconnect => break "server sent 41".to_string(),
                    other => self.garbage(format!("unexpected text {other:?}")),
                },
                Message::Binary(bytes) => {
                    if !awaiting_attachment {
                        self.garbage("a binary message without a `451-` header".into());
                    }
                    awaiting_attachment = false;
                    let at = Instant::now();
                    match wire::decode_attachment(&bytes) {
                        Ok(frame) => {
                            self.frames_in.fetch_add(1, Ordering::Relaxed);
                            self.on_frame(frame, at);
                        }
                        Err(e) => self.garbage(format!("undecodable Frame: {e}")),
                    }
                }
                Message::Close(frame) => break format!("closed by the server: {frame:?}"),
                _ => {}
            }
        };
        let _ = self.events.send(Event::Closed(reason));
    }

    fn garbage(&self, what: String) {
        let _ = self.events.send(Event::Garbage(what));
    }

    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    fn pull(&mut self, conv: u64, key: u64) {
        if std::env::var_os("XSYNC_TRACE").is_some() {
            eprintln!("xsync -> SyncUL pull conv {conv} key {key}");
        }
        if let Ok(mut p) = self.pulling.lock() {
            p.insert(conv);
        }
        let ul = SyncUl { xid: Some(Xid { uid: conv, device_sn: 0 }), key, ..Default::default() };
        send_frame(&self.out, frame::Command::Sync as i32, Some(&ul.encode_to_vec()));
    }

    fn start_pull(&mut self, conv: u64) {
        if self.pulling.lock().is_ok_and(|p| p.contains(&conv)) {
            self.renotice.insert(conv);
        } else {
            self.pull(conv, 0);
        }
    }

    fn on_frame(&mut self, frame: Frame, at: Instant) {
        let payload = frame.payload.as_slice();
        if std::env::var_os("XSYNC_TRACE").is_some() {
            eprintln!("xsync <- {}", describe(&frame));
        }
        match frame::Command::try_from(frame.command) {
            Ok(frame::Command::Provision) => match proto::Provision::decode(payload) {
                Ok(p) => self.emit(Event::Provision(p)),
                Err(e) => self.garbage(format!("PROVISION payload: {e}")),
            },
            Ok(frame::Command::Unread) => match UnreadDl::decode(payload) {
                Ok(u) => {
                    for entry in &u.unread {
                        if entry.n > 0
                            && let Some(xid) = &entry.xid
                        {
                            self.start_pull(xid.uid);
                        }
                    }
                    self.emit(Event::Unread(u));
                }
                Err(e) => self.garbage(format!("UNREAD payload: {e}")),
            },
            Ok(frame::Command::Notice) => match proto::Notice::decode(payload) {
                Ok(proto::Notice { xid: Some(xid) }) => self.start_pull(xid.uid),
                Ok(_) => self.garbage("a NOTICE without xid".into()),
                Err(e) => self.garbage(format!("NOTICE payload: {e}")),
            },
            Ok(frame::Command::Sync) => match SyncDl::decode(payload) {
                Ok(dl) => self.on_sync(dl, at),
                Err(e) => self.garbage(format!("SYNC payload: {e}")),
            },
            Err(_) => self.garbage(format!("unknown command {}", frame.command)),
        }
    }

    fn on_sync(&mut self, dl: SyncDl, at: Instant) {
        let ok = dl.status.as_ref().is_some_and(|s| s.code == proto::status::ErrorCode::Ok as i32);
        if dl.status.is_none() {
            // The SDK's handler throws on a SyncDL without status (guide §4.2).
            self.garbage(format!("a SyncDL without status: {dl:?}"));
            return;
        }
        if dl.is_full_sync {
            self.emit(Event::History(dl));
            return;
        }
        if dl.client_mid > 0 {
            self.emit(Event::Ack(dl));
            return;
        }
        if !ok {
            self.emit(Event::Error(dl));
            return;
        }
        let Some(conv) = dl.xid.as_ref().map(|x| x.uid) else {
            // Required when next_key == 0 (guide §4.2); a continued pull needs it too.
            self.garbage(format!("a SyncDL without xid: {dl:?}"));
            return;
        };
        // The continuation (which acknowledges this batch) leaves before the
        // metas are handed over, so whatever a test sends after seeing them
        // reaches the server after the acknowledgement.
        let done = dl.next_key == 0 && self.pulling.lock().is_ok_and(|p| p.contains(&conv));
        if dl.next_key != 0 {
            self.pull(conv, dl.next_key);
        } else if done && self.renotice.remove(&conv) {
            self.pull(conv, 0);
        } else if done && let Ok(mut p) = self.pulling.lock() {
            p.remove(&conv);
        }
        for meta in dl.metas {
            self.emit(Event::Meta { conv, meta, at });
        }
        if done {
            self.emit(Event::PullDone { conv });
        }
    }
}

/// A one-line account of a received frame (`XSYNC_TRACE=1` prints them).
fn describe(frame: &Frame) -> String {
    let payload = frame.payload.as_slice();
    match frame::Command::try_from(frame.command) {
        Ok(frame::Command::Sync) => match SyncDl::decode(payload) {
            Ok(dl) => format!(
                "SyncDL status {:?} xid {:?} metas {:?} next_key {} client_mid {} server_mid {} full {}",
                dl.status.map(|s| s.code),
                dl.xid.map(|x| x.uid),
                dl.metas.iter().map(|m| m.id).collect::<Vec<_>>(),
                dl.next_key,
                dl.client_mid,
                dl.server_mid,
                dl.is_full_sync
            ),
            Err(e) => format!("SyncDL undecodable: {e}"),
        },
        Ok(frame::Command::Notice) => {
            format!("NOTICE {:?}", proto::Notice::decode(payload).ok().and_then(|n| n.xid))
        }
        Ok(frame::Command::Unread) => format!("UNREAD {:?}", UnreadDl::decode(payload).ok()),
        Ok(frame::Command::Provision) => format!("PROVISION {:?}", proto::Provision::decode(payload).ok()),
        Err(_) => format!("command {}", frame.command),
    }
}
