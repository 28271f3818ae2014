//! `/i/{token}`: an invitation link. GET shows the survey with the invitation's county set;
//! POST stores the answers (channel `invitation`) and uses the invitation up, once. A used
//! link gets a polite page saying so. The token never reaches a log: requests are logged by
//! route pattern, and only its hash is looked up.

use actix_web::{web, HttpRequest, HttpResponse};

use super::blocking;
use super::survey::{
    invitation_used_page, open_survey, receive, send_again_later, show_form, Entry,
};
use crate::invitations::{hash_token, looks_like_token};
use crate::storage::{self, InvitationRecord};
use crate::web::{lang_of, AppError, AppState};

pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let token = path.into_inner();
    let result = async {
        let invitation = find(&state, &token).await?;
        if invitation.used {
            return Ok(invitation_used_page(
                &state,
                &req,
                lang,
                &invitation.survey_id,
            ));
        }
        let survey = open_survey(&state, invitation.survey_id.clone(), None).await?;
        super::survey::read_full_counties(&state, &survey).await;
        show_form(
            &state,
            &req,
            lang,
            &survey,
            &Entry::Invitation { token, invitation },
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
    let invitation = match find(&state, &token).await {
        Ok(invitation) => invitation,
        // The database, not the link: the answers go back to be sent again.
        Err(e @ (AppError::Unavailable(_) | AppError::Unexpected(_))) => {
            return send_again_later(req, payload, &state, format!("/i/{token}"), e).await
        }
        Err(e) => return e.render(&state.pages, lang, &req, None),
    };
    // A used invitation is answered once the form's token is read (a double tap of the form
    // that used it is thanked); two forms racing on one invitation are settled by the
    // writer's transaction that stores them (`storage::store_submissions`).
    let survey_id = invitation.survey_id.clone();
    receive(
        req,
        payload,
        state,
        survey_id,
        Entry::Invitation { token, invitation },
    )
    .await
}

/// The invitation a token leads to; 404 for anything we did not issue.
pub(super) async fn find(state: &AppState, token: &str) -> Result<InvitationRecord, AppError> {
    let hash = link_hash(token)?;
    let catalog = state.catalog.clone();
    blocking(move || {
        let mut conn = catalog.database().conn()?;
        storage::find_invitation_by_link(&mut conn, &hash)
    })
    .await?
    .ok_or(AppError::InvitationNotFound)
}

/// The hash an invitation link is stored by; 404 at once for anything that is not a token we
/// could have made.
pub(super) fn link_hash(token: &str) -> Result<String, AppError> {
    if looks_like_token(token) {
        Ok(hash_token(token))
    } else {
        Err(AppError::InvitationNotFound)
    }
}
