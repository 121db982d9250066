//! Notifiers: an app's named push credentials, the name a device binds its
//! push token to (`/user/token/bind`). The kind says which provider
//! delivers (`docs/push.md#notifier-kinds`); the vendor kinds (Huawei,
//! Xiaomi, Meizu, vivo, OPPO) are stored for `/push/certificate` but have
//! no provider yet. Credentials are checked when added, so that a
//! delivery never finds a notifier it cannot even try.

use serde::{Deserialize, Serialize};

use crate::core::error::{Error, Result};
use crate::core::validation::Limit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Apns,
    Fcm,
    Webhook,
    Huawei,
    Xiaomi,
    Meizu,
    Vivo,
    Oppo,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Apns,
        Kind::Fcm,
        Kind::Webhook,
        Kind::Huawei,
        Kind::Xiaomi,
        Kind::Meizu,
        Kind::Vivo,
        Kind::Oppo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Apns => "apns",
            Kind::Fcm => "fcm",
            Kind::Webhook => "webhook",
            Kind::Huawei => "huawei",
            Kind::Xiaomi => "xiaomi",
            Kind::Meizu => "meizu",
            Kind::Vivo => "vivo",
            Kind::Oppo => "oppo",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s.trim().to_ascii_lowercase())
    }

    /// Whether this server has a provider that delivers for the kind.
    pub fn delivers(self) -> bool {
        matches!(self, Kind::Apns | Kind::Fcm | Kind::Webhook)
    }
}

/// Development (sandbox) or production: APNs has a host for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development = 0,
    Production = 1,
}

impl Environment {
    pub fn from_i64(v: i64) -> Option<Environment> {
        match v {
            0 => Some(Environment::Development),
            1 => Some(Environment::Production),
            _ => None,
        }
    }
}

/// APNs token-based authentication: a `.p8` key of the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApnsCredentials {
    pub team_id: String,
    pub key_id: String,
    /// The `.p8` file's PEM (an EC P-256 private key).
    pub private_key: String,
    /// The app's bundle id (`apns-topic`).
    pub topic: String,
    /// Default: Apple's host for the environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

/// FCM HTTP v1: the fields of a Google service-account JSON file it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FcmCredentials {
    pub project_id: String,
    pub client_email: String,
    /// PEM of the account's RSA private key.
    pub private_key: String,
    pub token_uri: String,
    /// Default: `https://fcm.googleapis.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
}

/// The app's own gateway: a URL and the secret the body is signed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookCredentials {
    pub url: String,
    pub secret: String,
}

/// What a vendor console hands out (stored, answered by `/push/certificate`
/// without the secret).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorCredentials {
    #[serde(default)]
    pub app_id: String,
    #[serde(default)]
    pub app_key: String,
    #[serde(default)]
    pub app_secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    Apns(ApnsCredentials),
    Fcm(FcmCredentials),
    Webhook(WebhookCredentials),
    Vendor(VendorCredentials),
}

impl Credentials {
    /// Reads the stored (or typed) JSON of a kind's credentials.
    pub fn from_json(kind: Kind, json: &str) -> Result<Credentials> {
        let bad = |e: serde_json::Error| {
            Error::invalid("credentials", format!("{} credentials: {e}", kind.as_str()))
        };
        Ok(match kind {
            Kind::Apns => Credentials::Apns(serde_json::from_str(json).map_err(bad)?),
            Kind::Fcm => Credentials::Fcm(serde_json::from_str(json).map_err(bad)?),
            Kind::Webhook => Credentials::Webhook(serde_json::from_str(json).map_err(bad)?),
            _ => Credentials::Vendor(serde_json::from_str(json).map_err(bad)?),
        })
    }

    pub fn to_json(&self) -> String {
        let value = match self {
            Credentials::Apns(c) => serde_json::to_value(c),
            Credentials::Fcm(c) => serde_json::to_value(c),
            Credentials::Webhook(c) => serde_json::to_value(c),
            Credentials::Vendor(c) => serde_json::to_value(c),
        };
        value.map(|v| v.to_string()).unwrap_or_default()
    }

    fn check(&self, kind: Kind) -> Result<()> {
        fn present(field: &'static str, v: &str) -> Result<()> {
            if v.trim().is_empty() { Err(Error::invalid(field, "must not be empty")) } else { Ok(()) }
        }
        fn url(field: &'static str, v: &str) -> Result<()> {
            if v.starts_with("http://") || v.starts_with("https://") {
                Ok(())
            } else {
                Err(Error::invalid(field, "an http:// or https:// URL"))
            }
        }
        fn pem(field: &'static str, v: &str) -> Result<()> {
            if v.contains("-----BEGIN") && v.contains("PRIVATE KEY-----") {
                Ok(())
            } else {
                Err(Error::invalid(field, "a PEM private key (-----BEGIN ... PRIVATE KEY-----)"))
            }
        }
        match (kind, self) {
            (Kind::Apns, Credentials::Apns(c)) => {
                present("team_id", &c.team_id)?;
                present("key_id", &c.key_id)?;
                present("topic", &c.topic)?;
                pem("private_key", &c.private_key)?;
                c.base_url.as_deref().map_or(Ok(()), |u| url("base_url", u))
            }
            (Kind::Fcm, Credentials::Fcm(c)) => {
                present("project_id", &c.project_id)?;
                present("client_email", &c.client_email)?;
                pem("private_key", &c.private_key)?;
                url("token_uri", &c.token_uri)?;
                c.base_url.as_deref().map_or(Ok(()), |u| url("base_url", u))
            }
            (Kind::Webhook, Credentials::Webhook(c)) => {
                url("url", &c.url)?;
                present("secret", &c.secret)
            }
            (k, Credentials::Vendor(_)) if !k.delivers() => Ok(()),
            _ => Err(Error::invalid(
                "credentials",
                format!("not the credentials of a {} notifier", kind.as_str()),
            )),
        }
    }

    /// The credentials with every secret cut to its first characters, for
    /// listings (`server push list`).
    pub fn redacted(&self) -> serde_json::Value {
        fn cut(s: &str) -> String {
            let head: String = s.chars().take(4).collect();
            if s.is_empty() { String::new() } else { format!("{head}… ({} chars)", s.chars().count()) }
        }
        match self {
            Credentials::Apns(c) => serde_json::json!({
                "team_id": c.team_id, "key_id": c.key_id, "topic": c.topic,
                "private_key": "(hidden)", "base_url": c.base_url,
            }),
            Credentials::Fcm(c) => serde_json::json!({
                "project_id": c.project_id, "client_email": c.client_email, "token_uri": c.token_uri,
                "private_key": "(hidden)", "base_url": c.base_url,
            }),
            Credentials::Webhook(c) => serde_json::json!({"url": c.url, "secret": cut(&c.secret)}),
            Credentials::Vendor(c) => {
                serde_json::json!({"app_id": c.app_id, "app_key": c.app_key, "app_secret": cut(&c.app_secret)})
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notifier {
    pub name: String,
    pub kind: Kind,
    pub environment: Environment,
    pub credentials: Credentials,
    pub created_at: i64,
}

/// A notifier to add.
#[derive(Debug, Clone)]
pub struct NewNotifier {
    pub name: String,
    pub kind: Kind,
    pub environment: Environment,
    pub credentials: Credentials,
}

impl NewNotifier {
    pub fn check(&self) -> Result<()> {
        Limit::NOTIFIER_NAME.check(&self.name)?;
        if self.name.trim().is_empty() || self.name.trim() != self.name {
            return Err(Error::invalid("name", "must not be empty or start or end with spaces"));
        }
        self.credentials.check(self.kind)
    }
}
