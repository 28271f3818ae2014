//! One file per resource.

pub mod account;
pub mod admin;
pub mod bulletin;
pub mod clearing;
mod confirmed;
pub mod dashboard;
mod fallback;
pub mod health;
pub mod home;
pub mod import;
pub mod interviewer;
pub mod interviewer_links;
pub mod invitation;
pub mod login;
pub mod mail_retry;
pub mod metrics;
pub mod posted;
pub mod preview;
pub mod results;
pub mod resultsets;
pub mod simulated;
pub mod stop_reminders;
pub mod survey;
pub mod survey_file;
pub mod transitions;

pub use fallback::not_found;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use super::{AppError, AppState};
use crate::survey::Lang;

/// Runs blocking catalog or storage work off the async workers.
pub(crate) async fn blocking<T, E>(
    work: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, AppError>
where
    T: Send + 'static,
    E: Into<AppError> + Send + 'static,
{
    match web::block(work).await {
        Ok(result) => result.map_err(Into::into),
        Err(e) => Err(AppError::Unexpected(anyhow::anyhow!(
            "blocking task failed: {e}"
        ))),
    }
}

/// `path` in the reader's language: English adds `lang=en` (Chinese is the default).
pub(crate) fn in_lang(path: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => path.to_owned(),
        Lang::En if path.contains('?') => format!("{path}&lang=en"),
        Lang::En => format!("{path}?lang=en"),
    }
}

/// Where residents reach this server: `MINYI_PUBLIC_URL`, else the address this request came
/// to (for links printed, mailed or shown as a QR code).
pub(crate) fn public_base(state: &AppState, req: &HttpRequest) -> String {
    match &state.public_url {
        Some(url) => url.clone(),
        None => match request_host(req) {
            Some(host) => format!("http://{host}"),
            None => format!("http://{}", req.app_config().local_addr()),
        },
    }
}

/// The request's own `Host`, if it is a host name or address with an optional port: the
/// `Host` header, or, where a request carries none (HTTP/2 sends `:authority`, which actix
/// keeps in the request's URI), the URI's authority.
///
/// Never `X-Forwarded-Host` or `Forwarded`, which anyone may send (a QR code or a link must
/// not name a site the client chose); behind a proxy `MINYI_PUBLIC_URL` says the address.
/// A value that is no host (too long, other characters) counts as absent.
pub(crate) fn request_host(req: &HttpRequest) -> Option<&str> {
    let host = match req.headers().get(header::HOST) {
        Some(value) => value.to_str().ok()?,
        None => req.uri().authority()?.as_str(),
    };
    let is_host_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    (!host.is_empty() && host.len() <= 261 && host.chars().all(is_host_char)).then_some(host)
}

/// A page for a signed-in account: never stored by the browser or a proxy.
pub(crate) fn private_page(status: StatusCode, html: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(html)
}

/// The value of query parameter `name`, if the request has it.
pub(crate) fn query_param(req: &HttpRequest, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::request_host;

    #[test]
    fn the_host_is_the_host_header_or_else_the_uris_authority() {
        let host = TestRequest::default()
            .uri("/s/x")
            .insert_header(("Host", "survey.example:8080"))
            .to_http_request();
        let authority_only = TestRequest::default()
            .uri("https://survey.example/s/x")
            .to_http_request();
        let forged = TestRequest::default()
            .uri("/s/x")
            .insert_header(("Host", "evil.example/<script>"))
            .to_http_request();

        assert_eq!(request_host(&host), Some("survey.example:8080"));
        assert_eq!(request_host(&authority_only), Some("survey.example"));
        assert_eq!(request_host(&forged), None, "no host at all, not a bad one");
    }
}
