//! The HMAC MACs: `hmac-sha2-256`, `hmac-sha2-512` (RFC 6668), `hmac-sha1` (RFC 4253 §6.4, legacy) and
//! their `-etm@openssh.com` forms (OpenSSH PROTOCOL §1.7). The MAC input is always
//! `uint32 sequence_number || packet`; what `packet` holds (plaintext, or clear length plus ciphertext)
//! is the caller's business, so both forms share this code. The tag is the full HMAC output.

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::hmac;

use crate::error::CryptoError;
use crate::names::MacAlgorithm;

/// One direction's HMAC key. `hmac::Key` keeps the padded inner and outer states, so every packet starts
/// from a copy of them (`Context::with_key`) with no allocation.
pub(super) struct Mac {
    key: hmac::Key,
    len: usize,
}

impl Mac {
    /// Any key length is accepted here (HMAC is defined for all); the packet layer checks that derived keys
    /// have the algorithm's length.
    pub(super) fn new(alg: MacAlgorithm, key: &[u8]) -> Self {
        let algorithm = match alg {
            MacAlgorithm::HmacSha256 | MacAlgorithm::HmacSha256Etm => hmac::HMAC_SHA256,
            MacAlgorithm::HmacSha512 | MacAlgorithm::HmacSha512Etm => hmac::HMAC_SHA512,
            MacAlgorithm::HmacSha1 | MacAlgorithm::HmacSha1Etm => {
                hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY
            }
        };
        Self {
            key: hmac::Key::new(algorithm, key),
            len: alg.output_len(),
        }
    }

    /// Bytes of tag on the wire.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    fn compute(&self, seq: u32, data: &[u8]) -> hmac::Tag {
        let mut context = hmac::Context::with_key(&self.key);
        context.update(&seq.to_be_bytes());
        context.update(data);
        context.sign()
    }

    /// Writes the MAC of `seq || data` into `out`, which is exactly `len()` bytes.
    pub(super) fn sign(&self, seq: u32, data: &[u8], out: &mut [u8]) {
        let tag = self.compute(seq, data);
        for (o, t) in out.iter_mut().zip(tag.as_ref()) {
            *o = *t;
        }
    }

    /// Checks `received` against the MAC of `seq || data` in constant time (AWS-LC `CRYPTO_memcmp`).
    pub(super) fn verify(&self, seq: u32, data: &[u8], received: &[u8]) -> Result<(), CryptoError> {
        let tag = self.compute(seq, data);
        verify_slices_are_equal(tag.as_ref(), received).map_err(|_| CryptoError::MacMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SSH framing prepends a 4-byte sequence number, so a published vector whose message is at least
    /// four bytes long can be replayed by reading its first four bytes as the sequence number.
    fn check(alg: MacAlgorithm, key: &[u8], message: &[u8], expected: &str) {
        let (seq, rest) = message.split_at(4);
        let seq = u32::from_be_bytes(seq.try_into().unwrap());
        let mac = Mac::new(alg, key);
        let mut out = vec![0u8; mac.len()];
        mac.sign(seq, rest, &mut out);
        assert_eq!(hex::encode(&out), expected, "{alg:?}");
        mac.verify(seq, rest, &out).unwrap();
        out[0] ^= 0x80;
        assert_eq!(mac.verify(seq, rest, &out), Err(CryptoError::MacMismatch));
    }

    #[test]
    fn rfc4231_test_cases_1_and_2() {
        let key1 = [0x0b; 20];
        check(
            MacAlgorithm::HmacSha256,
            &key1,
            b"Hi There",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        );
        check(
            MacAlgorithm::HmacSha512Etm,
            &key1,
            b"Hi There",
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
        );
        let message = b"what do ya want for nothing?";
        check(
            MacAlgorithm::HmacSha256Etm,
            b"Jefe",
            message,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        );
        check(
            MacAlgorithm::HmacSha512,
            b"Jefe",
            message,
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
        );
    }

    #[test]
    fn rfc2202_hmac_sha1_test_cases_1_and_2() {
        check(
            MacAlgorithm::HmacSha1,
            &[0x0b; 20],
            b"Hi There",
            "b617318655057264e28bc0b6fb378c8ef146be00",
        );
        check(
            MacAlgorithm::HmacSha1Etm,
            b"Jefe",
            b"what do ya want for nothing?",
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
        );
    }

    #[test]
    fn truncated_or_overlong_tags_are_rejected() {
        let mac = Mac::new(MacAlgorithm::HmacSha256, &[1; 32]);
        let mut out = [0u8; 32];
        mac.sign(7, b"packet", &mut out);
        assert_eq!(
            mac.verify(7, b"packet", &out[..31]),
            Err(CryptoError::MacMismatch)
        );
        assert_eq!(
            mac.verify(7, b"packet", &[out.as_slice(), &[0]].concat()),
            Err(CryptoError::MacMismatch)
        );
        assert_eq!(
            mac.verify(8, b"packet", &out),
            Err(CryptoError::MacMismatch)
        );
    }
}
