//! Object storage for uploaded files: a local folder (the default, under
//! the data dir), memory, or any S3-compatible store, all through the
//! `object_store` crate. The core talks to [`Blobs`] only, so its rules run
//! the same whatever holds the bytes; SQL stays in `store/`, bytes here.
//!
//! A local store cannot sign URLs for clients, so [`Blobs::presign`]
//! answers `None` and the server serves the bytes itself (its own signed
//! upload route, `server/src/maxim/file.rs`); S3 answers presigned URLs
//! and the client talks to the store directly. The URL format of
//! `--storage-url` is in `docs/files.md#storage`.

use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::signer::{Method, Signer};
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

/// Where the bytes live, as configured (`--storage-url`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageConfig {
    /// A folder on local disk (created if missing).
    Local(std::path::PathBuf),
    /// In memory, lost at exit: what a test core uses unless told otherwise.
    Memory,
    /// `s3://bucket?endpoint=…&region=…&access_key_id=…&secret_access_key=…&allow_http=true`.
    S3(String),
}

impl StorageConfig {
    /// `s3://…`, `file:///path` or a plain path; `None` means `default`.
    pub fn parse(url: Option<&str>, default_dir: &FsPath) -> Result<StorageConfig, String> {
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(StorageConfig::Local(default_dir.to_path_buf())),
            Some(u) if u.starts_with("s3://") => Ok(StorageConfig::S3(u.to_string())),
            Some("memory:") | Some("memory://") => Ok(StorageConfig::Memory),
            Some(u) => match u.strip_prefix("file://") {
                Some(path) => Ok(StorageConfig::Local(path.into())),
                None if u.contains("://") => {
                    Err(format!("`{}`: storage URLs are s3://bucket?… or file:///path", redact(u)))
                }
                None => Ok(StorageConfig::Local(u.into())),
            },
        }
    }
}

/// A storage URL without its secret key, for logs and errors.
pub fn redact(url: &str) -> String {
    match url.split_once('?') {
        None => url.to_string(),
        Some((base, query)) => {
            let kept: Vec<String> = form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| if k == "secret_access_key" { format!("{k}=***") } else { format!("{k}={v}") })
                .collect();
            format!("{base}?{}", kept.join("&"))
        }
    }
}

/// A failure of the store, its cause kept for logs.
#[derive(Debug, thiserror::Error)]
#[error("object storage: {0}")]
pub struct BlobError(#[source] pub object_store::Error);

/// The object store and, for S3, its URL signer. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    signer: Option<Arc<dyn Signer>>,
}

impl Blobs {
    pub fn memory() -> Blobs {
        Blobs { store: Arc::new(InMemory::new()), signer: None }
    }

    /// Opens the configured store; a local folder is created.
    pub fn open(config: &StorageConfig) -> Result<Blobs, String> {
        match config {
            StorageConfig::Memory => Ok(Blobs::memory()),
            StorageConfig::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create the storage folder {}: {e}", dir.display()))?;
                let fs = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| format!("cannot use the storage folder {}: {e}", dir.display()))?;
                Ok(Blobs { store: Arc::new(fs), signer: None })
            }
            StorageConfig::S3(url) => {
                let s3 = Arc::new(s3_builder(url)?.build().map_err(|e| format!("{}: {e}", redact(url)))?);
                Ok(Blobs { store: s3.clone(), signer: Some(s3) })
            }
        }
    }

    /// Whether clients talk to the store through presigned URLs.
    pub fn presigns(&self) -> bool {
        self.signer.is_some()
    }

    /// Stores `bytes` at `key` whole or not at all (the local store writes a
    /// staged file and renames it; S3 publishes an object only when complete).
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), BlobError> {
        self.store.put(&Path::from(key), PutPayload::from_bytes(bytes)).await.map(|_| ()).map_err(BlobError)
    }

    /// The object's bytes, `None` if there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, BlobError> {
        match self.store.get(&Path::from(key)).await {
            Ok(got) => got.bytes().await.map(Some).map_err(BlobError),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(BlobError(e)),
        }
    }

    /// The object's size, `None` if there is none.
    pub async fn size(&self, key: &str) -> Result<Option<u64>, BlobError> {
        match self.store.head(&Path::from(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(BlobError(e)),
        }
    }

    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(BlobError(e)),
        }
    }

    /// A presigned URL for `PUT` (upload) or `GET` (download) of `key`,
    /// valid for `ttl`; `None` when the store cannot sign (local, memory).
    pub async fn presign(&self, upload: bool, key: &str, ttl: Duration) -> Result<Option<String>, BlobError> {
        let Some(signer) = &self.signer else { return Ok(None) };
        let method = if upload { Method::PUT } else { Method::GET };
        let url = signer.signed_url(method, &Path::from(key), ttl).await.map_err(BlobError)?;
        Ok(Some(url.to_string()))
    }
}

/// The builder for `s3://bucket?endpoint=…`: credentials and region also
/// come from the usual `AWS_*` variables where the URL leaves them out.
fn s3_builder(url: &str) -> Result<AmazonS3Builder, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("`{}`: {e}", redact(url)))?;
    let bucket = parsed
        .host_str()
        .filter(|b| !b.is_empty())
        .ok_or_else(|| format!("`{}`: the bucket is missing (s3://bucket?endpoint=…)", redact(url)))?;
    // object_store retries for up to 3 minutes by default: far past the
    // request timeout (30 s), so a store that is down would answer as a
    // timeout (20000) instead of 10009.
    let retry = object_store::RetryConfig {
        max_retries: 3,
        retry_timeout: Duration::from_secs(10),
        ..Default::default()
    };
    let options = object_store::ClientOptions::new().with_connect_timeout(Duration::from_secs(5));
    let mut b =
        AmazonS3Builder::from_env().with_bucket_name(bucket).with_retry(retry).with_client_options(options);
    for (k, v) in parsed.query_pairs() {
        b = match k.as_ref() {
            "endpoint" => b.with_endpoint(v.as_ref()),
            "region" => b.with_region(v.as_ref()),
            "access_key_id" => b.with_access_key_id(v.as_ref()),
            "secret_access_key" => b.with_secret_access_key(v.as_ref()),
            "allow_http" => b.with_allow_http(v == "true" || v == "1"),
            "virtual_hosted_style" => b.with_virtual_hosted_style_request(v == "true" || v == "1"),
            other => return Err(format!("`{}`: unknown parameter `{other}`", redact(url))),
        };
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_urls_parse() {
        let dir = FsPath::new("/data/files");
        assert_eq!(StorageConfig::parse(None, dir), Ok(StorageConfig::Local(dir.into())));
        assert_eq!(StorageConfig::parse(Some("file:///x"), dir), Ok(StorageConfig::Local("/x".into())));
        assert!(matches!(StorageConfig::parse(Some("s3://b?region=x"), dir), Ok(StorageConfig::S3(_))));
        assert!(StorageConfig::parse(Some("ftp://x"), dir).is_err());
        assert!(Blobs::open(&StorageConfig::S3("s3://b?bogus=1".into())).is_err());
        assert_eq!(
            redact("s3://b?access_key_id=a&secret_access_key=s"),
            "s3://b?access_key_id=a&secret_access_key=***"
        );
    }
}
