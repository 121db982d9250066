//! Bad input never panics and never gets a 5xx: every documented method and
//! path of the three specs, sent hostile bodies, query strings and headers,
//! answers in its dialect's JSON envelope with an error code.

use serde_json::Value;
use tests::on_both_backends;

const SPECS: [(&str, &str); 3] = [
    ("maxim", include_str!("../../../spec/openapi/maxim.json")),
    ("netease", include_str!("../../../spec/openapi/netease.json")),
    ("yhchat", include_str!("../../../spec/openapi/yhchat.json")),
];

/// Bodies a careless or hostile client sends.
const BODIES: [(&str, &str); 9] = [
    ("application/json", "{"),
    ("application/json", "[1,2,3]"),
    ("application/json", "{\"user_id\": \"x\", \"list\": 5, \"username\": {\"a\": 1}}"),
    ("application/json", "{\"user_id\": 99999999999999999999999}"),
    ("application/json", "null"),
    ("application/x-www-form-urlencoded", "accid=%ZZ&type=abc&updatetime=-1"),
    ("application/x-protobuf", "\u{ff}\u{ff}\u{ff}"),
    ("text/plain", "你好"),
    ("application/json", ""),
];

fn operations(spec: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.push((method.to_uppercase(), path.clone()));
        }
    }
    out
}

on_both_backends!(hostile_requests_get_envelopes_not_5xx, |app| {
    let user = app
        .core
        .users()
        .register(
            &app.core.apps().list().await.unwrap()[0].id,
            server::core::users::NewUser::new("victim", "password1"),
        )
        .await
        .unwrap();
    let mut checked = 0;
    for (dialect, text) in SPECS {
        let spec: Value = serde_json::from_str(text).unwrap();
        for (method, path) in operations(&spec) {
            for (content_type, body) in BODIES {
                let url = app.url(&format!("{path}?user_id=abc&limit=-5&cursor=%00&value=&group_id=1e99"));
                let request = app
                    .http
                    .request(method.parse().unwrap(), &url)
                    .header("content-type", content_type)
                    .header("app_id", &app.app_id)
                    .header("access-token", &app.admin_token)
                    .header(
                        "user_id",
                        if checked % 2 == 0 { user.id.0.to_string() } else { "not-a-number".to_string() },
                    )
                    .header("token", "garbage")
                    .header("AppKey", "nope")
                    .header("CurTime", "yesterday")
                    .body(body.to_string());
                let response = request.send().await.unwrap();
                let status = response.status();
                let text = response.text().await.unwrap();
                assert!(
                    status.as_u16() < 500,
                    "{dialect} {method} {path} with {content_type} `{body}`: HTTP {status}: {text}"
                );
                let parsed: Result<Value, _> = serde_json::from_str(&text);
                // Binary and protobuf answers are fine for valid calls; an
                // error is always a JSON envelope or a protobuf status.
                if let Ok(v) = parsed {
                    assert!(v.get("code").is_some(), "{dialect} {method} {path}: no code in {text}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 190 * BODIES.len(), "every operation was tried ({checked})");
    // Nothing already stored was lost.
    assert!(app.core.users().get(&user.app, user.id).await.is_ok());
});

on_both_backends!(undocumented_methods_get_envelopes, |app| {
    let (mut checked, mut added) = (0, 0);
    for (dialect, text) in SPECS {
        let spec: Value = serde_json::from_str(text).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for (_, path) in operations(&spec) {
            if !seen.insert(path.clone()) {
                continue;
            }
            // Paths no document lists, which the overrides add (`x-added-by-override`).
            if spec["paths"][&path].as_object().unwrap().values().all(|op| op["x-added-by-override"] == true)
            {
                added += 1;
            }
            let served: Vec<String> =
                spec["paths"][&path].as_object().unwrap().keys().map(|m| m.to_uppercase()).collect();
            // A method no document lists on this path (routes may also take
            // POST for PUT/DELETE, which real MaxIM clients need).
            let method = ["PATCH", "GET", "PUT"]
                .into_iter()
                .find(|m| !served.iter().any(|s| s == m) && *m != "POST")
                .unwrap();
            let response = app.http.request(method.parse().unwrap(), app.url(&path)).send().await.unwrap();
            let status = response.status();
            let text = response.text().await.unwrap();
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
                panic!("{dialect} {method} {path}: HTTP {status}, not JSON ({e}): `{text}`")
            });
            assert!(v["code"].is_i64(), "{dialect} {method} {path}: {text}");
            assert_ne!(
                v["code"],
                if dialect == "yhchat" { 1 } else { 200 },
                "{dialect} {method} {path} must not succeed: {text}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 121 + 5 + 6 + added, "every path was tried");
});
