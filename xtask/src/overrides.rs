//! Override files (`spec/overrides/<vendor>.toml`): what no document says,
//! written down with a reason. Every rule must match something, so that an
//! override cannot outlive the document defect it was written for.

use crate::error::{DocError, DocResult};
use crate::model::{Body, Document, EnumValue, Field, Media, Method, Operation, Response, Type};
use serde::Deserialize;
use std::cell::Cell;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Where the file was read from, for error messages.
    #[serde(skip)]
    pub file: String,
    /// Rules that find nothing to act on are skipped instead of failing
    /// (`--allow-unused-overrides`: the repository's override file applied
    /// to one section of a document, where most components never appear).
    #[serde(skip)]
    pub allow_unused: bool,
    #[serde(default)]
    pub info: Info,
    #[serde(default)]
    pub naming: Naming,
    pub envelope: Option<Envelope>,
    pub list_envelope: Option<Envelope>,
    #[serde(default)]
    pub sections: Vec<SectionRule>,
    #[serde(default)]
    pub security: Security,
    #[serde(default)]
    pub operations: Vec<OperationRule>,
    #[serde(default)]
    pub fields: Vec<FieldRule>,
    #[serde(default)]
    pub error_codes: Vec<ErrorCode>,
    /// Which error code plays which role for generated code
    /// (`invalid_parameter`, `too_long`, `unauthorized`, `internal`,
    /// `not_found`); each must be one of `error_codes`.
    #[serde(default)]
    pub code_roles: indexmap::IndexMap<String, i64>,
    /// Methods real clients replace by POST (the MaxIM JavaScript SDK sends
    /// only GET and POST): a router also serves such an operation on POST.
    #[serde(default)]
    pub post_also_serves: Vec<Method>,
    /// Components that are one object under several operations.
    #[serde(default)]
    pub shared_schemas: Vec<SharedSchemaRule>,
    /// Names for components the documents describe once.
    #[serde(default)]
    pub schema_names: Vec<SchemaNameRule>,
    /// Whole operations no document lists (the vendor's quick start calls
    /// them); the spec marks them `x-added-by-override`.
    #[serde(default)]
    pub added_operations: Vec<AddedOperation>,
}

/// An operation no document lists, written out in full.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddedOperation {
    /// `METHOD /path`, one literal path.
    pub route: String,
    /// Title of the document section (the tag) it joins.
    pub section: String,
    pub summary: String,
    #[serde(default)]
    pub headers: Vec<AddedField>,
    #[serde(default)]
    pub query: Vec<AddedField>,
    /// JSON body fields; none: no body.
    #[serde(default)]
    pub body: Vec<AddedField>,
    /// Response fields (for MaxIM the envelope's `code`, `message`, `data`).
    pub response: Vec<AddedField>,
    pub reason: String,
}

/// A field of an added operation or body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddedField {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: Type,
    pub required: Option<bool>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub children: Vec<AddedField>,
}

impl AddedField {
    fn to_field(&self) -> Field {
        let mut f = Field::new(self.name.clone(), self.ty.clone(), 0);
        f.required = self.required;
        f.description = self.description.clone();
        f.children = self.children.iter().map(AddedField::to_field).collect();
        f
    }
}

fn json_body(fields: &[AddedField]) -> Body {
    Body {
        media: Media::Json,
        fields: fields.iter().map(AddedField::to_field).collect(),
        message: None,
        example: None,
    }
}

impl AddedOperation {
    /// The operation as a document would have described it.
    fn to_operation(&self) -> DocResult<Operation> {
        let err = |e: String| DocError::new("", 0, format!("added operation `{}`: {e}", self.route));
        let (method, path) = parse_route(&self.route).map_err(err)?;
        let fields = |list: &[AddedField]| list.iter().map(AddedField::to_field).collect();
        Ok(Operation {
            methods: vec![method],
            path: path.to_string(),
            section: self.section.clone(),
            number: None,
            anchor: None,
            summary: self.summary.clone(),
            description: Some(format!(
                "Not in the documents, added by the overrides: {}.",
                self.reason.trim().trim_end_matches('.')
            )),
            line: 0,
            headers: fields(&self.headers),
            query: fields(&self.query),
            body: (!self.body.is_empty()).then(|| json_body(&self.body)),
            responses: vec![Response {
                status: 200,
                media: Media::Json,
                fields: fields(&self.response),
                message: None,
                example: None,
            }],
        })
    }
}

/// One shared component (see `shared_schemas.rs`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedSchemaRule {
    /// The shared component's name.
    pub name: String,
    /// The generated names it replaces; the first one's descriptions are kept.
    pub schemas: Vec<String>,
    pub reason: String,
}

/// A name for an object the documents describe under one operation only,
/// where the derived name (`GroupBannedListDataItem`) says where it is,
/// not what it is (see `shared_schemas.rs`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaNameRule {
    /// The component's new name.
    pub name: String,
    /// The generated name it replaces.
    pub schema: String,
    pub reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Info {
    pub title: String,
    pub version: String,
    pub description: String,
}

/// How ASCII operation names are derived from paths.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Naming {
    /// Path prefixes that carry no meaning (`/nimserver`, `/v1`).
    #[serde(default)]
    pub strip_prefixes: Vec<String>,
    /// Path suffixes that carry no meaning (`.action`).
    #[serde(default)]
    pub strip_suffixes: Vec<String>,
}

/// Response fields shared by every operation, modelled once.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Component name (`Envelope`).
    pub schema: String,
    pub description: String,
    /// Field names that belong to the envelope.
    pub fields: Vec<String>,
    /// Envelope fields that are `null` in some answers (MaxIM `message` on
    /// success).
    #[serde(default)]
    pub nullable: Vec<String>,
    /// The envelope field that carries an operation's result (`data`), if
    /// the dialect nests it; else the result's fields sit beside the
    /// envelope's.
    pub payload: Option<String>,
    /// Envelope values of a successful answer (`code = 200`); nullable
    /// fields not named here are `null`.
    #[serde(default)]
    pub success: toml::Table,
    /// The field that carries an error's text (`message`, `msg`, `desc`).
    pub error_message: Option<String>,
}

/// Gives a document section an ASCII tag name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionRule {
    /// Section title as the document writes it.
    pub title: String,
    pub tag: String,
    #[serde(skip)]
    pub used: Cell<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Security {
    #[serde(default)]
    pub schemes: Vec<Scheme>,
    /// Schemes every operation requires unless an operation rule says else.
    #[serde(default)]
    pub default: Vec<String>,
}

/// An API key carried in a header. The header is then no longer listed as
/// a parameter: Swagger UI's Authorize button fills it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    pub name: String,
    pub header: String,
    pub description: String,
}

/// Selects operations by `METHOD /path` or `/path` (with `*` globs) and
/// says what the document does not.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationRule {
    #[serde(rename = "match")]
    pub pattern: String,
    /// Logical operation name (snake_case), where the path alone is ambiguous.
    pub name: Option<String>,
    /// Security schemes this operation requires instead of the default.
    pub security: Option<Vec<String>>,
    /// Media of the success response (`binary` for downloads).
    pub response_media: Option<Media>,
    /// A paragraph appended to the operation's description: behaviour the
    /// document leaves open and this server decides.
    pub note: Option<String>,
    /// Routes (`METHOD /path`) the document does not list where real clients
    /// call this operation: the spec serves the operation there too, marked
    /// `x-added-by-override`, so that they never count as documented.
    #[serde(default)]
    pub extra_routes: Vec<String>,
    /// A JSON body for an operation whose document gives it none.
    #[serde(default)]
    pub body: Vec<AddedField>,
    pub reason: String,
    #[serde(skip)]
    pub used: Cell<usize>,
}

impl OperationRule {
    /// The extra routes as (method, path); `parse` has checked them.
    pub fn extra_routes(&self) -> impl Iterator<Item = (Method, &str)> + '_ {
        self.extra_routes.iter().filter_map(|r| parse_route(r).ok())
    }
}

/// `GET /app/qrcode/group_sign` → (GET, `/app/qrcode/group_sign`): one
/// method and one literal path.
fn parse_route(route: &str) -> Result<(Method, &str), String> {
    let (m, path) = route.trim().split_once(' ').ok_or_else(|| format!("`{route}` is not `METHOD /path`"))?;
    let method: Method = m.parse()?;
    let path = path.trim();
    if !path.starts_with('/') || path.contains(['*', '|', ' ', '?', '{']) {
        return Err(format!("`{route}`: the path must be one literal path"));
    }
    Ok((method, path))
}

/// Selects fields and sets what the document lacks or gets wrong.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    /// Operations, as in [`OperationRule::pattern`]; default all.
    #[serde(default = "star")]
    pub operation: String,
    /// `header`, `query`, `body`, `response` or `any` (default).
    #[serde(rename = "in", default = "any")]
    pub location: String,
    /// Field name glob (`*_id`), or a dotted path from the top (`data.friends`);
    /// `|` separates alternatives (`limit|device_sn`).
    pub name: String,
    /// Only where the document says one of these types.
    #[serde(default)]
    pub when_type: Vec<Type>,
    #[serde(rename = "type")]
    pub ty: Option<Type>,
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<EnumRule>>,
    pub required: Option<bool>,
    pub proto_number: Option<u32>,
    /// Properties to add (or complete) under an object or array of objects.
    #[serde(default)]
    pub children: Vec<ChildRule>,
    pub reason: String,
    #[serde(skip)]
    pub used: Cell<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumRule {
    pub value: serde_json::Value,
    pub label: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildRule {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: Type,
    #[serde(default)]
    pub description: String,
    pub proto_number: Option<u32>,
    #[serde(default)]
    pub children: Vec<ChildRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorCode {
    pub code: i64,
    /// Rust-friendly name (`TokenExpired`).
    pub name: String,
    pub description: String,
}

fn star() -> String {
    "*".into()
}
fn any() -> String {
    "any".into()
}

impl Overrides {
    pub fn parse(file: &str, text: &str) -> DocResult<Overrides> {
        let mut o: Overrides = toml::from_str(text).map_err(|e| {
            let line =
                e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1).unwrap_or(0);
            DocError::new(file, line, format!("invalid override file: {}", e.message()))
        })?;
        o.file = file.to_string();
        for r in &o.operations {
            for route in &r.extra_routes {
                parse_route(route).map_err(|e| {
                    DocError::new(file, 0, format!("operation rule `{}`: extra route {e}", r.pattern))
                })?;
            }
        }
        for r in &o.fields {
            if !["header", "query", "body", "response", "any"].contains(&r.location.as_str()) {
                return Err(DocError::new(
                    file,
                    0,
                    format!(
                        "field rule `{}`: `in` must be header, query, body, response or any, not `{}`",
                        r.name, r.location
                    ),
                ));
            }
        }
        Ok(o)
    }

    /// The ASCII tag for a section title.
    pub fn tag_for(&self, section: &str) -> Option<&str> {
        self.sections.iter().find(|s| s.title == section).map(|s| {
            s.used.set(s.used.get() + 1);
            s.tag.as_str()
        })
    }

    /// Whether `op` is one of the added operations.
    pub fn is_added(&self, op: &Operation) -> bool {
        self.added_operations
            .iter()
            .any(|a| parse_route(&a.route).is_ok_and(|(m, p)| op.path == p && op.methods.contains(&m)))
    }

    /// Operation rules matching any of the operation's method+path pairs.
    pub fn operation_rules<'a>(&'a self, op: &'a Operation) -> impl Iterator<Item = &'a OperationRule> + 'a {
        self.operations.iter().filter(move |r| {
            let hit = op.methods.iter().any(|m| op_matches(&r.pattern, *m, &op.path));
            if hit {
                r.used.set(r.used.get() + 1);
            }
            hit
        })
    }

    /// Adds the added operations and bodies, then applies the field rules
    /// to every operation of the document.
    pub fn apply_fields(&self, doc: &mut Document) -> DocResult<()> {
        for added in &self.added_operations {
            let op = added.to_operation().map_err(|e| DocError { file: self.file.clone(), ..e })?;
            // A partial document (one section of the vendor's) lacks the
            // sections of most added operations: like any rule that matches
            // nothing, skipped when unused rules are allowed, else an error.
            if !doc.sections.iter().any(|s| s.title == op.section) {
                if self.allow_unused {
                    continue;
                }
                return Err(DocError::new(
                    &self.file,
                    0,
                    format!(
                        "added operation `{}` matches nothing: the document has no section `{}`",
                        added.route, op.section
                    ),
                ));
            }
            if doc.operations.iter().any(|o| o.path == op.path && o.methods.contains(&op.methods[0])) {
                return Err(DocError::new(
                    &self.file,
                    0,
                    format!("added operation `{}` is documented", added.route),
                ));
            }
            doc.operations.push(op);
        }
        for rule in self.operations.iter().filter(|r| !r.body.is_empty()) {
            for op in &mut doc.operations {
                if op.methods.iter().any(|m| op_matches(&rule.pattern, *m, &op.path)) {
                    if op.body.is_some() {
                        return Err(DocError::new(
                            &self.file,
                            0,
                            format!("operation rule `{}`: the document gives a body", rule.pattern),
                        ));
                    }
                    op.body = Some(json_body(&rule.body));
                }
            }
        }
        for op in &mut doc.operations {
            for rule in &self.fields {
                if !op.methods.iter().any(|m| op_matches(&rule.operation, *m, &op.path)) {
                    continue;
                }
                let loc = rule.location.as_str();
                let mut lists: Vec<&mut Vec<Field>> = Vec::new();
                if matches!(loc, "header" | "any") {
                    lists.push(&mut op.headers);
                }
                if matches!(loc, "query" | "any") {
                    lists.push(&mut op.query);
                }
                if matches!(loc, "body" | "any")
                    && let Some(b) = op.body.as_mut()
                {
                    lists.push(&mut b.fields);
                }
                if matches!(loc, "response" | "any") {
                    for r in &mut op.responses {
                        lists.push(&mut r.fields);
                    }
                }
                for list in lists {
                    for f in list.iter_mut() {
                        apply_rule(rule, f, "", &self.file)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Every rule that matched nothing, as one error naming each.
    pub fn check_all_used(&self) -> DocResult<()> {
        let mut unused = Vec::new();
        for s in &self.sections {
            if s.used.get() == 0 {
                unused.push(format!("section `{}`", s.title));
            }
        }
        for r in &self.operations {
            if r.used.get() == 0 {
                unused.push(format!("operation rule `{}`", r.pattern));
            }
        }
        for r in &self.fields {
            if r.used.get() == 0 {
                unused.push(format!("field rule `{}` on `{}` in {}", r.name, r.operation, r.location));
            }
        }
        if unused.is_empty() {
            Ok(())
        } else {
            Err(DocError::new(
                &self.file,
                0,
                format!("overrides that match nothing (remove or fix them): {}", unused.join("; ")),
            ))
        }
    }
}

fn apply_rule(rule: &FieldRule, f: &mut Field, parent: &str, file: &str) -> DocResult<()> {
    let path = if parent.is_empty() { f.name.clone() } else { format!("{parent}.{}", f.name) };
    let hit = rule.name.split('|').any(|n| if n.contains('.') { glob(n, &path) } else { glob(n, &f.name) });
    let type_ok = rule.when_type.is_empty() || rule.when_type.contains(&f.ty);
    if hit && type_ok {
        rule.used.set(rule.used.get() + 1);
        if let Some(t) = &rule.ty {
            f.ty = t.clone();
        }
        if let Some(vals) = &rule.enum_values {
            f.enum_values =
                vals.iter().map(|v| EnumValue { value: v.value.clone(), label: v.label.clone() }).collect();
        }
        if let Some(r) = rule.required {
            f.required = Some(r);
        }
        if let Some(n) = rule.proto_number {
            f.proto_number = Some(n);
        }
        if !rule.children.is_empty() {
            if !f.ty.holds_children() {
                return Err(DocError::new(
                    file,
                    0,
                    format!("field rule `{}` adds children to `{path}`, which is a {}", rule.name, f.ty),
                ));
            }
            merge_children(&mut f.children, &rule.children, f.line);
        }
    }
    // The same name in an empty-named array body is the array's item field.
    let child_parent = if f.name.is_empty() { parent.to_string() } else { path };
    for c in &mut f.children {
        apply_rule(rule, c, &child_parent, file)?;
    }
    Ok(())
}

fn merge_children(children: &mut Vec<Field>, rules: &[ChildRule], line: usize) {
    for r in rules {
        let idx = match children.iter().position(|c| c.name == r.name) {
            Some(i) => i,
            None => {
                children.push(Field::new(r.name.clone(), r.ty.clone(), line));
                children.len() - 1
            }
        };
        let c = &mut children[idx];
        c.ty = r.ty.clone();
        if !r.description.is_empty() {
            c.description = r.description.clone();
        }
        if r.proto_number.is_some() {
            c.proto_number = r.proto_number;
        }
        merge_children(&mut c.children, &r.children, line);
    }
}

/// `METHOD /path` or `/path` against one method and path; `*` matches any
/// run of characters (including `/`), `|` separates alternatives.
pub fn op_matches(pattern: &str, method: Method, path: &str) -> bool {
    pattern.split('|').any(|p| one_op_matches(p, method, path))
}

fn one_op_matches(pattern: &str, method: Method, path: &str) -> bool {
    let pattern = pattern.trim();
    if pattern == "*" {
        return true;
    }
    match pattern.split_once(' ') {
        Some((m, p)) => m.eq_ignore_ascii_case(method.as_str()) && glob(p.trim(), path),
        None => glob(pattern, path),
    }
}

/// Minimal glob: `*` matches any run of characters.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None::<usize>, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_operations_join_the_document_once() {
        let o = Overrides::parse(
            "o.toml",
            r#"
            info = { title = "t", version = "1", description = "d" }
            [[added_operations]]
            route = "GET /user/rosters"
            section = "s"
            summary = "friends"
            headers = [{ name = "user_id", type = "int64", required = true }]
            response = [{ name = "data", type = "array[object]", children = [{ name = "name", type = "string" }] }]
            reason = "the quick start calls it"
            "#,
        )
        .unwrap();
        let mut doc = Document {
            vendor: "x".into(),
            source: "x.md".into(),
            title: "x".into(),
            servers: vec![],
            description: None,
            sections: vec![],
            operations: vec![],
        };
        // Not in a document without its section (a partial one)...
        let err = o.apply_fields(&mut doc.clone()).unwrap_err();
        assert!(err.message.contains("matches nothing"), "{err}");
        // ...but in one that has it.
        doc.sections.push(crate::model::Section { number: None, title: "s".into(), anchor: None });
        o.apply_fields(&mut doc).unwrap();
        let op = &doc.operations[0];
        assert_eq!((op.methods.as_slice(), op.path.as_str()), ([Method::Get].as_slice(), "/user/rosters"));
        assert_eq!(op.headers[0].ty, Type::Int64);
        assert_eq!(op.responses[0].fields[0].children[0].name, "name");
        assert!(op.description.as_deref().unwrap().contains("added by the overrides"));
        assert!(o.is_added(op));
        // A route the document already describes cannot be added again.
        let err = o.apply_fields(&mut doc).unwrap_err();
        assert!(err.message.contains("is documented"), "{err}");
    }

    #[test]
    fn globs() {
        assert!(glob("*_id", "user_id"));
        assert!(!glob("*_id", "user_ids"));
        assert!(glob("/file/download/*", "/file/download/chat"));
        assert!(op_matches("GET /roster/list", Method::Get, "/roster/list"));
        assert!(!op_matches("GET /roster/list", Method::Post, "/roster/list"));
        assert!(op_matches("/token/*", Method::Post, "/token/user"));
    }

    #[test]
    fn unused_rules_are_errors() {
        let o = Overrides::parse(
            "o.toml",
            r#"
            info = { title = "t", version = "1", description = "d" }
            [[fields]]
            name = "nothing_has_this_name"
            type = "int64"
            reason = "test"
            "#,
        )
        .unwrap();
        let mut doc = Document {
            vendor: "x".into(),
            source: "x.md".into(),
            title: "x".into(),
            servers: vec![],
            description: None,
            sections: vec![],
            operations: vec![],
        };
        o.apply_fields(&mut doc).unwrap();
        let err = o.check_all_used().unwrap_err();
        assert!(err.message.contains("nothing_has_this_name"), "{err}");
    }

    #[test]
    fn extra_routes_are_one_method_and_one_path() {
        let rule = |routes: &str| {
            Overrides::parse(
                "o.toml",
                &format!(
                    "info = {{ title = \"t\", version = \"1\", description = \"d\" }}\n\
                     [[operations]]\nmatch = \"POST /a\"\nextra_routes = [{routes}]\nreason = \"r\"\n"
                ),
            )
        };
        let o = rule(r#""GET /app/a", "post  /app/b""#).unwrap();
        let routes: Vec<_> = o.operations[0].extra_routes().collect();
        assert_eq!(routes, [(Method::Get, "/app/a"), (Method::Post, "/app/b")]);
        for (bad, says) in [
            (r#""/app/a""#, "METHOD /path"),
            (r#""FETCH /app/a""#, "unknown HTTP method"),
            (r#""GET /app/*""#, "one literal path"),
            (r#""GET app/a""#, "one literal path"),
        ] {
            let e = rule(bad).unwrap_err().to_string();
            assert!(e.contains(says) && e.contains("POST /a"), "{bad}: {e}");
        }
    }

    #[test]
    fn bad_toml_names_the_line() {
        let err =
            Overrides::parse("o.toml", "info = { title = \"t\" }\n[[fields]]\nbogus = 1\n").unwrap_err();
        assert_eq!(err.file, "o.toml");
        assert!(err.line >= 1, "{err}");
    }
}
