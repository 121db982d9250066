//! App-level admin tokens: made by the operator, never by an API call. Only a
//! SHA-256 digest is stored; the secret is shown once at creation.

use super::Core;
use super::error::{Error, Result};
use super::ids::{AdminTokenId, AppId};
use super::secrets;
use super::validation::Limit;

/// Distinguishes admin tokens from user tokens at a glance in logs and lists.
pub const ADMIN_TOKEN_PREFIX: &str = "adm_";
/// How many trailing characters of a token a listing shows: enough to tell
/// tokens apart, too few to help guess one.
const SHOWN_TAIL_LEN: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminToken {
    pub id: AdminTokenId,
    pub app: AppId,
    pub label: String,
    /// What a listing shows of the secret: `adm_…` and its last 4
    /// characters (tokens made before this rule: its first 12).
    pub prefix: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl AdminToken {
    /// What a listing may show: `adm_…` and the last 4 characters (a token
    /// made when the first 12 were stored shows none).
    pub fn shown(&self) -> String {
        if self.prefix.contains('…') { self.prefix.clone() } else { format!("{ADMIN_TOKEN_PREFIX}…") }
    }
}

#[derive(Debug, Clone)]
pub struct IssuedAdminToken {
    pub token: AdminToken,
    /// The only time the secret is available.
    pub secret: String,
}

pub struct AdminTokens<'a> {
    pub(super) core: &'a Core,
}

impl AdminTokens<'_> {
    pub async fn create(&self, app: &AppId, label: &str) -> Result<IssuedAdminToken> {
        Limit::ADMIN_TOKEN_LABEL.check(label)?;
        self.core.apps().get(app).await?;
        let secret = format!("{ADMIN_TOKEN_PREFIX}{}", secrets::random_hex(32));
        let prefix = format!("{ADMIN_TOKEN_PREFIX}…{}", &secret[secret.len() - SHOWN_TAIL_LEN..]);
        let token = self
            .core
            .db
            .insert_admin_token(app, &secrets::sha256_hex(&secret), &prefix, label, self.core.now_ms())
            .await?;
        Ok(IssuedAdminToken { token, secret })
    }

    pub async fn list(&self, app: &AppId) -> Result<Vec<AdminToken>> {
        self.core.db.admin_tokens(app).await
    }

    /// The token is refused from the next request on (authentication reads
    /// the row every time; nothing caches it).
    pub async fn revoke(&self, app: &AppId, id: AdminTokenId) -> Result<()> {
        if self.core.db.revoke_admin_token(app, id, self.core.now_ms()).await? {
            Ok(())
        } else {
            Err(Error::TokenInvalid)
        }
    }
}
