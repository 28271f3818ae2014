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
        assert!(
            page.body.contains("<summary>隐私说明</summary><p>本调查匿名进行")
                && page.body.contains("手机型号。</p><p>您的回答只用于统计分析"),
            "the privacy notice is read point by point, a paragraph a line of the file"
        );
        assert_eq!(page.body.matches("<script").count(), 1, "one script, the phone's copy of the answers (below)");
        let set_apart: Vec<&str> = page.body.split("<label class=\"opt dk\">").skip(1).collect();
        assert!(set_apart.len() > 5, "a scale's \"don't know\" is set apart from its points");
        assert!(set_apart.iter().all(|label| label.split('>').next().unwrap().ends_with("value=\"dk\"")), "and nothing else is");
        assert!(page.body.contains("<label class=\"opt\"><input type=\"radio\" name=\"knowledge_expired\" value=\"dk\">"), "a plain question's last option is one like the others");
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

    async fn a_survey_whose_results_are_published_leads_from_its_old_link_to_them(backend: Backend) {
        let app = spawn_app(backend).await;
        minyi::analysis::add_simulated(&app.catalog(), EXAMPLE_ID, 700, 3).expect("simulated");
        app.catalog().transition(EXAMPLE_ID, minyi::lifecycle::Transition::Close).expect("close");
        minyi::publishing::publish(&app.catalog(), EXAMPLE_ID).expect("published");

        let page = app.get(&format!("/s/{EXAMPLE_ID}")).await;

        assert_eq!(page.status, 410);
        assert!(page.body.contains(&format!("<a class=\"button\" href=\"/results/{EXAMPLE_ID}\">查看这次调查的结果</a>")), "{}", page.body);
    }
}

#[actix_web::test]
async fn only_the_exceptions_are_tagged_and_a_question_asked_after_some_answer_is_if_it_applies() {
    let app = spawn_app(Backend::Sqlite).await;
    let survey = example_survey();
    let position = |wanted: fn(&minyi::survey::Question) -> bool| {
        survey
            .questions
            .iter()
            .position(wanted)
            .expect("the example has such a question")
            + 1
    };
    let conditional = position(|q| q.show_if.is_some() && q.required);
    let conditional_optional = position(|q| q.show_if.is_some() && !q.required);
    let required = position(|q| q.show_if.is_none() && q.required);
    let optional = position(|q| q.show_if.is_none() && !q.required);

    let page = app.get(&format!("/s/{EXAMPLE_ID}")).await;
    let english = app.get(&format!("/s/{EXAMPLE_ID}?lang=en")).await;

    let legend = |body: &str, n: usize| {
        let start = body
            .find(&format!("<legend id=\"q{n}-t\">"))
            .expect("the legend");
        body[start..start + body[start..].find("</legend>").unwrap()].to_owned()
    };
    // Most of the example's questions must be answered: they carry no tag, the one optional
    // question says so, and one line above the first question says what that means.
    assert!(
        !legend(&page.body, required).contains("class=\"tag\""),
        "{}",
        legend(&page.body, required)
    );
    assert!(
        legend(&page.body, optional).contains("可以不答"),
        "{}",
        legend(&page.body, optional)
    );
    assert!(page
        .body
        .contains("除注明“可以不答”的题目外，每道题都请回答。"));
    assert!(
        !page.body.contains(">必答<"),
        "no question is tagged required"
    );
    assert!(english
        .body
        .contains("Please answer every question not marked “Optional”."));
    // An old WebView without CSS :has() shows a conditional question to everyone: "必答" would
    // contradict the hint saying when to answer.
    assert!(
        legend(&page.body, conditional).contains("视情况回答"),
        "{}",
        legend(&page.body, conditional)
    );
    // One that may be skipped even when it applies says so, as any optional question does.
    let tag = legend(&page.body, conditional_optional);
    assert!(
        tag.contains("可以不答") && !tag.contains("视情况回答"),
        "{tag}"
    );
}

#[actix_web::test]
async fn a_survey_of_mostly_optional_questions_tags_the_required_ones() {
    // Every question optional but the county, sex and age band the weighting needs.
    let dir = example_survey_dir(|source| {
        source
            .replace("required = false\n", "")
            .replace("[[questions]]\n", "[[questions]]\nrequired = false\n")
            .replacen("required = false\n", "required = true\n", 3)
    });
    let app = spawn_app_with_surveys(Backend::Sqlite, dir.path()).await;
    let survey = app.catalog().require(EXAMPLE_ID).unwrap().definition;
    let required = survey
        .questions
        .iter()
        .position(|q| q.show_if.is_none() && q.required);

    let page = app.get(&format!("/s/{EXAMPLE_ID}")).await;

    assert!(
        !page.body.contains(">可以不答<"),
        "the optional ones are the rule here, untagged"
    );
    let n = required.expect("the county is required") + 1;
    let start = page.body.find(&format!("<legend id=\"q{n}-t\">")).unwrap();
    assert!(
        page.body[start..]
            .split("</legend>")
            .next()
            .unwrap()
            .contains("必答"),
        "the exception is tagged"
    );
    assert!(page
        .body
        .contains("注明“必答”的题目请一定回答，其他题目可以不答。"));
}

#[actix_web::test]
async fn grid_rows_coded_like_the_questions_own_parts_keep_every_id_unique() {
    // One-letter row codes are common (a, b, c…); `t`, `h` and `e` are also what a question's
    // legend, hints and problem are called after its anchor, and codes may hold '-'.
    let dir = example_survey_dir(|source| {
        source
            .replace("code = \"grain_oil\"", "code = \"t\"")
            .replace("code = \"meat_poultry_eggs\"", "code = \"h\"")
            .replace("code = \"aquatic\"", "code = \"e\"")
            // And a row's problem is named after its row: row e's must not be row e-e's name.
            .replace("code = \"dairy\"", "code = \"e-e\"")
    });
    let app = spawn_app_with_surveys(Backend::Sqlite, dir.path()).await;
    let token = app.form_token(EXAMPLE_ID).await;
    let fresh = app.get(&format!("/s/{EXAMPLE_ID}")).await;
    // Nothing answered: every question is marked.
    let marked = app
        .post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(Vec::new(), &token))
        .await;
    // Everything but the row coded e: that row is marked, with a problem of its own.
    let survey = app.catalog().require(EXAMPLE_ID).unwrap().definition;
    let mut fields = valid_fields(&survey, "nanhu");
    fields.retain(|(name, _)| name != "food_categories.e");
    let one_row = app
        .post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(fields, &token))
        .await;

    assert_eq!((marked.status, one_row.status), (422, 422));
    assert!(
        one_row.body.contains(".e\" tabindex=\"-1\""),
        "the row coded e is marked"
    );
    for (what, page) in [
        ("a fresh form", &fresh.body),
        ("a marked form", &marked.body),
        ("a form with one row marked", &one_row.body),
    ] {
        let mut ids: Vec<&str> = page
            .split(" id=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap())
            .collect();
        let all = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all, "{what}: every id once");
    }
    assert!(
        fresh.body.contains(".e\"><legend>"),
        "the row coded e has its own anchor"
    );
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

        // Sent with problems, then switched: the problems stay marked, in the new language.
        let marked = app.post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(half_done.clone(), &token)).await;
        assert_eq!(marked.status, 422);
        assert!(marked.body.contains("name=\"_checked\" value=\"1\""), "the form says it was checked");
        let problems = |body: &str| body.matches("class=\"problem\"").count();
        let mut sent_back = with_token(half_done.clone(), &token);
        sent_back.extend([("_lang".into(), "zh".into()), ("_checked".into(), "1".into()), ("_switch".into(), "text".into())]);
        let larger = app.post_form(&format!("/s/{EXAMPLE_ID}?text=large"), &sent_back).await;
        sent_back.pop();
        sent_back.push(("_switch".into(), "lang".into()));
        let in_english = app.post_form(&format!("/s/{EXAMPLE_ID}?lang=en"), &sent_back).await;
        assert!(problems(&marked.body) > 0);
        assert_eq!(problems(&larger.body), problems(&marked.body), "large text keeps every problem marked");
        assert_eq!(problems(&in_english.body), problems(&marked.body), "so does English");
        assert!(larger.body.contains("class=\"alert\"") && in_english.body.contains("class=\"alert\""), "with the summary");
        assert!(in_english.body.contains("<html lang=\"en\""));
        assert_eq!(app.response_count(EXAMPLE_ID), 0, "nothing stored");
    }
}

#[actix_web::test]
async fn a_number_question_shows_its_unit_after_the_box_and_takes_it_typed_too() {
    let surveys = example_survey_dir(|file| {
        file + r#"
[[questions]]
id = "household"
kind = "number"
zh = "您家里有几口人？"
en = "How many people live in your household?"
min = 1
max = 20
integer = true
unit = { zh = "人", en = "people" }
"#
    });
    let app = spawn_app_with_surveys(Backend::Sqlite, surveys.path()).await;
    let file = surveys.path().join("jiaxing-food-safety-2016.toml");
    let survey =
        minyi::survey::Survey::from_toml(&std::fs::read_to_string(&file).unwrap(), "edited")
            .unwrap();

    let form = app.get(&format!("/s/{EXAMPLE_ID}")).await;
    let mut fields: Vec<(String, String)> = valid_fields(&survey, "nanhu")
        .into_iter()
        .filter(|(name, _)| name != "household")
        .collect();
    fields.push(("household".into(), "４人".into()));
    let token = app.form_token(EXAMPLE_ID).await;
    let sent = app
        .post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(fields, &token))
        .await;

    assert!(
        form.body
            .contains(r#"inputmode="numeric" name="household""#),
        "a whole number gets the digits keypad"
    );
    let anchor = format!("q{}", survey.questions.len());
    assert!(
        form.body
            .contains(&format!(r#"<span class="unit" id="{anchor}-u">人</span>"#)),
        "the unit follows the box"
    );
    assert!(
        form.body
            .contains(&format!(r#"aria-labelledby="{anchor}-t {anchor}-u""#)),
        "and is part of its name: a screen reader says \"… 人\""
    );
    assert_eq!(sent.status, 303, "\"４人\" is read as 4: {}", sent.body);
    let stored = stored_answers(&app, EXAMPLE_ID);
    assert_eq!(
        stored[0].1.get("household"),
        Some(&minyi::survey::Answer::Number(4.0))
    );
}

#[actix_web::test]
async fn a_long_form_comes_in_parts_that_say_where_the_resident_is() {
    let app = spawn_app(Backend::Sqlite).await;
    let survey = example_survey();
    let starts: Vec<usize> = survey
        .questions
        .iter()
        .enumerate()
        .filter(|(_, q)| q.section.is_some())
        .map(|(i, _)| i + 1)
        .collect();
    assert!(starts.len() >= 3, "the example comes in parts");

    let page = app.get(&format!("/s/{EXAMPLE_ID}")).await;
    let english = app.get(&format!("/s/{EXAMPLE_ID}?lang=en")).await;

    let total = starts.len();
    for (part, &first) in starts.iter().enumerate() {
        let last = starts
            .get(part + 1)
            .map_or(survey.questions.len(), |next| next - 1);
        let heading = survey.questions[first - 1].section.as_ref().unwrap();
        let (zh_questions, en_questions) = if first == last {
            (format!("第 {first} 题"), format!("question {first}"))
        } else {
            (
                format!("第 {first}–{last} 题"),
                format!("questions {first}–{last}"),
            )
        };
        let place = format!("第 {} 部分，共 {total} 部分 · {zh_questions}", part + 1);
        let at = page
            .body
            .find(&place)
            .unwrap_or_else(|| panic!("{place} on the page"));
        let question = page
            .body
            .find(&format!("<legend id=\"q{first}-t\">"))
            .unwrap();
        assert!(
            at < question,
            "part {} is announced before question {first}",
            part + 1
        );
        assert!(
            page.body[..at].ends_with(&format!("{}<span class=\"note\">", heading.zh)),
            "the heading, then where it is"
        );
        assert!(english
            .body
            .contains(&format!("Part {} of {total} · {en_questions}", part + 1)));
    }
}

/// The address of the one script a page loads, if it loads one.
fn script_of(html: &str) -> Option<String> {
    let at = html.find("<script src=\"")? + "<script src=\"".len();
    Some(html[at..at + html[at..].find('"')?].to_owned())
}

#[actix_web::test]
async fn a_phone_keeps_the_unsent_answers_with_a_script_the_form_can_do_without() {
    let app = spawn_app(Backend::Sqlite).await;
    let form_path = format!("/s/{EXAMPLE_ID}");
    let reply = app
        .client
        .get(app.url(&form_path))
        .send()
        .await
        .expect("the form");
    let policy = header_of(&reply, "content-security-policy").expect("a policy");
    let fresh = app.get(&form_path).await;
    let script_path = script_of(&fresh.body).expect("the form loads its script");
    let mut script_reply = app
        .client
        .get(app.url(&script_path))
        .send()
        .await
        .expect("the script");
    let script = script_reply.body().await.expect("its text");

    assert_eq!(
        policy
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src")),
        Some("script-src 'self'"),
        "only Minyi's own script files may run, no inline script: {policy}"
    );
    assert!(
        fresh
            .body
            .contains(&format!("<script src=\"{script_path}\" defer>")),
        "it never holds up the page"
    );
    assert!(
        fresh.body.contains(&format!(
            "data-draft=\"minyi:draft:{EXAMPLE_ID}\" data-draft-days=\"3\""
        )),
        "the form says where its answers are kept, and for how long"
    );
    assert!(
        fresh.body.contains(" data-draft-restore>"),
        "a fresh form takes back the answers kept"
    );
    assert!(
        fresh.body.contains("<p class=\"note\" id=\"draft-kept\" hidden>没填完的答案会暂时存在这部手机上，不会发给任何人。3天内"),
        "the resident is told, where the script runs"
    );
    assert_eq!(script_reply.status().as_u16(), 200);
    assert_eq!(
        header_of(&script_reply, "content-type").as_deref(),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(
        header_of(&script_reply, "cache-control").as_deref(),
        Some("public, max-age=31536000, immutable"),
        "its address names its content, so a phone downloads it once"
    );
    let script = String::from_utf8(script.to_vec()).expect("UTF-8");
    assert!(
        script.contains("localStorage")
            && !script.contains("fetch(")
            && !script.contains("XMLHttpRequest"),
        "it keeps, and sends nothing"
    );

    let survey = example_survey();
    let mut fields = valid_fields(&survey, "nanhu");
    fields.retain(|(name, _)| name != "overall_satisfaction");
    let token = app.form_token(EXAMPLE_ID).await;
    let sent_back = app.post_form(&form_path, &with_token(fields, &token)).await;
    let thanks = app.get_thanks(&format!("/s/{EXAMPLE_ID}/thanks")).await;
    let home = app.get("/").await;

    assert_eq!(sent_back.status, 422, "{}", sent_back.body);
    assert!(
        sent_back.body.contains("data-draft=") && !sent_back.body.contains("data-draft-restore"),
        "a form sent back holds the answers as they are: nothing older is put back into it"
    );
    assert!(
        thanks.body.contains(&format!(
            "<span hidden data-draft-done=\"minyi:draft:{EXAMPLE_ID}\" data-draft-days=\"3\"></span>"
        )) && script_of(&thanks.body).is_some(),
        "the thank-you page deletes the answers kept"
    );
    assert_eq!(script_of(&home.body), None, "other pages load no script");
}
