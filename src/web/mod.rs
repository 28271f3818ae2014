//! The web front: routes (a file per resource), the page renderer, interface text, errors.
//! Handlers parse the request, call the catalog and storage, and render; nothing else.

mod access;
mod answers_view;
mod campaign_view;
mod channels_view;
mod chart;
mod client;
mod day_chart;
mod error;
mod fieldwork_view;
pub(crate) mod file_mistakes;
mod form_body;
mod form_token;
mod full_counties;
mod honeypot;
mod i18n;
mod log;
mod metrics;
mod pages;
mod qr;
mod rate_limit;
mod results_data;
mod results_view;
mod routes;
mod survey_form;
mod text_size;

pub use full_counties::FullCounties;

use std::sync::Arc;

use actix_web::web;

pub use access::{authorize, Access, Route, SignedIn};
pub use error::AppError;
pub use form_body::{parse_form, NotUtf8};
pub use form_token::{CheckedToken, FormTokens, TokenProblem};
pub use i18n::{lang_of, Messages};
pub use log::{log_filter, log_request};
pub use metrics::Metrics;
pub use pages::Pages;
pub use rate_limit::RateLimiter;
pub use text_size::{remember_reading_choices, TextSize};

use crate::accounts::Accounts;
use crate::catalog::Catalog;
use crate::ingest::Ingest;

/// What every handler can reach.
pub struct AppState {
    pub catalog: Arc<Catalog>,
    /// Accounts, sessions and grants.
    pub accounts: Arc<Accounts>,
    /// Mark session cookies `Secure` (`MINYI_SECURE_COOKIES`, or an https `MINYI_PUBLIC_URL`).
    pub secure_cookies: bool,
    pub pages: Pages,
    pub tokens: FormTokens,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a request body may take to arrive.
    pub body_timeout: std::time::Duration,
    /// The response writer: every submission is stored through it.
    pub ingest: Ingest,
    /// Submissions per network.
    pub limiter: RateLimiter,
    pub metrics: Metrics,
    /// Proxies whose `X-Forwarded-For` is believed (for the client's network prefix).
    pub trusted_proxies: crate::privacy::TrustedProxies,
    /// The address residents use (`MINYI_PUBLIC_URL`), for QR codes; else taken from the request.
    pub public_url: Option<String>,
    /// The bearer token `/metrics` asks for (`MINYI_METRICS_TOKEN`); `None`: it is public.
    pub metrics_token: Option<String>,
    /// Counties whose quota is full, for the form to say so before it is filled in.
    pub full_counties: FullCounties,
    /// Each survey file this process refused at start, and why: the surveys page says so, for
    /// a publisher who cannot read the console, until the file is put right.
    pub files_not_loaded: Arc<[FileNotLoaded]>,
    /// The surveys folder (`MINYI_SURVEYS_DIR`): a file imported from the web is written there
    /// too, so that the next start finds it current.
    pub surveys_dir: std::path::PathBuf,
}

/// A survey file refused at start.
#[derive(Clone, Debug)]
pub struct FileNotLoaded {
    /// The files the refusal is about (two files defining one survey are one refusal).
    pub files: Vec<std::path::PathBuf>,
    /// What kind of refusal ([`CatalogError::file_refusal_kind`]).
    ///
    /// [`CatalogError::file_refusal_kind`]: crate::catalog::CatalogError::file_refusal_kind
    pub kind: &'static str,
    /// Why, a problem a line, as the command line says it.
    pub why: String,
    /// Why, for a refusal a page can say in its reader's language
    /// ([`CatalogError::said_details`]).
    ///
    /// [`CatalogError::said_details`]: crate::catalog::CatalogError::said_details
    pub said: Option<Vec<crate::survey::Said>>,
    /// For a file with mistakes, each of them (listed at their lines on the surveys page).
    pub mistakes: Vec<crate::survey::FileProblem>,
}

impl From<&crate::catalog::CatalogError> for FileNotLoaded {
    fn from(error: &crate::catalog::CatalogError) -> FileNotLoaded {
        FileNotLoaded {
            files: error.files(),
            kind: error.file_refusal_kind(),
            why: error.to_string(),
            said: error.said_details(),
            mistakes: match error {
                crate::catalog::CatalogError::File(e) => e.problems.clone(),
                _ => Vec::new(),
            },
        }
    }
}

/// Declares every route once: `ROUTES` (method, pattern, who may use it), which the
/// authorization middleware and the route-walk test read, and `routes`, which registers exactly
/// those routes with actix.
macro_rules! route_table {
    ($($method:ident $path:literal => $handler:path, $access:expr;)*) => {
        /// Every route, with who may use it.
        pub const ROUTES: &[Route] = &[$(Route {
            method: stringify!($method),
            path: $path,
            access: $access,
        }),*];

        /// Registers every route of [`ROUTES`].
        pub fn routes(cfg: &mut web::ServiceConfig) {
            $(cfg.route($path, access::method_route(stringify!($method)).to($handler));)*
        }
    };
}

route_table! {
    get "/" => routes::home::index, Access::Public;
    get "/healthz" => routes::health::healthz, Access::Public;
    get "/metrics" => routes::metrics::metrics, Access::Public;
    get "/favicon.ico" => routes::home::favicon, Access::Public;
    get "/draft.js" => routes::home::draft_script, Access::Public;
    get "/s/{id}" => routes::survey::show, Access::Public;
    post "/s/{id}" => routes::survey::submit, Access::Public;
    get "/s/{id}/thanks" => routes::survey::thanks, Access::Public;
    get "/s/{id}/qr.svg" => routes::survey::qr_code, Access::Public;
    get "/i/{token}" => routes::invitation::show, Access::Public;
    post "/i/{token}" => routes::invitation::submit, Access::Public;
    get "/i/{token}/stop" => routes::stop_reminders::confirm, Access::Public;
    post "/i/{token}/stop" => routes::stop_reminders::stop, Access::Public;
    get "/iv/{token}" => routes::interviewer::show, Access::Public;
    post "/iv/{token}" => routes::interviewer::submit, Access::Public;
    get "/results/{id}" => routes::results::page, Access::Public;
    get "/results/{id}/figures.csv" => routes::results::figures_csv, Access::Public;
    get "/results/{id}/answers.csv" => routes::results::answers_csv, Access::Public;
    get "/api/results/{id}" => routes::results::api, Access::Public;
    get "/login" => routes::login::form, Access::Public;
    post "/login" => routes::login::submit, Access::Public;
    post "/logout" => routes::login::logout, Access::SignedIn;
    get "/account" => routes::account::page, Access::SignedIn;
    get "/admin/audit" => routes::admin::audit, Access::Admin;
    get "/admin/surveys" => routes::dashboard::list, Access::Publisher;
    get "/admin/import" => routes::import::form, Access::Publisher;
    post "/admin/import" => routes::import::check, Access::Publisher;
    post "/admin/import/confirm" => routes::import::confirm, Access::Publisher;
    get "/admin/surveys/{id}" => routes::dashboard::show, Access::Publisher;
    get "/admin/surveys/{id}/survey.toml" => routes::survey_file::download, Access::Publisher;
    get "/admin/surveys/{id}/preview" => routes::preview::show, Access::Publisher;
    post "/admin/surveys/{id}/preview" => routes::preview::check, Access::Publisher;
    get "/admin/surveys/{id}/results" => routes::results::preview, Access::Publisher;
    get "/admin/surveys/{id}/open" => routes::transitions::confirm_open, Access::Publisher;
    post "/admin/surveys/{id}/open" => routes::transitions::open, Access::Publisher;
    get "/admin/surveys/{id}/close" => routes::transitions::confirm_close, Access::Publisher;
    post "/admin/surveys/{id}/close" => routes::transitions::close, Access::Publisher;
    get "/admin/surveys/{id}/publish" => routes::transitions::confirm_publish, Access::Publisher;
    post "/admin/surveys/{id}/publish" => routes::transitions::publish, Access::Publisher;
    post "/admin/surveys/{id}/clear" => routes::clearing::clear, Access::Publisher;
    post "/admin/surveys/{id}/mail/retry" => routes::mail_retry::retry, Access::Publisher;
    get "/admin/surveys/{id}/interviewers" => routes::interviewer_links::section_page, Access::Publisher;
    post "/admin/surveys/{id}/interviewers" => routes::interviewer_links::issue_link, Access::Publisher;
    post "/admin/surveys/{id}/interviewers/withdraw" => routes::interviewer_links::withdraw_link, Access::Publisher;
    get "/admin/surveys/{id}/simulated" => routes::simulated::confirm, Access::Publisher;
    post "/admin/surveys/{id}/simulated" => routes::simulated::remove, Access::Publisher;
    get "/admin/surveys/{id}/bulletin" => routes::bulletin::page, Access::Publisher;
    get "/admin/surveys/{id}/bulletin.csv" => routes::bulletin::csv, Access::Publisher;
    get "/resultsets/{id}/download" => routes::resultsets::download, Access::ResultSet;
    get "/resultsets/{id}/comments.csv" => routes::resultsets::comments, Access::ResultSet;
}

/// The answer for any request no route takes: 405, a redirect, or "no such page".
pub use routes::not_found;
