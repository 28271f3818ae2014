//! Reading a form posted from one of our own pages, the same way on every route that takes one
//! (a resident's answers, signing in, a publisher's confirmation): a post from another site is
//! refused before anything is read (403), another content type is a 400, a body over the limit
//! a 413, a body still arriving after `MINYI_BODY_TIMEOUT` a 408 (the connection is then
//! closed) and text that is not UTF-8 a 400; the form may name its language in `_lang`.

use actix_web::http::header;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use crate::survey::{FormInput, Lang};
use crate::web::form_body::parse_form;
use crate::web::{AppError, AppState};

/// A posted form's fields and the language to answer in.
pub struct PostedForm {
    pub fields: FormInput,
    /// The form's `_lang`, else `default`.
    pub lang: Lang,
}

/// Checks and reads a form posted to `req` (see the module's rules).
pub async fn read_form(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    default: Lang,
) -> Result<PostedForm, AppError> {
    read_form_up_to(req, payload, state, default, state.body_limit).await
}

/// [`read_form`] with a body limit of its own, for a form larger than a resident's answers (a
/// survey file being imported).
pub async fn read_form_up_to(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    default: Lang,
    limit: usize,
) -> Result<PostedForm, AppError> {
    read_form_within(
        req,
        payload,
        state,
        default,
        limit,
        || async move { Ok(limit) },
    )
    .await
}

/// [`read_form_up_to`] for a limit known from what may be an old reading (a survey's, whose
/// text boxes a later version may have made larger): a body that outgrows `limit` is read on
/// up to `second_limit()`, asked then and only then, before it is refused; its error is the
/// answer.
pub async fn read_form_within<F, L>(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    default: Lang,
    limit: usize,
    second_limit: F,
) -> Result<PostedForm, AppError>
where
    F: FnOnce() -> L,
    L: std::future::Future<Output = Result<usize, AppError>>,
{
    if is_cross_site(req, state.public_url.as_deref()) {
        return Err(AppError::Forbidden);
    }
    check_content_type(req)?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let read = read_body(payload, declared, limit, second_limit);
    let body = actix_web::rt::time::timeout(state.body_timeout, read)
        .await
        .map_err(|_| AppError::TooSlow)??;
    let fields = parse_form(&body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let lang = fields
        .first("_lang")
        .and_then(Lang::from_code)
        .unwrap_or(default);
    Ok(PostedForm { fields, lang })
}

/// A browser tells us when a post comes from another site (`Sec-Fetch-Site`, `Origin`); such
/// posts are refused before anything is read. The form token is the second line of defence.
///
/// The origin is ours when it names the host the request was sent to, or the address residents
/// use (`MINYI_PUBLIC_URL`): a reverse proxy that passes its own upstream address as `Host`
/// (nginx does unless told `proxy_set_header Host $host`) would otherwise make every post look
/// cross-site.
pub fn is_cross_site(req: &HttpRequest, public_url: Option<&str>) -> bool {
    let headers = req.headers();
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site.eq_ignore_ascii_case("cross-site"))
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    // Residents' pages send no referrer, so a browser posts their forms with `Origin: null`;
    // staff pages send it to their own site (`access::is_staff_page`), so there "null" means
    // a sandboxed frame or a page elsewhere: a sign-in forced from another site, say.
    if origin == "null" {
        return crate::web::access::is_staff_page(req);
    }
    let origin_host = host_of(origin);
    let ours = |host: &str| origin_host.eq_ignore_ascii_case(host);
    !(super::request_host(req).is_some_and(ours)
        || public_url.is_some_and(|url| ours(host_of(url))))
}

/// The `host[:port]` of an origin or URL (`https://survey.example/x` → `survey.example`).
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

fn check_content_type(req: &HttpRequest) -> Result<(), AppError> {
    match req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        None => Ok(()),
        Some(ct)
            if ct
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded") =>
        {
            Ok(())
        }
        Some(other) => Err(AppError::BadRequest(format!(
            "unsupported content type {other:?}"
        ))),
    }
}

/// Reads the request body up to `limit` bytes, or once it outgrows that, up to
/// `second_limit()` (or its error); more is a 413, whatever Content-Length claimed. A body
/// whose `Content-Length` (`declared`) is over the limit is refused before it is read, rather
/// than waited for until the deadline.
async fn read_body<F, L>(
    mut payload: web::Payload,
    declared: Option<u64>,
    mut limit: usize,
    second_limit: F,
) -> Result<web::BytesMut, AppError>
where
    F: FnOnce() -> L,
    L: std::future::Future<Output = Result<usize, AppError>>,
{
    let mut second_limit = Some(second_limit);
    let over = |limit: usize| declared.is_some_and(|length| length > limit as u64);
    if over(limit) {
        if let Some(ask) = second_limit.take() {
            limit = limit.max(ask().await?);
        }
        if over(limit) {
            return Err(AppError::TooLarge);
        }
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("body: {e}")))?;
        if body.len() + chunk.len() > limit {
            if let Some(ask) = second_limit.take() {
                limit = limit.max(ask().await?);
            }
            if body.len() + chunk.len() > limit {
                return Err(AppError::TooLarge);
            }
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
