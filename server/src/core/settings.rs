//! Per-user settings (friend verification, push, notification) and push tags.
//! Stored faithfully and returned as set; only ranges are checked.

use super::Core;
use super::callers::Actor;
use super::error::{Error, Result};
use super::validation::Limit;

/// How others may become this user's friend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// 0: anyone, without verification.
    Open,
    /// 1: the user must accept.
    Approval,
    /// 2: a correct answer to the user's question.
    Question,
    /// 3: nobody.
    Closed,
}

impl AuthMode {
    pub fn code(self) -> i64 {
        match self {
            AuthMode::Open => 0,
            AuthMode::Approval => 1,
            AuthMode::Question => 2,
            AuthMode::Closed => 3,
        }
    }

    pub fn from_code(code: i64) -> Result<Self> {
        match code {
            0 => Ok(AuthMode::Open),
            1 => Ok(AuthMode::Approval),
            2 => Ok(AuthMode::Question),
            3 => Ok(AuthMode::Closed),
            _ => Err(Error::invalid("auth_mode", "0, 1, 2 or 3")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSettings {
    pub auth_mode: AuthMode,
    pub auth_question: String,
    pub auth_answer: String,
    /// Invitations into a group need the user's consent.
    pub group_confirm: bool,
    pub auto_download: bool,
    pub no_push: bool,
    pub no_push_detail: bool,
    /// Hours 0..=23 of the daily no-push window.
    pub no_push_start_hour: i64,
    pub no_push_end_hour: i64,
    pub no_sounds: bool,
    pub vibratory: bool,
    pub push_nick_name: String,
    /// Bound with the push alias (`/user/push/alias`).
    pub push_token: String,
    pub push_alias: String,
    pub badge: i64,
    pub silence_start_time: i64,
    pub silence_end_time: i64,
}

impl Default for UserSettings {
    /// What a new user starts with, as the real service answers a
    /// registration (docs/maxim.md#new-users): anyone may add the user at
    /// once, group invitations need no confirmation, every switch off.
    fn default() -> Self {
        UserSettings {
            auth_mode: AuthMode::Open,
            auth_question: String::new(),
            auth_answer: String::new(),
            group_confirm: false,
            auto_download: false,
            no_push: false,
            no_push_detail: false,
            no_push_start_hour: 0,
            no_push_end_hour: 0,
            no_sounds: false,
            vibratory: false,
            push_nick_name: String::new(),
            push_token: String::new(),
            push_alias: String::new(),
            badge: 0,
            silence_start_time: 0,
            silence_end_time: 0,
        }
    }
}

/// `None` leaves a setting unchanged.
#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    pub auth_mode: Option<i64>,
    pub auth_question: Option<String>,
    pub auth_answer: Option<String>,
    pub group_confirm: Option<bool>,
    pub auto_download: Option<bool>,
    pub no_push: Option<bool>,
    pub no_push_detail: Option<bool>,
    pub no_push_start_hour: Option<i64>,
    pub no_push_end_hour: Option<i64>,
    pub no_sounds: Option<bool>,
    pub vibratory: Option<bool>,
    pub push_nick_name: Option<String>,
    pub push_token: Option<String>,
    pub push_alias: Option<String>,
    pub badge: Option<i64>,
    pub silence_start_time: Option<i64>,
    pub silence_end_time: Option<i64>,
}

impl SettingsPatch {
    fn validate(&self) -> Result<()> {
        if let Some(mode) = self.auth_mode {
            AuthMode::from_code(mode)?;
        }
        Limit::AUTH_QUESTION.check_opt(self.auth_question.as_deref())?;
        Limit::AUTH_ANSWER.check_opt(self.auth_answer.as_deref())?;
        Limit::PUSH_NICK_NAME.check_opt(self.push_nick_name.as_deref())?;
        Limit::PUSH_TOKEN.check_opt(self.push_token.as_deref())?;
        Limit::PUSH_ALIAS.check_opt(self.push_alias.as_deref())?;
        for (field, hour) in
            [("no_push_start_hour", self.no_push_start_hour), ("no_push_end_hour", self.no_push_end_hour)]
        {
            if hour.is_some_and(|h| !(0..=23).contains(&h)) {
                return Err(Error::invalid(field, "an hour from 0 to 23"));
            }
        }
        if self.badge.is_some_and(|b| b < 0) {
            return Err(Error::invalid("badge", "must not be negative"));
        }
        for (field, t) in
            [("silence_start_time", self.silence_start_time), ("silence_end_time", self.silence_end_time)]
        {
            if t.is_some_and(|t| t < 0) {
                return Err(Error::invalid(field, "must not be negative"));
            }
        }
        Ok(())
    }
}

pub const MAX_TAGS: usize = 100;

pub struct Settings<'a> {
    pub(super) core: &'a Core,
}

impl Settings<'_> {
    pub async fn get(&self, actor: &Actor) -> Result<UserSettings> {
        self.core.db.settings(&actor.app, actor.user).await?.ok_or(Error::UserMissing)
    }

    /// Applies the set fields atomically and returns the settings as stored.
    pub async fn update(&self, actor: &Actor, patch: SettingsPatch) -> Result<UserSettings> {
        patch.validate()?;
        if !self.core.db.update_settings(&actor.app, actor.user, &patch).await? {
            return Err(Error::UserMissing);
        }
        self.get(actor).await
    }

    /// Tags in the order they were first added.
    pub async fn tags(&self, actor: &Actor) -> Result<Vec<String>> {
        self.core.users().profile(actor).await?;
        self.core.db.tags(&actor.app, actor.user).await
    }

    /// Adds tags (already present ones are kept once). At most [`MAX_TAGS`].
    pub async fn add_tags(&self, actor: &Actor, tags: &[String]) -> Result<Vec<String>> {
        for tag in tags {
            Limit::TAG.check(tag)?;
            if tag.trim().is_empty() {
                return Err(Error::invalid("tag", "must not be empty"));
            }
        }
        let current = self.tags(actor).await?;
        let mut added = 0;
        for tag in tags {
            if !current.contains(tag) {
                added += 1;
            }
        }
        if current.len() + added > MAX_TAGS {
            return Err(Error::invalid("tags", format!("at most {MAX_TAGS} tags per user")));
        }
        self.core.db.add_tags(&actor.app, actor.user, tags, self.core.now_ms()).await?;
        self.tags(actor).await
    }

    pub async fn remove_tags(&self, actor: &Actor, tags: &[String]) -> Result<Vec<String>> {
        self.core.users().profile(actor).await?;
        self.core.db.remove_tags(&actor.app, actor.user, Some(tags)).await?;
        self.tags(actor).await
    }

    pub async fn clear_tags(&self, actor: &Actor) -> Result<()> {
        self.core.users().profile(actor).await?;
        self.core.db.remove_tags(&actor.app, actor.user, None).await
    }
}
