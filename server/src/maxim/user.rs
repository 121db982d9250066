//! The MaxIM user section: registration, profile, settings, devices, push
//! bindings and account state, each a translation onto the core.
//!
//! Conventions kept by every operation here:
//! - a parameter the operation cannot do without answers 10002 naming it;
//! - text a client sends as `""` is a value (it clears the field), except
//!   where a field only selects something (a device guid, a push token to
//!   keep), where `""` means "not given";
//! - the user an operation acts on is the caller, or with an admin token the
//!   user named by the `user_id` header ([`Maxim::actor`]).

use crate::core::Error as CoreError;
use crate::core::devices::DeviceLogin;
use crate::core::settings::{SettingsPatch, UserSettings};
use crate::core::users::{NewUser, ProfilePatch, User};
use crate::core::validation::Limit;
use crate::core::{Actor, AppId, Caller, DeviceSn, UserId};
use crate::generated::maxim::api::{
    ApiError, GroupIdUserIdHeaders, Request, UserAddRosterHeaders, UserApi, UserRostersHeaders,
};
use crate::generated::maxim::models;

use super::Maxim;
use super::errors::{self, registration_error};

/// A parameter the operation cannot do without (absent: 10002 naming it).
pub(super) fn required<T>(value: Option<T>, field: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| missing(field))
}

pub(super) fn missing(field: &str) -> ApiError {
    errors::invalid(format!("{field} is missing"))
}

/// Text that only selects something: `""` is "not given".
pub(super) fn given(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.trim().is_empty())
}

/// The documents type these settings int32; the core keeps them wider but
/// only stores values that came in as int32.
pub(super) fn narrow(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

/// The settings object (the registrations answer it too). `id` is the user
/// id: settings are keyed by it.
fn settings_data(user: UserId, s: &UserSettings) -> models::UserSettingsData {
    models::UserSettingsData {
        auth_answer: Some(s.auth_answer.clone()),
        auth_mode: Some(narrow(s.auth_mode.code())),
        auth_question: Some(s.auth_question.clone()),
        auto_download: Some(s.auto_download),
        group_confirm: Some(s.group_confirm),
        id: Some(user.0),
        no_push: Some(s.no_push),
        no_push_detail: Some(s.no_push_detail),
        no_push_end_hour: Some(narrow(s.no_push_end_hour)),
        no_push_start_hour: Some(narrow(s.no_push_start_hour)),
        no_sounds: Some(s.no_sounds),
        push_nick_name: Some(s.push_nick_name.clone()),
        push_token: Some(s.push_token.clone()),
        silence_end_time: Some(narrow(s.silence_end_time)),
        silence_start_time: Some(narrow(s.silence_start_time)),
        user_id: Some(user.0),
        vibratory: Some(s.vibratory),
    }
}

/// One entry of a batch answer: `(success, reason)`.
fn outcome<T>(result: &Result<T, ApiError>) -> (Option<bool>, Option<String>) {
    match result {
        Ok(_) => (Some(true), None),
        Err(e) => (Some(false), Some(e.to_string())),
    }
}

/// A list of ids an operation works on: absent or empty is 10002 naming it.
pub(super) fn non_empty(list: Option<Vec<i64>>, field: &str) -> Result<Vec<i64>, ApiError> {
    let list = required(list, field)?;
    if list.is_empty() {
        return Err(errors::invalid(format!("{field} is empty")));
    }
    Ok(list)
}

fn user_ids(list: Option<Vec<i64>>) -> Result<Vec<UserId>, ApiError> {
    Ok(non_empty(list, "list")?.into_iter().map(UserId).collect())
}

// Shared steps of several operations (free functions, so that no name
// collides with another section's helpers on `Maxim`).

async fn register_user(m: &Maxim, app: &AppId, new: NewUser) -> Result<User, ApiError> {
    m.core.users().register(app, new).await.map_err(registration_error)
}

async fn settings_of(m: &Maxim, actor: &Actor) -> Result<UserSettings, ApiError> {
    Ok(m.core.settings().get(actor).await?)
}

async fn update_settings(m: &Maxim, actor: &Actor, patch: SettingsPatch) -> Result<bool, ApiError> {
    m.core.settings().update(actor, patch).await?;
    Ok(true)
}

async fn update_profile(m: &Maxim, actor: &Actor, patch: ProfilePatch) -> Result<bool, ApiError> {
    m.core.users().update_profile(actor, patch).await?;
    Ok(true)
}

/// Each entry succeeds or fails on its own, in the order given.
async fn update_profiles(
    m: &Maxim,
    caller: &Caller,
    entries: Vec<(Option<i64>, Result<ProfilePatch, ApiError>)>,
) -> Result<Vec<(Option<i64>, Result<(), ApiError>)>, ApiError> {
    let mut out = Vec::with_capacity(entries.len());
    let mut valid = Vec::new();
    for (user, patch) in entries {
        let checked = match (user, patch) {
            (None, _) => Err(missing("user_id")),
            (Some(_), Err(e)) => Err(e),
            (Some(id), Ok(patch)) => {
                valid.push((UserId(id), patch));
                Ok(())
            }
        };
        out.push((user, checked));
    }
    let mut done = m.core.users().update_profiles(caller, valid).await?.into_iter();
    for (_, result) in out.iter_mut().filter(|(_, r)| r.is_ok()) {
        *result = match done.next() {
            Some((_, Ok(_))) => Ok(()),
            Some((_, Err(e))) => Err(e.into()),
            None => Err(errors::internal("an entry of the batch has no result")),
        };
    }
    Ok(out)
}

impl UserApi for Maxim {
    async fn user_authmode(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserAuthmodeInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let mode = required(req.input.value, "value")?;
        update_settings(
            self,
            &actor,
            SettingsPatch { auth_mode: Some(i64::from(mode)), ..Default::default() },
        )
        .await
    }

    async fn user_avatar(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserAvatarInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let avatar = required(req.input.avatar, "avatar")?;
        update_profile(self, &actor, ProfilePatch { avatar: Some(avatar), ..Default::default() }).await
    }

    async fn user_avatar_batch(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserAvatarBatchInput>,
    ) -> Result<Vec<models::UserBatchResult>, ApiError> {
        let caller = self.admin(&req.credentials).await?;
        let list = required(req.input.list, "list")?;
        let entries = list
            .into_iter()
            .map(|i| {
                (
                    i.user_id,
                    required(i.avatar, "avatar")
                        .map(|avatar| ProfilePatch { avatar: Some(avatar), ..Default::default() }),
                )
            })
            .collect();
        let results = update_profiles(self, &caller, entries).await?;
        Ok(results
            .into_iter()
            .map(|(user_id, result)| {
                let (success, reason) = outcome(&result);
                models::UserBatchResult { reason, success, user_id }
            })
            .collect())
    }

    async fn user_bind_openid(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserBindOpenidInput>,
    ) -> Result<bool, ApiError> {
        // Authenticate first so the answer does not depend on who asks.
        self.actor(&req).await?;
        Err(errors::invalid(
            "binding a WeChat openid is not supported: this server has no WeChat integration",
        ))
    }

    async fn user_change_password(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserChangePasswordInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let old = required(req.input.old_password, "old_password")?;
        let new = required(req.input.new_password, "new_password")?;
        let from = crate::client_address::current();
        self.core.users().from_address(from.as_deref()).change_password(&actor, &old, &new).await?;
        Ok(true)
    }

    async fn user_device_list(
        &self,
        req: Request<GroupIdUserIdHeaders, ()>,
    ) -> Result<models::Paged<Vec<models::UserDeviceListDataItem>>, ApiError> {
        let actor = self.actor(&req).await?;
        let devices = self.core.devices().list(&actor).await?;
        let data = devices
            .into_iter()
            .map(|d| models::UserDeviceListDataItem {
                device_sn: Some(narrow(d.device_sn.0)),
                platform: Some(narrow(d.platform)),
                user_agent: Some(d.user_agent),
                user_id: Some(d.user.0),
            })
            .collect();
        // A user has a handful of devices: one page, no cursor.
        Ok(models::Paged { data, cursor: None, version: None })
    }

    async fn user_device_remove(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserDeviceRemoveInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let sn = required(req.input.device_sn, "device_sn")?;
        self.core.devices().remove(&actor, DeviceSn(i64::from(sn))).await?;
        Ok(true)
    }

    async fn user_disable(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserDisableInput>,
    ) -> Result<bool, ApiError> {
        let caller = self.admin(&req.credentials).await?;
        let users = user_ids(req.input.list)?;
        self.core.users().disable(&caller, &users).await?;
        Ok(true)
    }

    async fn user_download(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserDownloadInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let value = required(req.input.value, "value")?;
        update_settings(self, &actor, SettingsPatch { auto_download: Some(value), ..Default::default() })
            .await
    }

    async fn user_enable(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserEnableInput>,
    ) -> Result<bool, ApiError> {
        let caller = self.admin(&req.credentials).await?;
        let users = user_ids(req.input.list)?;
        self.core.users().enable(&caller, &users).await?;
        Ok(true)
    }

    async fn user_kick(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserKickInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        // No device_sn kicks every device (the document's words).
        let sn = req.input.device_sn.map(|sn| DeviceSn(i64::from(sn)));
        self.core.devices().kick(&actor, sn).await?;
        Ok(true)
    }

    async fn user_mobile(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserMobileInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        // `""` unbinds the number; absent is a mistake.
        let mobile = required(req.input.mobile, "mobile")?;
        self.core.users().set_mobile(&actor, Some(&mobile)).await?;
        Ok(true)
    }

    async fn user_nickname(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserNicknameInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let nick_name = required(req.input.nick_name, "nick_name")?;
        update_profile(self, &actor, ProfilePatch { nick_name: Some(nick_name), ..Default::default() }).await
    }

    async fn user_online_status(
        &self,
        req: Request<GroupIdUserIdHeaders, ()>,
    ) -> Result<models::UserOnlineStatusData, ApiError> {
        let actor = self.actor(&req).await?;
        let online = self.core.users().is_online(&actor.app, actor.user).await?;
        Ok(models::UserOnlineStatusData { online: Some(online) })
    }

    async fn user_private(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserPrivateInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let patch = ProfilePatch { private_info: Some(req.input.info), ..Default::default() };
        self.core.users().update_profile(&actor, patch).await?;
        Ok(true)
    }

    async fn user_profile_get(
        &self,
        req: Request<GroupIdUserIdHeaders, ()>,
    ) -> Result<models::UserProfileGetData, ApiError> {
        let actor = self.actor(&req).await?;
        let u = self.core.users().profile(&actor).await?;
        Ok(models::UserProfileGetData {
            avatar: Some(u.avatar),
            description: Some(u.description),
            email: u.email,
            mobile: u.mobile,
            nick_name: Some(u.nick_name),
            private_info: Some(u.private_info),
            public_info: Some(u.public_info),
            user_id: Some(u.id.0),
            username: Some(u.username),
        })
    }

    async fn user_profile_update(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserProfileUpdateInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let i = req.input;
        let patch = ProfilePatch {
            nick_name: i.nick_name,
            avatar: None,
            description: i.description,
            public_info: i.public_info,
            private_info: i.private_info,
        };
        update_profile(self, &actor, patch).await
    }

    async fn user_profile_batch(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserProfileBatchInput>,
    ) -> Result<Vec<models::UserBatchResult>, ApiError> {
        let caller = self.admin(&req.credentials).await?;
        let list = required(req.input.list, "list")?;
        let entries = list
            .into_iter()
            .map(|i| {
                (
                    i.user_id,
                    Ok(ProfilePatch {
                        nick_name: i.nick_name,
                        avatar: None,
                        description: i.description,
                        public_info: i.public_info,
                        private_info: i.private_info,
                    }),
                )
            })
            .collect();
        let results = update_profiles(self, &caller, entries).await?;
        Ok(results
            .into_iter()
            .map(|(user_id, result)| {
                let (success, reason) = outcome(&result);
                models::UserBatchResult { reason, success, user_id }
            })
            .collect())
    }

    async fn user_public(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserPublicInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let patch = ProfilePatch { public_info: Some(req.input.info), ..Default::default() };
        self.core.users().update_profile(&actor, patch).await?;
        Ok(true)
    }

    async fn user_push(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserPushInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let value = required(req.input.value, "value")?;
        update_settings(self, &actor, SettingsPatch { no_push: Some(value), ..Default::default() }).await
    }

    async fn user_push_alias(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserPushAliasInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        // `""` unbinds the alias; a push token is only replaced when one is sent.
        let alias = required(req.input.alias, "alias")?;
        let patch = SettingsPatch {
            push_alias: Some(alias),
            push_token: given(req.input.push_token),
            ..Default::default()
        };
        update_settings(self, &actor, patch).await
    }

    async fn user_push_badge(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserPushBadgeInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let badge = required(req.input.badge, "badge")?;
        update_settings(self, &actor, SettingsPatch { badge: Some(i64::from(badge)), ..Default::default() })
            .await
    }

    async fn user_push_detail(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserPushDetailInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let value = required(req.input.value, "value")?;
        update_settings(self, &actor, SettingsPatch { no_push_detail: Some(value), ..Default::default() })
            .await
    }

    async fn user_push_limit(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserPushLimitInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let (start, end) = (req.input.no_push_start_hour, req.input.no_push_end_hour);
        if start.is_none() && end.is_none() {
            return Err(errors::invalid("no_push_start_hour and no_push_end_hour are missing"));
        }
        let patch = SettingsPatch {
            no_push_start_hour: start.map(i64::from),
            no_push_end_hour: end.map(i64::from),
            ..Default::default()
        };
        update_settings(self, &actor, patch).await
    }

    async fn user_push_nickname(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserPushNicknameInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let value = required(req.input.value, "value")?;
        update_settings(self, &actor, SettingsPatch { push_nick_name: Some(value), ..Default::default() })
            .await
    }

    async fn user_push_tag_list(
        &self,
        req: Request<GroupIdUserIdHeaders, ()>,
    ) -> Result<Vec<String>, ApiError> {
        let actor = self.actor(&req).await?;
        Ok(self.core.settings().tags(&actor).await?)
    }

    async fn user_push_tag_bind(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserPushTagBindInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let tags = required(req.input.tags, "tags")?;
        self.core.settings().add_tags(&actor, &tags).await?;
        Ok(true)
    }

    async fn user_push_tag_unbind(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserPushTagUnbindInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let tags = required(req.input.tags, "tags")?;
        self.core.settings().remove_tags(&actor, &tags).await?;
        Ok(true)
    }

    async fn user_push_tag_all(&self, req: Request<GroupIdUserIdHeaders, ()>) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        self.core.settings().clear_tags(&actor).await?;
        Ok(true)
    }

    async fn user_register(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserRegisterInput>,
    ) -> Result<models::UserSettingsData, ApiError> {
        let app = self.app(&req.credentials).await?;
        let i = req.input;
        let username = required(i.username, "username")?;
        let password = required(i.password, "password")?;
        // Codes would come from an SMS or mail service this server does not
        // have, so no code can be right; the number or address itself is
        // accepted unverified, as /user/mobile accepts one.
        if given(i.verification_code).is_some() {
            return Err(errors::wrong_verification_code(
                "verification codes are not supported: this server sends none; register without verification_code",
            ));
        }
        let user =
            register_user(self, &app, NewUser { username, password, mobile: i.mobile, email: i.email })
                .await?;
        let actor = Actor::new(app, user.id);
        Ok(settings_data(user.id, &settings_of(self, &actor).await?))
    }

    async fn user_register_batch(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserRegisterBatchInput>,
    ) -> Result<Vec<models::UserRegisterBatchDataItem>, ApiError> {
        let caller = self.admin(&req.credentials).await?;
        let list = required(req.input.list, "list")?;
        let mut out = Vec::with_capacity(list.len());
        for item in list {
            let username = item.username.clone();
            let result = match (item.username, item.password) {
                (None, _) => Err(missing("username")),
                (_, None) => Err(missing("password")),
                (Some(username), Some(password)) => {
                    register_user(self, &caller.app, NewUser::new(username, password)).await
                }
            };
            let (success, reason) = outcome(&result);
            let user_id = result.ok().map(|u| u.id.0);
            out.push(models::UserRegisterBatchDataItem { reason, success, user_id, username });
        }
        Ok(out)
    }

    async fn user_register_push(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserRegisterPushInput>,
    ) -> Result<models::UserSettingsData, ApiError> {
        let app = self.app(&req.credentials).await?;
        let i = req.input;
        let username = required(i.username, "username")?;
        let password = required(i.password, "password")?;
        let (alias, push_token, guid) = (given(i.alias), given(i.push_token), given(i.device_guid));
        // Checked before the user exists, so a bad field cannot leave a
        // half-registered user behind. `sign` is not checked: registration
        // is open without one, so a signature would protect nothing here.
        for (limit, value) in
            [(Limit::PUSH_ALIAS, &alias), (Limit::PUSH_TOKEN, &push_token), (Limit::DEVICE_GUID, &guid)]
        {
            limit.check_opt(value.as_deref())?;
        }
        let user = register_user(self, &app, NewUser::new(username, password)).await?;
        let actor = Actor::new(app, user.id);
        let device = match guid {
            Some(guid) => Some(self.core.devices().register_for(&actor, DeviceLogin::new(guid)).await?),
            None => None,
        };
        // The user is reachable by the push token it names, else by the one
        // its device was given.
        let push_token = push_token.or(device.map(|d| d.push_token));
        let settings = self
            .core
            .settings()
            .update(&actor, SettingsPatch { push_alias: alias, push_token, ..Default::default() })
            .await?;
        Ok(settings_data(user.id, &settings))
    }

    async fn user_register_v2(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserRegisterV2Input>,
    ) -> Result<models::UserSettingsData, ApiError> {
        let app = self.app(&req.credentials).await?;
        let username = required(req.input.username, "username")?;
        let password = required(req.input.password, "password")?;
        let user = register_user(self, &app, NewUser::new(username, password)).await?;
        let actor = Actor::new(app, user.id);
        Ok(settings_data(user.id, &settings_of(self, &actor).await?))
    }

    async fn user_settings_get(
        &self,
        req: Request<GroupIdUserIdHeaders, ()>,
    ) -> Result<models::UserSettingsData, ApiError> {
        let actor = self.actor(&req).await?;
        Ok(settings_data(actor.user, &settings_of(self, &actor).await?))
    }

    async fn user_settings_update(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserSettingsUpdateInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let i = req.input;
        // A settings object read back and sent again carries its owner; one
        // naming somebody else must not be applied to the caller instead.
        if i.user_id.is_some_and(|id| id != actor.user.0) {
            return Err(errors::no_permission(
                "user_id in the body names another user; act as a user with an admin token and the user_id header",
            ));
        }
        let patch = SettingsPatch {
            auth_mode: i.auth_mode.map(i64::from),
            auth_question: i.auth_question,
            auth_answer: i.auth_answer,
            group_confirm: i.group_confirm,
            auto_download: i.auto_download,
            no_push: i.no_push,
            no_push_detail: i.no_push_detail,
            no_push_start_hour: i.no_push_start_hour.map(i64::from),
            no_push_end_hour: i.no_push_end_hour.map(i64::from),
            no_sounds: i.no_sounds,
            vibratory: i.vibratory,
            push_nick_name: i.push_nick_name,
            push_token: i.push_token,
            push_alias: None,
            badge: None,
            silence_start_time: i.silence_start_time.map(i64::from),
            silence_end_time: i.silence_end_time.map(i64::from),
        };
        self.core.settings().update(&actor, patch).await?;
        Ok(true)
    }

    async fn user_sounds(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserSoundsInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let value = required(req.input.value, "value")?;
        update_settings(self, &actor, SettingsPatch { no_sounds: Some(value), ..Default::default() }).await
    }

    async fn user_token_bind(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserTokenBindInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let sn = required(req.input.device_sn, "device_sn")?;
        let device_token = required(req.input.device_token, "device_token")?;
        let notifier_name = req.input.notifier_name.unwrap_or_default();
        self.core
            .devices()
            .bind_push_token(&actor, DeviceSn(i64::from(sn)), &device_token, &notifier_name)
            .await?;
        Ok(true)
    }

    async fn user_token_unbind(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserTokenUnbindInput>,
    ) -> Result<serde_json::Value, ApiError> {
        let actor = self.actor(&req).await?;
        let sn = required(req.input.device_sn, "deviceSn")?;
        self.core.devices().unbind_push_token(&actor, DeviceSn(i64::from(sn))).await?;
        // The document types this answer as an object and lists no fields.
        Ok(serde_json::json!({}))
    }

    async fn user_username(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserUsernameInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let username = required(req.input.username, "username")?;
        self.core.users().set_username(&actor, &username).await?;
        Ok(true)
    }

    async fn user_vibratory(
        &self,
        req: Request<GroupIdUserIdHeaders, models::UserVibratoryInput>,
    ) -> Result<bool, ApiError> {
        let actor = self.actor(&req).await?;
        let value = required(req.input.value, "value")?;
        update_settings(self, &actor, SettingsPatch { vibratory: Some(value), ..Default::default() }).await
    }

    async fn user_add_roster(
        &self,
        req: Request<UserAddRosterHeaders, models::UserAddRosterInput>,
    ) -> Result<bool, ApiError> {
        let caller = self.admin(&req.credentials).await?;
        let me = self.core.tokens().act_as(&caller, Some(UserId(req.headers.user_id))).await?;
        let list = user_ids(Some(req.input.list))?;
        let friends = self.core.friends();
        // One by one, as the trusted server call NetEase's add type 1 is:
        // the other's auth mode is not asked, a block still refuses. A
        // friend already there is what the caller wanted, not an error.
        for other in list {
            if other == me.user {
                return Err(errors::invalid("list names the user itself"));
            }
            match friends.add_directly(&me, other, None).await {
                Ok(()) | Err(CoreError::AlreadyFriends) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(true)
    }

    async fn user_rosters(
        &self,
        req: Request<UserRostersHeaders, ()>,
    ) -> Result<Vec<models::UserRostersDataItem>, ApiError> {
        let caller = self.admin(&req.credentials).await?;
        let me = self.core.tokens().act_as(&caller, Some(UserId(req.headers.user_id))).await?;
        let friends = self.core.friends();
        let ids = friends.all_friend_ids(&me).await?.items;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            for item in friends.items(&me, chunk).await? {
                out.push(models::UserRostersDataItem {
                    user_id: Some(item.user.0),
                    name: Some(item.username),
                });
            }
        }
        Ok(out)
    }
}

/// `/user/public` and `/user/private` take the text as the whole body, as
/// the real service does, besides `{"info": "…"}`: a body that is not a JSON
/// object (nor a form) becomes `{"info": body}` before the generated router
/// reads it; a JSON string body gives its value (docs/maxim.md#public-and-private-info).
pub(crate) async fn info_as_body(req: axum::extract::Request) -> Result<axum::extract::Request, ApiError> {
    let path = req.uri().path();
    if path != "/user/public" && path != "/user/private" {
        return Ok(req);
    }
    let form = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("form"));
    if form {
        return Ok(req);
    }
    let (mut parts, body) = req.into_parts();
    let bytes = crate::wire::params::read_body(body).await?;
    let text = std::str::from_utf8(&bytes).unwrap_or("");
    let body = match serde_json::from_str::<serde_json::Value>(text) {
        _ if text.trim().is_empty() => bytes,
        Ok(serde_json::Value::Object(_)) => bytes,
        Ok(serde_json::Value::String(info)) => info_json(&mut parts, info),
        _ if std::str::from_utf8(&bytes).is_err() => bytes,
        _ => info_json(&mut parts, text.to_owned()),
    };
    Ok(axum::extract::Request::from_parts(parts, axum::body::Body::from(body)))
}

fn info_json(parts: &mut axum::http::request::Parts, info: String) -> axum::body::Bytes {
    parts
        .headers
        .insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    serde_json::json!({ "info": info }).to_string().into()
}
