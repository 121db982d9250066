//! Domain errors as YHChat codes: the one table every YHChat operation uses.
//! YHChat documents only -1 (target missing) and -9 (already added); the
//! other negative codes are this server's, listed in the spec's `ErrorCode`.

use crate::core::Error;
use crate::generated::yhchat::api::ApiError;
use crate::generated::yhchat::models::codes;

/// A domain error in YHChat's words. Failures below the domain are logged
/// with their cause and answered -500 (in the body; HTTP stays 200).
pub fn api_error(e: Error) -> ApiError {
    let code = match &e {
        Error::UserMissing => codes::TARGET_NOT_FOUND,
        Error::AlreadyFriends => codes::ALREADY_ADDED,
        Error::NotFriends => codes::NOT_FRIENDS,
        Error::Blocked => codes::BLOCKED,
        Error::Refused { .. } => codes::REFUSED,
        Error::ApplicationMissing => codes::APPLICATION_NOT_FOUND,
        Error::TooManyFriends => codes::TOO_MANY_FRIENDS,
        // A disabled user's token can no longer be used, like a revoked one.
        Error::TokenMissing
        | Error::TokenInvalid
        | Error::TokenExpired
        | Error::TokenRevoked
        | Error::UserDisabled
        | Error::AppMissing => codes::TOKEN_INVALID,
        Error::NoPermission
        | Error::Invalid { .. }
        | Error::RateLimited { .. }
        | Error::NonceReused
        | Error::AppExists
        | Error::UsernameTaken
        | Error::MobileTaken
        | Error::EmailTaken
        | Error::WrongPassword
        | Error::DeviceMissing => codes::INVALID_PARAMETER,
        Error::Storage(cause) | Error::Internal(cause) => {
            tracing::error!(cause = %cause, "YHChat call failed below the domain");
            codes::INTERNAL_ERROR
        }
    };
    ApiError::new(code, e.to_string())
}
