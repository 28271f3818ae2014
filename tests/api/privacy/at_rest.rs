//! What a resident's device sends never reaches the database or the logs; free text is
//! scrubbed before it is stored.

use super::logs::{capture_logs, captured_logs};
use super::*;
use minyi::survey::{Answer, QuestionKind};

const USER_AGENT: &str = "MinyiProbe/9.9 (DistinctiveDevice-7f3a)";
const OTHER_COOKIE: &str = "CookieValue-51c2";
const FORWARDED_FOR: &str = "203.0.113.77";

on_both_backends! {
    async fn nothing_identifying_the_device_reaches_the_database_or_the_logs(backend: Backend) {
        capture_logs();
        // Behind a trusted proxy, so the forwarded address is really used (for its /24).
        let app = spawn_app_with_settings(backend, &repo_path("surveys"), |s| {
            s.trusted_proxies = "127.0.0.1".parse().unwrap();
        })
        .await;
        let cookie_header = format!("minyi_client={PROBE_COOKIE}; tracker={OTHER_COOKIE}");
        let headers = [
            ("User-Agent", USER_AGENT),
            ("Cookie", cookie_header.as_str()),
            ("X-Forwarded-For", FORWARDED_FOR),
        ];
        let (token, _) = open_form(&app, &headers).await;

        submit(&app, "xiuzhou", &token, &headers).await;
        let (second, _) = open_form(&app, &[("User-Agent", USER_AGENT)]).await;
        submit(&app, "xiuzhou", &second, &[("User-Agent", USER_AGENT), ("X-Forwarded-For", FORWARDED_FOR)]).await;
        // A path segment typed by the sender, where a survey id would be: a phone number.
        app.get("/s/13900001111").await;
        app.get("/admin/surveys/13900001111").await;

        let stored = database_contents(&app.db);
        let logs = captured_logs();
        assert!(stored.contains("希望加强农贸市场的检查"), "the check reads the stored answers");
        assert!(logs.contains("/s/{id}") && logs.contains(EXAMPLE_ID), "the check reads the request log: {logs}");
        for secret in [
            "DistinctiveDevice-7f3a",
            PROBE_COOKIE,
            OTHER_COOKIE,
            FORWARDED_FOR,
            "203.0.113.0",
            "13900001111",
        ] {
            assert!(!stored.contains(secret), "{secret} must not be stored ({backend:?})");
            assert!(!logs.contains(secret), "{secret} must not be logged ({backend:?})");
        }
        // The peer address is loopback here; the server logs its own listening address, so
        // only the database is checked for it.
        assert!(!stored.contains("127.0.0.1"), "the peer address must not be stored");
        let db = minyi::storage::Database::connect(app.db.url.clone(), 1).unwrap();
        let responses = minyi::storage::load_responses(&mut db.conn().unwrap(), EXAMPLE_ID).unwrap();
        assert!(
            responses.iter().all(|r| r.client_hash.as_ref().is_some_and(|h| h.len() == 64)),
            "each response carries a keyed hash instead"
        );
    }

    async fn free_text_is_scrubbed_before_it_is_stored(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let text_question = survey
            .questions
            .iter()
            .find(|q| matches!(q.kind, QuestionKind::Text { .. }) && q.show_if.is_none())
            .expect("the example has a free-text question");
        let written = "菜场卫生差，请联系我13812345678，身份证330402198001011236，邮箱zhang@example.com，家住3幢2单元501室";
        let fields: Vec<(String, String)> = valid_fields(&survey, "haiyan")
            .into_iter()
            .map(|(name, value)| if name == text_question.id { (name, written.to_owned()) } else { (name, value) })
            .collect();
        let token = app.form_token(EXAMPLE_ID).await;

        submit_fields(&app, with_token(fields, &token), &[]).await;

        let stored = stored_answers(&app, EXAMPLE_ID);
        assert_eq!(
            stored[0].1.get(&text_question.id),
            Some(&Answer::Code("菜场卫生差，请联系我[手机号]，身份证[身份证号]，邮箱[邮箱]，家住[门牌号]".into()))
        );
        let contents = database_contents(&app.db);
        for detail in ["13812345678", "330402198001011236", "zhang@example.com", "2单元501"] {
            assert!(!contents.contains(detail), "{detail} is nowhere in the database");
        }
    }
}

/// Deleted values must not linger in SQLite's write-ahead log. The server's checkpoint thread
/// checkpoints all the time, and SQLite answers a truncating checkpoint that meets another
/// connection's with "busy", leaving the log as it was: a survey's close once left the invited
/// addresses it had just deleted in the log that way (seen as a rare failure of
/// `mail::privacy::invited_addresses_are_deleted_when_the_survey_closes_and_never_exported`).
#[test]
fn emptying_the_log_waits_out_a_checkpoint_running_on_another_connection() {
    use diesel::connection::SimpleConnection;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let test_db = TestDatabase::new(Backend::Sqlite);
    let db = minyi::storage::Database::connect(test_db.url.clone(), 4).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let checkpointer = {
        let (db, stop) = (db.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut passes = 0;
            while !stop.load(Ordering::Relaxed) {
                db.checkpoint().unwrap();
                passes += 1;
            }
            passes
        })
    };
    let log = test_db.sqlite_file().with_extension("db-wal");
    for round in 0..100 {
        (*db.conn().unwrap())
            .batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS scratch (x TEXT); INSERT INTO scratch VALUES ('row {round}')"
            ))
            .unwrap();
        db.empty_log().unwrap();
        let left = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        assert_eq!(
            left, 0,
            "round {round}: the log still holds {left} bytes of old pages"
        );
    }
    stop.store(true, Ordering::Relaxed);
    assert!(
        checkpointer.join().unwrap() > 100,
        "the other connection checkpointed meanwhile"
    );
}
