//! The runtime as the generated routers use it: real clients' request
//! shapes in, the dialect's envelope out, through `crate::generated`.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

/// Records what each call received.
#[derive(Default)]
struct Log(Mutex<Vec<String>>);

impl Log {
    fn push(&self, s: String) {
        self.0.lock().unwrap().push(s);
    }
    fn last(&self) -> String {
        self.0.lock().unwrap().last().cloned().unwrap_or_default()
    }
}

async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: impl Into<Body>,
) -> (StatusCode, String, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = app.clone().oneshot(req.body(body.into()).unwrap()).await.unwrap();
    let status = resp.status();
    let ct = resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap().to_vec();
    (status, ct, bytes)
}

async fn json_call(app: &Router, method: Method, uri: &str, headers: &[(&str, &str)], body: &str) -> Value {
    let (status, ct, bytes) = send(app, method, uri, headers, body.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{uri}");
    assert_eq!(ct, "application/json", "{uri}");
    serde_json::from_slice(&bytes).unwrap()
}

mod maxim {
    use super::*;
    use crate::generated::maxim::{
        self as a, ApiError, Request as Req, RosterApi, models as m, roster_router,
    };

    struct Roster(Log);

    impl Roster {
        fn note<T: std::fmt::Debug>(&self, op: &str, what: T) {
            self.0.push(format!("{op} {what:?}"));
        }
    }

    impl RosterApi for Roster {
        async fn roster_accept(
            &self,
            req: Req<a::GroupIdHeaders, m::RosterAcceptInput>,
        ) -> Result<bool, ApiError> {
            self.note("accept", (&req.credentials.access_token, req.headers.group_id, req.input.user_id));
            Ok(true)
        }
        async fn roster_apply(
            &self,
            req: Req<a::GroupIdUserIdHeaders, m::RosterApplyInput>,
        ) -> Result<bool, ApiError> {
            self.note("apply", (&req.input.user_id, &req.input.alias, &req.input.reason));
            Ok(true)
        }
        async fn roster_apply_batch(
            &self,
            req: Req<a::GroupIdUserIdHeaders, Vec<m::RosterApplyBatchBodyItem>>,
        ) -> Result<m::RosterApplyBatchData, ApiError> {
            Ok(m::RosterApplyBatchData {
                fails: None,
                success: Some(req.input.iter().map(|i| i.user_id).collect()),
            })
        }
        async fn roster_apply_list(
            &self,
            _: Req<a::GroupIdUserIdHeaders, m::RosterApplyListInput>,
        ) -> Result<m::Paged<Vec<m::RosterApplyListDataItem>>, ApiError> {
            Err(ApiError::internal("unused"))
        }
        async fn roster_block(
            &self,
            _: Req<a::GroupIdHeaders, m::RosterBlockInput>,
        ) -> Result<bool, ApiError> {
            Err(ApiError::new(10006, "blocked"))
        }
        async fn roster_blocked_list(
            &self,
            _: Req<a::GroupIdUserIdHeaders, ()>,
        ) -> Result<Vec<i64>, ApiError> {
            Ok(vec![])
        }
        async fn roster_decline(
            &self,
            _: Req<a::GroupIdUserIdHeaders, m::RosterDeclineInput>,
        ) -> Result<bool, ApiError> {
            Ok(true)
        }
        async fn roster_delete(
            &self,
            req: Req<a::GroupIdHeaders, m::RosterDeleteInput>,
        ) -> Result<bool, ApiError> {
            self.note("delete", req.input.user_id);
            Ok(true)
        }
        async fn roster_ext(
            &self,
            _: Req<a::GroupIdUserIdHeaders, m::RosterExtInput>,
        ) -> Result<bool, ApiError> {
            Ok(true)
        }
        async fn roster_id(
            &self,
            _: Req<a::GroupIdHeaders, m::RosterIdInput>,
        ) -> Result<m::RosterItem, ApiError> {
            Err(ApiError::not_found("no such user"))
        }
        async fn roster_list_ids(
            &self,
            req: Req<a::GroupIdUserIdHeaders, m::RosterListIdsInput>,
        ) -> Result<m::Paged<Vec<i64>>, ApiError> {
            self.note("list", (req.headers.user_id, &req.input.cursor, req.input.limit));
            Ok(m::Paged { data: vec![1, 2], cursor: None, version: Some(3) })
        }
        async fn roster_list_items(
            &self,
            _: Req<a::GroupIdUserIdHeaders, m::RosterListItemsInput>,
        ) -> Result<Vec<m::RosterItem>, ApiError> {
            Ok(vec![])
        }
        async fn roster_may_message(
            &self,
            _: Req<a::GroupIdHeaders, m::RosterMayMessageInput>,
        ) -> Result<bool, ApiError> {
            Ok(true)
        }
        async fn roster_mobile(
            &self,
            _: Req<a::GroupIdUserIdHeaders, m::RosterMobileInput>,
        ) -> Result<m::RosterItem, ApiError> {
            Err(ApiError::not_found("x"))
        }
        async fn roster_name(
            &self,
            _: Req<a::GroupIdUserIdHeaders, m::RosterNameInput>,
        ) -> Result<m::RosterItem, ApiError> {
            Err(ApiError::not_found("x"))
        }
        async fn roster_unblock(
            &self,
            _: Req<a::GroupIdHeaders, m::RosterUnblockInput>,
        ) -> Result<bool, ApiError> {
            Ok(true)
        }
    }

    fn app() -> (Router, Arc<Roster>) {
        let api = Arc::new(Roster(Log::default()));
        (roster_router(api.clone()), api)
    }

    const AUTH: &[(&str, &str)] = &[("app_id", "app"), ("access-token", "tok")];

    #[tokio::test]
    async fn query_parameters_with_an_empty_json_body() {
        let (app, api) = app();
        let v = json_call(&app, Method::POST, "/roster/accept?user_id=42", AUTH, "{}").await;
        assert_eq!(v, json!({"code": 200, "message": null, "data": true}));
        assert_eq!(api.0.last(), r#"accept (Some("tok"), None, 42)"#);
        // The documented PUT, and the body instead of the query.
        json_call(&app, Method::PUT, "/roster/accept", &[("group_id", "7")], r#"{"user_id":"43"}"#).await;
        assert_eq!(api.0.last(), "accept (None, Some(7), 43)");
        // DELETE-only operations also answer POST.
        let v = json_call(&app, Method::POST, "/roster/delete?user_id=5", AUTH, "").await;
        assert_eq!(v["code"], 200);
        assert_eq!(api.0.last(), "delete 5");
    }

    #[tokio::test]
    async fn empty_strings_and_trailing_question_marks() {
        let (app, api) = app();
        let v = json_call(&app, Method::GET, "/roster/list?", AUTH, "").await;
        assert_eq!(v, json!({"code": 200, "message": null, "data": [1, 2], "version": 3}));
        json_call(&app, Method::GET, "/roster/list?cursor=&limit=", &[("user_id", "9")], "").await;
        assert_eq!(api.0.last(), r#"list (Some(9), Some(""), None)"#);
        json_call(&app, Method::POST, "/roster/apply", AUTH, r#"{"user_id":1,"alias":"","reason":null}"#)
            .await;
        assert_eq!(api.0.last(), r#"apply (1, Some(""), None)"#);
    }

    #[tokio::test]
    async fn bad_input_is_an_envelope_naming_the_field() {
        let (app, _) = app();
        let v = json_call(&app, Method::POST, "/roster/accept", AUTH, "{}").await;
        assert_eq!(v["code"], 10002);
        assert!(v["message"].as_str().unwrap().contains("`user_id`"), "{v}");
        assert_eq!(v["data"], Value::Null);
        let v = json_call(&app, Method::POST, "/roster/accept?user_id=abc", AUTH, "{}").await;
        assert!(v["message"].as_str().unwrap().contains("`user_id`"), "{v}");
        let v = json_call(&app, Method::POST, "/roster/accept", AUTH, "{oops").await;
        assert_eq!(v["code"], 10002);
        let v = json_call(&app, Method::GET, "/roster/list", &[("user_id", "me")], "").await;
        assert_eq!(v["code"], 10002);
        assert!(v["message"].as_str().unwrap().contains("`user_id`"), "{v}");
        let v = json_call(&app, Method::POST, "/roster/apply/batch", AUTH, r#"{"user_id":1}"#).await;
        assert_eq!(v["code"], 10002);
    }

    #[tokio::test]
    async fn errors_and_array_bodies() {
        let (app, _) = app();
        let v = json_call(&app, Method::POST, "/roster/block?user_id=1", AUTH, "{}").await;
        assert_eq!(v, json!({"code": 10006, "message": "blocked", "data": null}));
        let v = json_call(
            &app,
            Method::POST,
            "/roster/apply/batch",
            AUTH,
            r#"[{"user_id":3},{"user_id":4,"alias":""}]"#,
        )
        .await;
        assert_eq!(v, json!({"code": 200, "message": null, "data": {"success": [3, 4]}}));
    }
}

mod yhchat {
    use super::*;
    use crate::generated::yhchat::{ApiError, FriendApi, Request as Req, models as m, router};
    use prost::Message;

    struct Friends(Log);

    impl FriendApi for Friends {
        async fn friend_apply(&self, req: Req<(), m::FriendApplyInput>) -> Result<(), ApiError> {
            self.0.push(format!(
                "{:?} {:?} {:?}",
                req.credentials.token, req.input.chat_id, req.input.chat_type
            ));
            if req.credentials.token.is_none() {
                return Err(ApiError::unauthorized("no token"));
            }
            Ok(())
        }
        async fn friend_delete_friend(&self, _: Req<(), m::FriendDeleteFriendInput>) -> Result<(), ApiError> {
            Ok(())
        }
        async fn friend_agree_apply(&self, _: Req<(), m::FriendAgreeApplyInput>) -> Result<(), ApiError> {
            Ok(())
        }
        async fn friend_address_book_list(
            &self,
            req: Req<(), m::FriendAddressBookListMessage>,
        ) -> Result<m::FriendAddressBookListReply, ApiError> {
            self.0.push(req.input.number.clone());
            Ok(m::FriendAddressBookListReply {
                status: None,
                data: vec![m::FriendAddressBookListReplyDataItem {
                    list_name: "用户".into(), data: vec![]
                }],
            })
        }
        async fn friend_request_list(&self, _: Req<(), ()>) -> Result<m::FriendRequestListReply, ApiError> {
            Err(ApiError::unauthorized("bad token"))
        }
        async fn friend_no_notify(&self, _: Req<(), m::FriendNoNotifyInput>) -> Result<(), ApiError> {
            Ok(())
        }
    }

    fn app() -> (Router, Arc<Friends>) {
        let api = Arc::new(Friends(Log::default()));
        (router(api.clone()), api)
    }

    #[tokio::test]
    async fn json_envelope() {
        let (app, api) = app();
        let v = json_call(
            &app,
            Method::POST,
            "/v1/friend/apply?chatId=5",
            &[("token", "t")],
            r#"{"chatType":"1"}"#,
        )
        .await;
        assert_eq!(v, json!({"code": 1, "msg": "success"}));
        assert_eq!(api.0.last(), r#"Some("t") Some("5") Some(1)"#);
        let v = json_call(&app, Method::POST, "/v1/friend/apply", &[], "{}").await;
        assert_eq!(v, json!({"code": -3, "msg": "no token"}));
        let v = json_call(&app, Method::POST, "/v1/friend/apply", &[], r#"{"chatType":"group"}"#).await;
        assert_eq!(v["code"], -2);
        assert!(v["msg"].as_str().unwrap().contains("`chatType`"));
    }

    #[tokio::test]
    async fn protobuf_replies_carry_the_status() {
        let (app, api) = app();
        let body = m::FriendAddressBookListMessage { number: "123".into() }.encode_to_vec();
        let (status, ct, bytes) =
            send(&app, Method::POST, "/v1/friend/address-book-list", &[("token", "t")], body).await;
        assert_eq!((status, ct.as_str()), (StatusCode::OK, "application/x-protobuf"));
        let reply = m::FriendAddressBookListReply::decode(bytes.as_slice()).unwrap();
        assert_eq!(api.0.last(), "123");
        let st = reply.status.unwrap();
        assert_eq!((st.code, st.msg.as_str()), (1, "success"));
        assert_eq!(reply.data[0].list_name, "用户");

        // A body that is not protobuf: the reply message with only its status.
        let (_, ct, bytes) =
            send(&app, Method::POST, "/v1/friend/address-book-list", &[], vec![0x12, 0x09, b'x']).await;
        assert_eq!(ct, "application/x-protobuf");
        let reply = m::FriendAddressBookListReply::decode(bytes.as_slice()).unwrap();
        assert_eq!(reply.status.unwrap().code, -2);
        assert!(reply.data.is_empty());

        let (_, _, bytes) = send(&app, Method::POST, "/v1/friend/request-list", &[], Body::empty()).await;
        let reply = m::FriendRequestListReply::decode(bytes.as_slice()).unwrap();
        assert_eq!(reply.status.unwrap().code, -3);
    }

    #[tokio::test]
    async fn wrong_methods_are_answered_in_the_envelope() {
        let (app, _) = app();
        let (status, ct, bytes) = send(&app, Method::GET, "/v1/friend/apply", &[], Body::empty()).await;
        assert_eq!(ct, "application/json");
        assert!(status.as_u16() < 500);
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["code"], -2);
    }
}

mod netease {
    use super::*;
    use crate::generated::netease::{ApiError, FriendApi, Request as Req, models as m, router};

    struct Friends(Log);

    impl FriendApi for Friends {
        async fn friend_add(&self, req: Req<(), m::FriendAddInput>) -> Result<(), ApiError> {
            self.0.push(format!(
                "{:?} {} {} {} {:?}",
                req.credentials.check_sum, req.input.accid, req.input.faccid, req.input.r#type, req.input.msg
            ));
            Ok(())
        }
        async fn friend_update(&self, _: Req<(), m::FriendUpdateInput>) -> Result<(), ApiError> {
            Ok(())
        }
        async fn friend_delete(&self, req: Req<(), m::FriendDeleteInput>) -> Result<(), ApiError> {
            self.0.push(format!("{:?}", req.input.is_delete_alias));
            Ok(())
        }
        async fn friend_get(&self, _: Req<(), m::FriendGetInput>) -> Result<m::FriendGetReply, ApiError> {
            Ok(m::FriendGetReply {
                size: Some(1),
                friends: Some(vec![m::Friend {
                    faccid: Some("t2".into()),
                    createtime: Some(1),
                    updatetime: None,
                    bidirection: Some(true),
                    alias: None,
                    ex: None,
                    serverex: None,
                }]),
            })
        }
        async fn friend_get_by_accid(
            &self,
            _: Req<(), m::FriendGetByAccidInput>,
        ) -> Result<m::FriendGetByAccidReply, ApiError> {
            Err(ApiError::not_found("not friends"))
        }
    }

    fn app() -> (Router, Arc<Friends>) {
        let api = Arc::new(Friends(Log::default()));
        (router(api.clone()), api)
    }

    const FORM: &[(&str, &str)] =
        &[("content-type", "application/x-www-form-urlencoded"), ("CheckSum", "abc")];

    #[tokio::test]
    async fn forms() {
        let (app, api) = app();
        let v = json_call(
            &app,
            Method::POST,
            "/nimserver/friend/add.action",
            FORM,
            "accid=zhangsan&faccid=lisi&type=1&msg=%E6%88%91",
        )
        .await;
        assert_eq!(v, json!({"code": 200}));
        assert_eq!(api.0.last(), r#"Some("abc") zhangsan lisi 1 Some("我")"#);
        let v =
            json_call(&app, Method::POST, "/nimserver/friend/add.action", FORM, "accid=zhangsan&faccid=lisi")
                .await;
        assert_eq!(v["code"], 414);
        assert!(v["desc"].as_str().unwrap().contains("`type`"), "{v}");
        let long = format!("accid={}&faccid=b&type=1", "a".repeat(33));
        let v = json_call(&app, Method::POST, "/nimserver/friend/add.action", FORM, &long).await;
        assert_eq!(v["code"], 405);
        assert!(v["desc"].as_str().unwrap().contains("`accid`"), "{v}");
        // No content type: still a form.
        json_call(
            &app,
            Method::POST,
            "/nimserver/friend/delete.action",
            &[],
            "accid=a&faccid=b&isDeleteAlias=true",
        )
        .await;
        assert_eq!(api.0.last(), "Some(true)");
    }

    #[tokio::test]
    async fn replies_next_to_the_code() {
        let (app, _) = app();
        let v =
            json_call(&app, Method::POST, "/nimserver/friend/get.action", FORM, "accid=a&updatetime=0").await;
        assert_eq!(
            v,
            json!({"code": 200, "size": 1, "friends": [{"faccid": "t2", "createtime": 1, "bidirection": true}]})
        );
        let v =
            json_call(&app, Method::POST, "/nimserver/friend/getByAccid.action", FORM, "accid=a&faccid=b")
                .await;
        assert_eq!(v, json!({"code": 404, "desc": "not friends"}));
    }
}
