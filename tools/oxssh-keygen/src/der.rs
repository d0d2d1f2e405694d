//! The little DER that public-key conversion needs: SubjectPublicKeyInfo (RFC 5280 §4.1, RSA per
//! RFC 8017 Appendix A.1.1, EC per RFC 5480 §2) and PKCS#1 RSAPublicKey, both ways.
//!
//! oxssh-keys has a private DER module for private keys; public-key SPKI belongs next to it and
//! should move down into the library when another tool needs it.

use crate::convert::PublicParts;

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;

/// rsaEncryption, 1.2.840.113549.1.1.1.
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// id-ecPublicKey, 1.2.840.10045.2.1.
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// id-Ed25519, 1.3.101.112 (recognised only to name it in an error).
pub const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// The named curves, by SSH curve name.
const CURVES: [(&str, &[u8]); 3] = [
    (
        "nistp256",
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
    ),
    ("nistp384", &[0x2b, 0x81, 0x04, 0x00, 0x22]),
    ("nistp521", &[0x2b, 0x81, 0x04, 0x00, 0x23]),
];

fn write_tlv(out: &mut Vec<u8>, tag: u8, body: &[u8]) {
    out.push(tag);
    let len = body.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(body);
}

/// A positive INTEGER from a big-endian magnitude.
fn write_unsigned(out: &mut Vec<u8>, magnitude: &[u8]) {
    let start = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    let m = &magnitude[start..];
    let mut body = Vec::with_capacity(m.len() + 1);
    if m.first().is_none_or(|b| b & 0x80 != 0) {
        body.push(0);
    }
    body.extend_from_slice(m);
    write_tlv(out, TAG_INTEGER, &body);
}

/// PKCS#1 RSAPublicKey ::= SEQUENCE { modulus, publicExponent }.
pub fn rsa_public_key(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    write_unsigned(&mut body, n);
    write_unsigned(&mut body, e);
    let mut out = Vec::new();
    write_tlv(&mut out, TAG_SEQUENCE, &body);
    out
}

/// SubjectPublicKeyInfo for an RSA or ECDSA key.
pub fn spki(parts: &PublicParts<'_>) -> Vec<u8> {
    let mut alg = Vec::new();
    let key = match parts {
        PublicParts::Rsa { n, e } => {
            write_tlv(&mut alg, TAG_OID, OID_RSA);
            write_tlv(&mut alg, TAG_NULL, &[]);
            rsa_public_key(n, e)
        }
        PublicParts::Ecdsa { curve, point } => {
            write_tlv(&mut alg, TAG_OID, OID_EC);
            let oid = CURVES
                .iter()
                .find(|(name, _)| name == curve)
                .map(|(_, oid)| *oid)
                .unwrap_or_default();
            write_tlv(&mut alg, TAG_OID, oid);
            point.to_vec()
        }
    };
    let mut bits = vec![0u8];
    bits.extend_from_slice(&key);
    let mut body = Vec::new();
    write_tlv(&mut body, TAG_SEQUENCE, &alg);
    write_tlv(&mut body, TAG_BIT_STRING, &bits);
    let mut out = Vec::new();
    write_tlv(&mut out, TAG_SEQUENCE, &body);
    out
}

/// PBES2 (1.2.840.113549.1.5.13), PBKDF2 (1.2.840.113549.1.5.12), hmacWithSHA256
/// (1.2.840.113549.2.9) and aes128-CBC (2.16.840.1.101.3.4.1.2).
const OID_PBES2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
const OID_PBKDF2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c];
const OID_HMAC_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09];
const OID_AES128_CBC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02];
const TAG_OCTET_STRING: u8 = 0x04;

fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    let body: Vec<u8> = parts.concat();
    let mut out = Vec::with_capacity(body.len() + 4);
    write_tlv(&mut out, TAG_SEQUENCE, &body);
    out
}

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 4);
    write_tlv(&mut out, tag, body);
    out
}

/// EncryptedPrivateKeyInfo (RFC 5958 §3) with PBES2: PBKDF2-HMAC-SHA256 and AES-128-CBC, as
/// OpenSSL 3 writes it (no keyLength field).
pub fn encrypted_private_key_info(salt: &[u8], iterations: u32, iv: &[u8], data: &[u8]) -> Vec<u8> {
    let mut count = Vec::new();
    write_unsigned(&mut count, &iterations.to_be_bytes());
    let prf = sequence(&[&tlv(TAG_OID, OID_HMAC_SHA256), &tlv(TAG_NULL, &[])]);
    let kdf_params = sequence(&[&tlv(TAG_OCTET_STRING, salt), &count, &prf]);
    let kdf = sequence(&[&tlv(TAG_OID, OID_PBKDF2), &kdf_params]);
    let cipher = sequence(&[&tlv(TAG_OID, OID_AES128_CBC), &tlv(TAG_OCTET_STRING, iv)]);
    let params = sequence(&[&kdf, &cipher]);
    let alg = sequence(&[&tlv(TAG_OID, OID_PBES2), &params]);
    sequence(&[&alg, &tlv(TAG_OCTET_STRING, data)])
}

/// A bounded DER reader.
struct Der<'a>(&'a [u8]);

impl<'a> Der<'a> {
    fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (&t, rest) = self.0.split_first()?;
        if t != tag {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let (len_bytes, after) = rest.split_at(n);
            rest = after;
            len_bytes
                .iter()
                .fold(0usize, |l, &b| (l << 8) | usize::from(b))
        };
        if rest.len() < len {
            return None;
        }
        let (body, after) = rest.split_at(len);
        self.0 = after;
        Some(body)
    }

    fn finish(&self) -> Option<()> {
        self.0.is_empty().then_some(())
    }
}

/// An INTEGER's magnitude (it must not be negative).
fn read_unsigned<'a>(d: &mut Der<'a>) -> Option<&'a [u8]> {
    let body = d.read(TAG_INTEGER)?;
    if body.first().is_none_or(|b| b & 0x80 != 0) {
        return None;
    }
    let start = body.iter().position(|&b| b != 0).unwrap_or(body.len());
    Some(&body[start..])
}

/// Parses PKCS#1 RSAPublicKey into (n, e).
pub fn parse_rsa_public_key(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut outer = Der(der);
    let mut seq = Der(outer.read(TAG_SEQUENCE)?);
    outer.finish()?;
    let n = read_unsigned(&mut seq)?;
    let e = read_unsigned(&mut seq)?;
    seq.finish()?;
    Some((n, e))
}

/// What a SubjectPublicKeyInfo holds.
pub enum Spki<'a> {
    /// A key oxssh converts.
    Key(PublicParts<'a>),
    /// A well-formed SPKI of another algorithm, named by its OID.
    Other(&'a [u8]),
}

/// Parses SubjectPublicKeyInfo.
pub fn parse_spki(der: &[u8]) -> Option<Spki<'_>> {
    let mut outer = Der(der);
    let mut seq = Der(outer.read(TAG_SEQUENCE)?);
    outer.finish()?;
    let mut alg = Der(seq.read(TAG_SEQUENCE)?);
    let bits = seq.read(TAG_BIT_STRING)?;
    seq.finish()?;
    let (&unused, key) = bits.split_first()?;
    if unused != 0 {
        return None;
    }
    let oid = alg.read(TAG_OID)?;
    if oid == OID_RSA {
        let (n, e) = parse_rsa_public_key(key)?;
        return Some(Spki::Key(PublicParts::Rsa { n, e }));
    }
    if oid == OID_EC {
        let curve_oid = alg.read(TAG_OID)?;
        let curve = CURVES.iter().find(|(_, o)| *o == curve_oid)?.0;
        return Some(Spki::Key(PublicParts::Ecdsa { curve, point: key }));
    }
    Some(Spki::Other(oid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_round_trip_and_sign_bit_padding() {
        let n = [0xc0u8; 256];
        let e = [0x01, 0x00, 0x01];
        let der = rsa_public_key(&n, &e);
        // SEQUENCE with a two-byte length, INTEGER of 257 bytes (leading zero for the sign bit).
        assert_eq!(&der[..4], &[0x30, 0x82, 0x01, 0x0a]);
        assert_eq!(&der[4..9], &[0x02, 0x82, 0x01, 0x01, 0x00]);
        assert_eq!(parse_rsa_public_key(&der), Some((&n[..], &e[..])));
        let spki_der = spki(&PublicParts::Rsa { n: &n, e: &e });
        assert!(matches!(
            parse_spki(&spki_der),
            Some(Spki::Key(PublicParts::Rsa { .. }))
        ));
    }

    #[test]
    fn truncated_input_is_refused() {
        let der = rsa_public_key(&[0x80; 128], &[3]);
        for cut in 0..der.len() {
            assert!(parse_rsa_public_key(&der[..cut]).is_none());
        }
    }
}
