//! The messages' words and layout: `templates/email/<kind>.subject.hbs`, `.txt.hbs` and
//! `.html.hbs`, filled with the interface text of `templates/i18n/` in the recipient's language.
//! Embedded in the binary; strict, so a misspelt field fails in tests, not in someone's inbox.

use handlebars::Handlebars;
use serde_json::json;

use super::MailKind;
use crate::survey::Lang;
use crate::web::Messages;

macro_rules! kind_templates {
    ($($kind:literal),*) => {
        [$(
            (
                $kind,
                include_str!(concat!("../../templates/email/", $kind, ".subject.hbs")),
                include_str!(concat!("../../templates/email/", $kind, ".txt.hbs")),
                include_str!(concat!("../../templates/email/", $kind, ".html.hbs")),
            )
        ),*]
    };
}

const KINDS: [(&str, &str, &str, &str); 3] =
    kind_templates!("invitation", "reminder", "results_published");
const LAYOUT: &str = include_str!("../../templates/email/layout.html.hbs");

/// One message, ready to be put in an envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What a message says about its survey.
#[derive(Clone, Copy, Debug)]
pub struct MessageFacts<'a> {
    pub survey_title: &'a str,
    /// For an invitation or reminder: by when to answer (the last planned day of fieldwork), so
    /// that an older resident can tell the mail belongs to a real, dated survey.
    pub answer_by: Option<chrono::NaiveDate>,
    /// For an invitation or reminder: whom to ask about the survey (the survey file's `contact`,
    /// in the message's language).
    pub contact: Option<&'a str>,
    /// Where the message leads: the survey (an invitation link) or the published results.
    pub link: &'a str,
    /// For an invitation or reminder: where the resident says to send no more reminders.
    pub stop_reminders: Option<&'a str>,
    /// For an evaluator: the account page, where the result sets are downloaded once signed in.
    pub account: Option<&'a str>,
}

pub struct EmailTemplates {
    /// Subjects and plain text: nothing is HTML-escaped.
    text: Handlebars<'static>,
    html: Handlebars<'static>,
    messages: Messages,
}

impl EmailTemplates {
    pub fn new() -> anyhow::Result<EmailTemplates> {
        let mut text = Handlebars::new();
        text.set_strict_mode(true);
        text.register_escape_fn(handlebars::no_escape);
        let mut html = Handlebars::new();
        html.set_strict_mode(true);
        html.register_escape_fn(escape_html);
        let named = |name: &str, e: handlebars::TemplateError| {
            anyhow::anyhow!("templates/email/{name}: {e}")
        };
        html.register_partial("email_layout", LAYOUT)
            .map_err(|e| named("layout.html.hbs", e))?;
        for (kind, subject, plain, markup) in KINDS {
            text.register_template_string(&format!("{kind}.subject"), subject)
                .map_err(|e| named(&format!("{kind}.subject.hbs"), e))?;
            text.register_template_string(&format!("{kind}.txt"), plain)
                .map_err(|e| named(&format!("{kind}.txt.hbs"), e))?;
            html.register_template_string(kind, markup)
                .map_err(|e| named(&format!("{kind}.html.hbs"), e))?;
        }
        Ok(EmailTemplates {
            text,
            html,
            messages: Messages::load()?,
        })
    }

    /// The message of `kind` in `lang`, with what it says about its survey (`facts`).
    pub fn render(
        &self,
        kind: MailKind,
        lang: Lang,
        facts: &MessageFacts<'_>,
    ) -> anyhow::Result<RenderedEmail> {
        let name = kind.as_str();
        let MessageFacts {
            survey_title,
            answer_by,
            contact,
            link,
            stop_reminders,
            account,
        } = *facts;
        let deadline = answer_by.map(|date| {
            self.messages
                .format(lang, "email.deadline", &[("date", &date.to_string())])
        });
        let contact = contact.map(|contact| {
            self.messages
                .format(lang, "email.contact", &[("contact", contact)])
        });
        let mut view = json!({
            "lang": lang.code(),
            "t": self.messages.all(lang),
            "survey_title": survey_title,
            "deadline": deadline,
            "contact": contact,
            "link": link,
            "stop_reminders": stop_reminders,
            "account": account,
        });
        let subject = self
            .text
            .render(&format!("{name}.subject"), &view)?
            .trim()
            .to_owned();
        view["subject"] = json!(subject);
        Ok(RenderedEmail {
            text: self.text.render(&format!("{name}.txt"), &view)?,
            html: self.html.render(name, &view)?,
            subject,
        })
    }
}

/// Escapes what HTML needs escaped, and no more: links keep a readable `?lang=en` (handlebars'
/// default also writes `=` as `&#x3D;`, which some mail clients show as it is).
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_renders_in_both_languages_with_its_link_and_title() {
        let templates = EmailTemplates::new().expect("templates parse");
        for kind in [
            MailKind::Invitation,
            MailKind::Reminder,
            MailKind::ResultsPublished,
        ] {
            for lang in [Lang::Zh, Lang::En] {
                let what = format!("{kind:?} in {lang:?}");
                let email = templates
                    .render(
                        kind,
                        lang,
                        &MessageFacts {
                            survey_title: "食品安全 <满意度> 调查",
                            answer_by: chrono::NaiveDate::from_ymd_opt(2016, 11, 30),
                            contact: (kind != MailKind::ResultsPublished)
                                .then_some("嘉兴市食安办 0573-1234 <工作日>"),
                            link: "https://example.org/i/abc?x=1&y=2",
                            stop_reminders: (kind != MailKind::ResultsPublished)
                                .then_some("https://example.org/i/abc/stop?x=1&y=2"),
                            account: (kind == MailKind::ResultsPublished)
                                .then_some("https://example.org/account"),
                        },
                    )
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                assert!(
                    email.subject.ends_with("食品安全 <满意度> 调查"),
                    "{what}: {}",
                    email.subject
                );
                assert!(!email.subject.contains('\n'), "{what}: one line");
                if kind == MailKind::ResultsPublished {
                    assert!(
                        email.text.contains("https://example.org/account")
                            && email.html.contains("href=\"https://example.org/account\""),
                        "{what}: where evaluators sign in and download"
                    );
                }
                if kind != MailKind::ResultsPublished {
                    assert!(
                        email.text.contains("2016-11-30") && email.html.contains("2016-11-30"),
                        "{what}: says by when to answer"
                    );
                    assert!(
                        email
                            .text
                            .contains("https://example.org/i/abc/stop?x=1&y=2")
                            && email
                                .html
                                .contains("href=\"https://example.org/i/abc/stop?x=1&amp;y=2\""),
                        "{what}: says how to stop the reminders"
                    );
                    assert!(
                        email.text.contains("嘉兴市食安办 0573-1234 <工作日>")
                            && email.html.contains("嘉兴市食安办 0573-1234 &lt;工作日&gt;"),
                        "{what}: says whom to ask, escaped in HTML"
                    );
                }
                assert!(
                    email.text.contains("https://example.org/i/abc?x=1&y=2"),
                    "{what}: text link unescaped"
                );
                assert!(
                    email.text.contains("食品安全 <满意度> 调查"),
                    "{what}: text title unescaped"
                );
                assert!(
                    email
                        .html
                        .contains("href=\"https://example.org/i/abc?x=1&amp;y=2\""),
                    "{what}: html link"
                );
                assert!(
                    email.html.contains("食品安全 &lt;满意度&gt; 调查"),
                    "{what}: html escapes the title"
                );
                assert!(
                    !email.text.contains("email."),
                    "{what}: no missing text key"
                );
            }
        }
    }

    fn facts<'a>(title: &'a str, link: &'a str) -> MessageFacts<'a> {
        MessageFacts {
            survey_title: title,
            answer_by: None,
            contact: None,
            link,
            stop_reminders: None,
            account: None,
        }
    }

    #[test]
    fn chinese_and_english_messages_differ() {
        let templates = EmailTemplates::new().unwrap();
        let zh = templates
            .render(MailKind::Invitation, Lang::Zh, &facts("T", "L"))
            .unwrap();
        let en = templates
            .render(MailKind::Invitation, Lang::En, &facts("T", "L"))
            .unwrap();
        assert!(zh.text.contains("匿名"), "{}", zh.text);
        assert!(en.text.contains("anonymous"), "{}", en.text);
    }
}
