//! Duplicate control by keyed hash: the same browser (cookie) or, without a cookie, the same
//! network is flagged `duplicate_client`; the secret dies when the survey closes.

use super::*;
use minyi::analysis::respondents;
use minyi::survey::QualityFlag;

fn duplicates(app: &TestApp) -> usize {
    respondents(&app.catalog(), EXAMPLE_ID)
        .unwrap()
        .iter()
        .filter(|r| r.quality_flags.contains(&QualityFlag::DuplicateClient))
        .count()
}

on_both_backends! {
    async fn a_second_response_from_the_same_browser_is_flagged_and_another_browser_is_not(backend: Backend) {
        let app = spawn_app(backend).await;
        let (token, cookie) = open_form(&app, &[]).await;
        let cookie = cookie.expect("the form sets a client cookie");
        let header = format!("minyi_client={cookie}");
        let (again, resent) = open_form(&app, &[("Cookie", header.as_str())]).await;
        assert_eq!(resent, None, "a browser that has the cookie is not given another");

        submit(&app, "nanhu", &token, &[("Cookie", header.as_str())]).await;
        submit(&app, "nanhu", &again, &[("Cookie", header.as_str())]).await;
        let (other, other_cookie) = open_form(&app, &[]).await;
        let other_header = format!("minyi_client={}", other_cookie.unwrap());
        submit(&app, "nanhu", &other, &[("Cookie", other_header.as_str())]).await;

        assert_eq!(app.response_count(EXAMPLE_ID), 3, "duplicates are kept, only flagged");
        assert_eq!(duplicates(&app), 1, "one of the two from the same browser is flagged");
        let progress = minyi::analysis::fieldwork_progress(&app.catalog(), EXAMPLE_ID).unwrap();
        assert_eq!(progress.flags.get("duplicate_client"), Some(&1), "fieldwork progress counts it while fieldwork runs");
        let publisher = crate::dashboard::signed_in(&app, "publisher@example.org", minyi::accounts::Role::Publisher).await;
        let dashboard = crate::dashboard::get(&app, &format!("/admin/surveys/{EXAMPLE_ID}"), &publisher).await;
        assert!(dashboard.body.contains("同一设备或网络的重复答卷：<strong>1</strong>"), "and the dashboard shows it: {}", dashboard.body);
    }

    async fn a_survey_that_excludes_duplicates_says_so_on_the_dashboard_during_fieldwork(backend: Backend) {
        let surveys = example_survey_dir(|file| file.replace(
            "exclude = [\"too_fast\", \"straightlining\"]",
            "exclude = [\"too_fast\", \"straightlining\", \"duplicate_client\"]",
        ));
        let app = spawn_app_with_surveys(backend, surveys.path()).await;
        for _ in 0..3 {
            // Rendered five minutes ago: not too fast, so only the duplicate rule excludes them.
            let token = signed_token(&app, EXAMPLE_ID, 300);
            submit(&app, "pinghu", &token, &[]).await;
        }

        let progress = minyi::analysis::fieldwork_progress(&app.catalog(), EXAMPLE_ID).unwrap();
        let stored_only = minyi::analysis::stored_fieldwork_progress(&app.catalog(), EXAMPLE_ID).unwrap();

        assert_eq!(progress.flags.get("duplicate_client"), Some(&2), "three from one network: two possible duplicates");
        assert_eq!(
            (stored_only.flagged_to_exclude, progress.flagged_to_exclude), (0, 2),
            "both will be left out, and the dashboard counts them"
        );
    }

    async fn without_cookies_the_network_is_the_client_and_only_a_trusted_proxy_names_it(backend: Backend) {
        let behind_proxy = spawn_app_with_settings(backend, &repo_path("surveys"), |s| {
            s.trusted_proxies = "127.0.0.1".parse().unwrap();
        })
        .await;
        let direct = spawn_app(backend).await;

        for app in [&behind_proxy, &direct] {
            for forwarded in ["203.0.113.7", "198.51.100.9", "203.0.113.200"] {
                let token = app.form_token(EXAMPLE_ID).await;
                submit(app, "pinghu", &token, &[("X-Forwarded-For", forwarded)]).await;
            }
        }

        assert_eq!(duplicates(&behind_proxy), 1, "two of three share 203.0.113.0/24");
        assert_eq!(duplicates(&direct), 2, "X-Forwarded-For is ignored: all three come from one peer");
    }

    async fn every_report_counts_the_possible_duplicates_it_keeps_and_says_what_they_are(backend: Backend) {
        let app = spawn_app(backend).await;
        for _ in 0..3 {
            let token = app.form_token(EXAMPLE_ID).await;
            submit(&app, "pinghu", &token, &[]).await;
        }
        let catalog = app.catalog();
        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 1400, 7).unwrap();
        catalog.transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let zip = minyi::release::resultset::export(&catalog, EXAMPLE_ID, minyi::release::Encoding::Utf8, dir.path()).unwrap().0;
        let files = crate::resultset::unzip(&std::fs::read(zip).unwrap());
        let methodology = String::from_utf8(crate::resultset::file(&files, "methodology.md").to_vec()).unwrap();
        let (_, evaluation) = minyi::analysis::evaluate_survey(&catalog, EXAMPLE_ID).unwrap();
        let table = minyi::evaluation::to_table(&evaluation);
        minyi::publishing::publish(&catalog, EXAMPLE_ID).unwrap();
        let page = app.get(&format!("/results/{EXAMPLE_ID}")).await.body;
        let english = app.get(&format!("/results/{EXAMPLE_ID}?lang=en")).await.body;

        assert_eq!(duplicates(&app), 2, "three answers from one network without cookies: two possible duplicates");
        assert!(table.contains("  flagged 2 (duplicate_client; kept: not an exclusion rule of this survey)"), "{table}");
        assert!(methodology.contains("- flagged `duplicate_client` (a possible duplicate (the same browser, or the same network)): 2 (kept: not an exclusion rule of this survey)"), "{methodology}");
        assert!(methodology.contains("- 带有“疑似重复提交（同一浏览器或同一网络）”标记（`duplicate_client`）：2 份（不是本调查的剔除规则，照常纳入）"), "{methodology}");
        assert!(methodology.contains("the first 24 bits of an IPv4 address"), "the rule is stated: {methodology}");
        assert!(page.contains("2 份答卷带有“疑似重复提交（同一浏览器或同一网络）”标记；这不是本次调查的剔除规则"), "{page}");
        assert!(english.contains("2 responses carry the flag “a possible duplicate (the same browser, or the same network)”"), "{english}");
    }

    async fn closing_a_survey_destroys_its_secret(backend: Backend) {
        let app = spawn_app(backend).await;
        let token = app.form_token(EXAMPLE_ID).await;
        submit(&app, "haining", &token, &[]).await;
        let db = minyi::storage::Database::connect(app.db.url.clone(), 1).unwrap();
        let has_secret = || minyi::storage::has_survey_secret(&mut db.conn().unwrap(), EXAMPLE_ID).unwrap();
        assert!(has_secret(), "an open survey with answers has a secret");

        app.catalog().transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close).unwrap();

        assert!(!has_secret(), "closing destroyed it");
        let late = app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(valid_fields(&example_survey(), "haining"), &token)).await;
        assert_eq!(late.status, 410);
        minyi::retention::purge_due(&app.catalog(), chrono::Utc::now().date_naive()).unwrap();
        assert!(!has_secret(), "nothing recreated it");
    }
}
