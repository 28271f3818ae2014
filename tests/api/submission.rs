//! Submitting answers: stored exactly once, bad input re-rendered with everything kept, nothing
//! a client sends turns into a 500.

use crate::helpers::*;
use diesel::connection::SimpleConnection;
use minyi::storage::Database;
use minyi::survey::{Answer, QuestionKind};

on_both_backends! {
    async fn a_valid_submission_is_stored_once_and_thanked(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let token = app.form_token(EXAMPLE_ID).await;

        let page = app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(valid_fields(&survey, "haining"), &token)).await;

        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some(format!("/s/{EXAMPLE_ID}/thanks").as_str()));
        let thanks = app.get_thanks(&format!("/s/{EXAMPLE_ID}/thanks")).await;
        assert_eq!(thanks.status, 200);
        assert!(thanks.body.contains("提交成功"), "{}", thanks.body);
        assert!(
            thanks.body.contains("<p class=\"more\"><a href=\"/\">返回首页</a></p>") && !thanks.body.contains("class=\"button\""),
            "the way home is a plain link, not a button that reads as the next thing to do: {}", thanks.body
        );
        let stored = stored_answers(&app, EXAMPLE_ID);
        assert_eq!(stored.len(), 1, "exactly one response");
        assert_eq!(stored[0].0, "haining", "the response is filed under its county");
        assert_eq!(
            stored[0].1.get(&survey.strata.question),
            Some(&Answer::Code("haining".into())),
            "the county answer is kept"
        );
    }

    async fn the_same_form_submitted_ten_times_at_once_stores_one_response(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let token = app.form_token(EXAMPLE_ID).await;
        let fields = with_token(valid_fields(&survey, "nanhu"), &token);
        let path = format!("/s/{EXAMPLE_ID}");

        let pages = futures_util::future::join_all((0..10).map(|_| app.post_form(&path, &fields))).await;

        for page in &pages {
            assert_eq!(page.status, 303, "every copy gets the thanks page: {}", page.body);
        }
        assert_eq!(app.response_count(EXAMPLE_ID), 1, "ten copies, one response");
        let again = app.post_form(&path, &fields).await;
        assert_eq!(again.status, 303, "a later retry is thanked too");
        assert_eq!(app.response_count(EXAMPLE_ID), 1);
    }

    async fn a_form_changed_after_back_and_sent_again_is_told_the_first_answers_stand(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let token = app.form_token(EXAMPLE_ID).await;
        let path = format!("/s/{EXAMPLE_ID}");
        let first = app.post_form(&path, &with_token(valid_fields(&survey, "nanhu"), &token)).await;
        // Back, another county, Submit: the same rendered form (its token) a second time.
        let changed = app.post_form(&path, &with_token(valid_fields(&survey, "haining"), &token)).await;

        assert_eq!(first.location.as_deref(), Some(format!("/s/{EXAMPLE_ID}/thanks").as_str()));
        let again = changed.location.expect("a redirect");
        assert_ne!(again, format!("/s/{EXAMPLE_ID}/thanks"), "not the plain thanks");
        let page = app.get_thanks(&again).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("这份问卷已经保存过了") && page.body.contains("修改的内容没有保存"), "{}", page.body);
        let english = app.get_thanks(&format!("{again}&lang=en")).await;
        assert!(english.body.contains("the changes were not saved"), "{}", english.body);
        let stored = stored_answers(&app, EXAMPLE_ID);
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].0, "nanhu", "the first answers stand");
    }

    async fn a_bad_answer_comes_back_next_to_its_question_with_everything_kept(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let token = app.form_token(EXAMPLE_ID).await;
        let number = survey
            .questions
            .iter()
            .find(|q| matches!(q.kind, QuestionKind::Number { .. }));
        // Leave the overall-satisfaction question (required) unanswered, and keep a suggestion.
        let overall = survey
            .questions
            .iter()
            .find(|q| matches!(q.kind, QuestionKind::Scale { .. }) && q.required && q.show_if.is_none())
            .expect("a required scale question");
        let suggestion = "建议：农贸市场要天天抽检 & 公开结果";
        let mut fields: Vec<(String, String)> = valid_fields(&survey, "jiashan")
            .into_iter()
            .filter(|(name, _)| name != &overall.id)
            .map(|(name, value)| {
                let is_text = survey.question(&name).is_some_and(|q| matches!(q.kind, QuestionKind::Text { .. }));
                (name, if is_text { suggestion.to_owned() } else { value })
            })
            .collect();
        if let Some(q) = number {
            fields.retain(|(name, _)| name != &q.id);
            fields.push((q.id.clone(), "abc".into()));
        }

        let page = app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(fields, &token)).await;

        assert_eq!(page.status, 422);
        let index = survey.questions.iter().position(|q| q.id == overall.id).unwrap();
        let block = question_block(&page.body, index + 1);
        assert!(block.contains("请回答这道题"), "the problem is inside question {}: {block}", index + 1);
        assert!(
            page.body.contains("name=\"county\" value=\"jiashan\" checked") || page.body.contains("value=\"jiashan\" checked"),
            "the county answer is still ticked"
        );
        assert!(page.body.contains("建议：农贸市场要天天抽检 &amp; 公开结果"), "the free text is kept");
        assert!(page.body.contains(&format!("value=\"{token}\"")), "the same token, so a retry stays idempotent");
        assert_eq!(app.response_count(EXAMPLE_ID), 0, "nothing stored");
    }

    async fn answers_the_database_refuses_come_back_in_the_form_and_store_on_the_next_press(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let token = app.form_token(EXAMPLE_ID).await;
        let suggestion = "建议：多公开抽检结果";
        let fields: Vec<(String, String)> = valid_fields(&survey, "jiashan")
            .into_iter()
            .map(|(name, value)| {
                let is_text = survey.question(&name).is_some_and(|q| matches!(q.kind, QuestionKind::Text { .. }));
                (name, if is_text { suggestion.to_owned() } else { value })
            })
            .collect();
        let fields = with_token(fields, &token);
        let path = format!("/s/{EXAMPLE_ID}");
        // The database refuses the write, as it would when its disk is full or it is restarting.
        let db = Database::connect(app.db.url.clone(), 1).unwrap();
        let rename = |from: &str, to: &str| {
            let mut conn = db.conn().unwrap();
            (*conn).batch_execute(&format!("ALTER TABLE {from} RENAME TO {to}")).unwrap();
        };
        rename("responses", "responses_elsewhere");

        let refused = app.post_form(&path, &fields).await;

        assert_eq!(refused.status, 503, "{}", refused.body);
        assert!(refused.retry_after.is_some(), "Retry-After says when to try again");
        assert!(refused.body.contains("这次没能保存"), "the form says it was not saved: {}", refused.body);
        assert!(refused.body.contains("value=\"jiashan\" checked"), "the county answer is still ticked");
        assert!(refused.body.contains(suggestion), "the free text is kept");
        assert!(refused.body.contains(&format!("value=\"{token}\"")), "the same token, so a retry stays idempotent");

        rename("responses_elsewhere", "responses");
        let retried = app.post_form(&path, &fields).await;

        assert_eq!(retried.status, 303, "pressing Submit again stores it: {}", retried.body);
        let stored = stored_answers(&app, EXAMPLE_ID);
        assert_eq!(stored.len(), 1, "exactly one response");
        assert_eq!(stored[0].0, "jiashan");
    }

    async fn a_database_that_holds_the_answer_up_gives_the_form_back_not_an_endless_wait(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let token = app.form_token(EXAMPLE_ID).await;
        let fields = with_token(valid_fields(&survey, "jiashan"), &token);
        let path = format!("/s/{EXAMPLE_ID}");
        // Another process holds what the writer needs, as a frozen database server or a lock
        // left open would: SQLite's write lock (the writer waits its busy timeout), PostgreSQL's
        // responses table (the writer would wait for as long as it is held).
        let other_process = Database::connect(app.db.url.clone(), 1).unwrap();
        let mut other = other_process.conn().unwrap();
        let hold = match backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN; LOCK TABLE responses IN ACCESS EXCLUSIVE MODE",
        };
        (*other).batch_execute(hold).unwrap();

        let started = std::time::Instant::now();
        let held_up = app.post_form(&path, &fields).await;
        let waited = started.elapsed();
        (*other).batch_execute("COMMIT").unwrap();
        let again = app.post_form(&path, &fields).await;

        assert_eq!(held_up.status, 503, "{}", held_up.body);
        assert!(waited < std::time::Duration::from_secs(20), "the resident waited {waited:?}");
        assert!(held_up.body.contains("value=\"jiashan\" checked"), "the answers come back");
        // SQLite's writer gives up on the lock first (10 s): not saved. PostgreSQL's waits on,
        // so the resident is answered at 15 s while the writer holds the answers: maybe saved.
        let said = match backend {
            Backend::Sqlite => "系统繁忙，这次没能保存",
            Backend::Postgres => "您的回答可能已经保存",
        };
        assert!(held_up.body.contains(said), "{said}: {}", held_up.body);
        assert!(held_up.body.contains(&format!("value=\"{token}\"")), "with the same token");
        assert_eq!(again.status, 303, "sent again, it is stored (or found stored): {}", again.body);
        assert_eq!(app.response_count(EXAMPLE_ID), 1, "once, whether the writer stored the first after all or not");
    }

    async fn answers_to_questions_whose_condition_fails_are_discarded(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let conditional = survey.questions.iter().find(|q| q.show_if.is_some()).expect("a conditional question");
        let condition = conditional.show_if.clone().unwrap();
        let controlling = survey.question(&condition.question).unwrap();
        let failing_code = match &controlling.kind {
            QuestionKind::Single { options } | QuestionKind::YesNo { options } | QuestionKind::Multiple { options, .. } => options
                .iter()
                .map(|c| c.code.clone())
                .find(|c| !condition.any_of.contains(c))
                .expect("an option that fails the condition"),
            QuestionKind::Scale { scale } => scale.choices().map(|c| c.code.clone()).find(|c| !condition.any_of.contains(c)).unwrap(),
            _ => panic!("conditions refer to choice questions"),
        };
        let mut fields = valid_fields(&survey, "pinghu");
        fields.retain(|(name, _)| name != &controlling.id);
        fields.push((controlling.id.clone(), failing_code));
        let token = app.form_token(EXAMPLE_ID).await;

        let page = app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(fields, &token)).await;

        assert_eq!(page.status, 303, "{}", page.body);
        let stored = stored_answers(&app, EXAMPLE_ID);
        assert!(!stored[0].1.contains_key(&conditional.id), "the hidden question's answer is not stored");
    }

    async fn a_post_from_another_site_is_refused_and_stores_nothing(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let token = app.form_token(EXAMPLE_ID).await;
        let body = serde_urlencoded::to_string(with_token(valid_fields(&survey, "nanhu"), &token)).unwrap();

        let from_evil = app
            .post_raw(&format!("/s/{EXAMPLE_ID}"), "application/x-www-form-urlencoded", body.clone().into_bytes(), &[("Origin", "https://evil.example")])
            .await;
        let fetch_metadata = app
            .post_raw(&format!("/s/{EXAMPLE_ID}"), "application/x-www-form-urlencoded", body.into_bytes(), &[("Sec-Fetch-Site", "cross-site")])
            .await;

        assert_eq!(from_evil.status, 403);
        assert_eq!(fetch_metadata.status, 403);
        assert_eq!(app.response_count(EXAMPLE_ID), 0);
        // The form's own page sends no referrer, so a browser posts it with Origin: null.
        let token = app.form_token(EXAMPLE_ID).await;
        let body = serde_urlencoded::to_string(with_token(valid_fields(&survey, "nanhu"), &token)).unwrap();
        let own = app.post_raw(&format!("/s/{EXAMPLE_ID}"), "application/x-www-form-urlencoded", body.into_bytes(), &[("Origin", "null")]).await;
        assert_eq!(own.status, 303, "a resident's form with Origin: null is stored: {}", own.body);
    }

    async fn a_forged_token_gets_the_form_back_not_a_stored_response(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();

        let forged = app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(valid_fields(&survey, "nanhu"), "abcd.1.ef")).await;
        let missing = app.post_form(&format!("/s/{EXAMPLE_ID}"), &valid_fields(&survey, "nanhu")).await;

        assert_eq!(forged.status, 403);
        assert!(forged.body.contains("value=\"nanhu\" checked"), "the answers are kept");
        assert_eq!(missing.status, 422);
        assert!(missing.body.contains("页面已失效"), "{}", missing.body);
        assert!(missing.body.contains("<title>尚未保存，请再提交一次："), "the tab's title says it too, the first thing a screen reader reads");
        assert!(missing.body.contains("<div class=\"alert\" role=\"alert\" tabindex=\"-1\" autofocus>页面已失效"), "and the page opens on it");
        let fresh = token_in(&missing.body);
        let retried = app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(valid_fields(&survey, "nanhu"), &fresh)).await;
        assert_eq!(retried.status, 303, "the fresh token works");
        assert_eq!(app.response_count(EXAMPLE_ID), 1);
    }
}

#[actix_web::test]
async fn a_thanks_link_forwarded_to_another_phone_neither_thanks_nor_deletes_its_answers() {
    // Residents forward the page they are on. On a phone that sent nothing (no cookie from a
    // stored form), the thanks page must not say "sent" as if it were so, nor delete the
    // answers that phone keeps for a form under way; it leads to the form.
    let app = spawn_app(Backend::Sqlite).await;
    let path = format!("/s/{EXAMPLE_ID}/thanks");

    let forwarded = app.get(&path).await;
    let english = app.get(&format!("{path}?lang=en")).await;
    let sender = app.get_thanks(&path).await;

    assert_eq!(forwarded.status, 200);
    assert!(!forwarded.body.contains("提交成功"), "{}", forwarded.body);
    assert!(
        forwarded.body.contains("如果这个页面是别人转发给您的")
            && forwarded
                .body
                .contains(&format!("<a href=\"/s/{EXAMPLE_ID}\">填写问卷</a>")),
        "{}",
        forwarded.body
    );
    assert!(
        !forwarded.body.contains("data-draft-done"),
        "the phone's unsent answers stay"
    );
    assert!(
        english
            .body
            .contains("If someone forwarded this page to you")
            && english
                .body
                .contains(&format!("<a href=\"/s/{EXAMPLE_ID}?lang&#x3D;en\">")),
        "{}",
        english.body
    );
    assert!(sender.body.contains("提交成功") && sender.body.contains("data-draft-done"));
}

#[actix_web::test]
async fn a_thanks_link_forwarded_after_fieldwork_leads_to_the_results_not_to_a_closed_form() {
    let app = spawn_app(Backend::Sqlite).await;
    let path = format!("/s/{EXAMPLE_ID}/thanks");
    let catalog = app.catalog();
    minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 1400, 3).expect("simulate");
    catalog
        .transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close)
        .expect("close");

    let closed = app.get(&path).await;
    minyi::publishing::publish(&catalog, EXAMPLE_ID).expect("publish");
    let published = app.get(&path).await;
    let english = app.get(&format!("{path}?lang=en")).await;

    assert_eq!(closed.status, 200);
    assert!(
        closed.body.contains("这项调查已经结束，不再接受新的回答")
            && closed.body.contains("<a href=\"/\">返回首页</a>")
            && !closed.body.contains(&format!("href=\"/s/{EXAMPLE_ID}\"")),
        "no link to a form that is gone: {}",
        closed.body
    );
    assert!(
        published.body.contains(&format!(
            "<a href=\"/results/{EXAMPLE_ID}\">查看这次调查的结果</a>"
        )),
        "{}",
        published.body
    );
    assert!(
        english.body.contains("it no longer accepts new answers")
            && english
                .body
                .contains(&format!("<a href=\"/results/{EXAMPLE_ID}?lang&#x3D;en\">")),
        "{}",
        english.body
    );
}

#[actix_web::test]
async fn a_text_box_filled_to_its_limit_is_never_too_large_to_post() {
    // 5,000 Chinese characters, the most a box may allow, post as 45 KB: more than the
    // smallest body limit an operator may set. The form must be taken, not refused as too
    // large with every answer lost.
    let surveys = example_survey_dir(|source| {
        source.replacen(
            "required = false\nmax_length = 500",
            "required = false\nmax_length = 5000",
            1,
        )
    });
    let app = spawn_app_with_settings(Backend::Sqlite, surveys.path(), |s| {
        s.body_limit = 16 * 1024
    })
    .await;
    let survey = app.catalog().require(EXAMPLE_ID).unwrap().definition;
    let full = |chars: usize| {
        let mut fields = valid_fields(&survey, "nanhu");
        fields.retain(|(name, _)| name != "suggestion");
        fields.push(("suggestion".into(), "字".repeat(chars)));
        fields
    };

    let token = app.form_token(EXAMPLE_ID).await;
    let over = app
        .post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(full(5001), &token))
        .await;
    let at_limit = app
        .post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(full(5000), &token))
        .await;

    assert_eq!(
        over.status, 422,
        "one character too many is a problem to fix, with the answers kept"
    );
    assert!(over.body.contains("value=\"nanhu\" checked"));
    assert_eq!(
        at_limit.status,
        303,
        "{}",
        &at_limit.body[..at_limit.body.len().min(300)]
    );
    assert_eq!(app.response_count(EXAMPLE_ID), 1);
}

on_both_backends! {
    async fn a_node_holding_an_older_version_takes_a_text_box_filled_to_the_new_limit(
        backend: Backend
    ) {
        // Behind a load balancer, one node may hold the survey as it read it before another
        // imported a version whose text boxes hold more. A box filled to the new limit must
        // still be taken there, not refused as too large with every answer lost.
        let small = |s: &mut minyi::config::Settings| s.body_limit = 16 * 1024;
        let surveys = repo_path("surveys");
        let app = spawn_app_with_settings(backend, &surveys, small).await;
        let other = spawn_second_app_with_settings(&app, &surveys, small).await;
        let shown = app
            .client
            .get(format!("{other}/s/{EXAMPLE_ID}"))
            .send()
            .await
            .expect("the other node shows the form");
        assert_eq!(shown.status().as_u16(), 200);
        let longer = example_survey_dir(|source| {
            source.replacen(
                "required = false\nmax_length = 500",
                "required = false\nmax_length = 5000",
                1,
            )
        });
        app.catalog()
            .import_file(&longer.path().join(format!("{EXAMPLE_ID}.toml")))
            .expect("a new version while open");
        let survey = app.catalog().require(EXAMPLE_ID).unwrap().definition;
        let mut fields = valid_fields(&survey, "nanhu");
        fields.retain(|(name, _)| name != "suggestion");
        fields.push(("suggestion".into(), "字".repeat(5000)));
        let token = app.form_token(EXAMPLE_ID).await;

        let answer = app
            .client
            .post(format!("{other}/s/{EXAMPLE_ID}"))
            .send_form(&with_token(fields, &token))
            .await
            .expect("POST to the other node");

        assert_eq!(answer.status().as_u16(), 303, "stored and thanked, not refused as too large");
        let stored = stored_answers(&app, EXAMPLE_ID);
        assert_eq!(stored.len(), 1);
        assert_eq!(
            stored[0].1.get("suggestion"),
            Some(&Answer::Code("字".repeat(5000))),
            "the whole text is stored"
        );
    }
}

#[actix_web::test]
async fn malformed_requests_get_clear_4xx_pages_never_a_500() {
    let app = spawn_app(Backend::Sqlite).await;
    let path = format!("/s/{EXAMPLE_ID}");
    let form = "application/x-www-form-urlencoded";
    let huge = format!("county=nanhu&suggestion={}", "字".repeat(100_000)).into_bytes();
    let cases: Vec<(&str, &str, Vec<u8>, u16)> = vec![
        ("body over the limit", form, huge, 413),
        ("invalid UTF-8", form, b"county=%FF%FE&_token=x".to_vec(), 400),
        ("JSON instead of a form", "application/json", br#"{"county":"nanhu"}"#.to_vec(), 400),
        ("empty body", form, Vec::new(), 422),
        ("garbage", form, b"&&&===%%%".to_vec(), 422),
        ("raw invalid UTF-8", form, b"county=\xff\xfe".to_vec(), 400),
        ("unknown fields only", form, b"foo=bar&baz=1".to_vec(), 422),
        ("injection strings", form, b"county=nanhu'%3B+DROP+TABLE+responses%3B--&suggestion=%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_vec(), 422),
    ];
    for (what, content_type, body, expected) in cases {
        let page = app.post_raw(&path, content_type, body, &[]).await;
        assert_eq!(
            page.status,
            expected,
            "{what}: {}",
            &page.body[..page.body.len().min(300)]
        );
        assert!(
            !page.body.contains("<script>alert"),
            "{what}: input is escaped"
        );
    }
    assert_eq!(app.response_count(EXAMPLE_ID), 0);
}

#[actix_web::test]
async fn posting_to_a_closed_survey_is_410_saying_nothing_was_saved_and_unknown_is_404() {
    let app = spawn_app(Backend::Sqlite).await;
    let survey = example_survey();
    let token = app.form_token(EXAMPLE_ID).await;
    app.catalog()
        .transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close)
        .unwrap();

    let closed = app
        .post_form(
            &format!("/s/{EXAMPLE_ID}"),
            &with_token(valid_fields(&survey, "nanhu"), &token),
        )
        .await;
    let unknown = app
        .post_form(
            "/s/nothing-here",
            &with_token(valid_fields(&survey, "nanhu"), &token),
        )
        .await;

    assert_eq!(closed.status, 410);
    assert!(
        closed.body.contains("您刚才提交的回答没有保存")
            && closed.body.contains("href=\"/\">返回首页</a>")
            && !closed.body.contains(&format!("href=\"/s/{EXAMPLE_ID}\"")),
        "the resident is told the answers were not saved, and led home, not back to a form that \
         is gone: {}",
        closed.body
    );
    assert_eq!(unknown.status, 404);
}

// What the device sends never reaching the database or the logs, on both backends, is
// tested in privacy/at_rest.rs.

/// The HTML of question `number`'s fieldset.
fn question_block(html: &str, number: usize) -> &str {
    let start = html
        .find(&format!("id=\"q{number}\""))
        .expect("question anchor");
    let end = html[start..]
        .find("</fieldset>\n<fieldset class=\"q")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

#[actix_web::test]
async fn an_unanswered_row_of_a_grid_is_marked_where_it_is_and_the_summary_links_to_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let survey = example_survey();
    let (number, grid, items) = survey
        .questions
        .iter()
        .enumerate()
        .find_map(|(i, q)| match &q.kind {
            QuestionKind::Matrix { items, .. } if q.required && q.show_if.is_none() => {
                Some((i + 1, q, items))
            }
            _ => None,
        })
        .expect("a required grid question");
    let skipped = items.last().expect("items");
    let skipped_field = format!("{}.{}", grid.id, skipped.code);
    let token = app.form_token(EXAMPLE_ID).await;
    let mut fields: Vec<(String, String)> = valid_fields(&survey, "nanhu")
        .into_iter()
        .filter(|(name, _)| *name != skipped_field)
        .collect();
    fields.push(("_lang".into(), "en".into()));

    let page = app
        .post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(fields, &token))
        .await;

    assert_eq!(page.status, 422);
    let anchor = format!("q{number}.{}", skipped.code);
    assert!(
        page.body
            .contains(&format!("<a href=\"#{anchor}\">{number}. ")),
        "the summary links to the row itself"
    );
    let row_start = page
        .body
        .find(&format!("id=\"{anchor}\""))
        .expect("the row has its anchor");
    let row =
        &page.body[row_start..row_start + page.body[row_start..].find("</fieldset>").unwrap()];
    assert!(
        row.contains("<span aria-hidden=\"true\">! </span>This item still needs an answer."),
        "the row says so where it is, the mark not read out: {row}"
    );
    assert!(
        row.contains(&format!("<legend>{number}.{} ", items.len())),
        "and is numbered under its question, its last row: {row}"
    );
    assert!(
        page.body[..row_start].ends_with("<fieldset class=\"item err\" "),
        "and is marked"
    );
    let answered = format!("q{number}.{}", items[0].code);
    assert!(
        page.body
            .contains(&format!("<fieldset class=\"item\" id=\"{answered}\">")),
        "answered rows are not"
    );
    assert!(
        !page.body.contains('！'),
        "English pages mark problems with an English exclamation mark"
    );
}

#[actix_web::test]
async fn a_form_sent_empty_lists_five_questions_at_the_top_and_counts_the_rest() {
    let app = spawn_app(Backend::Sqlite).await;
    let token = app.form_token(EXAMPLE_ID).await;

    let page = app
        .post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(Vec::new(), &token))
        .await;

    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("name=\"county\" value=\"nanhu\" aria-invalid=\"true\">"),
        "a choice left unmade is said to be wrong at each of its buttons too"
    );
    let marked = page.body.matches("<p class=\"problem\" id=").count();
    assert!(
        marked > 5,
        "many questions are marked where they are ({marked})"
    );
    let summary_start = page
        .body
        .find("<div class=\"alert\" role=\"alert\" tabindex=\"-1\" autofocus><p>")
        .expect("a summary");
    let summary = &page.body
        [summary_start..summary_start + page.body[summary_start..].find("</div>").unwrap()];
    assert_eq!(
        summary.matches("<li><a href=\"#q").count(),
        5,
        "five links, not a screen of them: {summary}"
    );
    assert!(
        summary.contains("<a href=\"#q1\">1. "),
        "the first is question 1"
    );
    assert!(
        summary.contains("<br><span class=\"note\">请回答这道题。</span></a>"),
        "each link says what is wrong, not only where: {summary}"
    );
    assert!(
        summary.contains(&format!("另有 {} 道题也没有答完或需要修改", marked - 5)),
        "the rest are counted: {summary}"
    );
    let survey = example_survey();
    let description = page
        .body
        .find(&crate::resident_form::html_escape(&survey.description.zh))
        .expect("the introduction");
    assert!(
        summary_start < description,
        "the summary comes right under the title, before the introduction: a form sent back opens at the top"
    );
    assert!(
        page.body
            .contains(&format!("<title>请修改后再提交：{}", survey.title.zh)),
        "the tab's title says so too"
    );
    // Past the five, each marked question leads on to the next marked one, and a screen
    // reader hears the problem as the question's description when a link lands on it.
    assert_eq!(
        page.body.matches("下一处需要修改：第 ").count(),
        marked - 1,
        "every marked question but the last links on"
    );
    assert!(
        page.body
            .contains("<a href=\"#q2\">下一处需要修改：第 2 题 ↓</a>"),
        "question 1 leads to question 2"
    );
    assert!(
        page.body
            .contains("id=\"q1\" tabindex=\"-1\" aria-describedby=\"q1-e\">"),
        "a marked question takes focus and is described by its problem"
    );
}

#[actix_web::test]
async fn one_unanswered_grid_row_is_one_item_in_english() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut fields: Vec<(String, String)> = valid_fields(&example_survey(), "nanhu")
        .into_iter()
        .filter(|(name, _)| name != "food_categories.meat_poultry_eggs")
        .collect();
    fields.push(("_lang".into(), "en".into()));
    let token = app.form_token(EXAMPLE_ID).await;

    let en = app
        .post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(fields, &token))
        .await;

    assert_eq!(en.status, 422);
    assert!(
        en.body
            .contains("1 item still needs an answer: Meat, poultry and eggs."),
        "{}",
        en.body
    );
}

#[actix_web::test]
async fn unanswered_grid_rows_are_named_apart_even_when_their_labels_hold_commas() {
    let app = spawn_app(Backend::Sqlite).await;
    let survey = example_survey();
    // "肉、禽、蛋" and "蔬菜、水果": joined with "、" they would read as five foods.
    let skipped = [
        "food_categories.meat_poultry_eggs",
        "food_categories.vegetables_fruit",
    ];
    let fields: Vec<(String, String)> = valid_fields(&survey, "nanhu")
        .into_iter()
        .filter(|(name, _)| !skipped.contains(&name.as_str()))
        .collect();
    let mut english = fields.clone();
    english.push(("_lang".into(), "en".into()));

    let token = app.form_token(EXAMPLE_ID).await;
    let zh = app
        .post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(fields, &token))
        .await;
    let en = app
        .post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(english, &token))
        .await;

    assert_eq!((zh.status, en.status), (422, 422));
    assert!(
        zh.body
            .contains("还有 2 个小题没有回答：肉、禽、蛋；蔬菜、水果。"),
        "{}",
        zh.body
    );
    assert!(
        en.body.contains(
            "2 items still need an answer: Meat, poultry and eggs; Vegetables and fruit."
        ),
        "{}",
        en.body
    );
}

#[actix_web::test]
async fn a_browser_that_sent_the_form_is_told_so_when_it_opens_it_again() {
    let app = spawn_app(Backend::Sqlite).await;
    let survey = example_survey();
    let token = app.form_token(EXAMPLE_ID).await;
    let fields = with_token(valid_fields(&survey, "nanhu"), &token);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let path = format!("/s/{EXAMPLE_ID}");

    let sent = crate::accounts::request(&app, "post", &path, None, &fields).await;
    let cookie = sent.set_cookie.clone().expect("a cookie with the thanks");
    let pair = cookie.split(';').next().unwrap().to_owned();
    let again = crate::accounts::request(&app, "get", &path, Some(&pair), &[]).await;
    let fresh = crate::accounts::request(&app, "get", &path, None, &[]).await;

    assert_eq!(sent.status, 303);
    assert!(
        cookie.contains(&format!("Path=/s/{EXAMPLE_ID};")) && cookie.contains("HttpOnly"),
        "this survey's pages only: {cookie}"
    );
    assert!(
        again
            .body
            .contains("<div class=\"box\" role=\"status\">这部手机之前已经提交过这份问卷"),
        "a note, not an alarm: {}",
        again.body
    );
    assert!(
        again.body.contains("name=\"_token\""),
        "the form is still there, for someone else in the household"
    );
    let last_question = again.body.rfind("</fieldset>").expect("questions");
    let by_the_button = again
        .body
        .find("这部手机之前已经提交过这份问卷。如果是您本人刚才已经提交过，就不用再提交了")
        .expect("said again");
    assert!(
        last_question < by_the_button
            && by_the_button
                < again
                    .body
                    .find("<button type=\"submit\" id=\"send\"")
                    .unwrap(),
        "said again by the button, where Back after the thanks page scrolls to"
    );
    assert!(
        !fresh.body.contains("之前已经提交过"),
        "a browser that sent nothing is told nothing"
    );
}

#[actix_web::test]
async fn a_text_box_is_described_by_its_question_s_hints_so_a_screen_reader_says_them_there() {
    let app = spawn_app(Backend::Sqlite).await;

    let page = app.get(&format!("/s/{EXAMPLE_ID}")).await;

    let textarea = &page.body[page
        .body
        .find("<textarea name=\"suggestion\"")
        .expect("the suggestion box")..];
    let textarea = &textarea[..textarea.find('>').unwrap()];
    let described_by = textarea
        .split("aria-describedby=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("described: {textarea}"));
    let hints = &page.body[page
        .body
        .find(&format!("<div id=\"{described_by}\">"))
        .expect("the hints' block")..];
    let hints = &hints[..hints.find("</div>").unwrap()];
    assert!(
        hints.contains("请不要填写姓名、电话等个人信息。") && hints.contains("500"),
        "no personal details, and the length limit: {hints}"
    );
    assert!(!textarea.contains("aria-invalid"), "nothing is wrong yet");
    let skip = page
        .body
        .find("<a class=\"skip\" href=\"#")
        .expect("a keyboard user can skip the introduction");
    assert!(
        skip < page.body.find("<div class=\"bar\">").unwrap(),
        "the first thing Tab reaches, before the text-size and language switches"
    );
}

#[actix_web::test]
async fn an_english_reader_who_opens_the_link_again_reads_it_in_english_until_choosing_chinese() {
    let app = spawn_app(Backend::Sqlite).await;
    let path = format!("/s/{EXAMPLE_ID}");

    let chose = crate::accounts::request(&app, "get", &format!("{path}?lang=en"), None, &[]).await;
    let cookie = chose
        .set_cookies
        .iter()
        .find(|c| c.starts_with("lang="))
        .expect("the choice is remembered")
        .clone();
    let pair = cookie.split(';').next().unwrap().to_owned();
    let again = crate::accounts::request(&app, "get", &path, Some(&pair), &[]).await;
    let results_link = crate::accounts::request(&app, "get", "/", Some(&pair), &[]).await;
    let back =
        crate::accounts::request(&app, "get", &format!("{path}?lang=zh"), Some(&pair), &[]).await;
    let stranger = app.get(&path).await;

    assert_eq!(pair, "lang=en");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Path=/;"),
        "{cookie}"
    );
    assert!(
        again.body.contains("<html lang=\"en\""),
        "the QR code's plain link, in English"
    );
    assert!(
        again.set_cookies.iter().all(|c| !c.starts_with("lang=")),
        "nothing set again"
    );
    assert!(
        results_link.body.contains("<html lang=\"en\""),
        "and the home page"
    );
    assert!(back.body.contains("<html lang=\"zh-CN\""));
    assert!(
        back.set_cookies
            .iter()
            .any(|c| c.starts_with("lang=;") && c.contains("Max-Age=0")),
        "choosing Chinese forgets English: {:?}",
        back.set_cookies
    );
    assert!(
        stranger.body.contains("<html lang=\"zh-CN\""),
        "Chinese for everyone else"
    );
}

#[actix_web::test]
async fn a_phone_set_to_english_reads_the_survey_in_english_from_its_first_visit() {
    let app = spawn_app(Backend::Sqlite).await;
    let path = format!("/s/{EXAMPLE_ID}");
    let open = |languages: &'static str, cookie: Option<&'static str>| {
        let mut request = app
            .client
            .get(app.url(&path))
            .insert_header(("Accept-Language", languages));
        if let Some(cookie) = cookie {
            request = request.insert_header(("Cookie", cookie));
        }
        async move {
            let mut response = request.send().await.expect("GET the form");
            let body = response.body().limit(4 << 20).await.expect("body");
            (
                set_cookies_of(&response),
                String::from_utf8_lossy(&body).into_owned(),
            )
        }
    };

    let (_, english_phone) = open("en-US,en;q=0.9", None).await;
    let (_, chinese_phone) = open("zh-CN,zh;q=0.9,en;q=0.8", None).await;
    let chose_chinese =
        crate::accounts::request(&app, "get", &format!("{path}?lang=zh"), None, &[]).await;
    let (kept, later) = open("en-US,en;q=0.9", Some("lang=zh")).await;

    assert!(
        english_phone.contains("<html lang=\"en\""),
        "no choice to make first"
    );
    assert!(chinese_phone.contains("<html lang=\"zh-CN\""));
    assert!(
        chose_chinese
            .set_cookies
            .iter()
            .all(|c| !c.starts_with("lang=")),
        "nothing to remember where Chinese is what the phone gets anyway"
    );
    assert!(
        later.contains("<html lang=\"zh-CN\"") && kept.iter().all(|c| !c.starts_with("lang=")),
        "a choice of Chinese on an English phone is kept"
    );
}

#[actix_web::test]
async fn behind_a_proxy_that_sends_its_own_host_a_post_from_the_public_address_is_ours() {
    // nginx without `proxy_set_header Host $host`: Host is the upstream, 127.0.0.1:PORT, while
    // the browser's Origin is the address residents use.
    let app = spawn_app_with_settings(Backend::Sqlite, &repo_path("surveys"), |s| {
        s.public_url = Some("https://survey.jiaxing.example".into());
    })
    .await;
    let survey = example_survey();
    let token = app.form_token(EXAMPLE_ID).await;
    let body =
        serde_urlencoded::to_string(with_token(valid_fields(&survey, "nanhu"), &token)).unwrap();
    let path = format!("/s/{EXAMPLE_ID}");
    let form = "application/x-www-form-urlencoded";

    let from_elsewhere = app
        .post_raw(
            &path,
            form,
            body.clone().into_bytes(),
            &[("Origin", "https://evil.example")],
        )
        .await;
    let from_the_public_address = app
        .post_raw(
            &path,
            form,
            body.into_bytes(),
            &[("Origin", "https://survey.jiaxing.example")],
        )
        .await;

    assert_eq!(from_elsewhere.status, 403);
    assert_eq!(
        from_the_public_address.status, 303,
        "{}",
        from_the_public_address.body
    );
    assert_eq!(app.response_count(EXAMPLE_ID), 1);
}

#[actix_web::test]
async fn a_form_sent_while_the_database_is_unreachable_comes_back_with_every_answer() {
    // PostgreSQL lets a test cut one database off: no new connections, the open ones ended.
    let Some(server) = postgres_server() else {
        return;
    };
    use diesel::Connection;
    let app = spawn_app(Backend::Postgres).await;
    let survey = example_survey();
    // The form was shown by another node, or before this one restarted: this process has
    // never rendered it, and the database is gone before anyone posts.
    let token = signed_token(&app, EXAMPLE_ID, 60);
    let name = app
        .db
        .raw_url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let mut admin = diesel::PgConnection::establish(&server).expect("the server");
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .unwrap();
    // Past the second for which a submission trusts the survey's state without a query.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1200)).await;
    let fields = with_token(valid_fields(&survey, "haiyan"), &token);
    let path = format!("/s/{EXAMPLE_ID}");

    let asked = std::time::Instant::now();
    let health = app.get("/healthz").await;
    let health_took = asked.elapsed();
    let asked = std::time::Instant::now();
    let opened = app.get(&path).await;
    let open_took = asked.elapsed();
    let during = app.post_form(&path, &fields).await;
    let api = app.get(&format!("/api/results/{EXAMPLE_ID}")).await;
    admin
        .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .unwrap();
    let mut after = app.post_form(&path, &fields).await;
    if after.status == 503 {
        // A connection the outage dropped may fail once more; the resident presses again.
        after = app.post_form(&path, &fields).await;
    }

    // A load balancer learns of it at once, not after the pool's 10 s.
    assert_eq!(health.status, 503);
    assert!(
        health_took < std::time::Duration::from_secs(5),
        "/healthz took {health_took:?}"
    );
    // A resident opening the link meanwhile gets the form, as the process last read it, to
    // fill in while the database comes back; not a 503 after the pool's 10 s.
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert!(opened.body.contains("name=\"_token\""), "the form itself");
    assert!(
        open_took < std::time::Duration::from_secs(5),
        "the form took {open_took:?}"
    );
    assert_eq!(during.status, 503, "{}", during.body);
    assert!(
        during.body.contains("希望加强农贸市场的检查"),
        "the text typed is back: {}",
        during.body
    );
    assert!(
        during.body.contains(r#"value="haiyan" checked"#),
        "and the county chosen"
    );
    assert_eq!(after.status, 303, "{}", after.body);
    assert_eq!(app.response_count(EXAMPLE_ID), 1);
    // A dashboard reading the results API is told to try again, and when.
    assert_eq!(api.status, 503, "{}", api.body);
    assert_eq!(api.body, r#"{"error":"unavailable"}"#);
    assert!(api.retry_after.is_some(), "Retry-After");
}

#[actix_web::test]
async fn a_chinese_form_on_an_english_phone_without_cookies_stays_chinese() {
    // A phone that asks for English and keeps no cookie (a WeChat browser that drops them):
    // the resident read the form in Chinese (?lang=zh), and the thanks page and the
    // large-text switch must not turn English.
    let app = spawn_app(Backend::Sqlite).await;
    let english_phone = [("Accept-Language", "en-US,en;q=0.9")];
    let token = app.form_token(EXAMPLE_ID).await;
    let mut fields = with_token(valid_fields(&example_survey(), "nanhu"), &token);
    fields.push(("_lang".into(), "zh".into()));
    let body =
        |fields: &[(String, String)]| serde_urlencoded::to_string(fields).unwrap().into_bytes();
    let form = "application/x-www-form-urlencoded";
    let mut switch = fields.clone();
    switch.push(("_switch".into(), "text".into()));

    let larger = app
        .post_raw(
            &format!("/s/{EXAMPLE_ID}?text=large"),
            form,
            body(&switch),
            &english_phone,
        )
        .await;
    let sent = app
        .post_raw(
            &format!("/s/{EXAMPLE_ID}"),
            form,
            body(&fields),
            &english_phone,
        )
        .await;

    assert!(
        larger.body.contains("<html lang=\"zh-CN\" class=\"large\""),
        "{}",
        &larger.body[..200.min(larger.body.len())]
    );
    assert_eq!(sent.status, 303);
    let thanks_at = sent.location.expect("to the thanks page");
    assert!(thanks_at.contains("lang=zh"), "{thanks_at}");
    let mut thanks = app
        .client
        .get(app.url(&thanks_at))
        .insert_header(english_phone[0])
        .send()
        .await
        .unwrap();
    let thanks = String::from_utf8_lossy(&thanks.body().await.unwrap()).into_owned();
    assert!(
        thanks.contains("<html lang=\"zh-CN\""),
        "the thanks page in Chinese"
    );
    // A Chinese phone still gets the plain address.
    let token = app.form_token(EXAMPLE_ID).await;
    let chinese = app
        .post_form(
            &format!("/s/{EXAMPLE_ID}"),
            &with_token(valid_fields(&example_survey(), "haiyan"), &token),
        )
        .await;
    assert_eq!(
        chinese.location.as_deref(),
        Some(format!("/s/{EXAMPLE_ID}/thanks").as_str())
    );
}

/// A form still waiting in the queue when its resident is answered "not saved" is withdrawn, so
/// that "not saved" stays true: were it stored later, a resident who opened the link again and
/// answered anew would be counted twice. PostgreSQL only: there a lock holds the writer on the
/// first form past the deadline, while SQLite's writer gives up on a lock before it (10 s).
#[actix_web::test]
async fn a_form_the_writer_had_not_taken_when_the_resident_was_answered_is_never_stored() {
    if postgres_server().is_none() {
        eprintln!("PostgreSQL not configured (MINYI_TEST_POSTGRES): skipped");
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let survey = example_survey();
    let path = format!("/s/{EXAMPLE_ID}");
    let first = with_token(
        valid_fields(&survey, "jiashan"),
        &app.form_token(EXAMPLE_ID).await,
    );
    let second = with_token(
        valid_fields(&survey, "nanhu"),
        &app.form_token(EXAMPLE_ID).await,
    );
    let other_process = Database::connect(app.db.url.clone(), 1).unwrap();
    let mut other = other_process.conn().unwrap();
    (*other)
        .batch_execute("BEGIN; LOCK TABLE responses IN ACCESS EXCLUSIVE MODE")
        .unwrap();

    let taken = app.post_form(&path, &first);
    let queued = async {
        // Behind the first, which the writer has taken by now.
        actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
        app.post_form(&path, &second).await
    };
    let (taken, queued) = futures_util::future::join(taken, queued).await;
    (*other).batch_execute("COMMIT").unwrap();
    // The writer stores the first, then finds the second withdrawn.
    let mut stored = 0;
    for _ in 0..50 {
        stored = app.response_count(EXAMPLE_ID);
        if stored > 0 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    let stored_after = app.response_count(EXAMPLE_ID);
    let sent_again = app.post_form(&path, &second).await;

    assert_eq!((taken.status, queued.status), (503, 503));
    assert!(
        taken.body.contains("您的回答可能已经保存"),
        "{}",
        taken.body
    );
    assert!(
        queued.body.contains("系统繁忙，这次没能保存"),
        "{}",
        queued.body
    );
    assert_eq!((stored, stored_after), (1, 1), "the first form only");
    assert_eq!(
        sent_again.status, 303,
        "sent again, it is stored: {}",
        sent_again.body
    );
    assert_eq!(app.response_count(EXAMPLE_ID), 2);
}
