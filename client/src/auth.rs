//! Credential setters the specs cannot name: MaxIM's `with_token` (the
//! `access-token` header) and NetEase's key-and-secret signing.

use crate::{MaximClient, NeteaseClient};

impl MaximClient {
    /// The `access-token` header (a user or admin token).
    pub fn with_token(self, token: impl Into<String>) -> Self {
        self.with_access_token(token)
    }
}

impl NeteaseClient {
    /// Signs every request with `AppKey`, a fresh `Nonce`, the current
    /// `CurTime` and `CheckSum` = SHA-1(AppSecret + Nonce + CurTime).
    pub fn with_key_secret(self, app_key: impl Into<String>, app_secret: impl Into<String>) -> Self {
        self.with_signer(crate::checksum::netease_signer(app_key, app_secret))
    }
}
