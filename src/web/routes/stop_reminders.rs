//! `/i/{token}/stop`: where an invited resident asks for no more reminders. The link is in every
//! invitation and reminder, and in their `List-Unsubscribe` header: GET shows a page with one
//! button; POST (the button, or a mail client's one-click unsubscribe, RFC 8058, which posts
//! `List-Unsubscribe=One-Click` and nothing the server needs) records it and deletes any
//! reminder still waiting. The invitation link keeps working: stopping reminders is not
//! declining to answer. Like `/i/{token}`, the token is never logged and only its hash looked
//! up; a post from another site's page is refused as every post is.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::posted::is_cross_site;
use super::{blocking, in_lang};
use crate::invitations::{hash_token, looks_like_token};
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
        let hash = known_token(&token)?;
        let catalog = state.catalog.clone();
        blocking(move || storage::find_invitation_by_link(&mut *catalog.database().conn()?, &hash))
            .await?
            .ok_or(AppError::InvitationNotFound)?;
        let view = json!({
            "page_title": state.pages.messages().text(lang, "invitation.stop_title"),
            "action": in_lang(&format!("/i/{token}/stop"), lang),
            "lang_code": lang.param(),
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
        let hash = known_token(&token)?;
        let catalog = state.catalog.clone();
        blocking(move || storage::decline_reminders(&mut *catalog.database().conn()?, &hash))
            .await?
            .ok_or(AppError::InvitationNotFound)?;
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

/// The hash to look a token up by; 404 at once for anything that is not one we could have made.
fn known_token(token: &str) -> Result<String, AppError> {
    if looks_like_token(token) {
        Ok(hash_token(token))
    } else {
        Err(AppError::InvitationNotFound)
    }
}

fn no_store(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}
