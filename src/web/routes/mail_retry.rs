//! `POST /admin/surveys/{id}/mail/retry`: the dashboard's button sending a survey's messages
//! given up on again, once the mail server works (`invitations::retry_failed_mail`, as
//! `minyi mail retry ID` does), audited with the account. The button posts a token signed for
//! this account and session and this survey, valid for an hour (`confirmed::read_press`).
//! Queuing again what is not failed does nothing, so a stale token, or nothing failed, only
//! shows the dashboard again.

use actix_web::{web, HttpRequest, HttpResponse};

use super::confirmed::read_press;
use super::{blocking, dashboard};
use crate::accounts::Account;
use crate::invitations::retry_failed_mail;
use crate::web::{lang_of, AppError, AppState, SignedIn};

/// What the button's token is signed for: the survey, the account and its session epoch.
pub(super) fn scope(id: &str, account: &Account) -> String {
    format!("mail-retry {id} {} {}", account.id, account.session_epoch)
}

pub async fn retry(
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
        let mut done = None;
        if press.pressed {
            let catalog = state.catalog.clone();
            let wanted = id.clone();
            let actor = account.email.clone();
            let queued = blocking(move || retry_failed_mail(&catalog, &wanted, &actor)).await?;
            if queued > 0 {
                done = Some("mail_retried");
            }
        }
        Ok::<_, AppError>(dashboard::back_to(&id, done, lang))
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}
