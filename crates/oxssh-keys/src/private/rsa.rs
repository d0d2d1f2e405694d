//! RSA private keys over aws-lc-rs. The `rsa` crate is never used for private-key operations: its
//! PKCS#1 v1.5 code had the Marvin timing side channel (RUSTSEC-2023-0071).
//!
//! OpenSSH files carry `n, e, d, iqmp, p, q` but aws-lc-rs also wants the CRT exponents
//! `dP = d mod (p-1)` and `dQ = d mod (q-1)`; we compute them with crypto-bigint's constant-time
//! division (the operands are secret).

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::{KeyPair, KeyPairComponents, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self as sig, RsaEncoding};
use crypto_bigint::{BoxedUint, NonZero};
use oxssh_wire::{Reader, Writer};
use zeroize::Zeroizing;

use crate::private::der;
use crate::public::{KeyData, bit_length};
use crate::{KeyError, SignatureAlgorithm};

/// The modulus sizes aws-lc-rs loads (`RsaKeyPair::from_components` and `from_der`).
const PRIVATE_BITS: std::ops::RangeInclusive<u32> = 2048..=8192;

type Secret = Zeroizing<Vec<u8>>;

/// An RSA key pair with its components kept (zeroized on drop) for writing key files and agent
/// messages.
pub(crate) struct RsaPrivate {
    pair: KeyPair,
    n: Box<[u8]>,
    e: Box<[u8]>,
    d: Secret,
    p: Secret,
    q: Secret,
    dp: Secret,
    dq: Secret,
    iqmp: Secret,
}

fn secret(bytes: &[u8]) -> Secret {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    Zeroizing::new(bytes.get(start..).unwrap_or_default().to_vec())
}

/// `d mod (prime - 1)`, in constant time with respect to the values.
fn crt_exponent(d: &[u8], prime: &[u8]) -> Result<Secret, KeyError> {
    let invalid = KeyError::InvalidKey("RSA private key components are inconsistent");
    let bits = u32::try_from(d.len().max(prime.len()).max(1) * 8).map_err(|_| invalid.clone())?;
    let d = Zeroizing::new(BoxedUint::from_be_slice(d, bits).map_err(|_| invalid.clone())?);
    let mut prime_minus_one =
        Zeroizing::new(BoxedUint::from_be_slice(prime, bits).map_err(|_| invalid.clone())?);
    let one = BoxedUint::one_with_precision(bits);
    *prime_minus_one = prime_minus_one.wrapping_sub(&one);
    let divisor: Option<NonZero<BoxedUint>> =
        NonZero::new(BoxedUint::clone(&prime_minus_one)).into_option();
    let divisor = Zeroizing::new(divisor.ok_or(invalid)?);
    let rem = Zeroizing::new(d.rem(&divisor));
    Ok(Zeroizing::new(rem.to_be_bytes().into_vec()))
}

impl RsaPrivate {
    /// Generates a key with aws-lc-rs; only 2048, 3072, 4096 and 8192 bits are possible.
    pub(crate) fn generate(bits: u32) -> Result<Self, KeyError> {
        let size = match bits {
            2048 => KeySize::Rsa2048,
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            8192 => KeySize::Rsa8192,
            _ => {
                return Err(KeyError::UnsupportedKeySize {
                    key_type: "rsa",
                    bits,
                });
            }
        };
        let pair = KeyPair::generate(size).map_err(|_| KeyError::Crypto)?;
        // aws-lc-rs exposes the components only inside its PKCS#8 encoding: PrivateKeyInfo wrapping an
        // RSAPrivateKey.
        let pkcs8 = pair.as_der().map_err(|_| KeyError::Crypto)?;
        let info = der::parse_private_key_info(pkcs8.as_ref())?;
        let f = der::parse_rsa_private_key(info.private_key)?;
        Ok(Self {
            n: f.n.into(),
            e: f.e.into(),
            d: secret(f.d),
            p: secret(f.p),
            q: secret(f.q),
            dp: secret(f.dp),
            dq: secret(f.dq),
            iqmp: secret(f.qinv),
            pair,
        })
    }

    /// A key from all eight PKCS#1 components; aws-lc-rs checks their consistency.
    pub(crate) fn from_fields(f: &der::RsaFields<'_>) -> Result<Self, KeyError> {
        let bits = bit_length(f.n);
        if !PRIVATE_BITS.contains(&bits) {
            return Err(KeyError::RsaPrivateKeySize { bits });
        }
        let components = KeyPairComponents {
            public_key: PublicKeyComponents { n: f.n, e: f.e },
            d: f.d,
            p: f.p,
            q: f.q,
            dP: f.dp,
            dQ: f.dq,
            qInv: f.qinv,
        };
        let pair = KeyPair::from_components(&components)
            .map_err(|_| KeyError::InvalidKey("RSA private key components are inconsistent"))?;
        Ok(Self {
            n: f.n.into(),
            e: f.e.into(),
            d: secret(f.d),
            p: secret(f.p),
            q: secret(f.q),
            dp: secret(f.dp),
            dq: secret(f.dq),
            iqmp: secret(f.qinv),
            pair,
        })
    }

    /// A key from OpenSSH's six components, computing the two CRT exponents.
    pub(crate) fn from_openssh(
        n: &[u8],
        e: &[u8],
        d: &[u8],
        iqmp: &[u8],
        p: &[u8],
        q: &[u8],
    ) -> Result<Self, KeyError> {
        let bits = bit_length(n);
        if !PRIVATE_BITS.contains(&bits) {
            return Err(KeyError::RsaPrivateKeySize { bits });
        }
        let dp = crt_exponent(d, p)?;
        let dq = crt_exponent(d, q)?;
        Self::from_fields(&der::RsaFields {
            n,
            e,
            d,
            p,
            q,
            dp: &dp,
            dq: &dq,
            qinv: iqmp,
        })
    }

    /// Reads the fields after the type name in OpenSSH's private key encoding:
    /// `mpint n, mpint e, mpint d, mpint iqmp, mpint p, mpint q`.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, KeyError> {
        let n = super::read_mpint_lenient(r, "rsa n")?;
        let e = super::read_mpint_lenient(r, "rsa e")?;
        let d = super::read_mpint_lenient(r, "rsa d")?;
        let iqmp = super::read_mpint_lenient(r, "rsa iqmp")?;
        let p = super::read_mpint_lenient(r, "rsa p")?;
        let q = super::read_mpint_lenient(r, "rsa q")?;
        Self::from_openssh(n, e, d, iqmp, p, q)
    }

    /// Writes the fields after the type name (the inverse of [`Self::read`]).
    pub(crate) fn write(&self, w: &mut Vec<u8>) {
        for value in [&self.n[..], &self.e, &self.d, &self.iqmp, &self.p, &self.q] {
            w.write_mpint_positive(value);
        }
    }

    pub(crate) fn public_data(&self) -> KeyData {
        KeyData::Rsa {
            e: self.e.clone(),
            n: self.n.clone(),
            bits: bit_length(&self.n),
        }
    }

    /// Signs with PKCS#1 v1.5 (RFC 8332). SHA-1 (`ssh-rsa`) is refused.
    pub(crate) fn sign(&self, alg: SignatureAlgorithm, data: &[u8]) -> Result<Vec<u8>, KeyError> {
        let encoding: &'static dyn RsaEncoding = match alg {
            SignatureAlgorithm::RsaSha256 => &sig::RSA_PKCS1_SHA256,
            SignatureAlgorithm::RsaSha512 => &sig::RSA_PKCS1_SHA512,
            SignatureAlgorithm::RsaSha1 => return Err(KeyError::Sha1SigningRefused),
            other => {
                return Err(KeyError::AlgorithmMismatch {
                    algorithm: other.name(),
                    key_type: "ssh-rsa",
                });
            }
        };
        let mut out = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                encoding,
                &aws_lc_rs::rand::SystemRandom::new(),
                data,
                &mut out,
            )
            .map_err(|_| KeyError::Crypto)?;
        Ok(out)
    }

    /// The PKCS#1 RSAPrivateKey DER (`BEGIN RSA PRIVATE KEY`).
    pub(crate) fn to_pkcs1(&self) -> Zeroizing<Vec<u8>> {
        der::write_rsa_private_key(&der::RsaFields {
            n: &self.n,
            e: &self.e,
            d: &self.d,
            p: &self.p,
            q: &self.q,
            dp: &self.dp,
            dq: &self.dq,
            qinv: &self.iqmp,
        })
    }

    /// PKCS#8 v1 DER.
    pub(crate) fn to_pkcs8(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let doc = self.pair.as_der().map_err(|_| KeyError::Crypto)?;
        Ok(Zeroizing::new(doc.as_ref().to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crt_exponent_matches_small_arithmetic() {
        // d = 2753, p = 61: 2753 mod 60 = 53.
        let dp = crt_exponent(&[0x0a, 0xc1], &[61]).unwrap();
        assert_eq!(
            dp.iter()
                .copied()
                .skip_while(|&b| b == 0)
                .collect::<Vec<_>>(),
            [53]
        );
        assert!(
            crt_exponent(&[5], &[1]).is_err(),
            "p - 1 = 0 has no remainder"
        );
    }
}
