//! `sntrup761x25519-sha512` and `sntrup761x25519-sha512@openssh.com` (OpenSSH 8.5
//! kexsntrup761x25519.c; draft-josefsson-ntruprime-ssh).
//!
//! Q_C = sntrup761 public key (1158 bytes) || X25519 public key (32).
//! Q_S = sntrup761 ciphertext (1039 bytes) || X25519 public key (32).
//! K   = string(SHA-512(sntrup761 shared secret || X25519 shared secret)).
//!
//! sntrup761 comes from PQClean's reference code through `pqcrypto-ntruprime`. Its key and secret types
//! are plain `Copy` arrays with no wiping, so we keep the secret key in our own zeroizing buffer and rebuild
//! the library type only for the one decapsulation; the temporary copies it makes are the library's
//! limitation.

use pqcrypto_ntruprime::sntrup761;
use pqcrypto_traits::kem::{Ciphertext as _, PublicKey as _, SecretKey as _, SharedSecret as _};
use zeroize::Zeroizing;

use super::{SharedSecret, hybrid_secret, x25519};
use crate::error::CryptoError;
use crate::names::KexHash;

const PUBLIC_KEY_LEN: usize = 1158;
const CIPHERTEXT_LEN: usize = 1039;

/// The client's sntrup761 secret key and X25519 key pair.
pub(super) struct Client {
    secret_key: Zeroizing<Vec<u8>>,
    x25519: x25519::Client,
    public: Vec<u8>,
}

impl Client {
    pub(super) fn generate() -> Result<Self, CryptoError> {
        let (public_key, secret_key) = sntrup761::keypair();
        let secret_key = Zeroizing::new(secret_key.as_bytes().to_vec());
        let x25519 = x25519::Client::generate()?;
        let mut public = Vec::with_capacity(PUBLIC_KEY_LEN + x25519::KEY_LEN);
        public.extend_from_slice(public_key.as_bytes());
        public.extend_from_slice(x25519.public());
        if public.len() != PUBLIC_KEY_LEN + x25519::KEY_LEN {
            return Err(CryptoError::Internal("sntrup761 public key length"));
        }
        Ok(Self {
            secret_key,
            x25519,
            public,
        })
    }

    pub(super) fn public(&self) -> &[u8] {
        &self.public
    }

    pub(super) fn finish(self, server_value: &[u8]) -> Result<SharedSecret, CryptoError> {
        if server_value.len() != CIPHERTEXT_LEN + x25519::KEY_LEN {
            return Err(CryptoError::InvalidKexValue("sntrup761x25519 reply length"));
        }
        let (ciphertext, server_x25519) = server_value.split_at(CIPHERTEXT_LEN);
        let ciphertext = sntrup761::Ciphertext::from_bytes(ciphertext)
            .map_err(|_| CryptoError::InvalidKexValue("sntrup761 ciphertext length"))?;
        let secret_key = sntrup761::SecretKey::from_bytes(&self.secret_key)
            .map_err(|_| CryptoError::Internal("sntrup761 secret key length"))?;
        // Streamlined NTRU Prime decapsulation rejects implicitly: a forged ciphertext gives an unrelated
        // secret rather than an error, and the host-key signature then fails.
        let kem_secret = sntrup761::decapsulate(&ciphertext, &secret_key);
        let kem_secret = Zeroizing::new(kem_secret.as_bytes().to_vec());
        let ecdh_secret = self.x25519.shared_secret(server_x25519)?;
        Ok(hybrid_secret(
            KexHash::Sha512,
            &kem_secret,
            ecdh_secret.as_slice(),
        ))
    }
}

/// The server's side: encapsulates to the client's sntrup761 key and answers its X25519 key.
pub(super) fn respond(client_value: &[u8]) -> Result<(Vec<u8>, SharedSecret), CryptoError> {
    if client_value.len() != PUBLIC_KEY_LEN + x25519::KEY_LEN {
        return Err(CryptoError::InvalidKexValue(
            "sntrup761x25519 client value length",
        ));
    }
    let (public_key, client_x25519) = client_value.split_at(PUBLIC_KEY_LEN);
    let public_key = sntrup761::PublicKey::from_bytes(public_key)
        .map_err(|_| CryptoError::InvalidKexValue("sntrup761 public key length"))?;
    // X25519 first: it is the only half whose value can be rejected, so a bad one costs no encapsulation.
    let server_x25519 = x25519::Client::generate()?;
    let ecdh_secret = server_x25519.shared_secret(client_x25519)?;
    let (kem_secret, ciphertext) = sntrup761::encapsulate(&public_key);
    let kem_secret = Zeroizing::new(kem_secret.as_bytes().to_vec());

    let mut reply = Vec::with_capacity(CIPHERTEXT_LEN + x25519::KEY_LEN);
    reply.extend_from_slice(ciphertext.as_bytes());
    reply.extend_from_slice(server_x25519.public());
    if reply.len() != CIPHERTEXT_LEN + x25519::KEY_LEN {
        return Err(CryptoError::Internal("sntrup761 ciphertext length"));
    }
    Ok((
        reply,
        hybrid_secret(KexHash::Sha512, &kem_secret, ecdh_secret.as_slice()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_openssh() {
        assert_eq!(sntrup761::public_key_bytes(), PUBLIC_KEY_LEN);
        assert_eq!(sntrup761::ciphertext_bytes(), CIPHERTEXT_LEN);
        assert_eq!(sntrup761::shared_secret_bytes(), 32);
        let client = Client::generate().unwrap();
        assert_eq!(client.public().len(), 1190);
        let (reply, _) = respond(client.public()).unwrap();
        assert_eq!(reply.len(), 1071);
    }

    #[test]
    fn k_is_sha512_of_both_secrets_in_openssh_order() {
        let client = Client::generate().unwrap();
        let (reply, k) = respond(client.public()).unwrap();
        let ciphertext = sntrup761::Ciphertext::from_bytes(&reply[..CIPHERTEXT_LEN]).unwrap();
        let secret_key = sntrup761::SecretKey::from_bytes(&client.secret_key).unwrap();
        let kem = sntrup761::decapsulate(&ciphertext, &secret_key);
        let ecdh = client
            .x25519
            .shared_secret(&reply[CIPHERTEXT_LEN..])
            .unwrap();
        let expected = super::super::digest(KexHash::Sha512, &[kem.as_bytes(), ecdh.as_slice()]);
        let mut r = oxssh_wire::Reader::new(k.encoded());
        assert_eq!(r.read_string("K").unwrap(), expected.as_slice());
        assert_eq!(client.finish(&reply).unwrap().encoded(), k.encoded());
    }

    #[test]
    fn a_low_order_x25519_half_is_rejected() {
        let client = Client::generate().unwrap();
        let mut bad = client.public().to_vec();
        bad[PUBLIC_KEY_LEN..].fill(0);
        assert!(matches!(
            respond(&bad),
            Err(CryptoError::InvalidKexValue(_))
        ));
        let (mut reply, _) = respond(client.public()).unwrap();
        reply[CIPHERTEXT_LEN..].fill(0);
        assert!(matches!(
            client.finish(&reply),
            Err(CryptoError::InvalidKexValue(_))
        ));
    }

    #[test]
    fn a_tampered_ciphertext_gives_a_different_k() {
        let client = Client::generate().unwrap();
        let (mut reply, k) = respond(client.public()).unwrap();
        reply[0] ^= 1;
        assert_ne!(client.finish(&reply).unwrap().encoded(), k.encoded());
    }
}
