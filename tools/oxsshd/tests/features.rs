//! sshd_config and authorized_keys features, each seen from OpenSSH's client (root, throw-away
//! user): key options (command=, from=, no-pty, environment=, expiry-time=, restrict), AcceptEnv,
//! ForceCommand in a Match block, DenyUsers, locked accounts, AuthenticationMethods, MaxSessions,
//! signals and exit-signal (asyncssh).

mod common;

use std::process::Command;

use common::*;

fn key_with(user: &TestUser, options: &str) -> ClientKey {
    let key = ClientKey::new("ed25519");
    user.authorize(&format!("{options} {}", key.public_line));
    key
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn authorized_keys_options_shape_the_session() {
    if skip_unless_root("authorized_keys_options_shape_the_session") {
        return;
    }
    let user = test_user();
    let forced = key_with(&user, r#"command="echo forced:$SSH_ORIGINAL_COMMAND""#);
    let elsewhere = key_with(&user, r#"from="192.0.2.77""#);
    let no_pty = key_with(&user, "no-pty");
    let env = key_with(&user, r#"environment="OX_FROM_KEY=yes""#);
    let expired = key_with(&user, r#"expiry-time="20000101""#);
    let restricted = key_with(&user, "restrict");
    let server = Server::start("UsePAM no\nPermitUserEnvironment yes\n");
    let port = server.port;

    let out = run_quick(ssh_with_key(port, &forced.path, &user.name).arg("echo asked"));
    assert_output(&out, 0, "forced:echo asked\n", &server);

    let out = run_quick(ssh_with_key(port, &elsewhere.path, &user.name).arg("true"));
    assert_eq!(out.status.code(), Some(255));
    assert!(server.wait_log(&format!(
        "Authentication tried for {} with correct key but not from a permitted host",
        user.name
    )));

    // As with OpenSSH's sshd, a forced (-tt) terminal that is refused ends ssh.
    let out = run_quick(
        ssh_with_key(port, &no_pty.path, &user.name)
            .arg("-tt")
            .arg("tty"),
    );
    assert_eq!(out.status.code(), Some(255));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PTY allocation request failed"), "{err}");
    let out = run_quick(ssh_with_key(port, &no_pty.path, &user.name).arg("echo no-pty-ok"));
    assert_eq!(stdout(&out), "no-pty-ok\n");

    let out = run_quick(ssh_with_key(port, &env.path, &user.name).arg("echo $OX_FROM_KEY"));
    assert_output(&out, 0, "yes\n", &server);

    let out = run_quick(ssh_with_key(port, &expired.path, &user.name).arg("true"));
    assert_eq!(out.status.code(), Some(255));

    let out = run(
        ssh_with_key(port, &restricted.path, &user.name).args(["-W", "127.0.0.1:9"]),
        b"",
        CLIENT_TIMEOUT,
    );
    assert_ne!(out.status.code(), Some(0));
    let out = run_quick(ssh_with_key(port, &restricted.path, &user.name).arg("echo fine"));
    assert_output(&out, 0, "fine\n", &server);
}

#[test]
fn accept_env_force_command_and_deny_users_follow_the_configuration() {
    if skip_unless_root("accept_env_force_command_and_deny_users") {
        return;
    }
    let user = test_user();
    let other = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    other.authorize(&key.public_line);
    let server = Server::start(&format!(
        "UsePAM no\nAcceptEnv OX_*\nDenyUsers {}\nMatch User {}\n  ForceCommand echo config-forced\n",
        other.name, user.name
    ));
    let out = run_quick(
        ssh_with_key(server.port, &key.path, &user.name)
            .args(["-o", "SetEnv=OX_SENT=1 OTHER_SENT=1"])
            .arg("ignored"),
    );
    assert_output(&out, 0, "config-forced\n", &server);

    let out = run_quick(ssh_with_key(server.port, &key.path, &other.name).arg("true"));
    assert_eq!(out.status.code(), Some(255));
    assert!(server.wait_log(&format!(
        "User {} from 127.0.0.1 not allowed because listed in DenyUsers",
        other.name
    )));

    // AcceptEnv, seen without the forced command.
    let plain = Server::start("UsePAM no\nAcceptEnv OX_*\n");
    let out = run_quick(
        ssh_with_key(plain.port, &key.path, &user.name)
            .args(["-o", "SetEnv=OX_SENT=1 OTHER_SENT=1"])
            .arg("echo ${OX_SENT:-unset} ${OTHER_SENT:-unset}"),
    );
    assert_output(&out, 0, "1 unset\n", &plain);
}

#[test]
fn a_locked_account_is_refused_even_with_a_valid_key() {
    if skip_unless_root("a_locked_account_is_refused_even_with_a_valid_key") {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let server = Server::start("UsePAM no\n");
    assert!(
        Command::new("usermod")
            .args(["-L", &user.name])
            .status()
            .unwrap()
            .success()
    );
    let out = run_quick(ssh_with_key(server.port, &key.path, &user.name).arg("true"));
    assert_eq!(out.status.code(), Some(255));
    assert!(server.wait_log(&format!(
        "User {} not allowed because account is locked",
        user.name
    )));
}

#[test]
fn authentication_methods_can_require_a_key_and_a_password() {
    if skip_unless_root("authentication_methods_can_require_a_key_and_a_password")
        || !require("sshpass")
    {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let server = Server::start("UsePAM no\nAuthenticationMethods publickey,password\n");
    let out = run_quick(ssh_with_key(server.port, &key.path, &user.name).arg("true"));
    assert_eq!(out.status.code(), Some(255), "a key alone must not do");
    let mut both = Command::new("sshpass");
    both.args(["-p", &user.password, "ssh"])
        .args(ssh_options(server.port))
        .args([
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "NumberOfPasswordPrompts=1",
            "-i",
        ])
        .arg(&key.path)
        .arg(format!("{}@127.0.0.1", user.name))
        .arg("echo both");
    let out = run_quick(&mut both);
    assert_output(&out, 0, "both\n", &server);
    let log = server.log();
    assert!(
        log.contains(&format!("Partial publickey for {} from", user.name)),
        "{log}"
    );
    assert!(
        log.contains(&format!("Accepted password for {} from", user.name)),
        "{log}"
    );
}

/// asyncssh: a signal request reaches the process group, exit-signal comes back, and MaxSessions
/// caps the sessions of one connection.
const ASYNCSSH_SIGNALS: &str = r#"
import asyncio, sys
import asyncssh

async def main():
    port, user, key = sys.argv[1:4]
    async with asyncssh.connect("127.0.0.1", int(port), username=user, client_keys=[key],
                                known_hosts=None, agent_path=None, config=[]) as conn:
        proc = await conn.create_process("echo started; exec sleep 30")
        await proc.stdout.readline()
        proc.send_signal("TERM")
        result = await proc.wait()
        print("signal", result.exit_signal[0] if result.exit_signal else None)
        first = await conn.create_process("sleep 5")
        try:
            await conn.create_process("true")
            print("second session opened")
        except asyncssh.ChannelOpenError as e:
            print("second session refused")
        first.terminate()

asyncio.run(main())
"#;

#[test]
fn signals_reach_the_process_and_max_sessions_caps_a_connection() {
    if skip_unless_root("signals_reach_the_process") || !require("python3") {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let server = Server::start("UsePAM no\nMaxSessions 1\n");
    let out = run_quick(
        Command::new("python3")
            .args(["-c", ASYNCSSH_SIGNALS, &server.port.to_string(), &user.name])
            .arg(&key.path),
    );
    assert_output(&out, 0, "signal TERM\nsecond session refused\n", &server);
}

#[test]
fn an_expired_account_is_refused_with_and_without_pam() {
    if skip_unless_root("an_expired_account_is_refused_with_and_without_pam") {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let with_pam = Server::start("UsePAM yes\n");
    let without = Server::start("UsePAM no\n");
    // Before expiry both let the key in (PAM's account check passes).
    let out = run_quick(ssh_with_key(with_pam.port, &key.path, &user.name).arg("echo in"));
    assert_output(&out, 0, "in\n", &with_pam);
    assert!(
        Command::new("chage")
            .args(["-E", "1", &user.name])
            .status()
            .unwrap()
            .success()
    );
    for server in [&with_pam, &without] {
        let out = run_quick(ssh_with_key(server.port, &key.path, &user.name).arg("true"));
        assert_eq!(out.status.code(), Some(255), "{}", server.log());
    }
    assert!(with_pam.wait_log(&format!(
        "Access denied for user {} by PAM account configuration",
        user.name
    )));
    assert!(without.wait_log(&format!("Account {} has expired", user.name)));
}

#[test]
fn agent_forwarding_reaches_the_clients_agent() {
    if skip_unless_root("agent_forwarding_reaches_the_clients_agent")
        || !require("ssh-agent")
        || !require("ssh-add")
    {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let server = Server::start("UsePAM no\n");
    let sock = key.dir.path().join("agent.sock");
    let mut agent = Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&sock)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !sock.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "ssh-agent did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let added = run_quick(
        Command::new("ssh-add")
            .env("SSH_AUTH_SOCK", &sock)
            .arg(&key.path),
    );
    assert!(added.status.success(), "{added:?}");
    let out = run_quick(
        ssh_with_key(server.port, &key.path, &user.name)
            .env("SSH_AUTH_SOCK", &sock)
            .arg("-A")
            .arg("stat -c %U:%a $SSH_AUTH_SOCK; ssh-add -l"),
    );
    let _ = agent.kill();
    let _ = agent.wait();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text} {}", server.log());
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(format!("{}:600", user.name).as_str()),
        "{text}"
    );
    assert!(
        lines.next().is_some_and(|l| l.contains("(ED25519)")),
        "{text}"
    );
    // Without -A there is no socket.
    let out = run_quick(
        ssh_with_key(server.port, &key.path, &user.name).arg("echo ${SSH_AUTH_SOCK:-none}"),
    );
    assert_output(&out, 0, "none\n", &server);
}

#[test]
fn an_unresponsive_client_is_disconnected_after_client_alive_count_max() {
    if skip_unless_root("an_unresponsive_client_is_disconnected") {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let server = Server::start("UsePAM no\nClientAliveInterval 1\nClientAliveCountMax 2\n");
    let mut ssh = ssh_with_key(server.port, &key.path, &user.name)
        .arg("sleep 60")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(server.wait_log("Starting session: command"));
    // A stopped client answers nothing.
    assert!(
        Command::new("kill")
            .args(["-STOP", &ssh.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let found = server.wait_log(&format!(
        "Timeout, client not responding from user {} 127.0.0.1 port",
        user.name
    ));
    let _ = ssh.kill();
    let _ = ssh.wait();
    assert!(found, "{}", server.log());
}

#[test]
fn revoked_keys_and_chroot_directory_fail_closed() {
    if skip_unless_root("revoked_keys_and_chroot_directory_fail_closed") {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    let other = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    user.authorize(&other.public_line);
    let revoked = key.dir.path().join("revoked");
    std::fs::write(&revoked, format!("# revoked\n{}\n", key.public_line)).unwrap();
    let server = Server::start(&format!("UsePAM no\nRevokedKeys {}\n", revoked.display()));
    let out = run_quick(ssh_with_key(server.port, &key.path, &user.name).arg("true"));
    assert_eq!(out.status.code(), Some(255));
    assert!(server.wait_log("Authentication key ED25519 SHA256:"));
    assert!(
        server
            .log()
            .contains(&format!("revoked by file {}", revoked.display()))
    );
    let out = run_quick(ssh_with_key(server.port, &other.path, &user.name).arg("echo other"));
    assert_output(&out, 0, "other\n", &server);

    // A RevokedKeys file that cannot be read revokes everything.
    let missing = Server::start("UsePAM no\nRevokedKeys /nonexistent/revoked\n");
    let out = run_quick(ssh_with_key(missing.port, &other.path, &user.name).arg("true"));
    assert_eq!(out.status.code(), Some(255));

    // ChrootDirectory is not implemented: the session is refused, not run unconfined.
    let chroot = Server::start("UsePAM no\nChrootDirectory /var/empty\n");
    let out = run_quick(ssh_with_key(chroot.port, &other.path, &user.name).arg("echo escaped"));
    assert_ne!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(chroot.wait_log("ChrootDirectory /var/empty is not supported by oxsshd"));
}
