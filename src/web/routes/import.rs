//! `/admin/import`: a publisher imports a survey file from the web, as `minyi survey import`
//! does on the server, in two steps.
//!
//! 1. The file is sent (`POST /admin/import`, a file field) and checked by the import's own
//!    rules. A file with problems comes back on the upload page, each problem named with where
//!    it is and what was expected; nothing is stored. A good file gets a page saying what the
//!    import will do (a new survey, a new version replacing the current one, a return to an
//!    earlier one) before anything is done.
//! 2. The confirmation (`POST /admin/import/confirm`) carries the file's text back, hex-encoded
//!    so that no browser rewrites its line ends, with a token signed for this account, session
//!    and that very text: what is imported is what was checked. The import is audited under
//!    the account, and the file is written into the surveys folder (`Catalog::import_upload`)
//!    so that the next start finds it current.

use std::path::{Path, PathBuf};

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::{json, Value};

use super::posted::{is_cross_site, read_form_up_to, PostedForm};
use super::{blocking, dashboard, in_lang, private_page};
use crate::accounts::Account;
use crate::catalog::{CatalogError, CheckedImport, Confirmed, FolderPlace, ImportPlan};
use crate::lifecycle::SurveyState;
use crate::survey::{version_of, FileProblem, Lang};
use crate::web::fieldwork_view::short_version;
use crate::web::{lang_of, AppError, AppState, Messages, SignedIn};

/// The largest survey file taken (the example, 22 questions and 5 counties, is 29 KB).
pub const MAX_SURVEY_FILE: usize = 1024 * 1024;

/// The file field as large as the page's other controls: a thumb, not a fingertip, chooses.
const IMPORT_CSS: &str = "input[type=file]{display:block;width:100%;min-height:56px;padding:.4rem 0;\
font:inherit}input[type=file]::file-selector-button{min-height:48px;font:inherit;margin-right:.6rem}";

/// An upload larger than this is cut off at once; up to it, a form with a file over
/// [`MAX_SURVEY_FILE`] is read to its end and answered with the upload page saying so.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// How long the upload page and the confirmation page may wait for their button.
const PAGE_SECONDS: i64 = 3600;

/// What the upload page's token is signed for: importing, by this account in this session.
fn upload_scope(account: &Account) -> String {
    format!("import {} {}", account.id, account.session_epoch)
}

/// What the confirmation's token is signed for: importing this very text (its version), over
/// the survey as it was shown (its current version, or none), with or without the warning that
/// the file looks like a copy made for another survey.
fn confirm_scope(version: &str, seen: &Seen, account: &Account) -> String {
    format!(
        "import {version} {} {} {} {}",
        seen.current.as_deref().unwrap_or("-"),
        u8::from(seen.another_survey),
        account.id,
        account.session_epoch
    )
}

/// What the check page showed, carried by its confirmation.
struct Seen {
    current: Option<String>,
    another_survey: bool,
}

/// A problem with the file sent, for the upload page: what kind, in the reader's language, and
/// the details: each mistake in the file where it is (its line in the reader's language, and
/// its key) and what was expected there; or, for a refusal of the file as a whole, the
/// refusal's text (English, as `minyi survey check` and `minyi survey import` print them).
struct Problem {
    /// The files the problem is about, by name (none: no file was taken at all).
    files: Vec<String>,
    kind: String,
    mistakes: Vec<Value>,
    lines: Vec<String>,
    /// Under the details: what was kept and what to do.
    note: Option<String>,
}

impl Problem {
    fn plain(kind: String) -> Problem {
        Problem {
            files: Vec::new(),
            kind,
            mistakes: Vec::new(),
            lines: Vec::new(),
            note: None,
        }
    }

    fn refusal(m: &Messages, lang: Lang, error: &CatalogError) -> Problem {
        let kind = m.text(
            lang,
            &format!("fieldwork.not_loaded_{}", error.file_refusal_kind()),
        );
        let files = error
            .files()
            .iter()
            .filter_map(|path| path.file_name())
            .map(|name| name.to_string_lossy().into_owned())
            .collect();
        match error {
            CatalogError::File(e) => Problem {
                files,
                kind,
                mistakes: e.problems.iter().map(|p| mistake(m, lang, p)).collect(),
                lines: Vec::new(),
                note: Some(m.text(lang, "import.nothing_stored")),
            },
            other => Problem {
                files,
                kind,
                mistakes: Vec::new(),
                lines: other.to_string().lines().map(str::to_owned).collect(),
                note: Some(m.text(lang, "import.nothing_stored")),
            },
        }
    }
}

/// One mistake in a survey file, for the page: where (line and column, or line and key), what
/// was expected and what was found.
fn mistake(m: &Messages, lang: Lang, problem: &FileProblem) -> Value {
    // A syntax error's path is its place: `line L, column C`.
    let column = problem
        .path
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(", column "))
        .map(|(_, column)| column.to_owned());
    let at = match (problem.line, &column) {
        (Some(line), Some(column)) => Some(m.format(
            lang,
            "import.at_line_column",
            &[("line", &line.to_string()), ("column", column)],
        )),
        (Some(line), None) => {
            Some(m.format(lang, "import.at_line", &[("line", &line.to_string())]))
        }
        (None, _) => None,
    };
    json!({
        "at": at,
        "key": column.is_none().then_some(&problem.path),
        "expected": problem.expected,
        "found": problem.found,
    })
}

pub async fn form(
    req: HttpRequest,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    upload_page(&state, &req, lang, &signed_in.0, None, StatusCode::OK)
        .unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}

/// The upload page, with `problem` above the form when a file sent was not taken.
fn upload_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    account: &Account,
    problem: Option<Problem>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let m = state.pages.messages();
    let html = state.pages.render(
        "import",
        lang,
        req,
        json!({
            "page_title": m.text(lang, "import.heading"),
            "problem": problem.map(|p| json!({
                "heading": match p.files.is_empty() {
                    true => m.text(lang, "import.problem_heading"),
                    false => m.format(lang, "import.problem_heading_file", &[
                        ("file", &p.files.join(m.text(lang, "fieldwork.separator").as_str())),
                    ]),
                },
                "note": p.note,
                "kind": p.kind,
                "mistakes": p.mistakes,
                "lines": p.lines,
            })),
            "token": state.tokens.issue(&upload_scope(account), chrono::Utc::now().timestamp()),
            "lang_code": lang.param(),
            "file_label": m.format(lang, "import.file_label", &[
                ("max", &(MAX_SURVEY_FILE / 1024).to_string()),
            ]),
            "surveys_href": in_lang("/admin/surveys", lang),
            "extra_css": IMPORT_CSS,
        }),
    )?;
    Ok(private_page(status, html))
}

/// A survey file sent from the upload page.
#[derive(Default)]
struct Upload {
    token: Option<String>,
    lang: Option<Lang>,
    /// The file's name as the browser gave it, and its bytes (`None`: no file chosen).
    file: Option<(String, Vec<u8>)>,
}

pub async fn check(
    req: HttpRequest,
    payload: web::Payload,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let mut lang = lang_of(&req);
    let account = signed_in.0;
    let result = async {
        if is_cross_site(&req, state.public_url.as_deref()) {
            return Err(AppError::Forbidden);
        }
        let read = actix_web::rt::time::timeout(state.body_timeout, read_upload(&req, payload))
            .await
            .map_err(|_| AppError::TooSlow)?;
        let m = state.pages.messages();
        let upload = match read {
            Err(AppError::TooLarge) => {
                let max = (MAX_SURVEY_FILE / 1024).to_string();
                let problem = Problem::plain(m.format(lang, "import.too_large", &[("max", &max)]));
                let status = StatusCode::PAYLOAD_TOO_LARGE;
                return upload_page(&state, &req, lang, &account, Some(problem), status);
            }
            read => read?,
        };
        lang = upload.lang.unwrap_or(lang);
        let again = |problem: Problem| {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            upload_page(&state, &req, lang, &account, Some(problem), status)
        };
        let pressed = state.tokens.pressed_within(
            &upload_scope(&account),
            upload.token.as_deref(),
            PAGE_SECONDS,
        );
        if !pressed {
            return again(Problem::plain(m.text(lang, "import.expired")));
        }
        let Some((name, bytes)) = upload.file.filter(|(_, bytes)| !bytes.is_empty()) else {
            return again(Problem::plain(m.text(lang, "import.choose_file")));
        };
        let name = sent_name(&name);
        let source = match String::from_utf8(bytes) {
            Ok(source) => source,
            Err(_) => return again(Problem::refusal(m, lang, &CatalogError::NotUtf8(name))),
        };
        let catalog = state.catalog.clone();
        let folder = state.surveys_dir.clone();
        let checked_name = name.clone();
        let checked_source = source.clone();
        let checked = blocking(move || {
            let checked = catalog.check_import(&checked_name, &checked_source);
            let place = checked.as_ref().ok().and_then(|checked| {
                catalog.folder_place(&folder, &checked.survey.id, &checked_name)
            });
            Ok::<_, AppError>((checked, place))
        })
        .await?;
        match checked {
            (Ok(checked), place) => {
                let file = CheckedFile {
                    name: &name,
                    source: &source,
                    checked: &checked,
                    place: place.as_ref(),
                };
                check_page(&state, &req, lang, &account, &file)
            }
            (Err(e @ CatalogError::Storage(_)), _) => Err(e.into()),
            (Err(e), _) => again(Problem::refusal(m, lang, &e)),
        }
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}

/// Reads the upload page's multipart form: its token, language and file, up to
/// [`MAX_SURVEY_FILE`] (and a little for the other fields); more is a 413.
async fn read_upload(req: &HttpRequest, payload: web::Payload) -> Result<Upload, AppError> {
    let bad = |e: actix_multipart::MultipartError| AppError::BadRequest(format!("form: {e}"));
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut upload = Upload::default();
    let mut read = 0usize;
    let mut too_large = false;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(bad)?;
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_owned);
        let limit = if name == "file" {
            MAX_SURVEY_FILE
        } else {
            1024
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(bad)?;
            read += chunk.len();
            if read > DRAIN_LIMIT {
                return Err(AppError::TooLarge);
            }
            // Over its limit, a field is read to its end, not kept: a browser still sending
            // when the answer comes shows a broken connection instead of the page saying why.
            too_large |= bytes.len() + chunk.len() > limit;
            if !too_large {
                bytes.extend_from_slice(&chunk);
            }
        }
        if too_large {
            continue;
        }
        match name.as_str() {
            "_token" => upload.token = String::from_utf8(bytes).ok(),
            "_lang" => upload.lang = std::str::from_utf8(&bytes).ok().and_then(Lang::from_code),
            "file" => upload.file = Some((file_name.unwrap_or_default(), bytes)),
            _ => {}
        }
    }
    if too_large {
        return Err(AppError::TooLarge);
    }
    Ok(upload)
}

/// The name a file was sent under, without any folders a browser put before it, and at most
/// 100 characters: what the pages and problems call it.
fn sent_name(name: &str) -> PathBuf {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    let last: String = last.chars().filter(|c| !c.is_control()).take(100).collect();
    PathBuf::from(if last.is_empty() {
        "survey.toml"
    } else {
        &last
    })
}

/// A file checked for import, as the check page shows it.
struct CheckedFile<'a> {
    name: &'a Path,
    source: &'a str,
    checked: &'a CheckedImport,
    /// Where the import would write it in the surveys folder (`None`: nowhere free).
    place: Option<&'a FolderPlace>,
}

/// What the import of a checked file will do, and the button that does it.
fn check_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    account: &Account,
    file: &CheckedFile<'_>,
) -> Result<HttpResponse, AppError> {
    let m = state.pages.messages();
    let (name, checked) = (file.name, file.checked);
    let survey = &checked.survey;
    let today = survey.local_date(chrono::Utc::now());
    let notes: Vec<String> = survey
        .file_notes()
        .into_iter()
        .chain(survey.outside_fieldwork(today))
        .collect();
    let unchanged = matches!(checked.plan, ImportPlan::Unchanged { .. });
    let heading = m.format(
        lang,
        "import.check_heading",
        &[("file", &name.display().to_string())],
    );
    let html = state.pages.render(
        "import_check",
        lang,
        req,
        json!({
            "page_title": heading,
            "heading": heading,
            "summary": [
                [m.text(lang, "import.title"), survey.title.get(lang).to_owned()],
                [m.text(lang, "import.id"), survey.id.clone()],
                [m.text(lang, "import.questions"), survey.questions.len().to_string()],
                [m.text(lang, "import.counties"), survey.strata.units.len().to_string()],
                [m.text(lang, "import.indicators"), survey.indicators.len().to_string()],
                [m.text(lang, "import.version"), short_version(&checked.version).to_owned()],
            ],
            "plan": plan_paragraphs(m, lang, &checked.plan),
            "another_survey": checked.another_survey.as_ref().map(|another| m.format(
                lang,
                "import.another_survey",
                &[("id", &survey.id), ("title", &another.title), ("file", &another.file)],
            )),
            "folder": match file.place {
                Some(place) => m.format(
                    lang,
                    if place.replaces { "import.folder_replaces" } else { "import.folder_new" },
                    &[("file", &place.path.display().to_string())],
                ),
                None => m.format(lang, "import.folder_none", &[
                    ("folder", &state.surveys_dir.display().to_string()),
                ]),
            },
            "notes": notes,
            "confirm": (!unchanged).then(|| {
                let seen = Seen {
                    current: checked.current.clone(),
                    another_survey: checked.another_survey.is_some(),
                };
                json!({
                    "token": state.tokens.issue(
                        &confirm_scope(&checked.version, &seen, account),
                        chrono::Utc::now().timestamp(),
                    ),
                    "name": name.display().to_string(),
                    "source": hex::encode(file.source),
                    "current": seen.current.as_deref().unwrap_or_default(),
                    "another_survey": u8::from(seen.another_survey),
                    "lang_code": lang.param(),
                })
            }),
            "dashboard_href": unchanged.then(|| dashboard::href(&survey.id, lang)),
            "import_href": in_lang("/admin/import", lang),
        }),
    )?;
    Ok(private_page(StatusCode::OK, html))
}

/// What the import will do, in the reader's words.
fn plan_paragraphs(m: &Messages, lang: Lang, plan: &ImportPlan) -> Vec<String> {
    let state_text = |state: &SurveyState| m.text(lang, &format!("account.state_{state}"));
    match plan {
        ImportPlan::New { opens: false } => vec![m.text(lang, "import.plan_new")],
        ImportPlan::New { opens: true } => vec![m.text(lang, "import.plan_new_open")],
        ImportPlan::Unchanged { state } => vec![m.format(
            lang,
            "import.plan_unchanged",
            &[("state", &state_text(state))],
        )],
        ImportPlan::NewVersion {
            current,
            state,
            responses,
        }
        | ImportPlan::Restores {
            current,
            state,
            responses,
        } => {
            let key = match plan {
                ImportPlan::Restores { .. } => "import.plan_restores",
                _ => "import.plan_new_version",
            };
            let mut said = vec![
                m.format(lang, key, &[("current", current)]),
                m.format(
                    lang,
                    "import.plan_responses",
                    &[
                        ("state", &state_text(state)),
                        ("responses", &responses.to_string()),
                    ],
                ),
            ];
            if *state == SurveyState::Open {
                said.push(m.text(lang, "import.plan_open_now"));
            }
            said
        }
    }
}

pub async fn confirm(
    req: HttpRequest,
    payload: web::Payload,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let mut lang = lang_of(&req);
    let account = signed_in.0;
    let result = async {
        // The text travels hex-encoded: twice its size, and a little for the other fields.
        let limit = 2 * MAX_SURVEY_FILE + 4096;
        let PostedForm {
            fields,
            lang: asked,
        } = read_form_up_to(&req, payload, &state, lang, limit).await?;
        lang = asked;
        let m = state.pages.messages();
        let source = fields
            .first("source")
            .and_then(|hex_text| hex::decode(hex_text).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| AppError::BadRequest("source: not a survey file's text".into()))?;
        let name = sent_name(fields.first("name").unwrap_or_default());
        let seen = Seen {
            current: fields
                .first("current")
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
            another_survey: fields.first("another_survey") == Some("1"),
        };
        let pressed = state.tokens.pressed_within(
            &confirm_scope(&version_of(&source), &seen, &account),
            fields.first("_token"),
            PAGE_SECONDS,
        );
        if !pressed {
            let problem = Problem::plain(m.text(lang, "import.expired"));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return upload_page(&state, &req, lang, &account, Some(problem), status);
        }
        let catalog = state.catalog.clone();
        let folder = state.surveys_dir.clone();
        let actor = account.email.clone();
        let imported = blocking(move || {
            let confirmed = Confirmed {
                current: seen.current.as_deref(),
                another_survey: seen.another_survey,
            };
            Ok::<_, AppError>(catalog.import_upload(&folder, &name, &source, confirmed, &actor))
        })
        .await?;
        match imported {
            Ok(imported) => {
                let done = match imported.saved_as {
                    Some(_) => "imported",
                    None => "imported_not_saved",
                };
                Ok(dashboard::back_to(
                    &imported.report.survey_id,
                    Some(done),
                    lang,
                ))
            }
            Err(e @ CatalogError::Storage(_)) => Err(e.into()),
            // Checked a moment ago, refused now: the survey changed in between (closed, say).
            Err(e) => {
                let problem = Problem {
                    note: Some(m.text(lang, "import.nothing_imported")),
                    ..Problem::refusal(m, lang, &e)
                };
                upload_page(
                    &state,
                    &req,
                    lang,
                    &account,
                    Some(problem),
                    StatusCode::CONFLICT,
                )
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}
