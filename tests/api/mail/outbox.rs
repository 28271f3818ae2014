//! The outbox shared by several processes: a message has one sender at a time, a sender that
//! died leaves its message to another once the lease runs out, and two servers draining one
//! outbox send every message once.

use std::collections::HashSet;

use minyi::catalog::Catalog;
use minyi::invitations::invite;
use minyi::storage::{self, Database, NewMail};

use super::*;

fn mail(n: usize) -> NewMail {
    NewMail {
        id: format!("{n:04}-{}", hex::encode(rand::random::<[u8; 8]>())),
        survey_id: EXAMPLE_ID.into(),
        kind: "results_published".into(),
        recipient: format!("evaluator{n}@example.org"),
        invitation_id: None,
        lang: "zh".into(),
    }
}

/// A migrated database with the example survey and `n` queued messages.
fn outbox_with(backend: Backend, n: usize) -> (TestDatabase, Database) {
    let test_db = TestDatabase::new(backend);
    let db = Database::connect(test_db.url.clone(), 8).unwrap();
    Catalog::new(db.clone())
        .import_file(&repo_path("surveys/jiaxing-food-safety-2016.toml"))
        .unwrap();
    let mails: Vec<NewMail> = (0..n).map(mail).collect();
    storage::enqueue(&mut db.conn().unwrap(), &mails).unwrap();
    (test_db, db)
}

on_both_backends! {
    async fn concurrent_senders_never_claim_the_same_message(backend: Backend) {
        let (_keep, db) = outbox_with(backend, 60);

        let claimed: Vec<Vec<String>> = std::thread::scope(|scope| {
            let senders: Vec<_> = (0..4)
                .map(|sender| {
                    let db = db.clone();
                    scope.spawn(move || {
                        let mut conn = db.conn().unwrap();
                        let mut mine = Vec::new();
                        let claim = format!("sender-{sender}");
                        while let Some(m) = storage::claim_next(&mut conn, 1_000, 1_300, &claim, 5).unwrap() {
                            mine.push(m.id);
                        }
                        mine
                    })
                })
                .collect();
            senders.into_iter().map(|s| s.join().unwrap()).collect()
        });

        let all: Vec<&String> = claimed.iter().flatten().collect();
        let distinct: HashSet<&String> = all.iter().copied().collect();
        assert_eq!(all.len(), 60, "every message claimed");
        assert_eq!(distinct.len(), 60, "none claimed twice");
    }

    async fn a_message_whose_sender_died_is_claimed_again_when_its_lease_runs_out(backend: Backend) {
        let (_keep, db) = outbox_with(backend, 1);
        let mut conn = db.conn().unwrap();

        let first = storage::claim_next(&mut conn, 100, 160, "dead-sender", 5).unwrap().expect("claimed");
        let during_lease = storage::claim_next(&mut conn, 159, 219, "other", 5).unwrap();
        let after_lease = storage::claim_next(&mut conn, 160, 220, "other", 5).unwrap().expect("claimed again");

        assert!(during_lease.is_none(), "nobody else sends it while the lease holds");
        assert_eq!(after_lease.id, first.id);
        assert_eq!(after_lease.attempts, 2, "the second try is counted");
        assert!(!storage::complete(&mut conn, &first.id, "dead-sender").unwrap(), "the first claim is void");
        assert!(storage::complete(&mut conn, &first.id, "other").unwrap(), "the new sender completes it");
        assert!(storage::claim_next(&mut conn, 10_000, 10_060, "x", 5).unwrap().is_none(), "a sent message is gone");
    }

    async fn a_message_tried_too_often_is_no_longer_claimed(backend: Backend) {
        let (_keep, db) = outbox_with(backend, 1);
        let mut conn = db.conn().unwrap();
        for attempt in 1..=3 {
            let m = storage::claim_next(&mut conn, 100 * attempt, 100 * attempt + 10, "s", 3).unwrap().expect("claimable");
            storage::fail(&mut conn, &m.id, "s", 0, None, "451 try later").unwrap();
        }
        assert!(storage::claim_next(&mut conn, 1_000, 1_010, "s", 3).unwrap().is_none());
        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, 3).unwrap(), (0, 1), "counted as failed");
    }

    async fn a_message_given_up_says_why_and_is_queued_again_once_the_server_works(backend: Backend) {
        let (test_db, db) = outbox_with(backend, 2);
        let mut conn = db.conn().unwrap();
        let max = minyi::mail::MAX_ATTEMPTS;
        let first = storage::claim_next(&mut conn, 100, 160, "s", max).unwrap().expect("claimable");
        storage::fail(&mut conn, &first.id, "s", 0, Some(max), "SMTP: Connection error: Connection refused").unwrap();
        let minyi = |args: &[&str]| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
                .args(args)
                .env("DATABASE_URL", &test_db.raw_url)
                .env("MINYI_LOG", "warn")
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8_lossy(&out.stdout).into_owned()
        };

        let status = minyi(&["survey", "status", EXAMPLE_ID]);
        let retried = minyi(&["mail", "retry", EXAMPLE_ID]);
        let again = minyi(&["mail", "retry", EXAMPLE_ID]);

        assert!(status.contains("mail waiting 1, failed 1"), "{status}");
        assert!(status.contains("failed: 1 × SMTP: Connection error: Connection refused"), "why: {status}");
        assert!(status.contains(&format!("minyi mail retry {EXAMPLE_ID}")), "what to do: {status}");
        assert!(retried.contains("1 messages queued again"), "{retried}");
        assert!(again.contains("nothing to send again"), "{again}");
        assert_eq!(storage::outbox_counts(&mut conn, EXAMPLE_ID, max).unwrap(), (2, 0), "both waiting");
        let now = chrono::Utc::now().timestamp();
        let mut claimed = Vec::new();
        while let Some(m) = storage::claim_next(&mut conn, now, now + 60, "t", max).unwrap() {
            claimed.push((m.id, m.attempts));
        }
        assert!(claimed.contains(&(first.id.clone(), 1)), "sent again, its tries counted afresh: {claimed:?}");
    }

    async fn two_servers_draining_one_outbox_send_each_message_once(backend: Backend) {
        let smtp = SmtpServer::start();
        let first = spawn_mail_app(backend, &smtp).await;
        let transport = smtp.transport();
        let mut settings = settings_for(&first.db, &repo_path("surveys"));
        settings.mail.transport = transport;
        let second = minyi::startup::Application::build(&settings).expect("a second server on the same database");
        actix_web::rt::spawn(second.run_until_stopped());
        let invited: Vec<String> = (0..30).map(|n| format!("resident{n:02}@example.org")).collect();
        let list: Vec<(&str, Option<&str>)> = invited.iter().map(|a| (a.as_str(), None)).collect();

        invite(&first.catalog(), EXAMPLE_ID, &addresses(&list), invited_on()).unwrap();
        smtp.wait_for(30).await;
        let db = Database::connect(first.db.url.clone(), 1).unwrap();
        loop {
            let waiting = storage::outbox_counts(&mut db.conn().unwrap(), EXAMPLE_ID, 5).unwrap();
            if waiting == (0, 0) { break; }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }

        let mut recipients: Vec<String> = smtp.received().iter().map(|m| read(m).to).collect();
        recipients.sort();
        assert_eq!(recipients, invited, "every address once, though two servers were sending");
    }
}
