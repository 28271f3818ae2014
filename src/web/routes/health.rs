//! `/healthz`: 200 when the database answers, 503 otherwise (for load balancers).

use actix_web::{web, HttpResponse};

use super::blocking;
use crate::web::AppState;

/// How long the check waits for the database. A load balancer polls every few seconds and
/// gives up on a slow answer; a database that refuses connections made it wait out the pool's
/// 10 s, and a frozen one longer.
const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let catalog = state.catalog.clone();
    let checked = blocking(move || catalog.database().ping());
    let failure = match actix_web::rt::time::timeout(HEALTH_TIMEOUT, checked).await {
        Ok(Ok(())) => return HttpResponse::Ok().content_type("text/plain").body("ok"),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no answer within {} s", HEALTH_TIMEOUT.as_secs()),
    };
    tracing::warn!(error = %failure, "health check failed");
    HttpResponse::ServiceUnavailable()
        .content_type("text/plain")
        .body("database unavailable")
}
