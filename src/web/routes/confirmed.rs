//! What every staff action confirmed on a page of its own shares (the lifecycle moves in
//! `transitions`, the deletion of simulated responses in `simulated`, the dashboard's clearing
//! retry in `clearing`):
//!
//! - a page saying what the button will do, its button carrying a token signed for the action,
//!   the survey, the account and its session epoch ([`Confirmation`]);
//! - the press: a form posted from our own pages (`posted::read_form`) whose token was signed
//!   for that scope within the hour ([`read_press`]);
//! - a page saying why the action was refused and that nothing changed ([`refusal`], 409);
//! - for an action that needs no page of its own (the clearing retry, sending failed mail
//!   again), a button on the dashboard ([`dashboard_button`]) and its press ([`dashboard_press`]).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::posted::{read_form, PostedForm};
use super::{blocking, dashboard, private_page};
use crate::accounts::Account;
use crate::catalog::Catalog;
use crate::survey::{FormInput, Lang};
use crate::web::{lang_of, AppError, AppState};

/// How long a confirmation page may wait for its button to be pressed.
const CONFIRMATION_SECONDS: i64 = 3600;

/// A confirmation page for one survey's action.
#[derive(Default)]
pub(super) struct Confirmation {
    pub heading: String,
    /// Why the page is shown again (an expired token, an unticked box), above the rest.
    pub problem: Option<String>,
    /// An alert above the explanation, with a link: `{text, href, link}`.
    pub warning: Option<Value>,
    /// A box that must be ticked to confirm: `{name, value, label}`.
    pub acknowledge: Option<Value>,
    /// What the action will do.
    pub paragraphs: Vec<String>,
    /// Where the button posts.
    pub post_href: String,
    /// The button's text.
    pub confirm: String,
    pub results_preview_href: Option<String>,
}

impl Confirmation {
    /// The page for survey `id`, its button's token signed for `scope`: 200, or 422 when it is
    /// shown again with a problem.
    pub fn render(
        self,
        state: &AppState,
        req: &HttpRequest,
        lang: Lang,
        id: &str,
        scope: &str,
    ) -> Result<HttpResponse, AppError> {
        let m = state.pages.messages();
        let status = if self.problem.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        let html = state.pages.render(
            "confirm",
            lang,
            req,
            json!({
                "page_title": self.heading,
                "heading": self.heading,
                "problem": self.problem,
                "refused": null,
                "warning": self.warning,
                "acknowledge": self.acknowledge,
                "paragraphs": self.paragraphs,
                "post_href": self.post_href,
                "token": state.tokens.issue(scope, chrono::Utc::now().timestamp()),
                "lang_code": lang.param(),
                "confirm": self.confirm,
                "back_href": dashboard::href(id, lang),
                "back": m.text(lang, "lifecycle.cancel"),
                "results_preview_href": self.results_preview_href,
            }),
        )?;
        Ok(private_page(status, html))
    }
}

/// Why survey `id` (titled `title`) was left as it was, under `heading` (409).
pub(super) fn refusal(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    id: &str,
    heading: &str,
    reason: &str,
    title: &str,
) -> Result<HttpResponse, AppError> {
    let m = state.pages.messages();
    let html = state.pages.render(
        "confirm",
        lang,
        req,
        json!({
            "page_title": heading,
            "heading": heading,
            "problem": null,
            "refused": reason,
            "paragraphs": [title],
            "back_href": dashboard::href(id, lang),
            "back": m.text(lang, "lifecycle.back"),
        }),
    )?;
    Ok(private_page(StatusCode::CONFLICT, html))
}

/// A button on the dashboard that acts at once, with no page of its own (the clearing retry,
/// sending failed mail again): where it posts, and its token signed for `scope`.
pub(super) fn dashboard_button(state: &AppState, lang: Lang, action: String, scope: &str) -> Value {
    json!({
        "action": action,
        "token": state.tokens.issue(scope, chrono::Utc::now().timestamp()),
        "lang_code": lang.param(),
    })
}

/// A press of a [`dashboard_button`] for survey `id`: when its token holds for `scope`, `act`
/// runs off the async workers with the catalog, the survey and the account's address, and says
/// what the dashboard is to report (`?done=…`, or nothing); then back to the dashboard, which
/// is also where a press without a valid token leads, nothing done.
pub(super) async fn dashboard_press<F>(
    req: HttpRequest,
    payload: web::Payload,
    state: &AppState,
    id: String,
    account: &Account,
    scope: &str,
    act: F,
) -> HttpResponse
where
    F: FnOnce(&Catalog, &str, &str) -> Result<Option<&'static str>, AppError> + Send + 'static,
{
    let mut lang = lang_of(&req);
    let result = async {
        let press = read_press(&req, payload, state, lang, scope).await?;
        lang = press.lang;
        let mut done = None;
        if press.pressed {
            let catalog = state.catalog.clone();
            let (wanted, actor) = (id.clone(), account.email.clone());
            done = blocking(move || act(&catalog, &wanted, &actor)).await?;
        }
        Ok::<_, AppError>(dashboard::back_to(&id, done, lang))
    }
    .await;
    result.unwrap_or_else(|e| e.render(&state.pages, lang, &req, None))
}

/// A confirmation's button, posted.
pub(super) struct Press {
    pub fields: FormInput,
    /// The language the page was in.
    pub lang: Lang,
    /// Whether its token was signed for the action's scope within the hour. When not (missing,
    /// stale, or signed for another account, survey or action), nothing is to be done.
    pub pressed: bool,
}

impl Press {
    /// What a confirmation page shown again after a press that did not count says.
    pub fn expired(&self, state: &AppState) -> String {
        state.pages.messages().text(self.lang, "lifecycle.expired")
    }
}

/// Reads the form posted to `req` (refusing cross-site posts) and checks its token against
/// `scope`.
pub(super) async fn read_press(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    default: Lang,
    scope: &str,
) -> Result<Press, AppError> {
    let PostedForm { fields, lang } = read_form(req, payload, state, default).await?;
    let pressed = state
        .tokens
        .pressed_within(scope, fields.first("_token"), CONFIRMATION_SECONDS);
    Ok(Press {
        fields,
        lang,
        pressed,
    })
}
