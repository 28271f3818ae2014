//! Spawning Minyi on port 0 with an isolated database, and talking to it over real HTTP.

use std::path::{Path, PathBuf};
use std::time::Duration;

use minyi::catalog::Catalog;
use minyi::config::Settings;
use minyi::startup::Application;
use minyi::storage::{admin, Database, DatabaseUrl};
use minyi::survey::{Answer, QuestionKind, Survey};

pub const EXAMPLE_ID: &str = "jiaxing-food-safety-2016";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs the same test body on SQLite and (when configured) PostgreSQL.
macro_rules! on_both_backends {
    ($(async fn $name:ident($backend:ident: Backend) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                async fn body($backend: $crate::helpers::Backend) $body

                #[actix_web::test]
                async fn sqlite() {
                    body($crate::helpers::Backend::Sqlite).await
                }

                #[actix_web::test]
                async fn postgres() {
                    if $crate::helpers::postgres_server().is_some() {
                        body($crate::helpers::Backend::Postgres).await
                    } else {
                        eprintln!("PostgreSQL not configured (MINYI_TEST_POSTGRES); ran on SQLite only");
                    }
                }
            }
        )*
    };
}
pub(crate) use on_both_backends;

pub fn postgres_server() -> Option<String> {
    std::env::var("MINYI_TEST_POSTGRES")
        .ok()
        .filter(|v| !v.trim().is_empty())
}

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A database that exists only for one test.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    pub raw_url: String,
    /// For SQLite: the directory holding the file. Removed when the test ends.
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub fn new(backend: Backend) -> TestDatabase {
        let dir = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => {
                let path = dir.path().join("minyi.db");
                let raw_url = format!("sqlite://{}", path.display());
                TestDatabase {
                    url: DatabaseUrl::parse(&raw_url).unwrap(),
                    raw_url,
                    dir,
                    postgres: None,
                }
            }
            Backend::Postgres => {
                let server = postgres_server().expect("MINYI_TEST_POSTGRES");
                let name = format!("minyi_test_{}", hex::encode(rand::random::<[u8; 8]>()));
                let raw_url = admin::create_postgres_database(&server, &name)
                    .unwrap_or_else(|e| panic!("cannot create test database on {server}: {e}"));
                TestDatabase {
                    url: DatabaseUrl::parse(&raw_url).unwrap(),
                    raw_url,
                    dir,
                    postgres: Some((server, name)),
                }
            }
        }
    }

    pub fn sqlite_file(&self) -> PathBuf {
        self.dir.path().join("minyi.db")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.postgres {
            if let Err(e) = admin::drop_postgres_database(server, name) {
                eprintln!("could not drop test database {name}: {e}");
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub db: TestDatabase,
    pub client: awc::Client,
}

pub fn settings_for(db: &TestDatabase, surveys_dir: &Path) -> Settings {
    let mut settings = Settings::from_lookup(|_| None).expect("default settings");
    settings.database = db.url.clone();
    settings.bind = "127.0.0.1:0".into();
    settings.surveys_dir = surveys_dir.to_owned();
    settings.pool_size = 4;
    // Tests post many forms from 127.0.0.1; the limit has its own test.
    settings.rate_per_minute = 0;
    // Mail goes to files beside the test database (never the checkout's data/outbox), quickly.
    settings.mail.transport = minyi::mail::TransportSettings::Files {
        dir: db.dir.path().join("outbox"),
    };
    settings.mail.rate_per_minute = 6000;
    settings.mail.poll = Duration::from_millis(50);
    settings
}

/// Starts Minyi with the repository's `surveys/` (the example survey, opened on import).
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with_surveys(backend, &repo_path("surveys")).await
}

pub async fn spawn_app_with_surveys(backend: Backend, surveys_dir: &Path) -> TestApp {
    spawn_app_with_settings(backend, surveys_dir, |_| {}).await
}

/// Starts Minyi with settings changed by `edit` (for example trusted proxies).
pub async fn spawn_app_with_settings(
    backend: Backend,
    surveys_dir: &Path,
    edit: impl FnOnce(&mut Settings),
) -> TestApp {
    let db = TestDatabase::new(backend);
    let mut settings = settings_for(&db, surveys_dir);
    edit(&mut settings);
    let app = Application::build(&settings).expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        db,
        client: awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .disable_redirects()
            .finish(),
    }
}

pub struct Page {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    pub retry_after: Option<String>,
    pub allow: Option<String>,
    pub set_cookies: Vec<String>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn catalog(&self) -> Catalog {
        Catalog::new(Database::connect(self.db.url.clone(), 2).expect("database"))
    }

    pub async fn get(&self, path: &str) -> Page {
        let mut response = self.client.get(self.url(path)).send().await.expect("GET");
        page(&mut response).await
    }

    /// Sends `method` to `path` with no body (a browser's or a crawler's request for an address).
    pub async fn request(&self, method: actix_web::http::Method, path: &str) -> Page {
        let mut response = self
            .client
            .request(method, self.url(path))
            .send()
            .await
            .expect("request");
        page(&mut response).await
    }

    /// The thanks page a form's redirect leads to, on the phone that sent it: with the cookie
    /// that the redirect set (`minyi_sent`), as a browser sends it back.
    pub async fn get_thanks(&self, path: &str) -> Page {
        let mut response = self
            .client
            .get(self.url(path))
            .insert_header(("Cookie", "minyi_sent=1"))
            .send()
            .await
            .expect("GET");
        page(&mut response).await
    }

    /// Posts form fields to a path, as a browser on our own page would.
    pub async fn post_form(&self, path: &str, fields: &[(String, String)]) -> Page {
        let body = serde_urlencoded::to_string(fields).expect("encode form");
        self.post_raw(
            path,
            "application/x-www-form-urlencoded",
            body.into_bytes(),
            &[],
        )
        .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Page {
        let mut request = self
            .client
            .post(self.url(path))
            .insert_header(("Content-Type", content_type));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = request.send_body(body).await.expect("POST");
        page(&mut response).await
    }

    /// Opens the example survey and returns the token of the rendered form.
    pub async fn form_token(&self, survey_id: &str) -> String {
        let page = self.get(&format!("/s/{survey_id}")).await;
        assert_eq!(page.status, 200, "the survey form renders: {}", page.body);
        token_in(&page.body)
    }

    /// How many responses the survey has, as the publisher's status command counts them.
    pub fn response_count(&self, survey_id: &str) -> i64 {
        response_count_in(&self.db, survey_id)
    }
}

/// How many responses a survey has in a test database, as the publisher's status command counts them.
pub fn response_count_in(db: &TestDatabase, survey_id: &str) -> i64 {
    let catalog = Catalog::new(Database::connect(db.url.clone(), 1).expect("database"));
    let survey = catalog.require(survey_id).expect("survey exists");
    catalog
        .responses_by_stratum(&survey)
        .expect("counts")
        .iter()
        .map(|(_, n)| n)
        .sum()
}

/// A response header's value, if it is there and readable as text.
pub fn header_of<S>(response: &awc::ClientResponse<S>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Every `Set-Cookie` header of a response, in order.
pub fn set_cookies_of<S>(response: &awc::ClientResponse<S>) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

async fn page<S>(response: &mut awc::ClientResponse<S>) -> Page
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    let status = response.status().as_u16();
    let header = |name: &str| header_of(response, name);
    let location = header("location");
    let retry_after = header("retry-after");
    let allow = header("allow");
    let set_cookies = set_cookies_of(response);
    let bytes = response.body().limit(4 * 1024 * 1024).await.expect("body");
    Page {
        status,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        location,
        retry_after,
        allow,
        set_cookies,
    }
}

/// Renames a table of the test database: a real failure for whatever needs it (`from`), undone
/// by renaming it back.
pub fn rename_table(db: &TestDatabase, from: &str, to: &str) {
    use diesel::connection::SimpleConnection;
    let sql = format!("ALTER TABLE {from} RENAME TO {to}");
    let database = Database::connect(db.url.clone(), 1).expect("test database");
    match &mut *database.conn().expect("connection") {
        minyi::storage::DbConnection::Sqlite(c) => c.batch_execute(&sql).expect("rename"),
        minyi::storage::DbConnection::Postgres(c) => c.batch_execute(&sql).expect("rename"),
    }
}

pub fn token_in(html: &str) -> String {
    let marker = "name=\"_token\" value=\"";
    let start = html.find(marker).expect("the form carries a token") + marker.len();
    let end = html[start..].find('"').expect("token ends") + start;
    html[start..end].to_owned()
}

pub fn example_survey() -> Survey {
    let path = repo_path("surveys/jiaxing-food-safety-2016.toml");
    let source = std::fs::read_to_string(&path).expect("example survey");
    Survey::from_toml(&source, &path.display().to_string()).expect("example survey is valid")
}

/// A complete, valid set of form fields for a survey: the first option everywhere, the lowest
/// number, a short suggestion, and `county` as the stratum.
pub fn valid_fields(survey: &Survey, county: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for q in &survey.questions {
        if q.id == survey.strata.question {
            fields.push((q.id.clone(), county.to_owned()));
            continue;
        }
        match &q.kind {
            QuestionKind::Single { options } | QuestionKind::YesNo { options } => {
                fields.push((q.id.clone(), options[0].code.clone()))
            }
            QuestionKind::Multiple { options, .. } => {
                fields.push((q.id.clone(), options[0].code.clone()))
            }
            QuestionKind::Scale { scale } => {
                fields.push((q.id.clone(), scale.points[0].code.clone()))
            }
            QuestionKind::Matrix { scale, items } => {
                for (i, item) in items.iter().enumerate() {
                    // Vary the answers so the response is not flagged as straight-lining.
                    let point = &scale.points[i % scale.points.len()];
                    fields.push((format!("{}.{}", q.id, item.code), point.code.clone()));
                }
            }
            QuestionKind::Number { min, .. } => fields.push((q.id.clone(), min.to_string())),
            QuestionKind::Text { .. } => {
                fields.push((q.id.clone(), "希望加强农贸市场的检查。".into()))
            }
        }
    }
    fields
}

pub fn with_token(mut fields: Vec<(String, String)>, token: &str) -> Vec<(String, String)> {
    fields.push(("_token".into(), token.to_owned()));
    fields
}

/// The stored answers of every response of a survey, with each one's county.
pub fn stored_answers(
    app: &TestApp,
    survey_id: &str,
) -> Vec<(String, std::collections::BTreeMap<String, Answer>)> {
    stored_answers_in(&app.db, survey_id)
}

/// The stored answers of every response of a survey in `db`, read as Minyi reads them (each
/// with the definition of the version it answered), with each one's county.
pub fn stored_answers_in(
    db: &TestDatabase,
    survey_id: &str,
) -> Vec<(String, std::collections::BTreeMap<String, Answer>)> {
    let catalog = Catalog::new(Database::connect(db.url.clone(), 1).expect("database"));
    let reader = minyi::analysis::AnswerReader::new(&catalog, survey_id).expect("versions");
    let mut conn = catalog.database().conn().expect("connection");
    minyi::storage::load_responses(&mut conn, survey_id)
        .expect("responses")
        .into_iter()
        .map(|r| {
            let answers = reader.answers(&r).expect("stored answers are readable");
            (r.stratum, answers)
        })
        .collect()
}

/// A form token signed with the application's key, as if the form had been rendered
/// `seconds_ago` (the test stands in for a browser that fetched the form earlier).
pub fn signed_token(app: &TestApp, survey_id: &str, seconds_ago: i64) -> String {
    form_tokens(&app.db).issue(survey_id, chrono::Utc::now().timestamp() - seconds_ago)
}

/// The form-token signer of a database some Minyi has already served from.
pub fn form_tokens(db: &TestDatabase) -> minyi::web::FormTokens {
    let db = Database::connect(db.url.clone(), 1).expect("database");
    let mut conn = db.conn().expect("connection");
    let key = minyi::storage::server_key(&mut conn, minyi::startup::FORM_TOKEN_KEY, || {
        unreachable!("the application created its key")
    })
    .expect("key");
    minyi::web::FormTokens::new(key.as_bytes())
}

/// A second Minyi on the same database (another node behind the load balancer).
pub async fn spawn_second_app(first: &TestApp, surveys_dir: &Path) -> String {
    spawn_second_app_with_settings(first, surveys_dir, |_| {}).await
}

/// [`spawn_second_app`] with settings changed by `edit`.
pub async fn spawn_second_app_with_settings(
    first: &TestApp,
    surveys_dir: &Path,
    edit: impl FnOnce(&mut Settings),
) -> String {
    let mut settings = settings_for(&first.db, surveys_dir);
    edit(&mut settings);
    let app = Application::build(&settings).expect("second application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    address
}

/// The example survey file with `edit` applied, in a directory of its own.
pub fn example_survey_dir(edit: impl FnOnce(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    let source = std::fs::read_to_string(repo_path("surveys/jiaxing-food-safety-2016.toml"))
        .expect("example survey");
    let edited = edit(source.clone());
    assert_ne!(edited, source, "the edit changed the example survey");
    std::fs::write(dir.path().join("jiaxing-food-safety-2016.toml"), edited).expect("write");
    dir
}

/// A separate `minyi serve` process on `db` (port 0, the example survey open, rate limit off),
/// with `env` added and its stderr sent to `stderr`, and the address it serves on, read from
/// its first line of output.
pub fn serve_process(
    db: &TestDatabase,
    env: &[(&str, &str)],
    stderr: std::process::Stdio,
) -> (std::process::Child, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_minyi"));
    command.arg("serve");
    serve_process_by(command, db, env, stderr)
}

/// [`serve_process`], started by `command` (a shell that sets a limit and then runs
/// `minyi serve`, say).
pub fn serve_process_by(
    mut command: std::process::Command,
    db: &TestDatabase,
    env: &[(&str, &str)],
    stderr: std::process::Stdio,
) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = command
        .env("DATABASE_URL", &db.raw_url)
        .env("MINYI_BIND", "127.0.0.1:0")
        .env("MINYI_SURVEYS_DIR", repo_path("surveys"))
        .env("MINYI_RATE_LIMIT", "0")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("minyi starts");
    // Read on a thread that keeps draining, so that the server never writes to a closed pipe.
    let stdout = child.stdout.take().expect("stdout");
    let (first_line, line_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = first_line.send(line);
        }
        lines.for_each(drop);
    });
    let line = line_rx.recv().expect("minyi says where it serves");
    let start = line
        .find("http://")
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let address = line[start..]
        .split('/')
        .take(3)
        .collect::<Vec<_>>()
        .join("/");
    (child, address)
}

/// A response in Nanhu to the example survey with key `id` and no answers, for storage tests.
pub fn new_response(
    id: &str,
    survey: &minyi::storage::SurveyRecord,
) -> minyi::storage::NewResponse {
    minyi::storage::NewResponse {
        slot: minyi::storage::slot_of(survey.number, id),
        id: id.to_owned(),
        survey_id: EXAMPLE_ID.to_owned(),
        version: survey.current_version.clone(),
        stratum: "nanhu".to_owned(),
        channel: "open_link".to_owned(),
        answers: "{}".to_owned(),
        quality_flags: String::new(),
        submitted_on: "2016-10-12".to_owned(),
        client_hash: None,
    }
}

/// The hidden fields of a page's `resend` form, their values unescaped as a browser reads them,
/// sorted.
pub fn hidden_fields(body: &str) -> Vec<(String, String)> {
    let form = &body[body.find("id=\"resend\">").expect("a resend form")..];
    let form = &form[..form.find("</form>").expect("the form's end")];
    let unescape = |text: &str| {
        text.replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#x60;", "`")
            .replace("&#x3D;", "=")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    let mut fields: Vec<(String, String)> = form
        .split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|input| {
            let (name, rest) = input.split_once("\" value=\"").expect("a value");
            let value = &rest[..rest.find("\">").expect("the input's end")];
            (unescape(name), unescape(value))
        })
        .collect();
    fields.sort();
    fields
}
