//! The answer to a request no route takes. A path the table knows, asked with another method,
//! is 405 with `Allow` (and `OPTIONS` is told the methods, `OPTIONS *` the server's); a known
//! path written with a trailing slash, as a hand-typed or reformatted link often is, is sent to
//! the path without it; anything else is "no such page", not "no such survey".

use std::sync::OnceLock;

use actix_web::dev::ResourceDef;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::web::access::routed_path;
use crate::web::{lang_of, AppError, AppState, ROUTES};

pub async fn not_found(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let lang = lang_of(&req);
    // `OPTIONS *` asks what the server as a whole takes (RFC 9110, 9.3.7).
    if req.method() == Method::OPTIONS && req.uri() == "*" {
        return HttpResponse::NoContent()
            .insert_header((header::ALLOW, "GET, HEAD, POST, OPTIONS"))
            .finish();
    }
    let routed = routed_path(&req);
    let mut allowed = methods_for(routed);
    // A slashed known address asked with a method it does not take is told so at once, not
    // sent on with its body to be told there.
    if let Some(there) = routed.strip_suffix('/').filter(|_| allowed.is_empty()) {
        let methods = methods_for(there);
        if !methods.contains(&req.method().as_str()) {
            allowed = methods;
        }
    }
    if !allowed.is_empty() {
        let allow = allowed.join(", ");
        if req.method() == Method::OPTIONS {
            return HttpResponse::NoContent()
                .insert_header((header::ALLOW, allow))
                .finish();
        }
        let mut response = AppError::MethodNotAllowed.render(&state.pages, lang, &req, None);
        if let Ok(value) = header::HeaderValue::from_str(&allow) {
            response.headers_mut().insert(header::ALLOW, value);
        }
        return response;
    }
    if let Some(target) = without_trailing_slash(&req) {
        // 308 keeps a POST a POST (with its body); a page asked for is simply moved.
        let status = match *req.method() {
            Method::GET | Method::HEAD => StatusCode::MOVED_PERMANENTLY,
            _ => StatusCode::PERMANENT_REDIRECT,
        };
        return HttpResponse::build(status)
            .insert_header((header::LOCATION, target))
            .finish();
    }
    AppError::PageNotFound.render(&state.pages, lang, &req, None)
}

/// The route table's patterns, parsed once.
fn patterns() -> &'static [(ResourceDef, &'static crate::web::Route)] {
    static PATTERNS: OnceLock<Vec<(ResourceDef, &'static crate::web::Route)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        ROUTES
            .iter()
            .map(|route| (ResourceDef::new(route.path), route))
            .collect()
    })
}

/// The methods some route answers at `path` (none: no route has this path).
fn methods_for(path: &str) -> Vec<&'static str> {
    let mut methods: Vec<&'static str> = patterns()
        .iter()
        .filter(|(pattern, _)| pattern.is_match(path))
        .flat_map(|(_, route)| route.allowed_methods().iter().copied())
        .collect();
    methods.sort_unstable();
    methods.dedup();
    methods
}

/// Where a known path asked for with one trailing slash lives (with the query kept).
/// Only a path the table knows is redirected, and every such path starts with `/` and a
/// name, so the target stays on this site. Decided on the path as routed; the target is the
/// path as sent (a valid header, whatever it decodes to), which routes the same.
fn without_trailing_slash(req: &HttpRequest) -> Option<String> {
    let routed = routed_path(req)
        .strip_suffix('/')
        .filter(|t| !t.is_empty())?;
    if methods_for(routed).is_empty() {
        return None;
    }
    let trimmed = req.path().strip_suffix('/')?;
    Some(match req.query_string() {
        "" => trimmed.to_owned(),
        query => format!("{trimmed}?{query}"),
    })
}
