//! Bad input: one clear line in OpenSSH's words, a non-zero exit, no panic, and nothing
//! half-written.

mod common;

use common::{Sandbox, have_openssh, stderr};

/// The first line of standard error.
fn first_line(out: &std::process::Output) -> String {
    stderr(out).lines().next().unwrap_or_default().to_string()
}

#[test]
fn argument_errors_match_openssh() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    s.write(
        "k.pub",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl c\n",
    );
    // Fatal errors: the same line and status 255.
    for args in [
        &["-t", "foo"][..],
        &["-t", "dsa", "-f", "x", "-N", ""][..],
        &["-t", "rsa", "-b", "1000"][..],
        &["-t", "rsa", "-b", "20000"][..],
        &["-t", "ecdsa", "-b", "300"][..],
        &["-b", "abc"][..],
        &["-b", "0"][..],
        &["-b", "99999999999"][..],
        &["-a", "0"][..],
        &["-a", "-3"][..],
        &["-E", "sha999", "-l", "-f", "k.pub"][..],
        &["-m", "xml", "-e", "-f", "k.pub"][..],
        &["-Z", "rot13"][..],
    ] {
        let ours = s.ours(args);
        // DSA is an unknown type for us, and a valid one for OpenSSH 9.2.
        if args[1] == "dsa" {
            assert_eq!(stderr(&ours), "unknown key type dsa\r\n");
            assert_eq!(ours.status.code(), Some(255));
            assert!(!s.exists("x"));
            continue;
        }
        let theirs = s.openssh(args);
        common::assert_same_output(args, &ours, &theirs);
    }
    // Usage errors: the same first line and status 1; the usage text names oxssh-keygen.
    for args in [
        &["-x"][..],
        &["-f"][..],
        &["--help"][..],
        &["-p", "-c"][..],
        &["-l", "-R", "host"][..],
        &["-l", "-H"][..],
        &["-l", "extra", "-f", "k.pub"][..],
    ] {
        let ours = s.ours(args);
        let theirs = s.openssh(args);
        assert_eq!(first_line(&ours), first_line(&theirs), "{args:?}");
        assert_eq!(ours.status.code(), Some(1), "{args:?}");
        assert_eq!(theirs.status.code(), Some(1));
        assert!(stderr(&ours).contains("\nusage: oxssh-keygen "), "{args:?}");
    }
}

#[test]
fn rsa_sizes_aws_lc_cannot_make_get_a_clear_error() {
    let s = Sandbox::new();
    for bits in ["1024", "2047", "2560", "3000", "6144", "16384"] {
        let out = s.ours(&["-t", "rsa", "-b", bits, "-N", "", "-f", "k"]);
        assert_eq!(
            stderr(&out),
            "Invalid RSA key length: must be 2048, 3072, 4096 or 8192 bits\r\n",
            "{bits}"
        );
        assert_eq!(out.status.code(), Some(255));
        assert!(!s.exists("k"), "nothing written for {bits}");
    }
}

#[test]
fn missing_and_unreadable_files_match_openssh() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    std::fs::create_dir(s.path("dir")).unwrap();
    s.write("empty", "");
    s.chmod("empty", 0o600);
    for file in ["missing", "dir", "empty"] {
        for op in [
            &["-l"][..],
            &["-y"],
            &["-p", "-P", "", "-N", ""],
            &["-c", "-C", "x"],
            &["-e"],
            &["-i"],
            &["-F", "h"],
            &["-R", "h"],
            &["-H"],
        ] {
            let mut args = op.to_vec();
            args.extend(["-f", file]);
            // A directory is not a key; the messages that mention libcrypto differ (below).
            if file != "missing" && matches!(op[0], "-y" | "-p" | "-c" | "-e") {
                continue;
            }
            if file != "missing" && matches!(op[0], "-R" | "-H" | "-i") {
                continue;
            }
            let ours = s.ours(&args);
            let theirs = s.openssh(&args);
            common::assert_same_output(&args, &ours, &theirs);
        }
    }
}

/// What our tool says about a private key file OpenSSH cannot parse either.
fn assert_bad_key(s: &Sandbox, file: &str) {
    let theirs = s.openssh(&["-y", "-f", file]);
    assert_eq!(theirs.status.code(), Some(255), "OpenSSH refuses {file}");
    let ours = s.ours(&["-y", "-f", file]);
    assert_eq!(ours.status.code(), Some(255), "{file}");
    let text = stderr(&ours);
    assert_eq!(
        text.matches("\r\n").count(),
        1,
        "one line for {file}: {text:?}"
    );
    assert!(
        text.starts_with(&format!("Load key \"{file}\": ")),
        "{text}"
    );
    let ours = s.ours(&["-p", "-P", "", "-N", "", "-f", file]);
    assert_eq!(ours.status.code(), Some(255));
    assert!(stderr(&ours).starts_with(&format!("Failed to load key {file}: ")));
    let ours = s.ours(&["-c", "-C", "new", "-f", file]);
    assert_eq!(ours.status.code(), Some(255));
    assert!(stderr(&ours).starts_with(&format!("Cannot load private key \"{file}\": ")));
}

#[test]
fn truncated_and_corrupted_keys_fail_in_one_line() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    s.openssh_ok(&["-t", "ed25519", "-N", "", "-f", "good", "-q"]);
    s.openssh_ok(&[
        "-t",
        "rsa",
        "-b",
        "2048",
        "-N",
        "pass phrase",
        "-f",
        "enc",
        "-q",
    ]);
    let good = s.read_string("good");
    let enc = s.read_string("enc");
    let lines: Vec<&str> = good.lines().collect();
    let mut cases: Vec<(String, String)> = vec![
        ("half".into(), good[..good.len() / 2].to_string()),
        ("no_end".into(), lines[..lines.len() - 1].join("\n")),
        (
            "short_body".into(),
            format!("{}\n{}\n{}\n", lines[0], lines[1], lines.last().unwrap()),
        ),
        (
            "not_base64".into(),
            good.replace(lines[2], "!!!!not base64!!!!"),
        ),
        (
            "random".into(),
            "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA/w==\n-----END OPENSSH PRIVATE KEY-----\n"
                .into(),
        ),
        ("enc_truncated".into(), {
            let l: Vec<&str> = enc.lines().collect();
            format!(
                "{}\n{}\n{}\n",
                l[0],
                l[1..l.len() / 2].join("\n"),
                l.last().unwrap()
            )
        }),
        (
            "pem_garbage".into(),
            "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----\n"
                .into(),
        ),
    ];
    // Every single-character corruption of the body that OpenSSH also refuses.
    for (i, line) in lines.iter().enumerate().skip(1).take(lines.len() - 2) {
        let flipped: String = line
            .chars()
            .map(|c| {
                if c == 'A' {
                    'B'
                } else if c == 'B' {
                    'A'
                } else {
                    c
                }
            })
            .collect();
        cases.push((format!("flip{i}"), good.replace(line, &flipped)));
    }
    for (name, text) in &cases {
        s.write(name, text);
        s.chmod(name, 0o600);
        if s.openssh(&["-y", "-f", name]).status.success() {
            // OpenSSH found the corruption harmless (padding, say); ours must too.
            assert!(s.ours(&["-y", "-f", name]).status.success(), "{name}");
            continue;
        }
        assert_bad_key(&s, name);
        assert_eq!(s.read_string(name), *text, "{name} must be left alone");
    }
}

#[test]
fn wrong_passphrase_is_reported_in_openssh_words() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    s.ours_ok(&["-t", "ecdsa", "-N", "right one", "-f", "k", "-q"]);
    let before = s.read("k");
    for args in [
        &["-y", "-P", "wrong", "-f", "k"][..],
        &["-p", "-P", "wrong", "-N", "new", "-f", "k"][..],
        &["-c", "-P", "wrong", "-C", "c", "-f", "k"][..],
    ] {
        std::fs::rename(s.path("k.pub"), s.path("k.pub.away")).unwrap();
        let out = s.assert_same(args);
        std::fs::rename(s.path("k.pub.away"), s.path("k.pub")).unwrap();
        assert!(stderr(&out).contains("incorrect passphrase supplied to decrypt private key"));
        assert_ne!(out.status.code(), Some(0));
        assert_eq!(s.read("k"), before, "{args:?} must not touch the key");
    }
    // -e needs no passphrase: the public half of an openssh-key-v1 file is in the clear.
    std::fs::remove_file(s.path("k.pub")).unwrap();
    assert!(
        s.assert_same(&["-e", "-P", "wrong", "-f", "k"])
            .status
            .success()
    );
    assert_eq!(
        stderr(&s.ours(&["-y", "-P", "wrong", "-f", "k"])),
        "Load key \"k\": incorrect passphrase supplied to decrypt private key\r\n"
    );
    // Without -P and without a terminal the passphrase comes from standard input, with the
    // prompt on standard error.
    let ours = s.run_with_input(common::OURS, &["-y", "-f", "k"], b"right one\n");
    let theirs = s.run_with_input(common::OPENSSH, &["-y", "-f", "k"], b"right one\n");
    common::assert_same_output(&["-y"], &ours, &theirs);
    assert_eq!(stderr(&ours), "Enter passphrase: ");
}

#[test]
fn private_keys_others_can_read_are_refused() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    s.ours_ok(&["-t", "ed25519", "-N", "", "-f", "k", "-q"]);
    s.chmod("k", 0o644);
    s.assert_same(&["-y", "-f", "k"]);
    s.assert_same(&["-p", "-N", "x", "-f", "k"]);
    std::fs::remove_file(s.path("k.pub")).unwrap();
    s.assert_same(&["-l", "-f", "k"]);
    s.assert_same(&["-lv", "-f", "k"]);
}

#[test]
fn failed_saves_leave_nothing_behind() {
    let s = Sandbox::new();
    // The parent "directory" is a file.
    s.write("file", "x");
    let out = s.ours(&["-t", "ed25519", "-N", "", "-f", "file/key"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "Saving key \"file/key\" failed: Not a directory\r\n"
    );
    let out = s.ours(&["-t", "ed25519", "-N", "", "-f", "missing/key"]);
    assert_eq!(
        stderr(&out),
        "Saving key \"missing/key\" failed: No such file or directory\r\n"
    );
    assert_eq!(s.listing(), vec!["file"]);
    // -A under a prefix without etc/ssh: each key fails, no temporary file remains.
    std::fs::create_dir(s.path("root")).unwrap();
    let out = s.ours(&["-A", "-f", "root"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out)
            .matches("Could not save your private key in root/etc/ssh/")
            .count(),
        3
    );
    assert_eq!(std::fs::read_dir(s.path("root")).unwrap().count(), 0);
}

#[test]
fn declined_overwrite_keeps_the_old_key() {
    let s = Sandbox::new();
    s.ours_ok(&["-t", "ed25519", "-N", "", "-f", "k", "-q"]);
    let before = s.read("k");
    let out = s.run_with_input(
        common::OURS,
        &["-t", "ed25519", "-N", "", "-f", "k"],
        b"n\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        common::stdout(&out),
        "Generating public/private ed25519 key pair.\nk already exists.\nOverwrite (y/n)? "
    );
    assert_eq!(s.read("k"), before);
    // End of input is a "no" as well.
    let out = s.ours(&["-t", "ed25519", "-N", "", "-f", "k"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(s.read("k"), before);
    let out = s.run_with_input(
        common::OURS,
        &["-t", "ed25519", "-N", "", "-f", "k", "-q"],
        b"y\n",
    );
    assert_eq!(out.status.code(), Some(0));
    assert_ne!(s.read("k"), before);
}
