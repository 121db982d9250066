//! `models.rs`: one struct per object component, protobuf messages, the
//! error codes, and per operation its input, header and reply structs.

use super::names::{self, ident, type_ident};
use super::spec::{Op, Prop, Reply, ref_name};
use super::{Gen, doc, paragraphs};
use anyhow::{Result, anyhow, bail};
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

/// The Rust type of a schema; `q` qualifies generated type names
/// (`models::` outside `models.rs`).
pub fn rust_type(g: &Gen, schema: &Value, q: &TokenStream) -> Result<TokenStream> {
    if let Some(name) = ref_name(schema) {
        let target =
            g.api.schemas.get(name).ok_or_else(|| anyhow!("`$ref` to unknown component `{name}`"))?;
        if g.structs.contains(name) {
            let id = type_ident(name);
            return Ok(quote!(#q #id));
        }
        return rust_type(g, target, q);
    }
    let (ty, _) = base_type(schema);
    Ok(match ty.as_deref() {
        Some("string") if schema.get("format").and_then(Value::as_str) == Some("binary") => quote!(Vec<u8>),
        Some("string") => quote!(String),
        Some("integer") if schema.get("format").and_then(Value::as_str) == Some("int32") => quote!(i32),
        Some("integer") => quote!(i64),
        Some("number") => quote!(f64),
        Some("boolean") => quote!(bool),
        Some("array") => {
            let inner = rust_type(g, schema.get("items").unwrap_or(&Value::Null), q)?;
            quote!(Vec<#inner>)
        }
        Some("object")
            if schema.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty()) =>
        {
            bail!("an inline object with properties has no component to name it")
        }
        _ => quote!(serde_json::Value),
    })
}

/// The non-null type of a schema and whether `null` is allowed.
pub fn base_type(schema: &Value) -> (Option<String>, bool) {
    match schema.get("type") {
        Some(Value::String(s)) => (Some(s.clone()), false),
        Some(Value::Array(a)) => {
            let types: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
            (types.iter().find(|t| **t != "null").map(|t| t.to_string()), types.contains(&"null"))
        }
        _ => (None, false),
    }
}

/// A field's type: `Option<T>` when optional or nullable.
pub fn field_type(g: &Gen, p: &Prop, q: &TokenStream) -> Result<(TokenStream, bool)> {
    let t = rust_type(g, &p.schema, q)?;
    let nullable = base_type(&p.schema).1 || base_type(g.api.resolve(&p.schema)).1;
    Ok(if !p.required || nullable { (quote!(Option<#t>), true) } else { (t, false) })
}

/// Doc text of a property: description, enumerated values, limits.
pub fn prop_doc(g: &Gen, p: &Prop) -> String {
    let s = g.api.resolve(&p.schema);
    let mut desc = p.description.clone();
    if desc.is_empty() {
        desc = s.get("description").and_then(Value::as_str).unwrap_or("").to_string();
    }
    let mut extra = Vec::new();
    let items = s.get("items").map(|i| g.api.resolve(i)).unwrap_or(&Value::Null);
    let enum_src = if s.get("enum").is_some() { s } else { items };
    if let Some(values) = enum_src.get("enum").and_then(Value::as_array) {
        let labels = enum_src.get(crate::openapi::ext::ENUM_DESCRIPTIONS).and_then(Value::as_array);
        let list: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| match labels.and_then(|l| l.get(i)).and_then(Value::as_str) {
                Some(l) if !l.is_empty() => format!("`{v}` {l}"),
                _ => format!("`{v}`"),
            })
            .collect();
        extra.push(format!("Values: {} (others are passed through).", list.join("; ")));
    }
    if let Some(n) = s.get("maxLength").and_then(Value::as_u64) {
        extra.push(format!("At most {n} characters."));
    }
    paragraphs(&[&desc, &extra.join(" ")])
}

/// The derives of a JSON model. `JsonSchema` only with the client crate's
/// `schema` feature: the server's tests hold the models to the spec with it,
/// and neither a client user nor the release server compiles it.
fn derives() -> TokenStream {
    quote! {
        #[derive(Debug, Clone, Default, PartialEq)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    }
}

fn proto_derives() -> TokenStream {
    quote! {
        #[derive(Clone, PartialEq, prost::Message)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    }
}

/// A JSON struct over `props`.
pub fn json_struct(
    g: &Gen,
    name: &str,
    doc_text: &str,
    props: &[Prop],
    generics: TokenStream,
) -> Result<TokenStream> {
    let id = type_ident(name);
    let d = doc(doc_text);
    let der = derives();
    let idents = Gen::field_idents(props);
    let mut fields = Vec::new();
    for (p, fid) in props.iter().zip(&idents) {
        let (ty, optional) = field_type(g, p, &quote!())?;
        let fd = doc(&prop_doc(g, p));
        let rename = (names::unraw(fid) != p.name).then(|| {
            let n = &p.name;
            quote!(#[serde(rename = #n)])
        });
        let opt = optional.then(|| quote!(#[serde(default, skip_serializing_if = "Option::is_none")]));
        fields.push(quote! {
            #fd
            #rename
            #opt
            pub #fid: #ty,
        });
    }
    Ok(quote! {
        #d
        #der
        pub struct #id #generics {
            #( #fields )*
        }
    })
}

/// A protobuf message struct over a component's properties.
fn proto_struct(g: &Gen, name: &str, schema: &Value) -> Result<TokenStream> {
    let id = type_ident(name);
    let mut text = schema.get("description").and_then(Value::as_str).unwrap_or("").to_string();
    text = paragraphs(&[&text, &format!("Protobuf message (component `{name}`).")]);
    let d = doc(&text);
    let der = proto_derives();
    let props = g.api.props(schema);
    let idents = Gen::field_idents(&props);
    let mut fields = Vec::new();
    for (p, fid) in props.iter().zip(&idents) {
        let tag = p
            .schema
            .get(crate::openapi::ext::PROTO_FIELD)
            .and_then(Value::as_u64)
            .ok_or_else(|| anyhow!("protobuf message `{name}`: field `{}` has no `x-proto-field`", p.name))?
            .to_string();
        let (kind, ty) = proto_type(g, &p.schema)
            .map_err(|e| anyhow!("protobuf message `{name}`, field `{}`: {e}", p.name))?;
        let fd = doc(&prop_doc(g, p));
        let rename = (names::unraw(fid) != p.name).then(|| {
            let n = &p.name;
            quote!(#[serde(rename = #n)])
        });
        fields.push(quote! {
            #fd
            #[prost(#kind, tag = #tag)]
            #rename
            pub #fid: #ty,
        });
    }
    Ok(quote! {
        #d
        #der
        #[serde(default)]
        pub struct #id {
            #( #fields )*
        }
    })
}

/// The prost field kind and Rust type of a protobuf field.
pub(crate) fn proto_type(g: &Gen, schema: &Value) -> Result<(TokenStream, TokenStream)> {
    if let Some(name) = ref_name(schema) {
        if g.proto.contains(name) {
            let id = type_ident(name);
            return Ok((quote!(message, optional), quote!(Option<#id>)));
        }
        let target = g.api.schemas.get(name).ok_or_else(|| anyhow!("unknown component `{name}`"))?;
        return proto_type(g, target);
    }
    let (ty, _) = base_type(schema);
    let format = schema.get("format").and_then(Value::as_str);
    Ok(match (ty.as_deref(), format) {
        (Some("string"), Some("binary")) => (quote!(bytes = "vec"), quote!(Vec<u8>)),
        (Some("string"), _) => (quote!(string), quote!(String)),
        (Some("integer"), Some("int32")) => (quote!(int32), quote!(i32)),
        (Some("integer"), _) => (quote!(int64), quote!(i64)),
        (Some("number"), _) => (quote!(double), quote!(f64)),
        (Some("boolean"), _) => (quote!(bool), quote!(bool)),
        (Some("array"), _) => {
            let items = schema.get("items").unwrap_or(&Value::Null);
            let (kind, ty) = proto_type(g, items)?;
            let kind_text = kind.to_string();
            if kind_text.starts_with("message") {
                let inner = ref_name(items)
                    .map(type_ident)
                    .ok_or_else(|| anyhow!("repeated message without a component"))?;
                (quote!(message, repeated), quote!(Vec<#inner>))
            } else if kind_text.starts_with("bytes") {
                (quote!(bytes = "vec", repeated), quote!(Vec<Vec<u8>>))
            } else {
                (quote!(#kind, repeated), quote!(Vec<#ty>))
            }
        }
        (other, _) => bail!("type {other:?} has no protobuf encoding"),
    })
}

fn codes(g: &Gen) -> TokenStream {
    if g.api.codes.is_empty() {
        return quote!();
    }
    let consts = g.api.codes.iter().map(|c| {
        let id = type_ident(&names::shouty(&c.name));
        let v = super::int_lit(c.value);
        let d = doc(&format!("`{}` {}: {}", c.value, c.name, c.description));
        quote! { #d pub const #id: i32 = #v; }
    });
    let roles = g.api.roles.iter().map(|(role, v)| {
        let id = type_ident(&names::shouty(role));
        let name = g.api.codes.iter().find(|c| c.value == *v).map(|c| c.name.as_str()).unwrap_or("");
        let d = doc(&format!("The code answering `{role}`: {v} ({name})."));
        let v = super::int_lit(*v);
        quote! { #d pub const #id: i32 = #v; }
    });
    quote! {
        /// Codes in the envelope's code field (the spec's `ErrorCode`).
        pub mod codes {
            #( #consts )*
            /// Which code answers what (`x-code-roles`).
            pub mod roles {
                #( #roles )*
            }
        }
    }
}

/// The generic list answer: the payload plus the list envelope's fields.
fn paged(g: &Gen) -> Result<TokenStream> {
    let (Some(name), Some((env, props))) = (&g.paged, &g.api.list_envelope) else { return Ok(quote!()) };
    let payload = g.api.envelope.as_ref().and_then(|e| e.payload.clone()).unwrap_or_else(|| "data".into());
    let pid = ident(&names::snake(&payload));
    let rename = (names::unraw(&pid) != payload).then(|| quote!(#[serde(rename = #payload)]));
    let id = type_ident(name);
    let der = derives();
    let mut fields = Vec::new();
    let idents = Gen::field_idents(props);
    for (p, fid) in props.iter().zip(&idents) {
        let mut p = p.clone();
        p.required = false;
        let (ty, _) = field_type(g, &p, &quote!())?;
        let fd = doc(&prop_doc(g, &p));
        let n = &p.name;
        let r = (names::unraw(fid) != p.name).then(|| quote!(#[serde(rename = #n)]));
        fields.push(
            quote! { #fd #r #[serde(default, skip_serializing_if = "Option::is_none")] pub #fid: #ty, },
        );
    }
    let d = doc(&format!("A list answer: the `{payload}` payload with the `{env}` fields."));
    Ok(quote! {
        #d
        #der
        pub struct #id<T> {
            /// The result.
            #rename
            pub #pid: T,
            #( #fields )*
        }
    })
}

/// Everything in `models.rs`.
pub fn file(g: &Gen) -> Result<TokenStream> {
    let mut items = vec![codes(g)];
    for (name, schema) in &g.api.schemas {
        if !g.structs.contains(name) {
            continue;
        }
        let item = if g.proto.contains(name) {
            proto_struct(g, name, schema)?
        } else {
            let props = g.api.props(schema);
            let text = paragraphs(&[
                schema.get("description").and_then(Value::as_str).unwrap_or(""),
                &format!("Component `{name}`."),
            ]);
            json_struct(g, name, &text, &props, quote!())?
        };
        items.push(item);
    }
    items.push(paged(g)?);
    items.push(registry(g));
    for (i, op) in g.api.ops.iter().enumerate() {
        items.push(op_types(g, i, op)?);
    }
    let title = format!(
        " Models of the {} API: components, protobuf messages and each operation's input and reply.",
        g.api.vendor
    );
    Ok(quote! {
        #![doc = #title]
        #![allow(clippy::all, unused_imports)]
        #( #items )*
    })
}

/// Every component that is a model here, with its schema and a JSON round
/// trip, so tests can hold the models to the spec (`schema` feature only).
fn registry(g: &Gen) -> TokenStream {
    let entries = g.api.schemas.iter().filter(|(name, _)| g.structs.contains(*name)).map(|(name, _)| {
        let id = type_ident(name);
        quote! {
            crate::schema::Model {
                component: #name,
                schema: crate::schema::schema_of::<#id>,
                round_trip: crate::schema::round_trip::<#id>,
            },
        }
    });
    quote! {
        /// Every model generated from a spec component, for tests.
        #[cfg(feature = "schema")]
        pub fn registry() -> Vec<crate::schema::Model> {
            Vec::from([ #( #entries )* ])
        }
    }
}

fn op_types(g: &Gen, i: usize, op: &Op) -> Result<TokenStream> {
    let n = g.op_names(i);
    let mut out = Vec::new();
    if let Some(input) = &n.input {
        let props = Gen::input_props(op);
        match g.input_alias(op) {
            // Only a body, already a model: the input is that model.
            Some(c) => {
                let d = doc(&format!("Input of `{}` ({}): the body, [`{c}`].", op.name, op.summary));
                let (id, body) = (type_ident(input), type_ident(c));
                out.push(quote! { #d pub type #id = #body; });
            }
            None => {
                let text =
                    format!("Input of `{}` ({}): query parameters and body fields.", op.name, op.summary);
                out.push(json_struct(g, input, &text, &props, quote!())?);
            }
        }
    }
    if let (Some(r), Reply::Enveloped { payload, extras, list }) = (&n.reply, &op.reply) {
        let mut props = Vec::new();
        if let (Some(schema), Some(pname)) =
            (payload, g.api.envelope.as_ref().and_then(|e| e.payload.clone()))
        {
            props.push(Prop {
                name: pname,
                description: "The result.".into(),
                required: true,
                schema: schema.clone(),
            });
        }
        if *list && let Some((_, lp)) = &g.api.list_envelope {
            props.extend(lp.iter().cloned().map(|mut p| {
                p.required = false;
                p
            }));
        }
        props.extend(extras.iter().cloned());
        let text = format!("Reply of `{}` ({}): the fields next to the envelope's.", op.name, op.summary);
        out.push(json_struct(g, r, &text, &props, quote!())?);
    }
    Ok(quote!( #( #out )* ))
}
