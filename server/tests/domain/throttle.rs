//! Password guessing throttled (`core::throttle`, docs/security.md): the
//! lock refuses without checking the password, grows, spares the owner's
//! known address, clears on success, is shared by two nodes, forgets old
//! failures, and is swept by housekeeping.

use std::sync::Arc;
use std::time::Duration;

use server::core::users::NewUser;
use server::core::{Actor, Core, Error, UserId};
use server::store::Db;
use server::testing::{TestCore, db_options};

const PASSWORD: &str = "password1";
const WRONG: &str = "not-the-password";
const ATTACKER: &str = "198.51.100.66";
const OWNER: &str = "203.0.113.10";

macro_rules! throttle_scenario {
    ($name:ident, |$t:ident| $body:expr) => {
        server::both_backends!($name, |backend| server::testing::run(backend, |_| {}, |$t: TestCore| $body));
    };
}

async fn register(t: &TestCore, name: &str) -> UserId {
    t.core.users().register(&t.app, NewUser::new(name, PASSWORD)).await.expect("register").id
}

/// One login of `name` from `from`: `Ok(())`, or the error.
async fn login(
    core: &Core,
    t: &TestCore,
    name: &str,
    password: &str,
    from: Option<&str>,
) -> Result<(), Error> {
    core.tokens().from_address(from).login_by_username(&t.app, name, password, None).await.map(|_| ())
}

fn retry_ms(r: Result<(), Error>) -> i64 {
    match r {
        Err(Error::LoginThrottled { retry_after_ms }) => retry_after_ms,
        other => panic!("expected LoginThrottled, got {other:?}"),
    }
}

fn is_wrong(r: &Result<(), Error>) -> bool {
    matches!(r, Err(Error::WrongPassword))
}

throttle_scenario!(sixth_attempt_is_refused_without_the_password_check, |t| async move {
    register(&t, "alice").await;
    for i in 1..=5 {
        let r = login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await;
        assert!(is_wrong(&r), "attempt {i} is checked: {r:?}");
    }
    // Even the right password is refused: the check did not run.
    let r = login(&t.core, &t, "alice", PASSWORD, Some(ATTACKER)).await;
    let ms = retry_ms(r);
    assert!(ms > 0 && ms <= 1000, "{ms}");
    let message = Error::LoginThrottled { retry_after_ms: ms }.to_string();
    assert_eq!(message, "too many failed attempts, retry in 1 s");

    // An attacker retrying the moment each lock ends, for an hour: how many
    // guesses reach the hash.
    let start = t.core.now_ms();
    let (mut checked, mut refused) = (5u32, 1u32);
    while t.core.now_ms() - start < 3_600_000 {
        match login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await {
            Err(Error::WrongPassword) => checked += 1,
            Err(Error::LoginThrottled { retry_after_ms }) => {
                refused += 1;
                t.clock.advance(Duration::from_millis(u64::try_from(retry_after_ms).unwrap()));
            }
            other => panic!("{other:?}"),
        }
    }
    println!(
        "throttle: an attacker got {checked} checked guesses in one hour ({:.2}/min), {refused} refused unchecked; unthrottled: ~40/s per core",
        f64::from(checked) / 60.0
    );
    assert!(checked < 20, "{checked} guesses in an hour");
});

throttle_scenario!(the_lock_doubles_with_each_failure, |t| async move {
    register(&t, "alice").await;
    for _ in 0..5 {
        assert!(is_wrong(&login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await));
    }
    let mut expected = 1000;
    for _ in 0..6 {
        let ms = retry_ms(login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await);
        assert_eq!(ms, expected, "the lock after this many failures");
        t.clock.advance(Duration::from_millis(u64::try_from(ms).unwrap()));
        assert!(is_wrong(&login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await));
        expected *= 2;
    }
    // Capped at 15 minutes.
    for _ in 0..10 {
        let ms = retry_ms(login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await);
        assert!(ms <= 15 * 60 * 1000);
        t.clock.advance(Duration::from_millis(u64::try_from(ms).unwrap()));
        assert!(is_wrong(&login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await));
    }
    assert_eq!(retry_ms(login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await), 15 * 60 * 1000);
});

throttle_scenario!(the_owner_logs_in_from_another_address_while_the_attacker_is_locked, |t| async move {
    register(&t, "alice").await;
    login(&t.core, &t, "alice", PASSWORD, Some(OWNER)).await.expect("the owner's usual address");
    for _ in 0..5 {
        assert!(is_wrong(&login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await));
    }
    retry_ms(login(&t.core, &t, "alice", PASSWORD, Some(ATTACKER)).await);
    // A fresh address waits for the account's lock...
    retry_ms(login(&t.core, &t, "alice", PASSWORD, Some("192.0.2.1")).await);
    // ...the owner's known address does not, and its success clears the account.
    login(&t.core, &t, "alice", PASSWORD, Some(OWNER)).await.expect("the owner is not locked out");
    login(&t.core, &t, "alice", PASSWORD, Some("192.0.2.1")).await.expect("the account's lock is cleared");
    // The attacker's own address stays locked.
    retry_ms(login(&t.core, &t, "alice", PASSWORD, Some(ATTACKER)).await);
});

throttle_scenario!(a_success_clears_the_failures, |t| async move {
    register(&t, "alice").await;
    for _ in 0..4 {
        assert!(is_wrong(&login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await));
    }
    login(&t.core, &t, "alice", PASSWORD, Some(ATTACKER)).await.expect("right password");
    for i in 1..=5 {
        let r = login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await;
        assert!(is_wrong(&r), "failure {i} after the success is free: {r:?}");
    }
    retry_ms(login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await);
});

throttle_scenario!(old_failures_are_forgotten, |t| async move {
    register(&t, "alice").await;
    for _ in 0..4 {
        assert!(is_wrong(&login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await));
    }
    t.clock.advance(Duration::from_secs(15 * 60 + 1));
    for i in 1..=5 {
        let r = login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await;
        assert!(is_wrong(&r), "failure {i}: the earlier ones are forgotten: {r:?}");
    }
    retry_ms(login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await);
});

throttle_scenario!(two_nodes_on_one_database_agree, |t| async move {
    register(&t, "alice").await;
    let db = Db::connect_with(&t.database_url, db_options()).await.expect("second pool");
    let other = Core::new(db.clone(), t.clock.clone(), t.core.config().clone());
    for i in 0..5 {
        let node = if i % 2 == 0 { &t.core } else { &other };
        assert!(is_wrong(&login(node, &t, "alice", WRONG, Some(ATTACKER)).await));
    }
    retry_ms(login(&other, &t, "alice", PASSWORD, Some(ATTACKER)).await);
    retry_ms(login(&t.core, &t, "alice", PASSWORD, Some(ATTACKER)).await);
    db.close().await;
});

throttle_scenario!(housekeeping_sweeps_spent_counters, |t| async move {
    register(&t, "alice").await;
    login(&t.core, &t, "alice", PASSWORD, Some(OWNER)).await.unwrap();
    for _ in 0..6 {
        let _ = login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await;
    }
    let swept = t.core.housekeeping().sweep().await.unwrap();
    assert_eq!(swept.login_throttle, 0, "the lock is on");
    // Swept 15 minutes after the 1 s lock's end (the 6th attempt was refused, not counted).
    t.clock.advance(Duration::from_secs(15 * 60));
    assert_eq!(t.core.housekeeping().sweep().await.unwrap().login_throttle, 0);
    t.clock.advance(Duration::from_secs(1));
    let swept = t.core.housekeeping().sweep().await.unwrap();
    assert_eq!(swept.login_throttle, 2, "the address's and the account's counters");
    // Forgotten: five free failures again.
    for _ in 0..5 {
        assert!(is_wrong(&login(&t.core, &t, "alice", WRONG, Some(ATTACKER)).await));
    }
    // A known address goes after 30 days unused.
    t.clock.advance(Duration::from_secs(31 * 24 * 3600));
    let swept = t.core.housekeeping().sweep().await.unwrap();
    assert_eq!(swept.login_throttle, 3, "the two counters and the owner's known address");
});

throttle_scenario!(unknown_accounts_and_old_passwords_count_too, |t| async move {
    let alice = register(&t, "alice").await;
    for _ in 0..5 {
        let r = login(&t.core, &t, "nobody", WRONG, Some(ATTACKER)).await;
        assert!(matches!(r, Err(Error::UserMissing)), "{r:?}");
    }
    retry_ms(login(&t.core, &t, "alice", PASSWORD, Some(ATTACKER)).await);

    let actor = Actor::new(t.app.clone(), alice);
    let users = || t.core.users().from_address(Some(OWNER));
    for _ in 0..5 {
        let r = users().change_password(&actor, WRONG, "new-password").await;
        assert!(matches!(r, Err(Error::WrongPassword)), "{r:?}");
    }
    let r = users().change_password(&actor, PASSWORD, "new-password").await;
    assert!(matches!(r, Err(Error::LoginThrottled { .. })), "{r:?}");
    let _ = Arc::clone(&t.clock);
});
