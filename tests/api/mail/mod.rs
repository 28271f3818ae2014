//! Invitations, reminders and notifications by e-mail (issue 7), against a real SMTP server on
//! loopback started by each test.

mod cli;
mod crash;
mod invitations;
mod outbox;
mod privacy;
mod smtp;
mod tls;

use minyi::invitations::InvitedAddress;
use minyi::survey::Lang;

use crate::helpers::*;
pub use smtp::{Hold, SmtpServer};

/// Minyi sending its mail to `smtp`.
pub async fn spawn_mail_app(backend: Backend, smtp: &SmtpServer) -> TestApp {
    let transport = smtp.transport();
    spawn_app_with_settings(backend, &repo_path("surveys"), move |s| {
        s.mail.transport = transport;
    })
    .await
}

/// The first message the app (sending without an SMTP server) has written to its outbox folder
/// as an `.eml` file that `matching` accepts, as raw text; waits for it, up to a minute.
pub async fn eml_written(app: &TestApp, matching: impl Fn(&str) -> bool) -> String {
    let outbox = app.db.dir.path().join("outbox");
    let started = std::time::Instant::now();
    loop {
        let found = std::fs::read_dir(&outbox)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|path| path.extension().is_some_and(|x| x == "eml"))
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .find(|text| matching(text));
        if let Some(text) = found {
            return text;
        }
        assert!(
            started.elapsed().as_secs() < 60,
            "no such message in {}",
            outbox.display()
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A message as a mail client shows it.
#[derive(Debug)]
pub struct Received {
    pub raw: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub date: Option<i64>,
    pub text: String,
    pub html: String,
}

pub fn read(raw: &[u8]) -> Received {
    let message = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a MIME message");
    let first = |list: Option<&mail_parser::Address<'_>>| {
        list.and_then(|l| l.first().and_then(|m| m.address().map(str::to_owned)))
            .unwrap_or_default()
    };
    Received {
        raw: String::from_utf8_lossy(raw).into_owned(),
        from: first(message.from()),
        to: first(message.to()),
        subject: message.subject().unwrap_or_default().to_owned(),
        message_id: message.message_id().unwrap_or_default().to_owned(),
        date: message.date().map(|d| d.to_timestamp()),
        text: message
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
        html: message
            .body_html(0)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
    }
}

/// The path of the first invitation link in a text (`/i/<token>`, with its query).
pub fn link_in(text: &str) -> String {
    let start = text
        .find("/i/")
        .expect("the message holds an invitation link");
    let end = text[start..]
        .find(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .map_or(text.len(), |n| start + n);
    text[start..end].to_owned()
}

pub fn addresses(list: &[(&str, Option<&str>)]) -> Vec<InvitedAddress> {
    list.iter()
        .map(|(email, county)| InvitedAddress {
            email: (*email).to_owned(),
            stratum: county.map(str::to_owned),
            lang: Lang::Zh,
        })
        .collect()
}

/// The survey's date the tests' invitations are made on: days before any date their reminders
/// are queued on (a reminder waits three days after an invitation).
pub fn invited_on() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("a date")
}

/// Messages to `to`, in the order they arrived.
pub fn to<'a>(messages: &'a [Received], address: &str) -> Vec<&'a Received> {
    messages.iter().filter(|m| m.to == address).collect()
}
