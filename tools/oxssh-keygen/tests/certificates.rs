//! `-L` shows certificates exactly as OpenSSH's ssh-keygen shows them: user and host
//! certificates of every key type, signed by ed25519, ECDSA and RSA CAs, with and without
//! principals, options and validity limits, several to a file, from standard input, with MD5
//! fingerprints; and the same errors for plain keys, garbage and missing files.

mod common;

use common::{Sandbox, have_openssh};

/// Makes CA and subject keys with OpenSSH and signs a set of certificates; returns their files.
fn certificates(s: &Sandbox) -> Vec<String> {
    for (name, kind) in [
        ("ca_ed", "ed25519"),
        ("ca_ec", "ecdsa"),
        ("ca_rsa", "rsa"),
        ("k_ed", "ed25519"),
        ("k_ec", "ecdsa"),
        ("k_rsa", "rsa"),
    ] {
        s.openssh_ok(&["-q", "-t", kind, "-N", "", "-f", name]);
    }
    let mut files = Vec::new();
    let cases: [(&str, &str, &[&str]); 6] = [
        ("ca_ed", "k_ed", &["-I", "plain"]),
        (
            "ca_ec",
            "k_rsa",
            &[
                "-I",
                "alice's key",
                "-n",
                "alice,bob",
                "-V",
                "20300101:20310101",
            ],
        ),
        (
            "ca_rsa",
            "k_ec",
            &[
                "-I",
                "restricted",
                "-z",
                "77",
                "-V",
                "-1d:forever",
                "-O",
                "clear",
                "-O",
                "force-command=/usr/bin/uptime",
                "-O",
                "source-address=127.0.0.1/32,::1/128",
                "-O",
                "permit-pty",
                "-O",
                "extension:custom@example.org=some value",
            ],
        ),
        ("ca_ed", "k_ec", &["-I", "host", "-h", "-n", "h.example"]),
        ("ca_rsa", "k_ed", &["-I", "until", "-V", "always:20300101"]),
        ("ca_ec", "k_ed", &["-I", "verify", "-O", "verify-required"]),
    ];
    for (i, (ca, key, extra)) in cases.iter().enumerate() {
        let copy = format!("s{i}");
        s.copy(&format!("{key}.pub"), &format!("{copy}.pub"));
        let mut args = vec!["-q", "-s", ca];
        args.extend_from_slice(extra);
        let public = format!("{copy}.pub");
        args.push(&public);
        s.openssh_ok(&args);
        files.push(format!("{copy}-cert.pub"));
    }
    files
}

#[test]
fn every_certificate_shows_as_openssh_shows_it() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    let files = certificates(&s);
    for f in &files {
        s.assert_same(&["-L", "-f", f]);
        s.assert_same(&["-L", "-E", "md5", "-f", f]);
    }
    // Several to a file, with a comment, a plain key and a broken line between them.
    let mut multi = String::new();
    for f in &files {
        multi.push_str(&s.read_string(f));
        multi.push_str("# a comment\n\n");
    }
    multi.push_str(&s.read_string("k_ed.pub"));
    multi.push_str("ssh-ed25519 notbase64!\n");
    s.write("multi", &multi);
    let out = s.assert_same(&["-L", "-f", "multi"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("multi:19 is not a certificate"));
}

#[test]
fn standard_input_plain_keys_and_missing_files_behave_as_openssh() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    let files = certificates(&s);
    let cert = s.read(&files[1]);
    let ours = s.run_with_input(common::OURS, &["-L", "-f", "-"], &cert);
    let theirs = s.run_with_input(common::OPENSSH, &["-L", "-f", "-"], &cert);
    common::assert_same_output(&["-L", "-f", "-"], &ours, &theirs);
    assert!(String::from_utf8_lossy(&ours.stdout).starts_with("(stdin):1:\n"));
    let out = s.assert_same(&["-L", "-f", "k_ed.pub"]);
    assert_eq!(out.status.code(), Some(1));
    let out = s.assert_same(&["-L", "-f", "no-such-file"]);
    assert_eq!(out.status.code(), Some(255));
}

/// Signs copies of one key with both tools and the same options; OpenSSH's `-L` must read ours
/// (it checks the CA's signature while parsing) and show the same as for its own, and both tools
/// must say the same "Signed ..." line.
#[test]
fn certificates_we_sign_read_as_openssh_signs_them() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    for (name, kind) in [("ca_ed", "ed25519"), ("ca_rsa", "rsa"), ("k", "ecdsa")] {
        s.openssh_ok(&["-q", "-t", kind, "-N", "", "-f", name]);
    }
    let cases: [&[&str]; 5] = [
        &["-s", "ca_ed", "-I", "plain"],
        &[
            "-s",
            "ca_rsa",
            "-I",
            "alice",
            "-n",
            "alice,bob",
            "-z",
            "42",
            "-V",
            "20300101:20310101",
        ],
        &[
            "-s",
            "ca_ed",
            "-I",
            "restricted",
            "-O",
            "clear",
            "-O",
            "permit-pty",
            "-O",
            "verify-required",
            "-O",
            "force-command=/usr/bin/uptime",
            "-O",
            "source-address=127.0.0.1/32",
            "-O",
            "extension:z@example.org=1",
            "-O",
            "extension:a@example.org",
            "-O",
            "critical:b@example.org=v",
        ],
        &[
            "-s",
            "ca_rsa",
            "-I",
            "host",
            "-h",
            "-n",
            "h1.example,h2.example",
            "-V",
            "always:20300101",
        ],
        &[
            "-s",
            "ca_ed",
            "-I",
            "ed",
            "-V",
            "19990101:forever",
            "-O",
            "no-pty",
            "-O",
            "no-x11-forwarding",
        ],
    ];
    for args in cases {
        s.copy("k.pub", "ours.pub");
        s.copy("k.pub", "theirs.pub");
        let mut a = args.to_vec();
        a.push("ours.pub");
        let ours = s.ours(&a);
        assert_eq!(ours.status.code(), Some(0), "{args:?}: {ours:?}");
        let mut a = args.to_vec();
        a.push("theirs.pub");
        let theirs = s.openssh(&a);
        assert_eq!(
            String::from_utf8_lossy(&ours.stderr),
            String::from_utf8_lossy(&theirs.stderr).replace("theirs-cert", "ours-cert"),
            "{args:?}"
        );
        let read_ours = s.openssh_ok(&["-L", "-f", "ours-cert.pub"]);
        let read_theirs = s.openssh_ok(&["-L", "-f", "theirs-cert.pub"]);
        assert_eq!(
            read_ours,
            read_theirs.replace("theirs-cert", "ours-cert"),
            "{args:?}"
        );
        s.assert_same(&["-L", "-f", "ours-cert.pub"]);
    }
    // Refusals in OpenSSH's words.
    for bad in [
        &["-s", "ca_ed", "k.pub"][..],
        &["-s", "ca_ed", "-I", "x", "-V", "20310101:20300101", "k.pub"],
        &["-s", "ca_ed", "-I", "x", "-O", "bogus", "k.pub"],
        &["-s", "ca_ed", "-I", "x", "-n", "a,,b", "k.pub"],
    ] {
        s.assert_same(bad);
    }
}

/// OpenSSH's sshd, trusting our CA through TrustedUserCAKeys, lets OpenSSH's ssh log in with a
/// certificate we signed and nothing in authorized_keys.
#[test]
fn sshd_accepts_a_user_certificate_we_signed() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    s.openssh_ok(&["-q", "-t", "ed25519", "-N", "", "-f", "ca"]);
    s.openssh_ok(&["-q", "-t", "ed25519", "-N", "", "-f", "id"]);
    let user = oxssh_sys::user::current_user()
        .ok()
        .flatten()
        .map_or_else(|| "root".to_owned(), |u| u.name);
    let out = s.ours(&[
        "-q", "-s", "ca", "-I", "test", "-n", &user, "-V", "-5m:+1h", "id.pub",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let ca = s.path("ca.pub");
    let Some(server) =
        oxssh_test::peers::OpenSshServer::start(&format!("TrustedUserCAKeys {}\n", ca.display()))
    else {
        return;
    };
    let out = std::process::Command::new("ssh")
        .args([
            "-F",
            "/dev/null",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-i",
        ])
        .arg(s.path("id"))
        .args([
            "-p",
            &server.port.to_string(),
            &format!("{user}@127.0.0.1"),
            "echo certified",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "certified\n",
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.log()
    );
    assert!(server.log().contains("ED25519-CERT"), "{}", server.log());
}
