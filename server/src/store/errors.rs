//! Turning database failures into domain errors. A unique violation is a
//! domain fact (a name taken), recognised by the constraint it names; anything
//! else is `Storage`, its cause kept for logs.

use sqlx::error::ErrorKind;

use crate::core::error::{Error, InfraError};

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        if let Some(taken) = unique_violation(&e) {
            return taken;
        }
        Error::Storage(InfraError::new(e))
    }
}

/// PostgreSQL names the constraint; SQLite only says
/// `UNIQUE constraint failed: users.app_id, users.username`, so both texts are
/// searched for the distinguishing column.
fn unique_violation(e: &sqlx::Error) -> Option<Error> {
    let sqlx::Error::Database(db) = e else { return None };
    if db.kind() != ErrorKind::UniqueViolation {
        return None;
    }
    let text = format!("{} {}", db.constraint().unwrap_or(""), db.message());
    const TABLE: &[(&str, Taken)] = &[
        ("username", Taken::Username),
        ("mobile", Taken::Mobile),
        ("email", Taken::Email),
        ("apps_pkey", Taken::App),
        ("apps.id", Taken::App),
        ("apps_key_uq", Taken::App),
        ("apps.app_key", Taken::App),
    ];
    let (_, taken) = TABLE.iter().find(|(needle, _)| text.contains(needle))?;
    Some(match taken {
        Taken::Username => Error::UsernameTaken,
        Taken::Mobile => Error::MobileTaken,
        Taken::Email => Error::EmailTaken,
        Taken::App => Error::AppExists,
    })
}

enum Taken {
    Username,
    Mobile,
    Email,
    App,
}

/// For results of `Option`-returning lookups that must exist.
pub(crate) fn storage(msg: &str) -> Error {
    Error::Storage(InfraError::new(msg.to_owned()))
}
