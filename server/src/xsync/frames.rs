//! Building the frames the server sends and the metas it delivers, from
//! the core's messages, operations and notices (`docs/socket.md#frames`).

use bytes::Bytes;
use prost::Message as _;

use super::proto::{
    ConversationUnread, Frame, GroupNotice, MessageBody, Meta, Notice, Provision, RosterNotice, Status,
    SyncDl, UnreadDl, UserNotice, Xid, conversation_unread, frame, message_body, meta, status,
};
use crate::core::inbox::{Delivered, Item, Pending, StoredOp};
use crate::core::messages::TargetKind;
use crate::core::notices::{Notice as CoreNotice, NoticeNamespace};

pub(super) fn xid(uid: i64) -> Xid {
    Xid { uid: u64::try_from(uid).unwrap_or(0), device_sn: 0 }
}

pub(super) fn ok() -> Status {
    Status { code: status::ErrorCode::Ok as i32, reason: String::new() }
}

pub(super) fn error(code: status::ErrorCode, reason: impl Into<String>) -> Status {
    Status { code: code as i32, reason: reason.into() }
}

fn frame(command: frame::Command, payload: Vec<u8>) -> Bytes {
    let f = Frame { command: command as i32, payload, ..Default::default() };
    Bytes::from(f.encode_to_vec())
}

pub(super) fn sync_dl(dl: SyncDl) -> Bytes {
    frame(frame::Command::Sync, dl.encode_to_vec())
}

pub(super) fn provision(p: Provision) -> Bytes {
    frame(frame::Command::Provision, p.encode_to_vec())
}

pub(super) fn notice(conversation: i64) -> Bytes {
    frame(frame::Command::Notice, Notice { xid: Some(xid(conversation)) }.encode_to_vec())
}

pub(super) fn unread(pending: &[Pending]) -> Bytes {
    let unread = pending
        .iter()
        .map(|p| ConversationUnread {
            xid: Some(xid(p.peer)),
            n: u32::try_from(p.count).unwrap_or(u32::MAX),
            r#type: match p.kind {
                Some(TargetKind::User) => conversation_unread::ConvType::Chat as i32,
                Some(TargetKind::Group) => conversation_unread::ConvType::Groupchat as i32,
                None => conversation_unread::ConvType::Unknown as i32,
            },
        })
        .collect();
    frame(frame::Command::Unread, UnreadDl { status: Some(ok()), unread }.encode_to_vec())
}

/// A failed answer to a frame that is not an upload: `UNAUTHORIZED` with the
/// reason that makes the SDK log in again, or another error.
pub(super) fn failure(status: Status) -> Bytes {
    sync_dl(SyncDl { status: Some(status), ..Default::default() })
}

/// A user notice pushed unrequested (kicks), on its own.
pub(super) fn user_notice(kind: i32) -> Bytes {
    let payload = UserNotice { r#type: kind, content: String::new() }.encode_to_vec();
    let meta = Meta { ns: meta::NameSpace::UserNotice as i32, payload, ..Default::default() };
    sync_dl(SyncDl { status: Some(ok()), xid: Some(xid(0)), metas: vec![meta], ..Default::default() })
}

fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub(super) fn message_meta(d: &Delivered, history: bool) -> Meta {
    let m = &d.message;
    let body = MessageBody {
        r#type: match m.kind {
            TargetKind::User => message_body::Type::Chat as i32,
            TargetKind::Group => message_body::Type::Groupchat as i32,
        },
        content: m.content.clone(),
        ctype: i32::try_from(m.content_type.code()).unwrap_or(0),
        config: m.config.clone().unwrap_or_default(),
        attachment: m.attachment.clone().unwrap_or_default(),
        ext: m.ext.clone().unwrap_or_default(),
        is_system: m.from == crate::core::messages::SYSTEM,
        status: if history && d.read { message_body::Status::Read as i32 } else { 0 },
        edit_timestamp: u(d.edit_timestamp),
        ..Default::default()
    };
    Meta {
        id: u(m.id),
        from: Some(Xid { uid: u(m.from), device_sn: u32::try_from(d.from_sn).unwrap_or(0) }),
        to: Some(xid(m.to)),
        timestamp: u(m.created_at),
        ns: meta::NameSpace::Message as i32,
        payload: body.encode_to_vec(),
    }
}

fn op_meta(o: &StoredOp) -> Meta {
    Meta {
        id: u(o.id),
        from: Some(Xid { uid: u(o.from), device_sn: u32::try_from(o.from_sn).unwrap_or(0) }),
        to: Some(xid(o.to)),
        timestamp: u(o.created_at),
        ns: i32::try_from(o.ns).unwrap_or(0),
        payload: o.payload.clone(),
    }
}

fn notice_meta(n: &CoreNotice) -> Meta {
    let kind = i32::try_from(n.kind.sdk_type()).unwrap_or(0);
    let from = Some(xid(n.from.0));
    let to: Vec<Xid> = n.to.iter().map(|t| xid(t.0)).collect();
    let content = if n.payload.as_object().is_some_and(|o| o.is_empty()) {
        String::new()
    } else {
        n.payload.to_string()
    };
    let (ns, payload) = match n.kind.namespace() {
        NoticeNamespace::Roster => (
            meta::NameSpace::RosterNotice,
            RosterNotice { r#type: kind, from, to, content, roster_vsn: String::new() }.encode_to_vec(),
        ),
        NoticeNamespace::Group => (
            meta::NameSpace::GroupNotice,
            GroupNotice { r#type: kind, gid: n.group.map(|g| xid(g.0)), from, to, content }.encode_to_vec(),
        ),
    };
    Meta {
        id: u(n.position),
        from: None,
        to: Some(xid(n.user.0)),
        timestamp: u(n.created_at),
        ns: ns as i32,
        payload,
    }
}

pub(super) fn item_meta(item: &Item) -> Meta {
    match item {
        Item::Message(d) => message_meta(d, false),
        Item::Op(o) => op_meta(o),
        Item::Notice(n) => notice_meta(n),
    }
}
