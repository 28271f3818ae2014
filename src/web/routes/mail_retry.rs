//! `POST /admin/surveys/{id}/mail/retry`: the dashboard's button sending a survey's messages
//! given up on again, once the mail server works (`invitations::retry_failed_mail`, as
//! `minyi mail retry ID` does), audited with the account. The button posts a token signed for
//! this account and session and this survey, valid for an hour (`confirmed::dashboard_press`).
//! Queuing again what is not failed does nothing, so a stale token, or nothing failed, only
//! shows the dashboard again.

use actix_web::{web, HttpRequest, HttpResponse};

use super::confirmed::dashboard_press;
use crate::accounts::Account;
use crate::invitations::retry_failed_mail;
use crate::web::{AppState, SignedIn};

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
    let (id, account) = (path.into_inner(), signed_in.0);
    let scope = scope(&id, &account);
    dashboard_press(
        req,
        payload,
        &state,
        id,
        &account,
        &scope,
        |catalog, id, actor| {
            let queued = retry_failed_mail(catalog, id, actor)?;
            Ok((queued > 0).then_some("mail_retried"))
        },
    )
    .await
}
