//! The API surface of one dialect's generated code, one line per item: each
//! trait method with its route(s), header, input and reply types; each
//! header struct; each model field with its Rust type and JSON name. It is
//! what a reviewer needs from a document change and what the checked-in
//! files do not show at a glance: adding an operation to a document reads as
//! a few-line diff of this text (`xtask/tests/codegen_surface.rs` snapshots it).

use super::models::{field_type, proto_type};
use super::server::{headers_type, input_type, reply_type, trait_name};
use super::spec::Reply;
use super::{Gen, names};
use anyhow::Result;
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;
use std::fmt::Write;

/// The surface of the code generated from `spec` for `vendor`.
pub fn surface(vendor: &str, spec: &Value) -> Result<String> {
    let api = super::spec::read(vendor, spec)?;
    let g = Gen::new(&api)?;
    let q = quote!();
    let mut out = format!("# {vendor}: the generated API surface\n");

    for (tag, ops) in g.by_tag() {
        writeln!(out, "\ntrait {}", trait_name(&tag.name))?;
        for (i, op) in ops {
            let routes: Vec<String> = op
                .routes
                .iter()
                .map(|r| {
                    let note = match (r.extra, r.added) {
                        (true, _) => " (extra)",
                        (_, true) => " (added)",
                        _ => "",
                    };
                    format!("{} {}{note}", r.method, r.path)
                })
                .collect();
            let h = headers_type(&g, i);
            let input = input_type(&g, i, op, &q)?;
            let (reply, _) = reply_type(&g, i, op, &q, &quote!(Binary))?;
            writeln!(
                out,
                "  {}({}, {}) -> {}  [{}]",
                g.op_names(i).method,
                text(&h),
                text(&input),
                text(&reply),
                routes.join(", ")
            )?;
        }
    }

    if !g.header_types.is_empty() {
        out.push_str("\nheaders\n");
        for h in &g.header_types {
            let fields = fields(&g, &h.props)?;
            writeln!(out, "  {} {{ {} }}  used by {} operation(s)", h.name, fields.join(", "), h.ops.len())?;
        }
    }

    out.push_str("\nmodels\n");
    for (name, schema) in &g.api.schemas {
        if !g.structs.contains(name) {
            continue;
        }
        if g.proto.contains(name) {
            writeln!(out, "  {name} (protobuf)")?;
            let props = g.api.props(schema);
            for (p, id) in props.iter().zip(Gen::field_idents(&props)) {
                let (kind, ty) = proto_type(&g, &p.schema)?;
                writeln!(out, "    {id}: {} = {}", text(&ty), text(&kind))?;
            }
            continue;
        }
        writeln!(out, "  {name}")?;
        for f in fields(&g, &g.api.props(schema))? {
            writeln!(out, "    {f}")?;
        }
    }
    for (i, op) in g.api.ops.iter().enumerate() {
        let n = g.op_names(i);
        if let Some(input) = &n.input {
            match g.input_alias(op) {
                Some(c) => writeln!(out, "  {input} = {c}")?,
                None => {
                    writeln!(out, "  {input}")?;
                    for f in fields(&g, &Gen::input_props(op))? {
                        writeln!(out, "    {f}")?;
                    }
                }
            }
        }
        if let (Some(r), Reply::Enveloped { extras, .. }) = (&n.reply, &op.reply) {
            writeln!(out, "  {r} (the envelope's fields and)")?;
            for f in fields(&g, extras)? {
                writeln!(out, "    {f}")?;
            }
        }
    }
    if !g.api.codes.is_empty() {
        out.push_str("\ncodes\n");
        for c in &g.api.codes {
            writeln!(out, "  {} {}", c.value, names::shouty(&c.name))?;
        }
    }
    Ok(out)
}

/// `rust_name: Type` per property, with `"json"` where the names differ.
fn fields(g: &Gen, props: &[super::spec::Prop]) -> Result<Vec<String>> {
    let idents = Gen::field_idents(props);
    let mut out = Vec::new();
    for (p, id) in props.iter().zip(&idents) {
        let (ty, _) = field_type(g, p, &quote!())?;
        let rust = id.to_string();
        let json = if names::unraw(id) == p.name { String::new() } else { format!(" \"{}\"", p.name) };
        out.push(format!("{rust}{json}: {}", text(&ty)));
    }
    Ok(out)
}

/// Tokens as a reviewer writes them (`Vec<Option<i64>>`, not `Vec < Option < i64 > >`).
fn text(t: &TokenStream) -> String {
    let s = t.to_string();
    let s =
        s.replace(" :: ", "::").replace(" < ", "<").replace("< ", "<").replace(" >", ">").replace(" ,", ",");
    if s.is_empty() { "()".into() } else { s }
}
