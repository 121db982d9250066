//! The API surface of the generated code, per dialect and for the hostile
//! fixture, as insta snapshots: one line per trait method (name, input and
//! reply types, routes), per header struct and per model field. The
//! generated files themselves are checked in and guarded by the freshness
//! test; these snapshots are the short, reviewable record of what a
//! document change does to the API.

use serde_json::Value;
use xtask::pipeline::{self, SPECS};

#[test]
fn dialect_surfaces() {
    let root = xtask::regen::repo_root();
    for src in SPECS {
        let (_, spec) = pipeline::build_checked_in(&root, src).unwrap();
        let surface = xtask::codegen::surface::surface(src.vendor, &spec).unwrap();
        insta::assert_snapshot!(format!("{}_surface", src.vendor), surface);
    }
}

#[test]
fn hostile_surface() {
    let path = xtask::regen::repo_root().join(xtask::regen::HOSTILE_FIXTURE);
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let surface = xtask::codegen::surface::surface("hostile", &fixture).unwrap();
    insta::assert_snapshot!("hostile_surface", surface);
}

/// One operation is one line of a trait, and its input one line per field.
#[test]
fn an_operation_is_a_line() {
    let root = xtask::regen::repo_root();
    let src = SPECS.iter().find(|s| s.vendor == "maxim").unwrap();
    let (_, spec) = pipeline::build_checked_in(&root, src).unwrap();
    let surface = xtask::codegen::surface::surface("maxim", &spec).unwrap();
    let accept: Vec<&str> =
        surface.lines().filter(|l| l.trim_start().starts_with("roster_accept(")).collect();
    assert_eq!(
        accept,
        [
            "  roster_accept(GroupIdHeaders, RosterAcceptInput) -> bool  [POST /roster/accept, PUT /roster/accept]"
        ]
    );
    assert!(surface.contains("\n  RosterAcceptInput\n    user_id: i64\n"), "{surface}");
}
