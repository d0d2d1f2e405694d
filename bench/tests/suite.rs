//! The whole suite, shrunk: every part except the criterion benches, one cipher suite, 1 MiB
//! transfers, against real sshd and oxsshd on 127.0.0.1. It checks that each part produces its
//! figures and the files, not what the figures are (timing assertions have no place in tests).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// oxssh and oxsshd of the same profile, next to this package's binary.
fn ours_built() -> bool {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_oxssh-bench"));
    let dir = bin.parent().unwrap();
    for name in ["oxssh", "oxsshd"] {
        if !dir.join(name).exists() {
            if std::env::var_os("CI").is_some_and(|v| v == "true") {
                panic!("{name} is not built in {} but CI=true", dir.display());
            }
            eprintln!(
                "SKIPPED: {name} is not built in {} (cargo build -p {name})",
                dir.display()
            );
            return false;
        }
    }
    true
}

#[test]
fn a_small_run_measures_every_part_and_writes_json_and_svg() {
    if !nix_is_root() {
        eprintln!("SKIPPED: the suite starts sshd and oxsshd with root logins; run as root");
        return;
    }
    if !oxssh_test::peers::require("/usr/sbin/sshd")
        || !oxssh_test::peers::require("ssh")
        || !ours_built()
    {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oxssh-bench"));
    cmd.args([
        "--quick",
        "--skip",
        "micro",
        "--size",
        "1",
        "--reps",
        "1",
        "--suite",
        "aes128-gcm",
        "--sessions",
        "3",
        "--latency-runs",
        "1",
        "--rate-seconds",
        "1",
        "--out",
    ])
    .arg(out.path());
    let output = run_with_timeout(cmd, Duration::from_secs(240));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for needle in [
        "Targets (ratio = oxssh / OpenSSH)",
        "server CPU/GiB, upload aes128-gcm",
        "client CPU/GiB, download aes128-gcm",
        "throughput, upload aes128-gcm",
        "login latency (host true)",
        "login rate, 16 at once",
        "memory per idle session",
        "throughput at 50 ms RTT, download",
        "ssh→oxsshd",
        "oxssh→sshd",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    let json = std::fs::read_to_string(out.path().join("bench.json")).unwrap();
    for key in [
        "\"targets\"",
        "\"bulk\"",
        "\"latency\"",
        "\"rate\"",
        "\"memory\"",
        "\"delay\"",
        "\"method\"",
    ] {
        assert!(json.contains(key), "missing {key} in bench.json");
    }
    // Every bulk run moved the bytes it was asked to, in all four pairings and both directions.
    assert_eq!(json.matches("\"bytes\": 1048576").count(), 8 + 4, "{json}");
    let svg = std::fs::read_to_string(out.path().join("bench.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("login latency"));
}

#[test]
fn bad_flags_fail_with_one_line_and_status_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_oxssh-bench"))
        .arg("--only=warp")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.lines().next(),
        Some("oxssh-bench: unknown part: warp")
    );
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().nth(1).map(|e| e == "0"))
        .unwrap_or(false)
}

/// Runs `cmd`, killing it if it outlives `limit`.
fn run_with_timeout(mut cmd: Command, limit: Duration) -> std::process::Output {
    use std::process::Stdio;
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if rx.recv_timeout(limit).is_err() {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    });
    let output = child.wait_with_output().unwrap();
    let _ = tx.send(());
    watchdog.join().unwrap();
    output
}
