//! Importing survey files and moving surveys from draft to published.

use crate::helpers::*;
use minyi::catalog::CatalogError;
use minyi::lifecycle::{SurveyState, Transition};
use minyi::storage::ImportOutcome;
use minyi::survey::Answer;

on_both_backends! {
    async fn a_changed_file_becomes_a_new_version_and_old_responses_keep_theirs(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let token = app.form_token(EXAMPLE_ID).await;
        app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(valid_fields(&survey, "haiyan"), &token)).await;
        let catalog = app.catalog();
        let first_version = catalog.require(EXAMPLE_ID).unwrap().record.current_version;

        let dir = tempfile::tempdir().unwrap();
        let changed = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml")).unwrap()
            + "\n# a comment changes the file, so its version\n";
        let file = dir.path().join("jiaxing.toml");
        std::fs::write(&file, changed).unwrap();
        let report = catalog.import_file(&file).expect("re-import");

        assert_eq!(report.outcome, ImportOutcome::NewVersion { earlier_responses: 1 });
        assert_ne!(report.version, first_version);
        let current = catalog.require(EXAMPLE_ID).unwrap();
        assert_eq!(current.record.current_version, report.version);
        assert_eq!(current.record.state, SurveyState::Open, "re-importing does not change the state");
        let db = minyi::storage::Database::connect(app.db.url.clone(), 1).unwrap();
        let responses = minyi::storage::load_responses(&mut db.conn().unwrap(), EXAMPLE_ID).unwrap();
        assert_eq!(responses[0].version, first_version, "the earlier response still points at what it answered");
        assert!(catalog.definition(EXAMPLE_ID, &first_version).is_ok(), "the old version is still readable");

        let token = app.form_token(EXAMPLE_ID).await;
        app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(valid_fields(&survey, "haiyan"), &token)).await;
        let responses = minyi::storage::load_responses(&mut db.conn().unwrap(), EXAMPLE_ID).unwrap();
        assert!(responses.iter().any(|r| r.version == report.version), "new answers record the new version");
    }

    async fn each_response_is_read_with_the_version_it_answered_in_whichever_form_it_was_stored(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let token = app.form_token(EXAMPLE_ID).await;
        app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(valid_fields(&survey, "haiyan"), &token)).await;
        // A response stored before answers were stored by position: keyed by question id.
        let catalog = app.catalog();
        let first = catalog.require(EXAMPLE_ID).unwrap().record;
        let mut keyed_answers = stored_answers(&app, EXAMPLE_ID).remove(0).1;
        keyed_answers.insert("county".into(), Answer::Code("pinghu".into()));
        let keyed = minyi::storage::NewResponse {
            slot: minyi::storage::slot_of(first.number, "stored-before"),
            id: "stored-before".into(),
            survey_id: EXAMPLE_ID.into(),
            version: first.current_version.clone(),
            stratum: "pinghu".into(),
            channel: "open_link".into(),
            answers: serde_json::to_string(&keyed_answers).unwrap(),
            quality_flags: String::new(),
            duration_seconds: Some(300),
            submitted_on: "2016-10-20".into(),
            client_hash: None,
        };
        let db = minyi::storage::Database::connect(app.db.url.clone(), 1).unwrap();
        minyi::storage::insert_responses(&mut db.conn().unwrap(), &[keyed]).unwrap();
        // A new version asks age before sex: read with it, the first version's answers would
        // be misplaced.
        let source = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml")).unwrap();
        let (sex_start, age_start) = (source.find("id = \"sex\"").unwrap(), source.find("id = \"age_band\"").unwrap());
        let age_end = age_start + source[age_start..].find("[[questions]]").unwrap();
        let reordered = format!(
            "{}{}[[questions]]\n{}{}",
            &source[..sex_start],
            &source[age_start..age_end],
            &source[sex_start..age_start - "[[questions]]\n".len()],
            &source[age_end..]
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("jiaxing.toml"), reordered).unwrap();
        catalog.import_file(&dir.path().join("jiaxing.toml")).expect("re-import");
        let second = catalog.require(EXAMPLE_ID).unwrap();
        assert_eq!(second.definition.questions[1].id, "age_band", "the new version asks age second");
        let token = app.form_token(EXAMPLE_ID).await;
        app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(valid_fields(&second.definition, "nanhu"), &token)).await;

        let mut read = stored_answers(&app, EXAMPLE_ID);
        read.sort_by(|a, b| a.0.cmp(&b.0));

        let counties: Vec<&str> = read.iter().map(|(county, _)| county.as_str()).collect();
        assert_eq!(counties, ["haiyan", "nanhu", "pinghu"]);
        for (county, answers) in &read {
            assert_eq!(answers.get("county"), Some(&Answer::Code(county.clone())), "{county}");
            assert_eq!(answers.get("sex"), Some(&Answer::Code("male".into())), "{county}");
            assert_eq!(answers.get("age_band"), Some(&Answer::Code("18_29".into())), "{county}");
            assert_eq!(answers.len(), read[0].1.len(), "{county}: every answer read back");
        }
        let respondents = minyi::analysis::respondents(&catalog, EXAMPLE_ID).expect("the evaluation reads all three");
        assert_eq!(respondents.len(), 3);
        assert!(respondents.iter().all(|r| r.answers.get("sex") == Some(&Answer::Code("male".into()))));
    }

    async fn the_lifecycle_runs_draft_open_closed_published_and_refuses_shortcuts(backend: Backend) {
        let app = spawn_app(backend).await;
        let catalog = app.catalog();

        let publish_while_open = minyi::publishing::publish(&catalog, EXAMPLE_ID);
        assert!(publish_while_open.err().unwrap().to_string().contains("close it first"), "cannot publish while open");

        assert!(matches!(catalog.transition(EXAMPLE_ID, Transition::Publish), Err(CatalogError::PublishWithResults(_))), "publishing goes through the results");
        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 700, 1).unwrap();
        assert_eq!(catalog.transition(EXAMPLE_ID, Transition::Close).unwrap(), SurveyState::Closed);
        minyi::publishing::publish(&catalog, EXAMPLE_ID).expect("publish");
        assert_eq!(catalog.require(EXAMPLE_ID).unwrap().record.state, SurveyState::Published);
        let reopen = catalog.transition(EXAMPLE_ID, Transition::Open);
        assert!(reopen.unwrap_err().to_string().contains("final"));
        assert!(matches!(catalog.transition("nope", Transition::Open), Err(CatalogError::UnknownSurvey(_))));
    }
}

#[actix_web::test]
async fn restarting_does_not_reopen_or_duplicate_a_survey() {
    let db = TestDatabase::new(Backend::Sqlite);
    let settings = settings_for(&db, &repo_path("surveys"));
    let first = minyi::startup::Application::build(&settings).unwrap();
    assert!(first
        .imported
        .iter()
        .any(|r| r.survey_id == EXAMPLE_ID && r.opened));
    drop(first);
    let catalog =
        minyi::catalog::Catalog::new(minyi::storage::Database::connect(db.url.clone(), 1).unwrap());
    catalog.transition(EXAMPLE_ID, Transition::Close).unwrap();

    let second = minyi::startup::Application::build(&settings).unwrap();

    let report = second
        .imported
        .iter()
        .find(|r| r.survey_id == EXAMPLE_ID)
        .unwrap();
    assert_eq!(report.outcome, ImportOutcome::Unchanged);
    assert!(!report.opened);
    assert_eq!(
        catalog.require(EXAMPLE_ID).unwrap().record.state,
        SurveyState::Closed
    );
}
