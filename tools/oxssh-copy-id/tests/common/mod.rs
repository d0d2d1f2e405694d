//! Test support: servers (OpenSSH's sshd and oxsshd) on free loopback ports, a throw-away system
//! user with a password (root only), a client home with keys, and oxssh-copy-id run with a
//! deadline, optionally behind sshpass for the password prompt.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The binary under test.
pub const OURS: &str = env!("CARGO_BIN_EXE_oxssh-copy-id");

/// How long one run may take.
pub const TIMEOUT: Duration = Duration::from_secs(60);

pub use oxssh_test::bins::sibling;
pub use oxssh_test::process::{stderr, stdout};
pub use oxssh_test::users::TestUser;

/// Whether the test may create users and run servers (root), with a loud skip if not.
pub fn root_or_skip(test: &str) -> bool {
    if oxssh_sys::user::is_root() {
        return true;
    }
    eprintln!("SKIPPED: {test} needs root (it creates a system user and runs sshd)");
    false
}

/// A child process killed and reaped when dropped, a failed assertion included.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `cmd` to completion with a deadline.
pub fn run(cmd: &mut Command) -> Output {
    oxssh_test::process::run(cmd, None, TIMEOUT)
}

/// A system user for one test: home directory, password, removal on drop.
pub fn test_user() -> TestUser {
    TestUser::with_prefix("oxcid-").create().expect("useradd")
}

/// Asserts ~/.ssh is 0700 and authorized_keys 0600, both the user's.
pub fn assert_modes(user: &TestUser) {
    let ssh = user.home.join(".ssh");
    let ak = ssh.join("authorized_keys");
    for (path, mode) in [(&ssh, 0o700), (&ak, 0o600)] {
        let meta = std::fs::metadata(path).unwrap();
        assert_eq!(
            meta.permissions().mode() & 0o777,
            mode,
            "{}",
            path.display()
        );
        assert_eq!(
            meta.uid(),
            user.uid,
            "{} belongs to the user",
            path.display()
        );
    }
}

/// The client side: a home with `.ssh` and keys made by ssh-keygen.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".ssh")).unwrap();
        std::fs::set_permissions(
            dir.path().join(".ssh"),
            std::fs::Permissions::from_mode(0o700),
        )
        .unwrap();
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A key pair in ~/.ssh; returns (private key path, public key line).
    pub fn keygen(&self, name: &str, key_type: &str) -> (PathBuf, String) {
        let path = self.path().join(".ssh").join(name);
        let out = run(Command::new("ssh-keygen")
            .args([
                "-q",
                "-N",
                "",
                "-t",
                key_type,
                "-C",
                &format!("{name}@client"),
                "-f",
            ])
            .arg(&path));
        assert!(out.status.success(), "{}", stderr(&out));
        let line = std::fs::read_to_string(path.with_extension("pub"))
            .unwrap()
            .trim()
            .to_owned();
        (path, line)
    }

    /// oxssh-copy-id with HOME here, no agent, no display; `password` (if any) given to the
    /// client's password prompt by sshpass.
    pub fn copy_id(&self, password: Option<&str>, args: &[&str]) -> Output {
        let mut cmd = match password {
            Some(p) => {
                let mut c = Command::new("sshpass");
                c.args(["-p", p, OURS]);
                c
            }
            None => Command::new(OURS),
        };
        cmd.args(args)
            .env("HOME", self.path())
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("DISPLAY")
            .env_remove("SSH_ASKPASS")
            .env("LANG", "C");
        run(&mut cmd)
    }

    /// A key login with oxssh that must work without a password.
    pub fn key_login(&self, key: &Path, port: u16, user: &str) -> Output {
        let oxssh = sibling("oxssh").unwrap();
        run(Command::new(oxssh)
            .env("HOME", self.path())
            .env_remove("SSH_AUTH_SOCK")
            .args(["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes"])
            .args([
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
            ])
            .arg("-i")
            .arg(key)
            .args(["-p", &port.to_string(), &format!("{user}@127.0.0.1")])
            .args(["echo", "key-login-ok"]))
    }
}

/// The options every copy-id run passes on to the client for a loopback test server.
pub fn client_options(port: u16) -> Vec<String> {
    vec![
        "-p".into(),
        port.to_string(),
        "-o".into(),
        "StrictHostKeyChecking=no".into(),
        "-o".into(),
        "UserKnownHostsFile=/dev/null".into(),
    ]
}

/// What the client says on its install login, with `StrictHostKeyChecking=no` and an empty
/// known_hosts (`/dev/null`): its stderr is the user's.
pub fn host_key_warning(port: u16) -> String {
    format!(
        "Warning: Permanently added '[127.0.0.1]:{port}' (ED25519) to the list of known hosts.\r\n"
    )
}

/// The script's closing words for `user` on this port.
pub fn closing_words(count: usize, port: u16, user: &str) -> String {
    format!(
        "\nNumber of key(s) added: {count}\n\n\
         Now try logging into the machine, with:   \"oxssh -p '{port}' -o 'StrictHostKeyChecking=no' -o 'UserKnownHostsFile=/dev/null' '{user}@127.0.0.1'\"\n\
         and check to make sure that only the key(s) you wanted were added.\n\n"
    )
}

/// A server under test.
pub enum Server {
    OpenSsh(oxssh_test::peers::OpenSshServer),
    Ours {
        child: Child,
        port: u16,
        dir: tempfile::TempDir,
    },
}

impl Server {
    /// OpenSSH's sshd reading the users' own ~/.ssh/authorized_keys, with SFTP, and `extra`
    /// lines (Match blocks) at the end.
    pub fn openssh(extra: &str) -> Option<Self> {
        let config = format!(
            "Subsystem sftp /usr/lib/openssh/sftp-server\n\
             Match all\n  AuthorizedKeysFile .ssh/authorized_keys\n{extra}"
        );
        oxssh_test::peers::OpenSshServer::start(&config).map(Server::OpenSsh)
    }

    /// oxsshd with its defaults (the users' ~/.ssh/authorized_keys, passwords through PAM or
    /// shadow), and `extra` configuration lines.
    pub fn ours(extra: &str) -> Option<Self> {
        let daemon = sibling("oxsshd")?;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("host_ed25519");
        let out = run(Command::new("ssh-keygen")
            .args(["-q", "-N", "", "-t", "ed25519", "-f"])
            .arg(&key));
        assert!(out.status.success());
        let port = oxssh_test::peers::free_port();
        let config = dir.path().join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile none\nLogLevel VERBOSE\n\
                 Subsystem sftp internal-sftp\n{extra}",
                key.display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("oxsshd.log")).unwrap();
        let mut child = Command::new(daemon)
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("oxsshd starts");
        oxssh_test::peers::wait_for_port(port, &mut child);
        Some(Server::Ours { child, port, dir })
    }

    pub fn port(&self) -> u16 {
        match self {
            Server::OpenSsh(s) => s.port,
            Server::Ours { port, .. } => *port,
        }
    }

    pub fn log(&self) -> String {
        match self {
            Server::OpenSsh(s) => s.log(),
            Server::Ours { dir, .. } => {
                std::fs::read_to_string(dir.path().join("oxsshd.log")).unwrap_or_default()
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Server::Ours { child, .. } = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
