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
