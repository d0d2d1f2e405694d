//! oxssh-copy-id next to the ssh-copy-id script shipped with OpenSSH: for every way of going wrong
//! before a key is installed (and for a dry run), both print the same words on the same streams
//! and exit with the same status. The script's name for itself becomes ours, and the client's
//! name in its error lines ("ssh:") becomes "oxssh:"; nothing else may differ.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

const SCRIPT: &str = "/usr/bin/ssh-copy-id";

/// Runs `program args` with HOME at `home`, no agent and no display.
fn run_in(program: &str, args: &[&str], home: &Path, cwd: &Path) -> (String, String, Option<i32>) {
    let out = run(Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env("HOME", home)
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("DISPLAY")
        .env("LANG", "C"));
    (stdout(&out), stderr(&out), out.status.code())
}

#[test]
fn mistakes_and_dry_runs_read_like_the_script() {
    if !oxssh_test::peers::require(SCRIPT) || !oxssh_test::peers::require("ssh") {
        return;
    }
    if sibling("oxssh").is_none() {
        return;
    }
    let home = Home::new();
    let (key, _) = home.keygen("id_ed25519", "ed25519");
    let key = key.display().to_string();
    let cwd = tempfile::tempdir().unwrap();
    std::fs::copy(format!("{key}.pub"), cwd.path().join("lonely.pub")).unwrap();
    let closed = oxssh_test::peers::free_port().to_string();
    let empty_home = tempfile::tempdir().unwrap();
    let cases: Vec<(Vec<&str>, &Path)> = vec![
        (vec![], home.path()),
        (vec!["-h"], home.path()),
        (vec!["-?"], home.path()),
        (vec!["-Z", "host"], home.path()),
        (vec!["-p"], home.path()),
        (vec!["one", "two"], home.path()),
        (vec!["-i", "/nonexistent/key", "host"], home.path()),
        (vec!["-i", "lonely.pub", "host"], home.path()),
        (
            vec!["-f", "-i", "/nonexistent/key.pub", "host"],
            home.path(),
        ),
        (vec!["-i", &key, "-i", &key, "host"], home.path()),
        (vec!["host"], empty_home.path()),
        // The key logins fail for another reason than a refused key: the client's words, marked.
        (vec!["-p", &closed, "127.0.0.1"], home.path()),
        (vec!["-n", "-f", "-p", &closed, "127.0.0.1"], home.path()),
        (
            vec!["-n", "-f", "-i", &key, "-o", "User=it's", "127.0.0.1"],
            home.path(),
        ),
    ];
    for (args, home) in cases {
        let theirs = run_in(SCRIPT, &args, home, cwd.path());
        let ours = run_in(OURS, &args, home, cwd.path());
        let adapt = |s: &str| {
            s.replace(SCRIPT, OURS)
                .replace("ERROR: ssh: ", "ERROR: oxssh: ")
        };
        let theirs = (adapt(&theirs.0), adapt(&theirs.1), theirs.2);
        assert_eq!(ours, theirs, "{args:?}");
    }
}

#[test]
fn the_program_names_itself_as_a_script_would() {
    let home = Home::new();
    // Found on PATH: the full path, as a shell's $0.
    let dir = Path::new(OURS).parent().unwrap();
    let out = run(Command::new("oxssh-copy-id")
        .env("PATH", dir)
        .env("HOME", home.path())
        .env_remove("SSH_AUTH_SOCK")
        .arg("host"));
    assert_eq!(
        stderr(&out),
        format!("{OURS}: ERROR: No identities found\n")
    );
    assert_eq!(out.status.code(), Some(1));
}
