//! Test support: a private HOME for the client, keys made by the installed ssh-keygen, and running
//! the built binary with a deadline.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_oxssh")
}

/// A temporary home directory with `.ssh`, and the remote account the client logs in as.
pub struct Home {
    pub dir: tempfile::TempDir,
    /// The remote user: a throw-away account with /bin/sh when one could be made (so no
    /// dotfile of the machine's root can add noise to a session), else root.
    pub user: String,
    _account: Option<TestUser>,
}

impl Home {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".ssh")).unwrap();
        set_mode(&dir.path().join(".ssh"), 0o700);
        Self {
            dir,
            user: "root".to_owned(),
            _account: None,
        }
    }

    /// A home whose remote user is a fresh account (sshd's AuthorizedKeysFile is per server,
    /// so our key logs in as that account too).
    pub fn with_account() -> Self {
        let mut h = Self::new();
        if let Some(u) = temp_user(&format!("pw-{}", std::process::id())) {
            h.user = u.name.clone();
            h._account = Some(u);
        }
        h
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn ssh(&self, name: &str) -> PathBuf {
        self.dir.path().join(".ssh").join(name)
    }

    pub fn known_hosts(&self) -> String {
        std::fs::read_to_string(self.ssh("known_hosts")).unwrap_or_default()
    }

    /// Writes ~/.ssh/config.
    pub fn config(&self, text: &str) {
        std::fs::write(self.ssh("config"), text).unwrap();
        set_mode(&self.ssh("config"), 0o600);
    }

    /// A key pair in ~/.ssh/<name> made by ssh-keygen; returns the public key line.
    pub fn keygen(&self, name: &str, key_type: &str, passphrase: &str) -> String {
        keygen(&self.ssh(name), key_type, passphrase)
    }

    /// The client, with HOME here, no agent, and the given config file (`-F`).
    pub fn oxssh(&self) -> Command {
        let mut c = Command::new(bin());
        c.env("HOME", self.path())
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("SSH_ASKPASS")
            .env_remove("DISPLAY")
            .env("LANG", "C");
        c
    }
}

pub use oxssh_test::set_mode;
pub use oxssh_test::users::TestUser;

/// Generates a key with ssh-keygen; returns the public key line.
pub fn keygen(path: &Path, key_type: &str, passphrase: &str) -> String {
    let mut args = vec!["-q", "-t", key_type, "-N", passphrase, "-f"];
    let p = path.to_string_lossy().into_owned();
    args.push(&p);
    if key_type == "rsa" {
        args.extend(["-b", "3072"]);
    }
    let status = Command::new("ssh-keygen")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read_to_string(format!("{p}.pub"))
        .unwrap()
        .trim()
        .to_owned()
}

/// What a finished run left.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Output {
    /// stderr without the debug lines sshd's DEBUG1 log level sends through the session channel
    /// (oxssh-test runs sshd with `LogLevel DEBUG1`).
    pub fn stderr_clean(&self) -> String {
        self.stderr
            .split_inclusive('\n')
            .filter(|l| !l.starts_with("debug1: ") && !l.starts_with("debug2: "))
            .collect()
    }
    pub fn code(&self) -> i32 {
        self.status.code().unwrap_or(-1)
    }
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

impl From<std::process::Output> for Output {
    fn from(o: std::process::Output) -> Self {
        Self {
            status: o.status,
            stdout: o.stdout,
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// Runs `cmd` with `stdin` fed from memory, killing it after `limit`.
pub fn run(cmd: &mut Command, stdin: &[u8], limit: Duration) -> Output {
    oxssh_test::process::run(cmd, Some(stdin), limit).into()
}

/// Like [`run`], for a process that may leave a background copy holding its stdout and stderr
/// (`-f`): they go to files, read once the process itself has exited.
pub fn run_detaching(cmd: &mut Command, limit: Duration) -> Output {
    oxssh_test::process::run_detaching(cmd, limit).into()
}

/// Whether we run as root (sshd needs it for privilege separation).
pub fn is_root() -> bool {
    oxssh_test::users::is_root()
}

/// Starts OpenSSH's sshd with our user key authorized. `None` (with a loud skip) when sshd is
/// missing or we are not root.
pub fn sshd(extra: &str) -> Option<oxssh_test::peers::OpenSshServer> {
    if !is_root() {
        eprintln!("SKIPPED: this test starts sshd, which needs root");
        return None;
    }
    oxssh_test::peers::OpenSshServer::start(extra)
}

/// The host public key lines of a server started by oxssh-test.
pub fn host_key_lines(server: &oxssh_test::peers::OpenSshServer) -> Vec<String> {
    server
        .host_keys
        .iter()
        .map(|k| {
            std::fs::read_to_string(format!("{}.pub", k.display()))
                .unwrap()
                .trim()
                .to_owned()
        })
        .collect()
}

/// A known_hosts line trusting every host key of `server` on `port`.
pub fn trust(home: &Home, server: &oxssh_test::peers::OpenSshServer) {
    let mut text = String::new();
    for l in host_key_lines(server) {
        let mut words = l.split_whitespace();
        let (t, k) = (words.next().unwrap(), words.next().unwrap());
        text.push_str(&format!(
            "[127.0.0.1]:{port},[localhost]:{port} {t} {k}\n",
            port = server.port
        ));
    }
    std::fs::write(home.ssh("known_hosts"), text).unwrap();
}

/// A client home trusting `server`, with an authorized ed25519 key; the usual arguments follow.
pub fn client_for(server: &oxssh_test::peers::OpenSshServer) -> Home {
    let home = Home::with_account();
    let line = home.keygen("id_ed25519", "ed25519", "");
    server.authorize(&line);
    trust(&home, server);
    home.config("");
    home
}

/// `-F <home config> -p <port> USER@127.0.0.1`, then `rest`.
pub fn args<'a>(home: &'a Home, port: u16, rest: &[&'a str]) -> Vec<String> {
    let mut v = vec![
        "-F".to_owned(),
        home.ssh("config").to_string_lossy().into_owned(),
        "-p".to_owned(),
        port.to_string(),
        format!("{}@127.0.0.1", home.user),
    ];
    v.extend(rest.iter().map(|s| (*s).to_owned()));
    v
}

/// A local account with a password and a /bin/sh login shell (so no dotfile can add noise to a
/// session), for password authentication; removed on drop. `None` (a loud skip) unless root.
pub fn temp_user(password: &str) -> Option<TestUser> {
    TestUser::with_prefix("oxt")
        .shell("/bin/sh")
        .password(password)
        .home_in_temp_dir()
        .create()
}

/// A real ssh-agent in the foreground on a private socket; killed on drop.
pub struct Agent {
    child: std::process::Child,
    pub socket: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Agent {
    pub fn start() -> Option<Self> {
        if !oxssh_test::peers::require("ssh-agent") || !oxssh_test::peers::require("ssh-add") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("agent.sock");
        let child = std::process::Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "ssh-agent did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        Some(Self {
            child,
            socket,
            _dir: dir,
        })
    }

    pub fn add(&self, key: &std::path::Path) {
        let status = std::process::Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.socket)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
