//! E-mail: the mailer (SMTP, or `.eml` files for a machine without a mail server), the message
//! templates in `templates/email/`, and the outbox worker that sends queued messages at a steady
//! rate.

mod kind;
mod settings;
mod templates;
mod transport;

pub use kind::MailKind;
pub use settings::{
    MailSettings, MailSettingsError, SmtpSecurity, SmtpSettings, TransportSettings,
};
pub use templates::{EmailTemplates, RenderedEmail};
pub use transport::{build_message, Mailer, MailerError, SendError};
