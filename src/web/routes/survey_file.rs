//! `/admin/surveys/{id}/survey.toml`: the file of a survey's current version, for a publisher to
//! edit and upload again on the import page (`import`), as `minyi survey source ID` prints it.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

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
    let wanted = id.clone();
    match blocking(move || catalog.current_file(&wanted)).await {
        Ok((name, text)) => HttpResponse::Ok()
            // TOML has no charset of its own: it is always UTF-8.
            .content_type("application/toml; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::CONTENT_DISPOSITION, attachment(&name, &id)))
            .body(text),
        Err(e) => e.render(&state.pages, lang, &req, None),
    }
}

/// `Content-Disposition` for a download named `name` (a plain file name, perhaps Chinese): the
/// name itself in RFC 5987's `filename*`, and `ID.toml` for a client that reads only
/// `filename`, where the name is not ASCII.
fn attachment(name: &str, id: &str) -> String {
    let ascii = if name.is_ascii() {
        name.to_owned()
    } else {
        format!("{id}.toml")
    };
    let encoded = utf8_percent_encode(name, NON_ALPHANUMERIC);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::attachment;

    #[test]
    fn a_chinese_file_name_is_kept_for_browsers_and_made_ascii_for_the_rest() {
        assert_eq!(
            attachment("道路.toml", "roads-2026"),
            "attachment; filename=\"roads-2026.toml\"; filename*=UTF-8''%E9%81%93%E8%B7%AF%2Etoml"
        );
        assert_eq!(
            attachment("food-2016.toml", "food"),
            "attachment; filename=\"food-2016.toml\"; filename*=UTF-8''food%2D2016%2Etoml"
        );
    }
}
