//! The MaxIM export document, parsed whole.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use xtask::model::{Document, Method};
use xtask::parse::maxim_export::parse;

const FILE: &str = "spec/docs/maxim/server-api.md";
const SRC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/docs/maxim/server-api.md"));

fn doc() -> Document {
    parse(FILE, SRC).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn counts() {
    let doc = doc();
    assert_eq!(doc.vendor, "maxim");
    assert_eq!(doc.title, "美信拓扑服务端API文档");
    assert_eq!(doc.servers, ["http://s-1-3-api.maximtop.cn"]);
    assert_eq!(doc.operations.len(), 180);
    let paths: BTreeSet<&str> = doc.operations.iter().map(|o| o.path.as_str()).collect();
    assert_eq!(paths.len(), 121);
    let mut methods: BTreeMap<Method, usize> = BTreeMap::new();
    for m in doc.operations.iter().flat_map(|o| &o.methods) {
        *methods.entry(*m).or_default() += 1;
    }
    assert_eq!(
        methods,
        BTreeMap::from([(Method::Get, 38), (Method::Post, 84), (Method::Put, 44), (Method::Delete, 14)])
    );
    let sections: Vec<(&str, &str)> =
        doc.sections.iter().map(|s| (s.number.as_deref().unwrap_or(""), s.title.as_str())).collect();
    assert_eq!(
        sections,
        [
            ("3", "用户操作"),
            ("4", "推送接口"),
            ("5", "token 接口"),
            ("6", "消息处理"),
            ("7", "群接口"),
            ("8", "好友管理接口"),
            ("9", "文件操作接口")
        ]
    );
    // Every operation has the one 200 JSON response the export writes.
    assert!(doc.operations.iter().all(|o| o.responses.len() == 1 && o.responses[0].status == 200));
}

/// Every table data row becomes exactly one field, counted here from the
/// raw text: per `## N.M` heading, each `|` line that is neither a header
/// (the line before a `| ---` line) nor a separator holds
/// (cells + 1) / (columns + 1) rows.
#[test]
fn every_row_is_one_field() {
    let doc = doc();
    let is_operation = |l: &str| {
        l.strip_prefix("## ").and_then(|h| h.split_whitespace().next()).is_some_and(|n| n.contains('.'))
    };
    let ops = common::per_operation(SRC, is_operation);
    assert_eq!(ops.len(), doc.operations.len());
    let mut total = 0;
    for (op, lines) in doc.operations.iter().zip(&ops) {
        assert_eq!(lines[0].0, op.line);
        let (mut rows, mut columns) = (0, 0);
        for (i, (n, l)) in lines.iter().enumerate() {
            // Cells = pipes - 1 (no escaped pipes in this document).
            let pipes = |s: &str| s.trim().matches('|').count() - 1;
            if !l.starts_with('|') || l.starts_with("| ---") {
                continue;
            }
            if lines.get(i + 1).is_some_and(|(_, next)| next.starts_with("| ---")) {
                columns = pipes(l);
                continue;
            }
            let cells = pipes(l);
            assert_eq!((cells + 1) % (columns + 1), 0, "line {n}");
            rows += (cells + 1) / (columns + 1);
        }
        assert_eq!(
            common::op_fields(op).len(),
            rows,
            "operation {} at line {}",
            op.number.as_deref().unwrap_or(""),
            op.line
        );
        total += rows;
    }
    // 1617 data lines: 151 with 4 header rows, 29 with 3, the rest one each.
    assert_eq!(total, 151 * 4 + 29 * 3 + (1617 - 151 - 29));
}

#[test]
fn snapshot() {
    insta::assert_yaml_snapshot!("maxim_export_model", doc());
}
