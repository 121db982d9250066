//! Apps and admin tokens in the core: a new app's key, secret and default
//! settings, settings updates, and admin tokens created, authenticated and
//! revoked per app.

use server::core::apps::AppSettingsPatch;
use server::core::{AppId, Error, Principal};

use crate::scenario;

scenario!(apps_and_admin_tokens, |h| async move {
    let apps = h.core.apps();
    let app = apps.get(&h.app).await.unwrap();
    assert_eq!(app.key.len(), 32);
    assert!(app.settings.stranger_may_message);
    assert_eq!(app.settings.application_ttl_ms, 7 * 24 * 3600 * 1000);
    assert_eq!(app.settings.max_friends, 3000);
    assert_eq!(apps.by_key(&app.key).await.unwrap().id, h.app);
    assert!(matches!(apps.by_key("nope").await, Err(Error::AppMissing)));
    assert!(matches!(apps.create(h.app.clone()).await, Err(Error::AppExists)));
    assert!(matches!(AppId::parse("bad id!"), Err(Error::Invalid { field: "app_id", .. })));
    let other = h.other_app("second").await;
    let ids: Vec<_> = apps.list().await.unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(ids, vec![other.clone(), h.app.clone()]);

    let patch = AppSettingsPatch { stranger_may_message: Some(false), ..Default::default() };
    assert!(!apps.update_settings(&h.app, patch).await.unwrap().settings.stranger_may_message);
    let bad = AppSettingsPatch { application_ttl_ms: Some(0), ..Default::default() };
    assert!(matches!(apps.update_settings(&h.app, bad).await, Err(Error::Invalid { .. })));

    let admin_tokens = h.core.admin_tokens();
    let issued = admin_tokens.create(&h.app, "ops").await.unwrap();
    assert!(issued.secret.starts_with("adm_"));
    let tail = issued.token.prefix.strip_prefix("adm_…").unwrap();
    assert_eq!(tail.len(), 4);
    assert!(issued.secret.ends_with(tail));
    let listed = admin_tokens.list(&h.app).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].label, "ops");
    assert!(listed[0].prefix.len() < issued.secret.len());
    let caller = h.core.tokens().authenticate(&h.app, Some(&issued.secret)).await.unwrap();
    assert_eq!(caller.principal, Principal::Admin(issued.token.id));
    // An admin token of one app is nothing in another.
    assert!(matches!(
        h.core.tokens().authenticate(&other, Some(&issued.secret)).await,
        Err(Error::TokenInvalid)
    ));
    admin_tokens.revoke(&h.app, issued.token.id).await.unwrap();
    assert!(matches!(
        h.core.tokens().authenticate(&h.app, Some(&issued.secret)).await,
        Err(Error::TokenRevoked)
    ));
    assert!(matches!(
        admin_tokens.create(&AppId::parse("ghost").unwrap(), "x").await,
        Err(Error::AppMissing)
    ));
});
