//! `/login` and `/logout`: signing in with an e-mail address and password (throttled), and out
//! again. A successful sign-in sets the signed session cookie and goes on to `next` (a path on
//! this site) or `/account`.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::posted::{is_cross_site, read_form, PostedForm};
use super::{blocking, in_lang};
use crate::accounts::SignInError;
use crate::survey::Lang;
use crate::web::access::{
    clear_session_cookie, known_browser_cookie, set_known_browser_cookie, set_session_cookie,
    SignedIn,
};
use crate::web::client::client_address;
use crate::web::{lang_of, AppError, AppState};

/// Input fields of the sign-in form look like the survey's text boxes.
const LOGIN_CSS: &str = "label{display:block;font-weight:600;margin:.6rem 0 .25rem}\
input[type=email],input[type=password]{display:block;width:100%;font:inherit;padding:.7rem;\
min-height:48px;border:1px solid #6b7280;border-radius:8px;margin:0 0 .6rem}\
form button{margin-top:1rem}";

/// Where to go after signing in: a path on this site, never another site (`//host`, `/\\host`).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                // Visible ASCII only: a browser drops a tab or newline from an address, so
                // "/\t/evil.example" would become "//evil.example", and a control character
                // cannot go in a Location header at all.
                && path.bytes().all(|b| b.is_ascii_graphic())
                && !path.starts_with("/login") =>
        {
            path.to_owned()
        }
        _ => "/account".to_owned(),
    }
}

fn query_next(req: &HttpRequest) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v)
}

fn render(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    next: &str,
    email: &str,
    problem: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let m = state.pages.messages();
    let html = state.pages.render(
        "login",
        lang,
        req,
        json!({
            "page_title": m.text(lang, "login.heading"),
            "next": next,
            "email": email,
            "problem": problem,
            "lang_code": lang.param(),
            "extra_css": LOGIN_CSS,
        }),
    )?;
    Ok(HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(html))
}

pub async fn form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let lang = lang_of(&req);
    let next = safe_next(query_next(&req).as_deref());
    render(&state, &req, lang, &next, "", None, StatusCode::OK)
        .unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}

pub async fn submit(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let mut lang = lang_of(&req);
    let result = async {
        let PostedForm {
            fields,
            lang: asked,
        } = read_form(&req, payload, &state, lang).await?;
        lang = asked;
        let email = fields.first("email").unwrap_or_default().trim().to_owned();
        let password = fields.first("password").unwrap_or_default().to_owned();
        let next = safe_next(fields.first("next"));
        let m = state.pages.messages();
        if email.is_empty() || password.is_empty() {
            let problem = m.text(lang, "login.missing");
            return render(
                &state,
                &req,
                lang,
                &next,
                &email,
                Some(problem),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        let accounts = state.accounts.clone();
        let address = client_address(&req, &state.trusted_proxies);
        let now = chrono::Utc::now().timestamp();
        let typed = email.clone();
        let known = known_browser_cookie(&req);
        let outcome = blocking(move || {
            let signed_in = accounts.sign_in(&typed, &password, address, known.as_deref(), now);
            Ok::<_, AppError>(match signed_in {
                Ok(account) => Ok((
                    accounts.issue_session(&account, now),
                    accounts.issue_known_browser(&account, now)?,
                )),
                Err(SignInError::Storage(e)) => return Err(e.into()),
                Err(other) => Err(other),
            })
        })
        .await?;
        match outcome {
            Ok((session, known)) => {
                let mut signed_in = HttpResponse::SeeOther();
                // On in the language signed in with, unless `next` chose one.
                signed_in
                    .insert_header((
                        header::LOCATION,
                        if next.contains("lang=") {
                            next
                        } else {
                            in_lang(&next, lang)
                        },
                    ))
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .insert_header((
                        header::SET_COOKIE,
                        set_session_cookie(&session, state.secure_cookies),
                    ));
                // None only for an account removed between the sign-in and here.
                if let Some(known) = known {
                    signed_in.append_header((
                        header::SET_COOKIE,
                        set_known_browser_cookie(&known, state.secure_cookies),
                    ));
                }
                Ok(signed_in.finish())
            }
            Err(SignInError::Throttled { wait_seconds }) => {
                let minutes = (wait_seconds + 59) / 60;
                let problem = m.format(
                    lang,
                    "login.throttled",
                    &[("minutes", &minutes.to_string())],
                );
                let mut page = render(
                    &state,
                    &req,
                    lang,
                    &next,
                    &email,
                    Some(problem),
                    StatusCode::TOO_MANY_REQUESTS,
                )?;
                if let Ok(value) = header::HeaderValue::from_str(&(wait_seconds.to_string())) {
                    page.headers_mut().insert(header::RETRY_AFTER, value);
                }
                Ok(page)
            }
            Err(_) => {
                let problem = m.text(lang, "login.wrong");
                render(
                    &state,
                    &req,
                    lang,
                    &next,
                    &email,
                    Some(problem),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
            }
        }
    }
    .await;
    let back = Some(("/login", "error.back_login"));
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, back))
}

/// Signs the account out of every session (all browsers, all processes) and clears the cookie.
pub async fn logout(
    req: HttpRequest,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    if is_cross_site(&req, state.public_url.as_deref()) {
        return AppError::Forbidden.render(&state.pages, lang, &req, None);
    }
    let accounts = state.accounts.clone();
    let account = signed_in.0;
    match blocking(move || accounts.sign_out(&account)).await {
        Ok(()) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, super::in_lang("/login", lang)))
            .insert_header((
                header::SET_COOKIE,
                clear_session_cookie(state.secure_cookies),
            ))
            .finish(),
        Err(e) => e.render(&state.pages, lang, &req, None),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_on_this_site_are_followed_after_signing_in() {
        let cases = [
            (Some("/resultsets/x/download"), "/resultsets/x/download"),
            (Some("/admin/audit?lang=en"), "/admin/audit?lang=en"),
            (Some("//evil.example/"), "/account"),
            (Some("/\\evil.example/"), "/account"),
            (Some("https://evil.example/"), "/account"),
            (Some("/login"), "/account"),
            (Some("/\t/evil.example/"), "/account"),
            (Some("/\n/evil.example/"), "/account"),
            (Some("/\x0bx"), "/account"),
            (Some("/ /evil.example/"), "/account"),
            (Some("/results/%E5%98%89"), "/results/%E5%98%89"),
            (None, "/account"),
        ];
        for (next, expected) in cases {
            assert_eq!(safe_next(next), expected, "{next:?}");
        }
    }
}
