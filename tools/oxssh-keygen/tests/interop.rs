//! Keys we write are read by OpenSSH's ssh-keygen and keys it writes are read by ours, for every
//! type and size, with and without a passphrase; `-l`, `-lv` and `-l -E md5` print exactly what
//! OpenSSH prints for both.

mod common;

use common::{Sandbox, have_openssh, show};

const PASSPHRASE: &str = "correct horse battery";

/// The `-t`/`-b` arguments of every type and size tested on every run (RSA 4096 and 8192 are
/// tested once each, below, because generating them is slow).
const SPECS: &[(&str, &[&str])] = &[
    ("ed25519", &["-t", "ed25519"]),
    ("ecdsa256", &["-t", "ecdsa", "-b", "256"]),
    ("ecdsa384", &["-t", "ecdsa", "-b", "384"]),
    ("ecdsa521", &["-t", "ecdsa", "-b", "521"]),
    ("rsa2048", &["-t", "rsa", "-b", "2048"]),
    ("rsa3072", &["-t", "rsa"]),
];

/// `-l`, `-lv` and `-l -E md5` on the private key and on the public key print the same.
fn assert_fingerprints_match(s: &Sandbox, name: &str) {
    let public = format!("{name}.pub");
    for file in [name, public.as_str()] {
        s.assert_same(&["-l", "-f", file]);
        s.assert_same(&["-lv", "-f", file]);
        s.assert_same(&["-l", "-E", "md5", "-f", file]);
        s.assert_same(&["-lv", "-E", "md5", "-f", file]);
    }
}

/// Ours makes a key; OpenSSH reads it; both fingerprint it alike.
fn ours_to_openssh(s: &Sandbox, name: &str, spec: &[&str], passphrase: &str) {
    let comment = format!("made by oxssh {name}");
    let mut args = spec.to_vec();
    args.extend(["-N", passphrase, "-C", &comment, "-f", name, "-q"]);
    s.ours_ok(&args);
    assert_eq!(s.mode(name), 0o600, "private key mode");
    assert_eq!(s.mode(&format!("{name}.pub")) & 0o022, 0, "public key mode");
    let public = s.read_string(&format!("{name}.pub"));
    assert!(public.ends_with(&format!(" {comment}\n")));
    // OpenSSH decrypts what we wrote and finds the same public key and comment.
    let theirs = s.openssh_ok(&["-y", "-P", passphrase, "-f", name]);
    assert_eq!(theirs, public, "OpenSSH's -y of our {name}");
    if !passphrase.is_empty() {
        let wrong = s.openssh(&["-y", "-P", "wrong", "-f", name]);
        assert!(
            !wrong.status.success(),
            "OpenSSH accepted a wrong passphrase: {}",
            show(&wrong)
        );
    }
    assert_fingerprints_match(s, name);
}

/// OpenSSH makes a key; ours reads it; both fingerprint it alike.
fn openssh_to_ours(s: &Sandbox, name: &str, spec: &[&str], passphrase: &str) {
    let mut args = spec.to_vec();
    args.extend(["-N", passphrase, "-C", "made by openssh", "-f", name, "-q"]);
    s.openssh_ok(&args);
    let public = s.read_string(&format!("{name}.pub"));
    let ours = s.ours_ok(&["-y", "-P", passphrase, "-f", name]);
    assert_eq!(ours, public, "our -y of OpenSSH's {name}");
    assert_fingerprints_match(s, name);
    // Reading with the passphrase from the right place matters as much as reading at all.
    s.assert_same(&["-y", "-P", passphrase, "-f", name]);
}

fn both_ways(index: usize) {
    if !have_openssh() {
        return;
    }
    let (label, spec) = SPECS[index];
    let s = Sandbox::new();
    for (suffix, passphrase) in [("plain", ""), ("enc", PASSPHRASE)] {
        ours_to_openssh(&s, &format!("ox_{label}_{suffix}"), spec, passphrase);
        openssh_to_ours(&s, &format!("os_{label}_{suffix}"), spec, passphrase);
    }
}

#[test]
fn ed25519_keys_interoperate_both_ways() {
    both_ways(0);
}

#[test]
fn ecdsa_p256_keys_interoperate_both_ways() {
    both_ways(1);
}

#[test]
fn ecdsa_p384_keys_interoperate_both_ways() {
    both_ways(2);
}

#[test]
fn ecdsa_p521_keys_interoperate_both_ways() {
    both_ways(3);
}

#[test]
fn rsa_2048_keys_interoperate_both_ways() {
    both_ways(4);
}

#[test]
fn rsa_3072_default_size_keys_interoperate_both_ways() {
    both_ways(5);
    let s = Sandbox::new();
    s.ours_ok(&["-t", "rsa", "-N", "", "-f", "k", "-q"]);
    assert!(s.ours_ok(&["-l", "-f", "k"]).starts_with("3072 SHA256:"));
}

#[test]
fn rsa_4096_keys_interoperate_once_each_way() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    ours_to_openssh(&s, "ox_rsa4096", &["-t", "rsa", "-b", "4096"], PASSPHRASE);
    openssh_to_ours(&s, "os_rsa4096", &["-t", "rsa", "-b", "4096"], "");
}

#[test]
fn rsa_8192_key_is_read_by_openssh_and_its_rewrite_by_us() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    // OpenSSH takes about 20 s to make an 8192-bit key, so it rewrites ours instead: the file it
    // writes with a new passphrase is still a file written by OpenSSH.
    ours_to_openssh(&s, "k8192", &["-t", "rsa", "-b", "8192"], "");
    let public = s.read_string("k8192.pub");
    s.openssh_ok(&["-p", "-P", "", "-N", PASSPHRASE, "-f", "k8192"]);
    assert_eq!(s.ours_ok(&["-y", "-P", PASSPHRASE, "-f", "k8192"]), public);
    assert!(
        s.ours_ok(&["-l", "-f", "k8192.pub"])
            .starts_with("8192 SHA256:")
    );
}

#[test]
fn default_type_is_ed25519_as_in_current_openssh() {
    let s = Sandbox::new();
    let out = s.ours_ok(&["-N", "", "-f", "k"]);
    assert!(
        out.starts_with("Generating public/private ed25519 key pair.\n"),
        "{out}"
    );
    assert!(s.read_string("k.pub").starts_with("ssh-ed25519 "));
}

#[test]
fn pem_and_pkcs8_private_keys_written_by_openssh_are_read() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    for (name, spec) in [
        ("rsa", &["-t", "rsa", "-b", "2048"][..]),
        ("ec256", &["-t", "ecdsa"][..]),
        ("ec521", &["-t", "ecdsa", "-b", "521"][..]),
    ] {
        for (format, passphrase) in [
            ("PEM", ""),
            ("PKCS8", ""),
            ("PEM", PASSPHRASE),
            ("PKCS8", PASSPHRASE),
        ] {
            let file = format!("{name}_{format}_{}", passphrase.len());
            let mut args = spec.to_vec();
            args.extend(["-m", format, "-N", passphrase, "-f", &file, "-q"]);
            s.openssh_ok(&args);
            let armour = s.read_string(&file);
            assert!(
                !armour.contains("OPENSSH PRIVATE KEY"),
                "{format} file expected"
            );
            s.assert_same(&["-y", "-P", passphrase, "-f", &file]);
            s.assert_same(&["-l", "-f", &file]);
            // Without its .pub file the key must be read from the PEM itself.
            std::fs::remove_file(s.path(&format!("{file}.pub"))).unwrap();
            if passphrase.is_empty() {
                s.assert_same(&["-l", "-f", &file]);
                s.assert_same(&["-lv", "-E", "md5", "-f", &file]);
            } else {
                s.assert_same(&["-y", "-P", "wrong passphrase", "-f", &file]);
            }
        }
    }
}

#[test]
fn we_write_pem_and_pkcs8_private_keys_openssh_reads() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    for (spec, format, label) in [
        (&["-t", "rsa", "-b", "2048"][..], "PEM", "RSA PRIVATE KEY"),
        (&["-t", "ecdsa", "-b", "384"][..], "PEM", "EC PRIVATE KEY"),
        (&["-t", "rsa", "-b", "2048"][..], "PKCS8", "PRIVATE KEY"),
        (&["-t", "ecdsa"][..], "PKCS8", "PRIVATE KEY"),
    ] {
        for passphrase in ["", PASSPHRASE] {
            let file = format!("k_{format}_{}_{}", spec[1], passphrase.len());
            let mut args = spec.to_vec();
            args.extend(["-m", format, "-N", passphrase, "-f", &file, "-q"]);
            s.ours_ok(&args);
            let text = s.read_string(&file);
            let label = if passphrase.is_empty() || format == "PEM" {
                label
            } else {
                "ENCRYPTED PRIVATE KEY"
            };
            assert!(
                text.starts_with(&format!("-----BEGIN {label}-----\n")),
                "{text}"
            );
            if format == "PEM" && !passphrase.is_empty() {
                assert!(text.contains("\nDEK-Info: AES-128-CBC,"));
            }
            let public = s.read_string(&format!("{file}.pub"));
            let key = public.rsplit_once(' ').unwrap().0;
            let theirs = s.openssh_ok(&["-y", "-P", passphrase, "-f", &file]);
            assert_eq!(theirs.trim_end(), key);
            if !passphrase.is_empty() {
                s.assert_same(&["-y", "-P", "not it", "-f", &file]);
            }
        }
    }
    // OpenSSL refuses passphrases shorter than five characters; so do we, in the same words.
    s.openssh_ok(&["-t", "ecdsa", "-N", "", "-f", "a", "-q"]);
    s.copy("a", "b");
    s.chmod("b", 0o600);
    let ours = s.ours(&["-p", "-m", "PEM", "-N", "four", "-f", "a"]);
    let theirs = s.openssh(&["-p", "-m", "PEM", "-N", "four", "-f", "b"]);
    assert_eq!(
        common::stderr(&ours),
        "Saving key \"a\" failed: passphrase is too short (minimum five characters)\r\n"
    );
    assert_eq!(
        common::stderr(&theirs).replace("\"b\"", "\"a\""),
        common::stderr(&ours)
    );
    assert_eq!(ours.status.code(), theirs.status.code());
    assert_eq!(
        s.read("a"),
        s.read("b"),
        "the failed save leaves the key as it was"
    );
}

#[test]
fn passphrase_and_comment_changes_match_openssh() {
    if !have_openssh() {
        return;
    }
    // The same key in two sandboxes, changed once by each tool.
    let a = Sandbox::new();
    let b = Sandbox::new();
    a.openssh_ok(&[
        "-t",
        "ecdsa",
        "-N",
        "old phrase",
        "-C",
        "first",
        "-f",
        "k",
        "-q",
    ]);
    b.write("k", a.read("k"));
    b.write("k.pub", a.read("k.pub"));
    b.chmod("k", 0o600);
    // Each step, and the passphrase the key has after it.
    let steps: &[(&[&str], &str)] = &[
        (
            &["-p", "-P", "old phrase", "-N", "new phrase", "-f", "k"],
            "new phrase",
        ),
        (
            &["-c", "-P", "new phrase", "-C", "second comment", "-f", "k"],
            "new phrase",
        ),
        (
            &["-c", "-P", "new phrase", "-C", "second comment", "-f", "k"],
            "new phrase",
        ),
        (&["-p", "-P", "new phrase", "-N", "", "-f", "k"], ""),
        (&["-c", "-C", "", "-f", "k"], ""),
        // Unencrypted: -P is not needed and not checked.
        (&["-p", "-P", "wrong", "-N", "x y z", "-f", "k"], "x y z"),
        // Encrypted and no -P: the prompt reads an empty line from standard input and fails.
        (&["-c", "-C", "third", "-f", "k"], "x y z"),
        (&["-p", "-P", "bad", "-N", "", "-f", "k"], "x y z"),
    ];
    for (args, pass) in steps {
        let ours = a.ours(args);
        let theirs = b.openssh(args);
        common::assert_same_output(args, &ours, &theirs);
        assert_eq!(
            a.read_string("k.pub"),
            b.read_string("k.pub"),
            "after {args:?}"
        );
        // Each side's private key is readable by the other tool.
        assert_eq!(
            b.openssh_ok(&["-y", "-P", pass, "-f", &a.path("k").display().to_string()]),
            a.ours_ok(&["-y", "-P", pass, "-f", &b.path("k").display().to_string()]),
            "after {args:?}"
        );
    }
}

#[test]
fn conversions_match_openssh() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    s.openssh_ok(&["-t", "rsa", "-b", "2048", "-N", "", "-f", "rsa", "-q"]);
    s.openssh_ok(&["-t", "ecdsa", "-b", "384", "-N", "", "-f", "ec", "-q"]);
    s.openssh_ok(&["-t", "ed25519", "-N", "", "-f", "ed", "-q"]);
    for key in ["rsa", "ec", "ed"] {
        for file in [key.to_string(), format!("{key}.pub")] {
            for format in [None, Some("RFC4716"), Some("PKCS8"), Some("PEM")] {
                let mut args = vec!["-e", "-f", file.as_str()];
                if let Some(f) = format {
                    args.extend(["-m", f]);
                }
                let out = s.assert_same(&args);
                if !out.status.success() {
                    continue;
                }
                // And back again, with each tool.
                let name = format!("{file}.{}", format.unwrap_or("default"));
                s.write(&name, &out.stdout);
                let mut back = vec!["-i", "-f", name.as_str()];
                if let Some(f) = format {
                    back.extend(["-m", f]);
                }
                let imported = s.assert_same(&back);
                // OpenSSL reads an EC "PUBLIC KEY" only as PKCS#8, not as PEM RSA; all else
                // round-trips.
                let ec_as_pem = key == "ec" && format == Some("PEM");
                assert_eq!(imported.status.success(), !ec_as_pem, "{back:?}");
            }
        }
    }
    // Cross-format imports OpenSSL accepts (or refuses) alike.
    let pem = s.ours(&["-e", "-m", "PEM", "-f", "rsa.pub"]);
    s.write("rsa.pem", &pem.stdout);
    s.assert_same(&["-i", "-m", "PKCS8", "-f", "rsa.pem"]);
    let p8 = s.ours(&["-e", "-m", "PKCS8", "-f", "ec.pub"]);
    s.write("ec.p8", &p8.stdout);
    s.assert_same(&["-i", "-m", "PEM", "-f", "ec.p8"]);
    s.assert_same(&["-i", "-f", "rsa.pub"]);
    s.assert_same(&["-i", "-m", "PKCS8", "-f", "rsa"]);
    s.assert_same(&["-i", "-m", "PEM", "-f", "rsa"]);
}

#[test]
fn pem_keys_are_rewritten_as_openssh_keys_by_p_and_c() {
    if !have_openssh() {
        return;
    }
    let a = Sandbox::new();
    let b = Sandbox::new();
    a.openssh_ok(&[
        "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-f", "k", "-q",
    ]);
    b.write("k", a.read("k"));
    b.write("k.pub", a.read("k.pub"));
    b.chmod("k", 0o600);
    // A PEM key has no comment: no "Key has comment" line, then "No existing comment".
    for args in [
        &["-p", "-P", "", "-N", "", "-f", "k"][..],
        &["-c", "-C", "now with a comment", "-f", "k"][..],
    ] {
        let ours = a.ours(args);
        let theirs = b.openssh(args);
        common::assert_same_output(args, &ours, &theirs);
        assert_eq!(a.read_string("k.pub"), b.read_string("k.pub"));
        assert!(
            a.read_string("k")
                .starts_with("-----BEGIN OPENSSH PRIVATE KEY-----")
        );
    }
    let c = Sandbox::new();
    c.openssh_ok(&["-t", "ecdsa", "-m", "PEM", "-N", "", "-f", "k", "-q"]);
    let d = Sandbox::new();
    d.write("k", c.read("k"));
    d.write("k.pub", c.read("k.pub"));
    d.chmod("k", 0o600);
    let args = ["-c", "-C", "x", "-f", "k"];
    common::assert_same_output(&args, &c.ours(&args), &d.openssh(&args));
}

#[test]
fn without_a_terminal_passphrases_come_from_standard_input() {
    if !have_openssh() {
        return;
    }
    let a = Sandbox::new();
    let b = Sandbox::new();
    let args = ["-t", "ed25519", "-C", "piped", "-f", "k"];
    let ours = a.run_with_input(common::OURS, &args, b"piped phrase\npiped phrase\n");
    let theirs = b.run_with_input(common::OPENSSH, &args, b"piped phrase\npiped phrase\n");
    assert_eq!(ours.stderr, theirs.stderr);
    assert_eq!(
        common::stderr(&ours),
        "Enter passphrase (empty for no passphrase): Enter same passphrase again: "
    );
    assert_eq!(ours.status.code(), Some(0));
    // The same lines apart from the key itself.
    let mask = |o: &std::process::Output| -> Vec<String> {
        common::stdout(o)
            .lines()
            .filter(|l| !l.starts_with('|') && !l.starts_with("SHA256:"))
            .map(String::from)
            .collect()
    };
    assert_eq!(mask(&ours), mask(&theirs));
    assert_eq!(
        a.openssh_ok(&["-y", "-P", "piped phrase", "-f", "k"]),
        a.read_string("k.pub")
    );
    // -l reads standard input for "-f -".
    let l_ours = a.run_with_input(common::OURS, &["-l", "-f", "-"], &a.read("k.pub"));
    let l_theirs = a.run_with_input(common::OPENSSH, &["-l", "-f", "-"], &a.read("k.pub"));
    common::assert_same_output(&["-l", "-f", "-"], &l_ours, &l_theirs);
}
