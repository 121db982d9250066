//! A thin layer over pulldown-cmark: the blocks the dialect parsers care
//! about, each with its 1-based source line and raw source text, so that a
//! parser can fall back to the raw row where the Markdown is malformed in a
//! way the vendor's renderer tolerates (rows run together on one line).

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::ops::Range;

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading {
        level: u8,
        text: String,
        line: usize,
    },
    /// Paragraph or list item text, soft breaks kept as newlines.
    Text {
        text: String,
        line: usize,
        raw: String,
    },
    /// A `>` block quote's text.
    Quote {
        text: String,
        line: usize,
        raw: String,
    },
    Code {
        text: String,
        line: usize,
        lang: String,
    },
    Table(Table),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub line: usize,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub line: usize,
    /// Cells as pulldown-cmark parsed them (`<br>` as newline, trimmed).
    /// Cells beyond the header's count are dropped by GFM; see `raw`.
    pub cells: Vec<String>,
    /// The row's source text, verbatim.
    pub raw: String,
}

/// Maps byte offsets to 1-based line numbers.
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

fn level_num(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Parses `src` into top-level blocks. Heading attribute syntax (`{#id}`)
/// is left in the heading text, because the typed MaxIM document's anchors
/// carry meaning the parser extracts itself.
pub fn blocks(src: &str) -> Vec<Block> {
    let lines = Lines::new(src);
    let opts = Options::ENABLE_TABLES;
    let mut out = Vec::new();
    let mut text = String::new();
    let mut start: Option<Range<usize>> = None;
    let mut heading: Option<u8> = None;
    let mut quote_depth = 0usize;
    let mut in_code: Option<String> = None;
    let mut table: Option<Table> = None;
    let mut row: Option<Row> = None;
    let mut cell: Option<String> = None;
    let mut in_head = false;

    for (ev, range) in Parser::new_ext(src, opts).into_offset_iter() {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some(level_num(level));
                text.clear();
                start = Some(range);
            }
            Event::End(TagEnd::Heading(_)) => {
                let r = start.take().unwrap_or(range);
                out.push(Block::Heading {
                    level: heading.take().unwrap_or(1),
                    text: text.trim().to_string(),
                    line: lines.line_of(r.start),
                });
                text.clear();
            }
            Event::Start(Tag::BlockQuote(_)) => {
                if quote_depth == 0 {
                    text.clear();
                    start = Some(range);
                }
                quote_depth += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                quote_depth = quote_depth.saturating_sub(1);
                if quote_depth == 0 {
                    let r = start.take().unwrap_or(range);
                    out.push(Block::Quote {
                        text: text.trim().to_string(),
                        line: lines.line_of(r.start),
                        raw: src[r.clone()].to_string(),
                    });
                    text.clear();
                }
            }
            Event::Start(Tag::Paragraph) | Event::Start(Tag::Item)
                if quote_depth == 0 && table.is_none() && start.is_none() =>
            {
                text.clear();
                start = Some(range);
            }
            Event::End(TagEnd::Paragraph) | Event::End(TagEnd::Item)
                if quote_depth == 0 && table.is_none() =>
            {
                if let Some(r) = start.take() {
                    out.push(Block::Text {
                        text: text.trim().to_string(),
                        line: lines.line_of(r.start),
                        raw: src[r.clone()].to_string(),
                    });
                }
                text.clear();
            }
            Event::End(TagEnd::Paragraph) if quote_depth > 0 => text.push('\n'),
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    pulldown_cmark::CodeBlockKind::Fenced(l) => l.to_string(),
                    pulldown_cmark::CodeBlockKind::Indented => String::new(),
                };
                in_code = Some(lang);
                text.clear();
                start = Some(range);
            }
            Event::End(TagEnd::CodeBlock) => {
                let r = start.take().unwrap_or(range);
                out.push(Block::Code {
                    text: std::mem::take(&mut text),
                    line: lines.line_of(r.start),
                    lang: in_code.take().unwrap_or_default(),
                });
            }
            Event::Start(Tag::Table(_)) => {
                table =
                    Some(Table { line: lines.line_of(range.start), header: Vec::new(), rows: Vec::new() });
            }
            Event::End(TagEnd::Table) => {
                if let Some(t) = table.take() {
                    out.push(Block::Table(t));
                }
            }
            Event::Start(Tag::TableHead) => in_head = true,
            Event::End(TagEnd::TableHead) => in_head = false,
            Event::Start(Tag::TableRow) => {
                row = Some(Row {
                    line: lines.line_of(range.start),
                    cells: Vec::new(),
                    raw: src[range].trim_end().to_string(),
                });
            }
            Event::End(TagEnd::TableRow) => {
                if let (Some(t), Some(r)) = (table.as_mut(), row.take()) {
                    t.rows.push(r);
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                let c = cell.take().unwrap_or_default().trim().to_string();
                if in_head {
                    if let Some(t) = table.as_mut() {
                        t.header.push(c);
                    }
                } else if let Some(r) = row.as_mut() {
                    r.cells.push(c);
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = cell.as_mut() {
                    c.push_str(&t);
                } else {
                    text.push_str(&t);
                }
            }
            Event::Html(h) | Event::InlineHtml(h) => {
                let is_br = h.trim().eq_ignore_ascii_case("<br>")
                    || h.trim().eq_ignore_ascii_case("<br/>")
                    || h.trim().eq_ignore_ascii_case("<br />");
                let s = if is_br { "\n".to_string() } else { h.to_string() };
                if let Some(c) = cell.as_mut() {
                    c.push_str(&s);
                } else {
                    text.push_str(&s);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(c) = cell.as_mut() {
                    c.push(' ');
                } else {
                    text.push('\n');
                }
            }
            _ => {}
        }
    }
    out
}

/// Splits a raw table row on unescaped pipes, without the outer pipes.
/// `|a||b|` gives `["a", "", "b"]`.
pub fn split_row(raw: &str) -> Vec<String> {
    let t = raw.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    cells.push(cur.trim().to_string());
    cells
}

/// Turns `<br>` into newlines and trims; for raw cells.
pub fn clean_cell(s: &str) -> String {
    let mut out = s.to_string();
    for br in ["<br />", "<br/>", "<br>", "<BR>"] {
        out = out.replace(br, "\n");
    }
    out.lines().map(str::trim_end).collect::<Vec<_>>().join("\n").trim().to_string()
}
