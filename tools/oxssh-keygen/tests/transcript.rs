//! The interactive flows in a real terminal (a PTY driven by rexpect), compared with OpenSSH's
//! ssh-keygen driven by the same script: the seed's `ssh-keygen -t rsa -b 2048` transcript with
//! the default file, `~/.ssh` creation and a mismatched passphrase; the overwrite question; and
//! the passphrase and comment prompts of `-y`, `-p` and `-c`.
//!
//! OpenSSH takes the home directory from the password database, not from `$HOME`. To point it (and
//! us) at a temporary home, the seed test runs both under nss_wrapper (Debian package
//! `libnss-wrapper`), which serves a private passwd file; without it that test is skipped loudly
//! (and fails under `CI=true`), and the typed-path test below still covers the rest.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{OPENSSH, OURS, Sandbox, have_openssh};
use oxssh_test::pty::{Terminal, nss_wrapper};

/// How long any one expectation may wait; RSA generation is the slowest step.
const TIMEOUT_MS: u64 = 60_000;

/// `program args` in a PTY, in `dir` with HOME there, and `env` added.
fn terminal(program: &str, args: &[&str], dir: &Path, env: &[(&str, String)]) -> Terminal {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("DISPLAY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    Terminal::spawn(cmd, TIMEOUT_MS)
}

/// Replaces what differs between two runs for reasons other than the tool: the sandbox path,
/// the fingerprint and the randomart of the freshly generated key.
fn mask(transcript: &str, home: &Path) -> String {
    let home = home.display().to_string();
    transcript
        .replace(&home, "<HOME>")
        .lines()
        .map(|line| {
            if let Some(rest) = line.strip_prefix("SHA256:") {
                let comment = rest.split_once(' ').map_or("", |(_, c)| c);
                format!("SHA256:<fingerprint> {comment}")
            } else if line.starts_with('|') && line.trim_end().ends_with('|') {
                "|<randomart>|".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The fingerprint line and randomart our run printed, as `ssh-keygen -lv` shows them.
fn printed_art(transcript: &str) -> String {
    let start = transcript
        .find("The key fingerprint is:")
        .expect("fingerprint");
    transcript[start..]
        .lines()
        .filter(|l| !l.starts_with("The key"))
        .map(|l| l.trim_end_matches('\r'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the seed's session with `program`, whose passwd home is `<sandbox>/home/u`.
fn seed_session(program: &str, s: &Sandbox, wrapper: &Path) -> (String, Option<i32>, PathBuf) {
    let home = s.path("home/u");
    std::fs::create_dir_all(&home).unwrap();
    let env = oxssh_test::pty::passwd_home(s.dir(), &home, wrapper);
    let mut t = terminal(program, &["-t", "rsa", "-b", "2048"], s.dir(), &env);
    t.expect("Generating public/private rsa key pair.");
    t.expect(&format!(
        "Enter file in which to save the key ({}/.ssh/id_rsa): ",
        home.display()
    ));
    t.send_line("");
    t.expect(&format!("Created directory '{}/.ssh'.", home.display()));
    t.expect("Enter passphrase (empty for no passphrase): ");
    t.send_line("one thing");
    t.expect("Enter same passphrase again: ");
    t.send_line("another");
    t.expect("Passphrases do not match.  Try again.");
    t.expect("Enter passphrase (empty for no passphrase): ");
    t.send_line("seed phrase");
    t.expect("Enter same passphrase again: ");
    t.send_line("seed phrase");
    t.expect("The key's randomart image is:");
    let (transcript, status) = t.finish();
    (transcript, status, home)
}

#[test]
fn seed_transcript_with_default_file_and_mismatch_retry() {
    if !have_openssh() {
        return;
    }
    let Some(wrapper) = nss_wrapper() else {
        return;
    };
    let ours_box = Sandbox::new();
    let theirs_box = Sandbox::new();
    let (ours, ours_status, ours_home) = seed_session(OURS, &ours_box, &wrapper);
    let (theirs, theirs_status, theirs_home) = seed_session(OPENSSH, &theirs_box, &wrapper);
    assert_eq!(ours_status, Some(0), "{ours}");
    assert_eq!(theirs_status, Some(0));
    assert_eq!(mask(&ours, &ours_home), mask(&theirs, &theirs_home));
    assert!(ours.contains(&format!(
        "Your identification has been saved in {}/.ssh/id_rsa",
        ours_home.display()
    )));

    // The files: ~/.ssh 0700, the private key 0600, the public key 0644.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(ours_home.join(".ssh")), 0o700);
    assert_eq!(mode(ours_home.join(".ssh/id_rsa")), 0o600);
    assert_eq!(mode(ours_home.join(".ssh/id_rsa.pub")), 0o644);

    // Our fingerprint line and randomart are OpenSSH's for the same key, byte for byte, and
    // OpenSSH opens the key with the passphrase typed second time round.
    let private = ours_home.join(".ssh/id_rsa").display().to_string();
    let public = format!("{private}.pub");
    let lv = ours_box.openssh_ok(&["-lv", "-f", &public]);
    let comment = ours_box
        .read_string(&public)
        .trim_end()
        .rsplit_once(' ')
        .unwrap()
        .1
        .to_string();
    let mut expected = lv.lines();
    let first = expected.next().unwrap();
    let fingerprint = first.split(' ').nth(1).unwrap();
    let art: Vec<&str> = expected.collect();
    assert_eq!(
        printed_art(&ours),
        format!("{fingerprint} {comment}\n{}", art.join("\n"))
    );
    assert!(first.starts_with("2048 SHA256:") && first.ends_with("(RSA)"));
    let y = ours_box.openssh_ok(&["-y", "-P", "seed phrase", "-f", &private]);
    assert_eq!(y, ours_box.read_string(&public));
}

/// The seed's flow with a typed file name (no nss_wrapper needed).
fn typed_session(program: &str, s: &Sandbox) -> (String, Option<i32>) {
    let mut t = terminal(program, &["-t", "ed25519", "-C", "me@seed"], s.dir(), &[]);
    t.expect("Generating public/private ed25519 key pair.");
    t.expect("Enter file in which to save the key (");
    t.expect("): ");
    t.send_line(&s.path("id_ed25519").display().to_string());
    t.expect("Enter passphrase (empty for no passphrase): ");
    t.send_line("a");
    t.expect("Enter same passphrase again: ");
    t.send_line("b");
    t.expect("Passphrases do not match.  Try again.");
    t.expect("Enter passphrase (empty for no passphrase): ");
    t.send_line("");
    t.expect("Enter same passphrase again: ");
    t.send_line("");
    t.expect("The key's randomart image is:");
    t.finish()
}

#[test]
fn typed_file_name_and_mismatch_retry_match_openssh() {
    if !have_openssh() {
        return;
    }
    let a = Sandbox::new();
    let b = Sandbox::new();
    let (ours, ours_status) = typed_session(OURS, &a);
    let (theirs, theirs_status) = typed_session(OPENSSH, &b);
    assert_eq!(ours_status, Some(0));
    assert_eq!(theirs_status, Some(0));
    assert_eq!(mask(&ours, a.dir()), mask(&theirs, b.dir()));
    // An empty passphrase: OpenSSH reads the key without one.
    let y = a.openssh_ok(&["-y", "-f", "id_ed25519"]);
    assert_eq!(y, a.read_string("id_ed25519.pub"));
}

/// Runs one scripted session with each tool in its own copy of `files` and compares transcripts.
fn compare_session(
    files: &Sandbox,
    names: &[&str],
    args: &[&str],
    script: &[(&str, Option<&str>)],
) -> (String, Option<i32>) {
    let run = |program: &str| {
        let s = Sandbox::new();
        for name in names {
            s.write(name, files.read(name));
            s.chmod(name, files.mode(name));
        }
        let mut t = terminal(program, args, s.dir(), &[]);
        for (prompt, answer) in script {
            t.expect(prompt);
            if let Some(answer) = answer {
                t.send_line(answer);
            }
        }
        let (transcript, status) = t.finish();
        (mask(&transcript, s.dir()), status, s)
    };
    let (ours, ours_status, _a) = run(OURS);
    let (theirs, theirs_status, _b) = run(OPENSSH);
    assert_eq!(ours, theirs, "{args:?}");
    assert_eq!(ours_status, theirs_status, "{args:?}");
    (ours, ours_status)
}

#[test]
fn overwrite_question_in_a_terminal() {
    if !have_openssh() {
        return;
    }
    let files = Sandbox::new();
    files.openssh_ok(&["-t", "ed25519", "-N", "", "-f", "k", "-q"]);
    let names = ["k", "k.pub"];
    let args = ["-t", "ed25519", "-N", "", "-f", "k"];
    let (_, status) = compare_session(&files, &names, &args, &[("Overwrite (y/n)? ", Some("n"))]);
    assert_eq!(status, Some(1));
    let (text, status) = compare_session(
        &files,
        &names,
        &args,
        &[
            ("Overwrite (y/n)? ", Some("y")),
            ("The key's randomart image is:", None),
        ],
    );
    assert_eq!(status, Some(0));
    assert!(text.contains("k already exists."));
}

#[test]
fn passphrase_prompts_of_y_p_and_c_in_a_terminal() {
    if !have_openssh() {
        return;
    }
    let files = Sandbox::new();
    files.openssh_ok(&[
        "-t",
        "ecdsa",
        "-N",
        "old phrase",
        "-C",
        "the comment",
        "-f",
        "k",
        "-q",
    ]);
    let names = ["k", "k.pub"];
    // -y asks for the passphrase.
    let (text, status) = compare_session(
        &files,
        &names,
        &["-y", "-f", "k"],
        &[("Enter passphrase: ", Some("old phrase"))],
    );
    assert_eq!(status, Some(0));
    assert!(text.contains("the comment"));
    let (_, status) = compare_session(
        &files,
        &names,
        &["-y", "-f", "k"],
        &[("Enter passphrase: ", Some("nope"))],
    );
    assert_eq!(status, Some(255));
    // -p: old passphrase, then the new one twice; a mismatch ends it with status 1.
    let (_, status) = compare_session(
        &files,
        &names,
        &["-p", "-f", "k"],
        &[
            ("Enter old passphrase: ", Some("old phrase")),
            (
                "Enter new passphrase (empty for no passphrase): ",
                Some("new one"),
            ),
            ("Enter same passphrase again: ", Some("other one")),
            ("Pass phrases do not match.  Try again.", None),
        ],
    );
    assert_eq!(status, Some(1));
    let (_, status) = compare_session(
        &files,
        &names,
        &["-p", "-f", "k"],
        &[
            ("Enter old passphrase: ", Some("old phrase")),
            (
                "Enter new passphrase (empty for no passphrase): ",
                Some("new one"),
            ),
            ("Enter same passphrase again: ", Some("new one")),
            (
                "Your identification has been saved with the new passphrase.",
                None,
            ),
        ],
    );
    assert_eq!(status, Some(0));
    // -c: the passphrase, then the new comment.
    let (text, status) = compare_session(
        &files,
        &names,
        &["-c", "-f", "k"],
        &[
            ("Enter passphrase: ", Some("old phrase")),
            ("New comment: ", Some("a new comment")),
            ("Comment 'a new comment' applied", None),
        ],
    );
    assert_eq!(status, Some(0));
    assert!(text.contains("Old comment: the comment"));
}
