//! Facts the specs must hold (the specs themselves are checked in, and the
//! freshness test guards them; `codegen_surface.rs` snapshots what they
//! generate).

use serde_json::Value;
use std::collections::BTreeSet;
use xtask::pipeline::{self, SPECS};

fn spec(vendor: &str) -> Value {
    let root = xtask::regen::repo_root();
    let src = SPECS.iter().find(|s| s.vendor == vendor).unwrap();
    pipeline::build_checked_in(&root, src).unwrap().1
}

/// A route the document does not list, which an override adds.
fn added(op: &Value) -> bool {
    op["x-added-by-override"] == true
}

/// The documented (method, path) pairs: not those the overrides add.
fn pairs(spec: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            if !added(op) {
                out.push((m.clone(), path.clone()));
            }
        }
    }
    out
}

/// The documented operations of a spec.
fn documented(spec: &Value) -> impl Iterator<Item = &Value> {
    spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|i| i.as_object().unwrap().values())
        .filter(|op| !added(op))
}

#[test]
fn maxim_holds_every_documented_pair() {
    let s = spec("maxim");
    assert_eq!(s["openapi"], "3.1.0");
    assert_eq!(pairs(&s).len(), 180);
    let documented_paths: BTreeSet<&String> = s["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, i)| !i.as_object().unwrap().values().all(added))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(documented_paths.len(), 121);
    let logical: BTreeSet<&str> = documented(&s).map(|op| op["x-operation"].as_str().unwrap()).collect();
    assert!(logical.len() < 180, "repeats must collapse into logical operations");
    let ids: BTreeSet<&str> = documented(&s).map(|op| op["operationId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 180, "operationIds are unique");
    assert!(ids.iter().all(|id| id.is_ascii()));
    let all_ids: BTreeSet<&str> = s["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|i| i.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    assert_eq!(all_ids.len(), 180 + 5, "the added routes' operationIds are unique too");
}

/// The routes the web SDK uses and the document does not list come on top
/// of the documented ones, marked, each joined to its documented operation.
#[test]
fn maxim_routes_added_by_overrides_are_marked() {
    let s = spec("maxim");
    let mut added_pairs = Vec::new();
    for (path, item) in s["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            if added(op) {
                added_pairs.push((m.as_str(), path.as_str(), op["x-operation"].as_str().unwrap()));
                assert!(op.get("x-source").is_none(), "{m} {path}: not a section of the document");
            }
        }
    }
    assert_eq!(
        added_pairs,
        [
            // Operations the overrides add whole (`[[added_operations]]`).
            ("post", "/user/add_roster", "user_add_roster"),
            ("get", "/user/rosters", "user_rosters"),
            ("get", "/app/qrcode/group_invite", "group_qrcode_invite"),
            ("post", "/app/qrcode/group_invite", "group_qrcode_invite"),
            ("get", "/app/qrcode/group_sign", "group_qrcode_sign"),
        ]
    );
    // On GET, the documented body's `qr_info` is a query parameter.
    let get = &s["paths"]["/app/qrcode/group_invite"]["get"];
    assert!(get.get("requestBody").is_none());
    assert!(
        get["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "qr_info" && p["in"] == "query")
    );
    let post = &s["paths"]["/app/qrcode/group_invite"]["post"];
    assert_eq!(post["requestBody"], s["paths"]["/group/qrcode/invite"]["post"]["requestBody"]);
    assert_eq!(post["responses"], s["paths"]["/group/qrcode/invite"]["post"]["responses"]);
}

#[test]
fn roster_operations_have_typed_precision() {
    let s = spec("maxim");
    let accept = &s["paths"]["/roster/accept"];
    assert!(accept["put"].is_object() && accept["post"].is_object());
    let p = &accept["post"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "user_id" && p["in"] == "query")
        .unwrap();
    assert_eq!(p["required"], true);
    assert_eq!(p["schema"]["format"], "int64");
    // The batch body is an array of applications.
    let body =
        &s["paths"]["/roster/apply/batch"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["type"], "array");
    assert_ne!(
        s["paths"]["/roster/list"]["get"]["x-operation"],
        s["paths"]["/roster/list"]["post"]["x-operation"]
    );
}

/// Every integer property or parameter whose name says it is an id.
#[test]
fn every_maxim_id_is_int64() {
    fn is_id(name: &str) -> bool {
        name == "id" || name == "uid" || name.ends_with("_id")
    }
    fn walk(v: &Value, name: &str, bad: &mut Vec<String>, at: &str) {
        if let Some(o) = v.as_object() {
            if is_id(name)
                && o.get("type") == Some(&Value::from("integer"))
                && o.get("format") != Some(&Value::from("int64"))
            {
                bad.push(format!("{at}: {name}"));
            }
            if let Some(props) = o.get("properties").and_then(Value::as_object) {
                for (k, p) in props {
                    walk(p, k, bad, at);
                }
            }
            if let Some(items) = o.get("items") {
                walk(items, name, bad, at);
            }
        }
    }
    let s = spec("maxim");
    let mut bad = Vec::new();
    for (name, schema) in s["components"]["schemas"].as_object().unwrap() {
        walk(schema, "", &mut bad, name);
    }
    for (path, item) in s["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                walk(&p["schema"], p["name"].as_str().unwrap(), &mut bad, &format!("{m} {path}"));
            }
        }
    }
    assert!(bad.is_empty(), "ids not int64: {bad:#?}");
}

#[test]
fn netease_and_yhchat_operations() {
    let n = spec("netease");
    assert_eq!(pairs(&n).len(), 5);
    let add = &n["paths"]["/nimserver/friend/add.action"]["post"];
    assert!(add["requestBody"]["content"]["application/x-www-form-urlencoded"].is_object());
    assert_eq!(n["components"]["securitySchemes"].as_object().unwrap().len(), 4);
    let y = spec("yhchat");
    assert_eq!(pairs(&y).len(), 6);
    assert!(y["paths"]["/v1/friend/address-book-list"]["post"]["requestBody"]["content"]["application/x-protobuf"].is_object());
    assert!(y["paths"]["/v1/friend/request-list"]["post"]["responses"]["200"]["content"]["application/x-protobuf"].is_object());
}

#[test]
fn component_keys_are_ascii() {
    for vendor in ["maxim", "netease", "yhchat"] {
        let s = spec(vendor);
        for section in s["components"].as_object().unwrap().values() {
            for key in section.as_object().unwrap().keys() {
                assert!(
                    key.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
                    "{vendor}: component key `{key}`"
                );
            }
        }
    }
}

#[test]
fn an_operation_on_several_methods_shares_its_schemas() {
    let s = spec("maxim");
    let mut by_operation: std::collections::BTreeMap<&str, Vec<&Value>> = Default::default();
    // (A route the overrides add may take the body's fields in the query on GET.)
    for op in documented(&s) {
        by_operation.entry(op["x-operation"].as_str().unwrap()).or_default().push(op);
    }
    let shared: Vec<_> = by_operation.values().filter(|ops| ops.len() > 1).collect();
    assert!(shared.len() > 40, "the export serves many operations on POST and PUT (or GET and POST)");
    for ops in shared {
        for other in &ops[1..] {
            assert_eq!(ops[0]["requestBody"], other["requestBody"], "{}", ops[0]["operationId"]);
            assert_eq!(ops[0]["parameters"], other["parameters"], "{}", ops[0]["operationId"]);
            assert_eq!(ops[0]["responses"], other["responses"], "{}", ops[0]["operationId"]);
        }
    }
}
