//! Files Minyi creates that hold what residents gave (the SQLite database, its backups, the
//! mail outbox with addresses and live invitation links): readable by the account that runs
//! Minyi only, whatever the umask.

use std::path::Path;

/// Makes `path` readable and writable by its owner only: 0600, or 0700 for a directory.
/// Elsewhere than on Unix there is nothing to do.
pub fn owner_only(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if path.is_dir() { 0o700 } else { 0o600 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Opens `path` for writing, made readable and writable by its owner only from the moment it
/// exists (not after, as `owner_only` does: a file of residents' words written under a cron
/// job's umask 022 could be read by others meanwhile). With `new`, a file already there is an
/// error (`AlreadyExists`); without, it is emptied and made its owner's only.
pub fn create_private(path: &Path, new: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if new {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    if !new {
        owner_only(path)?;
    }
    Ok(file)
}

/// `owner_only`, with a failure logged rather than returned: the file is made and usable, and a
/// file system that keeps no Unix permissions should not stop Minyi.
pub fn keep_private(path: &Path) {
    if let Err(e) = owner_only(path) {
        tracing::warn!(path = %path.display(), error = %e, "could not make the file its owner's only");
    }
}
