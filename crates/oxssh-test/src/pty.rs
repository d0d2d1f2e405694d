//! Programs in a real terminal (a pty driven by rexpect), with everything they printed kept in
//! order, so a test can compare our tool's transcript with OpenSSH's for the same script; and
//! nss_wrapper, which gives the running uid a private passwd entry (OpenSSH takes the home
//! directory from the password database, not from `$HOME`).

use std::path::{Path, PathBuf};
use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};

/// A program in a pty and the transcript of what it printed so far.
pub struct Terminal {
    session: PtySession,
    transcript: String,
}

impl Terminal {
    /// Starts `cmd` in a new pty; every later expectation may wait `timeout_ms`.
    pub fn spawn(cmd: Command, timeout_ms: u64) -> Self {
        let session = spawn_command(cmd, Some(timeout_ms)).expect("spawn in a pty");
        Self {
            session,
            transcript: String::new(),
        }
    }

    /// Waits for `text` and records it with what came before.
    pub fn expect(&mut self, text: &str) {
        let before = self
            .session
            .exp_string(text)
            .unwrap_or_else(|e| panic!("waiting for {text:?}: {e}\nso far: {:?}", self.transcript));
        self.transcript.push_str(&before);
        self.transcript.push_str(text);
    }

    /// Types `line` and Enter.
    pub fn send_line(&mut self, line: &str) {
        self.session.send_line(line).expect("send");
    }

    /// Reads to the end; the whole transcript and the exit status (`None` if killed by a signal).
    pub fn finish(mut self) -> (String, Option<i32>) {
        let rest = self.session.exp_eof().expect("end of output");
        self.transcript.push_str(&rest);
        let status = match self.session.process().wait() {
            Ok(WaitStatus::Exited(_, code)) => Some(code),
            _ => None,
        };
        (self.transcript, status)
    }
}

/// Where nss_wrapper (Debian package `libnss-wrapper`) lives, if installed; without it a loud skip,
/// or a failure under `CI=true`.
pub fn nss_wrapper() -> Option<PathBuf> {
    let found = [
        "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so",
        "/usr/lib/aarch64-linux-gnu/libnss_wrapper.so",
        "/usr/lib64/libnss_wrapper.so",
        "/usr/lib/libnss_wrapper.so",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "libnss-wrapper is required under CI"
        );
        eprintln!("SKIPPED: libnss_wrapper.so not installed (apt-get install libnss-wrapper)");
    }
    found
}

/// The environment that gives the running uid the passwd entry `u` with home `home` and shell
/// /bin/sh, through nss_wrapper at `wrapper`; the passwd and group files are written to `dir`.
pub fn passwd_home(dir: &Path, home: &Path, wrapper: &Path) -> Vec<(&'static str, String)> {
    let uid = rustix::process::getuid().as_raw();
    let gid = rustix::process::getgid().as_raw();
    std::fs::write(
        dir.join("passwd"),
        format!("u:x:{uid}:{gid}:U:{}:/bin/sh\n", home.display()),
    )
    .expect("passwd file");
    std::fs::write(dir.join("group"), format!("u:x:{gid}:\n")).expect("group file");
    vec![
        ("LD_PRELOAD", wrapper.display().to_string()),
        (
            "NSS_WRAPPER_PASSWD",
            dir.join("passwd").display().to_string(),
        ),
        ("NSS_WRAPPER_GROUP", dir.join("group").display().to_string()),
    ]
}
