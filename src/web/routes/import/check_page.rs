//! The page saying what importing a checked survey file will do, with the button that does it.

use std::path::Path;

use actix_web::http::StatusCode;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use serde_json::json;

use super::{confirm_scope, Seen};
use crate::accounts::Account;
use crate::catalog::{CheckedImport, FolderPlace, ImportPlan};
use crate::lifecycle::SurveyState;
use crate::survey::Lang;
use crate::web::fieldwork_view::short_version;
use crate::web::routes::{dashboard, in_lang, private_page};
use crate::web::{AppError, AppState, Messages};

/// A file checked for import, as the check page shows it.
pub(super) struct CheckedFile<'a> {
    pub(super) name: &'a Path,
    pub(super) source: &'a str,
    pub(super) checked: &'a CheckedImport,
    /// Where the import would write it in the surveys folder (`None`: nowhere free).
    pub(super) place: Option<&'a FolderPlace>,
}

/// What the import of a checked file will do, and the button that does it.
pub(super) fn check_page(
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
        .map(|note| m.said(lang, &note))
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
                &[
                    ("id", &survey.id),
                    ("title", another.title.get(lang)),
                    ("file", &another.file),
                ],
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
                    "current": seen.current.as_ref().map_or("", |(version, _)| version),
                    "state": seen.current.as_ref().map_or("", |(_, state)| state.as_str()),
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
