//! The README's walkthrough, run as written against a real server: a
//! newcomer following it ends with two friends and no step missing.

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

on_both_backends!(the_readme_walkthrough_makes_two_friends, |app| {
    let script = walkthrough();
    let out = tokio::process::Command::new("bash")
        .arg("-euc")
        .arg(&script)
        .env("S", &app.base_url)
        .env("APP", &app.app_id)
        .output()
        .await
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "walkthrough failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let last = stdout.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
    let items: serde_json::Value =
        serde_json::from_str(last).unwrap_or_else(|e| panic!("last line is not JSON ({e}): {stdout}"));
    assert_eq!(items["code"], 200, "{stdout}");
    assert_eq!(items["data"][0]["username"], "bob", "{stdout}");
    assert_eq!(items["data"][0]["relation"], 0, "{stdout}");
});
