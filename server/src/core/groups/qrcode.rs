//! Signed group QR invitations: the token names the app, the group, the
//! inviting member and an expiry, and carries an HMAC-SHA256 of them keyed
//! with the app's server-held secret. Ids alone are guessable; the signature
//! is what makes a token proof that a member handed it out.

use super::super::error::{Error, Result};
use super::super::ids::{AppId, GroupId, UserId};
use super::super::secrets;

const PREFIX: &str = "gq1.";
const MAX_LEN: usize = 256;

/// What a valid token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QrClaims {
    pub group: GroupId,
    pub inviter: UserId,
    pub expires_at: i64,
}

pub(crate) fn sign(secret: &str, app: &AppId, claims: QrClaims) -> String {
    let QrClaims { group, inviter, expires_at } = claims;
    let mac = secrets::hex(&mac(secret, app, claims));
    format!("{PREFIX}{}.{}.{expires_at}.{mac}", group.0, inviter.0)
}

/// The claims of a token signed for `app` with `secret`, expired or not;
/// anything else (malformed, another app's, altered) is `QrCodeInvalid`.
pub(crate) fn verify(secret: &str, app: &AppId, token: &str) -> Result<QrClaims> {
    let token = token.trim();
    if token.len() > MAX_LEN {
        return Err(Error::QrCodeInvalid);
    }
    let body = token.strip_prefix(PREFIX).ok_or(Error::QrCodeInvalid)?;
    let parts: Vec<&str> = body.split('.').collect();
    let [group, inviter, expires_at, given] = parts[..] else { return Err(Error::QrCodeInvalid) };
    let number = |s: &str| s.parse::<i64>().map_err(|_| Error::QrCodeInvalid);
    let claims = QrClaims {
        group: GroupId(number(group)?),
        inviter: UserId(number(inviter)?),
        expires_at: number(expires_at)?,
    };
    let expected = secrets::hex(&mac(secret, app, claims));
    if secrets::constant_time_eq(expected.as_bytes(), given.as_bytes()) {
        Ok(claims)
    } else {
        Err(Error::QrCodeInvalid)
    }
}

fn mac(secret: &str, app: &AppId, c: QrClaims) -> [u8; 32] {
    let message = format!("group-qrcode\n{app}\n{}\n{}\n{}", c.group.0, c.inviter.0, c.expires_at);
    secrets::hmac_sha256(secret.as_bytes(), message.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_tampering() {
        let app = AppId::parse("app").unwrap();
        let claims = QrClaims { group: GroupId(7), inviter: UserId(3), expires_at: 1000 };
        let token = sign("s3cret", &app, claims);
        assert_eq!(verify("s3cret", &app, &token).unwrap(), claims);
        let other = AppId::parse("other").unwrap();
        for (secret, app, token) in [
            ("other", &app, token.clone()),
            ("s3cret", &other, token.clone()),
            ("s3cret", &app, token.replacen(".3.", ".4.", 1)),
            ("s3cret", &app, token.replacen("gq1.7", "gq1.8", 1)),
            ("s3cret", &app, String::new()),
            ("s3cret", &app, "gq1.1.2.3".into()),
            ("s3cret", &app, "gq1.x.2.3.ab".into()),
            ("s3cret", &app, "x".repeat(10_000)),
        ] {
            assert!(matches!(verify(secret, app, &token), Err(Error::QrCodeInvalid)), "{token}");
        }
    }
}
