//! `MINYI_LOG_FORMAT=json`: one JSON object a line, for a log collector, with the request's
//! route pattern and status, and still nothing that identifies the resident's device.

use std::io::Read;
use std::process::Stdio;

use super::*;

const USER_AGENT: &str = "MinyiProbe/9.9 (JsonLogDevice-4b1e)";
const FORWARDED_FOR: &str = "198.51.100.23";

#[actix_web::test]
async fn json_logs_are_one_object_a_line_with_route_and_status_and_nothing_personal() {
    let db = TestDatabase::new(Backend::Sqlite);
    let (mut server, address) = serve_process(
        &db,
        &[("MINYI_LOG", "info"), ("MINYI_LOG_FORMAT", "json")],
        Stdio::piped(),
    );
    let client = awc::Client::builder().disable_redirects().finish();
    let form = client
        .get(format!("{address}/s/{EXAMPLE_ID}"))
        .insert_header(("User-Agent", USER_AGENT))
        .insert_header(("X-Forwarded-For", FORWARDED_FOR))
        .send()
        .await
        .expect("the form")
        .status();
    let token = form_tokens(&db).issue(EXAMPLE_ID, chrono::Utc::now().timestamp() - 300);
    let body =
        serde_urlencoded::to_string(with_token(valid_fields(&example_survey(), "nanhu"), &token))
            .unwrap();
    let stored = client
        .post(format!("{address}/s/{EXAMPLE_ID}"))
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .insert_header(("User-Agent", USER_AGENT))
        .insert_header(("X-Forwarded-For", FORWARDED_FOR))
        .send_body(body)
        .await
        .expect("the submission")
        .status();
    server.kill().expect("stopped");
    let mut logs = String::new();
    server
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut logs)
        .unwrap();
    server.wait().unwrap();

    assert_eq!((form.as_u16(), stored.as_u16()), (200, 303));
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let requests: Vec<(String, u64)> = lines
        .iter()
        .filter(|l| l["message"] == "request")
        .map(|l| {
            (
                l["route"].as_str().unwrap_or_default().to_owned(),
                l["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert!(requests.contains(&("/s/{id}".to_owned(), 200)), "{logs}");
    assert!(requests.contains(&("/s/{id}".to_owned(), 303)), "{logs}");
    assert!(
        lines
            .iter()
            .all(|l| l["level"].is_string() && l["timestamp"].is_string()),
        "{logs}"
    );
    for secret in [
        "JsonLogDevice-4b1e",
        FORWARDED_FOR,
        "198.51.100.0",
        "_token",
        &token,
    ] {
        assert!(
            !logs.contains(secret),
            "{secret} must not be logged: {logs}"
        );
    }
}
