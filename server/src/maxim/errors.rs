//! Domain errors as MaxIM codes: the one table every MaxIM operation uses.
//! Codes are the real service's (`docs/maxim.md#error-codes`); where none fits, the
//! closest one with a message that says what happened.

use crate::core::Error;
use crate::generated::maxim::api::ApiError;
use crate::generated::maxim::models::codes;

pub const APP_NOT_FOUND: i32 = codes::APP_NOT_FOUND;

/// A domain error in MaxIM's words. Failures below the domain are logged with
/// their cause and answered 20000 without it.
pub fn api_error(e: Error) -> ApiError {
    let code = match &e {
        Error::AppMissing => codes::APP_NOT_FOUND,
        Error::AppExists => codes::INVALID_PARAMETER,
        Error::UserMissing => codes::USER_NOT_FOUND,
        Error::UsernameTaken => codes::USERNAME_TAKEN,
        Error::MobileTaken | Error::EmailTaken => codes::ALREADY_BOUND,
        Error::WrongPassword => codes::WRONG_PASSWORD,
        Error::UserDisabled => codes::NO_PERMISSION,
        Error::TokenMissing => codes::TOKEN_MISSING,
        Error::TokenInvalid => codes::TOKEN_INVALID,
        // The SDK answers 402 by logging in again, which is what a revoked
        // token (password changed, device removed, kicked) needs.
        Error::TokenExpired | Error::TokenRevoked => codes::TOKEN_EXPIRED,
        Error::NoPermission => codes::NO_PERMISSION,
        Error::AlreadyFriends => codes::ALREADY_FRIENDS,
        Error::NotFriends => codes::INVALID_PARAMETER,
        Error::Blocked => codes::BLOCKED,
        Error::ApplicationMissing => codes::APPLICATION_NOT_FOUND,
        Error::Refused { .. } => codes::APPLICATION_REJECTED,
        Error::TooManyFriends => codes::NO_PERMISSION,
        Error::DeviceMissing => codes::INVALID_PARAMETER,
        Error::Invalid { .. } => codes::INVALID_PARAMETER,
        Error::RateLimited { .. } => codes::NO_PERMISSION,
        Error::NonceReused => codes::INVALID_PARAMETER,
        Error::Storage(cause) | Error::Internal(cause) => {
            tracing::error!(cause = %DisplayChain(cause.cause()), "MaxIM call failed below the domain");
            codes::DATABASE_ERROR
        }
    };
    ApiError::new(code, e.to_string())
}

/// Registration answers a taken username with 10004 (user exists); other
/// calls with 11011.
pub fn registration_error(e: Error) -> ApiError {
    match e {
        Error::UsernameTaken => ApiError::new(codes::USER_EXISTS, "user already exists"),
        other => api_error(other),
    }
}

struct DisplayChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for DisplayChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}
