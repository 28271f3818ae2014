//! Reading the upload page's multipart form.

use std::path::PathBuf;

use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use super::MAX_SURVEY_FILE;
use crate::survey::Lang;
use crate::web::AppError;

/// An upload larger than this is cut off at once; up to it, a form with a file over
/// [`MAX_SURVEY_FILE`] is read to its end and answered with the upload page saying so.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;
/// The upload page sends three parts (token, language, file). A form of many more is no
/// browser's, and each part costs a header parse: it is refused before they are all read.
const MAX_PARTS: usize = 16;

/// A survey file sent from the upload page.
#[derive(Default)]
pub(super) struct Upload {
    pub(super) token: Option<String>,
    pub(super) lang: Option<Lang>,
    /// The file's name as the browser gave it, and its bytes (`None`: no file chosen).
    pub(super) file: Option<(String, Vec<u8>)>,
}

/// Reads the upload page's multipart form: its token, language and file, up to
/// [`MAX_SURVEY_FILE`] (and a little for the other fields); more is a 413.
pub(super) async fn read_upload(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Upload, AppError> {
    let bad = |e: actix_multipart::MultipartError| AppError::BadRequest(format!("form: {e}"));
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut upload = Upload::default();
    let mut read = 0usize;
    let mut too_large = false;
    let mut parts = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(bad)?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(AppError::BadRequest(format!(
                "form: more than {MAX_PARTS} parts; the upload page sends three"
            )));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_owned);
        let limit = if name == "file" {
            MAX_SURVEY_FILE
        } else {
            1024
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(bad)?;
            read += chunk.len();
            if read > DRAIN_LIMIT {
                return Err(AppError::TooLarge);
            }
            // Over its limit, a field is read to its end, not kept: a browser still sending
            // when the answer comes shows a broken connection instead of the page saying why.
            too_large |= bytes.len() + chunk.len() > limit;
            if !too_large {
                bytes.extend_from_slice(&chunk);
            }
        }
        if too_large {
            continue;
        }
        match name.as_str() {
            "_token" => upload.token = String::from_utf8(bytes).ok(),
            "_lang" => upload.lang = std::str::from_utf8(&bytes).ok().and_then(Lang::from_code),
            "file" => upload.file = Some((file_name.unwrap_or_default(), bytes)),
            _ => {}
        }
    }
    if too_large {
        return Err(AppError::TooLarge);
    }
    Ok(upload)
}

/// The name a file was sent under, without any folders a browser put before it, and at most
/// 100 characters: what the pages and problems call it.
pub(super) fn sent_name(name: &str) -> PathBuf {
    let last = crate::catalog::last_component(name);
    let last: String = last.chars().filter(|c| !c.is_control()).take(100).collect();
    PathBuf::from(if last.is_empty() {
        "survey.toml"
    } else {
        &last
    })
}
