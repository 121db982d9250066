//! Protobuf text-format examples: what a protobuf body holds, shown before
//! its definition.
//!
//! Format:
//!
//! ```text
//! status {
//! number: 114514
//! code: 1 // 请求状态码,1为正常
//! }
//! data {
//! data: {
//! chat_id: "123" // 聊天对象ID
//! temp_text1 = 1 // 未知
//! }
//! // ...单个列表输出完成后,连带list_name一起重复
//! }
//! ```
//!
//! One entry per line: `name: value` (or `name = value`) or `name {` (or
//! `name: {`) opening a block that a `}` line closes. A value is a quoted
//! string or a word up to whitespace, `;` or `,`; what follows it is its
//! description, with or without `//`. A line starting with `//` is skipped.
//! A repeated field shows once per element. The definition (super::proto)
//! is authoritative: this reader gives it example values, the descriptions
//! it lacks, and the fields of a message the document uses but never
//! defines.

use super::tokens::{is_number, number_type};
use crate::error::{DocError, DocResult};
use crate::model::{Field, Type};
use crate::parse::enums::from_description;

/// One `name: value` or `name { ... }` entry of a text-format example.
#[derive(Debug)]
pub(super) struct TNode {
    pub(super) name: String,
    pub(super) line: usize,
    pub(super) block: bool,
    pub(super) value: Option<String>,
    pub(super) quoted: bool,
    pub(super) comment: String,
    pub(super) children: Vec<TNode>,
}

/// Reads line by line and leniently, because the examples carry typos the
/// definition does not (`temp_text1 = 1`, `requestI: 123;`, a missing
/// opening quote, a comment without `//`); only the structure must hold.
pub(super) fn text_example(file: &str, src: &[(usize, &str)]) -> DocResult<Vec<TNode>> {
    let node = |name: &str, line| TNode {
        name: name.into(),
        line,
        block: false,
        value: None,
        quoted: false,
        comment: String::new(),
        children: Vec::new(),
    };
    let note = |rest: &str| {
        let r = rest.trim_start_matches([';', ',']).trim();
        r.strip_prefix("//").unwrap_or(r).trim().to_string()
    };
    let expected = "expected `name: value`, `name {` or `}` in the protobuf text example";
    let mut stack = vec![node("", 0)];
    for &(line, raw) in src {
        let t = raw.trim();
        if t.is_empty() || t.starts_with("//") {
            continue;
        }
        if let Some(rest) = t.strip_prefix('}') {
            if !note(rest).is_empty() && !rest.trim_start_matches([';', ',']).trim().starts_with("//") {
                return Err(DocError::new(file, line, expected));
            }
            let done = if stack.len() > 1 { stack.pop() } else { None };
            match (done, stack.last_mut()) {
                (Some(done), Some(parent)) => parent.children.push(done),
                _ => {
                    return Err(DocError::new(
                        file,
                        line,
                        "unbalanced braces: `}` without a matching `{` in the protobuf text example",
                    ));
                }
            }
            continue;
        }
        let name_end = t.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).unwrap_or(t.len());
        let (name, rest) = t.split_at(name_end);
        if name.is_empty() {
            return Err(DocError::new(file, line, expected));
        }
        let rest = rest.trim_start();
        let value = rest.strip_prefix(':').or_else(|| rest.strip_prefix('=')).map(str::trim_start);
        if let Some(after) = value.unwrap_or(rest).strip_prefix('{') {
            let mut n = node(name, line);
            n.block = true;
            n.comment = note(after);
            stack.push(n);
            continue;
        }
        let Some(v) = value else { return Err(DocError::new(file, line, expected)) };
        let (val, rest, quoted) = match v.strip_prefix('"') {
            Some(q) => match q.split_once('"') {
                Some((val, rest)) => (val, rest, true),
                None => (q, "", true),
            },
            None => {
                let e = v.find(|c: char| c.is_whitespace() || c == ';' || c == ',').unwrap_or(v.len());
                let (val, rest) = v.split_at(e);
                // `botName: 测试机器人名称"`: the opening quote is missing.
                (val.trim_matches('"'), rest, false)
            }
        };
        if val.is_empty() && !quoted {
            return Err(DocError::new(
                file,
                line,
                format!("expected a value after `{name}:` in the protobuf text example"),
            ));
        }
        let mut n = node(name, line);
        n.value = Some(val.to_string());
        n.quoted = quoted;
        n.comment = note(rest);
        if let Some(parent) = stack.last_mut() {
            parent.children.push(n);
        }
    }
    if let Some(open) = stack.get(1) {
        let msg = format!(
            "unbalanced braces: `{} {{` on line {} is never closed (expected `}}`)",
            open.name, open.line
        );
        return Err(DocError::new(file, open.line, msg));
    }
    Ok(stack.pop().map(|root| root.children).unwrap_or_default())
}

/// Fields of a text-format block, for a message the document never defines.
/// Their numbers are unknown (None); an override supplies them.
pub(super) fn text_fields(nodes: &[TNode]) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    for n in nodes {
        // A repeated field shows once per element; the first gives the shape.
        if out.iter().any(|f| f.name == n.name) {
            continue;
        }
        let mut f = if n.block {
            let mut f = Field::new(&n.name, Type::Object, n.line);
            f.children = text_fields(&n.children);
            f
        } else {
            let v = n.value.clone().unwrap_or_default();
            let ty = match v.as_str() {
                _ if n.quoted => Type::String,
                "true" | "false" => Type::Boolean,
                s if is_number(s) => number_type(s),
                _ => Type::String,
            };
            let mut f = Field::new(&n.name, ty, n.line);
            f.example = Some(v);
            f
        };
        f.description = n.comment.clone();
        f.enum_values = from_description(&f.description);
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::{err, with_body};
    use crate::parse::testing::assert_error;

    #[test]
    fn rejects_unbalanced_braces() {
        assert_error(
            &err(&with_body("s {\nx: 1\nProtoBuf数据结构\nmessage M {\nstring x = 1;\n}")),
            9,
            "unbalanced braces: `s {`",
        );
    }
}
