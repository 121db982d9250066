//! The resource limits (`server::limits`, docs/operations.md#resource-limits)
//! seen from a raw TCP client: oversize bodies refused without being read,
//! clients trickling headers or bodies cut off, and requests beyond the
//! in-flight limit refused at once. The limits are HTTP-side, so one backend
//! (SQLite) is enough.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use server::app::{Application, HttpOptions};
use server::limits::Limits;
use server::testing::{self, Backend, TestCore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Runs `scenario` against a server with `http`'s options on a fresh database.
async fn with_server<F, Fut>(http: HttpOptions, scenario: F)
where
    F: FnOnce(SocketAddr, String) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    testing::run(
        Backend::Sqlite,
        |_| {},
        move |t: TestCore| async move {
            let application =
                Application::build_with_options(SocketAddr::from(([127, 0, 0, 1], 0)), t.core.clone(), &http)
                    .await
                    .expect("bind");
            let addr = application.local_addr();
            let running = application.spawn();
            scenario(addr, t.app.to_string()).await;
            running.stop().await.expect("stop");
        },
    )
    .await;
}

fn options(limits: Limits) -> HttpOptions {
    HttpOptions { limits, ..HttpOptions::default() }
}

/// Reads until the peer closes (or errors), at most `within`; the text read.
async fn read_answer(stream: &mut TcpStream, within: Duration) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                out.extend_from_slice(&buf[..n]);
                // One answer is enough: its body is small JSON.
                let text = String::from_utf8_lossy(&out);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().to_string())
                        })
                        .and_then(|v| v.parse::<usize>().ok());
                    if len.is_some_and(|len| body.len() >= len) {
                        break;
                    }
                }
            }
            Err(_) => panic!("no answer within {within:?}; read so far: {}", String::from_utf8_lossy(&out)),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn split(answer: &str) -> (String, serde_json::Value) {
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or_else(|| panic!("an HTTP answer: {answer:?}"));
    let json = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    (head.to_string(), json)
}

fn head(path: &str, app: &str, extra: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\napp_id: {app}\r\ncontent-type: application/json\r\n{extra}\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_oversize_body_is_refused_at_once_in_the_envelope() {
    with_server(HttpOptions::default(), |addr, app| async move {
        for (path, expected) in [
            ("/user/register", serde_json::json!({"code": 20000, "message": "the request body is larger than 1024 KB", "data": null})),
            ("/nimserver/user/create.action", serde_json::json!({"code": 500, "desc": "the request body is larger than 1024 KB"})),
        ] {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let started = Instant::now();
            // 2 MB announced, a few bytes sent: the answer cannot wait for the rest.
            let request = head(path, &app, "content-length: 2097152\r\n") + r#"{"username":"#;
            stream.write_all(request.as_bytes()).await.unwrap();
            let (head, json) = split(&read_answer(&mut stream, Duration::from_secs(3)).await);
            assert!(head.starts_with("HTTP/1.1 413"), "{head}");
            assert_eq!(json, expected);
            assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_oversize_body_is_cut_off_at_the_limit() {
    let limits = Limits { max_body_bytes: 64 * 1024, ..Limits::default() };
    with_server(options(limits), |addr, app| async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        // One chunk of 1 MB announced, 80 KB of it sent: over the limit, far from the end.
        let mut request = head("/user/register", &app, "transfer-encoding: chunked\r\n").into_bytes();
        request.extend_from_slice(b"100000\r\n{\"username\":\"");
        request.extend(std::iter::repeat_n(b'a', 80 * 1024));
        stream.write_all(&request).await.unwrap();
        let (head, json) = split(&read_answer(&mut stream, Duration::from_secs(3)).await);
        assert!(head.starts_with("HTTP/1.1 413"), "{head}");
        assert_eq!(json["code"], 20000, "{json}");
        assert_eq!(json["message"], "the request body is larger than 64 KB", "{json}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_under_the_limit_is_served() {
    let limits = Limits { max_body_bytes: 64 * 1024, ..Limits::default() };
    with_server(options(limits), |addr, app| async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let body = r#"{"username":"alice","password":"secret123"}"#;
        let request = head("/user/register", &app, &format!("content-length: {}\r\n", body.len())) + body;
        stream.write_all(request.as_bytes()).await.unwrap();
        let (head, json) = split(&read_answer(&mut stream, Duration::from_secs(5)).await);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(json["code"], 200, "{json}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trickling_its_headers_is_disconnected_after_the_header_timeout() {
    let limits = Limits { header_read_timeout: Duration::from_secs(1), ..Limits::default() };
    with_server(options(limits), |addr, _app| async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let started = Instant::now();
        stream.write_all(b"POST /user/register HTTP/1.1\r\n").await.unwrap();
        // One header byte every 100 ms, forever unless the server hangs up.
        let closed_after = loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let write = stream.write_all(b"x").await;
            let mut buf = [0u8; 1024];
            let read = tokio::time::timeout(Duration::from_millis(1), stream.read(&mut buf)).await;
            // Anything read (a 408), an end or an error: the server hung up.
            let closed = write.is_err() || read.is_ok();
            if closed {
                break started.elapsed();
            }
            assert!(started.elapsed() < Duration::from_secs(5), "still connected after 5 s");
        };
        assert!(closed_after >= Duration::from_millis(900), "closed too early: {closed_after:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_is_answered_after_the_request_timeout() {
    let http = HttpOptions { request_timeout: Duration::from_secs(1), ..HttpOptions::default() };
    with_server(http, |addr, app| async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let started = Instant::now();
        stream.write_all(head("/user/register", &app, "content-length: 1000\r\n").as_bytes()).await.unwrap();
        let (mut reader, mut writer) = stream.into_split();
        let trickle = tokio::spawn(async move {
            for _ in 0..1000 {
                if writer.write_all(b" ").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        // Until the server closes the connection.
        loop {
            match tokio::time::timeout(Duration::from_secs(5), reader.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
                Err(_) => panic!("connection still open; read: {}", String::from_utf8_lossy(&out)),
            }
        }
        trickle.abort();
        let elapsed = started.elapsed();
        let (head, json) = split(&String::from_utf8_lossy(&out));
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(json["code"], 20000, "{json}");
        assert_eq!(json["message"], "the request took longer than 1 s", "{json}");
        assert!(elapsed < Duration::from_secs(4), "took {elapsed:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_the_in_flight_limit_are_refused_at_once() {
    let limits = Limits { max_in_flight: 2, ..Limits::default() };
    with_server(options(limits), |addr, app| async move {
        // Two requests whose bodies never come: each holds its place.
        let mut held = Vec::new();
        for _ in 0..2 {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let request = head("/user/register", &app, "content-length: 100\r\n") + "{";
            stream.write_all(request.as_bytes()).await.unwrap();
            held.push(stream);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;

        let started = Instant::now();
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET /user/register HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
        let answer = read_answer(&mut stream, Duration::from_secs(3)).await;
        let (head, json) = split(&answer);
        assert!(head.starts_with("HTTP/1.1 503"), "{head}");
        assert!(head.to_ascii_lowercase().contains("retry-after: 1"), "{head}");
        assert_eq!(json["code"], 20000, "{json}");
        assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());

        // A held request given up frees its place.
        drop(held.pop());
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
            let answer = read_answer(&mut stream, Duration::from_secs(3)).await;
            if answer.starts_with("HTTP/1.1 200") {
                break;
            }
            assert!(Instant::now() < deadline, "still refused: {answer}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
}
