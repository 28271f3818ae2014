//! Accounts changed after they were made: a forgotten password reset, a survey taken back from
//! an evaluator, an account removed when someone leaves; each ends what it should at once and
//! is audited.

use minyi::accounts::{AccountsError, Role};

use super::*;

fn audited(app: &TestApp) -> Vec<String> {
    minyi::audit::recent(app.catalog().database(), 100)
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.action, e.detail))
        .collect()
}

on_both_backends! {
    async fn a_reset_password_ends_the_old_sessions_and_lifts_a_lock_out(backend: Backend) {
        let app = spawn_app(backend).await;
        let old = add_account(&app, "li.wei@example.org", Role::Evaluator);
        let cookie = sign_in(&app, "li.wei@example.org", &old).await;
        for _ in 1..=5 {
            request(&app, "post", "/login", None, &[("email", "li.wei@example.org"), ("password", "wrong password")]).await;
        }
        let locked = request(&app, "post", "/login", None, &[("email", "li.wei@example.org"), ("password", &old)]).await;

        let new = Password::parse("a brand new password").unwrap();
        accounts(&app).reset_password(&Email::parse("li.wei@example.org").unwrap(), &new, "command line").unwrap();

        assert_eq!(locked.status, 429, "locked out before the reset");
        let old_session = request(&app, "get", "/account", Some(&cookie), &[]).await;
        assert_eq!(old_session.status, 303, "the old session has ended: {}", old_session.body);
        let with_old = request(&app, "post", "/login", None, &[("email", "li.wei@example.org"), ("password", &old)]).await;
        assert_eq!(with_old.status, 422, "the old password no longer works, and the lock-out is lifted");
        sign_in(&app, "li.wei@example.org", "a brand new password").await;
        assert!(audited(&app).iter().any(|e| e == "password_reset li.wei@example.org"), "{:?}", audited(&app));
    }

    async fn a_revoked_survey_and_a_removed_account_end_their_access_at_once(backend: Backend) {
        let app = spawn_app(backend).await;
        let all = accounts(&app);
        let email = Email::parse("li.wei@example.org").unwrap();
        let password = add_account(&app, "li.wei@example.org", Role::Evaluator);
        all.grant(&email, EXAMPLE_ID, "test").unwrap();
        let cookie = sign_in(&app, "li.wei@example.org", &password).await;
        let li = all.find(&email).unwrap().unwrap();
        assert!(all.may_download(&li, EXAMPLE_ID).unwrap());

        let revoked = all.revoke(&email, EXAMPLE_ID, "test").unwrap();
        let again = all.revoke(&email, EXAMPLE_ID, "test").unwrap();
        let may_download_after = all.may_download(&li, EXAMPLE_ID).unwrap();
        let still_signed_in = request(&app, "get", "/account", Some(&cookie), &[]).await;
        all.grant(&email, EXAMPLE_ID, "test").unwrap();
        let removed = all.remove(&email, "test").unwrap();

        assert!(revoked && !again, "taken back once; the second time there was nothing to take");
        assert!(!may_download_after, "no more downloads");
        assert_eq!(still_signed_in.status, 200, "a revoked grant leaves the account signed in");
        assert_eq!(removed.email, "li.wei@example.org");
        assert!(all.find(&email).unwrap().is_none(), "the account is gone");
        assert!(all.grantees(EXAMPLE_ID).unwrap().is_empty(), "with its grants");
        let after = request(&app, "get", "/account", Some(&cookie), &[]).await;
        assert_eq!(after.status, 303, "its session has ended");
        let signing_in = request(&app, "post", "/login", None, &[("email", "li.wei@example.org"), ("password", &password)]).await;
        assert_eq!(signing_in.status, 422);
        let log = audited(&app);
        assert!(log.iter().any(|e| e == "revoke li.wei@example.org may no longer download the result sets"), "{log:?}");
        assert_eq!(log.iter().filter(|e| e.starts_with("revoke ")).count(), 1, "a revoke that changed nothing is not recorded");
        assert!(log.iter().any(|e| e == "user_removed li.wei@example.org (evaluator)"), "{log:?}");
    }

    async fn the_only_admin_cannot_be_removed(backend: Backend) {
        let app = spawn_app(backend).await;
        add_account(&app, "admin@example.org", Role::Admin);
        let only = Email::parse("admin@example.org").unwrap();

        let refused = accounts(&app).remove(&only, "test");
        add_account(&app, "second@example.org", Role::Admin);
        let allowed = accounts(&app).remove(&only, "test");

        assert!(matches!(refused, Err(AccountsError::LastAdmin(_))), "{:?}", refused.err());
        assert!(refused.unwrap_err().to_string().contains("add another admin"));
        assert!(allowed.is_ok(), "with a second admin it goes");
    }

    async fn two_admins_removing_each_other_at_once_leave_one_admin(backend: Backend) {
        let app = spawn_app(backend).await;
        add_account(&app, "admin-0@example.org", Role::Admin);
        // As two `minyi user remove` commands in two terminals: each its own connections.
        let (first, second) = (accounts(&app), accounts(&app));
        let mut staying = "admin-0@example.org".to_owned();
        for round in 1..=8 {
            let joining = format!("admin-{round}@example.org");
            add_account(&app, &joining, Role::Admin);
            let both_start = std::sync::Barrier::new(2);
            let (a, b) = std::thread::scope(|s| {
                let a = s.spawn(|| {
                    both_start.wait();
                    first.remove(&Email::parse(&staying).unwrap(), "test")
                });
                let b = s.spawn(|| {
                    both_start.wait();
                    second.remove(&Email::parse(&joining).unwrap(), "test")
                });
                (a.join().unwrap(), b.join().unwrap())
            });

            let admins: Vec<String> = first.list().unwrap().into_iter()
                .filter(|a| a.role == Role::Admin).map(|a| a.email).collect();
            assert_eq!(admins.len(), 1, "round {round}: one admin left, not {admins:?}");
            let refused = [&a, &b].iter().filter(|r| matches!(r, Err(AccountsError::LastAdmin(_)))).count();
            assert!(a.is_ok() != b.is_ok() && refused == 1, "round {round}: one removed, one refused: {a:?} {b:?}");
            if a.is_ok() {
                staying = joining;
            }
        }
    }
}
