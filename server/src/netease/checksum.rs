//! NetEase's request signature: `CheckSum` = lowercase hex SHA-1 of
//! AppSecret + Nonce + CurTime, where CurTime is UTC seconds and must be
//! within [`WINDOW`] of the server's clock.

use std::fmt::Write;
use std::time::Duration;

use sha1::{Digest, Sha1};

/// How far CurTime may be from the server's clock, either way.
pub const WINDOW: Duration = Duration::from_secs(5 * 60);

/// How long a nonce is remembered: a CurTime up to [`WINDOW`] in the future
/// stays acceptable for two windows, and its nonce must not pass again.
pub const NONCE_TTL: Duration = Duration::from_secs(2 * 5 * 60);

/// Lowercase hex SHA-1 of `app_secret + nonce + cur_time`.
pub fn checksum(app_secret: &str, nonce: &str, cur_time: &str) -> String {
    let mut h = Sha1::new();
    h.update(app_secret.as_bytes());
    h.update(nonce.as_bytes());
    h.update(cur_time.as_bytes());
    let mut out = String::with_capacity(40);
    for b in h.finalize().iter() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Compares without an early exit, so the time taken does not tell how much
/// of a forged checksum was right. Hex case is ignored (some SDKs send upper case).
pub fn matches(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x.to_ascii_lowercase() ^ y.to_ascii_lowercase())) == 0
}

/// CurTime as seconds, if it is a decimal integer.
pub fn parse_cur_time(raw: &str) -> Option<i64> {
    raw.trim().parse::<i64>().ok()
}

/// Whether `cur_time_s` is within [`WINDOW`] of `now_ms`.
pub fn is_fresh(cur_time_s: i64, now_ms: i64) -> bool {
    let window_ms = i64::try_from(WINDOW.as_millis()).unwrap_or(i64::MAX);
    cur_time_s.saturating_mul(1000).saturating_sub(now_ms).saturating_abs() <= window_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(checksum("", "", ""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(checksum("a", "b", "c"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn comparison_and_window() {
        assert!(matches("abc0", "ABC0"));
        assert!(!matches("abc0", "abc1"));
        assert!(!matches("abc0", "abc"));
        let now = 1_443_592_222_000;
        assert!(is_fresh(1_443_592_222, now));
        assert!(is_fresh(1_443_592_222 - 300, now));
        assert!(is_fresh(1_443_592_222 + 300, now));
        assert!(!is_fresh(1_443_592_222 - 301, now));
        assert!(!is_fresh(1_443_592_222 + 301, now));
        assert!(!is_fresh(i64::MIN, now));
        assert!(!is_fresh(i64::MAX, now));
        assert_eq!(parse_cur_time(" 12 "), Some(12));
        assert_eq!(parse_cur_time("12.5"), None);
    }
}
