//! Every table row of every document lands in the spec: per operation and
//! method, each documented field is found as a parameter, a security header
//! or a schema property at the same place, and the spec holds no field the
//! merged model does not.

use serde_json::Value;
use std::collections::BTreeSet;
use xtask::model::{Field, Operation};
use xtask::pipeline::{self, SPECS};

fn model_paths(fields: &[Field], prefix: &str, out: &mut BTreeSet<String>) {
    for f in fields {
        let path = match (prefix.is_empty(), f.name.is_empty()) {
            (_, true) => prefix.to_string(),
            (true, false) => f.name.clone(),
            (false, false) => format!("{prefix}.{}", f.name),
        };
        if !f.name.is_empty() {
            out.insert(path.clone());
        }
        model_paths(&f.children, &path, out);
    }
}

fn resolve<'a>(spec: &'a Value, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            resolve(spec, &spec["components"]["schemas"][name])
        }
        None => s,
    }
}

fn schema_paths(spec: &Value, s: &Value, prefix: &str, out: &mut BTreeSet<String>, depth: usize) {
    assert!(depth < 20, "schema nesting too deep at {prefix}");
    let s = resolve(spec, s);
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        for part in all {
            schema_paths(spec, part, prefix, out, depth + 1);
        }
    }
    if let Some(items) = s.get("items") {
        schema_paths(spec, items, prefix, out, depth + 1);
    }
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            out.insert(path.clone());
            schema_paths(spec, v, &path, out, depth + 1);
        }
    }
}

fn spec_op_paths(spec: &Value, op: &Value) -> [BTreeSet<String>; 4] {
    let mut headers = BTreeSet::new();
    let mut query = BTreeSet::new();
    for p in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
        let name = p["name"].as_str().unwrap().to_string();
        match p["in"].as_str() {
            Some("header") => headers.insert(name),
            Some("query") => query.insert(name),
            other => panic!("unexpected parameter location {other:?}"),
        };
    }
    let schemes = &spec["components"]["securitySchemes"];
    for req in op.get("security").and_then(Value::as_array).into_iter().flatten() {
        for scheme in req.as_object().unwrap().keys() {
            headers.insert(schemes[scheme]["name"].as_str().unwrap().to_string());
        }
    }
    let mut body = BTreeSet::new();
    for media in op["requestBody"]["content"].as_object().into_iter().flatten() {
        schema_paths(spec, &media.1["schema"], "", &mut body, 0);
    }
    let mut resp = BTreeSet::new();
    for r in op["responses"].as_object().into_iter().flatten() {
        for media in r.1["content"].as_object().into_iter().flatten() {
            schema_paths(spec, &media.1["schema"], "", &mut resp, 0);
        }
    }
    [headers, query, body, resp]
}

fn model_op_paths(op: &Operation) -> [BTreeSet<String>; 4] {
    let mut out: [BTreeSet<String>; 4] = Default::default();
    model_paths(&op.headers, "", &mut out[0]);
    model_paths(&op.query, "", &mut out[1]);
    if let Some(b) = &op.body {
        model_paths(&b.fields, "", &mut out[2]);
    }
    for r in &op.responses {
        model_paths(&r.fields, "", &mut out[3]);
    }
    out
}

#[test]
fn every_documented_field_is_in_the_spec() {
    let root = xtask::regen::repo_root();
    let mut report = Vec::new();
    for src in SPECS {
        let (merged, spec) = pipeline::build_checked_in(&root, src).unwrap();
        // Each document's own rows (before merging) appear in the spec.
        for (_, doc) in pipeline::parse_all(&root, src.docs).unwrap() {
            for op in &doc.operations {
                for m in &op.methods {
                    let spec_op = &spec["paths"][&op.path][m.lower()];
                    assert!(
                        spec_op.is_object(),
                        "{} {m} {} missing from {}",
                        doc.source,
                        op.path,
                        src.output
                    );
                    let have = spec_op_paths(&spec, spec_op);
                    let want = model_op_paths(op);
                    for (i, loc) in ["header", "query", "body", "response"].iter().enumerate() {
                        let missing: Vec<_> = want[i].difference(&have[i]).collect();
                        assert!(
                            missing.is_empty(),
                            "{}:{} {m} {}: {loc} fields {missing:?} not in the spec",
                            doc.source,
                            op.line,
                            op.path
                        );
                    }
                }
            }
        }
        // The merged model and the spec hold the same number of fields.
        let (mut ops, mut params, mut props) = (0, 0, 0);
        for op in &merged.operations {
            let want = model_op_paths(op);
            for m in &op.methods {
                let mut have = spec_op_paths(&spec, &spec["paths"][&op.path][m.lower()]);
                // Security headers the overrides add where a document leaves
                // them to its overview page (NetEase's CheckSum headers).
                let schemes: BTreeSet<String> = spec["components"]["securitySchemes"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(_, s)| s["name"].as_str().unwrap().to_string())
                    .collect();
                have[0].retain(|h| want[0].contains(h) || !schemes.contains(h));
                for i in 0..4 {
                    assert_eq!(want[i], have[i], "{} {m} {}: location {i} differs", src.output, op.path);
                }
                ops += 1;
                params += have[0].len() + have[1].len();
                props += have[2].len() + have[3].len();
            }
        }
        report.push(format!("{}: {ops} method+path pairs, {params} parameters (incl. security headers), {props} body/response properties", src.output));
    }
    println!("{}", report.join("\n"));
}
