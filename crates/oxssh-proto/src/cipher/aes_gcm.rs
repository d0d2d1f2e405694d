//! `aes128-gcm@openssh.com` and `aes256-gcm@openssh.com`: RFC 5647 as OpenSSH's PROTOCOL §1.6 amends it.
//! The packet length stays in the clear and is the additional authenticated data; everything after it is
//! encrypted; the 16-byte tag follows. The 12-byte nonce is a 4-byte fixed field and an 8-byte invocation
//! counter, both taken from the derived IV, and the counter goes up by one after every packet
//! (RFC 5647 §7.1; OpenSSH increments it with `EVP_CTRL_GCM_IV_GEN`).

use aws_lc_rs::aead::{AES_128_GCM, AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

use crate::error::CryptoError;
use crate::names::CipherAlgorithm;

/// Bytes of GCM tag after each packet.
pub(super) const TAG_LEN: usize = 16;
const FIXED_LEN: usize = 4;
const NONCE_LEN: usize = 12;

/// One direction's GCM key and its nonce state.
pub(super) struct AesGcm {
    key: LessSafeKey,
    fixed: [u8; FIXED_LEN],
    invocation_counter: u64,
}

impl AesGcm {
    pub(super) fn new(alg: CipherAlgorithm, key: &[u8], iv: &[u8]) -> Result<Self, CryptoError> {
        let algorithm = match alg {
            CipherAlgorithm::Aes128Gcm => &AES_128_GCM,
            CipherAlgorithm::Aes256Gcm => &AES_256_GCM,
            _ => return Err(CryptoError::Internal("not an AES-GCM cipher")),
        };
        let iv: &[u8; NONCE_LEN] = iv
            .try_into()
            .map_err(|_| CryptoError::Internal("AES-GCM IV length"))?;
        let (fixed, counter) = iv.split_at(FIXED_LEN);
        let fixed = fixed
            .try_into()
            .map_err(|_| CryptoError::Internal("AES-GCM IV length"))?;
        let counter = counter
            .try_into()
            .map_err(|_| CryptoError::Internal("AES-GCM IV length"))?;
        let key =
            UnboundKey::new(algorithm, key).map_err(|_| CryptoError::Internal("AES-GCM key"))?;
        Ok(Self {
            key: LessSafeKey::new(key),
            fixed,
            invocation_counter: u64::from_be_bytes(counter),
        })
    }

    /// The nonce for this packet; the counter then moves on, so a nonce is never used twice under one key
    /// (the transport rekeys long before 2^64 packets).
    fn next_nonce(&mut self) -> Nonce {
        let mut nonce = [0u8; NONCE_LEN];
        let (fixed, counter) = nonce.split_at_mut(FIXED_LEN);
        fixed.copy_from_slice(&self.fixed);
        counter.copy_from_slice(&self.invocation_counter.to_be_bytes());
        self.invocation_counter = self.invocation_counter.wrapping_add(1);
        Nonce::assume_unique_for_key(nonce)
    }

    /// Encrypts `data` in place under `aad` and writes the tag to `tag_out`.
    fn seal_detached(
        &mut self,
        aad: &[u8],
        data: &mut [u8],
        tag_out: &mut [u8],
    ) -> Result<(), CryptoError> {
        let nonce = self.next_nonce();
        let tag = self
            .key
            .seal_in_place_separate_tag(nonce, Aad::from(aad), data)
            .map_err(|_| CryptoError::Internal("AES-GCM seal"))?;
        if tag_out.len() != TAG_LEN {
            return Err(CryptoError::Internal("tag space"));
        }
        tag_out.copy_from_slice(tag.as_ref());
        Ok(())
    }

    /// Verifies `tag` over `aad` and `data`, then decrypts `data` in place.
    fn open_detached(
        &mut self,
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<(), CryptoError> {
        let nonce = self.next_nonce();
        self.key
            .open_in_place_separate_tag(nonce, Aad::from(aad), tag, data)
            .map(|_| ())
            .map_err(|_| CryptoError::MacMismatch)
    }

    /// `packet` is length || plaintext || TAG_LEN bytes of space.
    pub(super) fn seal(&mut self, packet: &mut [u8]) -> Result<(), CryptoError> {
        let (body, tag) = super::split_tag(packet, TAG_LEN, super::LENGTH_FIELD)?;
        let (length, data) = body.split_at_mut(super::LENGTH_FIELD);
        self.seal_detached(length, data, tag)
    }

    /// `packet` is length || ciphertext || tag. AWS-LC's `EVP_AEAD_CTX_open` wipes the output when the tag
    /// does not match, so no unauthenticated plaintext is left behind.
    pub(super) fn open(&mut self, packet: &mut [u8]) -> Result<(), CryptoError> {
        let (body, tag) = super::split_tag(packet, TAG_LEN, super::LENGTH_FIELD)?;
        let (length, data) = body.split_at_mut(super::LENGTH_FIELD);
        self.open_detached(length, data, tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The GCM specification's test cases (McGrew and Viega, "The Galois/Counter Mode of Operation",
    // Appendix B), which NIST's GCM validation also uses. Their IV, cafebabe facedbaddecaf888, reads as
    // a 4-byte fixed field and an 8-byte invocation counter, so they exercise our nonce layout directly.
    const IV: &str = "cafebabefacedbaddecaf888";
    const PLAIN: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
    const AAD: &str = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

    fn gcm(alg: CipherAlgorithm, key: &str) -> AesGcm {
        AesGcm::new(alg, &hex::decode(key).unwrap(), &hex::decode(IV).unwrap()).unwrap()
    }

    #[test]
    fn gcm_spec_test_case_3_aes128_no_aad() {
        let mut g = gcm(
            CipherAlgorithm::Aes128Gcm,
            "feffe9928665731c6d6a8f9467308308",
        );
        let mut data = hex::decode(PLAIN).unwrap();
        let mut tag = [0u8; TAG_LEN];
        g.seal_detached(&[], &mut data, &mut tag).unwrap();
        assert_eq!(
            hex::encode(&data),
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985"
        );
        assert_eq!(hex::encode(tag), "4d5c2af327cd64a62cf35abd2ba6fab4");

        let mut o = gcm(
            CipherAlgorithm::Aes128Gcm,
            "feffe9928665731c6d6a8f9467308308",
        );
        o.open_detached(&[], &mut data, &tag).unwrap();
        assert_eq!(hex::encode(&data), PLAIN);
    }

    #[test]
    fn gcm_spec_test_cases_4_and_16_with_aad() {
        for (alg, key, tag_hex) in [
            (
                CipherAlgorithm::Aes128Gcm,
                "feffe9928665731c6d6a8f9467308308",
                "5bc94fbc3221a5db94fae95ae7121a47",
            ),
            (
                CipherAlgorithm::Aes256Gcm,
                "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
                "76fc6ece0f4e1768cddf8853bb2d551b",
            ),
        ] {
            let mut g = gcm(alg, key);
            let mut data = hex::decode(PLAIN).unwrap()[..60].to_vec();
            let mut tag = [0u8; TAG_LEN];
            g.seal_detached(&hex::decode(AAD).unwrap(), &mut data, &mut tag)
                .unwrap();
            assert_eq!(hex::encode(tag), tag_hex);
        }
    }

    #[test]
    fn invocation_counter_increments_after_every_packet() {
        let key = hex::decode("feffe9928665731c6d6a8f9467308308").unwrap();
        let mut g = gcm(
            CipherAlgorithm::Aes128Gcm,
            "feffe9928665731c6d6a8f9467308308",
        );
        let reference = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &key).unwrap());
        for counter in 0xfacedbaddecaf888u64..0xfacedbaddecaf88b {
            let mut data = *b"sixteen byte msg";
            let mut tag = [0u8; TAG_LEN];
            g.seal_detached(b"len!", &mut data, &mut tag).unwrap();

            let mut nonce = [0u8; NONCE_LEN];
            nonce[..4].copy_from_slice(&hex::decode("cafebabe").unwrap());
            nonce[4..].copy_from_slice(&counter.to_be_bytes());
            let mut expected = *b"sixteen byte msg";
            let expected_tag = reference
                .seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(b"len!"),
                    &mut expected,
                )
                .unwrap();
            assert_eq!((data, tag.as_slice()), (expected, expected_tag.as_ref()));
        }
    }

    #[test]
    fn the_counter_wraps_without_touching_the_fixed_field() {
        let iv = hex::decode("01020304ffffffffffffffff").unwrap();
        let key = [9u8; 16];
        let mut g = AesGcm::new(CipherAlgorithm::Aes128Gcm, &key, &iv).unwrap();
        let _ = g.next_nonce();
        assert_eq!(
            g.next_nonce().as_ref(),
            &hex::decode("010203040000000000000000").unwrap()[..]
        );
    }

    #[test]
    fn failed_open_leaves_no_plaintext() {
        let mut s = gcm(
            CipherAlgorithm::Aes128Gcm,
            "feffe9928665731c6d6a8f9467308308",
        );
        let mut o = gcm(
            CipherAlgorithm::Aes128Gcm,
            "feffe9928665731c6d6a8f9467308308",
        );
        let plain = b"\x00\x00\x00\x1c\x0asecret payload here!!!!!!!!".to_vec();
        let mut packet = plain.clone();
        packet.extend_from_slice(&[0; TAG_LEN]);
        s.seal(&mut packet).unwrap();
        let last = packet.len() - 1;
        packet[last] ^= 1;
        assert_eq!(o.open(&mut packet), Err(CryptoError::MacMismatch));
        assert!(!packet.windows(6).any(|w| w == b"secret"));
    }
}
