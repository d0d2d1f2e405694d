//! The one error type of this crate.

use oxssh_wire::WireError;

/// Why a key, key file, signature or key-related line was refused.
///
/// Variants carry only static context or small numbers, never the peer's bytes, so an error can be
/// logged as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A length-prefixed field was malformed (truncated, over a limit, trailing bytes …).
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The key type name is not one we implement (DSA, certificates, security keys, or unknown).
    #[error("unsupported key type")]
    UnsupportedKeyType,
    /// The key is structurally valid wire data but not a valid key; the text says which rule failed.
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// An RSA modulus outside the sizes we accept (OpenSSH: 1024 bits minimum, 16384 maximum).
    #[error("RSA key size {bits} is outside the supported range")]
    RsaKeySize {
        /// The modulus length in bits.
        bits: u32,
    },
    /// aws-lc-rs loads RSA private keys of 2048 to 8192 bits only.
    #[error(
        "RSA private keys of {bits} bits are not supported: the minimum is 2048 bits and the maximum 8192"
    )]
    RsaPrivateKeySize {
        /// The modulus length in bits.
        bits: u32,
    },
    /// A key size that cannot be generated (RSA: 2048, 3072, 4096 or 8192; ECDSA: 256, 384 or 521).
    #[error("unsupported key size {bits} for {key_type}")]
    UnsupportedKeySize {
        /// The key type name as `ssh-keygen -t` spells it.
        key_type: &'static str,
        /// The requested size.
        bits: u32,
    },
    /// The signature algorithm does not belong to the key's type.
    #[error("signature algorithm {algorithm} does not match key type {key_type}")]
    AlgorithmMismatch {
        /// The requested signature algorithm.
        algorithm: &'static str,
        /// The key's type name.
        key_type: &'static str,
    },
    /// The signature blob names a different algorithm than the one expected.
    #[error("signature algorithm name does not match {expected}")]
    SignatureNameMismatch {
        /// The algorithm the caller expected.
        expected: &'static str,
    },
    /// The signature is well-formed but does not verify.
    #[error("incorrect signature")]
    BadSignature,
    /// RSA with SHA-1 (`ssh-rsa`) signatures are verified but never made: SHA-1 collisions are practical.
    #[error("refusing to make an RSA/SHA-1 (ssh-rsa) signature")]
    Sha1SigningRefused,
    /// The file is encrypted and no passphrase was given.
    #[error("passphrase required to decrypt private key")]
    PassphraseRequired,
    /// The passphrase did not decrypt the file (the words `ssh-keygen` uses).
    #[error("incorrect passphrase supplied to decrypt private key")]
    IncorrectPassphrase,
    /// A key file format or a feature of one that we recognise but do not implement.
    #[error("unsupported key format: {0}")]
    UnsupportedFormat(&'static str),
    /// The bytes are not a key file we recognise, or are corrupt.
    #[error("invalid format: {0}")]
    InvalidFormat(&'static str),
    /// A text line (public key, known_hosts, authorized_keys) could not be parsed.
    #[error("invalid line: {0}")]
    InvalidLine(&'static str),
    /// The cryptographic library failed in a way that input cannot explain (e.g. the random source).
    #[error("internal cryptographic failure")]
    Crypto,
}
