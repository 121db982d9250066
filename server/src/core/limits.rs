//! Request throttling and replay protection, kept in the database so that
//! every server process shares them (NetEase: 100 calls/s per app, then 10 s
//! refused; a `Nonce` must not be reused within the checksum's lifetime).

use std::time::Duration;

use super::Core;
use super::clock::duration_ms;
use super::error::{Error, Result};
use super::ids::AppId;
use super::validation::Limit;

/// At most `max_hits` per fixed window of `window`; exceeding it refuses the
/// key for `penalty`.
#[derive(Debug, Clone, Copy)]
pub struct RateRule {
    pub max_hits: i64,
    pub window: Duration,
    pub penalty: Duration,
}

impl RateRule {
    /// NetEase's default: 100 calls per second per app, then 10 s refused.
    pub const NETEASE_APP: RateRule =
        RateRule { max_hits: 100, window: Duration::from_secs(1), penalty: Duration::from_secs(10) };
}

/// What the store reports after counting one hit.
#[derive(Debug, Clone, Copy)]
pub struct RateCount {
    pub hits_in_window: i64,
    pub blocked_until: i64,
}

pub struct Limits<'a> {
    pub(super) core: &'a Core,
}

impl Limits<'_> {
    /// Counts one hit on `key` (e.g. `"netease:<appkey>"`), or `RateLimited`.
    pub async fn hit(&self, key: &str, rule: RateRule) -> Result<()> {
        Limit::RATE_KEY.check(key)?;
        let window = duration_ms(rule.window).max(1);
        let now = self.core.now_ms();
        let window_start = now - now.rem_euclid(window);
        let count = self.core.db.count_hit(key, window_start).await?;
        if count.blocked_until > now {
            return Err(Error::RateLimited { retry_after_ms: count.blocked_until - now });
        }
        if count.hits_in_window > rule.max_hits {
            let until = now.saturating_add(duration_ms(rule.penalty));
            self.core.db.block_key(key, until).await?;
            return Err(Error::RateLimited { retry_after_ms: until - now });
        }
        Ok(())
    }

    /// Records a nonce for `ttl`; `NonceReused` if it is already recorded and
    /// unexpired.
    pub async fn use_nonce(&self, app: &AppId, nonce: &str, ttl: Duration) -> Result<()> {
        Limit::NONCE.check(nonce)?;
        if nonce.is_empty() {
            return Err(Error::invalid("nonce", "must not be empty"));
        }
        let now = self.core.now_ms();
        let fresh = self.core.db.record_nonce(app, nonce, now, now.saturating_add(duration_ms(ttl))).await?;
        if fresh { Ok(()) } else { Err(Error::NonceReused) }
    }
}
