//! The mailer: one enum over the transports Minyi sends through, and the message format.

use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::settings::{SmtpSecurity, SmtpSettings, TransportSettings};
use super::templates::RenderedEmail;

/// Where messages go.
pub enum Mailer {
    /// `.eml` files in a directory: `cargo run` needs no mail server, and the files can be read.
    Files { dir: std::path::PathBuf },
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        description: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("cannot create the mail directory {dir} (MINYI_MAIL_DIR): {source}")]
    Directory { dir: String, source: std::io::Error },
    #[error("cannot read the certificate {file} (MINYI_SMTP_CA_FILE): {reason}")]
    Certificate { file: String, reason: String },
    #[error("cannot set up TLS for the SMTP server {host}: {reason}")]
    Tls { host: String, reason: String },
}

/// A message that was not sent, and whether trying again could help.
#[derive(Debug, thiserror::Error)]
#[error("{detail}")]
pub struct SendError {
    /// The server refused the message for good (a 5xx reply), or cannot take its address (one
    /// outside ASCII, without SMTPUTF8): do not retry.
    pub permanent: bool,
    /// What went wrong, in full; kept with the message (it may quote the address).
    pub detail: String,
    /// The kind of failure in words that never quote an address or a message: safe to log.
    pub kind: &'static str,
}

impl Mailer {
    /// Builds the transport. `send_timeout` bounds one SMTP conversation.
    pub fn new(
        settings: &TransportSettings,
        send_timeout: Duration,
    ) -> Result<Mailer, MailerError> {
        match settings {
            TransportSettings::Files { dir } => {
                std::fs::create_dir_all(dir).map_err(|source| MailerError::Directory {
                    dir: dir.display().to_string(),
                    source,
                })?;
                // The messages hold addresses and live invitation links: the folder is its
                // owner's only, made here or beforehand (a package's 0755 folder too), and so
                // is each file (`write_message_file`).
                crate::files::keep_private(dir);
                Ok(Mailer::Files { dir: dir.clone() })
            }
            TransportSettings::Smtp(smtp) => smtp_transport(smtp, send_timeout),
        }
    }

    /// Where messages go, for the start-up message and logs (never a password).
    pub fn describe(&self) -> String {
        match self {
            Mailer::Files { dir, .. } => format!("as .eml files in {}", dir.display()),
            Mailer::Smtp { description, .. } => description.clone(),
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Mailer::Files { dir } => {
                let (dir, formatted) = (dir.clone(), message.formatted());
                let written = actix_web::rt::task::spawn_blocking(move || {
                    write_message_file(&dir, &formatted)
                })
                .await
                .unwrap_or_else(|e| Err(std::io::Error::other(e)));
                written.map_err(|e| SendError {
                    permanent: false,
                    detail: format!("cannot write the message file: {e}"),
                    kind: "cannot write the message file",
                })
            }
            Mailer::Smtp { transport, .. } => {
                let outside_ascii = !message
                    .envelope()
                    .to()
                    .iter()
                    .all(|to: &lettre::Address| AsRef::<str>::as_ref(to).is_ascii());
                transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| SendError {
                        // An address outside ASCII that the client cannot put to this server
                        // (it offers no SMTPUTF8) fails the same way every time. Other client
                        // errors (no STARTTLS, no usable login) are the server's settings, to
                        // be mended while the messages wait.
                        permanent: e.is_permanent() || (e.is_client() && outside_ascii),
                        detail: smtp_failure_detail(&e),
                        kind: smtp_failure_kind(&e),
                    })
            }
        }
    }
}

/// Writes a message into `dir` as `<random id>.eml`, its owner's only from the start, and whole
/// or not at all: it is written under a hidden name and renamed when complete, so a program
/// that picks up the outbox's `.eml` files never reads half a message.
fn write_message_file(dir: &std::path::Path, message: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let id = hex::encode(rand::random::<[u8; 16]>());
    let partial = dir.join(format!(".{id}.eml.partial"));
    let mut file = crate::files::create_private(&partial, true)?;
    let written = file.write_all(message).and_then(|()| file.sync_all());
    drop(file);
    match written.and_then(|()| std::fs::rename(&partial, dir.join(format!("{id}.eml")))) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// An SMTP failure in full, for the operator and (addresses hidden) the dashboard: a refusal is
/// the server's code with its own words, which tell a wrong address ("5.1.1 user unknown") from
/// a server that refuses everything ("5.7.1 relaying denied").
fn smtp_failure_detail(e: &lettre::transport::smtp::Error) -> String {
    use std::error::Error as _;
    let words = e.source().map(|s| s.to_string()).unwrap_or_default();
    let words = words.trim();
    match (e.status(), words.is_empty()) {
        (Some(code), true) => format!("the SMTP server answered {code}"),
        (Some(code), false) => format!("the SMTP server answered {code}: {words}"),
        (None, _) => format!("SMTP: {e}"),
    }
}

/// An SMTP failure in words for the log: which part failed, never the server's reply text
/// (a refused recipient is quoted in it).
fn smtp_failure_kind(e: &lettre::transport::smtp::Error) -> &'static str {
    if e.is_timeout() {
        "the SMTP server did not answer in time"
    } else if e.is_tls() {
        "TLS with the SMTP server failed"
    } else if e.is_permanent() {
        "the SMTP server refused the message (5xx)"
    } else if e.is_transient() {
        "the SMTP server refused the message for now (4xx)"
    } else if e.is_response() {
        "the SMTP server's answer could not be read"
    } else if e.is_client() {
        "the message could not be put to the SMTP server"
    } else {
        "cannot reach the SMTP server (connection refused, name unknown or network down)"
    }
}

fn smtp_transport(smtp: &SmtpSettings, send_timeout: Duration) -> Result<Mailer, MailerError> {
    let tls_error = |e: lettre::transport::smtp::Error| MailerError::Tls {
        host: smtp.host.clone(),
        reason: e.to_string(),
    };
    let tls = || -> Result<TlsParameters, MailerError> {
        let mut builder = TlsParameters::builder(smtp.host.clone());
        if let Some(file) = &smtp.ca_file {
            let certificate_error = |reason: String| MailerError::Certificate {
                file: file.display().to_string(),
                reason,
            };
            let pem = std::fs::read(file).map_err(|e| certificate_error(e.to_string()))?;
            let certificate =
                Certificate::from_pem(&pem).map_err(|e| certificate_error(e.to_string()))?;
            builder = builder.add_root_certificate(certificate);
        }
        builder.build_rustls().map_err(tls_error)
    };
    let (security, name) = match smtp.security {
        SmtpSecurity::Tls => (Tls::Wrapper(tls()?), "TLS"),
        SmtpSecurity::StartTls => (Tls::Required(tls()?), "STARTTLS"),
        SmtpSecurity::None => (Tls::None, "unencrypted"),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .tls(security)
        .timeout(Some(send_timeout));
    if let Some((user, password)) = &smtp.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(Mailer::Smtp {
        transport: builder.build(),
        description: format!("by SMTP to {}:{} ({name})", smtp.host, smtp.port),
    })
}

/// A message as Minyi sends it: plain text and HTML alternatives, UTF-8 throughout (Chinese
/// subjects are encoded as RFC 2047 words), dated now, and identified by the outbox id so that
/// a receiver can recognise the same message sent twice. A message to a resident names where
/// to ask for no more reminders (`stop_reminders`) in the header mail clients turn into an
/// unsubscribe button (RFC 2369 `List-Unsubscribe`), and, for an `https` address only (RFC 8058
/// §3.1), offers the one-click POST large mailbox providers ask of senders of many messages.
pub fn build_message(
    from: &Mailbox,
    to: &str,
    outbox_id: &str,
    email: RenderedEmail,
    stop_reminders: Option<&str>,
) -> Result<Message, String> {
    const LIST_UNSUBSCRIBE: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe");
    const LIST_UNSUBSCRIBE_POST: HeaderName =
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post");
    let to: Mailbox = to
        .parse()
        .map_err(|_| "the recipient is not a valid address".to_owned())?;
    let domain = from.email.domain().to_owned();
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject)
        .message_id(Some(format!("<{outbox_id}@{domain}>")))
        .date_now();
    if let Some(url) = stop_reminders {
        builder = builder.raw_header(HeaderValue::new(LIST_UNSUBSCRIBE, format!("<{url}>")));
        if url.starts_with("https://") {
            builder = builder.raw_header(HeaderValue::new(
                LIST_UNSUBSCRIBE_POST,
                "List-Unsubscribe=One-Click".to_owned(),
            ));
        }
    }
    builder
        .multipart(MultiPart::alternative_plain_html(email.text, email.html))
        .map_err(|e| format!("cannot build the message: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_with(stop: &str) -> String {
        let from: Mailbox = "Minyi <minyi@survey.example>".parse().expect("an address");
        let email = RenderedEmail {
            subject: "问卷邀请".into(),
            text: "text".into(),
            html: "<p>html</p>".into(),
        };
        let message = build_message(&from, "resident@example.org", "m1", email, Some(stop))
            .expect("a message");
        String::from_utf8(message.formatted()).expect("ASCII headers")
    }

    #[test]
    fn the_stop_link_is_a_list_unsubscribe_header_and_one_click_only_over_https() {
        let secure = headers_with("https://survey.example/i/abc/stop?lang=en");
        let plain = headers_with("http://127.0.0.1:8080/i/abc/stop");

        assert!(
            secure.contains("List-Unsubscribe: <https://survey.example/i/abc/stop?lang=en>\r\n")
                && secure.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"),
            "{secure}"
        );
        assert!(
            plain.contains("List-Unsubscribe: <http://127.0.0.1:8080/i/abc/stop>\r\n")
                && !plain.contains("List-Unsubscribe-Post"),
            "RFC 8058 one-click needs an https address: {plain}"
        );
    }
}
