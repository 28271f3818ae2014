//! `/admin/surveys` and `/admin/surveys/{id}`: the publisher's fieldwork dashboard (publishers
//! and admins). Every survey with its state and responses; then, per survey, each county's
//! completed responses against its target, the margin of error reached, quality flags and
//! responses per day, with the moves its state allows (each confirmed on its own page, see
//! `transitions`) and the progress bulletin.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::confirmed::dashboard_button;
use super::{blocking, in_lang, private_page, public_base, query_param};
use crate::analysis::{fieldwork_progress, stored_fieldwork_progress};
use crate::catalog::{Catalog, CurrentSurvey};
use crate::fieldwork::Progress;
use crate::invitations::{campaign_status, CampaignStatus};
use crate::lifecycle::{SurveyState, Transition};
use crate::survey::Lang;
use crate::web::campaign_view::campaign_view;
use crate::web::fieldwork_view::{responses_line, short_version, FieldworkView};
use crate::web::file_mistakes::{mistakes, refusal};
use crate::web::{lang_of, AppError, AppState, FileNotLoaded, SignedIn};

/// Each county's bar, its notes in colour, the message after a move, and county names kept whole
/// (a narrow column would break 南湖区 in two).
const DASHBOARD_CSS: &str = "svg.pb{width:100%;height:.65rem;margin:.3rem 0}\
.n{display:block;font-size:.95rem}.n.ok{color:#0a6b2d}.n.warn{color:#8a5300}.muted{color:var(--muted)}\
.done{border:2px solid #0a6b2d;background:#eefaf1}tbody th{word-break:keep-all;overflow-wrap:normal}\
select{display:block;width:100%;font:inherit;min-height:48px;padding:.5rem;border:1px solid #6b7280;border-radius:8px;background:#fff}\
td form{margin-top:.3rem}td button{white-space:nowrap}";

/// A survey as it stands and its fieldwork progress.
pub(super) async fn load(
    state: &AppState,
    id: String,
) -> Result<(CurrentSurvey, Progress), AppError> {
    let catalog = state.catalog.clone();
    blocking(move || {
        let survey = catalog.require(&id)?;
        let progress = fieldwork_progress(&catalog, &id)?;
        Ok::<_, AppError>((survey, progress))
    })
    .await
}

/// Where survey `id`'s invitation campaign stands.
async fn load_campaign(state: &AppState, id: String) -> Result<CampaignStatus, AppError> {
    let catalog = state.catalog.clone();
    blocking(move || campaign_status(&catalog, &id)).await
}

/// The dashboard of survey `id`.
pub(super) fn href(id: &str, lang: Lang) -> String {
    in_lang(&format!("/admin/surveys/{id}"), lang)
}

/// Back to survey `id`'s dashboard (303), which says what was `done` (`?done=close`, …).
pub(super) fn back_to(id: &str, done: Option<&str>, lang: Lang) -> HttpResponse {
    let path = match done {
        Some(done) => format!("/admin/surveys/{id}?done={done}"),
        None => format!("/admin/surveys/{id}"),
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, in_lang(&path, lang)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Adds `extra`'s fields to the object `view`.
pub(super) fn with(mut view: Value, extra: Value) -> Value {
    if let (Value::Object(map), Value::Object(more)) = (&mut view, extra) {
        map.extend(more);
    }
    view
}

/// The files refused at start that are still wrong: one put right since (corrected and
/// imported, brought up to date, or removed) is no longer listed; two files defining one
/// survey, not until one of them is gone.
fn still_not_loaded(
    catalog: &Catalog,
    refused: &[FileNotLoaded],
) -> Result<Vec<FileNotLoaded>, AppError> {
    let mut still = Vec::new();
    for file in refused {
        let remaining = file.files.iter().filter(|path| path.exists()).count();
        let mut put_right = !file.files.is_empty() && remaining <= 1;
        for path in &file.files {
            put_right = put_right && catalog.put_right(path)?;
        }
        if !put_right {
            still.push(file.clone());
        }
    }
    Ok(still)
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let lang = lang_of(&req);
    let result = async {
        let catalog = state.catalog.clone();
        let refused = state.files_not_loaded.clone();
        let (surveys, not_loaded) = blocking(move || {
            let surveys = catalog
                .list()?
                .into_iter()
                .map(|s| {
                    let progress = stored_fieldwork_progress(&catalog, &s.record.id)?;
                    Ok((s, progress))
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            Ok::<_, AppError>((surveys, still_not_loaded(&catalog, &refused)?))
        })
        .await?;
        let m = state.pages.messages();
        let rows: Vec<Value> = surveys
            .iter()
            .map(|(s, p)| {
                let responses = responses_line(m, lang, p);
                json!({
                    "id": s.record.id,
                    "title": s.definition.title.get(lang),
                    "state": m.text(lang, &format!("account.state_{}", s.record.state)),
                    "version": m.format(lang, "fieldwork.version", &[
                        ("version", short_version(&s.record.current_version)),
                    ]),
                    "responses": responses,
                    "href": href(&s.record.id, lang),
                })
            })
            .collect();
        let html = state.pages.render(
            "surveys",
            lang,
            &req,
            json!({
                "page_title": m.text(lang, "fieldwork.surveys_heading"),
                "surveys": rows,
                // What kind of problem, in the reader's language; then the details, a problem
                // a line: in the reader's language where they can be, else in English as
                // `minyi survey check` prints them.
                "files_not_loaded": not_loaded.iter()
                    .map(|file| (file, refusal(m, lang, file.kind, file.said.as_deref(), &file.why)))
                    .map(|(file, refusal)| json!({
                        "kind": m.text(lang, &format!("fieldwork.not_loaded_{}", file.kind)),
                        "files": file.files.iter()
                            .filter_map(|path| path.file_name())
                            .map(|name| name.to_string_lossy().into_owned())
                            .collect::<Vec<_>>()
                            .join(m.text(lang, "fieldwork.separator").as_str()),
                        "lines": refusal.lines,
                        "english": refusal.english,
                        "what_to_do": refusal.what_to_do,
                        "mistakes": mistakes(m, lang, &file.mistakes),
                    }))
                    .collect::<Vec<_>>(),
                "account_href": in_lang("/account", lang),
                "import_href": in_lang("/admin/import", lang),
            }),
        )?;
        Ok::<_, AppError>(private_page(StatusCode::OK, html))
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}

pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let result = async {
        let (survey, progress) = load(&state, path.into_inner()).await?;
        let campaign = load_campaign(&state, survey.record.id.clone()).await?;
        let links = {
            let catalog = state.catalog.clone();
            let id = survey.record.id.clone();
            blocking(move || crate::interviewers::links(&catalog, &id)).await?
        };
        let m = state.pages.messages();
        let id = survey.record.id.as_str();
        let view = FieldworkView {
            survey: &survey,
            progress: &progress,
            lang,
            messages: m,
            now: chrono::Utc::now(),
        };
        let current = survey.record.state;
        let actions: Vec<Value> = Transition::ALL
            .into_iter()
            .filter(|t| current.apply(*t).is_ok())
            .map(|t| {
                json!({
                    "href": in_lang(&format!("/admin/surveys/{id}/{t}"), lang),
                    "label": m.text(lang, &format!("fieldwork.action_{t}")),
                })
            })
            .collect();
        // After a move or a clearing, the dashboard says what was done (`?done=close`).
        let done_param = query_param(&req, "done");
        let move_named = |name: &str| Transition::ALL.into_iter().find(|t| t.name() == name);
        let done = match done_param.as_deref() {
            Some("clear") => Some(m.text(lang, "fieldwork.traces_cleared_now")),
            Some("simulated_removed") => Some(m.text(lang, "fieldwork.simulated_removed_now")),
            Some("mail_retried") => Some(m.text(lang, "fieldwork.mail_retried_now")),
            // A dashboard button pressed on a page left open past the hour: nothing was done.
            Some("expired") => Some(m.text(lang, "fieldwork.pressed_too_late")),
            Some("interviewer_withdrawn") => {
                Some(m.text(lang, "fieldwork.interviewers_withdrawn_now"))
            }
            Some("imported") => Some(m.text(lang, "import.done")),
            Some("imported_not_saved") => Some(m.format(
                lang,
                "import.done_not_saved",
                &[("folder", &state.surveys_dir.display().to_string())],
            )),
            Some(asked) => match asked.strip_prefix("already_") {
                Some(name) => move_named(name).map(|t| format!("lifecycle.already_{t}")),
                None => move_named(asked).map(|t| format!("lifecycle.done_{t}")),
            }
            .map(|key| m.text(lang, &key)),
            None => None,
        };
        // A close that could not clear what fieldwork left: said, with a button to retry.
        let clearing = survey.record.owes_trace_clearing().then(|| {
            let action = format!("/admin/surveys/{id}/clear");
            let scope = super::clearing::scope(id, &signed_in.0);
            with(
                dashboard_button(&state, lang, action, &scope),
                json!({ "failed_again": done_param.as_deref() == Some("clear_failed") }),
            )
        });
        // Messages given up on: a button queues them again once the mail server works.
        let mail_retry = (campaign.mail_failed > 0).then(|| {
            let action = format!("/admin/surveys/{id}/mail/retry");
            dashboard_button(
                &state,
                lang,
                action,
                &super::mail_retry::scope(id, &signed_in.0),
            )
        });
        // What `minyi invite` and `remind` will refuse without a flag, said before they do.
        let definition = &survey.definition;
        let past_end = definition.local_date(chrono::Utc::now()) > definition.fieldwork_end;
        let mut invite_notes = Vec::new();
        if !current.fieldwork_over() && past_end {
            let end = definition.fieldwork_end.to_string();
            invite_notes.push(m.format(lang, "fieldwork.invite_past_end", &[("end", &end)]));
        }
        if !current.fieldwork_over() && campaign.addresses_forgotten {
            invite_notes.push(m.text(lang, "fieldwork.invite_addresses_forgotten"));
        }
        let title = survey.definition.title.get(lang);
        let html = state.pages.render(
            "dashboard",
            lang,
            &req,
            with(
                view.view(),
                json!({
                    "page_title": m.format(lang, "fieldwork.heading", &[("title", title)]),
                    "heading": m.format(lang, "fieldwork.heading", &[("title", title)]),
                    "state_line": m.format(lang, "fieldwork.state", &[
                        ("state", &view.state()),
                        ("version", short_version(&survey.record.current_version)),
                    ]),
                    "done": done,
                    // While residents can answer: the link to hand out, and its QR code.
                    "share": (current == SurveyState::Open).then(|| json!({
                        "link": format!("{}/s/{id}", public_base(&state, &req)),
                        "qr": format!("/s/{id}/qr.svg"),
                        "qr_file": format!("{id}-qr.svg"),
                    })),
                    // Published results are final: their simulated responses stay.
                    "simulated_remove_href": (current != SurveyState::Published)
                        .then(|| super::simulated::href(id, lang)),
                    "clearing": clearing,
                    "campaign": campaign_view(m, lang, &campaign),
                    // Invitations go out from the server's command line: said where the
                    // campaign would show, while residents may still be invited.
                    "invite_howto": (!current.fieldwork_over()).then(|| m.format(
                        lang,
                        if campaign.uptake.is_some() {
                            "fieldwork.invitations_howto_more"
                        } else {
                            "fieldwork.invitations_howto"
                        },
                        &[
                            ("id", id),
                            ("days", &crate::invitations::MIN_DAYS_BETWEEN_REMINDERS.to_string()),
                            ("rounds", &crate::invitations::MAX_REMINDER_ROUNDS.to_string()),
                        ],
                    )),
                    "invite_notes": invite_notes,
                    "mail_retry": mail_retry,
                    "interviewers": super::interviewer_links::section(
                        &state, lang, &survey, &links, &signed_in.0,
                    ),
                    "actions": actions,
                    "bulletin_href": in_lang(&format!("/admin/surveys/{id}/bulletin"), lang),
                    "preview_href": in_lang(&format!("/admin/surveys/{id}/preview"), lang),
                    "file_href": format!("/admin/surveys/{id}/survey.toml"),
                    // Where a changed file goes, while the survey's file may still change.
                    "import_href": current.takes_new_versions()
                        .then(|| in_lang("/admin/import", lang)),
                    "csv_href": format!("/admin/surveys/{id}/bulletin.csv"),
                    "results_href": (current == SurveyState::Published)
                        .then(|| in_lang(&format!("/results/{id}"), lang)),
                    "results_preview_href": (current == SurveyState::Closed)
                        .then(|| in_lang(&format!("/admin/surveys/{id}/results"), lang)),
                    "surveys_href": in_lang("/admin/surveys", lang),
                    "account_href": in_lang("/account", lang),
                    "extra_css": DASHBOARD_CSS,
                }),
            ),
        )?;
        Ok::<_, AppError>(private_page(StatusCode::OK, html))
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}
