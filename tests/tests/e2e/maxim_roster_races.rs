//! Concurrent MaxIM roster requests on one pair of users end in one
//! consistent state (`docs/maxim.md#concurrent-requests`): no duplicate rows, no half
//! friendships, exactly one winner where only one can win.

use client::ClientError;
use client::generated::maxim::models as m;
use server::core::settings::SettingsPatch;
use server::core::users::NewUser;
use server::core::{Actor, AppId, UserId};
use tests::{TestApp, on_both_backends};

const ROUNDS: usize = 6;

struct Who {
    id: i64,
    api: client::MaximClient,
}

async fn user(app: &TestApp, name: &str, auth_mode: i64) -> Who {
    let app_id = AppId::parse(&app.app_id).expect("app id");
    let registered =
        app.core.users().register(&app_id, NewUser::new(name, "password1")).await.expect("register");
    let patch = SettingsPatch { auth_mode: Some(auth_mode), ..Default::default() };
    app.core.settings().update(&Actor::new(app_id.clone(), registered.id), patch).await.expect("auth mode");
    let token =
        app.core.tokens().login_by_username(&app_id, name, "password1", None).await.expect("login").token;
    Who { id: registered.id.0, api: app.maxim_as(&token) }
}

/// Two users with approval needed, applying or applied to in a round.
async fn pair(app: &TestApp, round: usize) -> (Who, Who) {
    (user(app, &format!("left{round}"), 1).await, user(app, &format!("right{round}"), 1).await)
}

fn apply(to: i64) -> m::RosterApplyInput {
    m::RosterApplyInput { user_id: to, alias: None, reason: None, auth_answer: None }
}

async fn friends_of(who: &Who) -> Vec<i64> {
    who.api
        .roster_list_ids(&m::RosterListIdsInput { cursor: None, limit: Some(1000) })
        .await
        .expect("list")
        .data
}

/// Incoming applications as (applicant, status).
async fn applications_to(who: &Who) -> Vec<(Option<i64>, Option<i32>)> {
    let list = who
        .api
        .roster_apply_list(&m::RosterApplyListInput { cursor: None, limit: Some(1000) })
        .await
        .expect("apply list");
    list.data.into_iter().map(|e| (e.user_id, e.status)).collect()
}

/// Friend rows as the core counts them: exactly one per direction when friends.
async fn friend_count(app: &TestApp, who: &Who) -> i64 {
    let actor = Actor::new(AppId::parse(&app.app_id).expect("app id"), UserId(who.id));
    app.core.friends().friend_count(&actor).await.expect("count")
}

fn is_no_application(r: &Result<bool, ClientError>) -> bool {
    matches!(r, Err(ClientError::Api { code: 10007, .. }))
}

on_both_backends!(both_apply_to_each_other_at_once, |app| {
    for round in 0..ROUNDS {
        let (a, b) = pair(&app, round).await;
        let (to_b, to_a) = (apply(b.id), apply(a.id));
        let (ra, rb) = tokio::join!(a.api.roster_apply(&to_b), b.api.roster_apply(&to_a));
        assert!(ra.expect("a applies"), "round {round}");
        assert!(rb.expect("b applies"), "round {round}");
        assert_eq!(friends_of(&a).await, vec![b.id], "round {round}");
        assert_eq!(friends_of(&b).await, vec![a.id], "round {round}");
        assert_eq!((friend_count(&app, &a).await, friend_count(&app, &b).await), (1, 1), "round {round}");
        let mut total = 0;
        for (who, other) in [(&a, &b), (&b, &a)] {
            let apps = applications_to(who).await;
            assert!(
                apps.iter().all(|(from, status)| *from == Some(other.id) && *status == Some(1)),
                "none left pending, round {round}: {apps:?}"
            );
            total += apps.len();
        }
        // The first to arrive applied; the second found that and made them friends.
        assert_eq!(total, 1, "one application in all, round {round}");
    }
});

on_both_backends!(the_same_application_twice_at_once, |app| {
    for round in 0..ROUNDS {
        let (a, b) = pair(&app, round).await;
        let first = m::RosterApplyInput { reason: Some("one".into()), ..apply(b.id) };
        let second = m::RosterApplyInput { reason: Some("two".into()), ..apply(b.id) };
        let (r1, r2) = tokio::join!(a.api.roster_apply(&first), a.api.roster_apply(&second));
        assert!(r1.expect("first") && r2.expect("second"), "round {round}");
        let apps = applications_to(&b).await;
        assert_eq!(apps, vec![(Some(a.id), Some(0))], "one pending application, round {round}");
        assert!(friends_of(&a).await.is_empty());
    }
});

on_both_backends!(accept_and_decline_at_once, |app| {
    let mut winners = (0, 0);
    for round in 0..ROUNDS {
        let (a, b) = pair(&app, round).await;
        assert!(a.api.roster_apply(&apply(b.id)).await.expect("apply"));
        let decline = m::RosterDeclineInput { user_id: a.id, reason: Some("race".into()) };
        let accept = m::RosterAcceptInput { user_id: a.id };
        let (accepted, declined) = tokio::join!(b.api.roster_accept(&accept), b.api.roster_decline(&decline));
        let status = applications_to(&b).await;
        match (&accepted, &declined) {
            (Ok(true), r) if is_no_application(r) => {
                winners.0 += 1;
                assert_eq!(friends_of(&a).await, vec![b.id], "round {round}");
                assert_eq!(friends_of(&b).await, vec![a.id], "round {round}");
                assert_eq!(status, vec![(Some(a.id), Some(1))], "round {round}");
            }
            (r, Ok(true)) if is_no_application(r) => {
                winners.1 += 1;
                assert!(friends_of(&a).await.is_empty(), "round {round}");
                assert!(friends_of(&b).await.is_empty(), "round {round}");
                assert_eq!(status, vec![(Some(a.id), Some(2))], "round {round}");
            }
            other => panic!("exactly one must win, round {round}: {other:?}"),
        }
        assert_eq!(
            friend_count(&app, &a).await,
            friend_count(&app, &b).await,
            "no half friendship, round {round}"
        );
    }
    eprintln!("accept won {} times, decline {} times", winners.0, winners.1);
});

// Decision: a second accept of the same application is 10007 (it is no
// longer pending), not a silent success.
on_both_backends!(the_same_accept_twice_at_once, |app| {
    for round in 0..ROUNDS {
        let (a, b) = pair(&app, round).await;
        assert!(a.api.roster_apply(&apply(b.id)).await.expect("apply"));
        let input = m::RosterAcceptInput { user_id: a.id };
        let (r1, r2) = tokio::join!(b.api.roster_accept(&input), b.api.roster_accept(&input));
        let wins = [&r1, &r2].iter().filter(|r| matches!(r, Ok(true))).count();
        let losses = [&r1, &r2].iter().filter(|r| is_no_application(r)).count();
        assert_eq!((wins, losses), (1, 1), "one success and one 10007, round {round}: {r1:?} {r2:?}");
        assert_eq!(friends_of(&a).await, vec![b.id], "round {round}");
        assert_eq!(friends_of(&b).await, vec![a.id], "round {round}");
        assert_eq!((friend_count(&app, &a).await, friend_count(&app, &b).await), (1, 1), "round {round}");
        assert_eq!(applications_to(&b).await, vec![(Some(a.id), Some(1))], "round {round}");
    }
});

on_both_backends!(spawned_requests_from_many_users_at_once, |app| {
    // Many applicants to one user at once, each accepted at once: every
    // friendship lands whole, none twice.
    let target = user(&app, "target", 1).await;
    let mut applicants = Vec::new();
    for i in 0..8 {
        applicants.push(user(&app, &format!("fan{i}"), 1).await);
    }
    let mut tasks = Vec::new();
    for fan in &applicants {
        let api = fan.api.clone();
        let input = apply(target.id);
        tasks.push(tokio::spawn(async move { api.roster_apply(&input).await }));
    }
    for t in tasks {
        assert!(t.await.expect("task").expect("apply"));
    }
    let mut tasks = Vec::new();
    for fan in &applicants {
        let api = target.api.clone();
        let input = m::RosterAcceptInput { user_id: fan.id };
        tasks.push(tokio::spawn(async move { api.roster_accept(&input).await }));
    }
    for t in tasks {
        assert!(t.await.expect("task").expect("accept"));
    }
    let mut friends = friends_of(&target).await;
    friends.sort();
    let mut expected: Vec<i64> = applicants.iter().map(|f| f.id).collect();
    expected.sort();
    assert_eq!(friends, expected);
    assert_eq!(friend_count(&app, &target).await, 8);
    for fan in &applicants {
        assert_eq!(friends_of(fan).await, vec![target.id]);
    }
});
