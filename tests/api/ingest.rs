//! Ingest under pressure: county quotas that never overrun, the honeypot, the per-network rate
//! limit, quality flags kept and excluded by the file's rules, metrics and backups, and the
//! response writer's groups (several submissions stored in one transaction).

use crate::helpers::*;
use minyi::storage::{self, Database, NewResponse};
use minyi::survey::QuestionKind;

const PATH: &str = "/s/jiaxing-food-safety-2016";

/// Nanhu (the first county in the example) limited to `quota` completed interviews.
fn survey_with_nanhu_quota(quota: u32) -> tempfile::TempDir {
    example_survey_dir(|source| {
        source.replacen(
            "target_sample = 200",
            &format!("target_sample = {quota}\nquota = {quota}"),
            1,
        )
    })
}

/// Nanhu's row on the publisher's dashboard, in English.
async fn nanhu_on_the_dashboard(app: &TestApp, cookie: &str) -> String {
    let page =
        crate::dashboard::get(app, &format!("/admin/surveys/{EXAMPLE_ID}?lang=en"), cookie).await;
    crate::dashboard::row(&page.body, "county-nanhu").to_owned()
}

async fn post_to(app: &TestApp, address: &str, fields: &[(String, String)]) -> u16 {
    let body = serde_urlencoded::to_string(fields).unwrap();
    let response = app
        .client
        .post(format!("{address}{PATH}"))
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .send_body(body)
        .await;
    response.expect("POST").status().as_u16()
}

on_both_backends! {
    async fn a_trial_runs_simulated_responses_take_no_residents_quota_place(backend: Backend) {
        let surveys = survey_with_nanhu_quota(3);
        let app = spawn_app_with_surveys(backend, surveys.path()).await;
        let survey = example_survey();
        let catalog = app.catalog();
        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 300, 5).expect("a trial run");
        let simulated_in_nanhu = minyi::storage::count_by_stratum(&mut catalog.database().conn().unwrap(), EXAMPLE_ID)
            .unwrap().into_iter().find(|(county, _)| county == "nanhu").map(|(_, n)| n).unwrap();
        assert!(simulated_in_nanhu > 3, "the trial alone fills more than the quota ({simulated_in_nanhu})");

        let cookie = crate::dashboard::signed_in(&app, "publisher@example.org", minyi::accounts::Role::Publisher).await;
        let before_residents = nanhu_on_the_dashboard(&app, &cookie).await;

        let mut statuses = Vec::new();
        for _ in 0..4 {
            let token = signed_token(&app, EXAMPLE_ID, 300);
            statuses.push(app.post_form(PATH, &with_token(valid_fields(&survey, "nanhu"), &token)).await.status);
        }
        let when_full = nanhu_on_the_dashboard(&app, &cookie).await;
        minyi::analysis::remove_simulated(&catalog, EXAMPLE_ID, "test").expect("removed");
        let token = signed_token(&app, EXAMPLE_ID, 300);
        let after = app.post_form(PATH, &with_token(valid_fields(&survey, "nanhu"), &token)).await.status;

        assert_eq!(statuses, [303, 303, 303, 409], "three residents take the three places, the fourth is told the county is complete");
        assert_eq!(after, 409, "removing the trial frees no resident's place: it never took one");
        assert_eq!(app.response_count(EXAMPLE_ID), 3);
        assert!(before_residents.contains("Quota 3: 3 places left"), "the publisher sees the quota: {before_residents}");
        assert!(when_full.contains("Quota of 3 full: this county now turns residents away"), "and that it is full: {when_full}");
    }

    async fn two_hundred_concurrent_submissions_for_fifty_places_accept_exactly_fifty(backend: Backend) {
        let surveys = survey_with_nanhu_quota(60);
        let app = spawn_app_with_surveys(backend, surveys.path()).await;
        let other_node = spawn_second_app(&app, surveys.path()).await;
        let survey = example_survey();
        for _ in 0..10 {
            let token = signed_token(&app, EXAMPLE_ID, 300);
            let page = app.post_form(PATH, &with_token(valid_fields(&survey, "nanhu"), &token)).await;
            assert_eq!(page.status, 303, "one of the first ten places: {}", page.body);
        }

        // 200 residents at once, half through each node: 50 places remain.
        let tokens = form_tokens(&app.db);
        let rendered = chrono::Utc::now().timestamp() - 300;
        let forms: Vec<Vec<(String, String)>> = (0..200)
            .map(|_| with_token(valid_fields(&survey, "nanhu"), &tokens.issue(EXAMPLE_ID, rendered)))
            .collect();
        let app = &app;
        let statuses = futures_util::future::join_all(forms.iter().enumerate().map(|(i, fields)| {
            let address = if i % 2 == 0 { app.address.clone() } else { other_node.clone() };
            async move { post_to(app, &address, fields).await }
        }))
        .await;

        let accepted = statuses.iter().filter(|s| **s == 303).count();
        let complete = statuses.iter().filter(|s| **s == 409).count();
        assert_eq!((accepted, complete), (50, 150), "statuses: {statuses:?}");
        let by_county = app.catalog().responses_by_stratum(&app.catalog().require(EXAMPLE_ID).unwrap()).unwrap();
        let nanhu = by_county.iter().find(|(code, _)| code == "nanhu").map(|(_, n)| *n);
        assert_eq!(nanhu, Some(60), "stored: exactly the quota");
    }

    async fn a_full_county_gets_a_polite_page_and_other_counties_still_answer(backend: Backend) {
        let surveys = survey_with_nanhu_quota(1);
        let app = spawn_app_with_surveys(backend, surveys.path()).await;
        let survey = example_survey();
        let first = with_token(valid_fields(&survey, "nanhu"), &signed_token(&app, EXAMPLE_ID, 300));
        assert_eq!(app.post_form(PATH, &first).await.status, 303);

        let zh = app.post_form(PATH, &with_token(valid_fields(&survey, "nanhu"), &signed_token(&app, EXAMPLE_ID, 300))).await;
        let mut english = with_token(valid_fields(&survey, "nanhu"), &signed_token(&app, EXAMPLE_ID, 300));
        english.push(("_lang".into(), "en".into()));
        let en = app.post_form(PATH, &english).await;
        let retry = app.post_form(PATH, &first).await;
        let elsewhere = app.post_form(PATH, &with_token(valid_fields(&survey, "haiyan"), &signed_token(&app, EXAMPLE_ID, 300))).await;

        assert_eq!(zh.status, 409);
        assert!(zh.body.contains("本地区的调查已完成"), "{}", zh.body);
        assert!(zh.body.contains("返回首页") && !zh.body.contains("返回问卷"), "leads home, not back to a form that would invite another county: {}", zh.body);
        assert_eq!(en.status, 409);
        assert!(en.body.contains("This county is complete"), "{}", en.body);
        assert_eq!(retry.status, 303, "a retry of the form that got the place is still thanked");
        assert_eq!(elsewhere.status, 303, "counties without a quota are unaffected");
        assert_eq!(app.response_count(EXAMPLE_ID), 2);
    }

    async fn a_full_county_is_said_on_the_form_before_anyone_fills_it_in(backend: Backend) {
        let surveys = survey_with_nanhu_quota(1);
        let filled_elsewhere = spawn_app_with_surveys(backend, surveys.path()).await;
        let before = filled_elsewhere.get(PATH).await;
        let survey = example_survey();
        let first = with_token(valid_fields(&survey, "nanhu"), &signed_token(&filled_elsewhere, EXAMPLE_ID, 300));
        assert_eq!(filled_elsewhere.post_form(PATH, &first).await.status, 303);
        // Another node on the same database, which never refused anyone.
        let node = spawn_second_app(&filled_elsewhere, surveys.path()).await;
        let get = |path: String| {
            let client = filled_elsewhere.client.clone();
            async move {
                let mut response = client.get(path).send().await.expect("GET");
                String::from_utf8(response.body().await.expect("body").to_vec()).unwrap()
            }
        };

        let form = get(format!("{node}{PATH}")).await;
        let english = get(format!("{node}{PATH}?lang=en")).await;

        assert!(!before.body.contains("调查已经完成"), "nothing full, nothing said");
        assert!(
            form.contains("<div class=\"box\" role=\"status\">南湖区的调查已经完成，不再收集答卷"),
            "said above the form: {form}"
        );
        assert!(
            form.contains("value=\"nanhu\" disabled><span>南湖区 <span class=\"tag\">（调查已完成）</span>"),
            "and not offered"
        );
        assert!(form.contains("value=\"haiyan\"><span>海盐县</span>"), "the other counties are");
        assert!(english.contains("The survey in Nanhu District is complete"), "{english}");
    }

    async fn a_link_whose_county_is_full_says_so_before_the_form_is_filled_in(backend: Backend) {
        let surveys = survey_with_nanhu_quota(1);
        let app = spawn_app_with_surveys(backend, surveys.path()).await;
        let in_nanhu = minyi::interviewers::issue(&app.catalog(), EXAMPLE_ID, "A07", Some("nanhu"), "test").unwrap();
        let in_haiyan = minyi::interviewers::issue(&app.catalog(), EXAMPLE_ID, "A08", Some("haiyan"), "test").unwrap();
        let first = with_token(valid_fields(&example_survey(), "nanhu"), &signed_token(&app, EXAMPLE_ID, 300));
        assert_eq!(app.post_form(PATH, &first).await.status, 303, "the one place taken through the public link");

        let after = app.get(&format!("/iv/{}", in_nanhu.token)).await;
        let elsewhere = app.get(&format!("/iv/{}", in_haiyan.token)).await;

        assert_eq!(after.status, 409, "{}", after.body);
        assert!(after.body.contains("本地区的调查已完成") && after.body.contains("返回首页"), "{}", after.body);
        assert!(!after.body.contains("<form method=\"post\""), "no form that could never be sent: {}", after.body);
        assert_eq!(elsewhere.status, 200, "a link set to another county still opens its form");
    }

    async fn a_filled_honeypot_is_thanked_but_not_stored(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let form = app.get(PATH).await;
        let mut fields = with_token(valid_fields(&survey, "nanhu"), &token_in(&form.body));
        fields.push(("website-url".into(), "http://cheap-pills.example".into()));

        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let page = crate::accounts::request(&app, "post", PATH, None, &fields).await;

        assert!(form.body.contains("name=\"website-url\" value=\"\" tabindex=\"-1\" autocomplete=\"off\""), "the form carries the empty honeypot");
        assert!(form.body.contains("<label for=\"hp\">请不要填写这一项"), "labelled for screen readers");
        assert_eq!(page.status, 303, "the robot sees the usual thanks");
        assert_eq!(page.location.as_deref(), Some("/s/jiaxing-food-safety-2016/thanks"));
        assert!(page.set_cookie.as_deref().is_some_and(|c| c.starts_with("minyi_sent=1;")), "with the cookie a stored form gets: {:?}", page.set_cookie);
        assert_eq!(app.response_count(EXAMPLE_ID), 0, "nothing stored");
        let metrics = app.get("/metrics").await;
        assert!(metrics.body.contains("minyi_submissions_total{outcome=\"honeypot\"} 1"), "{}", metrics.body);
    }

    async fn a_form_begun_on_an_earlier_page_is_timed_from_it(backend: Backend) {
        // A phone that kept the answers brings them back on a new page (draft.js puts the first
        // page's token in `_started`), and an expired form comes back with a fresh token: sent
        // again at once, neither was answered too fast. A `_started` this server did not sign
        // for the survey counts for nothing.
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let begun = signed_token(&app, EXAMPLE_ID, 600);
        let sent = |started: &str| {
            let mut fields = with_token(valid_fields(&survey, "nanhu"), &signed_token(&app, EXAMPLE_ID, 5));
            fields.push(("_started".into(), started.into()));
            fields
        };
        // Signed for nothing: its signature's last digit changed.
        let last = if begun.ends_with('0') { "1" } else { "0" };
        let forged = format!("{}{last}", &begun[..begun.len() - 1]);
        for fields in [sent(&begun), sent(""), sent(&forged)] {
            assert_eq!(app.post_form(PATH, &fields).await.status, 303);
        }
        let expired = signed_token(&app, EXAMPLE_ID, 15 * 24 * 3600); // forms last 14 days
        let sent_back = app.post_form(PATH, &with_token(valid_fields(&survey, "nanhu"), &expired)).await;
        assert_eq!(sent_back.status, 422, "an expired form comes back");
        assert!(
            sent_back.body.contains(&format!("name=\"_started\" value=\"{expired}\"")),
            "begun when its expired token was issued"
        );
        let mut again = with_token(valid_fields(&survey, "nanhu"), &token_in(&sent_back.body));
        again.push(("_started".into(), expired.clone()));
        assert_eq!(app.post_form(PATH, &again).await.status, 303);

        let db = minyi::storage::Database::connect(app.db.url.clone(), 1).unwrap();
        let flags: Vec<String> = minyi::storage::load_responses(&mut db.conn().unwrap(), EXAMPLE_ID)
            .unwrap()
            .into_iter()
            .map(|r| r.quality_flags)
            .collect();
        let too_fast = flags.iter().filter(|f| f.as_str() == "too_fast").count();
        assert_eq!(flags.len(), 4);
        assert_eq!(too_fast, 2, "only the forms without a start this server signed: {flags:?}");
    }

    async fn quality_flags_are_stored_and_the_files_rules_exclude_them(backend: Backend) {
        let app = spawn_app(backend).await;
        let catalog = app.catalog();
        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 1400, 3).expect("simulate");
        let (_, before) = minyi::analysis::evaluate_survey(&catalog, EXAMPLE_ID).expect("evaluates");
        let survey = example_survey();
        let straight = |mut fields: Vec<(String, String)>| {
            for (name, value) in fields.iter_mut() {
                if name.starts_with("places.") {
                    *value = "4".into();
                }
            }
            fields
        };
        assert!(matches!(survey.question("places").map(|q| &q.kind), Some(QuestionKind::Matrix { .. })));

        // Rendered 5 seconds ago; rendered 5 minutes ago with every place rated the same; normal.
        let fast = with_token(valid_fields(&survey, "nanhu"), &signed_token(&app, EXAMPLE_ID, 5));
        let lined = with_token(straight(valid_fields(&survey, "nanhu")), &signed_token(&app, EXAMPLE_ID, 300));
        let fine = with_token(valid_fields(&survey, "nanhu"), &signed_token(&app, EXAMPLE_ID, 300));
        for fields in [&fast, &lined, &fine] {
            assert_eq!(app.post_form(PATH, fields).await.status, 303);
        }

        let db = minyi::storage::Database::connect(app.db.url.clone(), 1).unwrap();
        let mut flags: Vec<String> = minyi::storage::load_responses(&mut db.conn().unwrap(), EXAMPLE_ID)
            .unwrap()
            .into_iter()
            .filter(|r| r.channel == "open_link")
            .map(|r| r.quality_flags)
            .collect();
        flags.sort();
        assert_eq!(flags, ["", "straightlining", "too_fast"], "each response keeps its flags");
        let (_, after) = minyi::analysis::evaluate_survey(&catalog, EXAMPLE_ID).expect("evaluates");
        let excluded = |e: &minyi::evaluation::Evaluation, flag: &str| e.responses.excluded.get(flag).copied().unwrap_or(0);
        assert_eq!(after.responses.stored, before.responses.stored + 3, "flagged responses are counted as stored");
        assert_eq!(excluded(&after, "too_fast"), excluded(&before, "too_fast") + 1, "too fast: reported and excluded");
        assert_eq!(excluded(&after, "straightlining"), excluded(&before, "straightlining") + 1, "straight-lined: reported and excluded");
        assert_eq!(after.responses.used, before.responses.used + 1, "only the clean response is used");
    }
}

#[actix_web::test]
async fn a_network_over_its_allowance_gets_429_and_its_form_back_with_every_answer() {
    let db = TestDatabase::new(Backend::Sqlite);
    let mut settings = settings_for(&db, &repo_path("surveys"));
    settings.rate_per_minute = 3;
    let app = minyi::startup::Application::build(&settings).unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    let client = awc::Client::builder().disable_redirects().finish();
    let survey = example_survey();
    let token = form_tokens(&db).issue(EXAMPLE_ID, chrono::Utc::now().timestamp() - 120);
    let post = |lang: &'static str, token: Option<&str>| {
        let mut fields = valid_fields(&survey, "nanhu");
        fields.push(("_lang".into(), lang.into()));
        if let Some(token) = token {
            fields = with_token(fields, token);
        }
        let client = client.clone();
        let address = address.clone();
        async move {
            let mut response = client
                .post(format!("{address}{PATH}"))
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .send_body(serde_urlencoded::to_string(&fields).unwrap())
                .await
                .unwrap();
            let retry_after = header_of(&response, "retry-after");
            let body = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
            (response.status().as_u16(), retry_after, body)
        }
    };

    // Three submissions (the form token is missing, so they come back as 422; they still count).
    for n in 0..3 {
        assert_eq!(
            post("zh", None).await.0,
            422,
            "submission {n} is within the allowance"
        );
    }
    let (zh_status, retry_after, zh) = post("zh", Some(&token)).await;
    let (en_status, _, en) = post("en", Some(&token)).await;

    assert_eq!(zh_status, 429);
    assert!(zh.contains("提交太频繁"), "{zh}");
    let retry_after: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!(
        (1..=20).contains(&retry_after),
        "one place refills in 20 s: {retry_after}"
    );
    assert!(
        zh.contains("value=\"nanhu\" checked"),
        "the form comes back with the answers ticked"
    );
    assert!(
        zh.contains(&format!("value=\"{token}\"")),
        "and the same token, so pressing Submit later stores it once"
    );
    assert_eq!(en_status, 429);
    assert!(en.contains("Too many submissions"), "{en}");
    assert!(en.contains("value=\"nanhu\" checked"), "in English too");
    assert_eq!(response_count_in(&db, EXAMPLE_ID), 0, "nothing stored");
}

#[actix_web::test]
async fn with_a_metrics_token_only_a_scraper_presenting_it_reads_the_counters() {
    let app = spawn_app_with_settings(Backend::Sqlite, &repo_path("surveys"), |s| {
        s.metrics_token = Some("scrape-7d41".into());
    })
    .await;
    let read = |authorization: Option<&'static str>| {
        let mut request = app.client.get(app.url("/metrics"));
        if let Some(value) = authorization {
            request = request.insert_header(("Authorization", value));
        }
        async move {
            let mut response = request.send().await.expect("GET /metrics");
            let body = response.body().await.expect("body");
            (
                response.status().as_u16(),
                String::from_utf8_lossy(&body).into_owned(),
            )
        }
    };

    let (none, none_body) = read(None).await;
    let (wrong, _) = read(Some("Bearer scrape-0000")).await;
    let (right, counters) = read(Some("Bearer scrape-7d41")).await;
    let (lowercase, _) = read(Some("bearer scrape-7d41")).await;

    assert_eq!((none, wrong, right), (401, 401, 200));
    assert_eq!(
        lowercase, 200,
        "the scheme's case does not matter (RFC 7235)"
    );
    assert!(
        none_body.contains("MINYI_METRICS_TOKEN"),
        "says what is needed: {none_body}"
    );
    assert!(
        !none_body.contains("minyi_http_requests_total"),
        "and shows no counter"
    );
    assert!(counters.contains("minyi_http_requests_total"), "{counters}");
}

#[actix_web::test]
async fn without_a_metrics_token_only_this_machine_reads_the_counters_not_a_proxys_visitors() {
    let app = spawn_app(Backend::Sqlite).await;
    let read = |header: Option<(&'static str, &'static str)>| {
        let mut request = app.client.get(app.url("/metrics"));
        if let Some(header) = header {
            request = request.insert_header(header);
        }
        async move {
            request
                .send()
                .await
                .expect("GET /metrics")
                .status()
                .as_u16()
        }
    };

    let here = read(None).await;
    let forwarded = read(Some(("X-Forwarded-For", "203.0.113.9"))).await;
    let standard = read(Some(("Forwarded", "for=203.0.113.9"))).await;
    let real_ip = read(Some(("X-Real-IP", "203.0.113.9"))).await;

    assert_eq!(here, 200, "a scraper on this machine");
    assert_eq!(
        (forwarded, standard, real_ip),
        (403, 403, 403),
        "a visitor a proxy on this machine passed on"
    );

    // The proxy is named as one, and (as nginx does unless told) sends no forwarding header:
    // everything it passes on is a visitor's.
    let behind_proxy = spawn_app_with_settings(Backend::Sqlite, &repo_path("surveys"), |s| {
        s.trusted_proxies = "127.0.0.1".parse().unwrap();
    })
    .await;
    let passed_on = behind_proxy
        .client
        .get(behind_proxy.url("/metrics"))
        .send()
        .await
        .expect("GET /metrics")
        .status()
        .as_u16();
    assert_eq!(
        passed_on, 403,
        "from the trusted proxy's address, not this machine's scraper"
    );
}

#[actix_web::test]
async fn metrics_count_requests_latencies_and_submission_outcomes() {
    let app = spawn_app(Backend::Sqlite).await;
    let survey = example_survey();
    let token = app.form_token(EXAMPLE_ID).await;
    let fields = with_token(valid_fields(&survey, "nanhu"), &token);
    app.post_form(PATH, &fields).await;
    app.post_form(PATH, &fields).await;
    app.post_form(PATH, &valid_fields(&survey, "nanhu")).await;

    let metrics = app.get("/metrics").await;

    assert_eq!(metrics.status, 200);
    for line in [
        "minyi_http_requests_total{route=\"/s/{id}\",method=\"GET\",status=\"200\"} 1",
        "minyi_http_requests_total{route=\"/s/{id}\",method=\"POST\",status=\"303\"} 2",
        "minyi_http_request_duration_seconds_count{route=\"/s/{id}\"} 4",
        "minyi_submissions_total{outcome=\"accepted\"} 1",
        "minyi_submissions_total{outcome=\"duplicate\"} 1",
        "minyi_submissions_total{outcome=\"token\"} 1",
        "minyi_database_up 1",
        "minyi_ingest_in_flight 0",
        "minyi_mail_outbox{state=\"waiting\"} 0",
        "minyi_mail_outbox{state=\"failed\"} 0",
    ] {
        assert!(
            metrics.body.lines().any(|l| l == line),
            "{line} in\n{}",
            metrics.body
        );
    }
    assert!(
        !metrics.body.contains("127.0.0.1"),
        "no addresses in metrics"
    );
}

// SQLite: an online copy that holds every acknowledged response, never written over an
// existing file. PostgreSQL: refused with the `pg_dump` command to use instead.
on_both_backends! {
    async fn minyi_backup_copies_a_live_sqlite_database_and_points_postgresql_to_pg_dump(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let token = app.form_token(EXAMPLE_ID).await;
        assert_eq!(
            app.post_form(PATH, &with_token(valid_fields(&survey, "pinghu"), &token))
                .await
                .status,
            303
        );
        let out = app.db.dir.path().join("backup.db");
        let run = |out: &std::path::Path| {
            std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
                .args(["backup", "--out", out.to_str().unwrap()])
                .env("DATABASE_URL", &app.db.raw_url)
                .env("MINYI_LOG", "warn")
                .output()
                .unwrap()
        };

        let first = run(&out);
        let second = run(&out);

        let said = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
        if backend == Backend::Postgres {
            assert!(!first.status.success(), "refused on PostgreSQL");
            assert!(said(&first).contains("pg_dump --format=custom"), "{}", said(&first));
            assert!(!out.exists(), "no file is written");
            return;
        }
        assert!(first.status.success(), "{}", said(&first));
        let copy = minyi::storage::Database::connect(
            minyi::storage::DatabaseUrl::Sqlite(out.display().to_string()),
            1,
        )
        .unwrap();
        let stored = minyi::storage::load_responses(&mut copy.conn().unwrap(), EXAMPLE_ID).unwrap();
        assert_eq!(stored.len(), 1, "the acknowledged response is in the backup");
        assert!(!second.status.success(), "a second backup to the same file is refused");
        assert!(said(&second).contains("already exists"));
        let nowhere = run(&app.db.dir.path().join("no such folder").join("backup.db"));
        assert!(!nowhere.status.success() && said(&nowhere).contains("there is no folder"), "{}", said(&nowhere));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            let database = app.db.sqlite_file();
            let log = database.with_file_name("minyi.db-wal");
            assert_eq!(mode(&out), 0o600, "the backup is readable by its owner only");
            assert_eq!((mode(&database), mode(&log)), (0o600, 0o600), "so are the database and its log");
            assert_eq!(mode(&app.db.dir.path().join("outbox")), 0o700, "and the mail folder");
        }
    }
}

/// Runs `minyi` with `args` on `db`, from the checkout: whether it succeeded, and what it said
/// (standard output, then standard error).
fn command_on(db: &TestDatabase, args: &[&str]) -> (bool, String) {
    let out = crate::resultset::run_minyi(db, args);
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

// SQLite: a backup put back with the server stopped; the database it replaces is kept, and
// a database still open elsewhere, or a file that is no backup, is refused. PostgreSQL: refused
// with the pg_restore command to use instead.
on_both_backends! {
    async fn minyi_restore_puts_a_backup_back_and_keeps_the_database_it_replaces(backend: Backend) {
        let db = TestDatabase::new(backend);
        let minyi = |args: &[&str]| command_on(&db, args);
        let responses = |url: &minyi::storage::DatabaseUrl| {
            storage::load_responses(&mut Database::connect(url.clone(), 1).unwrap().conn().unwrap(), EXAMPLE_ID).unwrap().len()
        };
        let backup = db.dir.path().join("backup.db");
        let backup_arg = backup.to_str().unwrap();
        assert!(minyi(&["survey", "import", "surveys/jiaxing-food-safety-2016.toml"]).0);
        assert!(minyi(&["simulate", EXAMPLE_ID, "--responses", "10"]).0);
        if backend == Backend::Postgres {
            let (ok, said) = minyi(&["restore", "--from", backup_arg]);
            assert!(!ok && said.contains("pg_restore --dbname"), "{said}");
            return;
        }
        // A backup job pointed at the wrong place fails, instead of copying a new, empty
        // database.
        let nowhere = db.dir.path().join("nowhere.db");
        let wrong_place = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"))
            .args(["backup", "--out", backup_arg])
            .env("DATABASE_URL", format!("sqlite://{}", nowhere.display()))
            .env("MINYI_LOG", "warn")
            .output()
            .unwrap();
        let said_wrong = String::from_utf8_lossy(&wrong_place.stderr);
        assert!(!wrong_place.status.success() && said_wrong.contains("no database at"), "{said_wrong}");
        assert!(!nowhere.exists() && !backup.exists(), "nothing made");
        let (backed_up, said_backup) = minyi(&["backup", "--out", backup_arg]);
        assert!(backed_up && said_backup.contains("surveys in it: 1"), "{said_backup}");
        assert!(minyi(&["simulate", EXAMPLE_ID, "--responses", "5", "--seed", "2"]).0);
        let not_a_backup = db.dir.path().join("notes.db");
        std::fs::write(&not_a_backup, "not a database").unwrap();

        let open_elsewhere = Database::connect(db.url.clone(), 1).unwrap();
        drop(open_elsewhere.conn().unwrap());
        let (refused_while_open, said_while_open) = minyi(&["restore", "--from", backup_arg]);
        drop(open_elsewhere);
        let (refused_bad_file, said_bad_file) = minyi(&["restore", "--from", not_a_backup.to_str().unwrap()]);
        let (restored, said) = minyi(&["restore", "--from", backup_arg]);

        assert!(!refused_while_open && said_while_open.contains("is open in another process") && said_while_open.contains("stop it first"), "{said_while_open}");
        assert!(!refused_bad_file && said_bad_file.contains("is not a backup to restore from"), "{said_bad_file}");
        assert!(restored, "{said}");
        assert_eq!(responses(&db.url), 10, "the responses of the backup, not the 15 since");
        let kept = said.lines().find_map(|l| l.strip_prefix("the database it replaced is kept as ")).expect(&said);
        let kept = kept.split(';').next().unwrap();
        assert_eq!(responses(&minyi::storage::DatabaseUrl::Sqlite(kept.to_owned())), 15, "nothing of the replaced database is lost");
        assert!(said.starts_with("restored ") && said.contains("surveys in it: 1"), "{said}");
    }
}

// What an operator in a hurry gets wrong, and a damaged disk: a restore never leaves the
// database's path empty, never writes over a database it kept, and takes a backup of any name.
#[test]
fn a_restore_never_loses_the_database_it_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("data").join("minyi.db");
    let live_path = live.to_str().unwrap();
    let url = minyi::storage::DatabaseUrl::Sqlite(live_path.to_owned());
    let responses = |url: &minyi::storage::DatabaseUrl| {
        storage::load_responses(
            &mut Database::connect(url.clone(), 1).unwrap().conn().unwrap(),
            EXAMPLE_ID,
        )
        .unwrap()
        .len()
    };
    let simulate = |count: usize, seed: u64| {
        let catalog = minyi::catalog::Catalog::new(Database::connect(url.clone(), 4).unwrap());
        catalog
            .import_file(&repo_path("surveys/jiaxing-food-safety-2016.toml"))
            .unwrap();
        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, count, seed).unwrap();
    };
    simulate(10, 1);
    let backup = dir.path().join("backup #1?.db");
    storage::backup_sqlite(&Database::connect(url.clone(), 1).unwrap(), &backup).unwrap();
    simulate(5, 2);

    let itself = storage::restore_sqlite(live_path, &live, "T1")
        .unwrap_err()
        .to_string();
    assert!(
        itself.contains("itself"),
        "the database is no backup of itself: {itself}"
    );
    assert_eq!(responses(&url), 15, "and it is left as it was");

    let first =
        storage::restore_sqlite(live_path, &backup, "T2").expect("a backup named with # and ?");
    let second = storage::restore_sqlite(live_path, &backup, "T2").unwrap();
    let (first, second) = (
        first.replaced_kept_as.unwrap(),
        second.replaced_kept_as.unwrap(),
    );
    assert_ne!(
        first, second,
        "two restores within one second keep two files"
    );
    let kept = |name: &str| minyi::storage::DatabaseUrl::Sqlite(name.to_owned());
    assert_eq!(
        responses(&kept(&first)),
        15,
        "the original is still kept after the second restore"
    );
    assert_eq!(responses(&kept(&second)), 10);
    assert_eq!(responses(&url), 10);

    std::fs::write(&live, b"a damaged disk gave back this").unwrap();
    let damaged = storage::restore_sqlite(live_path, &backup, "T3")
        .expect("a damaged database is what a restore is for");
    assert_eq!(
        std::fs::read(damaged.replaced_kept_as.unwrap()).unwrap(),
        b"a damaged disk gave back this",
        "kept as it was"
    );
    assert_eq!(responses(&url), 10);

    // A database moved aside by hand, its log left behind: the log goes aside too, or SQLite
    // would read it with the restored file.
    std::fs::rename(&live, dir.path().join("moved by hand.db")).unwrap();
    let stale_log = format!("{live_path}-wal");
    std::fs::write(&stale_log, b"the old database's log").unwrap();
    storage::restore_sqlite(live_path, &backup, "T4").expect("restored");
    assert_ne!(
        std::fs::read(&stale_log).ok().as_deref(),
        Some(&b"the old database's log"[..]),
        "no stale log beside it"
    );
    assert!(
        std::fs::read_dir(live.parent().unwrap())
            .unwrap()
            .filter_map(Result::ok)
            .any(
                |e| std::fs::read(e.path()).ok().as_deref() == Some(&b"the old database's log"[..])
            ),
        "the log is kept"
    );
    assert_eq!(responses(&url), 10);

    // A copy left by a restore that failed, given as the backup: copied, not emptied.
    let left = format!("{live_path}.restoring");
    std::fs::copy(&backup, &left).unwrap();
    storage::restore_sqlite(live_path, std::path::Path::new(&left), "T5")
        .expect("restored from the leftover copy");
    assert_eq!(
        responses(&url),
        10,
        "the restored database holds the backup's responses"
    );

    let fresh = dir.path().join("new machine").join("minyi.db");
    let restored = storage::restore_sqlite(fresh.to_str().unwrap(), &backup, "T4")
        .expect("its folder is made");
    assert_eq!(restored.replaced_kept_as, None);
    assert_eq!(responses(&kept(fresh.to_str().unwrap())), 10);
}

// A rollback, or an old node left running in a rolling upgrade: the binary refuses a database
// a newer Minyi has migrated, rather than write to a schema it does not know.
on_both_backends! {
    async fn a_database_migrated_by_a_newer_minyi_is_refused_with_what_to_do(backend: Backend) {
        use diesel::connection::SimpleConnection;
        let db = TestDatabase::new(backend);
        let sql = "INSERT INTO __diesel_schema_migrations (version) VALUES ('20991231000000')";
        let database = Database::connect(db.url.clone(), 1).expect("a new database is migrated");
        match &mut *database.conn().unwrap() {
            minyi::storage::DbConnection::Sqlite(c) => c.batch_execute(sql).unwrap(),
            minyi::storage::DbConnection::Postgres(c) => c.batch_execute(sql).unwrap(),
        }
        drop(database);

        let refused = Database::connect(db.url.clone(), 1).err().expect("refused");

        let said = refused.to_string();
        assert!(said.contains("newer Minyi") && said.contains("20991231000000"), "{said}");
        assert!(said.contains("restore the backup"), "what to do: {said}");
    }

    // The same upgrade seen by a server already running on the old build: its health check
    // fails, so a load balancer stops sending it residents, and says why; and it stores no more
    // responses, where no balancer polls it: the resident gets the form back to send again.
    async fn a_running_server_whose_database_a_newer_minyi_upgraded_fails_its_health_check_and_stores_nothing(backend: Backend) {
        use diesel::connection::SimpleConnection;
        let app = spawn_app(backend).await;
        assert_eq!(app.get("/healthz").await.status, 200, "healthy before");
        let survey = example_survey();
        let token = app.form_token(EXAMPLE_ID).await;

        let sql = "INSERT INTO __diesel_schema_migrations (version) VALUES ('20991231000000')";
        let database = Database::open(app.db.url.clone(), 1, minyi::storage::Schema::AsFound).unwrap();
        match &mut *database.conn().unwrap() {
            minyi::storage::DbConnection::Sqlite(c) => c.batch_execute(sql).unwrap(),
            minyi::storage::DbConnection::Postgres(c) => c.batch_execute(sql).unwrap(),
        }

        let health = app.get("/healthz").await;
        let sent = app.post_form(PATH, &with_token(valid_fields(&survey, "nanhu"), &token)).await;

        assert_eq!(health.status, 503, "{}", health.body);
        assert!(health.body.contains("newer Minyi upgraded the database"), "{}", health.body);
        assert_eq!(sent.status, 503, "{}", sent.body);
        assert!(sent.body.contains("value=\"nanhu\" checked"), "the answers come back: {}", sent.body);
        let mut conn = database.conn().unwrap();
        let stored = storage::load_responses(&mut conn, EXAMPLE_ID).unwrap();
        assert_eq!(stored.len(), 0, "nothing stored under a schema this build does not know");
    }
}

on_both_backends! {
    async fn a_group_stores_each_response_once_with_absent_fields_kept_absent(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = app.catalog().require(EXAMPLE_ID).unwrap().record;
        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let mut conn = db.conn().unwrap();
        let bare = NewResponse { client_hash: None, ..new_response("a1b2c3", &survey) };
        // Another key on the same slot, and with every field given.
        let full = NewResponse { id: "d4e5f6".to_owned(), client_hash: Some("c".repeat(64)), ..new_response("a1b2c3", &survey) };
        let other = new_response("0a0b0c", &survey);
        let submission = |response: &NewResponse| storage::Submission { response: response.clone(), quota: None, invitation_id: None };
        let group = [submission(&bare), submission(&full), submission(&bare), submission(&other)];

        let outcomes = storage::store_submissions(&mut conn, &group.iter().collect::<Vec<_>>()).unwrap();

        use storage::InsertOutcome::{AlreadyStored, Stored};
        assert_eq!(outcomes, [Stored, Stored, AlreadyStored, Stored], "the copy later in the group is not stored again");
        let stored = storage::load_responses(&mut conn, EXAMPLE_ID).unwrap();
        let by_id = |id: &str| stored.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("{id} stored"));
        assert_eq!(stored.len(), 3);
        assert_eq!(by_id("a1b2c3").client_hash.as_deref(), None);
        assert_eq!(by_id("d4e5f6").client_hash.clone(), Some("c".repeat(64)));
        assert_ne!(by_id("d4e5f6").slot, by_id("a1b2c3").slot, "the second key took the next free slot");
    }
}

on_both_backends! {
    async fn a_response_naming_a_version_the_database_does_not_hold_is_refused_and_leaves_no_row(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = app.catalog().require(EXAMPLE_ID).unwrap().record;
        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let mut conn = db.conn().unwrap();
        let submission = |response: NewResponse| storage::Submission { response, quota: None, invitation_id: None };
        let stray = submission(NewResponse { version: "0".repeat(64), ..new_response("a1b2c3", &survey) });
        let good = submission(new_response("d4e5f6", &survey));

        let outcomes = storage::store_submissions(&mut conn, &[&stray, &good]).unwrap();

        use storage::InsertOutcome::{Stored, SurveyClosed};
        assert_eq!(outcomes, [SurveyClosed, Stored], "refused alone; the rest of the group is stored");
        let ids: Vec<String> = storage::load_responses(&mut conn, EXAMPLE_ID).unwrap().into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["d4e5f6"], "no row names a version nobody can read");
    }
}

on_both_backends! {
    async fn two_copies_of_a_form_in_one_group_keep_their_row_and_take_one_quota_place(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = app.catalog().require(EXAMPLE_ID).unwrap().record;
        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let mut conn = db.conn().unwrap();
        // A double tap whose two posts reach the writer together, in a county with one place.
        let tap = storage::Submission { response: new_response("a1b2c3", &survey), quota: Some(1), invitation_id: None };
        let next = storage::Submission { response: new_response("d4e5f6", &survey), quota: Some(1), invitation_id: None };

        let outcomes = storage::store_submissions(&mut conn, &[&tap, &tap, &next]).unwrap();

        use storage::InsertOutcome::{AlreadyStored, QuotaFull, Stored};
        assert_eq!(outcomes, [Stored, AlreadyStored, QuotaFull], "the copy takes no second place");
        let ids: Vec<String> = storage::load_responses(&mut conn, EXAMPLE_ID).unwrap().into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["a1b2c3"], "the acknowledged response is kept");
    }
}

/// PostgreSQL only (SQLite's writer keeps its one connection for good): the response writer
/// keeps its connection from one group to the next under load, and gives it back after a second
/// without work, so that a connection the server dropped meanwhile is not used.
#[actix_web::test]
async fn a_postgres_writer_idle_for_a_second_does_not_store_through_a_dropped_connection() {
    if postgres_server().is_none() {
        eprintln!("PostgreSQL not configured (MINYI_TEST_POSTGRES); skipped");
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let post = |county: &'static str| {
        let app = &app;
        async move {
            let token = app.form_token(EXAMPLE_ID).await;
            app.post_form(
                PATH,
                &with_token(valid_fields(&example_survey(), county), &token),
            )
            .await
            .status
        }
    };
    // What a database restart does to every connection Minyi holds.
    let drop_connections = || {
        use diesel::prelude::*;
        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let mut conn = db.conn().unwrap();
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .execute(&mut *conn)
        .unwrap();
    };
    assert_eq!(post("nanhu").await, 303);

    drop_connections();
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1200)).await;
    let after_a_pause = post("haiyan").await;

    assert_eq!(
        after_a_pause, 303,
        "the writer checked out a live connection"
    );
    // Within the second, the kept connection is tried first: at most that one group fails, with
    // 503 and the form back to send again, and the connection is let go.
    drop_connections();
    let at_once = post("pinghu").await;
    let next = post("jiashan").await;
    assert!(at_once == 303 || at_once == 503, "{at_once}");
    assert_eq!(next, 303, "the next group has a live connection");
    let db = Database::connect(app.db.url.clone(), 1).unwrap();
    let stored = storage::load_responses(&mut db.conn().unwrap(), EXAMPLE_ID).unwrap();
    let mut counties: Vec<String> = stored.into_iter().map(|r| r.stratum).collect();
    counties.sort();
    let mut acknowledged = vec!["haiyan", "jiashan", "nanhu"];
    if at_once == 303 {
        acknowledged.push("pinghu");
    }
    acknowledged.sort();
    assert_eq!(counties, acknowledged, "every 303 is stored, nothing else");
}

// A command run with a new build beside a server of the older one (installed, not yet
// restarted) must not change the schema under it: only `serve` upgrades, at its start. The
// backup before the upgrade is taken with either build.
on_both_backends! {
    async fn a_command_refuses_a_database_an_older_build_made_and_only_serve_upgrades_it(backend: Backend) {
        let db = TestDatabase::new(backend);
        let url = db.url.clone();
        // As an older build left it: the newest migration not yet applied (its effects stay,
        // harmless for the check, which reads diesel's list of applied migrations).
        let newest = {
            let database = Database::connect(url.clone(), 1).unwrap();
            let mut conn = database.conn().unwrap();
            let newest: String = diesel::RunQueryDsl::get_result(
                diesel::dsl::sql::<diesel::sql_types::Text>("SELECT MAX(version) FROM __diesel_schema_migrations"),
                &mut *conn,
            ).unwrap();
            diesel::connection::SimpleConnection::batch_execute(
                &mut *conn,
                &format!("DELETE FROM __diesel_schema_migrations WHERE version = '{newest}'"),
            ).unwrap();
            newest
        };
        let minyi = |args: &[&str]| command_on(&db, args);

        let (listed, said) = minyi(&["survey", "list"]);

        assert!(!listed, "refused: {said}");
        assert!(said.contains("has not been upgraded") && said.contains(&newest) && said.contains("minyi serve"), "says why and what to do: {said}");
        let behind = Database::open(url.clone(), 1, minyi::storage::Schema::AsFound).unwrap().schema_behind().unwrap();
        assert_eq!(behind.as_deref(), Some(newest.as_str()), "and left the schema as it was");
        if backend == Backend::Sqlite {
            let out = db.dir.path().join("before-upgrade.db");
            let (backed_up, said) = minyi(&["backup", "--out", out.to_str().unwrap()]);
            assert!(backed_up && out.exists(), "the backup before the upgrade is taken all the same: {said}");
        }
    }
}
