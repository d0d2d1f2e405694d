//! Just enough DER (X.690) to read and write the private key structures OpenSSH's `-m PEM` and
//! `-m PKCS8` files hold: RSAPrivateKey (RFC 8017 A.1.2), ECPrivateKey (RFC 5915), PrivateKeyInfo
//! (RFC 5208 / RFC 5958) and PBES2's parameters (RFC 8018). Only single-byte tags and definite lengths;
//! every length is checked against the input before use.

use zeroize::Zeroizing;

use crate::KeyError;

pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_BIT_STRING: u8 = 0x03;
pub(crate) const TAG_OCTET_STRING: u8 = 0x04;
pub(crate) const TAG_NULL: u8 = 0x05;
pub(crate) const TAG_OID: u8 = 0x06;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;
/// `[0]` constructed, context-specific (EC parameters in ECPrivateKey).
pub(crate) const TAG_CONTEXT_0: u8 = 0xa0;
/// `[1]` constructed, context-specific (the public key in ECPrivateKey).
pub(crate) const TAG_CONTEXT_1: u8 = 0xa1;

/// Object identifiers as their DER content bytes.
pub(crate) mod oid {
    /// rsaEncryption, 1.2.840.113549.1.1.1.
    pub(crate) const RSA_ENCRYPTION: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    /// id-ecPublicKey, 1.2.840.10045.2.1.
    pub(crate) const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    /// prime256v1, 1.2.840.10045.3.1.7.
    pub(crate) const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    /// secp384r1, 1.3.132.0.34.
    pub(crate) const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    /// secp521r1, 1.3.132.0.35.
    pub(crate) const P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
    /// id-Ed25519, 1.3.101.112 (RFC 8410).
    pub(crate) const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
    /// id-PBES2, 1.2.840.113549.1.5.13.
    pub(crate) const PBES2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
    /// id-PBKDF2, 1.2.840.113549.1.5.12.
    pub(crate) const PBKDF2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c];
    /// hmacWithSHA1, 1.2.840.113549.2.7.
    pub(crate) const HMAC_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x07];
    /// hmacWithSHA256, 1.2.840.113549.2.9.
    pub(crate) const HMAC_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09];
    /// hmacWithSHA512, 1.2.840.113549.2.11.
    pub(crate) const HMAC_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x0b];
    /// aes128-CBC, 2.16.840.1.101.3.4.1.2.
    pub(crate) const AES128_CBC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02];
    /// aes256-CBC, 2.16.840.1.101.3.4.1.42.
    pub(crate) const AES256_CBC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a];
}

const BAD: KeyError = KeyError::InvalidFormat("malformed DER");

/// A cursor over DER bytes.
pub(crate) struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The tag of the next element, if any.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads one element and returns its tag and contents.
    pub(crate) fn any(&mut self) -> Result<(u8, &'a [u8]), KeyError> {
        let (&tag, rest) = self.rest.split_first().ok_or(BAD)?;
        // Multi-byte tags (low five bits all set) never occur in the structures we read.
        if tag & 0x1f == 0x1f {
            return Err(BAD);
        }
        let (&first, mut rest) = rest.split_first().ok_or(BAD)?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            // Four length bytes cover 4 GiB; key files are limited to 1 MiB long before this.
            if n == 0 || n > 4 {
                return Err(BAD);
            }
            let (len_bytes, after) = rest.split_at_checked(n).ok_or(BAD)?;
            rest = after;
            len_bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        };
        let (contents, after) = rest.split_at_checked(len).ok_or(BAD)?;
        self.rest = after;
        Ok((tag, contents))
    }

    /// Reads one element that must have `tag`.
    pub(crate) fn expect(&mut self, tag: u8) -> Result<&'a [u8], KeyError> {
        match self.any()? {
            (t, contents) if t == tag => Ok(contents),
            _ => Err(BAD),
        }
    }

    /// Reads a SEQUENCE and returns a cursor over its contents.
    pub(crate) fn sequence(&mut self) -> Result<Der<'a>, KeyError> {
        Ok(Der::new(self.expect(TAG_SEQUENCE)?))
    }

    /// Reads a non-negative INTEGER as a big-endian magnitude without leading zeros.
    pub(crate) fn unsigned(&mut self) -> Result<&'a [u8], KeyError> {
        let contents = self.expect(TAG_INTEGER)?;
        match contents.first() {
            None => Err(BAD),
            Some(b) if b & 0x80 != 0 => Err(BAD),
            Some(_) => {
                let start = contents
                    .iter()
                    .position(|&b| b != 0)
                    .unwrap_or(contents.len());
                Ok(contents.get(start..).unwrap_or_default())
            }
        }
    }

    /// Reads a small non-negative INTEGER (versions, iteration counts).
    pub(crate) fn small(&mut self) -> Result<u32, KeyError> {
        let magnitude = self.unsigned()?;
        if magnitude.len() > 4 {
            return Err(BAD);
        }
        Ok(magnitude
            .iter()
            .fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
    }

    /// Fails unless every byte was read.
    pub(crate) fn finish(&self) -> Result<(), KeyError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(BAD)
        }
    }
}

/// Appends one element with definite-length encoding.
pub(crate) fn write_tlv(out: &mut Vec<u8>, tag: u8, contents: &[u8]) {
    out.push(tag);
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(contents);
}

/// Appends a non-negative INTEGER from a big-endian magnitude.
pub(crate) fn write_unsigned(out: &mut Vec<u8>, magnitude: &[u8]) {
    let start = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    let digits = magnitude.get(start..).unwrap_or_default();
    let mut contents = Zeroizing::new(Vec::with_capacity(digits.len() + 1));
    if digits.first().is_none_or(|b| b & 0x80 != 0) {
        contents.push(0);
    }
    contents.extend_from_slice(digits);
    write_tlv(out, TAG_INTEGER, &contents);
}

/// RSAPrivateKey's fields (RFC 8017 A.1.2), big-endian magnitudes.
pub(crate) struct RsaFields<'a> {
    pub n: &'a [u8],
    pub e: &'a [u8],
    pub d: &'a [u8],
    pub p: &'a [u8],
    pub q: &'a [u8],
    pub dp: &'a [u8],
    pub dq: &'a [u8],
    pub qinv: &'a [u8],
}

/// Parses a PKCS#1 RSAPrivateKey. Multi-prime keys (version 1) are refused, as aws-lc-rs does.
pub(crate) fn parse_rsa_private_key(der: &[u8]) -> Result<RsaFields<'_>, KeyError> {
    let mut outer = Der::new(der);
    let mut seq = outer.sequence()?;
    outer.finish()?;
    if seq.small()? != 0 {
        return Err(KeyError::UnsupportedFormat("multi-prime RSA key"));
    }
    let fields = RsaFields {
        n: seq.unsigned()?,
        e: seq.unsigned()?,
        d: seq.unsigned()?,
        p: seq.unsigned()?,
        q: seq.unsigned()?,
        dp: seq.unsigned()?,
        dq: seq.unsigned()?,
        qinv: seq.unsigned()?,
    };
    seq.finish()?;
    Ok(fields)
}

/// Encodes a PKCS#1 RSAPrivateKey.
pub(crate) fn write_rsa_private_key(f: &RsaFields<'_>) -> Zeroizing<Vec<u8>> {
    let mut body = Zeroizing::new(Vec::with_capacity(f.n.len() * 5 + 64));
    write_unsigned(&mut body, &[]);
    for value in [f.n, f.e, f.d, f.p, f.q, f.dp, f.dq, f.qinv] {
        write_unsigned(&mut body, value);
    }
    let mut out = Zeroizing::new(Vec::with_capacity(body.len() + 8));
    write_tlv(&mut out, TAG_SEQUENCE, &body);
    out
}

/// The parts of a PKCS#8 PrivateKeyInfo / OneAsymmetricKey we need.
pub(crate) struct PrivateKeyInfo<'a> {
    /// The algorithm OID.
    pub algorithm: &'a [u8],
    /// The algorithm parameters (the curve OID for EC), if any.
    pub parameters: Option<&'a [u8]>,
    /// The contents of the privateKey OCTET STRING.
    pub private_key: &'a [u8],
}

/// Parses a PKCS#8 PrivateKeyInfo (version 0) or OneAsymmetricKey (version 1, RFC 5958).
pub(crate) fn parse_private_key_info(der: &[u8]) -> Result<PrivateKeyInfo<'_>, KeyError> {
    let mut outer = Der::new(der);
    let mut seq = outer.sequence()?;
    outer.finish()?;
    if seq.small()? > 1 {
        return Err(BAD);
    }
    let mut alg = seq.sequence()?;
    let algorithm = alg.expect(TAG_OID)?;
    let parameters = match alg.peek_tag() {
        Some(TAG_OID) => Some(alg.expect(TAG_OID)?),
        Some(TAG_NULL) => {
            alg.expect(TAG_NULL)?;
            None
        }
        _ => None,
    };
    alg.finish()?;
    let private_key = seq.expect(TAG_OCTET_STRING)?;
    // Optional attributes [0] and public key [1] follow; we derive the public key ourselves.
    Ok(PrivateKeyInfo {
        algorithm,
        parameters,
        private_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_round_trip_with_sign_padding() {
        for magnitude in [&[][..], &[1], &[0x80], &[0, 0, 0x7f, 1]] {
            let mut out = Vec::new();
            write_unsigned(&mut out, magnitude);
            let stripped: Vec<u8> = magnitude.iter().copied().skip_while(|&b| b == 0).collect();
            assert_eq!(Der::new(&out).unsigned().unwrap(), &stripped[..]);
        }
        let mut long = Vec::new();
        write_tlv(&mut long, TAG_OCTET_STRING, &[7; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(Der::new(&long).expect(TAG_OCTET_STRING).unwrap().len(), 300);
    }

    #[test]
    fn hostile_lengths_are_refused() {
        assert!(
            Der::new(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff])
                .any()
                .is_err()
        );
        assert!(Der::new(&[0x30, 0x85, 1, 1, 1, 1, 1]).any().is_err());
        assert!(Der::new(&[0x1f, 0x01, 0x00]).any().is_err());
        assert!(Der::new(&[0x02, 0x01, 0x80]).unsigned().is_err());
    }
}
