//! Accounts of the people who run Minyi (admins, publishers, evaluators): adding them, their
//! passwords (argon2id), signing in with throttling, signed session cookies, and the surveys
//! granted to evaluators. Blocking: it calls storage. Every sign-in, sign-out, new account and
//! grant is written to the audit log.
//!
//! Other modules (the mailer, for example) find accounts with [`Accounts::find`],
//! [`Accounts::list`] and [`Accounts::grantees`].

mod changes;
pub mod password;
pub mod session;
pub mod throttle;

use std::collections::HashMap;
use std::net::IpAddr;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::audit::{self, AuditAction, AuditEvent};
use crate::catalog::now_rfc3339;
use crate::storage::accounts::{self as store, UserRow};
use crate::storage::{self, Database, StorageError};

pub use password::{Password, PasswordProblem};
pub use session::{
    SessionKeys, KNOWN_BROWSER_COOKIE, KNOWN_BROWSER_SECONDS, SESSION_COOKIE, SESSION_SECONDS,
};

/// Server key names (shared by every process on the database).
const SESSION_KEY: &str = "session_hmac";
const THROTTLE_KEY: &str = "login_throttle_hmac";

/// What an account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Everything, including the audit log and every result set.
    Admin,
    /// Runs surveys: import, open, close, publish.
    Publisher,
    /// Downloads the result sets of the surveys granted to them.
    Evaluator,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Publisher, Role::Evaluator];

    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Publisher => "publisher",
            Role::Evaluator => "evaluator",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name.trim())
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An e-mail address, trimmed and lowercased: `name@domain`, no spaces, at most 254 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, AccountsError> {
        let email = text.trim().to_lowercase();
        let valid = email.len() <= 254
            && !email.chars().any(char::is_whitespace)
            && matches!(email.split_once('@'), Some((name, domain))
                if !name.is_empty() && domain.contains('.') && !domain.contains('@')
                    && !domain.starts_with('.') && !domain.ends_with('.'));
        if valid {
            Ok(Email(email))
        } else {
            Err(AccountsError::BadEmail(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A signed-in (or listed) account. Never carries the password hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub session_epoch: i32,
}

impl TryFrom<UserRow> for Account {
    type Error = StorageError;

    fn try_from(row: UserRow) -> Result<Account, StorageError> {
        let role = Role::parse(&row.role).ok_or_else(|| {
            StorageError::Corrupt(format!("account {} has role {:?}", row.email, row.role))
        })?;
        Ok(Account {
            id: row.id,
            email: row.email,
            role,
            session_epoch: row.session_epoch,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("{0:?} is not an e-mail address; write it as name@example.org")]
    BadEmail(String),
    #[error("an account for {0} already exists")]
    EmailTaken(String),
    #[error("no account for {0}; add one with `minyi user add --email {0} --role evaluator`")]
    UnknownEmail(String),
    #[error(
        "{email} is a {role}; surveys are granted to evaluators (admins see every survey already)"
    )]
    NotAnEvaluator { email: String, role: Role },
    #[error("no survey with id {0:?}; `minyi survey list` shows the known surveys")]
    UnknownSurvey(String),
    #[error("{0} is the only admin; add another admin (`minyi user add --email … --role admin`) before removing it")]
    LastAdmin(String),
    #[error(transparent)]
    Password(#[from] PasswordProblem),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a sign-in did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The address is unknown or the password wrong: deliberately not said which.
    #[error("wrong e-mail address or password")]
    WrongCredentials,
    #[error("too many failed sign-ins; try again in {wait_seconds} seconds")]
    Throttled { wait_seconds: i64 },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Whether a grant was new.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantOutcome {
    Granted,
    AlreadyGranted,
}

pub struct Accounts {
    db: Database,
    sessions: SessionKeys,
    throttle_key: Vec<u8>,
    /// When each (account, survey, route) refusal was last recorded, unix seconds: one entry per
    /// [`REFUSAL_RECORDED_EVERY`] seconds, so that a page reloaded in a loop cannot flood the
    /// append-only log.
    refusals_recorded: std::sync::Mutex<HashMap<(String, String, &'static str), i64>>,
}

/// A refusal repeated within this many seconds is not recorded again.
pub const REFUSAL_RECORDED_EVERY: i64 = 600;

impl Accounts {
    /// Reads (or, on a new database, creates) the server keys for sessions and throttling.
    pub fn new(db: Database) -> Result<Accounts, StorageError> {
        let mut conn = db.conn()?;
        let generate = || hex::encode(rand::random::<[u8; 32]>());
        let sessions = storage::server_key(&mut conn, SESSION_KEY, generate)?;
        let throttle_key = storage::server_key(&mut conn, THROTTLE_KEY, generate)?;
        drop(conn);
        Ok(Accounts {
            db,
            sessions: SessionKeys::new(sessions.as_bytes()),
            throttle_key: throttle_key.into_bytes(),
            refusals_recorded: std::sync::Mutex::new(HashMap::new()),
        })
    }

    pub fn add_user(
        &self,
        email: &Email,
        role: Role,
        password: &Password,
        actor: &str,
    ) -> Result<Account, AccountsError> {
        let row = UserRow {
            id: hex::encode(rand::random::<[u8; 16]>()),
            email: email.as_str().to_owned(),
            role: role.name().to_owned(),
            password_hash: password::hash(password)?,
            session_epoch: 0,
            created_at: now_rfc3339(),
        };
        if !store::insert_user(&mut *self.db.conn()?, &row)? {
            return Err(AccountsError::EmailTaken(row.email));
        }
        audit::record(
            &self.db,
            AuditEvent {
                actor,
                action: AuditAction::UserAdded,
                survey_id: None,
                manifest_sha256: None,
                detail: format!("{} ({role})", row.email),
            },
        )?;
        Ok(Account::try_from(row)?)
    }

    /// Gives an evaluator a survey's result sets.
    pub fn grant(
        &self,
        email: &Email,
        survey_id: &str,
        actor: &str,
    ) -> Result<GrantOutcome, AccountsError> {
        let mut conn = self.db.conn()?;
        let account = self
            .find_with(&mut conn, email)?
            .ok_or_else(|| AccountsError::UnknownEmail(email.as_str().to_owned()))?;
        if account.role != Role::Evaluator {
            return Err(AccountsError::NotAnEvaluator {
                email: account.email,
                role: account.role,
            });
        }
        if storage::find_survey(&mut conn, survey_id)?.is_none() {
            return Err(AccountsError::UnknownSurvey(survey_id.to_owned()));
        }
        if !store::insert_grant(&mut conn, &account.id, survey_id, &now_rfc3339())? {
            return Ok(GrantOutcome::AlreadyGranted);
        }
        drop(conn);
        audit::record(
            &self.db,
            AuditEvent {
                actor,
                action: AuditAction::Grant,
                survey_id: Some(survey_id),
                manifest_sha256: None,
                detail: format!("{} may download the result sets", account.email),
            },
        )?;
        Ok(GrantOutcome::Granted)
    }

    pub fn find(&self, email: &Email) -> Result<Option<Account>, StorageError> {
        self.find_with(&mut *self.db.conn()?, email)
    }

    fn find_with(
        &self,
        conn: &mut storage::DbConnection,
        email: &Email,
    ) -> Result<Option<Account>, StorageError> {
        store::find_user_by_email(conn, email.as_str())?
            .map(Account::try_from)
            .transpose()
    }

    /// Every account, by e-mail address.
    pub fn list(&self) -> Result<Vec<Account>, StorageError> {
        store::list_users(&mut *self.db.conn()?)?
            .into_iter()
            .map(Account::try_from)
            .collect()
    }

    /// The evaluators a survey is granted to.
    pub fn grantees(&self, survey_id: &str) -> Result<Vec<Account>, StorageError> {
        store::grantees(&mut *self.db.conn()?, survey_id)?
            .into_iter()
            .map(Account::try_from)
            .collect()
    }

    /// The surveys an evaluator was granted.
    pub fn granted_surveys(&self, account: &Account) -> Result<Vec<String>, StorageError> {
        store::granted_surveys(&mut *self.db.conn()?, &account.id)
    }

    /// Whether an account may download a survey's result sets: admins always, evaluators when
    /// granted it, publishers never.
    pub fn may_download(&self, account: &Account, survey_id: &str) -> Result<bool, StorageError> {
        match account.role {
            Role::Admin => Ok(true),
            Role::Publisher => Ok(false),
            Role::Evaluator => store::has_grant(&mut *self.db.conn()?, &account.id, survey_id),
        }
    }

    /// Records that `account` was refused `route` (its pattern: a result set or the free-text
    /// answers) of survey `survey_id`, so that the audit log shows who tried to reach microdata
    /// they were not given, as well as who reached it. Only for a survey that exists (a made-up
    /// id in the path is refused without an entry, so nothing the visitor typed reaches the log
    /// but a survey's id), and once per [`REFUSAL_RECORDED_EVERY`] seconds for the same
    /// account, survey and route: this process remembers what it recorded, and the log itself
    /// says what another process did. `now`: unix seconds.
    pub fn record_refused_download(
        &self,
        account: &Account,
        survey_id: &str,
        route: &'static str,
        now: i64,
    ) -> Result<(), StorageError> {
        if storage::find_survey(&mut *self.db.conn()?, survey_id)?.is_none() {
            return Ok(());
        }
        let key = (account.id.clone(), survey_id.to_owned(), route);
        {
            let mut recorded = self
                .refusals_recorded
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            recorded.retain(|_, at| now - *at < REFUSAL_RECORDED_EVERY);
            if recorded.contains_key(&key) {
                return Ok(());
            }
            recorded.insert(key, now);
        }
        let event = AuditEvent {
            actor: &account.email,
            action: AuditAction::DownloadRefused,
            survey_id: Some(survey_id),
            manifest_sha256: None,
            detail: format!("{route} ({})", account.role.name()),
        };
        audit::record_unless_within(&self.db, event, now, REFUSAL_RECORDED_EVERY)
    }

    /// Checks an e-mail address and password, throttled per account and per network (a keyed
    /// hash of the client's /24 or /48; the address itself is never stored). Audited.
    ///
    /// A browser that has signed in to this account before (its `known_browser` cookie, see
    /// [`session::KNOWN_BROWSER_COOKIE`]) is throttled in a lane of its own, shared by the
    /// account's known browsers only: guessing from anywhere else can lock the account to
    /// strangers, never to its owner.
    pub fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: IpAddr,
        known_browser: Option<&str>,
        now: i64,
    ) -> Result<Account, SignInError> {
        let mut conn = self.db.conn()?;
        // The account and its password hash in one read, whether or not it is asked for.
        let row = match Email::parse(email) {
            Ok(email) => store::find_user_by_email(&mut conn, email.as_str())?,
            Err(_) => None,
        };
        let hash = row.as_ref().map(|row| row.password_hash.clone());
        let account = row.map(Account::try_from).transpose()?;
        let known = match (&account, &hash) {
            (Some(a), Some(hash)) => known_browser
                .and_then(|cookie| self.sessions.known_browser(cookie, hash, now))
                .is_some_and(|id| id == a.id),
            _ => false,
        };
        let mut lanes = Vec::with_capacity(2);
        match &account {
            Some(a) if known => {
                lanes.push((store::known_browser_key(&a.id), throttle::PER_ACCOUNT))
            }
            _ => {
                lanes.push((self.network_key(client), throttle::PER_NETWORK));
                // What is no address (a password typed in the wrong box, say) has no account
                // and gets no lane of its own: nothing of it is kept.
                let own = match (&account, Email::parse(email)) {
                    (Some(a), _) => Some(store::account_key(&a.id)),
                    (None, Ok(address)) => {
                        Some(store::address_key(&self.keyed_hash(address.as_str())))
                    }
                    (None, Err(_)) => None,
                };
                lanes.extend(own.map(|key| (key, throttle::PER_ACCOUNT)));
            }
        }
        let actor = account
            .as_ref()
            .map_or("(unknown address)", |a| a.email.as_str());
        // A lane that has had its share already refuses without a write: a script posting in
        // a loop costs the database reads, not writes the response writer would wait behind.
        let mut wait = None;
        for (key, rule) in &lanes {
            let window = rule.window_seconds;
            if let Some((start, attempts)) = store::login_attempts(&mut conn, key, now - window)? {
                wait = wait.max(rule.refuses((start, attempts.saturating_add(1)), now));
            }
        }
        if let Some(wait_seconds) = wait {
            drop(conn);
            self.audit_throttled(actor, now)?;
            return Err(SignInError::Throttled { wait_seconds });
        }
        // Each attempt is counted before its password is checked, and refused once a lane has
        // had its share: guesses sent all at once are counted one by one.
        for (key, rule) in &lanes {
            let counted =
                store::count_login_attempt(&mut conn, key, now, now - rule.window_seconds)?;
            wait = wait.max(rule.refuses(counted, now));
        }
        if let Some(wait_seconds) = wait {
            // A refused attempt checks no password: it uses up no lane's share.
            for (key, _) in &lanes {
                store::uncount_login_attempt(&mut conn, key)?;
            }
            drop(conn);
            self.audit_throttled(actor, now)?;
            return Err(SignInError::Throttled { wait_seconds });
        }
        let matches = password::verify(password, hash.as_deref().unwrap_or(password::decoy_hash()));
        match account {
            Some(account) if matches && hash.is_some() => {
                // The account's own lane (always the last) starts again; a network's count
                // stays, since it may have been guessing at other accounts, less this attempt.
                if let Some((key, _)) = lanes.last() {
                    store::clear_login_failures(&mut conn, key)?;
                }
                if lanes.len() > 1 {
                    store::uncount_login_attempt(&mut conn, &lanes[0].0)?;
                }
                drop(conn);
                self.audit_sign_in(&account.email, AuditAction::SignIn)?;
                Ok(account)
            }
            _ => {
                drop(conn);
                self.audit_sign_in(actor, AuditAction::SignInFailed)?;
                Err(SignInError::WrongCredentials)
            }
        }
    }

    /// Deletes the sign-in counts of windows that have ended (what a quiet server's last failed
    /// attempts left, among them keyed hashes of addresses typed that no account has), and
    /// returns how many. Run daily; attempts delete them too as they come, but only theirs
    /// and only when they come.
    pub fn forget_ended_sign_in_windows(&self, now: i64) -> Result<usize, StorageError> {
        let longest = throttle::PER_ACCOUNT
            .window_seconds
            .max(throttle::PER_NETWORK.window_seconds);
        let forgotten = store::delete_ended_login_windows(&mut *self.db.conn()?, now - longest)?;
        // Nor in SQLite's log, whose older copies of the page still hold them. Emptied at
        // every run, not only one that deleted rows: a run whose deletion committed but whose
        // emptying failed finds nothing to delete the next time, yet the log still holds them.
        self.db.empty_log()?;
        Ok(forgotten)
    }

    /// The account a session cookie belongs to, if the cookie is valid and its epoch current.
    pub fn session(&self, cookie: &str, now: i64) -> Result<Option<Account>, StorageError> {
        let Some(claim) = self.sessions.check(cookie, now) else {
            return Ok(None);
        };
        let Some(row) = store::find_user(&mut *self.db.conn()?, &claim.account_id)? else {
            return Ok(None);
        };
        let account = Account::try_from(row)?;
        Ok((account.session_epoch == claim.epoch).then_some(account))
    }

    /// A session cookie value for an account that has just signed in.
    pub fn issue_session(&self, account: &Account, now: i64) -> String {
        self.sessions.issue(&account.id, account.session_epoch, now)
    }

    /// A known-browser cookie value for an account that has just signed in, valid until its
    /// password changes; `None` if the account has gone meanwhile.
    pub fn issue_known_browser(
        &self,
        account: &Account,
        now: i64,
    ) -> Result<Option<String>, StorageError> {
        Ok(
            store::find_user(&mut *self.db.conn()?, &account.id)?.map(|row| {
                self.sessions
                    .issue_known_browser(&account.id, &row.password_hash, now)
            }),
        )
    }

    /// Signs an account out of every session, in every process.
    pub fn sign_out(&self, account: &Account) -> Result<(), StorageError> {
        store::bump_session_epoch(&mut *self.db.conn()?, &account.id)?;
        self.audit_sign_in(&account.email, AuditAction::SignOut)
    }

    fn audit_sign_in(&self, actor: &str, action: AuditAction) -> Result<(), StorageError> {
        audit::record(
            &self.db,
            AuditEvent {
                actor,
                action,
                survey_id: None,
                manifest_sha256: None,
                detail: String::new(),
            },
        )
    }

    /// A throttled sign-in, audited once per address every [`REFUSAL_RECORDED_EVERY`]
    /// seconds: it checks no password and costs nothing, so a script posting in a loop would
    /// otherwise push every other entry off the audit page (the log keeps all for good).
    fn audit_throttled(&self, actor: &str, now: i64) -> Result<(), StorageError> {
        let event = AuditEvent {
            actor,
            action: AuditAction::SignInThrottled,
            survey_id: None,
            manifest_sha256: None,
            detail: String::new(),
        };
        audit::record_unless_within(&self.db, event, now, REFUSAL_RECORDED_EVERY)
    }

    fn network_key(&self, client: IpAddr) -> String {
        let prefix = crate::privacy::network_prefix(client);
        format!("network:{}", self.keyed_hash(&prefix))
    }

    /// HMAC-SHA-256 of `text` under the throttle's key, in hex: a throttle key that does not
    /// store what it counts.
    fn keyed_hash(&self, text: &str) -> String {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.throttle_key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(text.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses_are_normalised_or_refused_with_an_example() {
        assert_eq!(
            Email::parse("  Li.Wei@Example.ORG ")
                .expect("valid")
                .as_str(),
            "li.wei@example.org"
        );
        for bad in [
            "",
            "li",
            "li@",
            "@example.org",
            "li@example",
            "li wei@example.org",
            "a@b@c.d",
        ] {
            let err = Email::parse(bad).expect_err(bad);
            assert!(err.to_string().contains("name@example.org"), "{err}");
        }
    }

    #[test]
    fn roles_have_stable_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.name()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
