//! Helpers for tests that compare with the installed OpenSSH.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use oxssh_config::{AlgorithmList, Algorithms, FixedEnvironment};

/// Runs a command and returns (stdout, stderr, exit code); `None` if it cannot be run.
pub fn run(cmd: &mut Command) -> Option<(String, String, i32)> {
    let out = cmd.output().ok()?;
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    ))
}

fn words(cmd: &mut Command) -> Vec<String> {
    run(cmd)
        .map(|(o, _, _)| o.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Whether the OpenSSH client is installed; prints a loud note when it is not.
pub fn have_ssh() -> bool {
    let ok = Command::new("ssh").arg("-V").output().is_ok();
    if !ok {
        eprintln!("SKIPPED: OpenSSH ssh is not installed; comparison with ssh -G not run");
    }
    ok
}

/// Whether sshd can be run for -T (it needs /run/sshd, which needs root to create).
pub fn have_sshd() -> bool {
    if !Path::new("/usr/sbin/sshd").exists() {
        eprintln!("SKIPPED: /usr/sbin/sshd is not installed; comparison with sshd -T not run");
        return false;
    }
    if !Path::new("/run/sshd").is_dir() && std::fs::create_dir_all("/run/sshd").is_err() {
        eprintln!(
            "SKIPPED: sshd -T needs /run/sshd, which only root can create; comparison not run"
        );
        return false;
    }
    true
}

/// The lines of `ssh -G` for an empty config, as `key -> value`.
fn empty_dump(cmd: &mut Command) -> Vec<(String, String)> {
    run(cmd)
        .map(|(o, _, _)| {
            o.lines()
                .filter_map(|l| l.split_once(' ').map(|(k, v)| (k.to_owned(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn list(q: &str) -> Vec<String> {
    words(Command::new("ssh").args(["-Q", q]))
}

fn default_of(dump: &[(String, String)], key: &str) -> Vec<String> {
    dump.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.split(',').map(str::to_owned).collect())
        .unwrap_or_default()
}

fn al(supported: Vec<String>, default: Vec<String>) -> AlgorithmList {
    AlgorithmList { supported, default }
}

/// OpenSSH's own algorithm lists: supported from `ssh -Q`, defaults from `ssh -G`/`sshd -T` of an
/// empty configuration. With these our output must match OpenSSH's exactly.
pub fn openssh_algorithms(server_dump: Option<&[(String, String)]>) -> Algorithms {
    let client = empty_dump(Command::new("ssh").args(["-G", "-F", "/dev/null", "h.example"]));
    let d = server_dump.unwrap_or(&client);
    let keys = list("HostKeyAlgorithms");
    let sigs = list("sig");
    Algorithms {
        ciphers: al(list("cipher"), default_of(d, "ciphers")),
        macs: al(list("mac"), default_of(d, "macs")),
        kex: al(list("kex"), default_of(d, "kexalgorithms")),
        host_key: al(keys.clone(), default_of(d, "hostkeyalgorithms")),
        pubkey_accepted: al(keys.clone(), default_of(d, "pubkeyacceptedalgorithms")),
        hostbased_accepted: al(keys, default_of(d, "hostbasedacceptedalgorithms")),
        ca_signature: al(sigs, default_of(d, "casignaturealgorithms")),
        gssapi_kex: AlgorithmList::default(),
    }
}

/// The environment of the user running the tests, as OpenSSH sees it.
pub fn real_env() -> FixedEnvironment {
    let user = run(Command::new("id").arg("-un"))
        .map(|o| o.0.trim().to_owned())
        .unwrap_or_default();
    let uid = run(Command::new("id").arg("-u"))
        .and_then(|o| o.0.trim().parse().ok())
        .unwrap_or(0);
    let home = run(Command::new("getent").args(["passwd", &user]))
        .and_then(|o| o.0.trim().split(':').nth(5).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/"));
    let hostname = run(&mut Command::new("hostname"))
        .map(|o| o.0.trim().to_owned())
        .unwrap_or_default();
    let mut env = FixedEnvironment::new(&user, home);
    env.uid = uid;
    env.hostname = hostname;
    env.cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    env
}

/// An environment that really runs `Match exec` commands (through /bin/sh), like ssh.
pub struct ExecEnv(pub FixedEnvironment);

impl oxssh_config::Environment for ExecEnv {
    fn local_user(&self) -> &str {
        self.0.local_user()
    }
    fn local_uid(&self) -> u32 {
        self.0.local_uid()
    }
    fn home_dir(&self) -> &Path {
        self.0.home_dir()
    }
    fn home_of(&self, user: &str) -> Option<PathBuf> {
        self.0.home_of(user)
    }
    fn local_hostname(&self) -> &str {
        self.0.local_hostname()
    }
    fn current_dir(&self) -> &Path {
        self.0.current_dir()
    }
    fn env_var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
    fn service_port(&self, name: &str) -> Option<u16> {
        self.0.service_port(name)
    }
    fn match_exec(&mut self, command: &str) -> Result<bool, String> {
        Command::new("/bin/sh")
            .arg("-c")
            .arg(command)
            .status()
            .map(|s| s.success())
            .map_err(|e| e.to_string())
    }
    fn user_groups(&mut self, user: &str) -> Option<Vec<String>> {
        let (out, _, code) = run(Command::new("id").arg("-Gn").arg(user))?;
        (code == 0).then(|| out.split_whitespace().map(str::to_owned).collect())
    }
}
