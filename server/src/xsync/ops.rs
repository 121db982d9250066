//! Uploads (SYNC with a meta, `docs/socket.md#sending`): messages go
//! through the core's send path (the REST side's rules: blocks, friends
//! only, group bans) and are acknowledged with their server id; typing is
//! pushed, never stored; operations on messages (read marks, recall,
//! delete, edits) and conversations change the core's state and are
//! forwarded as metas. Every upload gets an answer carrying its client id.

use prost::Message as _;
use sha2::{Digest, Sha256};

use super::Input;
use super::frames::{self, error, ok};
use super::proto::{
    Conversation, MessageBody, Meta, Status, SyncDl, conversation_operation, message_body, message_operation,
    meta, status::ErrorCode,
};
use super::session::{Device, Session, internal};
use crate::core::Error;
use crate::core::inbox::{Edit, NewOp};
use crate::core::messages::{ContentType, NewMessage, TargetKind};

fn ack(client_mid: u64, status: Status) -> SyncDl {
    SyncDl { status: Some(status), client_mid, ..Default::default() }
}

/// The status an upload refused by the core gets; the reasons are the ones
/// the web UI recognises (`docs/socket.md#status-codes`).
fn refusal(e: Error) -> Status {
    match e {
        Error::Blocked => error(ErrorCode::Fail, "you have been blocked by the recipient"),
        Error::NoPermission | Error::NotFriends => {
            error(ErrorCode::Fail, "your relation with target does not allow chat")
        }
        Error::BannedInGroup | Error::GroupMuted => error(ErrorCode::UserBanned, e.to_string()),
        Error::NotGroupMember | Error::GroupMissing | Error::UserMissing | Error::Invalid { .. } => {
            error(ErrorCode::InvalidParameter, e.to_string())
        }
        Error::RateLimited { .. } => error(ErrorCode::RateLimitExceeded, e.to_string()),
        e => internal(e),
    }
}

/// The status of a refused operation: as a send's, except that
/// "no permission" is about the message's author.
fn op_refusal(e: Error) -> Status {
    match e {
        Error::NoPermission => error(ErrorCode::Fail, "only the author may change a message"),
        e => refusal(e),
    }
}

/// The send's transaction id: the same device, client id and bytes are the
/// same upload (client ids alone collide: they are millisecond clocks).
fn transaction_id(sn: i64, meta: &Meta) -> i64 {
    let mut h = Sha256::new();
    h.update(sn.to_be_bytes());
    h.update(meta.id.to_be_bytes());
    h.update(meta.to.as_ref().map_or(0, |x| x.uid).to_be_bytes());
    h.update(&meta.payload);
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first) & i64::MAX
}

fn opt(s: String) -> Option<String> {
    if s.is_empty() { None } else { Some(s) }
}

pub(super) async fn upload(session: &Session, device: &Device, meta: Meta) {
    let client_mid = meta.id;
    let answer = match meta::NameSpace::try_from(meta.ns) {
        Ok(meta::NameSpace::Message) => match MessageBody::decode(meta.payload.as_slice()) {
            Ok(body) if body.r#type == message_body::Type::Oper as i32 => {
                operation(session, device, &meta, body).await
            }
            Ok(body) if body.qos == message_body::QoS::AtMostOnce as i32 => {
                typing(session, device, &meta);
                Ok(ack(client_mid, ok()))
            }
            Ok(body) => send(session, device, &meta, body).await,
            Err(e) => Err(error(ErrorCode::PbParserError, e.to_string())),
        },
        Ok(meta::NameSpace::Conversation) => conversation(session, device, &meta).await,
        _ => Err(error(ErrorCode::InvalidParameter, "unsupported namespace")),
    };
    let dl = answer.unwrap_or_else(|status| ack(client_mid, status));
    session.send(frames::sync_dl(dl));
}

fn target(meta: &Meta) -> Result<i64, Status> {
    let to = meta.to.as_ref().map_or(0, |x| x.uid);
    i64::try_from(to).ok().filter(|t| *t > 0).ok_or_else(|| error(ErrorCode::InvalidParameter, "meta.to"))
}

async fn send(session: &Session, device: &Device, meta: &Meta, body: MessageBody) -> Result<SyncDl, Status> {
    let kind = match message_body::Type::try_from(body.r#type) {
        Ok(message_body::Type::Chat) => TargetKind::User,
        Ok(message_body::Type::Groupchat) => TargetKind::Group,
        _ => return Err(error(ErrorCode::InvalidParameter, "MessageBody.type must be CHAT or GROUPCHAT")),
    };
    let to = target(meta)?;
    let content_type = ContentType::from_code(i64::from(body.ctype))
        .map_err(|_| error(ErrorCode::InvalidParameter, "unsupported ctype"))?;
    let txid = transaction_id(device.sn, meta);
    let new = NewMessage {
        kind,
        targets: vec![to],
        content_type,
        content: body.content,
        ext: opt(body.ext),
        config: opt(body.config),
        attachment: opt(body.attachment),
        transaction_id: Some(txid),
    };
    let inbox = session.core.inbox();
    let report =
        session.core.messages().send_from_device(&device.actor, device.sn, new).await.map_err(refusal)?;
    let (id, at) = if report.duplicate {
        inbox
            .sent_with(&device.actor, txid)
            .await
            .map_err(internal)?
            .ok_or_else(|| error(ErrorCode::Fail, "retry"))?
    } else if let Some((_, e)) = report.failed.into_iter().next() {
        return Err(refusal(e));
    } else {
        let id = report.delivered.first().map(|d| d.1).ok_or_else(|| error(ErrorCode::Fail, "not stored"))?;
        (id, session.core.now_ms())
    };
    Ok(SyncDl {
        status: Some(ok()),
        client_mid: meta.id,
        server_mid: id as u64,
        server_time: at as u64,
        ..Default::default()
    })
}

/// Typing: pushed once to the peer's live sockets on this node, unstored.
fn typing(session: &Session, device: &Device, meta: &Meta) {
    let Ok(to) = target(meta) else { return };
    let mut pushed = meta.clone();
    pushed.from = Some(super::proto::Xid { uid: device.actor.user.0 as u64, device_sn: device.sn as u32 });
    pushed.timestamp = session.core.now_ms() as u64;
    let dl = SyncDl {
        status: Some(ok()),
        xid: Some(frames::xid(device.actor.user.0)),
        metas: vec![pushed],
        ..Default::default()
    };
    let bytes = frames::sync_dl(dl);
    for live in session.hub.sockets(&device.actor.app, to) {
        let _ = live.tx.send(Input::Push(bytes.clone()));
    }
}

async fn operation(
    session: &Session,
    device: &Device,
    meta: &Meta,
    mut body: MessageBody,
) -> Result<SyncDl, Status> {
    use message_operation::OpType;
    let op = body.operation.unwrap_or_default();
    let kind = OpType::try_from(op.r#type).unwrap_or(OpType::Unknown);
    let mid = i64::try_from(op.mid).unwrap_or(0);
    let to = target(meta)?;
    // The conversation the op names (xid), else the meta's target.
    let conversation =
        op.xid.as_ref().and_then(|x| i64::try_from(x.uid).ok()).filter(|x| *x > 0).unwrap_or(to);
    let actor = &device.actor;
    let inbox = session.core.inbox();
    let mut edit_timestamp = 0;
    // (conversation forwarded in, only the author's other devices)
    let (peer, only_author) = match kind {
        OpType::ReadAck => {
            let _ = session.core.messages().ack(actor, to, Some(mid)).await;
            (to, false)
        }
        OpType::ReadAll => {
            session.core.messages().ack(actor, conversation, Some(mid)).await.map_err(op_refusal)?;
            (conversation, true)
        }
        OpType::ReadCancel => (conversation, true),
        OpType::DeliverAck | OpType::PlayAck => (to, false),
        OpType::Recall => {
            inbox.recall(actor, conversation, mid).await.map_err(op_refusal)?;
            (conversation, false)
        }
        OpType::Delete => {
            inbox.hide(actor, conversation, mid).await.map_err(op_refusal)?;
            (conversation, true)
        }
        OpType::Append | OpType::Replace => {
            let edit = if kind == OpType::Append {
                Edit::Append(body.content.clone())
            } else {
                Edit::Replace {
                    content: body.content.clone(),
                    config: opt(body.config.clone()),
                    ext: opt(body.ext.clone()),
                }
            };
            edit_timestamp = inbox.edit(actor, conversation, mid, edit).await.map_err(op_refusal)?;
            body.edit_timestamp = edit_timestamp as u64;
            (conversation, false)
        }
        OpType::Unknown => return Err(error(ErrorCode::InvalidParameter, "unknown operation")),
    };
    let new =
        NewOp { peer, only_author, to, ns: meta::NameSpace::Message as i64, payload: body.encode_to_vec() };
    let (id, at) = inbox.record(actor, device.sn, new).await.map_err(op_refusal)?;
    Ok(SyncDl {
        status: Some(ok()),
        client_mid: meta.id,
        server_mid: id as u64,
        server_time: at as u64,
        edit_timestamp: edit_timestamp as u64,
        ..Default::default()
    })
}

async fn conversation(session: &Session, device: &Device, meta: &Meta) -> Result<SyncDl, Status> {
    use conversation_operation::OpType;
    let c = Conversation::decode(meta.payload.as_slice())
        .map_err(|e| error(ErrorCode::PbParserError, e.to_string()))?;
    let op = c.operation.unwrap_or_default();
    let peer = op.xid.as_ref().and_then(|x| i64::try_from(x.uid).ok()).unwrap_or(0);
    let everywhere = match OpType::try_from(op.r#type) {
        Ok(OpType::Delete) => false,
        Ok(OpType::DeleteEverywhere) => true,
        _ => return Err(error(ErrorCode::InvalidParameter, "unknown conversation operation")),
    };
    session.core.messages().delete_conversation(&device.actor, peer).await.map_err(refusal)?;
    let mut server_mid = 0;
    if everywhere {
        let new = NewOp {
            peer,
            only_author: true,
            to: device.actor.user.0,
            ns: meta::NameSpace::Conversation as i64,
            payload: meta.payload.clone(),
        };
        server_mid =
            session.core.inbox().record(&device.actor, device.sn, new).await.map_err(refusal)?.0 as u64;
    }
    Ok(SyncDl {
        status: Some(ok()),
        client_mid: meta.id,
        server_mid,
        server_time: session.core.now_ms() as u64,
        ..Default::default()
    })
}
