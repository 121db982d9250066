//! The housekeeping sweep: what it deletes (tokens past their grace period,
//! spent nonces and rate counters) and what it must keep.

use std::time::Duration;

use server::core::Error;
use server::core::housekeeping::{EXPIRED_TOKEN_GRACE, Swept};
use server::core::limits::RateRule;

use crate::scenario;

// An expired token keeps answering "expired" (402) through its grace period
// and is forgotten after it; nonces and counters go as soon as they are spent;
// live records stay.
scenario!(a_sweep_forgets_only_what_no_answer_needs, |h| async move {
    h.open_user("ann").await;
    let ttl = h.core.config().token_ttl;
    let first = h.login("ann", None).await;
    h.core.limits().use_nonce(&h.app, "n1", Duration::from_secs(300)).await.unwrap();
    h.core.limits().hit("netease:x", RateRule::NETEASE_APP).await.unwrap();
    assert_eq!(h.core.housekeeping().sweep().await.unwrap(), Swept::default(), "nothing has expired yet");

    h.clock.advance(ttl + Duration::from_secs(1));
    let second = h.login("ann", None).await;
    let swept = h.core.housekeeping().sweep().await.unwrap();
    assert_eq!(swept, Swept { tokens: 0, nonces: 1, rate_counters: 1, login_throttle: 0 });
    assert!(matches!(
        h.core.tokens().authenticate(&h.app, Some(&first.token)).await,
        Err(Error::TokenExpired)
    ));
    h.core.tokens().authenticate(&h.app, Some(&second.token)).await.expect("the new token works");
    // The spent nonce may be used again, as before the sweep.
    h.core.limits().use_nonce(&h.app, "n1", Duration::from_secs(300)).await.unwrap();

    h.clock.advance(EXPIRED_TOKEN_GRACE);
    let swept = h.core.housekeeping().sweep().await.unwrap();
    assert_eq!(swept.tokens, 1, "only the token expired for longer than the grace period goes");
    assert!(matches!(
        h.core.tokens().authenticate(&h.app, Some(&first.token)).await,
        Err(Error::TokenInvalid)
    ));
    assert!(matches!(
        h.core.tokens().authenticate(&h.app, Some(&second.token)).await,
        Err(Error::TokenExpired)
    ));
});
