//! `/admin/surveys/{id}/survey.toml`: the file of a survey's current version, for a publisher to
//! edit and upload again on the import page (`import`), as `minyi survey source ID` prints it.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::blocking;
use crate::web::{lang_of, AppState};

pub async fn download(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let catalog = state.catalog.clone();
    let id = path.into_inner();
    match blocking(move || catalog.current_file(&id)).await {
        Ok((name, text)) => HttpResponse::Ok()
            // TOML has no charset of its own: it is always UTF-8.
            .content_type("application/toml; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ))
            .body(text),
        Err(e) => e.render(&state.pages, lang, &req, None),
    }
}
