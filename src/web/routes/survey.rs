//! `/s/{id}`: the resident's path. GET renders the form; POST validates and stores the answers
//! once (303 to the thanks page) or re-renders the form with every answer kept: 422 with each
//! problem next to its question, or 429 and 503 when the answers could not be stored just now.
//! The same form and submission serve invitation links (`invitation.rs`) and interviewer links
//! (`interviewer.rs`), told apart by `Entry`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::posted::{read_form_within, PostedForm};
use super::{blocking, public_base, query_param};
use crate::catalog::CurrentSurvey;
use crate::lifecycle::SurveyState;
use crate::storage::{
    self, InsertOutcome, InterviewerLinkRecord, InvitationRecord, NewResponse, Submission,
};
use crate::survey::{stored_answers, AnswerErrors, FormInput, Lang};
use crate::web::client::{
    client_address, client_cookie, sent_before, set_client_cookie, set_invitation_sent_cookie,
    set_sent_cookie,
};
use crate::web::honeypot;
use crate::web::metrics::Outcome;
use crate::web::pages::{MessagePage, SentDraft};
use crate::web::survey_form::{draft_key, FormContext, Notice, STARTED_FIELD, SWITCH_FIELD};
use crate::web::{lang_of, AppError, AppState, CheckedToken, TokenProblem};

pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let id = path.into_inner();
    let result = async {
        let survey = open_survey_or_remembered(&state, &id).await?;
        read_full_counties(&state, &survey).await;
        show_form(&state, &req, lang, &survey, &Entry::OpenLink)
    }
    .await;
    result.unwrap_or_else(|e: AppError| {
        // A survey whose results are out: the closed page leads to them.
        let published = matches!(e, AppError::SurveyClosed)
            && state
                .catalog
                .recent(&id, std::time::Duration::from_secs(5))
                .is_some_and(|s| s.record.state == SurveyState::Published);
        let results = format!("/results/{id}");
        let back = published.then_some((results.as_str(), "error.see_results"));
        e.render(&state.pages, lang, &req, back)
    })
}

/// How long a resident opening the form waits for the database before the survey as this
/// process last read it is shown instead (the pool itself would wait 10 s, then answer 503).
const FORM_LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The open survey, read now; while the database does not answer, the survey as this process
/// last read it (every survey is read at start), if it was open then. The resident can fill the
/// form in meanwhile: a submission the database cannot take yet comes back with every answer.
async fn open_survey_or_remembered(state: &AppState, id: &str) -> Result<CurrentSurvey, AppError> {
    let lookup = open_survey(state, id.to_owned(), None);
    let error = match actix_web::rt::time::timeout(FORM_LOOKUP_TIMEOUT, lookup).await {
        Ok(Ok(survey)) => return Ok(survey),
        Ok(Err(AppError::Unavailable(e) | AppError::Unexpected(e))) => e,
        Ok(Err(other)) => return Err(other),
        Err(_) => anyhow::anyhow!(
            "the database did not answer within {} s",
            FORM_LOOKUP_TIMEOUT.as_secs()
        ),
    };
    let remembered = last_read_if_open(state, id);
    // The survey is named only when it is one this process knows: the path segment is what
    // the visitor typed, which could be anything (docs/privacy.md, "Logs").
    let known = state.catalog.has_seen(id);
    tracing::warn!(survey = if known { id } else { "(not a known survey)" }, error = %error, "database unavailable: the form is shown as last read, if it was open then");
    remembered.ok_or(AppError::Unavailable(error))
}

/// Reads which counties of a survey with quotas are full, unless read lately
/// (`FullCounties`). Best effort: if the database does not answer within the form's own
/// patience, the form is shown with what was known.
pub(super) async fn read_full_counties(state: &web::Data<AppState>, survey: &CurrentSurvey) {
    let id = &survey.record.id;
    if !state.full_counties.stale(id, &survey.definition) {
        return;
    }
    let catalog = state.catalog.clone();
    let survey_id = id.clone();
    let read = blocking(move || {
        let mut conn = catalog.database().conn()?;
        storage::quota_places_taken(&mut conn, &survey_id)
    });
    match actix_web::rt::time::timeout(FORM_LOOKUP_TIMEOUT, read).await {
        Ok(Ok(taken)) => state.full_counties.record(id, &survey.definition, &taken),
        Ok(Err(e)) => tracing::debug!(survey = %id, error = %e, "quota places not read"),
        Err(_) => tracing::debug!(survey = %id, "quota places not read in time"),
    }
}

/// The survey as this process last read it (every survey is read at start), if it was open
/// then: what a resident's form is shown or kept with while the database cannot be asked.
fn last_read_if_open(state: &AppState, id: &str) -> Option<CurrentSurvey> {
    state
        .catalog
        .recent(id, std::time::Duration::MAX)
        .filter(|survey| survey.record.state == SurveyState::Open)
}

/// How the resident came to the form.
pub(super) enum Entry {
    /// The survey's public address, `/s/{id}`.
    OpenLink,
    /// A single-use invitation link, `/i/{token}`.
    Invitation {
        token: String,
        invitation: InvitationRecord,
    },
    /// An interviewer's link, `/iv/{token}`, used for every resident they interview.
    Interviewer {
        token: String,
        link: InterviewerLinkRecord,
    },
}

impl Entry {
    /// Where the form posts to (and where a resident is sent back to).
    fn action(&self, survey_id: &str) -> String {
        match self {
            Entry::OpenLink => format!("/s/{survey_id}"),
            Entry::Invitation { token, .. } => format!("/i/{token}"),
            Entry::Interviewer { token, .. } => format!("/iv/{token}"),
        }
    }

    /// The county the invitation set, which the resident does not choose again.
    fn fixed_stratum(&self) -> Option<&str> {
        match self {
            Entry::OpenLink => None,
            Entry::Invitation { invitation, .. } => invitation.stratum.as_deref(),
            Entry::Interviewer { link, .. } => link.stratum.as_deref(),
        }
    }

    fn channel(&self) -> &'static str {
        match self {
            Entry::OpenLink => "open_link",
            Entry::Invitation { .. } => "invitation",
            Entry::Interviewer { .. } => "interviewer",
        }
    }

    fn invitation_id(&self) -> Option<String> {
        match self {
            Entry::Invitation { invitation, .. } => Some(invitation.id.clone()),
            Entry::OpenLink | Entry::Interviewer { .. } => None,
        }
    }

    /// Where the phone keeps the answers until they are sent: nowhere on an interviewer's
    /// device, which one resident's answers must never reach the next one's form from.
    fn draft_key(&self, survey_id: &str) -> Option<String> {
        match self {
            Entry::OpenLink => Some(draft_key(survey_id, false)),
            Entry::Invitation { .. } => Some(draft_key(survey_id, true)),
            Entry::Interviewer { .. } => None,
        }
    }
}

/// A fresh form, with the client cookie set if the browser has none.
pub(super) fn show_form(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    survey: &CurrentSurvey,
    entry: &Entry,
) -> Result<HttpResponse, AppError> {
    // A link that sets a county already full: its form could never be sent (the county is not
    // the resident's to change), so say so now, not after ten minutes of answers.
    if let Some(county) = entry.fixed_stratum() {
        if state
            .full_counties
            .of(&survey.record.id)
            .iter()
            .any(|full| full == county)
        {
            return Err(AppError::QuotaFull);
        }
    }
    let token = state.tokens.issue(&survey.record.id, unix_now());
    let m = state.pages.messages();
    let notice = match entry {
        Entry::OpenLink if sent_before(req) => {
            Some(Notice::SentBefore(m.text(lang, "survey.sent_before")))
        }
        // The form after an interview's (`interviewer_saved`): the last one was stored.
        Entry::Interviewer { .. } => match query_param(req, SAVED_PARAM).as_deref() {
            Some("1") => Some(Notice::Note(m.text(lang, "survey.interviewer_saved"))),
            Some("again") => Some(Notice::Note(m.text(lang, "survey.interviewer_saved_again"))),
            _ => None,
        },
        _ => None,
    };
    let mut page = render_form(
        state,
        req,
        lang,
        survey,
        entry,
        &token,
        &FormInput::default(),
        None,
        notice,
    )?;
    // Sent back only with the form's own post: the public link's under /s/, an invitation's
    // under /i/ (without it, invitees behind one carrier address would share the network's
    // hash and be taken for one phone). An interviewer's device answers for many residents
    // and gets none: its responses carry no client hash.
    let path = match entry {
        Entry::OpenLink => Some("/s/"),
        Entry::Invitation { .. } => Some("/i/"),
        Entry::Interviewer { .. } => None,
    };
    if let (Some(path), None) = (path, client_cookie(req)) {
        let (name, value) = set_client_cookie(
            &crate::privacy::client::new_cookie_value(),
            path,
            state.secure_cookies,
        );
        if let Ok(value) = header::HeaderValue::from_str(&value) {
            page.headers_mut().insert(name, value);
        }
    }
    Ok(page)
}

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
pub(super) async fn receive(
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
                // Nothing is stored, nothing is lost: the form comes back with a fresh token and
                // every answer in place.
                let key = match problem {
                    TokenProblem::Missing => "token.missing",
                    TokenProblem::Expired => "token.expired",
                    TokenProblem::Forged => "token.forged",
                };
                let notice = Notice::Problem(state.pages.messages().text(lang, key));
                let fresh = state.tokens.issue(&survey.record.id, now);
                // An expired form was begun when its token was issued: the time taken still
                // counts from then, not from the fresh token, or sending it again at once would
                // read as answered too fast.
                let started = input.first(STARTED_FIELD).filter(|started| {
                    state
                        .tokens
                        .seconds_since_issued(&survey.record.id, started, now)
                        .is_some()
                });
                if problem == TokenProblem::Expired && started.is_none() {
                    if let Some(expired) = token.as_deref() {
                        input.set(STARTED_FIELD, expired);
                    }
                }
                let mut page = render_form(
                    &state,
                    &req,
                    lang,
                    &survey,
                    &entry,
                    &fresh,
                    &input,
                    None,
                    Some(notice),
                )?;
                *page.status_mut() = if problem == TokenProblem::Forged {
                    actix_web::http::StatusCode::FORBIDDEN
                } else {
                    actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
                };
                return Ok(Outcome::TOKEN.tag(page));
            }
        };

        if let Entry::Invitation { invitation, .. } = &entry {
            if invitation.used {
                // This very form again (a double tap after it went through) is thanked; any
                // other form through a used link is told the invitation is spent.
                let catalog = state.catalog.clone();
                let id = checked.response_id.clone();
                let number = survey.record.number;
                let stored = blocking(move || {
                    let mut conn = catalog.database().conn()?;
                    storage::is_stored(&mut conn, number, &id)
                })
                .await?;
                if !stored {
                    return Ok(invitation_used_page(&state, &req, lang, &survey.record.id));
                }
                return Ok(Outcome::DUPLICATE.tag(see_thanks(
                    &req,
                    &survey.record.id,
                    lang,
                    Thanks::Again,
                    true,
                )));
            }
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
            Ok::<_, AppError>(state.ingest.submit(submission).await?)
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

pub async fn thanks(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let id = path.into_inner();
    let result = async {
        let catalog = state.catalog.clone();
        let lookup = id.clone();
        let survey = blocking(move || catalog.current(&lookup))
            .await?
            .ok_or(AppError::NotFound)?;
        let state_now = survey.record.state;
        let m = state.pages.messages();
        let query = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
            .unwrap_or_default();
        let invited = query.iter().any(|(k, v)| k == "via" && v == "invitation");
        if !sent_before(&req) {
            return Ok(html(state.pages.message(
                lang,
                &req,
                unconfirmed_thanks(&state, lang, &id, invited, state_now),
            )?));
        }
        let (heading, paragraphs) = match Thanks::from_query(&query) {
            Thanks::First => ("thanks.title", ["thanks.body", "thanks.close"]),
            Thanks::Again => (
                "thanks.already_title",
                ["thanks.already_body", "thanks.body"],
            ),
        };
        let page = MessagePage {
            heading: m.text(lang, heading),
            paragraphs: paragraphs.iter().map(|key| m.text(lang, key)).collect(),
            link: Some((home_href(lang), m.text(lang, "thanks.home"))),
            role: "status",
            // The answers were sent: the copy this form kept on the phone goes (not the other
            // channel's: a household may have both under way on one phone).
            sent_draft: Some(SentDraft::Sent(draft_key(&id, invited))),
        };
        Ok(html(state.pages.message(lang, &req, page)?))
    }
    .await;
    result.unwrap_or_else(|e: AppError| e.render(&state.pages, lang, &req, None))
}

/// The thanks page opened on a phone that sent no form of this survey (no `minyi_sent` cookie):
/// a link forwarded in a chat, or a browser that keeps no cookies. It says both, and leads to
/// the public form while the survey is open, else to its results (or the home page, until they
/// are out); the answers kept on the phone go only if its script marked them sent minutes ago
/// (a browser without cookies that did send them), else they stay.
fn unconfirmed_thanks(
    state: &AppState,
    lang: Lang,
    id: &str,
    invited: bool,
    survey_state: SurveyState,
) -> MessagePage {
    let m = state.pages.messages();
    let (body, link) = match survey_state {
        SurveyState::Published => (
            "thanks.unconfirmed_over_body",
            (
                super::in_lang(&format!("/results/{id}"), lang),
                m.text(lang, "error.see_results"),
            ),
        ),
        SurveyState::Closed => (
            "thanks.unconfirmed_over_body",
            (home_href(lang), m.text(lang, "thanks.home")),
        ),
        SurveyState::Draft | SurveyState::Open => (
            "thanks.unconfirmed_body",
            (
                super::in_lang(&format!("/s/{id}"), lang),
                m.text(lang, "thanks.start"),
            ),
        ),
    };
    MessagePage {
        heading: m.text(lang, "thanks.unconfirmed_title"),
        paragraphs: vec![m.text(lang, body)],
        link: Some(link),
        role: "status",
        sent_draft: Some(SentDraft::PerhapsSent(draft_key(id, invited))),
    }
}

/// The polite answer to a second use of an invitation link (410: the link is spent). Its
/// answers were sent: a copy still on the phone goes.
pub(super) fn invitation_used_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    survey_id: &str,
) -> HttpResponse {
    let m = state.pages.messages();
    let page = MessagePage {
        heading: m.text(lang, "invitation.used_title"),
        paragraphs: vec![m.text(lang, "invitation.used_body")],
        link: Some((home_href(lang), m.text(lang, "thanks.home"))),
        role: "status",
        sent_draft: Some(SentDraft::Sent(draft_key(survey_id, true))),
    };
    match state.pages.message(lang, req, page) {
        Ok(body) => HttpResponse::Gone()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => AppError::Unexpected(e).render(&state.pages, lang, req, None),
    }
}

/// The survey's link as a QR code (SVG), for posters and leaflets.
pub async fn qr_code(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let result = async {
        let survey = open_survey(&state, path.into_inner(), None).await?;
        let link = format!("{}/s/{}", public_base(&state, &req), survey.record.id);
        let code = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("QR code for {link}: {e}")))?;
        let svg = code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build();
        Ok::<_, AppError>(
            HttpResponse::Ok()
                .content_type("image/svg+xml")
                .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
                .body(svg),
        )
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
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

/// How old the survey (its state and current version) may be when answers are validated,
/// sparing each submission a query. Showing a form always reads it afresh.
const SURVEY_STATE_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(1);

/// The survey if it is taking answers: unknown and draft surveys are 404, closed ones 410.
/// With `max_age`, a reading of the survey that recent will do.
pub(super) async fn open_survey(
    state: &AppState,
    id: String,
    max_age: Option<std::time::Duration>,
) -> Result<CurrentSurvey, AppError> {
    let recent = max_age.and_then(|age| state.catalog.recent(&id, age));
    let survey = match recent {
        Some(survey) => survey,
        None => {
            let catalog = state.catalog.clone();
            blocking(move || catalog.current(&id))
                .await?
                .ok_or(AppError::NotFound)?
        }
    };
    match survey.record.state {
        SurveyState::Open => Ok(survey),
        SurveyState::Draft => Err(AppError::NotFound),
        SurveyState::Closed | SurveyState::Published => {
            // Perhaps closed by another process: this one must not keep the secret either.
            state.catalog.forget_secret(&survey.record.id);
            Err(AppError::SurveyClosed)
        }
    }
}

/// The form as posted, rendered again in `lang` (and the text size the request asks for), with
/// its token kept so that the time taken still counts from the first rendering.
async fn switched_form(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    id: &str,
    entry: &Entry,
    mut input: FormInput,
) -> Result<HttpResponse, AppError> {
    let token = input.first("_token").map(str::to_owned);
    let survey = open_survey(state, id.to_owned(), Some(SURVEY_STATE_MAX_AGE)).await?;
    if let Some(code) = entry.fixed_stratum() {
        input.set(&survey.definition.strata.question, code);
    }
    let token = token
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| state.tokens.issue(&survey.record.id, unix_now()));
    // A form sent back with its problems marked says so (`_checked`): switched to large text
    // or another language, it keeps them marked, in the new language. A form not yet sent
    // is not checked, so a half-filled one is not covered in problems.
    let errors = (input.first("_checked") == Some("1"))
        .then(|| survey.definition.validate(&input).err())
        .flatten();
    render_form(
        state,
        req,
        lang,
        &survey,
        entry,
        &token,
        &input,
        errors.as_ref(),
        None,
    )
}

/// What a link's form sent (`/i/…`, `/iv/…`) gets when the link itself could not be looked up
/// for the database (`refused`, 503): nothing is known of its survey to show the form again,
/// so the page holds the form as posted, in hidden fields, with a button that sends it to
/// `action` again. Nothing is lost, though an interviewer's device keeps no copy of its own.
pub(super) async fn send_again_later(
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

/// A posted form that could not be stored just now (the network's allowance is used up, or the
/// database did not take it): it goes back with every answer in place and a notice saying why,
/// under the refusal's status and `Retry-After`. The token is the one posted, so a response that
/// was in fact stored is recognised when the resident presses Submit again.
struct KeptForm<'a> {
    survey: &'a CurrentSurvey,
    entry: &'a Entry,
    token: &'a str,
    input: &'a FormInput,
}

impl KeptForm<'_> {
    fn render(
        &self,
        state: &AppState,
        req: &HttpRequest,
        lang: Lang,
        refused: AppError,
    ) -> HttpResponse {
        let key = match &refused {
            AppError::RateLimited { .. } => "kept.rate_limited",
            other => {
                tracing::error!(error = ?other, "answers not stored; the form goes back with them");
                "kept.unavailable"
            }
        };
        let notice = Notice::Problem(state.pages.messages().text(lang, key));
        let (survey, entry) = (self.survey, self.entry);
        let page = render_form(
            state,
            req,
            lang,
            survey,
            entry,
            self.token,
            self.input,
            None,
            Some(notice),
        );
        match page {
            Ok(mut page) => {
                *page.status_mut() = refused.status();
                if let Some(seconds) = refused.retry_after() {
                    page.headers_mut()
                        .insert(header::RETRY_AFTER, seconds.into());
                }
                page
            }
            Err(e) => {
                tracing::error!(error = ?e, "cannot render the form with the kept answers");
                refused.render(
                    &state.pages,
                    lang,
                    req,
                    Some((&entry.action(&survey.record.id), "error.back")),
                )
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn render_form(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    survey: &CurrentSurvey,
    entry: &Entry,
    token: &str,
    input: &FormInput,
    errors: Option<&AnswerErrors>,
    notice: Option<Notice>,
) -> Result<HttpResponse, AppError> {
    let view = FormContext {
        survey: &survey.definition,
        lang,
        messages: state.pages.messages(),
        action: entry.action(&survey.record.id),
        fixed_stratum: entry.fixed_stratum(),
        full_counties: state.full_counties.of(&survey.record.id),
        token,
        input,
        errors,
        notice,
        draft_key: entry.draft_key(&survey.record.id),
        interviewer: matches!(entry, Entry::Interviewer { .. }),
    }
    .view();
    let page = state.pages.render("survey", lang, req, view)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(page))
}

/// A page that differs from phone to phone (the thanks page follows a cookie): never kept by
/// a shared cache.
fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// Which thanks a submitter sees: for the form just stored, or for one stored before. The
/// second matters after Back, a change and Submit again: the first answers stand, and the
/// resident should not believe the change counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Thanks {
    First,
    Again,
}

impl Thanks {
    fn from_query(query: &[(String, String)]) -> Thanks {
        let again = query.iter().any(|(k, v)| k == "again" && v == "1");
        if again {
            Thanks::Again
        } else {
            Thanks::First
        }
    }
}

/// The redirect to the thanks page, with the cookie that lets a form opened again through the
/// public link say that this browser has sent it.
fn thanked(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    entry: &Entry,
    lang: Lang,
    thanks: Thanks,
) -> HttpResponse {
    if let Entry::Interviewer { token, .. } = entry {
        return interviewer_saved(req, token, lang, thanks);
    }
    let invited = matches!(entry, Entry::Invitation { .. });
    let mut response = see_thanks(req, id, lang, thanks, invited);
    let (name, value) = if invited {
        set_invitation_sent_cookie(id, state.secure_cookies)
    } else {
        set_sent_cookie(id, state.secure_cookies)
    };
    if let Ok(value) = header::HeaderValue::from_str(&value) {
        response.headers_mut().insert(name, value);
    }
    response
}

/// The redirect to the thanks page; `invited`: the form came through an invitation, whose copy
/// kept on the phone the page deletes (`via=invitation`, which names no one).
fn see_thanks(
    req: &HttpRequest,
    id: &str,
    lang: Lang,
    thanks: Thanks,
    invited: bool,
) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            thanks_href(id, lang_to_name(req, lang), thanks, invited),
        ))
        .finish()
}

/// The language to name in the address a submission leads to: Chinese needs none unless the
/// next page would otherwise be read in English (no remembered choice, a browser that asks for
/// English).
fn lang_to_name(req: &HttpRequest, lang: Lang) -> Option<Lang> {
    (lang == Lang::En || crate::web::i18n::lang_unasked(req) != lang).then_some(lang)
}

/// The thanks page's address; `lang`: the language to name in it, if any.
fn thanks_href(id: &str, lang: Option<Lang>, thanks: Thanks, invited: bool) -> String {
    let mut query = Vec::new();
    if let Some(lang) = lang {
        query.push(if lang == Lang::En {
            "lang=en"
        } else {
            "lang=zh"
        });
    }
    if thanks == Thanks::Again {
        query.push("again=1");
    }
    if invited {
        query.push("via=invitation");
    }
    if query.is_empty() {
        format!("/s/{id}/thanks")
    } else {
        format!("/s/{id}/thanks?{}", query.join("&"))
    }
}

/// The query parameter that tells an interviewer's fresh form the last one was stored: `1`,
/// or `again` for a form stored before.
const SAVED_PARAM: &str = "saved";

/// After an interview's answers are stored: straight to a fresh form for the next resident,
/// which says the last one was stored. No cookie: the device is the interviewer's, not a
/// resident's.
fn interviewer_saved(req: &HttpRequest, token: &str, lang: Lang, thanks: Thanks) -> HttpResponse {
    let saved = match thanks {
        Thanks::First => "1",
        Thanks::Again => "again",
    };
    let lang = match lang_to_name(req, lang) {
        None => "",
        Some(Lang::En) => "&lang=en",
        Some(Lang::Zh) => "&lang=zh",
    };
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/iv/{token}?{SAVED_PARAM}={saved}{lang}"),
        ))
        .finish()
}

fn home_href(lang: Lang) -> String {
    super::in_lang("/", lang)
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}
