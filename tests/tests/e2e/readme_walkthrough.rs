//! The README's walkthrough, run as written against a real server: a
//! newcomer following it ends with two friends who exchanged a text and a
//! picture, and no step missing.

use tests::on_both_backends;

fn walkthrough() -> String {
    let readme = include_str!("../../../README.md");
    let start = readme.find("<!-- walkthrough -->").expect("walkthrough marker");
    let end = readme.find("<!-- /walkthrough -->").expect("walkthrough end marker");
    let block = &readme[start..end];
    let code_start = block.find("```sh\n").expect("a sh block") + "```sh\n".len();
    let code_end = block[code_start..].find("```").expect("closing fence") + code_start;
    block[code_start..code_end].to_string()
}

/// The answers the walkthrough printed, one JSON document per line (other
/// lines, such as the picture's confirmation, are skipped).
fn answers(stdout: &str) -> Vec<serde_json::Value> {
    stdout.lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()).collect()
}

/// The unread count of one conversation in a `/message/unread` answer.
fn unread_from(answer: &serde_json::Value, peer: &serde_json::Value) -> Option<i64> {
    answer["data"].as_array()?.iter().find(|c| &c["conversation_id"]["uid"] == peer)?["num"].as_i64()
}

on_both_backends!(the_readme_walkthrough_makes_friends_who_chat, |app| {
    let script = walkthrough();
    let dir = tempfile::tempdir().expect("a scratch folder");
    let out = tokio::process::Command::new("bash")
        .arg("-euc")
        .arg(&script)
        .current_dir(dir.path())
        .env("S", &app.base_url)
        .env("APP", &app.app_id)
        .output()
        .await
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "walkthrough failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let answers = answers(&stdout);

    // Step 4: bob is alice's friend.
    let items = answers
        .iter()
        .find(|a| a["data"][0]["username"] == "bob")
        .unwrap_or_else(|| panic!("no roster item of bob: {stdout}"));
    assert_eq!(items["code"], 200, "{stdout}");
    assert_eq!(items["data"][0]["relation"], 0, "{stdout}");

    // Steps 5 to 7: every call answered 200, the picture arrived intact, and
    // bob's unread count for alice went from 2 to 0.
    assert!(answers.iter().all(|a| a["code"] == 200), "a step failed: {stdout}");
    assert!(stdout.contains("the picture arrived"), "{stdout}");
    let unread: Vec<&serde_json::Value> = answers
        .iter()
        .filter(|a| a["data"].as_array().is_some_and(|d| d.iter().any(|c| c.get("num").is_some())))
        .collect();
    assert_eq!(unread.len(), 2, "two /message/unread answers: {stdout}");
    let peer = unread[0]["data"][0]["conversation_id"]["uid"].clone();
    assert_eq!(unread_from(unread[0], &peer), Some(2), "{stdout}");
    assert_eq!(unread_from(unread[1], &peer), Some(0), "{stdout}");
    let history = answers.iter().find(|a| a["data"]["messages"].is_array()).expect("a history answer");
    let messages = history["data"]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{stdout}");
    assert_eq!(messages[0]["ctype"], "IMAGE", "newest first: {stdout}");
    assert_eq!(messages[1]["content"], "hi bob", "newest first: {stdout}");
    assert_eq!(messages[0]["from_xid"]["uid"], peer, "{stdout}");
});
