//! Documents in, one OpenAPI spec per vendor out: parse, collapse, merge,
//! override, emit.

use crate::error::{DocError, DocResult};
use crate::merge;
use crate::model::Document;
use crate::openapi;
use crate::overrides::Overrides;
use crate::parse::{self, Dialect};
use serde_json::Value;
use std::path::Path;

/// One spec of the checked-in set.
pub struct SpecSource {
    pub vendor: &'static str,
    /// Repo-relative documents; a more precise dialect (MaxIM typed) is
    /// merged over the others whatever the order here.
    pub docs: &'static [&'static str],
    pub overrides: &'static str,
    pub output: &'static str,
}

pub const SPECS: &[SpecSource] = &[
    SpecSource {
        vendor: "maxim",
        docs: &["spec/docs/maxim/server-api.md", "spec/docs/maxim/roster.md"],
        overrides: "spec/overrides/maxim.toml",
        output: "spec/openapi/maxim.json",
    },
    SpecSource {
        vendor: "netease",
        docs: &["spec/docs/netease/friend.md"],
        overrides: "spec/overrides/netease.toml",
        output: "spec/openapi/netease.json",
    },
    SpecSource {
        vendor: "yhchat",
        docs: &["spec/docs/yhchat/friend.md"],
        overrides: "spec/overrides/yhchat.toml",
        output: "spec/openapi/yhchat.json",
    },
];

/// Reads a text file, naming it in the error.
pub fn read(root: &Path, rel: &str) -> DocResult<String> {
    std::fs::read_to_string(root.join(rel)).map_err(|e| DocError::new(rel, 0, format!("cannot read: {e}")))
}

/// Parses each document in its detected dialect.
pub fn parse_all(root: &Path, docs: &[&str]) -> DocResult<Vec<(Dialect, Document)>> {
    docs.iter()
        .map(|rel| {
            let src = read(root, rel)?;
            let dialect = Dialect::detect(&src)
                .ok_or_else(|| DocError::new(*rel, 0, "unrecognised document: expected a MaxIM (typed or export), NetEase or YHChat API document"))?;
            Ok((dialect, parse::parse(dialect, rel, &src)?))
        })
        .collect()
}

/// One vendor's documents as one set of logical operations: repeats
/// collapsed, the precise documents merged over the others.
pub fn merge_documents(docs: Vec<(Dialect, Document)>) -> DocResult<Document> {
    let vendors: std::collections::BTreeSet<&str> = docs.iter().map(|(_, d)| d.vendor.as_str()).collect();
    if vendors.len() > 1 {
        let names: Vec<&str> = vendors.into_iter().collect();
        return Err(DocError::new(
            docs[0].1.source.clone(),
            0,
            format!("one spec takes documents of one vendor, got {}", names.join(", ")),
        ));
    }
    let (precise, rough): (Vec<_>, Vec<_>) = docs.into_iter().partition(|(d, _)| *d == Dialect::MaximTyped);
    let mut base: Option<Document> = None;
    for (_, doc) in rough {
        let doc = merge::collapse_methods(doc);
        base = Some(match base {
            None => doc,
            Some(mut b) => {
                for s in doc.sections {
                    if !b.sections.iter().any(|x| x.title == s.title) {
                        b.sections.push(s);
                    }
                }
                b.servers
                    .extend(doc.servers.into_iter().filter(|s| !b.servers.contains(s)).collect::<Vec<_>>());
                b.operations.extend(doc.operations);
                merge::collapse_methods(b)
            }
        });
    }
    for (_, p) in precise {
        let p = merge::collapse_methods(p);
        base = Some(match base {
            None => p,
            Some(b) => merge::merge_precise(b, &p)?,
        });
    }
    base.ok_or_else(|| DocError::new("", 0, "no documents given"))
}

/// The merged model with the overrides' field rules applied, and the spec.
pub fn build(docs: Vec<(Dialect, Document)>, overrides: &Overrides) -> DocResult<(Document, Value)> {
    let mut doc = merge_documents(docs)?;
    overrides.apply_fields(&mut doc)?;
    let spec = openapi::build(&doc, overrides)?;
    Ok((doc, spec))
}

/// A checked-in spec, built from the repository's documents and overrides;
/// every override must be used.
pub fn build_checked_in(root: &Path, src: &SpecSource) -> DocResult<(Document, Value)> {
    let docs = parse_all(root, src.docs)?;
    let overrides = Overrides::parse(src.overrides, &read(root, src.overrides)?)?;
    let out = build(docs, &overrides)?;
    overrides.check_all_used()?;
    Ok(out)
}

/// Spec text as written to disk: pretty JSON with a trailing newline.
pub fn to_json(spec: &Value) -> String {
    let mut s = serde_json::to_string_pretty(spec).unwrap_or_default();
    s.push('\n');
    s
}
