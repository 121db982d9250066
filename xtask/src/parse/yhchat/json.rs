//! JSON with `//` comments: the YHChat bodies and examples.
//!
//! Format:
//!
//! ```text
//! {
//! "chatId": "123", // 目标对象ID
//! // 子对象
//! "sub": {"a": 1.5},
//! "chatType": 2, // 目标对象类别,1-用户,2-群聊,3-机器人
//! }
//! ```
//!
//! JSON read through [`super::tokens`], so `//` starts a comment outside
//! strings, and a trailing comma before `}` or `]` is allowed. A comment
//! after a member describes it (also after the `}` that closes its value);
//! otherwise the comment lines right above it do. Each key appears once per
//! object; a body is an object (its members are the fields) or an array (one
//! unnamed field). Types come from the example values: a string, `true` or
//! `false`, a number (int32, else int64, else number), an object, an array
//! of its first item's type; `null` says nothing.
//!
//! The same reader gives openapi.rs the examples as JSON values
//! ([`commented_json`]).

use super::MAX_DEPTH;
use super::tokens::{Cursor, Notes, Tok, Token, is_number, lex, number_type};
use crate::error::DocResult;
use crate::model::{Field, Type};
use crate::parse::enums::from_description;
use std::collections::{HashMap, HashSet};

/// `text` as a JSON value once its `//` comments and trailing commas are set
/// aside; None when it is not JSON even then. serde_json reads what is left,
/// so everything else is as strict as JSON.
pub fn commented_json(text: &str) -> Option<serde_json::Value> {
    serde_json::from_str(&without_comments(text)?).ok()
}

/// The text without its comments and trailing commas, found where the
/// tokens say they are (so never inside a string), and without the
/// whitespace, JSON's or not, that ends each line; None when a string is
/// never closed on its line.
fn without_comments(text: &str) -> Option<String> {
    let src: Vec<(usize, &str)> = text.lines().enumerate().collect();
    let (toks, comments) = lex("", &src).ok()?;
    let comment_at: HashMap<usize, usize> = comments.iter().map(|c| (c.line, c.col)).collect();
    let trailing_commas: HashSet<(usize, usize)> = toks
        .windows(2)
        .filter_map(|w| match w {
            [Token { tok: Tok::Sym(','), line, col }, Token { tok: Tok::Sym('}' | ']'), .. }] => {
                Some((*line, *col))
            }
            _ => None,
        })
        .collect();
    let mut out = String::new();
    for (line, text) in src {
        let code =
            text.get(..comment_at.get(&line).copied().unwrap_or(text.len())).unwrap_or(text).trim_end();
        out.extend(
            code.char_indices().filter(|(i, _)| !trailing_commas.contains(&(line, *i))).map(|(_, c)| c),
        );
        out.push('\n');
    }
    Some(out)
}

/// A value as read, with the lines that place its field and description.
enum JKind {
    Str(String),
    Num(String),
    Bool(String),
    Null,
    Obj(Vec<(String, usize, JVal)>),
    Arr(Vec<JVal>),
}

struct JVal {
    kind: JKind,
    line: usize,
    /// Line of the closing brace or bracket (`line` for scalars).
    end: usize,
}

pub(super) fn json_fields(file: &str, src: &[(usize, &str)]) -> DocResult<Vec<Field>> {
    let (toks, comments) = lex(file, src)?;
    let notes = Notes::new(&comments);
    let mut p = Cursor { file, toks: &toks, pos: 0 };
    let v = json_value(&mut p, 0)?;
    if let Some(t) = p.next() {
        return Err(match t.tok {
            Tok::Sym('}') | Tok::Sym(']') => {
                p.err(t.line, format!("unbalanced braces: `{}` without a matching opening one", t.tok))
            }
            _ => p.err(
                t.line,
                format!("expected the end of the JSON body after line {}, found `{}`", v.end, t.tok),
            ),
        });
    }
    match &v.kind {
        JKind::Obj(members) => Ok(members.iter().map(|(k, l, m)| json_field(k, *l, m, &notes)).collect()),
        JKind::Arr(_) => Ok(vec![json_field("", v.line, &v, &notes)]),
        _ => Err(p.err(v.line, "expected a JSON object or array as the body")),
    }
}

fn json_value(p: &mut Cursor, depth: usize) -> DocResult<JVal> {
    let Some(t) = p.next() else {
        return Err(p.err(p.end_line(), "expected a JSON value, found the end of the body"));
    };
    if depth > MAX_DEPTH {
        return Err(p.err(t.line, format!("expected at most {MAX_DEPTH} levels of nesting")));
    }
    let line = t.line;
    let kind = match &t.tok {
        Tok::Sym('{') => return json_object(p, line, depth),
        Tok::Sym('[') => return json_array(p, line, depth),
        Tok::Str(s) => JKind::Str(s.clone()),
        Tok::Word(w) if w == "true" || w == "false" => JKind::Bool(w.clone()),
        Tok::Word(w) if w == "null" => JKind::Null,
        Tok::Word(w) if is_number(w) => JKind::Num(w.clone()),
        other => {
            return Err(p.err(line, format!("expected a JSON value (string, number, true, false, null, object or array), found `{other}`")));
        }
    };
    Ok(JVal { kind, line, end: line })
}

fn json_object(p: &mut Cursor, open: usize, depth: usize) -> DocResult<JVal> {
    let unclosed = |p: &Cursor| {
        p.err(open, format!("unbalanced braces: the `{{` on line {open} is never closed (expected `}}`)"))
    };
    let mut members: Vec<(String, usize, JVal)> = Vec::new();
    loop {
        let Some(t) = p.next() else { return Err(unclosed(p)) };
        let key = match &t.tok {
            // Also closes after a trailing comma, which the document has.
            Tok::Sym('}') => return Ok(JVal { kind: JKind::Obj(members), line: open, end: t.line }),
            Tok::Str(k) => k.clone(),
            other => return Err(p.err(t.line, format!("expected a quoted key or `}}`, found `{other}`"))),
        };
        if !p.eat(':') {
            return Err(p.err(t.line, format!("expected `:` after the key \"{key}\"")));
        }
        let v = json_value(p, depth + 1)?;
        if members.iter().any(|(k, ..)| *k == key) {
            return Err(p.err(t.line, format!("duplicate key \"{key}\": expected each key once per object")));
        }
        let end = v.end;
        members.push((key.clone(), t.line, v));
        match p.peek().map(|t| &t.tok) {
            Some(Tok::Sym(',')) => {
                p.next();
            }
            Some(Tok::Sym('}')) => {}
            None => return Err(unclosed(p)),
            Some(other) => {
                return Err(p.err(
                    end,
                    format!("expected `,` or `}}` after the value of \"{key}\", found `{other}`"),
                ));
            }
        }
    }
}

fn json_array(p: &mut Cursor, open: usize, depth: usize) -> DocResult<JVal> {
    let unclosed = |p: &Cursor| {
        p.err(open, format!("unbalanced brackets: the `[` on line {open} is never closed (expected `]`)"))
    };
    let mut items = Vec::new();
    loop {
        match p.peek() {
            None => return Err(unclosed(p)),
            Some(Token { tok: Tok::Sym(']'), line, .. }) => {
                p.next();
                return Ok(JVal { kind: JKind::Arr(items), line: open, end: *line });
            }
            Some(_) => {}
        }
        let v = json_value(p, depth + 1)?;
        let end = v.end;
        items.push(v);
        match p.peek().map(|t| &t.tok) {
            Some(Tok::Sym(',')) => {
                p.next();
            }
            Some(Tok::Sym(']')) => {}
            None => return Err(unclosed(p)),
            Some(other) => {
                return Err(p.err(end, format!("expected `,` or `]` after an array item, found `{other}`")));
            }
        }
    }
}

fn json_field(name: &str, line: usize, v: &JVal, notes: &Notes) -> Field {
    let (ty, example, children) = json_shape(v, notes);
    let mut f = Field::new(name, ty, line);
    f.description = notes.describe(line, v.end);
    f.enum_values = from_description(&f.description);
    f.example = example;
    f.children = children;
    f
}

fn json_shape(v: &JVal, notes: &Notes) -> (Type, Option<String>, Vec<Field>) {
    match &v.kind {
        JKind::Str(s) => (Type::String, Some(s.clone()), Vec::new()),
        JKind::Num(n) => (number_type(n), Some(n.clone()), Vec::new()),
        JKind::Bool(b) => (Type::Boolean, Some(b.clone()), Vec::new()),
        JKind::Null => (Type::Unspecified, None, Vec::new()),
        JKind::Obj(members) => {
            (Type::Object, None, members.iter().map(|(k, l, m)| json_field(k, *l, m, notes)).collect())
        }
        JKind::Arr(items) => match items.first() {
            Some(first) => {
                let (ty, _, children) = json_shape(first, notes);
                (Type::Array(Box::new(ty)), None, children)
            }
            None => (Type::Array(Box::new(Type::Unspecified)), None, Vec::new()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{doc, err, field, op, with_body};
    use super::*;
    use crate::model::Media;
    use crate::parse::testing::assert_error;
    use serde_json::json;

    fn numbered(src: &str) -> Vec<(usize, &str)> {
        src.lines().enumerate().map(|(i, l)| (i + 1, l)).collect()
    }

    #[test]
    fn reads_commented_json() {
        let src = "{\n\"chatId\": \"123\", // 目标对象ID\n\"chatType\": 2, // 目标对象类别,1-用户,2-群聊,3-机器人\n\"big\": 12345678901,\n\"ok\": true,\n// 子对象\n\"sub\": {\"a\": 1.5},\n\"list\": [{\"x\": \"y\"}], // 列表\n}";
        let fs = json_fields("x", &numbered(src)).unwrap();
        let names: Vec<_> = fs.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["chatId", "chatType", "big", "ok", "sub", "list"]);
        assert_eq!(fs[0].ty, Type::String);
        assert_eq!(fs[0].example.as_deref(), Some("123"));
        assert_eq!(fs[0].description, "目标对象ID");
        assert_eq!(fs[1].ty, Type::Int32);
        assert_eq!(fs[1].enum_values.len(), 3);
        assert_eq!(fs[1].line, 3);
        assert_eq!(fs[2].ty, Type::Int64);
        assert_eq!(fs[3].ty, Type::Boolean);
        assert_eq!(fs[4].description, "子对象");
        assert_eq!((fs[4].ty.clone(), fs[4].children[0].ty.clone()), (Type::Object, Type::Number));
        assert_eq!(fs[5].ty, Type::Array(Box::new(Type::Object)));
        assert_eq!((fs[5].children[0].name.as_str(), fs[5].description.as_str()), ("x", "列表"));
        assert!(fs.iter().all(|f| f.required.is_none()));
    }

    #[test]
    fn json_operations() {
        let d = doc();
        let apply = op(&d, "/v1/friend/apply");
        let b = apply.body.as_ref().unwrap();
        assert_eq!(b.media, Media::Json);
        assert!(b.example.as_deref().unwrap().starts_with("{\n\"chatId\""));
        let ct = field(&b.fields, "chatType");
        assert_eq!((ct.line, ct.example.as_deref()), (14, Some("2")));
        let r = &apply.responses[0];
        assert_eq!((r.status, r.media), (200, Media::Json));
        assert_eq!(r.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["code", "msg"]);
    }

    #[test]
    fn rejects_malformed_json() {
        assert_error(
            &err(&with_body("{\n\"a\": 1\n\"b\": 2\n}")),
            10,
            "expected `,` or `}` after the value of \"a\"",
        );
        assert_error(&err(&with_body("{\n\"a\" 1\n}")), 10, "expected `:`");
        assert_error(&err(&with_body("{\n\"a\": oops\n}")), 10, "expected a JSON value");
        assert_error(&err(&with_body("{\n\"a\": \"x\n}")), 10, "closing `\"`");
    }

    #[test]
    fn rejects_unbalanced_braces() {
        assert_error(&err(&with_body("{\n\"a\": {\"b\": 1\n}")), 9, "unbalanced braces");
        let e = err(&with_body("{\n\"a\": 1\n}\n}"));
        assert!(e.message.contains("unbalanced braces"), "{e}");
    }

    #[test]
    fn examples_become_json_values() {
        let text = "{\n\"code\": 1, // 请求状态码,1为正常\n\"msg\": \"a // b, }\", // 返回消息\n\"list\": [1, 2,],\n}";
        assert_eq!(commented_json(text), Some(json!({"code": 1, "msg": "a // b, }", "list": [1, 2]})));
        // What is left is read as strictly as JSON.
        assert_eq!(commented_json("{\"a\": 01} // 注释"), None);
        assert_eq!(commented_json("{\"a\": \"x\ty\"} // 注释"), None);
        assert_eq!(commented_json("{\"a\": \"x} // 注释"), None);
        assert_eq!(commented_json("{\"a\": 1, \"a\": 2} // 注释"), Some(json!({"a": 2})));
        assert_eq!(commented_json("{\"a\": 1}\u{3000} // 注释"), Some(json!({"a": 1})));
    }
}
