//! The lines printed for a key: known_hosts lines (`host key-type base64`) or, with `-D`, SSHFP
//! resource records — ssh-keyscan.c `keyprint` and `keyprint_one`, and dns.c `export_dns_rr`.

use oxssh_keys::known_hosts::{hash_host_name, host_port_name};
use oxssh_keys::{KeyType, PublicKey};

/// How keys are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// The port scanned: names get the `[host]:port` form unless it is 22.
    pub port: u16,
    /// `-H`.
    pub hash: bool,
    /// `-D`.
    pub sshfp: bool,
}

/// `-H` could not draw a random salt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashFailed;

/// The stdout lines for `key` found under `names` (the target's output names).
///
/// As in OpenSSH, on port 22 without `-H` the comma-separated names stay together on one line;
/// otherwise every name gets its own line, because each needs its own `[name]:port` or hash.
pub fn key_lines(format: Format, names: &str, key: &PublicKey) -> Result<Vec<String>, HashFailed> {
    let mut lines = Vec::new();
    if !format.hash && format.port == 22 {
        key_lines_for(format, names, key, &mut lines)?;
    } else {
        for name in names.split(',') {
            key_lines_for(format, name, key, &mut lines)?;
        }
    }
    Ok(lines)
}

fn key_lines_for(
    format: Format,
    host: &str,
    key: &PublicKey,
    lines: &mut Vec<String>,
) -> Result<(), HashFailed> {
    if format.sshfp {
        lines.extend(sshfp_records(host, key));
        return Ok(());
    }
    let name = host_port_name(host, format.port);
    let name = if format.hash {
        hash_host_name(&name).map_err(|_| HashFailed)?
    } else {
        name
    };
    lines.push(format!("{name} {}", key.to_openssh_line("")));
    Ok(())
}

/// RFC 4255 algorithm numbers (RFC 6594 for ECDSA, RFC 7479 for Ed25519).
fn sshfp_algorithm(key_type: KeyType) -> u8 {
    match key_type {
        KeyType::Rsa => 1,
        KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::EcdsaP521 => 3,
        KeyType::Ed25519 => 4,
    }
}

/// `host IN SSHFP alg 1 sha1-hex` and `... alg 2 sha256-hex`, both digests over the key blob.
pub fn sshfp_records(host: &str, key: &PublicKey) -> Vec<String> {
    use aws_lc_rs::digest;
    let alg = sshfp_algorithm(key.key_type());
    [(1, &digest::SHA1_FOR_LEGACY_USE_ONLY), (2, &digest::SHA256)]
        .into_iter()
        .map(|(number, algorithm)| {
            let hex = hex::encode(digest::digest(algorithm, key.blob()));
            format!("{host} IN SSHFP {alg} {number} {hex}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

    fn key() -> PublicKey {
        PublicKey::parse_openssh_line(ED25519).unwrap().0
    }

    #[test]
    fn port_22_keeps_the_names_together_and_lowercases() {
        let f = Format {
            port: 22,
            hash: false,
            sshfp: false,
        };
        assert_eq!(
            key_lines(f, "Host,10.0.0.1", &key()).unwrap(),
            vec![format!("host,10.0.0.1 {ED25519}")]
        );
    }

    #[test]
    fn other_ports_split_the_names() {
        let f = Format {
            port: 2222,
            hash: false,
            sshfp: false,
        };
        assert_eq!(
            key_lines(f, "a,B", &key()).unwrap(),
            vec![format!("[a]:2222 {ED25519}"), format!("[b]:2222 {ED25519}")]
        );
    }

    #[test]
    fn hashed_names_match_their_host() {
        let f = Format {
            port: 2222,
            hash: true,
            sshfp: false,
        };
        let lines = key_lines(f, "a", &key()).unwrap();
        assert_eq!(lines.len(), 1);
        let hosts = oxssh_keys::known_hosts::KnownHosts::parse(&lines[0]);
        assert_eq!(hosts.find("a", 2222).len(), 1);
        assert!(hosts.find("a", 22).is_empty());
    }

    #[test]
    fn sshfp_records_carry_both_digests() {
        let records = sshfp_records("h", &key());
        assert_eq!(records.len(), 2);
        assert!(records[0].starts_with("h IN SSHFP 4 1 "));
        assert_eq!(records[0].len(), "h IN SSHFP 4 1 ".len() + 40);
        assert!(records[1].starts_with("h IN SSHFP 4 2 "));
        assert_eq!(records[1].len(), "h IN SSHFP 4 2 ".len() + 64);
    }
}
