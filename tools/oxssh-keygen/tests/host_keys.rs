//! `-A`: the missing host keys are made as OpenSSH makes them, with the same line printed.

mod common;

use common::{Sandbox, have_openssh, stderr, stdout};

/// The files under `<prefix>/etc/ssh`, with their modes.
fn host_key_files(s: &Sandbox) -> Vec<(String, u32)> {
    let mut files: Vec<(String, u32)> = std::fs::read_dir(s.path("root/etc/ssh"))
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let mode = s.mode(&format!("root/etc/ssh/{name}"));
            (name, mode)
        })
        .collect();
    files.sort();
    files
}

fn prepare() -> Sandbox {
    let s = Sandbox::new();
    std::fs::create_dir_all(s.path("root/etc/ssh")).unwrap();
    s
}

#[test]
fn creates_missing_host_keys_like_openssh() {
    if !have_openssh() {
        return;
    }
    let ours = prepare();
    let theirs = prepare();
    let o = ours.ours(&["-A", "-f", "root"]);
    let t = theirs.openssh(&["-A", "-f", "root"]);
    common::assert_same_output(&["-A"], &o, &t);
    assert_eq!(
        stdout(&o),
        "ssh-keygen: generating new host keys: RSA ECDSA ED25519 \n"
    );
    assert_eq!(host_key_files(&ours), host_key_files(&theirs));
    // Same kinds of key, same comment; OpenSSH reads ours.
    for (name, bits_and_type) in [
        ("rsa", ("3072", "(RSA)")),
        ("ecdsa", ("256", "(ECDSA)")),
        ("ed25519", ("256", "(ED25519)")),
    ] {
        let file = format!("root/etc/ssh/ssh_host_{name}_key");
        let l = ours.openssh_ok(&["-l", "-f", &file]);
        let words: Vec<&str> = l.split_whitespace().collect();
        assert_eq!(words[0], bits_and_type.0, "{l}");
        assert_eq!(words.last().copied(), Some(bits_and_type.1));
        let mine = ours.read_string(&format!("{file}.pub"));
        let comment_ours = mine.trim_end().rsplit_once(' ').unwrap().1.to_string();
        let other = theirs.read_string(&format!("{file}.pub"));
        assert_eq!(comment_ours, other.trim_end().rsplit_once(' ').unwrap().1);
        assert_eq!(ours.openssh_ok(&["-y", "-f", &file]), mine);
    }
    // A second run has nothing to do and says nothing.
    let o = ours.ours(&["-A", "-f", "root"]);
    let t = theirs.openssh(&["-A", "-f", "root"]);
    common::assert_same_output(&["-A"], &o, &t);
    assert_eq!(stdout(&o), "");
}

#[test]
fn only_missing_or_empty_private_keys_are_made() {
    if !have_openssh() {
        return;
    }
    let ours = prepare();
    let theirs = prepare();
    for s in [&ours, &theirs] {
        // An empty ECDSA key is replaced; an Ed25519 key without its .pub is kept as it is.
        s.write("root/etc/ssh/ssh_host_ecdsa_key", "");
        s.write("root/etc/ssh/ssh_host_ed25519_key", "not really a key");
        s.write("root/etc/ssh/ssh_host_rsa_key", "nor this");
    }
    let o = ours.ours(&["-A", "-q", "-f", "root"]);
    let t = theirs.openssh(&["-A", "-q", "-f", "root"]);
    // -q does not silence -A, in OpenSSH as here.
    common::assert_same_output(&["-A", "-q"], &o, &t);
    assert_eq!(stdout(&o), "ssh-keygen: generating new host keys: ECDSA \n");
    assert_eq!(host_key_files(&ours), host_key_files(&theirs));
    assert_eq!(
        ours.read_string("root/etc/ssh/ssh_host_ed25519_key"),
        "not really a key"
    );
    assert!(
        ours.read_string("root/etc/ssh/ssh_host_ecdsa_key")
            .starts_with("-----BEGIN OPENSSH")
    );
}

#[test]
fn unwritable_prefix_reports_each_key() {
    let s = Sandbox::new();
    let out = s.ours(&["-A", "-f", "nowhere"]);
    assert_eq!(out.status.code(), Some(0));
    // OpenSSH starts its line again after each failure.
    assert_eq!(
        stdout(&out),
        "ssh-keygen: generating new host keys: RSA ssh-keygen: generating new host keys: ECDSA \
         ssh-keygen: generating new host keys: ED25519 "
    );
    let err = stderr(&out);
    for name in ["rsa", "ecdsa", "ed25519"] {
        assert!(
            err.contains(&format!(
                "Could not save your private key in nowhere/etc/ssh/ssh_host_{name}_key."
            )),
            "{err}"
        );
    }
    assert!(err.ends_with(": No such file or directory\r\n"));
}
