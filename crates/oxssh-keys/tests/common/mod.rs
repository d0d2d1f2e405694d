//! Helpers for tests that compare with the installed OpenSSH tools. Fixtures are generated at test
//! time in temporary directories.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Whether `tool` can be run. Without it a test is skipped loudly, or fails under `CI=true`.
pub fn have(tool: &str) -> bool {
    let found = Command::new(tool).arg("-?").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{tool} is required under CI"
        );
        eprintln!("SKIPPED: {tool} is not installed");
    }
    found
}

/// Runs a tool and insists it succeeds.
pub fn run(tool: &str, args: &[&str]) -> Output {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {tool}: {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `ssh-keygen` with arguments; must succeed.
pub fn keygen(args: &[&str]) -> Output {
    run("ssh-keygen", args)
}

/// Standard output as a string without the final newline.
pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .trim_end_matches('\n')
        .to_string()
}

/// Generates a key with `ssh-keygen` in `dir` and returns its path.
pub fn generate(
    dir: &Path,
    name: &str,
    key_type: &str,
    bits: Option<u32>,
    passphrase: &str,
) -> PathBuf {
    let path = dir.join(name);
    let bits = bits.map(|b| b.to_string());
    let mut args = vec![
        "-q",
        "-t",
        key_type,
        "-N",
        passphrase,
        "-C",
        "test@oxssh",
        "-f",
        path.to_str().unwrap(),
    ];
    if let Some(b) = &bits {
        args.extend(["-b", b]);
    }
    keygen(&args);
    path
}

/// Writes a private key file with mode 0600 (ssh-keygen refuses more open ones).
pub fn write_private(path: &Path, contents: &[u8]) {
    std::fs::write(path, contents).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A throwaway OpenSSH sshd on 127.0.0.1 with Ed25519, ECDSA and RSA host keys, killed on drop.
pub struct Sshd {
    pub port: u16,
    pub host_keys: Vec<PathBuf>,
    child: std::process::Child,
}

impl Sshd {
    /// Starts sshd in `dir` and waits (reading its log, never sleeping) until it listens.
    pub fn start(dir: &Path) -> Sshd {
        Self::start_with(dir, "")
    }

    /// Like [`Sshd::start`], with extra sshd_config lines.
    pub fn start_with(dir: &Path, extra_config: &str) -> Sshd {
        use std::io::BufRead as _;
        let host_keys: Vec<PathBuf> =
            [("ed25519", None), ("ecdsa", Some(256)), ("rsa", Some(2048))]
                .into_iter()
                .map(|(t, bits)| generate(dir, &format!("host_{t}"), t, bits, ""))
                .collect();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nPidFile {}\nUsePAM no\nStrictModes no\n",
            dir.join("sshd.pid").display()
        );
        for k in &host_keys {
            config.push_str(&format!("HostKey {}\n", k.display()));
        }
        config.push_str(extra_config);
        let config_path = dir.join("sshd_config");
        std::fs::write(&config_path, config).unwrap();
        let mut child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f", path_str(&config_path)])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("starting sshd");
        let stderr = child.stderr.take().unwrap();
        let mut lines = std::io::BufReader::new(stderr).lines();
        let mut log = String::new();
        // sshd prints a handful of lines before listening; give up after 50.
        for _ in 0..50 {
            match lines.next() {
                Some(Ok(line)) => {
                    log.push_str(&line);
                    log.push('\n');
                    if line.contains("Server listening on") {
                        // Keep draining its log in the background so sshd never blocks on a full pipe.
                        std::thread::spawn(move || lines.for_each(drop));
                        return Sshd {
                            port,
                            host_keys,
                            child,
                        };
                    }
                }
                _ => break,
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("sshd did not start:\n{log}");
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
