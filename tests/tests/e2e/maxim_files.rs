//! MaxIM `/file/*` (`docs/files.md`) over HTTP: real bytes through a slot
//! and back through the download link, on local storage and on S3 (the
//! store `TEST_S3_URL` names, else an in-process S3 server); who may read;
//! expired slots; thumbnails; size limits; interrupted uploads; forwarding;
//! avatars; group shared files. Slots and downloads go through the
//! generated client; the bytes through reqwest, as an SDK sends them.

use client::generated::maxim::models as m;
use server::core::settings::SettingsPatch;
use server::core::{Actor, AppId, Config, UserId};
use server::testing::{local_storage, s3_storage};
use tests::{TestApp, failure, input, on_both_backends_configured};

struct Who {
    id: i64,
    token: String,
    api: client::MaximClient,
}

/// A registered, logged-in user whom invitations join at once.
async fn user(app: &TestApp, name: &str) -> Who {
    let (id, token) = app.register_with_token(name).await;
    let app_id = AppId::parse(&app.app_id).expect("app id");
    let patch = SettingsPatch { group_confirm: Some(false), ..Default::default() };
    app.core.settings().update(&Actor::new(app_id, UserId(id)), patch).await.expect("settings");
    Who { id, api: app.maxim_as(&token), token }
}

async fn chat_slot(who: &Who, file_type: i32, to_type: i32, to_id: i64) -> m::FileUploadChatData {
    who.api
        .file_upload_chat(&input!({"file_type": file_type, "to_type": to_type, "to_id": to_id}))
        .await
        .expect("slot")
}

/// PUTs `bytes` to a slot's upload URL: the HTTP status.
async fn put(app: &TestApp, url: &str, bytes: Vec<u8>) -> u16 {
    app.http.put(url).body(bytes).send().await.expect("upload").status().as_u16()
}

fn sign_of(download_url: &str) -> String {
    let query = download_url.split_once('?').expect("a query").1;
    url_param(query, "file_sign").expect("file_sign")
}

fn url_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

async fn download(
    who: &Who,
    sign: &str,
    image_type: Option<i32>,
) -> Result<client::Binary, client::ClientError> {
    who.api.file_download_chat(&input!({"file_sign": sign, "image_type": image_type})).await
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([10, 120, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("encode png");
    out.into_inner()
}

fn bytes_of(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

/// A chat file from A to B: B and A read it (headers, or query
/// parameters as an `<img src>` sends them), a stranger may not.
async fn round_trip(app: TestApp, s3: bool) {
    let a = user(&app, "alice").await;
    let b = user(&app, "bob").await;
    let stranger = user(&app, "carol").await;
    let slot = chat_slot(&a, 100, 1, b.id).await;
    let upload_url = slot.upload_url.clone().expect("upload_url");
    assert_eq!(slot.upload_method.as_deref(), Some("PUT"));
    assert_eq!(upload_url.contains("/file/blob/"), !s3, "{upload_url}");
    if s3 {
        assert!(upload_url.contains("X-Amz-Signature="), "{upload_url}");
        if std::env::var_os("TEST_S3_URL").is_none() {
            // The in-process server checks signatures (moto does not).
            let at = upload_url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
            let flipped = if &upload_url[at..=at] == "a" { "b" } else { "a" };
            let tampered = format!("{}{flipped}{}", &upload_url[..at], &upload_url[at + 1..]);
            assert_eq!(put(&app, &tampered, vec![1]).await, 403);
        }
    }
    let data = bytes_of(300_000);
    assert_eq!(put(&app, &upload_url, data.clone()).await, 200);
    let link = slot.download_url.expect("download_url");
    assert!(link.starts_with(&app.base_url), "{link}");
    let sign = sign_of(&link);
    assert_eq!(download(&b, &sign, None).await.expect("bob reads").bytes, data);
    assert_eq!(download(&a, &sign, None).await.expect("alice reads").bytes, data);
    assert_eq!(failure(download(&stranger, &sign, None).await).0, 10010);

    // An <img src>: the credentials in the query, no headers.
    let src = format!("{link}&app_id={}&access-token={}", app.app_id, b.token);
    let got = app.http.get(&src).send().await.expect("img src");
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.bytes().await.expect("body").to_vec(), data);
    if s3 {
        // The server itself answers a redirect to a presigned GET.
        let no_follow =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = no_follow.get(&src).send().await.expect("download");
        assert_eq!(r.status().as_u16(), 302);
        assert!(r.headers()["location"].to_str().unwrap().contains("X-Amz-Signature="));
    }
    // A forged link: refused.
    let forged = sign.replacen(&format!(".{}.", b.id), &format!(".{}.", stranger.id), 1);
    assert_eq!(failure(download(&stranger, &forged, None).await).0, 10002);
}

on_both_backends_configured!(chat_file_round_trip_on_local_storage, local_storage, |app| round_trip(
    app, false
)
.await);
on_both_backends_configured!(chat_file_round_trip_on_s3, s3_storage, |app| round_trip(app, true).await);

on_both_backends_configured!(expired_slot_is_refused, local_storage, |app| {
    let a = user(&app, "alice").await;
    let b = user(&app, "bob").await;
    let slot = chat_slot(&a, 100, 1, b.id).await;
    app.clock.advance(std::time::Duration::from_secs(16 * 60));
    let r = app.http.put(slot.upload_url.unwrap()).body(vec![1u8; 10]).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], 10010);
    // Nothing was stored: the link names no file.
    assert_eq!(failure(download(&b, &sign_of(&slot.download_url.unwrap()), None).await).0, 10002);
});

async fn thumbnail(app: TestApp) {
    let a = user(&app, "alice").await;
    let b = user(&app, "bob").await;
    let slot = chat_slot(&a, 102, 1, b.id).await;
    let original = png(640, 320);
    let r = app
        .http
        .put(slot.upload_url.unwrap())
        .header("content-type", "image/png")
        .body(original.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let sign = sign_of(&slot.download_url.unwrap());
    let full = download(&b, &sign, Some(1)).await.expect("original");
    assert_eq!(full.bytes, original);
    for _ in 0..2 {
        // The second time from the cached thumbnail.
        let thumb = download(&b, &sign, Some(2)).await.expect("thumbnail");
        let decoded = image::load_from_memory(&thumb.bytes).expect("a picture");
        assert_eq!((decoded.width(), decoded.height()), (200, 100));
    }
    // Not a picture: a clear error, not a 5xx.
    let text = chat_slot(&a, 100, 1, b.id).await;
    assert_eq!(put(&app, &text.upload_url.unwrap(), b"hello".to_vec()).await, 200);
    assert_eq!(failure(download(&b, &sign_of(&text.download_url.unwrap()), Some(2)).await).0, 10002);
}

on_both_backends_configured!(thumbnail_of_a_png_on_local_storage, local_storage, |app| thumbnail(app).await);
on_both_backends_configured!(thumbnail_of_a_png_on_s3, s3_storage, |app| thumbnail(app).await);

fn small_files(config: &mut Config) {
    local_storage(config);
    config.files.max_file_bytes = 1000;
}

on_both_backends_configured!(size_limit_refuses_larger_files, small_files, |app| {
    let a = user(&app, "alice").await;
    let b = user(&app, "bob").await;
    // Declared too large: refused before the body is read.
    let slot = chat_slot(&a, 100, 1, b.id).await;
    let url = slot.upload_url.unwrap();
    let r = app.http.put(&url).body(vec![0u8; 1001]).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], 10002);
    // No length declared (chunked): cut off as it streams.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![Ok(vec![0u8; 600]), Ok(vec![0u8; 600])];
    let stream = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let r = app.http.put(&url).body(stream).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let sign = sign_of(&slot.download_url.unwrap());
    assert_eq!(failure(download(&b, &sign, None).await).0, 10002, "nothing stored");
    // At the limit: accepted.
    assert_eq!(put(&app, &url, bytes_of(1000)).await, 200);
    assert_eq!(download(&b, &sign, None).await.unwrap().bytes, bytes_of(1000));
    // One slot, one upload.
    assert_eq!(put(&app, &url, bytes_of(10)).await, 403);
});

on_both_backends_configured!(interrupted_upload_leaves_nothing, local_storage, |app| {
    use tokio::io::AsyncWriteExt;
    let a = user(&app, "alice").await;
    let b = user(&app, "bob").await;
    let slot = chat_slot(&a, 100, 1, b.id).await;
    let url = slot.upload_url.unwrap();
    let path = &url[app.base_url.len()..];
    // 100 of the 1000 bytes declared, then the connection goes away.
    let mut conn = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!("PUT {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 1000\r\n\r\n", app.addr);
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(&[7u8; 100]).await.unwrap();
    conn.shutdown().await.unwrap();
    drop(conn);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let sign = sign_of(&slot.download_url.unwrap());
    assert_eq!(failure(download(&b, &sign, None).await).0, 10002, "nothing stored");
    // The slot is still whole: a complete upload goes through.
    assert_eq!(put(&app, &url, bytes_of(1000)).await, 200);
    assert_eq!(download(&b, &sign, None).await.unwrap().bytes, bytes_of(1000));
});

on_both_backends_configured!(forward_gives_a_link_the_other_party_can_use, local_storage, |app| {
    let a = user(&app, "alice").await;
    let b = user(&app, "bob").await;
    let c = user(&app, "carol").await;
    let slot = chat_slot(&a, 100, 1, b.id).await;
    assert_eq!(put(&app, &slot.upload_url.unwrap(), bytes_of(500)).await, 200);
    let sign = sign_of(&slot.download_url.unwrap());
    assert_eq!(failure(download(&c, &sign, None).await).0, 10010);
    // Carol cannot forward what she cannot read.
    let refused = c.api.file_upload_forward(&input!({"file_sign": sign, "to_type": 1, "to_id": c.id})).await;
    assert_eq!(failure(refused).0, 10010);
    let link =
        b.api.file_upload_forward(&input!({"file_sign": sign, "to_type": 1, "to_id": c.id})).await.unwrap();
    assert!(link.starts_with(&app.base_url), "{link}");
    let src = format!("{link}&app_id={}&access-token={}", app.app_id, c.token);
    let got = app.http.get(&src).send().await.unwrap();
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.bytes().await.unwrap().to_vec(), bytes_of(500));
    assert_eq!(download(&c, &sign_of(&link), None).await.unwrap().bytes, bytes_of(500));
});

on_both_backends_configured!(avatar_upload_and_download, local_storage, |app| {
    let a = user(&app, "alice").await;
    let b = user(&app, "bob").await;
    let slot = a.api.file_upload_avatar_user().await.unwrap();
    let picture = png(64, 64);
    assert_eq!(put(&app, &slot.upload_url.unwrap(), picture.clone()).await, 200);
    let link = slot.download_url.unwrap();
    assert!(link.contains("/file/download/avatar?object_name="), "{link}");
    let name = url_param(link.split_once('?').unwrap().1, "object_name").unwrap();
    let got =
        b.api.file_download_avatar(&input!({"object_name": name})).await.expect("any user reads avatars");
    assert_eq!(got.bytes, picture);
    let none = app.maxim().file_download_avatar(&input!({"object_name": name})).await;
    assert_eq!(failure(none).0, 10003, "a token is needed");

    // A group avatar, posted as a browser form (multipart, the file in `file`).
    let group =
        a.api.group_create(&input!({"name": "team", "user_list": []})).await.unwrap().group_id.unwrap();
    let refused = b.api.file_upload_avatar_group(&input!({"group_id": group})).await;
    assert_eq!(failure(refused).0, 20002, "members only");
    let slot = a.api.file_upload_avatar_group(&input!({"group_id": group})).await.unwrap();
    let form = reqwest::multipart::Form::new().text("key", "ignored").part(
        "file",
        reqwest::multipart::Part::bytes(picture.clone()).file_name("a.png").mime_str("image/png").unwrap(),
    );
    let r = app.http.post(slot.upload_url.unwrap()).multipart(form).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let name = url_param(slot.download_url.unwrap().split_once('?').unwrap().1, "object_name").unwrap();
    let got = b.api.file_download_avatar(&input!({"object_name": name, "image_type": 1})).await.unwrap();
    assert_eq!(got.bytes, picture);
    assert_eq!(got.content_type, "image/png");
});

on_both_backends_configured!(group_shared_file_upload_list_download, local_storage, |app| {
    let a = user(&app, "alice").await;
    let b = user(&app, "bob").await;
    let outsider = user(&app, "carol").await;
    let group =
        a.api.group_create(&input!({"name": "team", "user_list": [b.id]})).await.unwrap().group_id.unwrap();
    assert_eq!(
        failure(a.api.file_upload_chat(&input!({"file_type": 200, "to_type": 1, "to_id": b.id})).await).0,
        10002
    );
    assert_eq!(
        failure(
            outsider.api.file_upload_chat(&input!({"file_type": 200, "to_type": 2, "to_id": group})).await
        )
        .0,
        20002
    );
    let slot = chat_slot(&a, 200, 2, group).await;
    assert_eq!(put(&app, &slot.upload_url.unwrap(), bytes_of(2048)).await, 200);
    let url = slot.download_url.unwrap();
    let shared = a
        .api
        .group_file_upload(
            &input!({"group_id": group, "name": "plan.txt", "size": 2048, "type": "txt", "url": url}),
        )
        .await
        .expect("registered");
    assert_eq!(shared.url.as_deref(), Some(url.as_str()));

    let listed = b.api.group_file_list(&input!({"group_id": group})).await.expect("list");
    assert_eq!(listed.len(), 1);
    let link = listed[0].url.clone().unwrap();
    assert_eq!(download(&b, &sign_of(&link), None).await.unwrap().bytes, bytes_of(2048));
    assert_eq!(failure(download(&outsider, &sign_of(&link), None).await).0, 10010);

    // A chat file's link, or no link at all, is not a shared file of the group.
    let chat = chat_slot(&a, 100, 2, group).await;
    assert_eq!(put(&app, &chat.upload_url.unwrap(), bytes_of(10)).await, 200);
    let wrong = a
        .api
        .group_file_upload(&input!({"group_id": group, "name": "x", "size": 10, "type": "txt", "url": chat.download_url.unwrap()}))
        .await;
    assert_eq!(failure(wrong).0, 10002);
    let wrong = a
        .api
        .group_file_upload(&input!({"group_id": group, "name": "x", "size": 10, "type": "txt", "url": "https://example.com/x"}))
        .await;
    assert_eq!(failure(wrong).0, 10002);
});

fn small_files_on_s3(config: &mut Config) {
    s3_storage(config);
    config.files.max_file_bytes = 1000;
}

on_both_backends_configured!(size_limit_on_s3_is_checked_at_first_use, small_files_on_s3, |app| {
    // A presigned PUT cannot cap the size: the object is looked at when
    // first used, and one over the limit is deleted and refused.
    let a = user(&app, "alice").await;
    let b = user(&app, "bob").await;
    let slot = chat_slot(&a, 100, 1, b.id).await;
    assert_eq!(put(&app, &slot.upload_url.unwrap(), bytes_of(2000)).await, 200);
    let sign = sign_of(&slot.download_url.unwrap());
    let (code, message) = failure(download(&b, &sign, None).await);
    assert_eq!(code, 10002, "{message}");
    assert!(message.contains("too large"), "{message}");
    let (code, message) = failure(download(&b, &sign, None).await);
    assert_eq!(code, 10002);
    assert!(message.contains("not uploaded"), "deleted: {message}");
});

fn unreachable_s3(config: &mut Config) {
    // Port 1: nothing listens there, connections are refused at once.
    config.files.storage = server::blobs::StorageConfig::S3(
        "s3://imtest?endpoint=http://127.0.0.1:1&region=us-east-1&access_key_id=test&secret_access_key=test&allow_http=true"
            .into(),
    );
}

on_both_backends_configured!(storage_failures_answer_10009, unreachable_s3, |app| {
    let a = user(&app, "alice").await;
    let b = user(&app, "bob").await;
    // Signing needs no store; looking the upload up does.
    let slot = chat_slot(&a, 100, 1, b.id).await;
    let (code, message) = failure(download(&b, &sign_of(&slot.download_url.unwrap()), None).await);
    assert_eq!(code, 10009, "{message}");
});
