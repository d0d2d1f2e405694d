//! Configuration handling of the built daemon: a bad line is refused with its file and line number
//! exactly as sshd words it and the daemon does not start; `-t` checks; `-T` prints the effective
//! configuration, with `-C` applying Match blocks; bad flags print sshd's usage.

mod common;

use std::process::Command;

use common::*;

fn oxsshd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_oxsshd"))
}

fn config_with(extra: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("host_ed25519");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-N", "", "-t", "ed25519", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success());
    let path = dir.path().join("sshd_config");
    let port = free_port();
    std::fs::write(&path, base_config(port, dir.path()) + extra).unwrap();
    (dir, path)
}

#[test]
fn a_bad_configuration_line_is_refused_with_its_line_number_and_the_daemon_does_not_start() {
    let (_dir, path) = config_with("PasswordAuthentication no\nFooBar yes\n");
    for flags in [&["-t"][..], &["-D", "-e"][..]] {
        let out = run_quick(oxsshd().args(flags).arg("-f").arg(&path));
        assert_eq!(out.status.code(), Some(255), "{flags:?}");
        let p = path.display();
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "{p}: line 7: Bad configuration option: FooBar\n{p}: terminating, 1 bad configuration options\n"
            ),
            "{flags:?}"
        );
    }
}

#[test]
fn a_missing_configuration_file_exits_1_in_sshd_words() {
    let out = run_quick(oxsshd().args(["-t", "-f", "/nonexistent/sshd_config"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "/nonexistent/sshd_config: No such file or directory\n"
    );
}

#[test]
fn dash_t_accepts_a_good_configuration_silently() {
    let (_dir, path) = config_with("UsePAM no\n");
    let out = run_quick(oxsshd().arg("-t").arg("-f").arg(&path));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
}

#[test]
fn dash_capital_t_prints_the_effective_configuration_and_applies_match_with_dash_c() {
    let (_dir, path) = config_with(
        "PasswordAuthentication no\nCiphers -aes128-ctr\nMatch User bob\n  PasswordAuthentication yes\n",
    );
    let out = run_quick(oxsshd().arg("-T").arg("-f").arg(&path).args(["-p", "4242"]));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "port 4242",
        "listenaddress 127.0.0.1:4242",
        "passwordauthentication no",
        "permitrootlogin without-password",
        "maxstartups 10:30:100",
        "ciphers chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes192-ctr,aes256-ctr",
        "macs hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    let out = run_quick(
        oxsshd()
            .arg("-T")
            .arg("-f")
            .arg(&path)
            .args(["-C", "user=bob,host=example.org,addr=192.0.2.1"]),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l == "passwordauthentication yes"),
        "{text}"
    );
}

#[test]
fn unknown_flags_print_sshd_usage_and_exit_1() {
    let out = run_quick(oxsshd().arg("-x"));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("unknown option -- x\n"), "{err}");
    assert!(err.contains("usage: oxsshd [-46DdeqTtV]"), "{err}");
}

#[test]
fn a_daemon_that_cannot_bind_says_so_and_exits() {
    let (_dir, path) = config_with("UsePAM no\n");
    let blocker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = blocker.local_addr().unwrap().port();
    let out = run_quick(
        oxsshd()
            .args(["-D", "-e", "-f"])
            .arg(&path)
            .args(["-p", &port.to_string()]),
    );
    assert_eq!(out.status.code(), Some(255));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "error: Bind to port {port} on 127.0.0.1 failed: Address already in use."
        )),
        "{err}"
    );
    assert!(err.contains("fatal: Cannot bind any address."), "{err}");
}

#[test]
fn the_sample_configuration_is_accepted() {
    let (dir, _) = config_with("");
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../contrib/sshd_config.sample"
    );
    let key = dir.path().join("host_ed25519");
    let out = run_quick(oxsshd().args(["-T", "-f", sample, "-h"]).arg(&key));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "usepam yes",
        "kbdinteractiveauthentication no",
        "acceptenv LANG",
        "acceptenv LC_*",
        "subsystem sftp /usr/lib/openssh/sftp-server",
        "allowtcpforwarding yes",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
}

#[test]
fn dash_capital_e_appends_the_log_to_a_file() {
    let (dir, path) = config_with("UsePAM no\n");
    let log = dir.path().join("log");
    let mut child = oxsshd()
        .args(["-D", "-f"])
        .arg(&path)
        .arg("-E")
        .arg(&log)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut text = String::new();
    while std::time::Instant::now() < deadline {
        text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("Server listening on 127.0.0.1 port") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        text.contains("Server listening on 127.0.0.1 port"),
        "{text:?}"
    );
}

#[test]
fn a_client_with_no_common_cipher_is_logged_with_its_offer_as_sshd_logs_it() {
    if !require("ssh") {
        return;
    }
    let server = Server::start("Ciphers aes256-gcm@openssh.com\n");
    let out = run_quick(Command::new("ssh").args(server.ssh_options()).args([
        "-c",
        "aes128-ctr",
        "nobody@127.0.0.1",
        "true",
    ]));
    assert_eq!(out.status.code(), Some(255));
    assert!(
        server.wait_log("no matching cipher found. Their offer: aes128-ctr [preauth]"),
        "{}",
        server.log()
    );
}
