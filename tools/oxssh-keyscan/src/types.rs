//! The key types ssh-keyscan can be asked for, in the order OpenSSH scans them (its `KT_*` bits), and
//! the host key algorithms each connection offers.

use oxssh_keys::SignatureAlgorithm;

/// One `-t` key type. The derived order is OpenSSH's `KT_*` bit order, which is the order in which
/// connections are made and results printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyKind {
    /// `dsa`: not implemented by oxssh; the greeting is read, no key exchange is attempted.
    Dsa,
    /// `rsa`.
    Rsa,
    /// `ecdsa` (all three NIST curves).
    Ecdsa,
    /// `ed25519`.
    Ed25519,
    /// `ecdsa-sk`: not implemented by oxssh (greeting only, as for `dsa`).
    EcdsaSk,
    /// `ed25519-sk`: not implemented by oxssh (greeting only).
    Ed25519Sk,
}

impl KeyKind {
    /// OpenSSH 9.2's default set (ssh-keyscan(1)): rsa, ecdsa, ed25519, ecdsa-sk and ed25519-sk.
    pub const DEFAULT: [Self; 5] = [
        Self::Rsa,
        Self::Ecdsa,
        Self::Ed25519,
        Self::EcdsaSk,
        Self::Ed25519Sk,
    ];

    /// Looks up a `-t` name the way `sshkey_type_from_name` does: a plain key type name exactly
    /// (`ssh-ed25519`, `rsa-sha2-512`, `ecdsa-sha2-nistp384` …) or a short name in any case (`RSA`,
    /// `ecdsa`, `ed25519-sk` …). Certificate names are not key types here.
    pub fn from_name(name: &str) -> Option<Self> {
        const EXACT: &[(&str, KeyKind)] = &[
            ("ssh-ed25519", KeyKind::Ed25519),
            ("sk-ssh-ed25519@openssh.com", KeyKind::Ed25519Sk),
            ("ssh-rsa", KeyKind::Rsa),
            ("rsa-sha2-256", KeyKind::Rsa),
            ("rsa-sha2-512", KeyKind::Rsa),
            ("ssh-dss", KeyKind::Dsa),
            ("ecdsa-sha2-nistp256", KeyKind::Ecdsa),
            ("ecdsa-sha2-nistp384", KeyKind::Ecdsa),
            ("ecdsa-sha2-nistp521", KeyKind::Ecdsa),
            ("sk-ecdsa-sha2-nistp256@openssh.com", KeyKind::EcdsaSk),
        ];
        const SHORT: &[(&str, KeyKind)] = &[
            ("ED25519", KeyKind::Ed25519),
            ("ED25519-SK", KeyKind::Ed25519Sk),
            ("RSA", KeyKind::Rsa),
            ("DSA", KeyKind::Dsa),
            ("ECDSA", KeyKind::Ecdsa),
            ("ECDSA-SK", KeyKind::EcdsaSk),
        ];
        EXACT
            .iter()
            .find(|(n, _)| *n == name)
            .or_else(|| SHORT.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
            .map(|(_, k)| *k)
    }

    /// The short name, for debug lines.
    pub fn short_name(self) -> &'static str {
        match self {
            Self::Dsa => "dsa",
            Self::Rsa => "rsa",
            Self::Ecdsa => "ecdsa",
            Self::Ed25519 => "ed25519",
            Self::EcdsaSk => "ecdsa-sk",
            Self::Ed25519Sk => "ed25519-sk",
        }
    }

    /// The host key algorithms a connection for this type offers (ssh-keyscan.c `keygrab_ssh2`), or
    /// `None` for the types oxssh does not implement.
    pub fn host_key_algorithms(self) -> Option<Vec<String>> {
        let names: &[&str] = match self {
            Self::Rsa => &["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
            Self::Ecdsa => &[
                "ecdsa-sha2-nistp256",
                "ecdsa-sha2-nistp384",
                "ecdsa-sha2-nistp521",
            ],
            Self::Ed25519 => &["ssh-ed25519"],
            Self::Dsa | Self::EcdsaSk | Self::Ed25519Sk => return None,
        };
        Some(
            names
                .iter()
                .filter(|n| SignatureAlgorithm::from_name(n).is_some())
                .map(|n| (*n).to_owned())
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_like_sshkey_type_from_name() {
        assert_eq!(KeyKind::from_name("rsa"), Some(KeyKind::Rsa));
        assert_eq!(KeyKind::from_name("Ed25519"), Some(KeyKind::Ed25519));
        assert_eq!(
            KeyKind::from_name("ecdsa-sha2-nistp521"),
            Some(KeyKind::Ecdsa)
        );
        assert_eq!(KeyKind::from_name("ed25519-sk"), Some(KeyKind::Ed25519Sk));
        assert_eq!(KeyKind::from_name("ssh-ed25519-cert-v01@openssh.com"), None);
        assert_eq!(KeyKind::from_name("SSH-ED25519"), None);
    }

    #[test]
    fn every_implemented_type_offers_only_its_own_algorithms() {
        for kind in KeyKind::DEFAULT {
            if let Some(algs) = kind.host_key_algorithms() {
                assert!(!algs.is_empty());
                for a in algs {
                    let alg = SignatureAlgorithm::from_name(&a).unwrap();
                    assert_eq!(KeyKind::from_name(alg.key_type().name()), Some(kind));
                }
            }
        }
    }
}
