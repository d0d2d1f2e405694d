//! SSH signature blobs (`string algorithm-name, string signature`, RFC 4253 §6.6) and their
//! verification through aws-lc-rs.
//!
//! Per algorithm the inner `signature` string is: Ed25519, the 64-byte RFC 8032 signature (RFC 8709
//! §6); ECDSA, `mpint r, mpint s` (RFC 5656 §3.1.2); RSA, the PKCS#1 v1.5 signature as long as the
//! modulus (RFC 8332 §3).

use aws_lc_rs::signature::{self as sig, UnparsedPublicKey};
use oxssh_wire::{Reader, Writer};

use crate::public::{Curve, KeyData};
use crate::{KeyError, PublicKey, SignatureAlgorithm, limits};

/// Wraps a raw signature in the SSH signature blob.
pub(crate) fn encode_blob(alg: SignatureAlgorithm, inner: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + alg.name().len() + inner.len());
    out.write_string(alg.name().as_bytes());
    out.write_string(inner);
    out
}

/// Converts aws-lc-rs's fixed-width `r || s` into SSH's `mpint r, mpint s`.
pub(crate) fn ecdsa_fixed_to_ssh(fixed: &[u8]) -> Vec<u8> {
    let (r, s) = fixed.split_at(fixed.len() / 2);
    let mut out = Vec::with_capacity(fixed.len() + 10);
    out.write_mpint_positive(r);
    out.write_mpint_positive(s);
    out
}

/// Converts SSH's `mpint r, mpint s` into fixed-width `r || s` of `2 * field_len` bytes. Values wider
/// than the field, negative values and trailing bytes are refused (OpenSSH's `ssh_ecdsa_verify` checks
/// for trailing data after `s`).
fn ecdsa_ssh_to_fixed(inner: &[u8], field_len: usize) -> Result<Vec<u8>, KeyError> {
    let mut r = Reader::new(inner);
    let sig_r = r.read_mpint_positive("ecdsa signature r")?;
    let sig_s = r.read_mpint_positive("ecdsa signature s")?;
    r.finish("ecdsa signature")?;
    let mut fixed = vec![0u8; 2 * field_len];
    for (value, half) in [(sig_r, 0), (sig_s, field_len)] {
        if value.len() > field_len {
            return Err(KeyError::BadSignature);
        }
        let start = half + field_len - value.len();
        fixed
            .get_mut(start..half + field_len)
            .ok_or(KeyError::BadSignature)?
            .copy_from_slice(value);
    }
    Ok(fixed)
}

/// Verifies `signature_blob` over `data` with `key` under `alg`.
pub(crate) fn verify(
    key: &PublicKey,
    alg: SignatureAlgorithm,
    data: &[u8],
    signature_blob: &[u8],
) -> Result<(), KeyError> {
    if alg.key_type() != key.key_type() {
        return Err(KeyError::AlgorithmMismatch {
            algorithm: alg.name(),
            key_type: key.key_type().name(),
        });
    }
    let mut r = Reader::new(signature_blob);
    let name = r.read_string("signature algorithm")?;
    if name != alg.name().as_bytes() {
        return Err(KeyError::SignatureNameMismatch {
            expected: alg.name(),
        });
    }
    let inner = r.read_string("signature")?;
    r.finish("signature blob")?;
    let verified = match key.data() {
        KeyData::Ed25519(pk) => {
            if inner.len() != 64 {
                return Err(KeyError::BadSignature);
            }
            UnparsedPublicKey::new(&sig::ED25519, pk).verify(data, inner)
        }
        KeyData::Ecdsa { key_type, point } => {
            let curve = Curve::of(*key_type).ok_or(KeyError::UnsupportedKeyType)?;
            let fixed = ecdsa_ssh_to_fixed(inner, curve.field_len)?;
            let params: &'static sig::EcdsaVerificationAlgorithm = match alg {
                SignatureAlgorithm::EcdsaP256 => &sig::ECDSA_P256_SHA256_FIXED,
                SignatureAlgorithm::EcdsaP384 => &sig::ECDSA_P384_SHA384_FIXED,
                _ => &sig::ECDSA_P521_SHA512_FIXED,
            };
            UnparsedPublicKey::new(params, point).verify(data, &fixed)
        }
        KeyData::Rsa { e, n, bits } => {
            if *bits > limits::RSA_MAX_VERIFY_BITS {
                return Err(KeyError::RsaKeySize { bits: *bits });
            }
            // aws-lc-rs's 1024..8192 parameters accept every size we do; OpenSSH's minimum (1024) was
            // already enforced when the key was parsed.
            let params: &'static sig::RsaParameters = match alg {
                SignatureAlgorithm::RsaSha256 => {
                    &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
                }
                SignatureAlgorithm::RsaSha512 => {
                    &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
                }
                _ => &sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            };
            // OpenSSH's ssh_rsa_verify left-pads a signature shorter than the modulus (some
            // implementations strip leading zeros) and refuses a longer one.
            let modulus_len = n.len();
            if inner.len() > modulus_len {
                return Err(KeyError::BadSignature);
            }
            let mut padded = vec![0u8; modulus_len];
            padded
                .get_mut(modulus_len - inner.len()..)
                .ok_or(KeyError::BadSignature)?
                .copy_from_slice(inner);
            sig::RsaPublicKeyComponents {
                n: &n[..],
                e: &e[..],
            }
            .verify(params, data, &padded)
        }
    };
    verified.map_err(|_| KeyError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_conversion_round_trips_and_strips_leading_zeros() {
        let mut fixed = vec![0u8; 64];
        fixed[1] = 0x80; // r has a leading zero byte and a high bit after it
        fixed[32] = 0x01;
        fixed[63] = 0x02;
        let ssh = ecdsa_fixed_to_ssh(&fixed);
        let mut r = Reader::new(&ssh);
        assert_eq!(r.read_mpint_positive("r").unwrap().len(), 31);
        assert_eq!(ecdsa_ssh_to_fixed(&ssh, 32).unwrap(), fixed);
        // Too wide for P-256, trailing bytes.
        let mut wide = Vec::new();
        wide.write_mpint_positive(&[0x7f; 33]);
        wide.write_mpint_positive(&[1]);
        assert_eq!(ecdsa_ssh_to_fixed(&wide, 32), Err(KeyError::BadSignature));
        let mut trailing = ssh.clone();
        trailing.push(0);
        assert!(matches!(
            ecdsa_ssh_to_fixed(&trailing, 32),
            Err(KeyError::Wire(_))
        ));
    }
}
