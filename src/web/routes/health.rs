//! `/healthz`: 200 when the database answers, 503 otherwise (for load balancers).

use actix_web::{web, HttpResponse};

use super::blocking;
use crate::web::AppState;

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let catalog = state.catalog.clone();
    match blocking(move || catalog.database().ping()).await {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unavailable")
        }
    }
}
