//! Forgetting what no answer depends on any more: user tokens long past
//! their expiry, nonces past their lifetime, rate counters whose window and
//! penalty are over. The server runs it on a timer (`app.rs`); every process
//! sharing a database may run it, the deletes are idempotent.

use std::time::Duration;

use super::Core;
use super::clock::duration_ms;
use super::error::Result;

/// How long an expired token is still recognised, so that a client holding
/// it is told "token expired, log in again" (402) rather than "invalid
/// access-token" (10008).
pub const EXPIRED_TOKEN_GRACE: Duration = Duration::from_secs(30 * 24 * 3600);

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub tokens: u64,
    pub nonces: u64,
    pub rate_counters: u64,
    /// Login failure counters and known login addresses (`throttle`).
    pub login_throttle: u64,
}

pub struct Housekeeping<'a> {
    pub(super) core: &'a Core,
}

impl Housekeeping<'_> {
    /// One sweep, as of the core's clock.
    pub async fn sweep(&self) -> Result<Swept> {
        let now = self.core.now_ms();
        let tokens =
            self.core.tokens().purge_expired(now.saturating_sub(duration_ms(EXPIRED_TOKEN_GRACE))).await?;
        let (nonces, rate_counters) = self.core.db.purge_limits(now).await?;
        let login_throttle = self.core.throttle().purge(now).await?;
        Ok(Swept { tokens, nonces, rate_counters, login_throttle })
    }
}
