//! The page's layout: the document's intro, then its operations, each cut
//! into the parts the other readers take.
//!
//! Format, once [`super::lines`] has split the glued pieces apart:
//!
//! ```text
//! friend                                    title: the first line
//! 2025/8/5大约 4 分钟                       intro: lines without a URL are the
//! 未特别说明情况下请求域名均为 https://…    description, the URLs the servers
//! 添加用户/群聊/机器人                      operation summary
//! POST /v1/friend/apply                     `METHOD /path`
//! (prose)                                   the operation's description
//! 请求头:                                   the header table (super::headers)
//! 请求体:                                   the request body
//! 响应体:                                   the response body (status 200)
//! ```
//!
//! A summary is the line right before its `METHOD /path` line. The parts
//! come in any order, each at most once: a second one means the next
//! operation lost its `METHOD /path` line, as does text glued to a brace that
//! no `METHOD /path` line follows. A body starting with `{` or `[` is JSON
//! with `//` comments (super::json); any other is a protobuf text-format
//! example (super::text_format), the `ProtoBuf数据结构` line, and `message`
//! definitions (super::proto).

use super::headers::header_table;
use super::json::json_fields;
use super::lines::{PROTO_MARK, Piece, pieces};
use super::proto::protobuf;
use super::text_format::text_example;
use crate::error::{DocError, DocResult};
use crate::model::{Body, Document, Field, Media, Method, Operation, Response, Section};
use crate::parse::{Dialect, blank_operation};
use regex::Regex;
use std::sync::LazyLock;

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

#[cfg(test)]
mod tests {
    use super::super::testing::{doc, err, with_body};
    use crate::parse::testing::assert_error;

    #[test]
    fn reads_summaries_glued_to_braces() {
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
    fn reads_the_intro() {
        let d = doc();
        assert_eq!(d.title, "friend");
        assert_eq!(d.servers, ["https://chat-go.jwzhd.com"]);
        assert_eq!(d.sections.len(), 1);
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
}
