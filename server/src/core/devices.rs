//! Devices of a user. A login that names a `device_guid` registers (or
//! reuses) a device with a per-user serial number and a push token; tokens
//! issued for a device die with it (removal) or on a kick.

use super::Core;
use super::callers::Actor;
use super::error::{Error, Result};
use super::ids::{AppId, DeviceSn, UserId};
use super::secrets;
use super::validation::Limit;

/// What a login says about the device it comes from.
#[derive(Debug, Clone, Default)]
pub struct DeviceLogin {
    pub guid: String,
    /// 1 ios, 2 android, 3 windows, 4 mac, 5 linux, 6 web; 0 unknown.
    pub platform: i64,
    pub user_agent: String,
}

impl DeviceLogin {
    pub fn new(guid: impl Into<String>) -> Self {
        DeviceLogin { guid: guid.into(), ..Default::default() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSession {
    pub device_sn: DeviceSn,
    pub push_token: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub user: UserId,
    pub device_sn: DeviceSn,
    pub guid: String,
    pub platform: i64,
    pub user_agent: String,
    /// Issued by this server at first login on the device.
    pub push_token: String,
    /// A vendor push token bound with `bind_push_token`.
    pub device_token: Option<String>,
    pub notifier_name: Option<String>,
    pub created_at: i64,
    pub last_login_at: i64,
}

pub struct Devices<'a> {
    pub(super) core: &'a Core,
}

impl Devices<'_> {
    pub(super) async fn register(
        &self,
        app: &AppId,
        user: UserId,
        login: DeviceLogin,
    ) -> Result<DeviceSession> {
        let guid = login.guid.trim();
        if guid.is_empty() {
            return Err(Error::invalid("device_guid", "must not be empty"));
        }
        Limit::DEVICE_GUID.check(guid)?;
        Limit::USER_AGENT.check(&login.user_agent)?;
        if !(0..=6).contains(&login.platform) {
            return Err(Error::invalid("platform", "0 to 6"));
        }
        let login = DeviceLogin { guid: guid.to_owned(), ..login };
        let fresh_push_token = secrets::random_hex(16);
        self.core.db.register_device(app, user, &login, &fresh_push_token, self.core.now_ms()).await
    }

    /// Registers (or refreshes) a device of the actor without issuing a
    /// token: for a registration that names the device it comes from.
    pub async fn register_for(&self, actor: &Actor, login: DeviceLogin) -> Result<DeviceSession> {
        self.register(&actor.app, actor.user, login).await
    }

    pub async fn list(&self, actor: &Actor) -> Result<Vec<Device>> {
        self.core.users().profile(actor).await?;
        self.core.db.devices(&actor.app, actor.user).await
    }

    /// Forgets the device and revokes its tokens.
    pub async fn remove(&self, actor: &Actor, sn: DeviceSn) -> Result<()> {
        if self.core.db.delete_device(&actor.app, actor.user, sn, self.core.now_ms()).await? {
            self.core.kick(actor, Some(sn), super::wakes::KickReason::DeviceRemoved);
            Ok(())
        } else {
            Err(Error::DeviceMissing)
        }
    }

    /// Revokes the tokens of one device, or with `None` every token of the
    /// user. The device stays registered.
    pub async fn kick(&self, actor: &Actor, sn: Option<DeviceSn>) -> Result<()> {
        self.core.users().profile(actor).await?;
        if let Some(sn) = sn
            && !self.core.db.device_exists(&actor.app, actor.user, sn).await?
        {
            return Err(Error::DeviceMissing);
        }
        self.core.db.revoke_user_tokens(&actor.app, actor.user, sn, self.core.now_ms()).await?;
        self.core.kick(actor, sn, super::wakes::KickReason::KickedByOther);
        Ok(())
    }

    pub async fn bind_push_token(
        &self,
        actor: &Actor,
        sn: DeviceSn,
        device_token: &str,
        notifier_name: &str,
    ) -> Result<()> {
        Limit::DEVICE_TOKEN.check(device_token)?;
        Limit::NOTIFIER_NAME.check(notifier_name)?;
        let ok = self
            .core
            .db
            .set_device_push(&actor.app, actor.user, sn, Some(device_token), Some(notifier_name))
            .await?;
        if ok { Ok(()) } else { Err(Error::DeviceMissing) }
    }

    pub async fn unbind_push_token(&self, actor: &Actor, sn: DeviceSn) -> Result<()> {
        let ok = self.core.db.set_device_push(&actor.app, actor.user, sn, None, None).await?;
        if ok { Ok(()) } else { Err(Error::DeviceMissing) }
    }
}
