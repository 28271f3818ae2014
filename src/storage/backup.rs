//! Online backups of the embedded database. PostgreSQL has its own tool (`pg_dump`, see
//! docs/deployment.md), so only SQLite is handled here.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::SqliteConnection;

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
    #[error(
        "this is a PostgreSQL database: restore a pg_dump file with pg_restore. Stop every \
         node, restore into a new, empty database and point DATABASE_URL at it (for example \
         `createdb --owner=minyi minyi_restored` and `pg_restore \
         --dbname=postgres://…/minyi_restored --no-owner --no-privileges --role=minyi \
         minyi.dump`, with the application's role for minyi; docs/deployment.md, \"Backing up \
         PostgreSQL\")"
    )]
    RestorePostgres,
    #[error("{file} is not a backup to restore from: {why}")]
    NotABackup { file: String, why: String },
    #[error(
        "{0} is open in another process (a running `minyi serve`, or another command): stop it \
         first, then restore"
    )]
    InUse(String),
    #[error("cannot write the backup {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot restore into {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What `restore_sqlite` did.
#[derive(Debug, PartialEq, Eq)]
pub struct Restored {
    /// Where the database it replaced was moved, if there was one.
    pub replaced_kept_as: Option<String>,
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
            // SQLite says only "unable to open database" when the folder is missing or not
            // writable: the folder is checked first, to say which.
            let folder = out
                .parent()
                .filter(|f| !f.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            if !folder.is_dir() {
                return Err(BackupError::Write {
                    path: target,
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!("there is no folder {}; make it first", folder.display()),
                    ),
                });
            }
            // Made empty and its owner's only first (VACUUM INTO fills an empty file), so that
            // the copy is never readable by others, whatever the umask of the job taking it.
            let cannot_write = |e: &dyn std::fmt::Display| BackupError::Write {
                path: target.clone(),
                source: std::io::Error::other(format!(
                    "{e} (check that this user may write in {})",
                    folder.display()
                )),
            };
            match crate::files::create_private(out, true) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(BackupError::Exists(target))
                }
                Err(e) => return Err(cannot_write(&e)),
            }
            if let Err(e) = diesel::sql_query("VACUUM INTO ?")
                .bind::<Text, _>(&target)
                .execute(c)
            {
                let _ = std::fs::remove_file(out);
                return Err(cannot_write(&e));
            }
            Ok(())
        }
        DbConnection::Postgres(_) => Err(BackupError::Postgres),
    }
}

/// Puts a backup in place of the SQLite database at `path`, which no other process may have
/// open. The backup is checked first (a SQLite file that passes `integrity_check` and holds a
/// Minyi schema, and not the database itself) and copied beside `path` before the database is
/// touched. The database it replaces is not deleted but moved to `PATH.before-restore-STAMP`
/// (`-2`, `-3`… after it if that name is taken: a kept database is never written over), its
/// write-ahead log folded into it first, so nothing of it is lost and no stale `-wal` file is
/// left to be read with the restored one. A database SQLite cannot read (a damaged disk, the
/// reason to restore) is moved aside as it is, with its log and shared-memory files, as is a
/// log left where the database was already gone. The copy is then renamed over `path`, so a
/// crash leaves the old or the new file, never half of one; an error after the database was
/// moved says where it and the copy are. Migrations run when the restored database is next
/// opened.
pub fn restore_sqlite(
    path: &str,
    backup: &std::path::Path,
    stamp: &str,
) -> Result<Restored, BackupError> {
    check_backup(backup)?;
    let live = std::path::Path::new(path);
    let io = |source| BackupError::Io {
        path: path.to_owned(),
        source,
    };
    if live.exists() && same_file(live, backup) {
        return Err(BackupError::NotABackup {
            file: backup.display().to_string(),
            why: format!("it is the database at {path} itself (DATABASE_URL)"),
        });
    }
    if let Some(folder) = live.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(io)?;
    }
    // A fresh name: a copy left by a restore that failed is never the one written over, nor
    // (given as the backup) copied onto itself.
    let partial = unused_name(&format!("{path}.restoring"));
    let staged = std::fs::copy(backup, &partial)
        .and_then(|_| std::fs::File::open(&partial))
        .and_then(|f| f.sync_all());
    if let Err(e) = staged {
        let _ = std::fs::remove_file(&partial);
        return Err(io(e));
    }
    // Kept whole when SQLite cannot open it (its log may hold what the file lacks); refused
    // only when another process has it open.
    let readable = match live.exists().then(|| fold_log_alone(path)) {
        Some(Ok(())) => true,
        Some(Err(BackupError::InUse(_))) => {
            let _ = std::fs::remove_file(&partial);
            return Err(BackupError::InUse(path.to_owned()));
        }
        Some(Err(_)) | None => false,
    };
    let kept = unused_name(&format!("{path}.before-restore-{stamp}"));
    let mut replaced_kept_as = None;
    if live.exists() {
        if let Err(e) = std::fs::rename(live, &kept) {
            let _ = std::fs::remove_file(&partial);
            return Err(io(e));
        }
        replaced_kept_as = Some(kept.clone());
    }
    // From here the database's path is empty: an error says where everything is.
    let unfinished = |e: std::io::Error| {
        io(std::io::Error::other(format!(
            "{e}. The restore did not finish: the database it was replacing (if any) is kept \
             as {kept}, and the backup's copy is {partial}; move that to {path} to finish"
        )))
    };
    // The log and shared memory beside the database: folded into it (deleted), or else kept
    // beside the kept file, also when the database itself was already gone (a log left there
    // would be read with the restored file as a corrupt one).
    for suffix in ["-wal", "-shm"] {
        let leftover = format!("{path}{suffix}");
        let moved = if readable {
            std::fs::remove_file(&leftover)
        } else {
            std::fs::rename(&leftover, format!("{kept}{suffix}"))
        };
        match moved {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(unfinished(e)),
            _ => {}
        }
    }
    std::fs::rename(&partial, live).map_err(unfinished)?;
    Ok(Restored { replaced_kept_as })
}

/// Whether two paths name one file (their canonical paths are the same).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `name`, or `name-2`, `name-3`… the first that names no file yet, nor a log or
/// shared-memory file (`-wal`, `-shm`), which a database kept there would take with it.
fn unused_name(name: &str) -> String {
    let taken = |candidate: &str| {
        ["", "-wal", "-shm"]
            .iter()
            .any(|suffix| std::path::Path::new(&format!("{candidate}{suffix}")).exists())
    };
    let mut candidate = name.to_owned();
    let mut n = 1;
    while taken(&candidate) {
        n += 1;
        candidate = format!("{name}-{n}");
    }
    candidate
}

/// Opens the backup read-only and checks that it is a sound Minyi database.
fn check_backup(backup: &std::path::Path) -> Result<(), BackupError> {
    let file = backup.display().to_string();
    let refuse = |why: String| BackupError::NotABackup {
        file: file.clone(),
        why,
    };
    if !backup.exists() {
        return Err(refuse("there is no such file".to_owned()));
    }
    if !backup.is_file() {
        return Err(refuse("it is a folder, not a backup file".to_owned()));
    }
    // A URI: '%', '?' and '#' in the file's name would be read as its syntax.
    let uri_path = file
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23");
    let mut conn = SqliteConnection::establish(&format!("file:{uri_path}?mode=ro"))
        .map_err(|e| refuse(e.to_string()))?;
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .map_err(|e| refuse(format!("not a SQLite database ({e})")))?;
    if checks.iter().map(|c| c.integrity_check.as_str()).ne(["ok"]) {
        return Err(refuse("SQLite's integrity check failed on it".to_owned()));
    }
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let tables: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM sqlite_master \
         WHERE type = 'table' AND name IN ('surveys', '__diesel_schema_migrations')",
    )
    .get_result(&mut conn)
    .map_err(StorageError::from)?;
    if tables.n != 2 {
        return Err(refuse(
            "it is a SQLite file, but not a Minyi database".to_owned(),
        ));
    }
    Ok(())
}

/// Takes the database for this connection alone (refused at once when another process has it
/// open: a WAL database shared with another connection cannot be locked exclusively), then
/// closes it, which folds the write-ahead log into the file and deletes the log.
fn fold_log_alone(path: &str) -> Result<(), BackupError> {
    let mut conn = SqliteConnection::establish(path).map_err(|e| BackupError::Io {
        path: path.to_owned(),
        source: std::io::Error::other(e.to_string()),
    })?;
    conn.batch_execute(
        "PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; \
         SELECT count(*) FROM sqlite_master; COMMIT; PRAGMA wal_checkpoint(TRUNCATE);",
    )
    .map_err(|e| {
        let said = e.to_string();
        if said.contains("locked") || said.contains("busy") {
            BackupError::InUse(path.to_owned())
        } else {
            BackupError::Io {
                path: path.to_owned(),
                source: std::io::Error::other(said),
            }
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_name_is_never_one_whose_log_is_there_already() {
        let dir = tempfile::tempdir().unwrap();
        let name = dir
            .path()
            .join("minyi.db.before-restore-1")
            .display()
            .to_string();
        assert_eq!(unused_name(&name), name, "free");

        std::fs::write(format!("{name}-wal"), b"a log kept by an earlier restore").unwrap();
        assert_eq!(unused_name(&name), format!("{name}-2"), "its log is there");

        std::fs::write(format!("{name}-2-shm"), b"").unwrap();
        std::fs::write(format!("{name}-3"), b"").unwrap();
        assert_eq!(unused_name(&name), format!("{name}-4"));
    }
}
