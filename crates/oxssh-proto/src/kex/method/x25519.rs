//! `curve25519-sha256` (RFC 8731), and the X25519 half of both post-quantum hybrids.
//!
//! Q_C and Q_S are raw 32-byte X25519 public keys. K is the 32-byte X25519 output read as a big-endian
//! unsigned integer and sent as an `mpint` (RFC 8731 §3.1). An all-zero output means the peer sent a
//! low-order point and must be rejected (RFC 8731 §3, RFC 7748 §6.1; OpenSSH kexc25519.c
//! `kexc25519_shared_key_ext` checks the same with `timingsafe_bcmp`).

use aws_lc_rs::agreement::{self, PrivateKey, UnparsedPublicKey, X25519};
use aws_lc_rs::constant_time::verify_slices_are_equal;
use zeroize::Zeroizing;

use super::SharedSecret;
use crate::error::CryptoError;

/// Bytes in an X25519 public key and in its shared secret.
pub(super) const KEY_LEN: usize = 32;

/// An ephemeral X25519 key pair. AWS-LC wipes the private key when it is freed.
pub(super) struct Client {
    private: PrivateKey,
    public: [u8; KEY_LEN],
}

impl Client {
    pub(super) fn generate() -> Result<Self, CryptoError> {
        let private = PrivateKey::generate(&X25519)
            .map_err(|_| CryptoError::Internal("X25519 key generation"))?;
        Self::from_private(private)
    }

    fn from_private(private: PrivateKey) -> Result<Self, CryptoError> {
        let public = private
            .compute_public_key()
            .map_err(|_| CryptoError::Internal("X25519 public key"))?;
        let public = public
            .as_ref()
            .try_into()
            .map_err(|_| CryptoError::Internal("X25519 public key"))?;
        Ok(Self { private, public })
    }

    pub(super) fn public(&self) -> &[u8] {
        &self.public
    }

    /// The raw 32-byte shared secret with `peer`, which must be exactly 32 bytes and must not be a
    /// low-order point.
    pub(super) fn shared_secret(
        &self,
        peer: &[u8],
    ) -> Result<Zeroizing<[u8; KEY_LEN]>, CryptoError> {
        if peer.len() != KEY_LEN {
            return Err(CryptoError::InvalidKexValue(
                "X25519 public key is not 32 bytes",
            ));
        }
        let invalid = CryptoError::InvalidKexValue("X25519 public key is a low-order point");
        agreement::agree(
            &self.private,
            UnparsedPublicKey::new(&X25519, peer),
            invalid,
            |secret| {
                // AWS-LC already refuses an all-zero result; checking again costs nothing and keeps the
                // guarantee independent of the library.
                if verify_slices_are_equal(secret, &[0; KEY_LEN]).is_ok() {
                    return Err(invalid);
                }
                let mut out = Zeroizing::new([0u8; KEY_LEN]);
                if secret.len() != KEY_LEN {
                    return Err(CryptoError::Internal("X25519 shared secret length"));
                }
                out.copy_from_slice(secret);
                Ok(out)
            },
        )
    }

    pub(super) fn finish(self, server_value: &[u8]) -> Result<SharedSecret, CryptoError> {
        Ok(SharedSecret::from_magnitude(
            self.shared_secret(server_value)?.as_slice(),
        ))
    }
}

/// The server's side of curve25519-sha256: Q_S and K.
pub(super) fn respond(client_value: &[u8]) -> Result<(Vec<u8>, SharedSecret), CryptoError> {
    let server = Client::generate()?;
    let secret = server.shared_secret(client_value)?;
    Ok((
        server.public.to_vec(),
        SharedSecret::from_magnitude(secret.as_slice()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7748 §6.1.
    const ALICE_PRIVATE: &str = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    const ALICE_PUBLIC: &str = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    const BOB_PRIVATE: &str = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    const BOB_PUBLIC: &str = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    const SHARED: &str = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

    fn fixed(private: &str) -> Client {
        let private =
            PrivateKey::from_private_key(&X25519, &hex::decode(private).unwrap()).unwrap();
        Client::from_private(private).unwrap()
    }

    #[test]
    fn rfc7748_section_6_1_vector() {
        let alice = fixed(ALICE_PRIVATE);
        let bob = fixed(BOB_PRIVATE);
        assert_eq!(hex::encode(alice.public()), ALICE_PUBLIC);
        assert_eq!(hex::encode(bob.public()), BOB_PUBLIC);
        assert_eq!(
            hex::encode(alice.shared_secret(bob.public()).unwrap()),
            SHARED
        );
        assert_eq!(
            hex::encode(bob.shared_secret(alice.public()).unwrap()),
            SHARED
        );
    }

    #[test]
    fn k_is_the_secret_as_an_mpint_per_rfc8731() {
        // The RFC 7748 secret starts with 0x4a: no sign byte needed, so K = uint32 32 || secret.
        let k = fixed(ALICE_PRIVATE)
            .finish(&hex::decode(BOB_PUBLIC).unwrap())
            .unwrap();
        assert_eq!(hex::encode(k.encoded()), format!("00000020{SHARED}"));
    }

    #[test]
    fn low_order_points_are_rejected() {
        // u = 0, u = 1, and the order-8 point from the list in RFC 7748's security considerations
        // (also in libsodium's and OpenSSH's blocklists), plus p - 1 and p (non-canonical 0).
        let low_order = [
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0100000000000000000000000000000000000000000000000000000000000000",
            "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        ];
        let alice = fixed(ALICE_PRIVATE);
        for point in low_order {
            let point = hex::decode(point).unwrap();
            assert!(
                matches!(
                    alice.shared_secret(&point),
                    Err(CryptoError::InvalidKexValue(_))
                ),
                "{point:02x?}"
            );
            assert!(matches!(
                respond(&point),
                Err(CryptoError::InvalidKexValue(_))
            ));
        }
    }

    #[test]
    fn wrong_lengths_are_rejected() {
        let alice = fixed(ALICE_PRIVATE);
        assert!(alice.shared_secret(&[9; 31]).is_err());
        assert!(alice.shared_secret(&[9; 33]).is_err());
    }
}
