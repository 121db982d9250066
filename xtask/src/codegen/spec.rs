//! Reads one OpenAPI spec (as written by `openapi.rs`) into the small model
//! the generators work from: logical operations with their routes, inputs
//! and replies, the envelope, the error codes and the security headers.

use crate::openapi::ext;
use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Map, Value};

/// One dialect's API.
#[derive(Debug, Clone)]
pub struct Api {
    pub vendor: String,
    pub tags: Vec<Tag>,
    pub ops: Vec<Op>,
    pub schemas: Map<String, Value>,
    pub security: Vec<Scheme>,
    pub envelope: Option<Envelope>,
    /// The list envelope component (`cursor`, `version`) and its properties.
    pub list_envelope: Option<(String, Vec<Prop>)>,
    pub codes: Vec<Code>,
    /// Role name → code, sorted by role.
    pub roles: Vec<(String, i64)>,
    /// Upper-case methods real clients send as POST instead.
    pub post_also_serves: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Scheme {
    /// Component key (`access_token`).
    pub key: String,
    /// Header name (`access-token`).
    pub header: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Envelope {
    pub schema: String,
    /// The fields of a successful answer, in order (`{"code":200,"message":null}`).
    pub success: Map<String, Value>,
    /// The field carrying the result (`data`), if any.
    pub payload: Option<String>,
    /// The field carrying an error's text.
    pub error_message: String,
    /// The field carrying the code: the first success field.
    pub code_field: String,
}

#[derive(Debug, Clone)]
pub struct Code {
    pub name: String,
    pub value: i64,
    pub description: String,
}

/// A property, query parameter or header parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    pub name: String,
    pub description: String,
    pub required: bool,
    pub schema: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    Json,
    Form,
    Protobuf,
}

#[derive(Debug, Clone)]
pub struct Route {
    /// Upper case (`POST`).
    pub method: String,
    pub path: String,
    pub operation_id: String,
    /// Routed because of `x-post-also-serves`, not documented.
    pub extra: bool,
    /// In the spec but not in the document: an override added it
    /// (`x-added-by-override`, e.g. the web SDK's `/app/qrcode/*`).
    pub added: bool,
}

#[derive(Debug, Clone)]
pub enum Body {
    /// An object body (JSON or form): its fields join the query parameters.
    Object { media: Media, component: Option<String>, fields: Vec<Prop> },
    /// A nameless array body: the input is the list.
    Array { items: Value },
    /// A protobuf message body: the input is the message.
    Protobuf { component: String },
}

#[derive(Debug, Clone)]
pub enum Reply {
    /// A JSON envelope; `payload` is the schema of the payload property
    /// (when the envelope has one and the answer lists it), `extras` the
    /// other properties the answer adds, `list` whether it carries the
    /// list envelope.
    Enveloped { payload: Option<Value>, extras: Vec<Prop>, list: bool },
    /// A protobuf message.
    Protobuf { component: String },
    /// Raw bytes.
    Binary { content_type: String },
    /// Nothing documented.
    Empty,
}

#[derive(Debug, Clone)]
pub struct Op {
    pub name: String,
    pub tag: String,
    pub summary: String,
    pub description: String,
    pub source: Option<String>,
    pub routes: Vec<Route>,
    pub headers: Vec<Prop>,
    pub query: Vec<Prop>,
    pub body: Option<Body>,
    pub reply: Reply,
}

impl Op {
    /// The documented routes (not the POST added for real clients, nor
    /// the routes an override added).
    pub fn documented(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter().filter(|r| !r.extra && !r.added)
    }
}

const METHODS: &[&str] = &["get", "post", "put", "delete", "patch", "head", "options"];

fn s(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// The component name a `$ref` points at.
pub fn ref_name(v: &Value) -> Option<&str> {
    v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"))
}

pub fn read(vendor: &str, spec: &Value) -> Result<Api> {
    let schemas = spec.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();

    let mut security = Vec::new();
    for (key, sch) in
        spec.pointer("/components/securitySchemes").and_then(Value::as_object).into_iter().flatten()
    {
        if s(sch, "in") != "header" {
            bail!("security scheme `{key}` is not a header");
        }
        security.push(Scheme {
            key: key.clone(),
            header: s(sch, "name"),
            description: s(sch, "description"),
        });
    }

    let mut envelope = None;
    for (name, sch) in &schemas {
        if let Some(success) = sch.get(ext::SUCCESS).and_then(Value::as_object) {
            if envelope.is_some() {
                bail!("two envelope schemas carry `{}`", ext::SUCCESS);
            }
            let code_field = success
                .keys()
                .next()
                .cloned()
                .ok_or_else(|| anyhow!("`{}` of {name} is empty", ext::SUCCESS))?;
            envelope = Some(Envelope {
                schema: name.clone(),
                success: success.clone(),
                payload: sch.get(ext::PAYLOAD).and_then(Value::as_str).map(str::to_string),
                error_message: sch
                    .get(ext::ERROR_MESSAGE)
                    .and_then(Value::as_str)
                    .unwrap_or("message")
                    .to_string(),
                code_field,
            });
        }
    }

    let mut codes = Vec::new();
    let mut roles = Vec::new();
    if let Some(ec) = schemas.get("ErrorCode") {
        let values = ec.get("enum").and_then(Value::as_array).cloned().unwrap_or_default();
        let names = ec.get(ext::ENUM_VARNAMES).and_then(Value::as_array).cloned().unwrap_or_default();
        let descs = ec.get(ext::ENUM_DESCRIPTIONS).and_then(Value::as_array).cloned().unwrap_or_default();
        for (i, v) in values.iter().enumerate() {
            let value = v.as_i64().ok_or_else(|| anyhow!("ErrorCode value {v} is not an integer"))?;
            let name = names
                .get(i)
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("Code{}", value.unsigned_abs()));
            codes.push(Code {
                name,
                value,
                description: descs.get(i).and_then(Value::as_str).unwrap_or("").to_string(),
            });
        }
        for (role, code) in ec.get(ext::CODE_ROLES).and_then(Value::as_object).into_iter().flatten() {
            roles.push((
                role.clone(),
                code.as_i64().ok_or_else(|| anyhow!("code role `{role}` is not an integer"))?,
            ));
        }
        roles.sort();
    }

    let post_also_serves = spec
        .get(ext::POST_ALSO_SERVES)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_ascii_uppercase)
        .collect::<Vec<_>>();

    let tags: Vec<Tag> = spec
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| Tag { name: s(t, "name"), description: s(t, "description") })
        .collect();

    let mut api = Api {
        vendor: vendor.to_string(),
        tags,
        ops: Vec::new(),
        schemas,
        security,
        envelope,
        list_envelope: None,
        codes,
        roles,
        post_also_serves,
    };

    // Operations in document order; methods of one `x-operation` join it.
    for (path, item) in spec.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let id = s(op, "operationId");
            let name = op
                .get(ext::OPERATION)
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| id.clone());
            let route = Route {
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                operation_id: id,
                extra: false,
                added: op.get(ext::ADDED_BY_OVERRIDE).and_then(Value::as_bool).unwrap_or(false),
            };
            if let Some(existing) = api.ops.iter_mut().find(|o| o.name == name) {
                existing.routes.push(route);
                continue;
            }
            let parsed =
                api.operation(&name, op, route).with_context(|| format!("{method} {path} (`{name}`)"))?;
            api.ops.push(parsed);
        }
    }

    // Tags in the order the spec lists them; any an operation names but the
    // list lacks come after.
    for op in &api.ops {
        if !api.tags.iter().any(|t| t.name == op.tag) {
            api.tags.push(Tag { name: op.tag.clone(), description: String::new() });
        }
    }
    api.tags.retain(|t| api.ops.iter().any(|o| o.tag == t.name));

    // Real clients send POST where the document says PUT/DELETE: route it
    // unless POST on that path is already somebody's.
    if !api.post_also_serves.is_empty() {
        let taken: Vec<(String, String)> = api
            .ops
            .iter()
            .flat_map(|o| o.routes.iter().map(|r| (r.method.clone(), r.path.clone())))
            .collect();
        let mut added: Vec<(String, String)> = Vec::new();
        for op in &mut api.ops {
            let mut extra = Vec::new();
            for r in &op.routes {
                if !api.post_also_serves.contains(&r.method) {
                    continue;
                }
                let key = ("POST".to_string(), r.path.clone());
                if taken.contains(&key) || added.contains(&key) {
                    continue;
                }
                added.push(key);
                extra.push(Route {
                    method: "POST".into(),
                    path: r.path.clone(),
                    operation_id: r.operation_id.clone(),
                    extra: true,
                    added: false,
                });
            }
            op.routes.extend(extra);
        }
    }
    Ok(api)
}

impl Api {
    /// Resolves a `$ref` (one level).
    pub fn resolve<'a>(&'a self, v: &'a Value) -> &'a Value {
        match ref_name(v).and_then(|n| self.schemas.get(n)) {
            Some(s) => s,
            None => v,
        }
    }

    /// Properties of an object schema (after resolving a `$ref`).
    pub fn props(&self, v: &Value) -> Vec<Prop> {
        let o = self.resolve(v);
        let required: Vec<&str> = o
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        o.get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| Prop {
                name: k.clone(),
                description: s(v, "description"),
                required: required.contains(&k.as_str()),
                schema: v.clone(),
            })
            .collect()
    }

    fn operation(&mut self, name: &str, op: &Value, route: Route) -> Result<Op> {
        let mut headers = Vec::new();
        let mut query = Vec::new();
        for p in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
            let prop = Prop {
                name: s(p, "name"),
                description: s(p, "description"),
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                schema: p.get("schema").cloned().unwrap_or(Value::Null),
            };
            match s(p, "in").as_str() {
                "header" => {
                    if self.security.iter().any(|s| s.header.eq_ignore_ascii_case(&prop.name)) {
                        continue;
                    }
                    headers.push(prop)
                }
                "query" => query.push(prop),
                other => bail!("parameters `in: {other}` are not supported (`{}`)", prop.name),
            }
        }

        let body = match op.pointer("/requestBody/content").and_then(Value::as_object) {
            None => None,
            Some(content) => {
                let (mime, media) =
                    content.iter().next().ok_or_else(|| anyhow!("requestBody without content"))?;
                let schema = media.get("schema").cloned().unwrap_or(Value::Null);
                let kind = match mime.as_str() {
                    "application/json" => Media::Json,
                    "application/x-www-form-urlencoded" => Media::Form,
                    "application/x-protobuf" => Media::Protobuf,
                    other => bail!("request media `{other}` is not supported"),
                };
                Some(match kind {
                    Media::Protobuf => Body::Protobuf {
                        component: ref_name(&schema)
                            .ok_or_else(|| anyhow!("a protobuf body must be a component"))?
                            .to_string(),
                    },
                    _ if self.resolve(&schema).get("type").and_then(Value::as_str) == Some("array") => {
                        if !query.is_empty() {
                            bail!("an array body next to query parameters is not supported");
                        }
                        Body::Array {
                            items: self.resolve(&schema).get("items").cloned().unwrap_or(Value::Null),
                        }
                    }
                    _ => Body::Object {
                        media: kind,
                        component: ref_name(&schema).map(str::to_string),
                        fields: self.props(&schema),
                    },
                })
            }
        };

        let reply = self.reply(op)?;
        let mut description = s(op, "description");
        // The spec notes the other methods per method; the routes are listed anyway.
        if let Some(i) = description.find("Also served on ") {
            description.truncate(i);
        }
        Ok(Op {
            name: name.to_string(),
            tag: op
                .get("tags")
                .and_then(Value::as_array)
                .and_then(|t| t.first())
                .and_then(Value::as_str)
                .unwrap_or("default")
                .to_string(),
            summary: s(op, "summary"),
            description: description.trim().to_string(),
            source: op.get(ext::SOURCE).and_then(Value::as_str).map(str::to_string),
            routes: vec![route],
            headers,
            query,
            body,
            reply,
        })
    }

    fn reply(&mut self, op: &Value) -> Result<Reply> {
        let responses = op.get("responses").and_then(Value::as_object).cloned().unwrap_or_default();
        let ok = responses.iter().find(|(code, _)| code.starts_with('2')).map(|(_, r)| r.clone());
        let Some(content) = ok.as_ref().and_then(|r| r.get("content")).and_then(Value::as_object) else {
            return Ok(Reply::Empty);
        };
        let Some((mime, media)) = content.iter().next() else { return Ok(Reply::Empty) };
        let schema = media.get("schema").cloned().unwrap_or(Value::Null);
        match mime.as_str() {
            "application/x-protobuf" => Ok(Reply::Protobuf {
                component: ref_name(&schema)
                    .ok_or_else(|| anyhow!("a protobuf reply must be a component"))?
                    .to_string(),
            }),
            "application/json" | "application/x-www-form-urlencoded" => self.enveloped(&schema),
            other
                if schema.get("format").and_then(Value::as_str) == Some("binary")
                    || other.starts_with("application/octet-stream") =>
            {
                Ok(Reply::Binary { content_type: other.to_string() })
            }
            other => bail!("reply media `{other}` is not supported"),
        }
    }

    fn enveloped(&mut self, schema: &Value) -> Result<Reply> {
        let parts: Vec<Value> = match schema.get("allOf").and_then(Value::as_array) {
            Some(all) => all.clone(),
            None => vec![schema.clone()],
        };
        let env = self.envelope.as_ref().map(|e| e.schema.clone());
        let mut list = false;
        let mut own: Vec<Prop> = Vec::new();
        for part in &parts {
            match ref_name(part) {
                Some(n) if Some(n) == env.as_deref() => {}
                Some(n) => {
                    let props = self.props(part);
                    match &self.list_envelope {
                        Some((have, _)) if have != n => bail!("two list envelopes: {have} and {n}"),
                        _ => self.list_envelope = Some((n.to_string(), props)),
                    }
                    list = true;
                }
                None => own.extend(self.props(part)),
            }
        }
        let payload_name = self.envelope.as_ref().and_then(|e| e.payload.clone());
        let mut payload = None;
        let mut extras = Vec::new();
        for p in own {
            if Some(&p.name) == payload_name.as_ref() {
                payload = Some(p.schema);
            } else {
                extras.push(p);
            }
        }
        Ok(Reply::Enveloped { payload, extras, list })
    }
}
