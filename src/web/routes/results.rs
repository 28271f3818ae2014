//! `/results/{id}`: a published survey's results for the public (404 before publication), the
//! same figures as CSV and as JSON (`/api/results/{id}`). Rendered from the published snapshot.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::{blocking, in_lang, private_page};
use crate::lifecycle::SurveyState;
use crate::publishing::{self, PublishedResults};
use crate::survey::Lang;
use crate::web::answers_view;
use crate::web::results_data::{api_json, public_csv};
use crate::web::results_view::ResultsPage;
use crate::web::{lang_of, AppError, AppState, TextSize};

async fn load(state: &AppState, id: String) -> Result<PublishedResults, AppError> {
    let catalog = state.catalog.clone();
    blocking(move || publishing::published(&catalog, &id).map_err(AppError::from))
        .await?
        .ok_or(AppError::ResultsNotPublished)
}

/// The results page's view of `results`, for the reader's language and text size.
fn view_of(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    results: &PublishedResults,
) -> serde_json::Value {
    ResultsPage {
        results,
        lang,
        messages: state.pages.messages(),
        large_text: TextSize::of(req) == TextSize::Large,
    }
    .view()
}

pub async fn page(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let result = async {
        let results = load(&state, path.into_inner()).await?;
        let view = view_of(&state, &req, lang, &results);
        let html = state.pages.render("results", lang, &req, view)?;
        Ok::<_, AppError>(
            HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
                // The reading cookies and the browser's languages change the page: a shared
                // cache keeps one copy per choice.
                .insert_header((header::VARY, "Cookie, Accept-Language"))
                .content_type("text/html; charset=utf-8")
                .body(html),
        )
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}

pub async fn figures_csv(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    csv_download(req, path.into_inner(), state, "results", public_csv).await
}

/// `/results/{id}/answers.csv`: the shares of each question's answers.
pub async fn answers_csv(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    csv_download(req, path.into_inner(), state, "answers", answers_view::csv).await
}

/// A CSV made from the published results, named `{name}-{id}-{version's first 12}.csv`.
async fn csv_download(
    req: HttpRequest,
    id: String,
    state: web::Data<AppState>,
    name: &str,
    make: fn(&PublishedResults) -> Result<Vec<u8>, csv::Error>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let result = async {
        let results = load(&state, id.clone()).await?;
        let bytes = make(&results).map_err(|e| AppError::Unexpected(e.into()))?;
        Ok::<_, AppError>(
            HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{name}-{id}-{}.csv\"",
                        &results.version[..12.min(results.version.len())]
                    ),
                ))
                .body(bytes),
        )
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}

/// `/api/results/{id}`: the published results as JSON. Public figures, read without cookies,
/// so any site's page may fetch them (`Access-Control-Allow-Origin: *`), errors included, so
/// that a dashboard can tell "not published yet" from "try again".
pub async fn api(path: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    let mut response = match load(&state, path.into_inner()).await {
        Ok(results) => HttpResponse::Ok().json(api_json(&results)),
        Err(AppError::ResultsNotPublished) => HttpResponse::NotFound().json(json!({
            "error": "not_found",
            "message": "no published results for this survey id",
        })),
        Err(e) => {
            tracing::error!(error = ?e, "results API failed");
            let mut response = HttpResponse::build(e.status());
            if let Some(seconds) = e.retry_after() {
                response.insert_header((header::RETRY_AFTER, seconds));
            }
            response.json(json!({ "error": "unavailable" }))
        }
    };
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static("*"),
    );
    response
}

/// `/admin/surveys/{id}/results`: for a closed survey, the results page as publishing would
/// make it now (the same computation, stored nowhere), so that the publisher sees which
/// figures and counties will be shown or withheld before the move that cannot be undone.
/// Once published, the public page; before the close, nothing to show yet.
pub async fn preview(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let id = path.into_inner();
    let result = async {
        let catalog = state.catalog.clone();
        let wanted = id.clone();
        let previewed = blocking(move || {
            match publishing::preview(&catalog, &wanted)? {
                Some(results) => Ok::<_, AppError>(Ok(results)),
                // Not closed: which state it is in says where to go.
                None => Ok(Err(catalog.require(&wanted)?.record.state)),
            }
        })
        .await?;
        let results = match previewed {
            Ok(results) => results,
            Err(SurveyState::Published) => {
                return Ok(HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, in_lang(&format!("/results/{id}"), lang)))
                    .finish())
            }
            Err(_) => return Err(AppError::NotReady),
        };
        let m = state.pages.messages();
        let mut view = view_of(&state, &req, lang, &results);
        view["published"] = json!(m.text(lang, "results.preview_published"));
        view["preview"] = json!({
            "banner": m.text(lang, "results.preview_banner"),
            "back_href": super::dashboard::href(&id, lang),
            "back": m.text(lang, "lifecycle.back"),
        });
        let html = state.pages.render("results", lang, &req, view)?;
        Ok::<_, AppError>(private_page(actix_web::http::StatusCode::OK, html))
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}
