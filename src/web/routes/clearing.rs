//! `POST /admin/surveys/{id}/clear`: the dashboard's retry of a clearing that a close could not
//! finish (the client-hash secret, invited addresses, arrival order; `Catalog::clear_fieldwork_traces`).
//! `minyi serve` retries at start and daily anyway; this lets a publisher who fixed the cause
//! finish it now. The button posts a token signed for this account and session and this survey,
//! valid for an hour (`confirmed::read_press`). Clearing is
//! idempotent: a stale token, or nothing owed, only shows the dashboard again.

use actix_web::{web, HttpRequest, HttpResponse};

use super::confirmed::read_press;
use super::{blocking, dashboard};
use crate::accounts::Account;
use crate::catalog::CatalogError;
use crate::transitions::{self, TransitionError};
use crate::web::{lang_of, AppError, AppState, SignedIn};

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
            let outcome = blocking(move || {
                Ok::<_, AppError>(transitions::clear_owed_traces(&catalog, &wanted, &actor))
            })
            .await?;
            match outcome {
                Ok(_) => done = Some("clear"),
                Err(unknown @ TransitionError::Catalog(CatalogError::UnknownSurvey(_))) => {
                    return Err(unknown.into())
                }
                Err(e) => {
                    tracing::warn!(survey = %id, error = %e, "clearing a closed survey's traces failed again");
                    done = Some("clear_failed");
                }
            }
        }
        Ok::<_, AppError>(dashboard::back_to(&id, done, lang))
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}
