//! `-f` (ForkAfterAuthentication): go to the background once authenticated and forwarding is set
//! up, leaving the user's shell free.
//!
//! OpenSSH forks at that moment. A process with a thread pool cannot fork safely (only the calling
//! thread survives in the child), so oxssh starts a copy of itself at the beginning instead: the
//! copy does all the work, with its stdin replaced by one end of a socket pair (`-f` implies `-n`,
//! so stdin is never read), and writes one byte on it when it is ready to run in the background.
//! The original then exits 0. If the copy exits first (a failed login), the original exits with
//! its status, after the copy has printed its messages on the shared stderr. The copy detaches
//! from the terminal's session with `setsid`, as `daemon(3)` would.

use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use crate::log;

/// Marks the copy (never set by users).
const CHILD_ENV: &str = "OXSSH_FORK_AFTER_AUTH_CHILD";

/// Whether this process is the copy that does the work.
pub fn is_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// Starts the copy and waits for it to be ready (exit 0) or to fail (its status).
pub fn run_parent(argv: &[std::ffi::OsString]) -> i32 {
    let Ok(exe) = std::env::current_exe() else {
        log::fatal("fork: cannot find the running program");
        return 255;
    };
    let Ok((ours, theirs)) = UnixStream::pair() else {
        log::fatal("fork: socketpair failed");
        return 255;
    };
    let mut cmd = Command::new(exe);
    if let Some(a0) = argv.first() {
        cmd.arg0(a0);
    }
    cmd.args(argv.iter().skip(1))
        .env(CHILD_ENV, "1")
        .stdin(Stdio::from(OwnedFd::from(theirs)));
    let spawned = cmd.spawn();
    // The command still holds the copy's end of the socket; it must go, or the copy's exit would
    // never show as end of file here.
    drop(cmd);
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            log::fatal(&format!("fork: {}", oxssh_tokio::connect::error_text(&e)));
            return 255;
        }
    };
    let mut ready = [0u8; 1];
    match (&ours).read(&mut ready) {
        Ok(1) => 0,
        _ => match child.wait() {
            Ok(s) => s.code().unwrap_or(255),
            Err(_) => 255,
        },
    }
}

/// In the copy: tells the original we are ready, and detaches from the terminal's session.
pub fn detach() {
    if let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() {
        let mut s = std::fs::File::from(fd);
        let _ = s.write_all(b"1");
    }
    let _ = rustix::process::setsid();
    log::debug("forking to background");
}
