//! The typed client: one async method per logical operation (on its first
//! documented method), credentials and act-as headers as builder options.

use super::models::rust_type;
use super::names::{self, ident, type_ident};
use super::server::{Shape, input_type, op_doc, reply_type};
use super::spec::{Body, Media, Prop, Reply};
use super::{Gen, doc, int_lit};
use anyhow::{Result, anyhow};
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

pub fn module(g: &Gen) -> TokenStream {
    let text = format!(
        " The {} dialect's models (shared with the server) and typed client, generated from its OpenAPI spec.",
        g.api.vendor
    );
    let client = type_ident(&client_name(&g.api.vendor));
    quote! {
        #![doc = #text]
        /// The HTTP client (the `http` feature, on by default; the server
        /// uses the models without it).
        #[cfg(feature = "http")]
        pub mod client;
        pub mod models;
        #[cfg(feature = "http")]
        pub use client::#client;
    }
}

pub fn client_name(vendor: &str) -> String {
    format!("{}Client", names::camel(vendor))
}

/// The setter of an act-as header: `user_id` → `acting_as_user`.
fn header_setter(name: &str) -> String {
    let s = names::snake(name);
    match s.strip_suffix("_id") {
        Some(base) if !base.is_empty() => format!("acting_as_{base}"),
        _ => format!("with_{s}_header"),
    }
}

pub fn client(g: &Gen) -> Result<TokenStream> {
    let env = g.api.envelope.as_ref().ok_or_else(|| anyhow!("the spec has no envelope schema"))?;
    let q = quote!(models::);
    let binary = quote!(crate::Binary);
    let cname = type_ident(&client_name(&g.api.vendor));
    let code_field = &env.code_field;
    let msg_field = &env.error_message;
    let success = int_lit(env.success.get(&env.code_field).and_then(Value::as_i64).unwrap_or(0));
    let payload = match &env.payload {
        Some(p) => quote!(Some(#p)),
        None => quote!(None),
    };

    // Act-as headers: every header parameter any operation declares.
    let mut header_props: Vec<Prop> = Vec::new();
    for op in &g.api.ops {
        for h in &op.headers {
            if !header_props.iter().any(|p| p.name == h.name) {
                header_props.push(h.clone());
            }
        }
    }
    let header_idents = Gen::field_idents(&header_props);
    let mut header_fields = Vec::new();
    let mut header_setters = Vec::new();
    for (p, fid) in header_props.iter().zip(&header_idents) {
        let t = rust_type(g, &p.schema, &q)?;
        header_fields.push(quote!(#fid: Option<#t>,));
        let setter = ident(&header_setter(&p.name));
        let d = doc(&format!(
            "A copy that sends the `{}` header where an operation takes it: {}",
            p.name, p.description
        ));
        header_setters.push(quote! {
            #d
            pub fn #setter(&self, value: #t) -> Self {
                let mut c = self.clone();
                c.#fid = Some(value);
                c
            }
        });
    }

    let cred_setters = g.api.security.iter().map(|s| {
        let f = ident(&format!("with_{}", names::snake(&s.key)));
        let h = &s.header;
        let d = doc(&format!("The `{}` header on every request: {}", s.header, s.description));
        quote! {
            #d
            pub fn #f(mut self, value: impl Into<String>) -> Self {
                self.transport.set_header(#h, Some(value.into()));
                self
            }
        }
    });

    let mut methods = Vec::new();
    for (i, op) in g.api.ops.iter().enumerate() {
        // An operation only an override adds is called at its added route.
        let route = op
            .documented()
            .next()
            .or_else(|| op.routes.iter().find(|r| !r.extra))
            .ok_or_else(|| anyhow!("`{}` has no route", op.name))?;
        let m = ident(&g.op_names(i).method);
        let path = &route.path;
        let http = type_ident(&route.method);
        let inp = input_type(g, i, op, &q)?;
        let has_input = inp.to_string() != "()";
        let arg = has_input.then(|| quote!(, input: &#inp));
        let mut headers = Vec::new();
        for h in &op.headers {
            let idx = header_props.iter().position(|p| p.name == h.name).unwrap_or(0);
            let fid = &header_idents[idx];
            let name = &h.name;
            headers.push(quote!(if let Some(v) = &self.#fid { call.header(#name, v); }));
        }
        let query_names: Vec<&str> = op.query.iter().map(|p| p.name.as_str()).collect();
        let fill = match (&op.body, has_input) {
            (_, false) => quote!(),
            (Some(Body::Array { .. }), _) => quote!(call.json_body(input)?;),
            (Some(Body::Protobuf { .. }), _) => quote!(call.protobuf(input);),
            (Some(Body::Object { media: Media::Form, .. }), _) => {
                quote!(call.form_input(input, &[#( #query_names ),*])?;)
            }
            (Some(Body::Object { .. }), _) => quote!(call.json_input(input, &[#( #query_names ),*], true)?;),
            (None, _) if route.method == "GET" => quote!(call.query_input(input)?;),
            (None, _) => quote!(call.json_input(input, &[#( #query_names ),*], false)?;),
        };
        let (out, shape) = reply_type(g, i, op, &q, &binary)?;
        let unit = out.to_string() == "()";
        let decode = match shape {
            _ if unit => quote!(ENVELOPE.unit(&reply)),
            Shape::Payload => quote!(ENVELOPE.payload(&reply)),
            Shape::Flat => quote!(ENVELOPE.flat(&reply)),
            Shape::Binary => quote!(ENVELOPE.binary(reply)),
            Shape::Protobuf => {
                let status = match &op.reply {
                    Reply::Protobuf { component } => status_check(
                        g,
                        component,
                        env.success.get(&env.code_field).and_then(Value::as_i64).unwrap_or(0),
                    ),
                    _ => quote!(),
                };
                quote!({
                    let message: #out = ENVELOPE.protobuf(&reply)?;
                    #status
                    Ok(message)
                })
            }
        };
        let d = doc(&op_doc(op));
        methods.push(quote! {
            #d
            pub async fn #m(&self #arg) -> Result<#out, ClientError> {
                let mut call = Call::new(reqwest::Method::#http, #path);
                #( #headers )*
                #fill
                let reply = self.transport.send(call).await?;
                #decode
            }
        });
    }

    let title = format!(" The typed client of the {} API.", g.api.vendor);
    let cdoc = doc(&format!(
        "A client of the {} API: `new(base_url)`, the credential setters, then one async method per operation (its first documented method).",
        g.api.vendor
    ));
    Ok(quote! {
        #![doc = #title]
        #![allow(clippy::all, unused_imports, unused_mut)]
        use super::models;
        use crate::envelope::Envelope;
        use crate::error::ClientError;
        use crate::transport::{Call, Signer, Transport};

        /// The dialect's envelope (from the spec's `x-success`, `x-payload`, `x-error-message`).
        pub const ENVELOPE: Envelope = Envelope { code: #code_field, success: #success, message: #msg_field, payload: #payload };

        #cdoc
        #[derive(Debug, Clone)]
        pub struct #cname {
            transport: Transport,
            #( #header_fields )*
        }

        impl #cname {
            pub fn new(base_url: impl Into<String>) -> Self {
                #cname { transport: Transport::new(base_url), #( #header_idents: None, )* }
            }

            /// Use this `reqwest` client (timeouts, proxies, TLS).
            pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
                self.transport.set_http(http);
                self
            }

            /// Headers computed afresh for every request (signatures).
            pub fn with_signer(mut self, signer: Signer) -> Self {
                self.transport.set_signer(Some(signer));
                self
            }

            pub fn transport(&self) -> &Transport {
                &self.transport
            }

            #( #cred_setters )*
            #( #header_setters )*
            #( #methods )*
        }
    })
}

/// A non-success `status` in a protobuf reply is an API error.
fn status_check(g: &Gen, component: &str, ok: i64) -> TokenStream {
    let Some(schema) = g.api.schemas.get(component) else { return quote!() };
    let props = g.api.props(schema);
    let idents = Gen::field_idents(&props);
    let Some((p, fid)) = props.iter().zip(&idents).find(|(p, _)| p.name == "status") else { return quote!() };
    let Some(st) = super::spec::ref_name(&p.schema).and_then(|n| g.api.schemas.get(n)) else {
        return quote!();
    };
    let sprops = g.api.props(st);
    let sidents = Gen::field_idents(&sprops);
    let env = g.api.envelope.as_ref();
    let code_name = env.map(|e| e.code_field.clone()).unwrap_or_else(|| "code".into());
    let msg_name = env.map(|e| e.error_message.clone()).unwrap_or_else(|| "msg".into());
    let code = sprops.iter().zip(&sidents).find(|(p, _)| p.name == code_name).map(|(_, i)| i.clone());
    let msg = sprops.iter().zip(&sidents).find(|(p, _)| p.name == msg_name).map(|(_, i)| i.clone());
    let (Some(code), Some(msg)) = (code, msg) else { return quote!() };
    let ok = int_lit(ok);
    quote! {
        if let Some(status) = &message.#fid {
            if status.#code != #ok {
                return Err(ClientError::Api { code: status.#code as i32, message: status.#msg.clone() });
            }
        }
    }
}
