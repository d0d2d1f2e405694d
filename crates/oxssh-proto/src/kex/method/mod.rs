//! The key-exchange methods, each reduced to the same three steps OpenSSH's kexgen.c uses for every
//! method (`kex_*_keypair`, `kex_*_enc`, `kex_*_dec` in kex.h): the client makes a key pair and sends its
//! public value; the server validates that value, answers with its own (a public key or a KEM ciphertext)
//! and derives K; the client validates the answer and derives the same K. The exchange hash, signatures
//! and key derivation around these steps are written once, in the kex state machine.
//!
//! K comes out already encoded as it enters the exchange hash and the key derivation: as an `mpint` for
//! curve25519 (RFC 8731 §3.1), ECDH (RFC 5656 §4) and finite-field DH (RFC 4253 §8), and as a `string` for
//! the post-quantum hybrids (OpenSSH kexsntrup761x25519.c and kexmlkem768x25519.c hash the two shared
//! secrets together and `sshbuf_put_string` the digest).
//!
//! Every peer value is validated here before use, because accepting a degenerate one (an X25519
//! low-order point, an ECDH point off the curve, a DH value of 0, 1 or p-1) would let an attacker force
//! a known K.

mod dh_group;
mod ecdh_nist;
mod mlkem768_x25519;
mod sntrup761_x25519;
mod x25519;

use std::fmt;

use aws_lc_rs::digest;
use oxssh_wire::Writer;
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::names::{KexAlgorithm, KexHash};

use self::dh_group::DhGroup;
use self::ecdh_nist::Curve;

/// The shared secret K, already encoded exactly as it enters the exchange hash and the key derivation
/// (with its length prefix). Wiped when dropped.
pub(crate) struct SharedSecret(Zeroizing<Vec<u8>>);

impl SharedSecret {
    /// The encoded K: `mpint` or `string`, length prefix included.
    pub(crate) fn encoded(&self) -> &[u8] {
        &self.0
    }

    /// K as an `mpint` from a big-endian unsigned magnitude (RFC 4251 §5: leading zeros dropped, a zero
    /// byte added when the top bit is set). The buffer is sized up front so no reallocation leaves a copy
    /// of K behind.
    fn from_magnitude(magnitude: &[u8]) -> Self {
        let mut out = Zeroizing::new(Vec::with_capacity(magnitude.len() + 5));
        out.write_mpint_positive(magnitude);
        Self(out)
    }

    /// K as a `string`, for the hybrid methods whose K is a hash output.
    fn from_string(body: &[u8]) -> Self {
        let mut out = Zeroizing::new(Vec::with_capacity(body.len() + 4));
        out.write_string(body);
        Self(out)
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedSecret(..)")
    }
}

/// The client's half of one exchange: its ephemeral secrets and the public value it sends in
/// KEX_ECDH_INIT / KEXDH_INIT / KEX_HYBRID_INIT.
pub(crate) struct ClientKex {
    inner: ClientInner,
}

enum ClientInner {
    X25519(x25519::Client),
    Ecdh(ecdh_nist::Client),
    MlKem(mlkem768_x25519::Client),
    Sntrup(sntrup761_x25519::Client),
    Dh(dh_group::Client),
}

impl ClientKex {
    /// Generates the client's ephemeral key pair for `alg`.
    pub(crate) fn start(alg: KexAlgorithm) -> Result<Self, CryptoError> {
        let inner = match alg {
            KexAlgorithm::Curve25519Sha256 => ClientInner::X25519(x25519::Client::generate()?),
            KexAlgorithm::EcdhNistp256 => {
                ClientInner::Ecdh(ecdh_nist::Client::generate(Curve::P256)?)
            }
            KexAlgorithm::EcdhNistp384 => {
                ClientInner::Ecdh(ecdh_nist::Client::generate(Curve::P384)?)
            }
            KexAlgorithm::EcdhNistp521 => {
                ClientInner::Ecdh(ecdh_nist::Client::generate(Curve::P521)?)
            }
            KexAlgorithm::MlKem768X25519Sha256 => {
                ClientInner::MlKem(mlkem768_x25519::Client::generate()?)
            }
            KexAlgorithm::Sntrup761X25519Sha512 => {
                ClientInner::Sntrup(sntrup761_x25519::Client::generate()?)
            }
            KexAlgorithm::DhGroup14Sha256 => {
                ClientInner::Dh(dh_group::Client::generate(DhGroup::Group14)?)
            }
            KexAlgorithm::DhGroup16Sha512 => {
                ClientInner::Dh(dh_group::Client::generate(DhGroup::Group16)?)
            }
            KexAlgorithm::DhGroup18Sha512 => {
                ClientInner::Dh(dh_group::Client::generate(DhGroup::Group18)?)
            }
        };
        Ok(Self { inner })
    }

    /// The body of the client's public value: Q_C for the string methods; for finite-field DH the
    /// big-endian magnitude of e without leading zeros (the caller writes it as an `mpint`).
    pub(crate) fn public_value(&self) -> &[u8] {
        match &self.inner {
            ClientInner::X25519(c) => c.public(),
            ClientInner::Ecdh(c) => c.public(),
            ClientInner::MlKem(c) => c.public(),
            ClientInner::Sntrup(c) => c.public(),
            ClientInner::Dh(c) => c.public(),
        }
    }

    /// Validates the server's value (Q_S's body, or f's magnitude as `Reader::read_mpint_positive` returns
    /// it) and computes K. Consumes the client's secrets, so they are wiped as soon as K exists.
    pub(crate) fn finish(self, server_value: &[u8]) -> Result<SharedSecret, CryptoError> {
        match self.inner {
            ClientInner::X25519(c) => c.finish(server_value),
            ClientInner::Ecdh(c) => c.finish(server_value),
            ClientInner::MlKem(c) => c.finish(server_value),
            ClientInner::Sntrup(c) => c.finish(server_value),
            ClientInner::Dh(c) => c.finish(server_value),
        }
    }
}

impl fmt::Debug for ClientKex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let method = match self.inner {
            ClientInner::X25519(_) => "curve25519",
            ClientInner::Ecdh(_) => "ecdh",
            ClientInner::MlKem(_) => "mlkem768x25519",
            ClientInner::Sntrup(_) => "sntrup761x25519",
            ClientInner::Dh(_) => "diffie-hellman",
        };
        f.debug_struct("ClientKex")
            .field("method", &method)
            .finish_non_exhaustive()
    }
}

/// The server's half: validates the client's value, generates the server's ephemeral secret, and returns
/// the reply value (same encoding conventions as [`ClientKex::public_value`]) with K.
pub(crate) fn server_respond(
    alg: KexAlgorithm,
    client_value: &[u8],
) -> Result<(Vec<u8>, SharedSecret), CryptoError> {
    match alg {
        KexAlgorithm::Curve25519Sha256 => x25519::respond(client_value),
        KexAlgorithm::EcdhNistp256 => ecdh_nist::respond(Curve::P256, client_value),
        KexAlgorithm::EcdhNistp384 => ecdh_nist::respond(Curve::P384, client_value),
        KexAlgorithm::EcdhNistp521 => ecdh_nist::respond(Curve::P521, client_value),
        KexAlgorithm::MlKem768X25519Sha256 => mlkem768_x25519::respond(client_value),
        KexAlgorithm::Sntrup761X25519Sha512 => sntrup761_x25519::respond(client_value),
        KexAlgorithm::DhGroup14Sha256 => dh_group::respond(DhGroup::Group14, client_value),
        KexAlgorithm::DhGroup16Sha512 => dh_group::respond(DhGroup::Group16, client_value),
        KexAlgorithm::DhGroup18Sha512 => dh_group::respond(DhGroup::Group18, client_value),
    }
}

fn digest_algorithm(hash: KexHash) -> &'static digest::Algorithm {
    match hash {
        KexHash::Sha256 => &digest::SHA256,
        KexHash::Sha384 => &digest::SHA384,
        KexHash::Sha512 => &digest::SHA512,
    }
}

/// One-shot hash of the concatenation of `parts` with the method's hash function, for the exchange hash
/// (RFC 4253 §8) and the key derivation (§7.2).
pub(crate) fn digest(hash: KexHash, parts: &[&[u8]]) -> Vec<u8> {
    let mut context = digest::Context::new(digest_algorithm(hash));
    for part in parts {
        context.update(part);
    }
    context.finish().as_ref().to_vec()
}

/// The hybrid methods' K: `string(HASH(kem_secret || x25519_secret))`, kept out of unwiped buffers.
fn hybrid_secret(hash: KexHash, kem_secret: &[u8], x25519_secret: &[u8]) -> SharedSecret {
    let mut context = digest::Context::new(digest_algorithm(hash));
    context.update(kem_secret);
    context.update(x25519_secret);
    SharedSecret::from_string(context.finish().as_ref())
}

/// Benchmark and smoke-test entry point: runs a whole client + server exchange in memory and reports
/// whether both sides derived the same K.
#[doc(hidden)]
pub fn kex_roundtrip(alg: KexAlgorithm) -> bool {
    let Ok(client) = ClientKex::start(alg) else {
        return false;
    };
    let Ok((reply, server_k)) = server_respond(alg, client.public_value()) else {
        return false;
    };
    let Ok(client_k) = client.finish(&reply) else {
        return false;
    };
    aws_lc_rs::constant_time::verify_slices_are_equal(client_k.encoded(), server_k.encoded())
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [KexAlgorithm; 9] = [
        KexAlgorithm::MlKem768X25519Sha256,
        KexAlgorithm::Sntrup761X25519Sha512,
        KexAlgorithm::Curve25519Sha256,
        KexAlgorithm::EcdhNistp256,
        KexAlgorithm::EcdhNistp384,
        KexAlgorithm::EcdhNistp521,
        KexAlgorithm::DhGroup14Sha256,
        KexAlgorithm::DhGroup16Sha512,
        KexAlgorithm::DhGroup18Sha512,
    ];

    #[test]
    fn every_method_agrees_in_memory() {
        for alg in ALL {
            assert!(kex_roundtrip(alg), "{alg:?}");
        }
    }

    #[test]
    fn k_is_encoded_as_the_method_requires() {
        for alg in ALL {
            let client = ClientKex::start(alg).unwrap();
            let (reply, k) = server_respond(alg, client.public_value()).unwrap();
            assert_eq!(client.finish(&reply).unwrap().encoded(), k.encoded());
            let mut r = oxssh_wire::Reader::new(k.encoded());
            match alg {
                KexAlgorithm::MlKem768X25519Sha256 => {
                    assert_eq!(r.read_string("K").unwrap().len(), 32)
                }
                KexAlgorithm::Sntrup761X25519Sha512 => {
                    assert_eq!(r.read_string("K").unwrap().len(), 64)
                }
                _ => {
                    let magnitude = r.read_mpint_positive("K").unwrap();
                    assert!(!magnitude.is_empty(), "{alg:?}");
                }
            }
            r.finish("K").unwrap();
        }
    }

    #[test]
    fn two_exchanges_give_different_secrets() {
        for alg in [
            KexAlgorithm::Curve25519Sha256,
            KexAlgorithm::MlKem768X25519Sha256,
        ] {
            let a = ClientKex::start(alg).unwrap();
            let b = ClientKex::start(alg).unwrap();
            assert_ne!(a.public_value(), b.public_value());
        }
    }

    #[test]
    fn truncated_and_extended_peer_values_are_rejected_by_every_string_method() {
        // Finite-field DH values are mpints of any length; dh_group.rs tests their range checks.
        for alg in ALL.into_iter().filter(|a| !a.uses_mpint_values()) {
            let client = ClientKex::start(alg).unwrap();
            let public = client.public_value().to_vec();
            let (reply, _) = server_respond(alg, &public).unwrap();
            let bad_lengths: [&[u8]; 2] = [&[], &[0x5a; 3]];
            for bad in bad_lengths {
                assert!(
                    matches!(
                        server_respond(alg, bad),
                        Err(CryptoError::InvalidKexValue(_))
                    ),
                    "{alg:?}"
                );
                let client = ClientKex::start(alg).unwrap();
                assert!(
                    matches!(client.finish(bad), Err(CryptoError::InvalidKexValue(_))),
                    "{alg:?}"
                );
            }
            let longer = [reply.as_slice(), &[0]].concat();
            let client = ClientKex::start(alg).unwrap();
            assert!(
                matches!(client.finish(&longer), Err(CryptoError::InvalidKexValue(_))),
                "{alg:?}"
            );
            let longer = [public.as_slice(), &[0]].concat();
            assert!(
                matches!(
                    server_respond(alg, &longer),
                    Err(CryptoError::InvalidKexValue(_))
                ),
                "{alg:?}"
            );
        }
    }

    #[test]
    fn digest_matches_the_published_sha2_values() {
        // FIPS 180-2 examples: SHA-256("abc"), SHA-384("abc"), SHA-512("abc"), hashed in two parts.
        assert_eq!(
            hex::encode(digest(KexHash::Sha256, &[b"a", b"bc"])),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex::encode(digest(KexHash::Sha384, &[b"ab", b"c"])),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
        );
        assert_eq!(
            hex::encode(digest(KexHash::Sha512, &[b"abc", b""])),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    #[test]
    fn mpint_encoding_of_k_follows_rfc4251() {
        assert_eq!(
            SharedSecret::from_magnitude(&[0, 0, 0x80, 1]).encoded(),
            &[0, 0, 0, 3, 0, 0x80, 1]
        );
        assert_eq!(
            SharedSecret::from_magnitude(&[0, 0x7f]).encoded(),
            &[0, 0, 0, 1, 0x7f]
        );
        assert_eq!(
            SharedSecret::from_string(&[9, 9]).encoded(),
            &[0, 0, 0, 2, 9, 9]
        );
        assert_eq!(
            format!("{:?}", SharedSecret::from_string(&[9])),
            "SharedSecret(..)"
        );
    }
}
