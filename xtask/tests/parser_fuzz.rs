//! Arbitrary input never panics a parser: it parses or it names a line.

use proptest::prelude::*;
use xtask::parse::{Dialect, parse};

const DIALECTS: [Dialect; 4] = [Dialect::MaximTyped, Dialect::MaximExport, Dialect::Netease, Dialect::Yhchat];

/// Lines shaped like the documents' own, so the fuzzer reaches deep into
/// each parser rather than stopping at the first heading.
fn doc_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("## 3.1\t设置".to_string()),
        Just("## 3.1 同意{#put__roster_accept}".to_string()),
        Just("# 3 好友{#roster}".to_string()),
        Just("## 3\t用户操作".to_string()),
        Just("> POST  /user/x".to_string()),
        Just("> GET /roster/list".to_string()),
        Just("### 请求头".to_string()),
        Just("#### 请求体(Request Body)".to_string()),
        Just("### 请求参数(Query Param)".to_string()),
        Just("### 响应体".to_string()),
        Just("● 200 响应数据格式：JSON".to_string()),
        Just("| 参数名称 | 数据类型 | 默认值 | 不为空 | 描述 |".to_string()),
        Just("| ------ | ------ | ------ | ------ | ------ |".to_string()),
        Just("|access-token||令牌||app_id||应用ID|".to_string()),
        Just("| data|object||false|x|".to_string()),
        Just("|⇥ a|array[object]||false||".to_string()),
        Just("|⇥⇥ b|int32||false||".to_string()),
        Just("|⇥⇥⇥ c|strin||false||".to_string()),
        Just("参数 | 类型 | 字符串长度上限 | 是否必填 | 示例 | 描述 |".to_string()),
        Just("---|---|---|---|---|---|".to_string()),
        Just("accid | String | 32 | 必填 | z | x |".to_string()),
        Just("POST https://api.netease.im/nimserver/friend/add.action HTTP/1.1".to_string()),
        Just("URL".to_string()),
        Just("POST /v1/friend/apply".to_string()),
        Just("请求体:".to_string()),
        Just("{".to_string()),
        Just("}响应体:".to_string()),
        Just("\"chatId\": \"123\", // 目标".to_string()),
        Just("message M { string a = 1;".to_string()),
        Just("repeated Data data = 2; }".to_string()),
        // The typed dialect's English edition, mixed in with the Chinese.
        Just("# 3 Friend management interface{#roster}".to_string()),
        Just("## 3.1 Agree to add friend{#put__roster_accept}".to_string()),
        Just("#### Request Header".to_string()),
        Just("#### Query Param".to_string()),
        Just("#### Request Body".to_string()),
        Just("#### Response Body".to_string()),
        Just("#### Interface Description".to_string()),
        Just("● 200 Response data format:JSON".to_string()),
        Just("|  Parameter name |  Data Type | Required |  Description |".to_string()),
        Just("|  Parameter name |  Data Type | Required  |  Default |  Description |".to_string()),
        Just("|  Parameter name |  Type |  Description |".to_string()),
        Just("|  ------ |  ------ |  ------ |  ------ |".to_string()),
        Just("| user_id | int64 | true | Invitee ID |".to_string()),
        Just("|⇥ fails | array[object] | list of failure messages |".to_string()),
        Just("| status | int32 | Status: 0 - waiting, 1 - accepted |".to_string()),
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn structured_noise_never_panics(lines in proptest::collection::vec(doc_line(), 0..40)) {
        let src = lines.join("\n");
        for d in DIALECTS {
            if let Err(e) = parse(d, "fuzz.md", &src) {
                prop_assert_eq!(e.file.as_str(), "fuzz.md");
                prop_assert!(e.line <= src.lines().count() + 1, "line {} beyond input", e.line);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,400}") {
        for d in DIALECTS {
            let _ = parse(d, "fuzz.md", &src);
        }
    }
}

#[test]
fn real_documents_with_lines_removed_never_panic() {
    let root = xtask::regen::repo_root();
    for (rel, d) in [
        ("spec/docs/maxim/roster.md", Dialect::MaximTyped),
        ("xtask/tests/fixtures/maxim-en-roster.md", Dialect::MaximTyped),
        ("spec/docs/maxim/server-api.md", Dialect::MaximExport),
        ("spec/docs/netease/friend.md", Dialect::Netease),
        ("spec/docs/yhchat/friend.md", Dialect::Yhchat),
    ] {
        let src = std::fs::read_to_string(root.join(rel)).unwrap();
        let lines: Vec<&str> = src.lines().collect();
        // Drop every 7th line starting at several offsets: truncated tables,
        // orphaned rows, headings without bodies.
        for offset in 0..7 {
            let cut: Vec<&str> =
                lines.iter().enumerate().filter(|(i, _)| i % 7 != offset).map(|(_, l)| *l).collect();
            let _ = parse(d, rel, &cut.join("\n"));
        }
    }
}
