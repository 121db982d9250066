//! Rate limits and nonces in the core: hits per window, the penalty after
//! going over, and a nonce accepted once until it expires.

use std::time::Duration;

use server::core::Error;
use server::core::limits::RateRule;

use crate::scenario;

scenario!(rate_limit_and_nonces, |h| async move {
    let limits = h.core.limits();
    let rule = RateRule { max_hits: 3, window: Duration::from_secs(1), penalty: Duration::from_secs(10) };
    // Align to the start of a window so the test does not straddle two.
    let now = h.core.now_ms();
    h.clock.set(now - now.rem_euclid(1000));
    for _ in 0..3 {
        limits.hit("app:x", rule).await.unwrap();
    }
    limits.hit("app:other", rule).await.unwrap();
    let r = limits.hit("app:x", rule).await;
    assert!(matches!(r, Err(Error::RateLimited { retry_after_ms: 10_000 })), "{r:?}");
    h.clock.advance(Duration::from_secs(5));
    assert!(matches!(limits.hit("app:x", rule).await, Err(Error::RateLimited { retry_after_ms: 5_000 })));
    h.clock.advance(Duration::from_secs(5));
    limits.hit("app:x", rule).await.unwrap();

    let ttl = Duration::from_secs(300);
    limits.use_nonce(&h.app, "n1", ttl).await.unwrap();
    assert!(matches!(limits.use_nonce(&h.app, "n1", ttl).await, Err(Error::NonceReused)));
    let other = h.other_app("other").await;
    limits.use_nonce(&other, "n1", ttl).await.unwrap();
    assert!(matches!(limits.use_nonce(&h.app, "", ttl).await, Err(Error::Invalid { .. })));
    assert!(matches!(limits.use_nonce(&h.app, &"n".repeat(129), ttl).await, Err(Error::Invalid { .. })));
    h.clock.advance(ttl);
    limits.use_nonce(&h.app, "n1", ttl).await.unwrap();
});
