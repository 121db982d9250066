//! The one domain error. Each API dialect maps these variants to its own codes
//! in a single table; nothing here knows about those codes.

use std::fmt;

pub use super::groups::GroupRole;

/// Why a friend application was refused by the target's verification setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalReason {
    /// The target's auth mode refuses every application.
    RefusesAll,
    /// The target asks a question and the answer given was wrong.
    WrongAnswer,
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefusalReason::RefusesAll => "the user refuses all friend applications",
            RefusalReason::WrongAnswer => "the answer to the verification question is wrong",
        })
    }
}

/// A failure below the domain (database, hashing thread). The cause is kept for
/// logs; `Display` stays generic so a careless caller cannot leak SQL to clients.
pub struct InfraError(Box<dyn std::error::Error + Send + Sync + 'static>);

impl InfraError {
    pub fn new(cause: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        InfraError(cause.into())
    }

    /// The full cause, for logs only.
    pub fn cause(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl fmt::Debug for InfraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InfraError({:?})", self.0)
    }
}

impl fmt::Display for InfraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Transparent: it reads as its cause, so a chain walked through it shows
/// the cause once.
impl std::error::Error for InfraError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("app does not exist")]
    AppMissing,
    #[error("app already exists")]
    AppExists,
    #[error("user does not exist")]
    UserMissing,
    #[error("username already taken")]
    UsernameTaken,
    #[error("mobile number already bound to another user")]
    MobileTaken,
    #[error("email already bound to another user")]
    EmailTaken,
    #[error("wrong password")]
    WrongPassword,
    #[error("user is disabled")]
    UserDisabled,
    #[error("access token missing")]
    TokenMissing,
    #[error("access token invalid")]
    TokenInvalid,
    #[error("access token expired")]
    TokenExpired,
    /// The token existed but was revoked (password change, kick, device removal, disable).
    #[error("access token revoked")]
    TokenRevoked,
    #[error("no permission")]
    NoPermission,
    #[error("already friends")]
    AlreadyFriends,
    #[error("not friends")]
    NotFriends,
    #[error("blocked")]
    Blocked,
    #[error("friend application does not exist or has expired")]
    ApplicationMissing,
    #[error("friend application refused: {reason}")]
    Refused { reason: RefusalReason },
    #[error("too many friends")]
    TooManyFriends,
    #[error("device does not exist")]
    DeviceMissing,
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("rate limit exceeded, retry in {retry_after_ms} ms")]
    RateLimited { retry_after_ms: i64 },
    /// Too many failed password (or signature) checks from this address or
    /// on this account: refused unchecked until the lock ends (`throttle`).
    #[error("too many failed attempts, retry in {} s", (.retry_after_ms + 999) / 1000)]
    LoginThrottled { retry_after_ms: i64 },
    #[error("nonce already used")]
    NonceReused,
    #[error("group does not exist")]
    GroupMissing,
    #[error("not a member of the group")]
    NotGroupMember,
    #[error("the group's {needs} permission is needed")]
    GroupRoleNeeded { needs: GroupRole },
    #[error("the owner cannot leave the group; transfer it first")]
    OwnerCannotLeave,
    #[error("the new owner is not a member of the group")]
    TransferTargetNotMember,
    #[error("already a member of the group")]
    AlreadyGroupMember,
    #[error("the group is full")]
    GroupFull,
    /// The app's limit of active groups (its `max_groups`).
    #[error("the app has as many groups as it may ({max})")]
    AppGroupLimit { max: i64 },
    /// The user's limit of active groups owned (the app's `max_groups_created`).
    #[error("the user owns as many groups as a user may ({max})")]
    GroupsCreatedLimit { max: i64 },
    /// The user's limit of active groups joined, owned ones included (the
    /// app's `max_groups_joined`).
    #[error("the user is in as many groups as a user may ({max})")]
    GroupsJoinedLimit { max: i64 },
    #[error("the group accepts no applications")]
    GroupApplyClosed,
    #[error("in the group's block list")]
    BlockedByGroup,
    #[error("kicked from the group too many times; try again tomorrow")]
    KickedTooOften,
    #[error("group application expired or already handled")]
    GroupApplicationMissing,
    #[error("group invitation expired or already handled")]
    GroupInvitationMissing,
    #[error("invalid msg_push_mode: 0 to 4")]
    InvalidPushMode,
    #[error("announcement does not exist")]
    AnnouncementMissing,
    #[error("shared file does not exist")]
    GroupFileMissing,
    #[error("no permission on the shared file")]
    GroupFileForbidden,
    #[error("invalid group QR code")]
    QrCodeInvalid,
    #[error("expired group QR code")]
    QrCodeExpired,
    /// A member whose ban is in force sends to the group.
    #[error("banned in the group")]
    BannedInGroup,
    /// The whole group is muted (`ban_all`) and the sender is not its owner or an admin.
    #[error("the group is muted: only its owner and admins may send")]
    GroupMuted,
    /// A push audience list longer than the limit.
    #[error("the push audience lists more than {max} entries")]
    PushAudienceTooLarge { max: usize },
    /// The app has no notifier (of the kind asked for).
    #[error("push is not enabled for the app: no notifier is configured")]
    PushNotEnabled,
    #[error("file does not exist or was not uploaded")]
    FileMissing,
    #[error("no permission on the file")]
    FileForbidden,
    #[error("file too large (at most {max} bytes)")]
    FileTooLarge { max: u64 },
    #[error("the upload slot has expired")]
    UploadExpired,
    /// The object storage failed (MaxIM 10009); nothing was kept.
    #[error("object storage error")]
    Blob(#[source] InfraError),
    #[error("database error")]
    Storage(#[source] InfraError),
    #[error("internal error")]
    Internal(#[source] InfraError),
}

impl Error {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid { field, reason: reason.into() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
