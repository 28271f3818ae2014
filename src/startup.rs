//! Builds the application: database, migrations, survey files, templates and the HTTP server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::{App, HttpServer};

use crate::accounts::Accounts;
use crate::catalog::{Catalog, DirectoryImport};
use crate::config::Settings;
use crate::ingest::Ingest;
use crate::mail::{EmailTemplates, Mailer, OutboxWorker};
use crate::storage::{self, Database};
use crate::web::{AppState, FileNotLoaded, FormTokens, FullCounties, Metrics, Pages, RateLimiter};

/// Name of the server key that signs form tokens (shared by every process on a database).
pub const FORM_TOKEN_KEY: &str = "form_token_hmac";

pub struct Application {
    port: u16,
    base_url: String,
    mail: String,
    server: Server,
    catalog: Arc<Catalog>,
    /// The survey files loaded at start, and those refused (with why).
    pub imported: DirectoryImport,
}

impl Application {
    /// Binds the listener (port 0 picks a free port; `port()` tells which) and readies the
    /// mail folder, then connects and migrates the database and loads every survey file. The
    /// checks that can fail on the machine come first, so that a port in use or a mail folder
    /// that cannot be written leaves no new database behind and opens no survey.
    pub fn build(settings: &Settings) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&settings.bind).map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {:?} (MINYI_BIND: an address and port such as \
                     127.0.0.1:8080, or 0.0.0.0:8080 for every interface): {e}",
                settings.bind
            )
        })?;
        let port = listener.local_addr()?.port();
        // A send must end well before its lease does, or another process could send it too.
        let send_timeout = (settings.mail.lease / 2).min(std::time::Duration::from_secs(60));
        let mailer = Arc::new(Mailer::new(&settings.mail.transport, send_timeout)?);
        let db = Database::connect(settings.database.clone(), settings.pool_size)?;
        let catalog = Arc::new(Catalog::new(db.clone()));
        let imported = if settings.surveys_dir.is_dir() {
            catalog
                .import_dir(&settings.surveys_dir)
                .map_err(|e| match e {
                    crate::catalog::CatalogError::Read { path, source }
                        if path == settings.surveys_dir =>
                    {
                        anyhow::anyhow!(
                            "cannot read the survey folder {} (MINYI_SURVEYS_DIR): {source}",
                            path.display()
                        )
                    }
                    other => other.into(),
                })?
        } else {
            tracing::warn!(
                dir = %settings.surveys_dir.display(),
                "no survey folder there (MINYI_SURVEYS_DIR): no survey file is loaded; the \
                 surveys already in the database are served"
            );
            DirectoryImport::default()
        };
        for refused in &imported.refused {
            tracing::error!("survey file not loaded: {refused}");
        }
        // Every survey read once now, so that a form posted here while the database cannot
        // be reached comes back with its answers even if this process never showed it
        // (another node did, or this one was restarted since).
        catalog.list()?;
        let mut conn = db.conn()?;
        let key = storage::server_key(&mut conn, FORM_TOKEN_KEY, || {
            hex::encode(rand::random::<[u8; 32]>())
        })?;
        drop(conn);
        let accounts = Arc::new(Accounts::new(db.clone())?);
        let state = actix_web::web::Data::new(AppState {
            catalog: catalog.clone(),
            accounts: accounts.clone(),
            secure_cookies: settings.secure_cookies,
            pages: Pages::new()?,
            tokens: FormTokens::new(key.as_bytes()),
            body_limit: settings.body_limit,
            body_timeout: settings.body_timeout,
            ingest: Ingest::start(db.clone(), settings.writers, settings.queue)?,
            limiter: RateLimiter::new(settings.rate_per_minute),
            metrics: Metrics::default(),
            trusted_proxies: settings.trusted_proxies.clone(),
            public_url: settings.public_url.clone(),
            metrics_token: settings.metrics_token.clone(),
            full_counties: FullCounties::default(),
            files_not_loaded: imported.refused.iter().map(FileNotLoaded::from).collect(),
            surveys_dir: settings.surveys_dir.clone(),
        });
        spawn_daily_work(catalog.clone(), accounts);
        let base_url = base_url(settings, port);
        let mail = spawn_outbox_worker(settings, mailer, catalog.clone(), &base_url)?;
        let secure = settings.secure_cookies;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(Compress::default())
                .wrap(actix_web::middleware::from_fn(
                    crate::web::remember_reading_choices,
                ))
                .wrap(actix_web::middleware::from_fn(crate::web::authorize))
                // Outside `authorize` (the last wrapped is the outermost): its own refusals,
                // the 403 page and the redirect to sign in, carry the headers too.
                .wrap(security_headers(secure))
                .wrap(actix_web::middleware::from_fn(crate::web::log_request))
                .app_data(state.clone())
                .configure(crate::web::routes)
                .default_service(actix_web::web::to(crate::web::not_found))
        })
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            base_url,
            mail,
            server,
            catalog,
            imported,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address residents use: `MINYI_PUBLIC_URL`, else the address listened on.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Where this process sends mail, in words.
    pub fn mail(&self) -> &str {
        &self.mail
    }

    /// The surveys this application serves (for startup messages and tests).
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

pub(crate) fn base_url(settings: &Settings, port: u16) -> String {
    settings.public_url.clone().unwrap_or_else(|| {
        let host = settings
            .bind
            .rsplit_once(':')
            .map_or("127.0.0.1", |(h, _)| h);
        let host = if host == "0.0.0.0" { "127.0.0.1" } else { host };
        format!("http://{host}:{port}")
    })
}

/// Starts sending the outbox's messages; returns where they go, in words.
fn spawn_outbox_worker(
    settings: &Settings,
    mailer: Arc<Mailer>,
    catalog: Arc<Catalog>,
    base_url: &str,
) -> anyhow::Result<String> {
    let mail = &settings.mail;
    let described = mailer.describe();
    OutboxWorker {
        catalog,
        mailer,
        templates: Arc::new(EmailTemplates::new()?),
        from: mail.from.clone(),
        public_url: base_url.to_owned(),
        interval: mail.interval(),
        lease: mail.lease,
        poll: mail.poll,
    }
    .spawn();
    Ok(described)
}

/// Lets this process hold as many connections as the system allows it: the soft limit on open
/// files (often 1,024) is raised to the hard limit, as Go's runtime does for every program and
/// nginx's `worker_rlimit_nofile` is set for. At 1,024, a thousand clients that open connections
/// and send nothing useful (each held for at most 5 s of headers or `MINYI_BODY_TIMEOUT` of
/// body) would leave no connection for residents.
pub fn raise_open_files_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::info!(limit, "open files allowed"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open files limit"),
    }
}

/// Clears the traces owed by closed surveys (a clearing that failed at the close), purges
/// surveys whose retention period has ended and forgets ended sign-in windows: now, then once
/// a day. Safe on several processes at once (each step is idempotent).
fn spawn_daily_work(catalog: Arc<Catalog>, accounts: Arc<Accounts>) {
    actix_web::rt::spawn(async move {
        loop {
            let sweep = catalog.clone();
            let owed = move || crate::transitions::clear_every_owed_trace(&sweep);
            let run = daily_step("clearing closed surveys' traces", owed).await;
            for survey in run.iter().flat_map(|r| &r.cleared) {
                tracing::info!(
                    survey,
                    "closed survey's fieldwork traces cleared: secret, invited addresses, \
                     arrival order"
                );
            }
            for (survey, e) in run.iter().flat_map(|r| &r.failed) {
                tracing::warn!(survey, error = %e, "clearing a closed survey's traces failed; retrying tomorrow");
            }
            for (survey, e) in run.iter().flat_map(|r| &r.unrecorded) {
                tracing::error!(survey, error = %e, "closed survey's traces cleared, but the audit log could not record it");
            }
            let purge = catalog.clone();
            let today = chrono::Utc::now().date_naive();
            let due = move || crate::retention::purge_due(&purge, today);
            let run = daily_step("retention check", due).await.unwrap_or_default();
            for report in run.purged {
                tracing::info!(
                    survey = report.survey_id,
                    responses = report.responses,
                    "retention period over: free text, client hashes and secret deleted"
                );
            }
            for (survey, e) in run.failed {
                tracing::error!(
                    survey,
                    error = %e,
                    "retention period over but the survey could not be purged; tried again tomorrow"
                );
            }
            let sign_ins = accounts.clone();
            let now = chrono::Utc::now().timestamp();
            let forget = move || sign_ins.forget_ended_sign_in_windows(now);
            let forgotten = daily_step("forgetting ended sign-in windows", forget).await;
            if let Some(counts) = forgotten.filter(|&counts| counts > 0) {
                tracing::info!(counts, "failed sign-in counts of ended windows deleted");
            }
            actix_web::rt::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
        }
    });
}

/// Runs one step of the daily work on the blocking pool; a failure is logged (the step runs
/// again tomorrow) and gives `None`.
async fn daily_step<T, E>(
    step: &'static str,
    job: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Option<T>
where
    T: Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    match actix_web::web::block(job).await {
        Ok(Ok(done)) => Some(done),
        Ok(Err(e)) => {
            tracing::warn!(step, error = %e, "daily step failed; retrying tomorrow");
            None
        }
        Err(e) => {
            tracing::warn!(step, error = %e, "daily step did not run");
            None
        }
    }
}

/// Headers on every response. Where the site is served over TLS (`MINYI_SECURE_COOKIES`, on
/// by default for an `https://` public address), browsers are also told to use nothing else
/// for a year (HSTS), so that a resident's first visit by a typed `http://` address cannot be
/// intercepted the next time; subdomains are left alone, since a city's other sites may not
/// all have TLS.
fn security_headers(secure: bool) -> DefaultHeaders {
    let headers = if secure {
        DefaultHeaders::new().add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        DefaultHeaders::new()
    };
    headers
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Frame-Options", "DENY"))
        .add((
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
}
