//! Parser for the MaxIM "typed" dialect (`spec/docs/maxim/roster.md`):
//!
//! ```text
//! # 3 好友管理接口{#roster}                 section
//! ## 3.1 同意好友申请{#put__roster_accept}  operation
//! > PUT /roster/accept                     one line per method, same path
//! #### 请求头 / 请求参数(Query Param) / 请求体(Request Body) / 响应体 / 接口描述
//! ● 200 响应数据格式：JSON                  a response's status and media
//! |⇥⇥ reason | string | 失败原因 |          ⇥ per nesting level
//! ```
//!
//! The vendor's English edition is the same document with English words:
//! `#### Request Header` / `Query Param` / `Request Body` / `Response Body` /
//! `Interface Description`, `● 200 Response data format:JSON`, columns
//! `Parameter name`, `Data Type` / `Type`, `Required`, `Default`,
//! `Description`. Both are read, also mixed; the required flags and type
//! words are the same (`true`/`false`, `int64`…) in both.
//!
//! Everything comes from pulldown-cmark's blocks; the raw row text is only
//! used to notice rows whose cell count differs from the header, which GFM
//! silently pads or truncates.

use crate::error::{DocError, DocResult};
use crate::model::{Body, Document, Field, Media, Method, Operation, Response, Section};
use crate::parse::markdown::{self, Block, Table};
use crate::parse::rows::{self, Header};
use crate::parse::{Dialect, blank_operation};
use regex::Regex;
use std::sync::LazyLock;

/// `3.1 同意好友申请{#put__roster_accept}`: number, title, anchor.
static HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:(\d+(?:\.\d+)*)\s+)?(.*?)\s*(?:\{#([^}\s]+)\})?$").unwrap());
/// `PUT /roster/accept`
static METHOD_LINE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^([A-Za-z]+)\s+(/\S*)$").unwrap());
/// `● 200 响应数据格式：JSON`, `● 200 Response data format:JSON`
static STATUS_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^●\s*(\d{3})\s*(?:响应数据格式|(?i:response\s+data\s+format))\s*[:：]\s*(\S+)$").unwrap()
});

/// The `####` subsections an operation may have.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Headers,
    Query,
    Body,
    Responses,
    Description,
}

impl Part {
    fn from_heading(text: &str) -> Option<Part> {
        // The Chinese edition's parenthesised English is decoration; match
        // on the Chinese name, or on the English edition's whole heading.
        let name = text.split(['(', '（']).next().unwrap_or("").trim();
        let english = text.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase();
        match (name, english.as_str()) {
            ("请求头", _) | (_, "request header" | "request headers") => Some(Part::Headers),
            ("请求参数", _) | (_, "query param" | "query params" | "query parameters") => {
                Some(Part::Query)
            }
            ("请求体", _) | (_, "request body") => Some(Part::Body),
            ("响应体", _) | (_, "response body") => Some(Part::Responses),
            ("接口描述", _) | (_, "interface description") => Some(Part::Description),
            _ => None,
        }
    }
}

pub fn parse(file: &str, src: &str) -> DocResult<Document> {
    let err = |line: usize, msg: String| DocError::new(file, line, msg);
    let mut doc = Dialect::MaximTyped.empty_document(file);
    let mut op: Option<Operation> = None;
    let mut part: Option<Part> = None;
    // Set by `● 200 …`; the next 响应体 table belongs to it.
    let mut pending: Option<Response> = None;
    let mut doc_text: Vec<String> = Vec::new();
    let mut op_text: Vec<String> = Vec::new();

    let all = markdown::blocks(src);
    let mut iter = all.into_iter().peekable();
    while let Some(block) = iter.next() {
        match block {
            Block::Heading { level: 1, text, line } => {
                finish(&mut doc, &mut op, &mut op_text, &mut pending);
                let (number, title, anchor) = split_heading(&text);
                if title.is_empty() {
                    return Err(err(line, format!("expected `# N title{{#anchor}}`, found `# {text}`")));
                }
                if doc.title.is_empty() {
                    doc.title = title.clone();
                }
                doc.sections.push(Section { number, title, anchor });
                part = None;
            }
            Block::Heading { level: 2, text, line } => {
                finish(&mut doc, &mut op, &mut op_text, &mut pending);
                let section = doc.sections.last().map(|s| s.title.clone()).ok_or_else(|| {
                    err(
                        line,
                        format!("operation `{text}` comes before any `# N title{{#anchor}}` section heading"),
                    )
                })?;
                let (number, summary, anchor) = split_heading(&text);
                // The `> METHOD /path` quotes follow the heading directly.
                let mut methods = Vec::new();
                let mut path: Option<String> = None;
                while let Some(Block::Quote { text: q, line: qline, .. }) = iter.peek() {
                    for (i, l) in q.lines().enumerate() {
                        let (m, p) = method_line(l).ok_or_else(|| {
                            err(
                                qline + i,
                                format!("expected `> METHOD /path` after operation `{text}`, found `> {l}`"),
                            )
                        })?;
                        match &path {
                            Some(prev) if *prev != p => {
                                return Err(err(
                                    qline + i,
                                    format!(
                                        "operation `{text}` lists two paths, `{prev}` and `{p}`; expected one path"
                                    ),
                                ));
                            }
                            _ => path = Some(p),
                        }
                        if !methods.contains(&m) {
                            methods.push(m);
                        }
                    }
                    iter.next();
                }
                let Some(path) = path else {
                    return Err(err(
                        line,
                        format!("operation `{text}` has no `> METHOD /path` line after its heading"),
                    ));
                };
                op = Some(Operation {
                    methods,
                    path,
                    section,
                    number,
                    anchor,
                    summary,
                    line,
                    ..blank_operation()
                });
                part = None;
            }
            Block::Heading { text, line, .. } => {
                if op.is_none() {
                    return Err(err(line, format!("subsection `{text}` outside an operation")));
                }
                part = Some(Part::from_heading(&text).ok_or_else(|| {
                    err(
                        line,
                        format!(
                            "unknown subsection `{text}`; expected 请求头, 请求参数(Query Param), \
                             请求体(Request Body), 响应体 or 接口描述 (in English: Request Header, \
                             Query Param, Request Body, Response Body or Interface Description)"
                        ),
                    )
                })?);
            }
            Block::Table(table) => {
                let Some(o) = op.as_mut() else {
                    return Err(err(table.line, "table outside an operation".into()));
                };
                let twice =
                    |name: &str| err(table.line, format!("a second table under `{name}`; expected one"));
                match part {
                    Some(Part::Headers) if !o.headers.is_empty() => return Err(twice("请求头")),
                    Some(Part::Query) if !o.query.is_empty() => return Err(twice("请求参数")),
                    Some(Part::Body) if o.body.is_some() => return Err(twice("请求体")),
                    Some(Part::Headers) => o.headers = fields(file, &table, Kind::Params)?,
                    Some(Part::Query) => o.query = fields(file, &table, Kind::Params)?,
                    Some(Part::Body) => {
                        let fields = fields(file, &table, Kind::Body)?;
                        o.body = Some(Body { media: Media::Json, fields, message: None, example: None });
                    }
                    Some(Part::Responses) => {
                        let Some(mut r) = pending.take() else {
                            return Err(err(
                                table.line,
                                "响应体 table without a `● 200 响应数据格式：JSON` line before it".into(),
                            ));
                        };
                        r.fields = fields(file, &table, Kind::Response)?;
                        o.responses.push(r);
                    }
                    Some(Part::Description) | None => {
                        return Err(err(table.line, "table outside 请求头, 请求参数, 请求体 and 响应体; expected one of those headings before it".into()));
                    }
                }
            }
            Block::Text { text, line, .. } | Block::Quote { text, line, .. } => {
                let text = text.trim().to_string();
                if text.is_empty() {
                    continue;
                }
                if op.is_none() {
                    doc_text.push(text);
                } else if text.starts_with('|') && part.is_some_and(|p| p != Part::Description) {
                    let first = text.lines().next().unwrap_or("");
                    return Err(err(
                        line,
                        format!("expected a table (header, `|---|` delimiter row, rows), found `{first}`"),
                    ));
                } else if part == Some(Part::Responses) && text.starts_with('●') {
                    let r = status_line(&text).ok_or_else(|| {
                        err(line, format!("expected `● 200 响应数据格式：JSON`, found `{text}`"))
                    })?;
                    // A status line with no table of its own stays, fieldless.
                    if let (Some(prev), Some(o)) = (pending.replace(r), op.as_mut()) {
                        o.responses.push(prev);
                    }
                } else {
                    op_text.push(text);
                }
            }
            Block::Code { text, .. } => {
                let text = text.trim().to_string();
                if text.is_empty() {
                    continue;
                }
                if op.is_none() { doc_text.push(text) } else { op_text.push(text) }
            }
        }
    }
    finish(&mut doc, &mut op, &mut op_text, &mut pending);
    if doc.sections.is_empty() {
        return Err(DocError::new(
            file,
            0,
            "no `# N title{#anchor}` section heading; expected a MaxIM typed document",
        ));
    }
    doc.description = join(doc_text);
    Ok(doc)
}

/// Closes the open operation: its free text becomes the description and a
/// trailing status line without a table becomes a fieldless response.
fn finish(
    doc: &mut Document,
    op: &mut Option<Operation>,
    text: &mut Vec<String>,
    pending: &mut Option<Response>,
) {
    if let Some(mut o) = op.take() {
        if let Some(r) = pending.take() {
            o.responses.push(r);
        }
        o.description = join(std::mem::take(text));
        doc.operations.push(o);
    }
}

fn join(parts: Vec<String>) -> Option<String> {
    if parts.is_empty() { None } else { Some(parts.join("\n")) }
}

fn split_heading(text: &str) -> (Option<String>, String, Option<String>) {
    match HEADING.captures(text.trim()) {
        Some(c) => (
            c.get(1).map(|m| m.as_str().to_string()),
            c.get(2).map_or("", |m| m.as_str()).trim().to_string(),
            c.get(3).map(|m| m.as_str().to_string()),
        ),
        None => (None, text.trim().to_string(), None),
    }
}

fn method_line(line: &str) -> Option<(Method, String)> {
    let c = METHOD_LINE.captures(line.trim())?;
    let method = c.get(1)?.as_str().parse().ok()?;
    Some((method, c.get(2)?.as_str().to_string()))
}

fn status_line(text: &str) -> Option<Response> {
    let c = STATUS_LINE.captures(text)?;
    let status = c.get(1)?.as_str().parse().ok()?;
    let media = match c.get(2)?.as_str().to_ascii_lowercase().as_str() {
        "json" => Media::Json,
        "protobuf" => Media::Protobuf,
        "binary" | "octet-stream" => Media::Binary,
        _ => return None,
    };
    Some(Response { status, media, fields: Vec::new(), message: None, example: None })
}

/// Which table: the columns it must have differ.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// 请求头 and 请求参数: name, type, required, description.
    Params,
    /// 请求体: as `Params` plus 默认值.
    Body,
    /// 响应体: name, type, description; no required column.
    Response,
}

/// The required and default columns' names, Chinese and English.
const REQUIRED: &[&str] = &["必填", "Required"];
const DEFAULT: &[&str] = &["默认值", "Default"];

/// Column positions, found by header name so column order does not matter.
struct Columns {
    name: usize,
    ty: usize,
    required: Option<usize>,
    default: Option<usize>,
    desc: usize,
}

impl Columns {
    fn find(file: &str, table: &Table, kind: Kind) -> DocResult<Columns> {
        let h = Header::new(file, table.line, &table.header);
        Ok(Columns {
            name: h.need(&["参数名称", "Parameter name"])?,
            ty: h.need(&["数据类型", "类型", "Data Type", "Type"])?,
            required: if kind == Kind::Response { h.find(REQUIRED) } else { Some(h.need(REQUIRED)?) },
            default: if kind == Kind::Body { Some(h.need(DEFAULT)?) } else { h.find(DEFAULT) },
            desc: h.need(&["描述", "Description"])?,
        })
    }
}

/// A required cell: `true`/`false` in both editions; `yes`/`no`, `是`/`否`
/// and `必填`/`选填` are read too, in any letter case.
fn required_flag(text: &str, name: &str) -> Result<bool, String> {
    match text.to_lowercase().as_str() {
        "true" | "yes" | "y" | "required" | "是" | "必填" => Ok(true),
        "false" | "no" | "n" | "optional" | "否" | "选填" => Ok(false),
        _ => rows::flag(text, "必填 (Required)", ["true", "false"], name),
    }
}

/// Reads a parameter table into fields, nesting `⇥` rows under the row
/// above them.
fn fields(file: &str, table: &Table, kind: Kind) -> DocResult<Vec<Field>> {
    let cols = Columns::find(file, table, kind)?;
    let mut top: Vec<Field> = Vec::new();
    for row in &table.rows {
        let err = |msg: String| DocError::new(file, row.line, msg);
        let found = markdown::split_row(&row.raw).len();
        if found != table.header.len() {
            return Err(err(format!(
                "table row has {found} cells, expected {} like its header `{}`",
                table.header.len(),
                table.header.join(" | ")
            )));
        }
        let cell = |i: usize| rows::cell(&row.cells, i);
        let (depth, name) = rows::nesting(cell(cols.name));
        let ty_text = cell(cols.ty);
        if ty_text.is_empty() {
            return Err(err(format!("field `{name}` has no type; expected {}", rows::TYPES)));
        }
        let mut field = Field::new(name, rows::parse_type(ty_text, name).map_err(err)?, row.line);
        let required = cols.required.map(cell).filter(|r| !r.is_empty());
        field.required = required.map(|r| required_flag(r, name)).transpose().map_err(err)?;
        field.default = cols.default.map(cell).filter(|d| !d.is_empty()).map(str::to_string);
        rows::describe(&mut field, cell(cols.desc));
        rows::nest(&mut top, depth, field).map_err(err)?;
    }
    Ok(top)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::assert_error;

    const OP: &str = "# 3 好友管理接口{#roster}\n\n## 3.1 同意好友申请{#put__roster_accept}\n\n> PUT /roster/accept\n\n> POST /roster/accept\n\n";
    const RESP: &str = "#### 响应体\n● 200 响应数据格式：JSON\n\n|  参数名称 |  类型 |  描述 |\n|  ------ |  ------ |  ------ |\n";

    fn err(src: &str) -> DocError {
        parse("t.md", src).expect_err("expected a DocError")
    }

    #[test]
    fn heading_parts_and_methods_in_order() {
        let src = format!("{OP}{RESP}| code | int32 | 返回码 |\n#### 接口描述\n> \n");
        let doc = parse("t.md", &src).unwrap();
        assert_eq!(doc.sections[0].number.as_deref(), Some("3"));
        assert_eq!(doc.sections[0].anchor.as_deref(), Some("roster"));
        assert_eq!(doc.title, "好友管理接口");
        let op = &doc.operations[0];
        assert_eq!((op.number.as_deref(), op.summary.as_str()), (Some("3.1"), "同意好友申请"));
        assert_eq!(op.anchor.as_deref(), Some("put__roster_accept"));
        assert_eq!(op.methods, vec![Method::Put, Method::Post]);
        assert_eq!(op.path, "/roster/accept");
        assert_eq!(op.description, None);
        assert_eq!(op.responses[0].status, 200);
        assert_eq!(op.responses[0].fields[0].required, None);
    }

    #[test]
    fn array_body_with_empty_name_keeps_children() {
        let src = format!(
            "{OP}#### 请求体(Request Body)\n|  参数名称 |  数据类型 | 必填  |  默认值 |  描述 |\n|  ------ |  ------ |  ------ |  ------ |  ------ |\n\
             |  | array[object] | true | |rosterApplications|\n|⇥ alias | string | false | x | 备注名称 |\n"
        );
        let body = parse("t.md", &src).unwrap().operations[0].body.clone().unwrap();
        assert_eq!(body.media, Media::Json);
        assert_eq!(body.fields.len(), 1);
        let arr = &body.fields[0];
        assert_eq!(
            (arr.name.as_str(), arr.ty.to_string(), arr.required),
            ("", "array[object]".into(), Some(true))
        );
        assert_eq!(arr.children[0].name, "alias");
        assert_eq!(arr.children[0].default.as_deref(), Some("x"));
        assert_eq!(arr.children[0].line, 13);
    }

    #[test]
    fn description_quote_is_kept() {
        let src = format!("{OP}#### 接口描述\n> 只有好友才能调用\n");
        assert_eq!(
            parse("t.md", &src).unwrap().operations[0].description.as_deref(),
            Some("只有好友才能调用")
        );
    }

    #[test]
    fn child_under_scalar_is_an_error() {
        let src = format!("{OP}{RESP}| code | int32 | 返回码 |\n|⇥ reason | string | 原因 |\n");
        assert_error(&err(&src), 15, "a ⇥ row `reason` under a scalar: `code` is int32");
    }

    #[test]
    fn skipped_level_is_an_error() {
        let src = format!("{OP}{RESP}| data | object | 数据 |\n|⇥⇥ reason | string | 原因 |\n");
        assert_error(&err(&src), 15, "a nesting level was skipped");
    }

    #[test]
    fn operation_without_method_line_is_an_error() {
        assert_error(
            &err("# 3 好友{#roster}\n\n## 3.1 同意{#a}\n\n#### 请求头\n"),
            3,
            "no `> METHOD /path` line",
        );
    }

    #[test]
    fn unknown_type_is_an_error() {
        let e = err(&format!("{OP}{RESP}| code | integer64 | 返回码 |\n"));
        assert_eq!(e.file, "t.md");
        assert_error(&e, 14, "field `code`: unknown type `integer64`");
    }

    #[test]
    fn row_with_wrong_cell_count_is_an_error() {
        assert_error(&err(&format!("{OP}{RESP}| code | int32 |\n")), 14, "has 2 cells, expected 3");
    }

    #[test]
    fn bad_required_and_two_paths_are_errors() {
        let src = format!(
            "{OP}#### 请求头\n|  参数名称 |  数据类型 | 必填 |  描述 |\n|---|---|---|---|\n| app_id | string | maybe | 应用ID |\n"
        );
        assert!(err(&src).message.contains("expected `true` or `false` in 必填 (Required), found `maybe`"));
        for (word, flag) in [("Yes", true), ("是", true), ("FALSE", false), ("No", false), ("选填", false)]
        {
            let src = src.replace("maybe", word);
            assert_eq!(parse("t.md", &src).unwrap().operations[0].headers[0].required, Some(flag), "{word}");
        }
        assert_error(&err("# 3 好友{#roster}\n\n## 3.1 同意{#a}\n\n> PUT /a\n\n> POST /b\n"), 7, "two paths");
    }

    #[test]
    fn table_without_delimiter_or_twice_is_an_error() {
        let e = err(&format!(
            "{OP}#### 请求头\n| 参数名称 | 数据类型 | 必填 | 描述 |\n| app_id | string | true | 应用ID |\n"
        ));
        assert_error(&e, 10, "expected a table");
        assert!(e.message.ends_with("描述 |`"), "{e}");
        let table = "| 参数名称 | 数据类型 | 必填 | 描述 |\n|---|---|---|---|\n| app_id | string | true | 应用ID |\n\n";
        assert_error(&err(&format!("{OP}#### 请求头\n{table}{table}")), 14, "a second table under `请求头`");
    }

    #[test]
    fn response_table_needs_a_status_line() {
        assert_error(
            &err(&format!(
                "{OP}#### 响应体\n|  参数名称 |  类型 |  描述 |\n|---|---|---|\n| code | int32 | 码 |\n"
            )),
            10,
            "● 200",
        );
    }

    #[test]
    fn english_edition_reads_like_the_chinese_one() {
        let en = "# 3 Friend management interface{#roster}\n\n## 3.1 Agree to add friend{#put__roster_accept}\n\n\
                  > PUT /roster/accept\n\n#### Request Header\n|  Parameter name |  Data Type | Required |  Description |\n\
                  |---|---|---|---|\n| app_id | string | true | App ID |\n\n#### Query Param\n\
                  |  Parameter name |  Data Type | Required |  Description |\n|---|---|---|---|\n\
                  | user_id | int64 | true | Consent user ID |\n\n#### Request Body\n\
                  |  Parameter name |  Data Type | Required  |  Default |  Description |\n|---|---|---|---|---|\n\
                  | alias | string | false | x | Name |\n\n#### Response Body\n● 200 Response data format:JSON\n\n\
                  |  Parameter name |  Type |  Description |\n|---|---|---|\n| code | int32 | Return code |\n\
                  #### Interface Description\n> Only friends\n";
        let op = &parse("t.md", en).unwrap().operations[0];
        assert_eq!((op.headers[0].name.as_str(), op.headers[0].required), ("app_id", Some(true)));
        assert_eq!(op.query[0].ty.to_string(), "int64");
        assert_eq!(op.body.as_ref().unwrap().fields[0].default.as_deref(), Some("x"));
        assert_eq!((op.responses[0].status, op.responses[0].fields[0].name.as_str()), (200, "code"));
        assert_eq!(op.description.as_deref(), Some("Only friends"));
        assert_error(&err(&format!("{OP}#### Request Headers Extra\n")), 9, "Request Header, Query Param");
    }

    #[test]
    fn type_words_are_read_in_either_language() {
        let src = format!(
            "{OP}#### Query Param\n| Parameter name | Data Type | Required | Description |\n|---|---|---|---|\n\
             | a | 字符串 | true | x |\n| b | 长整型 | true | x |\n| c | Integer | false | x |\n\
             | d | 布尔 | false | x |\n| e | array[长整型] | false | x |\n"
        );
        let types: Vec<String> =
            parse("t.md", &src).unwrap().operations[0].query.iter().map(|f| f.ty.to_string()).collect();
        assert_eq!(types, ["string", "int64", "int32", "boolean", "array[int64]"]);
    }

    #[test]
    fn garbage_never_panics() {
        for src in ["", "#", "## x", "# 1 a{#b}\n## 1.1 c\n> \n", "|⇥|\n|-|\n|⇥⇥|", "# 1 é{#\n## ⇥"]
        {
            let _ = parse("t.md", src);
        }
    }
}
