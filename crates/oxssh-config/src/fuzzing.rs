//! Entry points for fuzzers and hostile-input tests. Each takes arbitrary bytes, reads them as a
//! configuration file of one format entirely in memory (no disk access: `Include` can only reach
//! the input itself), resolves it, and prints the `-G`/`-T` output. None of them may panic; the
//! results are thrown away.

use std::path::PathBuf;

use crate::algorithms::{AlgorithmList, Algorithms};
use crate::client::{ClientRequest, ConfigFiles};
use crate::env::FixedEnvironment;
use crate::server::ConnectionInfo;

/// A small, fixed set of algorithm names so `+`, `-`, `^` and wildcards have something to act on.
pub fn algorithms() -> Algorithms {
    let keys = [
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "rsa-sha2-512",
        "rsa-sha2-256",
    ];
    Algorithms {
        ciphers: AlgorithmList::new(
            &[
                "aes128-ctr",
                "aes256-ctr",
                "aes128-gcm@openssh.com",
                "chacha20-poly1305@openssh.com",
            ],
            &["chacha20-poly1305@openssh.com", "aes128-ctr"],
        ),
        macs: AlgorithmList::new(
            &["hmac-sha2-256", "hmac-sha2-512-etm@openssh.com"],
            &["hmac-sha2-256"],
        ),
        kex: AlgorithmList::new(
            &["curve25519-sha256", "ecdh-sha2-nistp256"],
            &["curve25519-sha256"],
        ),
        host_key: AlgorithmList::new(&keys, &keys),
        pubkey_accepted: AlgorithmList::new(&keys, &keys),
        hostbased_accepted: AlgorithmList::new(&keys, &keys),
        ca_signature: AlgorithmList::new(&keys, &keys),
        gssapi_kex: AlgorithmList::default(),
    }
    .with_gssapi_defaults()
}

fn env() -> FixedEnvironment {
    let mut e = FixedEnvironment::new("fuzz", "/home/fuzz");
    e.groups.insert(
        "fuzz".to_owned(),
        vec!["fuzz".to_owned(), "wheel".to_owned()],
    );
    e.vars.insert("HOME".to_owned(), "/home/fuzz".to_owned());
    e
}

/// Reads `data` as an ssh_config file (and, one line at a time, as `-o` options) and resolves it
/// for a fixed host, then prints `ssh -G` output.
pub fn client_config(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let algorithms = algorithms();
    let path = PathBuf::from("/fuzz/ssh_config");
    let mut request = ClientRequest::new(
        "Host.Example",
        std::path::Path::new("/home/fuzz"),
        &algorithms,
    );
    request.files = ConfigFiles::Explicit(path.clone());
    let mut e = env();
    if let Ok(c) = crate::client::resolve_with(
        &request,
        &algorithms,
        &mut e,
        false,
        &[(path, text.clone())],
    ) {
        let _ = c.dump();
        let _ = c.values("hostname");
    }
    let options: Vec<String> = text.lines().take(8).map(str::to_owned).collect();
    request.options = &options;
    request.files = ConfigFiles::Explicit(PathBuf::from("none"));
    let mut e = env();
    if let Ok(c) = crate::client::resolve_with(&request, &algorithms, &mut e, false, &[]) {
        let _ = c.dump();
    }
}

/// Reads `data` as an sshd_config file, then prints `sshd -T` output globally and for a fixed
/// connection that several kinds of `Match` can hit.
pub fn server_config(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let algorithms = algorithms();
    let mut e = env();
    let files = [(PathBuf::from("/etc/ssh/sshd_config"), text.clone())];
    let Ok(config) = crate::server::load_text(&text, &files, &algorithms, &mut e) else {
        return;
    };
    let _ = config.global().dump();
    if let Ok(r) = config.test_mode(None, &mut e) {
        let _ = r.dump();
    }
    let conn = ConnectionInfo {
        user: Some("fuzz".to_owned()),
        host: Some("client.example".to_owned()),
        address: Some("10.1.2.3".to_owned()),
        local_address: Some("192.168.0.1".to_owned()),
        local_port: Some(22),
        rdomain: None,
        test: false,
    };
    if let Ok(r) = config.for_connection(&conn, &mut e) {
        let _ = r.dump();
        let _ = r.options().check_user_access(
            "fuzz",
            &["wheel".to_owned()],
            "client.example",
            "10.1.2.3",
        );
        let _ = r
            .options()
            .authorized_keys_files_for("fuzz", 1000, "/home/fuzz");
    }
}

/// Runs the line-level parsers (keyword split, argument split, Match-word split) on `data`.
pub fn lexer(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for line in text.lines() {
        let _ = crate::lexer::split_line(line);
        let _ = crate::lexer::argv_split(line);
        let mut s = Some(line);
        let mut n = 0;
        while crate::lexer::strdelim(&mut s).is_some() && n < 1000 {
            n += 1;
        }
        let _ = crate::matching::match_pattern_list(line, line, true);
        let _ = crate::matching::addr_match_list(Some("10.0.0.1"), line);
        let e = env();
        let _ = crate::forward::parse_forward(line, false, true, &e);
        let _ = crate::forward::parse_jump_host(line, &e);
        let _ = crate::tokens::expand(line, &[('h', "h"), ('p', "22")], Some(&e));
        let _ = crate::values::parse_time(line);
    }
}
