//! Parser for the MaxIM "export" dialect (`spec/docs/maxim/server-api.md`),
//! a document generated from the server's API model:
//!
//! - `## 3<TAB>用户操作` opens a section, `## 3.1<TAB>title` an operation;
//! - `> POST  /user/authmode` right after the operation heading;
//! - `### 请求头`, `### 请求参数(Query Param)`, `### 请求体(Request Body)`
//!   and `### 响应体` (with a `● 200 响应数据格式：JSON` line) each hold
//!   one table; nested rows are marked with leading `⇥`;
//! - `##### 接口描述` holds free text up to the next heading.
//!
//! The exporter writes all request-header rows on one line
//! (`|a||令牌||b||应用ID|`); GFM keeps only the first row, so every row is
//! re-read from its raw text.

use super::markdown::{Block, Table, blocks, clean_cell, split_row};
use super::rows::{self, Header};
use super::{Dialect, blank_operation};
use crate::error::{DocError, DocResult};
use crate::model::{Body, Document, Field, Media, Method, Operation, Response, Section, Type};

pub fn parse(file: &str, src: &str) -> DocResult<Document> {
    let blocks = blocks(src);
    let lines: Vec<&str> = src.lines().collect();
    let mut doc = Dialect::MaximExport.empty_document(file);
    let mut intro: Vec<String> = Vec::new();
    // The section the following operations belong to, and whether any did.
    let mut section: Option<(Section, bool)> = None;

    let mut rest = blocks.as_slice();
    while let Some((first, tail)) = rest.split_first() {
        // A chunk is a heading of level <= 2 and the blocks up to the next one.
        let len = tail
            .iter()
            .position(|b| matches!(b, Block::Heading { level, .. } if *level <= 2))
            .unwrap_or(tail.len());
        let (body, next) = tail.split_at(len);
        let end = match next.first() {
            Some(Block::Heading { line, .. }) => *line,
            _ => lines.len() + 1,
        };
        match first {
            Block::Heading { level: 1, text, .. } if doc.title.is_empty() => doc.title = text.clone(),
            Block::Heading { level: 2, text, line } => {
                let (number, title) = split_number(text);
                if number.as_deref().is_some_and(|n| n.contains('.')) {
                    let Some((sec, used)) = section.as_mut() else {
                        return Err(DocError::new(
                            file,
                            *line,
                            "operation heading before any section heading; expected `## N<TAB>section title` first",
                        ));
                    };
                    *used = true;
                    let cx = Cx { file, lines: &lines };
                    doc.operations.push(cx.operation(number, title, *line, &sec.title, body, end)?);
                } else {
                    if let Some((sec, true)) = section.take() {
                        doc.sections.push(sec);
                    }
                    section = Some((Section { number, title, anchor: None }, false));
                    intro_text(file, body, &mut doc.servers, &mut intro)?;
                }
            }
            // Before the first section: the title and a `[toc]` marker.
            _ => {}
        }
        rest = next;
    }
    if let Some((sec, true)) = section {
        doc.sections.push(sec);
    }
    if doc.title.is_empty() {
        return Err(DocError::new(file, 1, "expected a `# title` heading"));
    }
    if !intro.is_empty() {
        doc.description = Some(intro.join("\n\n"));
    }
    Ok(doc)
}

/// `3.1\t设置头像` → (`3.1`, `设置头像`).
fn split_number(text: &str) -> (Option<String>, String) {
    let text = text.trim();
    if let Some((num, title)) = text.split_once(char::is_whitespace)
        && num.starts_with(|c: char| c.is_ascii_digit())
        && num.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        return (Some(num.trim_end_matches('.').to_string()), title.trim().to_string());
    }
    (None, text.to_string())
}

/// Content of a section without operations (environment, intro): URLs of
/// the environment table become servers, text goes to the description under
/// its sub-heading.
fn intro_text(
    file: &str,
    body: &[Block],
    servers: &mut Vec<String>,
    intro: &mut Vec<String>,
) -> DocResult<()> {
    let mut heading: Option<&str> = None;
    let mut group: Vec<String> = Vec::new();
    let mut flush = |heading: Option<&str>, group: &mut Vec<String>| {
        if !group.is_empty() {
            intro.push(
                heading.into_iter().map(str::to_string).chain(group.drain(..)).collect::<Vec<_>>().join("\n"),
            );
        }
    };
    for b in body {
        let text = match b {
            Block::Heading { text, .. } => {
                flush(heading, &mut group);
                heading = Some(text);
                continue;
            }
            Block::Table(t) => {
                for (_, cells) in records(file, t)? {
                    servers.extend(
                        cells.into_iter().filter(|c| c.starts_with("http://") || c.starts_with("https://")),
                    );
                }
                continue;
            }
            Block::Text { raw, .. } => raw.trim(),
            Block::Quote { text, .. } | Block::Code { text, .. } => text.trim(),
        };
        if !text.is_empty() {
            group.push(text.to_string());
        }
    }
    flush(heading, &mut group);
    Ok(())
}

/// Where the tables of an operation go, by the `###` heading above them.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Start,
    Headers,
    Query,
    Body,
    Response,
    Description,
}

struct Cx<'a> {
    file: &'a str,
    lines: &'a [&'a str],
}

impl Cx<'_> {
    fn err(&self, line: usize, msg: impl Into<String>) -> DocError {
        DocError::new(self.file, line, msg)
    }

    /// One `## N.M<TAB>title` chunk; `end` is the line of the next `##`.
    fn operation(
        &self,
        number: Option<String>,
        summary: String,
        line: usize,
        section: &str,
        body: &[Block],
        end: usize,
    ) -> DocResult<Operation> {
        let mut methods = Vec::new();
        let mut path: Option<String> = None;
        let mut i = 0;
        while let Some(Block::Quote { text, line: qline, .. }) = body.get(i) {
            for (k, l) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let (m, p) = self.method_line(l, qline + k)?;
                if path.as_ref().is_some_and(|old| *old != p) {
                    return Err(self.err(
                        qline + k,
                        format!(
                            "`{p}` differs from the operation's path `{}`; one heading has one path",
                            path.unwrap_or_default()
                        ),
                    ));
                }
                methods.push(m);
                path = Some(p);
            }
            i += 1;
        }
        let Some(path) = path else {
            return Err(self.err(
                line,
                format!(
                    "operation `{summary}` has no `> METHOD /path` line; expected one right after the heading"
                ),
            ));
        };
        let mut op = Operation {
            methods,
            path,
            section: section.to_string(),
            number,
            summary,
            line,
            ..blank_operation()
        };
        let mut part = Part::Start;
        let mut response_heading: Option<usize> = None;
        for (j, b) in body.iter().enumerate().skip(i) {
            match b {
                Block::Heading { level: 3, text, line } => {
                    part = match text.as_str() {
                        "请求头" => Part::Headers,
                        "请求参数(Query Param)" => Part::Query,
                        "请求体(Request Body)" => {
                            op.body = Some(Body {
                                media: Media::Json,
                                fields: Vec::new(),
                                message: None,
                                example: None,
                            });
                            Part::Body
                        }
                        "响应体" => {
                            response_heading = Some(*line);
                            Part::Response
                        }
                        _ => {
                            return Err(self.err(
                                *line,
                                format!("unknown sub-heading `### {text}`; expected 请求头, 请求参数(Query Param), 请求体(Request Body) or 响应体"),
                            ));
                        }
                    }
                }
                Block::Heading { level: 5, text, line } if text == "接口描述" => {
                    let next = body.iter().skip(j + 1).find_map(|b| match b {
                        Block::Heading { line, .. } => Some(*line),
                        _ => None,
                    });
                    op.description = self.description(*line, next.unwrap_or(end));
                    part = Part::Description;
                }
                Block::Heading { level, text, line } => {
                    let hashes = "#".repeat(usize::from(*level));
                    return Err(self.err(
                        *line,
                        format!("unexpected heading `{hashes} {text}` in an operation; expected `### 请求头`-style sub-headings or `##### 接口描述`"),
                    ));
                }
                // Free text and examples, already taken verbatim from the source.
                _ if part == Part::Description => {}
                Block::Text { text, line, .. } if part == Part::Response && text.starts_with('●') => {
                    op.responses.push(self.status_line(text, *line)?);
                }
                Block::Table(t) => self.table(&mut op, part, t)?,
                Block::Text { line, .. } | Block::Quote { line, .. } | Block::Code { line, .. } => {
                    return Err(self.err(*line, "unexpected text in an operation; expected a table under `### 请求头`, `### 请求参数(Query Param)`, `### 请求体(Request Body)` or `### 响应体`, or text under `##### 接口描述`"));
                }
            }
        }
        if let (Some(l), true) = (response_heading, op.responses.is_empty()) {
            return Err(self.err(l, "`### 响应体` without a `● 200 响应数据格式：JSON` line"));
        }
        Ok(op)
    }

    /// `POST  /user/authmode`
    fn method_line(&self, text: &str, line: usize) -> DocResult<(Method, String)> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let [m, p] = words.as_slice() else {
            return Err(self.err(
                line,
                format!("expected `> METHOD /path` after the operation heading, found `> {}`", text.trim()),
            ));
        };
        let method = m.parse::<Method>().map_err(|e| {
            self.err(line, format!("{e} in `> {}`; expected GET, POST, PUT, DELETE or PATCH", text.trim()))
        })?;
        if !p.starts_with('/') {
            return Err(self.err(line, format!("expected a path starting with `/` in `> {}`", text.trim())));
        }
        Ok((method, p.to_string()))
    }

    /// `● 200 响应数据格式：JSON`
    fn status_line(&self, text: &str, line: usize) -> DocResult<Response> {
        let expected = || self.err(line, format!("expected `● 200 响应数据格式：JSON`, found `{text}`"));
        let rest = text.trim_start_matches('●').trim();
        let (status, format) = rest.split_once(char::is_whitespace).ok_or_else(expected)?;
        let status: u16 = status.parse().map_err(|_| expected())?;
        let format = format.rsplit(['：', ':']).next().unwrap_or_default().trim();
        if !format.eq_ignore_ascii_case("json") {
            return Err(self.err(line, format!("unknown response format `{format}`; expected JSON")));
        }
        Ok(Response { status, media: Media::Json, fields: Vec::new(), message: None, example: None })
    }

    /// Source lines after the `##### 接口描述` heading up to the next heading,
    /// without the `>` quote markers.
    fn description(&self, heading: usize, end: usize) -> Option<String> {
        // `heading` is 1-based, so it is also the 0-based index of the next line.
        let body = self.lines.get(heading..end.saturating_sub(1)).unwrap_or_default();
        let text = body
            .iter()
            .map(|l| match l.strip_prefix('>') {
                Some(r) => r.strip_prefix(' ').unwrap_or(r),
                None => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_string())
    }

    fn table(&self, op: &mut Operation, part: Part, t: &Table) -> DocResult<()> {
        let second =
            |what: &str| self.err(t.line, format!("a second table under `### {what}`; expected one"));
        let fields = self.fields(t)?;
        let (slot, what) = match part {
            Part::Headers => (&mut op.headers, "请求头"),
            Part::Query => (&mut op.query, "请求参数(Query Param)"),
            Part::Body => match op.body.as_mut() {
                Some(b) => (&mut b.fields, "请求体(Request Body)"),
                None => return Err(second("请求体(Request Body)")),
            },
            Part::Response => match op.responses.last_mut() {
                Some(r) => (&mut r.fields, "响应体"),
                None => {
                    return Err(self
                        .err(t.line, "response table without a `● 200 响应数据格式：JSON` line before it"));
                }
            },
            Part::Start | Part::Description => {
                return Err(self.err(t.line, "table outside `### 请求头`, `### 请求参数(Query Param)`, `### 请求体(Request Body)` or `### 响应体`"));
            }
        };
        if !slot.is_empty() {
            return Err(second(what));
        }
        // Only a request body may be an array (one top-level row, no name).
        let array_body = part == Part::Body && fields.len() == 1;
        if let Some(f) = fields.iter().find(|f| f.name.is_empty() && !array_body) {
            return Err(self.err(
                f.line,
                "row with an empty 参数名称; only a request body's single top-level row may have none",
            ));
        }
        *slot = fields;
        Ok(())
    }

    /// The rows of a field table, nested by their leading `⇥`.
    fn fields(&self, t: &Table) -> DocResult<Vec<Field>> {
        if let Some(h) = t
            .header
            .iter()
            .find(|h| !["参数名称", "数据类型", "类型", "默认值", "不为空", "描述"].contains(&h.as_str()))
        {
            return Err(self.err(
                t.line,
                format!(
                    "unknown column `{h}`; expected 参数名称, 数据类型 (or 类型), 默认值, 不为空 and 描述"
                ),
            ));
        }
        let h = Header::new(self.file, t.line, &t.header);
        let name_col = h.need(&["参数名称"])?;
        let (ty_col, default_col, required_col, desc_col) =
            (h.find(&["数据类型", "类型"]), h.find(&["默认值"]), h.find(&["不为空"]), h.find(&["描述"]));

        let mut roots: Vec<Field> = Vec::new();
        for (line, cells) in records(self.file, t)? {
            let err = |msg: String| self.err(line, msg);
            let cell =
                |c: Option<usize>| c.and_then(|i| cells.get(i)).map(|s| clean_cell(s)).unwrap_or_default();
            let (depth, name) = rows::nesting(cells.get(name_col).map_or("", String::as_str));
            let ty = match ty_col {
                Some(_) => rows::parse_type(&cell(ty_col), name).map_err(err)?,
                None => Type::Unspecified,
            };
            let mut field = Field::new(name, ty, line);
            field.required = match cell(required_col).as_str() {
                "" => None,
                // The export writes `false` everywhere: it does not know.
                r => rows::flag(r, "不为空", ["true", "false"], name).map_err(err)?.then_some(true),
            };
            field.default = Some(cell(default_col)).filter(|d| !d.is_empty());
            rows::describe(&mut field, &cell(desc_col));
            rows::nest(&mut roots, depth, field).map_err(err)?;
            if depth > 0 && name.is_empty() {
                return Err(err("nested row with an empty 参数名称".into()));
            }
        }
        Ok(roots)
    }
}

/// The table's data rows as (line, cells), read from the raw text because
/// the export runs rows together (`|a||x||b||y|`): a line of k rows has
/// k * (columns + 1) - 1 cells, the rows joined by an empty cell.
fn records(file: &str, t: &Table) -> DocResult<Vec<(usize, Vec<String>)>> {
    let n = t.header.len();
    let mut out = Vec::new();
    for row in &t.rows {
        let mut cells = split_row(&row.raw);
        let count = cells.len();
        // The missing joiner after the last row makes every row n + 1 wide.
        cells.push(String::new());
        let chunks: Vec<&[String]> = cells.chunks(n + 1).collect();
        let fits = n > 0
            && cells.len().is_multiple_of(n + 1)
            && chunks.iter().all(|c| c.last().is_some_and(String::is_empty));
        if !fits {
            return Err(DocError::new(
                file,
                row.line,
                format!(
                    "table row has {count} cells but the header has {n} columns; expected {n} cells, or rows of {n} cells joined by `||` on one line"
                ),
            ));
        }
        out.extend(chunks.into_iter().map(|c| (row.line, c.iter().take(n).cloned().collect())));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::assert_error;

    const HEADERS: &str = "### 请求头\n| 参数名称 | 默认值 | 描述 |\n| ------ | ------ | ------ |\n";
    const BODY: &str = "### 请求体(Request Body)\n| 参数名称 | 数据类型 | 默认值 | 不为空 | 描述 |\n| ------ | ------ | ------ | ------ | ------ |\n";
    const RESPONSE: &str = "### 响应体\n● 200 响应数据格式：JSON\n| 参数名称 | 类型 | 默认值 | 不为空 | 描述 |\n| ------ | ------ | ------ | ------ | ------ |\n";

    /// A document with one operation whose content starts on line 6.
    fn doc(op: &str) -> String {
        format!("# T\n## 3\t用户操作\n\n## 3.1\t设置头像\n\n{op}")
    }

    fn ok(op: &str) -> Operation {
        let d = parse("x.md", &doc(op)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.operations.len(), 1);
        d.operations.into_iter().next().unwrap()
    }

    fn err(op: &str) -> DocError {
        parse("x.md", &doc(op)).expect_err("should fail")
    }

    fn names(fs: &[Field]) -> Vec<&str> {
        fs.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn document_frame() {
        let src = "# 文档\n[toc]\n## 1\t环境变量\n\n### 默认环境1\n| 参数名 | 字段值 |\n| ------ | ------ |\n|baseUrl|http://api.example.cn|\n\n\
                   ## 2\t简介\n\n##### 说明\n> \n\n##### 文档版本\n```\nv1.0\n```\n\n## 3\t用户操作\n\n## 3.1\t设置头像\n\n> POST  /user/avatar\n";
        let d = parse("x.md", src).unwrap();
        assert_eq!((d.vendor.as_str(), d.title.as_str(), d.source.as_str()), ("maxim", "文档", "x.md"));
        assert_eq!(d.servers, ["http://api.example.cn"]);
        assert_eq!(d.description.as_deref(), Some("文档版本\nv1.0"));
        assert_eq!(
            d.sections,
            [Section { number: Some("3".into()), title: "用户操作".into(), anchor: None }]
        );
        let op = &d.operations[0];
        assert_eq!(
            (op.methods.as_slice(), op.path.as_str(), op.number.as_deref()),
            ([Method::Post].as_slice(), "/user/avatar", Some("3.1"))
        );
        assert_eq!((op.summary.as_str(), op.section.as_str(), op.line), ("设置头像", "用户操作", 22));
        assert!(op.body.is_none() && op.responses.is_empty() && op.description.is_none());
    }

    #[test]
    fn run_together_header_rows() {
        let op =
            ok(&format!("> GET  /a\n{HEADERS}|access-token||令牌||app_id|1|应用ID||user_id||用户<br>ID|\n"));
        assert_eq!(names(&op.headers), ["access-token", "app_id", "user_id"]);
        assert!(op.headers.iter().all(|f| f.ty == Type::Unspecified && f.required.is_none() && f.line == 10));
        assert_eq!(op.headers[1].default.as_deref(), Some("1"));
        assert_eq!(op.headers[2].description, "用户\nID");
    }

    #[test]
    fn query_rows_on_separate_lines() {
        let op = ok(
            "> GET  /a\n### 请求参数(Query Param)\n| 参数名称 | 默认值 | 描述 |\n| ------ | ------ | ------ |\n|to_type||1: 用户，2: 群组|\n|limit|20|limit|\n",
        );
        assert_eq!(names(&op.query), ["to_type", "limit"]);
        assert_eq!((op.query[0].line, op.query[1].line), (10, 11));
        assert_eq!(op.query[0].enum_values.len(), 2);
        assert_eq!(op.query[1].default.as_deref(), Some("20"));
        assert_eq!(op.query[1].ty, Type::Unspecified);
    }

    #[test]
    fn three_level_nesting() {
        let op = ok(&format!(
            "> POST  /a\n{BODY}| list|array[object]||true||\n|⇥ from|object||false||\n|⇥⇥ xid|object||false||\n|⇥⇥⇥ uid|int32||false||\n|⇥ to|array[int64]||false||\n| n|string||false||\n"
        ));
        let body = op.body.unwrap();
        assert_eq!(body.media, Media::Json);
        assert_eq!(names(&body.fields), ["list", "n"]);
        let list = &body.fields[0];
        assert_eq!((list.ty.to_string(), list.required), ("array[object]".into(), Some(true)));
        assert_eq!(names(&list.children), ["from", "to"]);
        let uid = &list.children[0].children[0].children[0];
        assert_eq!((uid.name.as_str(), &uid.ty, uid.line, uid.required), ("uid", &Type::Int32, 13, None));
    }

    #[test]
    fn br_and_json_in_cells() {
        let op = ok(&format!(
            "> POST  /a\n{BODY}| audience|object||false|推送目标:<br>\"all\"<br>{{\"tag\":[\"tag1\",\"tag2\"]}} 表示标签<br>|\n"
        ));
        assert_eq!(
            op.body.unwrap().fields[0].description,
            "推送目标:\n\"all\"\n{\"tag\":[\"tag1\",\"tag2\"]} 表示标签"
        );
    }

    #[test]
    fn array_body_with_empty_name() {
        let op = ok(&format!("> POST  /a\n{BODY}| |array[object]||false||\n|⇥ uid|int64||false||\n"));
        let f = &op.body.unwrap().fields[0];
        assert_eq!((f.name.as_str(), names(&f.children)), ("", vec!["uid"]));
        assert_error(
            &err(&format!("> POST  /a\n{BODY}| |array[object]||false||\n| uid|int64||false||\n")),
            10,
            "empty 参数名称",
        );
    }

    #[test]
    fn response_without_table() {
        let op = ok(
            "> GET  /file/download/avatar\n### 响应体\n● 200 响应数据格式：JSON\n\n##### 接口描述\n> \n\n\n",
        );
        assert_eq!(
            op.responses,
            [Response { status: 200, media: Media::Json, fields: vec![], message: None, example: None }]
        );
        assert_eq!(op.description, None);
    }

    #[test]
    fn response_envelope() {
        let op = ok(&format!(
            "> GET  /a\n{RESPONSE}| code|int32||false|返回码|\n| data|object||false||\n|⇥ task_id|int32||false|任务ID|\n| message|string||false||\n"
        ));
        let r = &op.responses[0];
        assert_eq!(names(&r.fields), ["code", "data", "message"]);
        assert_eq!(names(&r.fields[1].children), ["task_id"]);
    }

    #[test]
    fn description_with_json() {
        let op = ok(
            "> POST  /push\n##### 接口描述\n> 发送推送通知。\n常用请求格式如下:\n1. 推送文本\n{\n  \"audience\": \"all\",\n  \"message\": {\"type\": \"text\"}\n}\n\n\n\n",
        );
        assert_eq!(
            op.description.as_deref(),
            Some(
                "发送推送通知。\n常用请求格式如下:\n1. 推送文本\n{\n  \"audience\": \"all\",\n  \"message\": {\"type\": \"text\"}\n}"
            )
        );
    }

    #[test]
    fn malformed_row() {
        let e = err(&format!("> GET  /a\n{HEADERS}|access-token||令牌||app_id|\n"));
        assert_eq!(e.file, "x.md");
        assert_error(&e, 10, "has 5 cells but the header has 3 columns");
        // Two rows must be joined by an empty cell.
        let e = err(&format!("> GET  /a\n{HEADERS}|a||x|b||y|\n"));
        assert_eq!(e.line, 10);
        let e = err(&format!("> GET  /a\n{BODY}| avatar|string||false|\n"));
        assert!(e.message.contains("has 4 cells but the header has 5 columns"), "{e}");
    }

    #[test]
    fn unknown_type() {
        assert_error(
            &err(&format!("> POST  /a\n{BODY}| avatar|string||false||\n| n|varchar||false||\n")),
            11,
            "field `n`: unknown type `varchar`",
        );
    }

    #[test]
    fn nesting_errors() {
        assert_error(
            &err(&format!("> POST  /a\n{BODY}| a|string||false||\n|⇥ b|int32||false||\n")),
            11,
            "a ⇥ row `b` under a scalar: `a` is string",
        );
        let e = err(&format!(
            "> POST  /a\n{BODY}| a|object||false||\n|⇥ b|int32||false||\n|⇥⇥ c|int32||false||\n"
        ));
        assert_error(&e, 12, "a ⇥⇥ row `c` under a scalar: `b` is int32");
        assert_error(
            &err(&format!("> POST  /a\n{BODY}| a|object||false||\n|⇥⇥ b|int32||false||\n")),
            11,
            "a nesting level was skipped",
        );
        assert_error(
            &err(&format!("> POST  /a\n{BODY}|⇥ b|int32||false||\n")),
            10,
            "must follow a row without ⇥",
        );
    }

    #[test]
    fn missing_method_line() {
        assert_error(&err(&format!("{HEADERS}|a||b|\n")), 4, "has no `> METHOD /path` line");
        assert_error(&err("> 说明\n"), 6, "expected `> METHOD /path`");
    }

    #[test]
    fn unknown_method() {
        assert_error(&err("> FETCH  /a\n"), 6, "unknown HTTP method `FETCH`");
    }

    #[test]
    fn other_errors() {
        assert_error(
            &err(&format!(
                "> GET  /a\n### 响应体\n{}",
                &RESPONSE["### 响应体\n● 200 响应数据格式：JSON\n".len()..]
            )),
            8,
            "without a `● 200",
        );
        let e = err("> GET  /a\n### 响应体\n● 200 响应数据格式：XML\n");
        assert_eq!((e.line, e.message.as_str()), (8, "unknown response format `XML`; expected JSON"));
        let e = err("> GET  /a\n### 返回\n");
        assert_eq!(e.line, 7);
        assert_error(&err(&format!("> GET  /a\n{HEADERS}|a||b|\n{HEADERS}|c||d|\n")), 12, "second table");
        let e = parse("x.md", "# T\n## 3.1\t孤儿\n> GET  /a\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(parse("x.md", "## 3\t无标题\n").is_err());
    }

    #[test]
    fn never_panics_on_odd_input() {
        for src in [
            "",
            "|",
            "# T\n## 3\ta\n## 3.1\t\n>",
            "# T\n## 3\ta\n## 3.1 b\n> GET /a\n### 请求头\n| 参数名称 |\n| - |\n|⇥⇥|\n",
            "# T\n## 3\ta\n## 3.1 b\n> GET /a\n##### 接口描述",
        ] {
            let _ = parse("x.md", src);
        }
    }
}
