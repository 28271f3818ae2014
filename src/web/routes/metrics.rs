//! `/metrics`: the process's counters in the Prometheus text format.

use actix_web::{web, HttpResponse};

use crate::web::AppState;

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
