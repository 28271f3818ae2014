//! A generated corpus of malformed requests: whatever a client sends, the answer is a 2xx, 3xx
//! or 4xx page, never a 5xx, a panic or a dropped connection.

use actix_web::http::Method;

use crate::helpers::*;

const PATH: &str = "/s/jiaxing-food-safety-2016";
const FORM: &str = "application/x-www-form-urlencoded";

struct Case {
    what: String,
    method: Method,
    path: String,
    content_type: Option<String>,
    body: Vec<u8>,
}

fn case(
    what: impl Into<String>,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Case {
    Case {
        what: what.into(),
        method,
        path: path.to_owned(),
        content_type: content_type.map(str::to_owned),
        body,
    }
}

fn encode(fields: &[(String, String)]) -> Vec<u8> {
    serde_urlencoded::to_string(fields).unwrap().into_bytes()
}

const NASTY: [&str; 16] = [
    "' OR '1'='1",
    "nanhu'; DROP TABLE responses; --",
    "<script>alert(1)</script>",
    "{{#each this}}{{this}}{{/each}}",
    "{{{t.site_name}}}",
    "\u{0}\u{0}\u{0}",
    "\r\nSet-Cookie: a=b",
    "../../../../etc/passwd",
    "\u{202e}gnp.exe",
    "🥟🥟🥟🥟",
    "-1",
    "99999999999999999999999999",
    "NaN",
    "1e308",
    "",
    "   ",
];

/// At least 500 requests that are wrong in one way each (or several).
fn corpus(fields: &[(String, String)], token: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let valid = with_token(fields.to_vec(), token);
    // Every field dropped, emptied, given each nasty value, repeated and renamed.
    for (index, (name, _)) in valid.iter().enumerate() {
        let without: Vec<_> = valid
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != index)
            .map(|(_, f)| f.clone())
            .collect();
        cases.push(case(
            format!("{name} missing"),
            Method::POST,
            PATH,
            Some(FORM),
            encode(&without),
        ));
        for nasty in NASTY {
            let mut changed = valid.clone();
            changed[index].1 = nasty.to_owned();
            cases.push(case(
                format!("{name} = {nasty:?}"),
                Method::POST,
                PATH,
                Some(FORM),
                encode(&changed),
            ));
        }
        let mut repeated = valid.clone();
        repeated.push((name.clone(), "999".into()));
        cases.push(case(
            format!("{name} twice"),
            Method::POST,
            PATH,
            Some(FORM),
            encode(&repeated),
        ));
        let mut huge = valid.clone();
        huge[index].1 = "字".repeat(20_000);
        cases.push(case(
            format!("{name} huge"),
            Method::POST,
            PATH,
            Some(FORM),
            encode(&huge),
        ));
    }
    // Unknown fields, field names that are themselves nasty.
    for nasty in NASTY {
        let mut extra = valid.clone();
        extra.push((nasty.to_owned(), "x".into()));
        cases.push(case(
            format!("unknown field {nasty:?}"),
            Method::POST,
            PATH,
            Some(FORM),
            encode(&extra),
        ));
    }
    // Bad tokens.
    for bad in [
        "".to_owned(),
        "a.b.c".to_owned(),
        "x".repeat(60_000),
        "..".to_owned(),
        format!("{token}.extra"),
        token.chars().rev().collect(),
        "00.99999999999999999999999.00".to_owned(),
        "00.-9223372036854775808.00".to_owned(),
        "zz.1.zz".to_owned(),
        token.to_uppercase(),
    ] {
        let mut changed = fields.to_vec();
        changed.push(("_token".into(), bad.clone()));
        cases.push(case(
            format!("token {:?}", &bad[..bad.len().min(40)]),
            Method::POST,
            PATH,
            Some(FORM),
            encode(&changed),
        ));
    }
    // Bytes that are not form encoding or not UTF-8.
    let raw: [&[u8]; 14] = [
        b"county=\xff\xfe",
        b"\xff\xfe=nanhu",
        b"county=%FF%FE",
        b"county=%E5%BB",
        b"county=%zz%",
        b"%",
        b"=",
        b"&&&&",
        b"county",
        b"county=nanhu&county=nanhu&county=nanhu",
        b"\x00\x00\x00\x00",
        b"county=nanhu;sex=male",
        b"_lang=xx&_token=",
        b"_lang=%FF",
    ];
    for body in raw {
        cases.push(case(
            format!("raw {:?}", String::from_utf8_lossy(body)),
            Method::POST,
            PATH,
            Some(FORM),
            body.to_vec(),
        ));
    }
    // Content types other than a form, and none at all.
    let valid_body = encode(&valid);
    for content_type in [
        "application/json",
        "multipart/form-data; boundary=x",
        "text/plain",
        "text/html",
        "application/xml",
        "application/x-www-form-urlencoded; charset=gbk",
        "invalid/\u{7e}",
        "",
    ] {
        cases.push(case(
            format!("content type {content_type:?}"),
            Method::POST,
            PATH,
            Some(content_type),
            valid_body.clone(),
        ));
    }
    cases.push(case(
        "no content type",
        Method::POST,
        PATH,
        None,
        valid_body.clone(),
    ));
    cases.push(case(
        "JSON body",
        Method::POST,
        PATH,
        Some("application/json"),
        br#"{"county":"nanhu","_token":[1,2]}"#.to_vec(),
    ));
    // Wrong methods and paths.
    for method in [
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::HEAD,
        Method::TRACE,
    ] {
        for path in [
            PATH,
            "/",
            "/healthz",
            "/metrics",
            "/s/jiaxing-food-safety-2016/thanks",
        ] {
            cases.push(case(
                format!("{method} {path}"),
                method.clone(),
                path,
                Some(FORM),
                valid_body.clone(),
            ));
        }
    }
    for path in [
        "/s/",
        "/s/%FF%FE",
        "/s/..%2F..%2Fetc%2Fpasswd",
        "/s/jiaxing-food-safety-2016/thanks/extra",
        "/s/NO-SUCH-SURVEY",
        "/s/jiaxing-food-safety-2016?lang=%FF",
        "/s/jiaxing-food-safety-2016?lang=en&lang=zh&x=%00",
        "/healthz/x",
    ] {
        cases.push(case(
            format!("POST {path}"),
            Method::POST,
            path,
            Some(FORM),
            valid_body.clone(),
        ));
        cases.push(case(
            format!("GET {path}"),
            Method::GET,
            path,
            None,
            Vec::new(),
        ));
    }
    let long_path = format!("/s/{}", "a".repeat(4000));
    cases.push(case(
        "very long path",
        Method::POST,
        &long_path,
        Some(FORM),
        valid_body,
    ));
    cases
}

on_both_backends! {
    async fn five_hundred_malformed_requests_get_no_5xx_and_the_server_stays_up(backend: Backend) {
        let app = spawn_app(backend).await;
        let survey = example_survey();
        let token = app.form_token(EXAMPLE_ID).await;
        let cases = corpus(&valid_fields(&survey, "tongxiang"), &token);
        assert!(cases.len() >= 500, "the corpus has {} requests", cases.len());

        let mut failures = Vec::new();
        for c in &cases {
            let mut request = app.client.request(c.method.clone(), app.url(&c.path));
            if let Some(content_type) = &c.content_type {
                request = request.insert_header(("Content-Type", content_type.as_str()));
            }
            match request.send_body(c.body.clone()).await {
                Ok(response) if response.status().is_server_error() => {
                    failures.push(format!("{}: {}", c.what, response.status()))
                }
                Ok(_) => {}
                Err(e) => failures.push(format!("{}: no answer ({e})", c.what)),
            }
        }

        assert!(failures.is_empty(), "{} of {} requests failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
        assert_eq!(app.get("/healthz").await.status, 200, "still serving");
        assert!(app.response_count(EXAMPLE_ID) <= 1, "one token, so at most one response stored");
    }
}
