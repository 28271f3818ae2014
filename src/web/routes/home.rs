//! `/`: the surveys open now.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::{blocking, in_lang};
use crate::lifecycle::SurveyState;
use crate::web::{lang_of, AppState};

pub async fn index(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let lang = lang_of(&req);
    let catalog = state.catalog.clone();
    let surveys = match blocking(move || catalog.list()).await {
        Ok(list) => list,
        Err(e) => return e.render(&state.pages, lang, &req, None),
    };
    let open: Vec<_> = surveys
        .iter()
        .filter(|s| s.record.state == SurveyState::Open)
        .map(|s| {
            json!({
                "title": s.definition.title.get(lang),
                "description": s.definition.description.get(lang),
                "href": in_lang(&format!("/s/{}", s.record.id), lang),
                "qr": format!("/s/{}/qr.svg", s.record.id),
            })
        })
        .collect();
    let messages = state.pages.messages();
    let published: Vec<_> = surveys
        .iter()
        .filter(|s| s.record.state == SurveyState::Published)
        .map(|s| {
            json!({
                "title": s.definition.title.get(lang),
                "period": messages.format(lang, "home.published_period", &[
                    ("start", &s.definition.fieldwork_start.to_string()),
                    ("end", &s.definition.fieldwork_end.to_string()),
                ]),
                "href": in_lang(&format!("/results/{}", s.record.id), lang),
            })
        })
        .collect();
    let title = state.pages.messages().text(lang, "home.title");
    match state.pages.render(
        "home",
        lang,
        &req,
        json!({ "page_title": title, "surveys": open, "published": published }),
    ) {
        Ok(html) => HttpResponse::Ok()
            // A minute: a poster's crowd is served from caches, and a survey opened or closed
            // shows soon. The reading cookies and the browser's languages change the page.
            .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
            .insert_header((header::VARY, "Cookie, Accept-Language"))
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => crate::web::AppError::Unexpected(e).render(&state.pages, lang, &req, None),
    }
}

/// Browsers ask every site for an icon. Minyi has none: an empty answer, kept for a day, rather
/// than the 404 page (a third of the form's bytes again on a resident's first visit).
pub async fn favicon() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .finish()
}

/// `templates/draft.js`, which keeps a resident's unsent answers on their phone. Asked for at
/// the address the pages give (`pages::draft_script_path`, named by its content), it is kept
/// for a year; asked for at any other it is the current script, kept for an hour.
pub async fn draft_script(req: HttpRequest) -> HttpResponse {
    let current = req.uri().path_and_query().map(|pq| pq.as_str())
        == Some(crate::web::pages::draft_script_path());
    HttpResponse::Ok()
        .insert_header((
            header::CACHE_CONTROL,
            if current {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=3600"
            },
        ))
        .content_type("text/javascript; charset=utf-8")
        .body(crate::web::pages::DRAFT_SCRIPT)
}
