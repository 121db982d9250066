//! Protobuf definitions: the `message` blocks after `ProtoBuf数据结构`,
//! resolved into the fields of the body's message.
//!
//! Format (read through super::tokens, so `//` comments describe what they
//! follow or precede, as in JSON):
//!
//! ```text
//! // 聊天对话列表
//! message address_book_list {
//! Status status = 1;
//! repeated Data data = 2;
//! // 列表数据
//! Data data {
//! string list_name = 1; // 聊天对象列表名称
//! }
//! }
//! ```
//!
//! Fields are `[repeated|optional|required] type name = N;` with N from 1 to
//! 536870911, unique per message, as are names; messages nest. `Data data {`
//! is the document's way of writing `message Data {`: a block opened by two
//! words can only be a message. `syntax`, `package`, `import` and `option`
//! statements are skipped. The body's message is the top-level one no other
//! message uses. A field of message type expands into children (a message
//! containing itself is an error); one whose type the document never defines
//! (`Status`) takes its children from the text example (super::text_format).

use super::MAX_DEPTH;
use super::text_format::{TNode, text_fields};
use super::tokens::{Cursor, Notes, Tok, lex};
use crate::error::{DocError, DocResult};
use crate::model::{Field, Type};
use crate::parse::enums::from_description;

#[derive(Debug)]
struct Msg {
    name: String,
    comment: String,
    fields: Vec<PField>,
    nested: Vec<Msg>,
}

#[derive(Debug)]
struct PField {
    repeated: bool,
    ty: String,
    name: String,
    number: u32,
    line: usize,
    comment: String,
}

/// Reads the `message` definitions after `ProtoBuf数据结构` and returns the
/// payload's message (the one no other message uses) with its fields.
pub(super) fn protobuf(
    file: &str,
    mark_line: usize,
    src: &[(usize, &str)],
    example: &[TNode],
) -> DocResult<(String, Vec<Field>)> {
    let (toks, comments) = lex(file, src)?;
    let notes = Notes::new(&comments);
    let mut p = Cursor { file, toks: &toks, pos: 0 };
    let mut top = Vec::new();
    while let Some(t) = p.peek() {
        if let Some((name, line)) = message_head(&mut p) {
            top.push(message_body(&mut p, name, line, &notes, 0)?);
            continue;
        }
        match &t.tok {
            Tok::Word(w) if ["syntax", "package", "import", "option"].contains(&w.as_str()) => {
                while p.next().is_some_and(|t| t.tok != Tok::Sym(';')) {}
            }
            Tok::Sym('}') => return Err(p.err(t.line, "unbalanced braces: `}` without a matching `{`")),
            other => return Err(p.err(t.line, format!("expected `message Name {{`, found `{other}`"))),
        }
    }
    let mut used = Vec::new();
    collect_types(&top, &mut used);
    let Some(main) = top.iter().find(|m| !used.contains(&m.name.as_str())).or(top.first()) else {
        return Err(DocError::new(file, mark_line, "expected `message Name {` after `ProtoBuf数据结构`"));
    };
    let fields = resolve(file, main, &[main], &top, example, &mut vec![main])?;
    Ok((main.name.clone(), fields))
}

/// `message Name {`. The document also writes `Data data {` where it means
/// `message Data {`; a block opened by two words can only be a message, so
/// that form is taken as one named by the first word.
fn message_head(p: &mut Cursor) -> Option<(String, usize)> {
    let (Some(Tok::Word(a)), Some(Tok::Word(b)), Some(Tok::Sym('{'))) =
        (p.tok_at(0), p.tok_at(1), p.tok_at(2))
    else {
        return None;
    };
    let line = p.peek().map_or(0, |t| t.line);
    let name = if a == "message" { b.clone() } else { a.clone() };
    p.pos += 3;
    Some((name, line))
}

fn message_body(p: &mut Cursor, name: String, line: usize, notes: &Notes, depth: usize) -> DocResult<Msg> {
    if depth > MAX_DEPTH {
        return Err(p.err(line, format!("expected at most {MAX_DEPTH} levels of nested messages")));
    }
    let mut msg = Msg { name, comment: notes.describe(line, line), fields: Vec::new(), nested: Vec::new() };
    loop {
        let Some(t) = p.peek() else {
            let m = format!(
                "unbalanced braces: message `{}` opened on line {line} is never closed (expected `}}`)",
                msg.name
            );
            return Err(p.err(line, m));
        };
        if t.tok == Tok::Sym('}') {
            p.next();
            return Ok(msg);
        }
        if let Some((n, l)) = message_head(p) {
            msg.nested.push(message_body(p, n, l, notes, depth + 1)?);
            continue;
        }
        let f = proto_field(p, notes)?;
        if let Some(o) = msg.fields.iter().find(|o| o.number == f.number) {
            let m = format!(
                "duplicate field number {} in message `{}`: `{}` (line {}) already uses it for `{}`",
                f.number, msg.name, o.name, o.line, f.name
            );
            return Err(p.err(f.line, m));
        }
        if msg.fields.iter().any(|o| o.name == f.name) {
            return Err(p.err(f.line, format!("duplicate field name `{}` in message `{}`", f.name, msg.name)));
        }
        msg.fields.push(f);
    }
}

fn proto_field(p: &mut Cursor, notes: &Notes) -> DocResult<PField> {
    let (mut ty, line) = p.word("a field (`type name = N;`), `message Name {` or `}`")?;
    let repeated = ty == "repeated";
    if matches!(ty.as_str(), "repeated" | "optional" | "required") {
        ty = p.word("a field type")?.0;
    }
    let (name, _) = p.word(&format!("a field name after `{ty}`"))?;
    if !p.eat('=') {
        return Err(
            p.err(line, format!("expected `= N` after field `{name}`: a protobuf field needs a number"))
        );
    }
    let (num, _) = p.word(&format!("a field number after `{name} =`"))?;
    let number = num.parse::<u32>().ok().filter(|n| (1..=536_870_911).contains(n)).ok_or_else(|| {
        p.err(line, format!("expected a field number from 1 to 536870911 for `{name}`, found `{num}`"))
    })?;
    if !p.eat(';') {
        return Err(p.err(line, format!("expected `;` after `{name} = {number}`")));
    }
    Ok(PField { repeated, ty, name, number, line, comment: notes.describe(line, line) })
}

fn collect_types<'a>(msgs: &'a [Msg], out: &mut Vec<&'a str>) {
    for m in msgs {
        out.extend(m.fields.iter().map(|f| f.ty.as_str()));
        collect_types(&m.nested, out);
    }
}

fn proto_scalar(ty: &str) -> Option<Type> {
    match ty {
        "double" | "float" | "int32" | "int64" | "uint32" | "uint64" | "sint32" | "sint64" | "bool"
        | "string" | "bytes" => ty.parse().ok(),
        "fixed32" | "sfixed32" => Some(Type::Int32),
        "fixed64" | "sfixed64" => Some(Type::Int64),
        _ => None,
    }
}

/// A message named `name` visible from the message `chain` (innermost last),
/// with the chain that leads to it.
fn lookup<'a>(name: &str, chain: &[&'a Msg], top: &'a [Msg]) -> Option<(&'a Msg, Vec<&'a Msg>)> {
    for (i, scope) in chain.iter().enumerate().rev() {
        if let Some(m) = scope.nested.iter().find(|m| m.name == name) {
            let mut c = chain.get(..=i).unwrap_or(&[]).to_vec();
            c.push(m);
            return Some((m, c));
        }
    }
    top.iter().find(|m| m.name == name).map(|m| (m, vec![m]))
}

/// The fields of `msg`, message-typed ones expanded into children. The
/// definition is authoritative for names, types and numbers; the example
/// (the entries at the same place in the text example) adds example values
/// and the descriptions the definition lacks.
fn resolve<'a>(
    file: &str,
    msg: &'a Msg,
    chain: &[&'a Msg],
    top: &'a [Msg],
    example: &[TNode],
    stack: &mut Vec<&'a Msg>,
) -> DocResult<Vec<Field>> {
    let mut out = Vec::new();
    for f in &msg.fields {
        let ex = example.iter().find(|n| n.name == f.name);
        let mut field = if let Some(ty) = proto_scalar(&f.ty) {
            let mut field = Field::new(&f.name, ty, f.line);
            field.example = ex.filter(|n| !n.block).and_then(|n| n.value.clone());
            field
        } else if let Some((m, scope)) = lookup(&f.ty, chain, top) {
            if stack.iter().any(|s| std::ptr::eq(*s, m)) || stack.len() > MAX_DEPTH {
                let e = format!(
                    "field `{}` makes message `{}` contain itself: expected messages the model can expand into a tree",
                    f.name, m.name
                );
                return Err(DocError::new(file, f.line, e));
            }
            stack.push(m);
            let children = resolve(file, m, &scope, top, ex.map_or(&[][..], |n| &n.children), stack)?;
            stack.pop();
            let mut field = Field::new(&f.name, Type::Object, f.line);
            field.children = children;
            field.description = m.comment.clone();
            field
        } else if let Some(n) = ex.filter(|n| n.block) {
            // The document uses `Status` but defines it nowhere; its text
            // example is all the document says about what it holds.
            let mut field = Field::new(&f.name, Type::Object, f.line);
            field.children = text_fields(&n.children);
            field
        } else {
            let e = format!(
                "unknown protobuf type `{}` for field `{}`: expected a scalar type (string, int32, int64, uint32, uint64, bool, bytes, double, float) or a message defined in the document",
                f.ty, f.name
            );
            return Err(DocError::new(file, f.line, e));
        };
        if f.repeated {
            field.ty = Type::Array(Box::new(field.ty));
        }
        field.proto_number = Some(f.number);
        if !f.comment.is_empty() {
            field.description = f.comment.clone();
        } else if field.description.is_empty() {
            field.description = ex.map(|n| n.comment.clone()).unwrap_or_default();
        }
        field.enum_values = from_description(&field.description);
        out.push(field);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{doc, err, field, op, with_body};
    use super::*;
    use crate::model::Media;
    use crate::parse::testing::assert_error;

    #[test]
    fn reads_the_address_book_messages() {
        let d = doc();
        let o = op(&d, "/v1/friend/address-book-list");
        let body = o.body.as_ref().unwrap();
        assert_eq!((body.media, body.message.as_deref()), (Media::Protobuf, Some("address_book_list_send")));
        assert_eq!(body.fields.len(), 1);
        let number = &body.fields[0];
        assert_eq!(
            (number.name.as_str(), number.ty.clone(), number.proto_number, number.line),
            ("number", Type::String, Some(2), 58)
        );
        assert_eq!(number.description, "请求标识ID,可以随便写");
        assert_eq!(body.example.as_deref(), Some("number: \"123123\" // 请求标识ID,可以随便写"));

        let r = &o.responses[0];
        assert_eq!((r.media, r.message.as_deref()), (Media::Protobuf, Some("address_book_list")));
        let status = field(&r.fields, "status");
        assert_eq!((status.ty.clone(), status.proto_number), (Type::Object, Some(1)));
        let kids: Vec<_> =
            status.children.iter().map(|f| (f.name.as_str(), f.ty.clone(), f.proto_number)).collect();
        assert_eq!(
            kids,
            [("number", Type::Int32, None), ("code", Type::Int32, None), ("msg", Type::String, None)]
        );
        let data = field(&r.fields, "data");
        assert_eq!(
            (data.ty.clone(), data.proto_number, data.description.as_str()),
            (Type::Array(Box::new(Type::Object)), Some(2), "列表数据")
        );
        let inner = field(&data.children, "data");
        assert_eq!((inner.ty.clone(), inner.proto_number), (Type::Array(Box::new(Type::Object)), Some(2)));
        let nd = field(&inner.children, "noDisturb");
        assert_eq!((nd.ty.clone(), nd.proto_number, nd.line), (Type::Boolean, Some(5), 91));
        assert!(inner.children.iter().all(|f| f.name != "field6"));
        assert_eq!(field(&inner.children, "chat_id").example.as_deref(), Some("123"));
    }

    #[test]
    fn reads_the_request_list_message() {
        let d = doc();
        let o = op(&d, "/v1/friend/request-list");
        assert!(o.body.is_none());
        let r = &o.responses[0];
        assert_eq!((r.media, r.message.as_deref()), (Media::Protobuf, Some("Response")));
        let names: Vec<_> = r.fields.iter().map(|f| (f.name.as_str(), f.proto_number)).collect();
        assert_eq!(
            names,
            [("status", Some(1)), ("requests", Some(2)), ("total", Some(3)), ("pending", Some(4))]
        );
        let req = field(&r.fields, "requests");
        assert_eq!(
            (req.ty.clone(), req.description.as_str()),
            (Type::Array(Box::new(Type::Object)), "请求列表")
        );
        assert_eq!(req.children.len(), 20);
        let id = field(&req.children, "requestId");
        assert_eq!(
            (id.ty.clone(), id.proto_number, id.description.as_str()),
            (Type::Int32, Some(18), "请求ID")
        );
        assert_eq!(field(&req.children, "note").proto_number, Some(23));
        assert_eq!(field(&req.children, "sourceType").proto_number, Some(9));
        assert_eq!(field(&req.children, "processedAt").ty, Type::Int64);
        assert!(r.example.as_deref().unwrap().contains("ourceType: 1"));
        assert!(r.example.as_deref().unwrap().ends_with("pending: 0 // 待处理请求数"));
    }

    #[test]
    fn rejects_bad_protobuf() {
        assert_error(
            &err(&with_body("ProtoBuf数据结构\nmessage M {\nFoo foo = 1;\n}")),
            11,
            "unknown protobuf type `Foo`",
        );
        assert_error(
            &err(&with_body("ProtoBuf数据结构\nmessage M {\nstring a;\n}")),
            11,
            "expected `= N` after field `a`",
        );
        assert_error(
            &err(&with_body("ProtoBuf数据结构\nmessage M {\nstring a = 1;\nint32 b = 1;\n}")),
            12,
            "duplicate field number 1 in message `M`",
        );
        assert_error(&err(&with_body("ProtoBuf数据结构\nmessage M {\nM m = 1;\n}")), 11, "contain itself");
    }

    #[test]
    fn rejects_unbalanced_braces() {
        assert_error(
            &err(&with_body("x: 1ProtoBuf数据结构\nmessage M {\nstring x = 1;")),
            10,
            "unbalanced braces: message `M`",
        );
    }
}
