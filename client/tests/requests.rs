//! What the typed clients put on the wire, and how they read answers,
//! against a one-shot local HTTP server with canned replies.

use client::generated::{maxim::models as mx, netease::models as ne, yhchat::models as yh};
use client::{ClientError, MaximClient, NeteaseClient, YhchatClient};
use prost::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A request as the server saw it.
#[derive(Debug)]
struct Seen {
    head: String,
    body: Vec<u8>,
}

impl Seen {
    fn line(&self) -> &str {
        self.head.lines().next().unwrap_or("")
    }
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

/// Serves one request with `content_type` and `body`; returns the base URL
/// and what was received.
async fn serve_once(content_type: &'static str, body: Vec<u8>) -> (String, oneshot::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let (head, body_start) = loop {
            let n = sock.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break (String::from_utf8_lossy(&buf[..i]).to_string(), i + 4);
            }
            assert!(n > 0, "connection closed before the headers ended");
        };
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())
            })
            .unwrap_or(0);
        while buf.len() < body_start + len {
            let n = sock.read(&mut chunk).await.unwrap();
            assert!(n > 0);
            buf.extend_from_slice(&chunk[..n]);
        }
        let req_body = buf[body_start..body_start + len].to_vec();
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        sock.write_all(resp.as_bytes()).await.unwrap();
        sock.write_all(&body).await.unwrap();
        sock.shutdown().await.ok();
        let _ = tx.send(Seen { head, body: req_body });
    });
    (format!("http://{addr}"), rx)
}

#[tokio::test]
async fn maxim_query_parameters_headers_and_payload() {
    let (url, seen) =
        serve_once("application/json", br#"{"code":200,"message":null,"data":true}"#.to_vec()).await;
    let c = MaximClient::new(url).with_app_id("app").with_token("tok").acting_as_group(7);
    assert!(c.roster_accept(&mx::RosterAcceptInput { user_id: 42 }).await.unwrap());
    let s = seen.await.unwrap();
    assert_eq!(s.line(), "POST /roster/accept?user_id=42 HTTP/1.1");
    assert_eq!(s.header("app_id").as_deref(), Some("app"));
    assert_eq!(s.header("access-token").as_deref(), Some("tok"));
    assert_eq!(s.header("group_id").as_deref(), Some("7"));
}

#[tokio::test]
async fn maxim_lists_and_errors() {
    let (url, seen) = serve_once(
        "application/json",
        br#"{"code":200,"message":null,"data":[1,2],"cursor":"c","version":3}"#.to_vec(),
    )
    .await;
    let c = MaximClient::new(url).with_app_id("app").acting_as_user(9);
    let page = c.roster_list_ids(&mx::RosterListIdsInput { cursor: None, limit: Some(10) }).await.unwrap();
    assert_eq!(page.data, vec![1, 2]);
    assert_eq!(page.cursor.as_deref(), Some("c"));
    let s = seen.await.unwrap();
    assert_eq!(s.line(), "GET /roster/list?limit=10 HTTP/1.1");
    assert_eq!(s.header("user_id").as_deref(), Some("9"));

    let (url, seen) =
        serve_once("application/json", br#"{"code":402,"message":"token expired","data":null}"#.to_vec())
            .await;
    let c = MaximClient::new(url);
    let input = mx::RosterApplyInput { user_id: 5, alias: Some(String::new()), ..Default::default() };
    match c.roster_apply(&input).await {
        Err(ClientError::Api { code, message }) => {
            assert_eq!((code, message.as_str()), (402, "token expired"))
        }
        other => panic!("{other:?}"),
    }
    let s = seen.await.unwrap();
    assert_eq!(s.line(), "POST /roster/apply HTTP/1.1");
    let body: serde_json::Value = serde_json::from_slice(&s.body).unwrap();
    assert_eq!(body, serde_json::json!({"alias": "", "user_id": 5}));
}

#[tokio::test]
async fn netease_forms_are_signed() {
    let (url, seen) = serve_once(
        "application/json",
        br#"{"code":200,"size":1,"friends":[{"faccid":"t2","bidirection":true}]}"#.to_vec(),
    )
    .await;
    let c = NeteaseClient::new(url).with_key_secret("key", "secret");
    let reply = c.friend_get(&ne::FriendGetInput { accid: "a b".into(), updatetime: 0 }).await.unwrap();
    assert_eq!(reply.size, Some(1));
    assert_eq!(reply.friends.unwrap()[0].faccid.as_deref(), Some("t2"));
    let s = seen.await.unwrap();
    assert_eq!(s.line(), "POST /nimserver/friend/get.action HTTP/1.1");
    assert_eq!(String::from_utf8(s.body.clone()).unwrap(), "accid=a+b&updatetime=0");
    assert_eq!(s.header("content-type").as_deref(), Some("application/x-www-form-urlencoded"));
    let (nonce, time) = (s.header("Nonce").unwrap(), s.header("CurTime").unwrap());
    assert_eq!(s.header("AppKey").as_deref(), Some("key"));
    assert_eq!(s.header("CheckSum").unwrap(), client::checksum::checksum("secret", &nonce, &time));

    let (url, _) = serve_once("application/json", br#"{"code":414,"desc":"bad"}"#.to_vec()).await;
    let e = NeteaseClient::new(url)
        .friend_delete(&ne::FriendDeleteInput {
            accid: "a".into(),
            faccid: "b".into(),
            is_delete_alias: Some(true),
        })
        .await;
    assert_eq!(e.unwrap_err().code(), Some(414));
}

#[tokio::test]
async fn yhchat_protobuf() {
    let reply = yh::FriendAddressBookListReply {
        status: Some(yh::ProtoStatus { number: 1, code: 1, msg: "success".into() }),
        data: vec![yh::FriendAddressBookListReplyDataItem { list_name: "用户".into(), data: vec![] }],
    };
    let (url, seen) = serve_once("application/x-protobuf", reply.encode_to_vec()).await;
    let c = YhchatClient::new(url).with_token("t");
    let got =
        c.friend_address_book_list(&yh::FriendAddressBookListMessage { number: "9".into() }).await.unwrap();
    assert_eq!(got, reply);
    let s = seen.await.unwrap();
    assert_eq!(s.header("token").as_deref(), Some("t"));
    assert_eq!(s.header("content-type").as_deref(), Some("application/x-protobuf"));
    assert_eq!(yh::FriendAddressBookListMessage::decode(s.body.as_slice()).unwrap().number, "9");

    let failed = yh::FriendRequestListReply {
        status: Some(yh::ProtoStatus { number: 0, code: -3, msg: "bad token".into() }),
        ..Default::default()
    };
    let (url, _) = serve_once("application/x-protobuf", failed.encode_to_vec()).await;
    match YhchatClient::new(url).friend_request_list().await {
        Err(ClientError::Api { code, message }) => assert_eq!((code, message.as_str()), (-3, "bad token")),
        other => panic!("{other:?}"),
    }
    let (url, _) = serve_once("application/json", br#"{"code":-3,"msg":"no token"}"#.to_vec()).await;
    assert_eq!(YhchatClient::new(url).friend_request_list().await.unwrap_err().code(), Some(-3));
}
