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
