//! Request logging and metrics without personal data: method, route pattern, survey id, status
//! and time taken. Never the client address, user agent, cookies, query string or body, and
//! never the concrete path: a path can carry a token (an invitation link), so only the route's
//! pattern (`/s/{id}`) is logged, with the survey id when it is one this process knows, which
//! names no one.

use std::time::Instant;

use tracing_subscriber::EnvFilter;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;

use super::metrics::Outcome;
use super::AppState;

pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let route = super::access::route_of(req.request()).map_or("(no route)", |r| r.path);
    let response = next.call(req).await?;
    // Only an id this process has read as a survey: the segment is typed by whoever sent the
    // request, and could be an e-mail address or a phone number.
    let survey = response
        .request()
        .match_info()
        .get("id")
        .filter(|id| state.as_ref().is_some_and(|s| s.catalog.has_seen(id)))
        .map(str::to_owned);
    let status = response.status().as_u16();
    let took = started.elapsed();
    if let Some(state) = state {
        state.metrics.record_request(route, &method, status, took);
        if method == Method::POST && matches!(route, "/s/{id}" | "/i/{token}" | "/iv/{token}") {
            let outcome = response
                .response()
                .extensions()
                .get::<Outcome>()
                .copied()
                .unwrap_or_else(|| Outcome::from_status(status));
            state.metrics.record_submission(outcome);
        }
    }
    let ms = took.as_millis() as u64;
    // A load balancer's health checks and a scraper's visits come every few seconds on every
    // node: logged at debug, unless they fail, so that they do not drown the residents' requests.
    if matches!(route, "/healthz" | "/metrics") && status < 400 {
        tracing::debug!(%method, route, survey, status, ms, "request");
    } else {
        tracing::info!(%method, route, survey, status, ms, "request");
    }
    Ok(response)
}

/// The log filter Minyi installs: the directives of `MINYI_LOG`, with the template engine held
/// at `warn` whatever they say. At `debug` handlebars logs the values it renders, which include
/// a resident's answers and invitation links.
///
/// A directive that is not a level (`warn`) or a `target=level` pair (`minyi=debug`) is
/// refused, with what to write instead. `tracing` would read a bare `warning` as the name of a
/// module to log at every level, and since no module has that name, nothing at all would be
/// logged, errors included. For the same reason a filter without a bare level (`minyi=debug`,
/// or an empty `MINYI_LOG=` left in an environment file) logs everything else at `info`: to
/// tracing, what no directive names is off.
pub fn log_filter(directives: &str) -> Result<EnvFilter, String> {
    const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
    let is_level = |word: &str| LEVELS.iter().any(|l| l.eq_ignore_ascii_case(word.trim()));
    for directive in directives
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        let level = match directive.rsplit_once('=') {
            // A span filter (`minyi[request]=debug`) is left to tracing's own parser.
            Some(_) if directive.contains('[') => continue,
            Some((_, level)) => level,
            None => directive,
        };
        if !is_level(level) {
            return Err(format!(
                "MINYI_LOG={directives:?}: {directive:?} is not a level; write trace, debug, \
                 info, warn, error or off, or target=level such as minyi=debug, separated by \
                 commas"
            ));
        }
    }
    let has_level = directives.split(',').any(|directive| {
        !directive.trim().is_empty() && !directive.contains('=') && !directive.contains('[')
    });
    let default = if has_level { "" } else { "info," };
    EnvFilter::try_new(format!("{default}{directives},handlebars=warn"))
        .map_err(|e| format!("MINYI_LOG={directives:?} is not a log filter: {e}"))
}

#[cfg(test)]
mod tests {
    use super::log_filter;

    #[test]
    fn a_mistyped_level_is_refused_rather_than_silencing_every_log() {
        for good in [
            "info",
            "WARN",
            "warn,minyi=debug",
            "minyi::ingest=debug",
            "",
            "off",
        ] {
            assert!(log_filter(good).is_ok(), "{good}");
        }
        // What no directive names is off to tracing: without a bare level the rest is at info.
        for (directives, rest) in [
            ("", "info"),
            ("minyi::ingest=debug", "info"),
            ("warn", "warn"),
            ("off", "off"),
        ] {
            let filter = log_filter(directives).unwrap().to_string();
            assert!(
                filter.split(',').any(|directive| directive == rest),
                "{directives:?} gives {filter:?}: the rest should be at {rest}"
            );
        }
        for bad in ["warning", "garbage%%", "minyi=loud", "info,verbose"] {
            let problem = log_filter(bad).expect_err(bad);
            assert!(
                problem.contains("MINYI_LOG") && problem.contains("minyi=debug"),
                "{problem}"
            );
        }
    }
}
