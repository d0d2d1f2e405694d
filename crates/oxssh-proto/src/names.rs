//! Algorithm names exactly as they appear on the wire, their parameters, and the default preference
//! lists of each side. Like OpenSSH's myproposal.h, all defaults live here together so they can be read
//! (and argued about, see docs/defaults.md) in one place. No other file spells an algorithm name.

use oxssh_keys::SignatureAlgorithm;

/// A key-exchange method. Alias names (the `@libssh.org` and `@openssh.com` spellings) map to the same
/// method; the name that was negotiated is kept separately where it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KexAlgorithm {
    /// ML-KEM-768 hybridised with X25519, SHA-256 (draft-ietf-sshm-mlkem-hybrid-kex; OpenSSH 9.9).
    MlKem768X25519Sha256,
    /// Streamlined NTRU Prime 761 hybridised with X25519, SHA-512 (OpenSSH 8.5; default in 9.0–9.8).
    Sntrup761X25519Sha512,
    /// X25519, SHA-256 (RFC 8731).
    Curve25519Sha256,
    /// ECDH on NIST P-256, SHA-256 (RFC 5656).
    EcdhNistp256,
    /// ECDH on NIST P-384, SHA-384 (RFC 5656).
    EcdhNistp384,
    /// ECDH on NIST P-521, SHA-512 (RFC 5656).
    EcdhNistp521,
    /// Finite-field DH, 2048-bit MODP group 14, SHA-256 (RFC 8268).
    DhGroup14Sha256,
    /// Finite-field DH, 4096-bit MODP group 16, SHA-512 (RFC 8268).
    DhGroup16Sha512,
    /// Finite-field DH, 8192-bit MODP group 18, SHA-512 (RFC 8268).
    DhGroup18Sha512,
}

/// The hash function a key-exchange method uses for the exchange hash and key derivation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KexHash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

const KEX_NAMES: &[(&str, KexAlgorithm)] = &[
    ("mlkem768x25519-sha256", KexAlgorithm::MlKem768X25519Sha256),
    (
        "sntrup761x25519-sha512",
        KexAlgorithm::Sntrup761X25519Sha512,
    ),
    (
        "sntrup761x25519-sha512@openssh.com",
        KexAlgorithm::Sntrup761X25519Sha512,
    ),
    ("curve25519-sha256", KexAlgorithm::Curve25519Sha256),
    (
        "curve25519-sha256@libssh.org",
        KexAlgorithm::Curve25519Sha256,
    ),
    ("ecdh-sha2-nistp256", KexAlgorithm::EcdhNistp256),
    ("ecdh-sha2-nistp384", KexAlgorithm::EcdhNistp384),
    ("ecdh-sha2-nistp521", KexAlgorithm::EcdhNistp521),
    (
        "diffie-hellman-group14-sha256",
        KexAlgorithm::DhGroup14Sha256,
    ),
    (
        "diffie-hellman-group16-sha512",
        KexAlgorithm::DhGroup16Sha512,
    ),
    (
        "diffie-hellman-group18-sha512",
        KexAlgorithm::DhGroup18Sha512,
    ),
];

impl KexAlgorithm {
    /// Looks up a wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        KEX_NAMES.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    /// The hash this method uses.
    pub fn hash(self) -> KexHash {
        match self {
            Self::MlKem768X25519Sha256
            | Self::Curve25519Sha256
            | Self::EcdhNistp256
            | Self::DhGroup14Sha256 => KexHash::Sha256,
            Self::EcdhNistp384 => KexHash::Sha384,
            Self::Sntrup761X25519Sha512
            | Self::EcdhNistp521
            | Self::DhGroup16Sha512
            | Self::DhGroup18Sha512 => KexHash::Sha512,
        }
    }

    /// Whether the client's and server's public values are `mpint`s (finite-field DH, RFC 4253 §8) rather
    /// than `string`s (every other method).
    pub fn uses_mpint_values(self) -> bool {
        matches!(
            self,
            Self::DhGroup14Sha256 | Self::DhGroup16Sha512 | Self::DhGroup18Sha512
        )
    }
}

/// Every key-exchange name we implement, in no particular order.
pub fn supported_kex_names() -> impl Iterator<Item = &'static str> {
    KEX_NAMES.iter().map(|(n, _)| *n)
}

/// A cipher, with the parameters the key derivation and packet layer need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CipherAlgorithm {
    /// No encryption: only before the first NEWKEYS.
    None,
    /// OpenSSH's ChaCha20-Poly1305 construction (PROTOCOL.chacha20poly1305).
    ChaCha20Poly1305,
    /// AES-128 in GCM mode (RFC 5647 as amended by OpenSSH's PROTOCOL §1.6).
    Aes128Gcm,
    /// AES-256 in GCM mode.
    Aes256Gcm,
    /// AES-128 in counter mode (RFC 4344).
    Aes128Ctr,
    /// AES-192 in counter mode.
    Aes192Ctr,
    /// AES-256 in counter mode.
    Aes256Ctr,
}

const CIPHER_NAMES: &[(&str, CipherAlgorithm)] = &[
    (
        "chacha20-poly1305@openssh.com",
        CipherAlgorithm::ChaCha20Poly1305,
    ),
    ("aes128-gcm@openssh.com", CipherAlgorithm::Aes128Gcm),
    ("aes256-gcm@openssh.com", CipherAlgorithm::Aes256Gcm),
    ("aes128-ctr", CipherAlgorithm::Aes128Ctr),
    ("aes192-ctr", CipherAlgorithm::Aes192Ctr),
    ("aes256-ctr", CipherAlgorithm::Aes256Ctr),
];

impl CipherAlgorithm {
    /// Looks up a wire name (`none` is never negotiated).
    pub fn from_name(name: &str) -> Option<Self> {
        CIPHER_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| *a)
    }

    /// The wire name.
    pub fn name(self) -> &'static str {
        CIPHER_NAMES
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("none", |(n, _)| *n)
    }

    /// Bytes of key material (key derivation letters C and D).
    pub fn key_len(self) -> usize {
        match self {
            Self::None => 0,
            Self::ChaCha20Poly1305 => 64,
            Self::Aes128Gcm | Self::Aes128Ctr => 16,
            Self::Aes192Ctr => 24,
            Self::Aes256Gcm | Self::Aes256Ctr => 32,
        }
    }

    /// Bytes of IV material (key derivation letters A and B).
    pub fn iv_len(self) -> usize {
        match self {
            Self::None | Self::ChaCha20Poly1305 => 0,
            Self::Aes128Gcm | Self::Aes256Gcm => 12,
            Self::Aes128Ctr | Self::Aes192Ctr | Self::Aes256Ctr => 16,
        }
    }

    /// Whether the cipher authenticates the packet itself, so that no MAC is negotiated for it.
    pub fn is_aead(self) -> bool {
        matches!(
            self,
            Self::ChaCha20Poly1305 | Self::Aes128Gcm | Self::Aes256Gcm
        )
    }
}

/// Every cipher name we implement.
pub fn supported_cipher_names() -> impl Iterator<Item = &'static str> {
    CIPHER_NAMES.iter().map(|(n, _)| *n)
}

/// A MAC, used only with the non-AEAD ciphers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MacAlgorithm {
    /// HMAC-SHA-256, encrypt-and-MAC (RFC 6668).
    HmacSha256,
    /// HMAC-SHA-512, encrypt-and-MAC (RFC 6668).
    HmacSha512,
    /// HMAC-SHA-256, encrypt-then-MAC (OpenSSH PROTOCOL §1.7).
    HmacSha256Etm,
    /// HMAC-SHA-512, encrypt-then-MAC.
    HmacSha512Etm,
    /// HMAC-SHA-1, encrypt-and-MAC: legacy, only when configured.
    HmacSha1,
    /// HMAC-SHA-1, encrypt-then-MAC: legacy, only when configured.
    HmacSha1Etm,
}

const MAC_NAMES: &[(&str, MacAlgorithm)] = &[
    ("hmac-sha2-256-etm@openssh.com", MacAlgorithm::HmacSha256Etm),
    ("hmac-sha2-512-etm@openssh.com", MacAlgorithm::HmacSha512Etm),
    ("hmac-sha2-256", MacAlgorithm::HmacSha256),
    ("hmac-sha2-512", MacAlgorithm::HmacSha512),
    ("hmac-sha1-etm@openssh.com", MacAlgorithm::HmacSha1Etm),
    ("hmac-sha1", MacAlgorithm::HmacSha1),
];

impl MacAlgorithm {
    /// Looks up a wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        MAC_NAMES.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    /// The wire name.
    pub fn name(self) -> &'static str {
        MAC_NAMES
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("none", |(n, _)| *n)
    }

    /// Bytes of key material (letters E and F) and of the tag on the wire; equal for every HMAC.
    pub fn output_len(self) -> usize {
        match self {
            Self::HmacSha256 | Self::HmacSha256Etm => 32,
            Self::HmacSha512 | Self::HmacSha512Etm => 64,
            Self::HmacSha1 | Self::HmacSha1Etm => 20,
        }
    }

    /// Whether the MAC is computed over the ciphertext, with the length in the clear.
    pub fn is_etm(self) -> bool {
        matches!(
            self,
            Self::HmacSha256Etm | Self::HmacSha512Etm | Self::HmacSha1Etm
        )
    }
}

/// Every MAC name we implement.
pub fn supported_mac_names() -> impl Iterator<Item = &'static str> {
    MAC_NAMES.iter().map(|(n, _)| *n)
}

/// Looks up a host key (signature) algorithm name; see [`SignatureAlgorithm::name`] for the reverse.
pub fn host_key_algorithm(name: &str) -> Option<SignatureAlgorithm> {
    SignatureAlgorithm::from_name(name)
}

/// Names that are not algorithms but markers in the KEXINIT kex list.
pub mod markers {
    /// The client supports RFC 8308 extension negotiation.
    pub const EXT_INFO_C: &str = "ext-info-c";
    /// The server supports RFC 8308 extension negotiation.
    pub const EXT_INFO_S: &str = "ext-info-s";
    /// The client supports OpenSSH strict key exchange (the Terrapin countermeasure).
    pub const KEX_STRICT_C: &str = "kex-strict-c-v00@openssh.com";
    /// The server supports OpenSSH strict key exchange.
    pub const KEX_STRICT_S: &str = "kex-strict-s-v00@openssh.com";
}

/// Extension names used in EXT_INFO (RFC 8308 and OpenSSH PROTOCOL §1.9, §1.10).
pub mod extensions {
    /// The signature algorithms a server accepts for public-key authentication.
    pub const SERVER_SIG_ALGS: &str = "server-sig-algs";
    /// OpenSSH's transport-level ping (PROTOCOL §1.9).
    pub const PING: &str = "ping@openssh.com";
    /// OpenSSH's "publickey-hostbound" authentication method.
    pub const PUBLICKEY_HOSTBOUND: &str = "publickey-hostbound@openssh.com";
}

/// No compression.
pub const COMPRESSION_NONE: &str = "none";

/// zlib, started once the user is authenticated (OpenSSH PROTOCOL §1.3).
pub const COMPRESSION_ZLIB_OPENSSH: &str = "zlib@openssh.com";

/// Default preference lists. Client lists follow OpenSSH 10's own defaults (minus what we do not
/// implement), so a user switching clients sees the same negotiation. Server lists are stricter: nothing
/// ssh-audit reports as a failure (no NIST curves, no SHA-1, no encrypt-and-MAC); see docs/defaults.md.
pub mod defaults {
    /// Client key-exchange preference.
    pub const CLIENT_KEX: &[&str] = &[
        "mlkem768x25519-sha256",
        "sntrup761x25519-sha512",
        "sntrup761x25519-sha512@openssh.com",
        "curve25519-sha256",
        "curve25519-sha256@libssh.org",
        "ecdh-sha2-nistp256",
        "ecdh-sha2-nistp384",
        "ecdh-sha2-nistp521",
        "diffie-hellman-group16-sha512",
        "diffie-hellman-group18-sha512",
        "diffie-hellman-group14-sha256",
    ];
    /// Server key-exchange preference.
    pub const SERVER_KEX: &[&str] = &[
        "mlkem768x25519-sha256",
        "sntrup761x25519-sha512",
        "sntrup761x25519-sha512@openssh.com",
        "curve25519-sha256",
        "curve25519-sha256@libssh.org",
        "diffie-hellman-group16-sha512",
        "diffie-hellman-group18-sha512",
        "diffie-hellman-group14-sha256",
    ];
    /// Client host key algorithm preference.
    pub const CLIENT_HOST_KEY: &[&str] = &[
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "rsa-sha2-512",
        "rsa-sha2-256",
    ];
    /// Server host key algorithm preference (further limited to the keys the server has).
    pub const SERVER_HOST_KEY: &[&str] = &["ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256"];
    /// Cipher preference, both sides (OpenSSH's order).
    pub const CIPHERS: &[&str] = &[
        "chacha20-poly1305@openssh.com",
        "aes128-gcm@openssh.com",
        "aes256-gcm@openssh.com",
        "aes128-ctr",
        "aes192-ctr",
        "aes256-ctr",
    ];
    /// Client MAC preference: encrypt-then-MAC first, as OpenSSH.
    pub const CLIENT_MACS: &[&str] = &[
        "hmac-sha2-256-etm@openssh.com",
        "hmac-sha2-512-etm@openssh.com",
        "hmac-sha2-256",
        "hmac-sha2-512",
    ];
    /// Server MAC preference: encrypt-then-MAC only.
    pub const SERVER_MACS: &[&str] = &[
        "hmac-sha2-256-etm@openssh.com",
        "hmac-sha2-512-etm@openssh.com",
    ];
    /// Signature algorithms accepted for user public-key authentication (server-sig-algs).
    pub const PUBKEY_ACCEPTED: &[&str] = &[
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "rsa-sha2-512",
        "rsa-sha2-256",
    ];
}
