//! Throttling of secret guessing (`docs/security.md#login-throttling`):
//! after [`ThrottleRule::free_failures`] failures on a key, each within
//! [`ThrottleRule::window`] of the previous failure or its lock, the key is locked for a delay that
//! doubles with every further failure up to [`ThrottleRule::max_delay`]. A
//! locked key is refused before the secret is checked, so a guesser gets no
//! answer and costs no argon2 run. The counts live in the database
//! (`store/throttle.rs`) so that every node refuses the same guesses.
//!
//! Keys: the account (app + user id) and the client address of a password
//! check; the app + address of a NetEase signature check. So that an
//! attacker failing on an account does not keep its owner out, the account's
//! lock is not applied to an address the account has logged in from with
//! its password within [`KNOWN_ADDRESS_TTL`] (the address's own lock still
//! is); and a success clears the address's and the account's failures.

use std::time::Duration;

use super::Core;
use super::clock::duration_ms;
use super::error::{Error, Result};
use super::ids::{AppId, UserId};
use super::secrets;

/// How long a successful login from an address lets it past its account's lock.
pub const KNOWN_ADDRESS_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// A client address as the throttle keys it: the text of the socket peer
/// (or of the trusted proxy's `X-Forwarded-For` entry), cut to 64 characters.
pub type ClientAddress = String;

/// The throttle's rule, one for every key (`core::Config::login_throttle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRule {
    /// Failures answered normally before the key is locked.
    pub free_failures: i64,
    /// A failure this long after the previous one and the end of its lock
    /// starts the count again (so an attacker waiting out the longest lock
    /// does not get the free failures back).
    pub window: Duration,
    /// The lock after the `free_failures`-th failure; each further failure doubles it.
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for ThrottleRule {
    /// 5 failures, 15 minutes, 1 s doubling up to 15 minutes.
    fn default() -> Self {
        ThrottleRule {
            free_failures: 5,
            window: Duration::from_secs(15 * 60),
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(15 * 60),
        }
    }
}

impl ThrottleRule {
    /// The lock after `failures` failures (0 while they are free).
    pub fn delay_after(&self, failures: i64) -> Duration {
        let over = failures - self.free_failures;
        if over < 0 {
            return Duration::ZERO;
        }
        let factor = 1u32.checked_shl(u32::try_from(over).unwrap_or(u32::MAX)).unwrap_or(u32::MAX);
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// A key's recorded failures (a `login_failures` row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRow {
    pub failures: i64,
    pub last_failure_at: i64,
    pub locked_until: i64,
}

pub struct Throttle<'a> {
    pub(super) core: &'a Core,
}

/// The key of an account's password failures.
pub fn account_key(app: &AppId, user: UserId) -> String {
    format!("pw:user:{app}:{}", user.0)
}

/// The key of an address's password failures (every app: one address
/// guessing across apps is one guesser).
pub fn address_key(address: &str) -> String {
    format!("pw:addr:{address}")
}

/// The key of an address's NetEase signature failures for one app.
pub fn signature_key(app: &AppId, address: &str) -> String {
    format!("sig:{app}:{address}")
}

impl Throttle<'_> {
    fn rule(&self) -> ThrottleRule {
        self.core.config.login_throttle
    }

    /// `LoginThrottled` while the key is locked; otherwise whether it has
    /// failures on record (a success then clears them).
    pub async fn check(&self, key: &str) -> Result<bool> {
        let now = self.core.now_ms();
        match self.core.db.login_failures(key).await? {
            Some(row) if row.locked_until > now => {
                Err(Error::LoginThrottled { retry_after_ms: row.locked_until - now })
            }
            Some(_) => Ok(true),
            None => Ok(false),
        }
    }

    /// Counts a failure on the key, locking it once the free failures are spent.
    pub async fn failed(&self, key: &str) -> Result<()> {
        let rule = self.rule();
        let now = self.core.now_ms();
        let forget_before = now.saturating_sub(duration_ms(rule.window));
        let failures = self.core.db.record_login_failure(key, now, forget_before).await?;
        let delay = rule.delay_after(failures);
        if !delay.is_zero() {
            self.core.db.lock_login_key(key, now.saturating_add(duration_ms(delay))).await?;
        }
        Ok(())
    }

    pub async fn clear(&self, key: &str) -> Result<()> {
        self.core.db.clear_login_failures(key).await
    }

    /// A login named no account: counted on the address only (guessing
    /// user names is guessing too).
    pub(crate) async fn unknown_account(&self, from: Option<&str>) -> Result<()> {
        if let Some(address) = from {
            let key = address_key(address);
            self.check(&key).await?;
            self.failed(&key).await?;
        }
        Ok(())
    }

    /// Checks `password` against the account's stored `hash` under the
    /// throttle: `LoginThrottled` without running argon2 while the address
    /// (or, from an address the account has not logged in from, the
    /// account) is locked; `WrongPassword` counted on both keys; a success
    /// clears both and remembers the address. `from`: `None` for callers
    /// that are not on the network (the command line), counted on the
    /// account alone.
    pub(crate) async fn verify_password(
        &self,
        app: &AppId,
        user: UserId,
        from: Option<&str>,
        password: &str,
        hash: String,
    ) -> Result<()> {
        let now = self.core.now_ms();
        let account = account_key(app, user);
        let address = from.map(address_key);
        let address_dirty = match &address {
            Some(key) => self.check(key).await?,
            None => false,
        };
        let known = match from {
            Some(a) => {
                let since = now.saturating_sub(duration_ms(KNOWN_ADDRESS_TTL));
                self.core.db.is_known_login_address(app, user, a, since).await?
            }
            None => false,
        };
        let account_dirty = if known {
            self.core.db.login_failures(&account).await?.is_some()
        } else {
            self.check(&account).await?
        };
        if !secrets::verify_password(password.to_owned(), hash).await? {
            if let Some(key) = &address {
                self.failed(key).await?;
            }
            self.failed(&account).await?;
            return Err(Error::WrongPassword);
        }
        if let Some(key) = address.as_deref().filter(|_| address_dirty) {
            self.clear(key).await?;
        }
        if account_dirty {
            self.clear(&account).await?;
        }
        if let Some(a) = from {
            self.core.db.remember_login_address(app, user, a, now).await?;
        }
        Ok(())
    }

    /// Forgets counters whose window and lock are over and known addresses
    /// unused for [`KNOWN_ADDRESS_TTL`]; returns how many rows went.
    pub async fn purge(&self, now: i64) -> Result<u64> {
        let rule = self.rule();
        let forget_before = now.saturating_sub(duration_ms(rule.window));
        let known_before = now.saturating_sub(duration_ms(KNOWN_ADDRESS_TTL));
        self.core.db.purge_login_throttle(forget_before, known_before).await
    }
}
