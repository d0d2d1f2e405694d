//! Test support for oxsshd: start the built daemon on a free loopback port with its own host key
//! and configuration in a temporary directory, create a throw-away system user (root only), make
//! client keys, and run clients with a timeout on everything.
#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use oxssh_test::peers::{free_port, require};

/// How long any client command may take before the test fails.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);

pub use oxssh_test::users::{TestUser, is_root};

/// Prints a loud skip for a test that needs root.
pub fn skip_unless_root(test: &str) -> bool {
    if is_root() {
        return false;
    }
    eprintln!("SKIPPED: {test} needs root (it creates a system user)");
    true
}

fn keygen(path: &Path, kind: &str) {
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-N", "", "-t", kind]);
    if kind == "rsa" {
        cmd.args(["-b", "3072"]);
    }
    let out = cmd
        .arg("-f")
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .expect("ssh-keygen runs");
    assert!(out.status.success(), "ssh-keygen failed: {out:?}");
}

/// A client key pair in a temporary directory.
pub struct ClientKey {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub public_line: String,
}

impl ClientKey {
    pub fn new(kind: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("id_{kind}"));
        keygen(&path, kind);
        let public_line = std::fs::read_to_string(path.with_extension("pub"))
            .unwrap()
            .trim()
            .to_owned();
        Self {
            dir,
            path,
            public_line,
        }
    }
}

/// A system user that exists for one test (root only): `oxssh-test-<random>` with a bash login
/// shell, a home directory and a random password, removed on drop.
pub fn test_user() -> TestUser {
    assert!(is_root(), "creating a test user needs root");
    TestUser::with_prefix("oxssh-test-")
        .create()
        .expect("useradd")
}

/// A running oxsshd.
pub struct Server {
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    child: Option<Child>,
    log: PathBuf,
}

/// The base configuration every test server gets before its own lines.
pub fn base_config(port: u16, dir: &Path) -> String {
    format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {}/host_ed25519\nPidFile none\nLogLevel VERBOSE\n",
        dir.display()
    )
}

impl Server {
    /// Starts oxsshd with `extra` configuration lines after the base ones.
    pub fn start(extra: &str) -> Self {
        Self::start_with(extra, &[])
    }

    /// As [`Server::start`], with more command-line flags.
    pub fn start_with(extra: &str, flags: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        keygen(&dir.path().join("host_ed25519"), "ed25519");
        let port = free_port();
        let config = dir.path().join("sshd_config");
        std::fs::write(&config, base_config(port, dir.path()) + extra).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oxsshd"));
        cmd.args(["-D", "-e", "-f"]).arg(&config).args(flags);
        Self::spawn(cmd, dir, config, port)
    }

    /// Runs a prepared command (which must log to stderr) and waits for it to listen.
    pub fn spawn(mut cmd: Command, dir: tempfile::TempDir, config: PathBuf, port: u16) -> Self {
        let log = dir.path().join("oxsshd.log");
        let log_file = std::fs::File::create(&log).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("oxsshd starts");
        let mut server = Self {
            port,
            dir,
            config,
            child: Some(child),
            log,
        };
        server.wait_listening();
        server
    }

    fn wait_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.log().contains("Server listening on") {
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("oxsshd exited with {status}: {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("oxsshd did not listen within 20 s: {}", self.log());
    }

    /// What the daemon logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (bounded) until the log contains `needle`.
    pub fn wait_log(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// The daemon's pid.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Sends a signal to the daemon.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (bounded) for the daemon to exit and returns its status.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        let child = self.child.as_mut().unwrap();
        while Instant::now() < deadline {
            if let Some(s) = child.try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    /// Common OpenSSH client options for this server.
    pub fn ssh_options(&self) -> Vec<String> {
        ssh_options(self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// OpenSSH client options: no host key prompts, no stray configuration, errors only.
pub fn ssh_options(port: u16) -> Vec<String> {
    [
        "-F",
        "/dev/null",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "ConnectTimeout=20",
        "-p",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([port.to_string()])
    .collect()
}

/// An OpenSSH client command logging in with `key` only.
pub fn ssh_with_key(port: u16, key: &Path, user: &str) -> Command {
    let mut cmd = Command::new("ssh");
    cmd.args(ssh_options(port))
        .args(["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i"])
        .arg(key)
        .arg(format!("{user}@127.0.0.1"));
    cmd
}

/// An OpenSSH client command logging in with a password through sshpass, by `method`
/// (`password` or `keyboard-interactive`).
pub fn ssh_with_password(port: u16, user: &str, password: &str, method: &str) -> Command {
    let mut cmd = Command::new("sshpass");
    cmd.args(["-p", password, "ssh"])
        .args(ssh_options(port))
        .args([
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            &format!("PreferredAuthentications={method}"),
            "-o",
            "NumberOfPasswordPrompts=1",
        ])
        .arg(format!("{user}@127.0.0.1"));
    cmd
}

/// Runs `cmd` with `input` on stdin, collecting stdout and stderr; kills it after `timeout`.
pub fn run(cmd: &mut Command, input: &[u8], timeout: Duration) -> Output {
    oxssh_test::process::run(cmd, Some(input), timeout)
}

/// Runs `cmd` with no input and the default timeout.
pub fn run_quick(cmd: &mut Command) -> Output {
    run(cmd, b"", CLIENT_TIMEOUT)
}

/// Asserts a client run's exit code and stdout, showing stderr and the server log on failure.
pub fn assert_output(out: &Output, code: i32, stdout: &str, server: &Server) {
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).as_ref()
        ),
        (Some(code), stdout),
        "stderr: {}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.log()
    );
}

/// A server for the user running the tests (root or not), who logs in with a fresh key listed in
/// an AuthorizedKeysFile of the test's own.
pub struct KeyedServer {
    pub server: Server,
    pub key: ClientKey,
    pub user: String,
}

impl KeyedServer {
    /// Starts oxsshd with `extra` lines after the key settings.
    pub fn start(extra: &str) -> Self {
        Self::start_with(extra, &[])
    }

    /// As [`KeyedServer::start`], with the authorized_keys line's options and more flags.
    pub fn start_with(extra: &str, flags: &[&str]) -> Self {
        let key = ClientKey::new("ed25519");
        let keys = key.dir.path().join("authorized_keys");
        std::fs::write(&keys, format!("{}\n", key.public_line)).unwrap();
        let user = oxssh_sys::user::current_user().unwrap().unwrap().name;
        // The key file is under /tmp, which StrictModes would refuse.
        let server = Server::start_with(
            &format!(
                "UsePAM no\nPasswordAuthentication no\nStrictModes no\nAuthorizedKeysFile {}\n{extra}",
                keys.display()
            ),
            flags,
        );
        Self { server, key, user }
    }

    /// An ssh command logging in with the key.
    pub fn ssh(&self) -> Command {
        ssh_with_key(self.server.port, &self.key.path, &self.user)
    }

    /// Asserts that a login runs a command.
    pub fn login_works(&self) {
        let out = run_quick(self.ssh().arg("echo alive"));
        assert_output(&out, 0, "alive\n", &self.server);
    }
}
