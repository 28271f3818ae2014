//! `/admin/surveys/{id}/preview`: the survey's form as residents will see it, in any state (a
//! draft before it opens, too), for a publisher checking the wording, the order, the conditions
//! and the error messages. A posted preview is validated exactly as a resident's answers are
//! (each problem next to its question, every answer kept) and never stored: no token, no rate
//! limit, no response.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::posted::{read_form, PostedForm};
use super::{blocking, private_page};
use crate::catalog::CurrentSurvey;
use crate::survey::{AnswerErrors, FormInput, Lang};
use crate::web::survey_form::{FormContext, Notice, SWITCH_FIELD};
use crate::web::{lang_of, AppError, AppState};

pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = lang_of(&req);
    let result = async {
        let survey = any_state(&state, path.into_inner()).await?;
        let notice = state.pages.messages().text(lang, "preview.banner");
        render(
            &state,
            &req,
            lang,
            &survey,
            &FormInput::default(),
            None,
            notice,
        )
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}

pub async fn check(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let query_lang = lang_of(&req);
    let mut lang = query_lang;
    let result = async {
        let PostedForm {
            fields,
            lang: asked,
        } = read_form(&req, payload, &state, query_lang).await?;
        let survey = any_state(&state, path.into_inner()).await?;
        let m = state.pages.messages();
        if fields.first(SWITCH_FIELD).is_some() {
            // The language or text-size button: the same answers back, switched.
            let notice = m.text(query_lang, "preview.banner");
            return render(&state, &req, query_lang, &survey, &fields, None, notice);
        }
        lang = asked;
        match survey.definition.validate(&fields) {
            Ok(answers) => {
                // The flags the answers alone raise (the time taken and other phones are not
                // known here), and whether this survey's rules would leave such a form out.
                let definition = &survey.definition;
                let flags = definition.quality_flags(&answers, None);
                let notice = if flags.is_empty() {
                    m.text(lang, "preview.valid")
                } else {
                    let names: Vec<String> = flags
                        .iter()
                        .map(|f| m.text(lang, &format!("fieldwork.flag_{}", f.name())))
                        .collect();
                    let key = if definition.quality.excludes(&flags) {
                        "preview.valid_excluded"
                    } else {
                        "preview.valid_flagged"
                    };
                    m.format(
                        lang,
                        key,
                        &[(
                            "flags",
                            &names.join(m.text(lang, "preview.flag_separator").as_str()),
                        )],
                    )
                };
                render(&state, &req, lang, &survey, &fields, None, notice)
            }
            Err(errors) => {
                let notice = m.text(lang, "preview.banner");
                let mut page = render(&state, &req, lang, &survey, &fields, Some(&errors), notice)?;
                *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                Ok(page)
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}

/// The survey's current version, whatever its state.
async fn any_state(state: &AppState, id: String) -> Result<CurrentSurvey, AppError> {
    let catalog = state.catalog.clone();
    blocking(move || catalog.current(&id))
        .await?
        .ok_or(AppError::NotFound)
}

fn render(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    survey: &CurrentSurvey,
    input: &FormInput,
    errors: Option<&AnswerErrors>,
    notice: String,
) -> Result<HttpResponse, AppError> {
    let mut view = FormContext {
        survey: &survey.definition,
        lang,
        messages: state.pages.messages(),
        action: format!("/admin/surveys/{}/preview", survey.record.id),
        fixed_stratum: None,
        full_counties: Vec::new(),
        token: "",
        input,
        errors,
        notice: Some(Notice::Note(notice)),
        draft_key: None,
        interviewer: false,
    }
    .view();
    view["back"] = json!({
        "href": super::dashboard::href(&survey.record.id, lang),
        "text": state.pages.messages().text(lang, "lifecycle.back"),
    });
    let page = state.pages.render("survey", lang, req, view)?;
    Ok(private_page(StatusCode::OK, page))
}
