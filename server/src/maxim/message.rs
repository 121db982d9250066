//! MaxIM `/message/*`: the messages and conversations of the core in
//! MaxIM's words (`docs/messages.md`).
//!
//! Decisions the documents leave open:
//! - `/message/send` runs as its token: a user token sends as its user
//!   (a `from_user_id` or `user_id` header naming anybody else: 10010); an
//!   admin token as `from_user_id` (or, without it, the `user_id` header).
//! - A send answers `true` when at least one target got the message; when
//!   none did, the first failing target's code. A repeated
//!   `transaction_id` answers `true` and stores nothing.
//! - Answers are the service's serialized objects: every field present is
//!   flagged by its `set_*` twin.

use crate::core::messages::{self as core_messages, ContentType, NewMessage, SendReport, TargetKind};
use crate::core::{Error, UserId};
use crate::generated::maxim::api::{ApiError, GroupIdUserIdHeaders, MessageApi, Request};
use crate::generated::maxim::models;

use super::Maxim;
use super::user::{narrow, non_empty, required};

fn new_message(body: models::MessageSendBody) -> Result<NewMessage, ApiError> {
    let kind = TargetKind::from_code(i64::from(required(body.r#type, "type")?))?;
    Ok(NewMessage {
        kind,
        targets: non_empty(body.targets, "targets")?,
        content_type: ContentType::from_code(i64::from(body.content_type.unwrap_or(0)))?,
        content: body.content.unwrap_or_default(),
        ext: body.ext,
        config: body.config,
        attachment: body.attachment,
        transaction_id: body.transaction_id,
    })
}

/// `true` if anybody got it (or it was sent before); else the first failure.
fn answer(report: SendReport) -> Result<bool, ApiError> {
    if report.duplicate || !report.delivered.is_empty() {
        return Ok(true);
    }
    match report.failed.into_iter().next() {
        Some((target, e)) => {
            let e = ApiError::from(e);
            Err(ApiError::new(e.code, format!("target {target}: {}", e.message)))
        }
        None => Err(Error::invalid("targets", "at least one target").into()),
    }
}

fn xid(uid: i64) -> models::MessageXid {
    models::MessageXid { uid: Some(uid), set_uid: Some(true), device_sn: None, set_device_sn: Some(false) }
}

/// A message as the reader `me` sees it: its own are read, others' are read
/// up to the read position.
fn message(m: core_messages::Message, me: UserId, read_id: i64) -> models::Message {
    let status = if m.from == me.0 || m.id <= read_id { "READ" } else { "UNREAD" };
    models::Message {
        msg_id: Some(m.id),
        set_msg_id: Some(true),
        from_xid: Some(xid(m.from)),
        set_from_xid: Some(true),
        to_xid: Some(xid(m.to)),
        set_to_xid: Some(true),
        ctype: Some(m.content_type.name().to_string()),
        set_ctype: Some(true),
        content: Some(m.content),
        set_content: Some(true),
        set_ext: Some(m.ext.is_some()),
        ext: m.ext,
        set_config: Some(m.config.is_some()),
        config: m.config,
        set_attachment: Some(m.attachment.is_some()),
        attachment: m.attachment,
        status: Some(status.to_string()),
        set_status: Some(true),
        timestamp: Some(m.created_at),
        set_timestamp: Some(true),
    }
}

impl MessageApi for Maxim {
    async fn message_ack(
        &self,
        req: Request<GroupIdUserIdHeaders, models::MessageAckInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let conversation = required(req.input.conversation_id, "conversation_id")?;
        self.core.messages().ack(&actor, conversation, req.input.msg_id).await?;
        Ok(true)
    }

    async fn message_conversation_messages(
        &self,
        req: Request<GroupIdUserIdHeaders, models::MessageConversationMessagesInput>,
    ) -> Result<models::MessageConversationMessagesData, ApiError> {
        let actor = self.actor(&req).await?;
        let input = req.input;
        let opposite = required(input.opposite_id, "opposite_id")?;
        let page = self
            .core
            .messages()
            .history(&actor, opposite, input.msg_id_start, input.limit.map(i64::from))
            .await?;
        let size = narrow(i64::try_from(page.messages.len()).unwrap_or(i64::MAX));
        let messages: Vec<models::Message> =
            page.messages.into_iter().map(|m| message(m, actor.user, page.read_id)).collect();
        Ok(models::MessageConversationMessagesData {
            is_last: Some(page.next.is_none()),
            set_is_last: Some(true),
            messages: Some(messages),
            set_messages: Some(true),
            messages_size: Some(size),
            messages_iterator: None,
            set_next_msg_id: Some(page.next.is_some()),
            next_msg_id: page.next,
        })
    }

    async fn message_conversation_delete(
        &self,
        req: Request<GroupIdUserIdHeaders, models::MessageConversationDeleteInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let conversation = required(req.input.conversation_id, "conversation_id")?;
        self.core.messages().delete_conversation(&actor, conversation).await?;
        Ok(true)
    }

    async fn message_notify(
        &self,
        req: Request<GroupIdUserIdHeaders, models::MessageNotifyInput>,
    ) -> Result<bool, ApiError> {
        let caller = self.admin(&req.credentials).await?;
        let b = req.input;
        let new = new_message(models::MessageSendBody {
            attachment: b.attachment,
            config: b.config,
            content: b.content,
            content_type: b.content_type,
            ext: b.ext,
            from_user_id: b.from_user_id,
            targets: b.targets,
            transaction_id: b.transaction_id,
            r#type: b.r#type,
        })?;
        answer(self.core.messages().notify(&caller, new).await?)
    }

    async fn message_send(
        &self,
        req: Request<GroupIdUserIdHeaders, models::MessageSendInput>,
    ) -> Result<bool, ApiError> {
        let caller = self.caller(&req.credentials).await?;
        let from = req.input.from_user_id.or(req.headers.user_id).map(UserId);
        let new = new_message(req.input)?;
        // The vendor's quick start sends as an admin naming no sender: the
        // app itself sends, as `/message/notify` does (docs/messages.md#notices).
        if caller.is_admin() && from.is_none() {
            return answer(self.core.messages().notify(&caller, new).await?);
        }
        answer(self.core.messages().send(&caller, from, new).await?)
    }

    async fn message_unread(
        &self,
        req: Request<GroupIdUserIdHeaders, ()>,
    ) -> Result<Vec<models::MessageUnreadDataItem>, ApiError> {
        let actor = self.actor(&req).await?;
        let list = self.core.messages().conversations(&actor).await?;
        Ok(list
            .into_iter()
            .map(|c| models::MessageUnreadDataItem {
                conversation_id: Some(xid(c.peer)),
                set_conversation_id: Some(true),
                num: Some(narrow(c.unread)),
                set_num: Some(true),
            })
            .collect())
    }
}
