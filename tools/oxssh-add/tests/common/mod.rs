//! Test support: agents (OpenSSH's and ours) on sockets in temporary directories, keys made by the
//! installed ssh-keygen, askpass scripts, and programs run with a deadline.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The binary under test.
pub const OURS: &str = env!("CARGO_BIN_EXE_oxssh-add");

/// How long any one program may run.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Our agent, built next to the binary under test by `cargo build --workspace`; `None` (with a
/// loud skip, or a failure under CI=true) when it has not been built.
pub fn our_agent() -> Option<PathBuf> {
    oxssh_test::bins::sibling("oxssh-agent")
}

/// Runs `cmd` with `input` (or /dev/null) on standard input, with a deadline.
pub fn run_with_input(cmd: &mut Command, input: Option<&[u8]>) -> Output {
    oxssh_test::process::run(cmd, input, TIMEOUT)
}

/// Runs `cmd` with standard input from /dev/null.
pub fn run(cmd: &mut Command) -> Output {
    run_with_input(cmd, None)
}

pub use oxssh_test::process::{stderr, stdout};
pub use oxssh_test::set_mode;

/// A key made by ssh-keygen at `dir/name` (and `.pub`), mode 0600.
pub fn keygen(dir: &Path, name: &str, args: &[&str], passphrase: &str, comment: &str) -> PathBuf {
    let path = dir.join(name);
    let out = run(Command::new("ssh-keygen")
        .args(["-q", "-N", passphrase, "-C", comment])
        .args(args)
        .arg("-f")
        .arg(&path));
    assert!(out.status.success(), "ssh-keygen: {}", stderr(&out));
    path
}

/// An askpass script answering each prompt with the next of `answers` (then nothing), logging
/// `$SSH_ASKPASS_PROMPT:prompt` lines to `name.log`.
pub fn askpass(dir: &Path, name: &str, answers: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let answers_file = dir.join(format!("{name}.answers"));
    std::fs::write(
        &answers_file,
        answers.iter().map(|a| format!("{a}\n")).collect::<String>(),
    )
    .unwrap();
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nprintf '%s:%s\\n' \"$SSH_ASKPASS_PROMPT\" \"$1\" >> '{log}'\n\
             answer=$(head -n 1 '{a}')\nsed -i 1d '{a}'\nprintf '%s\\n' \"$answer\"\n",
            log = dir.join(format!("{name}.log")).display(),
            a = answers_file.display()
        ),
    )
    .unwrap();
    set_mode(&path, 0o755);
    path
}

/// What an askpass script was asked.
pub fn askpass_log(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default()
}

/// An agent in the foreground on `dir/agent.sock`, killed on drop.
pub struct Agent {
    child: Child,
    pub dir: tempfile::TempDir,
    pub socket: PathBuf,
}

impl Agent {
    /// Starts `program -D -a SOCKET` and waits for its first line (printed once it listens).
    pub fn start(program: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        let mut child = Command::new(program)
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("agent starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        if rx.recv_timeout(TIMEOUT).is_err() {
            let _ = child.kill();
            panic!("{} did not start", program.display());
        }
        assert!(socket.exists());
        Self { child, dir, socket }
    }

    /// OpenSSH's agent.
    pub fn openssh() -> Self {
        Self::start(Path::new("ssh-agent"))
    }

    /// `program` (an ssh-add) with SSH_AUTH_SOCK here and no display or askpass.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("SSH_AUTH_SOCK", &self.socket)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("SSH_ASKPASS")
            .env_remove("SSH_ASKPASS_REQUIRE")
            .env("LANG", "C");
        cmd
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
