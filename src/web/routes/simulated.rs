//! `/admin/surveys/{id}/simulated`: deleting a survey's simulated responses (`minyi simulate`'s
//! trial run) from the web, as `minyi simulate ID --remove` does (`analysis::remove_simulated`):
//! residents' responses stay, the deletion is audited with the account that did it, and it is
//! refused once the results are published.
//!
//! GET says how many will go and asks to confirm; the button posts a token signed for this
//! account and session and this survey, valid for an hour (`confirmed`). With no simulated
//! response left (pressed twice, or Back), both lead to the dashboard.

use actix_web::{web, HttpRequest, HttpResponse};

use super::confirmed::{read_press, refusal, Confirmation};
use super::{blocking, dashboard, in_lang};
use crate::accounts::Account;
use crate::analysis::{remove_simulated, stored_fieldwork_progress, AnalysisError};
use crate::lifecycle::SurveyState;
use crate::survey::Lang;
use crate::web::{lang_of, AppError, AppState, SignedIn};

/// The page asking to delete survey `id`'s simulated responses.
pub(super) fn href(id: &str, lang: Lang) -> String {
    in_lang(&format!("/admin/surveys/{id}/simulated"), lang)
}

/// What the button's token is signed for: the deletion, the survey, the account and its
/// session epoch.
fn scope(id: &str, account: &Account) -> String {
    format!(
        "remove-simulated {id} {} {}",
        account.id, account.session_epoch
    )
}

pub async fn confirm(
    req: HttpRequest,
    path: web::Path<String>,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    confirmation(&state, &req, lang, path.into_inner(), &signed_in.0, None)
        .await
        .unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}

/// The confirmation (with `problem` above it when asked again), why the deletion is refused
/// (published results), or the dashboard when there is nothing to delete.
async fn confirmation(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    id: String,
    account: &Account,
    problem: Option<String>,
) -> Result<HttpResponse, AppError> {
    let catalog = state.catalog.clone();
    let wanted = id.clone();
    let (survey, simulated) = blocking(move || {
        let survey = catalog.require(&wanted)?;
        let simulated = stored_fieldwork_progress(&catalog, &wanted)?.simulated;
        Ok::<_, AppError>((survey, simulated))
    })
    .await?;
    if simulated <= 0 {
        return Ok(dashboard::back_to(&id, None, lang));
    }
    let m = state.pages.messages();
    let title = survey.definition.title.get(lang);
    let count = simulated.to_string();
    if survey.record.state == SurveyState::Published {
        return refused(state, req, lang, &id, title);
    }
    Confirmation {
        heading: m.format(
            lang,
            "lifecycle.confirm_remove_simulated_title",
            &[("title", title)],
        ),
        problem,
        paragraphs: vec![m.format(
            lang,
            "lifecycle.effect_remove_simulated",
            &[("count", &count)],
        )],
        post_href: format!("/admin/surveys/{id}/simulated"),
        confirm: m.format(
            lang,
            "lifecycle.confirm_remove_simulated",
            &[("count", &count)],
        ),
        ..Confirmation::default()
    }
    .render(state, req, lang, &id, &scope(&id, account))
}

/// Published results are final: nothing is deleted (409).
fn refused(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    id: &str,
    title: &str,
) -> Result<HttpResponse, AppError> {
    let m = state.pages.messages();
    let heading = m.text(lang, "lifecycle.refused_remove_simulated_title");
    let reason = m.text(lang, "lifecycle.refused_remove_simulated_published");
    refusal(state, req, lang, id, &heading, &reason, title)
}

pub async fn remove(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let id = path.into_inner();
    let account = signed_in.0;
    let mut lang = lang_of(&req);
    let result = async {
        let press = read_press(&req, payload, &state, lang, &scope(&id, &account)).await?;
        lang = press.lang;
        if !press.pressed {
            let problem = Some(press.expired(&state));
            return confirmation(&state, &req, lang, id, &account, problem).await;
        }
        let catalog = state.catalog.clone();
        let wanted = id.clone();
        let actor = account.email.clone();
        let (definition, outcome) = blocking(move || {
            let definition = catalog.require(&wanted)?.definition;
            Ok::<_, AppError>((definition, remove_simulated(&catalog, &wanted, &actor)))
        })
        .await?;
        match outcome {
            Ok(0) => Ok(dashboard::back_to(&id, None, lang)),
            Ok(_) => Ok(dashboard::back_to(&id, Some("simulated_removed"), lang)),
            Err(AnalysisError::AlreadyPublished(_)) => {
                refused(&state, &req, lang, &id, definition.title.get(lang))
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}
