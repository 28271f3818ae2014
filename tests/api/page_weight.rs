//! Page weight: what a resident's phone downloads before it can show the first question, on the
//! wire, compressed as the server sends it. The budget is 16 KiB for the whole page (HTML, CSS
//! and any script or image it loads); LimeSurvey's default theme sends about 320 KiB (gzip) of
//! CSS and JavaScript before its first question.

use crate::helpers::*;

/// The most a survey page may weigh on the wire, everything it loads included.
const BUDGET_BYTES: usize = 16 * 1024;

/// One response as it crossed the wire: the status line and headers, and the body exactly as
/// sent (awc is built without decompression, so these are the compressed bytes).
struct WireResponse {
    status: u16,
    content_encoding: Option<String>,
    header_bytes: usize,
    body: Vec<u8>,
}

impl WireResponse {
    fn bytes(&self) -> usize {
        self.header_bytes + self.body.len()
    }
}

async fn fetch(app: &TestApp, method: &str, path: &str, form: Option<String>) -> WireResponse {
    let request = match method {
        "POST" => app
            .client
            .post(app.url(path))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded")),
        _ => app.client.get(app.url(path)),
    }
    .insert_header(("Accept-Encoding", "gzip"));
    let mut response = match form {
        Some(body) => request.send_body(body).await,
        None => request.send().await,
    }
    .expect("request");
    let header_bytes = "HTTP/1.1 200 OK\r\n\r\n".len()
        + response
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum::<usize>();
    let body = response.body().limit(4 * 1024 * 1024).await.expect("body");
    WireResponse {
        status: response.status().as_u16(),
        content_encoding: response
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        header_bytes,
        body: body.to_vec(),
    }
}

/// Every address a page makes the browser load by itself: stylesheets, scripts, images, frames,
/// icons. (Links a resident may follow are not part of the page's weight.)
fn subresources(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let name = tag.split_whitespace().next().unwrap_or_default();
        let attribute = match name.to_ascii_lowercase().as_str() {
            "script" | "img" | "iframe" | "source" | "audio" | "video" | "embed" => "src=",
            "link" if !tag.contains("rel=\"alternate\"") => "href=",
            _ => continue,
        };
        if let Some(start) = tag.find(attribute) {
            let value = tag[start + attribute.len()..].trim_start_matches(['"', '\'']);
            let end = value.find(['"', '\'', ' ']).unwrap_or(value.len());
            found.push(value[..end].to_owned());
        }
    }
    found
}

/// The page and everything it loads, in bytes on the wire.
async fn whole_transfer(app: &TestApp, page: WireResponse, what: &str) -> usize {
    assert_eq!(
        page.content_encoding.as_deref(),
        Some("gzip"),
        "{what}: a phone that accepts gzip gets gzip"
    );
    let html = gunzip(&page.body);
    let mut total = page.bytes();
    for address in subresources(&html) {
        assert!(
            address.starts_with('/') && !address.starts_with("//"),
            "{what}: loads {address} from another site"
        );
        let sub = fetch(app, "GET", &address, None).await;
        assert_eq!(sub.status, 200, "{what}: {address} loads");
        total += sub.bytes();
    }
    total
}

fn gunzip(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut html = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut html)
        .expect("the body is valid gzip holding UTF-8");
    html
}

#[test]
fn subresources_are_found_and_links_are_not() {
    let html = r#"<link rel="stylesheet" href="/a.css"><script src='/b.js'></script>
        <a href="/s/x">go</a><img src="/c.png" alt=""><form action="/s/x"></form>"#;
    assert_eq!(subresources(html), ["/a.css", "/b.js", "/c.png"]);
}

#[actix_web::test]
async fn the_survey_page_weighs_at_most_16_kib_on_the_wire() {
    let app = spawn_app(Backend::Sqlite).await;
    for (what, path) in [
        ("the survey in Chinese", format!("/s/{EXAMPLE_ID}")),
        ("the survey in English", format!("/s/{EXAMPLE_ID}?lang=en")),
        (
            "the survey in large text",
            format!("/s/{EXAMPLE_ID}?text=large"),
        ),
    ] {
        let page = fetch(&app, "GET", &path, None).await;
        assert_eq!(page.status, 200, "{what}");
        let total = whole_transfer(&app, page, what).await;
        println!("{what}: {total} bytes on the wire (budget {BUDGET_BYTES})");
        assert!(
            total <= BUDGET_BYTES,
            "{what} weighs {total} bytes on the wire, over the {BUDGET_BYTES}-byte budget"
        );
    }
}

#[actix_web::test]
async fn the_survey_sent_back_with_a_problem_stays_within_the_budget() {
    let app = spawn_app(Backend::Sqlite).await;
    let survey = example_survey();
    let token = app.form_token(EXAMPLE_ID).await;
    // Every answer given, plus the longest suggestion allowed, and the county left out.
    let mut fields: Vec<(String, String)> = valid_fields(&survey, "nanhu")
        .into_iter()
        .filter(|(name, _)| name != &survey.strata.question)
        .map(|(name, value)| match name.as_str() {
            "suggestion" => (name, "农贸市场".repeat(125)),
            _ => (name, value),
        })
        .collect();
    fields.push(("_token".into(), token));
    let body = serde_urlencoded::to_string(&fields).expect("encode");

    let page = fetch(&app, "POST", &format!("/s/{EXAMPLE_ID}"), Some(body)).await;

    assert_eq!(page.status, 422, "the form comes back with its problem");
    let total = whole_transfer(&app, page, "the form with a problem").await;
    println!("the form with a problem: {total} bytes on the wire (budget {BUDGET_BYTES})");
    assert!(
        total <= BUDGET_BYTES,
        "the form with a problem weighs {total} bytes, over the {BUDGET_BYTES}-byte budget"
    );
}
