//! oxssh-add in a real terminal (a PTY driven by rexpect), next to OpenSSH's ssh-add driven by the
//! same script: passphrase prompts with a wrong answer and a cached passphrase, the lock prompts,
//! and the default keys of a home directory.
//!
//! OpenSSH takes the home directory from the password database, not from `$HOME`. To give both a
//! temporary home, the default-keys test runs them under nss_wrapper (Debian package
//! `libnss-wrapper`), which serves a private passwd file; without it that test is skipped loudly
//! (and fails under `CI=true`).

mod common;

use std::path::{Path, PathBuf};

use common::*;
use oxssh_test::pty::{Terminal, nss_wrapper};

/// How long any one expectation may wait.
const TIMEOUT_MS: u64 = 30_000;

/// `program args` in a PTY, talking to `agent`, with `env` added.
fn terminal(program: &str, args: &[&str], agent: &Agent, env: &[(&str, String)]) -> Terminal {
    let mut cmd = agent.command(program);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Terminal::spawn(cmd, TIMEOUT_MS)
}

fn programs() -> Option<[&'static str; 2]> {
    (oxssh_test::peers::require("ssh-add") && oxssh_test::peers::require("ssh-agent"))
        .then_some(["ssh-add", OURS])
}

#[test]
fn passphrase_prompts_match_openssh() {
    let Some(programs) = programs() else { return };
    let keys = tempfile::tempdir().unwrap();
    let first = keygen(
        keys.path(),
        "first",
        &["-t", "ed25519"],
        "right one",
        "first key",
    );
    let second = keygen(
        keys.path(),
        "second",
        &["-t", "ecdsa"],
        "another",
        "second key",
    );
    let third = keygen(
        keys.path(),
        "third",
        &["-t", "ed25519"],
        "right one",
        "third key",
    );
    let (first, second, third) = (
        first.display().to_string(),
        second.display().to_string(),
        third.display().to_string(),
    );
    let mut seen = Vec::new();
    for program in programs {
        let agent = Agent::openssh();
        let mut t = terminal(program, &["-c", &first, &third, &second], &agent, &[]);
        t.expect(&format!(
            "Enter passphrase for {first} (will confirm each use): "
        ));
        t.send_line("wrong");
        t.expect(&format!(
            "Bad passphrase, try again for {first} (will confirm each use): "
        ));
        t.send_line("right one");
        t.expect(&format!("Identity added: {first} (first key)"));
        t.expect("The user must confirm each use of the key");
        // The third key takes the cached passphrase without asking.
        t.expect(&format!("Identity added: {third} (third key)"));
        // The cached passphrase does not open the second key: asked, then given up on.
        t.expect(&format!(
            "Enter passphrase for {second} (will confirm each use): "
        ));
        t.send_line("");
        seen.push(t.finish());
    }
    assert_eq!(
        seen[0], seen[1],
        "ssh-add and oxssh-add differ in a terminal"
    );
    assert_eq!(seen[1].1, Some(1), "one key was not added");
    assert!(!seen[1].0.contains("right one"), "no echo");
}

#[test]
fn lock_prompts_match_openssh() {
    let Some(programs) = programs() else { return };
    let mut seen = Vec::new();
    for program in programs {
        let agent = Agent::openssh();
        let mut t = terminal(program, &["-x"], &agent, &[]);
        t.expect("Enter lock password: ");
        t.send_line("lock words");
        t.expect("Again: ");
        t.send_line("lock words");
        t.expect("Agent locked.");
        let locked = t.finish();
        let mut t = terminal(program, &["-X"], &agent, &[]);
        t.expect("Enter lock password: ");
        t.send_line("lock words");
        t.expect("Agent unlocked.");
        seen.push((locked, t.finish()));
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(
        seen[1].0.0,
        "Enter lock password: \r\nAgain: \r\nAgent locked.\r\n"
    );
}

/// Environment that gives the running uid the passwd home `home`.
fn passwd_home(dir: &Path, home: &Path, wrapper: &Path) -> Vec<(&'static str, String)> {
    let mut env = oxssh_test::pty::passwd_home(dir, home, wrapper);
    env.push(("HOME", home.display().to_string()));
    env
}

#[test]
fn the_default_keys_of_the_home_directory() {
    let Some(programs) = programs() else { return };
    let Some(wrapper) = nss_wrapper() else { return };
    let sandbox = tempfile::tempdir().unwrap();
    let home = sandbox.path().join("home");
    let ssh = home.join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    let env = passwd_home(sandbox.path(), &home, &wrapper);

    // No default keys: nothing said, status 1.
    let mut seen = Vec::new();
    for program in programs {
        let agent = Agent::openssh();
        seen.push(terminal(program, &[], &agent, &env).finish());
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[1], (String::new(), Some(1)));

    // id_rsa (encrypted) and id_ed25519, tried in OpenSSH's order; a public key alone is no key.
    keygen(&ssh, "id_ed25519", &["-t", "ed25519"], "", "default ed");
    keygen(
        &ssh,
        "id_rsa",
        &["-t", "rsa", "-b", "2048"],
        "rsa words",
        "default rsa",
    );
    keygen(sandbox.path(), "stray", &["-t", "ecdsa"], "", "stray");
    std::fs::copy(sandbox.path().join("stray.pub"), ssh.join("id_ecdsa.pub")).unwrap();
    let mut seen = Vec::new();
    for program in programs {
        let agent = Agent::openssh();
        let mut t = terminal(program, &[], &agent, &env);
        t.expect(&format!("Enter passphrase for {}/id_rsa: ", ssh.display()));
        t.send_line("rsa words");
        t.expect("Identity added: ");
        let added = t.finish();
        let listed = run(agent.command(program).arg("-l"));
        seen.push((added, stdout(&listed)));
    }
    assert_eq!(seen[0], seen[1]);
    let (transcript, status) = &seen[1].0;
    assert_eq!(*status, Some(0));
    assert!(transcript.ends_with(&format!(
        "Identity added: {0}/id_rsa (default rsa)\r\nIdentity added: {0}/id_ed25519 (default ed)\r\n",
        ssh.display()
    )));
    assert_eq!(seen[1].1.lines().count(), 2);

    // -d without files removes the default keys.
    let agent = Agent::start(&our_agent().unwrap_or_else(|| PathBuf::from("ssh-agent")));
    let added = run(agent
        .command(OURS)
        .arg(ssh.join("id_ed25519"))
        .envs(env.iter().map(|(k, v)| (*k, v.as_str()))));
    assert!(added.status.success());
    let removed = run(agent
        .command(OURS)
        .arg("-d")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str()))));
    // id_rsa is not in the agent (a failure); id_ecdsa has no private key, so is not looked at.
    assert_eq!(
        stderr(&removed),
        format!(
            "Could not remove identity \"{0}/id_rsa\": agent refused operation\n\
             Identity removed: {0}/id_ed25519 ED25519 (default ed)\n",
            ssh.display()
        )
    );
    assert_eq!(removed.status.code(), Some(1));
}
