//! The form as a page: fresh, switched to another language or text size with every answer in
//! place, or kept with its answers when they could not be stored just now.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use super::thanks::SAVED_PARAM;
use super::{open_survey, unix_now, Entry, SURVEY_STATE_MAX_AGE};
use crate::catalog::CurrentSurvey;
use crate::ingest::IngestError;
use crate::survey::{AnswerErrors, FormInput, Lang};
use crate::web::client::{client_cookie, sent_before, set_client_cookie};
use crate::web::routes::query_param;
use crate::web::survey_form::{FormContext, Notice, STARTED_FIELD};
use crate::web::{AppError, AppState, TokenProblem};

/// A fresh form, with the client cookie set if the browser has none.
pub(crate) fn show_form(
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

/// The form as posted, rendered again in `lang` (and the text size the request asks for), with
/// its token kept so that the time taken still counts from the first rendering.
pub(super) async fn switched_form(
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

/// A posted form that could not be stored just now (the network's allowance is used up, or the
/// database did not take it): it goes back with every answer in place and a notice saying why,
/// under the refusal's status and `Retry-After`. The token is the one posted, so a response that
/// was in fact stored is recognised when the resident presses Submit again.
pub(super) struct KeptForm<'a> {
    pub(super) survey: &'a CurrentSurvey,
    pub(super) entry: &'a Entry,
    pub(super) token: &'a str,
    pub(super) input: &'a FormInput,
}

impl KeptForm<'_> {
    /// The form back when its token is missing, expired or forged: nothing stored, nothing
    /// lost, every answer in place under a fresh token (422, or 403 for a forged one).
    pub(super) fn with_token_refused(
        &self,
        state: &AppState,
        req: &HttpRequest,
        lang: Lang,
        problem: TokenProblem,
        now: i64,
    ) -> Result<HttpResponse, AppError> {
        let key = match problem {
            TokenProblem::Missing => "token.missing",
            TokenProblem::Expired => "token.expired",
            TokenProblem::Forged => "token.forged",
        };
        let notice = Notice::Problem(state.pages.messages().text(lang, key));
        let survey_id = &self.survey.record.id;
        let fresh = state.tokens.issue(survey_id, now);
        // An expired form was begun when its token was issued: the time taken still counts
        // from then, not from the fresh token, or sending it again at once would read as
        // answered too fast.
        let mut input = self.input.clone();
        let started = input.first(STARTED_FIELD).filter(|started| {
            state
                .tokens
                .seconds_since_issued(survey_id, started, now)
                .is_some()
        });
        if problem == TokenProblem::Expired && started.is_none() && !self.token.is_empty() {
            input.set(STARTED_FIELD, self.token);
        }
        let mut page = render_form(
            state,
            req,
            lang,
            self.survey,
            self.entry,
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
        Ok(page)
    }

    pub(super) fn render(
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
                let ingest = match other {
                    AppError::Unavailable(e) => e.downcast_ref::<IngestError>(),
                    _ => None,
                };
                match ingest {
                    Some(IngestError::MayBeStored(_)) => "kept.may_be_saved",
                    Some(IngestError::OutOfDate(_)) => "kept.out_of_date",
                    _ => "kept.unavailable",
                }
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
pub(super) fn render_form(
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
