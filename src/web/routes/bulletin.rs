//! `/admin/surveys/{id}/bulletin` and `/admin/surveys/{id}/bulletin.csv`: the fieldwork progress
//! bulletin (通报) to pass on, as a dated page made for printing (the links and language bar are
//! left out of the printout) and as the CSV `minyi progress ID --format csv` writes (UTF-8 with a
//! byte-order mark for Excel and WPS).

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::dashboard::{self, load, with};
use super::private_page;
use crate::release::{bulletin_csv, Encoding};
use crate::web::fieldwork_view::{short_version, FieldworkView};
use crate::web::{lang_of, AppError, AppState};

/// On a desktop the table has room for every column (the page is wider than others). On paper:
/// no language bar, no links or notes about printing, black on white, and tables
/// whose rows do not break across pages. On a phone the wide table scrolls inside its box.
const PRINT_CSS: &str =
    "main{max-width:60rem}.wide{overflow-x:auto}.wide th,.wide td{white-space:nowrap}\
tfoot th,tfoot td{font-weight:700}\
@media print{.bar,.noprint{display:none}body{background:#fff;color:#000;font-size:11pt}\
main{max-width:none;padding:0}.box{border:0;padding:0}.wide{overflow:visible}\
tr{break-inside:avoid}}@page{margin:15mm}";

pub async fn page(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let result = async {
        let (survey, progress) = load(&state, path.into_inner()).await?;
        let m = state.pages.messages();
        let id = survey.record.id.as_str();
        let now = chrono::Utc::now();
        let view = FieldworkView {
            survey: &survey,
            progress: &progress,
            lang,
            messages: m,
            now,
        };
        let title = survey.definition.title.get(lang);
        let html = state.pages.render(
            "bulletin",
            lang,
            &req,
            with(
                view.view(),
                json!({
                    "page_title": format!("{} · {title}", m.text(lang, "bulletin.heading")),
                    "as_of": m.format(lang, "bulletin.as_of", &[
                        ("time", &view.local_time()),
                        ("zone", &view.zone()),
                        ("id", id),
                        ("version", short_version(&survey.record.current_version)),
                        ("state", &view.state()),
                    ]),
                    "dashboard_href": dashboard::href(id, lang),
                    "csv_href": format!("/admin/surveys/{id}/bulletin.csv"),
                    "extra_css": PRINT_CSS,
                }),
            ),
        )?;
        Ok::<_, AppError>(private_page(StatusCode::OK, html))
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}

pub async fn csv(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let result = async {
        let (survey, progress) = load(&state, path.into_inner()).await?;
        let bytes = bulletin_csv(&progress, Encoding::Utf8WithBom)
            .map_err(|e| AppError::Unexpected(e.into()))?;
        let file_name = format!(
            "progress-{}-{}.csv",
            survey.record.id,
            survey.definition.local_date(chrono::Utc::now())
        );
        Ok::<_, AppError>(
            HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ))
                .body(bytes),
        )
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}
