//! Files (`docs/files.md`): upload slots, signed download links, who may
//! read what, thumbnails, and the check that a group's shared file names a
//! file uploaded for that group. Bytes go through [`Blobs`] (local folder,
//! memory or S3); records through the store (`server/src/store/files.rs`).
//!
//! Upload is two steps: a slot (a record, an object key, and where to send
//! the bytes: the server's own signed route, or an S3 presigned PUT), then
//! the bytes. A download link carries a `file_sign` naming the file, the
//! conversation it was sent to and who sent it; reading it needs to be that
//! sender, the user it was sent to, or a member of the group it was sent to.

mod sign;
mod thumbs;

use std::time::Duration;

use bytes::Bytes;

pub use sign::FileClaims;

use super::Core;
use super::callers::Actor;
use super::error::{Error, InfraError, Result};
use super::ids::{AppId, GroupId, UserId};
use crate::blobs::{BlobError, Blobs, StorageConfig};

/// Chat file kinds (`file_type` of `/file/upload/chat`).
pub const CHAT_TYPES: [i32; 5] = [100, 101, 102, 103, 104];
/// Group shared file kinds: the chat kinds' counterparts for `/group/file/upload`.
pub const GROUP_SHARED_TYPES: [i32; 4] = [200, 201, 202, 203];
/// `file_type` recorded for avatars (no chat kind uses it).
pub const USER_AVATAR: i32 = 1;
pub const GROUP_AVATAR: i32 = 2;
/// `to_type`: a user, a group.
pub const TO_USER: i32 = 1;
pub const TO_GROUP: i32 = 2;

/// How the file section is set up.
#[derive(Debug, Clone)]
pub struct FilesConfig {
    pub storage: StorageConfig,
    /// How long an upload slot accepts its bytes (15 minutes).
    pub slot_ttl: Duration,
    /// The largest chat or shared file but images (100 MB).
    pub max_file_bytes: u64,
    /// The largest image, chat or shared (20 MB).
    pub max_image_bytes: u64,
    /// The largest avatar (5 MB).
    pub max_avatar_bytes: u64,
    /// The box a thumbnail fits in, aspect kept (200×200).
    pub thumbnail_box: (u32, u32),
    /// How long a presigned S3 download (the 302's target) stays valid.
    pub download_ttl: Duration,
}

impl Default for FilesConfig {
    fn default() -> Self {
        FilesConfig {
            storage: StorageConfig::Memory,
            slot_ttl: Duration::from_secs(15 * 60),
            max_file_bytes: 100 << 20,
            max_image_bytes: 20 << 20,
            max_avatar_bytes: 5 << 20,
            thumbnail_box: (200, 200),
            download_ttl: Duration::from_secs(15 * 60),
        }
    }
}

/// A stored file's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    pub id: i64,
    pub object_key: String,
    pub file_type: i32,
    pub uploader: UserId,
    pub to_type: i32,
    pub to_id: i64,
    pub max_size: i64,
    pub content_type: String,
    /// `None` until the bytes are known to be there.
    pub size: Option<i64>,
    pub created_at: i64,
    pub slot_expires_at: i64,
}

/// A record to insert for a new slot.
#[derive(Debug, Clone)]
pub struct NewFileRecord {
    pub object_key: String,
    pub file_type: i32,
    pub uploader: UserId,
    pub to_type: i32,
    pub to_id: i64,
    pub max_size: i64,
    pub created_at: i64,
    pub slot_expires_at: i64,
}

/// What a slot is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotFor {
    /// A chat file (100–104) for a user or group, or a group shared file (200–203).
    Chat {
        file_type: i32,
        to_type: i32,
        to_id: i64,
    },
    UserAvatar,
    GroupAvatar(GroupId),
}

/// Where the client sends the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadTarget {
    /// An S3 presigned PUT URL.
    Presigned(String),
    /// The server's own route: `PUT /file/blob/{app}/{file}?expires=&sig=`.
    Server { file: i64, expires_at: i64, sig: String },
}

/// What the dialect hands out for a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub file: i64,
    pub upload: UploadTarget,
    pub expires_at: i64,
    /// A chat file's `file_sign`, or an avatar's object name.
    pub download: DownloadRef,
    pub max_size: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadRef {
    FileSign(String),
    ObjectName(String),
}

/// A download's answer: the bytes, or where the store serves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Download {
    Bytes { content_type: String, bytes: Bytes },
    Redirect(String),
}

/// An upload the server's route may take: checked before any byte is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPermit {
    pub file: i64,
    pub max_size: u64,
}

pub(crate) fn blob_error(e: BlobError) -> Error {
    Error::Blob(InfraError::new(e))
}

pub struct Files<'a> {
    pub(crate) core: &'a Core,
}

impl Files<'_> {
    fn config(&self) -> &FilesConfig {
        &self.core.config.files
    }

    fn blobs(&self) -> &Blobs {
        &self.core.blobs
    }

    async fn secret(&self, app: &AppId) -> Result<String> {
        Ok(self.core.apps().get(app).await?.secret)
    }

    /// An upload slot for `me`.
    pub async fn slot(&self, me: &Actor, what: SlotFor) -> Result<Slot> {
        let (file_type, to_type, to_id, max, kind) = match what {
            SlotFor::Chat { file_type, to_type, to_id } => {
                let shared = GROUP_SHARED_TYPES.contains(&file_type);
                if !shared && !CHAT_TYPES.contains(&file_type) {
                    return Err(Error::invalid("file_type", "100-104 (chat) or 200-203 (group shared)"));
                }
                match to_type {
                    TO_USER if shared => {
                        return Err(Error::invalid(
                            "to_type",
                            "group shared files (200-203) go to a group (2)",
                        ));
                    }
                    TO_USER => {
                        self.core.users().get(&me.app, UserId(to_id)).await?;
                    }
                    TO_GROUP => self.require_member(me, GroupId(to_id)).await?,
                    _ => return Err(Error::invalid("to_type", "1 (user) or 2 (group)")),
                }
                let max = if file_type % 100 == 2 {
                    self.config().max_image_bytes
                } else {
                    self.config().max_file_bytes
                };
                (file_type, to_type, to_id, max, if shared { "shared" } else { "chat" })
            }
            SlotFor::UserAvatar => (USER_AVATAR, 0, me.user.0, self.config().max_avatar_bytes, "avatar"),
            SlotFor::GroupAvatar(group) => {
                self.require_member(me, group).await?;
                (GROUP_AVATAR, 0, group.0, self.config().max_avatar_bytes, "avatar")
            }
        };
        let now = self.core.now_ms();
        let expires_at =
            now.saturating_add(i64::try_from(self.config().slot_ttl.as_millis()).unwrap_or(i64::MAX));
        // Random, so that keys never collide between apps, databases or
        // servers sharing one bucket, and an avatar's name cannot be guessed.
        let object_key = format!("{}/{kind}/{}", me.app, super::secrets::random_hex(16));
        let max_size = i64::try_from(max).unwrap_or(i64::MAX);
        let new = NewFileRecord {
            object_key: object_key.clone(),
            file_type,
            uploader: me.user,
            to_type,
            to_id,
            max_size,
            created_at: now,
            slot_expires_at: expires_at,
        };
        let file = self.core.db.insert_file(&me.app, &new).await?;
        let secret = self.secret(&me.app).await?;
        let upload = match self
            .blobs()
            .presign(true, &object_key, self.config().slot_ttl)
            .await
            .map_err(blob_error)?
        {
            Some(url) => UploadTarget::Presigned(url),
            None => UploadTarget::Server {
                file,
                expires_at,
                sig: sign::sign_upload(&secret, &me.app, file, expires_at),
            },
        };
        let download = if to_type == 0 {
            DownloadRef::ObjectName(object_key)
        } else {
            DownloadRef::FileSign(sign::sign_file(
                &secret,
                &me.app,
                FileClaims { file, to_type, to_id, owner: me.user },
            ))
        };
        Ok(Slot { file, upload, expires_at, download, max_size })
    }

    async fn require_member(&self, me: &Actor, group: GroupId) -> Result<()> {
        if self.core.db.is_group_member(&me.app, group, me.user).await? {
            Ok(())
        } else {
            // A group that does not exist reads as one the user is not in:
            // it says nothing of other apps' groups.
            Err(Error::NotGroupMember)
        }
    }

    /// Checks an upload to the server's own route before reading its body:
    /// the signature, the slot's expiry, the declared length.
    pub async fn permit_upload(
        &self,
        app: &AppId,
        file: i64,
        expires_at: i64,
        sig: &str,
        declared: Option<u64>,
    ) -> Result<UploadPermit> {
        let secret = self.secret(app).await?;
        if !sign::verify_upload(&secret, app, file, expires_at, sig) {
            return Err(Error::FileForbidden);
        }
        let record = self.core.db.file(app, file).await?.ok_or(Error::FileMissing)?;
        if self.core.now_ms() >= expires_at.min(record.slot_expires_at) {
            return Err(Error::UploadExpired);
        }
        if record.size.is_some() {
            // One slot, one upload: a link in a sent message must not change under its readers.
            return Err(Error::FileForbidden);
        }
        let max_size = u64::try_from(record.max_size).unwrap_or(0);
        if declared.is_some_and(|n| n > max_size) {
            return Err(Error::FileTooLarge { max: max_size });
        }
        Ok(UploadPermit { file, max_size })
    }

    /// Stores the bytes of a permitted upload, whole or not at all.
    pub async fn finish_upload(
        &self,
        app: &AppId,
        permit: &UploadPermit,
        bytes: Bytes,
        content_type: &str,
    ) -> Result<()> {
        let record = self.core.db.file(app, permit.file).await?.ok_or(Error::FileMissing)?;
        if bytes.len() as u64 > permit.max_size {
            return Err(Error::FileTooLarge { max: permit.max_size });
        }
        // Two uploads to one slot at once: one wins, the other is refused,
        // and the stored bytes are the winner's.
        if !self.core.db.claim_upload(record.id, self.core.now_ms()).await? {
            return Err(Error::FileForbidden);
        }
        if let Err(e) = self.blobs().put(&record.object_key, bytes.clone()).await {
            self.core.db.release_upload(record.id).await?;
            return Err(blob_error(e));
        }
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        self.core.db.file_uploaded(record.id, size, content_type, self.core.now_ms()).await
    }

    /// The record of a file whose bytes are there. With S3 the client
    /// uploaded to the store directly: the first use looks the object up,
    /// and an object over the slot's size is deleted and refused (a
    /// presigned PUT cannot cap the size itself).
    async fn uploaded(&self, app: &AppId, file: i64) -> Result<FileRecord> {
        let mut record = self.core.db.file(app, file).await?.ok_or(Error::FileMissing)?;
        if record.size.is_none() {
            let size =
                self.blobs().size(&record.object_key).await.map_err(blob_error)?.ok_or(Error::FileMissing)?;
            let size = i64::try_from(size).unwrap_or(i64::MAX);
            if size > record.max_size {
                self.blobs().delete(&record.object_key).await.map_err(blob_error)?;
                return Err(Error::FileTooLarge { max: u64::try_from(record.max_size).unwrap_or(0) });
            }
            self.core.db.file_uploaded(record.id, size, "", self.core.now_ms()).await?;
            record.size = Some(size);
        }
        Ok(record)
    }

    /// The claims of `file_sign` if `me` may read it.
    pub async fn readable(&self, me: &Actor, file_sign: &str) -> Result<FileClaims> {
        let secret = self.secret(&me.app).await?;
        let claims = sign::verify_file(&secret, &me.app, file_sign)?;
        let allowed = claims.owner == me.user
            || match claims.to_type {
                TO_USER => claims.to_id == me.user.0,
                TO_GROUP => self.core.db.is_group_member(&me.app, GroupId(claims.to_id), me.user).await?,
                _ => false,
            };
        if allowed { Ok(claims) } else { Err(Error::FileForbidden) }
    }

    /// A chat file's bytes (or its thumbnail, `image_type` 2) for `me`.
    pub async fn download_chat(
        &self,
        me: &Actor,
        file_sign: &str,
        image_type: Option<i32>,
    ) -> Result<Download> {
        let claims = self.readable(me, file_sign).await?;
        let record = self.uploaded(&me.app, claims.file).await?;
        self.serve(&record, image_type).await
    }

    /// An avatar by its object name, for any user of the app.
    pub async fn download_avatar(
        &self,
        app: &AppId,
        object_name: &str,
        image_type: Option<i32>,
    ) -> Result<Download> {
        let record = self.core.db.file_by_key(app, object_name.trim()).await?.ok_or(Error::FileMissing)?;
        if record.to_type != 0 {
            // Chat files are read through their signed links only.
            return Err(Error::FileMissing);
        }
        let record = self.uploaded(app, record.id).await?;
        self.serve(&record, image_type).await
    }

    async fn serve(&self, record: &FileRecord, image_type: Option<i32>) -> Result<Download> {
        let key = match image_type {
            Some(2) => self.thumbnail(record).await?,
            // 1 original; 3 (a video's cover) is not made: the original is answered.
            _ => record.object_key.clone(),
        };
        if let Some(url) =
            self.blobs().presign(false, &key, self.config().download_ttl).await.map_err(blob_error)?
        {
            return Ok(Download::Redirect(url));
        }
        let bytes = self.blobs().get(&key).await.map_err(blob_error)?.ok_or(Error::FileMissing)?;
        let content_type = if key != record.object_key {
            "image/png".to_string()
        } else if record.content_type.is_empty() {
            "application/octet-stream".to_string()
        } else {
            record.content_type.clone()
        };
        Ok(Download::Bytes { content_type, bytes })
    }

    /// The key of the file's thumbnail, made and stored next to it the first time.
    async fn thumbnail(&self, record: &FileRecord) -> Result<String> {
        let (w, h) = self.config().thumbnail_box;
        let key = format!("{}.thumb-{w}x{h}.png", record.object_key);
        if self.blobs().size(&key).await.map_err(blob_error)?.is_some() {
            return Ok(key);
        }
        let original =
            self.blobs().get(&record.object_key).await.map_err(blob_error)?.ok_or(Error::FileMissing)?;
        let png = tokio::task::spawn_blocking(move || thumbs::thumbnail(&original, w, h))
            .await
            .map_err(|e| Error::Internal(InfraError::new(e)))??;
        self.blobs().put(&key, png).await.map_err(blob_error)?;
        Ok(key)
    }

    /// Re-signs a file `me` may read for another conversation `me` may send
    /// to: the new `file_sign`.
    pub async fn forward(&self, me: &Actor, file_sign: &str, to_type: i32, to_id: i64) -> Result<String> {
        let claims = self.readable(me, file_sign).await?;
        self.uploaded(&me.app, claims.file).await?;
        match to_type {
            TO_USER => {
                self.core.users().get(&me.app, UserId(to_id)).await?;
            }
            TO_GROUP => self.require_member(me, GroupId(to_id)).await?,
            _ => return Err(Error::invalid("to_type", "1 (user) or 2 (group)")),
        }
        let secret = self.secret(&me.app).await?;
        Ok(sign::sign_file(
            &secret,
            &me.app,
            FileClaims { file: claims.file, to_type, to_id, owner: me.user },
        ))
    }

    /// Checks that `file_sign` names a file uploaded through a group shared
    /// file slot (200–203) of `group` and readable by `me`: what
    /// `/group/file/upload` registers.
    pub async fn check_group_shared(
        &self,
        me: &Actor,
        group: GroupId,
        file_sign: &str,
    ) -> Result<FileRecord> {
        let claims = self.readable(me, file_sign).await?;
        let record = self.uploaded(&me.app, claims.file).await?;
        if !GROUP_SHARED_TYPES.contains(&record.file_type)
            || record.to_type != TO_GROUP
            || record.to_id != group.0
        {
            return Err(Error::invalid(
                "url",
                "must be the download link of a file uploaded through a group shared file slot (file_type 200-203) of this group",
            ));
        }
        Ok(record)
    }
}
