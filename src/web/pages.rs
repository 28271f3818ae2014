//! Renders every HTML page from the handlebars templates in `templates/` (embedded in the
//! binary, strict mode: a misspelt field is an error in tests, not a blank on a resident's phone).

use actix_web::HttpRequest;
use handlebars::Handlebars;
use serde_json::{json, Value};

use super::i18n::Messages;
use super::text_size::TextSize;
use crate::survey::Lang;

const TEMPLATES: [(&str, &str); 19] = [
    ("layout", include_str!("../../templates/layout.hbs")),
    ("survey", include_str!("../../templates/survey.hbs")),
    ("message", include_str!("../../templates/message.hbs")),
    ("home", include_str!("../../templates/home.hbs")),
    ("results", include_str!("../../templates/results.hbs")),
    (
        "indicator_row",
        include_str!("../../templates/indicator_row.hbs"),
    ),
    ("login", include_str!("../../templates/login.hbs")),
    ("account", include_str!("../../templates/account.hbs")),
    ("audit", include_str!("../../templates/audit.hbs")),
    ("surveys", include_str!("../../templates/surveys.hbs")),
    ("import", include_str!("../../templates/import.hbs")),
    (
        "import_check",
        include_str!("../../templates/import_check.hbs"),
    ),
    (
        "file_mistakes",
        include_str!("../../templates/file_mistakes.hbs"),
    ),
    ("dashboard", include_str!("../../templates/dashboard.hbs")),
    ("confirm", include_str!("../../templates/confirm.hbs")),
    ("bulletin", include_str!("../../templates/bulletin.hbs")),
    (
        "interviewer_link",
        include_str!("../../templates/interviewer_link.hbs"),
    ),
    ("resend", include_str!("../../templates/resend.hbs")),
    (
        "stop_reminders",
        include_str!("../../templates/stop_reminders.hbs"),
    ),
];

/// The script that keeps a resident's unsent answers on their own phone (`templates/draft.js`),
/// the only script Minyi serves: the form works without it.
pub const DRAFT_SCRIPT: &str = include_str!("../../templates/draft.js");

/// Where pages load [`DRAFT_SCRIPT`] from: its address names its content, so that a phone may
/// keep it for a year and still never runs an old copy with a new page.
pub fn draft_script_path() -> &'static str {
    use sha2::{Digest, Sha256};
    static PATH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let digest = hex::encode(Sha256::digest(DRAFT_SCRIPT.as_bytes()));
        format!("/draft.js?v={}", &digest[..12])
    });
    &PATH
}

pub struct Pages {
    registry: Handlebars<'static>,
    messages: Messages,
}

/// A page that tells the resident one thing: thanks, not found, closed, …
pub struct MessagePage {
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub link: Option<(String, String)>,
    /// `status` for good news, `alert` for problems (read out by screen readers).
    pub role: &'static str,
    /// The form whose answers were, or may have been, sent: the page deletes the copy the
    /// phone kept of it.
    pub sent_draft: Option<SentDraft>,
}

/// A form a page follows on, by its key (`survey_form::draft_key`).
pub enum SentDraft {
    /// Sent and stored: the copy on the phone goes.
    Sent(String),
    /// Perhaps sent from this phone (a thanks page opened without the cookie that says so):
    /// the copy goes only if this phone's own script marked it sent minutes ago.
    PerhapsSent(String),
}

impl Pages {
    pub fn new() -> anyhow::Result<Pages> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        for (name, text) in TEMPLATES {
            registry
                .register_template_string(name, text)
                .map_err(|e| anyhow::anyhow!("template {name}: {e}"))?;
        }
        Ok(Pages {
            registry,
            messages: Messages::load()?,
        })
    }

    pub fn messages(&self) -> &Messages {
        &self.messages
    }

    /// Renders `template` with `view` (a JSON object) plus what every page has: the language,
    /// its messages `t`, the link to the same page in the other language, the reader's text size
    /// and the link that switches it. A view that names a `switch_form` (the resident's form,
    /// whose answers a plain link would lose) gets buttons submitting that form to its
    /// `action` with the switch in the query instead of links.
    pub fn render(
        &self,
        template: &str,
        lang: Lang,
        req: &HttpRequest,
        mut view: Value,
    ) -> anyhow::Result<String> {
        let path = link_path(req);
        let other = match lang {
            Lang::Zh => "en",
            Lang::En => "zh",
        };
        let size = TextSize::of(req);
        let switch_to = match size {
            TextSize::Normal => TextSize::Large,
            TextSize::Large => TextSize::Normal,
        };
        let lang_suffix = match lang {
            Lang::Zh => "",
            Lang::En => "&lang=en",
        };
        // The switches keep the rest of the address (the sign-in page's `next`, say), less the
        // choices they make and a move's one-time message.
        let kept = kept_query(req.query_string());
        if let Value::Object(map) = &mut view {
            map.insert("lang".into(), json!(lang.code()));
            map.insert("en".into(), json!(lang == Lang::En));
            map.insert("t".into(), self.messages.all(lang).clone());
            map.insert(
                "other_lang_href".into(),
                json!(format!("{path}?{kept}lang={other}")),
            );
            map.insert("large_text".into(), json!(size == TextSize::Large));
            map.entry("text_toggle_href").or_insert(json!(format!(
                "{path}?{kept}text={}{lang_suffix}",
                switch_to.word()
            )));
            map.entry("extra_css").or_insert(json!(""));
            // Answers kept on the phone: the form's (`survey_form::FormContext::draft`), or
            // the thank-you page's, which deletes them.
            if !map.entry("draft").or_insert(Value::Null).is_null() {
                map.insert("draft_script".into(), json!(draft_script_path()));
            }
            if map.contains_key("switch_form") {
                let action = map.get("action").and_then(Value::as_str).unwrap_or(path);
                let other_lang_action = format!("{action}?lang={other}");
                let text_toggle_action = format!("{action}?text={}{lang_suffix}", switch_to.word());
                map.insert("other_lang_action".into(), json!(other_lang_action));
                map.insert("text_toggle_action".into(), json!(text_toggle_action));
                map.insert(
                    "switch_field".into(),
                    json!(super::survey_form::SWITCH_FIELD),
                );
            }
        }
        Ok(self.registry.render(template, &view)?)
    }

    pub fn message(
        &self,
        lang: Lang,
        req: &HttpRequest,
        page: MessagePage,
    ) -> anyhow::Result<String> {
        let (link_href, link_text) = page.link.unwrap_or_default();
        self.render(
            "message",
            lang,
            req,
            json!({
                "page_title": page.heading,
                "heading": page.heading,
                "paragraphs": page.paragraphs,
                "link_href": link_href,
                "link_text": link_text,
                "role": page.role,
                "draft": page.sent_draft.map(|sent| json!({
                    "key": match &sent {
                        SentDraft::Sent(key) | SentDraft::PerhapsSent(key) => key,
                    },
                    "restore": false,
                    "done": matches!(sent, SentDraft::Sent(_)),
                    "perhaps_sent": matches!(sent, SentDraft::PerhapsSent(_)),
                    "days": super::survey_form::DRAFT_DAYS,
                })),
            }),
        )
    }
}

/// The request's path, for the page's links back to itself (the language and text-size
/// switches). A path that a browser would read as another site's address (`//host`, `/\host`:
/// the not-found page answers any path) links to the home page instead.
fn link_path(req: &HttpRequest) -> &str {
    match req.path().as_bytes() {
        [b'/', b'/' | b'\\', ..] => "/",
        _ => req.path(),
    }
}

/// The query's parameters other than `lang`, `text` and `done`, encoded and ending in `&` (or
/// nothing), for a switch to put its own after.
fn kept_query(query: &str) -> String {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let kept: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "lang" | "text" | "done"))
        .collect();
    match serde_urlencoded::to_string(kept) {
        Ok(encoded) if !encoded.is_empty() => format!("{encoded}&"),
        _ => String::new(),
    }
}
