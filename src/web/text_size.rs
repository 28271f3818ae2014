//! Large text for older readers: `?text=large` turns it on, `?text=normal` off, and a cookie
//! `text=large` remembers the choice. The cookie holds the same word for everyone who chose
//! large text and nothing else: it identifies no one, and it is never logged or stored.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpRequest;

const COOKIE: &str = "text";
/// A year: long enough that a resident who chose large text keeps it for the whole fieldwork.
const REMEMBER_SECONDS: u32 = 365 * 24 * 60 * 60;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TextSize {
    #[default]
    Normal,
    Large,
}

impl TextSize {
    fn from_word(word: &str) -> Option<TextSize> {
        match word {
            "large" => Some(TextSize::Large),
            "normal" => Some(TextSize::Normal),
            _ => None,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            TextSize::Normal => "normal",
            TextSize::Large => "large",
        }
    }

    /// The size a request asks for: `?text=` first (the resident just chose), then the cookie.
    pub fn of(req: &HttpRequest) -> TextSize {
        asked_in_query(req.query_string())
            .or_else(|| remembered(req))
            .unwrap_or_default()
    }
}

fn asked_in_query(query: &str) -> Option<TextSize> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == COOKIE)
        .and_then(|(_, v)| TextSize::from_word(&v))
}

fn remembered(req: &HttpRequest) -> Option<TextSize> {
    super::client::cookies(req)
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| TextSize::from_word(value.trim()))
}

/// The `Set-Cookie` value that remembers (large) or forgets (normal) a choice.
fn cookie_for(size: TextSize) -> String {
    match size {
        TextSize::Large => {
            format!("{COOKIE}=large; Path=/; Max-Age={REMEMBER_SECONDS}; SameSite=Lax; HttpOnly")
        }
        TextSize::Normal => format!("{COOKIE}=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly"),
    }
}

/// Middleware: when a request chooses a text size or a language in its query, the response
/// remembers it. Such a response carries a cookie, so no shared cache may keep it: a page
/// otherwise `public` becomes `private` (a cache would hand the cookie to every reader).
pub async fn remember_reading_choices(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let chosen = asked_in_query(req.query_string());
    // The language too (`web::i18n::lang_of`), set only when the choice changes: every link
    // of an English page carries `?lang=en`.
    let lang = super::i18n::remember_lang(req.request());
    let mut response = next.call(req).await?;
    let cookies: Vec<String> = chosen.map(cookie_for).into_iter().chain(lang).collect();
    if cookies.is_empty() {
        return Ok(response);
    }
    let headers = response.headers_mut();
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    let private = headers
        .get(header::CACHE_CONTROL)
        .and_then(|value| value.to_str().ok())
        .filter(|value| value.contains("public"))
        .map(|value| value.replace("public", "private"));
    if let Some(value) = private.and_then(|v| HeaderValue::from_str(&v).ok()) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_query_wins_over_the_cookie_and_normal_is_the_default() {
        let cases = [
            ("", None, TextSize::Normal, "nothing chosen"),
            ("text=large", None, TextSize::Large, "chosen now"),
            ("", Some("text=large"), TextSize::Large, "remembered"),
            (
                "lang=en",
                Some("a=1; text=large"),
                TextSize::Large,
                "among other cookies",
            ),
            (
                "text=normal",
                Some("text=large"),
                TextSize::Normal,
                "turned off now",
            ),
            (
                "text=huge",
                None,
                TextSize::Normal,
                "an unknown size is ignored",
            ),
            (
                "",
                Some("text=42"),
                TextSize::Normal,
                "a strange cookie is ignored",
            ),
        ];
        for (query, cookie, expected, what) in cases {
            let mut req = TestRequest::get().uri(&format!("/s/x?{query}"));
            if let Some(cookie) = cookie {
                req = req.insert_header((header::COOKIE, cookie));
            }
            assert_eq!(TextSize::of(&req.to_http_request()), expected, "{what}");
        }
    }

    #[test]
    fn the_cookie_holds_one_word_and_no_identifier() {
        let large = cookie_for(TextSize::Large);
        assert!(large.starts_with("text=large;"), "{large}");
        assert!(cookie_for(TextSize::Normal).contains("Max-Age=0"));
    }
}
