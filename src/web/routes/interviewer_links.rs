//! The dashboard's interviewer links (`interviewers`, as `minyi interviewer` does): the
//! survey's links with a button to withdraw each working one, and a form issuing a new one,
//! whose address and QR code are shown once on a page of their own (only the token's hash is
//! stored). Both post a token signed for the account, its session and the survey, as the
//! dashboard's other buttons do; both are audited with the account.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::confirmed::{dashboard_button, read_press};
use super::{blocking, dashboard, private_page, public_base, query_param};
use crate::accounts::Account;
use crate::catalog::CurrentSurvey;
use crate::interviewers::{issue, withdraw, InterviewerError, WhichLink, MAX_LABEL_CHARS};
use crate::lifecycle::SurveyState;
use crate::storage::InterviewerLinkRecord;
use crate::survey::Lang;
use crate::web::{lang_of, AppError, AppState, Messages, SignedIn};

/// What the forms' tokens are signed for: the survey, the account and its session epoch.
fn scope(id: &str, account: &Account) -> String {
    format!("interviewers {id} {} {}", account.id, account.session_epoch)
}

/// The dashboard's section: the links, and while the survey takes answers (or is a draft) the
/// form issuing one. `None` when there is nothing to show (fieldwork over and no link issued).
pub(super) fn section(
    state: &AppState,
    lang: Lang,
    survey: &CurrentSurvey,
    links: &[InterviewerLinkRecord],
    account: &Account,
) -> Option<Value> {
    let m = state.pages.messages();
    let id = survey.record.id.as_str();
    let open = !survey.record.state.fieldwork_over();
    if !open && links.is_empty() {
        return None;
    }
    let scope = scope(id, account);
    let withdraw_button = dashboard_button(
        state,
        lang,
        format!("/admin/surveys/{id}/interviewers/withdraw"),
        &scope,
    );
    let county_name = |code: &str| {
        survey
            .definition
            .stratum(code)
            .map_or(code.to_owned(), |unit| unit.name.get(lang).to_owned())
    };
    // A link not withdrawn works only while the survey takes answers.
    let status = |link: &InterviewerLinkRecord| match (&link.withdrawn_on, survey.record.state) {
        (Some(day), _) => m.format(lang, "fieldwork.interviewers_withdrawn_on", &[("day", day)]),
        (None, SurveyState::Open) => m.text(lang, "fieldwork.interviewers_working"),
        (None, SurveyState::Draft) => m.text(lang, "fieldwork.interviewers_waiting"),
        // (A closed survey may be reopened, and its links work again; a published one not.)
        (None, SurveyState::Closed) => m.text(lang, "fieldwork.interviewers_survey_closed"),
        (None, SurveyState::Published) => m.text(lang, "fieldwork.interviewers_survey_over"),
    };
    let rows: Vec<Value> = links
        .iter()
        .map(|link| {
            json!({
                "label": link.label,
                "county": link.stratum.as_deref().map_or_else(
                    || m.text(lang, "fieldwork.interviewers_county_any"),
                    county_name,
                ),
                "issued_on": link.issued_on,
                "status": status(link),
                // The button names the link by its stored hash, not its label: a label issued
                // again since this page was shown is another link.
                "withdraw": (open && link.works()).then(|| dashboard::with(
                    withdraw_button.clone(),
                    json!({ "link": link.token_hash }),
                )),
            })
        })
        .collect();
    let counties: Vec<Value> = survey
        .definition
        .strata
        .units
        .iter()
        .map(|unit| json!({ "code": unit.code, "name": unit.name.get(lang) }))
        .collect();
    Some(json!({
        "links": rows,
        "issue": open.then(|| dashboard::with(
            dashboard_button(state, lang, format!("/admin/surveys/{id}/interviewers"), &scope),
            json!({ "counties": counties, "max_label": MAX_LABEL_CHARS }),
        )),
    }))
}

/// `POST /admin/surveys/{id}/interviewers`: issues a link labelled as the form says, for the
/// county it names (or none), and shows its address and QR code, once.
pub async fn issue_link(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (id, account) = (path.into_inner(), signed_in.0);
    let mut lang = lang_of(&req);
    let result = async {
        let press = read_press(&req, payload, &state, lang, &scope(&id, &account)).await?;
        lang = press.lang;
        let m = state.pages.messages();
        if !press.pressed {
            // A page left open over the hour, or a form not from the dashboard: said, so that
            // the publisher does not take the link for issued.
            return issued_page(&state, &req, lang, &id, StatusCode::UNPROCESSABLE_ENTITY, json!({
                "problem": m.text(lang, "fieldwork.pressed_too_late"),
            }));
        }
        let label = press.fields.first("label").unwrap_or_default().to_owned();
        let county = press
            .fields
            .first("county")
            .filter(|county| !county.is_empty())
            .map(str::to_owned);
        let catalog = state.catalog.clone();
        let (survey, actor) = (id.clone(), account.email.clone());
        // What the publisher can put right comes back as a page; the database's trouble as an
        // error page.
        let issued = blocking(move || {
            match issue(&catalog, &survey, &label, county.as_deref(), &actor) {
                Ok(issued) => {
                    // The county as the publisher reads it, and whether the link works yet.
                    let current = catalog.current(&survey).ok().flatten();
                    let name = issued.link.stratum.as_deref().and_then(|code| {
                        let unit = current.as_ref()?.definition.stratum(code)?;
                        Some(unit.name.get(lang).to_owned())
                    });
                    let state = current.map(|survey| survey.record.state);
                    Ok(Ok((issued, name, state)))
                }
                Err(e @ (InterviewerError::Catalog(_) | InterviewerError::Storage(_))) => {
                    Err(AppError::from(e))
                }
                Err(refused) => Ok(Err(refused)),
            }
        })
        .await?;
        let (status, view) = match issued {
            Ok((issued, county, state_of_issued)) => {
                let address = issued.address(&public_base(&state, &req));
                let label = issued.link.label.as_str();
                let qr = crate::web::qr::inline_svg(&address, 200)?;
                let issued_line = match county.or_else(|| issued.link.stratum.clone()) {
                    Some(county) => m.format(
                        lang,
                        "fieldwork.interviewers_issued",
                        &[("label", label), ("county", &county)],
                    ),
                    None => m.format(
                        lang,
                        "fieldwork.interviewers_issued_county_asked",
                        &[("label", label)],
                    ),
                };
                let waiting = (state_of_issued == Some(SurveyState::Draft))
                    .then(|| m.text(lang, "fieldwork.interviewers_issued_draft"));
                (
                    StatusCode::OK,
                    json!({ "issued": issued_line, "address": address, "qr": qr, "waiting": waiting }),
                )
            }
            Err(refused) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "problem": refusal(m, lang, &refused) }),
            ),
        };
        issued_page(&state, &req, lang, &id, status, view)
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}

/// The page after the issuing form: the link issued, or why none was (`view`'s `problem`).
fn issued_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    id: &str,
    status: StatusCode,
    view: Value,
) -> Result<HttpResponse, AppError> {
    let heading = state
        .pages
        .messages()
        .text(lang, "fieldwork.interviewers_issued_heading");
    let html = state.pages.render(
        "interviewer_link",
        lang,
        req,
        dashboard::with(
            view,
            json!({
                "page_title": heading,
                "heading": heading,
                "back_href": format!("{}#interviewers", dashboard::href(id, lang)),
            }),
        ),
    )?;
    Ok(private_page(status, html))
}

/// `GET /admin/surveys/{id}/interviewers`: the dashboard's section. Where the issued link's
/// page leads when reloaded or switched to the other language or text size (the link itself is
/// not shown again).
pub async fn section_page(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let dashboard = format!("/admin/surveys/{}", path.into_inner());
    let location = match query_param(&req, "lang").as_deref() {
        Some(lang @ ("zh" | "en")) => format!("{dashboard}?lang={lang}#interviewers"),
        _ => format!("{dashboard}#interviewers"),
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// `POST /admin/surveys/{id}/interviewers/withdraw`: withdraws the link the form names (by its
/// stored hash); back to the dashboard, which says so. A link already withdrawn (a second
/// press) changes nothing; a page left open too long is told to press again.
pub async fn withdraw_link(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    signed_in: SignedIn,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (id, account) = (path.into_inner(), signed_in.0);
    let mut lang = lang_of(&req);
    let result = async {
        let press = read_press(&req, payload, &state, lang, &scope(&id, &account)).await?;
        lang = press.lang;
        let link = press.fields.first("link").map(str::to_owned);
        let mut done = (!press.pressed).then_some("expired");
        if let (true, Some(link)) = (press.pressed, link) {
            let catalog = state.catalog.clone();
            let (survey, actor) = (id.clone(), account.email.clone());
            done = blocking(move || {
                match withdraw(&catalog, &survey, WhichLink::TokenHash(&link), &actor) {
                    Ok(()) => Ok(Some("interviewer_withdrawn")),
                    Err(InterviewerError::NoSuchLink { .. }) => Ok(None),
                    Err(other) => Err(AppError::from(other)),
                }
            })
            .await?;
        }
        Ok::<_, AppError>(dashboard::back_to(&id, done, lang))
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}

/// Why a link was not issued, in the reader's language.
fn refusal(m: &Messages, lang: Lang, refused: &InterviewerError) -> String {
    let max = MAX_LABEL_CHARS.to_string();
    match refused {
        InterviewerError::BadLabel { .. } => {
            m.format(lang, "fieldwork.interviewers_bad_label", &[("max", &max)])
        }
        InterviewerError::LabelInUse { label, .. } => m.format(
            lang,
            "fieldwork.interviewers_label_in_use",
            &[("label", label)],
        ),
        InterviewerError::UnknownCounty { .. } => {
            m.text(lang, "fieldwork.interviewers_unknown_county")
        }
        InterviewerError::FieldworkOver { .. } => {
            m.text(lang, "fieldwork.interviewers_fieldwork_over")
        }
        // Not a refusal of what was asked (the database's trouble is an error page): as the
        // command line says it.
        other => other.to_string(),
    }
}
