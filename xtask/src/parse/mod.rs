//! One parser per dialect, each producing the dialect-free
//! [`crate::model::Document`].

pub mod enums;
pub mod markdown;
pub mod maxim_export;
pub mod maxim_typed;
pub mod netease;
pub mod rows;
#[cfg(test)]
mod testing;
pub mod yhchat;

use crate::error::{DocError, DocResult};
use crate::model::{Document, Operation};

/// The document dialects the parsers understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// MaxIM typed: `## 3.1 title{#anchor}`, several `> METHOD /path` lines.
    MaximTyped,
    /// MaxIM export: `## 8.3<TAB>title`, rows run together, untyped queries.
    MaximExport,
    /// NetEase IM server API pages.
    Netease,
    /// YHChat client API pages (commented JSON, inline protobuf).
    Yhchat,
}

impl Dialect {
    pub fn vendor(self) -> &'static str {
        match self {
            Dialect::MaximTyped | Dialect::MaximExport => "maxim",
            Dialect::Netease => "netease",
            Dialect::Yhchat => "yhchat",
        }
    }

    /// A document of this dialect's vendor with nothing read into it yet.
    fn empty_document(self, file: &str) -> Document {
        Document {
            vendor: self.vendor().into(),
            source: file.into(),
            title: String::new(),
            servers: Vec::new(),
            description: None,
            sections: Vec::new(),
            operations: Vec::new(),
        }
    }

    /// Recognises a document's dialect from its content.
    pub fn detect(src: &str) -> Option<Dialect> {
        if src.contains(".action") && src.contains("nimserver") {
            Some(Dialect::Netease)
        } else if src.contains("/v1/friend/") || src.contains("ProtoBuf") {
            Some(Dialect::Yhchat)
        } else if src.lines().any(|l| l.starts_with("## ") && l.contains("{#")) {
            Some(Dialect::MaximTyped)
        } else if src.lines().any(|l| l.starts_with("## ") && l.contains('\t')) || src.contains("### 请求头")
        {
            Some(Dialect::MaximExport)
        } else {
            None
        }
    }
}

/// An operation with nothing read into it; the parsers fill in what their
/// dialect says through struct update syntax.
fn blank_operation() -> Operation {
    Operation {
        methods: Vec::new(),
        path: String::new(),
        section: String::new(),
        number: None,
        anchor: None,
        summary: String::new(),
        description: None,
        line: 0,
        headers: Vec::new(),
        query: Vec::new(),
        body: None,
        responses: Vec::new(),
    }
}

/// Parses `src` (read from `file`) in the given dialect.
pub fn parse(dialect: Dialect, file: &str, src: &str) -> DocResult<Document> {
    match dialect {
        Dialect::MaximTyped => maxim_typed::parse(file, src),
        Dialect::MaximExport => maxim_export::parse(file, src),
        Dialect::Netease => netease::parse(file, src),
        Dialect::Yhchat => yhchat::parse(file, src),
    }
}

/// Parses a document whose dialect is recognised from its content.
pub fn parse_detect(file: &str, src: &str) -> DocResult<Document> {
    let dialect = Dialect::detect(src).ok_or_else(|| {
        DocError::new(file, 0, "unrecognised document: expected a MaxIM, NetEase or YHChat API document")
    })?;
    parse(dialect, file, src)
}
