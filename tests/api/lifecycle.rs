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

    async fn a_closed_or_published_survey_keeps_its_file_and_the_refusal_says_how_to_put_it_back(backend: Backend) {
        let app = spawn_app(backend).await;
        let catalog = app.catalog();
        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 700, 1).unwrap();
        catalog.transition(EXAMPLE_ID, Transition::Close).unwrap();
        let closed_version = catalog.require(EXAMPLE_ID).unwrap().record.current_version;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jiaxing.toml");
        let original = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml")).unwrap();
        std::fs::write(&file, original.replace("threshold = 0.85", "threshold = 0.5")).unwrap();

        let while_closed = catalog.import_file(&file).unwrap_err().to_string();
        let unchanged_after_close = catalog.require(EXAMPLE_ID).unwrap().record.current_version;
        catalog.transition(EXAMPLE_ID, Transition::Open).unwrap();
        let reopened = catalog.import_file(&file).expect("a reopened survey's file may change");
        catalog.transition(EXAMPLE_ID, Transition::Close).unwrap();
        minyi::publishing::publish(&catalog, EXAMPLE_ID).expect("publish");
        std::fs::write(&file, &original).unwrap();
        let after_publishing = catalog.import_file(&file).unwrap_err().to_string();
        let put_back = catalog.file_text(EXAMPLE_ID, None).unwrap();

        assert!(original.contains("threshold = 0.85"), "the example has the threshold this test lowers");
        assert_eq!(unchanged_after_close, closed_version, "the lowered threshold did not reach the closed survey");
        let name = file.display();
        assert_eq!(
            while_closed,
            format!("{name}: survey {EXAMPLE_ID} is closed, and its file can no longer change: its answers were given, and its evaluation is computed, with the version it has. Put back the text it has (`minyi survey source {EXAMPLE_ID} > {name}`), or reopen it (`minyi survey open {EXAMPLE_ID}`) to change it while it takes answers.")
        );
        assert!(matches!(reopened.outcome, ImportOutcome::NewVersion { earlier_responses: 700 }));
        assert!(
            after_publishing.contains("is published, and its file can no longer change: its results are published")
                && after_publishing.ends_with("to survey again, give the new file a new id."),
            "{after_publishing}"
        );
        assert_eq!(catalog.require(EXAMPLE_ID).unwrap().record.current_version, reopened.version, "the published version stays");
        assert!(put_back.contains("threshold = 0.5"), "`survey source` gives the text that is current");
        let audit = minyi::audit::recent(catalog.database(), 50).unwrap();
        let imports: Vec<&str> = audit.iter().filter(|e| e.action == "survey_imported").map(|e| e.detail.as_str()).collect();
        assert_eq!(imports.len(), 2, "the first import and the one after reopening, nothing refused: {imports:?}");
        assert!(imports[0].contains(&format!("version {} replaces {}; 700 earlier responses keep theirs", &reopened.version[..12], &closed_version[..12])), "{imports:?}");
    }

    async fn a_new_version_may_not_drop_a_code_that_answers_hold(backend: Backend) {
        let app = spawn_app(backend).await;
        let catalog = app.catalog();
        let token = app.form_token(EXAMPLE_ID).await;
        app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(valid_fields(&example_survey(), "haiyan"), &token)).await;
        let before = catalog.require(EXAMPLE_ID).unwrap().record.current_version;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jiaxing.toml");
        let original = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml")).unwrap();
        std::fs::write(&file, original.replace("\"haiyan\"", "\"hy\"")).unwrap();

        let refused = catalog.import_file(&file).unwrap_err().to_string();
        let also_lowered = original.replace("\"haiyan\"", "\"hy\"").replace("threshold = 0.85\npoints = 15", "threshold = 0.75\npoints = 15");
        std::fs::write(&file, also_lowered).unwrap();
        let refused_for_both = catalog.import_file(&file).unwrap_err().to_string();
        std::fs::write(&file, original.replace("海盐县", "海盐")).unwrap();
        let relabelled = catalog.import_file(&file).expect("a new label keeps the code");

        assert!(
            refused.contains(&format!("survey {EXAMPLE_ID} is open or has answers (1 stored), read by question id and answer code, and this version drops option `haiyan` of question `county`: keep every question and code")),
            "{refused}"
        );
        assert!(
            !refused.contains("It also changes"),
            "nothing else changed: {refused}"
        );
        assert!(
            refused_for_both.contains("drops option `haiyan` of question `county`")
                && refused_for_both.ends_with("It also changes how residents' answers already given are judged or what they mean: the threshold of indicator `campaign_awareness` (0.85 to 0.75): put these back as they were too"),
            "one refusal lists all there is to put back: {refused_for_both}"
        );
        assert!(matches!(relabelled.outcome, ImportOutcome::NewVersion { earlier_responses: 1 }));
        assert_ne!(relabelled.version, before);
    }

    async fn once_residents_have_answered_a_new_version_may_not_change_the_rules_they_are_judged_by(backend: Backend) {
        let app = spawn_app(backend).await;
        let catalog = app.catalog();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jiaxing.toml");
        let original = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml")).unwrap();
        let lowered = original.replace("threshold = 0.85\npoints = 15", "threshold = 0.75\npoints = 15");
        let swapped = original
            .replace("{ code = \"5\", zh = \"非常满意\"", "{ code = \"5\", zh = \"很不满意\"")
            .replace("{ code = \"1\", zh = \"很不满意\"", "{ code = \"1\", zh = \"非常满意\"");
        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 50, 1).unwrap();
        std::fs::write(&file, &lowered).unwrap();
        let during_the_trial = catalog.import_file(&file).expect("simulated answers judge nothing");
        std::fs::write(&file, &original).unwrap();
        catalog.import_file(&file).expect("and the threshold goes back");
        let token = app.form_token(EXAMPLE_ID).await;
        app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(valid_fields(&example_survey(), "haiyan"), &token)).await;
        let before = catalog.require(EXAMPLE_ID).unwrap().record.current_version;

        std::fs::write(&file, &lowered).unwrap();
        let threshold_refused = catalog.import_file(&file).unwrap_err().to_string();
        std::fs::write(&file, &swapped).unwrap();
        let labels_refused = catalog.import_file(&file).unwrap_err().to_string();
        std::fs::write(&file, original.replace("大约需要10分钟", "大约需要十分钟")).unwrap();
        let reworded = catalog.import_file(&file).expect("a text may still change");

        assert!(matches!(during_the_trial.outcome, ImportOutcome::NewVersion { earlier_responses: 50 }));
        assert!(
            threshold_refused.contains(&format!("survey {EXAMPLE_ID} has answers from residents (1), and this version changes how they are judged or what they mean: the threshold of indicator `campaign_awareness` (0.85 to 0.75). An evaluation's rules are fixed before its fieldwork")),
            "{threshold_refused}"
        );
        assert!(
            labels_refused.contains("the label \"很不满意\" of question `overall_satisfaction`, now on scale point `5`, was scale point `1`'s"),
            "{labels_refused}"
        );
        assert_ne!(reworded.version, before);
        assert_eq!(catalog.require(EXAMPLE_ID).unwrap().record.current_version, reworded.version, "only the reworded text became current");
        assert!(catalog.file_text(EXAMPLE_ID, None).unwrap().contains("threshold = 0.85\npoints = 15"));
    }

    async fn a_copy_made_for_a_new_survey_with_the_id_left_as_it_was_does_not_replace_that_survey(backend: Backend) {
        let app = spawn_app(backend).await;
        let catalog = app.catalog();
        let before = catalog.require(EXAMPLE_ID).unwrap().record.current_version;
        let original = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml")).unwrap();
        let transport = original
            .replace("嘉兴市食品安全公众满意度调查（2016年）", "嘉兴市公共交通满意度调查（2026年）")
            .replace("Jiaxing Public Satisfaction Survey on Food Safety, 2016", "Jiaxing Public Transport Survey, 2026");
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("transport-2026.toml");
        std::fs::write(&copy, &transport).unwrap();

        let refused = catalog.import_file(&copy).unwrap_err();

        assert!(matches!(refused, CatalogError::AnotherSurveysId { .. }), "{refused}");
        let said = refused.to_string();
        assert!(
            said.contains(&format!("transport-2026.toml: its id {EXAMPLE_ID} is that of the survey \"嘉兴市食品安全公众满意度调查（2016年）\", imported from jiaxing-food-safety-2016.toml"))
                && said.contains("Give this survey an id of its own ([survey] id)"),
            "names both files, the title and what to do: {said}"
        );
        assert_eq!(catalog.require(EXAMPLE_ID).unwrap().record.current_version, before, "the example is as it was");

        // A new title in the survey's own file, or the same title from a file renamed, is the
        // survey's next version.
        let own_name = dir.path().join("jiaxing-food-safety-2016.toml");
        std::fs::write(&own_name, &transport).unwrap();
        catalog.import_file(&own_name).expect("a new title, kept under the file's name");
        let renamed = dir.path().join("jiaxing-2016-v2.toml");
        std::fs::write(&renamed, original.replace("大约需要10分钟", "大约需要十分钟")).unwrap();
        catalog.import_file(&renamed).expect_err("another name and, against the current title, another title");
        std::fs::write(&own_name, &original).unwrap();
        catalog.import_file(&own_name).expect("the title back");
        catalog.import_file(&renamed).expect("the same title from a file renamed");
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
async fn a_bad_file_or_two_files_for_one_survey_are_reported_and_the_other_surveys_still_served() {
    let db = TestDatabase::new(Backend::Sqlite);
    let dir = tempfile::tempdir().unwrap();
    let example =
        std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml")).unwrap();
    std::fs::write(dir.path().join("jiaxing.toml"), &example).unwrap();
    std::fs::write(
        dir.path().join("draft.toml"),
        example.replace("threshold = 0.85", "threshold = 85"),
    )
    .unwrap();
    let next_year = example.replace(EXAMPLE_ID, "jiaxing-2017");
    std::fs::write(dir.path().join("a-2017.toml"), &next_year).unwrap();
    std::fs::write(
        dir.path().join("b-2017-copy.toml"),
        next_year.replace("2016", "2017"),
    )
    .unwrap();

    let app = minyi::startup::Application::build(&settings_for(&db, dir.path())).expect("starts");

    let loaded: Vec<&str> = app
        .imported
        .loaded
        .iter()
        .map(|r| r.survey_id.as_str())
        .collect();
    assert_eq!(loaded, [EXAMPLE_ID]);
    let refused: Vec<String> = app.imported.refused.iter().map(|e| e.to_string()).collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused
            .iter()
            .any(|e| e.contains("draft.toml") && e.contains("threshold")),
        "{refused:?}"
    );
    let (a, b) = (
        dir.path().join("a-2017.toml"),
        dir.path().join("b-2017-copy.toml"),
    );
    assert!(
        refused.contains(&format!("{}, {} all define survey jiaxing-2017: keep one file per survey (a new survey needs its own id); none of them was loaded", a.display(), b.display())),
        "{refused:?}"
    );
    assert!(
        app.catalog().current("jiaxing-2017").unwrap().is_none(),
        "neither copy became the survey"
    );
}

#[actix_web::test]
async fn restarting_does_not_reopen_or_duplicate_a_survey() {
    let db = TestDatabase::new(Backend::Sqlite);
    let settings = settings_for(&db, &repo_path("surveys"));
    let first = minyi::startup::Application::build(&settings).unwrap();
    assert!(first
        .imported
        .loaded
        .iter()
        .any(|r| r.survey_id == EXAMPLE_ID && r.opened));
    drop(first);
    let catalog =
        minyi::catalog::Catalog::new(minyi::storage::Database::connect(db.url.clone(), 1).unwrap());
    catalog.transition(EXAMPLE_ID, Transition::Close).unwrap();

    let second = minyi::startup::Application::build(&settings).unwrap();

    let report = second
        .imported
        .loaded
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

on_both_backends! {
    async fn nodes_started_together_import_the_same_files_and_none_fails(backend: Backend) {
        let db = TestDatabase::new(backend);
        // Each round a changed file, as after an edit deployed to every node at once.
        for round in 1..=6 {
            let surveys = example_survey_dir(|file| file.replace(
                "您目前居住在哪个县（市、区）？",
                &format!("您目前居住在哪个县（市、区）？（第 {round} 版）"),
            ));
            let both_start = std::sync::Barrier::new(4);
            let results: Vec<_> = std::thread::scope(|s| {
                let nodes: Vec<_> = (0..4).map(|_| s.spawn(|| {
                    let catalog = minyi::catalog::Catalog::new(
                        minyi::storage::Database::connect(db.url.clone(), 2).unwrap(),
                    );
                    both_start.wait();
                    catalog.import_dir(surveys.path())
                })).collect();
                nodes.into_iter().map(|n| n.join().unwrap()).collect()
            });

            for result in results {
                let report = result.unwrap_or_else(|e| panic!("round {round}: a node failed: {e}"));
                assert!(report.refused.is_empty(), "round {round}: {:?}", report.refused.iter().map(ToString::to_string).collect::<Vec<_>>());
            }
        }
        let catalog = minyi::catalog::Catalog::new(minyi::storage::Database::connect(db.url.clone(), 1).unwrap());
        let versions = minyi::storage::version_ids(&mut catalog.database().conn().unwrap(), EXAMPLE_ID).unwrap();
        assert_eq!(versions.len(), 6, "one version a round");
    }
}

#[actix_web::test]
async fn a_node_started_with_a_stale_file_does_not_take_the_survey_back() {
    let db = TestDatabase::new(Backend::Sqlite);
    let current =
        minyi::startup::Application::build(&settings_for(&db, &repo_path("surveys"))).unwrap();
    drop(current);
    let newer = example_survey_dir(|file| file.replace("您的性别", "您的性别是"));
    let updated = minyi::startup::Application::build(&settings_for(&db, newer.path())).unwrap();
    drop(updated);

    // A node that still has the first file starts.
    let stale =
        minyi::startup::Application::build(&settings_for(&db, &repo_path("surveys"))).unwrap();

    let catalog =
        minyi::catalog::Catalog::new(minyi::storage::Database::connect(db.url.clone(), 1).unwrap());
    let survey = catalog.require(EXAMPLE_ID).unwrap();
    assert!(
        survey
            .definition
            .questions
            .iter()
            .any(|q| q.text.zh == "您的性别是"),
        "still the newer version"
    );
    let said: Vec<String> = stale
        .imported
        .refused
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        said.iter()
            .any(|s| s.contains("this is an earlier version") && s.contains("minyi survey import")),
        "the stale node says why and how to go back on purpose: {said:?}"
    );
}

// A rule added for new files (no two items with one label) must not stop a survey stored
// before it: its version still loads, takes answers, and its file in the surveys folder is
// still imported at every start, while `survey check` says what a new file must change.
on_both_backends! {
    async fn a_version_stored_before_a_new_rule_still_loads_answers_and_imports(backend: Backend) {
        let app = spawn_app(backend).await;
        let older = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml")).unwrap().replace(
            "en = \"Grain and cooking oil\"",
            "en = \"Dairy products\"",
        );
        let version = minyi::survey::version_of(&older);
        minyi::storage::import_version(
            &mut app.catalog().database().conn().unwrap(),
            minyi::storage::VersionFile {
                survey_id: EXAMPLE_ID,
                version: &version,
                file_name: "jiaxing-food-safety-2016.toml",
                source: &older,
            },
            "2016-10-01T00:00:00Z",
            minyi::storage::Earlier::Restore,
            minyi::storage::Replacing::Any,
        )
        .unwrap();
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("jiaxing-food-safety-2016.toml");
        std::fs::write(&file, &older).unwrap();

        let restarted = minyi::catalog::Catalog::new(
            minyi::storage::Database::connect(app.db.url.clone(), 2).unwrap(),
        );
        let loaded = restarted.require(EXAMPLE_ID).map(|s| s.record.current_version);
        let at_start = restarted.import_dir(folder.path()).unwrap();
        let token = app.form_token(EXAMPLE_ID).await;
        let answered = app
            .post_form(
                &format!("/s/{EXAMPLE_ID}"),
                &with_token(valid_fields(&example_survey(), "nanhu"), &token),
            )
            .await;
        let checked = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
            .args(["survey", "check"])
            .arg(&file)
            .env("MINYI_LANG", "en")
            .output()
            .unwrap();
        let imported = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
            .args(["survey", "import"])
            .arg(&file)
            .env("DATABASE_URL", &app.db.raw_url)
            .env("MINYI_LANG", "en")
            .output()
            .unwrap();

        assert_eq!(loaded.unwrap(), version, "the stored version loads");
        assert!(at_start.refused.is_empty(), "{:?}", at_start.refused.iter().map(ToString::to_string).collect::<Vec<_>>());
        assert_eq!(at_start.loaded.len(), 1);
        assert_eq!(answered.status, 303, "{}", answered.body);
        assert!(imported.status.success(), "the command imports it too: {}", String::from_utf8_lossy(&imported.stderr));
        let said = String::from_utf8_lossy(&checked.stderr);
        assert!(!checked.status.success() && said.contains("\"Dairy products\", which \"grain_oil\" has too"), "{said}");
    }
}
