//! `POST /admin/surveys/{id}/clear`: the dashboard's retry of a clearing that a close could not
//! finish (the client-hash secret, invited addresses, arrival order;
//! `Catalog::clear_fieldwork_traces`). `minyi serve` retries at start and daily anyway; this
//! lets a publisher who fixed the cause finish it now. The button posts a token signed for this
//! account and session and this survey, valid for an hour (`confirmed::dashboard_press`).
//! Clearing is idempotent: a stale token, or nothing owed, only shows the dashboard again.

use actix_web::{web, HttpRequest, HttpResponse};

use super::confirmed::dashboard_press;
use crate::accounts::Account;
use crate::catalog::CatalogError;
use crate::transitions::{self, TransitionError};
use crate::web::{AppState, SignedIn};

/// What the button's token is signed for: the survey, the account and its session epoch.
pub(super) fn scope(id: &str, account: &Account) -> String {
    format!("clear {id} {} {}", account.id, account.session_epoch)
}

pub async fn clear(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (id, account) = (path.into_inner(), signed_in.0);
    let scope = scope(&id, &account);
    dashboard_press(req, payload, &state, id, &account, &scope, |catalog, id, actor| {
        match transitions::clear_owed_traces(catalog, id, actor) {
            Ok(_) => Ok(Some("clear")),
            Err(unknown @ TransitionError::Catalog(CatalogError::UnknownSurvey(_))) => {
                Err(unknown.into())
            }
            Err(e) => {
                tracing::warn!(survey = %id, error = %e, "clearing a closed survey's traces failed again");
                Ok(Some("clear_failed"))
            }
        }
    })
    .await
}
