//! One file per resource.

pub mod account;
pub mod admin;
pub mod health;
pub mod home;
pub mod invitation;
pub mod login;
pub mod metrics;
pub mod results;
pub mod resultsets;
pub mod survey;

use actix_web::{web, HttpRequest, HttpResponse};

use super::{lang_from_query, AppError, AppState};

pub async fn not_found(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let lang = lang_from_query(req.query_string());
    AppError::NotFound.render(&state.pages, lang, &req, None)
}

/// Runs blocking catalog or storage work off the async workers.
pub(crate) async fn blocking<T, E>(
    work: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, AppError>
where
    T: Send + 'static,
    E: Into<AppError> + Send + 'static,
{
    match web::block(work).await {
        Ok(result) => result.map_err(Into::into),
        Err(e) => Err(AppError::Unexpected(anyhow::anyhow!(
            "blocking task failed: {e}"
        ))),
    }
}
