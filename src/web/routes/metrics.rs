//! `/metrics`: the process's counters in the Prometheus text format. Public unless
//! `MINYI_METRICS_TOKEN` is set; then only a scraper presenting it as a bearer token is answered
//! (counts of responses per outcome are fieldwork information an office may want to keep in).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use crate::web::AppState;

pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Some(token) = &state.metrics_token {
        if !presents(&req, token) {
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\""))
                .content_type("text/plain; charset=utf-8")
                .body("/metrics needs the token set in MINYI_METRICS_TOKEN, sent as \"Authorization: Bearer <token>\".\n");
        }
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

/// Whether the request's `Authorization` header carries `token` as a bearer token. Compared as
/// SHA-256 digests, so the time taken says nothing about how much of the token was right.
fn presents(req: &HttpRequest, token: &str) -> bool {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| {
            Sha256::digest(given.trim().as_bytes()) == Sha256::digest(token.as_bytes())
        })
}
