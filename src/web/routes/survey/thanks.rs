//! After a form is stored: the thanks page (or, for an interviewer, a fresh form), the redirect
//! that leads there with the cookie that remembers the phone sent it, and the page for a used
//! invitation.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{home_href, html, Entry};
use crate::lifecycle::SurveyState;
use crate::survey::Lang;
use crate::web::client::{sent_before, set_invitation_sent_cookie, set_sent_cookie};
use crate::web::pages::{MessagePage, SentDraft};
use crate::web::routes::{blocking, in_lang};
use crate::web::survey_form::draft_key;
use crate::web::{lang_of, AppError, AppState};

pub async fn thanks(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let id = path.into_inner();
    let result = async {
        let catalog = state.catalog.clone();
        let lookup = id.clone();
        let survey = blocking(move || catalog.current(&lookup))
            .await?
            .ok_or(AppError::NotFound)?;
        let state_now = survey.record.state;
        let m = state.pages.messages();
        let query = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
            .unwrap_or_default();
        let invited = query.iter().any(|(k, v)| k == "via" && v == "invitation");
        if !sent_before(&req) {
            return Ok(html(state.pages.message(
                lang,
                &req,
                unconfirmed_thanks(&state, lang, &id, invited, state_now),
            )?));
        }
        let (heading, paragraphs) = match Thanks::from_query(&query) {
            Thanks::First => ("thanks.title", ["thanks.body", "thanks.close"]),
            Thanks::Again => (
                "thanks.already_title",
                ["thanks.already_body", "thanks.body"],
            ),
        };
        let page = MessagePage {
            heading: m.text(lang, heading),
            paragraphs: paragraphs.iter().map(|key| m.text(lang, key)).collect(),
            link: Some((home_href(lang), m.text(lang, "thanks.home"))),
            role: "status",
            // The answers were sent: the copy this form kept on the phone goes (not the other
            // channel's: a household may have both under way on one phone).
            sent_draft: Some(SentDraft::Sent(draft_key(&id, invited))),
        };
        Ok(html(state.pages.message(lang, &req, page)?))
    }
    .await;
    result.unwrap_or_else(|e: AppError| e.render(&state.pages, lang, &req, None))
}

/// The thanks page opened on a phone that sent no form of this survey (no `minyi_sent` cookie):
/// a link forwarded in a chat, or a browser that keeps no cookies. It says both, and leads to
/// the public form while the survey is open, else to its results (or the home page, until they
/// are out); the answers kept on the phone go only if its script marked them sent minutes ago
/// (a browser without cookies that did send them), else they stay.
fn unconfirmed_thanks(
    state: &AppState,
    lang: Lang,
    id: &str,
    invited: bool,
    survey_state: SurveyState,
) -> MessagePage {
    let m = state.pages.messages();
    let (body, link) = match survey_state {
        SurveyState::Published => (
            "thanks.unconfirmed_over_body",
            (
                in_lang(&format!("/results/{id}"), lang),
                m.text(lang, "error.see_results"),
            ),
        ),
        SurveyState::Closed => (
            "thanks.unconfirmed_over_body",
            (home_href(lang), m.text(lang, "thanks.home")),
        ),
        SurveyState::Draft | SurveyState::Open => (
            "thanks.unconfirmed_body",
            (
                in_lang(&format!("/s/{id}"), lang),
                m.text(lang, "thanks.start"),
            ),
        ),
    };
    MessagePage {
        heading: m.text(lang, "thanks.unconfirmed_title"),
        paragraphs: vec![m.text(lang, body)],
        link: Some(link),
        role: "status",
        sent_draft: Some(SentDraft::PerhapsSent(draft_key(id, invited))),
    }
}

/// The polite answer to a second use of an invitation link (410: the link is spent). Its
/// answers were sent: a copy still on the phone goes.
pub(crate) fn invitation_used_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    survey_id: &str,
) -> HttpResponse {
    let m = state.pages.messages();
    let page = MessagePage {
        heading: m.text(lang, "invitation.used_title"),
        paragraphs: vec![m.text(lang, "invitation.used_body")],
        link: Some((home_href(lang), m.text(lang, "thanks.home"))),
        role: "status",
        sent_draft: Some(SentDraft::Sent(draft_key(survey_id, true))),
    };
    match state.pages.message(lang, req, page) {
        Ok(body) => HttpResponse::Gone()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => AppError::Unexpected(e).render(&state.pages, lang, req, None),
    }
}

/// Which thanks a submitter sees: for the form just stored, or for one stored before. The
/// second matters after Back, a change and Submit again: the first answers stand, and the
/// resident should not believe the change counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Thanks {
    First,
    Again,
}

impl Thanks {
    fn from_query(query: &[(String, String)]) -> Thanks {
        let again = query.iter().any(|(k, v)| k == "again" && v == "1");
        if again {
            Thanks::Again
        } else {
            Thanks::First
        }
    }
}

/// The redirect to the thanks page, with the cookie that lets a form opened again through the
/// public link say that this browser has sent it.
pub(super) fn thanked(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    entry: &Entry,
    lang: Lang,
    thanks: Thanks,
) -> HttpResponse {
    if let Entry::Interviewer { token, .. } = entry {
        return interviewer_saved(req, token, lang, thanks);
    }
    let invited = matches!(entry, Entry::Invitation { .. });
    let mut response = see_thanks(req, id, lang, thanks, invited);
    let (name, value) = if invited {
        set_invitation_sent_cookie(id, state.secure_cookies)
    } else {
        set_sent_cookie(id, state.secure_cookies)
    };
    if let Ok(value) = header::HeaderValue::from_str(&value) {
        response.headers_mut().insert(name, value);
    }
    response
}

/// The redirect to the thanks page; `invited`: the form came through an invitation, whose copy
/// kept on the phone the page deletes (`via=invitation`, which names no one).
pub(super) fn see_thanks(
    req: &HttpRequest,
    id: &str,
    lang: Lang,
    thanks: Thanks,
    invited: bool,
) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            thanks_href(id, lang_to_name(req, lang), thanks, invited),
        ))
        .finish()
}

/// The language to name in the address a submission leads to: Chinese needs none unless the
/// next page would otherwise be read in English (no remembered choice, a browser that asks for
/// English).
fn lang_to_name(req: &HttpRequest, lang: Lang) -> Option<Lang> {
    (lang == Lang::En || crate::web::i18n::lang_unasked(req) != lang).then_some(lang)
}

/// The thanks page's address; `lang`: the language to name in it, if any.
fn thanks_href(id: &str, lang: Option<Lang>, thanks: Thanks, invited: bool) -> String {
    let mut query = Vec::new();
    if let Some(lang) = lang {
        query.push(if lang == Lang::En {
            "lang=en"
        } else {
            "lang=zh"
        });
    }
    if thanks == Thanks::Again {
        query.push("again=1");
    }
    if invited {
        query.push("via=invitation");
    }
    if query.is_empty() {
        format!("/s/{id}/thanks")
    } else {
        format!("/s/{id}/thanks?{}", query.join("&"))
    }
}

/// The query parameter that tells an interviewer's fresh form the last one was stored: `1`,
/// or `again` for a form stored before.
pub(super) const SAVED_PARAM: &str = "saved";

/// After an interview's answers are stored: straight to a fresh form for the next resident,
/// which says the last one was stored. No cookie: the device is the interviewer's, not a
/// resident's.
fn interviewer_saved(req: &HttpRequest, token: &str, lang: Lang, thanks: Thanks) -> HttpResponse {
    let saved = match thanks {
        Thanks::First => "1",
        Thanks::Again => "again",
    };
    let lang = match lang_to_name(req, lang) {
        None => "",
        Some(Lang::En) => "&lang=en",
        Some(Lang::Zh) => "&lang=zh",
    };
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/iv/{token}?{SAVED_PARAM}={saved}{lang}"),
        ))
        .finish()
}
