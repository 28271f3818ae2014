//! `/admin/audit`: the audit log for admins, newest first. Read-only: the application has no
//! route, command or function that edits or deletes an entry.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::blocking;
use crate::survey::Lang;
use crate::web::{lang_of, AppError, AppState, Messages};

/// Entries shown on the page.
const SHOWN: i64 = 1000;

pub async fn audit(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let lang = lang_of(&req);
    let result = async {
        let catalog = state.catalog.clone();
        let entries = blocking(move || crate::audit::recent(catalog.database(), SHOWN)).await?;
        let m = state.pages.messages();
        let rows: Vec<_> = entries
            .iter()
            .map(|e| {
                json!({
                    "seq": e.seq,
                    "at": beijing_time(&e.at, lang, m),
                    "actor": match e.actor.as_str() {
                        crate::audit::COMMAND_LINE => m.text(lang, "audit.actor_command_line"),
                        crate::audit::DAILY_RUN => m.text(lang, "audit.actor_daily_run"),
                        person => person.to_owned(),
                    },
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
                // Each entry shows its own number (#seq); the list adds none of its own.
                "extra_css": ".audit{list-style:none;padding:0}",
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

/// An entry's time (stored as UTC, RFC 3339) as staff in China read it: Beijing time, to the
/// second, said so. An unreadable stored time is shown as stored.
fn beijing_time(at: &str, lang: Lang, m: &Messages) -> String {
    let Ok(time) = chrono::DateTime::parse_from_rfc3339(at) else {
        return at.to_owned();
    };
    let beijing = chrono::FixedOffset::east_opt(crate::survey::CHINA_UTC_OFFSET_SECONDS)
        .expect("UTC+08:00 is an offset");
    let local = time.with_timezone(&beijing).format("%Y-%m-%d %H:%M:%S");
    m.format(lang, "audit.at", &[("time", &local.to_string())])
}
