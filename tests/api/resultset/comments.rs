//! Residents' comments (free-text answers): handed to the evaluators granted the survey once
//! fieldwork is over, scrubbed, sorted, with nothing that joins them to the result set's rows;
//! every reading audited; gone after the purge.

use minyi::accounts::{Email, Role};
use minyi::survey::QuestionKind;

use super::*;
use crate::accounts::{accounts, add_account, request, sign_in};
use crate::privacy::submit_fields;

/// A resident of `county` who wrote `comment` in the example's free-text question.
async fn answer_with_comment(app: &TestApp, county: &str, comment: &str) {
    let survey = example_survey();
    let text_question = survey
        .questions
        .iter()
        .find(|q| matches!(q.kind, QuestionKind::Text { .. }) && q.show_if.is_none())
        .expect("the example has a free-text question")
        .id
        .clone();
    let fields = valid_fields(&survey, county)
        .into_iter()
        .map(|(name, value)| {
            if name == text_question {
                (name, comment.to_owned())
            } else {
                (name, value)
            }
        })
        .collect();
    let token = app.form_token(EXAMPLE_ID).await;
    submit_fields(app, with_token(fields, &token), &[]).await;
}

/// A resident of `county` who heard of the campaign some other way, and wrote which.
async fn answer_other_way(app: &TestApp, county: &str, which: &str) {
    let fields: Vec<(String, String)> = valid_fields(&example_survey(), county)
        .into_iter()
        .map(|(name, value)| match name.as_str() {
            "campaign_aware" => (name, "yes".to_owned()),
            "campaign_heard_from" => (name, "other".to_owned()),
            "campaign_heard_from_other" => (name, which.to_owned()),
            _ => (name, value),
        })
        .collect();
    let token = app.form_token(EXAMPLE_ID).await;
    submit_fields(app, with_token(fields, &token), &[]).await;
}

/// The comments file of the example survey, closed, as the command line writes it.
fn comments_text(app: &TestApp) -> (String, minyi::release::comments::CommentsFile) {
    let file = minyi::release::comments::comments(
        &app.catalog(),
        EXAMPLE_ID,
        Encoding::Utf8,
        minyi::survey::Lang::Zh,
    )
    .expect("comments");
    (String::from_utf8(file.bytes.clone()).unwrap(), file)
}

#[actix_web::test]
async fn an_other_box_s_comments_carry_no_county_and_wait_for_k_residents_to_have_been_asked() {
    let app = spawn_app(Backend::Sqlite).await;
    answer_other_way(&app, "haiyan", "居委会的微信群").await;
    answer_with_comment(&app, "haiyan", "菜价公示要及时").await;
    app.catalog()
        .transition(EXAMPLE_ID, Transition::Close)
        .expect("close");

    let (alone, file) = comments_text(&app);

    assert!(
        !alone.contains("居委会的微信群"),
        "one resident asked: their words would point to their row: {alone}"
    );
    assert_eq!(
        (file.comments, file.withheld),
        (2, 1),
        "both suggestions, not the other way"
    );

    app.catalog()
        .transition(EXAMPLE_ID, Transition::Open)
        .expect("reopen");
    for county in ["nanhu", "xiuzhou", "jiashan", "pinghu"] {
        answer_other_way(&app, county, "超市的宣传屏").await;
    }
    app.catalog()
        .transition(EXAMPLE_ID, Transition::Close)
        .expect("close");
    let (five, file) = comments_text(&app);

    assert_eq!(
        (file.comments, file.withheld),
        (11, 0),
        "five residents asked (k = 5), six suggestions: {five}"
    );
    let line = five
        .lines()
        .find(|l| l.contains("居委会的微信群"))
        .expect("now handed over");
    assert!(
        line.starts_with("campaign_heard_from_other,") && line.contains(",,false,"),
        "without its county: {line}"
    );
}

#[actix_web::test]
async fn a_comment_names_its_county_only_where_k_residents_of_that_county_answered() {
    let app = spawn_app(Backend::Sqlite).await;
    answer_with_comment(&app, "haiyan", "早市的菜很好").await;
    answer_with_comment(&app, "xiuzhou", "菜场的肉不新鲜").await;
    // Residents who wrote nothing count too: the county points to all their rows.
    for _ in 0..3 {
        answer_with_comment(&app, "haiyan", "").await;
    }
    for _ in 0..4 {
        answer_with_comment(&app, "xiuzhou", "").await;
    }
    app.catalog()
        .transition(EXAMPLE_ID, Transition::Close)
        .expect("close");

    let (text, file) = comments_text(&app);

    assert_eq!((file.comments, file.withheld), (2, 0), "{text}");
    let line = |comment: &str| {
        text.lines()
            .find(|l| l.ends_with(comment))
            .unwrap_or_else(|| panic!("{comment} handed over: {text}"))
            .to_owned()
    };
    assert!(
        line("菜场的肉不新鲜").contains(",秀洲区,"),
        "five residents of Xiuzhou answered (k = 5): {text}"
    );
    assert!(
        line("早市的菜很好").contains(",,false,"),
        "four of Haiyan: the county would narrow the writer to four rows: {text}"
    );
    assert!(!text.contains("海盐县"), "{text}");
}

on_both_backends! {
    async fn a_granted_evaluator_reads_the_residents_comments_sorted_scrubbed_and_unlinked(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = add_account(&app, "li.wei@example.org", Role::Evaluator);
        let other = add_account(&app, "wang.fang@example.org", Role::Evaluator);
        accounts(&app).grant(&Email::parse("li.wei@example.org").unwrap(), EXAMPLE_ID, "test").unwrap();
        let cookie = sign_in(&app, "li.wei@example.org", &password).await;
        let stranger = sign_in(&app, "wang.fang@example.org", &other).await;
        answer_with_comment(&app, "xiuzhou", "=菜场的肉不新鲜").await;
        answer_with_comment(&app, "haiyan", "早市的菜很好，有事打13812345678").await;
        answer_with_comment(&app, "xiuzhou", "超市 fine").await;
        // Five residents of each county (k = 5), so that the comments may name it.
        for county in ["xiuzhou", "xiuzhou", "xiuzhou", "haiyan", "haiyan", "haiyan", "haiyan"] {
            answer_with_comment(&app, county, "").await;
        }
        let path = format!("/resultsets/{EXAMPLE_ID}/comments.csv");
        let too_early = request(&app, "get", &path, Some(&cookie), &[]).await;
        app.catalog().transition(EXAMPLE_ID, Transition::Close).expect("close");

        // A HEAD (a download manager's, a link checker's) reads nothing: not a reading.
        let head = request(&app, "head", &path, Some(&cookie), &[]).await;
        let reply = request(&app, "get", &path, Some(&cookie), &[]).await;
        let refused = request(&app, "get", &path, Some(&stranger), &[]).await;
        let account = request(&app, "get", "/account", Some(&cookie), &[]).await;

        assert_eq!(too_early.status, 409, "not while fieldwork runs");
        assert_eq!(refused.status, 403, "not for an evaluator not granted the survey");
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!((head.status, head.body.as_str()), (200, ""));
        assert!(account.body.contains(&path), "the account page links to it");
        let text = reply.body.strip_prefix('\u{feff}').expect("Excel's byte-order mark");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "question,question_text,county,simulated,comment", "no response number or channel to join on");
        assert_eq!(lines.len(), 4, "{text}");
        // The counties in the survey's order (秀洲区 before 海盐县), the texts sorted within them.
        assert!(lines[1].contains("秀洲区") && lines[1].ends_with(",'=菜场的肉不新鲜"), "defanged: {}", lines[1]);
        assert!(lines[2].contains("秀洲区") && lines[2].ends_with(",超市 fine"), "{}", lines[2]);
        assert!(lines[1..].iter().all(|l| l.contains(",false,")), "residents' words, not a trial run's, as true/false like every other file: {text}");
        assert!(lines[3].contains("海盐县") && lines[3].contains("[手机号]"), "as stored, scrubbed: {}", lines[3]);
        assert!(!text.contains("13812345678"));
        let entries = minyi::audit::recent(app.catalog().database(), 20).unwrap();
        let read: Vec<_> = entries.iter().filter(|e| e.action == "comments_read").collect();
        assert_eq!(read.len(), 1, "the reading is audited as a reading, the refused one as a refusal");
        assert_eq!(entries.iter().filter(|e| e.action == "download_refused").count(), 1);
        assert_eq!(read[0].actor, "li.wei@example.org");
        assert!(read[0].detail.contains("3 comments"), "{}", read[0].detail);

        minyi::retention::purge(&app.catalog(), EXAMPLE_ID, chrono::Utc::now().date_naive()).expect("purge");
        let purged = request(&app, "get", &path, Some(&cookie), &[]).await;
        let account_after = request(&app, "get", "/account", Some(&cookie), &[]).await;
        assert!(!account_after.body.contains(&path), "no link to comments that are gone");
        assert_eq!(purged.status, 410);
        assert!(purged.body.contains("居民意见已删除"), "{}", purged.body);
    }
}

#[test]
fn minyi_comments_writes_the_file_in_the_language_asked_and_refuses_an_open_survey() {
    let db = TestDatabase::new(Backend::Sqlite);
    let minyi = |args: &[&str]| run_minyi(&db, args);
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    assert!(
        minyi(&["survey", "import", "surveys/jiaxing-food-safety-2016.toml"])
            .status
            .success()
    );
    assert!(minyi(&["simulate", EXAMPLE_ID, "--responses", "50"])
        .status
        .success());

    // A file handed over before (here stood in for by any text) is left as it was by a
    // refused run.
    let earlier = out.path().join(format!("comments-{EXAMPLE_ID}.csv"));
    std::fs::write(&earlier, "handed over before").unwrap();
    let open = minyi(&["comments", EXAMPLE_ID, "--out", dir]);
    assert!(!open.status.success());
    assert!(String::from_utf8_lossy(&open.stderr).contains("close it first"));
    assert_eq!(
        std::fs::read_to_string(&earlier).unwrap(),
        "handed over before",
        "untouched by the refusal"
    );
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        1,
        "and nothing left beside it"
    );

    assert!(minyi(&["survey", "close", EXAMPLE_ID]).status.success());
    // A folder that cannot be made (a file stands where it would go): refused, naming it,
    // and nothing handed over is audited.
    let blocked = out.path().join("a file");
    std::fs::write(&blocked, "").unwrap();
    let nowhere = blocked.join("comments");
    let refused = minyi(&["comments", EXAMPLE_ID, "--out", nowhere.to_str().unwrap()]);
    let said_refused = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && said_refused.contains("cannot make the folder"),
        "{said_refused}"
    );
    let audited = hand_overs(&db);
    assert!(audited == 0, "no hand-over is recorded");
    let done = minyi(&[
        "comments",
        EXAMPLE_ID,
        "--out",
        dir,
        "--encoding",
        "utf8",
        "--lang",
        "en",
    ]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let audited = hand_overs(&db);
    assert_eq!(audited, 1, "the hand-over that was written is");
    let path = out.path().join(format!("comments-{EXAMPLE_ID}-utf8.csv"));
    let said = String::from_utf8_lossy(&done.stdout);
    assert!(said.contains(&path.display().to_string()), "{said}");
    let text = std::fs::read_to_string(&path).expect("the file is written");
    assert!(!text.starts_with('\u{feff}'), "plain UTF-8");
    let rows = text.lines().count() - 1;
    assert!(
        rows > 0 && said.contains(&format!("({rows} comments)")),
        "{said}"
    );
    assert!(text.contains(",true,"), "a trial run's text is told apart");
    assert!(
        text.contains("District") || text.contains("County"),
        "the counties in English: {text}"
    );
}

/// How many hand-overs of comments the audit log records.
fn hand_overs(db: &TestDatabase) -> usize {
    let mut conn = minyi::storage::Database::connect(db.url.clone(), 1)
        .unwrap()
        .conn()
        .unwrap();
    minyi::storage::recent_audit(&mut conn, 100)
        .unwrap()
        .iter()
        .filter(|e| e.action == "comments_read")
        .count()
}

#[actix_web::test]
async fn a_survey_that_asks_no_free_text_says_so_rather_than_hand_over_an_empty_file() {
    let dir = example_survey_dir(|mut source| {
        for id in [
            "campaign_heard_from_other",
            "main_concerns_other",
            "suggestion",
        ] {
            let at = source
                .find(&format!("id = \"{id}\""))
                .expect("the question");
            let start = source[..at].rfind("[[questions]]").unwrap();
            let end = at + source[at..].find("\n\n").unwrap() + 2;
            source.replace_range(start..end, "");
        }
        source
    });
    let app = spawn_app_with_surveys(Backend::Sqlite, dir.path()).await;
    let password = add_account(&app, "li.wei@example.org", Role::Admin);
    let cookie = sign_in(&app, "li.wei@example.org", &password).await;
    app.catalog()
        .transition(EXAMPLE_ID, Transition::Close)
        .expect("close");

    let reply = request(
        &app,
        "get",
        &format!("/resultsets/{EXAMPLE_ID}/comments.csv"),
        Some(&cookie),
        &[],
    )
    .await;
    let account = request(&app, "get", "/account", Some(&cookie), &[]).await;
    let said = minyi::release::comments::comments(
        &app.catalog(),
        EXAMPLE_ID,
        Encoding::Utf8,
        minyi::survey::Lang::Zh,
    )
    .expect_err("nothing to hand over");

    assert_eq!(reply.status, 404);
    assert!(!account.body.contains("comments.csv"), "no link to it");
    assert!(
        said.to_string().contains("asks no free-text question"),
        "{said}"
    );
    let read = minyi::audit::recent(app.catalog().database(), 20).unwrap();
    assert!(
        read.iter().all(|e| e.action != "comments_read"),
        "nothing read, nothing audited"
    );
}
