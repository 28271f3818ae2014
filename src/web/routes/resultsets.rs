//! `/resultsets/{id}/download`: a survey's result set for the admins and the evaluators granted
//! it (the access table checks that), `?encoding=utf8` for plain UTF-8. Written fresh for each
//! download (the same responses give the same bytes) and recorded in the audit log with its
//! manifest hash.
//!
//! `/resultsets/{id}/comments.csv`: the survey's free-text answers, for the same people, sorted
//! and unlinked from the microdata (`release::comments`), audited; `?encoding=utf8` as above.
//!
//! A `HEAD` of either is answered as its `GET` but not recorded: no file changed hands.

use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};

use super::blocking;
use crate::audit::AuditAction;
use crate::catalog::CatalogError;
use crate::evaluation::EvaluationError;
use crate::release::comments::{self, CommentsError};
use crate::release::resultset::{self, ExportError};
use crate::release::Encoding;
use crate::web::{lang_of, AppError, AppState, SignedIn};

/// `?encoding=utf8` for plain UTF-8, `excel` or nothing for the byte-order mark; anything else
/// is refused rather than quietly given the default (an evaluator who asked for `utf-8`
/// would otherwise get a file R reads with a stray character).
fn encoding(query: &str) -> Result<Encoding, AppError> {
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default();
    match pairs
        .iter()
        .find(|(k, _)| k == "encoding")
        .map(|(_, v)| v.as_str())
    {
        None | Some("excel") => Ok(Encoding::Utf8WithBom),
        Some("utf8") => Ok(Encoding::Utf8),
        Some(other) => Err(AppError::BadRequest(format!("unknown encoding {other:?}"))),
    }
}

pub async fn download(
    req: HttpRequest,
    path: web::Path<String>,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let id = path.into_inner();
    let encoding = match encoding(req.query_string()) {
        Ok(encoding) => encoding,
        Err(e) => {
            return e.render(
                &state.pages,
                lang,
                &req,
                Some(("/account", "error.back_account")),
            )
        }
    };
    let catalog = state.catalog.clone();
    let actor = signed_in.0.email;
    let head = req.method() == Method::HEAD;
    let result = blocking(move || {
        let dir = std::env::temp_dir().join(format!(
            "minyi-download-{}",
            hex::encode(rand::random::<[u8; 8]>())
        ));
        let written = if head {
            resultset::export(&catalog, &id, encoding, &dir)
        } else {
            resultset::download(&catalog, &id, encoding, &dir, &actor, AuditAction::Download)
        };
        let outcome = written.and_then(|(path, summary)| Ok((std::fs::read(path)?, summary)));
        let _ = std::fs::remove_dir_all(&dir);
        outcome.map_err(|e| match e {
            ExportError::Catalog(CatalogError::UnknownSurvey(_)) => AppError::NotFound,
            ExportError::StillOpen { .. } => AppError::NotReady,
            ExportError::Evaluation {
                source: EvaluationError::NoResponses { .. },
                ..
            } => AppError::NoUsableResponses,
            e @ ExportError::Evaluation { .. } => AppError::NotWeightable(e.to_string()),
            other => AppError::Unexpected(other.into()),
        })
    })
    .await;
    match result {
        Ok((bytes, summary)) => HttpResponse::Ok()
            .content_type("application/zip")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", summary.file_name),
            ))
            .insert_header(("X-Minyi-Manifest-Sha256", summary.manifest_sha256))
            .body(bytes),
        Err(e) => e.render(
            &state.pages,
            lang,
            &req,
            Some(("/account", "error.back_account")),
        ),
    }
}

pub async fn comments(
    req: HttpRequest,
    path: web::Path<String>,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let back = Some(("/account", "error.back_account"));
    let encoding = match encoding(req.query_string()) {
        Ok(encoding) => encoding,
        Err(e) => return e.render(&state.pages, lang, &req, back),
    };
    let catalog = state.catalog.clone();
    let id = path.into_inner();
    let actor = signed_in.0.email;
    let head = req.method() == Method::HEAD;
    let result = blocking(move || {
        let file = if head {
            comments::comments(&catalog, &id, encoding, lang)
        } else {
            comments::hand_over(&catalog, &id, encoding, lang, &actor)
        };
        file.map_err(|e| match e {
            CommentsError::Catalog(e) => AppError::from(e),
            CommentsError::Storage(e) => AppError::from(e),
            CommentsError::StillOpen { .. } => AppError::NotReady,
            CommentsError::Purged { .. } => AppError::CommentsPurged,
            CommentsError::NoFreeText(_) => AppError::NotFound,
            other => AppError::Unexpected(other.into()),
        })
    })
    .await;
    match result {
        Ok(file) => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.file_name),
            ))
            .body(file.bytes),
        Err(e) => e.render(&state.pages, lang, &req, back),
    }
}
