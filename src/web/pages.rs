//! Renders every HTML page from the handlebars templates in `templates/` (embedded in the
//! binary, strict mode: a misspelt field is an error in tests, not a blank on a resident's phone).

use handlebars::Handlebars;
use serde_json::{json, Value};

use super::i18n::Messages;
use crate::survey::Lang;

const TEMPLATES: [(&str, &str); 5] = [
    ("layout", include_str!("../../templates/layout.hbs")),
    ("survey", include_str!("../../templates/survey.hbs")),
    ("message", include_str!("../../templates/message.hbs")),
    ("home", include_str!("../../templates/home.hbs")),
    ("results", include_str!("../../templates/results.hbs")),
];

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
    /// its messages `t`, and the link to the same page in the other language.
    pub fn render(
        &self,
        template: &str,
        lang: Lang,
        path: &str,
        mut view: Value,
    ) -> anyhow::Result<String> {
        let other = match lang {
            Lang::Zh => "en",
            Lang::En => "zh",
        };
        if let Value::Object(map) = &mut view {
            map.insert("lang".into(), json!(lang.code()));
            map.insert("en".into(), json!(lang == Lang::En));
            map.insert("t".into(), self.messages.all(lang).clone());
            map.insert(
                "other_lang_href".into(),
                json!(format!("{path}?lang={other}")),
            );
            map.entry("extra_css").or_insert(json!(""));
        }
        Ok(self.registry.render(template, &view)?)
    }

    pub fn message(&self, lang: Lang, path: &str, page: MessagePage) -> anyhow::Result<String> {
        let (link_href, link_text) = page.link.unwrap_or_default();
        self.render(
            "message",
            lang,
            path,
            json!({
                "page_title": page.heading,
                "heading": page.heading,
                "paragraphs": page.paragraphs,
                "link_href": link_href,
                "link_text": link_text,
                "role": page.role,
            }),
        )
    }
}
