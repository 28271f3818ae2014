//! Which database a URL names, and how a connection to it is opened and prepared.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

/// One connection type for both backends. Queries written against it run on either; the few
/// statements whose dialects differ match on the variant inside `storage`.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// The backend a `DATABASE_URL` selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A file path (the `sqlite://` prefix removed).
    Sqlite(String),
    /// A libpq connection URL, passed on unchanged.
    Postgres(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatabaseUrlError {
    #[error(
        "DATABASE_URL {url:?} uses the scheme {scheme:?}, which Minyi does not know. \
         Use sqlite://PATH (or a plain file path) for the embedded database, or \
         postgres://USER@HOST/DB for PostgreSQL."
    )]
    UnknownScheme { url: String, scheme: String },
    /// A plain path that reads like a URL missing its `:` or a `/`: taken as a file name, it
    /// would create a stray SQLite database in a directory named after the scheme.
    #[error(
        "DATABASE_URL {url:?} looks like a database URL with a typo, not a file path. \
         Write postgres://USER@HOST/DB for PostgreSQL, or sqlite://PATH for the embedded \
         database."
    )]
    MistypedUrl { url: String },
    /// `sqlite://` with no path, or an in-memory database: each pooled connection would get
    /// a private, empty database of its own, and every answer would go when the process ends.
    #[error(
        "DATABASE_URL {url:?} names no database file: Minyi keeps the answers in a file \
         (sqlite://data/minyi.db, the default when DATABASE_URL is not set) or in PostgreSQL \
         (postgres://USER@HOST/DB), never only in memory."
    )]
    NoFile { url: String },
    /// An SQLite `file:` URI naming a file: SQLite would open the file it names, where the
    /// backup, the restore and the start-up's checks take the whole text for a file's name.
    /// (`file::memory:` and `file:` alone, a database in memory or a temporary file, are
    /// refused as [`DatabaseUrlError::NoFile`].)
    #[error(
        "DATABASE_URL {url:?} gives the database as an SQLite file: URI. Give the file's path \
         instead: sqlite://data/minyi.db, or sqlite:///var/lib/minyi/minyi.db for an absolute \
         one."
    )]
    SqliteUri { url: String },
}

impl DatabaseUrl {
    /// Reads a `DATABASE_URL`. An unknown scheme is refused rather than taken for a file name,
    /// so that a typo such as `postgress://…` never silently creates a stray SQLite file.
    pub fn parse(url: &str) -> Result<DatabaseUrl, DatabaseUrlError> {
        let url = url.trim();
        let sqlite = |path: &str| {
            let path = path.trim();
            let uri = path.strip_prefix("file:");
            let uri_name = uri.map(|rest| rest.split('?').next().unwrap_or_default());
            if path.is_empty()
                || path == ":memory:"
                || path.contains("mode=memory")
                || uri_name.is_some_and(|name| name.is_empty() || name == ":memory:")
            {
                Err(DatabaseUrlError::NoFile {
                    url: super::without_password(url),
                })
            } else if uri.is_some() {
                Err(DatabaseUrlError::SqliteUri {
                    url: super::without_password(url),
                })
            } else {
                Ok(DatabaseUrl::Sqlite(path.to_owned()))
            }
        };
        if let Some(path) = url.strip_prefix("sqlite://") {
            return sqlite(path);
        }
        if let Some(path) = url.strip_prefix("sqlite:") {
            return sqlite(path);
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        match url.split_once("://") {
            Some((scheme, _)) => Err(DatabaseUrlError::UnknownScheme {
                url: super::without_password(url),
                scheme: scheme.to_owned(),
            }),
            None if url == ":memory:" => sqlite(url),
            None if url.contains(':') && !looks_like_path(url) => {
                Err(DatabaseUrlError::UnknownScheme {
                    url: super::without_password(url),
                    scheme: url.split(':').next().unwrap_or_default().to_owned(),
                })
            }
            None if looks_like_a_mistyped_url(url) => Err(DatabaseUrlError::MistypedUrl {
                url: super::without_password(url),
            }),
            None => Ok(DatabaseUrl::Sqlite(url.to_owned())),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "SQLite",
            DatabaseUrl::Postgres(_) => "PostgreSQL",
        }
    }
}

fn looks_like_path(url: &str) -> bool {
    url.starts_with('/') || url.starts_with('.')
}

/// `postgres//host/db`, `sqlite/data.db`: a
/// first path segment named after a database, or a doubled slash, which no SQLite path needs.
fn looks_like_a_mistyped_url(url: &str) -> bool {
    let first = url
        .split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let named_for_a_database =
        ["postgres", "postgresql", "pg", "sqlite", "sqlite3", "mysql"].contains(&first.as_str());
    // libpq's own form, `host=db dbname=minyi`: words with `=` are no file name.
    let libpq_keywords = url.contains('=') && url.contains(' ');
    (named_for_a_database && url.contains('/')) || url.contains("//") || libpq_keywords
}

/// Opens connections for the pool, with each backend's session settings applied.
#[derive(Clone, Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> ConnectionManager {
        ConnectionManager { url }
    }
}

/// SQLite: write-ahead log so readers never block the writer; FULL sync so an acknowledged
/// response survives a power cut; a busy timeout so concurrent writers wait instead of failing.
/// The busy timeout comes first so that even switching to WAL waits for a lock instead of failing.
/// `secure_delete` zeroes deleted and overwritten content, so purged free text, hashes and
/// secrets do not linger in free pages of the file (it costs nothing on the insert path).
/// The page cache is 4 MB: enough for the responses table's interior pages (a million responses
/// need about 1,000), while its leaves, written at random places (`storage::responses`), come
/// from the operating system's cache. A larger cache cost the writer more than it saved: SQLite
/// walks the cache's hash table at the end of every commit, and with 32 MB that walk was a
/// tenth of the writer's time under load (issue 8). Checkpoints are the server's checkpoint
/// thread's job (`Database::checkpoint`); a connection checkpoints by itself only if the log
/// passes 10,000 pages (40 MB), as a fallback.
const SQLITE_INIT: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; \
     PRAGMA cache_size = -4096; PRAGMA wal_autocheckpoint = 10000;";

/// libpq waits for ever on a server that accepts the connection and never answers (a frozen
/// database, a half-open network path): start-up hung, and so did `/healthz`. Unless the
/// address sets its own, connecting gives up after 10 s.
fn with_connect_timeout(url: &str) -> std::borrow::Cow<'_, str> {
    if url.contains("connect_timeout=") {
        url.into()
    } else {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}connect_timeout=10").into()
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_INIT)
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(&with_connect_timeout(url))
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                conn.batch_execute("SET TIME ZONE 'UTC'")
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Postgres(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    /// As diesel's own pool manager decides: a connection whose user panicked, or that is still
    /// inside a transaction, or whose transaction state is in error, is closed (which rolls the
    /// transaction back) instead of going back to the pool, where the next user would write
    /// into a transaction nobody commits, holding SQLite's write lock.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking()
            || match conn {
                DbConnection::Sqlite(conn) => conn.is_broken(),
                DbConnection::Postgres(conn) => conn.is_broken(),
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Why `storage::sqlite_write_lock` exists, and that it works: a transaction that reads
    /// first (as `delete_simulated` did, which failed once in a full test run) fails at once
    /// if another connection writes meanwhile.
    #[test]
    fn a_transaction_that_locks_for_writing_first_keeps_other_writers_out_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock.db").display().to_string();
        let manager = ConnectionManager::new(DatabaseUrl::Sqlite(path));
        let mut first = manager.connect().unwrap();
        let mut second = manager.connect().unwrap();
        first
            .batch_execute(
                "CREATE TABLE surveys (id TEXT, number INTEGER); CREATE TABLE t (x INTEGER);",
            )
            .unwrap();
        second.batch_execute("PRAGMA busy_timeout = 0").unwrap();

        // Deferred, as diesel begins: a read, another connection's write, then this write.
        let stale = first.transaction(|conn| {
            conn.batch_execute("SELECT count(*) FROM t")?;
            second.batch_execute("INSERT INTO t VALUES (1)")?;
            conn.batch_execute("INSERT INTO t VALUES (2)")
        });
        let refused =
            stale.expect_err("a read-then-write transaction fails if another wrote between");
        assert!(
            refused.to_string().contains("locked"),
            "refused as busy, not for another reason: {refused}"
        );

        let locked = first.transaction(|conn| {
            match conn {
                DbConnection::Sqlite(c) => crate::storage::sqlite_write_lock(c)?,
                DbConnection::Postgres(_) => unreachable!("a SQLite test"),
            }
            conn.batch_execute("SELECT count(*) FROM t")?;
            let kept_out = second.batch_execute("INSERT INTO t VALUES (3)").is_err();
            conn.batch_execute("INSERT INTO t VALUES (4)")?;
            Ok::<_, diesel::result::Error>(kept_out)
        });
        assert_eq!(
            locked,
            Ok(true),
            "locked from its start, it writes; the other waits"
        );
    }

    #[test]
    fn a_postgres_address_without_its_own_connect_timeout_gets_ten_seconds() {
        assert_eq!(
            with_connect_timeout("postgres://u@db/minyi"),
            "postgres://u@db/minyi?connect_timeout=10"
        );
        assert_eq!(
            with_connect_timeout("postgres://u@db/minyi?sslmode=disable"),
            "postgres://u@db/minyi?sslmode=disable&connect_timeout=10"
        );
        assert_eq!(
            with_connect_timeout("postgres://u@db/m?connect_timeout=3"),
            "postgres://u@db/m?connect_timeout=3"
        );
    }

    #[test]
    fn database_urls_select_their_backend() {
        let cases = [
            (
                "sqlite://data/minyi.db",
                Ok(DatabaseUrl::Sqlite("data/minyi.db".into())),
            ),
            (
                "sqlite:data/x.db",
                Ok(DatabaseUrl::Sqlite("data/x.db".into())),
            ),
            (
                "data/minyi.db",
                Ok(DatabaseUrl::Sqlite("data/minyi.db".into())),
            ),
            (
                "/var/lib/minyi.db",
                Ok(DatabaseUrl::Sqlite("/var/lib/minyi.db".into())),
            ),
            (
                "postgres://postgres@127.0.0.1/minyi",
                Ok(DatabaseUrl::Postgres(
                    "postgres://postgres@127.0.0.1/minyi".into(),
                )),
            ),
            (
                "postgresql://u@h/db",
                Ok(DatabaseUrl::Postgres("postgresql://u@h/db".into())),
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(DatabaseUrl::parse(url), expected, "DATABASE_URL {url}");
        }
    }

    #[test]
    fn a_url_missing_its_colon_is_refused_not_taken_for_a_file() {
        for url in [
            "postgres//localhost/x",
            "postgresql/u@h/db",
            "sqlite/data/minyi.db",
            "data//minyi.db",
            "host=db dbname=minyi user=minyi",
        ] {
            let err = DatabaseUrl::parse(url).expect_err(url);
            assert_eq!(err, DatabaseUrlError::MistypedUrl { url: url.into() });
            assert!(err.to_string().contains("postgres://USER@HOST/DB"), "{err}");
        }
        assert!(
            DatabaseUrl::parse("data/postgres.db").is_ok(),
            "a file may be named after one"
        );
    }

    #[test]
    fn a_database_only_in_memory_is_refused() {
        for url in [
            "sqlite://",
            "sqlite:",
            ":memory:",
            "sqlite://:memory:",
            "sqlite://  ",
            "sqlite://file::memory:",
            "sqlite:file::memory:?cache=shared",
            "sqlite://file:",
            "sqlite://file:?mode=rwc",
        ] {
            let err = DatabaseUrl::parse(url).expect_err(url);
            assert!(
                matches!(err, DatabaseUrlError::NoFile { .. }),
                "{url}: {err}"
            );
            assert!(err.to_string().contains("sqlite://data/minyi.db"), "{err}");
        }
    }

    #[test]
    fn an_sqlite_file_uri_is_refused_with_the_path_to_give_instead() {
        for url in [
            "sqlite://file:data/minyi.db",
            "sqlite:file:/var/lib/minyi.db?mode=rwc",
        ] {
            let err = DatabaseUrl::parse(url).expect_err(url);
            assert!(
                matches!(err, DatabaseUrlError::SqliteUri { .. }),
                "{url}: {err}"
            );
            assert!(err.to_string().contains("sqlite://data/minyi.db"), "{err}");
        }
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/file:x.db"),
            Ok(DatabaseUrl::Sqlite("data/file:x.db".into())),
            "only a path that starts as a URI is one"
        );
    }

    #[test]
    fn an_unknown_scheme_is_refused_with_a_message_naming_it() {
        for url in [
            "postgress://u@h/db",
            "mysql://root@localhost/minyi",
            "pg:minyi",
        ] {
            let err = DatabaseUrl::parse(url).expect_err(url);
            let message = err.to_string();
            assert!(message.contains(url), "{message} names the url");
            assert!(message.contains("sqlite://"), "{message} says what to use");
        }
        let err = DatabaseUrl::parse("postgress://minyi:S3cret@db/minyi").unwrap_err();
        assert!(
            !err.to_string().contains("S3cret"),
            "no password in the message: {err}"
        );
    }
}
