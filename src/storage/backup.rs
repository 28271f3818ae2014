//! Online backups of the embedded database. PostgreSQL has its own tool (`pg_dump`, see
//! docs/deployment.md), so only SQLite is handled here.

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::{Database, DbConnection, StorageError};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists; choose a new file name (a backup never overwrites)")]
    Exists(String),
    #[error(
        "this is a PostgreSQL database: back it up with pg_dump \
         (for example `pg_dump --format=custom --file=minyi.dump \"$DATABASE_URL\"`)"
    )]
    Postgres,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Writes a consistent copy of the SQLite database to `out` while it keeps serving
/// (`VACUUM INTO` reads one snapshot; writers are not blocked in WAL mode).
pub fn backup_sqlite(db: &Database, out: &std::path::Path) -> Result<(), BackupError> {
    let target = out.display().to_string();
    if out.exists() {
        return Err(BackupError::Exists(target));
    }
    let mut conn = db.conn()?;
    match &mut *conn {
        DbConnection::Sqlite(c) => {
            diesel::sql_query("VACUUM INTO ?")
                .bind::<Text, _>(&target)
                .execute(c)
                .map_err(StorageError::from)?;
            Ok(())
        }
        DbConnection::Postgres(_) => Err(BackupError::Postgres),
    }
}
