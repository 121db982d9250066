//! Engine.IO 3 / Socket.IO v2 framing of xsync frames on a WebSocket: what
//! each WebSocket message means, and how one `Frame` becomes two messages
//! (the `451-` event header naming the `frame` event, then a binary message
//! `0x04` + protobuf). Pure functions, so the byte layouts are unit-tested
//! against the worked examples of the protocol guide.

use prost::Message as _;

use super::proto::Frame;

/// The text message announcing one binary `frame` event.
pub const FRAME_EVENT_HEADER: &str = r#"451-["frame",{"_placeholder":true,"num":0}]"#;
/// Engine.IO "message" type, the first byte of a binary attachment.
pub const BINARY_MESSAGE_TYPE: u8 = 0x04;
/// Engine.IO ping (client to server in EIO3) and pong.
pub const PING: &str = "2";
pub const PONG: &str = "3";
/// Socket.IO connect and disconnect of the default namespace.
pub const CONNECT: &str = "40";
pub const DISCONNECT: &str = "41";

/// The Engine.IO open packet's handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    pub sid: String,
    pub ping_interval_ms: u64,
    pub ping_timeout_ms: u64,
}

/// A server text message, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    Open(Handshake),
    Connect,
    Disconnect,
    Ping,
    Pong,
    /// A binary event header: the event name and how many attachments follow.
    BinaryEvent {
        name: String,
        attachments: usize,
    },
    /// A text event (`42[...]`): not how xsync frames travel, kept for errors.
    Event(String),
    /// An Engine.IO close (`1`) or anything else.
    Other(String),
}

/// Reads one text WebSocket message.
pub fn parse_text(text: &str) -> Text {
    if let Some(json) = text.strip_prefix('0') {
        return match parse_handshake(json) {
            Some(h) => Text::Open(h),
            None => Text::Other(text.to_string()),
        };
    }
    match text {
        CONNECT => return Text::Connect,
        DISCONNECT => return Text::Disconnect,
        PING => return Text::Ping,
        PONG => return Text::Pong,
        _ => {}
    }
    if let Some(rest) = text.strip_prefix("45") {
        // `45<n>-<json array>`, optionally with a namespace before the array.
        if let Some((count, json)) = rest.split_once('-')
            && let Ok(attachments) = count.parse::<usize>()
            && let Some(name) = event_name(json)
        {
            return Text::BinaryEvent { name, attachments };
        }
        return Text::Other(text.to_string());
    }
    if let Some(rest) = text.strip_prefix("42") {
        return Text::Event(rest.to_string());
    }
    Text::Other(text.to_string())
}

fn parse_handshake(json: &str) -> Option<Handshake> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    Some(Handshake {
        sid: v.get("sid")?.as_str()?.to_string(),
        ping_interval_ms: v.get("pingInterval")?.as_u64()?,
        ping_timeout_ms: v.get("pingTimeout")?.as_u64()?,
    })
}

fn event_name(json: &str) -> Option<String> {
    let start = json.find('[')?;
    let v: serde_json::Value = serde_json::from_str(&json[start..]).ok()?;
    Some(v.get(0)?.as_str()?.to_string())
}

/// The binary WebSocket message carrying `frame`.
pub fn encode_attachment(frame: &Frame) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + frame.encoded_len());
    out.push(BINARY_MESSAGE_TYPE);
    frame.encode(&mut out).expect("a Vec grows as needed");
    out
}

/// The `Frame` in a binary WebSocket message (the leading `0x04` is
/// optional: some servers send the bare buffer).
pub fn decode_attachment(bytes: &[u8]) -> Result<Frame, prost::DecodeError> {
    let body = match bytes.first() {
        Some(&BINARY_MESSAGE_TYPE) => &bytes[1..],
        _ => bytes,
    };
    Frame::decode(body)
}

/// A frame as the SDK writes it: `vsn` and `compress_method` explicitly 0
/// (`08 00 10 00`), then command and payload. prost omits zero scalars, so
/// the two fields are written by hand in front of the encoded rest.
pub fn encode_frame_like_sdk(command: i32, payload: Option<&[u8]>) -> Vec<u8> {
    let rest =
        Frame { command, payload: payload.map(<[u8]>::to_vec).unwrap_or_default(), ..Default::default() };
    let mut out = vec![0x08, 0x00, 0x10, 0x00];
    // command 0 (UNREAD) is written explicitly too: `18 00`.
    if command == 0 {
        out.extend_from_slice(&[0x18, 0x00]);
    }
    rest.encode(&mut out).expect("a Vec grows as needed");
    out
}

/// The binary WebSocket message for an SDK-shaped frame.
pub fn attachment_like_sdk(command: i32, payload: Option<&[u8]>) -> Vec<u8> {
    let mut out = vec![BINARY_MESSAGE_TYPE];
    out.extend(encode_frame_like_sdk(command, payload));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xsync::proto::{
        self, ConversationUnread, MessageBody, Meta, Provision, SyncDl, SyncUl, UnreadDl, Xid, frame, status,
    };

    fn hex(s: &str) -> Vec<u8> {
        let compact: String = s.split_whitespace().collect();
        ::hex::decode(compact).expect("hex")
    }

    fn ok() -> Option<proto::Status> {
        Some(proto::Status { code: status::ErrorCode::Ok as i32, reason: String::new() })
    }

    #[test]
    fn client_provision_matches_the_guide() {
        let provision = Provision {
            xid: Some(Xid { uid: 1001, device_sn: 1_002_066_159 }),
            token: "TOKEN".into(),
            os_type: proto::provision::OsType::Web as i32,
            sdk_vsn: "2.0.0".into(),
            device_guid: "1001_760212805".into(),
            device_info: "Web".into(),
            ..Default::default()
        };
        let payload = provision.encode_to_vec();
        let expected = hex(
            "08 00 10 00 18 03 22 30 12 09 08 e9 07 10 ef a1 e9 dd 03 32 05 544f4b454e 38 06 42 05 322e302e30
             52 0e 313030315f373630323132383035 6a 03 576562",
        );
        assert_eq!(encode_frame_like_sdk(frame::Command::Provision as i32, Some(&payload)), expected);
        let mut attachment = vec![0x04];
        attachment.extend(&expected);
        assert_eq!(attachment_like_sdk(frame::Command::Provision as i32, Some(&payload)), attachment);
    }

    #[test]
    fn client_unread_and_pulls_match_the_guide() {
        assert_eq!(encode_frame_like_sdk(frame::Command::Unread as i32, None), hex("08 00 10 00 18 00"));
        let pull = SyncUl { xid: Some(Xid { uid: 1002, device_sn: 0 }), ..Default::default() };
        // The SDK writes deviceSN 0 explicitly (`10 00`); prost omits it, so
        // the guide's bytes are checked by decoding, and ours by re-encoding.
        let guide = hex("08 00 10 00 18 01 22 07 0a 05 08 ea 07 10 00");
        let frame = Frame::decode(guide.as_slice()).expect("frame");
        assert_eq!(frame.command, frame::Command::Sync as i32);
        assert_eq!(SyncUl::decode(frame.payload.as_slice()).expect("pull"), pull);

        let history = SyncUl {
            xid: Some(Xid { uid: 1002, device_sn: 0 }),
            key: 0,
            is_full_sync: true,
            full_sync_num: 20,
            ..Default::default()
        };
        let guide = hex("08 00 10 00 18 01 22 0d 0a 05 08 ea 07 10 00 10 00 20 01 28 28");
        let frame = Frame::decode(guide.as_slice()).expect("frame");
        assert_eq!(SyncUl::decode(frame.payload.as_slice()).expect("history"), history);
        // sint32 zigzag: 20 is varint 0x28.
        assert!(history.encode_to_vec().ends_with(&[0x28, 0x28]));
    }

    #[test]
    fn server_frames_of_the_guide_decode() {
        let f = decode_attachment(&hex("04 18 03 22 0b 0a 02 08 01 12 05 08 e9 07 10 01")).expect("frame");
        assert_eq!(f.command, frame::Command::Provision as i32);
        let p = Provision::decode(f.payload.as_slice()).expect("provision");
        assert_eq!(p.status, ok());
        assert_eq!(p.xid, Some(Xid { uid: 1001, device_sn: 1 }));

        let f = decode_attachment(&hex("18 03 22 13 0a 11 08 07 12 0d 696e76616c696420746f6b656e"))
            .expect("frame");
        let p = Provision::decode(f.payload.as_slice()).expect("provision");
        let s = p.status.expect("status");
        assert_eq!((s.code, s.reason.as_str()), (status::ErrorCode::InvalidToken as i32, "invalid token"));

        let f = decode_attachment(&hex("22 0f 0a 02 08 01 12 09 0a 03 08 e9 07 10 01 18 01")).expect("frame");
        assert_eq!(f.command, frame::Command::Unread as i32);
        let u = UnreadDl::decode(f.payload.as_slice()).expect("unread");
        assert_eq!(
            u.unread,
            vec![ConversationUnread {
                xid: Some(Xid { uid: 1001, device_sn: 0 }),
                n: 1,
                r#type: proto::conversation_unread::ConvType::Chat as i32
            }]
        );

        let f = decode_attachment(&hex("18 02 22 05 0a 03 08 e9 07")).expect("frame");
        assert_eq!(f.command, frame::Command::Notice as i32);
        let n = proto::Notice::decode(f.payload.as_slice()).expect("notice");
        assert_eq!(n.xid.map(|x| x.uid), Some(1001));

        let f = decode_attachment(&hex("18 01 22 09 0a 02 08 01 22 03 08 e9 07")).expect("frame");
        let d = SyncDl::decode(f.payload.as_slice()).expect("syncdl");
        assert_eq!((d.status, d.next_key, d.xid.map(|x| x.uid)), (ok(), 0, Some(1001)));
    }

    #[test]
    fn a_delivered_text_of_the_guide_decodes() {
        let meta = Meta::decode(
            hex("08 81 80 f9 c0 c1 c4 82 03 12 05 08 e9 07 10 01 1a 03 08 ea 07 20 80 d0 95 ff bc 31
                 28 01 32 06 08 02 22 02 68 69")
            .as_slice(),
        )
        .expect("meta");
        assert_eq!(meta.id, 1_700_000_000_000_001);
        assert_eq!(meta.from, Some(Xid { uid: 1001, device_sn: 1 }));
        assert_eq!(meta.to.map(|x| x.uid), Some(1002));
        assert_eq!(meta.ns, proto::meta::NameSpace::Message as i32);
        let body = MessageBody::decode(meta.payload.as_slice()).expect("body");
        assert_eq!((body.r#type, body.content.as_str()), (proto::message_body::Type::Chat as i32, "hi"));
    }

    #[test]
    fn text_packets_parse() {
        assert_eq!(
            parse_text(r#"0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":5000}"#),
            Text::Open(Handshake { sid: "abc".into(), ping_interval_ms: 25000, ping_timeout_ms: 5000 })
        );
        assert_eq!(parse_text("40"), Text::Connect);
        assert_eq!(parse_text("3"), Text::Pong);
        assert_eq!(parse_text("41"), Text::Disconnect);
        assert_eq!(
            parse_text(FRAME_EVENT_HEADER),
            Text::BinaryEvent { name: "frame".into(), attachments: 1 }
        );
        assert!(matches!(parse_text("0not json"), Text::Other(_)));
        assert!(matches!(parse_text("451-nonsense"), Text::Other(_)));
    }
}
