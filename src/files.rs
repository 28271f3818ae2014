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

/// `owner_only`, with a failure logged rather than returned: the file is made and usable, and a
/// file system that keeps no Unix permissions should not stop Minyi.
pub fn keep_private(path: &Path) {
    if let Err(e) = owner_only(path) {
        tracing::warn!(path = %path.display(), error = %e, "could not make the file its owner's only");
    }
}
