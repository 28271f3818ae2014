//! `/s/{id}`: the resident's path. GET renders the form (`form_page`); POST validates and
//! stores the answers once (`receive`: 303 to the thanks page, `thanks`) or re-renders the form
//! with every answer kept: 422 with each problem next to its question, or 429 and 503 when the
//! answers could not be stored just now. The same form and submission serve invitation links
//! (`invitation.rs`) and interviewer links (`interviewer.rs`), told apart by [`Entry`].

mod entry;
mod form_page;
mod receive;
mod thanks;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{blocking, public_base};
use crate::catalog::CurrentSurvey;
use crate::lifecycle::SurveyState;
use crate::storage;
use crate::survey::Lang;
use crate::web::{lang_of, AppError, AppState};

pub(crate) use entry::Entry;
pub(crate) use form_page::show_form;
pub use receive::submit;
pub(crate) use receive::{receive, send_again_later};
pub(crate) use thanks::invitation_used_page;
pub use thanks::thanks;

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
pub(crate) async fn read_full_counties(state: &web::Data<AppState>, survey: &CurrentSurvey) {
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
pub(super) fn last_read_if_open(state: &AppState, id: &str) -> Option<CurrentSurvey> {
    state
        .catalog
        .recent(id, std::time::Duration::MAX)
        .filter(|survey| survey.record.state == SurveyState::Open)
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
        let svg = crate::web::qr::svg(&link, 240)?;
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

/// How old the survey (its state and current version) may be when answers are validated,
/// sparing each submission a query. Showing a form always reads it afresh.
pub(super) const SURVEY_STATE_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(1);

/// The survey if it is taking answers: unknown and draft surveys are 404, closed ones 410.
/// With `max_age`, a reading of the survey that recent will do.
pub(crate) async fn open_survey(
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

/// A page that differs from phone to phone (the thanks page follows a cookie): never kept by
/// a shared cache.
pub(super) fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

pub(super) fn home_href(lang: Lang) -> String {
    super::in_lang("/", lang)
}

pub(super) fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}
