use super::*;

use oxssh_keys::PrivateKey;

fn key(t: KeyType) -> PublicKey {
    PrivateKey::generate(t, None).unwrap().public().clone()
}

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self) -> String {
        self.dir
            .path()
            .join(".ssh/known_hosts")
            .to_string_lossy()
            .into_owned()
    }

    fn write(&self, text: &str) {
        std::fs::create_dir_all(self.dir.path().join(".ssh")).unwrap();
        std::fs::write(self.file(), text).unwrap();
    }

    fn read(&self) -> String {
        std::fs::read_to_string(self.file()).unwrap_or_default()
    }

    fn ctx(&self, strict: StrictHostKeyChecking) -> Context {
        Context {
            hostname: "server.example".into(),
            port: 22,
            alias: None,
            address: Some("192.0.2.7".parse().unwrap()),
            user_files: vec![self.file()],
            system_files: vec![],
            strict,
            hash: false,
            check_host_ip: false,
            batch_mode: false,
            fingerprint_hash: FingerprintHash::Sha256,
            visual_host_key: false,
            home: self.dir.path().to_path_buf(),
        }
    }
}

#[test]
fn a_known_key_is_trusted_and_nothing_is_written() {
    let s = Setup::new();
    let k = key(KeyType::Ed25519);
    s.write(&format!("server.example {}\n", k.to_openssh_line("")));
    let before = s.read();
    assert_eq!(
        check(&s.ctx(StrictHostKeyChecking::Yes), &k),
        Verdict::Trusted
    );
    assert_eq!(s.read(), before);
}

#[test]
fn accept_new_creates_dot_ssh_and_appends_the_host() {
    let s = Setup::new();
    let k = key(KeyType::Ed25519);
    assert_eq!(
        check(&s.ctx(StrictHostKeyChecking::AcceptNew), &k),
        Verdict::Trusted
    );
    assert_eq!(
        s.read(),
        format!("server.example {}\n", k.to_openssh_line(""))
    );
    let mode = std::fs::metadata(s.dir.path().join(".ssh"))
        .unwrap()
        .permissions();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(mode.mode() & 0o777, 0o700);
    // Now known.
    assert_eq!(
        check(&s.ctx(StrictHostKeyChecking::Yes), &k),
        Verdict::Trusted
    );
}

#[test]
fn hashed_entries_are_written_and_found_again() {
    let s = Setup::new();
    let k = key(KeyType::EcdsaP256);
    let mut ctx = s.ctx(StrictHostKeyChecking::No);
    ctx.hash = true;
    ctx.port = 2222;
    assert_eq!(check(&ctx, &k), Verdict::Trusted);
    let text = s.read();
    assert!(text.starts_with("|1|"), "{text}");
    assert!(!text.contains("server.example"));
    ctx.strict = StrictHostKeyChecking::Yes;
    assert_eq!(check(&ctx, &k), Verdict::Trusted);
}

#[test]
fn a_missing_final_newline_is_added_before_the_new_line() {
    let s = Setup::new();
    let other = key(KeyType::Ed25519);
    s.write(&format!("other.example {}", other.to_openssh_line("")));
    let k = key(KeyType::Ed25519);
    assert_eq!(
        check(&s.ctx(StrictHostKeyChecking::AcceptNew), &k),
        Verdict::Trusted
    );
    let text = s.read();
    assert_eq!(text.lines().count(), 2);
    assert!(text.ends_with('\n'));
}

#[test]
fn strict_checking_refuses_an_unknown_host() {
    let s = Setup::new();
    assert_eq!(
        check(&s.ctx(StrictHostKeyChecking::Yes), &key(KeyType::Ed25519)),
        Verdict::Refused
    );
    assert_eq!(s.read(), "");
}

#[test]
fn batch_mode_never_asks_and_so_refuses() {
    let s = Setup::new();
    let mut ctx = s.ctx(StrictHostKeyChecking::Ask);
    ctx.batch_mode = true;
    assert_eq!(check(&ctx, &key(KeyType::Ed25519)), Verdict::Refused);
}

#[test]
fn a_changed_key_is_refused_unless_checking_is_off() {
    let s = Setup::new();
    let old = key(KeyType::Rsa);
    s.write(&format!("server.example {}\n", old.to_openssh_line("")));
    let new = key(KeyType::Ed25519);
    for strict in [
        StrictHostKeyChecking::Yes,
        StrictHostKeyChecking::Ask,
        StrictHostKeyChecking::AcceptNew,
    ] {
        assert_eq!(check(&s.ctx(strict), &new), Verdict::Refused, "{strict:?}");
    }
    assert_eq!(
        check(&s.ctx(StrictHostKeyChecking::No), &new),
        Verdict::Untrusted
    );
    // Nothing was replaced.
    assert!(s.read().contains(&old.to_openssh_line("")));
}

#[test]
fn a_revoked_key_is_refused_even_when_also_listed() {
    let s = Setup::new();
    let k = key(KeyType::Ed25519);
    s.write(&format!(
        "server.example {line}\n@revoked * {line}\n",
        line = k.to_openssh_line("")
    ));
    assert_eq!(
        check(&s.ctx(StrictHostKeyChecking::Ask), &k),
        Verdict::Refused
    );
    assert_eq!(
        check(&s.ctx(StrictHostKeyChecking::No), &k),
        Verdict::Untrusted
    );
}

#[test]
fn a_non_default_port_falls_back_to_the_bare_host_name() {
    let s = Setup::new();
    let k = key(KeyType::Ed25519);
    s.write(&format!("server.example {}\n", k.to_openssh_line("")));
    let mut ctx = s.ctx(StrictHostKeyChecking::Yes);
    ctx.port = 2222;
    assert_eq!(check(&ctx, &k), Verdict::Trusted);
}

#[test]
fn the_alias_replaces_host_and_port() {
    let s = Setup::new();
    let k = key(KeyType::Ed25519);
    s.write(&format!("myalias {}\n", k.to_openssh_line("")));
    let mut ctx = s.ctx(StrictHostKeyChecking::Yes);
    ctx.alias = Some("MyAlias".into());
    ctx.port = 2222;
    assert_eq!(check(&ctx, &k), Verdict::Trusted);
}

#[test]
fn known_types_and_other_names_come_from_all_files() {
    let s = Setup::new();
    let k = key(KeyType::Ed25519);
    s.write(&format!(
        "server.example {}\nelsewhere,10.0.0.1 {}\n",
        key(KeyType::Rsa).to_openssh_line(""),
        k.to_openssh_line("")
    ));
    let ctx = s.ctx(StrictHostKeyChecking::Ask);
    assert_eq!(known_key_types(&ctx), vec![KeyType::Rsa]);
    let user = load(&ctx.user_files);
    let msg = other_names_message(&ctx, &user, &[], &k, "server.example", 22);
    assert_eq!(
        msg,
        "This host key is known by the following other names/addresses:\n    ~/.ssh/known_hosts:2: elsewhere,10.0.0.1"
    );
    let lonely = key(KeyType::Ed25519);
    assert_eq!(
        other_names_message(&ctx, &user, &[], &lonely, "server.example", 22),
        "This key is not known by any other names."
    );
}

#[test]
fn home_prefixes_become_tilde_on_path_boundaries_only() {
    let home = Path::new("/home/me");
    assert_eq!(
        tilde_unexpand("/home/me/.ssh/known_hosts", home),
        "~/.ssh/known_hosts"
    );
    assert_eq!(tilde_unexpand("/home/meow/x", home), "/home/meow/x");
    assert_eq!(
        tilde_unexpand("/etc/ssh/ssh_known_hosts", home),
        "/etc/ssh/ssh_known_hosts"
    );
}
