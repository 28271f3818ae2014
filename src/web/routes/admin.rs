//! `/admin/audit`: the audit log for admins, newest first. Read-only: the application has no
//! route, command or function that edits or deletes an entry.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::blocking;
use crate::web::{lang_from_query, AppError, AppState};

/// Entries shown on the page.
const SHOWN: i64 = 1000;

pub async fn audit(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let lang = lang_from_query(req.query_string());
    let result = async {
        let catalog = state.catalog.clone();
        let entries = blocking(move || crate::audit::recent(catalog.database(), SHOWN)).await?;
        let m = state.pages.messages();
        let rows: Vec<_> = entries
            .iter()
            .map(|e| {
                json!({
                    "seq": e.seq,
                    "at": e.at,
                    "actor": e.actor,
                    "action": m.text(lang, &format!("audit.action_{}", e.action)),
                    "survey_id": e.survey_id,
                    "manifest_sha256": e.manifest_sha256,
                    "detail": e.detail,
                })
            })
            .collect();
        let html = state.pages.render(
            "audit",
            lang,
            &req,
            json!({
                "page_title": m.text(lang, "audit.heading"),
                "entries": rows,
                "shown": m.format(lang, "audit.shown", &[("count", &SHOWN.to_string())]),
            }),
        )?;
        Ok::<_, AppError>(
            HttpResponse::Ok()
                .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
                .content_type("text/html; charset=utf-8")
                .body(html),
        )
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}
