//! `/account`: who is signed in, the surveys they may see and, for those closed or published,
//! the result sets they may download; sign out.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::{blocking, in_lang};
use crate::accounts::Role;
use crate::catalog::CurrentSurvey;
use crate::lifecycle::SurveyState;
use crate::web::{lang_of, AppError, AppState, SignedIn};

pub async fn page(
    req: HttpRequest,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let account = signed_in.0;
    let result = async {
        let catalog = state.catalog.clone();
        let accounts = state.accounts.clone();
        let who = account.clone();
        let may_download = account.role != Role::Publisher;
        let (surveys, comments): (Vec<CurrentSurvey>, Vec<bool>) = blocking(move || {
            let all = catalog.list()?;
            let granted = match who.role {
                Role::Evaluator => Some(accounts.granted_surveys(&who)?),
                Role::Admin | Role::Publisher => None,
            };
            let shown: Vec<CurrentSurvey> = all
                .into_iter()
                .filter(|s| granted.as_ref().is_none_or(|g| g.contains(&s.record.id)))
                .collect();
            // Whose comments can be handed over: fieldwork over, free text asked, and not yet
            // deleted by the purge (no link to a download that would say so). The purge is
            // looked up only for those.
            let mut conn = catalog.database().conn()?;
            let comments = shown
                .iter()
                .map(|s| {
                    let offered = may_download
                        && s.record.state.fieldwork_over()
                        && crate::release::comments::asks_free_text(&s.definition);
                    Ok(offered && crate::storage::purged_on(&mut conn, &s.record.id)?.is_none())
                })
                .collect::<Result<Vec<bool>, AppError>>()?;
            Ok::<_, AppError>((shown, comments))
        })
        .await?;
        let m = state.pages.messages();
        let runs_fieldwork = matches!(account.role, Role::Publisher | Role::Admin);
        let rows: Vec<_> = surveys
            .iter()
            .zip(comments)
            .map(|(s, comments)| {
                let released = s.record.state.fieldwork_over();
                json!({
                    "title": s.definition.title.get(lang),
                    "id": s.record.id,
                    "state": m.text(lang, &format!("account.state_{}", s.record.state)),
                    "download_href": (may_download && released)
                        .then(|| format!("/resultsets/{}/download", s.record.id)),
                    "comments_href": comments.then(|| in_lang(&format!("/resultsets/{}/comments.csv", s.record.id), lang)),
                    "comments_plain_href": comments.then(|| in_lang(
                        &format!("/resultsets/{}/comments.csv?encoding=utf8", s.record.id),
                        lang,
                    )),
                    // Granted, but fieldwork is still on: say when the download comes.
                    "download_later": may_download && !released,
                    "results_href": (s.record.state == SurveyState::Published)
                        .then(|| in_lang(&format!("/results/{}", s.record.id), lang)),
                    "dashboard_href": runs_fieldwork
                        .then(|| in_lang(&format!("/admin/surveys/{}", s.record.id), lang)),
                })
            })
            .collect();
        let html = state.pages.render(
            "account",
            lang,
            &req,
            json!({
                "page_title": m.text(lang, "account.heading"),
                "signed_in_as": m.format(lang, "account.signed_in_as", &[
                    ("email", &account.email),
                    ("role", &m.text(lang, &format!("account.role_{}", account.role))),
                ]),
                "surveys": rows,
                "is_admin": account.role == Role::Admin,
                "surveys_href": runs_fieldwork.then(|| in_lang("/admin/surveys", lang)),
                "lang_code": if lang == crate::survey::Lang::En { "en" } else { "zh" },
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
