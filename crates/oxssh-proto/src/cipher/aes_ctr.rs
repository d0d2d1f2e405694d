//! `aes128-ctr`, `aes192-ctr`, `aes256-ctr` (RFC 4344 §4): AES in counter mode, where the counter block
//! X starts as the derived IV, is treated as one 128-bit big-endian integer, and goes up by one per block
//! modulo 2^128 across the whole connection (not per packet). Encryption and decryption are the same
//! keystream XOR, so one type serves both directions.
//!
//! AWS-LC's one-shot CTR call works in place and takes the starting counter block, so we carry the counter
//! ourselves and advance it by the number of blocks each call consumed. SSH packets are whole blocks, so
//! no keystream is ever left over between calls.

use aws_lc_rs::cipher::{
    AES_128, AES_192, AES_256, EncryptingKey, EncryptionContext, UnboundCipherKey,
};
use aws_lc_rs::iv::FixedLength;

use crate::error::CryptoError;
use crate::names::CipherAlgorithm;

const BLOCK: usize = 16;

/// One direction's key and its running counter block.
pub(super) struct AesCtr {
    key: EncryptingKey,
    counter: u128,
}

impl AesCtr {
    pub(super) fn new(alg: CipherAlgorithm, key: &[u8], iv: &[u8]) -> Result<Self, CryptoError> {
        let algorithm = match alg {
            CipherAlgorithm::Aes128Ctr => &AES_128,
            CipherAlgorithm::Aes192Ctr => &AES_192,
            CipherAlgorithm::Aes256Ctr => &AES_256,
            _ => return Err(CryptoError::Internal("not an AES-CTR cipher")),
        };
        let iv: [u8; BLOCK] = iv
            .try_into()
            .map_err(|_| CryptoError::Internal("AES-CTR IV length"))?;
        let key = UnboundCipherKey::new(algorithm, key)
            .map_err(|_| CryptoError::Internal("AES-CTR key"))?;
        let key = EncryptingKey::ctr(key).map_err(|_| CryptoError::Internal("AES-CTR key"))?;
        Ok(Self {
            key,
            counter: u128::from_be_bytes(iv),
        })
    }

    /// XORs the next `data.len()` bytes of keystream into `data`. A partial final block still uses up its
    /// whole counter value, which cannot happen with block-aligned packets.
    pub(super) fn apply(&mut self, data: &mut [u8]) -> Result<(), CryptoError> {
        if data.is_empty() {
            return Ok(());
        }
        let context = EncryptionContext::Iv128(FixedLength::from(self.counter.to_be_bytes()));
        self.key
            .less_safe_encrypt(data, context)
            .map_err(|_| CryptoError::Internal("AES-CTR"))?;
        // usize always fits in u128, so this conversion never saturates.
        let blocks = u128::try_from(data.len().div_ceil(BLOCK)).unwrap_or(u128::MAX);
        // RFC 4344 §4: "X is incremented ... modulo 2**L" with L = 128.
        self.counter = self.counter.wrapping_add(blocks);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // NIST SP 800-38A, Appendix F.5.1 / F.5.3 / F.5.5 (CTR-AES128/192/256.Encrypt).
    const COUNTER: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    const PLAIN: &str = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
    const VECTORS: &[(CipherAlgorithm, &str, &str)] = &[
        (
            CipherAlgorithm::Aes128Ctr,
            "2b7e151628aed2a6abf7158809cf4f3c",
            "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee",
        ),
        (
            CipherAlgorithm::Aes192Ctr,
            "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
            "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e941e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050",
        ),
        (
            CipherAlgorithm::Aes256Ctr,
            "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
            "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6",
        ),
    ];

    fn ctr(alg: CipherAlgorithm, key: &str, iv: &[u8]) -> AesCtr {
        AesCtr::new(alg, &hex::decode(key).unwrap(), iv).unwrap()
    }

    #[test]
    fn sp800_38a_vectors_in_one_call() {
        for &(alg, key, expected) in VECTORS {
            let mut data = hex::decode(PLAIN).unwrap();
            ctr(alg, key, &hex::decode(COUNTER).unwrap())
                .apply(&mut data)
                .unwrap();
            assert_eq!(hex::encode(&data), expected, "{alg:?}");
        }
    }

    #[test]
    fn sp800_38a_vectors_split_across_packets_carry_the_counter() {
        for &(alg, key, expected) in VECTORS {
            let mut c = ctr(alg, key, &hex::decode(COUNTER).unwrap());
            let mut data = hex::decode(PLAIN).unwrap();
            let (first, rest) = data.split_at_mut(16);
            let (second, third) = rest.split_at_mut(32);
            c.apply(first).unwrap();
            c.apply(second).unwrap();
            c.apply(third).unwrap();
            assert_eq!(hex::encode(&data), expected, "{alg:?}");
        }
    }

    #[test]
    fn counter_wraps_modulo_2_pow_128() {
        // Four blocks starting two before the wrap must equal the blocks encrypted one at a time at
        // counters 2^128-2, 2^128-1, 0 and 1.
        let key = "000102030405060708090a0b0c0d0e0f";
        let start = u128::MAX - 1;
        let mut whole = [0x5au8; 64];
        let mut c = ctr(CipherAlgorithm::Aes128Ctr, key, &start.to_be_bytes());
        c.apply(&mut whole).unwrap();
        assert_eq!(c.counter, 2);
        for (i, counter) in [u128::MAX - 1, u128::MAX, 0, 1].into_iter().enumerate() {
            let mut block = [0x5au8; 16];
            ctr(CipherAlgorithm::Aes128Ctr, key, &counter.to_be_bytes())
                .apply(&mut block)
                .unwrap();
            assert_eq!(&whole[i * 16..i * 16 + 16], &block, "block {i}");
        }
    }

    #[test]
    fn wrong_algorithm_or_lengths_are_internal_errors() {
        assert!(AesCtr::new(CipherAlgorithm::Aes128Gcm, &[0; 16], &[0; 16]).is_err());
        assert!(AesCtr::new(CipherAlgorithm::Aes128Ctr, &[0; 15], &[0; 16]).is_err());
        assert!(AesCtr::new(CipherAlgorithm::Aes128Ctr, &[0; 16], &[0; 12]).is_err());
    }
}
