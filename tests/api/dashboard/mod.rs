//! The publisher's fieldwork dashboard (issue 6): per county progress against the targets, the
//! margin of error reached, flags and days; opening, closing and publishing from the web with
//! the command line's rules and audit entries; and the progress bulletin, printable and as CSV.

mod bulletin;
mod clearing;
mod import;
mod interviewers;
mod mail;
mod moves;
mod page;
mod preview;
mod results_preview;
mod simulated;

use minyi::accounts::Role;
use minyi::lifecycle::SurveyState;
use minyi::storage::AuditEntry;

use crate::accounts::{add_account, sign_in, Reply};
use crate::helpers::*;

/// Adds an account with `role` and signs it in; returns its `Cookie` header value.
pub async fn signed_in(app: &TestApp, email: &str, role: Role) -> String {
    let password = add_account(app, email, role);
    sign_in(app, email, &password).await
}

pub fn state_of(app: &TestApp) -> SurveyState {
    app.catalog()
        .require(EXAMPLE_ID)
        .expect("the example survey")
        .record
        .state
}

/// The audit entries recording surveys opened, closed and published, oldest first.
pub fn moves_audited(app: &TestApp) -> Vec<AuditEntry> {
    let mut entries: Vec<AuditEntry> = minyi::audit::recent(app.catalog().database(), 1000)
        .expect("audit log")
        .into_iter()
        .filter(|e| e.action.starts_with("survey_") && e.action != "survey_imported")
        .collect();
    entries.reverse();
    entries
}

/// Sends a request with a session cookie and extra headers (a browser on another site adds
/// `Origin` and `Sec-Fetch-Site`); a POST carries `form`.
pub async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    cookie: &str,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Reply {
    let body = (method != "get").then(|| {
        let form = serde_urlencoded::to_string(form).unwrap();
        ("application/x-www-form-urlencoded", form.into_bytes())
    });
    send_body(app, method, path, cookie, body, headers).await
}

/// [`send`] with a body of any type (`(content type, bytes)`; `None` for a GET).
pub async fn send_body(
    app: &TestApp,
    method: &str,
    path: &str,
    cookie: &str,
    body: Option<(&str, Vec<u8>)>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut request = match method {
        "get" => app.client.get(app.url(path)),
        _ => app.client.post(app.url(path)),
    }
    .insert_header(("Cookie", cookie));
    for header in headers {
        request = request.insert_header(*header);
    }
    let mut response = match body {
        None => request.send().await.expect("GET"),
        Some((content_type, body)) => request
            .insert_header(("Content-Type", content_type))
            .send_body(body)
            .await
            .expect("POST"),
    };
    let header = |name: &str| header_of(&response, name);
    let (location, set_cookie) = (header("location"), header("set-cookie"));
    let set_cookies = set_cookies_of(&response);
    let cache_control = header("cache-control");
    let bytes = response
        .body()
        .limit(8 * 1024 * 1024)
        .await
        .expect("body")
        .to_vec();
    assert!(
        response.status().as_u16() >= 300 || cache_control.as_deref() == Some("no-store"),
        "{method} {path}: a signed-in page is never stored (Cache-Control {cache_control:?})"
    );
    Reply {
        status: response.status().as_u16(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        location,
        set_cookie,
        set_cookies,
        bytes,
        frame_options: header_of(&response, "x-frame-options"),
        content_security_policy: header_of(&response, "content-security-policy"),
    }
}

pub async fn get(app: &TestApp, path: &str, cookie: &str) -> Reply {
    send(app, "get", path, cookie, &[], &[]).await
}

/// Opens the confirmation page of `action` (`open`, `close`, `publish`) and returns it with the
/// token its button posts.
pub async fn confirmation(app: &TestApp, action: &str, cookie: &str) -> (Reply, String) {
    let page = get(
        app,
        &format!("/admin/surveys/{EXAMPLE_ID}/{action}?lang=en"),
        cookie,
    )
    .await;
    assert_eq!(page.status, 200, "the {action} confirmation: {}", page.body);
    let token = token_in(&page.body);
    (page, token)
}

/// Presses the confirmation page's button, as a browser on Minyi's own page posts it.
pub async fn confirm(app: &TestApp, action: &str, cookie: &str, token: &str) -> Reply {
    send(
        app,
        "post",
        &format!("/admin/surveys/{EXAMPLE_ID}/{action}"),
        cookie,
        &[("_token", token), ("_lang", "en")],
        &[("Origin", &app.address), ("Sec-Fetch-Site", "same-origin")],
    )
    .await
}

/// The text of the element with `id` up to the end of its table row.
pub fn row<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element {id} in the page"));
    let end = html[start..]
        .find("</tr>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}
