//! The SSH signature format of OpenSSH's PROTOCOL.sshsig: a signed blob
//! `"SSHSIG" u32 version, string public key, string namespace, string reserved, string hash
//! algorithm, string signature` over `"SSHSIG" string namespace, string reserved, string hash
//! algorithm, string H(message)`, armoured as `-----BEGIN SSH SIGNATURE-----`.
//!
//! Signing and verifying go through oxssh-keys (aws-lc-rs). This module is tool-specific today;
//! it belongs in oxssh-keys when another tool (the agent, sshd's `-Y`-style checks) needs it.

use std::io::Read;

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oxssh_keys::{KeyType, PrivateKey, PublicKey, SignatureAlgorithm};
use oxssh_wire::{Reader, Writer};

use crate::keyfile::key_error_text;
use crate::messages as msg;

const MAGIC: &[u8] = b"SSHSIG";
const VERSION: u32 = 1;
const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----\n";
const END: &str = "-----END SSH SIGNATURE-----";
/// The hash OpenSSH signs with.
pub const DEFAULT_HASH: &str = "sha512";

/// A message digest named as in the blob ("sha256", "sha512").
fn algorithm(name: &str) -> Option<&'static digest::Algorithm> {
    match name {
        "sha256" => Some(&digest::SHA256),
        "sha512" => Some(&digest::SHA512),
        _ => None,
    }
}

/// Hashes everything `input` yields with the named hash.
pub fn hash_reader(mut input: impl Read, hash: &str) -> Result<Vec<u8>, String> {
    let alg = algorithm(hash).ok_or_else(|| msg::sshsig_unsupported_hash(hash))?;
    let mut ctx = digest::Context::new(alg);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => ctx.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(msg::sshsig_read_failed(crate::error::strerror(&e))),
        }
    }
    Ok(ctx.finish().as_ref().to_vec())
}

/// The bytes actually signed.
fn signed_data(namespace: &str, hash_name: &str, message_hash: &[u8]) -> Vec<u8> {
    let mut data = Vec::with_capacity(64 + message_hash.len());
    data.write_raw(MAGIC);
    data.write_string(namespace.as_bytes());
    data.write_string(b"");
    data.write_string(hash_name.as_bytes());
    data.write_string(message_hash);
    data
}

/// Signs a message hash (made with [`DEFAULT_HASH`]) and returns the signature blob. RSA keys sign
/// with rsa-sha2-512, as OpenSSH does.
pub fn sign(key: &PrivateKey, namespace: &str, message_hash: &[u8]) -> Result<Vec<u8>, String> {
    let alg = match key.key_type() {
        KeyType::Rsa => SignatureAlgorithm::RsaSha512,
        other => other.signature_algorithms()[0],
    };
    let signature = key
        .sign(alg, &signed_data(namespace, DEFAULT_HASH, message_hash))
        .map_err(|e| msg::sshsig_couldnt_sign(key_error_text(&e)))?;
    let mut blob = Vec::with_capacity(signature.len() + 600);
    blob.write_raw(MAGIC);
    blob.write_u32(VERSION);
    blob.write_string(key.public().blob());
    blob.write_string(namespace.as_bytes());
    blob.write_string(b"");
    blob.write_string(DEFAULT_HASH.as_bytes());
    blob.write_string(&signature);
    Ok(blob)
}

/// The armoured text: base64 in 70-column lines between the markers.
pub fn armor(blob: &[u8]) -> String {
    let b64 = STANDARD.encode(blob);
    let mut out = String::from(BEGIN);
    for chunk in b64.as_bytes().chunks(70) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// `sshsig_dearmor`: the blob inside the armour, or the lines OpenSSH logs for the failure (the
/// second is what `sig_verify` adds).
pub fn dearmor(text: &[u8], function: &str) -> Result<Vec<u8>, Vec<String>> {
    // sshbuf_cmp: a short buffer is an incomplete message, a different one an invalid format.
    let short = text.len() < BEGIN.len();
    if !text.starts_with(BEGIN.as_bytes()) {
        return Err(vec![
            msg::SSHSIG_MISSING_HEADER.into(),
            msg::sshsig_armor_failed(
                function,
                if short {
                    "incomplete message"
                } else {
                    "invalid format"
                },
            ),
        ]);
    }
    let body = &text[BEGIN.len()..];
    let footer = format!("\n{END}");
    let Some(end) = body
        .windows(footer.len())
        .position(|w| w == footer.as_bytes())
    else {
        return Err(vec![
            msg::SSHSIG_MISSING_FOOTER.into(),
            msg::sshsig_armor_failed(function, "incomplete message"),
        ]);
    };
    let b64: Vec<u8> = body[..end]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    STANDARD.decode(b64).map_err(|_| {
        vec![
            msg::SSHSIG_BAD_BASE64.into(),
            msg::sshsig_armor_failed(function, "invalid format"),
        ]
    })
}

/// A parsed signature blob.
pub struct Signature {
    /// The signer's public key.
    pub key: PublicKey,
    /// The namespace it was made for.
    pub namespace: String,
    /// The message hash ("sha256" / "sha512").
    pub hash: String,
    /// The SSH signature blob.
    pub signature: Vec<u8>,
}

/// Parses a signature blob (`sshsig_parse_preamble` and the fields after it).
pub fn parse(blob: &[u8]) -> Result<Signature, String> {
    let invalid = || msg::SSHSIG_INVALID_FORMAT.to_string();
    let mut r = Reader::new(blob);
    if r.take(MAGIC.len(), "magic").map_err(|_| invalid())? != MAGIC {
        return Err(invalid());
    }
    let version = r.read_u32("version").map_err(|_| invalid())?;
    if version > VERSION {
        return Err(msg::sshsig_version_too_new(version, VERSION));
    }
    let bad_blob = |what: &str| msg::sshsig_bad_blob(what);
    let key_blob = r
        .read_string("key")
        .map_err(|_| bad_blob("invalid format"))?;
    let namespace = r
        .read_string("namespace")
        .map_err(|_| bad_blob("invalid format"))?;
    r.read_string("reserved")
        .map_err(|_| bad_blob("invalid format"))?;
    let hash = r
        .read_string("hash")
        .map_err(|_| bad_blob("invalid format"))?;
    let signature = r
        .read_string("signature")
        .map_err(|_| bad_blob("invalid format"))?;
    if !r.is_empty() {
        return Err(msg::SSHSIG_TRAILING_DATA.into());
    }
    let key = PublicKey::from_blob(key_blob).map_err(|e| bad_blob(&key_error_text(&e)))?;
    Ok(Signature {
        key,
        namespace: String::from_utf8_lossy(namespace).into_owned(),
        hash: String::from_utf8_lossy(hash).into_owned(),
        signature: signature.to_vec(),
    })
}

impl Signature {
    /// `sshsig_wrap_verify`: checks the namespace, the hash name and the signature over
    /// `message_hash` (made with `self.hash`).
    pub fn verify(&self, namespace: &str, message_hash: &[u8]) -> Result<(), String> {
        if self.namespace != namespace {
            return Err(msg::SSHSIG_NAMESPACE_MISMATCH.into());
        }
        let mut r = Reader::new(&self.signature);
        let name = r
            .read_string("signature type")
            .ok()
            .and_then(|n| std::str::from_utf8(n).ok())
            .ok_or(msg::SSHSIG_NO_SIGNATURE_TYPE)?;
        let alg = SignatureAlgorithm::from_name(name);
        if self.key.key_type() == KeyType::Rsa
            && !matches!(
                alg,
                Some(SignatureAlgorithm::RsaSha512 | SignatureAlgorithm::RsaSha256)
            )
        {
            return Err(msg::sshsig_unsupported_rsa_algorithm(name));
        }
        let alg = alg
            .filter(|a| a.key_type() == self.key.key_type())
            .ok_or(msg::SSHSIG_TYPE_MISMATCH)?;
        let data = signed_data(namespace, &self.hash, message_hash);
        self.key
            .verify(alg, &data, &self.signature)
            .map_err(|_| msg::SSHSIG_BAD_SIGNATURE.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_armor_dearmor_verify_round_trip() {
        for key_type in [KeyType::Ed25519, KeyType::EcdsaP384] {
            let key = PrivateKey::generate(key_type, None).unwrap();
            let hash = hash_reader(&b"message"[..], DEFAULT_HASH).unwrap();
            let text = armor(&sign(&key, "file", &hash).unwrap());
            assert!(text.lines().all(|l| l.len() <= 70));
            let parsed = parse(&dearmor(text.as_bytes(), "sig_verify").unwrap()).unwrap();
            assert_eq!(&parsed.key, key.public());
            assert_eq!(parsed.verify("file", &hash), Ok(()));
            assert!(parsed.verify("git", &hash).is_err());
            let other = hash_reader(&b"other"[..], DEFAULT_HASH).unwrap();
            assert_eq!(
                parsed.verify("file", &other),
                Err("Signature verification failed: incorrect signature".into())
            );
        }
    }

    #[test]
    fn armour_errors_use_openssh_words() {
        assert_eq!(
            dearmor(b"x", "sig_verify").unwrap_err(),
            [
                "Couldn't parse signature: missing header",
                "sig_verify: sshsig_armor: incomplete message"
            ]
        );
        let no_end = format!("{BEGIN}AAAA\n");
        assert_eq!(
            dearmor(no_end.as_bytes(), "sig_verify").unwrap_err()[0],
            "Couldn't parse signature: missing footer"
        );
        assert_eq!(
            parse(&[0, 0, 0]).err().unwrap(),
            "Couldn't verify signature: invalid format"
        );
    }
}
