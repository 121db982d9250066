//! Domain errors as NetEase codes: the one table every NetEase operation
//! uses (`docs/netease.md#error-codes`). Where NetEase has no code of its own, the closest
//! documented one with a `desc` that says what happened.

use crate::core::Error;
use crate::generated::netease::api::ApiError;
use crate::generated::netease::models::codes;

/// A domain error in NetEase's words. Failures below the domain are logged
/// with their cause and answered 500 (in the body; HTTP stays 200).
pub fn api_error(e: Error) -> ApiError {
    let code = match &e {
        // An accid that names nobody: the object does not exist.
        Error::UserMissing => codes::NOT_FOUND,
        // Update or delete without a friendship: no such relation (as getByAccid).
        Error::NotFriends => codes::NOT_FOUND,
        Error::AlreadyFriends => codes::REPEATED_OPERATION,
        // Agreeing to or refusing a request that is not (or no longer) pending.
        Error::ApplicationMissing => codes::REPEATED_OPERATION,
        Error::Blocked | Error::Refused { .. } | Error::NoPermission | Error::UserDisabled => {
            codes::FORBIDDEN
        }
        Error::TooManyFriends => codes::QUANTITY_OVER_LIMIT,
        Error::RateLimited { .. } => codes::FREQUENCY_CONTROL,
        Error::AppMissing
        | Error::NonceReused
        | Error::TokenMissing
        | Error::TokenInvalid
        | Error::TokenExpired
        | Error::TokenRevoked
        | Error::Invalid { .. }
        | Error::AppExists
        | Error::UsernameTaken
        | Error::MobileTaken
        | Error::EmailTaken
        | Error::WrongPassword
        | Error::DeviceMissing => codes::PARAMETER_ERROR,
        Error::Storage(cause) | Error::Internal(cause) => {
            tracing::error!(cause = %cause, "NetEase call failed below the domain");
            codes::INTERNAL_ERROR
        }
    };
    ApiError::new(code, e.to_string())
}
