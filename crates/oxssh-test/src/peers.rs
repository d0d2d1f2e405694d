//! Launchers for real SSH peers on loopback: OpenSSH's sshd and Dropbear, each in a temporary
//! directory with its own host keys, on a free port, killed on drop.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether a peer binary exists. Under `CI=true` a missing peer is a failure, locally a loud skip.
pub fn require(binary: &str) -> bool {
    if Path::new(binary).exists() || which(binary).is_some() {
        return true;
    }
    if std::env::var_os("CI").is_some_and(|v| v == "true") {
        panic!("{binary} is not installed but CI=true: the README's test command installs it");
    }
    eprintln!("SKIPPED: {binary} is not installed (the README's test command installs it)");
    false
}

/// Finds a program on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts on `port` (bounded).
pub fn wait_for_port(port: u16, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("peer exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("peer did not listen on port {port} within 10 s");
}

fn keygen(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(args)
        .args(["-q", "-N", "", "-f"])
        .arg(&path)
        .stdout(Stdio::null())
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success(), "ssh-keygen {args:?} failed");
    path
}

/// OpenSSH's sshd running in the foreground on 127.0.0.1.
pub struct OpenSshServer {
    pub port: u16,
    pub dir: tempfile::TempDir,
    /// The host public keys as `(type name, .pub file line)`.
    pub host_keys: Vec<PathBuf>,
    child: Child,
}

impl OpenSshServer {
    /// Starts sshd with our test host keys (ed25519, rsa 3072, ecdsa 256/384/521) and `extra`
    /// configuration lines appended. Needs root for privilege separation; returns None (with a message)
    /// when sshd is missing or we are not root.
    pub fn start(extra: &str) -> Option<Self> {
        if !require("/usr/sbin/sshd") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut host_keys = Vec::new();
        for (name, args) in [
            ("host_ed25519", &["-t", "ed25519"][..]),
            ("host_rsa", &["-t", "rsa", "-b", "3072"][..]),
            ("host_ecdsa256", &["-t", "ecdsa", "-b", "256"][..]),
            ("host_ecdsa384", &["-t", "ecdsa", "-b", "384"][..]),
            ("host_ecdsa521", &["-t", "ecdsa", "-b", "521"][..]),
        ] {
            host_keys.push(keygen(dir.path(), name, args));
        }
        std::fs::create_dir_all("/run/sshd").ok();
        let port = free_port();
        let mut config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nPidFile {dir}/sshd.pid\nUsePAM no\nStrictModes no\n\
             AuthorizedKeysFile {dir}/authorized_keys\nPermitRootLogin yes\nLogLevel DEBUG1\n",
            dir = dir.path().display()
        );
        for key in &host_keys {
            config.push_str(&format!("HostKey {}\n", key.display()));
        }
        config.push_str(extra);
        let config_path = dir.path().join("sshd_config");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("sshd.log")).unwrap();
        let mut child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("sshd starts");
        wait_for_port(port, &mut child);
        Some(Self {
            port,
            dir,
            host_keys,
            child,
        })
    }

    /// What sshd logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// Appends a line to the authorized_keys file sshd reads.
    pub fn authorize(&self, public_key_line: &str) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("authorized_keys"))
            .unwrap();
        writeln!(f, "{public_key_line}").unwrap();
    }
}

impl Drop for OpenSshServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Dropbear running in the foreground on 127.0.0.1.
pub struct DropbearServer {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Child,
}

impl DropbearServer {
    /// Starts dropbear with ed25519, rsa and ecdsa host keys it generates itself; `args` are added.
    pub fn start(args: &[&str]) -> Option<Self> {
        if !require("/usr/sbin/dropbear") || !require("dropbearkey") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new("/usr/sbin/dropbear");
        cmd.args(["-F", "-E", "-p"]);
        let port = free_port();
        cmd.arg(format!("127.0.0.1:{port}"));
        for (t, name) in [("ed25519", "ed25519"), ("rsa", "rsa"), ("ecdsa", "ecdsa")] {
            let path = dir.path().join(format!("dropbear_{name}_host_key"));
            let status = Command::new("dropbearkey")
                .args(["-t", t, "-f"])
                .arg(&path)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
            cmd.arg("-r").arg(&path);
        }
        cmd.args(args);
        let log = std::fs::File::create(dir.path().join("dropbear.log")).unwrap();
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("dropbear starts");
        wait_for_port(port, &mut child);
        Some(Self { port, dir, child })
    }

    /// What dropbear logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dropbear.log")).unwrap_or_default()
    }
}

impl Drop for DropbearServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
