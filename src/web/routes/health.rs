//! `/healthz`: 200 when the database answers and holds no schema newer than this build's, 503
//! otherwise (for load balancers: a node left running after another upgraded the database is
//! taken out of rotation).

use actix_web::{web, HttpResponse};

use crate::storage::StorageError;
use crate::web::AppState;

/// How long the check (and `/metrics`' reading of the database) waits for the database. A load balancer polls every few seconds and
/// gives up on a slow answer; a database that refuses connections made it wait out the pool's
/// 10 s, and a frozen one longer.
pub(crate) const DATABASE_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let catalog = state.catalog.clone();
    let checked = web::block(move || {
        let database = catalog.database();
        database.ping()?;
        database.schema_not_newer()
    });
    let (failure, said) = match actix_web::rt::time::timeout(DATABASE_CHECK_TIMEOUT, checked).await {
        Ok(Ok(Ok(()))) => return HttpResponse::Ok().content_type("text/plain").body("ok"),
        Ok(Ok(Err(e @ StorageError::NewerSchema { .. }))) => (
            e.to_string(),
            "out of date: a newer Minyi upgraded the database; stop this process and start the new build",
        ),
        Ok(Ok(Err(e))) => (e.to_string(), "database unavailable"),
        Ok(Err(e)) => (format!("blocking task failed: {e}"), "database unavailable"),
        Err(_) => (
            format!("no answer within {} s", DATABASE_CHECK_TIMEOUT.as_secs()),
            "database unavailable",
        ),
    };
    tracing::warn!(error = %failure, "health check failed");
    HttpResponse::ServiceUnavailable()
        .content_type("text/plain")
        .body(said)
}
