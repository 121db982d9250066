//! The notices log (`docs/notices.md`): every roster and group change
//! leaves its notices for the users the table there names, numbered 1, 2,
//! 3, ... per user; `since` resumes exactly where a reader stopped; a
//! refused change leaves nothing; parallel changes for one user (friend
//! applications and group joins at once) never share or skip a position;
//! a change to a large group appends one notice per member, and creating it
//! with its members does not tell each of every other's join.

use std::sync::Arc;

use serde_json::json;
use server::core::friends::{ApplyRequest, DeleteOptions, FriendPatch};
use server::core::groups::{InfoPatch, NewFile, NewGroup, SettingsPatch};
use server::core::notices::{Notice, NoticeKind, NoticeNamespace};
use server::core::settings::SettingsPatch as UserSettingsPatch;
use server::core::{Actor, Error, GroupId, UserId};

use crate::harness::Harness;
use crate::scenario;

use NoticeKind::*;

/// The user's whole log, checked to be numbered 1..=n without a gap.
async fn log(h: &Harness, who: &Actor) -> Vec<Notice> {
    let all = h.core.notices().since(who, 0, 1000).await.unwrap();
    let positions: Vec<i64> = all.iter().map(|n| n.position).collect();
    let expected: Vec<i64> = (1..=all.len() as i64).collect();
    assert_eq!(positions, expected, "positions of user {}", who.user.0);
    assert!(all.iter().all(|n| n.user == who.user));
    assert_eq!(h.core.notices().latest_position(who).await.unwrap(), all.len() as i64);
    all
}

/// (kind, from, to) of each notice in the user's log.
async fn seen(h: &Harness, who: &Actor) -> Vec<(NoticeKind, UserId, Option<UserId>)> {
    log(h, who).await.iter().map(|n| (n.kind, n.from, n.to)).collect()
}

async fn kinds(h: &Harness, who: &Actor) -> Vec<NoticeKind> {
    log(h, who).await.iter().map(|n| n.kind).collect()
}

async fn confirming(h: &Harness, name: &str, confirm: bool) -> Actor {
    let a = h.open_user(name).await;
    let patch = UserSettingsPatch { group_confirm: Some(confirm), ..Default::default() };
    h.core.settings().update(&a, patch).await.unwrap();
    a
}

fn apply_with(reason: &str) -> ApplyRequest {
    ApplyRequest { reason: reason.into(), ..Default::default() }
}

scenario!(every_kind_has_a_stable_code_and_the_sdk_type, |h| async move {
    let _ = h;
    let mut codes: Vec<&str> = NoticeKind::ALL.iter().map(|k| k.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), NoticeKind::ALL.len(), "a code is used twice");
    for k in NoticeKind::ALL {
        assert_eq!(NoticeKind::from_code(k.code()), Some(k));
    }
    assert_eq!((FriendApplied.namespace(), FriendApplied.sdk_type()), (NoticeNamespace::Roster, 7));
    assert_eq!((GroupKicked.namespace(), GroupKicked.sdk_type()), (NoticeNamespace::Group, 13));
    assert_eq!(GroupFileUpdated.sdk_type(), 28);
    assert_eq!(NoticeNamespace::Roster.code(), 3);
    assert_eq!(NoticeKind::from_code("roster.unknown"), None);
});

scenario!(roster_changes_leave_notices_for_the_right_users_in_order, |h| async move {
    let a = h.approving_user("alice").await;
    let b = h.approving_user("bob").await;
    let c = h.open_user("carol").await;
    let d = h.approving_user("dave").await;
    let f = h.core.friends();

    // Applied, then declined: both sides see both.
    f.apply(&a, b.user, apply_with("hi bob")).await.unwrap();
    f.decline(&b, a.user, "not now").await.unwrap();
    // Applied again and accepted.
    f.apply(&a, b.user, apply_with("please")).await.unwrap();
    f.accept(&b, a.user).await.unwrap();
    // Removed by alice.
    f.delete(&a, b.user, DeleteOptions::default()).await.unwrap();
    // Carol needs no consent: added at once.
    f.apply(&a, c.user, ApplyRequest::default()).await.unwrap();
    // Blocks and the friend's alias are alice's own business; a repeated
    // block and an unblock of nobody change nothing and say nothing.
    f.block(&a, c.user).await.unwrap();
    f.block(&a, c.user).await.unwrap();
    f.unblock(&a, c.user).await.unwrap();
    f.unblock(&a, c.user).await.unwrap();
    let patch = FriendPatch { alias: Some("C".into()), mute_notification: Some(true), ..Default::default() };
    f.set_ext(&a, c.user, patch).await.unwrap();
    // Dave had applied to alice first: alice's apply accepts it.
    f.apply(&d, a.user, ApplyRequest::default()).await.unwrap();
    f.apply(&a, d.user, ApplyRequest::default()).await.unwrap();
    // Server-side add (NetEase add type 1).
    f.delete(&a, c.user, DeleteOptions::default()).await.unwrap();
    f.add_directly(&c, a.user, None).await.unwrap();

    let (ua, ub, uc, ud) = (a.user, b.user, c.user, d.user);
    assert_eq!(
        seen(&h, &a).await,
        vec![
            (FriendApplied, ua, Some(ub)),
            (FriendDeclined, ub, Some(ua)),
            (FriendApplied, ua, Some(ub)),
            (FriendAccepted, ub, Some(ua)),
            (FriendRemoved, ua, Some(ub)),
            (FriendAdded, ua, Some(uc)),
            (FriendBlocked, ua, Some(uc)),
            (FriendUnblocked, ua, Some(uc)),
            (FriendInfoUpdated, ua, Some(uc)),
            (FriendApplied, ud, Some(ua)),
            (FriendAccepted, ua, Some(ud)),
            (FriendRemoved, ua, Some(uc)),
            (FriendAdded, uc, Some(ua)),
        ]
    );
    assert_eq!(
        seen(&h, &b).await,
        vec![
            (FriendApplied, ua, Some(ub)),
            (FriendDeclined, ub, Some(ua)),
            (FriendApplied, ua, Some(ub)),
            (FriendAccepted, ub, Some(ua)),
            (FriendRemoved, ua, Some(ub)),
        ]
    );
    assert_eq!(
        seen(&h, &c).await,
        vec![(FriendAdded, ua, Some(uc)), (FriendRemoved, ua, Some(uc)), (FriendAdded, uc, Some(ua))]
    );
    assert_eq!(seen(&h, &d).await, vec![(FriendApplied, ud, Some(ua)), (FriendAccepted, ua, Some(ud))]);

    let notes = log(&h, &a).await;
    assert_eq!(notes[0].payload["reason"], json!("hi bob"));
    assert_eq!(notes[1].payload["reason"], json!("not now"));
    assert_eq!(notes[2].payload["reason"], json!("please"));
    assert_ne!(notes[0].payload["application_id"], notes[2].payload["application_id"], "a new application");
    assert_eq!(notes[8].payload, json!({ "alias": "C", "mute_notification": true }));
    assert!(notes.iter().all(|n| n.group.is_none() && n.kind.namespace() == NoticeNamespace::Roster));
    assert!(notes.iter().all(|n| n.created_at == h.core.now_ms()));
});

scenario!(group_changes_leave_notices_for_the_members_concerned, |h| async move {
    let o = confirming(&h, "owner", false).await;
    let m1 = confirming(&h, "first", false).await;
    let m2 = confirming(&h, "second", true).await;
    let x = confirming(&h, "xavier", false).await;
    let y = confirming(&h, "yvonne", false).await;
    let z = confirming(&h, "zoe", false).await;
    let gs = h.core.groups();
    let (uo, u1, u2, ux, uy) = (o.user, m1.user, m2.user, x.user, y.user);

    // Created with two members: m1 joins at once, m2 must confirm.
    let new = NewGroup { name: "team".into(), members: vec![u1, u2], ..Default::default() };
    let created = gs.create(&o, new).await.unwrap();
    let g: GroupId = created.info.group.id;
    gs.handle_invitation(&m2, g, uo, true).await.unwrap();
    // x applies (admins approve by default) and is accepted; y is declined.
    gs.apply(&x, g, "let me in").await.unwrap();
    gs.handle_application(&o, g, ux, true).await.unwrap();
    gs.apply(&y, g, "me too").await.unwrap();
    gs.handle_application(&o, g, uy, false).await.unwrap();
    // m1 becomes an admin and kicks x.
    gs.admin_add(&o, g, &[u1]).await.unwrap();
    let kicked = gs.kick(&m1, g, &[ux]).await.unwrap();
    assert!(kicked[0].result.is_ok());
    gs.ban(&m1, g, &[u2], 10).await.unwrap();
    gs.unban(&m1, g, &[u2]).await.unwrap();
    gs.update_info(&o, g, InfoPatch { name: Some("crew".into()), ..Default::default() }).await.unwrap();
    let settings = SettingsPatch { member_invite: Some(false), ..Default::default() };
    gs.update_settings(&o, g, settings).await.unwrap();
    gs.ban_all(&o, g, -1).await.unwrap();
    gs.unban_all(&o, g).await.unwrap();
    let ann = gs.announcement_edit(&o, g, "hello", "read me").await.unwrap();
    gs.announcement_delete(&o, g, ann.id).await.unwrap();
    let file = NewFile { name: "a.txt".into(), size: 3, file_type: "txt".into(), url: "http://f/a".into() };
    let file = gs.file_upload(&m2, g, file).await.unwrap();
    gs.file_rename(&m2, g, file.id, "b.txt").await.unwrap();
    gs.file_delete(&m2, g, &[file.id]).await.unwrap();
    gs.set_display_name(&m2, g, "em").await.unwrap();
    gs.set_msg_mute_mode(&m2, g, 1).await.unwrap();
    // Blocks: y is not a member (admins and y hear of it), then unblocked.
    gs.block(&o, g, &[uy]).await.unwrap();
    gs.unblock(&o, g, &[uy]).await.unwrap();
    gs.admin_remove(&o, g, &[u1]).await.unwrap();
    gs.transfer(&o, g, u1).await.unwrap();
    gs.leave(&o, g).await.unwrap();
    // The QR code way in, then the end.
    let qr = gs.qrcode_sign(&m1, g).await.unwrap();
    gs.qrcode_invite(&z, &qr.token).await.unwrap();
    gs.destroy(&m1, g).await.unwrap();

    let all_members_after_join_of_x = [
        GroupAdminGranted,
        GroupKicked,
        GroupBanned,
        GroupUnbanned,
        GroupInfoUpdated,
        GroupInfoUpdated,
        GroupInfoUpdated,
        GroupInfoUpdated,
        GroupAnnouncementUpdated,
        GroupAnnouncementUpdated,
        GroupFileUploaded,
        GroupFileUpdated,
        GroupFileDeleted,
        GroupInfoUpdated,
    ];
    let mut owner = vec![GroupCreated, GroupJoined, GroupInvited, GroupInviteAccepted];
    owner.extend([GroupApplied, GroupApplyAccepted, GroupApplied, GroupApplyDeclined]);
    owner.extend(all_members_after_join_of_x);
    owner.extend([GroupBlocked, GroupUnblocked, GroupAdminRevoked, GroupOwnerAssigned, GroupLeft]);
    assert_eq!(kinds(&h, &o).await, owner);

    let mut first = vec![GroupJoined, GroupInviteAccepted, GroupApplyAccepted];
    first.extend(all_members_after_join_of_x);
    // m1 was an admin at the block and unblock.
    first.extend([GroupBlocked, GroupUnblocked, GroupAdminRevoked, GroupOwnerAssigned, GroupLeft]);
    first.extend([GroupJoined, GroupDestroyed]);
    assert_eq!(kinds(&h, &m1).await, first);

    let mut second = vec![GroupInvited, GroupInviteAccepted, GroupApplyAccepted];
    second.extend(all_members_after_join_of_x);
    second.extend([GroupMessageSetting, GroupAdminRevoked, GroupOwnerAssigned, GroupLeft]);
    second.extend([GroupJoined, GroupDestroyed]);
    assert_eq!(kinds(&h, &m2).await, second);

    assert_eq!(kinds(&h, &x).await, vec![GroupApplied, GroupApplyAccepted, GroupAdminGranted, GroupKicked]);
    assert_eq!(kinds(&h, &y).await, vec![GroupApplied, GroupApplyDeclined, GroupBlocked, GroupUnblocked]);
    assert_eq!(kinds(&h, &z).await, vec![GroupJoined, GroupDestroyed]);

    // Who acted and on whom, and the payloads a client reads.
    let notes = log(&h, &m2).await;
    assert!(notes.iter().all(|n| n.group == Some(g)));
    assert_eq!((notes[0].from, notes[0].to), (uo, Some(u2)));
    assert_eq!((notes[1].from, notes[1].to), (u2, Some(uo)));
    let by_kind = |k: NoticeKind| notes.iter().filter(move |n| n.kind == k);
    let kick = by_kind(GroupKicked).next().unwrap();
    assert_eq!((kick.from, kick.to), (u1, Some(ux)));
    let ban = by_kind(GroupBanned).next().unwrap();
    assert_eq!((ban.from, ban.to, ban.payload["minutes"].clone()), (u1, Some(u2), json!(10)));
    let infos: Vec<_> = by_kind(GroupInfoUpdated).map(|n| n.payload.clone()).collect();
    assert_eq!(infos[0], json!({ "name": "crew" }));
    assert_eq!(infos[1], json!({ "member_invite": false }));
    assert_eq!(infos[2], json!({ "property": "ban_expire_time", "ban_expire_time": -1 }));
    assert_eq!(infos[3], json!({ "property": "ban_expire_time", "ban_expire_time": 0 }));
    assert_eq!(infos[4], json!({ "property": "display_name", "display_name": "em" }));
    let upload = by_kind(GroupFileUploaded).next().unwrap();
    assert_eq!(upload.payload, json!({ "file_id": file.id.0, "name": "a.txt", "size": 3 }));
    let owner_change = by_kind(GroupOwnerAssigned).next().unwrap();
    assert_eq!((owner_change.from, owner_change.to), (uo, Some(u1)));
    let qr_join = by_kind(GroupJoined).next().unwrap();
    assert_eq!(
        (qr_join.from, qr_join.to, qr_join.payload["inviter"].clone()),
        (z.user, Some(z.user), json!(u1.0))
    );
    assert_eq!(log(&h, &y).await[0].payload["reason"], json!("me too"));
});

scenario!(since_resumes_exactly_where_the_reader_stopped, |h| async move {
    let a = h.open_user("alice").await;
    let b = h.open_user("bob").await;
    for _ in 0..5 {
        h.core.friends().apply(&a, b.user, ApplyRequest::default()).await.unwrap();
        h.core.friends().delete(&a, b.user, DeleteOptions::default()).await.unwrap();
    }
    let n = h.core.notices();
    assert_eq!(n.latest_position(&a).await.unwrap(), 10);
    let mut read = Vec::new();
    let mut last = 0;
    loop {
        let page = n.since(&a, last, 3).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        last = page.last().unwrap().position;
        read.extend(page);
    }
    assert_eq!(read, log(&h, &a).await);
    assert_eq!(read.iter().map(|x| x.position).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>());
    let tail = n.since(&a, 7, 100).await.unwrap();
    assert_eq!(tail.iter().map(|x| x.position).collect::<Vec<_>>(), vec![8, 9, 10]);
    assert!(n.since(&a, 10, 100).await.unwrap().is_empty());
    assert!(n.since(&a, 99, 100).await.unwrap().is_empty());
    // Someone else's log, another app's user: nothing of alice's.
    let c = h.open_user("carol").await;
    assert!(n.since(&c, 0, 100).await.unwrap().is_empty());
    assert_eq!(n.latest_position(&c).await.unwrap(), 0);
    let other = h.other_app("other").await;
    let stranger = Actor::new(other, a.user);
    assert!(n.since(&stranger, 0, 100).await.unwrap().is_empty());
    // Bad input is an error, not a panic.
    for (after, limit) in [(-1, 10), (0, 0), (0, -5), (0, 1001)] {
        let r = n.since(&a, after, limit).await;
        assert!(matches!(r, Err(Error::Invalid { .. })), "{after} {limit}: {r:?}");
    }
});

scenario!(a_refused_change_leaves_no_notice, |h| async move {
    let a = h.approving_user("alice").await;
    let b = h.approving_user("bob").await;
    let m = confirming(&h, "member", false).await;
    let f = h.core.friends();
    f.block(&b, a.user).await.unwrap();
    let before = (kinds(&h, &a).await, kinds(&h, &b).await, kinds(&h, &m).await);
    assert_eq!(before.1, vec![FriendBlocked]);

    assert!(matches!(f.apply(&a, b.user, ApplyRequest::default()).await, Err(Error::Blocked)));
    assert!(f.accept(&a, b.user).await.is_err());
    assert!(f.decline(&a, b.user, "").await.is_err());
    assert!(matches!(f.delete(&a, b.user, DeleteOptions::default()).await, Err(Error::NotFriends)));
    assert!(f.set_ext(&a, b.user, FriendPatch::default()).await.is_err());

    let new = NewGroup { name: "g".into(), members: vec![m.user], ..Default::default() };
    let g = h.core.groups().create(&b, new).await.unwrap().info.group.id;
    let before_group = (kinds(&h, &b).await, kinds(&h, &m).await);
    let gs = h.core.groups();
    // A plain member may not kick, ban, rename or destroy; an outsider may not leave.
    assert!(gs.kick(&m, g, &[b.user]).await.is_err());
    assert!(gs.ban(&m, g, &[b.user], 5).await.is_err());
    assert!(gs.update_info(&m, g, InfoPatch { name: Some("x".into()), ..Default::default() }).await.is_err());
    assert!(gs.destroy(&m, g).await.is_err());
    assert!(gs.leave(&a, g).await.is_err());
    assert!(gs.apply(&m, g, "").await.is_err(), "already a member");
    let entries = gs.kick(&b, g, &[a.user]).await.unwrap();
    assert!(entries[0].result.is_err(), "not a member");

    assert_eq!((kinds(&h, &b).await, kinds(&h, &m).await), before_group);
    assert_eq!(kinds(&h, &a).await, before.0);
});

scenario!(parallel_changes_for_one_user_get_distinct_gap_free_positions, |h| async move {
    let h = Arc::new(h);
    let target = h.approving_user("target").await;
    // The target owns an open group, so joins tell it too.
    let g = h
        .core
        .groups()
        .create(&target, NewGroup { name: "open".into(), ..Default::default() })
        .await
        .unwrap();
    let g = g.info.group.id;
    let open = SettingsPatch { apply_approval: Some(0), ..Default::default() };
    h.core.groups().update_settings(&target, g, open).await.unwrap();
    let base = h.core.notices().latest_position(&target).await.unwrap();
    assert_eq!(base, 2);

    let mut applicants = Vec::new();
    for i in 0..20 {
        applicants.push(confirming(&h, &format!("user{i}"), false).await);
    }
    let mut tasks = Vec::new();
    for (i, a) in applicants.iter().cloned().enumerate() {
        let h = h.clone();
        let t = target.user;
        tasks.push(tokio::spawn(async move {
            h.core.friends().apply(&a, t, ApplyRequest::default()).await.map(|_| ())?;
            if i % 2 == 0 { h.core.groups().apply(&a, g, "").await.map(|_| ()) } else { Ok(()) }
        }));
    }
    // A reader following the log meanwhile never sees a position before
    // every smaller one: each page starts right after the last it saw.
    let (hr, tr) = (h.clone(), target.clone());
    let reader = tokio::spawn(async move {
        let mut last = 2;
        while last < 2 + 20 + 10 {
            let page = hr.core.notices().since(&tr, last, 1000).await.unwrap();
            for n in page {
                assert_eq!(n.position, last + 1, "read past a gap");
                last = n.position;
            }
            tokio::task::yield_now().await;
        }
    });
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    tokio::time::timeout(std::time::Duration::from_secs(30), reader).await.expect("reader done").unwrap();
    let notes = log(&h, &target).await;
    assert_eq!(notes.len(), 2 + 20 + 10);
    let applied: Vec<UserId> = notes.iter().filter(|n| n.kind == FriendApplied).map(|n| n.from).collect();
    let mut distinct = applied.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 20, "one application notice per applicant");
    assert_eq!(notes.iter().filter(|n| n.kind == GroupJoined).count(), 10);
    for a in &applicants {
        let mine = log(&h, a).await;
        assert_eq!(mine[0].kind, FriendApplied);
    }
});

scenario!(a_change_to_a_large_group_tells_every_member_once, |h| async move {
    let owner = confirming(&h, "owner", false).await;
    let mut members = Vec::new();
    for i in 0..300 {
        members.push(confirming(&h, &format!("member{i}"), false).await);
    }
    let ids: Vec<UserId> = members.iter().map(|m| m.user).collect();
    let new = NewGroup { name: "big".into(), members: ids, ..Default::default() };
    let g = h.core.groups().create(&owner, new).await.unwrap().info.group.id;
    let patch = InfoPatch { description: Some("everyone hears".into()), ..Default::default() };
    h.core.groups().update_info(&owner, g, patch).await.unwrap();
    // The owner heard of each join and the update; the members listed at
    // creation each of their own join only (not of the others'), then the update.
    assert_eq!(log(&h, &owner).await.len(), 1 + 300 + 1);
    for (k, m) in members.iter().enumerate() {
        let mine = log(&h, m).await;
        assert_eq!(mine.len(), 2, "member {k}");
        assert_eq!(mine[0].kind, GroupJoined);
        assert_eq!(mine[0].to, Some(m.user));
        assert_eq!(mine.last().unwrap().payload, json!({ "description": "everyone hears" }));
    }
});

scenario!(parallel_changes_to_groups_sharing_members_neither_deadlock_nor_skip, |h| async move {
    let h = Arc::new(h);
    let mut people = Vec::new();
    for i in 0..12 {
        people.push(confirming(&h, &format!("person{i}"), false).await);
    }
    let ids: Vec<UserId> = people.iter().map(|p| p.user).collect();
    // Two groups with the same members, owned by different people: a
    // change to either tells all twelve, each transaction moving twelve
    // counters while the other group's changes move the same ones.
    let mut groups = Vec::new();
    for owner in [&people[0], &people[1]] {
        let new = NewGroup { name: "shared".into(), members: ids.clone(), ..Default::default() };
        groups.push((owner.clone(), h.core.groups().create(owner, new).await.unwrap().info.group.id));
    }
    let before: Vec<i64> = {
        let mut v = Vec::new();
        for p in &people {
            v.push(h.core.notices().latest_position(p).await.unwrap());
        }
        v
    };
    let mut tasks = Vec::new();
    for round in 0..8 {
        for (owner, g) in groups.clone() {
            let h = h.clone();
            tasks.push(tokio::spawn(async move {
                let patch = InfoPatch { name: Some(format!("round{round}")), ..Default::default() };
                h.core.groups().update_info(&owner, g, patch).await
            }));
        }
        // And friend changes between members at the same time.
        let (h2, a, b) = (h.clone(), people[2 + round].clone(), people[3 + round].user);
        tasks.push(tokio::spawn(async move {
            h2.core.friends().apply(&a, b, ApplyRequest::default()).await.map(|_| ())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    for (i, p) in people.iter().enumerate() {
        let notes = log(&h, p).await;
        let friend_notices =
            [(2..=9).contains(&i), (3..=10).contains(&i)].iter().filter(|x| **x).count() as i64;
        assert_eq!(notes.len() as i64, before[i] + 16 + friend_notices, "person {i}");
    }
});
