use std::collections::HashMap;

use super::*;

fn settings(vars: &[(&str, &str)]) -> Result<MailSettings, MailSettingsError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    MailSettings::from_lookup(&|name: &str| vars.get(name).cloned())
}

fn smtp(vars: &[(&str, &str)]) -> SmtpSettings {
    match settings(vars).expect("valid settings").transport {
        TransportSettings::Smtp(smtp) => smtp,
        other => panic!("expected SMTP, got {other:?}"),
    }
}

#[test]
fn without_a_server_messages_are_written_as_files_in_data_outbox() {
    let s = settings(&[]).expect("defaults are valid");
    assert_eq!(
        s.transport,
        TransportSettings::Files {
            dir: PathBuf::from("data/outbox")
        }
    );
    assert_eq!(s.rate_per_minute, 60);
    assert_eq!(s.interval(), Some(Duration::from_secs(1)));
    assert_eq!(s.from.email.to_string(), "minyi@localhost");
}

#[test]
fn an_smtp_url_gives_host_port_security_and_credentials() {
    let cases = [
        (
            "smtp://survey%40example.org:p%40ss@mail.example.org",
            ("mail.example.org", 587, SmtpSecurity::StartTls),
            Some(("survey@example.org", "p@ss")),
        ),
        (
            "smtps://mail.example.org",
            ("mail.example.org", 465, SmtpSecurity::Tls),
            None,
        ),
        (
            "smtp://127.0.0.1:2525?tls=none",
            ("127.0.0.1", 2525, SmtpSecurity::None),
            None,
        ),
        (
            "smtp://u:p@mail.example.org:25?tls=starttls",
            ("mail.example.org", 25, SmtpSecurity::StartTls),
            Some(("u", "p")),
        ),
    ];
    for (url, (host, port, security), credentials) in cases {
        let s = smtp(&[("MINYI_SMTP_URL", url)]);
        assert_eq!(
            (s.host.as_str(), s.port, s.security),
            (host, port, security),
            "{url}"
        );
        assert_eq!(
            s.credentials,
            credentials.map(|(u, p)| (u.to_owned(), p.to_owned())),
            "{url}"
        );
    }
}

#[test]
fn separate_variables_work_as_well_as_the_url() {
    let s = smtp(&[
        ("MINYI_SMTP_HOST", "smtp.example.org"),
        ("MINYI_SMTP_SECURITY", "tls"),
        ("MINYI_SMTP_USER", "survey"),
        ("MINYI_SMTP_PASSWORD", "secret"),
        ("MINYI_SMTP_CA_FILE", "/etc/minyi/ca.pem"),
    ]);
    assert_eq!(s.port, 465, "the TLS port by default");
    assert_eq!(s.credentials, Some(("survey".into(), "secret".into())));
    assert_eq!(s.ca_file, Some(PathBuf::from("/etc/minyi/ca.pem")));
    assert!(
        !format!("{s:?}").contains("secret"),
        "the password never reaches a debug print"
    );
}

/// What is wrong, the variables set, and what the message must say.
type Mistake<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);

#[test]
fn mistakes_are_refused_with_what_to_write_instead() {
    let cases: [Mistake<'_>; 9] = [
        (
            "unknown scheme, password hidden",
            &[("MINYI_SMTP_URL", "smtpx://u:hunter2@mail.example.org")],
            &["MINYI_SMTP_URL", "smtp://USER:PASSWORD@HOST"],
        ),
        (
            "both forms",
            &[
                ("MINYI_SMTP_URL", "smtp://mail.example.org"),
                ("MINYI_SMTP_HOST", "mail.example.org"),
            ],
            &["use one"],
        ),
        (
            "a URL and a separate port",
            &[
                ("MINYI_SMTP_URL", "smtp://mail.example.org"),
                ("MINYI_SMTP_PORT", "2525"),
            ],
            &["use one"],
        ),
        (
            "a user and a password but no server: mail would go to files",
            &[
                ("MINYI_SMTP_USER", "survey"),
                ("MINYI_SMTP_PASSWORD", "secret"),
            ],
            &[
                "MINYI_SMTP_USER, MINYI_SMTP_PASSWORD set without MINYI_SMTP_HOST",
                "written as files",
            ],
        ),
        (
            "password in clear to another machine",
            &[("MINYI_SMTP_URL", "smtp://u:p@mail.example.org?tls=none")],
            &["unencrypted", "starttls"],
        ),
        (
            "a private authority's certificate for a connection that is not encrypted",
            &[
                ("MINYI_SMTP_URL", "smtp://127.0.0.1:25?tls=none"),
                ("MINYI_SMTP_CA_FILE", "/etc/minyi/ca.pem"),
            ],
            &["MINYI_SMTP_CA_FILE", "unencrypted", "starttls"],
        ),
        (
            "unknown security",
            &[
                ("MINYI_SMTP_HOST", "mail.example.org"),
                ("MINYI_SMTP_SECURITY", "ssl"),
            ],
            &["MINYI_SMTP_SECURITY", "starttls, tls or none"],
        ),
        (
            "rate not a number",
            &[("MINYI_MAIL_RATE", "fast")],
            &["MINYI_MAIL_RATE", "per minute"],
        ),
        (
            "sender not an address",
            &[("MINYI_MAIL_FROM", "the survey team")],
            &["MINYI_MAIL_FROM", "<survey@example.org>"],
        ),
    ];
    for (what, vars, expected) in cases {
        let message = settings(vars).expect_err(what).to_string();
        for part in expected {
            assert!(message.contains(part), "{what}: {message:?} says {part:?}");
        }
        assert!(!message.contains("hunter2"), "{what}: {message}");
    }
}

#[test]
fn a_password_may_go_unencrypted_only_to_this_machine() {
    let s = smtp(&[("MINYI_SMTP_URL", "smtp://u:p@127.0.0.1:2525?tls=none")]);
    assert_eq!(s.security, SmtpSecurity::None);
}
