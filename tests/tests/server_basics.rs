//! The server answers health, specs, Swagger UI and unknown routes.

use tests::on_both_backends;

on_both_backends!(health_and_docs, |app| {
    let health: serde_json::Value = app.http.get(app.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    for dialect in ["maxim", "netease", "yhchat"] {
        let spec: serde_json::Value = app.http.get(app.url(&format!("/openapi/{dialect}.json"))).send().await.unwrap().json().await.unwrap();
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
    let body: serde_json::Value = app.http.post(app.url("/nimserver/friend/nothing.action")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["code"], 404);
    assert!(body["desc"].is_string());
});
