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
//!
//! One reader per format, each module documenting the format it reads:
//!
//! - `lines`: the page back as source lines, glued pieces split apart;
//! - `layout`: title, servers, and each operation cut into its parts;
//! - `headers`: the `请求头:` table;
//! - `tokens`: the tokens and `//` comments JSON and protobuf share;
//! - `json`: JSON bodies with `//` comments (also the examples openapi.rs
//!   writes, through [`commented_json`]);
//! - `text_format`: protobuf text-format examples;
//! - `proto`: protobuf `message` definitions, resolved into fields.

mod headers;
mod json;
mod layout;
mod lines;
mod proto;
mod text_format;
mod tokens;

pub use json::commented_json;
pub use layout::parse;

/// Deeper nesting than any real body; the limit keeps hostile input from
/// overflowing the stack of the recursive readers.
const MAX_DEPTH: usize = 64;

/// The document and the helpers the readers' unit tests share.
#[cfg(test)]
mod testing {
    use crate::error::DocError;
    use crate::model::{Document, Field, Operation};

    pub(crate) const FILE: &str = "spec/docs/yhchat/friend.md";
    pub(crate) const DOC: &str = include_str!("../../../../spec/docs/yhchat/friend.md");

    pub(crate) fn doc() -> Document {
        super::parse(FILE, DOC).unwrap()
    }

    pub(crate) fn op<'a>(d: &'a Document, path: &str) -> &'a Operation {
        d.operations.iter().find(|o| o.path == path).unwrap()
    }

    pub(crate) fn field<'a>(fs: &'a [Field], name: &str) -> &'a Field {
        fs.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no field {name}"))
    }

    /// A one-operation document whose request body is `body`; the body starts on line 9.
    pub(crate) fn with_body(body: &str) -> String {
        format!(
            "t\n添加\nPOST /v1/friend/apply\n请求头:\n| 名称 | 必须 | 备注 |\n|---|---|---|\n| token | 是 | 无 |\n请求体:\n{body}\n响应体:\n{{\n\"code\": 1\n}}\n"
        )
    }

    pub(crate) fn err(src: &str) -> DocError {
        super::parse("x.md", src).unwrap_err()
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use super::testing::DOC;

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
