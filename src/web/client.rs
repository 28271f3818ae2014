//! What the submit path knows of a client, and all it keeps: a keyed hash of its first-party
//! cookie (or, without one, its network prefix). The cookie value and address themselves are
//! read here, hashed, and dropped; they are never logged or stored.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::privacy::client::{valid_cookie, CLIENT_COOKIE, CLIENT_COOKIE_MAX_AGE};
use crate::privacy::TrustedProxies;

/// The value of Minyi's client cookie, when the browser sent one Minyi could have set.
pub fn client_cookie(req: &HttpRequest) -> Option<String> {
    cookies(req)
        .find(|(name, value)| *name == CLIENT_COOKIE && valid_cookie(value))
        .map(|(_, value)| value.to_owned())
}

/// Every `name=value` pair of the request's `Cookie` headers.
pub(super) fn cookies(req: &HttpRequest) -> impl Iterator<Item = (&str, &str)> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
}

/// A `Set-Cookie` value giving the browser a fresh client cookie. First-party, sent only to
/// survey pages, unreadable by scripts.
/// `Secure` (sent over TLS only) when the staff cookie is (`MINYI_SECURE_COOKIES`).
pub fn set_client_cookie(value: &str, path: &str, secure: bool) -> (header::HeaderName, String) {
    (
        header::SET_COOKIE,
        format!(
            "{CLIENT_COOKIE}={value}; Path={path}; Max-Age={CLIENT_COOKIE_MAX_AGE}; HttpOnly; SameSite=Lax{}",
            secure_attribute(secure)
        ),
    )
}

fn secure_attribute(secure: bool) -> &'static str {
    if secure {
        "; Secure"
    } else {
        ""
    }
}

/// The cookie a browser gets once it has sent a survey's form: the form then says so when
/// opened again, so that a resident does not answer twice by mistake (a relative on the same
/// phone may still). It lives in the browser only; the server stores nothing of it.
const SENT_COOKIE: &str = "minyi_sent";

/// Whether this browser has sent this survey's form before (its `minyi_sent` cookie, which is
/// sent only to that survey's pages).
pub fn sent_before(req: &HttpRequest) -> bool {
    cookies(req).any(|(name, value)| name == SENT_COOKIE && value == "1")
}

/// The `Set-Cookie` that marks a survey's form as sent from this browser.
pub fn set_sent_cookie(survey_id: &str, secure: bool) -> (header::HeaderName, String) {
    sent_cookie(&format!("/s/{survey_id}"), CLIENT_COOKIE_MAX_AGE, secure)
}

/// The `Set-Cookie` an invitation's stored form gets: the same mark, for its thanks page only
/// (so that the page thanks this phone, and a forwarded link is not thanked), and not for the
/// public form, whose note that someone on this phone already answered is not the invited
/// resident's business. An hour: the page is seen at once.
pub fn set_invitation_sent_cookie(survey_id: &str, secure: bool) -> (header::HeaderName, String) {
    sent_cookie(&format!("/s/{survey_id}/thanks"), 3600, secure)
}

fn sent_cookie(path: &str, max_age: i64, secure: bool) -> (header::HeaderName, String) {
    (
        header::SET_COOKIE,
        format!(
            "{SENT_COOKIE}=1; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
            secure_attribute(secure)
        ),
    )
}

/// The client's address: the peer, or what a trusted proxy says in `X-Forwarded-For`.
pub fn client_address(req: &HttpRequest, trusted: &TrustedProxies) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    if forwarded.is_some() && !trusted.contains(peer) {
        warn_untrusted_proxy_once();
    }
    trusted.client_address(peer, forwarded)
}

/// A proxy in front whose `X-Forwarded-For` is not believed makes every resident one network
/// (one rate limit, one duplicate check): said once a process, without any address.
fn warn_untrusted_proxy_once() {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            "a request came with X-Forwarded-For from a peer not in MINYI_TRUSTED_PROXIES, so \
             it is ignored: behind a reverse proxy, set MINYI_TRUSTED_PROXIES to its address, \
             or every resident counts as the proxy's one network"
        );
    });
}
