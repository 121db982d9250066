//! The typed MaxIM parser on the real `spec/docs/maxim/roster.md`.

mod common;

use xtask::model::{Media, Method, Type};
use xtask::parse::maxim_typed;

const FILE: &str = "spec/docs/maxim/roster.md";
const SRC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/docs/maxim/roster.md"));

/// Table data rows per `## ` heading, as (line, name, type), read from the
/// raw text: lines that start with `|` and are neither header (`参数名称`)
/// nor delimiter rows.
fn raw_rows() -> Vec<Vec<(usize, String, String)>> {
    let row = |(n, line): (usize, &str)| {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        (n, cells[0].trim_start_matches(['⇥', ' ']).to_string(), cells[1].to_string())
    };
    let is_row = |l: &str| l.starts_with('|') && !l.contains("参数名称") && !l.contains("------");
    common::per_operation(SRC, |l| l.starts_with("## "))
        .into_iter()
        .map(|op| op.into_iter().filter(|(_, l)| is_row(l)).map(row).collect())
        .collect()
}

#[test]
fn roster_counts_and_types() {
    let doc = maxim_typed::parse(FILE, SRC).unwrap();
    assert_eq!(doc.vendor, "maxim");
    assert_eq!(doc.source, FILE);
    assert_eq!(doc.title, "好友管理接口");
    assert_eq!(doc.sections.len(), 1);
    assert_eq!(doc.sections[0].anchor.as_deref(), Some("roster"));
    assert_eq!(doc.operations.len(), 16);
    let pairs: usize = doc.operations.iter().map(|o| o.methods.len()).sum();
    assert_eq!(pairs, 22);
    assert_eq!(pairs, SRC.lines().filter(|l| l.starts_with("> ") && l.contains(" /")).count());

    let accept = &doc.operations[0];
    assert_eq!(accept.methods, vec![Method::Put, Method::Post]);
    assert_eq!(accept.path, "/roster/accept");
    let delete = doc.operations.iter().find(|o| o.path == "/roster/delete").unwrap();
    assert_eq!(delete.methods, vec![Method::Delete, Method::Post]);

    // Every row of the document, compared with the model by line.
    let raw = raw_rows();
    assert_eq!(raw.len(), doc.operations.len());
    for (op, rows) in doc.operations.iter().zip(&raw) {
        let fields = common::op_fields(op);
        assert_eq!(fields.len(), rows.len(), "{}: fields vs raw table rows", op.summary);
        for (f, (line, name, ty)) in fields.iter().zip(rows) {
            assert_eq!((f.line, &f.name, f.ty.to_string()), (*line, name, ty.clone()), "{}", op.summary);
        }
        // Ids are int64 except the string app_id, as the document says.
        for f in &fields {
            if f.name.ends_with("_id") && f.name != "app_id" {
                assert_eq!(f.ty, Type::Int64, "{} {}", op.summary, f.name);
            }
        }
        assert!(op.description.is_none(), "every 接口描述 is empty");
        assert!(op.responses.iter().all(|r| r.status == 200 && r.media == Media::Json));
        assert!(op.headers.iter().chain(&op.query).all(|f| f.required.is_some()));
    }

    // The batch body: one unnamed array field holding the three properties.
    let batch = doc.operations.iter().find(|o| o.path == "/roster/apply/batch").unwrap();
    let body = batch.body.as_ref().unwrap();
    assert_eq!(body.fields.len(), 1);
    assert_eq!(body.fields[0].name, "");
    assert_eq!(body.fields[0].ty, Type::Array(Box::new(Type::Object)));
    let names: Vec<_> = body.fields[0].children.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["alias", "reason", "user_id"]);
    let data = &batch.responses[0].fields[1];
    assert_eq!(data.children[0].name, "fails");
    assert_eq!(data.children[0].children.len(), 2);

    let list = doc.operations.iter().find(|o| o.path == "/roster/apply/list").unwrap();
    let status = list.responses[0].fields[2].children.iter().find(|f| f.name == "status").unwrap();
    assert_eq!(status.enum_values.len(), 3);
}

#[test]
fn roster_snapshot() {
    let doc = maxim_typed::parse(FILE, SRC).unwrap();
    insta::assert_yaml_snapshot!("maxim_typed_model", doc);
}

proptest::proptest! {
    /// Dropped lines and a cut anywhere (on a char boundary) give a model
    /// or a DocError, never a panic.
    #[test]
    fn mangled_document_never_panics(drop in proptest::collection::vec(0usize..600, 0..8), cut in 0usize..20_000) {
        let _ = maxim_typed::parse(FILE, &common::mangle(SRC, &drop, cut));
    }
}

/// The vendor's English edition of the same section (a fixture, never
/// edited): the same model but for its texts.
const EN_FILE: &str = "xtask/tests/fixtures/maxim-en-roster.md";
const EN_SRC: &str = include_str!("fixtures/maxim-en-roster.md");

#[test]
fn english_roster_has_the_operations_and_rows_of_the_chinese_one() {
    let zh = maxim_typed::parse(FILE, SRC).unwrap();
    let en = maxim_typed::parse(EN_FILE, EN_SRC).unwrap();
    assert_eq!(en.title, "Friend management interface");
    assert_eq!(en.sections[0].anchor.as_deref(), Some("roster"));
    assert_eq!(en.operations.len(), zh.operations.len());
    for (e, z) in en.operations.iter().zip(&zh.operations) {
        assert_eq!((&e.methods, &e.path, &e.anchor), (&z.methods, &z.path, &z.anchor));
        let rows = |op| {
            common::op_fields(op)
                .iter()
                .map(|f| (f.line, f.name.clone(), f.ty.to_string(), f.required, f.default.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(rows(e), rows(z), "{}", e.path);
        assert_ne!(e.summary, z.summary, "the summaries are in English");
    }
}

#[test]
fn english_roster_snapshot() {
    let doc = maxim_typed::parse(EN_FILE, EN_SRC).unwrap();
    insta::assert_yaml_snapshot!("maxim_typed_en_model", doc);
}
