//! MaxIM `/push/*` (`docs/push.md`): the certificate a client SDK asks for,
//! push tasks made by the app's admin, and their figures. The audience and
//! message arrive as the document's free-form JSON and are read into the
//! core's types here; the figures go back under the document's
//! `<channel>_target/_sent/_received` names (Meizu is `flyme`).

use crate::core::push::{Audience, ChannelFigures, Environment, Kind, PushMessage, TaskFigures};
use crate::core::{Caller, UserId};
use crate::generated::maxim::api::{ApiError, GroupIdUserIdHeaders, PushApi, Request};
use crate::generated::maxim::models;

use super::Maxim;
use super::errors;
use super::user::{narrow, required};

/// `"all"` or `{user_id | alias | tag | push_token: [...]}` (also sent as
/// a JSON text, as a form or query parameter carries it).
fn audience(value: serde_json::Value) -> Result<Audience, ApiError> {
    use serde_json::Value;
    let bad = |why: &str| errors::invalid(format!("audience: {why}"));
    let object = match value {
        Value::String(s) if s.trim().eq_ignore_ascii_case("all") => return Ok(Audience::All),
        Value::String(s) if s.trim_start().starts_with('{') => match serde_json::from_str(&s) {
            Ok(Value::Object(o)) => o,
            _ => return Err(bad("not a JSON object")),
        },
        Value::Object(o) => o,
        _ => return Err(bad(r#""all" or an object with one of user_id, alias, tag, push_token"#)),
    };
    let mut entries = object.into_iter().filter(|(_, v)| !v.is_null());
    let (Some((key, list)), None) = (entries.next(), entries.next()) else {
        return Err(bad("exactly one of user_id, alias, tag, push_token"));
    };
    let Value::Array(list) = list else { return Err(bad(&format!("{key} must be a list"))) };
    let texts = |list: Vec<Value>| -> Result<Vec<String>, ApiError> {
        list.into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(bad(&format!("{key} entries are strings"))),
            })
            .collect()
    };
    Ok(match key.as_str() {
        "user_id" => Audience::Users(
            list.iter()
                .map(|v| match v {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                })
                .map(|id| id.map(UserId).ok_or_else(|| bad("user_id entries are user ids")))
                .collect::<Result<_, _>>()?,
        ),
        "alias" => Audience::Aliases(texts(list)?),
        "tag" => Audience::Tags(texts(list)?),
        "push_token" => Audience::PushTokens(texts(list)?),
        other => return Err(bad(&format!("unknown target `{other}`"))),
    })
}

fn message(model: models::PushNotifyBodyMessage) -> Result<PushMessage, ApiError> {
    let value = serde_json::to_value(model).map_err(|e| errors::invalid(format!("message: {e}")))?;
    serde_json::from_value(value)
        .map_err(|e| errors::invalid(format!("message: {e} (ext must be a JSON object)")))
}

fn detail(f: &TaskFigures) -> models::PushTaskDetailDataItem {
    let mut item = models::PushTaskDetailDataItem { task_id: Some(f.task_id), ..Default::default() };
    let zero = ChannelFigures::default();
    let get = |k: Kind| f.channels.get(k.as_str()).unwrap_or(&zero);
    let n = |v: i64| Some(narrow(v));
    macro_rules! fill {
        ($kind:expr, $target:ident, $sent:ident, $received:ident, $skipped:ident, $failed:ident) => {{
            let c = get($kind);
            item.$target = n(c.target);
            item.$sent = n(c.sent);
            // No device receipts: what the provider accepted.
            item.$received = n(c.sent);
            item.$skipped = n(c.skipped);
            item.$failed = n(c.failed);
        }};
    }
    fill!(Kind::Apns, apns_target, apns_sent, apns_received, apns_skipped, apns_failed);
    fill!(Kind::Fcm, fcm_target, fcm_sent, fcm_received, fcm_skipped, fcm_failed);
    fill!(Kind::Webhook, webhook_target, webhook_sent, webhook_received, webhook_skipped, webhook_failed);
    fill!(Kind::Huawei, huawei_target, huawei_sent, huawei_received, huawei_skipped, huawei_failed);
    fill!(Kind::Xiaomi, xiaomi_target, xiaomi_sent, xiaomi_received, xiaomi_skipped, xiaomi_failed);
    fill!(Kind::Meizu, flyme_target, flyme_sent, flyme_received, flyme_skipped, flyme_failed);
    fill!(Kind::Oppo, oppo_target, oppo_sent, oppo_received, oppo_skipped, oppo_failed);
    fill!(Kind::Vivo, vivo_target, vivo_sent, vivo_received, vivo_skipped, vivo_failed);
    item
}

impl PushApi for Maxim {
    /// Any caller of the app (the client SDK registers with the vendor's
    /// ids); the secret and the key material never leave the server.
    async fn push_certificate(
        &self,
        req: Request<GroupIdUserIdHeaders, models::PushCertificateInput>,
    ) -> Result<models::PushCertificateData, ApiError> {
        let Caller { app, .. } = self.caller(&req.credentials).await?;
        let environment = Environment::from_i64(i64::from(req.input.environment.unwrap_or(1)))
            .ok_or_else(|| errors::invalid("environment: 0 (development) or 1 (production)"))?;
        let kind = match required(req.input.provider, "provider")? {
            1 => Kind::Apns,
            2 => Kind::Huawei,
            3 => Kind::Xiaomi,
            4 => Kind::Meizu,
            5 => Kind::Vivo,
            6 => Kind::Oppo,
            7 => Kind::Fcm,
            _ => return Err(errors::invalid("provider: 1 to 7")),
        };
        let notifier = self.core.push().certificate(&app, environment, kind).await?;
        use crate::core::push::Credentials as C;
        let (app_id, app_key) = match &notifier.credentials {
            C::Apns(c) => (Some(c.topic.clone()), Some(c.key_id.clone())),
            C::Fcm(c) => (Some(c.project_id.clone()), None),
            C::Vendor(c) => (Some(c.app_id.clone()), Some(c.app_key.clone())),
            C::Webhook(_) => (None, None),
        };
        Ok(models::PushCertificateData {
            app_id,
            app_key,
            app_secret: None,
            certificate: None,
            name: Some(notifier.name),
        })
    }

    async fn push_notify(
        &self,
        req: Request<GroupIdUserIdHeaders, models::PushNotifyInput>,
    ) -> Result<models::PushNotifyData, ApiError> {
        let caller = self.admin(&req.credentials).await?;
        let audience = audience(required(req.input.audience, "audience")?)?;
        let message = message(required(req.input.message, "message")?)?;
        let request_id = req.input.setting.and_then(|s| s.request_id);
        let task = self.core.push().notify(&caller.app, audience, message, request_id).await?;
        Ok(models::PushNotifyData { task_id: Some(task) })
    }

    async fn push_task_detail(
        &self,
        req: Request<GroupIdUserIdHeaders, models::PushTaskDetailInput>,
    ) -> Result<Vec<models::PushTaskDetailDataItem>, ApiError> {
        let caller = self.admin(&req.credentials).await?;
        let list = required(req.input.list, "list")?;
        let figures = self.core.push().figures(&caller.app, &list).await?;
        Ok(figures.iter().map(detail).collect())
    }
}
