//! Test support: start the built agent (or OpenSSH's) on a socket in a temporary directory, make
//! keys with the installed ssh-keygen, and run programs with a deadline.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

/// The binary under test.
pub const OURS: &str = env!("CARGO_BIN_EXE_oxssh-agent");

/// How long any one program may run.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `cmd` to completion with stdin from /dev/null and a deadline.
pub fn run(cmd: &mut Command) -> Output {
    run_with_input(cmd, None)
}

/// Runs `cmd` with `input` on its standard input.
pub fn run_with_input(cmd: &mut Command, input: Option<&[u8]>) -> Output {
    oxssh_test::process::run(cmd, input, TIMEOUT)
}

pub use oxssh_test::process::{stderr, stdout, wait_until};

/// Whether a process exists (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// A background agent (by pid) that is killed when the test ends, however it ends, if it is still
/// an oxssh-agent by then.
pub struct Reap(pub u32);

impl Drop for Reap {
    fn drop(&mut self) {
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", self.0)).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains("oxssh-agent") {
            let _ = Command::new("kill")
                .args(["-KILL", &self.0.to_string()])
                .status();
        }
    }
}

/// A key made by ssh-keygen: `dir/name` and `dir/name.pub`.
pub fn keygen(dir: &Path, name: &str, key_type: &str, passphrase: &str, comment: &str) -> PathBuf {
    let path = dir.join(name);
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-t", key_type, "-N", passphrase, "-C", comment, "-f"])
        .arg(&path);
    if key_type == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    let out = run(&mut cmd);
    assert!(out.status.success(), "ssh-keygen: {}", stderr(&out));
    path
}

/// An askpass script in `dir` that answers `answer` (and exits with `status`).
pub fn askpass(dir: &Path, name: &str, answer: &str, status: i32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("#!/bin/sh\necho \"$SSH_ASKPASS_PROMPT:$1\" >> {0}.log\nprintf '%s\\n' '{answer}'\nexit {status}\n", path.display()),
    )
    .unwrap();
    oxssh_test::set_mode(&path, 0o755);
    path
}

/// An agent running in the foreground (`-D`) on `dir/agent.sock`, killed on drop.
pub struct Agent {
    pub child: Child,
    pub dir: tempfile::TempDir,
    pub socket: PathBuf,
    pub first_lines: String,
    stdout: Option<BufReader<ChildStdout>>,
}

impl Agent {
    /// Starts `program -D -a SOCKET extra…`, returning once it printed its environment lines.
    pub fn start_program(program: &str, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        let mut cmd = Command::new(program);
        cmd.arg("-D")
            .arg("-a")
            .arg(&socket)
            .args(extra)
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("DISPLAY")
            .env_remove("SSH_ASKPASS")
            .env_remove("SSH_ASKPASS_REQUIRE")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("agent starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first_lines = String::new();
        // Two lines: SSH_AUTH_SOCK=…; export …; and echo Agent pid N; — printed once the socket
        // exists. A reader thread keeps the deadline.
        let (tx, rx) = std::sync::mpsc::channel();
        let handle = std::thread::spawn(move || {
            let mut text = String::new();
            for _ in 0..2 {
                if stdout.read_line(&mut text).unwrap_or(0) == 0 {
                    break;
                }
            }
            let _ = tx.send(text);
            stdout
        });
        match rx.recv_timeout(TIMEOUT) {
            Ok(text) => first_lines.push_str(&text),
            Err(_) => {
                let _ = child.kill();
                panic!("{program} printed nothing within {TIMEOUT:?}");
            }
        }
        let stdout = handle.join().ok();
        assert!(socket.exists(), "{program} made no socket: {first_lines}");
        Self {
            child,
            dir,
            socket,
            first_lines,
            stdout,
        }
    }

    /// Our agent.
    pub fn start(extra: &[&str]) -> Self {
        Self::start_program(OURS, extra, &[])
    }

    /// OpenSSH's ssh-agent, for side-by-side comparisons.
    pub fn openssh(extra: &[&str]) -> Self {
        Self::start_program("ssh-agent", extra, &[])
    }

    /// A command with `SSH_AUTH_SOCK` pointing here and no askpass or display.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("SSH_AUTH_SOCK", &self.socket)
            .env_remove("DISPLAY")
            .env_remove("SSH_ASKPASS")
            .env_remove("SSH_ASKPASS_REQUIRE")
            .env("LANG", "C");
        cmd
    }

    /// OpenSSH's ssh-add against this agent.
    pub fn ssh_add(&self, args: &[&str]) -> Output {
        run(self.command("ssh-add").args(args))
    }

    /// OpenSSH's ssh-add with a scripted askpass answering `answer`.
    pub fn ssh_add_askpass(&self, args: &[&str], askpass: &Path) -> Output {
        run(self
            .command("ssh-add")
            .args(args)
            .env("SSH_ASKPASS", askpass)
            .env("SSH_ASKPASS_REQUIRE", "force"))
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
