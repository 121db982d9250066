//! `cargo xtask openapi` on documents the repository has never seen: the
//! vendor's English edition, operations whose derived names clash, and the
//! project's own overrides applied to one section of a document. None of
//! them needs an override written first.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use xtask::overrides::Overrides;
use xtask::pipeline;

const EN_ROSTER: &str = "xtask/tests/fixtures/maxim-en-roster.md";
const ZH_ROSTER: &str = "spec/docs/maxim/roster.md";

fn root() -> PathBuf {
    xtask::regen::repo_root()
}

/// A spec without what a translation changes: descriptions, summaries,
/// titles and the enumerated values' labels.
fn strip_texts(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| {
                    !matches!(k.as_str(), "description" | "summary" | "title" | "x-enum-descriptions")
                })
                .map(|(k, v)| (k.clone(), strip_texts(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_texts).collect()),
        other => other.clone(),
    }
}

fn spec_of(docs: &[&str], overrides: &Overrides) -> Value {
    let parsed = pipeline::parse_all(&root(), docs).unwrap();
    pipeline::build(parsed, overrides).unwrap().1
}

/// Runs the `xtask` binary from the repository root.
fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask")).current_dir(root()).args(args).output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("convert_outside_{}_{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn operation_ids(spec: &Value) -> Vec<String> {
    let mut ids: Vec<String> = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn english_roster_converts_to_the_chinese_spec_but_for_its_texts() {
    for overrides in [Overrides::default(), {
        let file = "spec/overrides/maxim.toml";
        let mut o = Overrides::parse(file, &pipeline::read(&root(), file).unwrap()).unwrap();
        o.allow_unused = true;
        o
    }] {
        let en = spec_of(&[EN_ROSTER], &overrides);
        let zh = spec_of(&[ZH_ROSTER], &overrides);
        assert_eq!(strip_texts(&en), strip_texts(&zh));
        // The comparison covers what it promises: 22 routes, enums, required flags.
        assert_eq!(operation_ids(&en).len(), 22);
        let text = serde_json::to_string(&en).unwrap();
        assert!(text.contains("\"enum\":[0,1,2,3]"), "the relation enum is read from English text");
        assert!(text.contains("\"required\":true"));
        assert_ne!(
            en["paths"]["/roster/accept"]["put"]["summary"],
            zh["paths"]["/roster/accept"]["put"]["summary"]
        );
    }
}

#[test]
fn english_roster_in_the_repository_set_gives_the_checked_in_spec_but_for_its_texts() {
    let file = "spec/overrides/maxim.toml";
    let overrides = Overrides::parse(file, &pipeline::read(&root(), file).unwrap()).unwrap();
    let spec = spec_of(&["spec/docs/maxim/server-api.md", EN_ROSTER], &overrides);
    overrides.check_all_used().unwrap();
    let checked_in = read_json(&root().join("spec/openapi/maxim.json"));
    assert_eq!(strip_texts(&spec), strip_texts(&checked_in));
    assert_ne!(spec, checked_in, "the English texts are in it");
}

#[test]
fn clashing_names_become_method_names_with_a_warning() {
    let dir = scratch("clash");
    // GET and PUT/POST /user/profile: different tables, one derived name.
    let doc = "# 1 User{#user}\n\n## 1.1 Get profile{#get__user_profile}\n\n> GET /user/profile\n\n\
               #### Response Body\n● 200 Response data format:JSON\n\n|  Parameter name |  Type |  Description |\n\
               |---|---|---|\n| code | int32 | Return code |\n| data | string | Name |\n\n\
               ## 1.2 Update profile{#put__user_profile}\n\n> PUT /user/profile\n\n> POST /user/profile\n\n\
               #### Request Body\n|  Parameter name |  Data Type | Required  |  Default |  Description |\n\
               |---|---|---|---|---|\n| nick_name | string | true |  | Name |\n\n\
               #### Response Body\n● 200 Response data format:JSON\n\n|  Parameter name |  Type |  Description |\n\
               |---|---|---|\n| code | int32 | Return code |\n\n\
               ## 1.3 Delete profile{#delete__user_profile}\n\n> DELETE /user/profile\n\n\
               #### Query Param\n|  Parameter name |  Data Type | Required |  Description |\n|---|---|---|---|\n\
               | user_id | int64 | true | User |\n";
    std::fs::write(dir.join("user.md"), doc).unwrap();
    let out = dir.join("user.json");
    let run = xtask(&["openapi", &dir.join("user.md").to_string_lossy(), "-o", &out.to_string_lossy()]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning:")
            && stderr.contains("would all be named `user_profile`")
            && stderr.contains("GET /user/profile (line 3) → `user_profile_get`")
            && stderr.contains("PUT/POST /user/profile (line 15) → `user_profile_update`")
            && stderr.contains("DELETE /user/profile (line 33) → `user_profile_delete`"),
        "{stderr}"
    );
    let spec = read_json(&out);
    assert_eq!(
        operation_ids(&spec),
        ["user_profile_delete", "user_profile_get", "user_profile_update", "user_profile_update_post"]
    );
    assert_eq!(spec["paths"]["/user/profile"]["post"]["x-operation"], "user_profile_update");
}

#[test]
fn the_export_document_converts_without_overrides() {
    let dir = scratch("export");
    let out = dir.join("maxim.json");
    let run = xtask(&["openapi", "spec/docs/maxim/server-api.md", "-o", &out.to_string_lossy()]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    // The repository's overrides name these pairs alike.
    let ids = operation_ids(&read_json(&out));
    for id in ["user_profile_get", "user_profile_update", "user_settings_get", "message_conversation_delete"]
    {
        assert!(ids.iter().any(|i| i == id), "{id} in {ids:?}");
    }
    assert!(stderr.contains("would all be named `message_conversation`"), "{stderr}");
}

#[test]
fn project_overrides_apply_to_the_roster_section_alone() {
    let dir = scratch("partial");
    let out = dir.join("roster.json");
    let out_s = out.to_string_lossy();
    let args = ["openapi", ZH_ROSTER, "--overrides", "spec/overrides/maxim.toml", "-o", &out_s];
    let strict = xtask(&args);
    assert!(!strict.status.success());
    assert!(String::from_utf8_lossy(&strict.stderr).contains("matches nothing"));

    let run = xtask(&[&args[..], &["--allow-unused-overrides"]].concat());
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let spec = read_json(&out);
    let ids = operation_ids(&spec);
    // The overrides' names, not the derived ones, and no warning needed.
    assert!(
        ids.contains(&"roster_list_ids".to_string()) && ids.contains(&"roster_list_items".to_string()),
        "{ids:?}"
    );
    assert!(!String::from_utf8_lossy(&run.stderr).contains("warning"));
    // The shared-schema rules on this section's components applied, those
    // whose components it lacks were skipped; the envelopes are the project's.
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    for name in ["Envelope", "ListEnvelope", "RosterItem"] {
        assert!(schemas.contains_key(name), "{name} in {:?}", schemas.keys());
    }
    for name in ["RosterIdData", "TokenData"] {
        assert!(!schemas.contains_key(name), "{name} in {:?}", schemas.keys());
    }
}

#[test]
fn every_section_of_the_export_converts_alone_with_and_without_the_overrides() {
    let src = pipeline::read(&root(), "spec/docs/maxim/server-api.md").unwrap();
    let lines: Vec<&str> = src.lines().collect();
    let is_section = |l: &str| {
        l.strip_prefix("## ").and_then(|r| r.split_once('\t')).is_some_and(|(n, _)| n.parse::<u32>().is_ok())
    };
    let starts: Vec<usize> = (0..lines.len()).filter(|i| is_section(lines[*i])).collect();
    // The title, the environment and the introduction (sections 1 and 2)
    // head every part, as they head the document.
    let head = &lines[..starts[2]];
    let file = "spec/overrides/maxim.toml";
    let mut lenient = Overrides::parse(file, &pipeline::read(&root(), file).unwrap()).unwrap();
    lenient.allow_unused = true;
    let dir = scratch("sections");
    let mut converted = 0;
    for (k, start) in starts[2..].iter().enumerate() {
        let end = starts.get(k + 3).copied().unwrap_or(lines.len());
        let part = [head, &lines[*start..end]].concat().join("\n");
        let rel = format!("part{k}.md");
        std::fs::write(dir.join(&rel), part).unwrap();
        for o in [&Overrides::default(), &lenient] {
            let parsed = pipeline::parse_all(&dir, &[rel.as_str()]).unwrap();
            let (doc, spec) = pipeline::build(parsed, o).unwrap_or_else(|e| panic!("{}: {e}", lines[*start]));
            // Every documented route (the overrides' `extra_routes` add some).
            let routes: usize = doc.operations.iter().map(|o| o.methods.len()).sum();
            assert!(routes > 0 && operation_ids(&spec).len() >= routes, "{}", lines[*start]);
        }
        converted += 1;
    }
    assert_eq!(converted, 7, "sections 3 to 9");
}
