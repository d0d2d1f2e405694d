//! The single-user default: an ordinary user runs `oxsshd -D -e` with no configuration file and
//! gets a server for themself: port 2222, host keys generated on first start (mode 600) in
//! ~/.local/state/oxssh, their ~/.ssh/authorized_keys, their password through PAM, and nobody else
//! admitted. The test (root only) creates the user and runs the daemon as that user with runuser.
//! It listens on 127.0.0.1 and a free port (`-o ListenAddress`, `-p`), the rest is the default.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// The daemon binary where `user` can execute it: in place if every directory on the way lets
/// others through, else a copy in their home.
fn binary_for(user: &TestUser) -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_oxsshd"));
    let reachable = bin
        .ancestors()
        .skip(1)
        .all(|d| std::fs::metadata(d).is_ok_and(|m| m.permissions().mode() & 0o001 != 0));
    if reachable {
        return bin;
    }
    let copy = user.home.join("oxsshd");
    std::fs::copy(&bin, &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    copy
}

fn as_user(user: &TestUser, bin: &Path) -> Command {
    let mut cmd = Command::new("runuser");
    cmd.args(["-u", &user.name, "--", "env", "-i"])
        .arg(format!("HOME={}", user.home.display()))
        .arg("PATH=/usr/bin:/bin")
        .arg(format!("USER={}", user.name))
        .arg(bin);
    cmd
}

#[test]
fn an_ordinary_user_without_configuration_gets_a_working_server_for_themself() {
    if skip_unless_root("an_ordinary_user_without_configuration_gets_a_working_server")
        || !require("sshpass")
    {
        return;
    }
    let user = test_user();
    let key = ClientKey::new("ed25519");
    user.authorize(&key.public_line);
    let bin = binary_for(&user);

    // The defaults, as -T shows them.
    let out = run_quick(as_user(&user, &bin).arg("-T"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l == "port 2222"), "{text}");
    assert!(text.lines().any(|l| l == "pidfile none"), "{text}");
    // -T only reads configuration: no host key is made yet.
    assert!(!user.home.join(".local/state/oxssh").exists());

    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = as_user(&user, &bin);
    cmd.args(["-D", "-e", "-o", "ListenAddress=127.0.0.1", "-p"])
        .arg(port.to_string());
    let server = Server::spawn(cmd, dir, PathBuf::new(), port);
    let log = server.log();
    assert!(
        log.contains(&format!(
            "Running as {0} without a configuration file: serving only {0}",
            user.name
        )),
        "{log}"
    );
    assert!(
        log.contains(&format!("Connect with: ssh -p {port} {}@HOST", user.name)),
        "{log}"
    );
    let state = user.home.join(".local/state/oxssh");
    for name in ["ssh_host_ed25519_key", "ssh_host_rsa_key"] {
        let meta = std::fs::metadata(state.join(name)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{name}");
        assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), user.uid);
    }

    let out = run_quick(ssh_with_key(port, &key.path, &user.name).arg("id -un; echo $HOME"));
    assert_output(
        &out,
        0,
        &format!("{}\n{}\n", user.name, user.home.display()),
        &server,
    );
    // Password through PAM (pam_unix checks the user's own password with its helper).
    let out =
        run_quick(ssh_with_password(port, &user.name, &user.password, "password").arg("echo pam"));
    assert_output(&out, 0, "pam\n", &server);
    // Nobody else: root is an invalid user here.
    let out = run_quick(ssh_with_key(port, &key.path, "root").arg("true"));
    assert_eq!(out.status.code(), Some(255));
    assert!(server.wait_log("Invalid user root from 127.0.0.1 port"));
}
