//! `/admin/surveys/{id}/open|close|publish`: opening, closing and publishing from the web, by the
//! command line's rules and with its audit entries (`crate::transitions`), the signed-in account
//! named as the one who did it.
//!
//! GET shows what the move will do (responses so far, what cannot be undone) and asks to
//! confirm. The confirmation posts a token signed for this account and session, this survey and
//! this move, valid for an hour (`confirmed`): a move needs that page and a deliberate press.
//! Cross-site posts are refused (`Sec-Fetch-Site`, `Origin`; the session cookie is
//! `SameSite=Strict` as well); a post without a valid token gets the confirmation page again.
//! A move the rules refuse changes nothing and says why (409); a move already made (pressed
//! twice, or its page sent again after Back) leads to the dashboard, which says so.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::confirmed::{self, read_press, Confirmation};
use super::{blocking, dashboard, public_base};
use crate::accounts::Account;
use crate::analysis::stored_fieldwork_progress;
use crate::lifecycle::{SurveyState, Transition};
use crate::survey::Lang;
use crate::transitions::{self, Refused, TransitionError};
use crate::web::fieldwork_view::responses_line;
use crate::web::{lang_of, AppError, AppState, SignedIn};

/// The publish confirmation's box saying simulated responses are to be published: its value is
/// their number, so that a box ticked for other ones does not count.
const SIMULATED_FIELD: &str = "simulated";

/// What a confirmation token is signed for: the move, the survey, the account and its session
/// epoch (signing out everywhere voids the pages still open).
fn scope(action: Transition, id: &str, account: &Account) -> String {
    format!("{action} {id} {} {}", account.id, account.session_epoch)
}

pub async fn confirm_open(
    req: HttpRequest,
    path: web::Path<String>,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    confirm(req, path.into_inner(), signed_in.0, state, Transition::Open).await
}

pub async fn confirm_close(
    req: HttpRequest,
    path: web::Path<String>,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    confirm(
        req,
        path.into_inner(),
        signed_in.0,
        state,
        Transition::Close,
    )
    .await
}

pub async fn confirm_publish(
    req: HttpRequest,
    path: web::Path<String>,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    confirm(
        req,
        path.into_inner(),
        signed_in.0,
        state,
        Transition::Publish,
    )
    .await
}

pub async fn open(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let id = path.into_inner();
    perform(req, id, payload, signed_in.0, state, Transition::Open).await
}

pub async fn close(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let id = path.into_inner();
    perform(req, id, payload, signed_in.0, state, Transition::Close).await
}

pub async fn publish(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let id = path.into_inner();
    perform(req, id, payload, signed_in.0, state, Transition::Publish).await
}

async fn confirm(
    req: HttpRequest,
    id: String,
    account: Account,
    state: web::Data<AppState>,
    action: Transition,
) -> HttpResponse {
    let lang = lang_of(&req);
    confirmation(&state, &req, lang, id, action, &account, None)
        .await
        .unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}

/// The page asking to confirm `action` (with `problem` above it when asked again), or why the
/// survey's state does not allow it.
async fn confirmation(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    id: String,
    action: Transition,
    account: &Account,
    problem: Option<String>,
) -> Result<HttpResponse, AppError> {
    let catalog = state.catalog.clone();
    let accounts = state.accounts.clone();
    let wanted = id.clone();
    let (survey, progress, grantees) = blocking(move || {
        let survey = catalog.require(&wanted)?;
        let progress = stored_fieldwork_progress(&catalog, &wanted)?;
        let grantees = match action {
            Transition::Publish => accounts.grantees(&wanted)?.len(),
            Transition::Open | Transition::Close => 0,
        };
        Ok::<_, AppError>((survey, progress, grantees))
    })
    .await?;
    let title = survey.definition.title.get(lang);
    if survey.record.state == action.leads_to() {
        // Back to a confirmation page after its move was made: nothing to confirm.
        return Ok(already_done(&id, action, lang));
    }
    let illegal = survey.record.state.apply(action).err();
    let count = |n: i64| usize::try_from(n).unwrap_or(0);
    let refused = match &illegal {
        Some(illegal) => Some(Refused::Illegal(illegal)),
        // Said now, rather than after the button: publishing would be refused for it.
        None if action == Transition::Publish && progress.usable() <= 0 => {
            Some(Refused::NoUsableResponses {
                stored: count(progress.completed),
                excluded: count(progress.flagged_to_exclude),
            })
        }
        None => None,
    };
    if let Some(refused) = refused {
        return refusal(state, req, lang, &id, title, action, &refused);
    }
    let m = state.pages.messages();
    let responses = responses_line(m, lang, &progress);
    let state_text = m.text(lang, &format!("account.state_{}", survey.record.state));
    let mut paragraphs = vec![m.format(
        lang,
        "lifecycle.now",
        &[("state", &state_text), ("responses", &responses)],
    )];
    let simulated = progress.simulated.to_string();
    // Publishing simulated responses is final and marks the public page for good: said as a
    // warning, with the way to delete them, and only done once a box says it is meant.
    let (warning, acknowledge) = match (progress.simulated > 0, action) {
        (false, _) => (None, None),
        (true, Transition::Publish) => (
            Some(json!({
                "text": m.format(lang, "lifecycle.publish_simulated", &[("count", &simulated)]),
                "href": super::simulated::href(&id, lang),
                "link": m.text(lang, "fieldwork.simulated_remove"),
            })),
            Some(json!({
                "name": SIMULATED_FIELD,
                "value": simulated,
                "label": m.format(lang, "lifecycle.publish_simulated_confirm", &[("count", &simulated)]),
            })),
        ),
        (true, Transition::Open | Transition::Close) => {
            paragraphs.push(m.format(lang, "fieldwork.simulated", &[("count", &simulated)]));
            (None, None)
        }
    };
    if action == Transition::Open && survey.record.state == SurveyState::Closed {
        paragraphs.push(m.text(lang, "lifecycle.reopen_note"));
    }
    if action == Transition::Open {
        // Opening a file whose planned dates have passed (or not come) is allowed, and said
        // before the button: the results page will note answers outside the plan.
        let today = survey.definition.local_date(chrono::Utc::now());
        if let Some(note) = survey.definition.outside_fieldwork(today) {
            // A closed survey's file cannot change until it is reopened: the order differs.
            let key = match survey.record.state {
                SurveyState::Closed => "lifecycle.reopen_outside_fieldwork",
                _ => "lifecycle.open_outside_fieldwork",
            };
            paragraphs.push(m.format(lang, key, &[("note", &m.said(lang, &note))]));
        }
    }
    paragraphs.push(match action {
        Transition::Open => m.format(
            lang,
            "lifecycle.effect_open",
            &[("link", &format!("{}/s/{id}", public_base(state, req)))],
        ),
        Transition::Close => m.text(lang, "lifecycle.effect_close"),
        Transition::Publish => m.format(
            lang,
            "lifecycle.effect_publish",
            &[("link", &format!("{}/results/{id}", public_base(state, req)))],
        ),
    });
    if action == Transition::Publish {
        paragraphs.push(m.format(
            lang,
            "lifecycle.notify_publish",
            &[("count", &grantees.to_string())],
        ));
    }
    Confirmation {
        heading: m.format(
            lang,
            &format!("lifecycle.confirm_{action}_title"),
            &[("title", title)],
        ),
        problem,
        warning,
        acknowledge,
        paragraphs,
        post_href: format!("/admin/surveys/{id}/{action}"),
        confirm: m.text(lang, &format!("lifecycle.confirm_{action}")),
        results_preview_href: (action == Transition::Publish)
            .then(|| super::in_lang(&format!("/admin/surveys/{id}/results"), lang)),
    }
    .render(state, req, lang, &id, &scope(action, &id, account))
}

/// The dashboard, saying the survey is already where `action` leads (not an error: the move
/// the person asked for is made, by them a moment ago or by someone else).
fn already_done(id: &str, action: Transition, lang: Lang) -> HttpResponse {
    dashboard::back_to(id, Some(&format!("already_{action}")), lang)
}

/// Why survey `id` was left as it was (409).
fn refusal(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    id: &str,
    title: &str,
    action: Transition,
    refused: &Refused<'_>,
) -> Result<HttpResponse, AppError> {
    let m = state.pages.messages();
    let reason = match refused {
        Refused::Illegal(illegal) => m.text(
            lang,
            &format!("lifecycle.refused_{}", illegal.reason.name()),
        ),
        Refused::NoUsableResponses { stored, excluded } => m.format(
            lang,
            "lifecycle.refused_no_responses",
            &[
                ("stored", &stored.to_string()),
                ("excluded", &excluded.to_string()),
            ],
        ),
        Refused::CannotEvaluate(why) => m.format(
            lang,
            "lifecycle.refused_cannot_evaluate",
            &[("reason", why)],
        ),
        Refused::Raced => m.text(lang, "lifecycle.refused_raced"),
        // `perform` asks again with the box instead; said here only for completeness.
        Refused::SimulatedUnacknowledged { .. } => {
            m.text(lang, "lifecycle.publish_simulated_unconfirmed")
        }
    };
    let heading = m.text(lang, &format!("lifecycle.refused_{action}_title"));
    confirmed::refusal(state, req, lang, id, &heading, &reason, title)
}

async fn perform(
    req: HttpRequest,
    id: String,
    payload: web::Payload,
    account: Account,
    state: web::Data<AppState>,
    action: Transition,
) -> HttpResponse {
    let mut lang = lang_of(&req);
    let result = async {
        let press = read_press(&req, payload, &state, lang, &scope(action, &id, &account)).await?;
        lang = press.lang;
        if !press.pressed {
            // Nothing is done, and the person sees what they would be confirming.
            let problem = Some(press.expired(&state));
            return confirmation(&state, &req, lang, id, action, &account, problem).await;
        }
        let catalog = state.catalog.clone();
        let accounts = state.accounts.clone();
        let actor = account.email.clone();
        let wanted = id.clone();
        // The box's number; ticked but unreadable counts as ticked for another number.
        let acknowledged = press
            .fields
            .first(SIMULATED_FIELD)
            .map(|n| n.parse().unwrap_or(-1));
        let (definition, outcome, after) = blocking(move || {
            let definition = catalog.require(&wanted)?.definition;
            let outcome =
                transitions::perform(&catalog, &accounts, &wanted, action, &actor, acknowledged);
            let after = catalog.require(&wanted)?.record.state;
            Ok::<_, AppError>((definition, outcome.map(drop), after))
        })
        .await?;
        if let Err(TransitionError::SimulatedUnacknowledged { stored, given, .. }) = &outcome {
            // Asked again, the box now saying how many there are.
            let m = state.pages.messages();
            let problem = match given {
                Some(_) => m.format(
                    lang,
                    "lifecycle.publish_simulated_changed",
                    &[("count", &stored.to_string())],
                ),
                None => m.text(lang, "lifecycle.publish_simulated_unconfirmed"),
            };
            return confirmation(&state, &req, lang, id, action, &account, Some(problem)).await;
        }
        let done = || dashboard::back_to(&id, Some(action.name()), lang);
        match outcome {
            Ok(()) => Ok(done()),
            // Closed (and audited); the daily run finishes the clearing.
            Err(e) if e.closed_but_not_cleared() => {
                tracing::warn!(survey = %id, error = %e, "survey closed; clearing owed");
                Ok(done())
            }
            Err(e) => match e.refused() {
                // A second press, or the page sent again after going back: the survey is
                // already where the move leads, which is what the person wanted.
                Some(_) if after == action.leads_to() => Ok(already_done(&id, action, lang)),
                Some(refused) => {
                    let title = definition.title.get(lang);
                    refusal(&state, &req, lang, &id, title, action, &refused)
                }
                None => Err(e.into()),
            },
        }
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}
