//! Domain errors as MaxIM codes: the one table every MaxIM operation uses
//! (`docs/maxim.md#error-codes`), and the named errors the dialect answers
//! itself. No other MaxIM module writes a code. Codes are the real
//! service's; where none fits, the closest one with a message that says
//! what happened.

use crate::core::Error;
use crate::core::groups::GroupRole;
use crate::generated::maxim::api::ApiError;
use crate::generated::maxim::models::codes;
use crate::wire::Cause;

/// A domain error in MaxIM's words. A failure below the domain keeps its
/// cause (logged once, when answered) and is answered 20000 without it.
impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
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
            // The service's table has no throttling code; 10010 with the
            // message "too many failed attempts, retry in N s" (docs/security.md).
            Error::LoginThrottled { .. } => codes::NO_PERMISSION,
            Error::NonceReused => codes::INVALID_PARAMETER,
            Error::GroupMissing => codes::GROUP_NOT_FOUND,
            Error::NotGroupMember => codes::NOT_GROUP_MEMBER,
            Error::GroupRoleNeeded { needs } => match needs {
                GroupRole::Member => codes::NEEDS_MEMBER,
                GroupRole::Admin => codes::NEEDS_ADMIN,
                GroupRole::Owner => codes::NEEDS_OWNER,
            },
            Error::OwnerCannotLeave => codes::OWNER_CANNOT_LEAVE,
            Error::TransferTargetNotMember => codes::TRANSFER_TARGET_NOT_MEMBER,
            Error::AlreadyGroupMember => codes::ALREADY_MEMBER,
            Error::GroupFull => codes::GROUP_FULL,
            Error::AppGroupLimit { .. } => codes::APP_GROUP_LIMIT,
            Error::GroupsCreatedLimit { .. } => codes::GROUPS_CREATED_LIMIT,
            Error::GroupsJoinedLimit { .. } => codes::GROUPS_JOINED_LIMIT,
            // apply_approval 2: nobody may apply; the service has no code of its own.
            Error::GroupApplyClosed => codes::NO_PERMISSION,
            Error::BlockedByGroup => codes::IN_GROUP_BLACKLIST,
            Error::KickedTooOften => codes::KICKED_TOO_OFTEN,
            Error::GroupApplicationMissing => codes::GROUP_APPLICATION_HANDLED,
            Error::GroupInvitationMissing => codes::GROUP_INVITATION_HANDLED,
            Error::InvalidPushMode => codes::INVALID_MSG_PUSH_MODE,
            Error::AnnouncementMissing => codes::ANNOUNCEMENT_NOT_FOUND,
            Error::GroupFileMissing => codes::GROUP_FILE_NOT_FOUND,
            Error::GroupFileForbidden => codes::GROUP_FILE_NO_PERMISSION,
            Error::QrCodeInvalid => codes::GROUP_QR_CODE_INVALID,
            Error::QrCodeExpired => codes::GROUP_QR_CODE_EXPIRED,
            // Muted senders: the service lists no code of its own for them.
            Error::BannedInGroup | Error::GroupMuted => codes::NO_PERMISSION,
            Error::PushAudienceTooLarge { .. } => codes::PUSH_AUDIENCE_TOO_LARGE,
            Error::PushNotEnabled => codes::PUSH_NOT_ENABLED,
            Error::FileMissing => codes::INVALID_PARAMETER,
            Error::FileForbidden | Error::UploadExpired => codes::NO_PERMISSION,
            Error::FileTooLarge { .. } => codes::INVALID_PARAMETER,
            Error::Blob(_) => {
                return ApiError::new(codes::STORAGE_ERROR, e.to_string()).with_cause(Cause::new(e));
            }
            Error::Storage(_) | Error::Internal(_) => {
                return ApiError::new(codes::DATABASE_ERROR, e.to_string()).with_cause(Cause::new(e));
            }
        };
        ApiError::new(code, e.to_string())
    }
}

/// Registration answers a taken username with 10004 (user exists); other
/// calls with 11011.
pub(crate) fn registration_error(e: Error) -> ApiError {
    match e {
        Error::UsernameTaken => ApiError::new(codes::USER_EXISTS, "user already exists"),
        other => other.into(),
    }
}

/// Accept and decline: without a pending application from that user there
/// is nothing to answer, whoever the user is (10007, an unknown user included).
pub(crate) fn no_application(e: Error) -> ApiError {
    match e {
        Error::UserMissing => Error::ApplicationMissing.into(),
        other => other.into(),
    }
}

/// The `app_id` header names no app (missing, malformed or unknown): 40000.
pub(crate) fn app_not_found(message: impl Into<String>) -> ApiError {
    ApiError::new(codes::APP_NOT_FOUND, message)
}

/// A request the operation cannot take as it is: 10002.
pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(codes::INVALID_PARAMETER, message)
}

/// A wrong verification code (SMS, captcha): 10001.
pub(crate) fn wrong_verification_code(message: impl Into<String>) -> ApiError {
    ApiError::new(codes::VERIFICATION_CODE_INCORRECT, message)
}

/// The caller may not do this: 10010.
pub(crate) fn no_permission(message: impl Into<String>) -> ApiError {
    ApiError::new(codes::NO_PERMISSION, message)
}

/// Something that cannot happen did: 20000.
pub(crate) fn internal(message: impl Into<String>) -> ApiError {
    ApiError::new(codes::DATABASE_ERROR, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::InfraError;

    #[test]
    fn a_storage_failure_keeps_its_cause_and_hides_it_from_the_caller() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let e = ApiError::from(Error::Storage(InfraError::new(io)));
        assert_eq!((e.code, e.message.as_str()), (codes::DATABASE_ERROR, "database error"));
        assert_eq!(e.cause.map(|c| c.to_string()).as_deref(), Some("database error: connection refused"));
    }

    #[test]
    fn domain_errors_carry_no_cause() {
        let e = ApiError::from(Error::Blocked);
        assert_eq!(e.code, codes::BLOCKED);
        assert!(e.cause.is_none());
    }
}
