//! E-mail: the mailer (SMTP, or `.eml` files for a machine without a mail server), the message
//! templates in `templates/email/`, and the outbox worker that sends queued messages at a steady
//! rate. What gets queued is decided elsewhere: invitations and reminders (`invitations`),
//! notifications that results are published (`publishing`).

mod kind;
mod settings;
mod templates;
mod transport;
mod worker;

pub use kind::MailKind;
pub use settings::{
    MailSettings, MailSettingsError, SmtpSecurity, SmtpSettings, TransportSettings,
};
pub use templates::{EmailTemplates, MessageFacts, RenderedEmail};
pub use transport::{build_message, Mailer, MailerError, SendError};
pub use worker::{retry_span, OutboxWorker, MAX_ATTEMPTS};
