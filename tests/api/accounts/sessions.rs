//! Signing in and out; what the session cookie is and where it is accepted.

use minyi::accounts::Role;
use minyi::startup::Application;

use super::*;

on_both_backends! {
    async fn signing_in_sets_a_strict_http_only_cookie_that_another_server_process_accepts(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = add_account(&app, "li.wei@example.org", Role::Evaluator);
        // A second server process on the same database (as behind a load balancer).
        let settings = settings_for(&app.db, &repo_path("surveys"));
        let second = Application::build(&settings).expect("second process builds");
        let second_url = format!("http://127.0.0.1:{}", second.port());
        actix_web::rt::spawn(second.run_until_stopped());

        let reply = request(&app, "post", "/login", None, &[
            ("email", "Li.Wei@example.org "),
            ("password", &password),
            ("next", "/account"),
        ]).await;

        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(reply.location.as_deref(), Some("/account"));
        let set_cookie = reply.set_cookie.expect("a session cookie");
        for attribute in ["minyi_session=", "HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
            assert!(set_cookie.contains(attribute), "{attribute} in {set_cookie}");
        }
        assert!(!set_cookie.contains("Secure"), "no TLS configured: {set_cookie}");
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let here = request(&app, "get", "/account", Some(&cookie), &[]).await;
        assert_eq!(here.status, 200);
        assert!(here.body.contains("li.wei@example.org"), "the account page names who is signed in");
        let there = app
            .client
            .get(format!("{second_url}/account"))
            .insert_header(("Cookie", cookie.as_str()))
            .send()
            .await
            .expect("GET");
        assert_eq!(there.status().as_u16(), 200, "the other process accepts the cookie");
    }

    async fn signing_out_ends_every_session_of_the_account(backend: Backend) {
        let app = spawn_app(backend).await;
        let password = add_account(&app, "admin@example.org", Role::Admin);
        let phone = sign_in(&app, "admin@example.org", &password).await;
        let laptop = sign_in(&app, "admin@example.org", &password).await;

        let close_page = request(&app, "get", &format!("/admin/surveys/{EXAMPLE_ID}/close"), Some(&laptop), &[]).await;
        let token_before = token_in(&close_page.body);

        let out = request(&app, "post", "/logout", Some(&phone), &[]).await;

        assert_eq!(out.status, 303);
        assert!(out.set_cookie.unwrap_or_default().contains("Max-Age=0"), "the cookie is cleared");
        for (device, cookie) in [("phone", &phone), ("laptop", &laptop)] {
            let after = request(&app, "get", "/account", Some(cookie), &[]).await;
            assert_eq!(after.status, 303, "{device}: signed out");
            assert!(after.location.unwrap_or_default().starts_with("/login"), "{device}");
        }

        // Signed in again, a confirmation page left open from before is not a confirmation.
        let again = sign_in(&app, "admin@example.org", &password).await;
        let form = [("_token", token_before.as_str()), ("_lang", "en")];
        let pressed = request(&app, "post", &format!("/admin/surveys/{EXAMPLE_ID}/close"), Some(&again), &form).await;
        assert_eq!(pressed.status, 422, "{}", pressed.body);
        assert!(pressed.body.contains("This confirmation has expired"), "asked to confirm again: {}", pressed.body);
        assert_eq!(crate::dashboard::state_of(&app), minyi::lifecycle::SurveyState::Open, "still open");
    }

    async fn wrong_passwords_and_unknown_addresses_get_the_same_answer(backend: Backend) {
        let app = spawn_app(backend).await;
        add_account(&app, "li.wei@example.org", Role::Evaluator);

        let wrong = request(&app, "post", "/login", None, &[("email", "li.wei@example.org"), ("password", "not the password")]).await;
        let unknown = request(&app, "post", "/login", None, &[("email", "nobody@example.org"), ("password", "not the password")]).await;

        for reply in [&wrong, &unknown] {
            assert_eq!(reply.status, 422);
            assert!(reply.body.contains("电子邮箱或密码不正确"), "{}", reply.body);
            assert!(reply.set_cookie.is_none(), "no session");
        }
    }
}

#[actix_web::test]
async fn forged_expired_or_edited_cookies_are_not_sessions() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = add_account(&app, "admin@example.org", Role::Admin);
    let cookie = sign_in(&app, "admin@example.org", &password).await;
    let (id, rest) = cookie
        .trim_start_matches("minyi_session=")
        .split_once('.')
        .unwrap();
    let cases = [
        (
            "another account id",
            format!("minyi_session=ffff{id}.{rest}"),
        ),
        ("a garbage value", "minyi_session=abc".to_owned()),
        ("no cookie at all", String::new()),
    ];
    for (what, forged) in cases {
        let reply = request(&app, "get", "/account", Some(&forged), &[]).await;
        assert_eq!(reply.status, 303, "{what}");
    }
}

#[actix_web::test]
async fn the_session_cookie_is_secure_when_configured_for_tls() {
    let app = spawn_app_with_settings(Backend::Sqlite, &repo_path("surveys"), |s| {
        s.secure_cookies = true
    })
    .await;
    let password = add_account(&app, "admin@example.org", Role::Admin);

    let reply = request(
        &app,
        "post",
        "/login",
        None,
        &[("email", "admin@example.org"), ("password", &password)],
    )
    .await;

    assert!(reply.set_cookie.unwrap_or_default().contains("; Secure"));
    let page = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        header_of(&page, "strict-transport-security").as_deref(),
        Some("max-age=31536000"),
        "browsers keep to TLS"
    );
    let plain = spawn_app(Backend::Sqlite).await;
    let page = plain.client.get(plain.url("/")).send().await.unwrap();
    assert_eq!(
        header_of(&page, "strict-transport-security"),
        None,
        "not without TLS"
    );
    // And so are the residents' cookies: the duplicate check's, and the one a sent form leaves.
    let form = request(&app, "get", &format!("/s/{EXAMPLE_ID}"), None, &[]).await;
    let client = form.set_cookie.unwrap_or_default();
    assert!(
        client.starts_with("minyi_client=") && client.contains("; Secure"),
        "{client}"
    );
    let survey = example_survey();
    let fields = with_token(valid_fields(&survey, "nanhu"), &token_in(&form.body));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let sent = request(&app, "post", &format!("/s/{EXAMPLE_ID}"), None, &fields).await;
    let marker = sent.set_cookie.unwrap_or_default();
    assert!(
        marker.starts_with("minyi_sent=") && marker.contains("; Secure"),
        "{marker}"
    );
}

#[actix_web::test]
async fn the_sign_in_page_is_in_both_languages_and_labels_every_field() {
    let app = spawn_app(Backend::Sqlite).await;

    let zh = request(&app, "get", "/login", None, &[]).await;
    let en = request(&app, "get", "/login?lang=en", None, &[]).await;

    assert_eq!(zh.status, 200);
    assert!(zh.body.contains("工作人员登录") && zh.body.contains("<label for=\"email\">"));
    assert!(zh.body.contains("<label for=\"password\">"));
    assert!(en.body.contains("Staff sign-in") && en.body.contains("name=\"_lang\" value=\"en\""));
    assert!(zh.body.contains("autocomplete=\"current-password\""));
}

/// A sign-in forced from elsewhere (login CSRF): a sandboxed frame posts with `Origin: null`.
/// Staff pages send their origin with their own posts (`Referrer-Policy: same-origin`), so
/// "null" is refused there; residents' pages send no referrer at all.
#[actix_web::test]
async fn a_sign_in_posted_with_a_null_origin_is_refused_and_staff_pages_send_their_origin() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = add_account(&app, "admin@example.org", Role::Admin);
    let policy = |response: &awc::ClientResponse<_>| header_of(response, "referrer-policy");
    let login_page = app.client.get(app.url("/login")).send().await.unwrap();
    let survey_page = app
        .client
        .get(app.url(&format!("/s/{EXAMPLE_ID}")))
        .send()
        .await
        .unwrap();
    let body = serde_urlencoded::to_string([
        ("email", "admin@example.org"),
        ("password", password.as_str()),
    ])
    .unwrap();
    let post = |origin: String| {
        app.client
            .post(app.url("/login"))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .insert_header(("Origin", origin))
            .send_body(body.clone())
    };

    let forced = post("null".to_owned()).await.unwrap();
    let own = post(app.address.clone()).await.unwrap();

    assert_eq!(policy(&login_page).as_deref(), Some("same-origin"));
    assert_eq!(
        policy(&survey_page).as_deref(),
        Some("no-referrer"),
        "residents' pages keep theirs"
    );
    assert_eq!(
        forced.status().as_u16(),
        403,
        "Origin: null is refused on sign-in"
    );
    assert!(
        header_of(&forced, "set-cookie").is_none(),
        "and signs no one in"
    );
    assert_eq!(
        own.status().as_u16(),
        303,
        "a post from its own origin signs in"
    );
}

/// Someone reading in English stays in English through signing in: the sign-in page a staff
/// link sends them to, its language switch (which keeps where they were going), and the page
/// after.
#[actix_web::test]
async fn signing_in_keeps_the_language_and_where_one_was_going() {
    let app = spawn_app(Backend::Sqlite).await;
    let password = add_account(&app, "publisher@example.org", Role::Publisher);

    let asked = request(&app, "get", "/admin/surveys?lang=en", None, &[]).await;
    let login = asked.location.expect("sent to sign in");
    assert!(
        login.starts_with("/login?next=") && login.ends_with("&lang=en"),
        "{login}"
    );
    let page = request(&app, "get", &login, None, &[]).await;
    assert!(
        page.body.contains("<html lang=\"en\""),
        "the sign-in page is in English"
    );
    // (handlebars writes = as &#x3D; and & as &amp;)
    assert!(
        page.body
            .contains("href=\"/login?next&#x3D;%2Fadmin%2Fsurveys%3Flang%3Den&amp;lang&#x3D;zh\""),
        "中文 keeps where they were going: {}",
        page.body
    );

    let form = [
        ("email", "publisher@example.org"),
        ("password", password.as_str()),
        ("_lang", "en"),
    ];
    let no_next = request(&app, "post", "/login", None, &form).await;
    assert_eq!(
        no_next.location.as_deref(),
        Some("/account?lang=en"),
        "the account page, in English"
    );
    let with_next = [form.as_slice(), &[("next", "/admin/surveys")]].concat();
    let onward = request(&app, "post", "/login", None, &with_next).await;
    assert_eq!(onward.location.as_deref(), Some("/admin/surveys?lang=en"));

    // A sign-in link made elsewhere cannot send the signed-in publisher on to another site.
    for elsewhere in [
        "https://evil.example/",
        "//evil.example/admin",
        "/\\evil.example",
        "/\t/evil.example",
    ] {
        let with_next = [form.as_slice(), &[("next", elsewhere)]].concat();
        let signed_in = request(&app, "post", "/login", None, &with_next).await;
        assert_eq!(signed_in.status, 303, "{elsewhere:?}");
        assert_eq!(
            signed_in.location.as_deref(),
            Some("/account?lang=en"),
            "{elsewhere:?} is not followed"
        );
    }
}
