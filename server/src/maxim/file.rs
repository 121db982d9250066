//! MaxIM `/file/*` (`docs/files.md`): upload slots, downloads and
//! forwarding over the core's files, plus two routes of the server's own
//! that no document lists:
//! - `PUT|POST /file/blob/{app}/{file}?expires=&sig=`: where a slot's bytes
//!   go when the storage is local (S3 slots answer a presigned URL instead).
//!   PUT takes the raw body; POST a multipart form with the bytes in `file`
//!   (browser SDKs post forms). Checked before the body is read (signature,
//!   expiry, `Content-Length`), and the body is capped while it streams.
//! - the download routes read `app_id` and `access-token` from the query
//!   when the headers lack them: an `<img src>` cannot send headers.

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use std::sync::Arc;

use crate::core::files::{Download, DownloadRef, Slot, SlotFor, UploadTarget};
use crate::core::{Actor, AppId, Error, GroupId};
use crate::generated::maxim::api::{ApiError, FileApi, GroupIdUserIdHeaders, Request, UserIdHeaders};
use crate::generated::maxim::models;
use crate::wire::Binary;

use super::Maxim;
use super::user::{given, required};

/// The file routes: the generated ones with the query credentials lifted
/// into headers, and the local upload route.
pub fn router(api: Arc<Maxim>) -> Router {
    let upload = Router::new()
        .route("/file/blob/{app}/{file}", put(upload_put).post(upload_post))
        // The route caps the body itself, per slot; axum's 2 MB default
        // would refuse every larger file.
        .layer(DefaultBodyLimit::disable())
        .with_state(api.clone());
    crate::generated::maxim::router::file_router(api)
        .layer(axum::middleware::map_request(lift_query_credentials))
        .merge(upload)
}

/// `app_id` and `access-token` (or `access_token`) from the query of a
/// download link, as headers where the request has none.
async fn lift_query_credentials(mut req: axum::extract::Request) -> axum::extract::Request {
    if !req.uri().path().starts_with("/file/download/") {
        return req;
    }
    let Some(query) = req.uri().query().map(str::to_owned) else { return req };
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let name = match key.as_ref() {
            "app_id" => "app_id",
            "access-token" | "access_token" => "access-token",
            _ => continue,
        };
        let headers = req.headers_mut();
        if headers.contains_key(name) {
            continue;
        }
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
    req
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Maxim {
    fn public(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }

    /// The slot in MaxIM's words: `upload_url`, `download_url`,
    /// `oss_body_param` (no extra form fields: `{}`), `upload_method`.
    fn slot_answer(&self, app: &AppId, slot: Slot) -> (String, String, serde_json::Value, String) {
        let upload_url = match slot.upload {
            UploadTarget::Presigned(url) => url,
            UploadTarget::Server { file, expires_at, sig } => format!(
                "{}/file/blob/{}/{file}?expires={expires_at}&sig={sig}",
                self.public(),
                encode(app.as_str())
            ),
        };
        let download_url = match slot.download {
            DownloadRef::FileSign(sign) => {
                format!("{}/file/download/chat?file_sign={}", self.public(), encode(&sign))
            }
            DownloadRef::ObjectName(name) => {
                format!("{}/file/download/avatar?object_name={}", self.public(), encode(&name))
            }
        };
        (upload_url, download_url, serde_json::json!({}), "PUT".to_string())
    }
}

/// The `file_sign` a download link (or the bare sign) carries.
pub(crate) fn sign_of_link(url: &str) -> Option<String> {
    let url = url.trim();
    if url.starts_with("f1.") {
        return Some(url.to_string());
    }
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "file_sign").map(|(_, v)| v.into_owned())
}

/// `/group/file/upload`'s check: `url` is a download link of a file
/// uploaded through a group shared file slot (200–203) of `group`.
pub(crate) async fn check_group_shared(
    api: &Maxim,
    me: &Actor,
    group: GroupId,
    url: &str,
) -> Result<(), ApiError> {
    let sign = sign_of_link(url).ok_or_else(|| {
        ApiError::from(Error::invalid(
            "url",
            "must be a download link (…/file/download/chat?file_sign=…) of a group shared file",
        ))
    })?;
    api.core.files().check_group_shared(me, group, &sign).await?;
    Ok(())
}

fn binary(d: Download) -> Binary {
    match d {
        Download::Bytes { content_type, bytes } => Binary::new(content_type, bytes.to_vec()),
        Download::Redirect(url) => Binary::redirect(url),
    }
}

impl FileApi for Maxim {
    async fn file_download_avatar(
        &self,
        req: Request<GroupIdUserIdHeaders, models::FileDownloadAvatarInput>,
    ) -> Result<Binary, ApiError> {
        // Any authenticated caller of the app (user or admin) may see avatars.
        let caller = self.caller(&req.credentials).await?;
        let name = required(given(req.input.object_name), "object_name")?;
        Ok(binary(self.core.files().download_avatar(&caller.app, &name, req.input.image_type).await?))
    }

    async fn file_download_chat(
        &self,
        req: Request<GroupIdUserIdHeaders, models::FileDownloadChatInput>,
    ) -> Result<Binary, ApiError> {
        let me = self.actor(&req).await?;
        let sign = required(given(req.input.file_sign), "file_sign")?;
        Ok(binary(self.core.files().download_chat(&me, &sign, req.input.image_type).await?))
    }

    async fn file_upload_avatar_group(
        &self,
        req: Request<UserIdHeaders, models::FileUploadAvatarGroupInput>,
    ) -> Result<models::FileUploadAvatarGroupData, ApiError> {
        let me = self.actor(&req).await?;
        let group = GroupId(required(req.input.group_id, "group_id")?);
        let slot = self.core.files().slot(&me, SlotFor::GroupAvatar(group)).await?;
        let (upload_url, download_url, param, method) = self.slot_answer(&me.app, slot);
        Ok(models::FileUploadAvatarGroupData {
            upload_url: Some(upload_url),
            download_url: Some(download_url),
            oss_body_param: Some(param),
            upload_method: Some(method),
        })
    }

    async fn file_upload_avatar_user(
        &self,
        req: Request<GroupIdUserIdHeaders, ()>,
    ) -> Result<models::FileUploadAvatarUserData, ApiError> {
        let me = self.actor(&req).await?;
        let slot = self.core.files().slot(&me, SlotFor::UserAvatar).await?;
        let (upload_url, download_url, param, method) = self.slot_answer(&me.app, slot);
        Ok(models::FileUploadAvatarUserData {
            upload_url: Some(upload_url),
            download_url: Some(download_url),
            oss_body_param: Some(param),
            upload_method: Some(method),
        })
    }

    async fn file_upload_chat(
        &self,
        req: Request<GroupIdUserIdHeaders, models::FileUploadChatInput>,
    ) -> Result<models::FileUploadChatData, ApiError> {
        let me = self.actor(&req).await?;
        let what = SlotFor::Chat {
            file_type: required(req.input.file_type, "file_type")?,
            to_type: required(req.input.to_type, "to_type")?,
            to_id: required(req.input.to_id, "to_id")?,
        };
        let slot = self.core.files().slot(&me, what).await?;
        let (upload_url, download_url, param, method) = self.slot_answer(&me.app, slot);
        Ok(models::FileUploadChatData {
            upload_url: Some(upload_url),
            download_url: Some(download_url),
            oss_body_param: Some(param),
            upload_method: Some(method),
        })
    }

    async fn file_upload_forward(
        &self,
        req: Request<GroupIdUserIdHeaders, models::FileUploadForwardInput>,
    ) -> Result<String, ApiError> {
        let me = self.actor(&req).await?;
        let sign = required(given(req.input.file_sign), "file_sign")?;
        let to_type = required(req.input.to_type, "to_type")?;
        let to_id = required(req.input.to_id, "to_id")?;
        let new = self.core.files().forward(&me, &sign, to_type, to_id).await?;
        Ok(format!("{}/file/download/chat?file_sign={}", self.public(), encode(&new)))
    }
}

#[derive(serde::Deserialize)]
struct SlotQuery {
    expires: Option<String>,
    sig: Option<String>,
}

/// An upload refused: the MaxIM envelope, with an HTTP status an uploader
/// that reads only the status (as it would from a store) also understands.
fn refused(e: Error) -> Response {
    let status = match &e {
        Error::FileTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Error::FileForbidden | Error::UploadExpired => StatusCode::FORBIDDEN,
        Error::Blob(_) => StatusCode::SERVICE_UNAVAILABLE,
        Error::Storage(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut r = ApiError::from(e).into_response();
    *r.status_mut() = status;
    r
}

/// The slot a request to the upload route names, checked, before its body is read.
async fn permit(
    api: &Maxim,
    app: &str,
    file: &str,
    q: &SlotQuery,
    headers: &HeaderMap,
) -> Result<(AppId, crate::core::files::UploadPermit), Error> {
    let forbidden = || Error::FileForbidden;
    let app = AppId::parse(app).map_err(|_| forbidden())?;
    let file: i64 = file.parse().map_err(|_| forbidden())?;
    let expires: i64 = q.expires.as_deref().and_then(|e| e.parse().ok()).ok_or_else(forbidden)?;
    let sig = q.sig.as_deref().ok_or_else(forbidden)?;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let permit = api.core.files().permit_upload(&app, file, expires, sig, declared).await?;
    Ok((app, permit))
}

/// Stores what an upload read under its permit, or refuses what it could not read.
async fn store(
    api: &Maxim,
    app: &AppId,
    permit: &crate::core::files::UploadPermit,
    read: Result<Bytes, Error>,
    content_type: &str,
) -> Response {
    let stored = match read {
        Ok(bytes) => api.core.files().finish_upload(app, permit, bytes, content_type).await,
        Err(e) => Err(e),
    };
    match stored {
        Ok(()) => crate::generated::maxim::router::ENVELOPE.ok_payload(&true),
        Err(e) => refused(e),
    }
}

fn interrupted() -> Error {
    Error::invalid("file", "the upload was interrupted; nothing was stored")
}

/// Reads a stream of chunks, refusing it as soon as it passes `max`.
async fn capped<S, E>(mut stream: S, max: u64) -> Result<Bytes, Error>
where
    S: futures::Stream<Item = Result<Bytes, E>> + Unpin,
{
    let mut buf = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| interrupted())?;
        if (buf.len() + chunk.len()) as u64 > max {
            return Err(Error::FileTooLarge { max });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

fn content_type(headers: &HeaderMap) -> String {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

async fn upload_put(
    axum::extract::State(api): axum::extract::State<Arc<Maxim>>,
    Path((app, file)): Path<(String, String)>,
    Query(q): Query<SlotQuery>,
    req: axum::extract::Request,
) -> Response {
    let (app, permit) = match permit(&api, &app, &file, &q, req.headers()).await {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    let ct = content_type(req.headers());
    let read = capped(req.into_body().into_data_stream(), permit.max_size).await;
    store(&api, &app, &permit, read, &ct).await
}

async fn upload_post(
    axum::extract::State(api): axum::extract::State<Arc<Maxim>>,
    Path((app, file)): Path<(String, String)>,
    Query(q): Query<SlotQuery>,
    req: axum::extract::Request,
) -> Response {
    let (app, permit) = match permit(&api, &app, &file, &q, req.headers()).await {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    let mut form = match axum::extract::Multipart::from_request(req, &()).await {
        Ok(f) => f,
        Err(_) => {
            return refused(Error::invalid("file", "a multipart/form-data body with the file in `file`"));
        }
    };
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return refused(Error::invalid("file", "the form has no `file` field")),
            Err(_) => return refused(interrupted()),
        };
        if field.name() != Some("file") {
            continue;
        }
        let ct = field.content_type().unwrap_or("").to_string();
        let read = capped(field, permit.max_size).await;
        return store(&api, &app, &permit, read, &ct).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_are_read_from_links_or_bare() {
        assert_eq!(
            sign_of_link("http://h/file/download/chat?file_sign=f1.a.b&x=1").as_deref(),
            Some("f1.a.b")
        );
        assert_eq!(sign_of_link(" f1.x ").as_deref(), Some("f1.x"));
        assert_eq!(sign_of_link("http://h/other"), None);
    }
}
