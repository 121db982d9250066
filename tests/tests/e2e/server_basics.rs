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
