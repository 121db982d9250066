//! The server side: `api.rs` (one trait per tag, `Request`, `Credentials`,
//! `ApiError`) and `router.rs` (axum routers calling the traits through the
//! hand-written `crate::wire` runtime).

use super::models::{base_type, field_type, rust_type};
use super::names::{self, ident, type_ident};
use super::spec::{Body, Media, Op, Prop, Reply, ref_name};
use super::{Gen, doc, paragraphs};
use anyhow::{Result, anyhow};
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

pub fn module(g: &Gen) -> TokenStream {
    let text = format!(
        " The {} dialect, generated from its OpenAPI spec: models, one trait per tag to implement, and the routers serving them.",
        g.api.vendor
    );
    let vendor = ident(&g.api.vendor);
    quote! {
        #![doc = #text]
        pub mod api;
        pub mod router;
        /// The models are generated once, into the client crate.
        pub use ::client::generated::#vendor::models;
        pub use api::*;
        pub use router::*;
    }
}

fn models_q() -> TokenStream {
    quote!(models::)
}

/// The trait's name for a tag (`RosterApi`).
pub fn trait_name(tag: &str) -> String {
    format!("{}Api", names::camel(tag))
}

/// The input type of an op.
pub fn input_type(g: &Gen, i: usize, op: &Op, q: &TokenStream) -> Result<TokenStream> {
    Ok(match (&op.body, &g.op_names(i).input) {
        (Some(Body::Array { items }), _) => {
            let t = rust_type(g, items, q)?;
            quote!(Vec<#t>)
        }
        (Some(Body::Protobuf { component }), _) => {
            let id = type_ident(component);
            quote!(#q #id)
        }
        (_, Some(name)) => {
            let id = type_ident(name);
            quote!(#q #id)
        }
        _ => quote!(()),
    })
}

/// The header struct of an op (declared in `api.rs`), or `()`.
pub fn headers_type(g: &Gen, i: usize) -> TokenStream {
    match &g.op_names(i).headers {
        Some(name) => {
            let id = type_ident(name);
            quote!(#id)
        }
        None => quote!(()),
    }
}

/// The header structs of `api.rs`, one per distinct header set.
fn header_structs(g: &Gen) -> Result<Vec<TokenStream>> {
    let mut out = Vec::new();
    for h in &g.header_types {
        let id = type_ident(&h.name);
        let users: Vec<String> = h.ops.iter().map(|i| format!("`{}`", g.api.ops[*i].name)).collect();
        let d = doc(&format!("Header parameters of {}.", users.join(", ")));
        let idents = Gen::field_idents(&h.props);
        let mut fields = Vec::new();
        for (p, fid) in h.props.iter().zip(&idents) {
            let (ty, _) = field_type(g, p, &models_q())?;
            let fd = doc(&super::models::prop_doc(g, p));
            fields.push(quote! { #fd pub #fid: #ty, });
        }
        out.push(quote! {
            #d
            #[derive(Debug, Clone, Default, PartialEq)]
            pub struct #id {
                #( #fields )*
            }
        });
    }
    Ok(out)
}

/// How a success is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Under the payload field.
    Payload,
    /// Fields next to the envelope's.
    Flat,
    Protobuf,
    Binary,
}

/// The reply type of an op (`binary` names the type of raw replies).
pub fn reply_type(
    g: &Gen,
    i: usize,
    op: &Op,
    q: &TokenStream,
    binary: &TokenStream,
) -> Result<(TokenStream, Shape)> {
    let has_payload = g.api.envelope.as_ref().is_some_and(|e| e.payload.is_some());
    Ok(match &op.reply {
        Reply::Enveloped { payload, list, .. } => {
            if let Some(r) = &g.op_names(i).reply {
                let id = type_ident(r);
                (quote!(#q #id), Shape::Flat)
            } else if has_payload {
                let t = match payload {
                    Some(s) => {
                        let t = rust_type(g, s, q)?;
                        if base_type(s).1 { quote!(Option<#t>) } else { t }
                    }
                    None => quote!(()),
                };
                match (&g.paged, list) {
                    (Some(p), true) => {
                        let id = type_ident(p);
                        (quote!(#q #id<#t>), Shape::Flat)
                    }
                    _ => (t, Shape::Payload),
                }
            } else {
                (quote!(()), Shape::Flat)
            }
        }
        Reply::Protobuf { component } => {
            let id = type_ident(component);
            (quote!(#q #id), Shape::Protobuf)
        }
        Reply::Binary { .. } => (binary.clone(), Shape::Binary),
        Reply::Empty => (quote!(()), if has_payload { Shape::Payload } else { Shape::Flat }),
    })
}

/// The doc of an operation: summary, description, routes, source.
pub fn op_doc(op: &Op) -> String {
    let routes: Vec<String> = op
        .routes
        .iter()
        .map(|r| {
            if r.extra {
                format!("`{} {}` (real clients' POST)", r.method, r.path)
            } else if r.added {
                format!("`{} {}` (not in the document: real clients' path)", r.method, r.path)
            } else {
                format!("`{} {}`", r.method, r.path)
            }
        })
        .collect();
    let source = op.source.as_ref().map(|s| format!(" Document section {s}.")).unwrap_or_default();
    paragraphs(&[
        &op.summary,
        &op.description,
        &format!("Operation `{}`: {}.{source}", op.name, routes.join(", ")),
    ])
}

pub fn api(g: &Gen) -> Result<TokenStream> {
    let q = models_q();
    let binary = quote!(Binary);
    let mut traits = Vec::new();
    for (tag, ops) in g.by_tag() {
        let tid = type_ident(&trait_name(&tag.name));
        let tdoc = doc(&paragraphs(&[
            &tag.description,
            &format!(
                "Operations tagged `{}`. Authentication is the implementation's: check `req.credentials`.",
                tag.name
            ),
        ]));
        let mut methods = Vec::new();
        for (i, op) in ops {
            let m = ident(&g.op_names(i).method);
            let h = headers_type(g, i);
            let inp = input_type(g, i, op, &q)?;
            let (out, _) = reply_type(g, i, op, &q, &binary)?;
            let d = doc(&op_doc(op));
            methods.push(quote! {
                #d
                fn #m(&self, req: Request<#h, #inp>) -> impl std::future::Future<Output = Result<#out, ApiError>> + Send;
            });
        }
        traits.push(quote! {
            #tdoc
            pub trait #tid: Send + Sync + 'static {
                #( #methods )*
            }
        });
    }

    let cred_fields = g.api.security.iter().map(|s| {
        let id = ident(&names::snake(&s.key));
        let d = doc(&format!("The `{}` header: {}", s.header, s.description));
        quote! { #d pub #id: Option<String>, }
    });

    let role_fns = g.api.roles.iter().map(|(role, _)| {
        let f = ident(&names::snake(role));
        let c = type_ident(&names::shouty(role));
        let d = doc(&format!("An error with the code answering `{role}`."));
        quote! {
            #d
            pub fn #f(message: impl Into<String>) -> Self {
                Self::new(models::codes::roles::#c, message)
            }
        }
    });
    let has_role = |r: &str| g.api.roles.iter().any(|(x, _)| x == r);
    let invalid = if has_role("invalid_parameter") {
        quote!(models::codes::roles::INVALID_PARAMETER)
    } else {
        quote!(400)
    };
    let too_long =
        if has_role("too_long") { quote!(models::codes::roles::TOO_LONG) } else { invalid.clone() };
    let title = format!(
        " The {} server API: implement one trait per tag and serve it with `super::router`.",
        g.api.vendor
    );
    let header_structs = header_structs(g)?;
    let uses_binary = g.api.ops.iter().any(|o| matches!(o.reply, Reply::Binary { .. }));
    let binary_use = uses_binary.then(|| {
        quote!(
            pub use crate::wire::Binary;
        )
    });

    Ok(quote! {
        #![doc = #title]
        #![allow(clippy::all, unused_imports)]
        use super::models;
        #binary_use

        #( #header_structs )*

        /// The raw security headers of a request (absent or empty: `None`).
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct Credentials {
            #( #cred_fields )*
        }

        /// What an operation receives: the credentials, its header
        /// parameters and its input.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Request<H = (), I = ()> {
            pub credentials: Credentials,
            pub headers: H,
            pub input: I,
        }

        /// An error answered in the dialect's envelope (HTTP 200), through
        /// `IntoResponse`.
        #[derive(Debug, Clone)]
        pub struct ApiError {
            pub code: i32,
            pub message: String,
            /// What failed below the API, if anything: logged once with its
            /// whole chain when the error is answered, never shown to the caller.
            pub cause: Option<crate::wire::Cause>,
        }

        impl ApiError {
            pub fn new(code: i32, message: impl Into<String>) -> Self {
                ApiError { code, message: message.into(), cause: None }
            }
            /// The same error, carrying what caused it (see [`ApiError::cause`]).
            pub fn with_cause(mut self, cause: crate::wire::Cause) -> Self {
                self.cause = Some(cause);
                self
            }
            #( #role_fns )*
        }

        /// Two errors are equal when the caller would see the same answer.
        impl PartialEq for ApiError {
            fn eq(&self, other: &Self) -> bool {
                self.code == other.code && self.message == other.message
            }
        }

        impl Eq for ApiError {}

        impl axum::response::IntoResponse for ApiError {
            fn into_response(self) -> axum::response::Response {
                crate::wire::Cause::report(self.cause.as_ref(), self.code, &self.message);
                super::router::ENVELOPE.error(self.code, &self.message)
            }
        }

        impl std::fmt::Display for ApiError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} (code {})", self.message, self.code)
            }
        }

        impl std::error::Error for ApiError {}

        impl From<crate::wire::Rejection> for ApiError {
            fn from(r: crate::wire::Rejection) -> Self {
                match r.kind {
                    crate::wire::RejectionKind::TooLong => ApiError::new(#too_long, r.message),
                    crate::wire::RejectionKind::InvalidParameter => ApiError::new(#invalid, r.message),
                }
            }
        }

        #( #traits )*
    })
}

/// The coercion kind of a schema, as `wire::Kind` tokens.
fn kind(g: &Gen, schema: &Value) -> TokenStream {
    if let Some(n) = ref_name(schema) {
        if g.structs.contains(n) {
            return quote!(wire::Kind::Any);
        }
        return kind(g, g.api.schemas.get(n).unwrap_or(&Value::Null));
    }
    let (ty, _) = base_type(schema);
    match ty.as_deref() {
        Some("string") if schema.get("format").and_then(Value::as_str) != Some("binary") => {
            quote!(wire::Kind::Str)
        }
        Some("integer") if schema.get("format").and_then(Value::as_str) == Some("int32") => {
            quote!(wire::Kind::I32)
        }
        Some("integer") => quote!(wire::Kind::I64),
        Some("number") => quote!(wire::Kind::F64),
        Some("boolean") => quote!(wire::Kind::Bool),
        Some("array") => {
            let inner = kind(g, schema.get("items").unwrap_or(&Value::Null));
            quote!(wire::Kind::List(&#inner))
        }
        _ => quote!(wire::Kind::Any),
    }
}

fn max_len(g: &Gen, schema: &Value) -> TokenStream {
    match g.api.resolve(schema).get("maxLength").and_then(Value::as_u64) {
        Some(n) => {
            let n = proc_macro2::Literal::u64_unsuffixed(n);
            quote!(Some(#n))
        }
        None => quote!(None),
    }
}

/// `field: or_fail!(params.required::<T>("name", kind, max))` per property.
fn field_reads(g: &Gen, props: &[Prop], source: TokenStream, header: bool) -> Result<Vec<TokenStream>> {
    let idents = Gen::field_idents(props);
    let mut out = Vec::new();
    for (p, fid) in props.iter().zip(&idents) {
        let (_, optional) = field_type(g, p, &quote!())?;
        let t = rust_type(g, &p.schema, &models_q())?;
        let k = kind(g, &p.schema);
        let name = &p.name;
        let read = match (header, optional) {
            (true, true) => quote!(wire::header::<#t>(#source, #name, #k)),
            (true, false) => quote!(wire::required_header::<#t>(#source, #name, #k)),
            (false, true) => {
                let m = max_len(g, &p.schema);
                quote!(#source.optional::<#t>(#name, #k, #m))
            }
            (false, false) => {
                let m = max_len(g, &p.schema);
                quote!(#source.required::<#t>(#name, #k, #m))
            }
        };
        out.push(quote!(#fid: #read?,));
    }
    Ok(out)
}

pub fn router(g: &Gen) -> Result<TokenStream> {
    let q = models_q();
    let binary = quote!(Binary);
    let env =
        g.api.envelope.as_ref().ok_or_else(|| anyhow!("the spec has no envelope schema (`x-success`)"))?;
    // Each success field with its value already in JSON, so that no answer
    // parses or rebuilds them.
    let success = env.success.iter().map(|(k, v)| {
        let v = v.to_string();
        quote!((#k, #v))
    });
    let code_field = &env.code_field;
    let msg_field = &env.error_message;
    let payload = match &env.payload {
        Some(p) => quote!(Some(#p)),
        None => quote!(None),
    };
    let internal =
        super::int_lit(g.api.roles.iter().find(|(r, _)| r == "internal").map(|(_, c)| *c).unwrap_or(500));

    let cred_fields = g.api.security.iter().map(|s| {
        let id = ident(&names::snake(&s.key));
        let h = s.header.to_ascii_lowercase();
        quote! { #id: wire::header_string(headers, #h), }
    });

    let mut tag_routers = Vec::new();
    let mut handlers = Vec::new();
    let mut all_traits = Vec::new();
    let mut merges = Vec::new();
    for (tag, ops) in g.by_tag() {
        let tid = type_ident(&trait_name(&tag.name));
        let fname = ident(&format!("{}_router", names::snake(&tag.name)));
        all_traits.push(quote!(#tid));
        merges.push(quote!(.merge(#fname(api.clone()))));
        let mut routes = Vec::new();
        for (i, op) in ops {
            let hname = ident(&format!("handle_{}", g.op_names(i).method));
            for r in &op.routes {
                let path = &r.path;
                let m = type_ident(&r.method);
                routes.push(quote! {
                    .route(#path, on(MethodFilter::#m, #hname::<T>))
                });
            }
            handlers.push(handler(g, i, op, &tid, &hname, &q, &binary)?);
        }
        let rdoc = doc(&format!(
            "Routes of the `{}` operations onto an implementation of [`{}`].",
            tag.name,
            trait_name(&tag.name)
        ));
        tag_routers.push(quote! {
            #rdoc
            pub fn #fname<T: #tid>(api: Arc<T>) -> Router {
                Router::new() #( #routes )* .with_state(api).method_not_allowed_fallback(wrong_method)
            }
        });
    }
    let title = format!(
        " Axum routers of the {} API: every documented method of every operation, answered in the dialect's envelope.",
        g.api.vendor
    );
    let invalid = if g.api.roles.iter().any(|(r, _)| r == "invalid_parameter") {
        quote!(models::codes::roles::INVALID_PARAMETER)
    } else {
        quote!(400)
    };

    Ok(quote! {
        #![doc = #title]
        #![allow(clippy::all, unused_imports, unused_mut, unused_variables)]
        use super::api::*;
        use super::models;
        use crate::wire;
        use axum::Router;
        use axum::body::Body;
        use axum::extract::State;
        use axum::http::request::Parts;
        use axum::response::{IntoResponse, Response};
        use axum::routing::{MethodFilter, on};
        use std::sync::Arc;

        /// The dialect's envelope (from the spec's `x-success`, `x-payload`, `x-error-message`).
        pub const ENVELOPE: wire::Envelope = wire::Envelope {
            success: &[ #( #success ),* ],
            code: #code_field,
            message: #msg_field,
            payload: #payload,
            internal: #internal,
        };

        /// The raw security headers.
        pub fn credentials(headers: &axum::http::HeaderMap) -> Credentials {
            Credentials { #( #cred_fields )* }
        }


        /// Every route of the dialect.
        pub fn router<T: #( #all_traits )+*>(api: Arc<T>) -> Router {
            Router::new() #( #merges )*
        }

        /// A method a path does not serve, answered in the envelope (every
        /// tag router uses it, so a router mounted alone does too).
        async fn wrong_method(request: axum::extract::Request) -> Response {
            ApiError::new(#invalid, format!("{} is not served on {}", request.method(), request.uri().path())).into_response()
        }

        #( #tag_routers )*
        #( #handlers )*
    })
}

#[allow(clippy::too_many_arguments)]
fn handler(
    g: &Gen,
    i: usize,
    op: &Op,
    tid: &proc_macro2::Ident,
    hname: &proc_macro2::Ident,
    q: &TokenStream,
    binary: &TokenStream,
) -> Result<TokenStream> {
    let n = g.op_names(i);
    let method = ident(&n.method);
    let env = g.api.envelope.as_ref().ok_or_else(|| anyhow!("no envelope"))?;
    let (_, shape) = reply_type(g, i, op, q, binary)?;

    // How an error is answered: the protobuf reply's status, else the envelope.
    let mut fail = quote!(IntoResponse::into_response);
    let mut fail_fn = quote!();
    let mut fill_status = quote!();
    if let Reply::Protobuf { component } = &op.reply
        && let Some(status) = status_of(g, component, &env.code_field, &env.error_message)
    {
        let reply = type_ident(component);
        let st = type_ident(&status.component);
        let sf = &status.field;
        let cf = &status.code;
        let mf = &status.message;
        let fname = ident(&format!("fail_{}", n.method));
        let fd = doc(&format!("An error of `{}`: the reply message with only its status set.", op.name));
        fail_fn = quote! {
            #fd
            fn #fname(e: ApiError) -> Response {
                wire::Cause::report(e.cause.as_ref(), e.code, &e.message);
                wire::proto::reply(&models::#reply {
                    #sf: Some(models::#st { #cf: e.code.into(), #mf: e.message, ..Default::default() }),
                    ..Default::default()
                })
            }
        };
        fail = quote!(#fname);
        let ok_code = super::int_lit(env.success.get(&env.code_field).and_then(Value::as_i64).unwrap_or(0));
        let ok_msg = env.success.get(&env.error_message).and_then(Value::as_str).unwrap_or("").to_string();
        fill_status = quote! {
            if reply.#sf.is_none() {
                reply.#sf = Some(models::#st { #cf: #ok_code, #mf: #ok_msg.to_string(), ..Default::default() });
            }
        };
    }

    let headers = match &n.headers {
        Some(h) => {
            let id = type_ident(h);
            let reads = field_reads(g, &op.headers, quote!(&parts.headers), true)?;
            quote!(let headers = #id { #( #reads )* };)
        }
        None => quote!(let headers = ();),
    };
    let input = match (&op.body, &n.input) {
        (Some(Body::Array { .. }), _) => quote!(let input = wire::json_body(body).await?;),
        (Some(Body::Protobuf { .. }), _) => quote!(let input = wire::proto::decode(body).await?;),
        (body_kind, Some(name)) => {
            let mode = match body_kind {
                Some(Body::Object { media: Media::Form, .. }) => quote!(wire::BodyMode::Form),
                _ => quote!(wire::BodyMode::Json),
            };
            let id = type_ident(name);
            let reads = field_reads(g, &Gen::input_props(op), quote!(params), false)?;
            quote! {
                let mut params = wire::Params::read(parts, body, #mode).await?;
                let input = models::#id { #( #reads )* };
            }
        }
        _ => quote!(let input = ();),
    };
    let (out, _) = reply_type(g, i, op, q, binary)?;
    let ok = match shape {
        Shape::Payload => quote!(ENVELOPE.ok_payload(&reply)),
        Shape::Flat => quote!(ENVELOPE.ok_flat(&reply)),
        Shape::Protobuf => quote!({ let mut reply = reply; #fill_status wire::proto::reply(&reply) }),
        Shape::Binary => quote!(reply.into_response()),
    };
    let cname = ident(&format!("call_{}", n.method));
    let d = doc(&format!("Serves `{}`.", op.name));
    let cd = doc(&format!("Reads the request of `{}` and calls the implementation.", op.name));
    Ok(quote! {
        #d
        async fn #hname<T: #tid>(State(api): State<Arc<T>>, request: axum::extract::Request) -> Response {
            let (parts, body) = request.into_parts();
            match #cname(&*api, &parts, body).await {
                Ok(reply) => #ok,
                Err(e) => #fail(e),
            }
        }

        #cd
        async fn #cname<T: #tid>(api: &T, parts: &Parts, body: Body) -> Result<#out, ApiError> {
            let credentials = credentials(&parts.headers);
            #headers
            #input
            api.#method(Request { credentials, headers, input }).await
        }

        #fail_fn
    })
}

struct StatusField {
    /// The reply's field holding the status message.
    field: proc_macro2::Ident,
    component: String,
    code: proc_macro2::Ident,
    message: proc_macro2::Ident,
}

/// The reply's `status` message, when it has one with a code and a message.
fn status_of(g: &Gen, reply: &str, code: &str, message: &str) -> Option<StatusField> {
    let schema = g.api.schemas.get(reply)?;
    let props = g.api.props(schema);
    let idents = Gen::field_idents(&props);
    let (p, fid) = props.iter().zip(&idents).find(|(p, _)| p.name == "status")?;
    let component = ref_name(&p.schema)?.to_string();
    let sprops = g.api.props(g.api.schemas.get(&component)?);
    let sidents = Gen::field_idents(&sprops);
    let find = |name: &str, want: &str| {
        sprops
            .iter()
            .zip(&sidents)
            .find(|(p, _)| p.name == name && base_type(g.api.resolve(&p.schema)).0.as_deref() == Some(want))
            .map(|(_, i)| i.clone())
    };
    Some(StatusField {
        field: fid.clone(),
        component,
        code: find(code, "integer")?,
        message: find(message, "string")?,
    })
}
