//! The web front: routes (a file per resource), the page renderer, interface text, errors.
//! Handlers parse the request, call the catalog and storage, and render; nothing else.

mod error;
mod form_body;
mod form_token;
mod honeypot;
mod i18n;
mod log;
mod metrics;
mod pages;
mod rate_limit;
mod routes;
mod survey_form;

use std::sync::Arc;

use actix_web::web;

pub use error::AppError;
pub use form_body::{parse_form, NotUtf8};
pub use form_token::{CheckedToken, FormTokens, TokenProblem};
pub use i18n::{lang_from_query, Messages};
pub use log::log_request;
pub use metrics::Metrics;
pub use pages::Pages;
pub use rate_limit::{network_prefix, RateLimiter};

use crate::catalog::Catalog;
use crate::ingest::Ingest;

/// What every handler can reach.
pub struct AppState {
    pub catalog: Arc<Catalog>,
    pub pages: Pages,
    pub tokens: FormTokens,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The response writer: every submission is stored through it.
    pub ingest: Ingest,
    /// Submissions per network.
    pub limiter: RateLimiter,
    /// Take the client address from `X-Forwarded-For` (behind a trusted proxy only).
    pub trust_forwarded: bool,
    pub metrics: Metrics,
}

/// Every route, in one place.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(routes::home::index))
        .route("/healthz", web::get().to(routes::health::healthz))
        .route("/metrics", web::get().to(routes::metrics::metrics))
        .route("/s/{id}", web::get().to(routes::survey::show))
        .route("/s/{id}", web::post().to(routes::survey::submit))
        .route("/s/{id}/thanks", web::get().to(routes::survey::thanks));
}

/// The answer for any path no route knows.
pub use routes::not_found;
