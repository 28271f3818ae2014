//! Settings read from the environment into a plain struct and passed explicitly (no globals).

use std::path::PathBuf;
use std::time::Duration;

use crate::mail::{MailSettings, MailSettingsError};
use crate::privacy::TrustedProxies;
use crate::setting::{at_least_one, number, seconds, InvalidSetting};
use crate::storage::{DatabaseUrl, DatabaseUrlError};

/// Where the embedded database lives when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/minyi.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[derive(Clone, Debug)]
pub struct Settings {
    /// `DATABASE_URL`: `sqlite://PATH`, a plain path, or `postgres://…`.
    pub database: DatabaseUrl,
    /// `MINYI_BIND`: the address to listen on; port 0 picks a free port (tests).
    pub bind: String,
    /// `MINYI_SURVEYS_DIR`: the survey files loaded at start.
    pub surveys_dir: PathBuf,
    /// `MINYI_POOL_SIZE`: database connections per process.
    pub pool_size: u32,
    /// `MINYI_BODY_LIMIT`: the largest request body accepted, in bytes (larger gets 413).
    pub body_limit: usize,
    /// `MINYI_BODY_TIMEOUT`: how long a request body may take to arrive, in seconds (slower
    /// gets 408 and the connection is closed), so that clients trickling bodies in cannot hold
    /// connections open for ever.
    pub body_timeout: Duration,
    /// `MINYI_PUBLIC_URL`: the address residents use (printed links); defaults to the bind address.
    pub public_url: Option<String>,
    /// `MINYI_WRITERS`: threads storing responses on PostgreSQL (SQLite always uses one).
    pub writers: usize,
    /// `MINYI_QUEUE`: responses that may wait for the writer before submitters get 503.
    pub queue: usize,
    /// `MINYI_RATE_LIMIT`: submissions per minute from one network (IPv4 /24, IPv6 /48); 0 is off.
    pub rate_per_minute: u32,
    /// `MINYI_TRUSTED_PROXIES`: the reverse proxies whose `X-Forwarded-For` names the client
    /// (addresses or CIDR ranges, comma-separated). Empty: the header is ignored, so a client
    /// cannot pick the network its duplicate check is keyed on.
    pub trusted_proxies: TrustedProxies,
    /// `MINYI_SECURE_COOKIES` (`true`/`false`): mark session cookies `Secure`, so browsers send
    /// them only over TLS. Defaults to true when `MINYI_PUBLIC_URL` starts with `https://`.
    pub secure_cookies: bool,
    /// Mail: transport, sender, rate (`MINYI_SMTP_*`, `MINYI_MAIL_*`; see `mail::MailSettings`).
    pub mail: MailSettings,
    /// `MINYI_METRICS_TOKEN`: when set, `/metrics` answers only requests carrying
    /// `Authorization: Bearer <token>` (a Prometheus scrape config's `bearer_token`); unset,
    /// only requests from the loopback address that came through no proxy.
    pub metrics_token: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Database(#[from] DatabaseUrlError),
    #[error(transparent)]
    Invalid(#[from] InvalidSetting),
    #[error(
        "MINYI_TRUSTED_PROXIES={value:?} is not valid: {problem}. Write addresses or ranges \
         separated by commas, such as 127.0.0.1,10.0.0.0/8"
    )]
    TrustedProxies { value: String, problem: String },
    #[error(transparent)]
    Mail(#[from] MailSettingsError),
    #[error(
        "MINYI_POOL_SIZE={pool} is too small: the response writer{s} keep{verb} {writers} \
         connection{s} and requests, mail and checkpoints need at least two more; set it to \
         {min} or more (the default is 8)",
        s = if *writers == 1 { "" } else { "s" },
        verb = if *writers == 1 { "s" } else { "" },
        min = writers + 2
    )]
    PoolTooSmall { pool: u32, writers: u32 },
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings from any lookup (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let database_url = get("DATABASE_URL")
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let public_url = get("MINYI_PUBLIC_URL")
            .map(|u| public_url(u.trim()))
            .transpose()?;
        let secure_cookies = match get("MINYI_SECURE_COOKIES") {
            None => public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://")),
            Some(value) => parse_bool(&value).ok_or(InvalidSetting {
                name: "MINYI_SECURE_COOKIES",
                value,
                expected: "true or false",
            })?,
        };
        let settings = Settings {
            database: DatabaseUrl::parse(&database_url)?,
            bind: get("MINYI_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            surveys_dir: get("MINYI_SURVEYS_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("surveys")),
            pool_size: number(&get, "MINYI_POOL_SIZE", 8, "a whole number of connections")?,
            body_limit: body_limit(&get)?,
            body_timeout: seconds(&get, "MINYI_BODY_TIMEOUT", 30.0)?,
            public_url,
            writers: at_least_one(
                &get,
                "MINYI_WRITERS",
                1,
                "a whole number of threads, 1 or more",
            )?,
            queue: at_least_one(
                &get,
                "MINYI_QUEUE",
                10_000,
                "a whole number of responses, 1 or more",
            )?,
            rate_per_minute: number(
                &get,
                "MINYI_RATE_LIMIT",
                120,
                "submissions per minute per network (0 turns the limit off)",
            )?,
            trusted_proxies: match get("MINYI_TRUSTED_PROXIES") {
                None => TrustedProxies::default(),
                Some(value) => value
                    .parse()
                    .map_err(|problem| ConfigError::TrustedProxies { value, problem })?,
            },
            secure_cookies,
            mail: MailSettings::from_lookup(&get)?,
            metrics_token: get("MINYI_METRICS_TOKEN")
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
        };
        // A pool the writers fill leaves requests waiting out the pool's timeout (503s, a
        // /healthz that takes 10 s), and start-up itself can time out.
        let writers = match settings.database {
            DatabaseUrl::Sqlite(_) => 1,
            _ => u32::try_from(settings.writers.max(1)).unwrap_or(u32::MAX),
        };
        if settings.pool_size < writers.saturating_add(2) {
            return Err(ConfigError::PoolTooSmall {
                pool: settings.pool_size,
                writers,
            });
        }
        Ok(settings)
    }
}

/// Every `MINYI_*` variable Minyi reads: the server's and the commands' settings, then those
/// only its tests and scripts read (which a test run passes on to the servers it starts).
pub const VARIABLES: &[&str] = &[
    "MINYI_BIND",
    "MINYI_BODY_LIMIT",
    "MINYI_BODY_TIMEOUT",
    "MINYI_LANG",
    "MINYI_LOG",
    "MINYI_LOG_FORMAT",
    "MINYI_MAIL_DIR",
    "MINYI_MAIL_FROM",
    "MINYI_MAIL_LEASE",
    "MINYI_MAIL_POLL",
    "MINYI_MAIL_RATE",
    "MINYI_METRICS_TOKEN",
    "MINYI_POOL_SIZE",
    "MINYI_PUBLIC_URL",
    "MINYI_QUEUE",
    "MINYI_RATE_LIMIT",
    "MINYI_SECURE_COOKIES",
    "MINYI_SMTP_CA_FILE",
    "MINYI_SMTP_HOST",
    "MINYI_SMTP_PASSWORD",
    "MINYI_SMTP_PORT",
    "MINYI_SMTP_SECURITY",
    "MINYI_SMTP_URL",
    "MINYI_SMTP_USER",
    "MINYI_SURVEYS_DIR",
    "MINYI_TRUSTED_PROXIES",
    "MINYI_WRITERS",
    "MINYI_BIN",
    "MINYI_GOLDEN_DIR",
    "MINYI_SCREENSHOTS",
    "MINYI_TEST_POSTGRES",
];

/// A note for each `MINYI_*` name among `names` that Minyi does not read, with the one it most
/// likely stands for: a misspelt setting (`MINYI_RATELIMIT=600`) is otherwise silently
/// ignored, and the server runs on the default the operator meant to change.
pub fn unread_variables<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut unread: Vec<&str> = names
        .into_iter()
        .filter(|name| name.starts_with("MINYI_") && !VARIABLES.contains(name))
        .collect();
    unread.sort_unstable();
    unread
        .into_iter()
        .map(|name| {
            let meant = VARIABLES
                .iter()
                .map(|known| (strsim::levenshtein(&name.to_uppercase(), known), known))
                .filter(|(distance, _)| *distance <= 3)
                .min();
            match meant {
                Some((_, known)) => format!(
                    "{name} is set but Minyi reads no such setting: did you mean {known}? \
                     (it is ignored)"
                ),
                None => format!(
                    "{name} is set but Minyi reads no such setting (it is ignored; the README \
                     lists the settings)"
                ),
            }
        })
        .collect()
}

/// `MINYI_PUBLIC_URL` without its trailing slash: `http(s)://host[:port]`, nothing after.
/// Printed links, QR codes and the cross-site check all start from it, so a value without a
/// scheme (every link broken) or with a path (pages link to `/s/…` at the root, so a proxy
/// serving Minyi under `/minyi/` would need to rewrite every page) is refused.
fn public_url(value: &str) -> Result<String, InvalidSetting> {
    const EXPECTED: &str = "http:// or https:// and a host name, with no path after it, such as \
         https://survey.example.gov.cn (Minyi serves from the root of its own host name)";
    let url = value.trim_end_matches('/');
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let valid = host.is_some_and(|host| {
        !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    });
    if valid {
        Ok(url.to_owned())
    } else {
        Err(InvalidSetting {
            name: "MINYI_PUBLIC_URL",
            value: value.to_owned(),
            expected: EXPECTED,
        })
    }
}

/// The smallest `MINYI_BODY_LIMIT` accepted: a body limit below a form's size would answer
/// every submission 413, so a value that cannot hold a long survey's form is refused.
const MIN_BODY_LIMIT: usize = 16 * 1024;

fn body_limit(get: &impl Fn(&str) -> Option<String>) -> Result<usize, InvalidSetting> {
    const EXPECTED: &str = "a size in bytes of at least 16384 (the default, 65536, holds any \
         survey's answers but free text; a survey's form may be larger by what its text boxes \
         hold)";
    let limit = number(get, "MINYI_BODY_LIMIT", 64 * 1024, EXPECTED)?;
    if limit < MIN_BODY_LIMIT {
        return Err(InvalidSetting {
            name: "MINYI_BODY_LIMIT",
            value: limit.to_string(),
            expected: EXPECTED,
        });
    }
    Ok(limit)
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_serve_the_embedded_database_on_localhost() {
        let s = settings(&[]).expect("defaults are valid");
        assert_eq!(s.database, DatabaseUrl::Sqlite("data/minyi.db".into()));
        assert_eq!(s.bind, "127.0.0.1:8080");
    }

    #[test]
    fn a_public_url_is_a_scheme_and_a_host_or_it_is_refused() {
        for (given, kept) in [
            (
                "https://survey.example.gov.cn/",
                "https://survey.example.gov.cn",
            ),
            ("http://10.0.0.5:8080", "http://10.0.0.5:8080"),
            ("https://[2001:db8::1]", "https://[2001:db8::1]"),
        ] {
            let s = settings(&[("MINYI_PUBLIC_URL", given)]).expect(given);
            assert_eq!(s.public_url.as_deref(), Some(kept));
        }
        for bad in [
            "survey.example.gov.cn",
            "https://x.gov.cn/minyi/",
            "ftp://x.org",
            "https://",
        ] {
            let err = settings(&[("MINYI_PUBLIC_URL", bad)]).expect_err(bad);
            assert!(
                err.to_string().contains("https://survey.example.gov.cn"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_body_limit_too_small_for_a_form_is_refused() {
        assert_eq!(
            settings(&[("MINYI_BODY_LIMIT", "20000")])
                .unwrap()
                .body_limit,
            20000
        );
        for bad in ["0", "1000", "lots"] {
            let err = settings(&[("MINYI_BODY_LIMIT", bad)]).expect_err(bad);
            assert!(err.to_string().contains("at least 16384"), "{err}");
        }
    }

    #[test]
    fn a_mistyped_database_url_is_an_error_not_a_new_file() {
        let err = settings(&[("DATABASE_URL", "postgress://postgres@localhost/minyi")])
            .expect_err("unknown scheme");
        assert!(err.to_string().contains("postgress"), "{err}");
    }

    #[test]
    fn trusted_proxies_are_none_unless_configured() {
        let default = settings(&[]).expect("defaults are valid");
        let configured =
            settings(&[("MINYI_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")]).expect("valid");

        let peer = "127.0.0.1".parse().expect("an address");
        let client: std::net::IpAddr = "203.0.113.7".parse().expect("an address");
        assert!(!default.trusted_proxies.contains(peer));
        assert_eq!(
            configured
                .trusted_proxies
                .client_address(peer, Some("203.0.113.7")),
            client
        );
        let err = settings(&[("MINYI_TRUSTED_PROXIES", "10.0.0.0/40")]).expect_err("bad range");
        assert!(err.to_string().contains("MINYI_TRUSTED_PROXIES"), "{err}");
        assert!(err.to_string().contains("10.0.0.0/40"), "{err}");
    }

    #[test]
    fn session_cookies_are_secure_behind_https_or_when_asked() {
        let cases: [(&[(&str, &str)], bool); 4] = [
            (&[], false),
            (&[("MINYI_PUBLIC_URL", "https://minyi.example.org")], true),
            (&[("MINYI_SECURE_COOKIES", "true")], true),
            (
                &[
                    ("MINYI_PUBLIC_URL", "https://x.org"),
                    ("MINYI_SECURE_COOKIES", "false"),
                ],
                false,
            ),
        ];
        for (vars, expected) in cases {
            assert_eq!(
                settings(vars).expect("valid").secure_cookies,
                expected,
                "{vars:?}"
            );
        }
        let err = settings(&[("MINYI_SECURE_COOKIES", "maybe")]).expect_err("not a boolean");
        assert!(err.to_string().contains("true or false"), "{err}");
    }

    #[test]
    fn a_pool_the_writers_would_fill_is_refused_saying_how_many_it_needs() {
        let one = settings(&[("MINYI_POOL_SIZE", "1")]).expect_err("too small");
        assert!(
            one.to_string().contains("MINYI_POOL_SIZE=1 is too small")
                && one.to_string().contains("set it to 3 or more"),
            "{one}"
        );
        assert!(settings(&[("MINYI_POOL_SIZE", "3")]).is_ok());
        let postgres = [
            ("DATABASE_URL", "postgres://u@db/minyi"),
            ("MINYI_WRITERS", "4"),
            ("MINYI_POOL_SIZE", "5"),
        ];
        let four = settings(&postgres).expect_err("four writers need six");
        assert!(
            four.to_string().contains("writers keep 4 connections")
                && four.to_string().contains("6 or more"),
            "{four}"
        );
    }

    #[test]
    fn a_misspelt_setting_is_named_with_the_one_it_stands_for() {
        let notes = unread_variables([
            "MINYI_RATELIMIT",
            "MINYI_RATE_LIMIT",
            "minyi_bind",
            "MINYI_public_url",
            "MINYI_COLOUR",
            "PATH",
        ]);

        assert_eq!(
            notes,
            [
                "MINYI_COLOUR is set but Minyi reads no such setting (it is ignored; the README \
                 lists the settings)",
                "MINYI_RATELIMIT is set but Minyi reads no such setting: did you mean \
                 MINYI_RATE_LIMIT? (it is ignored)",
                "MINYI_public_url is set but Minyi reads no such setting: did you mean \
                 MINYI_PUBLIC_URL? (it is ignored)",
            ]
        );
    }

    /// Every `MINYI_*` name written in the code, its tests and scripts is listed, and every
    /// listed name is written somewhere: a setting added without being listed would be
    /// reported as unknown by `serve`, and a listed one no longer read would hide a typo.
    #[test]
    fn the_list_of_settings_is_every_minyi_name_the_repository_uses() {
        fn names_in(dir: &std::path::Path, found: &mut std::collections::BTreeSet<String>) {
            for entry in std::fs::read_dir(dir).expect("readable").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    names_in(&path, found);
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                for (at, _) in text.match_indices("MINYI_") {
                    let name: String = text[at..]
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    // `MINYI_SMTP_*` names a family, not a setting.
                    if !name.ends_with('_') {
                        found.insert(name);
                    }
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut found = std::collections::BTreeSet::new();
        for dir in ["src", "tests", "scripts"] {
            names_in(&root.join(dir), &mut found);
        }
        let listed: std::collections::BTreeSet<String> =
            VARIABLES.iter().map(|name| (*name).to_owned()).collect();
        // This test's own example of a misspelling is no setting.
        found.remove("MINYI_RATELIMIT");
        found.remove("MINYI_COLOUR");

        assert_eq!(found, listed);
    }

    #[test]
    fn every_setting_the_server_reads_is_known() {
        let asked = std::cell::RefCell::new(Vec::new());
        let with_mail = |name: &str| {
            asked.borrow_mut().push(name.to_owned());
            (name == "MINYI_SMTP_HOST").then(|| "mail.example.com".to_owned())
        };
        Settings::from_lookup(with_mail).expect("settings");

        let asked = asked.into_inner();
        assert!(asked.len() > 20, "{asked:?}");
        for name in asked.iter().filter(|name| name.starts_with("MINYI_")) {
            assert!(
                VARIABLES.contains(&name.as_str()),
                "{name} is read but not listed"
            );
        }
    }

    #[test]
    fn a_bad_number_names_the_variable() {
        let err = settings(&[("MINYI_POOL_SIZE", "many")]).expect_err("not a number");
        assert!(err.to_string().contains("MINYI_POOL_SIZE"), "{err}");
        for name in ["MINYI_WRITERS", "MINYI_QUEUE"] {
            let zero = settings(&[(name, "0")]).expect_err("none would do nothing");
            assert!(
                zero.to_string().contains(name) && zero.to_string().contains("1 or more"),
                "{zero}"
            );
        }
    }

    #[test]
    fn a_request_body_has_thirty_seconds_unless_told_otherwise_and_never_none() {
        assert_eq!(settings(&[]).unwrap().body_timeout, Duration::from_secs(30));
        let slow = settings(&[("MINYI_BODY_TIMEOUT", "90")]).unwrap();
        assert_eq!(slow.body_timeout, Duration::from_secs(90));
        for bad in ["0", "-5", "half a minute"] {
            let err = settings(&[("MINYI_BODY_TIMEOUT", bad)]).expect_err(bad);
            let message = err.to_string();
            assert!(message.contains("MINYI_BODY_TIMEOUT"), "{message}");
            assert!(message.contains("greater than 0"), "{message}");
        }
    }
}
