//! Every group rule of the core (`docs/groups.md`), without HTTP: the id
//! space shared with users, a whole life cycle, applications and
//! invitations (modes, expiry, refresh, handled by id), capacity and the kick rule, QR
//! codes, the app's group limits (per app, created and joined per user, on
//! every way in), the permission matrix of the main commands, and races
//! settled by the database (two admins on one application, the last seat,
//! transfer while the owner leaves, the last group an app or a user may
//! have).

use std::sync::Arc;
use std::time::Duration;

use server::core::apps::AppSettingsPatch;
use server::core::groups::{
    ApplyApproval, BatchEntry, GroupRole, GroupStatus, GroupType, InfoPatch, JoinOutcome, NewFile, NewGroup,
    RequestStatus, SettingsPatch,
};
use server::core::settings::SettingsPatch as UserSettingsPatch;
use server::core::users::NewUser;
use server::core::{Actor, Error, GroupFileId, GroupId, PageRequest, UserId};

use crate::harness::Harness;
use crate::scenario;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// A user whose `group_confirm` setting is `confirm`.
async fn user(h: &Harness, name: &str, confirm: bool) -> Actor {
    let a = h.open_user(name).await;
    let patch = UserSettingsPatch { group_confirm: Some(confirm), ..Default::default() };
    h.core.settings().update(&a, patch).await.unwrap();
    a
}

async fn group_of(h: &Harness, owner: &Actor, members: &[&Actor]) -> GroupId {
    let new = NewGroup {
        name: "team".into(),
        members: members.iter().map(|a| a.user).collect(),
        ..Default::default()
    };
    let created = h.core.groups().create(owner, new).await.unwrap();
    for entry in &created.members {
        assert!(entry.result.is_ok(), "{entry:?}");
    }
    created.info.group.id
}

fn ok_all<T: std::fmt::Debug>(entries: &[BatchEntry<T>]) {
    for e in entries {
        assert!(e.result.is_ok(), "{e:?}");
    }
}

async fn members(h: &Harness, viewer: &Actor, g: GroupId) -> Vec<UserId> {
    let page = h.core.groups().member_list(viewer, g, &PageRequest::default()).await.unwrap();
    page.items.iter().map(|m| m.user).collect()
}

async fn role(h: &Harness, viewer: &Actor, g: GroupId, who: &Actor) -> Option<GroupRole> {
    let found = h.core.groups().members_display_name(viewer, g, &[who.user]).await.unwrap();
    found.first().map(|m| m.role)
}

scenario!(users_and_groups_share_one_id_space, |h| async move {
    let owner = user(&h, "owner", false).await;
    let mut users = vec![owner.user.0];
    let mut groups = Vec::new();
    for i in 0..4 {
        users.push(user(&h, &format!("user{i}"), false).await.user.0);
        groups.push(group_of(&h, &owner, &[]).await.0);
    }
    let mut all: Vec<i64> = users.iter().chain(&groups).copied().collect();
    assert!(all.iter().all(|id| *id > 0 && *id <= 1 << 53), "{all:?}");
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), users.len() + groups.len(), "an id was used twice");
    for g in &groups {
        let r = h.core.users().get(&h.app, UserId(*g)).await;
        assert!(matches!(r, Err(Error::UserMissing)), "{r:?}");
    }
    for u in &users {
        let r = h.core.groups().info(&owner, GroupId(*u)).await;
        assert!(matches!(r, Err(Error::GroupMissing)), "{r:?}");
    }
});

scenario!(a_group_life_cycle, |h| async move {
    let gr = h.core.groups();
    let owner = user(&h, "owner", false).await;
    let alice = user(&h, "alice", false).await;
    let bob = user(&h, "bob", true).await;
    let carol = user(&h, "carol", false).await;
    let dave = user(&h, "dave", false).await;

    // Creation: alice joins at once, bob (group_confirm) is invited.
    let new = NewGroup {
        name: "team".into(),
        description: "d".into(),
        ext: "{\"k\":1}".into(),
        members: vec![alice.user, bob.user, owner.user],
        ..Default::default()
    };
    let created = gr.create(&owner, new).await.unwrap();
    let g = created.info.group.id;
    let outcomes: Vec<_> =
        created.members.iter().map(|e| (e.user, e.result.as_ref().ok().copied())).collect();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[0], (alice.user, Some(JoinOutcome::Joined)));
    assert!(matches!(outcomes[1], (u, Some(JoinOutcome::Pending { .. })) if u == bob.user));
    let info = &created.info.group;
    assert_eq!(
        (info.owner, info.kind, info.status, info.count),
        (owner.user, GroupType::Private, GroupStatus::Normal, 2)
    );
    assert_eq!(info.apply_approval, ApplyApproval::AdminApproves);
    assert!(info.member_invite && !info.member_modify && !info.read_ack && !info.history_visible);
    assert_eq!((info.ban_expire_time, info.capacity, info.ext.as_str()), (0, 2000, "{\"k\":1}"));
    assert_eq!(created.info.me.as_ref().map(|m| m.role), Some(GroupRole::Owner));

    // bob accepts the invitation; a second answer finds nothing pending.
    let invitations = gr.invitations(&bob, &PageRequest::default()).await.unwrap().items;
    assert_eq!(invitations.len(), 1);
    assert_eq!((invitations[0].inviter, invitations[0].status), (owner.user, RequestStatus::Pending));
    assert!(matches!(gr.info(&bob, g).await, Err(Error::NotGroupMember)));
    gr.handle_invitation(&bob, g, owner.user, true).await.unwrap();
    let r = gr.handle_invitation(&bob, g, owner.user, true).await;
    assert!(matches!(r, Err(Error::GroupInvitationMissing)), "{r:?}");
    assert_eq!(
        gr.invitations(&bob, &PageRequest::default()).await.unwrap().items[0].status,
        RequestStatus::Accepted
    );

    // carol applies; alice may approve only once she is an admin.
    let v0 = gr.member_list(&owner, g, &PageRequest::default()).await.unwrap().version;
    assert!(matches!(gr.apply(&carol, g, "let me in").await.unwrap(), JoinOutcome::Pending { .. }));
    let r = gr.handle_application(&alice, g, carol.user, true).await;
    assert!(matches!(r, Err(Error::GroupRoleNeeded { needs: GroupRole::Admin })), "{r:?}");
    ok_all(&gr.admin_add(&owner, g, &[alice.user]).await.unwrap());
    assert_eq!(
        gr.admin_list(&bob, g).await.unwrap().iter().map(|m| m.user).collect::<Vec<_>>(),
        vec![alice.user]
    );
    gr.handle_application(&alice, g, carol.user, true).await.unwrap();
    let r = gr.handle_application(&owner, g, carol.user, false).await;
    assert!(matches!(r, Err(Error::GroupApplicationMissing)), "{r:?}");
    let apps = gr.applications(&owner, &[], &PageRequest::default()).await.unwrap().items;
    assert_eq!((apps.len(), apps[0].status, apps[0].handler), (1, RequestStatus::Accepted, Some(alice.user)));
    let page = gr.member_list(&owner, g, &PageRequest::default()).await.unwrap();
    assert!(page.version > v0);
    assert_eq!(page.items.len(), 4);
    assert_eq!(page.next_cursor, None);

    // Paging by cursor.
    let first = gr.member_list(&owner, g, &PageRequest::first(3)).await.unwrap();
    assert_eq!(first.items.len(), 3);
    let rest = gr.member_list(&owner, g, &PageRequest::after(first.next_cursor.clone(), 3)).await.unwrap();
    assert_eq!((rest.items.len(), rest.next_cursor), (1, None));

    // A ban with expiry, on the manual clock.
    ok_all(&gr.ban(&alice, g, &[carol.user], 10).await.unwrap());
    assert!(gr.muted(&carol, g).await.unwrap());
    assert_eq!(gr.banned_list(&bob, g).await.unwrap().len(), 1);
    h.clock.advance(Duration::from_secs(11 * 60));
    assert!(!gr.muted(&carol, g).await.unwrap());
    assert!(gr.banned_list(&bob, g).await.unwrap().is_empty());
    ok_all(&gr.ban(&alice, g, &[carol.user], -1).await.unwrap());
    h.clock.advance(DAY);
    assert!(gr.muted(&carol, g).await.unwrap());
    ok_all(&gr.unban(&alice, g, &[carol.user]).await.unwrap());
    assert!(!gr.muted(&carol, g).await.unwrap());

    // Ban all: members are muted, admins and the owner are not.
    assert_eq!(gr.ban_all(&owner, g, -1).await.unwrap(), -1);
    assert!(gr.muted(&bob, g).await.unwrap());
    assert!(!gr.muted(&alice, g).await.unwrap() && !gr.muted(&owner, g).await.unwrap());
    gr.unban_all(&alice, g).await.unwrap();
    assert!(!gr.muted(&bob, g).await.unwrap());
    let until = gr.ban_all(&alice, g, 5).await.unwrap();
    assert_eq!(until, h.core.now_ms() + 5 * 60_000);
    assert_eq!(gr.settings(&bob, g).await.unwrap().group.ban_expire_time, until);

    // Announcements: admins publish, members read.
    let a1 = gr.announcement_edit(&alice, g, "Hello", "Welcome").await.unwrap();
    let r = gr.announcement_edit(&bob, g, "x", "y").await;
    assert!(matches!(r, Err(Error::GroupRoleNeeded { needs: GroupRole::Admin })));
    assert_eq!(gr.announcement_last(&bob, g).await.unwrap(), Some(a1.clone()));
    assert_eq!(gr.announcement(&carol, g, a1.id).await.unwrap().author, alice.user);
    assert!(matches!(gr.announcement_delete(&bob, g, a1.id).await, Err(Error::GroupRoleNeeded { .. })));
    gr.announcement_delete(&owner, g, a1.id).await.unwrap();
    assert!(matches!(gr.announcement(&bob, g, a1.id).await, Err(Error::AnnouncementMissing)));
    assert!(gr.announcements(&bob, g).await.unwrap().is_empty());

    // Shared files: members upload, the uploader or an admin manages.
    let new = NewFile { name: "a.txt".into(), size: 12, file_type: "text".into(), url: "https://x/a".into() };
    let f = gr.file_upload(&bob, g, new).await.unwrap();
    assert_eq!((f.uploader, f.size, f.url.as_str()), (bob.user, 12, "https://x/a"));
    assert!(matches!(gr.file_rename(&carol, g, f.id, "b.txt").await, Err(Error::GroupFileForbidden)));
    gr.file_rename(&bob, g, f.id, "b.txt").await.unwrap();
    assert_eq!(gr.file(&carol, g, f.id).await.unwrap().name, "b.txt");
    let gone = gr.file_delete(&alice, g, &[f.id, GroupFileId(i64::MAX)]).await.unwrap();
    assert!(gone[0].result.is_ok());
    assert!(matches!(gone[1].result, Err(Error::GroupFileMissing)));
    assert!(gr.files(&bob, g).await.unwrap().is_empty());

    // My own settings for the group.
    gr.set_display_name(&bob, g, "Bee").await.unwrap();
    let named = gr.members_display_name(&owner, g, &[bob.user, dave.user]).await.unwrap();
    assert_eq!((named.len(), named[0].display_name.as_str()), (1, "Bee"));
    assert!(matches!(gr.set_msg_push_mode(&bob, g, 5).await, Err(Error::InvalidPushMode)));
    gr.set_msg_push_mode(&bob, g, 4).await.unwrap();
    gr.set_msg_mute_mode(&bob, g, 1).await.unwrap();
    let mine = gr.info(&bob, g).await.unwrap().me.unwrap();
    assert_eq!((mine.msg_push_mode, mine.msg_mute_mode), (4, 1));

    // Transfer, then the old owner may leave; the new one may not.
    assert!(matches!(gr.transfer(&owner, g, dave.user).await, Err(Error::TransferTargetNotMember)));
    gr.transfer(&owner, g, alice.user).await.unwrap();
    assert_eq!(gr.info(&bob, g).await.unwrap().group.owner, alice.user);
    assert_eq!(role(&h, &bob, g, &owner).await, Some(GroupRole::Member));
    gr.leave(&owner, g).await.unwrap();
    assert!(matches!(gr.leave(&alice, g).await, Err(Error::OwnerCannotLeave)));
    assert!(matches!(gr.leave(&owner, g).await, Err(Error::NotGroupMember)));

    // Kick; block (a non-member too); the block list keeps them out.
    ok_all(&gr.kick(&alice, g, &[carol.user]).await.unwrap());
    assert!(gr.user_joined(&carol).await.unwrap().is_empty());
    ok_all(&gr.block(&alice, g, &[dave.user]).await.unwrap());
    assert!(matches!(gr.apply(&dave, g, "").await, Err(Error::BlockedByGroup)));
    let invited = gr.invite(&alice, g, &[dave.user], "").await.unwrap();
    assert!(matches!(invited[0].result, Err(Error::BlockedByGroup)));
    assert_eq!(gr.blocked_list(&alice, g).await.unwrap()[0].user, dave.user);
    ok_all(&gr.unblock(&alice, g, &[dave.user]).await.unwrap());
    assert!(gr.blocked_list(&alice, g).await.unwrap().is_empty());

    // QR code: dave joins as invited by bob.
    let qr = gr.qrcode_sign(&bob, g).await.unwrap();
    assert_eq!(qr.expires_at - qr.created_at, 7 * 24 * 3600 * 1000);
    assert!(matches!(gr.qrcode_invite(&dave, "gq1.1.2.3.abc").await, Err(Error::QrCodeInvalid)));
    assert_eq!(gr.qrcode_invite(&dave, &qr.token).await.unwrap(), g);
    assert!(matches!(gr.qrcode_invite(&dave, &qr.token).await, Err(Error::AlreadyGroupMember)));
    assert_eq!(gr.user_joined(&dave).await.unwrap(), vec![g]);

    // Destroy: only the owner; then only info answers, to former members.
    assert!(matches!(gr.destroy(&bob, g).await, Err(Error::GroupRoleNeeded { needs: GroupRole::Owner })));
    gr.destroy(&alice, g).await.unwrap();
    assert_eq!(gr.info(&bob, g).await.unwrap().group.status, GroupStatus::Destroyed);
    assert!(matches!(gr.info(&carol, g).await, Err(Error::GroupMissing)));
    assert!(matches!(gr.member_list(&bob, g, &PageRequest::default()).await, Err(Error::GroupMissing)));
    assert!(matches!(gr.leave(&bob, g).await, Err(Error::GroupMissing)));
    assert!(matches!(gr.apply(&carol, g, "").await, Err(Error::GroupMissing)));
    assert!(gr.user_joined(&bob).await.unwrap().is_empty());
});

scenario!(applications_by_mode_with_refresh_and_expiry, |h| async move {
    let gr = h.core.groups();
    let owner = user(&h, "owner", false).await;
    let a = user(&h, "alice", false).await;
    let b = user(&h, "bob", false).await;
    let g = group_of(&h, &owner, &[]).await;

    // 1: pending; applying again refreshes the same application.
    let JoinOutcome::Pending { expires_at: e1 } = gr.apply(&a, g, "one").await.unwrap() else { panic!() };
    h.clock.advance(Duration::from_secs(60));
    let JoinOutcome::Pending { expires_at: e2 } = gr.apply(&a, g, "two").await.unwrap() else { panic!() };
    assert!(e2 > e1);
    let apps = gr.applications(&owner, &[g], &PageRequest::default()).await.unwrap().items;
    assert_eq!((apps.len(), apps[0].reason.as_str(), apps[0].expires_at), (1, "two", e2));
    assert_eq!(e2 - h.core.now_ms(), 7 * 24 * 3600 * 1000);
    // Expired: it can no longer be handled, and lists as expired.
    h.clock.advance(8 * DAY);
    let r = gr.handle_application(&owner, g, a.user, true).await;
    assert!(matches!(r, Err(Error::GroupApplicationMissing)), "{r:?}");
    let apps = gr.applications(&owner, &[g], &PageRequest::default()).await.unwrap().items;
    assert_eq!(apps[0].status, RequestStatus::Expired);
    // Declined, with a new application.
    gr.apply(&a, g, "three").await.unwrap();
    gr.handle_application(&owner, g, a.user, false).await.unwrap();
    assert!(matches!(gr.info(&a, g).await, Err(Error::NotGroupMember)));

    // 0: joins at once; 2: refused.
    let open = SettingsPatch { apply_approval: Some(0), ..Default::default() };
    gr.update_settings(&owner, g, open).await.unwrap();
    assert_eq!(gr.apply(&a, g, "").await.unwrap(), JoinOutcome::Joined);
    assert!(matches!(gr.apply(&a, g, "").await, Err(Error::AlreadyGroupMember)));
    let closed = SettingsPatch { apply_approval: Some(2), ..Default::default() };
    gr.update_settings(&owner, g, closed).await.unwrap();
    assert!(matches!(gr.apply(&b, g, "").await, Err(Error::GroupApplyClosed)));
    let bad = SettingsPatch { apply_approval: Some(3), ..Default::default() };
    assert!(matches!(gr.update_settings(&owner, g, bad).await, Err(Error::Invalid { .. })));

    // Invitations expire as configured for the app.
    let ttl = AppSettingsPatch { group_request_ttl_ms: Some(60_000), ..Default::default() };
    h.core.apps().update_settings(&h.app, ttl).await.unwrap();
    let c = user(&h, "carol", true).await;
    let out = gr.invite(&owner, g, &[c.user], "join us").await.unwrap();
    assert_eq!(
        out[0].result.as_ref().ok(),
        Some(&JoinOutcome::Pending { expires_at: h.core.now_ms() + 60_000 })
    );
    h.clock.advance(Duration::from_secs(61));
    let r = gr.handle_invitation(&c, g, owner.user, true).await;
    assert!(matches!(r, Err(Error::GroupInvitationMissing)), "{r:?}");
    assert_eq!(
        gr.invitations(&c, &PageRequest::default()).await.unwrap().items[0].status,
        RequestStatus::Expired
    );
    // Declining an invitation leaves the invitee out.
    gr.invite(&owner, g, &[c.user], "again").await.unwrap();
    gr.handle_invitation(&c, g, owner.user, false).await.unwrap();
    assert!(matches!(gr.info(&c, g).await, Err(Error::NotGroupMember)));
    // Batches: one entry per user, each on its own.
    let out = gr.invite(&owner, g, &[UserId(i64::MAX), a.user, b.user], "").await.unwrap();
    assert!(matches!(out[0].result, Err(Error::UserMissing)));
    assert!(matches!(out[1].result, Err(Error::AlreadyGroupMember)));
    assert_eq!(out[2].result.as_ref().ok(), Some(&JoinOutcome::Joined));
});

/// The id of the newest application to `g`, as `owner` lists them.
async fn newest_application(h: &Harness, owner: &Actor, g: GroupId) -> i64 {
    h.core.groups().applications(owner, &[g], &PageRequest::default()).await.unwrap().items[0].id
}

scenario!(applications_handled_by_id, |h| async move {
    let gr = h.core.groups();
    let owner = user(&h, "owner", false).await;
    let member = user(&h, "member", false).await;
    let a = user(&h, "alice", false).await;
    let g = group_of(&h, &owner, &[&member]).await;

    gr.apply(&a, g, "one").await.unwrap();
    let old = newest_application(&h, &owner, g).await;
    // Only an admin of the application's group; an unknown id is missing.
    let r = gr.handle_application_by_id(&member, old, true).await;
    assert!(matches!(r, Err(Error::GroupRoleNeeded { needs: GroupRole::Admin })), "{r:?}");
    let r = gr.handle_application_by_id(&owner, old + 1000, true).await;
    assert!(matches!(r, Err(Error::GroupApplicationMissing)), "{r:?}");
    // Expired: no longer handled by id either.
    h.clock.advance(8 * DAY);
    let r = gr.handle_application_by_id(&owner, old, true).await;
    assert!(matches!(r, Err(Error::GroupApplicationMissing)), "{r:?}");
    // Applying again revives it; declined, it is settled for good.
    gr.apply(&a, g, "two").await.unwrap();
    assert_eq!(newest_application(&h, &owner, g).await, old);
    gr.handle_application_by_id(&owner, old, false).await.unwrap();
    let r = gr.handle_application_by_id(&owner, old, true).await;
    assert!(matches!(r, Err(Error::GroupApplicationMissing)), "handled already: {r:?}");
    assert!(matches!(gr.info(&a, g).await, Err(Error::NotGroupMember)));
    // A new application gets a new id; the settled id does not reach it.
    gr.apply(&a, g, "three").await.unwrap();
    let new = newest_application(&h, &owner, g).await;
    assert_ne!(new, old);
    let r = gr.handle_application_by_id(&owner, old, true).await;
    assert!(matches!(r, Err(Error::GroupApplicationMissing)), "{r:?}");
    assert!(matches!(gr.info(&a, g).await, Err(Error::NotGroupMember)));
    gr.handle_application_by_id(&owner, new, true).await.unwrap();
    assert_eq!(gr.info(&a, g).await.unwrap().me.map(|m| m.role), Some(GroupRole::Member));

    // Ids are per app: another app's admin finds nothing.
    let other = h.other_app("other-app").await;
    let stranger = Actor::new(other, owner.user);
    let r = gr.handle_application_by_id(&stranger, new, true).await;
    assert!(matches!(r, Err(Error::GroupApplicationMissing)), "{r:?}");
});

scenario!(capacity_kicks_and_qr_expiry, |h| async move {
    let gr = h.core.groups();
    let cap = AppSettingsPatch { group_capacity: Some(3), ..Default::default() };
    h.core.apps().update_settings(&h.app, cap).await.unwrap();
    let owner = user(&h, "owner", false).await;
    let others =
        [user(&h, "usr1", false).await, user(&h, "usr2", false).await, user(&h, "usr3", false).await];
    let created = gr
        .create(&owner, NewGroup { members: others.iter().map(|a| a.user).collect(), ..Default::default() })
        .await
        .unwrap();
    let g = created.info.group.id;
    assert!(created.members[0].result.is_ok() && created.members[1].result.is_ok());
    assert!(matches!(created.members[2].result, Err(Error::GroupFull)), "{:?}", created.members[2]);
    assert_eq!(gr.info(&owner, g).await.unwrap().group.count, 3);

    // Kicked three times within a day: out for the day.
    let open = SettingsPatch { apply_approval: Some(0), ..Default::default() };
    gr.update_settings(&owner, g, open).await.unwrap();
    let k = &others[0];
    for _ in 0..3 {
        ok_all(&gr.kick(&owner, g, &[k.user]).await.unwrap());
        h.clock.advance(Duration::from_secs(3600));
        if gr.info(&owner, g).await.unwrap().group.count < 3 {
            let _ = gr.apply(k, g, "").await;
        }
    }
    assert!(matches!(gr.apply(k, g, "").await, Err(Error::KickedTooOften)));
    let qr = gr.qrcode_sign(&owner, g).await.unwrap();
    assert!(matches!(gr.qrcode_invite(k, &qr.token).await, Err(Error::KickedTooOften)));
    h.clock.advance(DAY);
    assert_eq!(gr.apply(k, g, "").await.unwrap(), JoinOutcome::Joined);

    // A QR code expires, and stops working when its signer may no longer invite.
    let member_qr = gr.qrcode_sign(&others[1], g).await.unwrap();
    let no_invite = SettingsPatch { member_invite: Some(false), ..Default::default() };
    gr.update_settings(&owner, g, no_invite).await.unwrap();
    ok_all(&gr.kick(&owner, g, &[others[0].user]).await.unwrap());
    let r = gr.qrcode_invite(&others[2], &member_qr.token).await;
    assert!(matches!(r, Err(Error::GroupRoleNeeded { needs: GroupRole::Admin })), "{r:?}");
    h.clock.advance(8 * DAY);
    assert!(matches!(gr.qrcode_invite(&others[2], &qr.token).await, Err(Error::QrCodeExpired)));
    // Another app's user cannot use it either.
    let other_app = h.other_app("other-app").await;
    let stranger = h
        .core
        .users()
        .register(&other_app, server::core::users::NewUser::new("zedd", "password1"))
        .await
        .unwrap();
    let stranger = Actor::new(other_app, stranger.id);
    assert!(matches!(gr.qrcode_invite(&stranger, &qr.token).await, Err(Error::QrCodeInvalid)));
    assert!(matches!(gr.info(&stranger, g).await, Err(Error::GroupMissing)));
});

scenario!(permission_matrix, |h| async move {
    let gr = h.core.groups();
    let owner = user(&h, "owner", false).await;
    let admin = user(&h, "admin", false).await;
    let admin2 = user(&h, "admin2", false).await;
    let member = user(&h, "member", false).await;
    let outsider = user(&h, "outsider", false).await;
    let g = group_of(&h, &owner, &[&admin, &admin2, &member]).await;
    ok_all(&gr.admin_add(&owner, g, &[admin.user, admin2.user]).await.unwrap());

    let needs = |r: Result<(), Error>, role: GroupRole| match r {
        Err(Error::GroupRoleNeeded { needs }) if needs == role => {}
        other => panic!("expected {role} needed, got {other:?}"),
    };
    let not_member = |r: Result<(), Error>| assert!(matches!(r, Err(Error::NotGroupMember)), "{r:?}");

    // Info edits: admins; members only with member_modify.
    let patch = || InfoPatch { name: Some("n".into()), ..Default::default() };
    needs(gr.update_info(&member, g, patch()).await, GroupRole::Admin);
    not_member(gr.update_info(&outsider, g, patch()).await);
    gr.update_info(&admin, g, patch()).await.unwrap();
    let modify = SettingsPatch { member_modify: Some(true), ..Default::default() };
    needs(gr.update_settings(&member, g, modify.clone()).await, GroupRole::Admin);
    gr.update_settings(&admin, g, modify).await.unwrap();
    gr.update_info(&member, g, patch()).await.unwrap();

    // Whole-group bans and settings: admins.
    needs(gr.ban_all(&member, g, 1).await.map(|_| ()), GroupRole::Admin);
    needs(gr.unban_all(&member, g).await, GroupRole::Admin);
    not_member(gr.ban_all(&outsider, g, 1).await.map(|_| ()));

    // Owner only: admins, transfer, destroy.
    needs(gr.admin_add(&admin, g, &[member.user]).await.map(|_| ()), GroupRole::Owner);
    needs(gr.admin_remove(&admin, g, &[admin2.user]).await.map(|_| ()), GroupRole::Owner);
    needs(gr.transfer(&admin, g, member.user).await, GroupRole::Owner);
    needs(gr.destroy(&admin, g).await, GroupRole::Owner);
    let r = gr.admin_add(&owner, g, &[outsider.user]).await.unwrap();
    assert!(matches!(r[0].result, Err(Error::NotGroupMember)));

    // Kick / ban / block: admins on members only; the owner on admins too.
    needs(gr.kick(&member, g, &[admin.user]).await.map(|_| ()), GroupRole::Admin);
    for act in 0..3 {
        let targets = [admin2.user, owner.user, member.user];
        let out = match act {
            0 => gr.ban(&admin, g, &targets, 5).await.unwrap(),
            1 => gr.block(&admin, g, &targets[..2]).await.unwrap(),
            _ => gr.kick(&admin, g, &targets[..2]).await.unwrap(),
        };
        for e in &out[..2] {
            assert!(matches!(e.result, Err(Error::GroupRoleNeeded { needs: GroupRole::Owner })), "{e:?}");
        }
        if act == 0 {
            assert!(out[2].result.is_ok());
        }
    }
    let out = gr.kick(&admin, g, &[admin.user, outsider.user]).await.unwrap();
    assert!(matches!(out[0].result, Err(Error::Invalid { .. })));
    assert!(matches!(out[1].result, Err(Error::NotGroupMember)));
    ok_all(&gr.ban(&owner, g, &[admin2.user], -1).await.unwrap());

    // Invitations: members while member_invite, admins always.
    let no_invite = SettingsPatch { member_invite: Some(false), ..Default::default() };
    gr.update_settings(&owner, g, no_invite).await.unwrap();
    needs(gr.invite(&member, g, &[outsider.user], "").await.map(|_| ()), GroupRole::Admin);
    needs(gr.qrcode_sign(&member, g).await.map(|_| ()), GroupRole::Admin);
    not_member(gr.invite(&outsider, g, &[outsider.user], "").await.map(|_| ()));

    // Reading needs membership; a public group's info is open to the app.
    not_member(gr.member_list(&outsider, g, &PageRequest::default()).await.map(|_| ()));
    not_member(gr.settings(&outsider, g).await.map(|_| ()));
    not_member(gr.announcements(&outsider, g).await.map(|_| ()));
    not_member(gr.files(&outsider, g).await.map(|_| ()));
    not_member(gr.banned_list(&outsider, g).await.map(|_| ()));
    not_member(gr.info(&outsider, g).await.map(|_| ()));
    needs(gr.blocked_list(&member, g).await.map(|_| ()), GroupRole::Admin);
    needs(gr.applications(&member, &[g], &PageRequest::default()).await.map(|_| ()), GroupRole::Admin);
    let public = gr.create(&owner, NewGroup { kind: 1, ..Default::default() }).await.unwrap().info.group.id;
    let seen = gr.info(&outsider, public).await.unwrap();
    assert_eq!((seen.group.kind, seen.me), (GroupType::Public, None));
    assert_eq!(gr.public_list(&outsider).await.unwrap(), vec![public]);
    assert!(matches!(
        gr.create(&owner, NewGroup { kind: 3, ..Default::default() }).await,
        Err(Error::Invalid { .. })
    ));

    // An app admin acting as the group's admin acts as its owner.
    let caller = h.admin().await;
    let acting = gr.owner_actor(&caller, g).await.unwrap();
    assert_eq!(acting.user, owner.user);
    let as_user =
        h.core.tokens().authenticate(&h.app, Some(&h.login("member", None).await.token)).await.unwrap();
    assert!(matches!(gr.owner_actor(&as_user, g).await, Err(Error::NoPermission)));
    assert!(matches!(gr.owner_actor(&caller, GroupId(i64::MAX)).await, Err(Error::GroupMissing)));
    gr.destroy(&acting, g).await.unwrap();
});

// The app's group limits: groups per app, owned per user, joined per user.

async fn set_limits(h: &Harness, per_app: i64, created: i64, joined: i64) {
    let patch = AppSettingsPatch {
        max_groups: Some(per_app),
        max_groups_created: Some(created),
        max_groups_joined: Some(joined),
        ..Default::default()
    };
    h.core.apps().update_settings(&h.app, patch).await.unwrap();
}

async fn try_create(h: &Harness, owner: &Actor) -> Result<GroupId, Error> {
    let new = NewGroup { name: "team".into(), ..Default::default() };
    h.core.groups().create(owner, new).await.map(|c| c.info.group.id)
}

scenario!(group_limit_settings, |h| async move {
    let settings = h.core.apps().get(&h.app).await.unwrap().settings;
    assert_eq!(
        (settings.max_groups, settings.max_groups_created, settings.max_groups_joined),
        (0, 500, 2000)
    );
    for patch in [
        AppSettingsPatch { max_groups: Some(-1), ..Default::default() },
        AppSettingsPatch { max_groups_created: Some(-1), ..Default::default() },
        AppSettingsPatch { max_groups_joined: Some(-1), ..Default::default() },
    ] {
        let r = h.core.apps().update_settings(&h.app, patch).await;
        assert!(matches!(r, Err(Error::Invalid { .. })), "{r:?}");
    }
    set_limits(&h, 7, 8, 9).await;
    let settings = h.core.apps().get(&h.app).await.unwrap().settings;
    assert_eq!((settings.max_groups, settings.max_groups_created, settings.max_groups_joined), (7, 8, 9));
});

scenario!(the_apps_group_limit, |h| async move {
    set_limits(&h, 2, 0, 0).await;
    let (a, b, c) =
        (user(&h, "usra", false).await, user(&h, "usrb", false).await, user(&h, "usrc", false).await);
    let g = try_create(&h, &a).await.unwrap();
    try_create(&h, &b).await.unwrap();
    let r = try_create(&h, &c).await;
    assert!(matches!(r, Err(Error::AppGroupLimit { max: 2 })), "{r:?}");
    // Another app's groups are not counted, nor are its limits these.
    let other = h.other_app("other-app").await;
    let stranger = h.core.users().register(&other, NewUser::new("zedd", "password1")).await.unwrap();
    try_create(&h, &Actor::new(other, stranger.id)).await.unwrap();
    // A destroyed group frees its place.
    h.core.groups().destroy(&a, g).await.unwrap();
    try_create(&h, &c).await.unwrap();
    let r = try_create(&h, &a).await;
    assert!(matches!(r, Err(Error::AppGroupLimit { max: 2 })), "{r:?}");
    // 0: no limit.
    set_limits(&h, 0, 0, 0).await;
    try_create(&h, &a).await.unwrap();
});

scenario!(the_groups_a_user_may_create, |h| async move {
    set_limits(&h, 0, 2, 0).await;
    let gr = h.core.groups();
    let owner = user(&h, "owner", false).await;
    let heir = user(&h, "heir", false).await;
    let g1 = group_of(&h, &owner, &[&heir]).await;
    let g2 = try_create(&h, &owner).await.unwrap();
    let r = try_create(&h, &owner).await;
    assert!(matches!(r, Err(Error::GroupsCreatedLimit { max: 2 })), "{r:?}");
    // Others are counted on their own.
    try_create(&h, &heir).await.unwrap();
    // The groups owned now count: a transferred group is the new owner's...
    gr.transfer(&owner, g1, heir.user).await.unwrap();
    try_create(&h, &owner).await.unwrap();
    let r = try_create(&h, &heir).await;
    assert!(matches!(r, Err(Error::GroupsCreatedLimit { max: 2 })), "{r:?}");
    // ...and a destroyed one nobody's.
    gr.destroy(&owner, g2).await.unwrap();
    try_create(&h, &owner).await.unwrap();
    let r = try_create(&h, &owner).await;
    assert!(matches!(r, Err(Error::GroupsCreatedLimit { max: 2 })), "{r:?}");
    assert_eq!(gr.user_joined(&owner).await.unwrap().len(), 3, "g1 as a member, and two owned");
});

scenario!(the_groups_a_user_may_join, |h| async move {
    set_limits(&h, 0, 0, 2).await;
    let gr = h.core.groups();
    let owners = [
        user(&h, "own1", false).await,
        user(&h, "own2", false).await,
        user(&h, "own3", false).await,
        user(&h, "own4", false).await,
    ];
    let mut groups = Vec::new();
    for o in &owners {
        groups.push(group_of(&h, o, &[]).await);
    }
    let open = SettingsPatch { apply_approval: Some(0), ..Default::default() };
    gr.update_settings(&owners[2], groups[2], open).await.unwrap();
    let j = user(&h, "joiner", false).await;
    let k = user(&h, "other", false).await;

    // In two groups: one joined by an invitation, one created (its owner is a member).
    ok_all(&gr.invite(&owners[0], groups[0], &[j.user], "").await.unwrap());
    let own = try_create(&h, &j).await.unwrap();
    let r = try_create(&h, &j).await;
    assert!(matches!(r, Err(Error::GroupsJoinedLimit { max: 2 })), "{r:?}");

    // Every way in is refused: a batch invite fails j's entry only...
    let entries = gr.invite(&owners[1], groups[1], &[j.user, k.user], "").await.unwrap();
    assert!(matches!(entries[0].result, Err(Error::GroupsJoinedLimit { max: 2 })), "{:?}", entries[0]);
    assert_eq!(entries[1].result.as_ref().ok(), Some(&JoinOutcome::Joined));
    // ...applying to a group anyone may join, a QR code...
    let r = gr.apply(&j, groups[2], "").await;
    assert!(matches!(r, Err(Error::GroupsJoinedLimit { max: 2 })), "{r:?}");
    let qr = gr.qrcode_sign(&owners[2], groups[2]).await.unwrap();
    let r = gr.qrcode_invite(&j, &qr.token).await;
    assert!(matches!(r, Err(Error::GroupsJoinedLimit { max: 2 })), "{r:?}");
    // ...an application approved (it stays pending)...
    assert!(matches!(gr.apply(&j, groups[3], "").await, Ok(JoinOutcome::Pending { .. })));
    let r = gr.handle_application(&owners[3], groups[3], j.user, true).await;
    assert!(matches!(r, Err(Error::GroupsJoinedLimit { max: 2 })), "{r:?}");
    // ...an invitation accepted (it stays pending too).
    let confirm = UserSettingsPatch { group_confirm: Some(true), ..Default::default() };
    h.core.settings().update(&j, confirm).await.unwrap();
    let entries = gr.invite(&owners[1], groups[1], &[j.user], "").await.unwrap();
    assert!(matches!(entries[0].result, Ok(JoinOutcome::Pending { .. })), "{:?}", entries[0]);
    let r = gr.handle_invitation(&j, groups[1], owners[1].user, true).await;
    assert!(matches!(r, Err(Error::GroupsJoinedLimit { max: 2 })), "{r:?}");
    let mut mine = vec![groups[0], own];
    mine.sort_unstable_by_key(|g| g.0);
    assert_eq!(gr.user_joined(&j).await.unwrap(), mine);

    // Leaving frees a place: the pending application can be approved now.
    gr.leave(&j, groups[0]).await.unwrap();
    gr.handle_application(&owners[3], groups[3], j.user, true).await.unwrap();
    // A destroyed group frees its place: the invitation can be accepted now.
    gr.destroy(&j, own).await.unwrap();
    gr.handle_invitation(&j, groups[1], owners[1].user, true).await.unwrap();
    assert_eq!(gr.user_joined(&j).await.unwrap().len(), 2);
    let r = gr.qrcode_invite(&j, &qr.token).await;
    assert!(matches!(r, Err(Error::GroupsJoinedLimit { max: 2 })), "{r:?}");
});

// Races: concurrent requests end consistent, settled by the group's lock
// and the database's constraints.

const ROUNDS: usize = 4;

scenario!(two_admins_handle_one_application_at_once, |h| async move {
    let h = Arc::new(h);
    let owner = user(&h, "owner", false).await;
    let admin = user(&h, "admin", false).await;
    let g = group_of(&h, &owner, &[&admin]).await;
    ok_all(&h.core.groups().admin_add(&owner, g, &[admin.user]).await.unwrap());
    for round in 0..ROUNDS {
        let applicant = user(&h, &format!("applicant{round}"), false).await;
        h.core.groups().apply(&applicant, g, "").await.unwrap();
        let mut tasks = Vec::new();
        for (who, approve) in [(owner.clone(), true), (admin.clone(), round % 2 == 0)] {
            let (h, applicant) = (h.clone(), applicant.user);
            tasks.push(tokio::spawn(async move {
                h.core.groups().handle_application(&who, g, applicant, approve).await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => ok += 1,
                Err(Error::GroupApplicationMissing) => {}
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        assert_eq!(ok, 1);
    }
    let info = h.core.groups().info(&owner, g).await.unwrap().group;
    assert_eq!(info.count as usize, members(&h, &owner, g).await.len());
});

scenario!(the_last_seat_taken_by_two_at_once, |h| async move {
    let h = Arc::new(h);
    let cap = AppSettingsPatch { group_capacity: Some(2 + ROUNDS as i64), ..Default::default() };
    h.core.apps().update_settings(&h.app, cap).await.unwrap();
    let owner = user(&h, "owner", false).await;
    let g = group_of(&h, &owner, &[]).await;
    let open = SettingsPatch { apply_approval: Some(0), ..Default::default() };
    h.core.groups().update_settings(&owner, g, open).await.unwrap();
    let mut joined = 0;
    for round in 0..ROUNDS + 1 {
        let mut tasks = Vec::new();
        for i in 0..2 {
            let a = user(&h, &format!("u{round}_{i}"), false).await;
            let h = h.clone();
            tasks.push(tokio::spawn(async move { h.core.groups().apply(&a, g, "").await }));
        }
        for t in tasks {
            match t.await.unwrap() {
                Ok(JoinOutcome::Joined) => joined += 1,
                Err(Error::GroupFull) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    // Capacity 2 + ROUNDS with the owner: exactly 1 + ROUNDS joined.
    assert_eq!(joined, 1 + ROUNDS);
    let info = h.core.groups().info(&owner, g).await.unwrap().group;
    assert_eq!(info.count, info.capacity);
    assert_eq!(members(&h, &owner, g).await.len() as i64, info.capacity);
});

scenario!(transfer_while_the_owner_leaves, |h| async move {
    let h = Arc::new(h);
    for round in 0..ROUNDS {
        let owner = user(&h, &format!("owner{round}"), false).await;
        let heir = user(&h, &format!("heir{round}"), false).await;
        let g = group_of(&h, &owner, &[&heir]).await;
        let (h1, h2, o1, o2, heir_id) = (h.clone(), h.clone(), owner.clone(), owner.clone(), heir.user);
        let transfer = tokio::spawn(async move { h1.core.groups().transfer(&o1, g, heir_id).await });
        let leave = tokio::spawn(async move { h2.core.groups().leave(&o2, g).await });
        transfer.await.unwrap().unwrap();
        let left = match leave.await.unwrap() {
            Ok(()) => true,
            Err(Error::OwnerCannotLeave) => false,
            Err(e) => panic!("unexpected {e:?}"),
        };
        let info = h.core.groups().info(&heir, g).await.unwrap().group;
        assert_eq!(info.owner, heir.user);
        assert_eq!(role(&h, &heir, g, &heir).await, Some(GroupRole::Owner));
        let expected = if left { None } else { Some(GroupRole::Member) };
        assert_eq!(role(&h, &heir, g, &owner).await, expected);
        assert_eq!(info.count as usize, members(&h, &heir, g).await.len());
    }
});

scenario!(the_last_group_a_user_may_create_taken_at_once, |h| async move {
    let h = Arc::new(h);
    set_limits(&h, 0, ROUNDS as i64, 0).await;
    let owner = user(&h, "owner", false).await;
    let tasks: Vec<_> = (0..2 * ROUNDS)
        .map(|_| {
            let (h, owner) = (h.clone(), owner.clone());
            tokio::spawn(async move { try_create(&h, &owner).await })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => created += 1,
            Err(Error::GroupsCreatedLimit { .. }) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(created, ROUNDS);
    assert_eq!(h.core.groups().user_joined(&owner).await.unwrap().len(), ROUNDS);
});

scenario!(the_apps_last_group_taken_at_once, |h| async move {
    let h = Arc::new(h);
    set_limits(&h, ROUNDS as i64, 0, 0).await;
    let mut tasks = Vec::new();
    for i in 0..2 * ROUNDS {
        let owner = user(&h, &format!("owner{i}"), false).await;
        let h = h.clone();
        tasks.push(tokio::spawn(async move { try_create(&h, &owner).await.map(|_| owner) }));
    }
    let mut owners = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(owner) => owners.push(owner),
            Err(Error::AppGroupLimit { .. }) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(owners.len(), ROUNDS);
    let mut groups = 0;
    for o in &owners {
        groups += h.core.groups().user_joined(o).await.unwrap().len();
    }
    assert_eq!(groups, ROUNDS);
});

// Two joins of one user to two groups hold two different group locks: the
// user's own lock is what keeps the count exact.
scenario!(the_last_group_a_user_may_join_taken_at_once, |h| async move {
    let h = Arc::new(h);
    set_limits(&h, 0, 0, ROUNDS as i64).await;
    let joiner = user(&h, "joiner", false).await;
    let open = SettingsPatch { apply_approval: Some(0), ..Default::default() };
    let mut groups = Vec::new();
    for i in 0..2 * ROUNDS {
        let owner = user(&h, &format!("owner{i}"), false).await;
        let g = group_of(&h, &owner, &[]).await;
        h.core.groups().update_settings(&owner, g, open.clone()).await.unwrap();
        groups.push(g);
    }
    let tasks: Vec<_> = groups
        .iter()
        .map(|g| {
            let (h, joiner, g) = (h.clone(), joiner.clone(), *g);
            tokio::spawn(async move { h.core.groups().apply(&joiner, g, "").await })
        })
        .collect();
    let mut joined = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(JoinOutcome::Joined) => joined += 1,
            Err(Error::GroupsJoinedLimit { .. }) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(joined, ROUNDS);
    assert_eq!(h.core.groups().user_joined(&joiner).await.unwrap().len(), ROUNDS);
});
