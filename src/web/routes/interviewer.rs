//! `/iv/{token}`: an interviewer's link. GET shows the survey (with the link's county set, if
//! it sets one); POST stores the answers (channel `interviewer`, no client hash) and leads
//! straight to a fresh form for the next resident. A withdrawn link gets a page saying so.
//! The token never reaches a log: requests are logged by route pattern, and only its hash is
//! looked up.

use actix_web::{web, HttpRequest, HttpResponse};

use super::blocking;
use super::survey::{open_survey, read_full_counties, receive, send_again_later, show_form, Entry};
use crate::storage::InterviewerLinkRecord;
use crate::web::{lang_of, AppError, AppState};

pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let token = path.into_inner();
    let result = async {
        let link = find(&state, &token).await?;
        let survey = open_survey(&state, link.survey_id.clone(), None).await?;
        read_full_counties(&state, &survey).await;
        show_form(
            &state,
            &req,
            lang,
            &survey,
            &Entry::Interviewer { token, link },
        )
    }
    .await;
    result.unwrap_or_else(|e: AppError| e.render(&state.pages, lang, &req, None))
}

pub async fn submit(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let token = path.into_inner();
    let link = match find(&state, &token).await {
        Ok(link) => link,
        // The database, not the link: the interview's answers go back to be sent again.
        Err(e @ (AppError::Unavailable(_) | AppError::Unexpected(_))) => {
            return send_again_later(req, payload, &state, format!("/iv/{token}"), e).await
        }
        Err(e) => return e.render(&state.pages, lang, &req, None),
    };
    let survey_id = link.survey_id.clone();
    receive(
        req,
        payload,
        state,
        survey_id,
        Entry::Interviewer { token, link },
    )
    .await
}

/// The working link a token leads to: 404 for anything we did not issue, 410 once withdrawn.
async fn find(state: &AppState, token: &str) -> Result<InterviewerLinkRecord, AppError> {
    let catalog = state.catalog.clone();
    let token = token.to_owned();
    let link = blocking(move || crate::interviewers::find(&catalog, &token))
        .await?
        .ok_or(AppError::InterviewerLinkNotFound)?;
    if link.works() {
        Ok(link)
    } else {
        Err(AppError::InterviewerLinkWithdrawn)
    }
}
