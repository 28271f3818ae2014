//! A posted form: read within its size limit, checked (token, answers), flagged, scrubbed and
//! stored once through the writer, or sent back with every answer kept.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form_page::{render_form, switched_form, KeptForm};
use super::thanks::{invitation_used_page, see_thanks, thanked, Thanks};
use super::{last_read_if_open, open_survey, unix_now, Entry, SURVEY_STATE_MAX_AGE};
use crate::catalog::CurrentSurvey;
use crate::storage::{self, InsertOutcome, NewResponse, Submission};
use crate::survey::{stored_answers, FormInput, Lang};
use crate::web::client::{client_address, client_cookie};
use crate::web::honeypot;
use crate::web::metrics::Outcome;
use crate::web::routes::blocking;
use crate::web::routes::posted::{read_form_within, PostedForm};
use crate::web::survey_form::{STARTED_FIELD, SWITCH_FIELD};
use crate::web::{lang_of, AppError, AppState, CheckedToken};

/// The longest a resident waits for the writer to say a response is stored. A database that
/// stalls without refusing (a frozen server, a network path gone quiet) would otherwise hold
/// the request for as long as it stalls; the form goes back instead, with 503 and every answer:
/// "not saved" when no writer had taken it (it is then withdrawn), "may be saved, send it again"
/// when one had (sending the same form again stores nothing twice: its token is the response's
/// id). Longer than SQLite's 10 s busy timeout, so a write lock held elsewhere is answered by
/// the writer's own refusal, which is exact.
const ACKNOWLEDGED_WITHIN: std::time::Duration = std::time::Duration::from_secs(15);

pub async fn submit(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    receive(req, payload, state, path.into_inner(), Entry::OpenLink).await
}

/// The largest form survey `id` takes: `MINYI_BODY_LIMIT`, which holds every answer but free
/// text, and what its text boxes may hold besides (`Survey::free_text_form_bytes`), so that a
/// box filled to its limit is never refused as too large, losing the form. Known from the
/// survey as this process last read it, without a query; an unknown survey gets the plain
/// limit.
fn form_limit(state: &AppState, id: &str) -> usize {
    let text = state
        .catalog
        .last_definition(id)
        .map_or(0, |survey| survey.free_text_form_bytes());
    state.body_limit.saturating_add(text)
}

/// [`form_limit`] with the survey read again: asked only of a form that outgrows the first,
/// which this process may have from an old reading (a version imported on another node since
/// may let the boxes hold more) or none. A database that cannot be read just now is a 503
/// ("try again"), not a form "too long".
async fn form_limit_read_again(state: &AppState, id: &str) -> Result<usize, AppError> {
    let catalog = state.catalog.clone();
    let id = id.to_owned();
    let text = blocking(move || catalog.current(&id))
        .await
        .map_err(|e| match e {
            AppError::Unexpected(e) => AppError::Unavailable(e),
            other => other,
        })?
        .map_or(0, |survey| survey.definition.free_text_form_bytes());
    Ok(state.body_limit.saturating_add(text))
}

/// Validates a posted form and stores it once, as `entry` says: through the open link,
/// through an invitation, which the same transaction then uses up, or through an interviewer's
/// link (no client hash; on to a fresh form).
pub(crate) async fn receive(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    id: String,
    entry: Entry,
) -> HttpResponse {
    let query_lang = lang_of(&req);
    let mut lang = query_lang;
    let result = async {
        let PostedForm {
            fields,
            lang: asked,
        } = read_form_within(
            &req,
            payload,
            &state,
            query_lang,
            form_limit(&state, &id),
            || form_limit_read_again(&state, &id),
        )
        .await?;
        if fields.first(SWITCH_FIELD).is_some() {
            // The language or text-size button: the same form back, switched as the address's
            // query says, every answer in place; nothing checked or stored. The text-size
            // button's address names no language: the form's own (`_lang`) is kept, so that a
            // Chinese page stays Chinese on a phone whose browser asks for English.
            let lang = crate::web::i18n::lang_asked(req.query_string()).unwrap_or(asked);
            // A used invitation's form is not shown again, as its link's GET does not show it.
            if let Entry::Invitation { invitation, .. } = &entry {
                if invitation.used {
                    return Ok(invitation_used_page(&state, &req, lang, &id));
                }
            }
            return switched_form(&state, &req, lang, &id, &entry, fields).await;
        }
        lang = asked;
        let admitted = state.admit(&req);
        if admitted.is_ok() && honeypot::is_filled(&fields) {
            // Looks like success to the robot; nothing is stored.
            // Thanked exactly as a stored form is, cookie included, so nothing tells it apart.
            return Ok(Outcome::HONEYPOT.tag(thanked(
                &state,
                &req,
                &id,
                &entry,
                lang,
                Thanks::First,
            )));
        }
        let token = fields.first("_token").map(str::to_owned);
        let mut input = fields;
        // The writer checks again that the survey is open, in the transaction that stores.
        let (survey, unreachable) =
            match open_survey(&state, id.clone(), Some(SURVEY_STATE_MAX_AGE)).await {
                Ok(survey) => (survey, None),
                // The database cannot be reached just now (or a pooled connection it dropped
                // failed): nothing could be stored, but the answers must not be lost. With
                // the survey as this process last read it, the form goes back with every one,
                // as when the writer cannot store them.
                Err(AppError::Unavailable(e) | AppError::Unexpected(e)) => {
                    match last_read_if_open(&state, &id) {
                        Some(last) => (last, Some(AppError::Unavailable(e))),
                        None => return Err(AppError::Unavailable(e)),
                    }
                }
                Err(other) => return Err(other),
            };
        if let Some(code) = entry.fixed_stratum() {
            input.set(&survey.definition.strata.question, code);
        }
        let kept = KeptForm {
            survey: &survey,
            entry: &entry,
            token: token.as_deref().unwrap_or(""),
            input: &input,
        };
        if let Some(unreachable) = unreachable {
            return Ok(kept.render(&state, &req, lang, unreachable));
        }
        if let Err(limited) = admitted {
            return Ok(kept.render(&state, &req, lang, limited));
        }
        let now = unix_now();

        let checked = match state.tokens.check(&survey.record.id, token.as_deref(), now) {
            Ok(checked) => checked,
            Err(problem) => {
                let page = kept.with_token_refused(&state, &req, lang, problem, now)?;
                return Ok(Outcome::TOKEN.tag(page));
            }
        };

        if matches!(&entry, Entry::Invitation { invitation, .. } if invitation.used) {
            return through_used_invitation(&state, &req, lang, &survey, &checked).await;
        }
        let definition = &survey.definition;
        let mut answers = match definition.validate(&input) {
            Ok(answers) => answers,
            Err(errors) => {
                let mut page = render_form(
                    &state,
                    &req,
                    lang,
                    &survey,
                    &entry,
                    token.as_deref().unwrap_or(""),
                    &input,
                    Some(&errors),
                    None,
                )?;
                *page.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
                return Ok(page);
            }
        };
        let stratum = definition
            .stratum_of(&answers)
            .map(str::to_owned)
            .ok_or_else(|| AppError::BadRequest("the county question has no answer".into()))?;
        let taken = time_taken(&state, &survey.record.id, &checked, &input, now);
        let flags = definition.quality_flags(&answers, u32::try_from(taken).ok());
        crate::privacy::scrub_free_text(definition, &mut answers);
        let cookie = client_cookie(&req);
        let address = client_address(&req, &state.trusted_proxies);
        let quota = definition.stratum(&stratum).and_then(|s| s.quota);
        let quota_county = quota.map(|_| stratum.clone());
        let mut response = NewResponse {
            slot: storage::slot_of(survey.record.number, &checked.response_id),
            id: checked.response_id,
            survey_id: survey.record.id.clone(),
            version: survey.record.current_version.clone(),
            stratum,
            channel: entry.channel().to_owned(),
            answers: stored_answers::encode(definition, &answers),
            quality_flags: crate::survey::encode_flags(&flags),
            // The date where the survey runs (China's, unless its file says otherwise).
            submitted_on: definition.local_date(chrono::Utc::now()).to_string(),
            client_hash: None,
        };
        let stored = async {
            // An interviewer's device answers for many residents: no client hash.
            if !matches!(entry, Entry::Interviewer { .. }) {
                let secret = match state.catalog.cached_client_secret(&response.survey_id) {
                    Some(secret) => secret,
                    None => {
                        let catalog = state.catalog.clone();
                        let survey_id = response.survey_id.clone();
                        blocking(move || catalog.client_secret(&survey_id)).await?
                    }
                };
                response.client_hash = Some(secret.client_hash(cookie.as_deref(), address));
            }
            // Returns only once the response is durably committed (or refused).
            let submission = Submission {
                response,
                quota,
                invitation_id: entry.invitation_id(),
            };
            Ok::<_, AppError>(state.ingest.submit(submission, ACKNOWLEDGED_WITHIN).await?)
        }
        .await;
        let outcome = match stored {
            Ok(InsertOutcome::Stored) => Outcome::ACCEPTED,
            // An earlier copy of the same form was stored: either way the resident is done.
            Ok(InsertOutcome::AlreadyStored) => Outcome::DUPLICATE,
            Ok(InsertOutcome::QuotaFull) => {
                if let Some(county) = &quota_county {
                    state.full_counties.mark_full(&id, county);
                }
                return Err(AppError::QuotaFull);
            }
            Ok(InsertOutcome::InvitationUsed) => {
                return Ok(invitation_used_page(&state, &req, lang, &id))
            }
            Ok(InsertOutcome::SurveyClosed) => {
                state.catalog.forget_secret(&id);
                return Err(AppError::SurveyClosed);
            }
            // Not stored just now: the form goes back with every answer.
            Err(unavailable @ AppError::Unavailable(_)) => {
                return Ok(kept.render(&state, &req, lang, unavailable))
            }
            Err(other) => return Err(other),
        };
        let thanks = if outcome == Outcome::DUPLICATE {
            Thanks::Again
        } else {
            Thanks::First
        };
        Ok(outcome.tag(thanked(
            &state,
            &req,
            &survey.record.id,
            &entry,
            lang,
            thanks,
        )))
    }
    .await;
    let back = entry.action(&id);
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, Some((&back, "error.back"))))
}

/// A form sent through an invitation already used: this very form again (a double tap after it
/// went through) is thanked; any other is told the invitation is spent.
async fn through_used_invitation(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    survey: &CurrentSurvey,
    checked: &CheckedToken,
) -> Result<HttpResponse, AppError> {
    let catalog = state.catalog.clone();
    let id = checked.response_id.clone();
    let number = survey.record.number;
    let stored = blocking(move || {
        let mut conn = catalog.database().conn()?;
        storage::is_stored(&mut conn, number, &id)
    })
    .await?;
    let survey_id = &survey.record.id;
    Ok(if stored {
        Outcome::DUPLICATE.tag(see_thanks(req, survey_id, lang, Thanks::Again, true))
    } else {
        invitation_used_page(state, req, lang, survey_id)
    })
}

/// Seconds the resident took, for the quality flags: since this page's token was issued, or
/// since the page on which they began (`_started`) if that is earlier and its token is one this
/// server signed for the survey. Without it a form brought back by `draft.js` and finished in
/// under a minute would be flagged too fast and left out of the figures.
fn time_taken(
    state: &AppState,
    survey_id: &str,
    checked: &CheckedToken,
    input: &FormInput,
    now: i64,
) -> i64 {
    input
        .first(STARTED_FIELD)
        .and_then(|started| state.tokens.seconds_since_issued(survey_id, started, now))
        .map_or(checked.elapsed_seconds, |since| {
            since.max(checked.elapsed_seconds)
        })
}

/// What a link's form sent (`/i/…`, `/iv/…`) gets when the link itself could not be looked up
/// for the database (`refused`, 503): nothing is known of its survey to show the form again,
/// so the page holds the form as posted, in hidden fields, with a button that sends it to
/// `action` again. Nothing is lost, though an interviewer's device keeps no copy of its own.
pub(crate) async fn send_again_later(
    req: HttpRequest,
    payload: web::Payload,
    state: &AppState,
    action: String,
    refused: AppError,
) -> HttpResponse {
    tracing::error!(error = ?refused, "a link's form not stored: its link could not be read");
    // Whatever kept the link from being read, the sender is to try again: 503, not 500.
    let refused = match refused {
        AppError::Unexpected(e) => AppError::Unavailable(e),
        other => other,
    };
    let lang = lang_of(&req);
    // The form's free text is allowed for without knowing the survey: up to this much more.
    const TEXT_ALLOWANCE: usize = 256 * 1024;
    let limit = state.body_limit.saturating_add(TEXT_ALLOWANCE);
    let posted = read_form_within(&req, payload, state, lang, limit, || async { Ok(limit) }).await;
    let page = posted.and_then(|PostedForm { fields, lang }| {
        let fields: Vec<_> = fields
            .pairs()
            .map(|(name, value)| serde_json::json!({ "name": name, "value": value }))
            .collect();
        let view = serde_json::json!({
            "page_title": state.pages.messages().text(lang, "kept.resend_title"),
            "action": action,
            "fields": fields,
            // The language and text-size switches send the kept form, not a link to an empty one.
            "switch_form": "resend",
        });
        Ok(state.pages.render("resend", lang, &req, view)?)
    });
    match page {
        Ok(body) => {
            let mut response = HttpResponse::build(refused.status());
            if let Some(seconds) = refused.retry_after() {
                response.insert_header((header::RETRY_AFTER, seconds));
            }
            response
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .content_type("text/html; charset=utf-8")
                .body(body)
        }
        Err(e) => e.render(&state.pages, lang, &req, None),
    }
}
