//! `server seed` at a small scale, on both backends: the seeded app reads as
//! if the server had written it (logins, rosters both ways, member lists
//! and counts, conversation pages), real changes after seeding work (a send
//! draws an id above every seeded one, two strangers become friends), and
//! two runs with the same parameters write the same rows (docs/seeding.md).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use server::both_backends;
use server::core::friends::{ApplyOutcome, ApplyRequest};
use server::core::messages::{ContentType, NewMessage, TargetKind};
use server::core::settings::SettingsPatch;
use server::core::{Actor, AppId, GroupId, PageRequest, Principal, UserId};
use server::seed::{self, Manifest, Params};
use server::testing::{self, Backend, FreshDatabase, TestCore};
use sqlx::{AnyConnection, AssertSqlSafe, Connection, Row};

const PARAMS: Params =
    Params { users: 4200, friends_per_user: 10, groups: 20, group_size: 10, messages: 2000 };
/// The seeding's clock: 2026-01-01, so two runs see the same time.
const SEEDED_AT: i64 = 1_767_225_600_000;

async fn seeded(t: &TestCore) -> Manifest {
    t.clock.set(SEEDED_AT);
    let (manifest, counts) = seed::run(&t.core, PARAMS).await.expect("seed");
    assert_eq!(counts.users, PARAMS.users);
    assert_eq!(counts.messages, PARAMS.messages);
    manifest
}

fn app() -> AppId {
    AppId::parse(seed::APP).unwrap()
}

fn actor(user: i64) -> Actor {
    Actor::new(app(), UserId(user))
}

fn text(kind: TargetKind, to: i64, content: &str) -> NewMessage {
    NewMessage {
        kind,
        targets: vec![to],
        content_type: ContentType::from_code(0).unwrap(),
        content: content.into(),
        ext: None,
        config: None,
        attachment: None,
        transaction_id: None,
    }
}

async fn seeded_data_reads_as_the_servers_own(backend: Backend) {
    testing::run(
        backend,
        |_| {},
        |t| async move {
            let m = seeded(&t).await;
            let core = &t.core;
            assert_eq!(m.app_id, "default");
            assert_eq!(m.senders.len(), 64);
            assert_eq!(m.strangers.len(), 2000);
            assert_eq!(m.roster_items.len(), 50);

            // Logins with the one password, and the manifest's tokens are valid.
            let login = core.tokens().login_by_username(&app(), "u4000", seed::PASSWORD, None).await.unwrap();
            assert_eq!(login.user, UserId(4000));
            assert!(core.tokens().login_by_username(&app(), "u4000", "wrong-password", None).await.is_err());
            for token in [&m.reader, &m.peer, &m.senders[63], &m.strangers[1999]] {
                let caller = core.tokens().authenticate(&app(), Some(&token.token)).await.unwrap();
                assert_eq!(caller.principal, Principal::User(UserId(token.user_id)));
            }
            core.tokens().authenticate(&app(), Some(&m.admin_token)).await.unwrap();

            // The reader's roster is exactly its 100 friends; each sees it back.
            let reader = actor(m.reader.user_id);
            let friends = core.friends().all_friend_ids(&reader).await.unwrap().items;
            assert_eq!(friends.len(), 100);
            for id in
                m.roster_items.iter().chain([&m.peer.user_id]).chain(m.senders.iter().map(|s| &s.user_id))
            {
                assert!(friends.contains(&UserId(*id)), "{id} is not the reader's friend");
            }
            let listed: Vec<UserId> = m.roster_items.iter().map(|i| UserId(*i)).collect();
            assert_eq!(core.friends().items(&reader, &listed).await.unwrap().len(), 50);
            let peer_friends = core.friends().all_friend_ids(&actor(m.peer.user_id)).await.unwrap().items;
            assert!(peer_friends.contains(&UserId(m.reader.user_id)));
            assert_eq!(core.friends().version(&reader).await.unwrap(), 100);
            for s in &m.strangers {
                assert_eq!(core.friends().friend_count(&actor(s.user_id)).await.unwrap(), 0);
            }

            // Member lists agree with the groups' counts.
            for (group, size) in [(&m.group_big, 2000), (&m.group_500, 500)] {
                assert_eq!(group.members, size);
                let members = core
                    .groups()
                    .member_list(&reader, GroupId(group.group_id), &PageRequest::first(0))
                    .await
                    .unwrap();
                assert_eq!(members.items.len() as i64, size);
                let info = core.groups().info(&reader, GroupId(group.group_id)).await.unwrap();
                assert_eq!(info.group.count, size);
            }
            let g500 = core
                .groups()
                .member_list(&reader, GroupId(m.group_500.group_id), &PageRequest::first(0))
                .await
                .unwrap();
            for s in &m.senders {
                assert!(g500.items.iter().any(|member| member.user == UserId(s.user_id)));
            }

            // The conversation with the peer: its 100 messages, newest first.
            let page = core.messages().history(&reader, m.peer.user_id, None, Some(100)).await.unwrap();
            assert_eq!(page.messages.len(), 100);
            assert!(page.messages.windows(2).all(|w| w[0].id > w[1].id && w[0].created_at > w[1].created_at));
            assert!(page.messages.iter().all(|msg| [msg.from, msg.to] == [m.reader.user_id, m.peer.user_id]
                || [msg.from, msg.to] == [m.peer.user_id, m.reader.user_id]));
            let group_page =
                core.messages().history(&reader, m.group_500.group_id, None, Some(100)).await.unwrap();
            assert_eq!(group_page.messages.len(), 100, "group history hidden from a member");
        },
    )
    .await;
}

both_backends!(seeded_data_reads_as_the_servers_own, |backend| seeded_data_reads_as_the_servers_own(backend));

async fn real_changes_after_seeding_work(backend: Backend) {
    testing::run(
        backend,
        |_| {},
        |t| async move {
            let m = seeded(&t).await;
            let core = &t.core;
            let newest_seeded = max_message_id(&t.database_url).await;
            t.clock.set(SEEDED_AT + 1);

            let reader = core.tokens().authenticate(&app(), Some(&m.reader.token)).await.unwrap();
            let sent = core
                .messages()
                .send(&reader, None, text(TargetKind::User, m.peer.user_id, "hi"))
                .await
                .unwrap();
            assert_eq!(sent.delivered.len(), 1, "{:?}", sent.failed);
            assert!(sent.delivered[0].1 > newest_seeded);
            let sent = core
                .messages()
                .send(&reader, None, text(TargetKind::Group, m.group_500.group_id, "all"))
                .await
                .unwrap();
            assert_eq!(sent.delivered.len(), 1, "{:?}", sent.failed);
            let page = core
                .messages()
                .history(&actor(m.peer.user_id), m.reader.user_id, None, Some(1))
                .await
                .unwrap();
            assert_eq!(page.messages[0].content, "hi");

            let (a, b) = (actor(m.strangers[0].user_id), actor(m.strangers[1].user_id));
            // Seeded users are open to anyone (the default); b asks for approval.
            let approval = SettingsPatch { auth_mode: Some(1), ..SettingsPatch::default() };
            core.settings().update(&b, approval).await.unwrap();
            let request = ApplyRequest { reason: "hello".into(), alias: String::new(), answer: None };
            let applied = core.friends().apply(&a, b.user, request).await.unwrap();
            assert!(matches!(applied, ApplyOutcome::Pending { .. }), "{applied:?}");
            core.friends().accept(&b, a.user).await.unwrap();
            assert_eq!(core.friends().all_friend_ids(&a).await.unwrap().items, vec![b.user]);
            assert_eq!(core.friends().all_friend_ids(&b).await.unwrap().items, vec![a.user]);

            // The reader's roster version moves on from the seeded one.
            let before = core.friends().version(&actor(m.reader.user_id)).await.unwrap();
            let newcomer = actor(m.strangers[2].user_id);
            let request = ApplyRequest { reason: String::new(), alias: String::new(), answer: None };
            let applied = core.friends().apply(&newcomer, UserId(m.reader.user_id), request).await.unwrap();
            assert!(matches!(applied, ApplyOutcome::Friends), "{applied:?}");
            assert!(core.friends().version(&actor(m.reader.user_id)).await.unwrap() > before);
            assert_eq!(
                core.friends().all_friend_ids(&actor(m.reader.user_id)).await.unwrap().items.len(),
                101
            );
        },
    )
    .await;
}

both_backends!(real_changes_after_seeding_work, |backend| real_changes_after_seeding_work(backend));

async fn max_message_id(url: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let row = sqlx::query("SELECT MAX(id) AS n FROM messages").fetch_one(&mut conn).await.unwrap();
    row.get::<i64, _>("n")
}

/// Every seeded row but password hashes and tokens (random by design),
/// one hash and count per table.
const FINGERPRINT: &[&str] = &[
    "SELECT CAST(id AS TEXT) || ',' || username || ',' || CAST(roster_version AS TEXT) || ',' || CAST(created_at AS TEXT) AS r FROM users ORDER BY id",
    "SELECT CAST(user_id AS TEXT) || ',' || CAST(auth_mode AS TEXT) AS r FROM user_settings ORDER BY user_id",
    "SELECT CAST(id AS TEXT) || ',' || kind AS r FROM entity_ids ORDER BY id",
    "SELECT CAST(user_id AS TEXT) || ',' || CAST(friend_id AS TEXT) || ',' || CAST(relation AS TEXT) || ',' || CAST(updated_at AS TEXT) AS r FROM friendships ORDER BY user_id, friend_id",
    "SELECT CAST(id AS TEXT) || ',' || name || ',' || CAST(owner_id AS TEXT) || ',' || CAST(member_count AS TEXT) || ',' || CAST(member_version AS TEXT) AS r FROM chat_groups ORDER BY id",
    "SELECT CAST(group_id AS TEXT) || ',' || CAST(user_id AS TEXT) || ',' || CAST(role AS TEXT) || ',' || CAST(join_time AS TEXT) AS r FROM group_members ORDER BY group_id, user_id",
    "SELECT CAST(id AS TEXT) || ',' || CAST(from_id AS TEXT) || ',' || content || ',' || CAST(created_at AS TEXT) AS r FROM message_bodies ORDER BY id",
    "SELECT CAST(id AS TEXT) || ',' || CAST(body_id AS TEXT) || ',' || CAST(kind AS TEXT) || ',' || CAST(from_id AS TEXT) || ',' || CAST(to_id AS TEXT) || ',' || CAST(conv_low AS TEXT) || ',' || CAST(conv_high AS TEXT) AS r FROM messages ORDER BY id",
    "SELECT CAST(user_id AS TEXT) || ',' || CAST(peer_id AS TEXT) || ',' || CAST(conv_low AS TEXT) || ',' || CAST(conv_high AS TEXT) AS r FROM conversations ORDER BY user_id, peer_id",
    "SELECT app_id || ',' || CAST(next_id AS TEXT) AS r FROM message_ids ORDER BY app_id",
];

async fn fingerprint(url: &str) -> Vec<(usize, u64)> {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let mut out = Vec::new();
    for sql in FINGERPRINT {
        let rows = sqlx::query(AssertSqlSafe(*sql)).fetch_all(&mut conn).await.unwrap();
        let mut h = DefaultHasher::new();
        for row in &rows {
            row.get::<String, _>("r").hash(&mut h);
        }
        out.push((rows.len(), h.finish()));
    }
    out
}

async fn two_runs_write_the_same_rows(backend: Backend) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    for _ in 0..2 {
        let seen = seen.clone();
        testing::run(
            backend,
            |_| {},
            |t| async move {
                seeded(&t).await;
                let print = fingerprint(&t.database_url).await;
                seen.lock().unwrap().push(print);
            },
        )
        .await;
    }
    let seen = seen.lock().unwrap();
    if seen.len() == 2 {
        assert!(seen[0].iter().all(|(rows, _)| *rows > 0), "a table is empty: {:?}", seen[0]);
        assert_eq!(seen[0], seen[1]);
    }
}

both_backends!(two_runs_write_the_same_rows, |backend| two_runs_write_the_same_rows(backend));

/// The command as the bench runs it, at the smallest size (the fixtures
/// alone): the manifest has every field of the
/// contract, and a second run on the same database is refused.
async fn the_command_writes_the_manifest(backend: Backend) {
    let Some((fresh, url)) = FreshDatabase::create(backend).await else { return };
    let folder = tempfile::tempdir().unwrap();
    let manifest = folder.path().join("manifest.json");
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .current_dir(folder.path())
            .args(["seed", "--database-url", &url, "--users", "2101", "--friends-per-user", "0"])
            .args(["--groups", "3", "--group-size", "10", "--messages", "300", "--manifest"])
            .arg(&manifest)
            .output()
            .unwrap()
    };
    let first = run();
    let second = run();
    fresh.drop_best_effort().await;
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    assert_eq!(m["app_id"], "default");
    assert!(m["admin_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(m["reader"]["user_id"], 1);
    assert!(m["reader"]["token"].is_string());
    assert_eq!(m["roster_items"].as_array().unwrap().len(), 50);
    assert_eq!(m["group_big"]["members"], 2000);
    assert!(m["group_big"]["group_id"].is_i64());
    assert_eq!(m["group_500"]["members"], 500);
    assert!(m["peer"]["token"].is_string());
    assert_eq!(m["senders"].as_array().unwrap().len(), 64);
    assert_eq!(m["strangers"].as_array().unwrap().len(), 2000);
    assert!(m["strangers"][0]["token"].is_string());
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("already has users"));
}

both_backends!(the_command_writes_the_manifest, |backend| the_command_writes_the_manifest(backend));
