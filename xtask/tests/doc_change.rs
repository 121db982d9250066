//! The doc-change workflow end to end, on a scratch copy of the inputs: a new
//! operation added to a document shows up in the spec and as a new trait
//! method without a default body, so the server stops compiling until it is
//! implemented; a stale checked-in file is reported by name.

use std::path::Path;

fn copy_inputs(to: &Path) {
    let root = xtask::regen::repo_root();
    for dir in ["spec/docs/maxim", "spec/docs/netease", "spec/docs/yhchat", "spec/overrides"] {
        std::fs::create_dir_all(to.join(dir)).unwrap();
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, to.join(dir).join(path.file_name().unwrap())).unwrap();
        }
    }
    let fixture = to.join(xtask::regen::HOSTILE_FIXTURE);
    std::fs::create_dir_all(fixture.parent().unwrap()).unwrap();
    std::fs::copy(root.join(xtask::regen::HOSTILE_FIXTURE), fixture).unwrap();
}

const NEW_OPERATION: &str = r#"
## 3.17 星标好友{#put__roster_star}

> PUT /roster/star

> POST /roster/star

#### 请求头
|  参数名称 |  数据类型 | 必填 |  描述 |
|  ------ |  ------ |  ------ |  ------ |
| access-token | string | false | 令牌 |
| app_id | string | true | 应用ID |

#### 请求参数(Query Param)
|  参数名称 |  数据类型 | 必填 |  描述 |
|  ------ |  ------ |  ------ |  ------ |
| user_id | int64 | true | 被星标的好友ID |

#### 响应体
● 200 响应数据格式：JSON

|  参数名称 |  类型 |  描述 |
|  ------ |  ------ |  ------ |
| code | int32 | 返回码，200是成功 |
| data | boolean | 结果数据 |
| message | string | 错误信息，如果成功，该项为null |
#### 接口描述
> 
"#;

#[test]
fn a_new_operation_flows_from_the_document_to_a_trait_method() {
    let scratch = std::env::temp_dir().join(format!("doc_change_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    copy_inputs(&scratch);
    let before = xtask::regen::generate_all(&scratch).expect("regen on the unchanged copy");

    let doc = scratch.join("spec/docs/maxim/roster.md");
    let mut text = std::fs::read_to_string(&doc).unwrap();
    text.push_str(NEW_OPERATION);
    std::fs::write(&doc, text).unwrap();
    let after = xtask::regen::generate_all(&scratch).expect("regen after the document change");

    let file = |files: &[xtask::regen::Generated], path: &str| {
        files.iter().find(|f| f.path == path).map(|f| f.contents.clone()).unwrap()
    };
    let spec: serde_json::Value = serde_json::from_str(&file(&after, "spec/openapi/maxim.json")).unwrap();
    let star = &spec["paths"]["/roster/star"];
    assert_eq!(star["put"]["x-operation"], "roster_star");
    assert_eq!(star["post"]["x-operation"], "roster_star");
    assert_eq!(star["put"]["parameters"][0]["schema"]["format"], "int64");

    // Exactly the MaxIM outputs changed; the other dialects are untouched.
    let changed: Vec<&str> = after.iter().filter(|a| !before.contains(a)).map(|a| a.path.as_str()).collect();
    assert!(changed.contains(&"spec/openapi/maxim.json"));
    assert!(changed.iter().all(|p| p.contains("maxim") || p.ends_with("generated/mod.rs")), "{changed:?}");

    // The roster trait gains a required method: the handwritten impl no longer
    // compiles until it provides `roster_star`.
    let api = syn::parse_file(&file(&after, "server/src/generated/maxim/api.rs")).unwrap();
    let roster = api
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Trait(t) if t.ident == "RosterApi" => Some(t),
            _ => None,
        })
        .expect("RosterApi");
    let star = roster
        .items
        .iter()
        .find_map(|i| match i {
            syn::TraitItem::Fn(f) if f.sig.ident == "roster_star" => Some(f),
            _ => None,
        })
        .expect("a roster_star method");
    assert!(star.default.is_none(), "no default body: the compiler lists what the server lacks");
    let router = file(&after, "server/src/generated/maxim/router.rs");
    assert!(router.contains("\"/roster/star\""), "the new path is routed");

    // The repository's checked-in files are now stale against the changed copy.
    let stale = xtask::regen::stale(&xtask::regen::repo_root(), &after);
    assert!(stale.iter().any(|s| s.starts_with("spec/openapi/maxim.json")), "{stale:?}");
    let _ = std::fs::remove_dir_all(&scratch);
}

#[test]
fn an_override_that_matches_nothing_fails_regen() {
    let scratch = std::env::temp_dir().join(format!("doc_change_rot_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    copy_inputs(&scratch);
    let overrides = scratch.join("spec/overrides/netease.toml");
    let mut text = std::fs::read_to_string(&overrides).unwrap();
    text.push_str(
        "\n[[fields]]\nname = \"field_removed_from_the_document\"\ntype = \"int64\"\nreason = \"test\"\n",
    );
    std::fs::write(&overrides, text).unwrap();
    let err = xtask::regen::generate_all(&scratch).unwrap_err().to_string();
    assert!(err.contains("field_removed_from_the_document") && err.contains("match nothing"), "{err}");
    let _ = std::fs::remove_dir_all(&scratch);
}
