//! Interviewer links: an interviewer enters one resident's answers after another on one device
//! (face to face or on the telephone); each is stored with channel `interviewer` and no client
//! hash, so the evaluation tells them from residents' own and never takes them for duplicates
//! of each other. A withdrawn link stores nothing more.

use minyi::interviewers::{issue, links, withdraw, InterviewerError, WhichLink};
use minyi::lifecycle::Transition;
use minyi::storage::{self, Database};

use crate::helpers::*;

fn stored(app: &TestApp) -> Vec<storage::StoredResponse> {
    let db = Database::connect(app.db.url.clone(), 1).unwrap();
    storage::load_responses(&mut db.conn().unwrap(), EXAMPLE_ID).unwrap()
}

/// One interview: the form the link shows, filled in for `county`, sent through the link.
async fn interview(app: &TestApp, link: &str, county: &str) -> Page {
    let form = app.get(link).await;
    assert_eq!(form.status, 200, "the link opens the survey: {}", form.body);
    let fields = with_token(
        valid_fields(&example_survey(), county),
        &token_in(&form.body),
    );
    app.post_form(link, &fields).await
}

on_both_backends! {
    async fn an_interviewer_enters_one_interview_after_another_through_one_link(backend: Backend) {
        let app = spawn_app(backend).await;
        let issued = issue(&app.catalog(), EXAMPLE_ID, " A07 ", Some("海盐县"), "test").unwrap();
        assert_eq!((issued.link.label.as_str(), issued.link.stratum.as_deref()), ("A07", Some("haiyan")), "the label trimmed, the county named in Chinese found by its code");
        let link = format!("/iv/{}", issued.token);

        let form = app.get(&link).await;
        assert_eq!(form.status, 200, "{}", form.body);
        assert!(form.body.contains(&format!("action=\"{link}\"")), "the form posts back to the link");
        assert!(form.body.contains("访员填写：请按原文读出每道题和选项"), "says how to ask the questions: {}", form.body);
        assert!(form.body.contains("value=\"haiyan\" checked") && !form.body.contains("value=\"nanhu\""), "the link's county is set");
        assert!(form.body.contains("已按您的访员链接设定") && !form.body.contains("已根据您收到的邀请填好"), "by the link, not by an invitation the interviewer never had");
        assert!(form.body.contains("访员填写不在浏览器里存随机编号"), "the privacy notice's cookie is the public link's: {}", form.body);
        assert!(!form.body.contains("data-draft="), "the device keeps no copy of one resident's answers for the next one's form");
        assert!(form.set_cookies.is_empty(), "an interviewer's device gets no cookie: {:?}", form.set_cookies);

        let first = interview(&app, &link, "nanhu").await;
        assert_eq!(first.status, 303, "{}", first.body);
        let next = first.location.clone().expect("to a fresh form");
        assert_eq!(next, format!("{link}?saved=1"), "straight to the next interview");
        let fresh = app.get(&next).await;
        assert!(fresh.body.contains("上一份答卷已保存"), "the fresh form says the last one was stored: {}", fresh.body);
        assert_eq!(fresh.body.matches(" checked").count(), 1, "and holds none of its answers, only the link's county: {}", fresh.body);
        let second = interview(&app, &link, "haiyan").await;
        assert_eq!(second.status, 303, "{}", second.body);

        let responses = stored(&app);
        assert_eq!(responses.len(), 2, "two interviews, two responses");
        for response in &responses {
            assert_eq!((response.channel.as_str(), response.stratum.as_str()), ("interviewer", "haiyan"), "the interviewer's channel and the link's county, whatever was posted");
            assert_eq!(response.client_hash, None, "one device answers for many residents: no client hash");
        }
        let progress = minyi::analysis::fieldwork_progress(&app.catalog(), EXAMPLE_ID).unwrap();
        assert_eq!(progress.by_channel.get("interviewer"), Some(&2), "fieldwork progress counts them by channel: {:?}", progress.by_channel);
        let evaluated = minyi::analysis::respondents(&app.catalog(), EXAMPLE_ID).unwrap();
        assert!(
            evaluated.iter().all(|r| !r.quality_flags.contains(&minyi::survey::QualityFlag::DuplicateClient)),
            "two residents interviewed on one device are no duplicates of each other"
        );

        withdraw(&app.catalog(), EXAMPLE_ID, WhichLink::Label("A07"), "test").unwrap();
        let gone = app.get(&link).await;
        assert_eq!(gone.status, 410, "a withdrawn link shows no form");
        assert!(gone.body.contains("访员链接已停用"), "and says so: {}", gone.body);
        let late = with_token(valid_fields(&example_survey(), "haiyan"), &app.form_token(EXAMPLE_ID).await);
        assert_eq!(app.post_form(&link, &late).await.status, 410, "a form sent through it is refused");
        assert_eq!(stored(&app).len(), 2, "and not stored");
        let cut = app.get(&link[..link.len() - 4]).await;
        assert_eq!(cut.status, 404, "a link copied in part");
        assert!(cut.body.contains("访员链接无法识别"), "{}", cut.body);

        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let audit: Vec<String> = storage::recent_audit(&mut db.conn().unwrap(), 10).unwrap().into_iter().map(|e| format!("{} {}", e.action, e.detail)).collect();
        assert!(audit.contains(&"interviewer_link_issued label: A07; county: haiyan".to_owned()), "issuing is audited: {audit:?}");
        assert!(audit.contains(&"interviewer_link_withdrawn label: A07".to_owned()), "and withdrawing: {audit:?}");
    }

    async fn a_form_sent_twice_through_an_interviewer_link_is_stored_once(backend: Backend) {
        let app = spawn_app(backend).await;
        let issued = issue(&app.catalog(), EXAMPLE_ID, "电话组1", None, "test").unwrap();
        let link = format!("/iv/{}", issued.token);
        let form = app.get(&link).await;
        assert!(form.body.contains("value=\"nanhu\"") && form.body.contains("value=\"haiyan\""), "a link without a county asks the county question");
        let fields = with_token(valid_fields(&example_survey(), "nanhu"), &token_in(&form.body));

        let first = app.post_form(&link, &fields).await;
        let again = app.post_form(&link, &fields).await;

        assert_eq!(first.location.as_deref(), Some(&*format!("{link}?saved=1")), "{}", first.body);
        assert_eq!(again.location.as_deref(), Some(&*format!("{link}?saved=again")), "{}", again.body);
        assert!(app.get(again.location.as_deref().unwrap()).await.body.contains("这份答卷之前已经保存过"), "the interviewer is told it was stored before");
        let responses = stored(&app);
        assert_eq!(responses.len(), 1, "stored once");
        assert_eq!(responses[0].stratum, "nanhu", "in the county the resident gave");
    }

    async fn a_label_names_one_working_link_of_a_survey_taking_answers(backend: Backend) {
        let app = spawn_app(backend).await;
        let catalog = app.catalog();
        issue(&catalog, EXAMPLE_ID, "A07", None, "test").unwrap();

        let twice = issue(&catalog, EXAMPLE_ID, "A07", None, "test").unwrap_err();
        assert!(matches!(twice, InterviewerError::LabelInUse { .. }), "{twice}");
        assert!(twice.to_string().contains("minyi interviewer withdraw jiaxing-food-safety-2016 --label 'A07'"), "says how to free the label: {twice}");
        let other_case = issue(&catalog, EXAMPLE_ID, "a07", None, "test").unwrap_err();
        assert!(matches!(other_case, InterviewerError::LabelInUse { .. }), "one interviewer's code typed twice: {other_case}");
        let county = issue(&catalog, EXAMPLE_ID, "B01", Some("Shanghai"), "test").unwrap_err();
        assert!(county.to_string().contains("--county \"Shanghai\": expected a county of survey jiaxing-food-safety-2016") && county.to_string().contains("haiyan 海盐县"), "names the counties it may be: {county}");
        let label = issue(&catalog, EXAMPLE_ID, "A\n08", None, "test").unwrap_err();
        assert!(matches!(label, InterviewerError::BadLabel { .. }), "{label}");
        let none = withdraw(&catalog, EXAMPLE_ID, WhichLink::Label("Z99"), "test").unwrap_err();
        assert!(matches!(none, InterviewerError::NoSuchLink { .. }), "{none}");

        withdraw(&catalog, EXAMPLE_ID, WhichLink::Label("a07"), "test").unwrap();
        let audited = minyi::audit::recent(catalog.database(), 10).unwrap();
        let withdrawn = minyi::audit::AuditAction::InterviewerLinkWithdrawn.name();
        assert!(audited.iter().any(|e| e.action == withdrawn && e.detail == "label: A07"), "the audit names the label as issued: {audited:?}");
        let again = issue(&catalog, EXAMPLE_ID, "A07", None, "test").unwrap();
        let listed: Vec<(String, bool)> = links(&catalog, EXAMPLE_ID).unwrap().into_iter().map(|l| (l.works(), l.label)).map(|(works, label)| (label, works)).collect();
        assert_eq!(listed.iter().filter(|(label, _)| label == "A07").count(), 2, "a withdrawn label can be issued again: {listed:?}");
        assert_eq!(listed.iter().filter(|(_, works)| *works).count(), 1, "one of them working: {listed:?}");

        let link = format!("/iv/{}", again.token);
        let form = app.get(&link).await;
        catalog.transition(EXAMPLE_ID, Transition::Close).unwrap();
        let closed = issue(&catalog, EXAMPLE_ID, "C01", None, "test").unwrap_err();
        assert!(matches!(closed, InterviewerError::FieldworkOver { .. }), "{closed}");
        let opened = app.get(&link).await;
        assert_eq!(opened.status, 410, "a closed survey takes no more interviews");
        assert!(opened.body.contains("访员链接不再接受答卷") && opened.body.contains("只有调查在结果发布前重新开启，链接才会恢复使用"), "told as the interviewer it is: {}", opened.body);
        let sent = app.post_form(&link, &with_token(valid_fields(&example_survey(), "nanhu"), &token_in(&form.body))).await;
        assert_eq!(sent.status, 410);
        assert!(sent.body.contains("这份答卷没有保存") && sent.body.contains("这份答卷才能重新录入"), "an interview entered as the survey closed: {}", sent.body);
    }
}

#[actix_web::test]
async fn an_interviewer_working_in_english_stays_in_english_from_one_interview_to_the_next() {
    let app = spawn_app(Backend::Sqlite).await;
    let issued = issue(&app.catalog(), EXAMPLE_ID, "A07", None, "test").unwrap();
    let link = format!("/iv/{}", issued.token);
    let form = app.get(&format!("{link}?lang=en")).await;
    assert!(
        form.body
            .contains("Entered by an interviewer: read each question"),
        "{}",
        form.body
    );
    let mut fields = with_token(
        valid_fields(&example_survey(), "nanhu"),
        &token_in(&form.body),
    );
    fields.push(("_lang".into(), "en".into()));

    let stored = app.post_form(&link, &fields).await;

    let next = stored.location.expect("to the next form");
    assert_eq!(next, format!("{link}?saved=1&lang=en"));
    let fresh = app.get(&next).await;
    assert!(
        fresh
            .body
            .contains("answers are stored. Below is a new form for the next resident"),
        "{}",
        fresh.body
    );
}

on_both_backends! {
    async fn an_interview_sent_while_its_link_cannot_be_read_comes_back_to_be_sent_again(backend: Backend) {
        let app = spawn_app(backend).await;
        let issued = issue(&app.catalog(), EXAMPLE_ID, "A07", None, "test").unwrap();
        let link = format!("/iv/{}", issued.token);
        let form = app.get(&link).await;
        let mut fields = with_token(valid_fields(&example_survey(), "nanhu"), &token_in(&form.body));
        // A suggestion holding every character the page must escape.
        fields.push(("suggestion".to_owned(), "A&B <b>\"quoted\"</b> it's `x`=1".to_owned()));
        rename_table(&app.db, "interviewer_links", "interviewer_links_away");

        let refused = app.post_form(&link, &fields).await;

        assert_eq!(refused.status, 503, "{}", refused.body);
        assert!(refused.retry_after.is_some(), "says when to try again");
        assert!(refused.body.contains("这份问卷这次没能保存，但回答都还在这个页面里"), "{}", refused.body);
        assert!(refused.body.contains(&format!("<form method=\"post\" action=\"{link}\" id=\"resend\">")), "a form that sends them to the link again");
        // What a browser would send from the page: its hidden fields, unescaped.
        let kept = hidden_fields(&refused.body);
        let mut sorted = fields.clone();
        sorted.sort();
        assert_eq!(kept, sorted, "every field kept on the page as it was posted");
        assert!(refused.body.contains("formaction=\"/iv/") && refused.body.contains("form=\"resend\""), "its language and text-size switches send the kept form, not a link to an empty one");
        assert_eq!(stored(&app).len(), 0, "nothing stored yet");
        let opened = app.get(&link).await;
        assert!(opened.status >= 500, "the link cannot be read just now: {}", opened.status);
        assert!(opened.body.contains(&format!("href=\"{link}\">再试一次</a>")), "the page offers the same address again: {}", opened.body);

        rename_table(&app.db, "interviewer_links_away", "interviewer_links");
        let sent_again = app.post_form(&link, &kept).await;
        assert_eq!(sent_again.location.as_deref(), Some(&*format!("{link}?saved=1")), "{}", sent_again.body);
        assert_eq!(stored(&app).len(), 1, "stored once sent again");
    }
}
