//! The signed tokens of the file section: `file_sign` (which file, for
//! which conversation, shared by whom) and the upload slot's signature.
//! Both are HMAC-SHA256 with the app's server-held secret, as the group QR
//! codes are (`server/src/core/groups/qrcode.rs`): file ids are sequential,
//! so a link is proof of having been handed it, not of guessing a number.

use super::super::error::{Error, Result};
use super::super::ids::{AppId, UserId};
use super::super::secrets;

const PREFIX: &str = "f1.";
const MAX_LEN: usize = 200;
/// Bytes of the MAC kept in a token: 128 bits cannot be guessed, and links
/// stay short enough for an `<img src>`.
const MAC_BYTES: usize = 16;

/// What a valid `file_sign` says: the file, the conversation it was sent
/// to, and who sent it there (uploader, or the member who forwarded it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileClaims {
    pub file: i64,
    pub to_type: i32,
    pub to_id: i64,
    pub owner: UserId,
}

fn mac(secret: &str, message: &str) -> String {
    secrets::hex(&secrets::hmac_sha256(secret.as_bytes(), message.as_bytes())[..MAC_BYTES])
}

fn claims_message(app: &AppId, c: &FileClaims) -> String {
    format!("file-sign\n{app}\n{}\n{}\n{}\n{}", c.file, c.to_type, c.to_id, c.owner.0)
}

pub(crate) fn sign_file(secret: &str, app: &AppId, c: FileClaims) -> String {
    let mac = mac(secret, &claims_message(app, &c));
    format!("{PREFIX}{}.{}.{}.{}.{mac}", c.file, c.to_type, c.to_id, c.owner.0)
}

/// The claims of a `file_sign` made for `app`; anything else is 10002.
pub(crate) fn verify_file(secret: &str, app: &AppId, token: &str) -> Result<FileClaims> {
    let invalid = || Error::invalid("file_sign", "not a file link of this app");
    let token = token.trim();
    if token.len() > MAX_LEN {
        return Err(invalid());
    }
    let body = token.strip_prefix(PREFIX).ok_or_else(invalid)?;
    let parts: Vec<&str> = body.split('.').collect();
    let [file, to_type, to_id, owner, given] = parts[..] else { return Err(invalid()) };
    let claims = FileClaims {
        file: file.parse().map_err(|_| invalid())?,
        to_type: to_type.parse().map_err(|_| invalid())?,
        to_id: to_id.parse().map_err(|_| invalid())?,
        owner: UserId(owner.parse().map_err(|_| invalid())?),
    };
    if secrets::constant_time_eq(mac(secret, &claims_message(app, &claims)).as_bytes(), given.as_bytes()) {
        Ok(claims)
    } else {
        Err(invalid())
    }
}

/// The signature of an upload slot's URL: the file and its expiry.
pub(crate) fn sign_upload(secret: &str, app: &AppId, file: i64, expires_at: i64) -> String {
    mac(secret, &format!("file-upload\n{app}\n{file}\n{expires_at}"))
}

pub(crate) fn verify_upload(secret: &str, app: &AppId, file: i64, expires_at: i64, given: &str) -> bool {
    secrets::constant_time_eq(sign_upload(secret, app, file, expires_at).as_bytes(), given.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_signs_round_trip_and_refuse_changes() {
        let app = AppId::parse("a1").unwrap();
        let c = FileClaims { file: 7, to_type: 1, to_id: 42, owner: UserId(5) };
        let token = sign_file("s", &app, c);
        assert_eq!(verify_file("s", &app, &token).unwrap(), c);
        assert!(verify_file("other", &app, &token).is_err());
        assert!(verify_file("s", &AppId::parse("a2").unwrap(), &token).is_err());
        let altered = token.replacen(".42.", ".43.", 1);
        assert!(verify_file("s", &app, &altered).is_err());
        assert!(verify_file("s", &app, "f1.1.2").is_err());
        let sig = sign_upload("s", &app, 7, 1000);
        assert!(verify_upload("s", &app, 7, 1000, &sig));
        assert!(!verify_upload("s", &app, 7, 1001, &sig));
    }
}
