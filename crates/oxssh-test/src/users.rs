//! Throw-away system accounts for tests that log in as a real user (password authentication,
//! another user's authorized_keys, a login shell): made with `useradd` and `chpasswd`, removed with
//! everything they own when dropped, a failed assertion included. Only root can make them.
//!
//! Tests in several packages make and remove users at the same time, and `useradd`, `chpasswd` and
//! `userdel` give up while another of them holds the lock on /etc/passwd, so each is retried for a
//! while.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::set_mode;

/// How long a locked /etc/passwd may keep `useradd`, `chpasswd` or `userdel` failing.
const LOCK_PATIENCE: Duration = Duration::from_secs(20);

/// Whether the tests run as root (needed to make users and to serve other users).
pub fn is_root() -> bool {
    oxssh_sys::user::is_root()
}

/// Eight random hex digits, for names and passwords nobody else picks.
fn random_suffix() -> String {
    let mut b = [0u8; 4];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .expect("/dev/urandom");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Runs `attempt` until it succeeds, for at most [`LOCK_PATIENCE`].
fn retry_while_locked(what: &str, mut attempt: impl FnMut() -> bool) {
    let deadline = Instant::now() + LOCK_PATIENCE;
    while !attempt() {
        assert!(Instant::now() < deadline, "{what} kept failing");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// How to make a [`TestUser`]: see [`TestUser::with_prefix`].
#[derive(Debug, Clone)]
pub struct UserSpec {
    prefix: String,
    shell: String,
    password: Option<String>,
    temp_home: bool,
}

impl UserSpec {
    /// The login shell (default `/bin/bash`).
    pub fn shell(mut self, shell: &str) -> Self {
        self.shell = shell.to_owned();
        self
    }

    /// The password (default: a random one, in [`TestUser::password`]).
    pub fn password(mut self, password: &str) -> Self {
        self.password = Some(password.to_owned());
        self
    }

    /// A home directory in the temporary directory, owned by the user, instead of the one
    /// `useradd -m` makes under /home.
    pub fn home_in_temp_dir(mut self) -> Self {
        self.temp_home = true;
        self
    }

    /// Makes the account; `None` (with a loud skip) when not root or without `useradd`.
    pub fn create(self) -> Option<TestUser> {
        if !is_root() || !Path::new("/usr/sbin/useradd").exists() {
            eprintln!("SKIPPED: creating a user needs root and useradd");
            return None;
        }
        let name = format!("{}{}", self.prefix, random_suffix());
        let temp_home = self
            .temp_home
            .then(|| tempfile::tempdir().expect("temporary home"));
        retry_while_locked(&format!("useradd {name}"), || {
            let mut useradd = Command::new("/usr/sbin/useradd");
            useradd.args(["-s", &self.shell]);
            match &temp_home {
                Some(dir) => useradd.arg("-M").arg("-d").arg(dir.path()),
                None => useradd.arg("-m"),
            };
            useradd
                .arg(&name)
                .stderr(Stdio::null())
                .status()
                .expect("useradd runs")
                .success()
        });
        let password = self
            .password
            .unwrap_or_else(|| format!("Pw-{}-x", random_suffix()));
        retry_while_locked("chpasswd", || {
            let mut chpasswd = Command::new("/usr/sbin/chpasswd")
                .stdin(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("chpasswd runs");
            let _ = writeln!(chpasswd.stdin.take().expect("stdin"), "{name}:{password}");
            chpasswd.wait().expect("chpasswd ends").success()
        });
        let entry = oxssh_sys::user::lookup_user(&name)
            .expect("user lookup")
            .expect("the new user exists");
        let user = TestUser {
            home: entry.home.clone(),
            uid: entry.uid.as_raw(),
            name,
            password,
            _temp_home: temp_home,
        };
        if user._temp_home.is_some() {
            user.chown(&user.home);
        }
        Some(user)
    }
}

/// A system user that exists for one test.
#[derive(Debug)]
pub struct TestUser {
    /// The login name.
    pub name: String,
    /// The home directory.
    pub home: PathBuf,
    /// The password.
    pub password: String,
    /// The user id.
    pub uid: u32,
    /// The home directory when it is a temporary one (removed after the user).
    _temp_home: Option<tempfile::TempDir>,
}

impl TestUser {
    /// A user named `<prefix><8 random hex digits>`, by default with a bash login shell, a random
    /// password and a home under /home; the [`UserSpec`] changes these.
    pub fn with_prefix(prefix: &str) -> UserSpec {
        UserSpec {
            prefix: prefix.to_owned(),
            shell: "/bin/bash".to_owned(),
            password: None,
            temp_home: false,
        }
    }

    /// Gives `path` (recursively) to the user and the user's group.
    fn chown(&self, path: &Path) {
        let status = Command::new("chown")
            .arg("-R")
            .arg(format!("{0}:{0}", self.name))
            .arg(path)
            .status()
            .expect("chown runs");
        assert!(status.success(), "chown {}", path.display());
    }

    /// Writes `text` as ~/.ssh/authorized_keys, owned by the user, ~/.ssh 0700 and the file 0600
    /// (what sshd's StrictModes and Dropbear insist on).
    fn write_authorized_keys(&self, text: &str, append: bool) {
        let ssh = self.home.join(".ssh");
        std::fs::create_dir_all(&ssh).expect("~/.ssh");
        let ak = ssh.join("authorized_keys");
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(&ak)
            .expect("authorized_keys");
        f.write_all(text.as_bytes()).expect("write authorized_keys");
        self.chown(&ssh);
        set_mode(&ssh, 0o700);
        set_mode(&ak, 0o600);
    }

    /// Adds `line` to the user's ~/.ssh/authorized_keys.
    pub fn authorize(&self, line: &str) {
        self.write_authorized_keys(&format!("{line}\n"), true);
    }

    /// Makes `line` the user's only authorized key.
    pub fn authorize_only(&self, line: &str) {
        self.write_authorized_keys(&format!("{line}\n"), false);
    }

    /// The user's ~/.ssh/authorized_keys (empty when there is none).
    pub fn authorized_keys(&self) -> String {
        std::fs::read_to_string(self.home.join(".ssh/authorized_keys")).unwrap_or_default()
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        // Processes a test left behind (a session still sleeping on a server) would make userdel
        // refuse.
        let _ = Command::new("pkill")
            .args(["-KILL", "-u", &self.name])
            .status();
        let exists = |name: &str| oxssh_sys::user::lookup_user(name).ok().flatten().is_some();
        let deadline = Instant::now() + LOCK_PATIENCE;
        loop {
            let mut userdel = Command::new("/usr/sbin/userdel");
            userdel.arg("-f");
            // A home of its own under /home goes with the user; a temporary one is removed after.
            if self._temp_home.is_none() {
                userdel.arg("-r");
            }
            let _ = userdel
                .arg(&self.name)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            if !exists(&self.name) || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
