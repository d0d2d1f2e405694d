//! StrictModes checks on users' files (OpenSSH's misc.c `safe_path` / `safe_path_fd`, formerly
//! auth.c `auth_secure_path`), plus the daemon's process chores: pid file, daemonising, host
//! name.

use std::fs::{File, Metadata, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::{Error, Result, Uid};

/// Why a StrictModes check refused a path. `Display` gives OpenSSH's words, which end up in the
/// daemon's log ("Authentication refused: bad ownership or modes for directory /home/u/.ssh").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrictModesError {
    /// The path could not be resolved.
    #[error("realpath {} failed: {reason}", path.display())]
    Realpath {
        /// The path as given.
        path: PathBuf,
        /// strerror text.
        reason: String,
    },
    /// The file is not a regular file.
    #[error("{} is not a regular file", .0.display())]
    NotRegularFile(PathBuf),
    /// The file is owned by someone other than root or the user, or is group- or
    /// world-writable.
    #[error("bad ownership or modes for file {}", .0.display())]
    BadFile(PathBuf),
    /// A directory on the way up is owned by someone other than root or the user, is group- or
    /// world-writable, or cannot be examined.
    #[error("bad ownership or modes for directory {}", .0.display())]
    BadDirectory(PathBuf),
}

/// Owned by root (OpenSSH's `platform_sys_dir_uid`) or by the user, and writable by nobody else.
fn acceptable(meta: &Metadata, uid: Uid) -> bool {
    (meta.uid() == 0 || meta.uid() == uid.as_raw()) && meta.mode() & 0o022 == 0
}

fn realpath(path: &Path) -> std::result::Result<PathBuf, StrictModesError> {
    std::fs::canonicalize(path).map_err(|e| StrictModesError::Realpath {
        path: path.to_owned(),
        reason: strerror(&e),
    })
}

/// strerror's text, without Rust's " (os error N)" suffix, to match OpenSSH's messages.
pub(crate) fn strerror(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_owned(),
        None => e.to_string(),
    }
}

/// Checks the file at `path` and every directory above it, up to and including `home` when the
/// file lies inside it, otherwise up to `/`: each must be owned by root or `uid` and not be
/// group- or world-writable, and the file must be a regular file. Symbolic links are resolved
/// first, so the checks apply to what is actually read.
///
/// Prefer [`check_secure_file`] on an already opened file, so that what is checked is what is
/// read.
pub fn check_secure_path(
    path: &Path,
    home: Option<&Path>,
    uid: Uid,
) -> Result<(), StrictModesError> {
    let real = realpath(path)?;
    let meta = std::fs::metadata(&real).map_err(|_| StrictModesError::BadFile(real.clone()))?;
    safe_path(real, &meta, home, uid)
}

/// Like [`check_secure_path`], but the file's own checks use `fstat` on `file` (OpenSSH's
/// `safe_path_fd`), so a file swapped after opening cannot pass in place of the one read.
pub fn check_secure_file(
    file: &File,
    path: &Path,
    home: Option<&Path>,
    uid: Uid,
) -> Result<(), StrictModesError> {
    let real = realpath(path)?;
    let meta = file
        .metadata()
        .map_err(|_| StrictModesError::BadFile(real.clone()))?;
    safe_path(real, &meta, home, uid)
}

fn safe_path(
    real: PathBuf,
    meta: &Metadata,
    home: Option<&Path>,
    uid: Uid,
) -> Result<(), StrictModesError> {
    // A home that cannot be resolved just means walking up to /, as in OpenSSH.
    let home = home.and_then(|h| std::fs::canonicalize(h).ok());
    if !meta.file_type().is_file() {
        return Err(StrictModesError::NotRegularFile(real));
    }
    if !acceptable(meta, uid) {
        return Err(StrictModesError::BadFile(real));
    }
    for dir in real.ancestors().skip(1) {
        match std::fs::metadata(dir) {
            Ok(m) if acceptable(&m, uid) => {}
            _ => return Err(StrictModesError::BadDirectory(dir.to_owned())),
        }
        if home.as_deref() == Some(dir) {
            break;
        }
    }
    Ok(())
}

/// Checks a directory and every directory above it up to `/` with the same rules; for the home
/// directory itself, or a directory a user-supplied path points into.
pub fn check_secure_dir(dir: &Path, uid: Uid) -> Result<(), StrictModesError> {
    let real = realpath(dir)?;
    for d in real.ancestors() {
        match std::fs::metadata(d) {
            Ok(m) if m.is_dir() && acceptable(&m, uid) => {}
            _ => return Err(StrictModesError::BadDirectory(d.to_owned())),
        }
    }
    Ok(())
}

/// Writes this process's pid and a newline to `path` (mode 0644, truncating), as sshd does for
/// `PidFile`. Call it after [`daemonize`], which changes the pid.
pub fn write_pid_file(path: &Path) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .open(path)
        .map_err(|e| Error::os("open pid file", e))?;
    writeln!(f, "{}", std::process::id()).map_err(|e| Error::os("write pid file", e))
}

/// Detaches from the terminal as sshd does without `-D` (`daemon(0, 0)`): forks, the parent
/// exits at once with status 0, the child starts a new session, changes to `/` and points
/// stdin, stdout and stderr at /dev/null.
///
/// **Call it before any thread is started** — before the tokio runtime is built, and before
/// anything else spawns threads. `fork` copies only the calling thread; other threads vanish
/// from the child, possibly holding locks (the allocator's among them) that then never unlock.
pub fn daemonize() -> Result<()> {
    nix::unistd::daemon(false, false).map_err(|e| Error::os("daemon", e))
}

/// The host name (`gethostname`), for `%L`/`%l` tokens and log lines. Invalid UTF-8 is
/// replaced.
pub fn hostname() -> Result<String> {
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .map_err(|e| Error::os("gethostname", e))
}

#[cfg(test)]
mod tests;
