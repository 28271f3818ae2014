//! Retention: purging deletes free text, client hashes and the survey secret, and the
//! evaluation computed from what remains is exactly the one computed before.

use super::*;
use minyi::analysis::{add_simulated, evaluate_survey};
use minyi::lifecycle::Transition;
use minyi::retention::{purge, purge_due};
use minyi::storage::{self, Database};
use minyi::survey::QuestionKind;

const FREE_TEXT: &str = "菜市场的猪肉摊要天天检查";

fn evaluation_json(app: &TestApp) -> serde_json::Value {
    let (_, evaluation) = evaluate_survey(&app.catalog(), EXAMPLE_ID).expect("evaluates");
    serde_json::to_value(&evaluation).unwrap()
}

/// The example survey (excluding duplicates) with simulated answers, two answers from one
/// browser and a comment; then closed.
async fn closed_survey_with_duplicates_and_free_text(
    backend: Backend,
    dir: &std::path::Path,
) -> TestApp {
    let app = spawn_app_with_surveys(backend, dir).await;
    add_simulated(&app.catalog(), EXAMPLE_ID, 700, 3).expect("simulate");
    let survey = example_survey();
    let text_id = survey
        .questions
        .iter()
        .find(|q| matches!(q.kind, QuestionKind::Text { .. }) && q.show_if.is_none())
        .unwrap()
        .id
        .clone();
    let cookie = format!("minyi_client={PROBE_COOKIE}");
    for _ in 0..2 {
        let token = app.form_token(EXAMPLE_ID).await;
        let fields: Vec<(String, String)> = valid_fields(&survey, "haiyan")
            .into_iter()
            .map(|(name, value)| {
                if name == text_id {
                    (name, FREE_TEXT.to_owned())
                } else {
                    (name, value)
                }
            })
            .collect();
        submit_fields(
            &app,
            with_token(fields, &token),
            &[("Cookie", cookie.as_str())],
        )
        .await;
    }
    app.catalog()
        .transition(EXAMPLE_ID, Transition::Close)
        .unwrap();
    app
}

on_both_backends! {
    async fn purging_deletes_free_text_hashes_and_secret_and_leaves_the_evaluation_unchanged(backend: Backend) {
        let dir = example_excluding_duplicates();
        let app = closed_survey_with_duplicates_and_free_text(backend, dir.path()).await;
        let before = evaluation_json(&app);
        assert_eq!(before["responses"]["excluded"]["duplicate_client"], 1, "the duplicate is excluded before purging");

        let report = purge(&app.catalog(), EXAMPLE_ID, chrono::Utc::now().date_naive()).expect("purges");

        assert_eq!(evaluation_json(&app), before, "identical figures from what remains");
        assert_eq!(report.responses, 702);
        assert_eq!(report.duplicates_kept, 1);
        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let mut conn = db.conn().unwrap();
        let stored = storage::load_responses(&mut conn, EXAMPLE_ID).unwrap();
        assert!(stored.iter().all(|r| r.client_hash.is_none()), "no hash is left");
        assert!(stored.iter().all(|r| !r.answers.contains(FREE_TEXT)), "no free text is left");
        assert!(!storage::has_survey_secret(&mut conn, EXAMPLE_ID).unwrap());
        assert!(storage::purged_on(&mut conn, EXAMPLE_ID).unwrap().is_some());
        drop(conn);
        if backend == Backend::Sqlite {
            // secure_delete and the checkpoint: not even the file's free pages keep it.
            assert!(!database_contents(&app.db).contains(FREE_TEXT), "the text is gone from the file");
        }
        let again = purge(&app.catalog(), EXAMPLE_ID, chrono::Utc::now().date_naive()).expect("idempotent");
        assert_eq!(again.duplicates_kept, 0);
        assert_eq!(evaluation_json(&app), before);
    }

    async fn a_closed_survey_is_purged_automatically_retention_days_after_closing(backend: Backend) {
        let dir = example_excluding_duplicates();
        let app = closed_survey_with_duplicates_and_free_text(backend, dir.path()).await;
        let closed_on = chrono::Utc::now().date_naive();
        let retention = u64::from(example_survey().privacy.retention_days);
        let due = closed_on + chrono::Days::new(retention);
        let purged = || {
            let db = Database::connect(app.db.url.clone(), 1).unwrap();
            let mut conn = db.conn().unwrap();
            storage::purged_on(&mut conn, EXAMPLE_ID).unwrap()
        };

        let day_before = purge_due(&app.catalog(), due - chrono::Days::new(1)).unwrap();
        assert!(day_before.purged.is_empty() && purged().is_none(), "kept until the last day");

        let on_the_day = purge_due(&app.catalog(), due).unwrap();
        assert_eq!(on_the_day.purged.len(), 1);
        assert_eq!(purged(), Some(due.to_string()));
        assert!(purge_due(&app.catalog(), due + chrono::Days::new(1)).unwrap().purged.is_empty(), "once");
    }

    async fn a_survey_that_cannot_be_purged_does_not_keep_the_others_past_their_time(backend: Backend) {
        let dir = example_excluding_duplicates();
        // Another closed survey, listed first, whose close time cannot be read.
        let example = std::fs::read_to_string(dir.path().join("jiaxing-food-safety-2016.toml")).expect("the example's copy");
        let other = example.replace(&format!("id = \"{EXAMPLE_ID}\""), "id = \"a-broken-2016\"");
        assert_ne!(other, example);
        std::fs::write(dir.path().join("broken.toml"), other).unwrap();
        let app = closed_survey_with_duplicates_and_free_text(backend, dir.path()).await;
        app.catalog().transition("a-broken-2016", minyi::lifecycle::Transition::Close).unwrap();
        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let sql = "UPDATE surveys SET closed_at = 'not a time' WHERE id = 'a-broken-2016'";
        match &mut *db.conn().unwrap() {
            storage::DbConnection::Sqlite(c) => diesel::connection::SimpleConnection::batch_execute(c, sql).unwrap(),
            storage::DbConnection::Postgres(c) => diesel::connection::SimpleConnection::batch_execute(c, sql).unwrap(),
        }
        let due = chrono::Utc::now().date_naive() + chrono::Days::new(u64::from(example_survey().privacy.retention_days));

        let run = purge_due(&app.catalog(), due).unwrap();

        assert_eq!(run.purged.iter().map(|r| r.survey_id.as_str()).collect::<Vec<_>>(), [EXAMPLE_ID], "the example is purged all the same");
        assert_eq!(run.failed.len(), 1);
        assert_eq!(run.failed[0].0, "a-broken-2016", "the other is named: {}", run.failed[0].1);
        assert!(run.failed[0].1.to_string().contains("not a time"), "with what is wrong: {}", run.failed[0].1);
    }

    async fn an_open_survey_cannot_be_purged(backend: Backend) {
        let app = spawn_app(backend).await;

        let err = purge(&app.catalog(), EXAMPLE_ID, chrono::Utc::now().date_naive()).expect_err("open");

        assert!(err.to_string().contains("close it first"), "{err}");
    }
}
