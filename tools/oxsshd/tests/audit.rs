//! The daemon's default algorithms as ssh-audit (from PyPI) judges them: nothing it marks as a
//! failure, post-quantum hybrids first, strict key exchange advertised.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;

/// Whether the ssh_audit module is importable; under CI its absence fails the test.
fn have_ssh_audit() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import ssh_audit"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none_or(|v| v != "true"),
            "ssh-audit is not installed but CI=true: the README's test command installs it"
        );
        eprintln!("SKIPPED: ssh-audit is not installed (the README's test command installs it)");
    }
    found
}

#[test]
fn ssh_audit_finds_no_failure_in_the_default_algorithms() {
    if !require("python3") || !have_ssh_audit() {
        return;
    }
    let server = Server::start("");
    let out = run(
        Command::new("python3")
            .args(["-m", "ssh_audit", "--no-colors", "--skip-rate-test", "-p"])
            .arg(server.port.to_string())
            .arg("127.0.0.1"),
        b"",
        Duration::from_secs(60),
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("(gen) banner: SSH-2.0-oxssh"),
        "ssh-audit did not reach the server: {report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let failures: Vec<&str> = report.lines().filter(|l| l.contains("[fail]")).collect();
    assert!(
        failures.is_empty(),
        "ssh-audit failures:\n{}",
        failures.join("\n")
    );
    let kex: Vec<&str> = report
        .lines()
        .filter_map(|l| l.strip_prefix("(kex) "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        kex.first().copied(),
        Some("mlkem768x25519-sha256"),
        "{report}"
    );
    assert!(kex.contains(&"kex-strict-s-v00@openssh.com"), "{report}");
    // No SHA-1 and no encrypt-and-MAC among the defaults.
    for weak in ["sha1", "hmac-sha2-256 ", "ssh-rsa ", "cbc"] {
        assert!(
            !report.lines().any(|l| ["(kex)", "(key)", "(enc)", "(mac)"]
                .iter()
                .any(|p| l.starts_with(p))
                && l.contains(weak)),
            "{weak} offered by default: {report}"
        );
    }
}
