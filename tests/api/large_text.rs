//! Large text for older readers: one link away, remembered by a cookie that identifies no one.

use crate::helpers::*;
use crate::resident_form::html_escape;

struct Answer {
    status: u16,
    body: String,
    set_cookie: Vec<String>,
}

async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> Answer {
    let mut request = app.client.get(app.url(path));
    if let Some(cookie) = cookie {
        request = request.insert_header(("Cookie", cookie));
    }
    let mut response = request.send().await.expect("GET");
    // The survey form also sets the random duplicate-check cookie (docs/privacy.md, tested in
    // privacy/duplicates.rs); this file is about the text-size cookie only.
    let set_cookie = response
        .headers()
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .filter(|v| !v.starts_with("minyi_client="))
        .map(str::to_owned)
        .collect();
    let body = response.body().limit(1 << 22).await.expect("body");
    Answer {
        status: response.status().as_u16(),
        body: String::from_utf8_lossy(&body).into_owned(),
        set_cookie,
    }
}

/// A button of the survey form that posts it (answers and all) to `action`, as the page writes
/// it (handlebars escapes `=` and `&` in attributes): on a form page, switching text size must not lose what the resident has typed.
fn form_button_to(action: &str, text: &str) -> String {
    format!(
        "form=\"answers\" formaction=\"{}\" formnovalidate name=\"_switch\" value=\"text\">{text}</button>",
        html_escape(action)
    )
}

fn is_large(html: &str) -> bool {
    html.contains("<html lang=\"zh-CN\" class=\"large\">")
        || html.contains("<html lang=\"en\" class=\"large\">")
}

#[actix_web::test]
async fn the_survey_offers_large_text_and_remembers_the_choice_in_a_cookie() {
    let app = spawn_app(Backend::Sqlite).await;
    let survey = format!("/s/{EXAMPLE_ID}");

    let fresh = get(&app, &survey, None).await;
    assert!(!is_large(&fresh.body), "normal text by default");
    assert!(
        fresh.set_cookie.is_empty(),
        "no cookie unless asked: {:?}",
        fresh.set_cookie
    );
    assert!(
        fresh
            .body
            .contains(&form_button_to(&format!("{survey}?text=large"), "大字")),
        "the form offers large text: {}",
        &fresh.body[..fresh.body.find("<h1>").unwrap_or(0)]
    );

    let chosen = get(&app, &format!("{survey}?text=large"), None).await;
    assert_eq!(chosen.status, 200);
    assert!(is_large(&chosen.body), "large text at once");
    assert_eq!(chosen.set_cookie.len(), 1, "{:?}", chosen.set_cookie);
    assert!(
        chosen.set_cookie[0].starts_with("text=large;"),
        "the cookie says only 'large', the same for everyone: {}",
        chosen.set_cookie[0]
    );
    assert!(
        chosen.body.contains(&form_button_to(
            &format!("{survey}?text=normal"),
            "标准字号"
        )),
        "and offers normal text again"
    );

    let home = get(&app, "/?lang=en", Some("text=large")).await;
    assert!(
        is_large(&home.body),
        "remembered on every page, in either language"
    );
    assert!(
        home.body.contains(&format!(
            "href=\"{}\"",
            html_escape("/?text=normal&lang=en")
        )),
        "the link keeps the language"
    );

    let back = get(&app, &format!("{survey}?text=normal"), Some("text=large")).await;
    assert!(!is_large(&back.body), "normal text again");
    assert!(
        back.set_cookie
            .iter()
            .any(|c| c.starts_with("text=;") && c.contains("Max-Age=0")),
        "the cookie is removed: {:?}",
        back.set_cookie
    );
}

#[actix_web::test]
async fn a_form_sent_back_with_a_problem_has_no_link_that_would_lose_the_answers() {
    // (Its text-size and language controls are buttons posting the form: tested with the
    // answers they keep in resident_form.rs.)
    let app = spawn_app(Backend::Sqlite).await;
    let survey = example_survey();
    let token = app.form_token(EXAMPLE_ID).await;
    let fields: Vec<_> = valid_fields(&survey, "nanhu")
        .into_iter()
        .filter(|(name, _)| name != "overall_satisfaction")
        .collect();

    let page = app
        .post_form(&format!("/s/{EXAMPLE_ID}"), &with_token(fields, &token))
        .await;

    assert_eq!(page.status, 422);
    assert!(
        !page
            .body
            .contains("href=\"/s/jiaxing-food-safety-2016?text"),
        "no text-size link on a filled-in form"
    );
    assert!(
        page.body.contains(&form_button_to(
            &format!("/s/{EXAMPLE_ID}?text=large"),
            "大字"
        )),
        "a button that sends the answers along instead"
    );
}
