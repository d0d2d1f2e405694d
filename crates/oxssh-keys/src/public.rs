//! Public keys: the SSH wire blob (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4) and the one-line text
//! form of `id_*.pub` files and authorized_keys (`type base64 comment`).

use std::fmt;
use std::hash::{Hash, Hasher};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use oxssh_wire::{Reader, Writer};

use crate::fingerprint::FingerprintHash;
use crate::{KeyError, KeyType, SignatureAlgorithm, limits};

/// A validated public key. Equality and hashing are over the wire blob, which is canonical because
/// parsing is strict (minimal mpints, no trailing bytes).
#[derive(Clone)]
pub struct PublicKey {
    blob: Box<[u8]>,
    data: KeyData,
}

/// The parsed fields, kept next to the blob so verification does not parse again.
#[derive(Clone)]
pub(crate) enum KeyData {
    Ed25519([u8; 32]),
    /// `point` is the SEC1 uncompressed point 0x04 || X || Y.
    Ecdsa {
        key_type: KeyType,
        point: Box<[u8]>,
    },
    /// Big-endian magnitudes without leading zeros.
    Rsa {
        e: Box<[u8]>,
        n: Box<[u8]>,
        bits: u32,
    },
}

/// Curve parameters for the three NIST curves, in one place.
pub(crate) struct Curve {
    /// The curve identifier inside the blob (RFC 5656 §6.1).
    pub name: &'static str,
    /// The byte length of a field element and of a scalar.
    pub field_len: usize,
    /// The curve size in bits as OpenSSH prints it.
    pub bits: u32,
}

impl Curve {
    /// The curve of an ECDSA key type; `None` for the others.
    pub(crate) fn of(key_type: KeyType) -> Option<&'static Curve> {
        const P256: Curve = Curve {
            name: "nistp256",
            field_len: 32,
            bits: 256,
        };
        const P384: Curve = Curve {
            name: "nistp384",
            field_len: 48,
            bits: 384,
        };
        const P521: Curve = Curve {
            name: "nistp521",
            field_len: 66,
            bits: 521,
        };
        match key_type {
            KeyType::EcdsaP256 => Some(&P256),
            KeyType::EcdsaP384 => Some(&P384),
            KeyType::EcdsaP521 => Some(&P521),
            KeyType::Ed25519 | KeyType::Rsa => None,
        }
    }
}

/// The length in bits of a big-endian magnitude without leading zeros.
pub(crate) fn bit_length(magnitude: &[u8]) -> u32 {
    match magnitude.first() {
        None => 0,
        Some(&top) => {
            let bytes = u32::try_from(magnitude.len()).unwrap_or(u32::MAX / 8);
            (bytes - 1) * 8 + (8 - top.leading_zeros())
        }
    }
}

impl PublicKey {
    /// Parses a public key blob strictly: a known type, exact field lengths, no trailing bytes, a valid
    /// point on the named curve for ECDSA, and for RSA an odd modulus of 1024 to 16384 bits and an odd
    /// exponent of at least 3 (OpenSSH's `sshkey_from_blob` rules).
    pub fn from_blob(blob: &[u8]) -> Result<Self, KeyError> {
        if blob.len() > limits::MAX_PUBLIC_KEY_BLOB {
            return Err(oxssh_wire::WireError::LengthOverLimit("public key blob").into());
        }
        let mut r = Reader::new(blob);
        let name = r.read_string("public key type")?;
        let key_type = std::str::from_utf8(name)
            .ok()
            .and_then(KeyType::from_name)
            .ok_or(KeyError::UnsupportedKeyType)?;
        let data = match key_type {
            KeyType::Ed25519 => {
                let pk = r.read_string("ed25519 public key")?;
                let pk: [u8; 32] = pk
                    .try_into()
                    .map_err(|_| KeyError::InvalidKey("Ed25519 public key is not 32 bytes"))?;
                KeyData::Ed25519(pk)
            }
            KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::EcdsaP521 => {
                let curve = Curve::of(key_type).ok_or(KeyError::UnsupportedKeyType)?;
                let curve_name = r.read_string("ecdsa curve name")?;
                // RFC 5656 §3.1: the identifier must agree with the key type name.
                if curve_name != curve.name.as_bytes() {
                    return Err(KeyError::InvalidKey(
                        "ECDSA curve name does not match key type",
                    ));
                }
                let point = r.read_string("ecdsa public point")?;
                validate_ec_point(key_type, point)?;
                KeyData::Ecdsa {
                    key_type,
                    point: point.into(),
                }
            }
            KeyType::Rsa => {
                let e = r.read_mpint_positive("rsa e")?;
                let n = r.read_mpint_positive("rsa n")?;
                let bits = validate_rsa(e, n)?;
                KeyData::Rsa {
                    e: e.into(),
                    n: n.into(),
                    bits,
                }
            }
        };
        r.finish("public key blob")?;
        Ok(Self {
            blob: blob.into(),
            data,
        })
    }

    /// Builds the key from its parsed parts; used for keys we generated or decoded from a private key,
    /// which were validated on the way in.
    pub(crate) fn from_data(data: KeyData) -> Result<Self, KeyError> {
        let mut blob = Vec::new();
        match &data {
            KeyData::Ed25519(pk) => {
                blob.write_string(KeyType::Ed25519.name().as_bytes());
                blob.write_string(pk);
            }
            KeyData::Ecdsa { key_type, point } => {
                let curve = Curve::of(*key_type).ok_or(KeyError::UnsupportedKeyType)?;
                blob.write_string(key_type.name().as_bytes());
                blob.write_string(curve.name.as_bytes());
                blob.write_string(point);
            }
            KeyData::Rsa { e, n, .. } => {
                blob.write_string(KeyType::Rsa.name().as_bytes());
                blob.write_mpint_positive(e);
                blob.write_mpint_positive(n);
            }
        }
        // Parse our own encoding back, so a key built from parts obeys exactly the rules of a key
        // received from a peer.
        Self::from_blob(&blob)
    }

    /// The SSH wire encoding (`string type, …`), as sent in KEXDH_REPLY or a publickey request.
    pub fn blob(&self) -> &[u8] {
        &self.blob
    }

    /// The key's type.
    pub fn key_type(&self) -> KeyType {
        match &self.data {
            KeyData::Ed25519(_) => KeyType::Ed25519,
            KeyData::Ecdsa { key_type, .. } => *key_type,
            KeyData::Rsa { .. } => KeyType::Rsa,
        }
    }

    /// The key size in bits as `ssh-keygen -l` prints it: the modulus length for RSA, the curve size for
    /// ECDSA, 256 for Ed25519.
    pub fn bits(&self) -> u32 {
        match &self.data {
            KeyData::Ed25519(_) => 256,
            KeyData::Ecdsa { key_type, .. } => Curve::of(*key_type).map_or(0, |c| c.bits),
            KeyData::Rsa { bits, .. } => *bits,
        }
    }

    pub(crate) fn data(&self) -> &KeyData {
        &self.data
    }

    /// Verifies an SSH signature blob (`string algorithm-name, string signature`) over `data`.
    ///
    /// The name in the blob must be `alg.name()`, and `alg` must belong to this key's type. RSA keys of
    /// 1024 to 8192 bits are verified, with `rsa-sha2-256`, `rsa-sha2-512` and (if the caller allows it)
    /// `ssh-rsa`; whether SHA-1 is acceptable is the caller's policy.
    pub fn verify(
        &self,
        alg: SignatureAlgorithm,
        data: &[u8],
        signature_blob: &[u8],
    ) -> Result<(), KeyError> {
        crate::signature::verify(self, alg, data, signature_blob)
    }

    /// The fingerprint exactly as `ssh-keygen -l` prints it: `SHA256:` and unpadded base64, or `MD5:` and
    /// colon-separated hex.
    pub fn fingerprint(&self, hash: FingerprintHash) -> String {
        crate::fingerprint::fingerprint(&self.blob, hash)
    }

    /// The raw digest under `hash` (what randomart draws).
    pub fn fingerprint_digest(&self, hash: FingerprintHash) -> Vec<u8> {
        crate::fingerprint::digest(&self.blob, hash)
    }

    /// The one-line text form, `type base64 [comment]`, as in `id_ed25519.pub` (no newline). An empty
    /// comment is left out.
    pub fn to_openssh_line(&self, comment: &str) -> String {
        let mut line = format!("{} {}", self.key_type().name(), BASE64.encode(&self.blob));
        if !comment.is_empty() {
            line.push(' ');
            line.push_str(comment);
        }
        line
    }

    /// Parses `type base64 [comment]`. Leading whitespace and a trailing newline are ignored; the type
    /// word must match the type inside the blob (OpenSSH's `sshkey_read`). The comment is the rest of
    /// the line after the separating whitespace, possibly empty.
    pub fn parse_openssh_line(line: &str) -> Result<(PublicKey, String), KeyError> {
        let (key, rest) = Self::parse_key_fields(line)?;
        Ok((key, rest.trim_end_matches(['\r', '\n']).trim().to_string()))
    }

    /// Parses the `type base64` fields at the start of `text` and returns the key and the text after
    /// them (not trimmed). Shared by the public key, known_hosts and authorized_keys parsers.
    pub(crate) fn parse_key_fields(text: &str) -> Result<(PublicKey, &str), KeyError> {
        let text = text.trim_start_matches([' ', '\t']);
        let (type_word, rest) = split_word(text);
        let key_type = KeyType::from_name(type_word).ok_or(KeyError::UnsupportedKeyType)?;
        let rest = rest.trim_start_matches([' ', '\t']);
        let (b64, rest) = split_word(rest);
        if b64.is_empty() {
            return Err(KeyError::InvalidLine("missing key data"));
        }
        // Bound before decoding: base64 expands 3 bytes to 4.
        if b64.len() > limits::MAX_PUBLIC_KEY_BLOB / 3 * 4 + 4 {
            return Err(KeyError::InvalidLine("key data too long"));
        }
        let blob = BASE64
            .decode(b64)
            .map_err(|_| KeyError::InvalidLine("key data is not base64"))?;
        let key = PublicKey::from_blob(&blob)?;
        if key.key_type() != key_type {
            return Err(KeyError::InvalidLine("key type does not match key data"));
        }
        Ok((key, rest))
    }
}

/// Splits off the first whitespace-delimited word (space, tab or line end).
pub(crate) fn split_word(text: &str) -> (&str, &str) {
    match text.find([' ', '\t', '\r', '\n']) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    }
}

/// Checks an ECDSA public point: uncompressed SEC1 form of the right length (OpenSSH's `sshbuf_get_ec`
/// refuses compressed points) and on the curve, not the identity (`sshkey_ec_validate_public`, which
/// aws-lc performs when it parses the point).
fn validate_ec_point(key_type: KeyType, point: &[u8]) -> Result<(), KeyError> {
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED, ECDSA_P384_SHA384_FIXED, ECDSA_P521_SHA512_FIXED, ParsedPublicKey,
    };
    let curve = Curve::of(key_type).ok_or(KeyError::UnsupportedKeyType)?;
    if point.len() != 1 + 2 * curve.field_len || point.first() != Some(&0x04) {
        return Err(KeyError::InvalidKey(
            "ECDSA point is not an uncompressed point of the curve's size",
        ));
    }
    let alg = match key_type {
        KeyType::EcdsaP256 => &ECDSA_P256_SHA256_FIXED,
        KeyType::EcdsaP384 => &ECDSA_P384_SHA384_FIXED,
        _ => &ECDSA_P521_SHA512_FIXED,
    };
    ParsedPublicKey::new(alg, point)
        .map_err(|_| KeyError::InvalidKey("ECDSA point is not on the curve"))?;
    Ok(())
}

/// Checks RSA public parameters and returns the modulus length in bits.
fn validate_rsa(e: &[u8], n: &[u8]) -> Result<u32, KeyError> {
    let bits = bit_length(n);
    if !(limits::RSA_MIN_MODULUS_BITS..=limits::RSA_MAX_MODULUS_BITS).contains(&bits) {
        return Err(KeyError::RsaKeySize { bits });
    }
    let odd = |v: &[u8]| v.last().is_some_and(|b| b & 1 == 1);
    if !odd(n) {
        return Err(KeyError::InvalidKey("RSA modulus is even"));
    }
    // e = 1 makes "signatures" trivial; an even e is not invertible. Neither occurs in real keys.
    if !odd(e) || bit_length(e) < 2 {
        return Err(KeyError::InvalidKey(
            "RSA public exponent is even or too small",
        ));
    }
    if e.len() > n.len() {
        return Err(KeyError::InvalidKey(
            "RSA public exponent is larger than the modulus",
        ));
    }
    Ok(bits)
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.blob == other.blob
    }
}

impl Eq for PublicKey {}

impl Hash for PublicKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.blob.hash(state);
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("type", &self.key_type().name())
            .field("bits", &self.bits())
            .field("fingerprint", &self.fingerprint(FingerprintHash::Sha256))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519_LINE: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host";

    #[test]
    fn parses_and_formats_an_ed25519_line() {
        let (key, comment) = PublicKey::parse_openssh_line(ED25519_LINE).unwrap();
        assert_eq!(key.key_type(), KeyType::Ed25519);
        assert_eq!(key.bits(), 256);
        assert_eq!(comment, "user@host");
        assert_eq!(key.to_openssh_line(&comment), ED25519_LINE);
        assert_eq!(PublicKey::from_blob(key.blob()).unwrap(), key);
    }

    #[test]
    fn line_type_must_match_blob() {
        let line = ED25519_LINE.replacen("ssh-ed25519", "ssh-rsa", 1);
        assert_eq!(
            PublicKey::parse_openssh_line(&line),
            Err(KeyError::InvalidLine("key type does not match key data"))
        );
    }

    #[test]
    fn rejects_trailing_bytes_and_short_keys() {
        let (key, _) = PublicKey::parse_openssh_line(ED25519_LINE).unwrap();
        let mut long = key.blob().to_vec();
        long.push(0);
        assert!(matches!(
            PublicKey::from_blob(&long),
            Err(KeyError::Wire(_))
        ));
        let mut blob = Vec::new();
        blob.write_string(b"ssh-ed25519");
        blob.write_string(&[1; 31]);
        assert!(matches!(
            PublicKey::from_blob(&blob),
            Err(KeyError::InvalidKey(_))
        ));
        blob.clear();
        blob.write_string(b"ssh-dss");
        assert_eq!(
            PublicKey::from_blob(&blob),
            Err(KeyError::UnsupportedKeyType)
        );
    }

    #[test]
    fn rejects_bad_rsa_parameters() {
        let rsa = |e: &[u8], n: &[u8]| {
            let mut blob = Vec::new();
            blob.write_string(b"ssh-rsa");
            blob.write_mpint_positive(e);
            blob.write_mpint_positive(n);
            PublicKey::from_blob(&blob)
        };
        let mut n = vec![0xc5; 128];
        n[127] = 0x01;
        assert_eq!(rsa(&[1, 0, 1], &n).unwrap().bits(), 1024);
        assert_eq!(
            rsa(&[1, 0, 1], &n[1..]),
            Err(KeyError::RsaKeySize { bits: 1016 })
        );
        assert!(matches!(rsa(&[1, 0, 0], &n), Err(KeyError::InvalidKey(_))));
        assert!(matches!(rsa(&[1], &n), Err(KeyError::InvalidKey(_))));
        let mut even = n.clone();
        even[127] = 2;
        assert!(matches!(rsa(&[3], &even), Err(KeyError::InvalidKey(_))));
        let huge = vec![0xff; 2049];
        assert_eq!(rsa(&[3], &huge), Err(KeyError::RsaKeySize { bits: 16392 }));
    }

    #[test]
    fn rejects_bad_ecdsa_points_and_curve_names() {
        let ec = |name: &[u8], curve: &[u8], point: &[u8]| {
            let mut blob = Vec::new();
            blob.write_string(name);
            blob.write_string(curve);
            blob.write_string(point);
            PublicKey::from_blob(&blob)
        };
        let mut point = vec![4u8; 65];
        point[1..].fill(1);
        assert!(matches!(
            ec(b"ecdsa-sha2-nistp256", b"nistp256", &point),
            Err(KeyError::InvalidKey(_))
        ));
        assert!(matches!(
            ec(b"ecdsa-sha2-nistp256", b"nistp384", &point),
            Err(KeyError::InvalidKey(_))
        ));
        // The P-256 generator is on the curve; its compressed form is refused.
        let g = hex_decode(
            "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296\
             4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
        );
        assert_eq!(
            ec(b"ecdsa-sha2-nistp256", b"nistp256", &g).unwrap().bits(),
            256
        );
        let mut compressed = g[..33].to_vec();
        compressed[0] = 3;
        assert!(matches!(
            ec(b"ecdsa-sha2-nistp256", b"nistp256", &compressed),
            Err(KeyError::InvalidKey(_))
        ));
    }

    fn hex_decode(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
