//! Writing generated files, or checking that the checked-in ones are what
//! the generator would write (`regen --check` and the stale-file test).

use crate::pipeline;
use std::path::{Path, PathBuf};

/// A file the generator owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// Repo-relative.
    pub path: String,
    pub contents: String,
}

/// Folders whose every file the generator owns: a file there that regen
/// would not write is stale too.
pub const OWNED_DIRS: &[&str] = &["spec/openapi", "server/src/generated", "client/src/generated"];

/// A small spec of names and shapes that break naive generators.
pub const HOSTILE_FIXTURE: &str = "xtask/tests/fixtures/hostile.json";

/// Everything `cargo xtask regen` writes.
pub fn generate_all(root: &Path) -> anyhow::Result<Vec<Generated>> {
    let mut out = Vec::new();
    let mut specs = Vec::new();
    for src in pipeline::SPECS {
        let (_, spec) = pipeline::build_checked_in(root, src).map_err(|e| anyhow::anyhow!("{e}"))?;
        out.push(Generated { path: src.output.to_string(), contents: pipeline::to_json(&spec) });
        specs.push((src.vendor, spec));
    }
    // Code from the specs just built (never from the Markdown model).
    for (vendor, spec) in &specs {
        out.extend(crate::codegen::generate(vendor, spec)?);
    }
    // The hostile fixture's code is checked in and compiled too (`#[cfg(test)]`).
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join(HOSTILE_FIXTURE))?)?;
    out.extend(crate::codegen::generate_from("hostile", HOSTILE_FIXTURE, &fixture)?);
    let vendors: Vec<&str> = specs.iter().map(|(v, _)| *v).collect();
    out.extend(crate::codegen::roots(&vendors, &["hostile"])?);
    Ok(out)
}

/// Files that differ from what regen would write, are missing, or sit in an
/// owned folder though regen would not write them.
pub fn stale(root: &Path, files: &[Generated]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        match std::fs::read_to_string(root.join(&f.path)) {
            // A checkout that turned LF into CRLF (Windows' `core.autocrlf`)
            // holds the same file.
            Ok(text) if same_text(&text, &f.contents) => {}
            Ok(_) => out.push(format!("{} (differs)", f.path)),
            Err(_) => out.push(format!("{} (missing)", f.path)),
        }
    }
    for dir in OWNED_DIRS {
        for path in walk(&root.join(dir)) {
            let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            if !files.iter().any(|f| f.path == rel) {
                out.push(format!("{rel} (not generated: remove it)"));
            }
        }
    }
    out
}

/// Equal once CRLF line ends are read as LF.
fn same_text(on_disk: &str, generated: &str) -> bool {
    on_disk == generated || (on_disk.contains("\r\n") && on_disk.replace("\r\n", "\n") == generated)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Writes every generated file (removing stale ones in owned folders), or
/// with `check` writes nothing and fails naming each stale file.
pub fn regen(root: &Path, check: bool) -> anyhow::Result<()> {
    let files = generate_all(root)?;
    let stale = stale(root, &files);
    if check {
        if stale.is_empty() {
            return Ok(());
        }
        anyhow::bail!("generated files are stale; run `cargo xtask regen`:\n  {}", stale.join("\n  "));
    }
    for dir in OWNED_DIRS {
        for path in walk(&root.join(dir)) {
            let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            if !files.iter().any(|f| f.path == rel) {
                std::fs::remove_file(&path)?;
                // A folder emptied by that (a dialect no longer generated) goes too.
                let mut dir = path.parent();
                while let Some(d) = dir {
                    if d == root.join(dir_root(&rel)) || std::fs::remove_dir(d).is_err() {
                        break;
                    }
                    dir = d.parent();
                }
            }
        }
    }
    for f in &files {
        let path = root.join(&f.path);
        if std::fs::read_to_string(&path).is_ok_and(|text| same_text(&text, &f.contents)) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &f.contents)?;
        println!("wrote {}", f.path);
    }
    Ok(())
}

/// The owned folder a repo-relative path is in.
fn dir_root(rel: &str) -> &str {
    OWNED_DIRS.iter().find(|d| rel.starts_with(&format!("{d}/"))).copied().unwrap_or("")
}

/// The repository root (the workspace folder above `xtask/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crlf_checkout_is_not_stale() {
        let dir = std::env::temp_dir().join(format!("regen-crlf-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("spec/openapi")).unwrap();
        let file =
            |contents: &str| Generated { path: "spec/openapi/x.json".into(), contents: contents.into() };
        std::fs::write(dir.join("spec/openapi/x.json"), "{\r\n  \"a\": 1\r\n}\r\n").unwrap();
        assert!(stale(&dir, &[file("{\n  \"a\": 1\n}\n")]).is_empty());
        assert_eq!(stale(&dir, &[file("{\n  \"a\": 2\n}\n")]), ["spec/openapi/x.json (differs)"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
