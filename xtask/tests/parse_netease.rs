//! The NetEase parser on the real `spec/docs/netease/friend.md`.

mod common;

use xtask::model::{Media, Method, Type};
use xtask::parse::netease;

const FILE: &str = "spec/docs/netease/friend.md";
const SRC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/docs/netease/friend.md"));
const TITLES: [&str; 5] = ["添加好友", "更新好友相关信息", "删除好友关系", "获取好友列表", "获取好友关系"];

/// Table rows per operation, counted from the raw text: a row starts with
/// a parameter name and a pipe; wrapped cell text and headers do not.
fn raw_rows() -> Vec<Vec<usize>> {
    let is_row = |l: &str| {
        l.split_once(" | ").is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let ops = common::per_operation(SRC, |l| TITLES.contains(&l.trim()));
    ops.into_iter().map(|op| op.into_iter().filter(|(_, l)| is_row(l)).map(|(n, _)| n).collect()).collect()
}

#[test]
fn friend_counts_and_fields() {
    let doc = netease::parse(FILE, SRC).unwrap();
    assert_eq!(
        (doc.vendor.as_str(), doc.source.as_str(), doc.title.as_str()),
        ("netease", FILE, "好友关系管理")
    );
    assert_eq!(doc.servers, ["https://api.netease.im"]);
    assert_eq!(doc.sections.len(), 1);
    assert!(
        doc.description.as_deref().unwrap().starts_with("网易云信 IM 服务端支持用户之间的好友关系管理。")
    );

    let summaries: Vec<_> = doc.operations.iter().map(|o| o.summary.as_str()).collect();
    assert_eq!(summaries, TITLES);
    let paths: Vec<_> = doc.operations.iter().map(|o| o.path.rsplit('/').next().unwrap()).collect();
    assert_eq!(paths, ["add.action", "update.action", "delete.action", "get.action", "getByAccid.action"]);

    let raw = raw_rows();
    assert_eq!(raw.len(), 5);
    for (op, rows) in doc.operations.iter().zip(&raw) {
        assert_eq!(op.methods, [Method::Post]);
        assert!(op.path.starts_with("/nimserver/friend/"));
        assert_eq!(op.section, "好友关系管理");
        let body = op.body.as_ref().unwrap();
        assert_eq!(body.media, Media::Form);
        assert!(body.example.as_deref().unwrap().starts_with("curl -X POST"));
        assert_eq!(op.responses.len(), 1);
        let lines: Vec<usize> = common::op_fields(op).iter().map(|f| f.line).collect();
        assert_eq!(&lines, rows, "{}: field lines vs raw rows", op.summary);
        assert!(op.responses[0].example.as_deref().unwrap().starts_with('{'));
        // The rate limit is part of every operation's description.
        let desc = op.description.as_deref().unwrap();
        assert!(desc.contains("100 次/秒") && desc.contains("屏蔽 10 秒"), "{desc}");
    }

    let add = &doc.operations[0];
    assert!(add.description.as_deref().unwrap().starts_with("每个账号的好友数上限为 3000。"));
    let got: Vec<_> = add
        .body
        .as_ref()
        .unwrap()
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.ty.clone(), f.max_length, f.required))
        .collect();
    assert_eq!(
        got,
        [
            ("accid", Type::String, Some(32), Some(true)),
            ("faccid", Type::String, Some(32), Some(true)),
            ("type", Type::Int32, None, Some(true)),
            ("msg", Type::String, Some(256), Some(false)),
            ("serverex", Type::String, Some(256), Some(false)),
        ]
    );
    let fields = &add.body.as_ref().unwrap().fields;
    assert_eq!(fields[2].enum_values.len(), 4);
    assert_eq!(fields[4].description, "服务器端扩展字段 此字段 client 端只读,server 端读写");
    assert_eq!(fields[4].example, None);

    let get = &doc.operations[3];
    let updatetime = &get.body.as_ref().unwrap().fields[1];
    assert_eq!((updatetime.ty.clone(), updatetime.max_length), (Type::Int64, None));
    let friends = &get.responses[0].fields[2];
    assert_eq!((friends.name.as_str(), friends.ty.clone()), ("friends", Type::String));

    let by_accid = &doc.operations[4];
    let friend = &by_accid.responses[0].fields[1];
    assert_eq!((friend.name.as_str(), friend.ty.clone(), friend.line), ("friend", Type::Object, 146));
    assert!(friend.example.as_deref().unwrap().contains("\"updatetime\": 1440037706987"));
    assert!(by_accid.responses[0].example.as_deref().unwrap().contains("\"faccid\": \"t2\""));
    assert!(
        by_accid
            .description
            .as_deref()
            .unwrap()
            .contains("好友关系不存在的返回示例\n如果非好友关系,则返回404")
    );
    assert!(by_accid.description.as_deref().unwrap().contains("\"code\":404"));
}

#[test]
fn friend_snapshot() {
    let doc = netease::parse(FILE, SRC).unwrap();
    insta::assert_yaml_snapshot!("netease_model", doc);
}

proptest::proptest! {
    /// Dropped lines and a cut anywhere (on a char boundary) give a model
    /// or a DocError, never a panic.
    #[test]
    fn mangled_document_never_panics(drop in proptest::collection::vec(0usize..600, 0..8), cut in 0usize..20_000) {
        let _ = netease::parse(FILE, &common::mangle(SRC, &drop, cut));
    }
}
