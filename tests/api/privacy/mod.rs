//! Anonymity by construction (docs/privacy.md): nothing identifying at rest or in the logs,
//! keyed duplicate control, scrubbed free text, no insertion order, retention, releases.

mod at_rest;
mod duplicates;
mod json_logs;
pub mod logs;
mod ordering;
mod release_cli;
mod retention;

use std::process::Command;

use crate::helpers::*;

/// Everything the database holds, as text: the SQLite file and its write-ahead log byte for
/// byte, or a `pg_dump` of the PostgreSQL test database.
pub fn database_contents(db: &TestDatabase) -> String {
    match &db.url {
        minyi::storage::DatabaseUrl::Sqlite(_) => {
            let mut bytes = std::fs::read(db.sqlite_file()).expect("the SQLite file");
            let wal = db.sqlite_file().with_extension("db-wal");
            if let Ok(more) = std::fs::read(&wal) {
                bytes.extend(more);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        minyi::storage::DatabaseUrl::Postgres(url) => {
            let out = Command::new("pg_dump")
                .args(["--no-owner", "--dbname", url])
                .output()
                .expect("pg_dump runs (install the PostgreSQL client)");
            assert!(
                out.status.success(),
                "pg_dump: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    }
}

/// Renders the example survey's form with the given request headers; returns the form token
/// and the client cookie Minyi set (if it set one).
pub async fn open_form(app: &TestApp, headers: &[(&str, &str)]) -> (String, Option<String>) {
    let mut request = app.client.get(app.url(&format!("/s/{EXAMPLE_ID}")));
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let mut response = request.send().await.expect("GET the form");
    assert_eq!(response.status().as_u16(), 200);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("minyi_client="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned());
    let body = response.body().limit(4 * 1024 * 1024).await.expect("body");
    (token_in(&String::from_utf8_lossy(&body)), cookie)
}

/// Submits a complete valid response for `county` with the given headers; asserts it is
/// accepted.
pub async fn submit(app: &TestApp, county: &str, token: &str, headers: &[(&str, &str)]) {
    submit_fields(
        app,
        with_token(valid_fields(&example_survey(), county), token),
        headers,
    )
    .await
}

pub async fn submit_fields(app: &TestApp, fields: Vec<(String, String)>, headers: &[(&str, &str)]) {
    let body = serde_urlencoded::to_string(fields).expect("encode form");
    let page = app
        .post_raw(
            &format!("/s/{EXAMPLE_ID}"),
            "application/x-www-form-urlencoded",
            body.into_bytes(),
            headers,
        )
        .await;
    assert_eq!(page.status, 303, "accepted: {}", page.body);
}

/// A client cookie as Minyi sets them (32 hex digits), easy to search for.
pub const PROBE_COOKIE: &str = "c0ffee15c0ffee15c0ffee15c0ffee15";

/// The example survey excluding only `duplicate_client` (so the test's quick submissions are
/// not excluded as `too_fast` first), in a directory of its own.
pub fn example_excluding_duplicates() -> tempfile::TempDir {
    let source = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml"))
        .expect("example survey");
    let edited = source.replacen(
        "exclude = [\"too_fast\", \"straightlining\"]",
        "exclude = [\"duplicate_client\"]",
        1,
    );
    assert_ne!(
        edited, source,
        "the example's exclude line is as this test expects"
    );
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("jiaxing-food-safety-2016.toml"), edited).expect("write");
    dir
}
