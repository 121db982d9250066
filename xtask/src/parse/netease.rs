//! Parser for the NetEase dialect (`spec/docs/netease/friend.md`): a web
//! page saved as text. It has no Markdown headings and no code fences, its
//! code blocks lost their fences but kept their language label glued to the
//! first line (`curlcurl -X POST …`, `json"Content-Type": …`), and the page
//! wraps long table cells onto following lines.
//!
//! Parsing is two steps. [`normalise`] rewrites the page, in memory, as the
//! Markdown it was rendered from: the title line becomes `#`, operation
//! titles `##`, the fixed section names (功能描述, URL, 请求参数 …) `###`,
//! example captions `####`, code blocks get fences back and broken table
//! rows are joined; it records the source line of every line it writes.
//! Then pulldown-cmark (through [`markdown::blocks`]) reads the result and
//! [`parse`] walks the blocks.

use crate::error::{DocError, DocResult};
use crate::model::{Body, Document, Field, Media, Method, Operation, Response, Section, Type};
use crate::parse::markdown::{self, Block, Table};
use crate::parse::rows::{self, Header};
use crate::parse::{Dialect, blank_operation};
use regex::Regex;
use std::sync::LazyLock;

/// Section names the page uses as headings, in the order they appear.
const KEYWORDS: [&str; 7] = ["功能描述", "API 使用限制", "URL", "请求参数", "返回参数", "示例", "状态码"];
/// Sections that open an operation: the line before them is its title.
const OPENERS: [&str; 4] = ["功能描述", "API 使用限制", "URL", "请求参数"];
/// Page furniture, not documentation.
const CHROME: [&str; 2] = ["此文档是否对你有帮助?", "此文档是否对你有帮助？"];
/// Bullets every 请求参数 section repeats; the headers they point to
/// (AppKey, Nonce, CurTime, CheckSum) are described in another document.
const BOILERPLATE: [&str; 2] = ["请求中 Headers 的设置", "请求中 Body 的设置"];

/// `POST https://api.netease.im/nimserver/friend/add.action HTTP/1.1`
static URL_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z]+)\s+(https?://[^/\s]+)(/\S*)(?:\s+HTTP/[\d.]+)?$").unwrap());
/// `---|---|---|` with at least one pipe.
static DELIMITER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?$|^\|\s*:?-+:?\s*\|$").unwrap());

pub fn parse(file: &str, src: &str) -> DocResult<Document> {
    let norm = normalise(file, src)?;
    let mut doc = Dialect::Netease.empty_document(file);
    let mut doc_text: Vec<String> = Vec::new();
    let mut draft: Option<Draft> = None;
    let mut part = Part::Notes;

    for block in markdown::blocks(&norm.text) {
        match block {
            Block::Heading { level: 1, text, .. } => doc.title = text,
            Block::Heading { level: 2, text, line } => {
                finish(file, &mut doc, draft.take())?;
                draft = Some(Draft::new(text, norm.line(line)));
                part = Part::Notes;
            }
            Block::Heading { level: 3, text, line } => {
                part = Part::from_keyword(&text);
                if part == Part::StatusCodes {
                    // The page's closing section is about every operation.
                    finish(file, &mut doc, draft.take())?;
                } else if draft.is_none() {
                    return Err(DocError::new(
                        file,
                        norm.line(line),
                        format!(
                            "`{text}` before any operation title; expected a title line such as `添加好友` first"
                        ),
                    ));
                }
                if let Some(d) = draft.as_mut() {
                    d.caption = None;
                    d.limit_started = false;
                }
            }
            Block::Heading { text, .. } => {
                if let Some(d) = draft.as_mut() {
                    d.caption = Some(text);
                    d.caption_notes.clear();
                }
            }
            // Raw text: the page is not Markdown, so inline syntax means nothing.
            Block::Text { raw: body, line, .. } | Block::Quote { text: body, line, .. } => {
                for (k, l) in body.lines().enumerate() {
                    let l = l.trim();
                    if l.is_empty() || CHROME.contains(&l) {
                        continue;
                    }
                    match draft.as_mut() {
                        Some(d) if part != Part::StatusCodes => d.text(file, part, l, norm.line(line + k))?,
                        // Page metadata that changes with every edit of the page.
                        _ if l.starts_with("更新时间") => {}
                        _ => doc_text.push(l.to_string()),
                    }
                }
            }
            Block::Code { text, lang, .. } => match draft.as_mut() {
                Some(d) => d.code(&lang, &text),
                None => doc_text.push(text.trim().to_string()),
            },
            Block::Table(table) => {
                let line = norm.line(table.line);
                let Some(d) = draft.as_mut() else {
                    return Err(DocError::new(file, line, "table before any operation title"));
                };
                let (slot, kind) = match part {
                    Part::Request => (&mut d.body, Kind::Request),
                    Part::Response => (&mut d.response, Kind::Response),
                    _ => {
                        return Err(DocError::new(
                            file,
                            line,
                            "table outside 请求参数 and 返回参数; expected one of those lines before it",
                        ));
                    }
                };
                if !slot.is_empty() {
                    return Err(DocError::new(
                        file,
                        line,
                        "a second parameter table in one section; expected 返回参数 between the two tables",
                    ));
                }
                *slot = fields(file, &norm, &table, kind)?;
            }
        }
    }
    finish(file, &mut doc, draft.take())?;
    if doc.operations.is_empty() {
        return Err(DocError::new(
            file,
            0,
            "no operation found; expected a title line followed by 功能描述, API 使用限制 or URL",
        ));
    }
    doc.sections.push(Section { number: None, title: doc.title.clone(), anchor: None });
    doc.description = (!doc_text.is_empty()).then(|| doc_text.join("\n"));
    Ok(doc)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Part {
    /// Lines between the title and the first section (`每个账号的好友数上限为 3000。`).
    Notes,
    Feature,
    Limit,
    Url,
    Request,
    Response,
    Examples,
    StatusCodes,
}

impl Part {
    fn from_keyword(k: &str) -> Part {
        match k {
            "功能描述" => Part::Feature,
            "API 使用限制" => Part::Limit,
            "URL" => Part::Url,
            "请求参数" => Part::Request,
            "返回参数" => Part::Response,
            "示例" => Part::Examples,
            _ => Part::StatusCodes,
        }
    }
}

/// One response example with the caption and text above it.
struct Example {
    caption: Option<String>,
    notes: Vec<String>,
    json: String,
}

/// An operation being read.
struct Draft {
    summary: String,
    line: usize,
    description: Vec<String>,
    limit_started: bool,
    target: Option<(Method, String, String)>,
    media: Option<Media>,
    body: Vec<Field>,
    response: Vec<Field>,
    curl: Option<String>,
    examples: Vec<Example>,
    caption: Option<String>,
    caption_notes: Vec<String>,
}

impl Draft {
    fn new(summary: String, line: usize) -> Draft {
        Draft {
            summary,
            line,
            description: Vec::new(),
            limit_started: false,
            target: None,
            media: None,
            body: Vec::new(),
            response: Vec::new(),
            curl: None,
            examples: Vec::new(),
            caption: None,
            caption_notes: Vec::new(),
        }
    }

    fn text(&mut self, file: &str, part: Part, l: &str, line: usize) -> DocResult<()> {
        match part {
            Part::Url => self.url_line(file, l, line)?,
            Part::Limit if !self.limit_started => {
                // The label says what the numbers are (rate limit, block time).
                self.limit_started = true;
                self.description.push(format!("API 使用限制: {l}"));
            }
            Part::Request if BOILERPLATE.iter().any(|b| l.contains(b)) => {}
            // Table rows that did not become a table.
            Part::Request | Part::Response if l.contains('|') => {
                return Err(DocError::new(
                    file,
                    line,
                    format!("expected a table (header, `---|---` delimiter row, rows), found `{l}`"),
                ));
            }
            Part::Examples if self.caption.is_some() => self.caption_notes.push(l.to_string()),
            _ => self.description.push(l.to_string()),
        }
        Ok(())
    }

    fn url_line(&mut self, file: &str, l: &str, line: usize) -> DocResult<()> {
        if self.target.is_none() {
            let parsed = URL_LINE.captures(l).and_then(|c| {
                let method: Method = c.get(1)?.as_str().parse().ok()?;
                Some((method, c.get(2)?.as_str().to_string(), c.get(3)?.as_str().to_string()))
            });
            self.target = Some(parsed.ok_or_else(|| {
                DocError::new(
                    file,
                    line,
                    format!("expected `POST https://host/path HTTP/1.1` after `URL`, found `{l}`"),
                )
            })?);
            return Ok(());
        }
        let Some(value) = l.strip_prefix("Content-Type:") else {
            return Err(DocError::new(
                file,
                line,
                format!("expected `Content-Type: …` after the URL, found `{l}`"),
            ));
        };
        let media = if value.contains("x-www-form-urlencoded") {
            Media::Form
        } else if value.contains("application/json") {
            Media::Json
        } else {
            return Err(DocError::new(
                file,
                line,
                format!("unsupported Content-Type `{}`; expected form-urlencoded or JSON", value.trim()),
            ));
        };
        self.media = Some(media);
        Ok(())
    }

    fn code(&mut self, lang: &str, text: &str) {
        if lang == "json" {
            // The block opens with the response's header lines; the JSON
            // starts at the first bracket.
            let json: Vec<&str> =
                text.lines().skip_while(|l| !l.trim_start().starts_with(['{', '['])).collect();
            self.examples.push(Example {
                caption: self.caption.take(),
                notes: std::mem::take(&mut self.caption_notes),
                json: json.join("\n").trim().to_string(),
            });
        } else {
            self.caption = None;
            self.curl = Some(text.trim().to_string());
        }
    }
}

/// Turns a finished draft into an operation.
fn finish(file: &str, doc: &mut Document, draft: Option<Draft>) -> DocResult<()> {
    let Some(mut d) = draft else { return Ok(()) };
    let Some((method, server, path)) = d.target.take() else {
        return Err(DocError::new(
            file,
            d.line,
            format!(
                "operation `{}` has no URL; expected a `URL` line followed by `POST https://host/path HTTP/1.1`",
                d.summary
            ),
        ));
    };
    if !doc.servers.contains(&server) {
        doc.servers.push(server);
    }
    // The first example is the response's; the others (getByAccid's
    // "not found" one) stay in the description with their captions.
    let mut example = None;
    for (i, ex) in d.examples.into_iter().enumerate() {
        let has_notes = !ex.notes.is_empty();
        let mut text: Vec<String> = ex.caption.into_iter().chain(ex.notes).collect();
        if i == 0 {
            example = Some(ex.json);
            if !has_notes {
                continue;
            }
        } else {
            text.push(ex.json);
        }
        d.description.push(text.join("\n"));
    }
    let body = (!d.body.is_empty() || d.curl.is_some()).then(|| Body {
        // The server API is form-encoded throughout; the line only confirms it.
        media: d.media.unwrap_or(Media::Form),
        fields: d.body,
        message: None,
        example: d.curl,
    });
    let responses = if d.response.is_empty() && example.is_none() {
        Vec::new()
    } else {
        vec![Response { status: 200, media: Media::Json, fields: d.response, message: None, example }]
    };
    doc.operations.push(Operation {
        methods: vec![method],
        path,
        section: doc.title.clone(),
        summary: d.summary,
        description: (!d.description.is_empty()).then(|| d.description.join("\n")),
        line: d.line,
        body,
        responses,
        ..blank_operation()
    });
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// 参数 | 类型 | 字符串长度上限 | 是否必填 | 示例 | 描述
    Request,
    /// 参数 | 类型 | 示例 | 描述
    Response,
}

fn fields(file: &str, norm: &Normalised, table: &Table, kind: Kind) -> DocResult<Vec<Field>> {
    let h = Header::new(file, norm.line(table.line), &table.header);
    let name_col = h.need(&["参数", "参数名称"])?;
    let ty_col = h.need(&["类型"])?;
    let example_col = h.need(&["示例"])?;
    let desc_col = h.need(&["描述"])?;
    let (len_col, req_col) = match kind {
        Kind::Request => (Some(h.need(&["字符串长度上限"])?), Some(h.need(&["是否必填"])?)),
        Kind::Response => (h.find(&["字符串长度上限"]), h.find(&["是否必填"])),
    };

    let mut out = Vec::new();
    for row in &table.rows {
        let line = norm.line(row.line);
        let err = |msg: String| DocError::new(file, line, msg);
        let cell = |i: usize| rows::cell(&row.cells, i);
        let name = cell(name_col);
        let mut field = Field::new(name, rows::parse_type(cell(ty_col), name).map_err(err)?, line);
        field.max_length = match len_col.map(cell) {
            None | Some("" | "/") => None,
            Some(n) => {
                let n: u32 = n.parse().map_err(|_| {
                    err(format!("field `{name}`: expected a number or `/` in 字符串长度上限, found `{n}`"))
                })?;
                // Numbers get their bit width here (`Long | 64`), which the
                // type already says; only strings have a length limit.
                (field.ty == Type::String).then_some(n)
            }
        };
        field.required = req_col
            .map(|c| rows::flag(cell(c), "是否必填", ["必填", "选填"], name))
            .transpose()
            .map_err(err)?;
        field.example = Some(cell(example_col)).filter(|e| !e.is_empty() && *e != "/").map(str::to_string);
        rows::describe(&mut field, cell(desc_col));
        out.push(field);
    }
    Ok(out)
}

/// The page rewritten as Markdown, with the source line of each line.
#[derive(Default)]
struct Normalised {
    text: String,
    origin: Vec<usize>,
}

impl Normalised {
    fn push(&mut self, s: &str, line: usize) {
        self.text.push_str(s);
        self.text.push('\n');
        self.origin.push(line);
    }
    fn heading(&mut self, marks: &str, s: &str, line: usize) {
        self.push("", line);
        self.push(&format!("{marks} {s}"), line);
        self.push("", line);
    }
    /// Source line of a 1-based line of `text`.
    fn line(&self, n: usize) -> usize {
        n.checked_sub(1).and_then(|i| self.origin.get(i)).copied().unwrap_or(0)
    }
}

fn normalise(file: &str, src: &str) -> DocResult<Normalised> {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Normalised::default();
    let mut titled = false;
    let mut in_examples = false;
    let mut i = 0;
    while let Some(raw) = lines.get(i) {
        let n = i + 1;
        let t = raw.trim();
        if t.is_empty() {
            out.push("", n);
            i += 1;
            continue;
        }
        if !titled {
            titled = true;
            out.heading("#", t, n);
            i += 1;
            continue;
        }
        if let Some(code) = code_at(file, &lines, i)? {
            out.push("", n);
            out.push(&format!("````{}", code.lang), n);
            for (k, l) in code.lines.iter().enumerate() {
                out.push(l, n + k);
            }
            out.push("````", code.next);
            out.push("", code.next);
            i = code.next;
            continue;
        }
        if let Some(table) = table_at(file, &lines, i)? {
            out.push("", n);
            for (row, line) in &table.rows {
                out.push(row, *line);
            }
            out.push("", table.next);
            i = table.next;
            continue;
        }
        if KEYWORDS.contains(&t) {
            in_examples = t == "示例";
            out.heading("###", t, n);
        } else if is_title(&lines, i) {
            in_examples = false;
            out.heading("##", t, n);
        } else if in_examples && is_caption(t) {
            out.heading("####", t, n);
        } else {
            // Trimmed, so that no indentation turns into a code block.
            out.push(t, n);
        }
        i += 1;
    }
    Ok(out)
}

/// Ends like a sentence, so it is text, never a title.
fn is_sentence(t: &str) -> bool {
    t.ends_with(['。', '.', '!', '！', '?', '？', ';', '；', ':', '：', ',', '，'])
}

/// A title is a name (no sentence end, no `key: value`, no URL) whose
/// next non-sentence line opens an operation; notes
/// (`每个账号的好友数上限为 3000。`) may sit in between.
fn is_title(lines: &[&str], i: usize) -> bool {
    let Some(t) = lines.get(i).map(|l| l.trim()) else { return false };
    if t.is_empty() || is_sentence(t) || t.contains(['|', ':', '：']) || KEYWORDS.contains(&t) {
        return false;
    }
    let mut rest = lines.iter().skip(i + 1).map(|l| l.trim()).filter(|l| !l.is_empty());
    rest.find(|l| !is_sentence(l)).is_some_and(|l| OPENERS.contains(&l))
}

/// `请求示例(curl)`, `返回示例`, `好友关系不存在的返回示例`.
fn is_caption(t: &str) -> bool {
    !is_sentence(t) && (t.ends_with("示例") || t.starts_with("请求示例"))
}

struct Code {
    lang: &'static str,
    lines: Vec<String>,
    /// Index of the first line after the block.
    next: usize,
}

/// A code block whose fence was lost: `json"Content-Type": …` followed by
/// JSON up to its closing bracket, or `curlcurl …` (one command, `\`
/// continuations included).
fn code_at(file: &str, lines: &[&str], i: usize) -> DocResult<Option<Code>> {
    let Some(t) = lines.get(i).map(|l| l.trim()) else { return Ok(None) };
    if let Some(first) = t.strip_prefix("json").filter(|r| r.starts_with(['"', '{', '['])) {
        let mut scan = JsonScan::default();
        scan.feed(first);
        let mut out = vec![first.to_string()];
        let mut j = i + 1;
        while !scan.closed() {
            let Some(l) = lines.get(j) else {
                return Err(DocError::new(
                    file,
                    i + 1,
                    "JSON example never closes; expected its `}` or `]` before the end of the document",
                ));
            };
            scan.feed(l);
            out.push(l.to_string());
            j += 1;
        }
        return Ok(Some(Code { lang: "json", lines: out, next: j }));
    }
    if let Some(first) =
        ["curl", "shell", "bash"].iter().find_map(|p| t.strip_prefix(p).filter(|r| r.starts_with("curl ")))
    {
        let mut out = vec![first.to_string()];
        let mut j = i + 1;
        while out.last().is_some_and(|l| l.trim_end().ends_with('\\')) {
            let Some(l) = lines.get(j) else { break };
            out.push(l.to_string());
            j += 1;
        }
        return Ok(Some(Code { lang: "curl", lines: out, next: j }));
    }
    Ok(None)
}

/// Bracket depth outside JSON strings.
#[derive(Default)]
struct JsonScan {
    depth: usize,
    started: bool,
    in_string: bool,
    escaped: bool,
}

impl JsonScan {
    fn feed(&mut self, s: &str) {
        for c in s.chars() {
            if self.in_string {
                match c {
                    _ if self.escaped => self.escaped = false,
                    '\\' => self.escaped = true,
                    '"' => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => self.in_string = true,
                '{' | '[' => {
                    self.depth += 1;
                    self.started = true;
                }
                '}' | ']' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    fn closed(&self) -> bool {
        self.started && self.depth == 0
    }
}

struct TableText {
    /// Header, delimiter and data rows, each on one line, with source lines.
    rows: Vec<(String, usize)>,
    next: usize,
}

/// A table starting at line `i`: header lines up to a delimiter row, then
/// rows. The page wraps long cells, so a row (and the header) continues on
/// the following lines until it has as many cells as the delimiter row
/// (and its closing pipe when the delimiter row has one).
fn table_at(file: &str, lines: &[&str], i: usize) -> DocResult<Option<TableText>> {
    let mut j = i;
    loop {
        let Some(l) = lines.get(j) else { return Ok(None) };
        if DELIMITER.is_match(l.trim()) {
            break;
        }
        if !l.contains('|') || KEYWORDS.contains(&l.trim()) {
            return Ok(None);
        }
        j += 1;
    }
    let Some(delim) = lines.get(j).map(|l| l.trim()).filter(|_| j > i) else { return Ok(None) };
    let header = lines.get(i..j).unwrap_or_default().iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
    let width = markdown::split_row(delim).len();
    let closed = delim.ends_with('|');
    let found = markdown::split_row(&header).len();
    if found != width {
        return Err(DocError::new(
            file,
            i + 1,
            format!("table header `{header}` has {found} cells but the delimiter row below it has {width}"),
        ));
    }
    let complete = |row: &str| markdown::split_row(row).len() == width && (!closed || row.ends_with('|'));

    let mut rows = vec![(header.clone(), i + 1), (delim.to_string(), j + 1)];
    let mut k = j + 1;
    while let Some(first) = lines.get(k).map(|l| l.trim()) {
        if first.is_empty() || !first.contains('|') || KEYWORDS.contains(&first) {
            break;
        }
        let start = k + 1;
        let mut row = first.to_string();
        k += 1;
        while !complete(&row) && markdown::split_row(&row).len() <= width {
            match lines.get(k).map(|l| l.trim()) {
                Some(next) if !next.is_empty() && !KEYWORDS.contains(&next) => {
                    row.push(' ');
                    row.push_str(next);
                    k += 1;
                }
                _ => break,
            }
        }
        if !complete(&row) {
            let pipe = if closed { ", ending with `|`" } else { "" };
            return Err(DocError::new(
                file,
                start,
                format!(
                    "table row has {} cells, expected {width}{pipe} like its header `{header}`",
                    markdown::split_row(&row).len()
                ),
            ));
        }
        rows.push((row, start));
    }
    Ok(Some(TableText { rows, next: k }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::assert_error;

    const HEAD: &str = "好友关系管理\n更新时间: 2024/07/17\n网易云信支持好友。\n";
    const URL: &str = "URL\nPOST https://api.netease.im/nimserver/friend/add.action HTTP/1.1\nContent-Type: application/x-www-form-urlencoded;charset=utf-8\n";
    const REQ: &str = "请求参数\n- POST 请求中 Body 的设置如下:\n参数 | 类型 | 字符串长度上限 | 是否必填 | 示例 | 描述 |\n---|---|---|---|---|---|\n";

    fn err(src: &str) -> DocError {
        parse("t.md", src).expect_err("expected a DocError")
    }

    #[test]
    fn title_notes_limits_and_url() {
        let src = format!("{HEAD}添加好友\n上限为 3000。\nAPI 使用限制\n每秒 100 次。\n{URL}");
        let doc = parse("t.md", &src).unwrap();
        assert_eq!(doc.title, "好友关系管理");
        assert_eq!(doc.description.as_deref(), Some("网易云信支持好友。"));
        assert_eq!(doc.servers, ["https://api.netease.im"]);
        let op = &doc.operations[0];
        assert_eq!((op.summary.as_str(), op.line, op.section.as_str()), ("添加好友", 4, "好友关系管理"));
        assert_eq!(
            (op.methods.as_slice(), op.path.as_str()),
            ([Method::Post].as_slice(), "/nimserver/friend/add.action")
        );
        assert_eq!(op.description.as_deref(), Some("上限为 3000。\nAPI 使用限制: 每秒 100 次。"));
    }

    #[test]
    fn broken_rows_and_header_are_joined_keeping_lines() {
        let src = format!(
            "{HEAD}添加好友\n{URL}{REQ}\
             type | int | / | 必填 | 1 | 1 直接加好友;2 请求加好友 |\n\
             serverex | String | 256 | 选填 | / |\n服务器端扩展字段 |\n\
             updatetime | Long | 64 | 必填 | 1440037706987 | 更新时间戳 |\n\
             返回参数\n参数 |\n类型 |\n示例 | 描述 |\n---|---|---|---|\n\
             friend | JASON | {{\"ex\": null}} | 好友信息,包括:\n|\n示例\n"
        );
        let doc = parse("t.md", &src).unwrap();
        let op = &doc.operations[0];
        let body = op.body.as_ref().unwrap();
        assert_eq!(body.media, Media::Form);
        let [ty, serverex, updatetime] = body.fields.as_slice() else { panic!("{:?}", body.fields) };
        assert_eq!((ty.line, ty.ty.clone(), ty.max_length, ty.enum_values.len()), (12, Type::Int32, None, 2));
        assert_eq!((serverex.line, serverex.max_length, serverex.required), (13, Some(256), Some(false)));
        assert_eq!((serverex.example.as_deref(), serverex.description.as_str()), (None, "服务器端扩展字段"));
        // `Long | 64` is a bit width, not a length limit.
        assert_eq!((updatetime.line, updatetime.ty.clone(), updatetime.max_length), (15, Type::Int64, None));
        let friend = &op.responses[0].fields[0];
        assert_eq!((friend.name.as_str(), friend.ty.clone(), friend.line), ("friend", Type::Object, 21));
        assert_eq!(friend.example.as_deref(), Some("{\"ex\": null}"));
        assert_eq!(friend.description, "好友信息,包括:");
    }

    #[test]
    fn examples_go_to_body_response_and_description() {
        let src = format!(
            "{HEAD}获取好友关系\n{URL}示例\n请求示例(curl)\ncurlcurl -X POST -d 'a=b' 'https://x'\n\
             好友关系存在的返回示例\njson\"Content-Type\": \"application/json\"\n{{\n\"code\":200\n}}\n\
             好友关系不存在的返回示例\n如果非好友关系,则返回404\njson\"Content-Type\": \"application/json\"\n{{\n\"code\":404,\n}}\n\
             状态码\n上述接口在 HTTPS Body 中返回请求的状态码。\n此文档是否对你有帮助?\n"
        );
        let doc = parse("t.md", &src).unwrap();
        let op = &doc.operations[0];
        assert_eq!(op.body.as_ref().unwrap().example.as_deref(), Some("curl -X POST -d 'a=b' 'https://x'"));
        assert_eq!(op.responses[0].example.as_deref(), Some("{\n\"code\":200\n}"));
        assert_eq!(
            op.description.as_deref(),
            Some("好友关系不存在的返回示例\n如果非好友关系,则返回404\n{\n\"code\":404,\n}")
        );
        assert_eq!(
            doc.description.as_deref(),
            Some("网易云信支持好友。\n上述接口在 HTTPS Body 中返回请求的状态码。")
        );
    }

    #[test]
    fn operation_without_url_is_an_error() {
        let e = err(&format!(
            "{HEAD}添加好友\nAPI 使用限制\n每秒 100 次。\n{REQ}accid | String | 32 | 必填 | a | b |\n"
        ));
        assert_eq!(e.file, "t.md");
        assert_error(&e, 4, "operation `添加好友` has no URL");
    }

    #[test]
    fn bad_url_line_is_an_error() {
        assert_error(
            &err(&format!("{HEAD}添加好友\nURL\nhttps://api.netease.im/x.action\n")),
            6,
            "expected `POST https://host/path HTTP/1.1`",
        );
    }

    #[test]
    fn malformed_rows_are_errors() {
        // Too many cells.
        assert_error(
            &err(&format!("{HEAD}添加好友\n{URL}{REQ}accid | String | 32 | 必填 | a | b | c |\n")),
            12,
            "table row has 7 cells, expected 6",
        );
        // Too few, and the next line is a section, not a continuation.
        assert_error(
            &err(&format!("{HEAD}添加好友\n{URL}{REQ}accid | String | 32 |\n返回参数\n")),
            12,
            "table row has 3 cells, expected 6",
        );
        // Header and delimiter disagree.
        assert_error(
            &err(&format!("{HEAD}添加好友\n{URL}请求参数\n参数 | 类型 |\n---|---|---|\n")),
            9,
            "has 2 cells but the delimiter row below it has 3",
        );
    }

    #[test]
    fn rows_without_a_table_are_errors() {
        // No delimiter row: the rows would otherwise be read as text.
        assert_error(
            &err(&format!(
                "{HEAD}添加好友\n{URL}请求参数\n参数 | 类型 | 示例 | 描述 |\naccid | String | a | b |\n"
            )),
            9,
            "expected a table",
        );
        // A second table where 返回参数 is missing.
        let table = "参数 | 类型 | 字符串长度上限 | 是否必填 | 示例 | 描述 |\n---|---|---|---|---|---|\n";
        assert_error(
            &err(&format!("{HEAD}添加好友\n{URL}{REQ}accid | String | 32 | 必填 | a | b |\n\n{table}")),
            14,
            "a second parameter table",
        );
    }

    #[test]
    fn bad_cells_are_errors() {
        assert_error(
            &err(&format!("{HEAD}添加好友\n{URL}{REQ}accid | Strnig | 32 | 必填 | a | b |\n")),
            12,
            "field `accid`: unknown type `Strnig`",
        );
        assert_error(
            &err(&format!("{HEAD}添加好友\n{URL}{REQ}accid | String | 32 | 是 | a | b |\n")),
            12,
            "expected `必填` or `选填` in 是否必填, found `是`",
        );
        assert_error(
            &err(&format!("{HEAD}添加好友\n{URL}{REQ}accid | String | 32位 | 必填 | a | b |\n")),
            12,
            "expected a number or `/`",
        );
    }

    #[test]
    fn unclosed_json_is_an_error() {
        assert_error(
            &err(&format!(
                "{HEAD}添加好友\n{URL}示例\n返回示例\njson\"Content-Type\": \"x\"\n{{\n\"code\":200\n"
            )),
            10,
            "never closes",
        );
    }

    #[test]
    fn garbage_never_panics() {
        for src in [
            "",
            "x",
            "a\nURL\n",
            "a\nb\nURL\nPOST https://h/p\n|\n---|\n|",
            "é\n|é|\n-|-\né|",
            "t\nb\n功能描述\njson{",
        ] {
            let _ = parse("t.md", src);
        }
    }
}
