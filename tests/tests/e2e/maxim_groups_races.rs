//! Concurrent MaxIM group requests over HTTP end in one consistent state
//! (`docs/groups.md`): where only one can win exactly one does, the member
//! count never passes capacity and always matches the member list, and a
//! group has exactly one owner.

use client::ClientError;
use client::generated::maxim::models as m;
use server::core::apps::AppSettingsPatch;
use server::core::settings::SettingsPatch;
use server::core::users::NewUser;
use server::core::{Actor, AppId};
use tests::{TestApp, input, on_both_backends};

const ROUNDS: usize = 5;

struct Who {
    id: i64,
    api: client::MaximClient,
}

async fn user(app: &TestApp, name: &str) -> Who {
    let app_id = AppId::parse(&app.app_id).expect("app id");
    let registered =
        app.core.users().register(&app_id, NewUser::new(name, "password1")).await.expect("register");
    let patch = SettingsPatch { group_confirm: Some(false), ..Default::default() };
    app.core.settings().update(&Actor::new(app_id.clone(), registered.id), patch).await.expect("settings");
    let token =
        app.core.tokens().login_by_username(&app_id, name, "password1", None).await.expect("login").token;
    Who { id: registered.id.0, api: app.maxim_as(&token) }
}

async fn create(owner: &Who, members: &[i64]) -> i64 {
    let created =
        owner.api.group_create(&input!({"name": "race", "user_list": members})).await.expect("create");
    created.group_id.expect("group id")
}

fn code<T: std::fmt::Debug>(r: &Result<T, ClientError>) -> Option<i32> {
    match r {
        Ok(_) => None,
        Err(ClientError::Api { code, .. }) => Some(*code),
        Err(other) => panic!("not an API answer: {other:?}"),
    }
}

/// The members, checked against the info's count; and the owner.
async fn state(viewer: &Who, g: i64) -> (Vec<i64>, i64) {
    let list = viewer
        .api
        .group_member_list(&m::GroupMemberListInput {
            group_id: Some(g),
            cursor: None,
            limit: None,
            version: None,
        })
        .await
        .expect("member list");
    let mut ids: Vec<i64> = list.data.iter().filter_map(|x| x.user_id).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "nobody is a member twice");
    let info = viewer.api.group_info(&m::GroupInfoInput { group_id: Some(g) }).await.expect("info");
    assert_eq!(info.count, Some(ids.len() as i32), "count agrees with the member list");
    assert!(info.count <= info.capacity, "{info:?}");
    let owner = info.owner_id.expect("owner");
    assert!(ids.contains(&owner), "the owner is a member");
    (ids, owner)
}

fn entry_succeeded(r: &Result<Vec<m::GroupBatchResult>, ClientError>) -> bool {
    let out = r.as_ref().expect("the batch call itself succeeds");
    out[0].result.as_deref() == Some("success")
}

on_both_backends!(two_admins_handle_one_application, |app| {
    for round in 0..ROUNDS {
        let owner = user(&app, &format!("owner{round}")).await;
        let admin = user(&app, &format!("admin{round}")).await;
        let asker = user(&app, &format!("asker{round}")).await;
        let g = create(&owner, &[admin.id]).await;
        owner.api.group_admin_add(&input!({"group_id": g, "user_list": [admin.id]})).await.unwrap();
        asker.api.group_apply(&input!({"group_id": g, "reason": "me"})).await.unwrap();
        // One accepts, the other declines, at once.
        let accept: m::GroupApplyHandleInput = input!({"group_id": g, "user_id": asker.id, "approval": true});
        let decline: m::GroupApplyHandleInput =
            input!({"group_id": g, "user_id": asker.id, "approval": false});
        let (a, d) =
            tokio::join!(owner.api.group_apply_handle(&accept), admin.api.group_apply_handle(&decline));
        let (a, d) = (code(&a), code(&d));
        assert!(matches!((a, d), (None, Some(20014)) | (Some(20014), None)), "exactly one wins: {a:?} {d:?}");
        let (ids, _) = state(&owner, g).await;
        let accepted = a.is_none();
        assert_eq!(ids.contains(&asker.id), accepted, "membership follows the winner");
        let list = owner.api.group_application_list(&input!({"group_list": [g]})).await.unwrap().data;
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].status, Some(if accepted { 1 } else { 2 }));
    }
});

on_both_backends!(two_joins_race_for_the_last_seat, |app| {
    let patch = AppSettingsPatch { group_capacity: Some(3), ..Default::default() };
    app.core.apps().update_settings(&AppId::parse(&app.app_id).unwrap(), patch).await.unwrap();
    for round in 0..ROUNDS {
        let owner = user(&app, &format!("owner{round}")).await;
        let first = user(&app, &format!("first{round}")).await;
        let left = user(&app, &format!("left{round}")).await;
        let right = user(&app, &format!("right{round}")).await;
        let g = create(&owner, &[first.id]).await;
        owner
            .api
            .group_settings_require_admin_approval(&input!({"group_id": g, "apply_approval": 0}))
            .await
            .unwrap();
        // One applies, the other scans a QR code: two ways in, one seat.
        let qr = owner.api.group_qrcode_sign(&input!({"group_id": g})).await.unwrap().qr_info.unwrap();
        let apply: m::GroupApplyInput = input!({"group_id": g});
        let scan: m::GroupQrcodeInviteInput = input!({"qr_info": qr});
        let (l, r) = tokio::join!(left.api.group_apply(&apply), right.api.group_qrcode_invite(&scan));
        let (l, r) = (code(&l), code(&r));
        assert!(
            matches!((l, r), (None, Some(20010)) | (Some(20010), None)),
            "one seat, one winner: {l:?} {r:?}"
        );
        let (ids, _) = state(&owner, g).await;
        assert_eq!(ids.len(), 3);
        assert_eq!(ids.contains(&left.id), l.is_none());
        assert_eq!(ids.contains(&right.id), r.is_none());
    }
});

on_both_backends!(accept_and_kick_at_once, |app| {
    for round in 0..ROUNDS {
        let owner = user(&app, &format!("owner{round}")).await;
        let admin = user(&app, &format!("admin{round}")).await;
        let asker = user(&app, &format!("asker{round}")).await;
        let g = create(&owner, &[admin.id]).await;
        owner.api.group_admin_add(&input!({"group_id": g, "user_list": [admin.id]})).await.unwrap();
        asker.api.group_apply(&input!({"group_id": g})).await.unwrap();
        let accept: m::GroupApplyHandleInput = input!({"group_id": g, "user_id": asker.id, "approval": true});
        let kick: m::GroupKickInput = input!({"group_id": g, "user_list": [asker.id]});
        let (a, k) = tokio::join!(admin.api.group_apply_handle(&accept), owner.api.group_kick(&kick));
        assert!(a.is_ok(), "the application is accepted either way: {a:?}");
        let kicked = entry_succeeded(&k);
        let (ids, _) = state(&owner, g).await;
        // The kick found the member (and removed it) or came first and found nobody.
        assert_eq!(ids.contains(&asker.id), !kicked, "kicked: {kicked}");
        if !kicked {
            let reason = k.unwrap()[0].reason.clone().unwrap_or_default();
            assert!(reason.contains("code 20002"), "{reason}");
        }
    }
});

on_both_backends!(transfer_while_the_owner_leaves, |app| {
    for round in 0..ROUNDS {
        let owner = user(&app, &format!("owner{round}")).await;
        let heir = user(&app, &format!("heir{round}")).await;
        let g = create(&owner, &[heir.id]).await;
        let transfer: m::GroupTransferInput = input!({"group_id": g, "new_owner": heir.id});
        let leave = m::GroupLeaveInput { group_id: Some(g) };
        let (t, l) = tokio::join!(owner.api.group_transfer(&transfer), owner.api.group_leave(&leave));
        assert!(t.is_ok(), "the transfer goes through: {t:?}");
        let left = match code(&l) {
            None => true,
            Some(20004) => false,
            Some(other) => panic!("leave answered {other}"),
        };
        let (ids, new_owner) = state(&heir, g).await;
        assert_eq!(new_owner, heir.id, "exactly one owner, the heir");
        assert_eq!(ids.contains(&owner.id), !left);
        let admins = heir.api.group_admin_list(&input!({"group_id": g})).await.unwrap();
        assert!(admins.is_empty(), "the old owner is a plain member, if any: {admins:?}");
    }
});

on_both_backends!(kick_and_ban_of_one_member, |app| {
    for round in 0..ROUNDS {
        let owner = user(&app, &format!("owner{round}")).await;
        let admin = user(&app, &format!("admin{round}")).await;
        let target = user(&app, &format!("target{round}")).await;
        let g = create(&owner, &[admin.id, target.id]).await;
        owner.api.group_admin_add(&input!({"group_id": g, "user_list": [admin.id]})).await.unwrap();
        let kick: m::GroupKickInput = input!({"group_id": g, "user_list": [target.id]});
        let ban: m::GroupBanInput = input!({"group_id": g, "user_list": [target.id], "duration": 60});
        let (k, b) = tokio::join!(owner.api.group_kick(&kick), admin.api.group_ban(&ban));
        assert!(entry_succeeded(&k), "the kick removes the member either way: {k:?}");
        if !entry_succeeded(&b) {
            let reason = b.unwrap()[0].reason.clone().unwrap_or_default();
            assert!(reason.contains("code 20002"), "the ban came second and found no member: {reason}");
        }
        let (ids, _) = state(&owner, g).await;
        assert!(!ids.contains(&target.id));
        let banned = owner.api.group_banned_list(&input!({"group_id": g})).await.unwrap();
        assert!(banned.data.is_empty(), "no ban left on a non-member: {banned:?}");
        // Back in, the old ban (if it was set) does not follow.
        owner.api.group_invite(&input!({"group_id": g, "user_list": [target.id]})).await.unwrap();
        let banned = owner.api.group_banned_list(&input!({"group_id": g})).await.unwrap();
        assert!(banned.data.is_empty(), "a rejoined member starts unbanned: {banned:?}");
    }
});
