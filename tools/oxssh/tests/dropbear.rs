//! The client against Dropbear on loopback, as a temporary user (Dropbear reads the user's own
//! ~/.ssh/authorized_keys, so the tests need root to create one): key and password logins, exit
//! status, a pty shell, and each algorithm Dropbear (Debian's 2022.83 build: no GCM, no
//! hmac-sha2-512, no rsa-sha2-512) and oxssh share.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;
use oxssh_test::peers::DropbearServer;

const LIMIT: Duration = Duration::from_secs(60);

fn dropbear_args(home: &Home, port: u16, user: &str, rest: &[&str]) -> Vec<String> {
    let mut v = vec![
        "-F".to_owned(),
        home.ssh("config").to_string_lossy().into_owned(),
        "-o".to_owned(),
        "StrictHostKeyChecking=accept-new".to_owned(),
        "-p".to_owned(),
        port.to_string(),
        format!("{user}@127.0.0.1"),
    ];
    v.extend(rest.iter().map(|s| (*s).to_owned()));
    v
}

/// Dropbear, a user with `password` and our ed25519 key authorized, and a client home.
fn setup(password: &str) -> Option<(DropbearServer, TestUser, Home)> {
    let user = temp_user(password)?;
    let server = DropbearServer::start(&["-m"])?;
    let home = Home::new();
    home.config("");
    user.authorize_only(&home.keygen("id_ed25519", "ed25519", ""));
    Some((server, user, home))
}

#[test]
fn key_login_returns_the_exit_status_and_keeps_stderr_apart() {
    let Some((server, user, home)) = setup("unused-pw") else {
        return;
    };
    let out = run(
        home.oxssh().args(dropbear_args(
            &home,
            server.port,
            &user.name,
            &["echo out; echo err >&2; exit 9"],
        )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 9, "{}\n{}", out.stderr, server.log());
    assert_eq!(out.stdout, b"out\n");
    assert_eq!(
        out.stderr,
        format!(
            "Warning: Permanently added '[127.0.0.1]:{}' (ED25519) to the list of known hosts.\r\nerr\n",
            server.port
        )
    );
}

#[test]
fn bulk_stdin_arrives_intact() {
    let Some((server, user, home)) = setup("unused-pw") else {
        return;
    };
    let data: Vec<u8> = (0..8u32 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let out = run(
        home.oxssh()
            .args(dropbear_args(&home, server.port, &user.name, &["cat"])),
        &data,
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(
        out.stdout == data,
        "echoed bytes differ ({} bytes)",
        out.stdout.len()
    );
}

#[test]
fn every_shared_algorithm_works() {
    let Some((server, user, home)) = setup("unused-pw") else {
        return;
    };
    let mut cases: Vec<Vec<String>> = Vec::new();
    for c in ["chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-ctr"] {
        cases.push(vec!["-c".into(), c.into()]);
    }
    for m in ["hmac-sha2-256", "hmac-sha1"] {
        cases.push(vec![
            "-c".into(),
            "aes128-ctr".into(),
            "-m".into(),
            m.into(),
        ]);
    }
    for k in [
        "curve25519-sha256",
        "curve25519-sha256@libssh.org",
        "ecdh-sha2-nistp256",
        "ecdh-sha2-nistp384",
        "ecdh-sha2-nistp521",
        "diffie-hellman-group14-sha256",
    ] {
        cases.push(vec!["-o".into(), format!("KexAlgorithms={k}")]);
    }
    for h in ["ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-256"] {
        cases.push(vec![
            "-o".into(),
            format!("HostKeyAlgorithms={h}"),
            "-o".into(),
            "UserKnownHostsFile=/dev/null".into(),
        ]);
    }
    let mut failures = Vec::new();
    for case in cases {
        let mut a = case.clone();
        a.extend(dropbear_args(
            &home,
            server.port,
            &user.name,
            &["echo", "ok"],
        ));
        let out = run(home.oxssh().args(&a), b"", LIMIT);
        if out.code() != 0 || out.stdout != b"ok\n" {
            failures.push(format!("{case:?}: {}", out.stderr));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn password_login_and_a_pty_shell() {
    let Some((server, user, home)) = setup("dropbear pass") else {
        return;
    };
    let mut args = dropbear_args(&home, server.port, &user.name, &[]);
    args.splice(
        0..0,
        ["-o".to_owned(), "PubkeyAuthentication=no".to_owned()],
    );
    let mut c = Command::new(bin());
    c.args(&args)
        .env("HOME", home.path())
        .env_remove("SSH_AUTH_SOCK")
        .env("TERM", "dumb");
    let mut p = rexpect::session::spawn_command(c, Some(20_000)).unwrap();
    p.exp_string(&format!("{}@127.0.0.1's password: ", user.name))
        .unwrap();
    p.send_line("dropbear pass").unwrap();
    // Typed-ahead input is flushed when the prompt restores echo (TCSAFLUSH, as
    // readpassphrase does), so wait for the shell first.
    p.exp_string("$ ").unwrap();
    p.send_line("PS1='DB> '; tty").unwrap();
    p.exp_string("/dev/pts/").unwrap();
    p.exp_string("DB> ").unwrap();
    p.send_line("exit 4").unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(
        rest.ends_with("Connection to 127.0.0.1 closed.\r\r\n"),
        "{rest:?}"
    );
    match p.process().wait().unwrap() {
        rexpect::process::WaitStatus::Exited(_, code) => assert_eq!(code, 4),
        other => panic!("{other:?}"),
    }
}

#[test]
fn agent_login() {
    let Some((server, user, home)) = setup("unused-pw") else {
        return;
    };
    let Some(agent) = Agent::start() else { return };
    let keys = tempfile::tempdir().unwrap();
    let path = keys.path().join("id_agent");
    user.authorize_only(&keygen(&path, "ecdsa", ""));
    agent.add(&path);
    // The ed25519 file key in ~/.ssh is not authorized any more: only the agent's key works.
    let out = run(
        home.oxssh()
            .env("SSH_AUTH_SOCK", &agent.socket)
            .args(dropbear_args(
                &home,
                server.port,
                &user.name,
                &["-o", "BatchMode=yes", "echo", "agent-ok"],
            )),
        b"",
        LIMIT,
    );
    assert_eq!(out.code(), 0, "{}\n{}", out.stderr, server.log());
    assert_eq!(out.stdout, b"agent-ok\n");
}

#[test]
fn passphrase_protected_key_login() {
    let Some((server, user, home)) = setup("unused-pw") else {
        return;
    };
    std::fs::remove_file(home.ssh("id_ed25519")).unwrap();
    std::fs::remove_file(home.ssh("id_ed25519.pub")).unwrap();
    user.authorize_only(&home.keygen("id_ed25519", "ed25519", "dropbear phrase"));
    let mut args = dropbear_args(&home, server.port, &user.name, &["echo", "unlocked"]);
    args.splice(
        0..0,
        ["-o".to_owned(), "PasswordAuthentication=no".to_owned()],
    );
    let mut c = Command::new(bin());
    c.args(&args)
        .env("HOME", home.path())
        .env_remove("SSH_AUTH_SOCK");
    let mut p = rexpect::session::spawn_command(c, Some(20_000)).unwrap();
    p.exp_string(&format!(
        "Enter passphrase for key '{}': ",
        home.ssh("id_ed25519").display()
    ))
    .unwrap();
    p.send_line("dropbear phrase").unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.ends_with("unlocked\r\n"), "{rest:?}");
    match p.process().wait().unwrap() {
        rexpect::process::WaitStatus::Exited(_, code) => assert_eq!(code, 0),
        other => panic!("{other:?}"),
    }
}
