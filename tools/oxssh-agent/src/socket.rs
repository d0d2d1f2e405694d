//! The listening socket: a private directory `$TMPDIR/ssh-XXXXXXXXXXXX` (mode 0700, as `mkdtemp`
//! makes it) holding `agent.<pid>` (mode 0600, bound under `umask 0177`), or the path given with
//! `-a`. Whoever can connect to the socket can use every key in the agent, so both the directory
//! and the socket keep everyone but the owner out; the agent also checks each peer's uid.

use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use crate::messages;

/// The longest socket path `sun_path` holds, without its terminating NUL.
const MAX_SOCKET_PATH: usize = 107;

/// How many random names to try before giving up on a private directory.
const MKDTEMP_ATTEMPTS: usize = 100;

/// The socket and what to remove when the agent exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketPaths {
    /// The socket.
    pub socket: PathBuf,
    /// The private directory the agent made, removed with the socket; `None` with `-a`.
    pub dir: Option<PathBuf>,
}

impl SocketPaths {
    /// Removes the socket and the private directory, as ssh-agent's `cleanup_socket` does.
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.socket);
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// `mktemp_proto`: the directory template, under `$TMPDIR` when set, else /tmp.
fn temp_root() -> PathBuf {
    std::env::var_os("TMPDIR")
        .filter(|t| !t.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"))
}

/// `mkdtemp("…/ssh-XXXXXXXXXXXX")`: a new directory with a random name, mode 0700.
fn make_private_dir(root: &Path) -> io::Result<PathBuf> {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut last = io::Error::from(io::ErrorKind::AlreadyExists);
    for _ in 0..MKDTEMP_ATTEMPTS {
        let mut random = [0u8; 12];
        aws_lc_rs::rand::fill(&mut random).map_err(|_| io::Error::other("random"))?;
        let name: String = random
            .iter()
            .map(|b| char::from(CHARS[usize::from(*b) % CHARS.len()]))
            .collect();
        let dir = root.join(format!("ssh-{name}"));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// Binds `path` with `umask 0177`, so the socket is created mode 0600 with no window in which
/// others could connect. Errors are misc.c `unix_listener`'s lines.
fn bind(path: &Path) -> Result<UnixListener, String> {
    let shown = path.display().to_string();
    if path.as_os_str().len() > MAX_SOCKET_PATH {
        return Err(messages::socket_path_too_long(&shown));
    }
    let old = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o177));
    let bound = UnixListener::bind(path);
    rustix::process::umask(old);
    // std binds and listens in one call; bind is what fails in practice (EADDRINUSE, ENOENT).
    bound.map_err(|e| messages::cannot_bind(&shown, &strerror(&e)))
}

/// Creates the socket: at `requested` (`-a`), or in a new private directory named for `pid` (the
/// process that prints the environment, as OpenSSH names it for the parent before forking).
/// Errors are the complete line OpenSSH prints.
pub fn create(requested: Option<&str>, pid: u32) -> Result<(UnixListener, SocketPaths), String> {
    let paths = match requested {
        Some(path) => SocketPaths {
            socket: PathBuf::from(path),
            dir: None,
        },
        None => {
            let dir = make_private_dir(&temp_root())
                .map_err(|e| messages::mkdtemp_failed(&strerror(&e)))?;
            SocketPaths {
                socket: dir.join(format!("agent.{pid}")),
                dir: Some(dir),
            }
        }
    };
    match bind(&paths.socket) {
        Ok(listener) => Ok((listener, paths)),
        Err(line) => {
            // The socket was not ours; only the directory we made is removed.
            if let Some(dir) = &paths.dir {
                let _ = std::fs::remove_dir(dir);
            }
            Err(line)
        }
    }
}

/// strerror(3) text of an I/O error, without Rust's " (os error N)".
pub fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};

    #[test]
    fn a_fresh_socket_is_private() {
        let (listener, paths) = create(None, 4242).unwrap();
        let dir = paths.dir.clone().unwrap();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("ssh-") && name.len() == 16, "{name}");
        assert_eq!(paths.socket.file_name().unwrap(), "agent.4242");
        let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        let meta = std::fs::metadata(&paths.socket).unwrap();
        assert!(meta.file_type().is_socket());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        drop(listener);
        paths.remove();
        assert!(!dir.exists());
    }

    #[test]
    fn bind_errors_read_like_unix_listener() {
        let dir = tempfile::tempdir().unwrap();
        let taken = dir.path().join("taken");
        std::fs::write(&taken, "").unwrap();
        let e = create(Some(taken.to_str().unwrap()), 1).unwrap_err();
        assert_eq!(
            e,
            format!(
                "unix_listener: cannot bind to path {}: Address already in use",
                taken.display()
            )
        );
        let long = "x".repeat(120);
        assert!(create(Some(&long), 1).unwrap_err().contains("too long"));
    }
}
