//! MaxIM `/group/*` and the web SDK's `/app/qrcode/*` (`docs/groups.md`) over HTTP:
//! a group's whole life as its users live it, who may do what, every code the
//! group section answers (the app's group limits in a test of their own), and the request shapes of the real JavaScript SDK.
//! Users are set up through the core; every behaviour under test goes through
//! the generated client (or raw HTTP where the exact shape matters).

use std::time::Duration;

use client::ClientError;
use client::generated::maxim::models as m;
use serde_json::{Value, json};
use server::core::apps::AppSettingsPatch;
use server::core::settings::SettingsPatch;
use server::core::users::NewUser;
use server::core::{Actor, AppId};
use tests::{TestApp, input, on_both_backends};

const MINUTE_MS: i64 = 60_000;
const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);

struct Who {
    id: i64,
    name: String,
    token: String,
    api: client::MaximClient,
}

/// A registered, logged-in user; `group_confirm` on means invitations wait
/// for the user's answer.
async fn user(app: &TestApp, name: &str, group_confirm: bool) -> Who {
    let app_id = AppId::parse(&app.app_id).expect("app id");
    let registered =
        app.core.users().register(&app_id, NewUser::new(name, "password1")).await.expect("register");
    let patch = SettingsPatch { group_confirm: Some(group_confirm), ..Default::default() };
    app.core.settings().update(&Actor::new(app_id.clone(), registered.id), patch).await.expect("settings");
    let token =
        app.core.tokens().login_by_username(&app_id, name, "password1", None).await.expect("login").token;
    Who { id: registered.id.0, name: name.to_string(), api: app.maxim_as(&token), token }
}

/// Tokens live 7 days, as applications do: after moving the clock that far, log in again.
async fn log_in_again(app: &TestApp, who: &mut Who) {
    let app_id = AppId::parse(&app.app_id).expect("app id");
    who.token = app
        .core
        .tokens()
        .login_by_username(&app_id, &who.name, "password1", None)
        .await
        .expect("login")
        .token;
    who.api = app.maxim_as(&who.token);
}

async fn set_capacity(app: &TestApp, capacity: i64) {
    let app_id = AppId::parse(&app.app_id).expect("app id");
    let patch = AppSettingsPatch { group_capacity: Some(capacity), ..Default::default() };
    app.core.apps().update_settings(&app_id, patch).await.expect("capacity");
}

use tests::failure as err;

fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> i32 {
    err(r).0
}

/// A file uploaded as `who` through a group shared file slot of `g`: its
/// download link, what `/group/file/upload` registers (docs/files.md).
async fn shared_link(app: &TestApp, who: &Who, g: i64) -> String {
    let slot = who
        .api
        .file_upload_chat(&input!({"file_type": 200, "to_type": 2, "to_id": g}))
        .await
        .expect("shared file slot");
    let put =
        app.http.put(slot.upload_url.expect("upload_url")).body(vec![1u8; 16]).send().await.expect("upload");
    assert_eq!(put.status().as_u16(), 200);
    slot.download_url.expect("download_url")
}

/// Creates a group owned by `owner` with `members` invited: its id.
async fn create(owner: &Who, members: &[i64]) -> i64 {
    let created = owner
        .api
        .group_create(&input!({"name": "team", "description": "a group", "user_list": members}))
        .await
        .expect("create");
    created.group_id.expect("group id")
}

async fn info(who: &Who, g: i64) -> m::GroupInfo {
    who.api.group_info(&m::GroupInfoInput { group_id: Some(g) }).await.expect("info")
}

async fn info_code(who: &Who, g: i64) -> i32 {
    code(who.api.group_info(&m::GroupInfoInput { group_id: Some(g) }).await)
}

/// Every member's id (no limit: the whole list), checked against the info's count.
async fn members(who: &Who, g: i64) -> Vec<i64> {
    let list = who
        .api
        .group_member_list(&m::GroupMemberListInput {
            group_id: Some(g),
            cursor: None,
            limit: None,
            version: None,
        })
        .await
        .expect("member list");
    assert!(list.cursor.is_none(), "no cursor without a limit");
    let ids: Vec<i64> = list.data.iter().filter_map(|x| x.user_id).collect();
    assert_eq!(info(who, g).await.count, Some(ids.len() as i32), "count agrees with the member list");
    ids
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids
}

/// One batch entry: succeeded, or failed with `code` (in its reason).
#[track_caller]
fn entry_ok(e: &m::GroupBatchResult) {
    assert_eq!(e.result.as_deref(), Some("success"), "{e:?}");
}

#[track_caller]
fn entry_failed(e: &m::GroupBatchResult, code: i32) {
    assert_eq!(e.result.as_deref(), Some("failed"), "{e:?}");
    let reason = e.reason.as_deref().unwrap_or_default();
    assert!(reason.contains(&format!("code {code}")), "expected code {code}: {e:?}");
}

fn users(g: i64, list: &[i64]) -> Value {
    json!({"group_id": g, "user_list": list})
}

async fn applications(admin: &Who, g: i64) -> Vec<m::GroupApplication> {
    admin.api.group_application_list(&input!({"group_list": [g]})).await.expect("application list").data
}

async fn invitations(who: &Who) -> Vec<m::GroupInvitation> {
    who.api
        .group_invitation_list(&m::GroupInvitationListInput { cursor: None, limit: None, version: None })
        .await
        .expect("invitation list")
        .data
}

async fn raw(app: &TestApp, token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut rb = app.http.request(method, app.url(path)).header("app_id", &app.app_id);
    if !token.is_empty() {
        rb = rb.header("access-token", token);
    }
    if let Some(body) = body {
        rb = rb.json(&body);
    }
    let response = rb.send().await.expect("send");
    assert_eq!(response.status(), 200, "business answers are HTTP 200: {path}");
    response.json().await.expect("JSON envelope")
}

#[track_caller]
fn ok(envelope: &Value) -> &Value {
    assert_eq!(envelope["code"], 200, "{envelope}");
    assert!(envelope["message"].is_null(), "message null on success: {envelope}");
    &envelope["data"]
}

on_both_backends!(a_group_from_creation_to_destruction, |app| {
    let owner = user(&app, "owner", false).await;
    let ann = user(&app, "ann", false).await;
    let bea = user(&app, "bea", true).await;
    let cal = user(&app, "cal", false).await;
    let dan = user(&app, "dan", false).await;
    let eve = user(&app, "eve", true).await;

    // Created with two listed users: ann joins at once, bea (group_confirm) is asked.
    let created = owner
        .api
        .group_create(&input!({"name": "hikers", "description": "weekend walks", "avatar": "a.png",
            "user_list": [ann.id, bea.id]}))
        .await
        .unwrap();
    let g = created.group_id.unwrap();
    assert_eq!(created.name.as_deref(), Some("hikers"));
    assert_eq!(created.description.as_deref(), Some("weekend walks"));
    assert_eq!((created.owner_id, created.owner), (Some(owner.id), Some(owner.id)));
    assert_eq!((created.r#type, created.status, created.apply_approval), (Some(0), Some(0), Some(1)));
    assert_eq!((created.member_invite, created.member_modify), (Some(true), Some(false)));
    assert_eq!((created.read_ack, created.history_visible), (Some(false), Some(false)));
    assert_eq!((created.count, created.capacity, created.ban_expire_time), (Some(2), Some(2000), Some(0)));
    assert_eq!((created.msg_mute_mode, created.msg_push_mode), (Some(0), Some(0)));
    assert_eq!(sorted(members(&owner, g).await), sorted(vec![owner.id, ann.id]));
    assert_eq!(ann.api.group_user_joined().await.unwrap(), vec![g]);

    // bea's invitation waits for her; she accepts it naming the inviter.
    let waiting = invitations(&bea).await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        (waiting[0].group_id, waiting[0].inviter_id, waiting[0].invitee_id),
        (Some(g), Some(owner.id), Some(bea.id))
    );
    assert_eq!(waiting[0].status, Some(0));
    assert_eq!(waiting[0].expired_time, Some(app.core.now_ms() + WEEK.as_millis() as i64));
    assert_eq!(info_code(&bea, g).await, 20002, "not a member before accepting");
    assert!(
        bea.api
            .group_invite_handle(&input!({"group_id": g, "user_id": owner.id, "approval": true}))
            .await
            .unwrap()
    );
    assert_eq!(invitations(&bea).await[0].status, Some(1));
    assert!(members(&owner, g).await.contains(&bea.id));

    // cal applies (apply_approval 1): pending until an admin approves.
    let applied = cal.api.group_apply(&input!({"group_id": g, "reason": "I walk too"})).await.unwrap();
    assert_eq!((applied.user_id, applied.result.as_deref()), (Some(cal.id), Some("success")));
    assert_eq!(applied.reason.as_deref(), Some("pending"));
    assert_eq!(info_code(&cal, g).await, 20002);
    let pending = applications(&owner, g).await;
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].applicant_id, pending[0].status), (Some(cal.id), Some(0)));
    assert_eq!(pending[0].reason.as_deref(), Some("I walk too"));
    let handled = owner
        .api
        .group_apply_handle(&input!({"group_id": g, "user_id": cal.id, "approval": true}))
        .await
        .unwrap();
    assert_eq!((handled.user_id, handled.result.as_deref()), (Some(cal.id), Some("success")));
    assert_eq!(applications(&owner, g).await[0].status, Some(1));
    assert_eq!(info(&cal, g).await.group_id, Some(g));

    // A member invites (member_invite): dan joins at once, eve is asked and declines.
    let out = ann
        .api
        .group_invite(&input!({"group_id": g, "user_list": [dan.id, eve.id], "reason": "join"}))
        .await
        .unwrap();
    assert_eq!(out.len(), 2);
    entry_ok(&out[0]);
    entry_ok(&out[1]);
    assert!(members(&owner, g).await.contains(&dan.id));
    assert!(!members(&owner, g).await.contains(&eve.id));
    assert_eq!(invitations(&eve).await[0].reason.as_deref(), Some("join"));
    assert!(
        eve.api
            .group_invite_handle(&input!({"group_id": g, "user_id": ann.id, "approval": false}))
            .await
            .unwrap()
    );
    assert_eq!(invitations(&eve).await[0].status, Some(2));
    assert_eq!(info_code(&eve, g).await, 20002);

    // ann becomes an admin.
    let out = owner.api.group_admin_add(&input!(users(g, &[ann.id]))).await.unwrap();
    entry_ok(&out[0]);
    let admins = owner.api.group_admin_list(&input!({"group_id": g})).await.unwrap();
    assert_eq!(admins.iter().map(|a| a.user_id).collect::<Vec<_>>(), vec![Some(ann.id)]);

    // Bans: cal for 10 minutes, ended by the clock.
    let out =
        ann.api.group_ban(&input!({"group_id": g, "user_list": [cal.id], "duration": 10})).await.unwrap();
    entry_ok(&out[0]);
    let banned = dan.api.group_banned_list(&input!({"group_id": g})).await.unwrap();
    assert_eq!(banned.data.len(), 1);
    assert_eq!(banned.data[0].user_id, Some(cal.id));
    assert_eq!(banned.data[0].expired_time, Some(app.core.now_ms() + 10 * MINUTE_MS));
    app.clock.advance(Duration::from_secs(9 * 60));
    assert_eq!(dan.api.group_banned_list(&input!({"group_id": g})).await.unwrap().data.len(), 1);
    app.clock.advance(Duration::from_secs(61));
    assert!(dan.api.group_banned_list(&input!({"group_id": g})).await.unwrap().data.is_empty(), "expired");
    // A ban lifted by hand.
    ann.api.group_ban(&input!({"group_id": g, "user_list": [dan.id], "duration": -1})).await.unwrap();
    assert_eq!(
        dan.api.group_banned_list(&input!({"group_id": g})).await.unwrap().data[0].expired_time,
        Some(-1)
    );
    entry_ok(&ann.api.group_unban(&input!(users(g, &[dan.id]))).await.unwrap()[0]);
    assert!(dan.api.group_banned_list(&input!({"group_id": g})).await.unwrap().data.is_empty());

    // The whole group muted, then not.
    let until = ann.api.group_settings_ban_all(&input!({"group_id": g, "duration": 30})).await.unwrap();
    assert_eq!(until.ban_expire_time, Some(app.core.now_ms() + 30 * MINUTE_MS));
    assert_eq!(info(&dan, g).await.ban_expire_time, until.ban_expire_time);
    let forever = ann.api.group_settings_ban_all(&input!({"group_id": g, "duration": -1})).await.unwrap();
    assert_eq!(forever.ban_expire_time, Some(-1));
    assert!(ann.api.group_settings_unban_all(&input!({"group_id": g})).await.unwrap());
    assert_eq!(info(&dan, g).await.ban_expire_time, Some(0));

    // Announcements: the newest is the current one.
    let first = ann
        .api
        .group_announcement_edit(&input!({"group_id": g, "title": "Sat", "content": "meet at 9"}))
        .await
        .unwrap();
    app.clock.advance(Duration::from_secs(1));
    let second = owner
        .api
        .group_announcement_edit(&input!({"group_id": g, "title": "Sun", "content": "rain"}))
        .await
        .unwrap();
    assert_eq!((first.author, first.group_id, first.title.as_deref()), (Some(ann.id), Some(g), Some("Sat")));
    let got =
        dan.api.group_announcement(&input!({"group_id": g, "announcement_id": first.id})).await.unwrap();
    assert_eq!(got, first);
    assert_eq!(dan.api.group_announcement_last(&input!({"group_id": g})).await.unwrap(), second);
    let all = dan.api.group_announcement_list(&input!({"group_id": g})).await.unwrap();
    assert_eq!(all, vec![second.clone(), first.clone()], "newest first");
    assert!(
        ann.api
            .group_announcement_delete(&input!({"group_id": g, "announcement_id": first.id}))
            .await
            .unwrap()
    );
    assert_eq!(
        code(dan.api.group_announcement(&input!({"group_id": g, "announcement_id": first.id})).await),
        20020
    );
    assert_eq!(dan.api.group_announcement_list(&input!({"group_id": g})).await.unwrap(), vec![second]);

    // Shared file records.
    let url = shared_link(&app, &cal, g).await;
    let file = cal
        .api
        .group_file_upload(&input!({"group_id": g, "name": "map.pdf", "size": 2048, "type": "pdf",
            "url": url}))
        .await
        .unwrap();
    let f = file.file_id.unwrap();
    assert_eq!((file.uploader, file.size, file.r#type.as_deref()), (Some(cal.id), Some(2048), Some("pdf")));
    assert_eq!(dan.api.group_file(&input!({"group_id": g, "file_id": f})).await.unwrap(), file);
    assert!(
        cal.api
            .group_file_update_name(&input!({"group_id": g, "file_id": f, "name": "route.pdf"}))
            .await
            .unwrap()
    );
    let listed = dan.api.group_file_list(&input!({"group_id": g})).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name.as_deref(), Some("route.pdf"));
    assert_eq!(
        code(dan.api.group_file_update_name(&input!({"group_id": g, "file_id": f, "name": "x"})).await),
        20023
    );
    let out = ann.api.group_file_delete(&input!({"group_id": g, "file_list": [f]})).await.unwrap();
    assert_eq!((out[0].file_id, out[0].result.as_deref()), (Some(f), Some("success")));
    assert_eq!(code(dan.api.group_file(&input!({"group_id": g, "file_id": f})).await), 20022);

    // Display names and one's own modes.
    assert!(cal.api.group_display_name(&input!({"group_id": g, "value": "Cal the guide"})).await.unwrap());
    let names = dan.api.group_members_display_name(&input!(users(g, &[cal.id, dan.id]))).await.unwrap();
    assert_eq!(names.len(), 2);
    assert_eq!(names[0].user_id, Some(cal.id));
    assert_eq!(names[0].display_name.as_deref(), Some("Cal the guide"));
    assert!(dan.api.group_msg_mute_mode(&input!({"group_id": g, "msg_mute_mode": 1})).await.unwrap());
    assert!(dan.api.group_msg_push_mode(&input!({"group_id": g, "msg_push_mode": 3})).await.unwrap());
    let mine = dan.api.group_settings(&input!({"group_id": g})).await.unwrap();
    assert_eq!((mine.msg_mute_mode, mine.msg_push_mode), (Some(1), Some(3)));
    assert_eq!(info(&cal, g).await.msg_push_mode, Some(0), "modes are each member's own");

    // The owner cannot leave; after a transfer the old owner may.
    assert_eq!(code(owner.api.group_leave(&input!({"group_id": g})).await), 20004);
    let moved = owner.api.group_transfer(&input!({"group_id": g, "new_owner": ann.id})).await.unwrap();
    assert_eq!((moved.user_id, moved.result.as_deref()), (Some(ann.id), Some("success")));
    assert_eq!(info(&dan, g).await.owner_id, Some(ann.id));
    assert!(owner.api.group_leave(&input!({"group_id": g})).await.unwrap());
    assert_eq!(info_code(&owner, g).await, 20002);
    assert!(owner.api.group_user_joined().await.unwrap().is_empty());

    // Kick: dan is out (and may apply again).
    entry_ok(&ann.api.group_kick(&input!(users(g, &[dan.id]))).await.unwrap()[0]);
    assert!(!members(&ann, g).await.contains(&dan.id));
    assert_eq!(info_code(&dan, g).await, 20002);

    // Block: cal leaves the block-listed group and cannot apply; eve (not a member) neither.
    let out = ann.api.group_block(&input!(users(g, &[cal.id, eve.id]))).await.unwrap();
    entry_ok(&out[0]);
    entry_ok(&out[1]);
    assert!(!members(&ann, g).await.contains(&cal.id));
    let blocked = ann.api.group_blocked_list(&input!({"group_id": g})).await.unwrap();
    assert_eq!(sorted(blocked.data.iter().filter_map(|b| b.user_id).collect()), sorted(vec![cal.id, eve.id]));
    assert_eq!(code(cal.api.group_apply(&input!({"group_id": g, "reason": ""})).await), 20018);
    entry_ok(&ann.api.group_unblock(&input!(users(g, &[eve.id]))).await.unwrap()[0]);
    assert_eq!(ann.api.group_blocked_list(&input!({"group_id": g})).await.unwrap().data.len(), 1);

    // QR codes: signed by a member, presented three ways.
    let qr = bea.api.group_qrcode_sign(&input!({"group_id": g})).await.unwrap();
    let token = qr.qr_info.clone().unwrap();
    assert_eq!(qr.create_at, Some(app.core.now_ms()));
    assert_eq!(qr.expire_at, Some(app.core.now_ms() + WEEK.as_millis() as i64));
    assert!(dan.api.group_qrcode_invite(&input!({"qr_info": token})).await.unwrap());
    assert!(members(&ann, g).await.contains(&dan.id));
    // eve has group_confirm on; presenting the code is her consent.
    let path = format!("/app/qrcode/group_invite?qr_info={}", urlencode(&token));
    ok(&raw(&app, &eve.token, reqwest::Method::GET, &path, None).await);
    assert!(members(&ann, g).await.contains(&eve.id));
    let web_sign =
        raw(&app, &bea.token, reqwest::Method::GET, &format!("/app/qrcode/group_sign?group_id={g}"), None)
            .await;
    let web_token = ok(&web_sign)["qr_info"].as_str().expect("qr_info").to_string();
    let fay = user(&app, "fay", true).await;
    ok(&raw(
        &app,
        &fay.token,
        reqwest::Method::POST,
        "/app/qrcode/group_invite",
        Some(json!({"qr_info": web_token})),
    )
    .await);
    assert!(members(&ann, g).await.contains(&fay.id));

    // Destroyed: 20001 to everything but info, which former members still read.
    assert!(ann.api.group_destroy(&input!({"group_id": g})).await.unwrap());
    let gone = info(&bea, g).await;
    assert_eq!(gone.status, Some(1));
    assert_eq!(info_code(&cal, g).await, 20001, "not a member when it was destroyed");
    let list = bea
        .api
        .group_member_list(&m::GroupMemberListInput {
            group_id: Some(g),
            cursor: None,
            limit: None,
            version: None,
        })
        .await;
    assert_eq!(code(list), 20001);
    assert_eq!(code(cal.api.group_apply(&input!({"group_id": g, "reason": ""})).await), 20001);
    assert_eq!(code(ann.api.group_destroy(&input!({"group_id": g})).await), 20001);
    assert_eq!(code(bea.api.group_leave(&input!({"group_id": g})).await), 20001);
    assert!(bea.api.group_user_joined().await.unwrap().is_empty());
});

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

on_both_backends!(who_may_do_what, |app| {
    let owner = user(&app, "owner", false).await;
    let admin = user(&app, "admin", false).await;
    let member = user(&app, "member", false).await;
    let other = user(&app, "member2", false).await;
    let outsider = user(&app, "outsider", false).await;
    let g = create(&owner, &[admin.id, member.id, other.id]).await;
    entry_ok(&owner.api.group_admin_add(&input!(users(g, &[admin.id]))).await.unwrap()[0]);
    let root = app.maxim_admin();
    let as_member = root.acting_as_user(member.id);
    let as_group = root.acting_as_group(g);

    // Editing the info: admins (members only while member_modify).
    let rename = |name: &str| -> m::GroupInfoNameInput { input!({"group_id": g, "value": name}) };
    assert!(owner.api.group_info_name(&rename("by owner")).await.unwrap());
    assert!(admin.api.group_info_name(&rename("by admin")).await.unwrap());
    assert_eq!(code(member.api.group_info_name(&rename("by member")).await), 20012);
    assert_eq!(code(outsider.api.group_info_name(&rename("by outsider")).await), 20002);
    assert_eq!(code(as_member.group_info_name(&rename("as member")).await), 20012);
    assert!(as_group.group_info_name(&rename("as group admin")).await.unwrap());
    assert_eq!(info(&member, g).await.name.as_deref(), Some("as group admin"));
    // A user token's group_id header is no admin's: the member stays a member.
    assert_eq!(code(member.api.acting_as_group(g).group_info_name(&rename("x")).await), 20012);
    assert!(
        admin.api.group_settings_allow_member_modify(&input!({"group_id": g, "value": true})).await.unwrap()
    );
    assert!(member.api.group_info_name(&rename("by member")).await.unwrap());

    // A user token never acts as anybody else; an admin token must say who it acts as.
    assert_eq!(
        code(member.api.acting_as_user(owner.id).group_destroy(&input!({"group_id": g})).await),
        10010
    );
    assert_eq!(code(root.group_info(&input!({"group_id": g})).await), 10002);

    // Settings: admins.
    let approval = |v: i32| -> m::GroupSettingsRequireAdminApprovalInput {
        input!({"group_id": g, "apply_approval": v})
    };
    assert!(admin.api.group_settings_require_admin_approval(&approval(1)).await.unwrap());
    assert_eq!(code(member.api.group_settings_require_admin_approval(&approval(0)).await), 20012);
    assert_eq!(code(outsider.api.group_settings_require_admin_approval(&approval(0)).await), 20002);
    assert!(as_group.group_settings_require_admin_approval(&approval(1)).await.unwrap());
    for (who, expected) in [(&member, 20012), (&outsider, 20002)] {
        assert_eq!(
            code(who.api.group_settings_ban_all(&input!({"group_id": g, "duration": 5})).await),
            expected
        );
        assert_eq!(
            code(
                who.api.group_announcement_edit(&input!({"group_id": g, "title": "t", "content": "c"})).await
            ),
            expected
        );
        assert_eq!(code(who.api.group_blocked_list(&input!({"group_id": g})).await), expected);
        assert_eq!(code(who.api.group_application_list(&input!({"group_list": [g]})).await), expected);
        assert_eq!(code(who.api.group_kick(&input!(users(g, &[other.id]))).await), expected);
        assert_eq!(
            code(who.api.group_ban(&input!({"group_id": g, "user_list": [other.id], "duration": 5})).await),
            expected
        );
        assert_eq!(code(who.api.group_block(&input!(users(g, &[other.id]))).await), expected);
    }
    // Reading: members; the info of a private group too.
    assert_eq!(member.api.group_admin_list(&input!({"group_id": g})).await.unwrap().len(), 1);
    assert_eq!(code(outsider.api.group_admin_list(&input!({"group_id": g})).await), 20002);
    assert_eq!(code(outsider.api.group_settings(&input!({"group_id": g})).await), 20002);
    assert_eq!(code(outsider.api.group_banned_list(&input!({"group_id": g})).await), 20002);
    assert_eq!(code(outsider.api.group_file_list(&input!({"group_id": g})).await), 20002);
    assert_eq!(info_code(&outsider, g).await, 20002);
    assert_eq!(code(root.acting_as_user(outsider.id).group_info(&input!({"group_id": g})).await), 20002);

    // Moderation: admins on members; the owner on admins; nobody on the owner.
    let out = admin
        .api
        .group_ban(&input!({"group_id": g, "user_list": [member.id, owner.id, admin.id], "duration": 5}))
        .await
        .unwrap();
    entry_ok(&out[0]);
    entry_failed(&out[1], 20013);
    entry_failed(&out[2], 10002);
    let out = as_member.group_unban(&input!(users(g, &[member.id]))).await;
    assert_eq!(code(out), 20012);
    entry_ok(&as_group.group_unban(&input!(users(g, &[member.id]))).await.unwrap()[0]);
    let out = owner.api.group_kick(&input!(users(g, &[outsider.id]))).await.unwrap();
    entry_failed(&out[0], 20002);

    // Owner-only: admins, transfer, destroy.
    for who in [&admin, &member] {
        assert_eq!(code(who.api.group_admin_add(&input!(users(g, &[other.id]))).await), 20013);
        assert_eq!(code(who.api.group_admin_remove(&input!(users(g, &[admin.id]))).await), 20013);
        assert_eq!(
            code(who.api.group_transfer(&input!({"group_id": g, "new_owner": other.id})).await),
            20013
        );
        assert_eq!(code(who.api.group_destroy(&input!({"group_id": g})).await), 20013);
    }
    assert_eq!(code(outsider.api.group_destroy(&input!({"group_id": g})).await), 20002);
    assert_eq!(code(outsider.api.group_admin_add(&input!(users(g, &[other.id]))).await), 20002);
    entry_ok(&as_group.group_admin_add(&input!(users(g, &[other.id]))).await.unwrap()[0]);
    let out = owner.api.group_admin_remove(&input!(users(g, &[other.id, outsider.id]))).await.unwrap();
    entry_ok(&out[0]);
    entry_failed(&out[1], 20002);
    // The owner kicks an admin; an admin cannot kick another admin.
    entry_ok(&owner.api.group_admin_add(&input!(users(g, &[other.id]))).await.unwrap()[0]);
    entry_failed(&admin.api.group_kick(&input!(users(g, &[other.id]))).await.unwrap()[0], 20013);
    entry_ok(&owner.api.group_kick(&input!(users(g, &[other.id]))).await.unwrap()[0]);

    // Inviting: members while member_invite, else admins only.
    entry_ok(&member.api.group_invite(&input!(users(g, &[other.id]))).await.unwrap()[0]);
    assert_eq!(
        code(
            member.api.group_settings_allow_member_invitation(&input!({"group_id": g, "value": false})).await
        ),
        20012
    );
    assert!(
        admin
            .api
            .group_settings_allow_member_invitation(&input!({"group_id": g, "value": false}))
            .await
            .unwrap()
    );
    assert_eq!(code(member.api.group_invite(&input!(users(g, &[outsider.id]))).await), 20012);
    assert_eq!(code(member.api.group_qrcode_sign(&input!({"group_id": g})).await), 20012);
    assert_eq!(code(outsider.api.group_invite(&input!(users(g, &[outsider.id]))).await), 20002);
    entry_ok(&admin.api.group_invite(&input!(users(g, &[outsider.id]))).await.unwrap()[0]);

    // Shared files: the uploader or an admin.
    let url = shared_link(&app, &other, g).await;
    let f =
        other.api.group_file_upload(&input!({"group_id": g, "name": "a", "url": url})).await.unwrap().file_id;
    let out = member.api.group_file_delete(&input!({"group_id": g, "file_list": [f]})).await.unwrap();
    assert_eq!(out[0].result.as_deref(), Some("failed"));
    assert!(out[0].reason.as_deref().unwrap_or_default().contains("code 20023"), "{out:?}");
    assert!(
        admin.api.group_file_update_name(&input!({"group_id": g, "file_id": f, "name": "b"})).await.unwrap()
    );
    assert!(
        other.api.group_file_update_name(&input!({"group_id": g, "file_id": f, "name": "c"})).await.unwrap()
    );
    // outsider was invited above: a member now, uploader of nothing.
    assert_eq!(
        code(outsider.api.group_file_update_name(&input!({"group_id": g, "file_id": f, "name": "d"})).await),
        20023
    );
    let nobody = user(&app, "nobody", false).await;
    assert_eq!(code(nobody.api.group_file_delete(&input!({"group_id": g, "file_list": [f]})).await), 20002);

    // The document gives `/group/destroy` no `group_id` header: an app admin
    // destroys a group acting as its owner.
    assert_eq!(code(as_group.group_destroy(&input!({"group_id": g})).await), 10002);
    assert!(root.acting_as_user(owner.id).group_destroy(&input!({"group_id": g})).await.unwrap());
    assert_eq!(info(&owner, g).await.status, Some(1));
    assert_eq!(code(as_group.group_info_name(&rename("gone")).await), 20001);
});

on_both_backends!(every_group_code, |app| {
    let mut owner = user(&app, "owner", false).await;
    let mut asker = user(&app, "asker", false).await;
    let mut guest = user(&app, "guest", true).await;
    let member = user(&app, "member", false).await;
    let outsider = user(&app, "outsider", false).await;
    let g = create(&owner, &[member.id, guest.id]).await;

    // 10002: a missing group_id, names it.
    let (c, message) = err(owner.api.group_info(&m::GroupInfoInput { group_id: None }).await);
    assert_eq!(c, 10002);
    assert!(message.contains("group_id"), "{message}");
    assert_eq!(code(owner.api.group_kick(&input!({"group_id": g, "user_list": []})).await), 10002);
    assert_eq!(code(owner.api.group_create(&input!({"name": "x", "type": 7})).await), 10002);
    assert_eq!(
        code(owner.api.group_ban(&input!({"group_id": g, "user_list": [member.id], "duration": 0})).await),
        10002
    );
    // 10000: an unknown user in a batch.
    entry_failed(
        &owner.api.group_invite(&input!(users(g, &[i64::from(i32::MAX) * 4]))).await.unwrap()[0],
        10000,
    );
    // 20001: no such group.
    assert_eq!(info_code(&owner, 9_000_000_000_000).await, 20001);
    assert_eq!(code(owner.api.group_apply(&input!({"group_id": 9_000_000_000_000_i64})).await), 20001);
    // 20002, 20003, 20004, 20005.
    assert_eq!(code(outsider.api.group_settings(&input!({"group_id": g})).await), 20002);
    assert_eq!(
        code(member.api.group_msg_push_mode(&input!({"group_id": g, "msg_push_mode": 5})).await),
        20003
    );
    assert_eq!(
        code(member.api.group_msg_mute_mode(&input!({"group_id": g, "msg_mute_mode": 3})).await),
        10002
    );
    assert_eq!(code(owner.api.group_leave(&input!({"group_id": g})).await), 20004);
    assert_eq!(
        code(owner.api.group_transfer(&input!({"group_id": g, "new_owner": outsider.id})).await),
        20005
    );
    // 20012, 20013.
    assert_eq!(code(member.api.group_settings_unban_all(&input!({"group_id": g})).await), 20012);
    assert_eq!(code(member.api.group_destroy(&input!({"group_id": g})).await), 20013);
    // 20017: already a member.
    assert_eq!(code(member.api.group_apply(&input!({"group_id": g})).await), 20017);
    entry_failed(&owner.api.group_invite(&input!(users(g, &[member.id]))).await.unwrap()[0], 20017);
    // 10010: apply_approval 2, nobody may apply.
    owner
        .api
        .group_settings_require_admin_approval(&input!({"group_id": g, "apply_approval": 2}))
        .await
        .unwrap();
    assert_eq!(code(asker.api.group_apply(&input!({"group_id": g})).await), 10010);
    owner
        .api
        .group_settings_require_admin_approval(&input!({"group_id": g, "apply_approval": 1}))
        .await
        .unwrap();
    assert_eq!(
        code(
            owner
                .api
                .group_settings_require_admin_approval(&input!({"group_id": g, "apply_approval": 3}))
                .await
        ),
        10002
    );
    // 20020, 20022, 20023.
    assert_eq!(
        code(member.api.group_announcement(&input!({"group_id": g, "announcement_id": 1})).await),
        20020
    );
    assert_eq!(code(member.api.group_announcement_last(&input!({"group_id": g})).await), 20020);
    assert_eq!(
        code(owner.api.group_announcement_delete(&input!({"group_id": g, "announcement_id": 1})).await),
        20020
    );
    assert_eq!(code(member.api.group_file(&input!({"group_id": g, "file_id": 1})).await), 20022);
    let url = shared_link(&app, &owner, g).await;
    let f =
        owner.api.group_file_upload(&input!({"group_id": g, "name": "a", "url": url})).await.unwrap().file_id;
    assert_eq!(
        code(member.api.group_file_update_name(&input!({"group_id": g, "file_id": f, "name": "b"})).await),
        20023
    );
    // 20018: blocked users may not apply, be invited or scan a code.
    owner.api.group_block(&input!(users(g, &[outsider.id]))).await.unwrap();
    assert_eq!(code(outsider.api.group_apply(&input!({"group_id": g})).await), 20018);
    entry_failed(&owner.api.group_invite(&input!(users(g, &[outsider.id]))).await.unwrap()[0], 20018);
    let qr = owner.api.group_qrcode_sign(&input!({"group_id": g})).await.unwrap().qr_info.unwrap();
    assert_eq!(code(outsider.api.group_qrcode_invite(&input!({"qr_info": qr})).await), 20018);

    // 20024: not a token, an altered one, another app's.
    for bad in ["garbage", "", "a.b.c"] {
        let c = code(asker.api.group_qrcode_invite(&input!({"qr_info": bad})).await);
        assert!(c == 20024 || (bad.is_empty() && c == 10002), "{bad:?}: {c}");
    }
    let mut altered = qr.clone().into_bytes();
    let mid = altered.len() / 2;
    altered[mid] = if altered[mid] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    assert_eq!(code(asker.api.group_qrcode_invite(&input!({"qr_info": altered})).await), 20024);
    let (other_app, other_admin) = app.other_app("other-app").await;
    let other_api =
        client::MaximClient::new(app.base_url.clone()).with_app_id(other_app).with_access_token(other_admin);
    let app_id = AppId::parse("other-app").unwrap();
    let stranger = app.core.users().register(&app_id, NewUser::new("stranger", "password1")).await.unwrap();
    assert_eq!(
        code(other_api.acting_as_user(stranger.id.0).group_qrcode_invite(&input!({"qr_info": qr})).await),
        20024
    );
    // 20012: the signer is no longer allowed to invite.
    let member_qr = member.api.group_qrcode_sign(&input!({"group_id": g})).await.unwrap().qr_info.unwrap();
    owner.api.group_settings_allow_member_invitation(&input!({"group_id": g, "value": false})).await.unwrap();
    assert_eq!(code(asker.api.group_qrcode_invite(&input!({"qr_info": member_qr})).await), 20012);

    // 20014 / 20015: handled, unknown, expired.
    assert_eq!(
        code(
            owner
                .api
                .group_apply_handle(&input!({"group_id": g, "user_id": asker.id, "approval": true}))
                .await
        ),
        20014
    );
    assert_eq!(
        code(
            guest
                .api
                .group_invite_handle(&input!({"group_id": g, "user_id": member.id, "approval": true}))
                .await
        ),
        20015
    );
    asker.api.group_apply(&input!({"group_id": g, "reason": "first"})).await.unwrap();
    app.clock.advance(Duration::from_secs(24 * 3600));
    // Applying again refreshes the pending one: one entry, new reason, new expiry.
    asker.api.group_apply(&input!({"group_id": g, "reason": "again"})).await.unwrap();
    let list = applications(&owner, g).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].reason.as_deref(), Some("again"));
    assert_eq!(list[0].expired_time, Some(app.core.now_ms() + WEEK.as_millis() as i64));
    app.clock.advance(WEEK + Duration::from_secs(1));
    for who in [&mut owner, &mut asker, &mut guest] {
        log_in_again(&app, who).await;
    }
    let list = applications(&owner, g).await;
    assert_eq!(list[0].status, Some(0), "an expired application reads 0");
    assert!(list[0].expired_time.unwrap() < app.core.now_ms(), "with its expiry past");
    assert_eq!(
        code(
            owner
                .api
                .group_apply_handle(&input!({"group_id": g, "user_id": asker.id, "approval": true}))
                .await
        ),
        20014
    );
    assert_eq!(info_code(&asker, g).await, 20002);
    // guest's invitation from creation expired too.
    assert_eq!(invitations(&guest).await[0].status, Some(0));
    assert_eq!(
        code(
            guest
                .api
                .group_invite_handle(&input!({"group_id": g, "user_id": owner.id, "approval": true}))
                .await
        ),
        20015
    );
    // Handled once, not twice.
    entry_ok(&owner.api.group_invite(&input!(users(g, &[guest.id]))).await.unwrap()[0]);
    guest
        .api
        .group_invite_handle(&input!({"group_id": g, "user_id": owner.id, "approval": false}))
        .await
        .unwrap();
    assert_eq!(
        code(
            guest
                .api
                .group_invite_handle(&input!({"group_id": g, "user_id": owner.id, "approval": true}))
                .await
        ),
        20015
    );
    // 20025: a QR code past its 7 days (signed before the clock moved).
    assert_eq!(code(asker.api.group_qrcode_invite(&input!({"qr_info": qr})).await), 20025);

    // 20016: kicked three times within 24 hours.
    owner
        .api
        .group_settings_require_admin_approval(&input!({"group_id": g, "apply_approval": 0}))
        .await
        .unwrap();
    for round in 0..3 {
        let joined = asker.api.group_apply(&input!({"group_id": g})).await.unwrap();
        assert_eq!(joined.reason.as_deref(), Some("joined"), "round {round}");
        entry_ok(&owner.api.group_kick(&input!(users(g, &[asker.id]))).await.unwrap()[0]);
        app.clock.advance(Duration::from_secs(3600));
    }
    assert_eq!(code(asker.api.group_apply(&input!({"group_id": g})).await), 20016);
    entry_failed(&owner.api.group_invite(&input!(users(g, &[asker.id]))).await.unwrap()[0], 20016);
    // The first kick is 24 hours old after 21 more hours (3 already passed).
    app.clock.advance(Duration::from_secs(21 * 3600 - 60));
    log_in_again(&app, &mut asker).await;
    log_in_again(&app, &mut owner).await;
    assert_eq!(code(asker.api.group_apply(&input!({"group_id": g})).await), 20016);
    app.clock.advance(Duration::from_secs(61));
    assert_eq!(
        asker.api.group_apply(&input!({"group_id": g})).await.unwrap().reason.as_deref(),
        Some("joined")
    );
});

on_both_backends!(capacity_is_never_exceeded, |app| {
    set_capacity(&app, 3).await;
    let owner = user(&app, "owner", false).await;
    let one = user(&app, "one", false).await;
    let two = user(&app, "two", false).await;
    let three = user(&app, "three", false).await;
    let late = user(&app, "late", false).await;
    let created = owner
        .api
        .group_create(&input!({"name": "small", "user_list": [one.id, two.id, three.id]}))
        .await
        .unwrap();
    let g = created.group_id.unwrap();
    assert_eq!((created.capacity, created.count), (Some(3), Some(3)));
    // Creation answers the group, with the third listed user left out.
    assert_eq!(sorted(members(&owner, g).await), sorted(vec![owner.id, one.id, two.id]));
    owner
        .api
        .group_settings_require_admin_approval(&input!({"group_id": g, "apply_approval": 0}))
        .await
        .unwrap();
    assert_eq!(code(three.api.group_apply(&input!({"group_id": g})).await), 20010);
    entry_failed(&owner.api.group_invite(&input!(users(g, &[three.id]))).await.unwrap()[0], 20010);
    let qr = owner.api.group_qrcode_sign(&input!({"group_id": g})).await.unwrap().qr_info.unwrap();
    assert_eq!(code(three.api.group_qrcode_invite(&input!({"qr_info": qr.clone()})).await), 20010);
    // An application accepted into a full group fails too, and stays pending.
    owner
        .api
        .group_settings_require_admin_approval(&input!({"group_id": g, "apply_approval": 1}))
        .await
        .unwrap();
    late.api.group_apply(&input!({"group_id": g})).await.unwrap();
    assert_eq!(
        code(
            owner
                .api
                .group_apply_handle(&input!({"group_id": g, "user_id": late.id, "approval": true}))
                .await
        ),
        20010
    );
    assert_eq!(applications(&owner, g).await[0].status, Some(0));
    // A seat freed is a seat taken.
    assert!(two.api.group_leave(&input!({"group_id": g})).await.unwrap());
    assert!(three.api.group_qrcode_invite(&input!({"qr_info": qr})).await.unwrap());
    assert_eq!(info(&owner, g).await.count, Some(3));
    // Capacity is the app's at creation: raising it later leaves this group as it is.
    set_capacity(&app, 10).await;
    assert_eq!(info(&owner, g).await.capacity, Some(3));
});

on_both_backends!(group_limits_answer_20007_to_20009, |app| {
    let app_id = AppId::parse(&app.app_id).expect("app id");
    let limits = |per_app, created, joined| AppSettingsPatch {
        max_groups: Some(per_app),
        max_groups_created: Some(created),
        max_groups_joined: Some(joined),
        ..Default::default()
    };
    app.core.apps().update_settings(&app_id, limits(0, 2, 3)).await.expect("limits");
    let owner = user(&app, "owner", false).await;
    let joiner = user(&app, "joiner", false).await;
    let outsider = user(&app, "outsider", false).await;
    let g = create(&owner, &[]).await;
    let other = create(&owner, &[]).await;
    // 20008: the owner owns as many groups as a user may; nothing is created.
    let (c, message) = err(owner.api.group_create(&input!({"name": "third"})).await);
    assert_eq!(c, 20008);
    assert!(message.contains("(2)"), "{message}");
    assert_eq!(owner.api.group_user_joined().await.unwrap().len(), 2);
    // A destroyed group no longer counts.
    assert!(owner.api.group_destroy(&input!({"group_id": g})).await.unwrap());
    let g = create(&owner, &[]).await;

    // 20009: the joiner is in as many groups as a user may (two owned, one
    // joined); in a batch invite only its entry fails.
    create(&joiner, &[]).await;
    create(&joiner, &[]).await;
    entry_ok(&owner.api.group_invite(&input!(users(other, &[joiner.id]))).await.unwrap()[0]);
    let entries = owner.api.group_invite(&input!(users(g, &[joiner.id, outsider.id]))).await.unwrap();
    entry_failed(&entries[0], 20009);
    entry_ok(&entries[1]);

    // 20007: the app has as many groups as it may (four are active).
    app.core.apps().update_settings(&app_id, limits(4, 0, 0)).await.expect("limits");
    assert_eq!(code(outsider.api.group_create(&input!({"name": "fifth"})).await), 20007);
});

on_both_backends!(web_sdk_request_shapes, |app| {
    use reqwest::Method;
    let owner = user(&app, "owner", false).await;
    let ann = user(&app, "ann", false).await;
    let bob = user(&app, "bob", false).await;

    // Right after logging in, a parameterless GET with a trailing `?`.
    let login =
        raw(&app, "", Method::POST, "/token/user", Some(json!({"name": "ann", "password": "password1"})))
            .await;
    let fresh = ok(&login)["token"].as_str().expect("token").to_string();
    assert_eq!(ok(&raw(&app, &fresh, Method::GET, "/group/user_joined?", None).await), &json!([]));

    // Ids, lists and numbers as strings; booleans as 0/1.
    let created = raw(&app, &owner.token, Method::POST, "/group/create",
        Some(json!({"name": "web", "description": "", "avatar": "", "type": "1", "user_list": [ann.id.to_string()]}))).await;
    let g = ok(&created)["group_id"].as_i64().expect("group id");
    assert_eq!(ok(&created)["type"], 1);
    assert_eq!(ok(&raw(&app, &fresh, Method::GET, "/group/user_joined?", None).await), &json!([g]));
    assert_eq!(ok(&raw(&app, &bob.token, Method::GET, "/group/public_list?", None).await), &json!([g]));
    // A public group's info is readable by anyone of the app.
    let seen = raw(&app, &bob.token, Method::GET, &format!("/group/info?group_id={g}"), None).await;
    assert_eq!(ok(&seen)["group_id"], g);
    assert!(ok(&seen).get("msg_push_mode").is_none_or(Value::is_null), "a non-member has no modes: {seen}");
    ok(&raw(
        &app,
        &owner.token,
        Method::POST,
        "/group/settings/require_admin_approval",
        Some(json!({"group_id": g.to_string(), "apply_approval": "1"})),
    )
    .await);
    ok(&raw(
        &app,
        &owner.token,
        Method::POST,
        "/group/settings/allow_member_modify",
        Some(json!({"group_id": g, "value": 1})),
    )
    .await);
    assert_eq!(info(&owner, g).await.member_modify, Some(true));
    ok(&raw(
        &app,
        &owner.token,
        Method::POST,
        "/group/settings/allow_member_modify",
        Some(json!({"group_id": g, "value": 0})),
    )
    .await);
    assert_eq!(info(&owner, g).await.member_modify, Some(false));
    ok(&raw(
        &app,
        &bob.token,
        Method::POST,
        "/group/apply",
        Some(json!({"group_id": g.to_string(), "reason": ""})),
    )
    .await);
    ok(&raw(
        &app,
        &owner.token,
        Method::POST,
        "/group/apply/handle",
        Some(json!({"group_id": g.to_string(), "user_id": bob.id.to_string(), "approval": 1})),
    )
    .await);
    assert!(members(&owner, g).await.contains(&bob.id));
    let banned = raw(
        &app,
        &owner.token,
        Method::POST,
        "/group/ban",
        Some(json!({"group_id": g.to_string(), "user_list": [bob.id.to_string()], "duration": "10"})),
    )
    .await;
    assert_eq!(ok(&banned)[0]["result"], "success", "{banned}");
    let listed =
        raw(&app, &bob.token, Method::GET, &format!("/group/banned_list?group_id={g}&cursor=&limit="), None)
            .await;
    assert_eq!(ok(&listed)[0]["user_id"], bob.id);
    assert!(listed["total"].is_i64() || listed.get("total").is_none());
    // The list envelope for applications: data, and no cursor on the last page.
    let apps = raw(
        &app,
        &owner.token,
        Method::POST,
        "/group/application_list?cursor=&limit=",
        Some(json!({"group_list": [g.to_string()]})),
    )
    .await;
    assert_eq!(ok(&apps)[0]["applicant_id"], bob.id);
    assert!(apps.get("cursor").is_none_or(Value::is_null), "{apps}");

    // leave and destroy: the group in the query, body `{}`.
    ok(&raw(&app, &bob.token, Method::POST, &format!("/group/leave?group_id={g}"), Some(json!({}))).await);
    assert!(!members(&owner, g).await.contains(&bob.id));
    let refused =
        raw(&app, &owner.token, Method::POST, &format!("/group/leave?group_id={g}"), Some(json!({}))).await;
    assert_eq!(refused["code"], 20004);
    assert!(refused["message"].is_string());
    ok(&raw(&app, &owner.token, Method::POST, &format!("/group/destroy?group_id={g}"), Some(json!({})))
        .await);
    assert_eq!(info(&owner, g).await.status, Some(1));
    assert_eq!(ok(&raw(&app, &fresh, Method::GET, "/group/user_joined?", None).await), &json!([]));
});

on_both_backends!(member_list_without_limit_answers_everyone, |app| {
    let owner = user(&app, "owner", false).await;
    let mut ids = vec![owner.id];
    // More than the largest page (1000): "every member" is not a page.
    let app_id = AppId::parse(&app.app_id).expect("app id");
    for i in 0..1010 {
        let u = app.core.users().register(&app_id, NewUser::new(format!("member{i}"), "password1")).await;
        let id = u.expect("register").id;
        let patch = SettingsPatch { group_confirm: Some(false), ..Default::default() };
        app.core.settings().update(&Actor::new(app_id.clone(), id), patch).await.expect("settings");
        ids.push(id.0);
    }
    let g = create(&owner, &ids[1..]).await;
    let all =
        raw(&app, &owner.token, reqwest::Method::GET, &format!("/group/member_list?group_id={g}"), None)
            .await;
    let data = ok(&all).as_array().expect("members").clone();
    assert_eq!(data.len(), 1011, "every member, more than a page");
    assert!(all.get("cursor").is_none_or(Value::is_null), "no cursor: {}", all["cursor"]);
    let version = all["version"].as_i64().expect("version");
    let got: Vec<i64> = data.iter().map(|x| x["user_id"].as_i64().unwrap()).collect();
    assert_eq!(got, sorted(ids.clone()), "ascending user ids");
    // The SDK's empty cursor and limit mean the same.
    let again = raw(
        &app,
        &owner.token,
        reqwest::Method::GET,
        &format!("/group/member_list?group_id={g}&cursor=&limit=0"),
        None,
    )
    .await;
    assert_eq!(ok(&again).as_array().unwrap().len(), 1011);
    // With a limit: pages by cursor, the same members.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = owner
            .api
            .group_member_list(&m::GroupMemberListInput {
                group_id: Some(g),
                cursor: cursor.clone(),
                limit: Some(300),
                version: None,
            })
            .await
            .unwrap();
        assert!(page.data.len() <= 300);
        seen.extend(page.data.iter().filter_map(|x| x.user_id));
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, sorted(ids.clone()));
    // The version grows with a membership change.
    owner.api.group_kick(&input!(users(g, &[ids[5]]))).await.unwrap();
    let after =
        raw(&app, &owner.token, reqwest::Method::GET, &format!("/group/member_list?group_id={g}"), None)
            .await;
    assert!(after["version"].as_i64().unwrap() > version);
    assert_eq!(ok(&after).as_array().unwrap().len(), 1010);
});

// Name, description, avatar and ext; read receipts and history; several
// groups' info at once: what the owner, an admin, a member and a stranger see.
on_both_backends!(info_and_settings_edits, |app| {
    let owner = user(&app, "olga", false).await;
    let member = user(&app, "mike", false).await;
    let stranger = user(&app, "sam", false).await;
    let g = create(&owner, &[member.id]).await;

    owner.api.group_info_avatar(&input!({"group_id": g, "value": "https://a/x.png"})).await.expect("avatar");
    owner
        .api
        .group_info_description(&input!({"group_id": g, "value": "about us"}))
        .await
        .expect("description");
    owner.api.group_info_ext(&input!({"group_id": g, "value": "{\"k\":1}"})).await.expect("ext");
    let seen = info(&member, g).await;
    assert_eq!(seen.avatar.as_deref(), Some("https://a/x.png"));
    assert_eq!(seen.description.as_deref(), Some("about us"));
    assert_eq!(seen.ext.as_deref(), Some("{\"k\":1}"));

    // A member may edit only when the group allows it (member_modify).
    assert_eq!(code(member.api.group_info_description(&input!({"group_id": g, "value": "x"})).await), 20012);
    owner
        .api
        .group_settings_allow_member_modify(&input!({"group_id": g, "value": true}))
        .await
        .expect("allow member modify");
    member
        .api
        .group_info_description(&input!({"group_id": g, "value": "by mike"}))
        .await
        .expect("member edits");
    assert_eq!(info(&owner, g).await.description.as_deref(), Some("by mike"));
    assert_eq!(code(stranger.api.group_info_ext(&input!({"group_id": g, "value": "x"})).await), 20002);

    // Read receipts and history visibility: admins' switches, shown in the settings.
    assert_eq!(
        code(member.api.group_settings_enable_read_ack(&input!({"group_id": g, "value": true})).await),
        20012
    );
    owner
        .api
        .group_settings_enable_read_ack(&input!({"group_id": g, "value": true}))
        .await
        .expect("read ack");
    owner
        .api
        .group_settings_history_visible(&input!({"group_id": g, "value": true}))
        .await
        .expect("history visible");
    let settings =
        member.api.group_settings(&m::GroupSettingsInput { group_id: Some(g) }).await.expect("settings");
    assert_eq!((settings.read_ack, settings.history_visible), (Some(true), Some(true)));
    owner.api.group_settings_history_visible(&input!({"group_id": g, "value": false})).await.expect("off");
    assert_eq!(info(&member, g).await.history_visible, Some(false));

    // Several at once: the groups the caller may see, in the order asked;
    // unknown ids and private groups of others are left out.
    let other = create(&stranger, &[]).await;
    let batch = member
        .api
        .group_info_batch(&input!({"group_list": [g, other, 999_999_999]}))
        .await
        .expect("info batch");
    let ids: Vec<i64> = batch.iter().filter_map(|i| i.group_id).collect();
    assert_eq!(ids, vec![g]);
    let both = stranger.api.group_info_batch(&input!({"group_list": [other, g]})).await.expect("batch");
    assert_eq!(both.iter().filter_map(|i| i.group_id).collect::<Vec<_>>(), vec![other]);
});
