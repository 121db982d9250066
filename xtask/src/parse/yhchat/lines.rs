//! The page back as source lines: the first reader, which every other one
//! reads through.
//!
//! Format. The scrape lost the line break after a closing brace, so whatever
//! follows one is glued to it: the next part's marker (`}响应体:`) or the next
//! operation's summary (`}删除用户/群聊/机器人`). It also glued the
//! `ProtoBuf数据结构` marker to the end of the protobuf example before it
//! (`pending: 0 // 待处理请求数ProtoBuf数据结构`), in any letter case and
//! with or without a space. And GFM reads every line after the first header
//! table as a (lazy) row of that table.
//!
//! So [`pieces`] flattens pulldown-cmark's blocks back into source lines,
//! keeping the cells of the real `|` rows only, and splits the glued pieces
//! apart, marking text that followed a brace as `glued`: a summary line is the
//! only thing that may follow one (see `layout`).

use crate::parse::markdown::{Block, blocks};
use regex::Regex;
use std::sync::LazyLock;

/// The line that separates a protobuf text example from its definition.
pub(super) const PROTO_MARK: &str = "ProtoBuf数据结构";

static PROTO_MARK_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)protobuf\s*数据结构").unwrap());

/// One source line, or part of one where the scrape glued two together.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Piece {
    pub(super) line: usize,
    pub(super) text: String,
    /// Cells of a real `|` table row (or the table's header).
    pub(super) cells: Option<Vec<String>>,
    /// Text that followed a closing brace on the same line.
    pub(super) glued: bool,
}

pub(super) fn pieces(src: &str) -> Vec<Piece> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
