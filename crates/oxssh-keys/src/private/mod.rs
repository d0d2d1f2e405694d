//! Private keys: generation, signing, and the file formats OpenSSH reads and writes.
//!
//! All private-key arithmetic happens in aws-lc-rs. Key files are recognised by their armour:
//! `OPENSSH PRIVATE KEY` (openssh-key-v1, through the `ssh-key` crate), `RSA PRIVATE KEY` (PKCS#1),
//! `EC PRIVATE KEY` (SEC1), `PRIVATE KEY` and `ENCRYPTED PRIVATE KEY` (PKCS#8), and PuTTY's PPK
//! (Ed25519 keys only, see `openssh_file::decode_ppk`).

mod der;
mod ecdsa;
mod ed25519;
mod openssh_file;
mod pem;
mod rsa;

use std::fmt;

use oxssh_wire::{Reader, Writer};
use zeroize::Zeroizing;

use crate::signature::encode_blob;
use crate::{KeyError, KeyType, PublicKey, SignatureAlgorithm, limits};

use self::ecdsa::EcdsaPrivate;
use self::ed25519::Ed25519Private;
use self::rsa::RsaPrivate;

/// The RSA size `ssh-keygen` generates when none is given (OpenSSH 9.x `DEFAULT_BITS`).
pub const DEFAULT_RSA_BITS: u32 = 3072;

/// The bcrypt-pbkdf round count `ssh-keygen` uses by default (`-a`).
pub const DEFAULT_KDF_ROUNDS: u32 = 16;

/// The key material of one private key.
enum KeyPair {
    Ed25519(Ed25519Private),
    Ecdsa(EcdsaPrivate),
    Rsa(RsaPrivate),
}

/// A private key with its public half and comment.
///
/// Secret material lives in aws-lc-rs key objects and in zeroize-on-drop buffers; `Debug` prints only
/// the public key and comment.
pub struct PrivateKey {
    pair: KeyPair,
    public: PublicKey,
    comment: String,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("public", &self.public)
            .field("comment", &self.comment)
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    fn from_pair(pair: KeyPair, comment: String) -> Result<Self, KeyError> {
        let data = match &pair {
            KeyPair::Ed25519(k) => k.public_data(),
            KeyPair::Ecdsa(k) => k.public_data(),
            KeyPair::Rsa(k) => k.public_data(),
        };
        let public = PublicKey::from_data(data)?;
        Ok(Self {
            pair,
            public,
            comment,
        })
    }

    /// Generates a new key. `bits` is the RSA modulus size (2048, 3072, 4096 or 8192; default 3072);
    /// for ECDSA it must be absent or match the curve of `key_type`; for Ed25519 it is ignored, as
    /// `ssh-keygen` ignores `-b` there.
    pub fn generate(key_type: KeyType, bits: Option<u32>) -> Result<Self, KeyError> {
        let pair = match key_type {
            KeyType::Ed25519 => KeyPair::Ed25519(Ed25519Private::generate()?),
            KeyType::Rsa => KeyPair::Rsa(RsaPrivate::generate(bits.unwrap_or(DEFAULT_RSA_BITS))?),
            KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::EcdsaP521 => {
                let curve_bits = crate::public::Curve::of(key_type).map_or(0, |c| c.bits);
                if let Some(bits) = bits.filter(|&b| b != curve_bits) {
                    return Err(KeyError::UnsupportedKeySize {
                        key_type: "ecdsa",
                        bits,
                    });
                }
                KeyPair::Ecdsa(EcdsaPrivate::generate(key_type)?)
            }
        };
        Self::from_pair(pair, String::new())
    }

    /// The public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// The key's type.
    pub fn key_type(&self) -> KeyType {
        self.public.key_type()
    }

    /// The comment stored with the key (often `user@host`).
    pub fn comment(&self) -> &str {
        &self.comment
    }

    /// Replaces the comment.
    pub fn set_comment(&mut self, comment: impl Into<String>) {
        self.comment = comment.into();
    }

    /// Signs `data` and returns the SSH signature blob (`string name, string signature`).
    ///
    /// RSA keys sign with `rsa-sha2-256` or `rsa-sha2-512` only: `ssh-rsa` (SHA-1) is refused with
    /// [`KeyError::Sha1SigningRefused`].
    pub fn sign(&self, alg: SignatureAlgorithm, data: &[u8]) -> Result<Vec<u8>, KeyError> {
        if alg.key_type() != self.key_type() {
            return Err(KeyError::AlgorithmMismatch {
                algorithm: alg.name(),
                key_type: self.key_type().name(),
            });
        }
        let inner = match &self.pair {
            KeyPair::Ed25519(k) => k.sign(data),
            KeyPair::Ecdsa(k) => k.sign(data)?,
            KeyPair::Rsa(k) => k.sign(alg, data)?,
        };
        Ok(encode_blob(alg, &inner))
    }

    /// Whether a key file is encrypted (and so needs a passphrase to [`decode`](Self::decode)).
    pub fn is_encrypted(bytes: &[u8]) -> bool {
        let Some(text) = file_text(bytes).ok() else {
            return false;
        };
        match detect(text) {
            Some(Format::OpenSsh(t)) => openssh_file::is_encrypted(t),
            Some(Format::Ppk) => !text.lines().any(|l| l.trim_end() == "Encryption: none"),
            Some(Format::Pem) => pem::parse(text)
                .is_ok_and(|p| p.is_legacy_encrypted() || p.label == "ENCRYPTED PRIVATE KEY"),
            None => false,
        }
    }

    /// Decodes a private key file, recognising its format. `passphrase` is needed only for encrypted
    /// files; a wrong one gives [`KeyError::IncorrectPassphrase`], none gives
    /// [`KeyError::PassphraseRequired`].
    pub fn decode(bytes: &[u8], passphrase: Option<&[u8]>) -> Result<Self, KeyError> {
        let text = file_text(bytes)?;
        match detect(text).ok_or(KeyError::InvalidFormat("not a private key file"))? {
            Format::OpenSsh(t) => openssh_file::decode(t, passphrase),
            Format::Ppk => {
                let (fields, comment) = openssh_file::decode_ppk(text, passphrase)?;
                Self::from_wire_fields(&fields, comment)
            }
            Format::Pem => decode_pem(text, passphrase),
        }
    }

    /// The public key of a key file without decrypting it where the format allows: openssh-key-v1 keeps
    /// the public key in the clear (OpenSSH's `sshkey_load_public` relies on this); other formats must
    /// be unencrypted.
    pub fn decode_public(bytes: &[u8]) -> Result<PublicKey, KeyError> {
        let text = file_text(bytes)?;
        match detect(text) {
            Some(Format::OpenSsh(t)) => PublicKey::from_blob(&openssh_file::public_blob(t)?),
            _ => Ok(Self::decode(bytes, None)?.public),
        }
    }

    /// Writes the key as an openssh-key-v1 file (`-----BEGIN OPENSSH PRIVATE KEY-----`), encrypted with
    /// aes256-ctr and bcrypt-pbkdf (`kdf_rounds` rounds) when a passphrase is given, as `ssh-keygen`
    /// writes it. An empty passphrase means no encryption, as with `ssh-keygen -N ''`.
    pub fn encode_openssh(
        &self,
        passphrase: Option<&[u8]>,
        kdf_rounds: u32,
    ) -> Result<Zeroizing<String>, KeyError> {
        openssh_file::encode(self, passphrase.filter(|p| !p.is_empty()), kdf_rounds)
    }

    /// Writes the key in the traditional PEM form (`ssh-keygen -m PEM`): PKCS#1 `RSA PRIVATE KEY` or
    /// SEC1 `EC PRIVATE KEY`, unencrypted. Ed25519 has no such form ([`KeyError::UnsupportedFormat`]).
    pub fn encode_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        match &self.pair {
            KeyPair::Rsa(k) => Ok(pem::write("RSA PRIVATE KEY", &k.to_pkcs1())),
            KeyPair::Ecdsa(k) => Ok(pem::write("EC PRIVATE KEY", &sec1::write(k)?)),
            KeyPair::Ed25519(_) => Err(KeyError::UnsupportedFormat(
                "Ed25519 keys have no PEM form; use PKCS#8",
            )),
        }
    }

    /// Writes the key as unencrypted PKCS#8 (`-----BEGIN PRIVATE KEY-----`, `ssh-keygen -m PKCS8`).
    pub fn encode_pkcs8(&self) -> Result<Zeroizing<String>, KeyError> {
        let der = match &self.pair {
            KeyPair::Rsa(k) => k.to_pkcs8()?,
            KeyPair::Ecdsa(k) => k.to_pkcs8()?,
            KeyPair::Ed25519(k) => k.to_pkcs8()?,
        };
        Ok(pem::write("PRIVATE KEY", &der))
    }

    /// Reads OpenSSH's private key wire encoding (`string type, fields…`, sshkey.c
    /// `sshkey_private_deserialize`), as inside openssh-key-v1 files and agent ADD_IDENTITY messages.
    /// Reads exactly one key from `r`, leaving what follows (the comment, constraints).
    pub(crate) fn read_wire(r: &mut Reader<'_>, comment: String) -> Result<Self, KeyError> {
        let name = r.read_string("private key type")?;
        let key_type = std::str::from_utf8(name)
            .ok()
            .and_then(KeyType::from_name)
            .ok_or(KeyError::UnsupportedKeyType)?;
        let pair = match key_type {
            KeyType::Ed25519 => KeyPair::Ed25519(Ed25519Private::read(r)?),
            KeyType::Rsa => KeyPair::Rsa(RsaPrivate::read(r)?),
            KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::EcdsaP521 => {
                KeyPair::Ecdsa(EcdsaPrivate::read(key_type, r)?)
            }
        };
        Self::from_pair(pair, comment)
    }

    fn from_wire_fields(fields: &[u8], comment: String) -> Result<Self, KeyError> {
        let mut r = Reader::new(fields);
        let key = Self::read_wire(&mut r, comment)?;
        r.finish("private key")?;
        Ok(key)
    }

    /// Appends OpenSSH's private key wire encoding (the inverse of [`Self::read_wire`]).
    pub(crate) fn write_wire(&self, w: &mut Vec<u8>) -> Result<(), KeyError> {
        w.write_string(self.key_type().name().as_bytes());
        match &self.pair {
            KeyPair::Ed25519(k) => k.write(w),
            KeyPair::Ecdsa(k) => k.write(w)?,
            KeyPair::Rsa(k) => k.write(w),
        }
        Ok(())
    }
}

/// Reads a non-negative mpint inside a private key, tolerating redundant leading zero bytes: OpenSSH's
/// `sshbuf_get_bignum2_bytes_direct` strips them, and ssh-key and PuTTY write fixed-width scalars.
/// (Public key blobs stay strict, because their bytes are compared.)
pub(crate) fn read_mpint_lenient<'a>(
    r: &mut Reader<'a>,
    field: &'static str,
) -> Result<&'a [u8], KeyError> {
    let bytes = r.read_string(field)?;
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(oxssh_wire::WireError::BadMpint(field).into());
    }
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    Ok(bytes.get(start..).unwrap_or_default())
}

/// Key file formats, recognised by their first line.
enum Format<'a> {
    /// openssh-key-v1, from its BEGIN line on.
    OpenSsh(&'a str),
    /// PuTTY PPK v2/v3.
    Ppk,
    /// Any other PEM armour.
    Pem,
}

fn file_text(bytes: &[u8]) -> Result<&str, KeyError> {
    if bytes.len() > limits::MAX_KEY_FILE {
        return Err(KeyError::InvalidFormat("key file too large"));
    }
    std::str::from_utf8(bytes).map_err(|_| KeyError::InvalidFormat("not a private key file"))
}

fn detect(text: &str) -> Option<Format<'_>> {
    const OPENSSH: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";
    if let Some(at) = text.find(OPENSSH) {
        return text.get(at..).map(Format::OpenSsh);
    }
    if text.trim_start().starts_with("PuTTY-User-Key-File-") {
        return Some(Format::Ppk);
    }
    text.contains("-----BEGIN ").then_some(Format::Pem)
}

fn decode_pem(text: &str, passphrase: Option<&[u8]>) -> Result<PrivateKey, KeyError> {
    let block = pem::parse(text)?;
    let body = if block.is_legacy_encrypted() {
        pem::decrypt_legacy(&block, passphrase.ok_or(KeyError::PassphraseRequired)?)?
    } else if block.label == "ENCRYPTED PRIVATE KEY" {
        pem::decrypt_pkcs8(&block.body, passphrase.ok_or(KeyError::PassphraseRequired)?)?
    } else {
        Zeroizing::new(block.body.to_vec())
    };
    let encrypted = block.is_legacy_encrypted() || block.label == "ENCRYPTED PRIVATE KEY";
    let result = match block.label {
        "RSA PRIVATE KEY" => der::parse_rsa_private_key(&body)
            .and_then(|f| RsaPrivate::from_fields(&f).map(KeyPair::Rsa)),
        "EC PRIVATE KEY" => sec1::read(&body, None).map(KeyPair::Ecdsa),
        "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => pkcs8::read(&body),
        "DSA PRIVATE KEY" => Err(KeyError::UnsupportedKeyType),
        _ => Err(KeyError::InvalidFormat("not a private key file")),
    };
    // Decrypting with a wrong passphrase yields garbage that still has valid padding one time in 256;
    // the DER inside then fails to parse, which is the same wrong passphrase.
    let pair = result.map_err(|e| match e {
        KeyError::InvalidFormat(_) if encrypted => KeyError::IncorrectPassphrase,
        other => other,
    })?;
    PrivateKey::from_pair(pair, String::new())
}

/// SEC1 ECPrivateKey (RFC 5915), the body of `EC PRIVATE KEY`.
mod sec1 {
    use super::der::{self, Der, oid};
    use super::ecdsa::EcdsaPrivate;
    use crate::{KeyError, KeyType};
    use zeroize::Zeroizing;

    pub(super) fn curve_oid(key_type: KeyType) -> Option<&'static [u8]> {
        match key_type {
            KeyType::EcdsaP256 => Some(oid::P256),
            KeyType::EcdsaP384 => Some(oid::P384),
            KeyType::EcdsaP521 => Some(oid::P521),
            KeyType::Ed25519 | KeyType::Rsa => None,
        }
    }

    pub(super) fn key_type_of(curve: &[u8]) -> Result<KeyType, KeyError> {
        [KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::EcdsaP521]
            .into_iter()
            .find(|&t| curve_oid(t) == Some(curve))
            .ok_or(KeyError::UnsupportedKeyType)
    }

    /// Reads ECPrivateKey; the curve comes from its `[0]` parameters or, inside PKCS#8, from the
    /// algorithm identifier (`outer_curve`). The public key comes from `[1]` if present, otherwise it
    /// is derived from the scalar.
    pub(super) fn read(body: &[u8], outer_curve: Option<&[u8]>) -> Result<EcdsaPrivate, KeyError> {
        let mut outer = Der::new(body);
        let mut seq = outer.sequence()?;
        outer.finish()?;
        if seq.small()? != 1 {
            return Err(KeyError::InvalidFormat("ECPrivateKey version"));
        }
        let scalar = seq.expect(der::TAG_OCTET_STRING)?;
        let mut curve = outer_curve;
        let mut point = None;
        while !seq.is_empty() {
            match seq.any()? {
                (der::TAG_CONTEXT_0, params) => {
                    curve = Some(Der::new(params).expect(der::TAG_OID)?)
                }
                (der::TAG_CONTEXT_1, public) => {
                    let bits = Der::new(public).expect(der::TAG_BIT_STRING)?;
                    // The first byte of a BIT STRING counts unused bits; a point has none.
                    point = match bits.split_first() {
                        Some((0, point)) => Some(point),
                        _ => return Err(KeyError::InvalidFormat("malformed EC public key")),
                    };
                }
                _ => return Err(KeyError::InvalidFormat("malformed ECPrivateKey")),
            }
        }
        let key_type = key_type_of(curve.ok_or(KeyError::InvalidFormat("EC key without curve"))?)?;
        match point {
            Some(point) => EcdsaPrivate::from_scalar(key_type, scalar, point),
            None => {
                // No stored public key: let aws-lc derive it from a minimal ECPrivateKey.
                let mut body = Zeroizing::new(Vec::with_capacity(256));
                der::write_unsigned(&mut body, &[1]);
                der::write_tlv(&mut body, der::TAG_OCTET_STRING, scalar);
                let mut params = Vec::new();
                der::write_tlv(
                    &mut params,
                    der::TAG_OID,
                    curve_oid(key_type).unwrap_or_default(),
                );
                der::write_tlv(&mut body, der::TAG_CONTEXT_0, &params);
                let mut minimal = Zeroizing::new(Vec::with_capacity(body.len() + 8));
                der::write_tlv(&mut minimal, der::TAG_SEQUENCE, &body);
                EcdsaPrivate::from_sec1_der(key_type, &minimal)
            }
        }
    }

    /// Writes ECPrivateKey with curve parameters and public key, as OpenSSL does.
    pub(super) fn write(key: &EcdsaPrivate) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let curve = curve_oid(key.key_type()).ok_or(KeyError::UnsupportedKeyType)?;
        let mut body = Zeroizing::new(Vec::with_capacity(512));
        der::write_unsigned(&mut body, &[1]);
        der::write_tlv(&mut body, der::TAG_OCTET_STRING, key.scalar());
        let mut params = Vec::new();
        der::write_tlv(&mut params, der::TAG_OID, curve);
        der::write_tlv(&mut body, der::TAG_CONTEXT_0, &params);
        let mut bits = vec![0u8];
        bits.extend_from_slice(key.point());
        let mut public = Vec::new();
        der::write_tlv(&mut public, der::TAG_BIT_STRING, &bits);
        der::write_tlv(&mut body, der::TAG_CONTEXT_1, &public);
        let mut out = Zeroizing::new(Vec::with_capacity(body.len() + 8));
        der::write_tlv(&mut out, der::TAG_SEQUENCE, &body);
        Ok(out)
    }
}

/// PKCS#8 PrivateKeyInfo (RFC 5208, RFC 5958), the body of `PRIVATE KEY`.
mod pkcs8 {
    use super::der::{self, Der, oid};
    use super::{Ed25519Private, KeyPair, RsaPrivate};
    use crate::KeyError;

    pub(super) fn read(body: &[u8]) -> Result<KeyPair, KeyError> {
        let info = der::parse_private_key_info(body)?;
        match info.algorithm {
            a if a == oid::RSA_ENCRYPTION => {
                let fields = der::parse_rsa_private_key(info.private_key)?;
                Ok(KeyPair::Rsa(RsaPrivate::from_fields(&fields)?))
            }
            a if a == oid::EC_PUBLIC_KEY => {
                let curve = info
                    .parameters
                    .ok_or(KeyError::InvalidFormat("EC key without curve"))?;
                Ok(KeyPair::Ecdsa(super::sec1::read(
                    info.private_key,
                    Some(curve),
                )?))
            }
            a if a == oid::ED25519 => {
                // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING (the 32-byte seed).
                let mut inner = Der::new(info.private_key);
                let seed = inner.expect(der::TAG_OCTET_STRING)?;
                inner.finish()?;
                Ok(KeyPair::Ed25519(Ed25519Private::from_seed(seed, None)?))
            }
            _ => Err(KeyError::UnsupportedKeyType),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn ed25519_matches_rfc8032_test_1() {
        let seed = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        let public = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        let expected = hex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        );
        let mut wire = Vec::new();
        wire.write_string(b"ssh-ed25519");
        wire.write_string(&public);
        wire.write_string(&[&seed[..], &public[..]].concat());
        let key = PrivateKey::from_wire_fields(&wire, String::new()).unwrap();
        let sig = key.sign(SignatureAlgorithm::Ed25519, b"").unwrap();
        assert_eq!(sig, encode_blob(SignatureAlgorithm::Ed25519, &expected));
        let mut written = Vec::new();
        key.write_wire(&mut written).unwrap();
        assert_eq!(written, wire);
        // A private half that does not match the public half is refused.
        wire[20] ^= 1;
        assert!(PrivateKey::from_wire_fields(&wire, String::new()).is_err());
    }

    #[test]
    fn lenient_mpints_strip_zeros_but_refuse_negatives() {
        let mut w = Vec::new();
        w.write_string(&[0, 0, 5]);
        w.write_string(&[0x80]);
        let mut r = Reader::new(&w);
        assert_eq!(read_mpint_lenient(&mut r, "a").unwrap(), &[5]);
        assert!(read_mpint_lenient(&mut r, "b").is_err());
    }
}
