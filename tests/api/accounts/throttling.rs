//! Login throttling: per account and per network, stored in the database (so every server
//! process counts the same failures), without storing an address; a browser the account has
//! signed in with before is throttled on its own, so that guessing elsewhere cannot lock out the owner.

use minyi::accounts::{Accounts, Email, Role, SignInError};
use minyi::storage::Database;

use super::*;

on_both_backends! {
    async fn after_five_wrong_passwords_even_the_right_one_waits(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = add_account(&app, "li.wei@example.org", Role::Evaluator);
        for attempt in 1..=5 {
            let reply = request(&app, "post", "/login", None, &[("email", "li.wei@example.org"), ("password", "wrong password")]).await;
            assert_eq!(reply.status, 422, "attempt {attempt} is checked");
        }

        let sixth = request(&app, "post", "/login", None, &[("email", "li.wei@example.org"), ("password", &password)]).await;

        assert_eq!(sixth.status, 429, "throttled");
        assert!(sixth.body.contains("分钟后再试"), "says how long to wait: {}", sixth.body);
        assert!(sixth.set_cookie.is_none(), "no session while throttled");
        for _ in 0..10 {
            let again = request(&app, "post", "/login", None, &[("email", "li.wei@example.org"), ("password", "wrong password")]).await;
            assert_eq!(again.status, 429, "still throttled");
        }
        let audited = |action: &str| {
            let db = Database::connect(app.db.url.clone(), 1).unwrap();
            minyi::storage::recent_audit(&mut db.conn().unwrap(), 100).unwrap().into_iter()
                .filter(|e| e.action == action && e.actor == "li.wei@example.org").count()
        };
        assert_eq!(audited("sign_in_failed"), 5, "each wrong password checked is audited");
        assert_eq!(audited("sign_in_throttled"), 1, "eleven refusals in a row, audited once: a loop cannot flood the log");
        let other = add_account(&app, "zhang.min@example.org", Role::Evaluator);
        sign_in(&app, "zhang.min@example.org", &other).await;
    }

    async fn one_network_trying_many_addresses_is_throttled_without_storing_the_address(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = add_account(&app, "admin@example.org", Role::Admin);
        for attempt in 1..=20 {
            let email = format!("guess{attempt}@example.org");
            let reply = request(&app, "post", "/login", None, &[("email", &email), ("password", "wrong password")]).await;
            assert_eq!(reply.status, 422, "attempt {attempt}");
        }

        let real = request(&app, "post", "/login", None, &[("email", "admin@example.org"), ("password", &password)]).await;

        assert_eq!(real.status, 429, "the network has used up its attempts");
        let contents = crate::privacy::database_contents(&app.db);
        assert!(!contents.contains("127.0.0.1") && !contents.contains("127.0.0.0"), "no address stored");
        assert!(!contents.contains("guess1@example.org"), "unknown addresses typed are not stored");
    }

    async fn guessing_from_elsewhere_does_not_lock_out_a_browser_the_account_signed_in_with(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = add_account(&app, "admin@example.org", Role::Admin);
        let right = [("email", "admin@example.org"), ("password", password.as_str())];
        let first = request(&app, "post", "/login", None, &right).await;
        assert_eq!(first.status, 303);
        let known = cookie_set(&first, "minyi_known").expect("the browser is remembered");
        let attributes = first.set_cookies.iter().find(|c| c.starts_with("minyi_known=")).unwrap();
        assert!(attributes.contains("Path=/login") && attributes.contains("HttpOnly"), "{attributes}");

        // Someone else guesses at the account, and at others, until the account and the
        // network are both locked to strangers.
        for attempt in 1..=20 {
            let email = if attempt <= 5 { "admin@example.org".to_owned() } else { format!("guess{attempt}@example.org") };
            let reply = request(&app, "post", "/login", None, &[("email", &email), ("password", "wrong password")]).await;
            assert_eq!(reply.status, 422, "attempt {attempt}");
        }
        let stranger = request(&app, "post", "/login", None, &right).await;
        assert_eq!(stranger.status, 429, "a browser the account never used waits");

        let owner = request(&app, "post", "/login", Some(&known), &right).await;

        assert_eq!(owner.status, 303, "the owner's browser signs in: {}", owner.body);
        assert!(cookie_set(&owner, "minyi_session").is_some(), "with a session");
        let other = add_account(&app, "li.wei@example.org", Role::Evaluator);
        let elsewhere = request(&app, "post", "/login", Some(&known), &[("email", "li.wei@example.org"), ("password", &other)]).await;
        assert_eq!(elsewhere.status, 429, "the cookie helps only the account it was given for");
        let contents = crate::privacy::database_contents(&app.db);
        assert!(!contents.contains(known.trim_start_matches("minyi_known=")), "the cookie is not stored");

        // The password was stolen, say, with the cookie: an admin resets it. The old cookie
        // is no longer the owner's; it counts as a stranger's browser in the network's lane.
        let new_password = "a new password, long enough";
        let reset = minyi::accounts::Password::parse(new_password).unwrap();
        accounts(&app).reset_password(&Email::parse("admin@example.org").unwrap(), &reset, "command line").unwrap();
        let renewed = [("email", "admin@example.org"), ("password", new_password)];
        let old_cookie = request(&app, "post", "/login", Some(&known), &renewed).await;
        assert_eq!(old_cookie.status, 429, "a browser known before the reset is known no more: {}", old_cookie.body);
    }

    async fn a_remembered_browser_that_guesses_is_throttled_too(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = add_account(&app, "admin@example.org", Role::Admin);
        let right = [("email", "admin@example.org"), ("password", password.as_str())];
        let first = request(&app, "post", "/login", None, &right).await;
        let known = cookie_set(&first, "minyi_known").expect("the browser is remembered");
        for attempt in 1..=5 {
            let reply = request(&app, "post", "/login", Some(&known), &[("email", "admin@example.org"), ("password", "wrong password")]).await;
            assert_eq!(reply.status, 422, "attempt {attempt} is checked");
        }

        let sixth = request(&app, "post", "/login", Some(&known), &right).await;

        assert_eq!(sixth.status, 429, "a stolen cookie gives no unlimited guesses");
        let stranger = request(&app, "post", "/login", None, &right).await;
        assert_eq!(stranger.status, 303, "and its failures are its own: {}", stranger.body);
    }

    async fn guesses_sent_all_at_once_are_counted_one_by_one(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = add_account(&app, "admin@example.org", Role::Admin);
        // Eight connections, as a server's pool: each guess may read the count while the others
        // are checking their passwords.
        let accounts = std::sync::Arc::new(
            Accounts::new(Database::connect(app.db.url.clone(), 8).expect("database")).expect("accounts"),
        );
        let start = std::sync::Arc::new(std::sync::Barrier::new(16));
        let guesses: Vec<_> = (0..16)
            .map(|_| {
                let (accounts, start) = (accounts.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    accounts.sign_in("admin@example.org", "wrong password", "127.0.0.1".parse().unwrap(), None, 1_000)
                })
            })
            .collect();
        let results: Vec<_> = guesses.into_iter().map(|g| g.join().unwrap()).collect();

        let checked = results.iter().filter(|r| matches!(r, Err(SignInError::WrongCredentials))).count();
        let refused = results.iter().filter(|r| matches!(r, Err(SignInError::Throttled { .. }))).count();
        assert_eq!((checked, refused), (5, 11), "five passwords checked, the rest refused: {results:?}");
        assert!(
            matches!(accounts.sign_in("admin@example.org", &password, "127.0.0.1".parse().unwrap(), None, 1_001), Err(SignInError::Throttled { .. })),
            "even the right password waits"
        );
    }

    async fn the_sixth_wrong_password_is_refused_alike_whether_the_address_has_an_account_or_not(backend: Backend) {
        let app = spawn_app(backend).await;
        add_account(&app, "admin@example.org", Role::Admin);
        let mut replies = Vec::new();
        for email in ["admin@example.org", "nobody@example.org"] {
            let mut statuses = Vec::new();
            for _ in 1..=6 {
                let reply = request(&app, "post", "/login", None, &[("email", email), ("password", "wrong password")]).await;
                statuses.push(reply.status);
            }
            replies.push(statuses);
        }

        assert_eq!(replies[0], [422, 422, 422, 422, 422, 429], "an account");
        assert_eq!(replies[1], replies[0], "an address without one says the same");
        let contents = crate::privacy::database_contents(&app.db);
        assert!(!contents.contains("nobody@example.org"), "the address typed is not stored");
    }

    async fn a_refused_attempt_uses_up_no_share_of_the_network(backend: Backend) {
        let app = spawn_app(backend).await;
        add_account(&app, "admin@example.org", Role::Admin);
        let app = &app;
        let wrong = |email: String| async move {
            request(app, "post", "/login", None, &[("email", &email), ("password", "wrong password")]).await.status
        };
        let mut at_the_account = Vec::new();
        for _ in 1..=8 {
            at_the_account.push(wrong("admin@example.org".to_owned()).await);
        }
        let mut elsewhere = Vec::new();
        for attempt in 1..=16 {
            elsewhere.push(wrong(format!("guess{attempt}@example.org")).await);
        }

        assert_eq!(at_the_account, [422, 422, 422, 422, 422, 429, 429, 429]);
        assert_eq!(elsewhere[..15], [422; 15], "the network's 20 are the five checked at the account and these");
        assert_eq!(elsewhere[15], 429, "the 21st checked password would be one too many");
    }

    async fn a_quiet_servers_daily_run_forgets_the_sign_in_counts_of_ended_windows(backend: Backend) {
        let app = spawn_app(backend).await;
        let accounts = Accounts::new(Database::connect(app.db.url.clone(), 2).expect("database")).expect("accounts");
        let client = "127.0.0.1".parse().unwrap();
        for _ in 0..2 {
            let typed = accounts.sign_in("nobody@example.org", "wrong password", client, None, 1_000);
            assert!(matches!(typed, Err(SignInError::WrongCredentials)), "{typed:?}");
        }
        let counted = crate::privacy::database_contents(&app.db);
        assert!(counted.contains("address:"), "the unknown address is counted, as a keyed hash");

        let too_soon = accounts.forget_ended_sign_in_windows(1_000 + 15 * 60 - 1).expect("forget");
        let ended = accounts.forget_ended_sign_in_windows(1_000 + 15 * 60).expect("forget");

        assert_eq!(too_soon, 0, "a window not yet over is kept: it still throttles");
        assert_eq!(ended, 2, "the network's count and the address's, once the window is over");
        let contents = crate::privacy::database_contents(&app.db);
        assert!(!contents.contains("address:"), "no keyed hash of the address typed is left, in the file or its log");
    }
}

on_both_backends! {
    async fn a_throttled_sign_in_is_refused_without_writing_to_the_database(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = add_account(&app, "li.wei@example.org", Role::Evaluator);
        for _ in 1..=5 {
            request(&app, "post", "/login", None, &[("email", "li.wei@example.org"), ("password", "wrong password")]).await;
        }
        // From here on the sign-in counts cannot be written: a refusal that wrote them (and took
        // the database's one write lock on SQLite, beside the response writer) would fail.
        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let freeze = match backend {
            Backend::Sqlite => "CREATE TRIGGER frozen_insert BEFORE INSERT ON login_failures BEGIN SELECT RAISE(ABORT, 'written'); END;
                CREATE TRIGGER frozen_update BEFORE UPDATE ON login_failures BEGIN SELECT RAISE(ABORT, 'written'); END;
                CREATE TRIGGER frozen_delete BEFORE DELETE ON login_failures BEGIN SELECT RAISE(ABORT, 'written'); END;",
            Backend::Postgres => "CREATE FUNCTION frozen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'written'; END $$;
                CREATE TRIGGER frozen BEFORE INSERT OR UPDATE OR DELETE ON login_failures FOR EACH STATEMENT EXECUTE FUNCTION frozen();",
        };
        diesel::connection::SimpleConnection::batch_execute(&mut *db.conn().unwrap(), freeze).expect("freeze");

        let right = [("email", "li.wei@example.org"), ("password", password.as_str())];
        let refused: Vec<u16> = futures_util::future::join_all((0..10).map(|_| request(&app, "post", "/login", None, &right)))
            .await.into_iter().map(|reply| reply.status).collect();

        assert_eq!(refused, [429; 10], "each refused as throttled, none failing on the frozen table");
    }
}
