//! ECDSA private keys on NIST P-256, P-384 and P-521 (RFC 5656) over aws-lc-rs.

use aws_lc_rs::encoding::AsBigEndian as _;
use aws_lc_rs::signature::{self as sig, EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair as _};
use oxssh_wire::{Reader, Writer};
use zeroize::Zeroizing;

use crate::public::{Curve, KeyData};
use crate::{KeyError, KeyType};

/// An ECDSA key pair with its scalar kept (zeroized on drop) for writing key files.
pub(crate) struct EcdsaPrivate {
    key_type: KeyType,
    pair: EcdsaKeyPair,
    /// The private scalar, big-endian, exactly the curve's field length.
    scalar: Zeroizing<Vec<u8>>,
    /// SEC1 uncompressed public point.
    point: Box<[u8]>,
}

/// The signing algorithm RFC 5656 §6.2.1 pairs with each curve (SHA-256/384/512), producing the fixed
/// `r || s` form that we convert to SSH's mpints.
fn signing_alg(key_type: KeyType) -> Result<&'static EcdsaSigningAlgorithm, KeyError> {
    match key_type {
        KeyType::EcdsaP256 => Ok(&sig::ECDSA_P256_SHA256_FIXED_SIGNING),
        KeyType::EcdsaP384 => Ok(&sig::ECDSA_P384_SHA384_FIXED_SIGNING),
        KeyType::EcdsaP521 => Ok(&sig::ECDSA_P521_SHA512_FIXED_SIGNING),
        KeyType::Ed25519 | KeyType::Rsa => Err(KeyError::UnsupportedKeyType),
    }
}

impl EcdsaPrivate {
    pub(crate) fn generate(key_type: KeyType) -> Result<Self, KeyError> {
        let pair = EcdsaKeyPair::generate(signing_alg(key_type)?).map_err(|_| KeyError::Crypto)?;
        Self::from_pair(key_type, pair)
    }

    /// Wraps a key pair aws-lc-rs already validated (generated, or parsed from PKCS#8 / SEC1).
    pub(crate) fn from_pair(key_type: KeyType, pair: EcdsaKeyPair) -> Result<Self, KeyError> {
        let scalar = pair
            .private_key()
            .as_be_bytes()
            .map_err(|_| KeyError::Crypto)?;
        let scalar = Zeroizing::new(scalar.as_ref().to_vec());
        let point: Box<[u8]> = pair.public_key().as_ref().into();
        Ok(Self {
            key_type,
            pair,
            scalar,
            point,
        })
    }

    /// A key from its scalar (big-endian, leading zeros optional) and public point; aws-lc checks
    /// that the point is the scalar's.
    pub(crate) fn from_scalar(
        key_type: KeyType,
        scalar: &[u8],
        point: &[u8],
    ) -> Result<Self, KeyError> {
        let curve = Curve::of(key_type).ok_or(KeyError::UnsupportedKeyType)?;
        let significant = scalar
            .iter()
            .position(|&b| b != 0)
            .map_or(&[][..], |i| scalar.get(i..).unwrap_or_default());
        if significant.len() > curve.field_len || significant.is_empty() {
            return Err(KeyError::InvalidKey("ECDSA private scalar is out of range"));
        }
        let mut fixed = Zeroizing::new(vec![0u8; curve.field_len]);
        fixed
            .get_mut(curve.field_len - significant.len()..)
            .ok_or(KeyError::InvalidKey("ECDSA private scalar is out of range"))?
            .copy_from_slice(significant);
        let pair =
            EcdsaKeyPair::from_private_key_and_public_key(signing_alg(key_type)?, &fixed, point)
                .map_err(|_| {
                    KeyError::InvalidKey("ECDSA private key does not match its public key")
                })?;
        Ok(Self {
            key_type,
            pair,
            scalar: fixed,
            point: point.into(),
        })
    }

    /// A key from a SEC1 ECPrivateKey DER, letting aws-lc derive a missing public key.
    pub(crate) fn from_sec1_der(key_type: KeyType, der: &[u8]) -> Result<Self, KeyError> {
        let pair = EcdsaKeyPair::from_private_key_der(signing_alg(key_type)?, der)
            .map_err(|_| KeyError::InvalidKey("invalid ECDSA private key"))?;
        Self::from_pair(key_type, pair)
    }

    /// Reads the fields after the type name in OpenSSH's private key encoding:
    /// `string curve, string Q, mpint d`.
    pub(crate) fn read(key_type: KeyType, r: &mut Reader<'_>) -> Result<Self, KeyError> {
        let curve = Curve::of(key_type).ok_or(KeyError::UnsupportedKeyType)?;
        let curve_name = r.read_string("ecdsa curve name")?;
        if curve_name != curve.name.as_bytes() {
            return Err(KeyError::InvalidKey(
                "ECDSA curve name does not match key type",
            ));
        }
        let point = r.read_string("ecdsa public point")?;
        let d = super::read_mpint_lenient(r, "ecdsa private scalar")?;
        Self::from_scalar(key_type, d, point)
    }

    /// Writes the fields after the type name (the inverse of [`Self::read`]).
    pub(crate) fn write(&self, w: &mut Vec<u8>) -> Result<(), KeyError> {
        let curve = Curve::of(self.key_type).ok_or(KeyError::UnsupportedKeyType)?;
        w.write_string(curve.name.as_bytes());
        w.write_string(&self.point);
        w.write_mpint_positive(&self.scalar);
        Ok(())
    }

    pub(crate) fn key_type(&self) -> KeyType {
        self.key_type
    }

    pub(crate) fn scalar(&self) -> &[u8] {
        &self.scalar
    }

    pub(crate) fn point(&self) -> &[u8] {
        &self.point
    }

    pub(crate) fn public_data(&self) -> KeyData {
        KeyData::Ecdsa {
            key_type: self.key_type,
            point: self.point.clone(),
        }
    }

    /// Signs and returns SSH's `mpint r, mpint s`.
    pub(crate) fn sign(&self, data: &[u8]) -> Result<Vec<u8>, KeyError> {
        let fixed = self
            .pair
            .sign(&aws_lc_rs::rand::SystemRandom::new(), data)
            .map_err(|_| KeyError::Crypto)?;
        Ok(crate::signature::ecdsa_fixed_to_ssh(fixed.as_ref()))
    }

    /// PKCS#8 v1 DER (RFC 5915 inside RFC 5208).
    pub(crate) fn to_pkcs8(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let doc = self.pair.to_pkcs8v1().map_err(|_| KeyError::Crypto)?;
        Ok(Zeroizing::new(doc.as_ref().to_vec()))
    }
}
