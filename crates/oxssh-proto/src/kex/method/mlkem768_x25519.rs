//! `mlkem768x25519-sha256` (draft-ietf-sshm-mlkem-hybrid-kex; OpenSSH 9.9 kexmlkem768x25519.c).
//!
//! Q_C = ML-KEM-768 encapsulation key (1184 bytes) || X25519 public key (32).
//! Q_S = ML-KEM-768 ciphertext (1088 bytes) || X25519 public key (32).
//! K   = string(SHA-256(ML-KEM shared secret || X25519 shared secret)).
//!
//! The server checks the encapsulation key as FIPS 203 §7.2 requires (every coefficient below q), as
//! OpenSSH does with `libcrux_ml_kem_mlkem768_portable_validate_public_key`; the check is ours rather than
//! the library's so it cannot silently depend on the AWS-LC version.

use aws_lc_rs::kem::{Ciphertext, DecapsulationKey, EncapsulationKey, ML_KEM_768};

use super::{SharedSecret, hybrid_secret, x25519};
use crate::error::CryptoError;
use crate::names::KexHash;

const ENCAPSULATION_KEY_LEN: usize = 1184;
const CIPHERTEXT_LEN: usize = 1088;
/// The 12-bit-packed polynomial vector t̂ (3 × 384 bytes) that precedes the 32-byte seed ρ in the key.
const PACKED_VECTOR_LEN: usize = 3 * 384;
/// ML-KEM's modulus q.
const Q: u16 = 3329;

/// The client's ML-KEM decapsulation key and X25519 key pair.
pub(super) struct Client {
    decapsulation_key: DecapsulationKey,
    x25519: x25519::Client,
    public: Vec<u8>,
}

impl Client {
    pub(super) fn generate() -> Result<Self, CryptoError> {
        let decapsulation_key = DecapsulationKey::generate(&ML_KEM_768)
            .map_err(|_| CryptoError::Internal("ML-KEM key generation"))?;
        let encapsulation_key = decapsulation_key
            .encapsulation_key()
            .and_then(|k| k.key_bytes())
            .map_err(|_| CryptoError::Internal("ML-KEM encapsulation key"))?;
        let x25519 = x25519::Client::generate()?;
        let mut public = Vec::with_capacity(ENCAPSULATION_KEY_LEN + x25519::KEY_LEN);
        public.extend_from_slice(encapsulation_key.as_ref());
        public.extend_from_slice(x25519.public());
        if public.len() != ENCAPSULATION_KEY_LEN + x25519::KEY_LEN {
            return Err(CryptoError::Internal("ML-KEM encapsulation key length"));
        }
        Ok(Self {
            decapsulation_key,
            x25519,
            public,
        })
    }

    pub(super) fn public(&self) -> &[u8] {
        &self.public
    }

    pub(super) fn finish(self, server_value: &[u8]) -> Result<SharedSecret, CryptoError> {
        if server_value.len() != CIPHERTEXT_LEN + x25519::KEY_LEN {
            return Err(CryptoError::InvalidKexValue("mlkem768x25519 reply length"));
        }
        let (ciphertext, server_x25519) = server_value.split_at(CIPHERTEXT_LEN);
        // ML-KEM decapsulation never fails on a well-sized ciphertext (implicit rejection, FIPS 203
        // §6.3): a forged one yields a pseudorandom secret and the signature check fails later.
        let kem_secret = self
            .decapsulation_key
            .decapsulate(Ciphertext::from(ciphertext))
            .map_err(|_| CryptoError::InvalidKexValue("ML-KEM ciphertext"))?;
        let ecdh_secret = self.x25519.shared_secret(server_x25519)?;
        Ok(hybrid_secret(
            KexHash::Sha256,
            kem_secret.as_ref(),
            ecdh_secret.as_slice(),
        ))
    }
}

/// FIPS 203 §7.2 "modulus check": decoding and re-encoding t̂ must give the same bytes, i.e. every
/// packed 12-bit coefficient is below q.
fn encapsulation_key_is_valid(key: &[u8]) -> bool {
    let Some(packed) = key.get(..PACKED_VECTOR_LEN) else {
        return false;
    };
    packed.chunks_exact(3).all(|c| match *c {
        [b0, b1, b2] => {
            let low = u16::from(b0) | (u16::from(b1 & 0x0f) << 8);
            let high = u16::from(b1 >> 4) | (u16::from(b2) << 4);
            low < Q && high < Q
        }
        _ => false,
    })
}

/// The server's side: encapsulates to the client's ML-KEM key and answers its X25519 key.
pub(super) fn respond(client_value: &[u8]) -> Result<(Vec<u8>, SharedSecret), CryptoError> {
    if client_value.len() != ENCAPSULATION_KEY_LEN + x25519::KEY_LEN {
        return Err(CryptoError::InvalidKexValue(
            "mlkem768x25519 client value length",
        ));
    }
    let (encapsulation_key, client_x25519) = client_value.split_at(ENCAPSULATION_KEY_LEN);
    if !encapsulation_key_is_valid(encapsulation_key) {
        return Err(CryptoError::InvalidKexValue(
            "ML-KEM encapsulation key fails the modulus check",
        ));
    }
    let encapsulation_key = EncapsulationKey::new(&ML_KEM_768, encapsulation_key)
        .map_err(|_| CryptoError::InvalidKexValue("ML-KEM encapsulation key"))?;
    let (ciphertext, kem_secret) = encapsulation_key
        .encapsulate()
        .map_err(|_| CryptoError::InvalidKexValue("ML-KEM encapsulation"))?;
    let server_x25519 = x25519::Client::generate()?;
    let ecdh_secret = server_x25519.shared_secret(client_x25519)?;

    let mut reply = Vec::with_capacity(CIPHERTEXT_LEN + x25519::KEY_LEN);
    reply.extend_from_slice(ciphertext.as_ref());
    reply.extend_from_slice(server_x25519.public());
    if reply.len() != CIPHERTEXT_LEN + x25519::KEY_LEN {
        return Err(CryptoError::Internal("ML-KEM ciphertext length"));
    }
    Ok((
        reply,
        hybrid_secret(KexHash::Sha256, kem_secret.as_ref(), ecdh_secret.as_slice()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_the_specification() {
        let client = Client::generate().unwrap();
        assert_eq!(client.public().len(), 1216);
        let (reply, _) = respond(client.public()).unwrap();
        assert_eq!(reply.len(), 1120);
    }

    #[test]
    fn k_is_sha256_of_both_secrets_in_openssh_order() {
        // Recompute K from the parts: the server's ML-KEM secret (recovered by decapsulating with the
        // client key) followed by the X25519 secret.
        let client = Client::generate().unwrap();
        let (reply, k) = respond(client.public()).unwrap();
        let kem = client
            .decapsulation_key
            .decapsulate(Ciphertext::from(&reply[..CIPHERTEXT_LEN]))
            .unwrap();
        let ecdh = client
            .x25519
            .shared_secret(&reply[CIPHERTEXT_LEN..])
            .unwrap();
        let expected = super::super::digest(KexHash::Sha256, &[kem.as_ref(), ecdh.as_slice()]);
        let mut r = oxssh_wire::Reader::new(k.encoded());
        assert_eq!(r.read_string("K").unwrap(), expected.as_slice());
        assert_eq!(client.finish(&reply).unwrap().encoded(), k.encoded());
    }

    #[test]
    fn encapsulation_key_with_a_coefficient_of_q_or_more_is_rejected() {
        let client = Client::generate().unwrap();
        assert!(encapsulation_key_is_valid(
            &client.public()[..ENCAPSULATION_KEY_LEN]
        ));
        let mut bad = client.public().to_vec();
        // First coefficient := 0xfff (>= q), in the low 12 bits of bytes 0-1.
        bad[0] = 0xff;
        bad[1] |= 0x0f;
        assert!(matches!(
            respond(&bad),
            Err(CryptoError::InvalidKexValue(_))
        ));
        let mut bad = client.public().to_vec();
        // Last coefficient := q exactly, in the high 12 bits of bytes 1150-1151.
        bad[PACKED_VECTOR_LEN - 2] =
            (bad[PACKED_VECTOR_LEN - 2] & 0x0f) | (((Q & 0x0f) as u8) << 4);
        bad[PACKED_VECTOR_LEN - 1] = (Q >> 4) as u8;
        assert!(matches!(
            respond(&bad),
            Err(CryptoError::InvalidKexValue(_))
        ));
    }

    #[test]
    fn a_low_order_x25519_half_is_rejected() {
        let client = Client::generate().unwrap();
        let mut bad = client.public().to_vec();
        bad[ENCAPSULATION_KEY_LEN..].fill(0);
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
        reply[10] ^= 1;
        assert_ne!(client.finish(&reply).unwrap().encoded(), k.encoded());
    }
}
