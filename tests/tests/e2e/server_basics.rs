//! The server answers health, specs, Swagger UI and unknown routes.

use tests::on_both_backends;

on_both_backends!(health_and_docs, |app| {
    let health: serde_json::Value =
        app.http.get(app.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    for dialect in ["maxim", "netease", "yhchat"] {
        let spec: serde_json::Value = app
            .http
            .get(app.url(&format!("/openapi/{dialect}.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(spec["openapi"], "3.1.0");
        assert_eq!(spec["servers"][0]["url"], "/");
    }
    let ui = app.http.get(app.url("/swagger-ui/")).send().await.unwrap();
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.unwrap().contains("swagger"), "the Swagger UI page");
});

on_both_backends!(unknown_routes_answer_in_the_dialects_envelope, |app| {
    let r = app.http.get(app.url("/no/such/route")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], 404);
    assert!(body["message"].as_str().unwrap().contains("/no/such/route"));
    let body: serde_json::Value = app
        .http
        .post(app.url("/nimserver/friend/nothing.action"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["code"], 404);
    assert!(body["desc"].is_string());
});

// The MaxIM web SDK runs in the app's own pages: the browser asks first
// (preflight) and then reads the answer only if the server allows the page.
on_both_backends!(browser_pages_on_other_origins_may_call_the_api, |app| {
    let (alice, token) = app.register_with_token("alice").await;
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/user/profile"))
        .header("Origin", "https://app.example.com")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "access-token,app_id")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    assert!(
        h.get("access-control-allow-credentials").is_none(),
        "tokens travel in headers; no cookies are admitted"
    );
    let allowed = h["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(allowed == "*" || (allowed.contains("access-token") && allowed.contains("app_id")), "{allowed}");

    let call = app
        .http
        .get(app.url("/user/profile"))
        .header("Origin", "https://app.example.com")
        .header("access-token", &token)
        .header("app_id", &app.app_id)
        .send()
        .await
        .unwrap();
    assert_eq!(call.headers()["access-control-allow-origin"], "*");
    let body: serde_json::Value = call.json().await.unwrap();
    assert_eq!(body["data"]["user_id"], alice);
});

// Every method+path of the three specs, asked with nothing (no token, an
// empty body) and with the app's admin token and `{}`: every one is served
// (neither HTTP 404 nor the envelope's "no such operation"), and none
// answers a server error, whatever it makes of the empty input.
on_both_backends!(every_documented_route_is_served_and_empty_input_is_no_server_error, |app| {
    let mut asked = 0;
    for dialect in ["maxim", "netease", "yhchat"] {
        let spec: serde_json::Value = app
            .http
            .get(app.url(&format!("/openapi/{dialect}.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let paths = spec["paths"].as_object().expect("paths");
        for (path, operations) in paths {
            for method in operations.as_object().unwrap().keys() {
                let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "DELETE" | "PATCH") {
                    continue;
                }
                for with_token in [false, true] {
                    let mut request = app.http.request(method.clone(), app.url(path));
                    if with_token {
                        request = request
                            .header("app_id", &app.app_id)
                            .header("access-token", &app.admin_token)
                            .header("content-type", "application/json")
                            .body("{}");
                    }
                    let response = request.send().await.unwrap();
                    let status = response.status();
                    let body = response.bytes().await.unwrap();
                    let shown = String::from_utf8_lossy(&body);
                    assert_ne!(status, 404, "{method} {path} is not served: {shown}");
                    assert!(status.as_u16() < 500, "{method} {path} answered {status}: {shown}");
                    if let Ok(envelope) = serde_json::from_slice::<serde_json::Value>(&body) {
                        let code = envelope["code"].as_i64();
                        assert!(
                            !matches!(code, Some(404) | Some(20000) | Some(500) | Some(-500)),
                            "{method} {path} (token: {with_token}) answered {shown}"
                        );
                    }
                    asked += 1;
                }
            }
        }
    }
    // maxim 180 documented pairs plus 3 added routes and 2 added operations,
    // netease 5, yhchat 6; twice each.
    assert_eq!(asked, 2 * (185 + 5 + 6), "the specs changed: update the count");
});
