//! `server token list` and `server token revoke` as an operator runs them:
//! the list shows ids and at most the last 4 characters of each admin
//! token, never the token; a revoked token is refused from the next request.
//! The binary runs as a child process in a temporary folder of its own.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use server::core::{AppId, Config, Core, Error, SystemClock};
use server::store::Db;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!("cli-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create a temporary folder");
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(dir: &TempDir, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.current_dir(dir.path()).arg("--data-dir").arg(dir.path().join("data"));
    for var in ["DATA_DIR", "DATABASE_URL"] {
        cmd.env_remove(var);
    }
    let out = cmd.args(args).stdin(Stdio::null()).output().expect("run the server binary");
    println!(
        "`server {}`: {}\nstdout: {}stderr: {}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[tokio::test]
async fn tokens_are_listed_without_their_secret_and_revoked_at_once() {
    let dir = TempDir::new("tokens");
    let first = json(&run(&dir, &["app", "create", "--id", "shop", "--json"]));
    let first_secret = first["admin_token"].as_str().unwrap().to_owned();
    let second = json(&run(&dir, &["token", "create", "--app", "shop", "--label", "ci", "--json"]));
    let second_secret = second["admin_token"].as_str().unwrap().to_owned();

    let listed = json(&run(&dir, &["token", "list", "--app", "shop", "--json"]));
    let tokens = listed["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    for (token, secret) in tokens.iter().zip([&first_secret, &second_secret]) {
        let shown = token["shown"].as_str().unwrap();
        let tail = shown.strip_prefix("adm_…").expect("the kind, then the tail");
        assert_eq!(tail.chars().count(), 4);
        assert!(secret.ends_with(tail));
        assert!(token["id"].as_i64().is_some() && token["created_at"].as_i64().is_some());
    }
    let table = run(&dir, &["token", "list", "--app", "shop"]);
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    for secret in [&first_secret, &second_secret] {
        // Not the token, nor any 8 characters of its random part.
        for window in secret.as_bytes()[4..].windows(8) {
            let piece = std::str::from_utf8(window).unwrap();
            assert!(!table.contains(piece) && !listed.to_string().contains(piece), "{piece} shown");
        }
    }
    assert!(table.contains("ci"));

    let id = tokens[1]["id"].as_i64().unwrap().to_string();
    let out = run(&dir, &["token", "revoke", "--app", "shop", &id]);
    assert!(out.status.success());
    let listed = json(&run(&dir, &["token", "list", "--app", "shop", "--json"]));
    assert_eq!(listed["tokens"][1]["revoked"], true);
    assert_eq!(listed["tokens"][0]["revoked"], false);
    // Again, or an id of nothing: refused with the reason.
    for bad in [id.as_str(), "999"] {
        let out = run(&dir, &["token", "revoke", "--app", "shop", bad]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("no active admin token"));
    }

    let url = format!("sqlite://{}?mode=rwc", dir.path().join("data").join("server.db").display());
    let db = Db::connect(&url).await.unwrap();
    let core = Core::new(db.clone(), Arc::new(SystemClock), Config::default());
    let app = AppId::parse("shop").unwrap();
    let r = core.tokens().authenticate(&app, Some(&second_secret)).await;
    assert!(matches!(r, Err(Error::TokenRevoked)), "{r:?}");
    assert!(core.tokens().authenticate(&app, Some(&first_secret)).await.is_ok());
    db.close().await;
}
