//! `/admin/import`: a publisher imports a survey file from the web, as `minyi survey import`
//! does on the server, in two steps.
//!
//! 1. The file is sent (`POST /admin/import`, a file field) and checked by the import's own
//!    rules. A file with problems comes back on the upload page, each mistake at its line
//!    (`web::file_mistakes`); nothing is stored. A good file gets a page saying what the import
//!    will do (a new survey, a new version replacing the current one, a return to an earlier
//!    one) and where the file will go in the surveys folder, before anything is done; a file
//!    keeping another survey's id under another name and title is warned about there.
//! 2. The confirmation (`POST /admin/import/confirm`) carries the file's text back, hex-encoded
//!    so that no browser rewrites its line ends, with the survey's version and state as shown
//!    and the warning, all signed into a token for this account and session: what is imported
//!    is what was checked, over the survey as the page showed it (another import, an opening
//!    or a closing in between: nothing, 409).
//!    The import is audited under the account, and the file is written into the surveys folder
//!    (`Catalog::import_upload`) so that the next start finds it current.

mod check_page;
mod upload;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::posted::{is_cross_site, read_form_up_to, PostedForm};
use super::{blocking, dashboard, in_lang, private_page};
use crate::accounts::Account;
use crate::catalog::{CatalogError, Confirmed};
use crate::lifecycle::SurveyState;
use crate::storage::Shown;
use crate::survey::{version_of, Lang};
use crate::web::file_mistakes::{mistakes, refusal};
use crate::web::{lang_of, AppError, AppState, Messages, SignedIn};
use check_page::{check_page, CheckedFile};
use upload::{read_upload, sent_name};

/// The largest survey file taken (the example, 22 questions and 7 counties, is 29 KB).
pub const MAX_SURVEY_FILE: usize = 1024 * 1024;

/// The file field as large as the page's other controls: a thumb, not a fingertip, chooses.
const IMPORT_CSS: &str = "input[type=file]{display:block;width:100%;min-height:56px;padding:.4rem 0;\
font:inherit}input[type=file]::file-selector-button{min-height:48px;font:inherit;margin-right:.6rem}";

/// How long the upload page and the confirmation page may wait for their button.
const PAGE_SECONDS: i64 = 3600;

/// What the upload page's token is signed for: importing, by this account in this session.
fn upload_scope(account: &Account) -> String {
    format!("import {} {}", account.id, account.session_epoch)
}

/// What the confirmation's token is signed for: importing this very text (its version), over
/// the survey as it was shown (its current version and state, or none), with or without the
/// warning that the file looks like a copy made for another survey.
fn confirm_scope(version: &str, seen: &Seen, account: &Account) -> String {
    let (current, state) = match &seen.current {
        Some((current, state)) => (current.as_str(), state.as_str()),
        None => ("-", "-"),
    };
    format!(
        "import {version} {current} {state} {} {} {}",
        u8::from(seen.another_survey),
        account.id,
        account.session_epoch
    )
}

/// What the check page showed, carried by its confirmation.
struct Seen {
    /// The survey's current version and state (`None`: no such survey yet).
    current: Option<(String, SurveyState)>,
    another_survey: bool,
}

/// A problem with the file sent, for the upload page: what kind, in the reader's language, and
/// the details: each mistake in the file where it is (its line in the reader's language, and
/// its key) and what was expected there; or, for a refusal of the file as a whole, what it
/// drops or changes in the reader's language, else the refusal's text (English, as `minyi
/// survey check` and `minyi survey import` print them).
struct Problem {
    /// The files the problem is about, by name (none: no file was taken at all).
    files: Vec<String>,
    kind: String,
    mistakes: Vec<Value>,
    lines: Vec<String>,
    /// Whether `lines` are the command line's English.
    english: bool,
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
            english: false,
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
                mistakes: mistakes(m, lang, &e.problems),
                lines: Vec::new(),
                english: false,
                note: Some(m.text(lang, "import.nothing_stored")),
            },
            other => {
                let refusal = refusal(
                    m,
                    lang,
                    other.file_refusal_kind(),
                    other.said_details().as_deref(),
                    &other.to_string(),
                );
                Problem {
                    files,
                    kind,
                    mistakes: Vec::new(),
                    lines: refusal.lines,
                    english: refusal.english,
                    // What to do, where the details' own advice is the command line's.
                    note: Some(match refusal.what_to_do {
                        Some(what_to_do) => m.format(
                            lang,
                            "import.nothing_stored_then",
                            &[("what_to_do", &what_to_do)],
                        ),
                        None => m.text(lang, "import.nothing_stored"),
                    }),
                }
            }
        }
    }
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
                "english": p.english,
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
        let source = match crate::catalog::survey_text(&name, bytes) {
            Ok(source) => source,
            Err(refusal) => return again(Problem::refusal(m, lang, &refusal)),
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
        let current = fields.first("current").filter(|v| !v.is_empty());
        let shown_state = fields.first("state").and_then(SurveyState::parse);
        let seen = Seen {
            current: current.zip(shown_state).map(|(v, s)| (v.to_owned(), s)),
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
                shown: seen.current.as_ref().map(|(version, state)| Shown {
                    version,
                    state: *state,
                }),
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
