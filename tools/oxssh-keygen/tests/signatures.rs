//! `-Y sign`, `-Y verify`, `-Y check-novalidate` and `-Y find-principals` against OpenSSH's
//! ssh-keygen: signatures made by either tool verify with the other, and both print the same.

mod common;

use common::{OPENSSH, OURS, Sandbox, assert_same_output, have_openssh, stderr};

/// The public key of `name` as `type base64`.
fn key_text(s: &Sandbox, name: &str) -> String {
    let text = s.read_string(&format!("{name}.pub"));
    let mut words = text.split(' ');
    format!("{} {}", words.next().unwrap(), words.next().unwrap())
}

fn setup() -> Sandbox {
    let s = Sandbox::new();
    s.openssh_ok(&["-t", "ed25519", "-N", "", "-C", "ed", "-f", "ed", "-q"]);
    s.openssh_ok(&["-t", "ecdsa", "-b", "384", "-N", "", "-f", "ec", "-q"]);
    s.openssh_ok(&[
        "-t",
        "rsa",
        "-b",
        "2048",
        "-N",
        "sign phrase",
        "-f",
        "rsa",
        "-q",
    ]);
    s.write("message", "the message to sign\n");
    s.write("other", "a different message\n");
    let allowed = format!(
        "alice@example.com {ed}\n\
         # a comment\n\
         *@example.org namespaces=\"git,mail\" {ec}\n\
         bob,carol valid-after=\"20200101\",valid-before=\"20991231Z\" {rsa}\n\
         dave valid-after=\"20990101\" {ed}\n\
         erin valid-before=\"20000101\" {ed}\n\
         frank cert-authority {ed}\n\
         gina bogus-option {ed}\n\
         hank\n\
         \"quoted name\" {ec}\n",
        ed = key_text(&s, "ed"),
        ec = key_text(&s, "ec"),
        rsa = key_text(&s, "rsa"),
    );
    s.write("allowed_signers", allowed);
    s
}

/// Runs both tools with `input` on standard input and compares everything.
fn same_with_input(s: &Sandbox, args: &[&str], input: &[u8]) -> std::process::Output {
    let mut ours = s.run_with_input(OURS, args, input);
    let mut theirs = s.run_with_input(OPENSSH, args, input);
    // "verify time <now>" names the second each tool ran in, which may differ by one.
    for out in [&mut ours, &mut theirs] {
        out.stderr = without_verify_time(&out.stderr);
    }
    assert_same_output(args, &ours, &theirs);
    ours
}

/// `stderr` with the clock time after "verify time " replaced by a fixed word.
fn without_verify_time(stderr: &[u8]) -> Vec<u8> {
    const MARK: &str = "verify time ";
    let text = String::from_utf8_lossy(stderr);
    let mut out = String::new();
    let mut rest = text.as_ref();
    while let Some(at) = rest.find(MARK) {
        let (before, after) = rest.split_at(at + MARK.len());
        out.push_str(before);
        out.push_str("<now>");
        rest = after.trim_start_matches(|c: char| c.is_ascii_digit() || "-:T".contains(c));
    }
    out.push_str(rest);
    out.into_bytes()
}

#[test]
fn signatures_verify_across_tools() {
    if !have_openssh() {
        return;
    }
    let s = setup();
    let message = s.read("message");
    for (key, pass) in [("ed", ""), ("ec", ""), ("rsa", "sign phrase")] {
        for (signer, verifier) in [(OURS, OPENSSH), (OPENSSH, OURS)] {
            let _ = std::fs::remove_file(s.path("message.sig"));
            let out = s.run(
                signer,
                &["-Y", "sign", "-f", key, "-P", pass, "-n", "file", "message"],
            );
            assert!(
                out.status.success(),
                "{signer} signing with {key}: {}",
                stderr(&out)
            );
            assert_eq!(
                stderr(&out),
                "Signing file message\nWrite signature to message.sig\n"
            );
            let sig = s.read_string("message.sig");
            assert!(sig.starts_with("-----BEGIN SSH SIGNATURE-----\n"));
            let check = s.run_with_input(
                verifier,
                &["-Y", "check-novalidate", "-n", "file", "-s", "message.sig"],
                &message,
            );
            assert!(
                check.status.success(),
                "{verifier} checking {key}: {}",
                stderr(&check)
            );
            // Both tools agree on every verification of this signature.
            for principal in [
                "alice@example.com",
                "x@example.org",
                "bob",
                "carol",
                "dave",
                "erin",
                "frank",
                "gina",
                "hank",
                "quoted name",
                "nobody",
            ] {
                for namespace in ["file", "git"] {
                    same_with_input(
                        &s,
                        &[
                            "-Y",
                            "verify",
                            "-f",
                            "allowed_signers",
                            "-I",
                            principal,
                            "-n",
                            namespace,
                            "-s",
                            "message.sig",
                        ],
                        &message,
                    );
                }
            }
            same_with_input(
                &s,
                &["-Y", "check-novalidate", "-n", "file", "-s", "message.sig"],
                &message,
            );
            same_with_input(
                &s,
                &["-Y", "check-novalidate", "-n", "file", "-s", "message.sig"],
                b"tampered\n",
            );
            same_with_input(
                &s,
                &[
                    "-Y",
                    "find-principals",
                    "-f",
                    "allowed_signers",
                    "-s",
                    "message.sig",
                ],
                b"",
            );
            same_with_input(
                &s,
                &[
                    "-Y",
                    "verify",
                    "-f",
                    "allowed_signers",
                    "-I",
                    "alice@example.com",
                    "-n",
                    "file",
                    "-s",
                    "message.sig",
                    "-O",
                    "print-pubkey",
                ],
                &message,
            );
            same_with_input(
                &s,
                &[
                    "-Y",
                    "verify",
                    "-f",
                    "allowed_signers",
                    "-I",
                    "dave",
                    "-n",
                    "file",
                    "-s",
                    "message.sig",
                    "-O",
                    "verify-time=20991231",
                ],
                &message,
            );
        }
    }
}

#[test]
fn signing_standard_input_and_public_key_paths() {
    if !have_openssh() {
        return;
    }
    let s = setup();
    let message = s.read("message");
    // No file: standard input to standard output.
    let out = s.run_with_input(OURS, &["-Y", "sign", "-f", "ed", "-n", "file"], &message);
    assert!(out.status.success());
    assert_eq!(stderr(&out), "Signing data on standard input\n");
    s.write("stdin.sig", &out.stdout);
    same_with_input(
        &s,
        &["-Y", "check-novalidate", "-n", "file", "-s", "stdin.sig"],
        &message,
    );
    // Naming the .pub file signs with the private key beside it.
    let out = s.ours(&["-Y", "sign", "-f", "ec.pub", "-n", "mail", "-q", "other"]);
    assert!(out.status.success(), "{}", stderr(&out));
    same_with_input(
        &s,
        &[
            "-Y",
            "verify",
            "-f",
            "allowed_signers",
            "-I",
            "a@example.org",
            "-n",
            "mail",
            "-s",
            "other.sig",
        ],
        &s.read("other"),
    );
}

#[test]
fn signature_errors_match_openssh() {
    if !have_openssh() {
        return;
    }
    let s = setup();
    s.ours_ok(&["-Y", "sign", "-f", "ed", "-n", "file", "message"]);
    s.write("short.sig", "x\n");
    s.write("nofooter.sig", "-----BEGIN SSH SIGNATURE-----\nAAAA\n");
    s.write(
        "badb64.sig",
        "-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----\n",
    );
    s.write(
        "empty.sig",
        "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n",
    );
    let message = s.read("message");
    let cases: &[&[&str]] = &[
        &["-Y", "verify"],
        &["-Y", "verify", "-n", "file"],
        &["-Y", "verify", "-n", "file", "-s", "message.sig"],
        &[
            "-Y",
            "verify",
            "-n",
            "file",
            "-s",
            "message.sig",
            "-f",
            "allowed_signers",
        ],
        &["-Y", "find-principals"],
        &["-Y", "find-principals", "-s", "message.sig"],
        &["-Y", "check-novalidate"],
        &["-Y", "check-novalidate", "-n", "file"],
        &["-Y", "sign"],
        &["-Y", "sign", "-n", "file"],
        &["-Y", "sign", "-f", "missing", "-n", "file", "message"],
        &["-Y", "sign", "-f", "ed", "-n", "file", "missing"],
        &["-Y", "sign", "-f", "ed", "-n", "file", "-", "message"],
        &["-Y", "check-novalidate", "-n", "file", "-s", "missing.sig"],
        &["-Y", "check-novalidate", "-n", "file", "-s", "short.sig"],
        &["-Y", "check-novalidate", "-n", "file", "-s", "nofooter.sig"],
        &["-Y", "check-novalidate", "-n", "file", "-s", "badb64.sig"],
        &["-Y", "check-novalidate", "-n", "file", "-s", "empty.sig"],
        &[
            "-Y",
            "check-novalidate",
            "-n",
            "file",
            "-s",
            "message.sig",
            "-O",
            "bogus",
        ],
        &[
            "-Y",
            "verify",
            "-f",
            "missing",
            "-I",
            "x",
            "-n",
            "file",
            "-s",
            "message.sig",
        ],
        &[
            "-Y",
            "verify",
            "-f",
            "allowed_signers",
            "-I",
            "x",
            "-n",
            "file",
            "-s",
            "message.sig",
            "-O",
            "verify-time=never",
        ],
        &[
            "-Y",
            "find-principals",
            "-f",
            "missing",
            "-s",
            "message.sig",
        ],
        &[
            "-Y",
            "find-principals",
            "-f",
            "allowed_signers",
            "-s",
            "short.sig",
        ],
        &[
            "-Y",
            "find-principals",
            "-f",
            "allowed_signers",
            "-s",
            "message.sig",
            "-O",
            "print-pubkey",
        ],
    ];
    for args in cases {
        same_with_input(&s, args, &message);
    }
    // An unknown operation: the same first line and status; the usage names oxssh-keygen.
    let ours = s.ours(&["-Y", "verif"]);
    let theirs = s.openssh(&["-Y", "verif"]);
    assert_eq!(stderr(&ours).lines().next(), stderr(&theirs).lines().next());
    assert_eq!(ours.status.code(), theirs.status.code());
}
