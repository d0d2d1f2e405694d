//! OpenSSH's ssh, sftp and sshpass against oxsshd running as root, serving a throw-away system user:
//! publickey, password and keyboard-interactive (with and without PAM), exit status and stderr,
//! 32 MiB through `cat`, SFTP, 20 parallel logins, StrictModes, root and invalid users, and the
//! log lines fail2ban reads.

mod common;

use std::time::{Duration, Instant};

use common::*;

fn login_line(log: &str, what: &str) -> bool {
    log.lines().any(|l| l.starts_with(what))
}

#[test]
fn key_password_and_keyboard_interactive_logins_run_commands_with_pam() {
    if skip_unless_root("key_password_and_keyboard_interactive_logins_run_commands_with_pam")
        || !require("sshpass")
    {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let server = Server::start("UsePAM yes\nKbdInteractiveAuthentication yes\n");

    let out = run_quick(
        ssh_with_key(server.port, &key.path, &user.name).arg("echo out; echo err >&2; pwd; exit 7"),
    );
    assert_output(&out, 7, &format!("out\n{}\n", user.home.display()), &server);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "err\n");

    let out = run_quick(
        ssh_with_password(server.port, &user.name, &user.password, "password")
            .arg("echo via password; id -un"),
    );
    assert_output(&out, 0, &format!("via password\n{}\n", user.name), &server);

    let out = run_quick(
        ssh_with_password(
            server.port,
            &user.name,
            &user.password,
            "keyboard-interactive",
        )
        .arg("echo via kbdint"),
    );
    assert_output(&out, 0, "via kbdint\n", &server);

    let out = run_quick(
        ssh_with_password(server.port, &user.name, "wrong-password", "password").arg("true"),
    );
    assert_eq!(out.status.code(), Some(255), "{}", server.log());

    assert!(server.wait_log(&format!(
        "Failed password for {} from 127.0.0.1 port",
        user.name
    )));
    let log = server.log();
    let accepted = format!("Accepted publickey for {} from 127.0.0.1 port ", user.name);
    assert!(login_line(&log, &accepted), "{log}");
    assert!(log.contains(" ssh2: ED25519 SHA256:"), "{log}");
    assert!(login_line(
        &log,
        &format!("Accepted password for {} from 127.0.0.1 port ", user.name)
    ));
    assert!(login_line(
        &log,
        &format!(
            "Accepted keyboard-interactive/pam for {} from 127.0.0.1 port ",
            user.name
        )
    ));
    assert!(log.contains(&format!(
        "Disconnected from user {} 127.0.0.1 port",
        user.name
    )));
}

#[test]
fn without_pam_passwords_are_checked_against_shadow_and_invalid_users_look_the_same() {
    if skip_unless_root("without_pam_passwords_are_checked_against_shadow") || !require("sshpass") {
        return;
    }
    let user = test_user();
    let server = Server::start("UsePAM no\nKbdInteractiveAuthentication yes\n");

    let out = run_quick(
        ssh_with_password(server.port, &user.name, &user.password, "password").arg("echo shadow"),
    );
    assert_output(&out, 0, "shadow\n", &server);
    let out = run_quick(
        ssh_with_password(
            server.port,
            &user.name,
            &user.password,
            "keyboard-interactive",
        )
        .arg("echo prompt"),
    );
    assert_output(&out, 0, "prompt\n", &server);

    // A wrong password and an unknown user fail alike, in about the same time (the best of three
    // tries each, so other tests running in parallel do not decide the outcome).
    let timed = |name: &str| {
        (0..3)
            .map(|_| {
                let start = Instant::now();
                let out = run_quick(
                    ssh_with_password(server.port, name, "not-it", "password").arg("true"),
                );
                assert_eq!(out.status.code(), Some(255));
                start.elapsed()
            })
            .min()
            .unwrap()
    };
    let known = timed(&user.name);
    let unknown = timed("oxssh-no-such-user");
    let (fast, slow) = if known < unknown {
        (known, unknown)
    } else {
        (unknown, known)
    };
    assert!(
        slow < fast * 3 + Duration::from_millis(300),
        "known {known:?} vs unknown {unknown:?}"
    );
    assert!(server.wait_log("Failed password for invalid user oxssh-no-such-user from 127.0.0.1"));
    let log = server.log();
    assert!(
        log.contains("Invalid user oxssh-no-such-user from 127.0.0.1 port"),
        "{log}"
    );
    assert!(
        log.contains("Connection closed by invalid user oxssh-no-such-user 127.0.0.1 port")
            && log.contains("[preauth]"),
        "{log}"
    );
    assert!(
        log.contains(&format!("Failed password for {} from", user.name)),
        "{log}"
    );
}

#[test]
fn strict_modes_refuse_a_group_writable_authorized_keys() {
    if skip_unless_root("strict_modes_refuse_a_group_writable_authorized_keys") {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let server = Server::start("UsePAM no\n");
    let ak = user.home.join(".ssh/authorized_keys");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ak, std::fs::Permissions::from_mode(0o664)).unwrap();
    let out = run_quick(ssh_with_key(server.port, &key.path, &user.name).arg("true"));
    assert_eq!(out.status.code(), Some(255), "{}", server.log());
    assert!(server.wait_log(&format!(
        "Authentication refused: bad ownership or modes for file {}",
        ak.display()
    )));
    std::fs::set_permissions(&ak, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = run_quick(ssh_with_key(server.port, &key.path, &user.name).arg("echo ok"));
    assert_output(&out, 0, "ok\n", &server);
}

#[test]
fn thirty_two_mib_through_cat_come_back_byte_exact() {
    if skip_unless_root("thirty_two_mib_through_cat_come_back_byte_exact") {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let server = Server::start("UsePAM no\n");
    let data: Vec<u8> = (0..32 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let start = Instant::now();
    let out = run(
        ssh_with_key(server.port, &key.path, &user.name).arg("cat"),
        &data,
        CLIENT_TIMEOUT,
    );
    let took = start.elapsed();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout.len(), data.len());
    assert!(out.stdout == data, "the echoed bytes differ");
    eprintln!(
        "32 MiB each way through cat in {took:?} ({:.0} MiB/s)",
        32.0 / took.as_secs_f64()
    );
}

#[test]
fn openssh_with_compression_moves_data_both_ways_across_rekeys() {
    if skip_unless_root("openssh_with_compression_moves_data_both_ways_across_rekeys") {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let server = Server::start("UsePAM no\n");
    let data = oxssh_test::data::half_compressible(6 * 1024 * 1024);
    let out = run(
        ssh_with_key(server.port, &key.path, &user.name)
            // OpenSSH's client spends about half a second of CPU per re-key here (sntrup761).
            .args(["-C", "-v", "-o", "RekeyLimit=2M", "cat"]),
        &data,
        CLIENT_TIMEOUT,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(out.stdout == data, "the echoed bytes differ");
    assert!(
        stderr.contains("client->server cipher: chacha20-poly1305@openssh.com MAC: <implicit> compression: zlib@openssh.com")
            && stderr.contains("Enabling compression at level 6."),
        "{stderr}"
    );
}

#[test]
fn sftp_puts_and_gets_a_file_through_the_subsystem() {
    if skip_unless_root("sftp_puts_and_gets_a_file_through_the_subsystem")
        || !require("sftp")
        || !require("/usr/lib/openssh/sftp-server")
    {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let server = Server::start("UsePAM no\nSubsystem sftp /usr/lib/openssh/sftp-server\n");
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("up.bin");
    let back = work.path().join("down.bin");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&local, &data).unwrap();
    let batch = work.path().join("batch");
    std::fs::write(
        &batch,
        format!(
            "put {} remote.bin\nget remote.bin {}\n",
            local.display(),
            back.display()
        ),
    )
    .unwrap();
    let mut cmd = std::process::Command::new("sftp");
    cmd.args(["-F", "/dev/null", "-o", "StrictHostKeyChecking=no"])
        .args(["-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes"])
        .args(["-o", "IdentitiesOnly=yes", "-i"])
        .arg(&key.path)
        .args(["-P", &server.port.to_string(), "-b"])
        .arg(&batch)
        .arg(format!("{}@127.0.0.1", user.name));
    let out = run_quick(&mut cmd);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.log()
    );
    assert_eq!(std::fs::read(user.home.join("remote.bin")).unwrap(), data);
    assert_eq!(std::fs::read(&back).unwrap(), data);
    assert!(
        server
            .log()
            .contains(&format!("subsystem request for sftp by user {}", user.name))
    );
}

#[test]
fn twenty_parallel_logins_all_succeed() {
    if skip_unless_root("twenty_parallel_logins_all_succeed") {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let server = Server::start("UsePAM no\nMaxStartups 50:30:100\n");
    let start = Instant::now();
    let threads: Vec<_> = (0..20)
        .map(|i| {
            let mut cmd = ssh_with_key(server.port, &key.path, &user.name);
            cmd.arg(format!("echo login {i}"));
            std::thread::spawn(move || (i, run_quick(&mut cmd)))
        })
        .collect();
    for t in threads {
        let (i, out) = t.join().unwrap();
        assert_output(&out, 0, &format!("login {i}\n"), &server);
    }
    eprintln!("20 parallel logins in {:?}", start.elapsed());
}

#[test]
fn root_logs_in_with_a_key_but_not_with_a_password_by_default() {
    if skip_unless_root("root_logs_in_with_a_key_but_not_with_a_password_by_default")
        || !require("sshpass")
    {
        return;
    }
    let key = ClientKey::new("ed25519");
    let keys = key.dir.path().join("root_keys");
    std::fs::write(&keys, format!("{}\n", key.public_line)).unwrap();
    // The key file lives under /tmp, which StrictModes would rightly refuse.
    let server = Server::start(&format!(
        "UsePAM no\nStrictModes no\nAuthorizedKeysFile {}\n",
        keys.display()
    ));
    let out = run_quick(ssh_with_key(server.port, &key.path, "root").arg("id -u"));
    assert_output(&out, 0, "0\n", &server);
    let out =
        run_quick(ssh_with_password(server.port, "root", "irrelevant", "password").arg("true"));
    assert_eq!(out.status.code(), Some(255));
    assert!(server.wait_log("Failed password for root from 127.0.0.1"));
}
