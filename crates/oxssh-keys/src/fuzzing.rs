//! Entry points for fuzzers and hostile-input tests. Each takes arbitrary bytes, runs one parser the
//! way a peer or a file could reach it, and checks the round-trip properties that must hold for
//! whatever the parser accepted. They must never panic; a panic here is a bug in the parser.
//!
//! Not a stable API.

use crate::agent::{Request, Response, split_frame};
use crate::authorized_keys::{AuthorizedKeys, Client};
use crate::known_hosts::{KnownHosts, hash_file, remove_host};
use crate::{FingerprintHash, PrivateKey, PublicKey, SignatureAlgorithm};

/// A fixed Ed25519 key to look up in parsed files.
const PROBE_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

fn probe_key() -> Option<PublicKey> {
    PublicKey::parse_openssh_line(PROBE_KEY)
        .ok()
        .map(|(k, _)| k)
}

/// A public key blob: parse, and if accepted re-parse its encoding, fingerprint it and try a
/// verification of the input as a signature.
pub fn public_key_blob(data: &[u8]) {
    if let Ok(key) = PublicKey::from_blob(data) {
        let again = PublicKey::from_blob(key.blob()).ok();
        assert!(
            again.as_ref() == Some(&key),
            "a parsed blob must re-parse to the same key"
        );
        let _ = key.fingerprint(FingerprintHash::Md5);
        let _ = crate::randomart::randomart(&key, FingerprintHash::Sha256);
        for &alg in key.key_type().signature_algorithms() {
            let _ = key.verify(alg, b"data", data);
        }
    }
}

/// A signature blob checked against a fixed key under every algorithm.
pub fn signature_blob(data: &[u8]) {
    if let Some(key) = probe_key() {
        for alg in SignatureAlgorithm::ALL {
            let _ = key.verify(alg, b"data", data);
        }
    }
}

/// A public key line (`type base64 comment`).
pub fn public_key_line(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok((key, comment)) = PublicKey::parse_openssh_line(&text) {
        let line = key.to_openssh_line(&comment);
        let again = PublicKey::parse_openssh_line(&line).ok().map(|(k, _)| k);
        assert!(
            again.as_ref() == Some(&key),
            "a formatted line must re-parse to the same key"
        );
    }
}

/// A private key file, decoded without a passphrase (a passphrase would only add the KDF's cost).
pub fn private_key_file(data: &[u8]) {
    let _ = PrivateKey::is_encrypted(data);
    let _ = PrivateKey::decode_public(data);
    if let Ok(key) = PrivateKey::decode(data, None) {
        // Whatever we accept we can write back out and read again.
        if let Ok(text) = key.encode_openssh(None, 1) {
            let again = PrivateKey::decode(text.as_bytes(), None).ok();
            assert!(
                again.as_ref().map(PrivateKey::public) == Some(key.public()),
                "re-encoded key must decode"
            );
        }
        if let Some(&alg) = key.key_type().signature_algorithms().first() {
            let _ = key.sign(alg, b"data");
        }
    }
}

/// known_hosts text: parse, look up, and run both rewrites.
pub fn known_hosts(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parsed = KnownHosts::parse(&text);
    if let Some(key) = probe_key() {
        let _ = parsed.check("host.example", 22, &key);
        let _ = parsed.check("10.0.0.1", 2222, &key);
        let _ = parsed.other_names(&key, "host.example", 22, Some("10.0.0.1"));
    }
    let _ = parsed.known_key_types("host.example", 22);
    let removed = remove_host(&text, "host.example");
    let _ = hash_file(&removed.text);
}

/// authorized_keys text: parse and decide for a fixed key and client.
pub fn authorized_keys(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parsed = AuthorizedKeys::parse(&text);
    if let Some(key) = probe_key() {
        let client = Client {
            host: "client.example",
            address: "192.0.2.1",
            now: 1_700_000_000,
            local_utc_offset: 3600,
        };
        let _ = parsed.authorize(&key, &client);
    }
}

/// An agent message as either side receives it (with its length prefix): framing, then decoding as a
/// request and as a response; what decodes must encode and decode again.
pub fn agent_message(data: &[u8]) {
    let body = match split_frame(data) {
        Ok(Some((body, _))) => body,
        _ => data,
    };
    if let Ok(request) = Request::decode(body) {
        let encoded = request.encode().ok();
        let again = encoded.as_ref().and_then(|e| {
            split_frame(e)
                .ok()
                .flatten()
                .map(|(b, _)| Request::decode(b))
        });
        assert!(
            matches!(again, Some(Ok(_))),
            "an encoded request must decode"
        );
    }
    if let Ok(response) = Response::decode(body) {
        let encoded = response.encode();
        let again = split_frame(&encoded)
            .ok()
            .flatten()
            .map(|(b, _)| Response::decode(b));
        assert!(
            matches!(again, Some(Ok(_))),
            "an encoded response must decode"
        );
    }
}

/// Wildcard patterns: the first line of the input is the string, the rest the pattern list.
pub fn patterns(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (s, list) = text.split_once('\n').unwrap_or((&text, "*"));
    let _ = crate::pattern::match_hostname(s, list);
    let _ = crate::authorized_keys::match_host_and_ip(s, "192.0.2.1", list);
    let _ = crate::authorized_keys::parse_options(list);
}
