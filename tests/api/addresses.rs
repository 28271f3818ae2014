//! Addresses as people and programs really use them: a link preview or a monitor asks `HEAD`,
//! a hand-typed link gains a trailing slash, a wrong method or a mistyped path arrives. Each
//! gets the answer HTTP defines and a page that says what happened, not "survey not found".

use std::io::{Read, Write};

use actix_web::http::Method;

use crate::helpers::*;

#[actix_web::test]
async fn head_answers_as_get_does_without_a_body() {
    let app = spawn_app(Backend::Sqlite).await;
    for path in [
        "/",
        &format!("/s/{EXAMPLE_ID}"),
        "/healthz",
        "/s/no-such-survey",
    ] {
        let get = app.get(path).await;
        let head = app.request(Method::HEAD, path).await;
        assert_eq!(head.status, get.status, "HEAD {path}");
        assert!(head.body.is_empty(), "HEAD {path} sent a body");
    }
    // A staff page is refused to HEAD exactly as to GET: sent to sign in.
    let head = app.request(Method::HEAD, "/admin/surveys").await;
    assert_eq!(head.status, 303);
    assert!(head
        .location
        .unwrap_or_default()
        .starts_with("/login?next="));
}

#[actix_web::test]
async fn a_known_address_asked_with_another_method_is_405_and_names_the_methods() {
    let app = spawn_app(Backend::Sqlite).await;
    let form = format!("/s/{EXAMPLE_ID}");
    for method in [Method::PUT, Method::DELETE, Method::PATCH] {
        let page = app.request(method.clone(), &form).await;
        assert_eq!(page.status, 405, "{method} {form}");
        assert_eq!(
            page.allow.as_deref(),
            Some("GET, HEAD, POST"),
            "{method} {form}"
        );
        assert!(
            page.body.contains("无法这样打开这个页面"),
            "{method}: {}",
            page.body
        );
        assert!(
            !page.body.contains("找不到这份问卷"),
            "{method}: not a missing survey"
        );
    }
    let page = app.request(Method::DELETE, "/healthz").await;
    assert_eq!(
        (page.status, page.allow.as_deref()),
        (405, Some("GET, HEAD"))
    );
    // A page only posted to says so to a GET.
    let page = app.get("/logout").await;
    assert_eq!((page.status, page.allow.as_deref()), (405, Some("POST")));
    // Method names are case-sensitive: "get" is not GET, for the sign-in check as for the
    // router (it was sent to sign in first, then refused with 405).
    let lower = Method::from_bytes(b"get").unwrap();
    let page = app.request(lower, "/admin/surveys").await;
    assert_eq!(
        (page.status, page.allow.as_deref()),
        (405, Some("GET, HEAD"))
    );
    // OPTIONS is told, and nothing more.
    let page = app.request(Method::OPTIONS, &form).await;
    assert_eq!(
        (page.status, page.allow.as_deref()),
        (204, Some("GET, HEAD, POST"))
    );
    assert!(page.body.is_empty());

    // `OPTIONS *` (no path: the server as a whole, which clients cannot send by URL) is told
    // every method some address takes.
    let host = app.address.trim_start_matches("http://").to_owned();
    let answer = actix_web::web::block(move || {
        let mut stream = std::net::TcpStream::connect(host).expect("connect");
        stream
            .write_all(b"OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        answer
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 204"), "{answer}");
    assert!(
        answer.contains("allow: GET, HEAD, POST, OPTIONS\r\n"),
        "{answer}"
    );
}

#[actix_web::test]
async fn a_trailing_slash_leads_to_the_address_without_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app.get(&format!("/s/{EXAMPLE_ID}/?lang=en")).await;
    assert_eq!(page.status, 301);
    assert_eq!(page.location, Some(format!("/s/{EXAMPLE_ID}?lang=en")));
    let followed = app.get(page.location.as_deref().unwrap()).await;
    assert_eq!(followed.status, 200);

    let page = app.get("/results/").await;
    assert_eq!(
        page.status, 404,
        "/results is no address, so /results/ is not redirected"
    );

    // A form sent to the slashed address is sent on with its method and body (308).
    let page = app
        .post_form(
            &format!("/s/{EXAMPLE_ID}/"),
            &[("county".into(), "nanhu".into())],
        )
        .await;
    assert_eq!(page.status, 308);
    assert_eq!(page.location, Some(format!("/s/{EXAMPLE_ID}")));

    // A method the address does not take is told so at once, with the methods it takes.
    let page = app.request(Method::PUT, &format!("/s/{EXAMPLE_ID}/")).await;
    assert_eq!(
        (page.status, page.allow.as_deref()),
        (405, Some("GET, HEAD, POST")),
        "not \"no such page\": the survey is there"
    );

    // Nothing leads off the site: a path that only looks like another host is not found, and
    // its page's own links (language, text size) lead home rather than there.
    for path in ["//example.org/", "//example.org", "/\\example.org"] {
        let page = app.get(path).await;
        assert_eq!((page.status, &page.location), (404, &None), "{path}");
        assert!(
            !page.body.contains("href=\"//") && !page.body.contains("href=\"/\\"),
            "{path}: {}",
            page.body
        );
        assert!(
            page.body.contains("href=\"/?lang&#x3D;en\""),
            "{path}: {}",
            page.body
        );
    }
}

#[actix_web::test]
async fn a_staff_page_asked_with_a_letter_percent_encoded_is_still_a_staff_page() {
    let app = spawn_app(Backend::Sqlite).await;
    // The router decodes %61 to "a"; the sign-in check must see the same path.
    for path in [
        "/%61dmin/audit".to_owned(),
        "/admin/aud%69t".to_owned(),
        "/%61ccount".to_owned(),
        format!("/%61dmin/surveys/{EXAMPLE_ID}/survey.toml"),
        format!("/resultsets/%6A{}/download", &EXAMPLE_ID[1..]),
    ] {
        for method in [Method::GET, Method::HEAD] {
            let page = app.request(method.clone(), &path).await;
            assert_eq!(page.status, 303, "{method} {path}: {}", page.body);
            assert!(
                page.location
                    .unwrap_or_default()
                    .starts_with("/login?next="),
                "{method} {path}"
            );
        }
    }
}

#[actix_web::test]
async fn an_unknown_address_is_a_missing_page_not_a_missing_survey() {
    let app = spawn_app(Backend::Sqlite).await;
    for path in [
        "/no/such/page",
        "/s/",
        &format!("/s/{EXAMPLE_ID}/thanks/extra"),
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(
            page.body.contains("找不到这个页面"),
            "{path}: {}",
            page.body
        );
        assert!(
            !page.body.contains("问卷"),
            "{path} says nothing of a survey"
        );
        assert!(page.body.contains("href=\"/\""), "{path} leads home");
    }
    let page = app.get("/wp-admin/setup.php?lang=en").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("Page not found"), "{}", page.body);
    // A survey id that is not there is still said to be a missing survey.
    let page = app.get("/s/no-such-survey").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("找不到这份问卷"));
}

#[actix_web::test]
async fn the_home_page_is_kept_a_minute_and_an_error_page_never() {
    let app = spawn_app(Backend::Sqlite).await;
    let headers = |method: Method, path: &'static str| {
        let app = &app;
        async move {
            let response = app
                .client
                .request(method, app.url(path))
                .send()
                .await
                .expect("request");
            let status = response.status().as_u16();
            (
                status,
                header_of(&response, "cache-control"),
                header_of(&response, "vary"),
            )
        }
    };

    let (status, cache_control, vary) = headers(Method::GET, "/").await;
    assert_eq!(status, 200);
    assert_eq!(
        cache_control.as_deref(),
        Some("public, max-age=60"),
        "a poster's crowd is served from caches"
    );
    assert_eq!(
        vary.as_deref(),
        Some("Cookie, Accept-Language"),
        "one copy per language and text size"
    );

    for (method, path, expected) in [
        (Method::GET, "/s/no-such-survey", 404),
        (Method::GET, "/no/such/page", 404),
        (Method::DELETE, "/healthz", 405),
    ] {
        let (status, cache_control, _) = headers(method.clone(), path).await;
        assert_eq!(status, expected, "{method} {path}");
        assert_eq!(
            cache_control.as_deref(),
            Some("no-store"),
            "{method} {path}: an error is of its moment, not kept"
        );
    }
}
