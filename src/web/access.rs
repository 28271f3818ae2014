//! Authorization: every route declares who may use it (`web::ROUTES`), and one middleware
//! checks that declaration before any handler runs. A route missing from the table cannot be
//! registered, and the route-walk test reads the same table, so no route escapes either.
//!
//! Anonymous visitors to a route that needs an account are sent to `/login` (303); signed-in
//! accounts without the right get 403.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{guard, web, FromRequest, HttpMessage, HttpRequest, HttpResponse};

use super::routes::{blocking, in_lang};
use super::{lang_of, AppError, AppState};
use crate::accounts::{Account, Role, KNOWN_BROWSER_COOKIE, KNOWN_BROWSER_SECONDS, SESSION_COOKIE};

/// Who may use a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (residents, the public).
    Public,
    /// Any signed-in account.
    SignedIn,
    /// Publishers and admins: the fieldwork dashboard, opening, closing and publishing.
    Publisher,
    /// Admins only.
    Admin,
    /// The result sets of survey `{id}`: admins, and evaluators granted that survey.
    ResultSet,
}

/// One route: method, path pattern, and who may use it.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

impl Route {
    /// Whether the route answers `method`, as the router's guards decide it (method names are
    /// case-sensitive: `get` is not `GET`): a `get` route answers `HEAD` as well (the same
    /// page, headers only, as HTTP requires), and so is guarded as the `GET` is.
    pub fn takes(&self, method: &Method) -> bool {
        match self.method {
            "get" => method == Method::GET || method == Method::HEAD,
            _ => method == Method::POST,
        }
    }

    /// The methods the route answers, as an `Allow` header names them.
    pub fn allowed_methods(&self) -> &'static [&'static str] {
        match self.method {
            "get" => &["GET", "HEAD"],
            _ => &["POST"],
        }
    }
}

/// The actix route for a method of the route table (`get` or `post`); see [`Route::takes`].
pub(super) fn method_route(method: &str) -> actix_web::Route {
    match method {
        "get" => web::route().guard(guard::Any(guard::Get()).or(guard::Head())),
        "post" => web::post(),
        other => unreachable!("the route table has no {other} route"),
    }
}

/// The signed-in account of a request that passed [`authorize`] on a non-public route.
pub struct SignedIn(pub Account);

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<SignedIn, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        // Only reached on routes whose access is not `Public`, where the middleware has
        // already refused anonymous requests.
        std::future::ready(
            req.extensions()
                .get::<Account>()
                .cloned()
                .map(SignedIn)
                .ok_or_else(|| actix_web::error::ErrorForbidden("not signed in")),
        )
    }
}

/// The session cookie's value, if the request has one.
pub fn session_cookie(req: &HttpRequest) -> Option<String> {
    cookie_value(req, SESSION_COOKIE)
}

/// The known-browser cookie's value, if the request has one (only `/login` is sent it).
pub fn known_browser_cookie(req: &HttpRequest) -> Option<String> {
    cookie_value(req, KNOWN_BROWSER_COOKIE)
}

fn cookie_value(req: &HttpRequest, wanted: &str) -> Option<String> {
    super::client::cookies(req)
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.to_owned())
}

/// The value of a `Set-Cookie` header starting a session (`Secure` when configured for TLS).
pub fn set_session_cookie(value: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}",
        crate::accounts::SESSION_SECONDS,
        if secure { "; Secure" } else { "" }
    )
}

/// The value of a `Set-Cookie` header marking this browser as one the account has signed in
/// with, sent back to `/login` only.
pub fn set_known_browser_cookie(value: &str, secure: bool) -> String {
    format!(
        "{KNOWN_BROWSER_COOKIE}={value}; Path=/login; Max-Age={KNOWN_BROWSER_SECONDS}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The value of a `Set-Cookie` header ending a session in this browser.
pub fn clear_session_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The value of path parameter `{name}` of `pattern` in `path` (the middleware runs before the
/// router fills in `match_info`).
fn path_param(pattern: &str, path: &str, name: &str) -> Option<String> {
    let wanted = format!("{{{name}}}");
    pattern
        .split('/')
        .zip(path.split('/'))
        .find(|(p, _)| *p == wanted)
        .and_then(|(_, value)| {
            percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .ok()
                .map(|v| v.into_owned())
        })
}

/// The request's path as the router matches it: percent-decoded, but for `%`, `/` and `+`.
/// Every decision about which route a request is for reads this, never the raw path: the raw
/// `/%61dmin/audit` is routed to `/admin/audit`, and a check on the raw path would not know it.
pub(crate) fn routed_path(req: &HttpRequest) -> &str {
    req.match_info().as_str()
}

/// The entry of `web::ROUTES` the request is for (`None`: no route, a 404 or 405 to come).
/// Matched once per request and remembered: matching runs the router's patterns, and the
/// logging and authorization middlewares both ask (before the router has run, so on the path
/// the router will match, [`routed_path`]).
pub(super) fn route_of(req: &HttpRequest) -> Option<&'static Route> {
    #[derive(Clone, Copy)]
    struct Matched(Option<&'static Route>);
    if let Some(Matched(route)) = req.extensions().get::<Matched>() {
        return *route;
    }
    let pattern = req.resource_map().match_pattern(routed_path(req));
    let route = pattern.and_then(|pattern| {
        super::ROUTES
            .iter()
            .find(|r| r.path == pattern && r.takes(req.method()))
    });
    req.extensions_mut().insert(Matched(route));
    route
}

enum Decision {
    Allow(Option<Account>),
    SignInFirst,
    Refuse,
}

async fn decide(state: &AppState, req: &HttpRequest, route: &Route) -> Result<Decision, AppError> {
    let account = match session_cookie(req) {
        None => None,
        Some(cookie) => {
            let accounts = state.accounts.clone();
            let now = chrono::Utc::now().timestamp();
            blocking(move || accounts.session(&cookie, now)).await?
        }
    };
    let Some(account) = account else {
        return Ok(Decision::SignInFirst);
    };
    let allowed = match route.access {
        Access::Public | Access::SignedIn => true,
        Access::Publisher => matches!(account.role, Role::Publisher | Role::Admin),
        Access::Admin => account.role == Role::Admin,
        Access::ResultSet => match path_param(route.path, routed_path(req), "id") {
            None => false,
            Some(id) => {
                let accounts = state.accounts.clone();
                let who = account.clone();
                let pattern = route.path;
                blocking(move || {
                    let may = accounts.may_download(&who, &id)?;
                    if !may {
                        let now = chrono::Utc::now().timestamp();
                        // Refused all the same if it cannot be recorded.
                        if let Err(e) = accounts.record_refused_download(&who, &id, pattern, now) {
                            tracing::warn!(error = %e, "a refused download could not be audited");
                        }
                    }
                    Ok::<_, AppError>(may)
                })
                .await?
            }
        },
    };
    Ok(if allowed {
        Decision::Allow(Some(account))
    } else {
        Decision::Refuse
    })
}

/// Whether a request is for a page of the people who run Minyi: a route not open to the public,
/// or signing in and out. Such pages are served with `Referrer-Policy: same-origin` (the rest
/// with `no-referrer`), so that a form posted from one carries its real `Origin`, and a post
/// to one with `Origin: null` (a sandboxed frame elsewhere) is refused as cross-site.
pub(crate) fn is_staff_page(req: &HttpRequest) -> bool {
    matches!(routed_path(req), "/login" | "/logout")
        || route_of(req).is_some_and(|route| route.access != Access::Public)
}

/// The middleware: looks the request's route up in `web::ROUTES` and lets it through only if
/// the request's account (from its signed session cookie) may use it; staff pages get their
/// referrer policy ([`is_staff_page`]).
pub async fn authorize(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let staff = is_staff_page(req.request());
    let mut response = enforce(req, next).await?;
    if staff {
        response.headers_mut().insert(
            header::REFERRER_POLICY,
            header::HeaderValue::from_static("same-origin"),
        );
    }
    Ok(response)
}

async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let route = match route_of(req.request()) {
        // Unknown paths and methods fall through to the router's 404 / 405.
        None => return Ok(next.call(req).await?.map_into_left_body()),
        Some(route) if route.access == Access::Public => {
            return Ok(next.call(req).await?.map_into_left_body())
        }
        Some(route) => route,
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let lang = lang_of(req.request());
    let decision = decide(&state, req.request(), route).await;
    let refusal = match decision {
        Ok(Decision::Allow(account)) => {
            if let Some(account) = account {
                req.extensions_mut().insert(account);
            }
            return Ok(next.call(req).await?.map_into_left_body());
        }
        Ok(Decision::SignInFirst) => {
            let next_path = match req.query_string() {
                "" => req.path().to_owned(),
                query => format!("{}?{query}", req.path()),
            };
            // In the language of the page asked for, so that the sign-in page is too.
            let target = in_lang(
                &format!(
                    "/login?next={}",
                    percent_encoding::utf8_percent_encode(
                        &next_path,
                        percent_encoding::NON_ALPHANUMERIC
                    )
                ),
                lang_of(req.request()),
            );
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, target))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish()
        }
        Ok(Decision::Refuse) => {
            AppError::NotAllowed.render(&state.pages, lang, req.request(), None)
        }
        Err(e) => e.render(&state.pages, lang, req.request(), None),
    };
    Ok(req.into_response(refusal).map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::path_param;

    #[test]
    fn path_parameters_are_read_from_the_pattern() {
        assert_eq!(
            path_param("/resultsets/{id}.zip", "/resultsets/abc.zip", "id"),
            None,
            "only whole segments"
        );
        assert_eq!(
            path_param(
                "/resultsets/{id}/download",
                "/resultsets/jiaxing-2016/download",
                "id"
            ),
            Some("jiaxing-2016".to_owned())
        );
        assert_eq!(path_param("/admin/audit", "/admin/audit", "id"), None);
    }
}
