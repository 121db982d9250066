//! Domain errors as NetEase codes: the one table every NetEase operation
//! uses (`docs/netease.md#error-codes`). Where NetEase has no code of its own, the closest
//! documented one with a `desc` that says what happened.

use crate::core::Error;
use crate::generated::netease::api::ApiError;
use crate::generated::netease::models::codes;
use crate::wire::Cause;

/// A domain error in NetEase's words. A failure below the domain keeps its
/// cause (logged once, when answered) and is answered 500 without it (in
/// the body; HTTP stays 200).
impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
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
            Error::RateLimited { .. } | Error::LoginThrottled { .. } => codes::FREQUENCY_CONTROL,
            // Groups (no NetEase group operation is served yet): the closest codes.
            Error::GroupMissing
            | Error::NotGroupMember
            | Error::AnnouncementMissing
            | Error::GroupFileMissing => codes::NOT_FOUND,
            Error::GroupRoleNeeded { .. }
            | Error::OwnerCannotLeave
            | Error::GroupApplyClosed
            | Error::BlockedByGroup
            | Error::KickedTooOften
            | Error::GroupFileForbidden => codes::FORBIDDEN,
            Error::BannedInGroup | Error::GroupMuted => codes::FORBIDDEN,
            Error::AlreadyGroupMember | Error::GroupApplicationMissing | Error::GroupInvitationMissing => {
                codes::REPEATED_OPERATION
            }
            Error::GroupFull
            | Error::AppGroupLimit { .. }
            | Error::GroupsCreatedLimit { .. }
            | Error::GroupsJoinedLimit { .. } => codes::QUANTITY_OVER_LIMIT,
            Error::TransferTargetNotMember
            | Error::InvalidPushMode
            | Error::QrCodeInvalid
            | Error::QrCodeExpired
            // Push is a MaxIM section; no call of this dialect makes these.
            | Error::PushAudienceTooLarge { .. }
            | Error::PushNotEnabled => codes::PARAMETER_ERROR,
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
            // The file section is MaxIM's; NetEase calls never reach it.
            Error::FileMissing | Error::FileForbidden | Error::FileTooLarge { .. } | Error::UploadExpired => {
                codes::PARAMETER_ERROR
            }
            Error::Blob(_) | Error::Storage(_) | Error::Internal(_) => {
                return ApiError::new(codes::INTERNAL_ERROR, e.to_string()).with_cause(Cause::new(e));
            }
        };
        ApiError::new(code, e.to_string())
    }
}

/// A header or parameter NetEase would refuse: 414.
pub(crate) fn bad_parameter(desc: impl Into<String>) -> ApiError {
    ApiError::new(codes::PARAMETER_ERROR, desc)
}

/// An account or relation that does not exist: 404.
pub(crate) fn not_found(desc: impl Into<String>) -> ApiError {
    ApiError::new(codes::NOT_FOUND, desc)
}
