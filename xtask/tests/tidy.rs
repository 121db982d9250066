//! Tidy checks over the repository's own files, in the style of
//! rust-analyzer's `tidy.rs`: rules no compiler or linter enforces, each
//! failing with the full list of offenders so that one run shows all of them.
//!
//! 1. Every handwritten `.rs` file opens with a `//!` module doc saying what
//!    it holds and why. "Handwritten" is every `.rs` file under `xtask/`,
//!    `server/`, `client/`, `tests/` and `bench/`, except `target/` folders and the
//!    generated folders `server/src/generated/` and `client/src/generated/`.
//!    Crate roots (`lib.rs`, `main.rs`, `build.rs`, each integration test
//!    file), `mod.rs` files and the modules of a multi-file test crate count
//!    like any other module. Before the `//!` line there may be blank lines,
//!    plain `//` comments and inner attributes (`#![...]`), nothing else.
//! 2. A comment or doc in a `.rs`, `.toml` or `.md` file cites only files
//!    that exist in the repository, so that a fresh clone can follow every
//!    reference. What counts as comment or doc: in `.rs` files, `//` comments
//!    (`///` and `//!` included), whole-line or trailing after code; in
//!    `.toml` files every line (comments, and strings such as an override's
//!    `reason`); in `.md` files every line. A citation is a token that starts
//!    with one of [`ROOTS`] (`docs/`, `spec/`, `server/`, `xtask/`, `tests/`,
//!    `client/`, `bench/`) where no path character precedes it, and runs while path
//!    characters (`A-Z a-z 0-9 _ . / -`) follow; trailing dots are dropped
//!    (sentence ends). So a placeholder such as `spec/overrides/<vendor>.toml`
//!    is checked up to `spec/overrides/`, and a glob up to its first `*`. A
//!    `#anchor` after a Markdown file must name one of its headings (GitHub's
//!    slugs) or an `<a id="...">`. Relative links in Markdown (`[x](maxim.md#tokens)`)
//!    are checked the same way, from the linking file's folder. Anything
//!    naming the old out-of-repository reference page is always an offender.
//!    Not checked: the vendors' documents under `spec/docs/` (input data,
//!    never edited) and folders named `target`, `node_modules` or `.git`.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;

/// Top-level folders a citation may start with (repository-relative paths).
const ROOTS: &[&str] = &["docs", "spec", "server", "xtask", "tests", "client", "bench"];

/// Folders whose `.rs` files are handwritten (rule 1).
const RUST_ROOTS: &[&str] = &["xtask", "server", "client", "tests", "bench"];

/// Generated code: written by `cargo xtask regen`, documented by the generator.
const GENERATED: &[&str] = &["server/src/generated", "client/src/generated"];

/// Folders never walked: build output, installed packages, git's own.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules", ".git"];

/// The vendors' documents: data the project reads, not text it writes.
const VENDOR_DOCS: &str = "spec/docs";

/// Names of the reference page that lived outside the repository; built
/// from pieces so that this file does not cite it itself.
fn outside_references() -> [String; 2] {
    [["semantics", ".md"].concat(), ["shared", "/reference"].concat()]
}

fn root() -> PathBuf {
    xtask::regen::repo_root()
}

/// `path` relative to the repository root, with `/` separators.
fn rel(path: &Path) -> String {
    let root = root();
    path.strip_prefix(&root).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

/// Every file under `dir` (recursively) whose extension is one of `exts`,
/// sorted, skipping [`SKIPPED_DIRS`] and the repository-relative `excluded` folders.
fn walk(dir: &Path, exts: &[&str], excluded: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if path.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_str()) && !excluded.contains(&rel(&path).as_str()) {
                walk(&path, exts, excluded, out);
            }
        } else if path.extension().is_some_and(|e| exts.iter().any(|x| e == *x)) {
            out.push(path);
        }
    }
}

fn handwritten_rust_files() -> Vec<PathBuf> {
    let root = root();
    let mut files = Vec::new();
    for dir in RUST_ROOTS {
        walk(&root.join(dir), &["rs"], GENERATED, &mut files);
    }
    files
}

fn documentation_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    walk(&root(), &["rs", "toml", "md"], &[VENDOR_DOCS], &mut files);
    files
}

/// Whether the first line that is not blank, a plain `//` comment or an
/// inner attribute is a `//!` module doc.
fn opens_with_module_doc(text: &str) -> bool {
    let mut in_attribute = false;
    for line in text.lines() {
        let t = line.trim();
        if in_attribute {
            in_attribute = !t.ends_with(']');
            continue;
        }
        if t.starts_with("//!") {
            return true;
        }
        if t.is_empty() || (t.starts_with("//") && !t.starts_with("///")) {
            continue;
        }
        if t.starts_with("#![") {
            in_attribute = !t.ends_with(']');
            continue;
        }
        return false;
    }
    false
}

#[test]
fn every_handwritten_module_has_a_module_doc() {
    let files = handwritten_rust_files();
    assert!(files.len() > 50, "the walk found only {} files: is the root right?", files.len());
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| !opens_with_module_doc(&fs::read_to_string(f).unwrap_or_default()))
        .map(|f| rel(f))
        .collect();
    assert!(
        offenders.is_empty(),
        "{} handwritten module(s) without a `//!` doc at the top saying what they hold and why:\n  {}",
        offenders.len(),
        offenders.join("\n  ")
    );
}

/// The comment and doc text of one file, as `(line number, text)`.
fn doc_lines(path: &Path, text: &str) -> Vec<(usize, String)> {
    let is_rust = path.extension().is_some_and(|e| e == "rs");
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if !is_rust {
            out.push((i + 1, line.to_string()));
        } else if let Some(comment) = rust_comment(line) {
            out.push((i + 1, comment.to_string()));
        }
    }
    out
}

/// The `//` comment of a line of Rust: the whole line when it starts with
/// `//`, else what follows a ` //` outside a string (an even number of `"`
/// before it; good enough for this code base, where no literal holds `//`
/// after an odd quote count).
fn rust_comment(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("//") {
        return Some(rest);
    }
    let mut from = 0;
    while let Some(at) = line[from..].find(" //").map(|i| from + i) {
        if line[..at].matches('"').count().is_multiple_of(2) {
            return Some(&line[at + 3..]);
        }
        from = at + 3;
    }
    None
}

/// GitHub's anchors for a Markdown file: one per heading (lower case,
/// punctuation dropped, spaces as `-`, repeats numbered `-1`, `-2`, …)
/// outside fenced code, plus explicit `<a id="…">` / `<a name="…">`.
fn anchors(markdown: &str) -> HashSet<String> {
    let explicit = Regex::new(r#"<a\s+(?:id|name)="([^"]+)""#).unwrap();
    let mut out = HashSet::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        for c in explicit.captures_iter(line) {
            out.insert(c[1].to_string());
        }
        if fenced {
            continue;
        }
        let hashes = line.chars().take_while(|c| *c == '#').count();
        let Some(title) = line.get(hashes..).filter(|_| (1..=6).contains(&hashes)) else { continue };
        if !title.starts_with(' ') {
            continue;
        }
        let slug: String = title
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut unique = slug.clone();
        let mut n = 0;
        while out.contains(&unique) {
            n += 1;
            unique = format!("{slug}-{n}");
        }
        out.insert(unique);
    }
    out
}

/// Why `target` (a path from the repository root, maybe with `#anchor`)
/// cannot be followed, if it cannot.
fn broken(target: &str, anchor: Option<&str>) -> Option<String> {
    let root = root();
    let path = root.join(target);
    if !path.exists() {
        return Some(format!("`{target}` does not exist"));
    }
    let anchor = anchor.filter(|a| !a.is_empty())?;
    if path.extension().is_some_and(|e| e == "md") {
        let text = fs::read_to_string(&path).unwrap_or_default();
        if !anchors(&text).contains(anchor) {
            return Some(format!("`{target}` has no heading for `#{anchor}`"));
        }
    }
    None
}

/// `base` joined with a relative `link`, `..` and `.` resolved, from the root.
fn resolve(base: &str, link: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for p in link.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// Every broken citation in one file's comment and doc text.
fn broken_citations(path: &Path, text: &str) -> Vec<String> {
    let roots = ROOTS.join("|");
    let citation =
        Regex::new(&format!(r"(?:^|[^A-Za-z0-9_./-])((?:{roots})/[A-Za-z0-9_./-]*)(?:#([\w-]+))?")).unwrap();
    let link = Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    let outside = outside_references();
    let file = rel(path);
    let folder = file.rsplit_once('/').map_or("", |(dir, _)| dir).to_string();
    let is_markdown = file.ends_with(".md");
    let mut out = Vec::new();
    for (n, line) in doc_lines(path, text) {
        for name in &outside {
            if line.contains(name.as_str()) {
                out.push(format!("{file}:{n}: cites `{name}`, which is outside the repository"));
            }
        }
        for c in citation.captures_iter(&line) {
            let target = c[1].trim_end_matches('.');
            if let Some(why) = broken(target, c.get(2).map(|a| a.as_str())) {
                out.push(format!("{file}:{n}: {why}"));
            }
        }
        if !is_markdown {
            continue;
        }
        for c in link.captures_iter(&line) {
            let raw = &c[1];
            if raw.contains("://") || raw.starts_with("mailto:") || raw.starts_with('/') {
                continue;
            }
            let (target, anchor) = match raw.split_once('#') {
                Some((t, a)) => (t, Some(a)),
                None => (raw, None),
            };
            let target = if target.is_empty() { file.clone() } else { resolve(&folder, target) };
            if let Some(why) = broken(&target, anchor) {
                out.push(format!("{file}:{n}: link `{raw}`: {why}"));
            }
        }
    }
    out
}

#[test]
fn comments_and_docs_cite_files_of_the_repository() {
    let files = documentation_files();
    assert!(files.iter().any(|f| rel(f) == "docs/README.md"), "the walk must reach docs/");
    let offenders: Vec<String> =
        files.iter().flat_map(|f| broken_citations(f, &fs::read_to_string(f).unwrap_or_default())).collect();
    assert!(
        offenders.is_empty(),
        "{} citation(s) a fresh clone cannot follow (cite a file of the repository, \
         e.g. `docs/maxim.md#tokens`, by its path from the root):\n  {}",
        offenders.len(),
        offenders.join("\n  ")
    );
}

#[test]
fn the_checks_catch_what_they_are_for() {
    assert!(opens_with_module_doc("//! Doc.\nfn main() {}"));
    assert!(opens_with_module_doc("// A note.\n#![allow(\n    dead_code\n)]\n\n//! Doc."));
    assert!(!opens_with_module_doc("use std::fs;\n//! Too late."));
    assert!(!opens_with_module_doc("/// An item's doc, not the module's.\nfn f() {}"));
    assert!(!opens_with_module_doc(""));

    assert_eq!(rust_comment("let url = \"http://x\"; // see docs/"), Some(" see docs/"));
    assert_eq!(rust_comment("let url = \"http://x\";"), None);

    let slugs = anchors(
        "# Title\n## Error codes\n```\n# not a heading\n```\n## `get.action` with deletions\n## Error codes\n<a id=\"here\"></a>",
    );
    for slug in ["title", "error-codes", "error-codes-1", "getaction-with-deletions", "here"] {
        assert!(slugs.contains(slug), "{slug} in {slugs:?}");
    }
    assert!(!slugs.contains("not-a-heading"));
    assert_eq!(resolve("docs", "../spec/x.md"), "spec/x.md");

    let rs = Path::new("x.rs");
    let found = |text: &str| broken_citations(rs, text);
    assert!(
        found("// see docs/README.md and docs/README.md#apps, `spec/overrides/<vendor>.toml`.").is_empty()
    );
    assert_eq!(found("// see docs/nothing-here.md").len(), 1);
    assert_eq!(found("// see docs/README.md#no-such-heading").len(), 1);
    assert_eq!(found(&format!("//! As {} says", outside_references()[0])).len(), 1);
    assert!(found("let p = \"docs/nothing-here.md\";").is_empty(), "code is not a comment");
    assert!(found("// ../docs/nothing-here.md is relative, not from the root").is_empty());
    let md = Path::new("docs/x.md");
    assert_eq!(broken_citations(md, "[a](maxim.md#tokens) [b](nothing.md) [c](#nowhere)").len(), 2);
}
