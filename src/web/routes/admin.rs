//! `/admin/audit`: the audit log for admins, newest first, a page at a time, narrowed by what
//! happened, who did it and which survey (`?action=download&actor=…&survey=…`, `before=N` for
//! older entries). Read-only: the application has no route, command or function that edits or
//! deletes an entry.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::{blocking, in_lang, query_param};
use crate::audit::AuditAction;
use crate::storage::AuditFilter;
use crate::survey::Lang;
use crate::web::{lang_of, AppError, AppState, Messages};

/// Entries on one page.
const SHOWN: i64 = 200;

/// The filter a request asks for: a value left empty (the form's "all") or unknown narrows
/// nothing, and a page number that is not one starts from the newest.
fn filter_of(req: &HttpRequest) -> AuditFilter {
    let given = |name: &str| {
        query_param(req, name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };
    AuditFilter {
        action: given("action")
            .and_then(|name| AuditAction::parse(&name))
            .map(|action| action.name().to_owned()),
        actor: given("actor"),
        survey_id: given("survey"),
        before: given("before").and_then(|seq| seq.parse().ok()),
    }
}

/// The address of the page of entries older than `before` under the same filter.
fn older_page(filter: &AuditFilter, before: i64) -> String {
    let before = before.to_string();
    let pairs: Vec<(&str, &str)> = [
        ("action", filter.action.as_deref()),
        ("actor", filter.actor.as_deref()),
        ("survey", filter.survey_id.as_deref()),
        ("before", Some(before.as_str())),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name, value?)))
    .collect();
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    format!("/admin/audit?{query}")
}

pub async fn audit(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let lang = lang_of(&req);
    let result = async {
        let catalog = state.catalog.clone();
        let filter = filter_of(&req);
        let asked = filter.clone();
        let entries =
            blocking(move || crate::audit::search(catalog.database(), &asked, SHOWN)).await?;
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
        let actions: Vec<_> = AuditAction::ALL
            .iter()
            .map(|action| {
                json!({
                    "name": action.name(),
                    "label": m.text(lang, &format!("audit.action_{}", action.name())),
                    "selected": filter.action.as_deref() == Some(action.name()),
                })
            })
            .collect();
        // A full page may have older entries behind it.
        let older = match entries.last() {
            Some(last) if entries.len() as i64 == SHOWN => {
                Some(in_lang(&older_page(&filter, last.seq), lang))
            }
            _ => None,
        };
        let narrowed = filter.action.is_some()
            || filter.actor.is_some()
            || filter.survey_id.is_some()
            || filter.before.is_some();
        let html = state.pages.render(
            "audit",
            lang,
            &req,
            json!({
                "page_title": m.text(lang, "audit.heading"),
                "entries": rows,
                "shown": m.format(lang, "audit.shown", &[("count", &SHOWN.to_string())]),
                "filter": {
                    "actions": actions,
                    "actor": filter.actor,
                    "survey": filter.survey_id,
                    // The page in English stays in English when filtered.
                    "lang": (lang == Lang::En).then_some("en"),
                },
                "older": older,
                "newest": narrowed.then(|| in_lang("/admin/audit", lang)),
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
