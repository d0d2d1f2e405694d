//! PEM armour (RFC 7468) and the two ways OpenSSL-era files encrypt a key: the legacy
//! `Proc-Type: 4,ENCRYPTED` / `DEK-Info` headers (OpenSSL's `PEM_do_header`, which `ssh-keygen -m PEM`
//! writes) and PKCS#8 `ENCRYPTED PRIVATE KEY` with PBES2 (RFC 8018, which `ssh-keygen -m PKCS8`
//! writes).

use std::num::NonZeroU32;

use aws_lc_rs::cipher::{
    AES_128, AES_256, DecryptionContext, PaddedBlockDecryptingKey, UnboundCipherKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::Digest as _;
use zeroize::Zeroizing;

use super::der::{self, Der, oid};
use crate::KeyError;

/// A parsed PEM block.
pub(crate) struct Pem<'a> {
    pub label: &'a str,
    /// RFC 1421 headers (`Name: value`) before the base64 body.
    pub headers: Vec<(&'a str, &'a str)>,
    pub body: Zeroizing<Vec<u8>>,
}

impl Pem<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// Whether legacy header encryption is present.
    pub(crate) fn is_legacy_encrypted(&self) -> bool {
        self.header("Proc-Type")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("4,ENCRYPTED"))
    }
}

/// Parses the first PEM block in `text`. Text before `-----BEGIN` is ignored, as OpenSSL's
/// `PEM_read_bio` does.
pub(crate) fn parse(text: &str) -> Result<Pem<'_>, KeyError> {
    const BAD: KeyError = KeyError::InvalidFormat("malformed PEM");
    let start = text.find("-----BEGIN ").ok_or(BAD)?;
    let rest = text.get(start + 11..).ok_or(BAD)?;
    let (label, rest) = rest.split_once("-----").ok_or(BAD)?;
    let end_marker = format!("-----END {label}-----");
    let end = rest.find(&end_marker).ok_or(BAD)?;
    let inner = rest.get(..end).ok_or(BAD)?;
    let mut headers = Vec::new();
    let mut b64 = Zeroizing::new(String::with_capacity(inner.len()));
    for line in inner.lines() {
        let line = line.trim();
        if let Some((name, value)) = line.split_once(':') {
            if b64.is_empty() {
                headers.push((name.trim(), value.trim()));
                continue;
            }
            return Err(BAD);
        }
        b64.push_str(line);
    }
    let body = Zeroizing::new(BASE64.decode(b64.as_bytes()).map_err(|_| BAD)?);
    Ok(Pem {
        label,
        headers,
        body,
    })
}

/// Armours DER with 64-column base64 lines, as OpenSSL writes it.
pub(crate) fn write(label: &str, der: &[u8]) -> Zeroizing<String> {
    let b64 = Zeroizing::new(BASE64.encode(der));
    let mut out = Zeroizing::new(String::with_capacity(
        b64.len() + b64.len() / 64 + 2 * label.len() + 40,
    ));
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

/// Decrypts the AES-CBC body under PKCS#7 padding. Any failure with a key derived from the user's
/// passphrase is reported as a wrong passphrase: that is by far its likeliest cause.
fn aes_cbc_decrypt(key: &[u8], iv: [u8; 16], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let alg = match key.len() {
        16 => &AES_128,
        32 => &AES_256,
        _ => return Err(KeyError::UnsupportedFormat("cipher")),
    };
    let key = UnboundCipherKey::new(alg, key).map_err(|_| KeyError::Crypto)?;
    let key = PaddedBlockDecryptingKey::cbc_pkcs7(key).map_err(|_| KeyError::Crypto)?;
    let mut buf = Zeroizing::new(data.to_vec());
    let plain = key
        .decrypt(&mut buf, DecryptionContext::Iv128(iv.into()))
        .map_err(|_| KeyError::IncorrectPassphrase)?;
    Ok(Zeroizing::new(plain.to_vec()))
}

/// Decrypts a block with legacy `DEK-Info` encryption: the key is OpenSSL's `EVP_BytesToKey` with MD5,
/// one iteration, and the first 8 IV bytes as salt.
pub(crate) fn decrypt_legacy(
    pem: &Pem<'_>,
    passphrase: &[u8],
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let dek = pem
        .header("DEK-Info")
        .ok_or(KeyError::InvalidFormat("encrypted PEM without DEK-Info"))?;
    let (cipher, iv_hex) = dek
        .split_once(',')
        .ok_or(KeyError::InvalidFormat("malformed DEK-Info"))?;
    let key_len = match cipher.trim().to_ascii_uppercase().as_str() {
        "AES-128-CBC" => 16,
        "AES-256-CBC" => 32,
        _ => {
            return Err(KeyError::UnsupportedFormat(
                "PEM encryption cipher (only AES-128-CBC and AES-256-CBC)",
            ));
        }
    };
    let iv: [u8; 16] = hex_decode(iv_hex.trim())
        .and_then(|v| v.try_into().ok())
        .ok_or(KeyError::InvalidFormat("malformed DEK-Info IV"))?;
    let salt = iv.get(..8).unwrap_or_default();
    let mut key = Zeroizing::new(Vec::with_capacity(32 + 16));
    let mut previous: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::new());
    while key.len() < key_len {
        let mut h = md5::Md5::new();
        h.update(&previous[..]);
        h.update(passphrase);
        h.update(salt);
        *previous = h.finalize().to_vec();
        key.extend_from_slice(&previous);
    }
    key.truncate(key_len);
    aes_cbc_decrypt(&key, iv, &pem.body)
}

/// Decrypts a PKCS#8 EncryptedPrivateKeyInfo protected with PBES2 (PBKDF2 with HMAC-SHA1/256/512 and
/// AES-128/256-CBC), returning the inner PrivateKeyInfo DER.
pub(crate) fn decrypt_pkcs8(
    der_bytes: &[u8],
    passphrase: &[u8],
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    const UNSUPPORTED: KeyError =
        KeyError::UnsupportedFormat("PKCS#8 encryption (only PBES2 with PBKDF2 and AES-CBC)");
    let mut outer = Der::new(der_bytes);
    let mut info = outer.sequence()?;
    outer.finish()?;
    let mut alg = info.sequence()?;
    if alg.expect(der::TAG_OID)? != oid::PBES2 {
        return Err(UNSUPPORTED);
    }
    let mut params = alg.sequence()?;
    let encrypted = info.expect(der::TAG_OCTET_STRING)?;

    let mut kdf = params.sequence()?;
    if kdf.expect(der::TAG_OID)? != oid::PBKDF2 {
        return Err(UNSUPPORTED);
    }
    let mut kdf_params = kdf.sequence()?;
    let salt = kdf_params.expect(der::TAG_OCTET_STRING)?;
    let iterations = kdf_params.small()?;
    if kdf_params.peek_tag() == Some(der::TAG_INTEGER) {
        kdf_params.small()?; // keyLength: implied by the cipher
    }
    let prf = if kdf_params.is_empty() {
        oid::HMAC_SHA1
    } else {
        let mut prf = kdf_params.sequence()?;
        prf.expect(der::TAG_OID)?
    };
    let prf = match prf {
        p if p == oid::HMAC_SHA1 => aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA1,
        p if p == oid::HMAC_SHA256 => aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
        p if p == oid::HMAC_SHA512 => aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA512,
        _ => return Err(UNSUPPORTED),
    };
    // OpenSSL writes 2048 iterations; a hostile file asking for billions would hang us.
    let iterations = NonZeroU32::new(iterations)
        .filter(|n| n.get() <= 10_000_000)
        .ok_or(KeyError::UnsupportedFormat("PBKDF2 iteration count"))?;

    let mut cipher = params.sequence()?;
    let key_len = match cipher.expect(der::TAG_OID)? {
        c if c == oid::AES128_CBC => 16,
        c if c == oid::AES256_CBC => 32,
        _ => return Err(UNSUPPORTED),
    };
    let iv: [u8; 16] = cipher
        .expect(der::TAG_OCTET_STRING)?
        .try_into()
        .map_err(|_| KeyError::InvalidFormat("PBES2 IV length"))?;
    if salt.is_empty() {
        return Err(KeyError::InvalidFormat("PBKDF2 salt is empty"));
    }
    let mut key = Zeroizing::new(vec![0u8; key_len]);
    aws_lc_rs::pbkdf2::derive(prf, iterations, salt, passphrase, &mut key);
    aes_cbc_decrypt(&key, iv, encrypted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armour_round_trips_and_keeps_headers() {
        let text = write("RSA PRIVATE KEY", &[1u8; 100]);
        let pem = parse(&text).unwrap();
        assert_eq!(pem.label, "RSA PRIVATE KEY");
        assert_eq!(&pem.body[..], &[1u8; 100]);
        assert!(text.lines().all(|l| l.len() <= 64));
        let with_headers = text.replacen(
            "-----\n",
            "-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n",
            1,
        );
        let pem = parse(&with_headers).unwrap();
        assert!(pem.is_legacy_encrypted());
        assert_eq!(pem.headers.len(), 2);
    }

    #[test]
    fn missing_end_marker_is_refused() {
        assert!(parse("-----BEGIN X-----\nAAAA\n").is_err());
        assert!(parse("nothing here").is_err());
    }
}
