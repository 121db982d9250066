//! Parser for the YHChat dialect (`spec/docs/yhchat/*.md`): pages scraped from
//! the vendor's site. Each operation is a summary line, a `METHOD /path` line,
//! a `请求头:` table, and `请求体:` / `响应体:` parts holding either JSON with
//! `//` comments, or a protobuf text-format example, `ProtoBuf数据结构` and a
//! `message` definition.
//!
//! The scrape lost the line breaks after closing braces, so whatever follows
//! is glued to them (`}响应体:`, `}删除用户/群聊/机器人`), and
//! `ProtoBuf数据结构` is glued to the end of the example before it. GFM also
//! reads every line after the first header table as a (lazy) row of that
//! table. So the parser flattens pulldown-cmark's blocks back into source
//! lines, keeping the cells of the real `|` rows, splits the glued pieces
//! apart, and reads the JSON and protobuf parts with small readers of its own.

use super::enums::from_description;
use super::markdown::{Block, blocks, clean_cell, split_row};
use super::rows::{Header, parse_type};
use super::{Dialect, blank_operation};
use crate::error::{DocError, DocResult};
use crate::model::{Body, Document, Field, Media, Method, Operation, Response, Section, Type};
use regex::Regex;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

const PROTO_MARK: &str = "ProtoBuf数据结构";
/// Deeper nesting than any real body; the limit keeps hostile input from
/// overflowing the stack of the recursive readers.
const MAX_DEPTH: usize = 64;

static PROTO_MARK_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)protobuf\s*数据结构").unwrap());
static METHOD_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^([A-Z]{3,7})\s+(/\S*)$").unwrap());
static URL_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"https?://[^\s，。、,;；)）"'<>]+"#).unwrap());

pub fn parse(file: &str, src: &str) -> DocResult<Document> {
    let pieces = pieces(src);
    let err = |line: usize, msg: String| DocError::new(file, line, msg);

    let mut starts: Vec<(usize, Method, String)> = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        if let Some((m, path)) = method_line(p) {
            let method = m
                .parse::<Method>()
                .map_err(|e| err(p.line, format!("{e}: expected GET, POST, PUT, DELETE or PATCH")))?;
            starts.push((i, method, path.to_string()));
        } else if p.glued
            && part(&p.text).is_none()
            && p.text != PROTO_MARK
            && pieces.get(i + 1).is_none_or(|n| method_line(n).is_none())
        {
            return Err(err(
                p.line,
                format!(
                    "expected a `METHOD /path` line (e.g. `POST /v1/friend/apply`) after the operation summary `{}`",
                    p.text
                ),
            ));
        }
    }
    if starts.is_empty() {
        return Err(err(0, "expected operations: a summary line followed by a `METHOD /path` line (e.g. `POST /v1/friend/apply`)".into()));
    }

    // Each summary is the line right before its METHOD line, after the title
    // and after the previous operation.
    let mut summaries = Vec::new();
    for (k, (m, method, path)) in starts.iter().enumerate() {
        let lo = match k.checked_sub(1).and_then(|j| starts.get(j)) {
            Some((prev, ..)) => prev + 1,
            None => 1,
        };
        let s = m.checked_sub(1).filter(|&s| s >= lo).filter(|&s| pieces.get(s).is_some_and(is_summary));
        let Some(s) = s else {
            let line = pieces.get(*m).map_or(0, |p| p.line);
            return Err(err(
                line,
                format!(
                    "expected an operation summary line before `{method} {path}` (and the document title before the first one)"
                ),
            ));
        };
        summaries.push(s);
    }

    let intro = pieces.get(..summaries.first().copied().unwrap_or(0)).unwrap_or(&[]);
    let Some(title) = intro.first().filter(|p| p.cells.is_none()) else {
        return Err(err(1, "expected the document title on the first line".into()));
    };
    let title = title.text.clone();
    let mut servers: Vec<String> = Vec::new();
    let mut description = Vec::new();
    for p in intro.get(1..).unwrap_or(&[]) {
        let urls: Vec<String> =
            URL_RE.find_iter(&p.text).map(|m| m.as_str().trim_end_matches('.').to_string()).collect();
        if urls.is_empty() {
            description.push(p.text.as_str());
        }
        for u in urls {
            if !servers.contains(&u) {
                servers.push(u);
            }
        }
    }

    let mut operations = Vec::new();
    for (k, (m, method, path)) in starts.iter().enumerate() {
        let end = summaries.get(k + 1).copied().unwrap_or(pieces.len());
        let region = pieces.get(m + 1..end).unwrap_or(&[]);
        let summary = summaries.get(k).and_then(|&s| pieces.get(s));
        let Some(summary) = summary else { continue };
        operations.push(operation(file, &title, summary, *method, path, region)?);
    }

    Ok(Document {
        title: title.clone(),
        servers,
        description: (!description.is_empty()).then(|| description.join("\n")),
        sections: vec![Section { number: None, title, anchor: None }],
        operations,
        ..Dialect::Yhchat.empty_document(file)
    })
}

// ---------------------------------------------------------------------------
// Lines

/// One source line, or part of one where the scrape glued two together.
#[derive(Debug, Clone, PartialEq)]
struct Piece {
    line: usize,
    text: String,
    /// Cells of a real `|` table row (or the table's header).
    cells: Option<Vec<String>>,
    /// Text that followed a closing brace on the same line.
    glued: bool,
}

fn pieces(src: &str) -> Vec<Piece> {
    let src_lines: Vec<&str> = src.lines().collect();
    let source_line = |n: usize| n.checked_sub(1).and_then(|i| src_lines.get(i)).copied().unwrap_or("");
    let mut out = Vec::new();
    for block in blocks(src) {
        match block {
            Block::Heading { text, line, .. } => split_glued(&mut out, line, &text, false),
            Block::Text { raw, line, .. } => {
                for (i, l) in raw.lines().enumerate() {
                    split_glued(&mut out, line + i, l, false);
                }
            }
            Block::Quote { raw, line, .. } => {
                for (i, l) in raw.lines().enumerate() {
                    let l = l.trim_start();
                    split_glued(&mut out, line + i, l.strip_prefix('>').unwrap_or(l), false);
                }
            }
            Block::Code { text, line, .. } => {
                let fence = source_line(line).trim_start();
                let first =
                    if fence.starts_with("```") || fence.starts_with("~~~") { line + 1 } else { line };
                for (i, l) in text.lines().enumerate() {
                    split_glued(&mut out, first + i, l, false);
                }
            }
            Block::Table(t) => {
                out.push(Piece {
                    line: t.line,
                    text: source_line(t.line).trim().to_string(),
                    cells: Some(t.header),
                    glued: false,
                });
                for r in t.rows {
                    if r.raw.trim_start().starts_with('|') {
                        out.push(Piece {
                            line: r.line,
                            text: r.raw.trim().to_string(),
                            cells: Some(r.cells),
                            glued: false,
                        });
                    } else {
                        // A lazy continuation row: plain text GFM kept in the table.
                        split_glued(&mut out, r.line, &r.raw, false);
                    }
                }
            }
        }
    }
    out
}

fn split_glued(out: &mut Vec<Piece>, line: usize, text: &str, glued: bool) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    let piece = |text: &str, glued| Piece { line, text: text.to_string(), cells: None, glued };
    if let Some(rest) = text.strip_prefix('}') {
        let rest = rest.trim_start();
        // `},` `}]` `} // ...` are JSON or protobuf; anything else starts the next part.
        if rest.chars().next().is_some_and(|c| !"}]),;/".contains(c)) {
            out.push(piece("}", false));
            return split_glued(out, line, rest, true);
        }
    }
    if let Some(m) = PROTO_MARK_RE.find(text) {
        split_glued(out, line, text.get(..m.start()).unwrap_or(""), glued);
        out.push(piece(PROTO_MARK, false));
        split_glued(out, line, text.get(m.end()..).unwrap_or(""), false);
        return;
    }
    out.push(piece(text, glued));
}

fn method_line(p: &Piece) -> Option<(&str, &str)> {
    if p.cells.is_some() {
        return None;
    }
    let c = METHOD_RE.captures(&p.text)?;
    Some((c.get(1)?.as_str(), c.get(2)?.as_str()))
}

fn is_summary(p: &Piece) -> bool {
    p.cells.is_none()
        && part(&p.text).is_none()
        && p.text != PROTO_MARK
        && !p.text.starts_with(['{', '}', '[', ']'])
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Part {
    Headers,
    Request,
    Response,
}

fn part(text: &str) -> Option<Part> {
    match text.trim_end_matches([':', '：']).trim() {
        "请求头" => Some(Part::Headers),
        "请求体" => Some(Part::Request),
        "响应体" => Some(Part::Response),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Operations

fn operation(
    file: &str,
    section: &str,
    summary: &Piece,
    method: Method,
    path: &str,
    region: &[Piece],
) -> DocResult<Operation> {
    let mut description = Vec::new();
    let mut parts: Vec<(Part, usize, Vec<&Piece>)> = Vec::new();
    for p in region {
        match part(&p.text).filter(|_| p.cells.is_none()) {
            Some(kind) => {
                if parts.iter().any(|(k, ..)| *k == kind) {
                    let msg = format!(
                        "expected one `{}` per operation: a second one means the next operation's `METHOD /path` line is missing",
                        p.text
                    );
                    return Err(DocError::new(file, p.line, msg));
                }
                parts.push((kind, p.line, Vec::new()));
            }
            None => match parts.last_mut() {
                Some((_, _, ps)) => ps.push(p),
                None => description.push(p.text.as_str()),
            },
        }
    }
    let mut op = Operation {
        methods: vec![method],
        path: path.to_string(),
        section: section.to_string(),
        summary: summary.text.clone(),
        description: (!description.is_empty()).then(|| description.join("\n")),
        line: summary.line,
        ..blank_operation()
    };
    for (kind, line, ps) in &parts {
        match kind {
            Part::Headers => op.headers = header_table(file, *line, ps)?,
            Part::Request => {
                let p = payload(file, *line, ps)?;
                op.body =
                    Some(Body { media: p.media, fields: p.fields, message: p.message, example: p.example });
            }
            Part::Response => {
                let p = payload(file, *line, ps)?;
                op.responses.push(Response {
                    status: 200,
                    media: p.media,
                    fields: p.fields,
                    message: p.message,
                    example: p.example,
                });
            }
        }
    }
    Ok(op)
}

fn header_table(file: &str, marker_line: usize, rows: &[&Piece]) -> DocResult<Vec<Field>> {
    let expected = "expected a `| 名称 | 必须 | 备注 |` table after `请求头:`";
    let mut cols: Option<[Option<usize>; 4]> = None;
    let mut fields = Vec::new();
    for p in rows {
        let cells: Vec<String> = match &p.cells {
            Some(c) => c.clone(),
            // A pipe row pulldown-cmark did not see as a table (no delimiter row).
            None if p.text.starts_with('|') => split_row(&p.text).iter().map(|c| clean_cell(c)).collect(),
            None => return Err(DocError::new(file, p.line, expected)),
        };
        if cells.iter().all(|c| !c.is_empty() && c.trim_matches(':').chars().all(|ch| ch == '-')) {
            continue;
        }
        let Some([name, required, desc, ty]) = cols else {
            let h = Header::new(file, p.line, &cells);
            let name = Some(h.need(&["名称", "参数", "参数名", "name"])?);
            let (required, desc) = (
                h.find(&["必须", "必填", "是否必须", "required"]),
                h.find(&["备注", "说明", "描述", "description"]),
            );
            cols = Some([name, required, desc, h.find(&["类型", "type"])]);
            continue;
        };
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).map_or("", |c| c.trim());
        let n = cell(name);
        if n.is_empty() {
            return Err(DocError::new(file, p.line, "expected a header name in the `名称` column"));
        }
        let ty = match cell(ty) {
            "" => Type::String,
            t => parse_type(t, n).map_err(|e| DocError::new(file, p.line, e))?,
        };
        let mut f = Field::new(n, ty, p.line);
        f.required = match cell(required) {
            "是" | "必须" | "必填" | "Y" | "y" | "yes" | "true" => Some(true),
            "否" | "N" | "n" | "no" | "false" => Some(false),
            "" => None,
            other => {
                return Err(DocError::new(
                    file,
                    p.line,
                    format!("expected `是` or `否` in the `必须` column, found `{other}`"),
                ));
            }
        };
        f.description = match cell(desc) {
            "无" | "-" => String::new(),
            d => d.to_string(),
        };
        f.enum_values = from_description(&f.description);
        fields.push(f);
    }
    if cols.is_none() {
        return Err(DocError::new(file, marker_line, expected));
    }
    Ok(fields)
}

struct Payload {
    media: Media,
    fields: Vec<Field>,
    message: Option<String>,
    example: Option<String>,
}

fn payload(file: &str, marker_line: usize, ps: &[&Piece]) -> DocResult<Payload> {
    let lines: Vec<(usize, &str)> = ps.iter().map(|p| (p.line, p.text.as_str())).collect();
    let joined = |ls: &[(usize, &str)]| {
        let s = ls.iter().map(|(_, t)| *t).collect::<Vec<_>>().join("\n");
        (!s.is_empty()).then_some(s)
    };
    if let Some(pos) = lines.iter().position(|(_, t)| *t == PROTO_MARK) {
        let (example, def) = lines.split_at(pos);
        let mark_line = def.first().map_or(marker_line, |(l, _)| *l);
        let nodes = text_example(file, example)?;
        let (message, fields) = protobuf(file, mark_line, def.get(1..).unwrap_or(&[]), &nodes)?;
        return Ok(Payload {
            media: Media::Protobuf,
            fields,
            message: Some(message),
            example: joined(example),
        });
    }
    match lines.first() {
        None => Err(DocError::new(
            file,
            marker_line,
            "expected a JSON body or a protobuf example after this line",
        )),
        Some((_, t)) if t.starts_with(['{', '[']) => Ok(Payload {
            media: Media::Json,
            fields: json_fields(file, &lines)?,
            message: None,
            example: joined(&lines),
        }),
        Some((line, _)) => Err(DocError::new(
            file,
            *line,
            "expected a JSON body starting with `{` or a protobuf text example followed by `ProtoBuf数据结构`",
        )),
    }
}

// ---------------------------------------------------------------------------
// Tokens shared by the JSON and protobuf readers

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Sym(char),
    Str(String),
    Word(String),
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Sym(c) => write!(f, "{c}"),
            Tok::Str(s) => write!(f, "\"{s}\""),
            Tok::Word(w) => f.write_str(w),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

struct Comment {
    line: usize,
    text: String,
    /// Nothing but the comment on its line.
    own_line: bool,
}

const SYMS: &str = "{}[]:,=;<>()";

fn lex(file: &str, src: &[(usize, &str)]) -> DocResult<(Vec<Token>, Vec<Comment>)> {
    let mut toks = Vec::new();
    let mut comments = Vec::new();
    let starts_comment = |text: &str, i: usize| text.get(i..).is_some_and(|r| r.starts_with("//"));
    for &(line, text) in src {
        let mut it = text.char_indices().peekable();
        let mut own_line = true;
        while let Some((i, c)) = it.next() {
            if c.is_whitespace() {
                continue;
            }
            if starts_comment(text, i) {
                let body = text.get(i + 2..).unwrap_or("").trim().to_string();
                comments.push(Comment { line, text: body, own_line });
                break;
            }
            own_line = false;
            let tok = if c == '"' {
                let mut s = String::new();
                let mut closed = false;
                while let Some((_, d)) = it.next() {
                    match d {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => match it.next() {
                            Some((_, 'n')) => s.push('\n'),
                            Some((_, 't')) => s.push('\t'),
                            Some((_, e)) => s.push(e),
                            None => break,
                        },
                        _ => s.push(d),
                    }
                }
                if !closed {
                    return Err(DocError::new(file, line, "expected a closing `\"` for the string"));
                }
                Tok::Str(s)
            } else if SYMS.contains(c) {
                Tok::Sym(c)
            } else {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = it.peek() {
                    if d.is_whitespace() || d == '"' || SYMS.contains(d) || starts_comment(text, j) {
                        break;
                    }
                    end = j + d.len_utf8();
                    it.next();
                }
                Tok::Word(text.get(i..end).unwrap_or("").to_string())
            };
            toks.push(Token { tok, line });
        }
    }
    Ok((toks, comments))
}

/// The comments of a JSON body or protobuf definition, by line.
struct Notes {
    trailing: HashMap<usize, String>,
    own: HashMap<usize, String>,
}

impl Notes {
    fn new(comments: &[Comment]) -> Self {
        let mut n = Notes { trailing: HashMap::new(), own: HashMap::new() };
        for c in comments {
            let map = if c.own_line { &mut n.own } else { &mut n.trailing };
            map.entry(c.line).or_insert_with(|| c.text.clone());
        }
        n
    }

    /// What describes the item on `line` whose value closes on `end`: the
    /// comment after it, else the comment lines right above it.
    fn describe(&self, line: usize, end: usize) -> String {
        if let Some(t) = self.trailing.get(&line).or_else(|| self.trailing.get(&end)) {
            return t.clone();
        }
        let mut above = Vec::new();
        let mut l = line;
        while let Some(t) = l.checked_sub(1).and_then(|p| {
            l = p;
            self.own.get(&p)
        }) {
            above.push(t.as_str());
        }
        above.reverse();
        above.join("\n")
    }
}

struct Cursor<'a> {
    file: &'a str,
    toks: &'a [Token],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.pos)
    }
    fn tok_at(&self, n: usize) -> Option<&'a Tok> {
        self.toks.get(self.pos + n).map(|t| &t.tok)
    }
    fn next(&mut self) -> Option<&'a Token> {
        let t = self.toks.get(self.pos);
        self.pos += usize::from(t.is_some());
        t
    }
    fn eat(&mut self, c: char) -> bool {
        let hit = self.tok_at(0) == Some(&Tok::Sym(c));
        self.pos += usize::from(hit);
        hit
    }
    fn end_line(&self) -> usize {
        self.toks.last().map_or(0, |t| t.line)
    }
    fn err(&self, line: usize, msg: impl Into<String>) -> DocError {
        DocError::new(self.file, line, msg)
    }
    fn word(&mut self, what: &str) -> DocResult<(String, usize)> {
        match self.next() {
            Some(Token { tok: Tok::Word(w), line }) => Ok((w.clone(), *line)),
            Some(t) => Err(self.err(t.line, format!("expected {what}, found `{}`", t.tok))),
            None => {
                Err(self.err(self.end_line(), format!("expected {what}, found the end of the definition")))
            }
        }
    }
}

fn is_number(w: &str) -> bool {
    w.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && w.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
        && w.parse::<f64>().is_ok()
}

fn number_type(n: &str) -> Type {
    if n.parse::<i32>().is_ok() {
        Type::Int32
    } else if n.parse::<i64>().is_ok() || n.parse::<u64>().is_ok() {
        Type::Int64
    } else {
        Type::Number
    }
}

// ---------------------------------------------------------------------------
// JSON with `//` comments

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

fn json_fields(file: &str, src: &[(usize, &str)]) -> DocResult<Vec<Field>> {
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
            Some(Token { tok: Tok::Sym(']'), line }) => {
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

// ---------------------------------------------------------------------------
// Protobuf text-format examples

/// One `name: value` or `name { ... }` entry of a text-format example.
#[derive(Debug)]
struct TNode {
    name: String,
    line: usize,
    block: bool,
    value: Option<String>,
    quoted: bool,
    comment: String,
    children: Vec<TNode>,
}

/// Reads line by line and leniently, because the examples carry typos the
/// definition does not (`temp_text1 = 1`, `requestI: 123;`, a missing
/// opening quote, a comment without `//`); only the structure must hold.
fn text_example(file: &str, src: &[(usize, &str)]) -> DocResult<Vec<TNode>> {
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
fn text_fields(nodes: &[TNode]) -> Vec<Field> {
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

// ---------------------------------------------------------------------------
// Protobuf definitions

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
fn protobuf(
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
    use super::*;
    use crate::parse::testing::assert_error;

    const FILE: &str = "spec/docs/yhchat/friend.md";
    const DOC: &str = include_str!("../../../spec/docs/yhchat/friend.md");

    fn doc() -> Document {
        parse(FILE, DOC).unwrap()
    }

    fn op<'a>(d: &'a Document, path: &str) -> &'a Operation {
        d.operations.iter().find(|o| o.path == path).unwrap()
    }

    fn field<'a>(fs: &'a [Field], name: &str) -> &'a Field {
        fs.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no field {name}"))
    }

    fn lines(src: &str) -> Vec<(usize, &str)> {
        src.lines().enumerate().map(|(i, l)| (i + 1, l)).collect()
    }

    /// A one-operation document whose request body is `body`; the body starts on line 9.
    fn with_body(body: &str) -> String {
        format!(
            "t\n添加\nPOST /v1/friend/apply\n请求头:\n| 名称 | 必须 | 备注 |\n|---|---|---|\n| token | 是 | 无 |\n请求体:\n{body}\n响应体:\n{{\n\"code\": 1\n}}\n"
        )
    }

    fn err(src: &str) -> DocError {
        parse("x.md", src).unwrap_err()
    }

    #[test]
    fn reads_commented_json() {
        let src = "{\n\"chatId\": \"123\", // 目标对象ID\n\"chatType\": 2, // 目标对象类别,1-用户,2-群聊,3-机器人\n\"big\": 12345678901,\n\"ok\": true,\n// 子对象\n\"sub\": {\"a\": 1.5},\n\"list\": [{\"x\": \"y\"}], // 列表\n}";
        let fs = json_fields("x", &lines(src)).unwrap();
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
    fn splits_glued_summaries_and_markers() {
        let ps = pieces("t\n}删除用户/群聊/机器人\nPOST /x\n}响应体:\na: 1 // 注释ProtoBuf数据结构\n},\n");
        let texts: Vec<_> = ps.iter().map(|p| (p.line, p.text.as_str(), p.glued)).collect();
        assert_eq!(
            texts,
            [
                (1, "t", false),
                (2, "}", false),
                (2, "删除用户/群聊/机器人", true),
                (3, "POST /x", false),
                (4, "}", false),
                (4, "响应体:", true),
                (5, "a: 1 // 注释", false),
                (5, PROTO_MARK, false),
                (6, "},", false),
            ]
        );
        let d = doc();
        let summaries: Vec<_> = d.operations.iter().map(|o| (o.line, o.summary.as_str())).collect();
        assert_eq!(
            summaries,
            [
                (5, "添加用户/群聊/机器人"),
                (20, "删除用户/群聊/机器人"),
                (34, "处理用户/群聊/机器人添加申请"),
                (48, "获取所有聊天对象"),
                (95, "获取对象请求列表"),
                (159, "设置会话免打扰"),
            ]
        );
    }

    #[test]
    fn reads_the_intro_and_headers() {
        let d = doc();
        assert_eq!(d.title, "friend");
        assert_eq!(d.servers, ["https://chat-go.jwzhd.com"]);
        assert_eq!(d.sections.len(), 1);
        for o in &d.operations {
            assert_eq!(o.headers.len(), 1);
            let h = &o.headers[0];
            assert_eq!(
                (h.name.as_str(), h.required, h.ty.clone(), h.description.as_str()),
                ("token", Some(true), Type::String, "")
            );
        }
        let delete = op(&d, "/v1/friend/delete-friend");
        assert_eq!(delete.body.as_ref().unwrap().fields.len(), 2);
    }

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
        assert_error(
            &err(&with_body("x: 1ProtoBuf数据结构\nmessage M {\nstring x = 1;")),
            10,
            "unbalanced braces: message `M`",
        );
        assert_error(
            &err(&with_body("s {\nx: 1\nProtoBuf数据结构\nmessage M {\nstring x = 1;\n}")),
            9,
            "unbalanced braces: `s {`",
        );
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
    fn rejects_an_operation_without_method_line() {
        let mut src = with_body("{\n\"a\": 1\n}");
        src = src.trim_end().to_string()
            + "删除\n请求头:\n| 名称 | 必须 | 备注 |\n|---|---|---|\n| token | 是 | 无 |\n";
        let e = err(&src);
        assert_error(&e, 15, "expected a `METHOD /path` line");
        assert!(e.message.contains("`删除`"), "{e}");
        let e = err("t\n没有接口\n");
        assert!(e.message.contains("`METHOD /path`"), "{e}");
        assert_error(&err("t\nPOST /a\n"), 2, "summary");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse("x.md", &s);
        }

        #[test]
        fn never_panics_on_damaged_document(cut in 0usize..8000, drop in 0usize..200) {
            let s: String = DOC.chars().take(cut).collect();
            let _ = parse("x.md", &s);
            let s: String = DOC.lines().enumerate().filter(|(i, _)| *i != drop).map(|(_, l)| format!("{l}\n")).collect();
            let _ = parse("x.md", &s);
        }
    }
}
