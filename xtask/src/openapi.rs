//! The merged model plus overrides, written as an OpenAPI 3.1 document.
//! Output order follows the documents, so a document change shows up as a
//! local diff; `serde_json`'s `preserve_order` keeps it byte-stable.

use crate::error::{DocError, DocResult};
use crate::model::{Body, Document, Field, Media, Method, Operation, Response, Type};
use crate::overrides::{OperationRule, Overrides};
use crate::parse::yhchat::commented_json;
use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// Extension keys this generator writes; the code generator reads them.
pub mod ext {
    /// Logical operation (snake_case) shared by every method serving it.
    pub const OPERATION: &str = "x-operation";
    /// Protobuf field number.
    pub const PROTO_FIELD: &str = "x-proto-field";
    /// Protobuf message name.
    pub const PROTO_MESSAGE: &str = "x-proto-message";
    /// Labels of `enum` values, in the same order.
    pub const ENUM_DESCRIPTIONS: &str = "x-enum-descriptions";
    /// Rust-friendly names of `enum` values.
    pub const ENUM_VARNAMES: &str = "x-enum-varnames";
    /// Section number of an operation in its document.
    pub const SOURCE: &str = "x-source";
    /// On an envelope schema: the values of a successful answer.
    pub const SUCCESS: &str = "x-success";
    /// On an envelope schema: the field that carries the result.
    pub const PAYLOAD: &str = "x-payload";
    /// On `ErrorCode`: role name → code, for generated error handling.
    pub const CODE_ROLES: &str = "x-code-roles";
    /// On an envelope schema: the field carrying an error's text.
    pub const ERROR_MESSAGE: &str = "x-error-message";
    /// At the root: methods real clients send as POST instead.
    pub const POST_ALSO_SERVES: &str = "x-post-also-serves";
    /// On an operation: a route the document does not list, added by an
    /// override's `extra_routes` or `added_operations`; it never counts as
    /// documented.
    pub const ADDED_BY_OVERRIDE: &str = "x-added-by-override";
}

pub fn build(doc: &Document, o: &Overrides) -> DocResult<Value> {
    let mut b = Builder { o, file: &doc.source, schemas: Map::new(), used_schemes: BTreeSet::new() };
    let names = b.operation_names(doc)?;
    let tags = b.tags(doc)?;

    if let Some(env) = &o.envelope {
        b.envelope_schema(doc, env, &names)?;
    }
    if let Some(env) = &o.list_envelope {
        b.envelope_schema(doc, env, &names)?;
    }

    let mut paths = Map::new();
    for (op, name) in doc.operations.iter().zip(&names) {
        let tag =
            tags.iter().find(|(title, _)| title == &op.section).map(|(_, t)| t.clone()).unwrap_or_default();
        for (i, m) in op.methods.iter().enumerate() {
            let op_id = if i == 0 { name.clone() } else { format!("{name}_{}", m.lower()) };
            let rules: Vec<_> = o.operation_rules(op).collect();
            let mut value = b.operation(op, &rules, false, name, &op_id, &tag, *m)?;
            if o.is_added(op) {
                value.as_object_mut().map(|v| v.insert(ext::ADDED_BY_OVERRIDE.into(), json!(true)));
            }
            let item = paths.entry(op.path.clone()).or_insert_with(|| json!({}));
            if item.get(m.lower()).is_some() {
                return Err(DocError::new(
                    doc.source.clone(),
                    op.line,
                    format!("{m} {} is described twice with different tables", op.path),
                ));
            }
            item.as_object_mut().map(|item| item.insert(m.lower().to_string(), value));
        }
    }

    // Routes real clients use that the document does not list, after every
    // documented one: they join the operation, marked as added.
    for (op, name) in doc.operations.iter().zip(&names) {
        let rules: Vec<_> = o.operation_rules(op).collect();
        for rule in rules.iter().filter(|r| !r.extra_routes.is_empty()) {
            for (m, path) in rule.extra_routes() {
                let tag = tags
                    .iter()
                    .find(|(title, _)| title == &op.section)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default();
                let value = b.added_route(op, &rules, rule, name, &tag, m, path, &paths)?;
                let item = paths.entry(path.to_string()).or_insert_with(|| json!({}));
                item.as_object_mut().map(|item| item.insert(m.lower().to_string(), value));
            }
        }
    }

    if !o.error_codes.is_empty() {
        let codes: Vec<Value> = o.error_codes.iter().map(|c| json!(c.code)).collect();
        let names: Vec<Value> = o.error_codes.iter().map(|c| json!(c.name)).collect();
        let descs: Vec<Value> = o.error_codes.iter().map(|c| json!(c.description)).collect();
        let table: String =
            o.error_codes.iter().map(|c| format!("- `{}` {}: {}\n", c.code, c.name, c.description)).collect();
        b.schemas.insert(
            "ErrorCode".into(),
            json!({
                "type": "integer",
                "format": "int32",
                "description": format!("Codes in the envelope's `code` field.\n\n{table}"),
                "enum": codes,
                ext::ENUM_VARNAMES: names,
                ext::ENUM_DESCRIPTIONS: descs,
                ext::CODE_ROLES: o.code_roles,
            }),
        );
    }
    for (role, code) in &o.code_roles {
        if !o.error_codes.iter().any(|c| c.code == *code) {
            return Err(DocError::new(
                &o.file,
                0,
                format!("code role `{role}` names {code}, which is not among the error codes"),
            ));
        }
    }

    let mut schemes = Map::new();
    for s in &o.security.schemes {
        schemes.insert(
            s.name.clone(),
            json!({"type": "apiKey", "in": "header", "name": s.header, "description": s.description}),
        );
    }
    let mut paths = Value::Object(paths);
    crate::shared_schemas::apply(&o.file, &o.shared_schemas, o.allow_unused, &mut b.schemas, &mut paths)?;
    crate::shared_schemas::name(&o.file, &o.schema_names, o.allow_unused, &mut b.schemas, &mut paths)?;
    let mut components = Map::new();
    components.insert("schemas".into(), Value::Object(std::mem::take(&mut b.schemas)));
    if !schemes.is_empty() {
        components.insert("securitySchemes".into(), Value::Object(schemes));
    }

    let mut servers = vec![json!({"url": "/", "description": "this server"})];
    for s in &doc.servers {
        servers.push(json!({"url": s, "description": "the vendor's documented server"}));
    }
    let title = if o.info.title.is_empty() { doc.title.clone() } else { o.info.title.clone() };
    let version = if o.info.version.is_empty() { "unversioned".to_string() } else { o.info.version.clone() };
    let mut description = o.info.description.trim().to_string();
    if let Some(d) = &doc.description {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(d.trim());
    }
    let mut info = Map::new();
    info.insert("title".into(), json!(title));
    if !description.is_empty() {
        info.insert("description".into(), json!(description));
    }
    info.insert("version".into(), json!(version));

    let tag_values: Vec<Value> = tags
        .iter()
        .map(|(title, tag)| {
            let mut t = Map::new();
            t.insert("name".into(), json!(tag));
            t.insert("description".into(), json!(title));
            Value::Object(t)
        })
        .collect();

    let mut root = Map::new();
    root.insert("openapi".into(), json!("3.1.0"));
    if !o.post_also_serves.is_empty() {
        root.insert(ext::POST_ALSO_SERVES.into(), json!(o.post_also_serves));
    }
    root.insert("info".into(), Value::Object(info));
    root.insert("servers".into(), json!(servers));
    root.insert("tags".into(), json!(tag_values));
    root.insert("paths".into(), paths);
    root.insert("components".into(), Value::Object(components));
    for s in &b.used_schemes {
        if !o.security.schemes.iter().any(|x| &x.name == s) {
            return Err(DocError::new(
                &o.file,
                0,
                format!("security scheme `{s}` is required but not defined"),
            ));
        }
    }
    Ok(Value::Object(root))
}

struct Builder<'a> {
    o: &'a Overrides,
    file: &'a str,
    schemas: Map<String, Value>,
    used_schemes: BTreeSet<String>,
}

impl Builder<'_> {
    /// Logical operation names: an override, else derived from the path.
    /// Operations on one path that differ but would get the same derived
    /// name take a suffix from their methods (see [`method_suffix`]), with a
    /// warning on stderr: a document never seen before converts without
    /// overrides, and the overrides can still choose better names.
    fn operation_names(&self, doc: &Document) -> DocResult<Vec<String>> {
        let mut names = Vec::new();
        let mut derived = Vec::new();
        for op in &doc.operations {
            let named: Vec<String> = self.o.operation_rules(op).filter_map(|r| r.name.clone()).collect();
            let name = match named.as_slice() {
                [] => path_name(&op.path, &self.o.naming.strip_prefixes, &self.o.naming.strip_suffixes),
                [one] => one.clone(),
                many => {
                    return Err(DocError::new(
                        self.file,
                        op.line,
                        format!("{} has {} names in overrides: {}", op.path, many.len(), many.join(", ")),
                    ));
                }
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(DocError::new(
                    self.file,
                    op.line,
                    format!("operation name `{name}` for {} is not ASCII snake_case", op.path),
                ));
            }
            derived.push(named.is_empty());
            names.push(name);
        }
        self.separate_clashes(doc, &mut names, &derived);
        for (i, (op, name)) in doc.operations.iter().zip(&names).enumerate() {
            if let Some(prev) = names[..i].iter().position(|n| n == name) {
                let other = &doc.operations[prev];
                return Err(DocError::new(
                    self.file,
                    op.line,
                    format!(
                        "{} {} and {} {} (line {}) differ but would both be named `{name}`; name them in the overrides (`[[operations]] match = \"METHOD /path\"`, `name = ...`)",
                        methods(op),
                        op.path,
                        methods(other),
                        other.path,
                        other.line
                    ),
                ));
            }
        }
        Ok(names)
    }

    /// Renames derived names that several operations share: first by what
    /// the methods do (`user_profile_get`, `user_profile_update`, as the
    /// repository's own overrides name such pairs), then, if that still
    /// clashes, by every method (`x_put`, `x_patch`). Names from overrides
    /// are never changed; a clash between those stays an error.
    fn separate_clashes(&self, doc: &Document, names: &mut [String], derived: &[bool]) {
        let base: Vec<String> = names.to_vec();
        let shared = |i: usize| derived[i] && base.iter().filter(|n| **n == base[i]).count() > 1;
        let clashing: Vec<usize> = (0..names.len()).filter(|i| shared(*i)).collect();
        for &i in &clashing {
            names[i] = format!("{}_{}", base[i], method_suffix(&doc.operations[i]));
        }
        let still: Vec<usize> = clashing
            .iter()
            .copied()
            .filter(|i| names.iter().filter(|n| **n == names[*i]).count() > 1)
            .collect();
        for i in still {
            let all: Vec<&str> = doc.operations[i].methods.iter().map(|m| m.lower()).collect();
            names[i] = format!("{}_{}", base[i], all.join("_"));
        }
        let mut groups: Vec<&str> = Vec::new();
        for i in &clashing {
            if !groups.contains(&base[*i].as_str()) {
                groups.push(&base[*i]);
            }
        }
        for g in groups {
            let renamed: Vec<String> = clashing
                .iter()
                .filter(|i| base[**i] == g)
                .map(|i| {
                    let op = &doc.operations[*i];
                    format!("{} {} (line {}) → `{}`", methods(op), op.path, op.line, names[*i])
                })
                .collect();
            eprintln!(
                "warning: {}: operations that differ would all be named `{g}`; named by their methods: {}. \
                 Choose better names in the overrides (`[[operations]] match = \"METHOD /path\"`, `name = ...`).",
                self.file,
                renamed.join(", ")
            );
        }
    }

    /// (section title, ASCII tag) for each section holding operations: an
    /// override, the section's snake_case anchor, the title itself when it
    /// is ASCII, else the first path segment its operations share.
    fn tags(&self, doc: &Document) -> DocResult<Vec<(String, String)>> {
        let mut out: Vec<(String, String)> = Vec::new();
        for s in &doc.sections {
            let ops: Vec<&Operation> = doc.operations.iter().filter(|o| o.section == s.title).collect();
            if ops.is_empty() {
                continue;
            }
            let tag = if let Some(t) = self.o.tag_for(&s.title) {
                t.to_string()
            } else if let Some(a) = s.anchor.as_deref().filter(|a| {
                !a.is_empty() && a.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            }) {
                // The typed documents' `{#roster}`: one tag whichever
                // language the title is written in.
                a.to_string()
            } else if s.title.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ' ') {
                s.title.to_snake_case()
            } else {
                let firsts: BTreeSet<String> = ops
                    .iter()
                    .map(|o| {
                        path_name(&o.path, &self.o.naming.strip_prefixes, &self.o.naming.strip_suffixes)
                            .split('_')
                            .next()
                            .unwrap_or("")
                            .to_string()
                    })
                    .collect();
                match firsts.len() {
                    1 => firsts.into_iter().next().unwrap_or_default(),
                    _ => {
                        return Err(DocError::new(
                            self.file,
                            ops[0].line,
                            format!(
                                "section `{}` spans several path prefixes ({}); give it a tag in the overrides",
                                s.title,
                                firsts.into_iter().collect::<Vec<_>>().join(", ")
                            ),
                        ));
                    }
                }
            };
            if let Some((other, _)) = out.iter().find(|(_, t)| *t == tag) {
                return Err(DocError::new(
                    self.file,
                    ops[0].line,
                    format!(
                        "sections `{other}` and `{}` would share the tag `{tag}`; give one a tag in the overrides",
                        s.title
                    ),
                ));
            }
            out.push((s.title.clone(), tag));
        }
        for op in &doc.operations {
            if !out.iter().any(|(t, _)| *t == op.section) {
                return Err(DocError::new(
                    self.file,
                    op.line,
                    format!(
                        "{} is in section `{}`, which the document does not declare",
                        op.path, op.section
                    ),
                ));
            }
        }
        Ok(out)
    }

    /// The envelope component, from the first response that lists its fields.
    fn envelope_schema(
        &mut self,
        doc: &Document,
        env: &crate::overrides::Envelope,
        names: &[String],
    ) -> DocResult<()> {
        let mut props = Map::new();
        for want in &env.fields {
            let found = doc
                .operations
                .iter()
                .flat_map(|o| o.responses.iter())
                .flat_map(|r| r.fields.iter())
                .find(|f| &f.name == want);
            let Some(f) = found else {
                // One section of a document may have no list answer at all.
                if self.o.allow_unused {
                    continue;
                }
                return Err(DocError::new(
                    &self.o.file,
                    0,
                    format!("envelope field `{want}` appears in no response"),
                ));
            };
            let mut s = self.field_schema(f, &env.schema, names.first().map(String::as_str).unwrap_or(""))?;
            if env.nullable.contains(want)
                && let Some(t) = s.get("type").cloned()
            {
                s.as_object_mut().map(|m| m.insert("type".into(), json!([t, "null"])));
            }
            props.insert(want.clone(), s);
        }
        if props.is_empty() {
            return Ok(());
        }
        let mut schema = Map::new();
        schema.insert("type".into(), json!("object"));
        schema.insert("description".into(), json!(env.description));
        let found: Vec<String> = props.keys().cloned().collect();
        schema.insert("properties".into(), Value::Object(props));
        if !env.success.is_empty() || !env.nullable.is_empty() {
            let mut success = Map::new();
            for f in env.fields.iter().filter(|f| found.contains(*f)) {
                let v = match env.success.get(f) {
                    Some(v) => {
                        serde_json::to_value(v).map_err(|e| DocError::new(&self.o.file, 0, e.to_string()))?
                    }
                    None if env.nullable.contains(f) => Value::Null,
                    None => continue,
                };
                success.insert(f.clone(), v);
            }
            schema.insert(ext::SUCCESS.into(), Value::Object(success));
        }
        if let Some(p) = &env.payload {
            schema.insert(ext::PAYLOAD.into(), json!(p));
        }
        if let Some(m) = &env.error_message {
            schema.insert(ext::ERROR_MESSAGE.into(), json!(m));
        }

        self.schemas.insert(env.schema.clone(), Value::Object(schema));
        Ok(())
    }

    /// The operation `op` (named `name`) served at `method path` as well,
    /// which `rule` adds. A GET takes the documented body's fields as query
    /// parameters: that is how clients send them on GET.
    #[allow(clippy::too_many_arguments)]
    fn added_route(
        &mut self,
        op: &Operation,
        rules: &[&OperationRule],
        rule: &OperationRule,
        name: &str,
        tag: &str,
        method: Method,
        path: &str,
        paths: &Map<String, Value>,
    ) -> DocResult<Value> {
        let err = |msg: String| {
            DocError::new(
                &self.o.file,
                0,
                format!("operation rule `{}`: {method} {path} {msg}", rule.pattern),
            )
        };
        if paths.get(path).and_then(|i| i.get(method.lower())).is_some() {
            return Err(err("is already served (by the document or another override)".into()));
        }
        let op_id = format!(
            "{}_{}",
            path_name(path, &self.o.naming.strip_prefixes, &self.o.naming.strip_suffixes),
            method.lower()
        );
        let taken = paths
            .values()
            .flat_map(|i| i.as_object().into_iter().flatten())
            .any(|(_, v)| v.get("operationId").and_then(Value::as_str) == Some(op_id.as_str()));
        if taken {
            return Err(err(format!("would be named `{op_id}`, which another operation is")));
        }
        let mut at = op.clone();
        at.methods = vec![method];
        at.path = path.to_string();
        at.number = None;
        let intro = format!(
            "Not in the document, added by the overrides: {}. The document lists this operation, `{name}`, at {} {}.",
            rule.reason.trim().trim_end_matches('.'),
            methods(op),
            op.path
        );
        at.description = Some(match op.description.as_deref() {
            Some(d) if !d.trim().is_empty() => format!("{intro}\n\n{d}"),
            _ => intro,
        });
        if method == Method::Get
            && let Some(body) = at.body.take()
        {
            if matches!(body.media, Media::Json | Media::Form)
                && body.fields.iter().all(|f| !f.name.is_empty())
            {
                at.query.extend(body.fields);
            } else {
                return Err(err("cannot take the documented body on GET".into()));
            }
        }
        let mut v = self.operation(&at, rules, true, name, &op_id, tag, method)?;
        v.as_object_mut().map(|o| o.insert(ext::ADDED_BY_OVERRIDE.into(), json!(true)));
        Ok(v)
    }

    /// One method of an operation; `added` when the overrides add the route.
    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        op: &Operation,
        rules: &[&OperationRule],
        added: bool,
        name: &str,
        op_id: &str,
        tag: &str,
        method: Method,
    ) -> DocResult<Value> {
        let base = name.to_upper_camel_case();
        let security: Vec<String> =
            rules.iter().find_map(|r| r.security.clone()).unwrap_or_else(|| self.o.security.default.clone());
        let response_media = rules.iter().find_map(|r| r.response_media);
        let scheme_headers: Vec<&str> = self.o.security.schemes.iter().map(|s| s.header.as_str()).collect();

        let mut v = Map::new();
        v.insert("tags".into(), json!([tag]));
        v.insert("summary".into(), json!(op.summary));
        let mut desc = op.description.clone().unwrap_or_default();
        for note in rules.iter().filter_map(|r| r.note.as_deref()) {
            if !desc.is_empty() {
                desc.push_str("\n\n");
            }
            desc.push_str(note.trim());
        }
        for rule in rules.iter().filter(|r| !added && !r.extra_routes.is_empty()) {
            let routes: Vec<String> = rule.extra_routes.iter().map(|r| format!("`{}`", r.trim())).collect();
            if !desc.is_empty() {
                desc.push_str("\n\n");
            }
            desc.push_str(&format!(
                "Also served at {}, which the document does not list: {}.",
                routes.join(", "),
                rule.reason.trim().trim_end_matches('.')
            ));
        }
        if op.methods.len() > 1 {
            let others: Vec<&str> = op.methods.iter().filter(|m| **m != method).map(|m| m.as_str()).collect();
            if !desc.is_empty() {
                desc.push_str("\n\n");
            }
            desc.push_str(&format!("Also served on {} (one operation, `{name}`).", others.join(", ")));
        }
        if !desc.is_empty() {
            v.insert("description".into(), json!(desc));
        }
        v.insert("operationId".into(), json!(op_id));
        v.insert(ext::OPERATION.into(), json!(name));
        if let Some(n) = &op.number {
            v.insert(ext::SOURCE.into(), json!(format!("§{n}")));
        }

        let mut params = Vec::new();
        for f in &op.headers {
            if scheme_headers.contains(&f.name.as_str()) {
                continue;
            }
            params.push(self.parameter(f, "header", &base)?);
        }
        for f in &op.query {
            params.push(self.parameter(f, "query", &base)?);
        }
        if !params.is_empty() {
            v.insert("parameters".into(), json!(params));
        }
        if let Some(body) = &op.body {
            v.insert("requestBody".into(), self.request_body(body, &base)?);
        }
        let mut responses = Map::new();
        for r in &op.responses {
            responses.insert(r.status.to_string(), self.response(r, &base, response_media)?);
        }
        if responses.is_empty() {
            responses.insert("200".into(), json!({"description": "OK"}));
        }
        v.insert("responses".into(), Value::Object(responses));
        if !security.is_empty() {
            // A scheme header the document lists but the operation does not
            // require (access-token on registration) is optional: the
            // operation accepts the requirement with and without it.
            let optional: Vec<String> = self
                .o
                .security
                .schemes
                .iter()
                .filter(|s| !security.contains(&s.name) && op.headers.iter().any(|h| h.name == s.header))
                .map(|s| s.name.clone())
                .collect();
            let mut alternatives = vec![security.clone()];
            if !optional.is_empty() {
                alternatives.push(security.iter().chain(&optional).cloned().collect());
            }
            let mut reqs = Vec::new();
            for alt in alternatives {
                let mut req = Map::new();
                for s in alt {
                    self.used_schemes.insert(s.clone());
                    req.insert(s, json!([]));
                }
                reqs.push(Value::Object(req));
            }
            v.insert("security".into(), json!(reqs));
        }
        Ok(Value::Object(v))
    }

    fn parameter(&mut self, f: &Field, location: &str, base: &str) -> DocResult<Value> {
        let schema = self.field_schema(f, base, &f.name.to_upper_camel_case())?;
        let mut p = Map::new();
        p.insert("name".into(), json!(f.name));
        p.insert("in".into(), json!(location));
        if !f.description.is_empty() {
            p.insert("description".into(), json!(f.description));
        }
        p.insert("required".into(), json!(f.required == Some(true)));
        p.insert("schema".into(), strip_description(schema));
        Ok(Value::Object(p))
    }

    fn request_body(&mut self, body: &Body, base: &str) -> DocResult<Value> {
        let name = format!(
            "{base}{}",
            match body.media {
                Media::Form => "Form",
                Media::Protobuf => "Message",
                _ => "Body",
            }
        );
        let schema = match body.fields.as_slice() {
            [root] if root.name.is_empty() => self.field_schema(root, &name, "")?,
            fields => self.object_component(&name, "", fields)?,
        };
        if let Some(m) = &body.message {
            self.mark_message(&schema, m);
        }
        let mut content = Map::new();
        let mut media = Map::new();
        media.insert("schema".into(), schema);
        if let Some(ex) = &body.example {
            media.insert("example".into(), example_value(ex));
        }
        content.insert(body.media.mime().into(), Value::Object(media));
        Ok(json!({"required": true, "content": content}))
    }

    fn response(&mut self, r: &Response, base: &str, media_override: Option<Media>) -> DocResult<Value> {
        let media = media_override.unwrap_or(r.media);
        let mut content = Map::new();
        let schema = match media {
            Media::Binary => json!({"type": "string", "format": "binary"}),
            Media::Protobuf => {
                let s = self.object_component(&format!("{base}Reply"), "", &r.fields)?;
                if let Some(m) = &r.message {
                    self.mark_message(&s, m);
                }
                s
            }
            Media::Json | Media::Form => self.enveloped(r, base)?,
        };
        let mut m = Map::new();
        m.insert("schema".into(), schema);
        if let Some(ex) = &r.example {
            m.insert("example".into(), example_value(ex));
        }
        content.insert(media.mime().into(), Value::Object(m));
        Ok(json!({"description": "OK", "content": content}))
    }

    /// `allOf` of the shared envelope(s) and what this operation adds.
    fn enveloped(&mut self, r: &Response, base: &str) -> DocResult<Value> {
        let envs: Vec<&crate::overrides::Envelope> =
            [&self.o.envelope, &self.o.list_envelope].into_iter().flatten().collect();
        let mut parts = Vec::new();
        for env in &envs {
            if r.fields.iter().any(|f| env.fields.contains(&f.name)) {
                parts.push(json!({"$ref": format!("#/components/schemas/{}", env.schema)}));
            }
        }
        let rest: Vec<Field> =
            r.fields.iter().filter(|f| !envs.iter().any(|e| e.fields.contains(&f.name))).cloned().collect();
        if !rest.is_empty() || parts.is_empty() {
            let mut props = Map::new();
            for f in &rest {
                let s = self.field_schema(f, base, &f.name.to_upper_camel_case())?;
                props.insert(f.name.clone(), s);
            }
            let mut own = Map::new();
            own.insert("type".into(), json!("object"));
            own.insert("properties".into(), Value::Object(props));
            parts.push(Value::Object(own));
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { json!({"allOf": parts}) })
    }

    /// An object schema registered under `name`, as a `$ref`. The same table
    /// under the same name (one operation served on several methods) is one
    /// component; a different table under a taken name gets a number.
    fn object_component(&mut self, name: &str, description: &str, fields: &[Field]) -> DocResult<Value> {
        // Hold a place so that the spec lists a parent before its children.
        let place = self.unique(name);
        self.schemas.insert(place.clone(), Value::Null);
        let mut props = Map::new();
        let mut required = Vec::new();
        for f in fields {
            if f.name.is_empty() {
                return Err(DocError::new(
                    self.file,
                    f.line,
                    "an unnamed field may only be the whole body".to_string(),
                ));
            }
            if props.contains_key(&f.name) {
                return Err(DocError::new(
                    self.file,
                    f.line,
                    format!("field `{}` is listed twice in one object", f.name),
                ));
            }
            let s = self.field_schema(f, name, &f.name.to_upper_camel_case())?;
            props.insert(f.name.clone(), s);
            if f.required == Some(true) {
                required.push(json!(f.name));
            }
        }
        let mut s = Map::new();
        s.insert("type".into(), json!("object"));
        if !description.is_empty() {
            s.insert("description".into(), json!(description));
        }
        s.insert("properties".into(), Value::Object(props));
        if !required.is_empty() {
            s.insert("required".into(), json!(required));
        }
        let schema = Value::Object(s);
        let same = |existing: &Value| {
            let mut existing = existing.clone();
            // (`mark_message` adds the message name after registration.)
            existing.as_object_mut().map(|o| o.remove(ext::PROTO_MESSAGE));
            existing == schema
        };
        let mut taken = std::iter::once(name.to_string())
            .chain((2..).map(|i| format!("{name}{i}")))
            .take_while(|n| self.schemas.contains_key(n));
        let name = match taken.find(|n| same(&self.schemas[n])) {
            Some(existing) => {
                self.schemas.shift_remove(&place);
                existing
            }
            None => {
                self.schemas.insert(place.clone(), schema);
                place
            }
        };
        Ok(json!({"$ref": format!("#/components/schemas/{name}")}))
    }

    /// Names the protobuf message on the component a `$ref` points at.
    fn mark_message(&mut self, reference: &Value, message: &str) {
        let name =
            reference["$ref"].as_str().unwrap_or("").trim_start_matches("#/components/schemas/").to_string();
        if let Some(obj) = self.schemas.get_mut(&name).and_then(Value::as_object_mut) {
            obj.insert(ext::PROTO_MESSAGE.into(), json!(message));
        }
    }

    fn unique(&self, name: &str) -> String {
        if !self.schemas.contains_key(name) {
            return name.to_string();
        }
        (2..).map(|i| format!("{name}{i}")).find(|n| !self.schemas.contains_key(n)).unwrap_or_default()
    }

    /// Schema of one field; objects with properties become components named
    /// `{parent}{suffix}`.
    fn field_schema(&mut self, f: &Field, parent: &str, suffix: &str) -> DocResult<Value> {
        // A field the document gives no type but numbered values (the
        // export's query tables: `environment`: `0 - 开发环境， 1 - 生产环境`) is an
        // integer; the overrides can still say otherwise.
        let inferred;
        let f = if f.ty == Type::Unspecified
            && !f.enum_values.is_empty()
            && f.enum_values.iter().all(|e| e.value.is_i64())
        {
            inferred = Field { ty: Type::Int32, ..f.clone() };
            &inferred
        } else {
            f
        };
        let mut s = self.type_schema(&f.ty, &f.children, &format!("{parent}{suffix}"))?;
        let obj = match s.as_object_mut() {
            Some(o) => o,
            None => return Ok(s),
        };
        if !f.description.is_empty() {
            obj.insert("description".into(), json!(f.description));
        }
        if let Some(d) = &f.default {
            obj.insert("default".into(), typed_value(&f.ty, d));
        }
        if let Some(n) = f.max_length {
            obj.insert("maxLength".into(), json!(n));
        }
        if let Some(e) = &f.example {
            obj.insert("examples".into(), json!([typed_value(&f.ty, e)]));
        }
        if !f.enum_values.is_empty() && f.ty.is_scalar() {
            let fits = |v: &Value| match f.ty {
                Type::Int32 | Type::Int64 => v.is_i64(),
                Type::Number => v.is_number(),
                Type::Boolean => v.is_boolean(),
                _ => v.is_string(),
            };
            if let Some(bad) = f.enum_values.iter().find(|e| !fits(&e.value)) {
                return Err(DocError::new(
                    self.file,
                    f.line,
                    format!(
                        "`{}` is {} but its description enumerates {}; give it a type in the overrides",
                        f.name, f.ty, bad.value
                    ),
                ));
            }
            obj.insert(
                "enum".into(),
                json!(f.enum_values.iter().map(|e| e.value.clone()).collect::<Vec<_>>()),
            );
            obj.insert(
                ext::ENUM_DESCRIPTIONS.into(),
                json!(f.enum_values.iter().map(|e| e.label.clone()).collect::<Vec<_>>()),
            );
        }
        if let Some(n) = f.proto_number {
            obj.insert(ext::PROTO_FIELD.into(), json!(n));
        }
        Ok(s)
    }

    fn type_schema(&mut self, ty: &Type, children: &[Field], name: &str) -> DocResult<Value> {
        Ok(match ty {
            Type::String | Type::Unspecified => json!({"type": "string"}),
            Type::Int32 => json!({"type": "integer", "format": "int32"}),
            Type::Int64 => json!({"type": "integer", "format": "int64"}),
            Type::Number => json!({"type": "number"}),
            Type::Boolean => json!({"type": "boolean"}),
            Type::Binary => json!({"type": "string", "format": "binary"}),
            Type::Object if children.is_empty() => json!({"type": "object"}),
            Type::Object => {
                let r = self.object_component(name, "", children)?;
                // A `$ref` may carry a description; other keywords go on the component.
                json!({"$ref": r["$ref"]})
            }
            Type::Array(inner) => {
                let items = self.type_schema(inner, children, &format!("{name}Item"))?;
                json!({"type": "array", "items": items})
            }
        })
    }
}

fn strip_description(mut s: Value) -> Value {
    if let Some(o) = s.as_object_mut() {
        o.remove("description");
    }
    s
}

/// What an operation's methods do, for a name: `get`, `update` (PUT or
/// PATCH, with or without POST), else its first method (`post`, `delete`).
fn method_suffix(op: &Operation) -> &'static str {
    if op.methods.iter().any(|m| matches!(m, Method::Put | Method::Patch)) {
        "update"
    } else {
        op.methods.first().map_or("op", |m| m.lower())
    }
}

fn methods(op: &Operation) -> String {
    op.methods.iter().map(|m| m.as_str()).collect::<Vec<_>>().join("/")
}

/// `/roster/apply/batch` → `roster_apply_batch`.
pub fn path_name(path: &str, strip_prefixes: &[String], strip_suffixes: &[String]) -> String {
    let mut p = path;
    for pre in strip_prefixes {
        if let Some(rest) = p.strip_prefix(pre.as_str()) {
            p = rest;
        }
    }
    for suf in strip_suffixes {
        if let Some(rest) = p.strip_suffix(suf.as_str()) {
            p = rest;
        }
    }
    p.split('/').filter(|s| !s.is_empty()).map(|s| s.to_snake_case()).collect::<Vec<_>>().join("_")
}

/// A documented default or example as a JSON value of the field's type.
fn typed_value(ty: &Type, text: &str) -> Value {
    let t = text.trim();
    match ty {
        Type::Int32 | Type::Int64 => t.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(t)),
        Type::Number => t.parse::<f64>().map(Value::from).unwrap_or_else(|_| json!(t)),
        Type::Boolean => match t {
            "true" => json!(true),
            "false" => json!(false),
            _ => json!(t),
        },
        Type::Object | Type::Array(_) => serde_json::from_str(t).unwrap_or_else(|_| json!(t)),
        _ => json!(t),
    }
}

/// An example as JSON when it is JSON (also once `//` comments and trailing
/// commas, which YHChat's examples carry, are set aside by the YHChat
/// parser's JSON reader), else as the text the document shows.
fn example_value(text: &str) -> Value {
    serde_json::from_str(text.trim()).ok().or_else(|| commented_json(text)).unwrap_or_else(|| json!(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commented_examples_become_json() {
        let v = example_value("{\n\"code\": 1, // 请求状态码,1为正常\n\"msg\": \"a // b\", // 返回消息\n}");
        assert_eq!(v, json!({"code": 1, "msg": "a // b"}));
        assert_eq!(example_value("not json"), json!("not json"));
    }

    fn field(name: &str, ty: Type, children: Vec<Field>) -> Field {
        Field { children, ..Field::new(name, ty, 1) }
    }

    #[test]
    fn a_table_registered_again_under_its_name_is_one_component() {
        let o = Overrides::default();
        let mut b = Builder { o: &o, file: "doc.md", schemas: Map::new(), used_schemes: BTreeSet::new() };
        let list = || {
            vec![field("list", Type::Array(Box::new(Type::Object)), vec![field("id", Type::Int64, vec![])])]
        };
        let first = b.object_component("UserAvatarBody", "", &list()).unwrap();
        let again = b.object_component("UserAvatarBody", "", &list()).unwrap();
        assert_eq!(first, again, "the same table on a second method");
        let other = b.object_component("UserAvatarBody", "", &[field("list", Type::String, vec![])]).unwrap();
        assert_eq!(
            other,
            json!({"$ref": "#/components/schemas/UserAvatarBody2"}),
            "a different table gets a number"
        );
        let names: Vec<&String> = b.schemas.keys().collect();
        assert_eq!(
            names,
            ["UserAvatarBody", "UserAvatarBodyListItem", "UserAvatarBody2"],
            "parents before their children, no placeholders left"
        );
    }

    fn op(methods: &[Method], path: &str, line: usize) -> Operation {
        Operation {
            methods: methods.to_vec(),
            path: path.into(),
            section: "s".into(),
            number: None,
            anchor: None,
            summary: String::new(),
            description: None,
            line,
            headers: vec![],
            query: vec![],
            body: None,
            responses: vec![],
        }
    }

    fn names_of(overrides: &str, ops: Vec<Operation>) -> DocResult<Vec<String>> {
        let o = Overrides::parse(
            "o.toml",
            &format!("info = {{ title = \"t\", version = \"1\", description = \"d\" }}\n{overrides}"),
        )
        .unwrap();
        let doc = Document {
            vendor: "v".into(),
            source: "d.md".into(),
            title: "t".into(),
            servers: vec![],
            description: None,
            sections: vec![],
            operations: ops,
        };
        Builder { o: &o, file: "d.md", schemas: Map::new(), used_schemes: BTreeSet::new() }
            .operation_names(&doc)
    }

    #[test]
    fn clashing_derived_names_take_method_names_and_override_names_stay() {
        use Method::*;
        let ops = || {
            vec![
                op(&[Get], "/a/b", 1),
                op(&[Post, Put], "/a/b", 2),
                op(&[Delete], "/a/b", 3),
                op(&[Put], "/a/c", 4),
                op(&[Patch], "/a/c", 5),
                op(&[Get], "/a/d", 6),
            ]
        };
        let names = names_of("", ops()).unwrap();
        assert_eq!(names, ["a_b_get", "a_b_update", "a_b_delete", "a_c_put", "a_c_patch", "a_d"]);
        // An override's name is kept; only the derived one that clashes with it moves.
        let named = "[[operations]]\nmatch = \"GET /a/d\"\nname = \"a_b\"\nreason = \"r\"\n";
        let names = names_of(named, ops()).unwrap();
        assert_eq!(names[..3], ["a_b_get", "a_b_update", "a_b_delete"]);
        assert_eq!(names[5], "a_b");
        // Two override names that clash are the override file's mistake.
        let twice = format!("{named}[[operations]]\nmatch = \"PUT /a/c\"\nname = \"a_b\"\nreason = \"r\"\n");
        let e = names_of(&twice, ops()).unwrap_err();
        assert!(e.message.contains("would both be named `a_b`"), "{e}");
    }

    #[test]
    fn path_names() {
        assert_eq!(path_name("/roster/apply/batch", &[], &[]), "roster_apply_batch");
        assert_eq!(
            path_name("/nimserver/friend/getByAccid.action", &["/nimserver".into()], &[".action".into()]),
            "friend_get_by_accid"
        );
        assert_eq!(
            path_name("/v1/friend/address-book-list", &["/v1".into()], &[]),
            "friend_address_book_list"
        );
    }
}
