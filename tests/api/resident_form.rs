//! What a resident sees when opening a survey link.

use crate::helpers::*;

on_both_backends! {
    async fn the_example_survey_opens_in_chinese_by_default(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();

        let page = app.get(&format!("/s/{EXAMPLE_ID}")).await;

        assert_eq!(page.status, 200);
        assert!(page.body.contains("<html lang=\"zh-CN\">"), "the page declares Chinese");
        assert!(page.body.contains(&survey.title.zh), "the Chinese title is shown");
        for q in &survey.questions {
            assert!(page.body.contains(&html_escape(&q.text.zh)), "question {} is on the page", q.id);
        }
        assert!(page.body.contains("name=\"_token\""), "the form carries its token");
        assert!(!page.body.contains("<script"), "the page needs no JavaScript");
    }

    async fn english_is_one_parameter_away(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();

        let page = app.get(&format!("/s/{EXAMPLE_ID}?lang=en")).await;

        assert_eq!(page.status, 200);
        assert!(page.body.contains("<html lang=\"en\">"));
        assert!(page.body.contains(&html_escape(&survey.title.en)), "the English title is shown");
        assert!(page.body.contains("name=\"_lang\" value=\"en\""), "the answer keeps the language");
    }

    async fn an_unknown_survey_is_a_friendly_404(backend: Backend) {
        let app = spawn_app(backend).await;

        let page = app.get("/s/no-such-survey").await;

        assert_eq!(page.status, 404);
        assert!(page.body.contains("找不到这份问卷"), "a page in Chinese explains: {}", page.body);
    }

    async fn a_closed_survey_says_so_with_410(backend: Backend) {
        let app = spawn_app(backend).await;
        app.catalog()
            .transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close)
            .expect("close");

        let page = app.get(&format!("/s/{EXAMPLE_ID}")).await;

        assert_eq!(page.status, 410);
        assert!(page.body.contains("调查已经结束"), "{}", page.body);
        assert!(page.body.contains("<a class=\"button\" href=\"/\">返回首页</a>"), "not a dead end: home lists the published results");
    }
}

#[actix_web::test]
async fn a_survey_still_in_draft_is_not_public() {
    let dir = tempfile::tempdir().unwrap();
    let source =
        std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml")).unwrap();
    std::fs::write(
        dir.path().join("draft.toml"),
        source.replace("open_on_import = true", "open_on_import = false"),
    )
    .unwrap();
    let app = spawn_app_with_surveys(Backend::Sqlite, dir.path()).await;

    let page = app.get(&format!("/s/{EXAMPLE_ID}")).await;

    assert_eq!(page.status, 404, "a draft is not shown to residents");
}

#[actix_web::test]
async fn unknown_paths_get_the_friendly_404_page() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app.get("/wp-admin/setup.php?lang=en").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("Survey not found"), "{}", page.body);
}

#[actix_web::test]
async fn the_home_page_links_the_open_survey() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app.get("/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("href=\"/s/{EXAMPLE_ID}\"")),
        "{}",
        page.body
    );
}

#[actix_web::test]
async fn health_reports_the_database_reachable() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app.get("/healthz").await;
    assert_eq!((page.status, page.body.as_str()), (200, "ok"));
}

pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('=', "&#x3D;")
        .replace('`', "&#x60;")
}

on_both_backends! {
    async fn switching_language_or_text_size_mid_form_keeps_every_answer_and_stores_nothing(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let fresh = app.get(&format!("/s/{EXAMPLE_ID}")).await;
        let token = app.form_token(EXAMPLE_ID).await;
        let half_done: Vec<(String, String)> = valid_fields(&survey, "haiyan")
            .into_iter()
            .take(4)
            .collect();
        let switch = |value: &str| {
            let mut fields = with_token(half_done.clone(), &token);
            fields.push(("_lang".into(), "zh".into()));
            fields.push(("_switch".into(), value.into()));
            fields
        };

        let english = app.post_form(&format!("/s/{EXAMPLE_ID}?lang=en"), &switch("lang")).await;
        let large = app.post_form(&format!("/s/{EXAMPLE_ID}?text=large"), &switch("text")).await;

        // On the form, the switches are buttons of the form (a link would lose typed answers),
        // after a hidden copy of the submit button that Enter in a text box presses.
        let bar = &fresh.body[..fresh.body.find("<h1>").unwrap()];
        // (Handlebars writes `=` in attributes as `&#x3D;`, which browsers read as `=`.)
        assert!(bar.contains("form=\"answers\" formaction=\"/s/jiaxing-food-safety-2016?lang&#x3D;en\""), "{bar}");
        assert!(bar.find("class=\"hp\"").unwrap() < bar.find("formaction").unwrap(), "{bar}");
        assert!(fresh.body.contains("<form method=\"post\" action=\"/s/jiaxing-food-safety-2016\" id=\"answers\""));
        for (page, what) in [(&english, "language"), (&large, "text size")] {
            assert_eq!(page.status, 200, "{what}: the form comes back, not an error");
            assert!(page.body.contains("value=\"haiyan\" checked"), "{what}: the county is still ticked");
            for (name, value) in &half_done {
                assert!(
                    page.body.contains(&format!("name=\"{name}\" value=\"{value}\" checked"))
                        || page.body.contains(&format!("value=\"{value}\" checked")),
                    "{what}: {name}={value} kept"
                );
            }
            assert!(page.body.contains(&format!("value=\"{token}\"")), "{what}: the same token");
            assert!(!page.body.contains("class=\"alert\""), "{what}: no complaints about missing answers");
        }
        assert!(english.body.contains("<html lang=\"en\""), "in English");
        assert!(large.body.contains("class=\"large\""), "in large text");
        assert_eq!(app.response_count(EXAMPLE_ID), 0, "nothing stored");
    }
}
