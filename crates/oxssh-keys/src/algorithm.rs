//! Key types and signature algorithms, with their names on the wire and on screen.

/// The type of a key, independent of the signature hash used with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// Ed25519 (RFC 8709).
    Ed25519,
    /// RSA (RFC 4253 §6.6, RFC 8332).
    Rsa,
    /// ECDSA on NIST P-256 (RFC 5656).
    EcdsaP256,
    /// ECDSA on NIST P-384.
    EcdsaP384,
    /// ECDSA on NIST P-521.
    EcdsaP521,
}

impl KeyType {
    /// The key type name inside a public key blob and at the start of a public key line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ed25519 => "ssh-ed25519",
            Self::Rsa => "ssh-rsa",
            Self::EcdsaP256 => "ecdsa-sha2-nistp256",
            Self::EcdsaP384 => "ecdsa-sha2-nistp384",
            Self::EcdsaP521 => "ecdsa-sha2-nistp521",
        }
    }

    /// Looks up a key type name.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Ed25519,
            Self::Rsa,
            Self::EcdsaP256,
            Self::EcdsaP384,
            Self::EcdsaP521,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }

    /// The upper-case name OpenSSH prints in messages and randomart headers ("ED25519", "RSA", "ECDSA").
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Ed25519 => "ED25519",
            Self::Rsa => "RSA",
            Self::EcdsaP256 | Self::EcdsaP384 | Self::EcdsaP521 => "ECDSA",
        }
    }

    /// The name `ssh-keygen -t` takes ("ed25519", "rsa", "ecdsa").
    pub fn short_name(self) -> &'static str {
        match self {
            Self::Ed25519 => "ed25519",
            Self::Rsa => "rsa",
            Self::EcdsaP256 | Self::EcdsaP384 | Self::EcdsaP521 => "ecdsa",
        }
    }

    /// The signature algorithms usable with this key type, strongest first.
    pub fn signature_algorithms(self) -> &'static [SignatureAlgorithm] {
        match self {
            Self::Ed25519 => &[SignatureAlgorithm::Ed25519],
            Self::Rsa => &[
                SignatureAlgorithm::RsaSha512,
                SignatureAlgorithm::RsaSha256,
                SignatureAlgorithm::RsaSha1,
            ],
            Self::EcdsaP256 => &[SignatureAlgorithm::EcdsaP256],
            Self::EcdsaP384 => &[SignatureAlgorithm::EcdsaP384],
            Self::EcdsaP521 => &[SignatureAlgorithm::EcdsaP521],
        }
    }
}

/// A signature algorithm, as negotiated for host keys and named in public-key authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// `ssh-ed25519`.
    Ed25519,
    /// `rsa-sha2-256` (RFC 8332).
    RsaSha256,
    /// `rsa-sha2-512` (RFC 8332).
    RsaSha512,
    /// `ssh-rsa`: RSA with SHA-1. Verification only, and only when configured: SHA-1 is broken for
    /// signatures (SHAttered, and the chosen-prefix "SHA-1 is a Shambles" attack).
    RsaSha1,
    /// `ecdsa-sha2-nistp256`.
    EcdsaP256,
    /// `ecdsa-sha2-nistp384`.
    EcdsaP384,
    /// `ecdsa-sha2-nistp521`.
    EcdsaP521,
}

impl SignatureAlgorithm {
    /// All algorithms, in the order OpenSSH prefers them.
    pub const ALL: [Self; 7] = [
        Self::Ed25519,
        Self::EcdsaP256,
        Self::EcdsaP384,
        Self::EcdsaP521,
        Self::RsaSha512,
        Self::RsaSha256,
        Self::RsaSha1,
    ];

    /// The name on the wire (in KEXINIT, in a signature blob, in a publickey request).
    pub fn name(self) -> &'static str {
        match self {
            Self::Ed25519 => "ssh-ed25519",
            Self::RsaSha256 => "rsa-sha2-256",
            Self::RsaSha512 => "rsa-sha2-512",
            Self::RsaSha1 => "ssh-rsa",
            Self::EcdsaP256 => "ecdsa-sha2-nistp256",
            Self::EcdsaP384 => "ecdsa-sha2-nistp384",
            Self::EcdsaP521 => "ecdsa-sha2-nistp521",
        }
    }

    /// Looks up a wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The key type that makes this kind of signature.
    pub fn key_type(self) -> KeyType {
        match self {
            Self::Ed25519 => KeyType::Ed25519,
            Self::RsaSha256 | Self::RsaSha512 | Self::RsaSha1 => KeyType::Rsa,
            Self::EcdsaP256 => KeyType::EcdsaP256,
            Self::EcdsaP384 => KeyType::EcdsaP384,
            Self::EcdsaP521 => KeyType::EcdsaP521,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for alg in SignatureAlgorithm::ALL {
            assert_eq!(SignatureAlgorithm::from_name(alg.name()), Some(alg));
            assert!(alg.key_type().signature_algorithms().contains(&alg));
        }
        assert_eq!(KeyType::from_name("ssh-rsa"), Some(KeyType::Rsa));
        assert_eq!(SignatureAlgorithm::from_name("ssh-dss"), None);
    }
}
