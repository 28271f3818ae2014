//! `/metrics`: the process's counters in the Prometheus text format. With
//! `MINYI_METRICS_TOKEN` set, only a scraper presenting it as a bearer token is answered;
//! without it, only a request from this machine that no proxy passed on. The counters are
//! fieldwork information (responses per outcome, the honeypot's catches, sign-ins, each
//! submission as it happens) that is not the public's.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use crate::web::AppState;

pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    match &state.metrics_token {
        Some(token) if !presents(&req, token) => {
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\""))
                .content_type("text/plain; charset=utf-8")
                .body("/metrics needs the token set in MINYI_METRICS_TOKEN, sent as \"Authorization: Bearer <token>\".\n");
        }
        None if !from_this_machine(&req, &state.trusted_proxies) => {
            let peer = req.peer_addr().map(|peer| peer.ip());
            let said = if peer
                .is_some_and(|ip| ip.is_loopback() && state.trusted_proxies.contains(ip))
            {
                // A scraper here and the proxy here look alike: only the token tells them apart.
                "/metrics cannot tell a scraper on this machine from the proxy MINYI_TRUSTED_PROXIES names at this address: set MINYI_METRICS_TOKEN and scrape with it.\n"
            } else {
                "/metrics answers only this machine, not through a proxy, unless MINYI_METRICS_TOKEN is set: set it to scrape from elsewhere.\n"
            };
            return HttpResponse::Forbidden()
                .content_type("text/plain; charset=utf-8")
                .body(said);
        }
        _ => {}
    }
    // Read now, from the database every node shares: a mail server that is down shows as
    // messages waiting and failing, and a database that is down as minyi_database_up 0.
    // Within the health check's time: a scrape that waits out a database refusing connections
    // (the pool's 10 s) or a frozen one fails as a whole, and `minyi_database_up 0` never shows.
    let catalog = state.catalog.clone();
    let read = super::blocking(move || {
        let mut conn = catalog.database().conn()?;
        crate::storage::outbox_totals(&mut conn, crate::mail::MAX_ATTEMPTS)
    });
    let mail = actix_web::rt::time::timeout(super::health::DATABASE_CHECK_TIMEOUT, read)
        .await
        .ok()
        .and_then(Result::ok);
    let mut body = state.metrics.render();
    body.push_str(&crate::web::metrics::render_state(
        mail,
        state.ingest.in_flight(),
    ));
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

/// Whether the request's `Authorization` header carries `token` as a bearer token. Compared as
/// SHA-256 digests, so the time taken says nothing about how much of the token was right.
fn presents(req: &HttpRequest, token: &str) -> bool {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, given)| given)
        .is_some_and(|given| {
            Sha256::digest(given.trim().as_bytes()) == Sha256::digest(token.as_bytes())
        })
}

/// A request from a loopback address that carries no proxy's forwarding header: a scraper on
/// this machine, not a visitor passed on by a reverse proxy running here. A loopback address
/// named in `MINYI_TRUSTED_PROXIES` is that proxy, whether or not it says whom it passes on
/// (nginx adds no forwarding header unless told to).
fn from_this_machine(req: &HttpRequest, proxies: &crate::privacy::TrustedProxies) -> bool {
    req.peer_addr()
        .is_some_and(|peer| peer.ip().is_loopback() && !proxies.contains(peer.ip()))
        && !["x-forwarded-for", "forwarded", "x-real-ip"]
            .iter()
            .any(|name| req.headers().contains_key(*name))
}
