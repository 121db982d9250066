//! Random secrets, their stored digests, signatures (HMAC-SHA256) and
//! password hashing.
//!
//! Tokens carry 256 random bits, so a fast SHA-256 digest is enough to store
//! them; passwords are low-entropy and get argon2id.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::error::{Error, InfraError, Result};

/// `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    hex(&buf)
}

pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// HMAC-SHA256 of `message` under `key`: what every signed token and
/// signed request of the server carries (QR codes, file links, upload
/// slots, webhook deliveries).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so this never fails.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Comparison whose time does not depend on where the inputs differ, for
/// checking a signature a client sent.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// How much work a password hash costs. Verification always uses the cost
/// stored inside the hash, so lowering it only affects new hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCost {
    /// argon2id with the crate's recommended parameters (19 MiB, 2 passes).
    Standard,
    /// Minimal work, for tests only: debug builds hash standard cost slowly.
    InsecureFast,
}

impl PasswordCost {
    fn hasher(self) -> Result<Argon2<'static>> {
        let params = match self {
            PasswordCost::Standard => Params::default(),
            PasswordCost::InsecureFast => {
                Params::new(Params::MIN_M_COST, 1, 1, None).map_err(|e| internal(e.to_string()))?
            }
        };
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// Hashes on a blocking thread: argon2 takes tens of milliseconds by design.
pub async fn hash_password(password: String, cost: PasswordCost) -> Result<String> {
    tokio::task::spawn_blocking(move || -> Result<String> {
        let hasher = cost.hasher()?;
        let hash: PasswordHash =
            hasher.hash_password(password.as_bytes()).map_err(|e| internal(e.to_string()))?;
        Ok(hash.to_string())
    })
    .await
    .map_err(|e| Error::Internal(InfraError::new(e)))?
}

/// `Ok(false)` for a wrong password; `Err` only if the stored hash is unreadable.
pub async fn verify_password(password: String, stored: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || -> Result<bool> {
        let parsed = PasswordHash::new(&stored).map_err(|e| internal(e.to_string()))?;
        Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(|e| Error::Internal(InfraError::new(e)))?
}

fn internal(msg: String) -> Error {
    Error::Internal(InfraError::new(msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex(&mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd") && !constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn hex_and_digest() {
        assert_eq!(hex(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(random_hex(16).len(), 32);
        assert_ne!(random_hex(16), random_hex(16));
    }

    #[tokio::test]
    async fn password_round_trip() {
        let h = hash_password("secret-1".into(), PasswordCost::InsecureFast).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("secret-1".into(), h.clone()).await.unwrap());
        assert!(!verify_password("secret-2".into(), h).await.unwrap());
        assert!(verify_password("x".into(), "not a hash".into()).await.is_err());
    }
}
