//! The web front: routes (a file per resource), the page renderer, interface text, errors.
//! Handlers parse the request, call the catalog and storage, and render; nothing else.

mod chart;
mod client;
mod error;
mod form_body;
mod form_token;
mod honeypot;
mod i18n;
mod log;
mod metrics;
mod pages;
mod rate_limit;
mod results_view;
mod routes;
mod survey_form;
mod text_size;

use std::sync::Arc;

use actix_web::web;

pub use error::AppError;
pub use form_body::{parse_form, NotUtf8};
pub use form_token::{CheckedToken, FormTokens, TokenProblem};
pub use i18n::{lang_from_query, Messages};
pub use log::{log_filter, log_request};
pub use metrics::Metrics;
pub use pages::Pages;
pub use rate_limit::RateLimiter;
pub use text_size::{remember_text_size, TextSize};

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
    pub metrics: Metrics,
    /// Proxies whose `X-Forwarded-For` is believed (for the client's network prefix).
    pub trusted_proxies: crate::privacy::TrustedProxies,
    /// The address residents use (`MINYI_PUBLIC_URL`), for QR codes; else taken from the request.
    pub public_url: Option<String>,
}

/// Every route, in one place.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(routes::home::index))
        .route("/healthz", web::get().to(routes::health::healthz))
        .route("/metrics", web::get().to(routes::metrics::metrics))
        .route("/s/{id}", web::get().to(routes::survey::show))
        .route("/s/{id}", web::post().to(routes::survey::submit))
        .route("/s/{id}/thanks", web::get().to(routes::survey::thanks))
        .route("/s/{id}/qr.svg", web::get().to(routes::survey::qr_code))
        .route("/i/{token}", web::get().to(routes::invitation::show))
        .route("/i/{token}", web::post().to(routes::invitation::submit))
        .route("/results/{id}", web::get().to(routes::results::page))
        .route(
            "/results/{id}/figures.csv",
            web::get().to(routes::results::figures_csv),
        )
        .route("/api/results/{id}", web::get().to(routes::results::api));
}

/// The answer for any path no route knows.
pub use routes::not_found;
