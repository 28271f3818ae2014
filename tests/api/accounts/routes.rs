//! Every route, for every role: the expected status of each is written down here, and the test
//! fails when `minyi::web::ROUTES` has a route this table does not name (or the reverse), so a
//! new route cannot go without a decision about who may use it.

use minyi::accounts::{Email, Role};
use minyi::lifecycle::Transition;

use super::*;

/// Who is asking, in the order of the columns below.
const WHO: [&str; 5] = [
    "anonymous",
    "evaluator without grant",
    "evaluator with grant",
    "publisher",
    "admin",
];

/// Method, pattern, and the status for each of `WHO`. 303 for an anonymous visitor means "sent
/// to /login"; 403 means "signed in, but not allowed".
const EXPECTED: &[(&str, &str, [u16; 5])] = &[
    ("get", "/", [200, 200, 200, 200, 200]),
    ("get", "/healthz", [200, 200, 200, 200, 200]),
    ("get", "/metrics", [200, 200, 200, 200, 200]),
    // No icon, and no 404 page for the browser's automatic request either.
    ("get", "/favicon.ico", [204, 204, 204, 204, 204]),
    ("get", "/draft.js", [200, 200, 200, 200, 200]),
    ("get", "/s/{id}", [410, 410, 410, 410, 410]),
    ("post", "/s/{id}", [410, 410, 410, 410, 410]),
    ("get", "/s/{id}/thanks", [200, 200, 200, 200, 200]),
    ("get", "/s/{id}/qr.svg", [410, 410, 410, 410, 410]),
    // An invitation token that was never issued.
    ("get", "/i/{token}", [404, 404, 404, 404, 404]),
    ("post", "/i/{token}", [404, 404, 404, 404, 404]),
    ("get", "/i/{token}/stop", [404, 404, 404, 404, 404]),
    ("post", "/i/{token}/stop", [404, 404, 404, 404, 404]),
    // An interviewer link that was never issued.
    ("get", "/iv/{token}", [404, 404, 404, 404, 404]),
    ("post", "/iv/{token}", [404, 404, 404, 404, 404]),
    ("get", "/results/{id}", [200, 200, 200, 200, 200]),
    (
        "get",
        "/results/{id}/figures.csv",
        [200, 200, 200, 200, 200],
    ),
    (
        "get",
        "/results/{id}/answers.csv",
        [200, 200, 200, 200, 200],
    ),
    ("get", "/api/results/{id}", [200, 200, 200, 200, 200]),
    ("get", "/login", [200, 200, 200, 200, 200]),
    ("post", "/login", [422, 422, 422, 422, 422]),
    ("get", "/account", [303, 200, 200, 200, 200]),
    ("get", "/admin/audit", [303, 403, 403, 403, 200]),
    ("get", "/admin/surveys", [303, 403, 403, 200, 200]),
    ("get", "/admin/import", [303, 403, 403, 200, 200]),
    // An empty post is no file upload, and an empty confirmation carries no file's text.
    ("post", "/admin/import", [303, 403, 403, 400, 400]),
    ("post", "/admin/import/confirm", [303, 403, 403, 400, 400]),
    ("get", "/admin/surveys/{id}", [303, 403, 403, 200, 200]),
    (
        "get",
        "/admin/surveys/{id}/survey.toml",
        [303, 403, 403, 200, 200],
    ),
    // A published survey's form can still be previewed; an empty post is checked, not stored.
    (
        "get",
        "/admin/surveys/{id}/preview",
        [303, 403, 403, 200, 200],
    ),
    (
        "post",
        "/admin/surveys/{id}/preview",
        [303, 403, 403, 422, 422],
    ),
    // Published: the public page itself.
    (
        "get",
        "/admin/surveys/{id}/results",
        [303, 403, 403, 303, 303],
    ),
    // The survey is published before the walk, so every move is refused as final (409); a
    // post without the confirmation page's token would otherwise get that page back.
    ("get", "/admin/surveys/{id}/open", [303, 403, 403, 409, 409]),
    (
        "post",
        "/admin/surveys/{id}/open",
        [303, 403, 403, 409, 409],
    ),
    (
        "get",
        "/admin/surveys/{id}/close",
        [303, 403, 403, 409, 409],
    ),
    (
        "post",
        "/admin/surveys/{id}/close",
        [303, 403, 403, 409, 409],
    ),
    // Already published: to the dashboard, which says so.
    (
        "get",
        "/admin/surveys/{id}/publish",
        [303, 403, 403, 303, 303],
    ),
    (
        "post",
        "/admin/surveys/{id}/publish",
        [303, 403, 403, 303, 303],
    ),
    // Without the dashboard's token nothing is cleared: back to the dashboard.
    (
        "post",
        "/admin/surveys/{id}/clear",
        [303, 403, 403, 303, 303],
    ),
    // Without the dashboard's token nothing is sent again: back to the dashboard.
    (
        "post",
        "/admin/surveys/{id}/mail/retry",
        [303, 403, 403, 303, 303],
    ),
    // The dashboard's interviewer links: the address (a reload) leads to the dashboard;
    // without the dashboard's token nothing is issued or withdrawn.
    (
        "get",
        "/admin/surveys/{id}/interviewers",
        [303, 403, 403, 303, 303],
    ),
    // (A press without the dashboard's token is told it issued nothing.)
    (
        "post",
        "/admin/surveys/{id}/interviewers",
        [303, 403, 403, 422, 422],
    ),
    (
        "post",
        "/admin/surveys/{id}/interviewers/withdraw",
        [303, 403, 403, 303, 303],
    ),
    // Published results keep their simulated responses: refused, with or without the token.
    (
        "get",
        "/admin/surveys/{id}/simulated",
        [303, 403, 403, 409, 409],
    ),
    (
        "post",
        "/admin/surveys/{id}/simulated",
        [303, 403, 403, 409, 409],
    ),
    (
        "get",
        "/admin/surveys/{id}/bulletin",
        [303, 403, 403, 200, 200],
    ),
    (
        "get",
        "/admin/surveys/{id}/bulletin.csv",
        [303, 403, 403, 200, 200],
    ),
    (
        "get",
        "/resultsets/{id}/download",
        [303, 403, 200, 403, 200],
    ),
    (
        "get",
        "/resultsets/{id}/comments.csv",
        [303, 403, 200, 403, 200],
    ),
    // Last: signing out ends the session used for the rows above.
    ("post", "/logout", [303, 303, 303, 303, 303]),
];

#[test]
fn every_route_has_an_expectation_and_every_expectation_a_route() {
    for route in minyi::web::ROUTES {
        assert!(
            EXPECTED
                .iter()
                .any(|(m, p, _)| *m == route.method && *p == route.path),
            "{} {} has no row in EXPECTED: decide who may use it and add one",
            route.method,
            route.path
        );
    }
    for (method, path, _) in EXPECTED {
        assert!(
            minyi::web::ROUTES
                .iter()
                .any(|r| r.method == *method && r.path == *path),
            "{method} {path} is expected but is not a route"
        );
    }
}

on_both_backends! {
    async fn every_route_answers_every_role_as_the_table_says(backend: Backend) {
        let app = spawn_app(backend).await;
        let catalog = app.catalog();
        minyi::analysis::add_simulated(&catalog, EXAMPLE_ID, 1400, 3).expect("simulate");
        catalog.transition(EXAMPLE_ID, Transition::Close).expect("close");
        minyi::publishing::publish(&catalog, EXAMPLE_ID).expect("publish");
        let accounts = accounts(&app);
        let mut cookies: Vec<Option<String>> = vec![None];
        for (email, role) in [
            ("no-grant@example.org", Role::Evaluator),
            ("granted@example.org", Role::Evaluator),
            ("publisher@example.org", Role::Publisher),
            ("admin@example.org", Role::Admin),
        ] {
            let password = add_account(&app, email, role);
            cookies.push(Some(sign_in(&app, email, &password).await));
        }
        accounts
            .grant(&Email::parse("granted@example.org").unwrap(), EXAMPLE_ID, "test")
            .expect("grant");

        let mut wrong = Vec::new();
        for (method, pattern, statuses) in EXPECTED {
            let path = pattern
                .replace("{id}", EXAMPLE_ID)
                .replace("{token}", "never-issued-token");
            for (who, (cookie, expected)) in WHO.iter().zip(cookies.iter().zip(statuses)) {
                let reply = request(&app, method, &path, cookie.as_deref(), &[]).await;
                if reply.status != *expected {
                    wrong.push(format!("{method} {path} as {who}: {} (expected {expected})", reply.status));
                }
                // A refusal too (the 303 to sign in, the 403 page) is never framed by another site.
                let framing = reply.content_security_policy.as_deref().unwrap_or_default();
                if reply.frame_options.as_deref() != Some("DENY") || !framing.contains("frame-ancestors 'none'") {
                    wrong.push(format!("{method} {path} as {who}: X-Frame-Options {:?}, CSP {framing:?}", reply.frame_options));
                }
                // HEAD is a GET without the body: the same answer, decided by the same rule.
                if *method == "get" {
                    let head = request(&app, "head", &path, cookie.as_deref(), &[]).await;
                    if head.status != *expected || !head.body.is_empty() {
                        wrong.push(format!(
                            "head {path} as {who}: {} with {} bytes (expected {expected}, no body)",
                            head.status,
                            head.body.len()
                        ));
                    }
                }
                if *who == "anonymous" && *expected == 303 {
                    let location = reply.location.unwrap_or_default();
                    assert!(location.starts_with("/login?next="), "{method} {path}: {location}");
                }
            }
        }
        assert!(wrong.is_empty(), "unexpected statuses:\n{}", wrong.join("\n"));
    }
}

on_both_backends! {
    // A form on another site that posts to any route (a page the signed-in staff member visits
    // elsewhere, or a resident's browser) is refused before the route reads it: with the
    // admin's session cookie, on an open survey where every move would be allowed, every post
    // route answers 403 and nothing is recorded. A new post route is walked too.
    async fn every_post_from_another_site_is_refused_whatever_the_route(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = add_account(&app, "admin@example.org", Role::Admin);
        let admin = sign_in(&app, "admin@example.org", &password).await;
        // A live interviewer link, and a live invitation (its link read from the mail file).
        let interviewer = minyi::interviewers::issue(&app.catalog(), EXAMPLE_ID, "A07", None, "test").expect("issued").token;
        minyi::invitations::invite(&app.catalog(), EXAMPLE_ID, &crate::mail::addresses(&[("resident@example.org", None)]), crate::mail::invited_on()).expect("invited");
        let invitation = invitation_link(&app).await;
        let audited_before = minyi::audit::recent(app.catalog().database(), 1000).expect("audit").len();
        let stored_before = stored_responses(&app);

        let mut wrong = Vec::new();
        for route in minyi::web::ROUTES.iter().filter(|r| r.method == "post") {
            let path = route.path.replace("{id}", EXAMPLE_ID);
            let path = match path.as_str() {
                "/i/{token}" => invitation.clone(),
                "/i/{token}/stop" => format!("{invitation}/stop"),
                "/iv/{token}" => format!("/iv/{interviewer}"),
                _ => path,
            };
            for headers in [[("Sec-Fetch-Site", "cross-site")], [("Origin", "https://evil.example")]] {
                let reply = crate::dashboard::send(&app, "post", &path, &admin, &[("_lang", "en")], &headers).await;
                if reply.status != 403 {
                    wrong.push(format!("post {path} with {headers:?}: {}", reply.status));
                }
            }
        }
        assert!(wrong.is_empty(), "posts from another site not refused:\n{}", wrong.join("\n"));
        assert_eq!(crate::dashboard::state_of(&app), minyi::lifecycle::SurveyState::Open, "the survey is still open");
        assert_eq!(stored_responses(&app), stored_before, "no response stored");
        assert_eq!(minyi::audit::recent(app.catalog().database(), 1000).expect("audit").len(), audited_before, "nothing recorded");
        let still = request(&app, "get", "/account", Some(&admin), &[]).await;
        assert_eq!(still.status, 200, "still signed in: the sign-out from another site was refused too");
    }
}

/// The invitation link in the one message the mail worker wrote to the outbox (tests write mail
/// as files).
async fn invitation_link(app: &TestApp) -> String {
    let mail = crate::mail::eml_written(app, |_| true).await;
    crate::mail::link_in(&crate::mail::read(mail.as_bytes()).text)
}

fn stored_responses(app: &TestApp) -> usize {
    let catalog = app.catalog();
    minyi::storage::load_responses(&mut catalog.database().conn().unwrap(), EXAMPLE_ID)
        .unwrap()
        .len()
}
