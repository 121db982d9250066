//! Uploaded files' records (migration `0006_files.sql`): the slot handed
//! out, then the size once the bytes are there. Also the one membership
//! question the file rules ask (may this user read a group's files), read
//! here rather than through the group transactions: a read of one row.

use sqlx::any::AnyRow;

use crate::core::error::{Error, InfraError, Result};
use crate::core::files::{FileRecord, NewFileRecord};
use crate::core::ids::{AppId, UserId};

use super::Db;
use super::rows::get;

const COLUMNS: &str = "id, object_key, file_type, uploader_id, to_type, to_id, max_size, content_type, size, \
     created_at, slot_expires_at";

fn record(row: &AnyRow) -> Result<FileRecord> {
    let narrow = |v: i64, what: &str| {
        i32::try_from(v)
            .map_err(|_| Error::Storage(InfraError::new(format!("stored value out of range: {what}"))))
    };
    Ok(FileRecord {
        id: get(row, "id")?,
        object_key: get(row, "object_key")?,
        file_type: narrow(get(row, "file_type")?, "files.file_type")?,
        uploader: UserId(get(row, "uploader_id")?),
        to_type: narrow(get(row, "to_type")?, "files.to_type")?,
        to_id: get(row, "to_id")?,
        max_size: get(row, "max_size")?,
        content_type: get(row, "content_type")?,
        size: get(row, "size")?,
        created_at: get(row, "created_at")?,
        slot_expires_at: get(row, "slot_expires_at")?,
    })
}

impl Db {
    /// Records a new upload slot: its id.
    pub async fn insert_file(&self, app: &AppId, new: &NewFileRecord) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO files (app_id, object_key, file_type, uploader_id, to_type, to_id, max_size, created_at, slot_expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(app.as_str())
        .bind(&new.object_key)
        .bind(i64::from(new.file_type))
        .bind(new.uploader.0)
        .bind(i64::from(new.to_type))
        .bind(new.to_id)
        .bind(new.max_size)
        .bind(new.created_at)
        .bind(new.slot_expires_at)
        .fetch_one(&self.pool)
        .await?;
        get(&row, "id")
    }

    pub async fn file(&self, app: &AppId, id: i64) -> Result<Option<FileRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM files WHERE app_id = $1 AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(app.as_str())
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record).transpose()
    }

    pub async fn file_by_key(&self, app: &AppId, key: &str) -> Result<Option<FileRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM files WHERE app_id = $1 AND object_key = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(app.as_str())
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record).transpose()
    }

    /// Takes the slot for one upload: false if another upload took it.
    pub async fn claim_upload(&self, id: i64, now: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE files SET uploaded_at = $2 WHERE id = $1 AND uploaded_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a claimed slot back after its bytes could not be stored.
    pub async fn release_upload(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE files SET uploaded_at = NULL WHERE id = $1 AND size IS NULL")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records that the bytes are there.
    pub async fn file_uploaded(&self, id: i64, size: i64, content_type: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE files SET size = $2, content_type = $3, uploaded_at = $4 WHERE id = $1")
            .bind(id)
            .bind(size)
            .bind(content_type)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
