//! Domain errors as YHChat codes: the one table every YHChat operation uses.
//! YHChat documents only -1 (target missing) and -9 (already added); the
//! other negative codes are this server's, listed in the spec's `ErrorCode`
//! (`docs/yhchat.md#error-codes`).

use crate::core::Error;
use crate::generated::yhchat::api::ApiError;
use crate::generated::yhchat::models::{ProtoStatus, codes};
use crate::wire::Cause;

/// A domain error in YHChat's words. A failure below the domain keeps its
/// cause (logged once, when answered) and is answered -500 without it (in
/// the body; HTTP stays 200).
impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::UserMissing => codes::TARGET_NOT_FOUND,
            Error::AlreadyFriends => codes::ALREADY_ADDED,
            Error::NotFriends => codes::NOT_FRIENDS,
            Error::Blocked => codes::BLOCKED,
            Error::Refused { .. } => codes::REFUSED,
            Error::ApplicationMissing => codes::APPLICATION_NOT_FOUND,
            Error::TooManyFriends => codes::TOO_MANY_FRIENDS,
            // Groups (`apply`, `delete-friend`, `agree-apply` with chatType 2 or
            // a group application's id): as their friend counterparts.
            Error::GroupMissing
            | Error::TransferTargetNotMember
            | Error::AnnouncementMissing
            | Error::GroupFileMissing => codes::TARGET_NOT_FOUND,
            // Leaving a group one is not in, like deleting a friend one does not have.
            Error::NotGroupMember => codes::NOT_FRIENDS,
            Error::BlockedByGroup => codes::BLOCKED,
            Error::GroupApplyClosed | Error::KickedTooOften => codes::REFUSED,
            Error::BannedInGroup | Error::GroupMuted => codes::REFUSED,
            Error::GroupApplicationMissing | Error::GroupInvitationMissing => codes::APPLICATION_NOT_FOUND,
            Error::AlreadyGroupMember => codes::ALREADY_ADDED,
            // A member limit or a limit of groups, like the friend limit.
            Error::GroupFull
            | Error::AppGroupLimit { .. }
            | Error::GroupsCreatedLimit { .. }
            | Error::GroupsJoinedLimit { .. } => codes::TOO_MANY_FRIENDS,
            // YHChat has no "forbidden" code; the message names the role needed
            // (`agree-apply` answers -6 instead: see `friend`).
            Error::GroupRoleNeeded { .. }
            | Error::OwnerCannotLeave
            | Error::GroupFileForbidden
            | Error::InvalidPushMode
            | Error::QrCodeInvalid
            | Error::QrCodeExpired
            // Push is a MaxIM section; no call of this dialect makes these.
            | Error::PushAudienceTooLarge { .. }
            | Error::PushNotEnabled => codes::INVALID_PARAMETER,
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
            | Error::LoginThrottled { .. }
            | Error::NonceReused
            | Error::AppExists
            | Error::UsernameTaken
            | Error::MobileTaken
            | Error::EmailTaken
            | Error::WrongPassword
            | Error::DeviceMissing => codes::INVALID_PARAMETER,
            // The file section is MaxIM's; YHChat calls never reach it.
            Error::FileMissing | Error::FileForbidden | Error::FileTooLarge { .. } | Error::UploadExpired => {
                codes::INVALID_PARAMETER
            }
            Error::Blob(_) | Error::Storage(_) | Error::Internal(_) => {
                return ApiError::new(codes::INTERNAL_ERROR, e.to_string()).with_cause(Cause::new(e));
            }
        };
        ApiError::new(code, e.to_string())
    }
}

/// A missing or malformed parameter: -2.
pub(crate) fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new(codes::INVALID_PARAMETER, msg)
}

/// A chat id that names nobody: -1.
pub(crate) fn target_not_found(msg: impl Into<String>) -> ApiError {
    ApiError::new(codes::TARGET_NOT_FOUND, msg)
}

/// An application id the caller may not handle (unknown, not theirs, handled): -6.
pub(crate) fn application_not_found(msg: impl Into<String>) -> ApiError {
    ApiError::new(codes::APPLICATION_NOT_FOUND, msg)
}

/// A chat type this server does not serve yet: -7.
pub(crate) fn not_supported(msg: impl Into<String>) -> ApiError {
    ApiError::new(codes::NOT_SUPPORTED, msg)
}

/// The status a successful protobuf answer carries (`number` echoes the request's).
pub(crate) fn ok_status(number: i64) -> ProtoStatus {
    ProtoStatus { number, code: codes::OK, msg: "success".into() }
}
