//! Storage: the only module that speaks diesel. One connection type for SQLite and PostgreSQL,
//! a pool, the embedded migrations of both backends, and the queries the rest of Minyi needs.

pub mod accounts;
pub mod admin;
mod audit;
mod backup;
mod connection;
mod ingest;
mod interviewers;
mod invitations;
mod keys;
mod outbox;
mod privacy;
mod responses;
mod results;
mod schema;
mod surveys;
mod unnest_insert;

use std::path::Path;
use std::time::Duration;

use diesel::r2d2::{Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use backup::{backup_sqlite, restore_sqlite, BackupError, Restored};
pub use connection::{DatabaseUrl, DatabaseUrlError, DbConnection};
pub use ingest::{quota_places_taken, store_submissions, Submission};
pub use interviewers::{
    find_interviewer_link, insert_interviewer_link, interviewer_links, withdraw_interviewer_link,
    InterviewerLinkRecord, WhichLink,
};
pub use responses::{InsertOutcome, NewResponse, StoredResponse};
pub use surveys::{Earlier, ImportOutcome, Replacing, Shown, SurveyRecord, VersionFile};

use connection::ConnectionManager;

diesel::define_sql_function! {
    /// SQL's `lower`: ASCII letters on SQLite (all an address's domain may have), more on
    /// PostgreSQL.
    fn lower(text: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
/// The PostgreSQL advisory lock held while migrating ("minyi" in ASCII).
const MIGRATION_LOCK: i64 = 0x6d_69_6e_79_69;
/// The PostgreSQL advisory lock held while importing a survey file ("import" in ASCII).
pub(crate) const IMPORT_LOCK: i64 = 0x696d_706f_7274;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot reach the database: {0}")]
    Unavailable(#[from] diesel::r2d2::PoolError),
    /// The first connection failed: said once, with where and what to check.
    #[error("cannot open the {where_}: {cause}. {hint}")]
    CannotConnect {
        where_: String,
        cause: String,
        hint: String,
    },
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error(
        "the database was upgraded by a newer Minyi: it has migration {unknown}, which this \
         build ({build}, whose latest migration is {latest}) does not know. Run the newer \
         version on every node, or, to go back, restore the backup taken before the upgrade; \
         an older build writing to a newer schema could lose or corrupt data"
    )]
    NewerSchema {
        unknown: String,
        latest: String,
        build: &'static str,
    },
    #[error(
        "the database has not been upgraded to this build ({build}) yet: it lacks migration \
         {missing}. Only `minyi serve` upgrades a database, at its start, so that a command run \
         beside an older server never changes the schema under it. Take a backup (`minyi \
         backup`, or pg_dump), stop every node, then start this build's `minyi serve`; or run \
         this command with the build the server runs"
    )]
    NotUpgraded {
        missing: String,
        build: &'static str,
    },
    #[error("cannot create the directory for the SQLite database {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
    #[error("the database holds a value Minyi cannot read: {0}")]
    Corrupt(String),
    #[error("this database holds {0} surveys, the most it can: use a new database for more")]
    TooManySurveys(i32),
    #[error(
        "the SQLite write-ahead log could not be emptied: other connections kept it busy for \
         {} s; what was deleted may linger in it until the next checkpoint, so run the command again",
        LOG_PATIENCE.as_secs()
    )]
    LogBusy,
}

impl StorageError {
    /// Whether the database refused only for now, because another connection held what this
    /// one needed (SQLite's write lock past its busy timeout, a PostgreSQL transaction that
    /// could not be serialized or deadlocked): trying again soon may succeed.
    pub fn is_busy(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            StorageError::Unavailable(_) | StorageError::LogBusy => true,
            StorageError::Query(Error::DatabaseError(
                DatabaseErrorKind::SerializationFailure,
                _,
            )) => true,
            StorageError::Query(Error::DatabaseError(_, info)) => {
                let said = info.message();
                // PostgreSQL speaks its server's language (`lc_messages`): Chinese too.
                [
                    "database is locked",
                    "database is busy",
                    "deadlock detected",
                    "检测到死锁",
                ]
                .iter()
                .any(|busy| said.contains(busy))
            }
            _ => false,
        }
    }
}

/// How long [`empty_sqlite_log`] keeps trying while other connections hold the log.
const LOG_PATIENCE: Duration = Duration::from_secs(10);

/// Copies SQLite's write-ahead log into the database file and truncates it, so that values just
/// deleted or overwritten (zeroed in the pages by `secure_delete`) do not linger in the log's
/// older copies of those pages. SQLite does not wait for a checkpoint that another connection is
/// running (the server's checkpoint thread, `Database::checkpoint`): it reports "busy" and
/// leaves the log as it was. So this tries again until the log is empty, for up to
/// `LOG_PATIENCE`.
fn empty_sqlite_log(conn: &mut diesel::SqliteConnection) -> Result<(), StorageError> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Checkpoint {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        busy: i32,
    }
    let deadline = std::time::Instant::now() + LOG_PATIENCE;
    loop {
        let done: Checkpoint =
            diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").get_result(conn)?;
        if done.busy == 0 {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(StorageError::LogBusy);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

pub type Conn = PooledConnection<ConnectionManager>;

/// What opening a database does about the migrations this build has and it lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// Runs them (the server at its start; a fresh machine needs no setup step).
    Upgrade,
    /// Runs them only on a new database (none applied yet); refuses one an older build made
    /// ([`StorageError::NotUpgraded`]): a command run beside a running server of the older
    /// build must not change the schema under it.
    Current,
    /// Neither runs nor checks them: a backup copies the database whatever its schema.
    AsFound,
}

/// A pool of connections to one database, migrated to the schema this binary expects.
#[derive(Clone)]
pub struct Database {
    pool: Pool<ConnectionManager>,
    url: DatabaseUrl,
}

impl Database {
    /// Connects (creating the SQLite file and its directory if needed) and runs any pending
    /// migrations, so a fresh machine needs no setup step.
    pub fn connect(url: DatabaseUrl, pool_size: u32) -> Result<Database, StorageError> {
        Database::open(url, pool_size, Schema::Upgrade)
    }

    /// Connects as [`Database::connect`] does, doing about pending migrations what `schema`
    /// says.
    pub fn open(
        url: DatabaseUrl,
        pool_size: u32,
        schema: Schema,
    ) -> Result<Database, StorageError> {
        // A database this call creates is made readable by its owner only; SQLite gives its
        // write-ahead log and shared-memory files the database file's permissions.
        let creating = match &url {
            DatabaseUrl::Sqlite(path) => {
                create_parent_dir(path)?;
                (path != ":memory:" && !Path::new(path).exists()).then(|| path.clone())
            }
            DatabaseUrl::Postgres(_) => None,
        };
        // One connection first, so that a wrong address or a missing permission is reported
        // at once and once, rather than retried by the pool for its whole timeout. A database
        // that is busy (another node creating it: SQLite may refuse the switch to WAL at once,
        // without waiting) is left to the pool, which retries.
        let manager = ConnectionManager::new(url.clone());
        match diesel::r2d2::ManageConnection::connect(&manager) {
            Ok(first) => drop(first),
            Err(e) if is_busy(&e) => {}
            Err(e) => return Err(cannot_connect(&url, &e)),
        }
        if let Some(path) = creating.filter(|path| Path::new(path).exists()) {
            crate::files::keep_private(Path::new(&path));
        }
        let pool = Pool::builder()
            .max_size(pool_size)
            .connection_timeout(Duration::from_secs(10))
            .build(ConnectionManager::new(url.clone()))?;
        let database = Database { pool, url };
        if schema != Schema::AsFound {
            database.migrate(schema)?;
        }
        Ok(database)
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// The first migration this build has and the database lacks, when an earlier build made
    /// it (some are applied); `None` for a database as new as this build, or a new one.
    pub fn schema_behind(&self) -> Result<Option<String>, StorageError> {
        fn versions<DB: diesel::backend::Backend>(
            pending: Vec<Box<dyn diesel::migration::Migration<DB> + '_>>,
        ) -> Vec<String> {
            pending
                .iter()
                .map(|m| m.name().version().to_string())
                .collect()
        }
        let mut conn = self.conn()?;
        let found = match &mut *conn {
            DbConnection::Sqlite(c) => c
                .pending_migrations(SQLITE_MIGRATIONS)
                .map(versions)
                .and_then(|pending| Ok((pending, c.applied_migrations()?.is_empty()))),
            DbConnection::Postgres(c) => c
                .pending_migrations(POSTGRES_MIGRATIONS)
                .map(versions)
                .and_then(|pending| Ok((pending, c.applied_migrations()?.is_empty()))),
        };
        let (pending, new) = found.map_err(|e| StorageError::Migration(e.to_string()))?;
        Ok(pending.into_iter().min().filter(|_| !new))
    }

    pub fn conn(&self) -> Result<Conn, StorageError> {
        Ok(self.pool.get()?)
    }

    /// Runs the pending migrations, one process at a time: nodes started together on a fresh
    /// database would otherwise each see a migration missing and all but one fail to apply it.
    /// SQLite: in one exclusive transaction, taken only when something is pending (the others
    /// wait, then find nothing left to do); PostgreSQL: under a session advisory lock (even
    /// the check creates diesel's table of migrations). Then refuses a database that holds a
    /// migration this build does not know ([`StorageError::NewerSchema`]).
    fn migrate(&self, schema: Schema) -> Result<(), StorageError> {
        use diesel::connection::SimpleConnection;
        if schema == Schema::Current {
            if let Some(missing) = self.schema_behind()? {
                return Err(StorageError::NotUpgraded {
                    missing,
                    build: env!("CARGO_PKG_VERSION"),
                });
            }
        }
        let mut conn = self.conn()?;
        let result = match &mut *conn {
            DbConnection::Sqlite(c) => match c.has_pending_migration(SQLITE_MIGRATIONS) {
                Ok(true) => c.exclusive_transaction(|c| {
                    c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ())
                }),
                other => other.map(|_| ()),
            },
            DbConnection::Postgres(c) => {
                c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
                let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ());
                c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
                result
            }
        };
        result.map_err(|e| StorageError::Migration(e.to_string()))?;
        drop(conn);
        self.schema_not_newer()
    }

    /// Refuses a database that holds a migration this build does not know
    /// ([`StorageError::NewerSchema`]): a newer Minyi upgraded it. Checked at start, and by
    /// `/healthz` of a running server, so that a node of the old build left running after
    /// another node upgraded the database is taken out of its load balancer's rotation.
    pub fn schema_not_newer(&self) -> Result<(), StorageError> {
        schema_not_newer_on(&mut self.conn()?)
    }

    /// SQLite: copies committed pages from the write-ahead log into the database file without
    /// waiting for readers or writers (`wal_checkpoint(PASSIVE)`), and returns how far the log
    /// reaches (its frames since it last started over; the same number twice means no writes
    /// came in between). Run from a thread of its own so that the response writer's commits
    /// never pay for a checkpoint. PostgreSQL: nothing (`None`).
    pub fn checkpoint(&self) -> Result<Option<i64>, StorageError> {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Checkpointed {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            log: i64,
        }
        if let DatabaseUrl::Postgres(_) = self.url {
            return Ok(None);
        }
        let mut conn = self.conn()?;
        match &mut *conn {
            DbConnection::Sqlite(c) => {
                let done: Checkpointed =
                    diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result(c)?;
                Ok(Some(done.log))
            }
            DbConnection::Postgres(_) => Ok(None),
        }
    }

    /// SQLite: empties the write-ahead log into the database file and truncates it, waiting
    /// out other connections' checkpoints (see `empty_sqlite_log`). PostgreSQL: nothing.
    pub fn empty_log(&self) -> Result<(), StorageError> {
        match &mut *self.conn()? {
            DbConnection::Sqlite(c) => empty_sqlite_log(c),
            DbConnection::Postgres(_) => Ok(()),
        }
    }

    /// Succeeds when the database answers a trivial query (for `/healthz`).
    pub fn ping(&self) -> Result<(), StorageError> {
        use diesel::connection::SimpleConnection;
        self.conn()?.batch_execute("SELECT 1")?;
        Ok(())
    }
}

/// Whether a failed connection may succeed if tried again soon: the database is busy with
/// another connection, or PostgreSQL is starting.
fn is_busy(error: &diesel::r2d2::Error) -> bool {
    let said = error.to_string();
    ["database is locked", "database is busy", "starting up"]
        .iter()
        .any(|busy| said.contains(busy))
}

/// What a failed first connection means, in words an operator can act on.
fn cannot_connect(url: &DatabaseUrl, error: &diesel::r2d2::Error) -> StorageError {
    let cause = error.to_string().trim().replace('\n', " ");
    let (where_, hint) = match url {
        DatabaseUrl::Sqlite(path) => (
            format!("SQLite database {path}"),
            format!(
                "Check that {path} is a file (or not there yet), that this user may write in its \
                 directory (SQLite writes {path}-wal and {path}-shm beside it), or set \
                 DATABASE_URL to another path."
            ),
        ),
        DatabaseUrl::Postgres(address) => (
            format!("PostgreSQL database {}", without_password(address)),
            if cause.contains("does not exist") && cause.contains("database") {
                "Create the database first (`createdb NAME`, or CREATE DATABASE in psql), or \
                 name an existing one in DATABASE_URL."
                    .to_owned()
            } else {
                "Check DATABASE_URL's host, port, user, password and database, and that \
                 PostgreSQL is running and lets this user in."
                    .to_owned()
            },
        ),
    };
    StorageError::CannotConnect {
        where_,
        cause,
        hint,
    }
}

/// [`Database::schema_not_newer`] on a connection already held (the response writer's, which
/// must not wait for the pool behind the requests it is storing for).
pub fn schema_not_newer_on(conn: &mut Conn) -> Result<(), StorageError> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Applied {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    // A plain read of diesel's own record of migrations, run after `migrate` made it: the
    // health check asks this on every poll, and diesel's `applied_migrations` would first
    // issue a CREATE TABLE IF NOT EXISTS each time.
    let read = diesel::sql_query("SELECT version FROM __diesel_schema_migrations");
    let (applied, known): (Vec<Applied>, _) = match &mut **conn {
        DbConnection::Sqlite(c) => (
            read.load(c)?,
            migration_versions::<diesel::sqlite::Sqlite>(&SQLITE_MIGRATIONS),
        ),
        DbConnection::Postgres(c) => (
            read.load(c)?,
            migration_versions::<diesel::pg::Pg>(&POSTGRES_MIGRATIONS),
        ),
    };
    newer_schema(
        applied.into_iter().map(|a| a.version),
        &known.map_err(|e| StorageError::Migration(e.to_string()))?,
    )
}

/// The versions (`20261211000100`) of the migrations built into this binary.
fn migration_versions<DB: diesel::backend::Backend>(
    source: &EmbeddedMigrations,
) -> diesel::migration::Result<Vec<String>> {
    use diesel::migration::MigrationSource;
    Ok(MigrationSource::<DB>::migrations(source)?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect())
}

/// Refuses a database that holds a migration this build does not know: a newer Minyi
/// migrated it (a rollback, or an old node left running in a rolling upgrade).
fn newer_schema(
    applied: impl Iterator<Item = String>,
    known: &[String],
) -> Result<(), StorageError> {
    let normal = |v: &str| v.replace('-', "");
    let known: Vec<String> = known.iter().map(|v| normal(v)).collect();
    match applied
        .map(|v| normal(&v))
        .filter(|v| !known.contains(v))
        .max()
    {
        None => Ok(()),
        Some(unknown) => Err(StorageError::NewerSchema {
            unknown,
            latest: known.iter().max().cloned().unwrap_or_default(),
            build: env!("CARGO_PKG_VERSION"),
        }),
    }
}

/// A PostgreSQL URL with its password, if any, replaced by `***`: in the user part
/// (`user:secret@host`) or as a parameter (`?password=secret`).
pub(crate) fn without_password(url: &str) -> String {
    // A URL missing its "://" (refused as mistyped) is masked all the same.
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    // The user part ends at the last '@' before the path that follows the first '@': a
    // password may hold '@', '/' or '?' unescaped, the host none of them.
    let authority_end = rest.find('@').map_or(rest.len(), |at| {
        rest[at..].find('/').map_or(rest.len(), |p| at + p)
    });
    let url = match rest[..authority_end].rsplit_once('@') {
        Some((user_info, _)) if user_info.contains(':') => {
            let user = user_info.split(':').next().unwrap_or_default();
            let host = &rest[user_info.len() + 1..];
            format!("{scheme}{user}:***@{host}")
        }
        _ => url.to_owned(),
    };
    let Some((address, query)) = url.split_once('?') else {
        return url;
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{address}?{}", query.join("&"))
}

/// Takes SQLite's write lock at the start of a transaction, by a write that changes nothing.
/// A transaction that reads first cannot wait for another connection's write (its snapshot
/// would be stale) and fails at once as busy; one that writes first waits out the busy
/// timeout like any writer, then reads what the other committed.
pub(crate) fn sqlite_write_lock(
    c: &mut diesel::sqlite::SqliteConnection,
) -> Result<(), diesel::result::Error> {
    use diesel::RunQueryDsl;
    diesel::sql_query("UPDATE surveys SET number = number WHERE id = ''").execute(c)?;
    Ok(())
}

fn create_parent_dir(path: &str) -> Result<(), StorageError> {
    if path == ":memory:" || path.is_empty() {
        return Ok(());
    }
    match Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|source| StorageError::Directory {
                path: path.to_owned(),
                source,
            })
        }
        _ => Ok(()),
    }
}

pub use audit::{
    append_audit, filtered_audit, has_audit_entry_since, recent_audit, AuditEntry, AuditFilter,
    NewAuditEntry,
};
pub use invitations::{
    add_invitation_link, create_invitations, decline_reminders, find_invitation_by_link,
    forget_invitation_addresses, has_forgotten_addresses, invitation_counts,
    invitation_counts_by_stratum, invited_addresses, is_unused, queue_reminder_round,
    reminder_rounds, reminders_declined, unused_without_address, IfOpen, InvitationRecord,
    LinkOutcome, LinkedMail, NewInvitation, ReminderRound, RoundOutcome,
};
pub use keys::server_key;
pub use outbox::{
    claim_next, complete, discard, enqueue, fail, failure_reasons, outbox_counts, outbox_totals,
    retry_failed, retry_reasons, ClaimedMail, NewMail,
};
pub use privacy::{
    apply_purge, delete_given_up_mail, destroy_secrets_of_surveys_not_open, destroy_survey_secret,
    duplicate_client_ids, erase_arrival_order, has_survey_secret, purged_on, survey_secret,
    table_columns, PurgedResponse,
};
pub use responses::{
    count_by_stratum, delete_simulated, fieldwork_counts, for_each_response, insert_response,
    insert_responses, is_stored, load_responses, slot_of,
};
pub use results::{
    find_published, find_result_set, publish_results, record_result_set, PublishedRow, ResultSetRow,
};
pub use surveys::{
    find_survey, import_version, list_surveys, mark_fieldwork_traces_cleared, set_state,
    surveys_owing_trace_clearing, version_file_name, version_ids, version_source,
};

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn a_password_never_reaches_a_message() {
        for (url, shown) in [
            (
                "postgres://minyi:S3cret@db/minyi",
                "postgres://minyi:***@db/minyi",
            ),
            (
                "postgres://minyi@db:5439/x?password=S3cret&sslmode=require",
                "postgres://minyi@db:5439/x?password=***&sslmode=require",
            ),
            (
                "postgresql://u:a@b@h/x?sslmode=disable&PASSWORD=S3cret",
                "postgresql://u:***@h/x?sslmode=disable&PASSWORD=***",
            ),
            ("postgres://u:pa?ss@db/x", "postgres://u:***@db/x"),
            (
                "postgres://u:pa/ss@db/x?password=a",
                "postgres://u:***@db/x?password=***",
            ),
            ("postgres://minyi@db/minyi", "postgres://minyi@db/minyi"),
            (
                "postgres://minyi@db/x?options=a@b",
                "postgres://minyi@db/x?options=a@b",
            ),
            ("postgres//minyi:S3cret@db/x", "postgres//minyi:***@db/x"),
        ] {
            assert_eq!(without_password(url), shown);
        }
    }
}
