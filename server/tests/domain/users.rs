//! Users in the core: username and password rules, batch registration,
//! profile and contact changes, settings stored as set, disable and enable,
//! online status.

use server::core::settings::{AuthMode, SettingsPatch, UserSettings};
use server::core::users::{NewUser, ProfilePatch, ValidNewUser};
use server::core::{Actor, AppId, Error, UserId};

use crate::harness::PASSWORD;
use crate::scenario;

scenario!(username_and_password_rules, |h| async move {
    let users = h.core.users();
    for bad in ["ab", "has space", "with@at", "x".repeat(33).as_str(), "名字名字"] {
        let r = users.register(&h.app, NewUser::new(bad, PASSWORD)).await;
        assert!(matches!(r, Err(Error::Invalid { field: "username", .. })), "{bad}: {r:?}");
    }
    for bad in ["12345", &"p".repeat(65)] {
        let r = users.register(&h.app, NewUser::new("alice", bad)).await;
        assert!(matches!(r, Err(Error::Invalid { field: "password", .. })), "{r:?}");
    }
    let alice = users.register(&h.app, NewUser::new("alice", "123456")).await.unwrap();
    assert_eq!(alice.username, "alice");
    assert!(matches!(
        users.register(&h.app, NewUser::new("alice", PASSWORD)).await,
        Err(Error::UsernameTaken)
    ));
    // Names are per app.
    let other = h.other_app("other").await;
    let twin = users.register(&other, NewUser::new("alice", PASSWORD)).await.unwrap();
    assert_ne!(twin.id, alice.id);
    let ghost = AppId::parse("ghost").unwrap();
    assert!(matches!(users.register(&ghost, NewUser::new("bob", PASSWORD)).await, Err(Error::AppMissing)));
    // The UNIQUE constraint itself (not only the early check) answers UsernameTaken.
    let raw = ValidNewUser { username: "alice".into(), password_hash: "x".into(), mobile: None, email: None };
    assert!(matches!(h.core.db().insert_user(&h.app, &raw, 0).await, Err(Error::UsernameTaken)));
    let bad_mobile = NewUser { mobile: Some("12ab".into()), ..NewUser::new("bob", PASSWORD) };
    assert!(matches!(users.register(&h.app, bad_mobile).await, Err(Error::Invalid { field: "mobile", .. })));
});

scenario!(batch_register_is_per_entry_and_admin_only, |h| async move {
    let admin = h.admin().await;
    let list = vec![
        NewUser::new("one", PASSWORD),
        NewUser::new("x", PASSWORD),
        NewUser::new("one", PASSWORD),
        NewUser::new("two", PASSWORD),
    ];
    let results = h.core.users().register_batch(&admin, list).await.unwrap();
    assert!(results[0].is_ok());
    assert!(matches!(results[1], Err(Error::Invalid { .. })));
    assert!(matches!(results[2], Err(Error::UsernameTaken)));
    assert!(results[3].is_ok());
    let token = h.login("one", None).await;
    let caller = h.core.tokens().authenticate(&h.app, Some(&token.token)).await.unwrap();
    let r = h.core.users().register_batch(&caller, vec![NewUser::new("three", PASSWORD)]).await;
    assert!(matches!(r, Err(Error::NoPermission)));
});

scenario!(profile_contacts_and_username_change, |h| async move {
    let users = h.core.users();
    let a = h.open_user("alice").await;
    let b = h.open_user("bob").await;
    let patch = ProfilePatch {
        nick_name: Some("Alice".into()),
        avatar: Some("https://a/x.png".into()),
        description: Some("desc".into()),
        public_info: Some("pub".into()),
        private_info: Some("secret".into()),
    };
    let p = users.update_profile(&a, patch).await.unwrap();
    assert_eq!((p.nick_name.as_str(), p.private_info.as_str()), ("Alice", "secret"));
    // Unset fields stay as they were.
    let p = users
        .update_profile(&a, ProfilePatch { nick_name: Some("Al".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!((p.nick_name.as_str(), p.avatar.as_str()), ("Al", "https://a/x.png"));
    let long = ProfilePatch { nick_name: Some("n".repeat(65)), ..Default::default() };
    assert!(matches!(users.update_profile(&a, long).await, Err(Error::Invalid { field: "nick_name", .. })));

    assert_eq!(
        users.set_mobile(&a, Some("13800000000")).await.unwrap().mobile.as_deref(),
        Some("13800000000")
    );
    assert!(matches!(users.set_mobile(&b, Some("13800000000")).await, Err(Error::MobileTaken)));
    assert_eq!(users.by_mobile(&h.app, "13800000000").await.unwrap().id, a.user);
    assert_eq!(users.set_mobile(&a, Some("")).await.unwrap().mobile, None);
    users.set_mobile(&b, Some("13800000000")).await.unwrap();
    users.set_email(&a, Some("a@example.com")).await.unwrap();
    assert!(matches!(users.set_email(&b, Some("a@example.com")).await, Err(Error::EmailTaken)));

    assert!(matches!(users.set_username(&a, "bob").await, Err(Error::UsernameTaken)));
    assert_eq!(users.set_username(&a, "alice2").await.unwrap().username, "alice2");
    assert!(matches!(users.by_username(&h.app, "alice").await, Err(Error::UserMissing)));
    h.core.tokens().login_by_username(&h.app, "alice2", PASSWORD, None).await.unwrap();

    let ghost = Actor::new(h.app.clone(), UserId(i64::MAX));
    assert!(matches!(users.profile(&ghost).await, Err(Error::UserMissing)));
    assert!(matches!(users.update_profile(&ghost, ProfilePatch::default()).await, Err(Error::UserMissing)));
});

scenario!(settings_are_stored_as_set, |h| async move {
    let settings = h.core.settings();
    let user = h.core.users().register(&h.app, NewUser::new("carol", PASSWORD)).await.unwrap();
    let me = h.actor(user.id);
    let defaults = settings.get(&me).await.unwrap();
    assert_eq!(defaults, UserSettings::default());
    // The real service's registration answer: auth mode 0, every switch off.
    assert_eq!(defaults.auth_mode, AuthMode::Open);
    assert!(!defaults.group_confirm && !defaults.auto_download && !defaults.vibratory);
    assert!(!defaults.no_push && !defaults.no_push_detail && !defaults.no_sounds);
    let patch = SettingsPatch {
        auth_mode: Some(2),
        auth_question: Some("color?".into()),
        auth_answer: Some("blue".into()),
        group_confirm: Some(true),
        auto_download: Some(true),
        no_push: Some(true),
        no_push_detail: Some(true),
        no_push_start_hour: Some(22),
        no_push_end_hour: Some(7),
        no_sounds: Some(true),
        vibratory: Some(true),
        push_nick_name: Some("C".into()),
        push_token: Some("pt".into()),
        push_alias: Some("alias".into()),
        badge: Some(3),
        silence_start_time: Some(100),
        silence_end_time: Some(200),
    };
    let s = settings.update(&me, patch).await.unwrap();
    assert_eq!(s.auth_mode, AuthMode::Question);
    assert_eq!((s.auth_question.as_str(), s.auth_answer.as_str()), ("color?", "blue"));
    assert!(
        s.group_confirm && s.auto_download && s.no_push && s.no_push_detail && s.no_sounds && s.vibratory
    );
    assert_eq!((s.no_push_start_hour, s.no_push_end_hour, s.badge), (22, 7, 3));
    assert_eq!((s.silence_start_time, s.silence_end_time), (100, 200));
    assert_eq!(
        (s.push_nick_name.as_str(), s.push_token.as_str(), s.push_alias.as_str()),
        ("C", "pt", "alias")
    );
    assert_eq!(settings.get(&me).await.unwrap(), s);
    let s2 = settings.update(&me, SettingsPatch { badge: Some(0), ..Default::default() }).await.unwrap();
    assert_eq!((s2.badge, s2.auth_mode), (0, AuthMode::Question));
    for bad in [
        SettingsPatch { auth_mode: Some(4), ..Default::default() },
        SettingsPatch { no_push_start_hour: Some(24), ..Default::default() },
        SettingsPatch { badge: Some(-1), ..Default::default() },
    ] {
        assert!(matches!(settings.update(&me, bad).await, Err(Error::Invalid { .. })));
    }

    let tags = settings.add_tags(&me, &["a".into(), "b".into(), "a".into()]).await.unwrap();
    assert_eq!(tags, vec!["a".to_string(), "b".to_string()]);
    assert_eq!(settings.remove_tags(&me, &["a".into()]).await.unwrap(), vec!["b".to_string()]);
    settings.clear_tags(&me).await.unwrap();
    assert!(settings.tags(&me).await.unwrap().is_empty());
});

scenario!(disable_enable_and_online, |h| async move {
    let users = h.core.users();
    let tokens = h.core.tokens();
    let a = h.open_user("alice").await;
    let admin = h.admin().await;
    assert!(!users.is_online(&h.app, a.user).await.unwrap());
    let t = h.login("alice", None).await;
    assert!(users.is_online(&h.app, a.user).await.unwrap());

    let caller = tokens.authenticate(&h.app, Some(&t.token)).await.unwrap();
    assert!(matches!(users.disable(&caller, &[a.user]).await, Err(Error::NoPermission)));
    assert!(matches!(users.disable(&admin, &[a.user, UserId(i64::MAX)]).await, Err(Error::UserMissing)));
    assert!(!users.get(&h.app, a.user).await.unwrap().disabled);
    users.disable(&admin, &[a.user]).await.unwrap();
    assert!(users.get(&h.app, a.user).await.unwrap().disabled);
    assert!(matches!(tokens.authenticate(&h.app, Some(&t.token)).await, Err(Error::TokenRevoked)));
    let r = tokens.login_by_username(&h.app, "alice", PASSWORD, None).await;
    assert!(matches!(r, Err(Error::UserDisabled)), "{r:?}");
    assert!(matches!(tokens.issue_for(&admin, a.user, None).await, Err(Error::UserDisabled)));
    assert!(!users.is_online(&h.app, a.user).await.unwrap());

    users.enable(&admin, &[a.user]).await.unwrap();
    assert!(matches!(tokens.authenticate(&h.app, Some(&t.token)).await, Err(Error::TokenRevoked)));
    let t2 = h.login("alice", None).await;
    tokens.authenticate(&h.app, Some(&t2.token)).await.unwrap();
});
