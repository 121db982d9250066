//! The file rules of the core (`docs/files.md`), without HTTP, on memory
//! storage: which slots are refused, the upload route's checks (signature,
//! expiry, declared size, one upload per slot), who may read a chat or
//! group file (membership at the time of reading: a kicked member loses
//! it), forwarding, and the group shared file check.

use std::time::Duration;

use bytes::Bytes;
use server::core::files::{Download, DownloadRef, Slot, SlotFor, UploadPermit, UploadTarget};
use server::core::groups::NewGroup;
use server::core::settings::SettingsPatch;
use server::core::{Actor, Error, GroupId, UserId};

use crate::harness::Harness;
use crate::scenario;

async fn user(h: &Harness, name: &str) -> Actor {
    let a = h.open_user(name).await;
    let patch = SettingsPatch { group_confirm: Some(false), ..Default::default() };
    h.core.settings().update(&a, patch).await.unwrap();
    a
}

fn chat(file_type: i32, to_type: i32, to_id: i64) -> SlotFor {
    SlotFor::Chat { file_type, to_type, to_id }
}

fn sign(slot: &Slot) -> String {
    match &slot.download {
        DownloadRef::FileSign(s) => s.clone(),
        other => panic!("not a chat file: {other:?}"),
    }
}

async fn permit(h: &Harness, slot: &Slot, declared: Option<u64>) -> Result<UploadPermit, Error> {
    let UploadTarget::Server { file, expires_at, sig } = &slot.upload else {
        panic!("memory storage signs nothing")
    };
    h.core.files().permit_upload(&h.app, *file, *expires_at, sig, declared).await
}

async fn upload(h: &Harness, slot: &Slot, bytes: &'static [u8]) {
    let p = permit(h, slot, Some(bytes.len() as u64)).await.expect("permit");
    h.core.files().finish_upload(&h.app, &p, Bytes::from_static(bytes), "text/plain").await.expect("stored");
}

async fn read(h: &Harness, who: &Actor, sign: &str) -> Result<Vec<u8>, Error> {
    match h.core.files().download_chat(who, sign, None).await? {
        Download::Bytes { bytes, .. } => Ok(bytes.to_vec()),
        Download::Redirect(url) => panic!("memory storage redirects nowhere: {url}"),
    }
}

async fn group_of(h: &Harness, owner: &Actor, members: &[&Actor]) -> GroupId {
    let new = NewGroup {
        name: "team".into(),
        members: members.iter().map(|a| a.user).collect(),
        ..Default::default()
    };
    h.core.groups().create(owner, new).await.unwrap().info.group.id
}

scenario!(slots_are_refused_for_what_the_caller_may_not_send, |h| async move {
    let a = user(&h, "alice").await;
    let b = user(&h, "bob").await;
    let files = h.core.files();
    assert!(matches!(
        files.slot(&a, chat(105, 1, b.user.0)).await,
        Err(Error::Invalid { field: "file_type", .. })
    ));
    assert!(matches!(
        files.slot(&a, chat(200, 1, b.user.0)).await,
        Err(Error::Invalid { field: "to_type", .. })
    ));
    assert!(matches!(
        files.slot(&a, chat(100, 3, b.user.0)).await,
        Err(Error::Invalid { field: "to_type", .. })
    ));
    assert!(matches!(files.slot(&a, chat(100, 1, 999_999)).await, Err(Error::UserMissing)));
    let group = group_of(&h, &b, &[]).await;
    assert!(matches!(files.slot(&a, chat(100, 2, group.0)).await, Err(Error::NotGroupMember)));
    assert!(matches!(files.slot(&a, SlotFor::GroupAvatar(group)).await, Err(Error::NotGroupMember)));
    assert!(files.slot(&b, chat(202, 2, group.0)).await.is_ok());
});

scenario!(the_upload_route_checks_signature_expiry_size_and_reuse, |h| async move {
    let a = user(&h, "alice").await;
    let b = user(&h, "bob").await;
    let files = h.core.files();
    let slot = files.slot(&a, chat(100, 1, b.user.0)).await.unwrap();
    let UploadTarget::Server { file, expires_at, sig } = slot.upload.clone() else { panic!() };
    let forged = files.permit_upload(&h.app, file, expires_at, "00", None).await;
    assert!(matches!(forged, Err(Error::FileForbidden)));
    let longer = files.permit_upload(&h.app, file, expires_at + 60_000, &sig, None).await;
    assert!(matches!(longer, Err(Error::FileForbidden)), "the expiry is signed");
    let too_large = permit(&h, &slot, Some(slot.max_size as u64 + 1)).await;
    assert!(matches!(too_large, Err(Error::FileTooLarge { .. })));
    assert!(matches!(read(&h, &b, &sign(&slot)).await, Err(Error::FileMissing)));
    upload(&h, &slot, b"hello").await;
    assert!(matches!(permit(&h, &slot, None).await, Err(Error::FileForbidden)), "one slot, one upload");

    let late = files.slot(&a, chat(100, 1, b.user.0)).await.unwrap();
    h.clock.advance(Duration::from_secs(15 * 60));
    assert!(matches!(permit(&h, &late, None).await, Err(Error::UploadExpired)));
});

scenario!(chat_files_are_read_by_sender_and_receiver_and_forwarded, |h| async move {
    let a = user(&h, "alice").await;
    let b = user(&h, "bob").await;
    let c = user(&h, "carol").await;
    let files = h.core.files();
    let slot = files.slot(&a, chat(100, 1, b.user.0)).await.unwrap();
    upload(&h, &slot, b"to bob").await;
    let s = sign(&slot);
    assert_eq!(read(&h, &a, &s).await.unwrap(), b"to bob");
    assert_eq!(read(&h, &b, &s).await.unwrap(), b"to bob");
    assert!(matches!(read(&h, &c, &s).await, Err(Error::FileForbidden)));
    assert!(matches!(files.forward(&c, &s, 1, c.user.0).await, Err(Error::FileForbidden)));
    let to_carol = files.forward(&b, &s, 1, c.user.0).await.unwrap();
    assert_eq!(read(&h, &c, &to_carol).await.unwrap(), b"to bob");
    assert!(matches!(files.forward(&b, &s, 1, 999_999).await, Err(Error::UserMissing)));
    // Another app's secret signs nothing here.
    let other = server::core::AppId::parse("other-app").unwrap();
    h.core.apps().create(other.clone()).await.unwrap();
    let stranger = Actor::new(other, UserId(b.user.0));
    assert!(matches!(read(&h, &stranger, &s).await, Err(Error::Invalid { field: "file_sign", .. })));
});

scenario!(group_files_follow_membership, |h| async move {
    let a = user(&h, "alice").await;
    let b = user(&h, "bob").await;
    let group = group_of(&h, &a, &[&b]).await;
    let files = h.core.files();
    let shared = files.slot(&a, chat(200, 2, group.0)).await.unwrap();
    upload(&h, &shared, b"plan").await;
    let s = sign(&shared);
    assert_eq!(read(&h, &b, &s).await.unwrap(), b"plan");
    assert!(files.check_group_shared(&b, group, &s).await.is_ok());
    let other = group_of(&h, &a, &[]).await;
    assert!(matches!(
        files.check_group_shared(&a, other, &s).await,
        Err(Error::Invalid { field: "url", .. })
    ));
    let chat_file = files.slot(&a, chat(100, 2, group.0)).await.unwrap();
    upload(&h, &chat_file, b"chat").await;
    let wrong = files.check_group_shared(&a, group, &sign(&chat_file)).await;
    assert!(matches!(wrong, Err(Error::Invalid { field: "url", .. })));

    h.core.groups().kick(&a, group, &[b.user]).await.unwrap();
    assert!(matches!(read(&h, &b, &s).await, Err(Error::FileForbidden)), "a kicked member reads no more");
    assert_eq!(read(&h, &a, &s).await.unwrap(), b"plan", "the sender still does");
});

scenario!(two_uploads_to_one_slot_at_once_one_wins, |h| async move {
    let a = user(&h, "alice").await;
    let b = user(&h, "bob").await;
    let slot = h.core.files().slot(&a, chat(100, 1, b.user.0)).await.unwrap();
    let p = permit(&h, &slot, None).await.unwrap();
    let files = h.core.files();
    let (first, second) = tokio::join!(
        files.finish_upload(&h.app, &p, Bytes::from_static(b"first"), ""),
        files.finish_upload(&h.app, &p, Bytes::from_static(b"second"), ""),
    );
    let winner: &[u8] = match (&first, &second) {
        (Ok(()), Err(Error::FileForbidden)) => b"first",
        (Err(Error::FileForbidden), Ok(())) => b"second",
        other => panic!("exactly one upload must win: {other:?}"),
    };
    assert_eq!(read(&h, &b, &sign(&slot)).await.unwrap(), winner);
});
