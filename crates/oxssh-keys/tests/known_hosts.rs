//! known_hosts against files written by OpenSSH: `ssh-keyscan` (plain and `-H`), `ssh-keygen -H`,
//! `-F` and `-R`.

mod common;

use std::path::Path;

use common::{Sshd, have, keygen, path_str, run, stdout};
use oxssh_keys::PublicKey;
use oxssh_keys::known_hosts::{
    HostStatus, KnownHosts, format_entry, hash_file, host_port_name, remove_host,
};

fn read_pub(path: &Path) -> PublicKey {
    PublicKey::parse_openssh_line(&std::fs::read_to_string(path.with_extension("pub")).unwrap())
        .unwrap()
        .0
}

/// The line numbers `ssh-keygen -F name -f file` reports.
fn keygen_find(file: &Path, name: &str) -> Vec<usize> {
    let out = std::process::Command::new("ssh-keygen")
        .args(["-F", name, "-f", path_str(file)])
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("# Host {name} found: line ")))
        .map(|rest| rest.split(' ').next().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn keyscan_output_and_its_hashed_forms_match_like_openssh() {
    if !have("ssh-keygen") || !have("ssh-keyscan") || !Path::new("/usr/sbin/sshd").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sshd = Sshd::start(dir.path());
    let port = sshd.port.to_string();
    let host_keys: Vec<PublicKey> = sshd.host_keys.iter().map(|k| read_pub(k)).collect();
    let stranger = read_pub(&common::generate(
        dir.path(),
        "stranger",
        "ed25519",
        None,
        "",
    ));
    let name = host_port_name("127.0.0.1", sshd.port);
    assert_eq!(name, format!("[127.0.0.1]:{port}"));

    let plain = stdout(&run("ssh-keyscan", &["-p", &port, "127.0.0.1"]));
    let hashed = stdout(&run("ssh-keyscan", &["-H", "-p", &port, "127.0.0.1"]));
    let plain_path = dir.path().join("plain");
    std::fs::write(&plain_path, format!("{plain}\n")).unwrap();
    // ssh-keygen -H rewrites the plain file in place.
    let keygen_hashed_path = dir.path().join("keygen_hashed");
    std::fs::copy(&plain_path, &keygen_hashed_path).unwrap();
    keygen(&["-q", "-H", "-f", path_str(&keygen_hashed_path)]);
    let keygen_hashed = std::fs::read_to_string(&keygen_hashed_path).unwrap();
    // And so do we.
    let ours = hash_file(&plain).unwrap();
    assert!(ours.invalid_lines.is_empty());
    let ours_path = dir.path().join("ours_hashed");
    std::fs::write(&ours_path, &ours.text).unwrap();

    for text in [&plain, &hashed, &keygen_hashed, &ours.text] {
        let kh = KnownHosts::parse(text);
        assert!(kh.invalid_lines().is_empty(), "{text}");
        assert_eq!(kh.entries().len(), 3);
        for key in &host_keys {
            assert!(matches!(
                kh.check("127.0.0.1", sshd.port, key),
                HostStatus::Found { .. }
            ));
            // The same name on the default port is another host.
            assert_eq!(kh.check("127.0.0.1", 22, key), HostStatus::NotFound);
            assert!(kh.other_names(key, "127.0.0.1", sshd.port, None).is_empty());
            assert_eq!(kh.other_names(key, "otherhost", 22, None).len(), 1);
        }
        assert_eq!(
            kh.check("127.0.0.1", sshd.port, &stranger),
            HostStatus::Changed {
                lines: vec![1, 2, 3]
            }
        );
        assert_eq!(kh.known_key_types("127.0.0.1", sshd.port).len(), 3);
    }
    assert_eq!(ours.changed_lines, vec![1, 2, 3]);
    assert!(
        KnownHosts::parse(&ours.text)
            .entries()
            .iter()
            .all(|e| e.is_hashed() && e.display_names() == "[hashed name]")
    );

    // ssh-keygen -F finds the host in every form, on the lines we find it.
    for path in [&plain_path, &keygen_hashed_path, &ours_path] {
        let theirs = keygen_find(path, &name);
        let kh = KnownHosts::parse(&std::fs::read_to_string(path).unwrap());
        let mine: Vec<usize> = kh
            .find("127.0.0.1", sshd.port)
            .iter()
            .map(|e| e.line_number())
            .collect();
        assert_eq!(theirs, mine);
        assert_eq!(theirs, vec![1, 2, 3]);
    }

    // Lines we write for a new host are found by ssh-keygen -F, hashed or not.
    for hash in [false, true] {
        let lines = format_entry(&["newhost.example", "10.1.2.3"], &host_keys[0], hash).unwrap();
        assert_eq!(lines.len(), if hash { 2 } else { 1 });
        let path = dir.path().join(format!("new{hash}"));
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        assert_eq!(keygen_find(&path, "newhost.example"), vec![1]);
        assert_eq!(
            keygen_find(&path, "10.1.2.3"),
            vec![if hash { 2 } else { 1 }]
        );
    }
}

#[test]
fn remove_host_matches_ssh_keygen_r() {
    if !have("ssh-keygen") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let a = read_pub(&common::generate(dir.path(), "a", "ed25519", None, ""));
    let b = read_pub(&common::generate(dir.path(), "b", "ecdsa", Some(256), ""));
    let (a, b) = (a.to_openssh_line(""), b.to_openssh_line(""));
    let text = format!(
        "# comment\n\nHost1,10.0.0.1 {a} first\n[host1]:2222 {b}\n@revoked * {b}\n@cert-authority host1 {a}\n\
         *.wild {a}\nhost1 {b}\n!host1,host* {a}\n\t host2 {b} trailing\r\n"
    );
    for name in [
        "host1",
        "HOST1",
        "[host1]:2222",
        "host2",
        "nomatch",
        "10.0.0.1",
        "x.wild",
    ] {
        let path = dir.path().join("kh");
        std::fs::write(&path, &text).unwrap();
        let out = std::process::Command::new("ssh-keygen")
            .args(["-R", name, "-f", path_str(&path)])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs = std::fs::read_to_string(&path).unwrap();
        let ours = remove_host(&text, name);
        assert!(ours.invalid_lines.is_empty());
        if ours.changed_lines.is_empty() {
            // ssh-keygen leaves an unchanged file alone.
            assert_eq!(theirs, text, "{name}");
        } else {
            assert_eq!(ours.text, theirs, "{name}");
        }
    }
}
