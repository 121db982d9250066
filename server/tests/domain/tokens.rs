//! Tokens in the core: the three logins and their failures, expiry and
//! revocation by password change, devices (kick, removal), and acting as a
//! user within one app only.

use std::time::Duration;

use server::core::devices::DeviceLogin;
use server::core::friends::ApplyRequest;
use server::core::users::NewUser;
use server::core::{DeviceSn, Error, Principal, UserId};

use crate::harness::PASSWORD;
use crate::scenario;

scenario!(login_variants_and_errors, |h| async move {
    let tokens = h.core.tokens();
    let a = h.open_user("alice").await;
    h.core.users().set_mobile(&a, Some("13900000000")).await.unwrap();
    h.core.users().set_email(&a, Some("alice@example.com")).await.unwrap();
    let r = tokens.login_by_username(&h.app, "alice", "wrong-pass", None).await;
    assert!(matches!(r, Err(Error::WrongPassword)));
    let r = tokens.login_by_username(&h.app, "nobody", PASSWORD, None).await;
    assert!(matches!(r, Err(Error::UserMissing)));
    for name in ["alice", "13900000000", "alice@example.com"] {
        let t = tokens.login_by_name(&h.app, name, PASSWORD, None).await.unwrap();
        assert_eq!(t.user, a.user);
        assert!(t.device.is_none());
    }
    let t = tokens.login_by_id(&h.app, a.user, PASSWORD, None).await.unwrap();
    assert_eq!(t.expires_at, h.core.now_ms() + 7 * 24 * 3600 * 1000);
    assert!(matches!(
        tokens.login_by_id(&h.app, UserId(i64::MAX), PASSWORD, None).await,
        Err(Error::UserMissing)
    ));

    assert!(matches!(tokens.authenticate(&h.app, None).await, Err(Error::TokenMissing)));
    assert!(matches!(tokens.authenticate(&h.app, Some("  ")).await, Err(Error::TokenMissing)));
    assert!(matches!(tokens.authenticate(&h.app, Some("garbage")).await, Err(Error::TokenInvalid)));
    assert!(matches!(tokens.authenticate(&h.app, Some(&"x".repeat(10_000))).await, Err(Error::TokenInvalid)));
    let caller = tokens.authenticate(&h.app, Some(&t.token)).await.unwrap();
    assert_eq!(caller.principal, Principal::User(a.user));
});

scenario!(token_expiry_and_password_change, |h| async move {
    let tokens = h.core.tokens();
    let a = h.open_user("alice").await;
    let t = h.login("alice", None).await;
    h.clock.advance(Duration::from_secs(7 * 24 * 3600 - 1));
    tokens.authenticate(&h.app, Some(&t.token)).await.unwrap();
    h.clock.advance(Duration::from_secs(1));
    assert!(matches!(tokens.authenticate(&h.app, Some(&t.token)).await, Err(Error::TokenExpired)));

    let t1 = h.login("alice", Some("phone")).await;
    let t2 = h.login("alice", None).await;
    let users = h.core.users();
    assert!(matches!(users.change_password(&a, "not-it", "newpass1").await, Err(Error::WrongPassword)));
    assert!(matches!(users.change_password(&a, PASSWORD, "short").await, Err(Error::Invalid { .. })));
    users.change_password(&a, PASSWORD, "newpass1").await.unwrap();
    for t in [&t1, &t2] {
        assert!(matches!(tokens.authenticate(&h.app, Some(&t.token)).await, Err(Error::TokenRevoked)));
    }
    assert!(matches!(
        tokens.login_by_username(&h.app, "alice", PASSWORD, None).await,
        Err(Error::WrongPassword)
    ));
    tokens.login_by_username(&h.app, "alice", "newpass1", None).await.unwrap();
    assert_eq!(tokens.purge_expired(h.core.now_ms() + 1).await.unwrap(), 1);
});

scenario!(devices_kick_and_removal, |h| async move {
    let tokens = h.core.tokens();
    let devices = h.core.devices();
    let a = h.open_user("alice").await;
    let phone = h.login("alice", Some("phone-guid")).await;
    let phone_again = h.login("alice", Some("phone-guid")).await;
    let laptop = h.login("alice", Some("laptop-guid")).await;
    let bare = h.login("alice", None).await;
    let (p, p2, l) =
        (phone.device.clone().unwrap(), phone_again.device.clone().unwrap(), laptop.device.clone().unwrap());
    assert_eq!(p.device_sn, DeviceSn(1));
    assert_eq!(p2, p, "same guid, same device and push token");
    assert_eq!(l.device_sn, DeviceSn(2));
    assert_ne!(l.push_token, p.push_token);
    let listed = devices.list(&a).await.unwrap();
    assert_eq!(listed.iter().map(|d| d.device_sn).collect::<Vec<_>>(), vec![DeviceSn(1), DeviceSn(2)]);
    assert_eq!(listed[0].guid, "phone-guid");
    let r = tokens
        .login_by_username(
            &h.app,
            "alice",
            PASSWORD,
            Some(DeviceLogin { platform: 9, ..DeviceLogin::new("g") }),
        )
        .await;
    assert!(matches!(r, Err(Error::Invalid { field: "platform", .. })));

    devices.bind_push_token(&a, l.device_sn, "apns-token", "prod").await.unwrap();
    let listed = devices.list(&a).await.unwrap();
    assert_eq!(listed[1].device_token.as_deref(), Some("apns-token"));
    devices.unbind_push_token(&a, l.device_sn).await.unwrap();
    assert!(matches!(devices.bind_push_token(&a, DeviceSn(99), "t", "n").await, Err(Error::DeviceMissing)));

    // Kick one device: its tokens die, the others live.
    devices.kick(&a, Some(p.device_sn)).await.unwrap();
    for t in [&phone, &phone_again] {
        assert!(matches!(tokens.authenticate(&h.app, Some(&t.token)).await, Err(Error::TokenRevoked)));
    }
    tokens.authenticate(&h.app, Some(&laptop.token)).await.unwrap();
    tokens.authenticate(&h.app, Some(&bare.token)).await.unwrap();
    assert_eq!(devices.list(&a).await.unwrap().len(), 2, "a kicked device stays registered");
    assert!(matches!(devices.kick(&a, Some(DeviceSn(42))).await, Err(Error::DeviceMissing)));

    // Removal forgets the device and its tokens.
    devices.remove(&a, l.device_sn).await.unwrap();
    assert!(matches!(tokens.authenticate(&h.app, Some(&laptop.token)).await, Err(Error::TokenRevoked)));
    assert!(matches!(devices.remove(&a, l.device_sn).await, Err(Error::DeviceMissing)));
    assert_eq!(devices.list(&a).await.unwrap().len(), 1);
    tokens.authenticate(&h.app, Some(&bare.token)).await.unwrap();

    // Kick without a device: every token.
    let again = h.login("alice", Some("phone-guid")).await;
    devices.kick(&a, None).await.unwrap();
    for t in [&again, &bare] {
        assert!(matches!(tokens.authenticate(&h.app, Some(&t.token)).await, Err(Error::TokenRevoked)));
    }
    // A new device after removal gets a fresh serial number.
    let tablet = h.login("alice", Some("tablet")).await;
    assert_eq!(tablet.device.unwrap().device_sn, DeviceSn(3));
});

scenario!(acting_as_and_app_isolation, |h| async move {
    let tokens = h.core.tokens();
    let a = h.open_user("alice").await;
    let b = h.open_user("bob").await;
    let ta = h.login("alice", None).await;
    let user_caller = tokens.authenticate(&h.app, Some(&ta.token)).await.unwrap();
    assert_eq!(tokens.act_as(&user_caller, None).await.unwrap(), a);
    assert_eq!(tokens.act_as(&user_caller, Some(a.user)).await.unwrap(), a);
    assert!(matches!(tokens.act_as(&user_caller, Some(b.user)).await, Err(Error::NoPermission)));
    assert!(matches!(tokens.issue_for(&user_caller, b.user, None).await, Err(Error::NoPermission)));

    let admin = h.admin().await;
    assert_eq!(tokens.act_as(&admin, Some(b.user)).await.unwrap(), b);
    assert!(matches!(tokens.act_as(&admin, None).await, Err(Error::Invalid { .. })));
    let issued = tokens.issue_for(&admin, b.user, Some(DeviceLogin::new("srv"))).await.unwrap();
    assert!(issued.device.is_some());
    assert_eq!(
        tokens.authenticate(&h.app, Some(&issued.token)).await.unwrap().principal,
        Principal::User(b.user)
    );

    // A second app: nothing of the first is reachable from it.
    let other = h.other_app("other").await;
    assert!(matches!(tokens.authenticate(&other, Some(&ta.token)).await, Err(Error::TokenInvalid)));
    let stranger = h.core.users().register(&other, NewUser::new("zed", PASSWORD)).await.unwrap();
    assert!(matches!(tokens.act_as(&admin, Some(stranger.id)).await, Err(Error::UserMissing)));
    assert!(matches!(tokens.login_by_id(&h.app, stranger.id, PASSWORD, None).await, Err(Error::UserMissing)));
    let r = h.core.friends().apply(&a, stranger.id, ApplyRequest::default()).await;
    assert!(matches!(r, Err(Error::UserMissing)), "{r:?}");
    assert!(matches!(h.core.friends().lookup_by_id(&a, stranger.id).await, Err(Error::UserMissing)));
});
