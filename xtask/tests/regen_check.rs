//! A plain `cargo test` fails, naming each file, when a checked-in generated
//! file differs from what `cargo xtask regen` would write.

#[test]
fn generated_files_are_fresh() {
    let root = xtask::regen::repo_root();
    let files = xtask::regen::generate_all(&root).expect("regen must succeed on the checked-in documents");
    let stale = xtask::regen::stale(&root, &files);
    assert!(stale.is_empty(), "stale generated files; run `cargo xtask regen`:\n  {}", stale.join("\n  "));
}

#[test]
fn regen_is_deterministic() {
    let root = xtask::regen::repo_root();
    let a = xtask::regen::generate_all(&root).unwrap();
    let b = xtask::regen::generate_all(&root).unwrap();
    assert_eq!(a, b);
}
