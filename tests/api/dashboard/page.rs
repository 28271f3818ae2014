//! What a publisher reads on the dashboard: each county's completed responses against its
//! target and the margin of error reached, exactly as `fieldwork_progress` computes them.

use minyi::accounts::Role;
use minyi::analysis::{add_simulated, fieldwork_progress};

use super::*;

/// A share as the dashboard writes it.
fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}
use crate::accounts::accounts;

on_both_backends! {
    async fn the_dashboard_shows_each_countys_completed_responses_target_and_margin_of_error(backend: Backend) {
        let app = spawn_app(backend).await;
        add_simulated(&app.catalog(), EXAMPLE_ID, 300, 5).expect("simulated fieldwork");
        let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;

        let page = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}?lang=en"), &cookie).await;

        assert_eq!(page.status, 200, "{}", page.body);
        let progress = fieldwork_progress(&app.catalog(), EXAMPLE_ID).expect("progress");
        let moe = |m: Option<f64>| format!("±{:.1} pts", m.expect("responses") * 100.0);
        for county in &progress.by_stratum {
            let target = county.target.expect("the example sets every target");
            let shown = row(&page.body, &format!("county-{}", county.code));
            for expected in [
                county.name.en.clone(),
                format!("<strong>{}</strong> / {target}", county.usable),
                moe(county.margin_of_error),
            ] {
                assert!(shown.contains(&expected), "{}: the row shows {expected:?}: {shown}", county.code);
            }
            if county.excluded > 0 {
                assert!(
                    shown.contains(&format!("{} received, {} left out by the quality rules", county.completed, county.excluded)),
                    "{}: what was received besides what counts: {shown}",
                    county.code
                );
            }
            assert!(
                page.body.contains(&format!("<tr><th scope=\"row\">{}</th><td>{}</td></tr>", county.name.en, county.completed)),
                "{}: the channel table counts its responses under the one channel they came by",
                county.code
            );
            assert!(
                shown.contains(&format!("({})</span>", percent(county.share_of_target.expect("a target")))),
                "{}: the share of its target, on screen and not only to screen readers: {shown}",
                county.code
            );
            assert!(shown.contains("<rect x=\"100.0\" width=\"1\""), "{}: the period over, the mark of what is due stands at the end: {shown}", county.code);
            assert!(
                shown.contains(&format!("behind schedule ({target} due by today)")),
                "{}: fieldwork (2016) is over while the survey is open, so the whole target is due: {shown}",
                county.code
            );
        }
        assert!(progress.flagged_to_exclude > 0, "300 simulated responses include a few too fast");
        assert!(page.body.contains("The planned fieldwork period ended on 2016-11-30 and the survey is still open"), "why everything is behind schedule");
        assert!(page.body.contains("<h2>How responses came in</h2>") && page.body.contains("<th scope=\"col\">simulated</th>"), "by channel");
        for expected in [
            format!("Responses received: {}, of which usable: {}; target: 1400", progress.completed, progress.usable()),
            format!("Of these, {} carry a flag this survey&#x27;s quality rules exclude", progress.flagged_to_exclude),
            format!("Margin of error at the usable count: {}", moe(progress.margin_of_error)),
        ] {
            assert!(page.body.contains(&expected), "the totals: {expected:?}");
        }
        for (day, count) in &progress.by_day {
            assert!(page.body.contains(&format!("<th scope=\"row\">{day}</th><td>{count}</td>")), "the day {day}");
        }
        for (flag, count) in &progress.flags {
            let label = match flag.as_str() {
                "too_fast" => "completed too fast",
                "straightlining" => "the same answer to every item of a matrix",
                other => other,
            };
            assert!(page.body.contains(&format!("{label}: <strong>{count}</strong>")), "the flag {flag}: {count}");
        }
        assert!(page.body.contains("Close the survey"), "an open survey can be closed");
        assert!(!page.body.contains("Publish the results"), "but not published while open");
        assert!(!page.body.contains("<script"), "no JavaScript");
        assert!(page.body.len() < 32 * 1024, "a small page: {} bytes", page.body.len());

        assert!(page.body.contains("Note: 300 of these responses are simulated (a trial run), not residents"), "simulated responses are said to be simulated");

        let chinese = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}"), &cookie).await;
        assert!(chinese.body.contains("南湖区") && chinese.body.contains("个百分点"), "Chinese by default");
    }

    async fn a_survey_answered_by_residents_only_says_nothing_of_simulation(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let token = app.form_token(EXAMPLE_ID).await;
        let stored = app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(valid_fields(&survey, "nanhu"), &token)).await;
        assert_eq!(stored.status, 303);
        let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;

        let page = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}?lang=en"), &cookie).await;

        assert!(page.body.contains("Responses received: 1, of which usable: 0; target: 1400"), "sent at once, so too fast to count: {}", page.body);
        assert!(!page.body.contains("simulated"), "no note about simulated responses");
    }

    async fn an_open_surveys_dashboard_gives_the_link_to_hand_out_and_its_qr_code(backend: Backend) {
        let app = spawn_app(backend).await;
        let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
        let path = format!("/admin/surveys/{EXAMPLE_ID}");

        let open = get(&app, &path, &cookie).await;
        let link = format!("{}/s/{EXAMPLE_ID}", app.url(""));
        assert!(open.body.contains("发放问卷"), "{}", open.body);
        assert!(open.body.contains(&format!("<a href=\"{link}\"><strong>{link}</strong></a>")), "{}", open.body);
        let qr = format!("/s/{EXAMPLE_ID}/qr.svg");
        assert!(open.body.contains(&format!("<img src=\"{qr}\"")));
        assert!(open.body.contains(&format!("download=\"{EXAMPLE_ID}-qr.svg\"")));
        let image = app.get(&qr).await;
        assert!(image.status == 200 && image.body.starts_with("<?xml"), "the QR code is there: {}", image.status);
        assert!(
            open.body.contains(&format!("minyi invite {EXAMPLE_ID} --emails list.csv")) && open.body.contains(&format!("minyi remind {EXAMPLE_ID}")),
            "invitations by e-mail are a command away, and the dashboard says which: {}",
            open.body
        );
        assert!(
            open.body.contains("计划的调查时间已于 2016-11-30 结束：邀请和提醒会请居民在这一天或之前填写，所以 minyi invite 和 minyi remind 需加 --after-fieldwork 才会发出"),
            "the example's fieldwork ended in 2016: the flag the commands will ask for is said first: {}",
            open.body
        );
        assert!(!open.body.contains("--only-new-addresses（否则"), "no close has deleted addresses");

        app.catalog().transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close).expect("close");
        let closed = get(&app, &path, &cookie).await;
        assert!(!closed.body.contains("发放问卷") && !closed.body.contains(&qr), "nothing to hand out once closed");
        assert!(!closed.body.contains("minyi invite"), "nor anyone to invite");
    }

    async fn within_the_period_the_dashboard_says_how_far_through_it_is_and_marks_what_is_due(backend: Backend) {
        let today = example_survey().local_date(chrono::Utc::now());
        let (app, _dir) = with_period(backend, today - chrono::Days::new(9), today + chrono::Days::new(20)).await;
        let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;

        let page = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}?lang=en"), &cookie).await;

        assert!(page.body.contains("Day 10: 20 days left (33% of the period over)"), "{}", page.body);
        let nanhu = row(&page.body, "county-nanhu");
        assert!(nanhu.contains("<rect x=\"33.3\" width=\"1\""), "a third of the way along the bar, what is due by today: {nanhu}");
        assert!(!page.body.contains("The planned fieldwork period ended"), "the period is not over");
    }

    async fn before_the_period_the_dashboard_counts_the_days_to_its_start(backend: Backend) {
        let today = example_survey().local_date(chrono::Utc::now());
        let start = today + chrono::Days::new(12);
        let (app, _dir) = with_period(backend, start, start + chrono::Days::new(30)).await;
        let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;

        let (tomorrow_app, _tomorrow_dir) = with_period(backend, today + chrono::Days::new(1), start).await;
        let tomorrow_cookie = signed_in(&tomorrow_app, "publisher@example.org", Role::Publisher).await;

        let english = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}?lang=en"), &cookie).await;
        let chinese = get(&app, &format!("/admin/surveys/{EXAMPLE_ID}"), &cookie).await;
        let next_day = get(&tomorrow_app, &format!("/admin/surveys/{EXAMPLE_ID}?lang=en"), &tomorrow_cookie).await;

        if example_survey().local_date(chrono::Utc::now()) != today {
            return; // Midnight in China passed between the pages: the counts moved with it.
        }
        assert!(english.body.contains(&format!("Fieldwork has not started yet: it starts on {start}, in 12 days")), "{}", english.body);
        assert!(chinese.body.contains(&format!("调查期尚未开始：{start} 开始，还有 12 天")), "{}", chinese.body);
        assert!(!english.body.contains("Day 0") && !chinese.body.contains("第 0 天"), "no day of a period not begun");
        let tomorrow = today + chrono::Days::new(1);
        assert!(next_day.body.contains(&format!("Fieldwork has not started yet: it starts tomorrow, {tomorrow}")), "{}", next_day.body);
    }

    async fn the_survey_list_shows_every_survey_with_its_state_and_responses(backend: Backend) {
        let app = spawn_app(backend).await;
        add_simulated(&app.catalog(), EXAMPLE_ID, 12, 1).expect("simulated fieldwork");
        let cookie = signed_in(&app, "admin@example.org", Role::Admin).await;

        let list = get(&app, "/admin/surveys?lang=en", &cookie).await;
        let account = get(&app, "/account?lang=en", &cookie).await;

        assert_eq!(list.status, 200);
        let entry = &list.body[list.body.find(&format!("id=\"survey-{EXAMPLE_ID}\"")).expect("the survey is listed")..];
        let usable = minyi::analysis::stored_fieldwork_progress(&app.catalog(), EXAMPLE_ID).unwrap().usable();
        let counts = format!("{usable} usable responses of 1400 targeted (12 received)");
        for expected in ["fieldwork under way", &counts, &format!("href=\"/admin/surveys/{EXAMPLE_ID}?lang&#x3D;en\"")] {
            assert!(entry.contains(expected), "the list shows {expected:?}");
        }
        assert!(account.body.contains("href=\"/admin/surveys?lang&#x3D;en\""), "the account page links the dashboard (handlebars writes = as &#x3D;)");
    }
}

/// A publisher edits a survey file on the server and restarts it: if the file is refused, the
/// surveys page says which and why, not only the console they may never see.
#[actix_web::test]
async fn the_survey_list_names_each_file_refused_at_start_and_why() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo_path("surveys/jiaxing-food-safety-2016.toml"),
        dir.path().join("jiaxing-food-safety-2016.toml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("transport-2026.toml"),
        "id = \"transport-2026\"\n[questions]\n",
    )
    .unwrap();
    let app = spawn_app_with_surveys(Backend::Sqlite, dir.path()).await;
    let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;

    let list = get(&app, "/admin/surveys", &cookie).await;

    assert_eq!(list.status, 200);
    assert!(
        list.body.contains("本服务器启动时未能加载的问卷文件"),
        "{}",
        list.body
    );
    let problem = &list.body[list.body.find("role=\"alert\"").expect("said as an alert")..];
    assert!(
        problem.contains("transport-2026.toml"),
        "names the file: {problem}"
    );
    assert!(
        problem.contains("[[questions]]"),
        "and what was meant: {problem}"
    );
    assert!(
        problem.contains("<strong>transport-2026.toml: 文件内容有误"),
        "the kind of problem in the reader's language: {problem}"
    );
    assert!(
        problem.contains("<strong>第 2 行</strong> · <code>questions</code>"),
        "each mistake at its line, as the import page lists them: {problem}"
    );
    assert!(
        problem.contains("应为：写成 [[questions]] 的块<br>实际为：一张表"),
        "and what was expected and found, in the reader's language: {problem}"
    );
    assert!(
        list.body.contains(&format!("id=\"survey-{EXAMPLE_ID}\"")),
        "the other surveys run on"
    );

    // The publisher corrects the file: listed until it is imported too.
    let corrected = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml"))
        .unwrap()
        .replace(EXAMPLE_ID, "transport-2026")
        .replace("嘉兴市食品安全公众满意度调查", "嘉兴市公共交通满意度调查");
    let file = dir.path().join("transport-2026.toml");
    std::fs::write(&file, corrected).unwrap();
    let not_yet = get(&app, "/admin/surveys", &cookie).await;
    app.catalog().import_file(&file).expect("imported");
    let after = get(&app, "/admin/surveys", &cookie).await;

    assert!(
        not_yet.body.contains("transport-2026.toml"),
        "corrected, not yet imported: {}",
        not_yet.body
    );
    assert!(
        !after.body.contains("未能加载") && after.body.contains("id=\"survey-transport-2026\""),
        "put right: no longer listed, and the survey is there: {}",
        after.body
    );

    let app = spawn_app(Backend::Sqlite).await;
    let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
    let clean = get(&app, "/admin/surveys", &cookie).await;
    assert!(
        !clean.body.contains("未能加载"),
        "nothing said when every file loaded"
    );
}

/// A node started with a changed file for a closed survey keeps the survey's version, and its
/// surveys page says why and what to do, in the reader's language, as the import page would.
#[actix_web::test]
async fn a_closed_surveys_changed_file_refused_at_start_says_why_and_what_to_do() {
    let app = spawn_app(Backend::Sqlite).await;
    let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
    app.catalog()
        .transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close)
        .unwrap();
    let changed =
        example_survey_dir(|text| text.replace("您可以随时停止作答。", "您可以随时停止。"));

    let node = spawn_second_app(&app, changed.path()).await;
    let mut response = app
        .client
        .get(format!("{node}/admin/surveys"))
        .insert_header(("Cookie", cookie.as_str()))
        .send()
        .await
        .expect("GET");
    let body = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();

    assert_eq!(response.status(), 200, "{body}");
    let alert = &body[body.find("role=\"alert\"").expect("said as an alert")..];
    for said in [
        "jiaxing-food-safety-2016.toml: 这份调查已经结束或已发布，它的文件不能再修改。",
        "调查 jiaxing-food-safety-2016 已经结束：答卷是按它现有的版本填写的",
        "<span class=\"note\">已结束的调查，可以先在进度面板上重新开启，再导入修改后的文件",
    ] {
        assert!(alert.contains(said), "says {said:?}: {alert}");
    }
    assert!(!alert.contains("lang=\"en\""), "no English left: {alert}");
}

#[actix_web::test]
async fn two_files_defining_one_survey_stay_listed_until_one_of_them_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml"))
        .unwrap()
        .replace(EXAMPLE_ID, "jiaxing-2017");
    for name in ["jiaxing-2017.toml", "jiaxing-2017-copy.toml"] {
        std::fs::write(dir.path().join(name), &text).unwrap();
    }
    let app = spawn_app_with_surveys(Backend::Sqlite, dir.path()).await;
    let cookie = signed_in(&app, "publisher@example.org", Role::Publisher).await;
    // Imported by hand: each file alone now holds the current version.
    app.catalog()
        .import_file(&dir.path().join("jiaxing-2017.toml"))
        .expect("imported");

    let both = get(&app, "/admin/surveys", &cookie).await;
    std::fs::remove_file(dir.path().join("jiaxing-2017-copy.toml")).unwrap();
    let one = get(&app, "/admin/surveys", &cookie).await;

    assert!(
        both.body
            .contains("这几个文件都定义了调查 jiaxing-2017：一份调查只保留一个文件")
            && both
                .body
                .contains("jiaxing-2017-copy.toml；jiaxing-2017.toml: 几个文件定义了同一份调查"),
        "still two files for one survey: {}",
        both.body
    );
    assert!(!one.body.contains("未能加载"), "one left: put right");
}

/// A refusal or a wrong address on a staff page leads back among staff pages, in the page's
/// language: not to a resident's survey, and not to a dead end.
#[actix_web::test]
async fn staff_error_pages_say_where_to_go_next() {
    let app = spawn_app(Backend::Sqlite).await;
    let publisher = signed_in(&app, "publisher@example.org", Role::Publisher).await;
    let evaluator = signed_in(&app, "li.wei@example.org", Role::Evaluator).await;
    accounts(&app)
        .grant(
            &minyi::accounts::Email::parse("li.wei@example.org").unwrap(),
            EXAMPLE_ID,
            "test",
        )
        .unwrap();

    let unknown = get(&app, "/admin/surveys/no-such-survey", &publisher).await;
    assert_eq!(unknown.status, 404);
    assert!(
        unknown.body.contains("找不到这项调查") && !unknown.body.contains("调查尚未开始"),
        "in staff terms: {}",
        unknown.body
    );
    assert!(
        unknown
            .body
            .contains("href=\"/admin/surveys\">返回调查列表</a>"),
        "back to the surveys"
    );

    let forbidden = get(&app, "/admin/surveys?lang=en", &evaluator).await;
    assert_eq!(forbidden.status, 403);
    assert!(
        forbidden
            .body
            .contains("href=\"/account?lang&#x3D;en\">Back to your account</a>"),
        "a way on: {}",
        forbidden.body
    );

    let account = get(&app, "/account?lang=en", &evaluator).await;
    assert!(
        account
            .body
            .contains("The result set can be downloaded here once fieldwork is closed."),
        "a granted open survey says when: {}",
        account.body
    );
    let too_early = get(
        &app,
        &format!("/resultsets/{EXAMPLE_ID}/download?lang=en"),
        &evaluator,
    )
    .await;
    assert_eq!(too_early.status, 409, "the survey is still open");
    assert!(
        too_early
            .body
            .contains("href=\"/account?lang&#x3D;en\">Back to your account</a>"),
        "says where it leads, in English: {}",
        too_early.body
    );
}

/// An app whose example survey's planned fieldwork runs from `start` to `end` (the folder
/// the survey was read from goes with it).
async fn with_period(
    backend: Backend,
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml"))
        .unwrap()
        .replace(
            "fieldwork_start = 2016-10-10",
            &format!("fieldwork_start = {start}"),
        )
        .replace(
            "fieldwork_end = 2016-11-30",
            &format!("fieldwork_end = {end}"),
        );
    std::fs::write(dir.path().join("jiaxing-food-safety-2016.toml"), source).unwrap();
    (spawn_app_with_surveys(backend, dir.path()).await, dir)
}
