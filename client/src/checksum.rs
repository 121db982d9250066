//! NetEase's request signature: `CheckSum` = lowercase hex SHA-1 of
//! AppSecret + Nonce + CurTime, with a fresh Nonce and the current CurTime
//! on every request.

use crate::transport::Signer;
use sha1::{Digest, Sha1};
use std::sync::Arc;

/// Lowercase hex SHA-1 of `app_secret + nonce + cur_time`.
pub fn checksum(app_secret: &str, nonce: &str, cur_time: &str) -> String {
    let mut h = Sha1::new();
    h.update(app_secret.as_bytes());
    h.update(nonce.as_bytes());
    h.update(cur_time.as_bytes());
    hex::encode(h.finalize())
}

/// A random nonce: 32 lowercase hex digits.
pub fn nonce() -> String {
    format!("{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>())
}

/// Seconds since 1970 (UTC), as NetEase's `CurTime` wants them.
pub fn cur_time() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string()
}

/// The four signing headers, computed per request.
pub fn netease_signer(app_key: impl Into<String>, app_secret: impl Into<String>) -> Signer {
    let (key, secret) = (app_key.into(), app_secret.into());
    Arc::new(move || {
        let (nonce, now) = (nonce(), cur_time());
        let sum = checksum(&secret, &nonce, &now);
        vec![
            ("AppKey".to_string(), key.clone()),
            ("Nonce".to_string(), nonce),
            ("CurTime".to_string(), now),
            ("CheckSum".to_string(), sum),
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_value() {
        // sha1("secret" + "nonce" + "1443592222")
        let mut h = Sha1::new();
        h.update(b"secretnonce1443592222");
        assert_eq!(checksum("secret", "nonce", "1443592222"), hex::encode(h.finalize()));
        assert_eq!(checksum("", "", ""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(checksum("a", "b", "c"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn headers_are_fresh() {
        let s = netease_signer("key", "secret");
        let (a, b) = (s(), s());
        assert_eq!(a[0], ("AppKey".to_string(), "key".to_string()));
        assert_ne!(a[1].1, b[1].1);
        assert_eq!(a[3].1, checksum("secret", &a[1].1, &a[2].1));
    }
}
