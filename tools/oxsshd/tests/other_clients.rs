//! PuTTY's plink, Dropbear's dbclient, paramiko and asyncssh log in to oxsshd (root, throw-away
//! user, PAM) with a key, a password and keyboard-interactive, and run a command whose stdout,
//! stderr and exit status must come back exactly.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::*;

/// The command every client runs and what it must see.
const COMMAND: &str = "echo out; echo err >&2; exit 4";

struct Fixture {
    user: TestUser,
    key: ClientKey,
    /// Password and keyboard-interactive (and keys).
    server: Server,
    /// Keyboard-interactive only, so clients that prefer passwords must use it.
    kbdint: Server,
    home: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let server = Server::start("UsePAM yes\nKbdInteractiveAuthentication yes\n");
    let kbdint =
        Server::start("UsePAM yes\nPasswordAuthentication no\nKbdInteractiveAuthentication yes\n");
    Fixture {
        user,
        key,
        server,
        kbdint,
        // Clients that remember host keys get a home of their own.
        home: tempfile::tempdir().unwrap(),
    }
}

fn check(out: &std::process::Output, server: &Server, what: &str) {
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).replace('\r', ""),
        ),
        (Some(4), "out\n".to_owned()),
        "{what}: stderr {}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.log()
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("err"),
        "{what}: stderr {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn host_fingerprint(server: &Server) -> String {
    let out = run_quick(
        Command::new("ssh-keygen")
            .arg("-lf")
            .arg(server.dir.path().join("host_ed25519.pub")),
    );
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_owned()
}

fn plink(f: &Fixture, server: &Server, auth: &[&str]) -> Command {
    let mut cmd = Command::new("plink");
    cmd.env("HOME", f.home.path())
        .args(["-ssh", "-batch", "-noagent", "-P", &server.port.to_string()])
        .args(["-hostkey", &host_fingerprint(server), "-l", &f.user.name])
        .args(auth)
        .args(["127.0.0.1", COMMAND]);
    cmd
}

#[test]
fn putty_plink_logs_in_with_a_key_a_password_and_keyboard_interactive() {
    if skip_unless_root("putty_plink_logs_in") || !require("plink") || !require("puttygen") {
        return;
    }
    let f = fixture();
    let ppk = f.key.dir.path().join("id.ppk");
    let out = run_quick(
        Command::new("puttygen")
            .arg(&f.key.path)
            .args(["-O", "private", "-o"])
            .arg(&ppk),
    );
    assert!(out.status.success(), "{out:?}");
    let ppk = ppk.to_string_lossy().into_owned();
    check(
        &run_quick(&mut plink(&f, &f.server, &["-i", &ppk])),
        &f.server,
        "plink key",
    );
    check(
        &run_quick(&mut plink(&f, &f.server, &["-pw", &f.user.password])),
        &f.server,
        "plink password",
    );
    check(
        &run_quick(&mut plink(&f, &f.kbdint, &["-pw", &f.user.password])),
        &f.kbdint,
        "plink keyboard-interactive",
    );
    assert!(
        f.kbdint
            .log()
            .contains("Accepted keyboard-interactive/pam for")
    );
}

fn dbclient(f: &Fixture, server: &Server, key: Option<&Path>) -> Command {
    let mut cmd = Command::new("dbclient");
    cmd.env("HOME", f.home.path())
        .args(["-yy", "-p", &server.port.to_string()]);
    match key {
        Some(k) => {
            cmd.arg("-i").arg(k);
        }
        None => {
            cmd.env("DROPBEAR_PASSWORD", &f.user.password);
        }
    }
    cmd.arg(format!("{}@127.0.0.1", f.user.name)).arg(COMMAND);
    cmd
}

#[test]
fn dropbear_dbclient_logs_in_with_a_key_a_password_and_keyboard_interactive() {
    if skip_unless_root("dropbear_dbclient_logs_in")
        || !require("dbclient")
        || !require("dropbearconvert")
    {
        return;
    }
    let f = fixture();
    let db_key = f.key.dir.path().join("id.dropbear");
    let out = run_quick(
        Command::new("dropbearconvert")
            .args(["openssh", "dropbear"])
            .arg(&f.key.path)
            .arg(&db_key),
    );
    assert!(out.status.success(), "{out:?}");
    check(
        &run_quick(&mut dbclient(&f, &f.server, Some(&db_key))),
        &f.server,
        "dbclient key",
    );
    check(
        &run_quick(&mut dbclient(&f, &f.server, None)),
        &f.server,
        "dbclient password",
    );
    check(
        &run_quick(&mut dbclient(&f, &f.kbdint, None)),
        &f.kbdint,
        "dbclient keyboard-interactive",
    );
    assert!(
        f.kbdint
            .log()
            .contains("Accepted keyboard-interactive/pam for")
    );
}

fn python(script: &str, f: &Fixture, server: &Server, method: &str, secret: &str) -> Command {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "clients", script]
        .iter()
        .collect();
    let mut cmd = Command::new("python3");
    cmd.env("HOME", f.home.path()).arg(path).args([
        &server.port.to_string(),
        &f.user.name,
        method,
        secret,
        COMMAND,
    ]);
    cmd
}

fn python_clients_log_in(script: &str) {
    let f = fixture();
    let key = f.key.path.to_string_lossy().into_owned();
    let pw = f.user.password.clone();
    check(
        &run_quick(&mut python(script, &f, &f.server, "key", &key)),
        &f.server,
        "key",
    );
    check(
        &run_quick(&mut python(script, &f, &f.server, "password", &pw)),
        &f.server,
        "password",
    );
    check(
        &run_quick(&mut python(script, &f, &f.kbdint, "kbdint", &pw)),
        &f.kbdint,
        "keyboard-interactive",
    );
    assert!(f.server.log().contains("Accepted publickey for"));
    assert!(f.server.log().contains("Accepted password for"));
    assert!(
        f.kbdint
            .log()
            .contains("Accepted keyboard-interactive/pam for")
    );
}

#[test]
fn paramiko_logs_in_with_a_key_a_password_and_keyboard_interactive() {
    if skip_unless_root("paramiko_logs_in") || !require("python3") {
        return;
    }
    python_clients_log_in("paramiko_client.py");
}

#[test]
fn asyncssh_logs_in_with_a_key_a_password_and_keyboard_interactive() {
    if skip_unless_root("asyncssh_logs_in") || !require("python3") {
        return;
    }
    python_clients_log_in("asyncssh_client.py");
}

#[test]
fn paramiko_with_compression_moves_data_both_ways() {
    if skip_unless_root("paramiko_with_compression") || !require("python3") {
        return;
    }
    let f = fixture();
    let key = f.key.path.to_string_lossy().into_owned();
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "clients",
        "paramiko_client.py",
    ]
    .iter()
    .collect();
    let data: Vec<u8> = (0..2 * 1024 * 1024u32)
        .map(|i| b"paramiko compresses this line\n"[(i % 30) as usize])
        .collect();
    let out = run(
        Command::new("python3")
            .env("HOME", f.home.path())
            .env("OXSSH_TEST_COMPRESS", "1")
            .arg(path)
            .args([&f.server.port.to_string(), &f.user.name, "key", &key, "cat"]),
        &data,
        Duration::from_secs(60),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(out.stdout == data, "the echoed bytes differ");
    assert_eq!(stderr, "compression: zlib@openssh.com zlib@openssh.com\n");
}
