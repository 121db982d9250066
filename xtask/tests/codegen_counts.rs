//! Every `x-operation` of each spec has exactly one trait method and one
//! client method, and every documented method+path pair exactly one route
//! to that operation's handler, counted in the checked-in generated source
//! (parsed with syn), not in the generator's own model. Routes an override
//! adds (`x-added-by-override`) are counted apart: each has its one route
//! too, and none counts as documented.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use syn::{Expr, ImplItem, Item, Stmt, TraitItem};

fn root() -> std::path::PathBuf {
    xtask::regen::repo_root()
}

fn parse(rel: &str) -> syn::File {
    let text = std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{rel} does not parse: {e}"))
}

fn unraw(i: &syn::Ident) -> String {
    i.to_string().trim_start_matches("r#").to_string()
}

struct SpecOps {
    /// x-operation → its documented (METHOD, path) pairs.
    ops: BTreeMap<String, Vec<(String, String)>>,
    /// x-operation → the (METHOD, path) pairs the overrides add to it.
    added: BTreeMap<String, Vec<(String, String)>>,
    post_also: Vec<String>,
}

fn spec_ops(vendor: &str) -> SpecOps {
    let text = std::fs::read_to_string(root().join(format!("spec/openapi/{vendor}.json"))).unwrap();
    let spec: Value = serde_json::from_str(&text).unwrap();
    let mut ops: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut added: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name =
                op["x-operation"].as_str().unwrap_or_else(|| panic!("{method} {path} has no x-operation"));
            let to = if op["x-added-by-override"] == true { &mut added } else { &mut ops };
            to.entry(name.to_string()).or_default().push((method.to_ascii_uppercase(), path.clone()));
        }
    }
    // An operation with no documented route is one the overrides add whole
    // (`[[added_operations]]`): it must be marked added on every route.
    for op in added.keys() {
        ops.entry(op.clone()).or_default();
    }
    let post_also = spec["x-post-also-serves"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| m.as_str().unwrap().to_ascii_uppercase())
        .collect();
    SpecOps { ops, added, post_also }
}

fn trait_methods(file: &syn::File) -> Vec<String> {
    let mut out = Vec::new();
    for item in &file.items {
        if let Item::Trait(t) = item {
            for ti in &t.items {
                if let TraitItem::Fn(f) = ti {
                    out.push(unraw(&f.sig.ident));
                }
            }
        }
    }
    out
}

fn client_methods(file: &syn::File) -> Vec<String> {
    let mut out = Vec::new();
    for item in &file.items {
        if let Item::Impl(i) = item {
            for ii in &i.items {
                if let ImplItem::Fn(f) = ii
                    && f.sig.asyncness.is_some()
                {
                    out.push(unraw(&f.sig.ident));
                }
            }
        }
    }
    out
}

fn last_ident(e: &Expr) -> String {
    match e {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default(),
        other => panic!("expected a path, found {}", quote::quote!(#other)),
    }
}

/// `.route("/path", on(MethodFilter::POST, handle_x::<T>))` calls under `e`.
fn routes_in(e: &Expr, out: &mut Vec<(String, String, String)>) {
    if let Expr::MethodCall(m) = e {
        if m.method == "route" {
            let path = match &m.args[0] {
                Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => s.value(),
                other => panic!("route path is not a literal: {}", quote::quote!(#other)),
            };
            let Expr::Call(on) = &m.args[1] else { panic!("route of {path} is not `on(...)`") };
            out.push((last_ident(&on.args[0]), path, last_ident(&on.args[1])));
        }
        routes_in(&m.receiver, out);
    }
}

fn routes(file: &syn::File) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for item in &file.items {
        if let Item::Fn(f) = item {
            if !f.sig.ident.to_string().ends_with("_router") {
                continue;
            }
            for s in &f.block.stmts {
                if let Stmt::Expr(e, _) = s {
                    routes_in(e, &mut out);
                }
            }
        }
    }
    out
}

fn check(vendor: &str) {
    let spec = spec_ops(vendor);
    let want: Vec<String> = spec.ops.keys().cloned().collect();

    let mut methods = trait_methods(&parse(&format!("server/src/generated/{vendor}/api.rs")));
    methods.sort();
    assert_eq!(methods, want, "{vendor}: trait methods and x-operations differ");

    let mut client = client_methods(&parse(&format!("client/src/generated/{vendor}/client.rs")));
    client.sort();
    assert_eq!(client, want, "{vendor}: client methods and x-operations differ");

    let routes = routes(&parse(&format!("server/src/generated/{vendor}/router.rs")));
    let mut seen = BTreeSet::new();
    for (m, p, h) in &routes {
        assert!(seen.insert((m.clone(), p.clone())), "{vendor}: {m} {p} is routed twice");
        let op = h.strip_prefix("handle_").unwrap_or_else(|| panic!("{vendor}: handler {h}"));
        let documented = spec.ops.get(op).unwrap_or_else(|| panic!("{vendor}: {h} serves no x-operation"));
        let added = spec.added.get(op).is_some_and(|a| a.contains(&(m.clone(), p.clone())));
        if !documented.contains(&(m.clone(), p.clone())) && !added {
            // Only the POST real clients send for a PUT/DELETE operation.
            assert_eq!(m, "POST", "{vendor}: {m} {p} → {h} is not documented");
            assert!(
                documented.iter().any(|(dm, dp)| dp == p && spec.post_also.contains(dm)),
                "{vendor}: POST {p} → {h} is not documented"
            );
        }
    }
    let mut documented = 0;
    for (op, pairs) in &spec.ops {
        for (m, p) in pairs {
            documented += 1;
            let n = routes.iter().filter(|(rm, rp, _)| rm == m && rp == p).count();
            assert_eq!(n, 1, "{vendor}: {m} {p} has {n} routes");
            let h = &routes.iter().find(|(rm, rp, _)| rm == m && rp == p).unwrap().2;
            assert_eq!(h, &format!("handle_{op}"), "{vendor}: {m} {p} is routed to {h}, not `{op}`");
        }
    }
    let mut added = 0;
    for (op, pairs) in &spec.added {
        for (m, p) in pairs {
            added += 1;
            let to: Vec<_> = routes.iter().filter(|(rm, rp, _)| rm == m && rp == p).map(|r| &r.2).collect();
            assert_eq!(
                to,
                [&format!("handle_{op}")],
                "{vendor}: added {m} {p} must have one route to `{op}`"
            );
        }
    }
    // Every PUT/DELETE-only operation answers POST too, where POST is free.
    for (op, pairs) in &spec.ops {
        if !spec.post_also.is_empty() && pairs.iter().all(|(m, _)| spec.post_also.contains(m)) {
            for (_, p) in pairs {
                let post = routes.iter().find(|(m, rp, _)| m == "POST" && rp == p);
                let taken =
                    spec.ops.iter().any(|(o, ps)| o != op && ps.iter().any(|(m, pp)| m == "POST" && pp == p));
                assert!(post.is_some() || taken, "{vendor}: `{op}` is not routed on POST {p}");
            }
        }
    }
    eprintln!(
        "{vendor}: {} operations, {documented} documented routes, {added} added by overrides, {} routed",
        want.len(),
        routes.len()
    );
}

#[test]
fn maxim_counts() {
    check("maxim");
}

#[test]
fn netease_counts() {
    check("netease");
}

#[test]
fn yhchat_counts() {
    check("yhchat");
}
