//! A real SMTP server (mailin-embedded) on a free loopback port, run by the test process. It
//! keeps every message it accepts, and can hold one message at a chosen point of the SMTP
//! conversation so a test can kill the sender at that moment. Like a real receiving server it
//! refuses some recipients: `unknown.*@` for good (550, user unknown), `greylisted.*@` for now
//! (451, try again later). It offers no SMTPUTF8, as many servers do not.

use std::net::TcpListener;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use mailin_embedded::{response, AuthMechanism, Handler, Response, Server, SslConfig};

/// Far longer than any wait should take: a bound so a broken test fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(90);

/// Where the server stops and waits, for one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// At the DATA command, before inviting the message: the sender has sent no content yet.
    BeforeData,
    /// With the whole message received, before answering 250: the sender cannot know that the
    /// server has it (the one moment at which no SMTP client can avoid a repeat).
    BeforeReply,
}

#[derive(Default)]
struct State {
    /// Every message accepted (after the end of its data), as received.
    received: Vec<Vec<u8>>,
    /// For each message received, the user its session authenticated as.
    users: Vec<Option<String>>,
    /// Hold the message that comes after this many were accepted, until released.
    hold_after: Option<(usize, Hold)>,
    holding: bool,
    released: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Clone)]
struct Collector {
    shared: Arc<Shared>,
    data: Vec<u8>,
    /// The user and password the server accepts, if it asks for one.
    credentials: Option<(String, String)>,
    user: Option<String>,
}

impl Collector {
    /// Waits here, if this is the point and the message to hold, until the test releases it.
    fn hold_if_due(&self, point: Hold) {
        let mut state = self.shared.state.lock().unwrap();
        let due = state
            .hold_after
            .is_some_and(|(n, at)| at == point && state.received.len() >= n);
        if due && !state.released {
            state.holding = true;
            self.shared.changed.notify_all();
            while !state.released {
                state = self.shared.changed.wait(state).unwrap();
            }
        }
    }
}

impl Handler for Collector {
    fn rcpt(&mut self, to: &str) -> Response {
        let address = to.trim_matches(['<', '>']);
        if address.starts_with("unknown.") {
            Response::custom(
                550,
                format!("5.1.1 <{address}>: Recipient address rejected: User unknown"),
            )
        } else if address.starts_with("greylisted.") {
            Response::custom(
                451,
                format!(
                    "4.7.1 <{address}>: Recipient address rejected: Greylisted, try again later"
                ),
            )
        } else {
            response::OK
        }
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        self.hold_if_due(Hold::BeforeData);
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.hold_if_due(Hold::BeforeReply);
        let mut state = self.shared.state.lock().unwrap();
        state.received.push(std::mem::take(&mut self.data));
        state.users.push(self.user.clone());
        self.shared.changed.notify_all();
        response::OK
    }

    fn auth_plain(&mut self, _authorization: &str, user: &str, password: &str) -> Response {
        match &self.credentials {
            Some((u, p)) if u == user && p == password => {
                self.user = Some(user.to_owned());
                response::AUTH_OK
            }
            _ => response::INVALID_CREDENTIALS,
        }
    }
}

pub struct SmtpServer {
    pub port: u16,
    shared: Arc<Shared>,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        SmtpServer::start_with(None, None)
    }

    /// A server offering STARTTLS with the self-signed certificate of `tests/fixtures/smtp-tls`
    /// (for 127.0.0.1), and AUTH PLAIN for one user (offered only once TLS is on).
    pub fn start_tls(user: &str, password: &str) -> SmtpServer {
        SmtpServer::start_with(None, Some((user.to_owned(), password.to_owned())))
    }

    /// A server that accepts `n` messages, then holds the next one at `point`.
    pub fn start_holding_after(n: usize, point: Hold) -> SmtpServer {
        SmtpServer::start_with(Some((n, point)), None)
    }

    fn start_with(
        hold_after: Option<(usize, Hold)>,
        credentials: Option<(String, String)>,
    ) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared::default());
        shared.state.lock().unwrap().hold_after = hold_after;
        let tls = credentials.is_some();
        let mut server = Server::new(Collector {
            shared: shared.clone(),
            data: Vec::new(),
            credentials,
            user: None,
        });
        server
            .with_name("smtp.test")
            .with_num_threads(8)
            .with_tcp_listener(listener);
        if tls {
            let fixture = |name: &str| {
                crate::helpers::repo_path(&format!("tests/fixtures/smtp-tls/{name}"))
                    .display()
                    .to_string()
            };
            server
                .with_ssl(SslConfig::SelfSigned {
                    cert_path: fixture("cert.pem"),
                    key_path: fixture("key.pem"),
                })
                .expect("the test certificate loads")
                .with_auth(AuthMechanism::Plain);
        }
        std::thread::spawn(move || {
            if let Err(e) = server.serve() {
                panic!("the test SMTP server stopped: {e}");
            }
        });
        SmtpServer { port, shared }
    }

    pub fn transport(&self) -> minyi::mail::TransportSettings {
        minyi::mail::TransportSettings::Smtp(minyi::mail::SmtpSettings {
            host: "127.0.0.1".into(),
            port: self.port,
            security: minyi::mail::SmtpSecurity::None,
            credentials: None,
            ca_file: None,
        })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    pub fn received(&self) -> Vec<Vec<u8>> {
        self.shared.state.lock().unwrap().received.clone()
    }

    /// The user each received message's session authenticated as.
    pub fn users(&self) -> Vec<Option<String>> {
        self.shared.state.lock().unwrap().users.clone()
    }

    pub fn is_holding(&self) -> bool {
        self.shared.state.lock().unwrap().holding
    }

    /// Lets the held message go on (its sender may be dead by then).
    pub fn release(&self) {
        self.shared.state.lock().unwrap().released = true;
        self.shared.changed.notify_all();
    }

    /// Waits, without blocking the test's runtime, until `count` messages have arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<Vec<u8>> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "only {} of {count} messages arrived",
                received.len()
            );
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Blocking form of waiting, for tests with no server in their own process.
    pub fn wait_until(&self, what: &str, done: impl Fn(&SmtpServer) -> bool) {
        let started = Instant::now();
        while !done(self) {
            assert!(started.elapsed() < PATIENCE, "waited too long for {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
