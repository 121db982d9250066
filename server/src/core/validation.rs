//! Input rules shared by every dialect. Lengths count characters, not bytes.
//!
//! - username: 3..=32 characters of `[A-Za-z0-9_]`, not all digits, not
//!   starting with `maxim` or `mta` in any letter case — the real service's
//!   rule (docs/maxim.md#usernames); 32 because a NetEase accid is at most
//!   32 characters, and the username doubles as the accid;
//! - password: 6..=64 characters, any character;
//! - mobile: an optional `+` then 5..=20 digits;
//! - email: at most 128 characters with one `@` that has text on both sides;
//! - free text fields: per-field limits in [`Limit`].

use super::error::{Error, Result};

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 6;
pub const PASSWORD_MAX: usize = 64;

/// Prefixes the real service keeps for itself; compared ignoring case so
/// that `Maxim_x` cannot pass for one of its own names either.
const RESERVED_PREFIXES: [&str; 2] = ["maxim", "mta"];

pub fn username(raw: &str) -> Result<String> {
    let n = raw.chars().count();
    let charset = raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    // All-digit names would read as user ids.
    let all_digits = raw.chars().all(|c| c.is_ascii_digit());
    let lower = raw.to_ascii_lowercase();
    let reserved = RESERVED_PREFIXES.iter().any(|p| lower.starts_with(p));
    if (USERNAME_MIN..=USERNAME_MAX).contains(&n) && charset && !all_digits && !reserved {
        Ok(raw.to_owned())
    } else {
        Err(Error::invalid(
            "username",
            format!(
                "{USERNAME_MIN} to {USERNAME_MAX} characters of A-Z a-z 0-9 _, not all digits, \
                 not starting with maxim or mta"
            ),
        ))
    }
}

pub fn password(raw: &str) -> Result<()> {
    let n = raw.chars().count();
    if (PASSWORD_MIN..=PASSWORD_MAX).contains(&n) {
        Ok(())
    } else {
        Err(Error::invalid("password", format!("{PASSWORD_MIN} to {PASSWORD_MAX} characters")))
    }
}

/// `None` or an empty string clear the mobile number (clients send `""` for unset).
pub fn mobile(raw: Option<&str>) -> Result<Option<String>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let digits = raw.strip_prefix('+').unwrap_or(raw);
    if (5..=20).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(Some(raw.to_owned()))
    } else {
        Err(Error::invalid("mobile", "an optional + and 5 to 20 digits"))
    }
}

/// `None` or an empty string clear the email.
pub fn email(raw: Option<&str>) -> Result<Option<String>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let shape = match raw.split_once('@') {
        Some((local, domain)) => !local.is_empty() && !domain.is_empty() && !domain.contains('@'),
        None => false,
    };
    if shape && raw.chars().count() <= 128 && !raw.chars().any(char::is_whitespace) {
        Ok(Some(raw.to_owned()))
    } else {
        Err(Error::invalid("email", "an address like name@example.com, at most 128 characters"))
    }
}

/// Upper bounds for free text, in characters.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub field: &'static str,
    pub max: usize,
}

impl Limit {
    pub const NICK_NAME: Limit = Limit { field: "nick_name", max: 64 };
    pub const AVATAR: Limit = Limit { field: "avatar", max: 1024 };
    pub const DESCRIPTION: Limit = Limit { field: "description", max: 1024 };
    pub const PUBLIC_INFO: Limit = Limit { field: "public_info", max: 4096 };
    pub const PRIVATE_INFO: Limit = Limit { field: "private_info", max: 4096 };
    pub const AUTH_QUESTION: Limit = Limit { field: "auth_question", max: 256 };
    pub const AUTH_ANSWER: Limit = Limit { field: "auth_answer", max: 256 };
    pub const PUSH_NICK_NAME: Limit = Limit { field: "push_nick_name", max: 64 };
    pub const PUSH_TOKEN: Limit = Limit { field: "push_token", max: 512 };
    pub const PUSH_ALIAS: Limit = Limit { field: "push_alias", max: 128 };
    pub const TAG: Limit = Limit { field: "tag", max: 64 };
    /// NetEase: `msg` up to 256.
    pub const APPLY_REASON: Limit = Limit { field: "reason", max: 256 };
    pub const DECLINE_REASON: Limit = Limit { field: "reason", max: 256 };
    /// NetEase: alias up to 128.
    pub const ALIAS: Limit = Limit { field: "alias", max: 128 };
    /// NetEase: ex and serverex up to 256; MaxIM's ext has no stated bound.
    pub const EXT: Limit = Limit { field: "ext", max: 256 };
    pub const SERVER_EX: Limit = Limit { field: "server_ex", max: 256 };
    pub const DEVICE_GUID: Limit = Limit { field: "device_guid", max: 128 };
    pub const USER_AGENT: Limit = Limit { field: "user_agent", max: 512 };
    pub const DEVICE_TOKEN: Limit = Limit { field: "device_token", max: 512 };
    pub const NOTIFIER_NAME: Limit = Limit { field: "notifier_name", max: 128 };
    pub const ADMIN_TOKEN_LABEL: Limit = Limit { field: "label", max: 128 };
    pub const NONCE: Limit = Limit { field: "nonce", max: 128 };
    pub const RATE_KEY: Limit = Limit { field: "key", max: 256 };
    pub const GROUP_NAME: Limit = Limit { field: "name", max: 64 };
    pub const GROUP_DESCRIPTION: Limit = Limit { field: "description", max: 1024 };
    pub const GROUP_AVATAR: Limit = Limit { field: "avatar", max: 1024 };
    /// Often JSON, so more room than a user's ext.
    pub const GROUP_EXT: Limit = Limit { field: "ext", max: 4096 };
    pub const DISPLAY_NAME: Limit = Limit { field: "display_name", max: 64 };
    pub const GROUP_REASON: Limit = Limit { field: "reason", max: 256 };
    pub const ANNOUNCEMENT_TITLE: Limit = Limit { field: "title", max: 128 };
    pub const ANNOUNCEMENT_CONTENT: Limit = Limit { field: "content", max: 4096 };
    pub const FILE_NAME: Limit = Limit { field: "name", max: 256 };
    pub const FILE_TYPE: Limit = Limit { field: "type", max: 64 };
    pub const FILE_URL: Limit = Limit { field: "url", max: 2048 };

    pub fn check(self, text: &str) -> Result<()> {
        if text.chars().count() <= self.max {
            Ok(())
        } else {
            Err(Error::invalid(self.field, format!("at most {} characters", self.max)))
        }
    }

    pub fn check_opt(self, text: Option<&str>) -> Result<()> {
        text.map_or(Ok(()), |t| self.check(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        for ok in ["abc", "a_b_c", "_123", "A1234567890123456789012345678901", "amaxim", "mt_a"] {
            assert!(username(ok).is_ok(), "{ok}");
        }
        let bad = [
            "",
            "ab",
            "a b",
            "名字abc",
            "abc@x",
            "a.b",
            "a-b",
            "12345",
            "maxim1",
            "MaXiM_x",
            "mta_bot",
            "MTA1",
            "A12345678901234567890123456789012",
        ];
        for bad in bad {
            assert!(matches!(username(bad), Err(Error::Invalid { field: "username", .. })), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert!(password("123456").is_ok());
        assert!(password(&"x".repeat(64)).is_ok());
        assert!(password("12345").is_err());
        assert!(password(&"x".repeat(65)).is_err());
        assert!(password("密码密码密码").is_ok());
    }

    #[test]
    fn mobiles_and_emails() {
        assert_eq!(mobile(Some("")).unwrap(), None);
        assert_eq!(mobile(None).unwrap(), None);
        assert_eq!(mobile(Some("+8613800000000")).unwrap().as_deref(), Some("+8613800000000"));
        assert!(mobile(Some("12ab5")).is_err());
        assert!(mobile(Some("1234")).is_err());
        assert_eq!(email(Some("a@b.c")).unwrap().as_deref(), Some("a@b.c"));
        assert!(email(Some("a@")).is_err());
        assert!(email(Some("a@b@c")).is_err());
        assert!(email(Some("nope")).is_err());
    }

    #[test]
    fn limits() {
        assert!(Limit::ALIAS.check(&"字".repeat(128)).is_ok());
        assert!(Limit::ALIAS.check(&"字".repeat(129)).is_err());
    }
}
