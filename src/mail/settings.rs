//! Mail settings from the environment: where messages go (SMTP, or `.eml` files), who they
//! are from, and how fast the outbox is drained.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use percent_encoding::percent_decode_str;

use crate::setting::{number, seconds, InvalidSetting};

/// Where `.eml` files go when no SMTP server is configured.
pub const DEFAULT_MAIL_DIR: &str = "data/outbox";
pub const DEFAULT_FROM: &str = "Minyi <minyi@localhost>";

#[derive(Clone, Debug)]
pub struct MailSettings {
    pub transport: TransportSettings,
    /// `MINYI_MAIL_FROM`: the sender, `Name <address>` or a bare address.
    pub from: lettre::message::Mailbox,
    /// `MINYI_MAIL_RATE`: messages per minute this process sends at most; 0 sends none.
    pub rate_per_minute: u32,
    /// `MINYI_MAIL_LEASE`: seconds a claimed message is reserved for its sender. A sender that
    /// dies leaves its message to others after this; a send never takes longer (the SMTP
    /// timeout is half of it, at most a minute).
    pub lease: Duration,
    /// `MINYI_MAIL_POLL`: seconds between looks at an empty outbox (fractions allowed).
    pub poll: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportSettings {
    /// Each message written as an `.eml` file into a directory (`MINYI_MAIL_DIR`).
    Files {
        dir: PathBuf,
    },
    Smtp(SmtpSettings),
}

#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// User name and password, if the server wants them.
    pub credentials: Option<(String, String)>,
    /// `MINYI_SMTP_CA_FILE`: a PEM certificate to trust besides the public roots (a private
    /// certificate authority, or a self-signed server).
    pub ca_file: Option<PathBuf>,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// TLS from the first byte (`smtps://`, usually port 465).
    Tls,
    /// Plain connection upgraded with STARTTLS, which must succeed (usually port 587).
    StartTls,
    /// No encryption: only for a relay on this machine.
    None,
}

impl SmtpSecurity {
    fn parse(text: &str) -> Option<SmtpSecurity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "tls" => Some(SmtpSecurity::Tls),
            "starttls" => Some(SmtpSecurity::StartTls),
            "none" => Some(SmtpSecurity::None),
            _ => None,
        }
    }

    fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::None => 25,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MailSettingsError {
    #[error(transparent)]
    Invalid(#[from] InvalidSetting),
    #[error(
        "MINYI_SMTP_URL and MINYI_SMTP_HOST are both set; use one: the URL \
         (smtp://USER:PASSWORD@HOST:587) or the separate MINYI_SMTP_* variables"
    )]
    BothSmtpForms,
    #[error(
        "{names} set without MINYI_SMTP_HOST: mail would be written as files, not sent. Set \
         MINYI_SMTP_HOST (with these) or MINYI_SMTP_URL (instead of them) to send through an \
         SMTP server, or remove them to keep writing .eml files"
    )]
    SmtpWithoutHost { names: String },
    #[error(
        "the SMTP server {host} would receive the password unencrypted: use STARTTLS or TLS \
         (MINYI_SMTP_SECURITY=starttls or tls), or a relay on this machine"
    )]
    PasswordInClear { host: String },
    #[error(
        "MINYI_SMTP_CA_FILE is set but the connection to {host} is unencrypted, so the \
         certificate would never be checked: use STARTTLS or TLS (MINYI_SMTP_SECURITY=starttls \
         or tls, or no ?tls=none in the URL), or remove MINYI_SMTP_CA_FILE"
    )]
    CertificateWithoutTls { host: String },
}

impl MailSettings {
    /// Reads the mail settings from a lookup (the environment, or a map in tests).
    pub fn from_lookup(
        get: &impl Fn(&str) -> Option<String>,
    ) -> Result<MailSettings, MailSettingsError> {
        let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        // The separate variables mean something only beside MINYI_SMTP_HOST.
        let separate: Vec<&str> = [
            "MINYI_SMTP_PORT",
            "MINYI_SMTP_SECURITY",
            "MINYI_SMTP_USER",
            "MINYI_SMTP_PASSWORD",
        ]
        .into_iter()
        .filter(|name| get(name).is_some())
        .collect();
        let smtp = match (get("MINYI_SMTP_URL"), get("MINYI_SMTP_HOST")) {
            (Some(_), Some(_)) => return Err(MailSettingsError::BothSmtpForms),
            (Some(_), None) if !separate.is_empty() => {
                return Err(MailSettingsError::BothSmtpForms)
            }
            (None, None) if !separate.is_empty() || get("MINYI_SMTP_CA_FILE").is_some() => {
                let mut names = separate;
                names.extend(get("MINYI_SMTP_CA_FILE").map(|_| "MINYI_SMTP_CA_FILE"));
                return Err(MailSettingsError::SmtpWithoutHost {
                    names: names.join(", "),
                });
            }
            (Some(url), None) => Some(smtp_from_url(&url)?),
            (None, Some(host)) => Some(smtp_from_variables(host, &get)?),
            (None, None) => None,
        };
        let transport = match smtp {
            Some(mut smtp) => {
                smtp.ca_file = get("MINYI_SMTP_CA_FILE").map(PathBuf::from);
                if smtp.ca_file.is_some() && smtp.security == SmtpSecurity::None {
                    return Err(MailSettingsError::CertificateWithoutTls { host: smtp.host });
                }
                check_password_is_protected(&smtp)?;
                TransportSettings::Smtp(smtp)
            }
            None => TransportSettings::Files {
                dir: PathBuf::from(
                    get("MINYI_MAIL_DIR").unwrap_or_else(|| DEFAULT_MAIL_DIR.into()),
                ),
            },
        };
        let from_text = get("MINYI_MAIL_FROM").unwrap_or_else(|| DEFAULT_FROM.into());
        let from = from_text.parse().map_err(|_| InvalidSetting {
            name: "MINYI_MAIL_FROM",
            value: from_text.clone(),
            expected: "an address such as 民意调查 <survey@example.org>",
        })?;
        Ok(MailSettings {
            transport,
            from,
            rate_per_minute: number(
                &get,
                "MINYI_MAIL_RATE",
                60,
                "a whole number of messages per minute (0 sends none)",
            )?,
            lease: seconds(&get, "MINYI_MAIL_LEASE", 300.0)?,
            poll: seconds(&get, "MINYI_MAIL_POLL", 5.0)?,
        })
    }

    /// Time between two messages sent by this process.
    pub fn interval(&self) -> Option<Duration> {
        (self.rate_per_minute > 0)
            .then(|| Duration::from_secs_f64(60.0 / f64::from(self.rate_per_minute)))
    }
}

fn smtp_from_url(text: &str) -> Result<SmtpSettings, MailSettingsError> {
    let invalid = |expected| InvalidSetting {
        name: "MINYI_SMTP_URL",
        value: redact(text),
        expected,
    };
    const FORM: &str = "smtp://USER:PASSWORD@HOST:PORT (STARTTLS), smtps://… (TLS), or \
                        smtp://HOST:PORT?tls=none for a relay on this machine";
    let url = url::Url::parse(text).map_err(|_| invalid(FORM))?;
    let mut security = match url.scheme() {
        "smtp" => SmtpSecurity::StartTls,
        "smtps" => SmtpSecurity::Tls,
        _ => return Err(invalid(FORM).into()),
    };
    for (key, value) in url.query_pairs() {
        match (key.as_ref(), SmtpSecurity::parse(&value)) {
            ("tls", Some(chosen)) => security = chosen,
            _ => {
                return Err(
                    invalid("the only option is ?tls=starttls, ?tls=tls or ?tls=none").into(),
                )
            }
        }
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid(FORM))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let credentials = (!url.username().is_empty()).then(|| {
        (
            decode(url.username()),
            decode(url.password().unwrap_or_default()),
        )
    });
    Ok(SmtpSettings {
        port: url.port().unwrap_or(security.default_port()),
        host,
        security,
        credentials,
        ca_file: None,
    })
}

fn smtp_from_variables(
    host: String,
    get: &impl Fn(&str) -> Option<String>,
) -> Result<SmtpSettings, MailSettingsError> {
    let security = match get("MINYI_SMTP_SECURITY") {
        None => SmtpSecurity::StartTls,
        Some(value) => SmtpSecurity::parse(&value).ok_or(InvalidSetting {
            name: "MINYI_SMTP_SECURITY",
            value,
            expected: "starttls, tls or none",
        })?,
    };
    let credentials = match (get("MINYI_SMTP_USER"), get("MINYI_SMTP_PASSWORD")) {
        (Some(user), password) => Some((user, password.unwrap_or_default())),
        (None, Some(_)) => {
            return Err(InvalidSetting {
                name: "MINYI_SMTP_USER",
                value: String::new(),
                expected: "a user name to go with MINYI_SMTP_PASSWORD",
            }
            .into())
        }
        (None, None) => None,
    };
    Ok(SmtpSettings {
        port: number(
            get,
            "MINYI_SMTP_PORT",
            security.default_port(),
            "a port number",
        )?,
        host: host.trim().to_owned(),
        security,
        credentials,
        ca_file: None,
    })
}

fn check_password_is_protected(smtp: &SmtpSettings) -> Result<(), MailSettingsError> {
    let loopback = smtp.host == "localhost"
        || smtp
            .host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if smtp.security == SmtpSecurity::None && smtp.credentials.is_some() && !loopback {
        return Err(MailSettingsError::PasswordInClear {
            host: smtp.host.clone(),
        });
    }
    Ok(())
}

/// The URL with its password replaced, for error messages.
fn redact(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ if text.contains('@') => "(the URL, not shown: it may hold a password)".into(),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
