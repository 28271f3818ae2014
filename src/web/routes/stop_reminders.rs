//! `/i/{token}/stop`: where an invited resident asks for no more reminders. The link is in every
//! invitation and reminder, and in their `List-Unsubscribe` header: GET shows a page with one
//! button; POST (the button, or a mail client's one-click unsubscribe, RFC 8058, which posts
//! `List-Unsubscribe=One-Click` and nothing the server needs) records it and deletes any
//! reminder still waiting. The invitation link keeps working: stopping reminders is not
//! declining to answer. A used invitation gets the page `/i/{token}` gives it. Like
//! `/i/{token}`, the token is never logged and only its hash looked up; a post from another
//! site's page is refused as every post is (a mail provider posts from its own server, with
//! neither `Origin` nor `Sec-Fetch-Site`).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::invitation::{find, link_hash};
use super::posted::is_cross_site;
use super::survey::invitation_used_page;
use super::{blocking, in_lang};
use crate::storage;
use crate::web::pages::MessagePage;
use crate::web::{lang_of, AppError, AppState};

pub async fn confirm(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let token = path.into_inner();
    let result = async {
        let invitation = find(&state, &token).await?;
        if invitation.used {
            return Ok(invitation_used_page(
                &state,
                &req,
                lang,
                &invitation.survey_id,
            ));
        }
        let view = json!({
            "page_title": state.pages.messages().text(lang, "invitation.stop_title"),
            "action": in_lang(&format!("/i/{token}/stop"), lang),
            "survey_href": in_lang(&format!("/i/{token}"), lang),
        });
        let body = state.pages.render("stop_reminders", lang, &req, view);
        Ok(no_store(body.map_err(AppError::Unexpected)?))
    }
    .await;
    result.unwrap_or_else(|e: AppError| e.render(&state.pages, lang, &req, None))
}

pub async fn stop(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let token = path.into_inner();
    let result = async {
        if is_cross_site(&req, state.public_url.as_deref()) {
            return Err(AppError::Forbidden);
        }
        let hash = link_hash(&token)?;
        let catalog = state.catalog.clone();
        let invitation =
            blocking(move || storage::decline_reminders(&mut *catalog.database().conn()?, &hash))
                .await?
                .ok_or(AppError::InvitationNotFound)?;
        if invitation.used {
            return Ok(invitation_used_page(
                &state,
                &req,
                lang,
                &invitation.survey_id,
            ));
        }
        let m = state.pages.messages();
        let page = MessagePage {
            heading: m.text(lang, "invitation.stopped_title"),
            paragraphs: vec![m.text(lang, "invitation.stopped_body")],
            link: Some((in_lang("/", lang), m.text(lang, "thanks.home"))),
            role: "status",
            sent_draft: None,
        };
        let body = state.pages.message(lang, &req, page);
        Ok(no_store(body.map_err(AppError::Unexpected)?))
    }
    .await;
    result.unwrap_or_else(|e: AppError| e.render(&state.pages, lang, &req, None))
}

fn no_store(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}
