//! authorized_keys decisions against a real OpenSSH sshd: for each file, a login with the key must
//! succeed exactly when we say `Allowed`, and run the forced command we parsed.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Sshd, generate, have, path_str};
use oxssh_keys::PublicKey;
use oxssh_keys::authorized_keys::{Authorization, AuthorizedKeys, Client};

/// Logs in with `key` and runs `echo default`; `Some(output)` when authentication succeeded (the
/// command itself may fail).
fn login(sshd: &Sshd, key: &Path, user: &str) -> Option<String> {
    let port = sshd.port.to_string();
    let target = format!("{user}@127.0.0.1");
    let mut args = vec![
        "30",
        "ssh",
        "-F",
        "/dev/null",
        "-i",
        path_str(key),
        "-p",
        &port,
        "-T",
    ];
    for option in [
        "IdentitiesOnly=yes",
        "IdentityAgent=none",
        "BatchMode=yes",
        "StrictHostKeyChecking=no",
        "UserKnownHostsFile=/dev/null",
        "LogLevel=ERROR",
        "PreferredAuthentications=publickey",
        "KexAlgorithms=curve25519-sha256",
    ] {
        args.extend(["-o", option]);
    }
    args.extend([target.as_str(), "echo default"]);
    let out = Command::new("timeout").args(&args).output().unwrap();
    let denied = String::from_utf8_lossy(&out.stderr).contains("Permission denied");
    (!denied).then(|| String::from_utf8_lossy(&out.stdout).trim_end().to_string())
}

#[test]
fn sshd_agrees_with_our_decisions() {
    if !have("ssh") || !have("ssh-keygen") || !Path::new("/usr/sbin/sshd").exists() {
        return;
    }
    let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let ak_path = dir.path().join("authorized_keys");
    let sshd = Sshd::start_with(
        dir.path(),
        &format!(
            "AuthorizedKeysFile {}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n",
            ak_path.display()
        ),
    );
    let key_path = generate(dir.path(), "client", "ed25519", None, "");
    let other_path = generate(dir.path(), "other", "ecdsa", Some(256), "");
    let line = |p: &Path| {
        std::fs::read_to_string(p.with_extension("pub"))
            .unwrap()
            .trim()
            .to_string()
    };
    let (k, other) = (line(&key_path), line(&other_path));
    let public = PublicKey::parse_openssh_line(&k).unwrap().0;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let client = Client {
        host: "127.0.0.1",
        address: "127.0.0.1",
        now,
        local_utc_offset: 0,
    };

    let cases = [
        format!("command=\"echo 'a, b' \\\"q\\\"\",no-pty {k}"),
        format!("from=\"127.0.0.1\" {k}"),
        format!("from=\"127.0.0.0/8\",command=\"echo cidr\" {k}"),
        format!("from=\"!127.0.0.1,*\" {k}"),
        format!("from=\"10.0.0.0/8\" {k}"),
        format!("from=\"127.0.0.1/8\" {k}"),
        format!("bogus,command=\"echo x\" {k}"),
        format!("expiry-time=\"20000101\" {k}"),
        format!("expiry-time=\"29991231Z\",command=\"echo later\" {k}"),
        format!("restrict,command=\"echo r\" {k}"),
        format!("from=\"10.*\" {k} first\ncommand=\"echo second\" {k} second"),
        format!("environment=\"A=b c\",no-pty\t{k}\tcomment here"),
        format!("pty,,command=\"echo e\" {k}"),
        format!("command=\"echo trailing\", {k}"),
        format!("cert-authority {k}"),
        format!("principals=\"x\" {k}"),
        format!("{other}\n  # {k}"),
        format!(
            "permitopen=\"localhost:*\",permitlisten=\"8080\",tunnel=\"any\",no-user-rc,no-X11-forwarding {k}"
        ),
        format!("no-port-forwarding,command=\"echo \\\\\\\"\" {k}"),
    ];
    for case in &cases {
        std::fs::write(&ak_path, format!("{case}\n")).unwrap();
        let theirs = login(&sshd, &key_path, &user);
        let ak = AuthorizedKeys::parse(case);
        let ours = match ak.authorize(&public, &client) {
            Authorization::Allowed(entry) => {
                let command = entry
                    .options()
                    .command
                    .clone()
                    .unwrap_or_else(|| "echo default".into());
                // Run the forced command the way sshd does, through the user's shell.
                let out = Command::new("sh").args(["-c", &command]).output().unwrap();
                Some(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
            }
            _ => None,
        };
        assert_eq!(ours, theirs, "authorized_keys:\n{case}");
    }
}
