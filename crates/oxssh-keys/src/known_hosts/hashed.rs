//! Hashed host names (`HashKnownHosts`, `ssh-keygen -H`): `|1|base64(salt)|base64(HMAC-SHA1(salt,
//! name))` with a 20-byte random salt (hostfile.c `host_hash`).

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::KeyError;

const MAGIC: &str = "|1|";
/// The salt is as long as the HMAC-SHA1 output, as OpenSSH makes it.
pub(crate) const SALT_LEN: usize = 20;

/// Hashes `name` (already lower-cased, and in `[host]:port` form for other ports) under `salt`.
pub fn hash_host_name_with_salt(name: &str, salt: &[u8; SALT_LEN]) -> String {
    format!(
        "{MAGIC}{}|{}",
        BASE64.encode(salt),
        BASE64.encode(hmac_sha1(salt, name))
    )
}

/// Hashes `name` under a fresh random salt, as `HashKnownHosts yes` and `ssh-keygen -H` write it.
pub fn hash_host_name(name: &str) -> Result<String, KeyError> {
    let mut salt = [0u8; SALT_LEN];
    aws_lc_rs::rand::fill(&mut salt).map_err(|_| KeyError::Crypto)?;
    Ok(hash_host_name_with_salt(name, &salt))
}

fn hmac_sha1(salt: &[u8], name: &str) -> hmac::Tag {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, salt);
    hmac::sign(&key, name.as_bytes())
}

/// Extracts the salt from a hashed host field; `None` if the field is malformed (hostfile.c
/// `extract_salt`: 1 to 1024 base64 characters decoding to exactly 20 bytes).
pub(crate) fn parse_salt(field: &str) -> Option<[u8; SALT_LEN]> {
    let rest = field.strip_prefix(MAGIC)?;
    let (b64, _) = rest.split_once('|')?;
    if b64.is_empty() || b64.len() > 1024 {
        return None;
    }
    BASE64.decode(b64).ok()?.try_into().ok()
}

/// Whether the hashed `field` is the hash of `name` (compared as the whole text, as OpenSSH does).
pub(crate) fn matches(field: &str, salt: &[u8; SALT_LEN], name: &str) -> bool {
    hash_host_name_with_salt(name, salt) == field
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_round_trips() {
        let hashed = hash_host_name("example.com").unwrap();
        let salt = parse_salt(&hashed).unwrap();
        assert!(matches(&hashed, &salt, "example.com"));
        assert!(!matches(&hashed, &salt, "example.org"));
        assert_eq!(hashed.len(), 3 + 28 + 1 + 28);
        assert!(parse_salt("|1|AAAA|x").is_none(), "salt must be 20 bytes");
        assert!(parse_salt("|2|AAAAAAAAAAAAAAAAAAAAAAAAAAA=|x").is_none());
    }
}
