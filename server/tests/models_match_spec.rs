//! The generated models say what the spec says: for every model generated
//! from a component, its derived JSON Schema has the same properties, types
//! and required set as the component; and a sample of every component, read
//! into the model and written back, is unchanged and valid against the spec.

use client::schema::Model;
use serde_json::{Map, Value, json};

fn dialects() -> Vec<(&'static str, Value, Vec<Model>)> {
    let spec = |i: usize| serde_json::from_str::<Value>(server::docs::SPECS[i].2).unwrap();
    vec![
        ("maxim", spec(0), client::generated::maxim::models::registry()),
        ("netease", spec(1), client::generated::netease::models::registry()),
        ("yhchat", spec(2), client::generated::yhchat::models::registry()),
    ]
}

/// A schema's type with `null` set aside: (type, format or referenced name, nullable).
fn shape(s: &Value) -> (String, String, bool) {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return ("ref".into(), r.rsplit('/').next().unwrap_or("").into(), false);
    }
    if let Some(any) = s.get("anyOf").or_else(|| s.get("oneOf")).and_then(Value::as_array) {
        let non_null: Vec<&Value> = any.iter().filter(|v| v.get("type") != Some(&json!("null"))).collect();
        if let [one] = non_null.as_slice() {
            let (t, f, _) = shape(one);
            return (t, f, non_null.len() < any.len());
        }
    }
    let (ty, nullable) = match s.get("type") {
        Some(Value::String(t)) => (t.clone(), false),
        Some(Value::Array(ts)) => {
            let non_null: Vec<&str> = ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect();
            (non_null.join("|"), non_null.len() < ts.len())
        }
        // `serde_json::Value` derives the empty schema; the spec says object.
        _ => ("any".into(), false),
    };
    let detail = match ty.as_str() {
        "integer" => s.get("format").and_then(Value::as_str).unwrap_or("").to_string(),
        "array" => {
            let (t, f, _) = shape(&s["items"]);
            format!("{t}:{f}")
        }
        _ => String::new(),
    };
    (ty, detail, nullable)
}

fn required(s: &Value) -> Vec<String> {
    let mut r: Vec<String> = s
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    r.sort();
    r
}

#[test]
fn every_model_schema_agrees_with_its_component() {
    for (dialect, spec, models) in dialects() {
        let objects: std::collections::BTreeSet<&str> = spec["components"]["schemas"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, s)| s["type"] == "object")
            .map(|(k, _)| k.as_str())
            .collect();
        let listed: std::collections::BTreeSet<&str> = models.iter().map(|m| m.component).collect();
        assert_eq!(listed, objects, "{dialect}: the registry lists a model for every object component");
        for model in models {
            let want = &spec["components"]["schemas"][model.component];
            assert!(want.is_object(), "{dialect}: {} is not a component", model.component);
            let got = serde_json::to_value((model.schema)()).unwrap();
            let want_props = want["properties"].as_object().cloned().unwrap_or_default();
            let got_props = got["properties"].as_object().cloned().unwrap_or_default();
            let names = |m: &Map<String, Value>| m.keys().cloned().collect::<std::collections::BTreeSet<_>>();
            assert_eq!(
                names(&got_props),
                names(&want_props),
                "{dialect} {}: property names",
                model.component
            );
            for (name, w) in &want_props {
                let (wt, wd, _) = shape(w);
                let (gt, gd, _) = shape(&got_props[name]);
                let same = (wt == gt || (wt == "object" && gt == "any"))
                    && (wd == gd
                        || (wt == "object" && gt == "any")
                        || wd.starts_with("object") && gd.starts_with("any"));
                assert!(same, "{dialect} {}.{name}: spec {wt} {wd}, model {gt} {gd}", model.component);
            }
            let is_proto = want.get("x-proto-message").is_some()
                || want_props.values().any(|p| p.get("x-proto-field").is_some());
            if !is_proto {
                assert_eq!(
                    required(&got),
                    required(want),
                    "{dialect} {}: required properties",
                    model.component
                );
            }
        }
    }
}

/// A value of every property the schema has (first enum value, one array item).
fn sample(spec: &Value, s: &Value, depth: usize) -> Value {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or("");
        return sample(spec, &spec["components"]["schemas"][name], depth + 1);
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return e.clone();
    }
    let ty = match s.get("type") {
        Some(Value::Array(ts)) => {
            ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null").to_string()
        }
        Some(Value::String(t)) => t.clone(),
        _ => "object".into(),
    };
    match ty.as_str() {
        "integer" => json!(if s.get("format") == Some(&json!("int64")) {
            9_007_199_254_740_000_i64
        } else {
            2_000_000_000
        }),
        "number" => json!(1.5),
        "boolean" => json!(true),
        "string" => json!("好友 \"quoted\" \\ ok"),
        "array" if depth < 8 => json!([sample(spec, &s["items"], depth + 1)]),
        "array" => json!([]),
        _ => {
            let mut m = Map::new();
            for (k, p) in s.get("properties").and_then(Value::as_object).into_iter().flatten() {
                if depth < 8 {
                    m.insert(k.clone(), sample(spec, p, depth + 1));
                }
            }
            if m.is_empty() && s.get("properties").is_none() {
                m.insert("any".into(), json!({"nested": [1, "two"]}));
            }
            Value::Object(m)
        }
    }
}

#[test]
fn samples_round_trip_and_validate_against_the_spec() {
    let mut checked = 0;
    for (dialect, spec, models) in dialects() {
        for model in models {
            let component = &spec["components"]["schemas"][model.component];
            let value = sample(&spec, component, 0);
            let back = (model.round_trip)(value.clone()).unwrap_or_else(|e| {
                panic!("{dialect} {}: the model rejects a valid sample: {e}\n{value}", model.component)
            });
            assert_eq!(back, value, "{dialect} {}: the round trip changed the value", model.component);
            let schema = json!({"$ref": format!("#/components/schemas/{}", model.component), "components": spec["components"]});
            let validator = jsonschema::validator_for(&schema).unwrap();
            let errors: Vec<String> =
                validator.iter_errors(&back).map(|e| format!("{} at {}", e, e.instance_path())).collect();
            assert!(errors.is_empty(), "{dialect} {}: {errors:?}", model.component);
            checked += 1;
        }
    }
    let objects: usize = dialects()
        .iter()
        .map(|(_, spec, _)| {
            spec["components"]["schemas"]
                .as_object()
                .unwrap()
                .values()
                .filter(|s| s["type"] == "object")
                .count()
        })
        .sum();
    assert_eq!(checked, objects, "a sample of every object component of the three specs");
}
