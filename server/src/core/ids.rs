//! Identifiers. Numeric ids come from the database; the app id is chosen by
//! the operator and validated here.

use std::fmt;

use super::error::{Error, Result};

/// An application (tenant). Every user, token and friendship belongs to one.
/// Travels between nodes (`events`) as its string, checked again on arrival.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AppId(String);

impl AppId {
    pub const MAX_LEN: usize = 64;

    /// 1..=64 characters of `[A-Za-z0-9_.-]`, so it fits headers and URLs untouched.
    pub fn parse(raw: &str) -> Result<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if ok {
            Ok(AppId(raw.to_owned()))
        } else {
            Err(Error::invalid("app_id", "1 to 64 characters of A-Z a-z 0-9 _ . -"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AppId {
    type Error = Error;

    fn try_from(raw: String) -> Result<Self> {
        AppId::parse(&raw)
    }
}

impl From<AppId> for String {
    fn from(id: AppId) -> String {
        id.0
    }
}

impl fmt::Display for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! numeric_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

numeric_id!(
    /// A user, unique across all apps (from the database; shares its id space
    /// with groups, and stays at or below 2^53).
    UserId
);
numeric_id!(
    /// A group. Groups and users share one id space: no group has a user's id.
    GroupId
);
numeric_id!(
    /// An announcement of a group.
    AnnouncementId
);
numeric_id!(
    /// A shared file record of a group.
    GroupFileId
);
numeric_id!(
    /// A friend application (YHChat agrees to applications by this id).
    ApplicationId
);
numeric_id!(AdminTokenId);
numeric_id!(
    /// A device of one user, numbered from 1 per user.
    DeviceSn
);
