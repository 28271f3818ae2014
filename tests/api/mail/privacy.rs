//! What invitations leave behind: addresses go when the survey closes (and stay gone through
//! the purge), no export shows one, the link token never reaches a log, and nothing ties an
//! invitation to the response that used it.

use minyi::catalog::Catalog;
use minyi::invitations::{invite, InvitationError};
use minyi::lifecycle::{SurveyState, Transition};
use minyi::storage::{
    self, ClaimedMail, Database, IfOpen, LinkOutcome, LinkedMail, NewInvitation, NewMail,
};

use super::*;
use crate::privacy::database_contents;
use crate::privacy::logs::{capture_logs, captured_logs};

on_both_backends! {
    async fn invited_addresses_are_deleted_when_the_survey_closes_and_never_exported(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        let catalog = app.catalog();
        let invited = ["zhang.wei.1958@example.org", "unsent.li@example.org"];
        invite(&catalog, EXAMPLE_ID, &addresses(&invited.map(|a| (a, Some("tongxiang")))), invited_on()).unwrap();
        let link = link_in(&read(&smtp.wait_for(1).await[0]).text);
        let form = app.get(&link).await;
        let fields = with_token(valid_fields(&example_survey(), "tongxiang"), &token_in(&form.body));
        assert_eq!(app.post_form(&link, &fields).await.status, 303);
        // Both addresses are in the database while fieldwork goes on (else this test proves nothing).
        let before = database_contents(&app.db);
        assert!(invited.iter().all(|a| before.contains(a)), "the addresses are stored while open");
        let invited_day = invited_on().format("%Y-%m-%d").to_string();
        assert!(before.contains(&invited_day), "and the day they were invited");

        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 300, 3).unwrap();
        catalog.transition(EXAMPLE_ID, Transition::Close).unwrap();
        let after_close = database_contents(&app.db);
        minyi::publishing::publish(&catalog, EXAMPLE_ID).unwrap();
        minyi::retention::purge(&catalog, EXAMPLE_ID, chrono::Utc::now().date_naive()).unwrap();
        let after_purge = database_contents(&app.db);
        let (_, evaluation) = minyi::analysis::evaluate_survey(&catalog, EXAMPLE_ID).unwrap();
        let exports = [
            String::from_utf8(minyi::release::estimates_csv(&evaluation, minyi::release::Encoding::Utf8).unwrap()).unwrap(),
            serde_json::to_string(&evaluation).unwrap(),
            app.get(&format!("/api/results/{EXAMPLE_ID}")).await.body,
            app.get(&format!("/results/{EXAMPLE_ID}/figures.csv")).await.body,
            app.get(&format!("/results/{EXAMPLE_ID}")).await.body,
        ];

        assert!(!after_close.contains(&invited_day), "the day of the invitations goes with their addresses");
        for address in invited {
            assert!(!after_close.contains(address), "{address} is deleted when the survey closes");
            assert!(!after_purge.contains(address), "{address} stays deleted through the purge");
            for (n, export) in exports.iter().enumerate() {
                assert!(!export.contains(address) && !export.contains("example.org"), "export #{n} shows no address");
            }
        }
        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let mut conn = db.conn().unwrap();
        assert_eq!(storage::invitation_counts(&mut conn, EXAMPLE_ID).unwrap(), (2, 1), "used or unused is all that is left");
        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, 5).unwrap(), (0, 0), "no invitation mail waits");
    }

    async fn nothing_joins_an_invitation_to_the_response_that_used_it(backend: Backend) {
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("a@example.org", None), ("b@example.org", None)]), invited_on()).unwrap();
        let link = link_in(&read(&smtp.wait_for(1).await[0]).text);
        let form = app.get(&link).await;
        let fields = with_token(valid_fields(&example_survey(), "haining"), &token_in(&form.body));
        assert_eq!(app.post_form(&link, &fields).await.status, 303);
        let db = Database::connect(app.db.url.clone(), 2).unwrap();
        let mut conn = db.conn().unwrap();

        let columns = |table: &str| storage::table_columns(&mut db.conn().unwrap(), table).unwrap();
        let response_id = storage::load_responses(&mut conn, EXAMPLE_ID).unwrap()[0].id.clone();

        assert_eq!(columns("invitations"), ["id", "survey_id", "email", "stratum", "lang", "reminders_declined"], "no response, no time");
        assert_eq!(columns("unused_invitations"), ["invitation_id", "invited_on"], "used = no longer listed here, nor the day it was made");
        assert_eq!(columns("invitation_links"), ["token_hash", "invitation_id"], "hashes, never tokens");
        let contents = database_contents(&app.db);
        let token = link.trim_start_matches("/i/").split('?').next().unwrap().to_owned();
        assert!(!contents.contains(&token), "the link token is not stored, only its hash");
        if backend == Backend::Postgres {
            // An UPDATE of a used flag would give the invitation row the transaction id (xmin)
            // of the response's insert, joining the two; using an invitation deletes instead.
            let xmins = |query: &str| -> Vec<String> {
                let url = match &app.db.url { minyi::storage::DatabaseUrl::Postgres(u) => u.clone(), _ => unreachable!() };
                let out = std::process::Command::new("psql").args(["-At", "-d", &url, "-c", query]).output().expect("psql runs");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect()
            };
            let response_xmin = xmins(&format!("SELECT xmin FROM responses WHERE id = '{response_id}'"));
            let invitation_xmins = xmins("SELECT xmin FROM invitations UNION ALL SELECT xmin FROM unused_invitations UNION ALL SELECT xmin FROM invitation_links");
            assert_eq!(response_xmin.len(), 1);
            assert!(!invitation_xmins.contains(&response_xmin[0]), "no invitation row was written by the response's transaction");
        }
    }

    async fn the_invitation_token_never_reaches_the_logs(backend: Backend) {
        capture_logs();
        let smtp = SmtpServer::start();
        let app = spawn_mail_app(backend, &smtp).await;
        invite(&app.catalog(), EXAMPLE_ID, &addresses(&[("logged@example.org", None)]), invited_on()).unwrap();
        let link = link_in(&read(&smtp.wait_for(1).await[0]).text);
        let token = link.trim_start_matches("/i/").split('?').next().unwrap().to_owned();

        let form = app.get(&link).await;
        let fields = with_token(valid_fields(&example_survey(), "nanhu"), &token_in(&form.body));
        app.post_form(&link, &fields).await;
        app.post_form(&link, &fields).await;
        app.get(&link).await;

        let logs = captured_logs();
        for line in logs.lines().filter(|l| l.contains(&token)) {
            eprintln!("LOGGED: {line}");
        }
        assert!(logs.contains("/i/{token}"), "requests through the link are logged by route pattern");
        assert!(!logs.contains(&token), "the token is never logged");
        assert!(!logs.contains("logged@example.org"), "nor the address");
    }

    async fn a_campaign_written_after_the_survey_closed_keeps_no_address(backend: Backend) {
        // What `invite` and `remind` write once they have seen the survey open, reaching the
        // database after it closed (from another process, say): refused in the transaction.
        let app = spawn_app(backend).await;
        let catalog = app.catalog();
        let (early, late) = ("early.qian@example.org", "late.zhao@example.org");
        invite(&catalog, EXAMPLE_ID, &addresses(&[(early, None)]), invited_on()).unwrap();
        let mail = |id: &str, kind: &str, to: &str, invitation: Option<&str>| NewMail {
            id: id.to_owned(),
            survey_id: EXAMPLE_ID.to_owned(),
            kind: kind.to_owned(),
            recipient: to.to_owned(),
            invitation_id: invitation.map(str::to_owned),
            lang: "zh".to_owned(),
        };
        let invitation = NewInvitation {
            id: "late-invitation".to_owned(),
            survey_id: EXAMPLE_ID.to_owned(),
            email: Some(late.to_owned()),
            stratum: None,
            lang: "zh".to_owned(),
        };
        let batch = [(invitation, mail("late-mail", "invitation", late, Some("late-invitation")))];
        let reminder = |_: String, to: String, _: String| mail("reminder-mail", "reminder", &to, None);
        catalog.transition(EXAMPLE_ID, Transition::Close).unwrap();
        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let mut conn = db.conn().unwrap();

        let invited = storage::create_invitations(&mut conn, EXAMPLE_ID, "2026-11-20", &batch).unwrap();
        let reminded = storage::queue_reminder_round(&mut conn, EXAMPLE_ID, "2026-11-30", |_, _| None::<()>, |_| true, reminder).unwrap();

        assert_eq!(invited, IfOpen::NotOpen(SurveyState::Closed));
        assert_eq!(reminded, IfOpen::NotOpen(SurveyState::Closed));
        assert_eq!(storage::invitation_counts(&mut conn, EXAMPLE_ID).unwrap(), (1, 1), "only the invitation made while open, unused");
        assert!(storage::reminder_rounds(&mut conn, EXAMPLE_ID).unwrap().is_empty());
        let contents = database_contents(&app.db);
        assert!(!contents.contains(late) && !contents.contains(early), "no address is kept after the close");
    }

    async fn a_message_claimed_before_the_close_gets_no_link_after_it_and_goes_nowhere(backend: Backend) {
        // The mail worker claims a message, then records its link's hash, then sends it: a
        // close in between (its unsent messages and link hashes deleted) leaves the worker
        // nothing to record, and so nothing to send. No server runs here: the test plays the
        // worker's storage steps.
        let (test_db, db, catalog) = open_without_a_server(backend);
        invite(&catalog, EXAMPLE_ID, &addresses(&[("first.sun@example.org", None), ("second.zhou@example.org", None)]), invited_on()).unwrap();
        let mut conn = db.conn().unwrap();
        let now = chrono::Utc::now().timestamp();
        let link = |mail: &ClaimedMail, hash: &str| link(&db, mail, "worker", hash);
        let first = storage::claim_next(&mut conn, now, now + 60, "worker", 5).unwrap().unwrap();
        let second = storage::claim_next(&mut conn, now, now + 60, "worker", 5).unwrap().unwrap();

        let while_open = link(&first, "first-link-hash");
        let after_close = {
            catalog.transition(EXAMPLE_ID, Transition::Close).unwrap();
            link(&second, "second-link-hash")
        };

        assert_eq!(while_open, LinkOutcome::Recorded, "a message claimed while open gets its link");
        assert_eq!(after_close, LinkOutcome::NotOpen, "after the close, the claimed message gets none and is not sent");
        let contents = database_contents(&test_db);
        for gone in ["first-link-hash", "second-link-hash", "first.sun@example.org", "second.zhou@example.org"] {
            assert!(!contents.contains(gone), "{gone} is not kept after the close");
        }
    }

    async fn a_sender_whose_claim_ran_out_leaves_the_message_to_its_new_sender(backend: Backend) {
        let (_test_db, db, catalog) = open_without_a_server(backend);
        invite(&catalog, EXAMPLE_ID, &addresses(&[("slow.wu@example.org", None)]), invited_on()).unwrap();
        let mut conn = db.conn().unwrap();
        let now = chrono::Utc::now().timestamp();
        let stalled = storage::claim_next(&mut conn, now, now + 60, "stalled", 5).unwrap().unwrap();
        let taken_over = storage::claim_next(&mut conn, now + 60, now + 120, "next", 5).unwrap().unwrap();
        assert_eq!(stalled.id, taken_over.id, "the lease ran out and another sender claimed it");

        let late = link(&db, &stalled, "stalled", "stalled-link-hash");
        let current = link(&db, &taken_over, "next", "next-link-hash");

        assert_eq!(late, LinkOutcome::ClaimLost, "the stalled sender sends nothing");
        assert_eq!(current, LinkOutcome::Recorded, "and leaves the message to the new one, which sends it");
        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, 5).unwrap(), (1, 0));
    }

    async fn two_reminder_rounds_at_once_make_one_round(backend: Backend) {
        let (_test_db, db, catalog) = open_without_a_server(backend);
        let invited: Vec<String> = (0..200).map(|i| format!("resident{i}@example.org")).collect();
        let list: Vec<(&str, Option<&str>)> = invited.iter().map(|a| (a.as_str(), None)).collect();
        invite(&catalog, EXAMPLE_ID, &addresses(&list), invited_on()).unwrap();
        let mut conn = db.conn().unwrap();
        let now = chrono::Utc::now().timestamp();
        while let Some(sent) = storage::claim_next(&mut conn, now, now + 60, "sent", 5).unwrap() {
            assert!(storage::complete(&mut conn, &sent.id, "sent").unwrap());
        }
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let start = std::sync::Barrier::new(2);

        let reports: Vec<_> = std::thread::scope(|scope| {
            let runs: Vec<_> = (0..2)
                .map(|_| scope.spawn(|| {
                    start.wait();
                    minyi::invitations::remind(&catalog, EXAMPLE_ID, day, minyi::invitations::Spacing::Kept)
                }))
                .collect();
            runs.into_iter().map(|run| run.join().unwrap()).collect()
        });

        // The one that comes second finds no one left to remind, or, if it looks after the
        // first committed, that a round was just queued: never a database error.
        let mut said: Vec<String> = reports
            .iter()
            .map(|r| match r {
                Ok(report) => format!("queued {}", report.queued),
                Err(InvitationError::RemindedRecently { .. }) => "reminded recently".to_owned(),
                Err(e) => panic!("{e}"),
            })
            .collect();
        said.sort();
        assert!(said == ["queued 0", "queued 200"] || said == ["queued 200", "reminded recently"], "{said:?}");
        let rounds = storage::reminder_rounds(&mut conn, EXAMPLE_ID).unwrap();
        assert_eq!(rounds.iter().map(|r| (r.round, r.reminders)).collect::<Vec<_>>(), [(1, 200)]);
    }

    async fn asking_for_no_more_reminders_deletes_the_one_still_waiting(backend: Backend) {
        let (_test_db, db, catalog) = open_without_a_server(backend);
        invite(&catalog, EXAMPLE_ID, &addresses(&[("resident@example.org", None)]), invited_on()).unwrap();
        let mut conn = db.conn().unwrap();
        let now = chrono::Utc::now().timestamp();
        let sent = storage::claim_next(&mut conn, now, now + 60, "worker", 5).unwrap().unwrap();
        let hash = minyi::invitations::hash_token("0123456789abcdef0123456789abcdef");
        assert_eq!(link(&db, &sent, "worker", &hash), LinkOutcome::Recorded);
        assert!(storage::complete(&mut conn, &sent.id, "worker").unwrap(), "the invitation went out");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        minyi::invitations::remind(&catalog, EXAMPLE_ID, day, minyi::invitations::Spacing::Kept).unwrap();
        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, 5).unwrap(), (1, 0), "a reminder waits");

        let declined = storage::decline_reminders(&mut conn, &hash).unwrap();
        let unknown = storage::decline_reminders(&mut conn, &minyi::invitations::hash_token("ffffffffffffffffffffffffffffffff")).unwrap();

        assert!(declined.is_some_and(|i| !i.used), "the invitation, unused");
        assert!(unknown.is_none(), "a link never sent finds nothing");
        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, 5).unwrap(), (0, 0), "the waiting reminder is gone");
        assert_eq!(storage::invitation_counts(&mut conn, EXAMPLE_ID).unwrap(), (1, 1), "and the invitation stays unused");
        let again = minyi::invitations::remind(&catalog, EXAMPLE_ID, day + chrono::Days::new(3), minyi::invitations::Spacing::Overridden).unwrap();
        assert_eq!(again.queued, 0, "even forced, no reminder goes to them");
    }

    async fn a_request_for_no_more_reminders_waits_for_a_round_being_queued_and_deletes_its_reminder(backend: Backend) {
        let (test_db, db, catalog) = open_without_a_server(backend);
        invite(&catalog, EXAMPLE_ID, &addresses(&[("resident@example.org", None)]), invited_on()).unwrap();
        let mut conn = db.conn().unwrap();
        let now = chrono::Utc::now().timestamp();
        let sent = storage::claim_next(&mut conn, now, now + 60, "worker", 5).unwrap().unwrap();
        let hash = minyi::invitations::hash_token("0123456789abcdef0123456789abcdef");
        assert_eq!(link(&db, &sent, "worker", &hash), LinkOutcome::Recorded);
        assert!(storage::complete(&mut conn, &sent.id, "worker").unwrap(), "the invitation went out");
        // Another process, mid-round: it holds the survey's row (the write lock on SQLite), as
        // `minyi remind` does, and has queued this resident's reminder, not yet committed.
        let other_process = Database::connect(test_db.url.clone(), 1).unwrap();
        let mut other = other_process.conn().unwrap();
        let begin = match backend {
            Backend::Sqlite => "BEGIN IMMEDIATE".to_owned(),
            Backend::Postgres => format!("BEGIN; SELECT 1 FROM surveys WHERE id = '{EXAMPLE_ID}' FOR NO KEY UPDATE"),
        };
        execute(&mut other, &begin);
        execute(
            &mut other,
            &format!(
                "INSERT INTO outbox (id, survey_id, kind, recipient, invitation_id, lang) \
                 VALUES ('reminder-1', '{EXAMPLE_ID}', 'reminder', 'resident@example.org', '{}', 'zh')",
                sent.invitation_id.as_deref().unwrap()
            ),
        );

        let declined = std::thread::scope(|scope| {
            let declining = scope.spawn(|| storage::decline_reminders(&mut db.conn().unwrap(), &hash));
            // Long enough for the request to reach the lock and wait at it.
            std::thread::sleep(std::time::Duration::from_millis(500));
            execute(&mut other, "COMMIT");
            declining.join().unwrap()
        });

        assert!(declined.expect("waited for the round, not refused as busy").is_some());
        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, 5).unwrap(), (0, 0), "the round's reminder is deleted, not sent");
    }

    async fn a_round_queued_while_another_waited_holds_that_one_back(backend: Backend) {
        let (test_db, db, catalog) = open_without_a_server(backend);
        invite(&catalog, EXAMPLE_ID, &addresses(&[("resident@example.org", None)]), invited_on()).unwrap();
        let mut conn = db.conn().unwrap();
        let now = chrono::Utc::now().timestamp();
        let sent = storage::claim_next(&mut conn, now, now + 60, "sent", 5).unwrap().unwrap();
        assert!(storage::complete(&mut conn, &sent.id, "sent").unwrap(), "the invitation went out");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        // Another process, mid-transaction: it holds the survey's row (the write lock on
        // SQLite) and records a round of today, its messages already sent.
        let other_process = Database::connect(test_db.url.clone(), 1).unwrap();
        let mut other = other_process.conn().unwrap();
        let (begin, insert) = (
            match backend {
                Backend::Sqlite => "BEGIN IMMEDIATE".to_owned(),
                Backend::Postgres => format!("BEGIN; SELECT 1 FROM surveys WHERE id = '{EXAMPLE_ID}' FOR UPDATE"),
            },
            format!(
                "INSERT INTO reminder_rounds (survey_id, round, queued_on, reminders) \
                 VALUES ('{EXAMPLE_ID}', 1, '2026-11-20', 1)"
            ),
        );
        execute(&mut other, &begin);
        execute(&mut other, &insert);

        let report = std::thread::scope(|scope| {
            let waiting = scope.spawn(|| {
                minyi::invitations::remind(&catalog, EXAMPLE_ID, day, minyi::invitations::Spacing::Kept)
            });
            // Long enough for the round to reach the lock and wait at it.
            std::thread::sleep(std::time::Duration::from_millis(500));
            execute(&mut other, "COMMIT");
            waiting.join().unwrap()
        });

        match report {
            Err(InvitationError::RemindedRecently { round: 1, .. }) => {}
            other => panic!("a second round on the day of the first: {other:?}"),
        }
        assert_eq!(storage::reminder_rounds(&mut conn, EXAMPLE_ID).unwrap().len(), 1);
        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, 5).unwrap(), (0, 0), "no reminder queued");
    }
}

on_both_backends! {
    async fn a_removed_evaluators_notice_of_results_goes_with_the_account(backend: Backend) {
        use minyi::accounts::{Accounts, Email, Password, Role};
        let (_test_db, db, _catalog) = open_without_a_server(backend);
        let accounts = Accounts::new(db.clone()).unwrap();
        let leaving = Email::parse("left.the.agency@example.org").unwrap();
        let password = Password::parse("a long enough password").unwrap();
        accounts.add_user(&leaving, Role::Evaluator, &password, "test").unwrap();
        let mut conn = db.conn().unwrap();
        storage::enqueue(&mut conn, &[results_notice("to-leaver", leaving.as_str()), results_notice("to-stayer", "stays@example.org")]).unwrap();
        // The leaver's notice given up on (its address and the server's reason kept), as a
        // mail server that refused it would leave it.
        let now = chrono::Utc::now().timestamp();
        let mut given_up = false;
        while let Some(claimed) = storage::claim_next(&mut conn, now, now + 60, "worker", 5).unwrap() {
            if claimed.id == "to-leaver" {
                storage::fail(&mut conn, &claimed.id, "worker", now, Some(5), "550 no such user").unwrap();
                given_up = true;
            } else {
                storage::fail(&mut conn, &claimed.id, "worker", now + 3600, None, "421 try later").unwrap();
            }
        }
        assert!(given_up);
        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, 5).unwrap(), (1, 1));

        accounts.remove(&leaving, "test").unwrap();

        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, 5).unwrap(), (1, 0), "the other notice stays");
        assert!(storage::failure_reasons(&mut conn, EXAMPLE_ID, 5).unwrap().is_empty(), "nor the reason, which may quote the address");
    }
}

on_both_backends! {
    async fn a_notice_given_up_on_for_an_address_of_no_account_goes_with_the_purge(backend: Backend) {
        use minyi::mail::MAX_ATTEMPTS as GIVEN_UP;
        let (test_db, db, catalog) = open_without_a_server(backend);
        let mut conn = db.conn().unwrap();
        // `minyi survey publish --notify` takes any address, not only an account's.
        let give_up = |conn: &mut storage::DbConnection, id: &str| {
            let now = chrono::Utc::now().timestamp();
            while let Some(claimed) = storage::claim_next(conn, now, now + 60, "worker", GIVEN_UP).unwrap() {
                let verdict = (claimed.id == id).then_some(GIVEN_UP);
                let reason = if verdict.is_some() { "550 outside.evaluator@example.org: no such user" } else { "421 try later" };
                storage::fail(conn, &claimed.id, "worker", now + 3600 * i64::from(verdict.is_none()), verdict, reason).unwrap();
            }
        };
        storage::enqueue(&mut conn, &[results_notice("to-outsider", "outside.evaluator@example.org"), results_notice("still-tried", "stays@example.org")]).unwrap();
        give_up(&mut conn, "to-outsider");
        catalog.transition(EXAMPLE_ID, Transition::Close).unwrap();
        // The close keeps it (a notice of results is sent after the close).
        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, GIVEN_UP).unwrap(), (1, 1));
        assert!(database_contents(&test_db).contains("outside.evaluator@example.org"));

        minyi::retention::purge(&catalog, EXAMPLE_ID, chrono::Utc::now().date_naive()).unwrap();

        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, GIVEN_UP).unwrap(), (1, 0), "the one given up on goes; the one still tried is left to be sent");
        assert!(storage::failure_reasons(&mut conn, EXAMPLE_ID, GIVEN_UP).unwrap().is_empty(), "nor the reason quoting the address");
        assert!(!database_contents(&test_db).contains("outside.evaluator@example.org"), "the address is gone from the database's files");

        // A notice given up on after the purge (results published later, with --notify) goes
        // at the next daily run.
        storage::enqueue(&mut conn, &[results_notice("after-purge", "late.evaluator@example.org")]).unwrap();
        give_up(&mut conn, "after-purge");
        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, GIVEN_UP).unwrap().1, 1);
        minyi::retention::purge_due(&catalog, chrono::Utc::now().date_naive()).unwrap();
        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, GIVEN_UP).unwrap(), (1, 0));
    }
}

/// The notice that the example survey's results are out, queued for `to`.
fn results_notice(id: &str, to: &str) -> NewMail {
    NewMail {
        id: id.to_owned(),
        survey_id: EXAMPLE_ID.to_owned(),
        kind: "results_published".to_owned(),
        recipient: to.to_owned(),
        invitation_id: None,
        lang: "zh".to_owned(),
    }
}

/// Runs SQL on a connection of its own, as another process would.
fn execute(conn: &mut storage::DbConnection, sql: &str) {
    use diesel::connection::SimpleConnection;
    match conn {
        storage::DbConnection::Sqlite(c) => c.batch_execute(sql).unwrap(),
        storage::DbConnection::Postgres(c) => c.batch_execute(sql).unwrap(),
    }
}

/// The example survey open on a migrated database, with no server (so no mail worker) running.
fn open_without_a_server(backend: Backend) -> (TestDatabase, Database, Catalog) {
    let test_db = TestDatabase::new(backend);
    let db = Database::connect(test_db.url.clone(), 6).unwrap();
    let catalog = Catalog::new(db.clone());
    if !catalog
        .import_file(&repo_path("surveys/jiaxing-food-safety-2016.toml"))
        .unwrap()
        .opened
    {
        catalog.transition(EXAMPLE_ID, Transition::Open).unwrap();
    }
    (test_db, db, catalog)
}

/// The mail worker's step before it sends an invitation's message: recording its link.
fn link(db: &Database, mail: &ClaimedMail, claim: &str, hash: &str) -> LinkOutcome {
    let linked = LinkedMail {
        survey_id: EXAMPLE_ID,
        invitation_id: mail.invitation_id.as_deref().unwrap(),
        mail_id: &mail.id,
        claim,
    };
    storage::add_invitation_link(&mut db.conn().unwrap(), &linked, hash).unwrap()
}
