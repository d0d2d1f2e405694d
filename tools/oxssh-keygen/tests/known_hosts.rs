//! `-F`, `-R` and `-H` print the same lines as OpenSSH's ssh-keygen and leave the same file (for
//! `-H`, the same file up to the random salts: every hashed name is checked against its salt).

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Sandbox, assert_same_output, have_openssh};

/// Public keys made by OpenSSH, as `type base64` (no comment).
struct Keys {
    rsa: String,
    ecdsa: String,
    ed: String,
    dsa: String,
    hashed_host4: String,
}

fn keys(s: &Sandbox) -> Keys {
    let make = |t: &str, name: &str| {
        s.openssh_ok(&["-t", t, "-N", "", "-f", name, "-q"]);
        let text = s.read_string(&format!("{name}.pub"));
        let mut words = text.split(' ');
        format!("{} {}", words.next().unwrap(), words.next().unwrap())
    };
    let ed = make("ed25519", "ed");
    // A hashed entry as OpenSSH writes it.
    s.write("one", format!("host4 {ed}\n"));
    s.openssh_ok(&["-H", "-f", "one"]);
    let hashed_host4 = s.read_string("one").trim_end().to_string();
    Keys {
        rsa: make("rsa", "rsa"),
        ecdsa: make("ecdsa", "ecdsa"),
        dsa: make("dsa", "dsa"),
        ed,
        hashed_host4,
    }
}

/// A known_hosts file with every kind of line: names and addresses, ports, markers, wildcards and
/// negation, an already hashed name, mixed case, indentation, a key type oxssh does not implement,
/// comments and blank lines.
fn fixture(k: &Keys) -> String {
    format!(
        "# known hosts\n\
         host1,10.0.0.1 {rsa}\n\
         [host2]:2222 {ecdsa} trailing comment\n\
         \n\
         host3 {ed}\n\
         @cert-authority *.example.com {ed}\n\
         @revoked revoked.example.com {ecdsa}\n\
         host1 {ed}\n\
         *.wild,!bad.wild {ed} wild one\n\
         {hashed}\n\
         Mixed.Case.Host {ecdsa}\n\
         \t  indented {ed}\n\
         host5 {dsa}\n",
        rsa = k.rsa,
        ecdsa = k.ecdsa,
        ed = k.ed,
        dsa = k.dsa,
        hashed = k.hashed_host4,
    )
}

const QUERIES: &[&str] = &[
    "host1",
    "10.0.0.1",
    "host2",
    "[host2]:2222",
    "host3",
    "x.example.com",
    "revoked.example.com",
    "host4",
    "HOST1",
    "mixed.case.host",
    "indented",
    "a.wild",
    "bad.wild",
    "nohost",
];

#[test]
fn find_prints_what_openssh_prints() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    let k = keys(&s);
    s.write("known_hosts", fixture(&k));
    for host in QUERIES.iter().chain(&["host5"]) {
        s.assert_same(&["-F", host, "-f", "known_hosts"]);
        s.assert_same(&["-qF", host, "-f", "known_hosts"]);
    }
    // Fingerprints: not for host5, whose DSA key oxssh cannot fingerprint.
    for host in QUERIES {
        s.assert_same(&["-lF", host, "-f", "known_hosts"]);
        s.assert_same(&["-lvF", host, "-f", "known_hosts"]);
        s.assert_same(&["-l", "-E", "md5", "-F", host, "-f", "known_hosts"]);
    }
    // -l on the whole file reads every key line (the DSA line is skipped by both... by ours).
    let all = fixture(&k).replace(&format!("host5 {}\n", k.dsa), "");
    s.write("known_hosts_nodsa", all);
    s.assert_same(&["-l", "-f", "known_hosts_nodsa"]);
    s.assert_same(&["-lv", "-f", "known_hosts_nodsa"]);
}

#[test]
fn find_with_hash_prints_hashed_lines_for_the_host() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    let k = keys(&s);
    s.write("known_hosts", fixture(&k));
    for host in QUERIES {
        let args = ["-HF", host, "-f", "known_hosts"];
        let ours = s.ours(&args);
        let theirs = s.openssh(&args);
        assert_eq!(ours.status.code(), theirs.status.code());
        assert_eq!(ours.stderr, theirs.stderr);
        assert_equivalent(
            &fixture(&k),
            &common::stdout(&ours),
            &common::stdout(&theirs),
        );
    }
}

/// Runs `args` with each tool on its own copy of `text` and compares what they print and the
/// files they leave; returns the two rewritten files.
fn rewrite_both(text: &str, args: &[&str], mode: u32) -> (String, String) {
    let a = Sandbox::new();
    let b = Sandbox::new();
    for s in [&a, &b] {
        s.write("known_hosts", text);
        s.chmod("known_hosts", mode);
    }
    let ours = a.ours(args);
    let theirs = b.openssh(args);
    assert_same_output(args, &ours, &theirs);
    assert_eq!(a.listing(), b.listing(), "files left by {args:?}");
    assert_eq!(
        a.mode("known_hosts"),
        b.mode("known_hosts"),
        "mode after {args:?}"
    );
    if b.exists("known_hosts.old") {
        assert_eq!(a.read("known_hosts.old"), b.read("known_hosts.old"));
        assert_eq!(b.read_string("known_hosts.old"), text);
    }
    (a.read_string("known_hosts"), b.read_string("known_hosts"))
}

#[test]
fn remove_leaves_the_same_file() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    let k = keys(&s);
    let text = fixture(&k);
    for host in QUERIES.iter().chain(&["host5"]) {
        for args in [
            vec!["-R", host, "-f", "known_hosts"],
            vec!["-q", "-R", host, "-f", "known_hosts"],
        ] {
            let (ours, theirs) = rewrite_both(&text, &args, 0o640);
            assert_eq!(ours, theirs, "{args:?}");
        }
    }
    // -R with -H hashes nothing and removes nothing, in OpenSSH as here.
    let (ours, theirs) = rewrite_both(&text, &["-R", "host1", "-H", "-f", "known_hosts"], 0o600);
    assert_eq!(ours, theirs);
}

#[test]
fn files_with_invalid_lines_are_not_rewritten() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    let k = keys(&s);
    let text = format!(
        "{}garbage line here\nhost6\n@bogus host7 {}\nhost8 ssh-ed25519\n",
        fixture(&k),
        k.ed
    );
    for args in [
        &["-R", "host1", "-f", "known_hosts"][..],
        &["-R", "nohost", "-f", "known_hosts"][..],
        &["-H", "-f", "known_hosts"][..],
    ] {
        let (ours, theirs) = rewrite_both(&text, args, 0o644);
        assert_eq!(ours, text, "{args:?} must leave the file alone");
        assert_eq!(theirs, text);
    }
    // Finding still works, invalid lines or not.
    s.write("known_hosts", &text);
    s.assert_same(&["-F", "host1", "-f", "known_hosts"]);
    s.assert_same(&["-F", "host6", "-f", "known_hosts"]);
}

#[test]
fn hash_leaves_an_equivalent_file() {
    if !have_openssh() {
        return;
    }
    let s = Sandbox::new();
    let k = keys(&s);
    let text = fixture(&k);
    let (ours, theirs) = rewrite_both(&text, &["-H", "-f", "known_hosts"], 0o644);
    assert_equivalent(&text, &ours, &theirs);
    // Hashing a hashed file changes nothing but the salts of nothing: no "unhashed" warning.
    let (again_ours, again_theirs) = rewrite_both(&theirs, &["-H", "-f", "known_hosts"], 0o644);
    assert_eq!(again_ours, theirs);
    assert_eq!(again_theirs, theirs);
    // Our hashed file is found by OpenSSH for every name, and the other way round.
    let a = Sandbox::new();
    a.write("ours", &ours);
    a.write("theirs", &theirs);
    for host in [
        "host1",
        "10.0.0.1",
        "[host2]:2222",
        "host3",
        "host4",
        "mixed.case.host",
    ] {
        let o = a.openssh(&["-F", host, "-f", "ours"]);
        let t = a.ours(&["-F", host, "-f", "theirs"]);
        assert_eq!(o.status.code(), Some(0), "OpenSSH finds {host} in our file");
        assert_eq!(t.status.code(), Some(0), "we find {host} in OpenSSH's file");
    }
}

/// The names a hashed host field `|1|salt|hash` can stand for, among `candidates`.
fn hashed_name<'a>(field: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let rest = field.strip_prefix("|1|")?;
    let (salt, _) = rest.split_once('|')?;
    let salt: [u8; 20] = STANDARD.decode(salt).ok()?.try_into().ok()?;
    candidates.iter().copied().find(|name| {
        oxssh_keys::known_hosts::hash_host_name_with_salt(&name.to_ascii_lowercase(), &salt)
            == field
    })
}

/// Two rewrites of `original` agree: lines equal, except hashed host fields, which must hash the
/// same name (each with its own salt) and be followed by the same text.
fn assert_equivalent(original: &str, ours: &str, theirs: &str) {
    let names: Vec<&str> = original
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .flat_map(|hosts| hosts.split(','))
        .collect();
    let ours_lines: Vec<&str> = ours.lines().collect();
    let theirs_lines: Vec<&str> = theirs.lines().collect();
    assert_eq!(
        ours_lines.len(),
        theirs_lines.len(),
        "ours:\n{ours}\ntheirs:\n{theirs}"
    );
    for (o, t) in ours_lines.iter().zip(&theirs_lines) {
        if o == t {
            continue;
        }
        let (o_host, o_rest) = o.split_once(' ').expect("hashed line");
        let (t_host, t_rest) = t.split_once(' ').expect("hashed line");
        assert_eq!(o_rest, t_rest);
        let name = hashed_name(t_host, &names).unwrap_or_else(|| panic!("OpenSSH line {t}"));
        assert_eq!(hashed_name(o_host, &names), Some(name), "our line {o}");
    }
}
