//! Ed25519 private keys (RFC 8032, RFC 8709) over aws-lc-rs.

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use oxssh_wire::{Reader, Writer};
use zeroize::Zeroizing;

use crate::KeyError;
use crate::public::KeyData;

/// An Ed25519 key pair. The seed is kept (zeroized on drop) because key files store it.
pub(crate) struct Ed25519Private {
    pair: Ed25519KeyPair,
    seed: Zeroizing<[u8; 32]>,
    public: [u8; 32],
}

impl Ed25519Private {
    /// A fresh key from 32 random bytes (RFC 8032 §5.1.5: the private key is any 32-byte string).
    pub(crate) fn generate() -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        aws_lc_rs::rand::fill(&mut seed[..]).map_err(|_| KeyError::Crypto)?;
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed[..]).map_err(|_| KeyError::Crypto)?;
        let public = public_bytes(&pair)?;
        Ok(Self { pair, seed, public })
    }

    /// A key from its seed, checked against the public key stored beside it.
    pub(crate) fn from_seed(seed: &[u8], public: Option<&[u8]>) -> Result<Self, KeyError> {
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
            seed.try_into()
                .map_err(|_| KeyError::InvalidKey("Ed25519 seed is not 32 bytes"))?,
        );
        let pair = match public {
            Some(pk) => Ed25519KeyPair::from_seed_and_public_key(&seed[..], pk).map_err(|_| {
                KeyError::InvalidKey("Ed25519 private key does not match its public key")
            })?,
            None => Ed25519KeyPair::from_seed_unchecked(&seed[..])
                .map_err(|_| KeyError::InvalidKey("invalid Ed25519 seed"))?,
        };
        let public = public_bytes(&pair)?;
        Ok(Self { pair, seed, public })
    }

    /// Reads the fields after the type name in OpenSSH's private key encoding (sshkey.c
    /// `sshkey_private_deserialize`): `string pk (32), string sk (64 = seed || pk)`.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, KeyError> {
        let pk = r.read_string("ed25519 public key")?;
        let sk = r.read_string("ed25519 private key")?;
        if pk.len() != 32 || sk.len() != 64 {
            return Err(KeyError::InvalidKey(
                "Ed25519 key fields have the wrong length",
            ));
        }
        let (seed, pk_copy) = sk.split_at(32);
        if pk_copy != pk {
            return Err(KeyError::InvalidKey(
                "Ed25519 private key does not match its public key",
            ));
        }
        Self::from_seed(seed, Some(pk))
    }

    /// Writes the fields after the type name (the inverse of [`Self::read`]).
    pub(crate) fn write(&self, w: &mut Vec<u8>) {
        w.write_string(&self.public);
        w.write_u32(64);
        w.write_raw(&self.seed[..]);
        w.write_raw(&self.public);
    }

    pub(crate) fn public_data(&self) -> KeyData {
        KeyData::Ed25519(self.public)
    }

    pub(crate) fn sign(&self, data: &[u8]) -> Vec<u8> {
        self.pair.sign(data).as_ref().to_vec()
    }

    /// PKCS#8 v1 DER (RFC 8410).
    pub(crate) fn to_pkcs8(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let doc = self.pair.to_pkcs8v1().map_err(|_| KeyError::Crypto)?;
        Ok(Zeroizing::new(doc.as_ref().to_vec()))
    }
}

fn public_bytes(pair: &Ed25519KeyPair) -> Result<[u8; 32], KeyError> {
    pair.public_key()
        .as_ref()
        .try_into()
        .map_err(|_| KeyError::Crypto)
}
