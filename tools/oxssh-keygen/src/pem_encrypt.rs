//! Passphrase-protected PEM and PKCS#8 private keys, as ssh-keygen writes them through OpenSSL for
//! `-m PEM` and `-m PKCS8`: the traditional form with `Proc-Type`/`DEK-Info` headers (AES-128-CBC,
//! key from OpenSSL's `EVP_BytesToKey` with MD5), and PKCS#8 `ENCRYPTED PRIVATE KEY` with PBES2
//! (PBKDF2-HMAC-SHA256, 2048 iterations, AES-128-CBC), OpenSSL 3's defaults.
//!
//! oxssh-keys reads both forms and writes only the unencrypted ones; this fills the gap for the
//! tool and belongs in oxssh-keys next to its reader.

use std::num::NonZeroU32;

use aws_lc_rs::cipher::{AES_128, EncryptionContext, PaddedBlockEncryptingKey, UnboundCipherKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::Digest as _;
use zeroize::Zeroizing;

use crate::der;

/// OpenSSL's `PKCS5_DEFAULT_ITER`.
const PBKDF2_ITERATIONS: u32 = 2048;

/// Why a key could not be encrypted.
#[derive(Debug, PartialEq, Eq)]
pub enum EncryptError {
    /// OpenSSL refuses passphrases of one to four bytes (`SSH_ERR_PASSPHRASE_TOO_SHORT`).
    TooShort,
    /// The random source or the cipher failed.
    Crypto,
}

fn random<const N: usize>() -> Result<[u8; N], EncryptError> {
    let mut bytes = [0u8; N];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| EncryptError::Crypto)?;
    Ok(bytes)
}

fn aes128_cbc(key: &[u8], iv: [u8; 16], data: &[u8]) -> Result<Vec<u8>, EncryptError> {
    let key = UnboundCipherKey::new(&AES_128, key).map_err(|_| EncryptError::Crypto)?;
    let key = PaddedBlockEncryptingKey::cbc_pkcs7(key).map_err(|_| EncryptError::Crypto)?;
    let mut buf = data.to_vec();
    key.less_safe_encrypt(&mut buf, EncryptionContext::Iv128(iv.into()))
        .map_err(|_| EncryptError::Crypto)?;
    Ok(buf)
}

/// The label and DER body of the unencrypted PEM text oxssh-keys wrote.
fn unarmour(pem: &str) -> Option<(String, Zeroizing<Vec<u8>>)> {
    let first = pem.lines().next()?;
    let label = first
        .strip_prefix("-----BEGIN ")?
        .strip_suffix("-----")?
        .to_string();
    let b64: Zeroizing<String> = Zeroizing::new(
        pem.lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>(),
    );
    let der = Zeroizing::new(STANDARD.decode(b64.as_bytes()).ok()?);
    Some((label, der))
}

fn armour(label: &str, headers: &str, der: &[u8]) -> Zeroizing<String> {
    let b64 = STANDARD.encode(der);
    let mut out = Zeroizing::new(format!("-----BEGIN {label}-----\n{headers}"));
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn check_length(passphrase: &[u8]) -> Result<(), EncryptError> {
    if (1..=4).contains(&passphrase.len()) {
        Err(EncryptError::TooShort)
    } else {
        Ok(())
    }
}

/// Encrypts a traditional PEM key (`RSA PRIVATE KEY`, `EC PRIVATE KEY`) the way OpenSSL's
/// `PEM_write_bio_*PrivateKey` does with AES-128-CBC.
pub fn encrypt_traditional(
    pem: &str,
    passphrase: &[u8],
) -> Result<Zeroizing<String>, EncryptError> {
    check_length(passphrase)?;
    let (label, der) = unarmour(pem).ok_or(EncryptError::Crypto)?;
    let iv: [u8; 16] = random()?;
    // EVP_BytesToKey(MD5, salt = first 8 IV bytes, one round): 16 bytes is one MD5 block.
    let mut h = md5::Md5::new();
    h.update(passphrase);
    h.update(&iv[..8]);
    let key = Zeroizing::new(h.finalize().to_vec());
    let encrypted = aes128_cbc(&key, iv, &der)?;
    let iv_hex: String = iv.iter().map(|b| format!("{b:02X}")).collect();
    let headers = format!("Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,{iv_hex}\n\n");
    Ok(armour(&label, &headers, &encrypted))
}

/// Encrypts a PKCS#8 `PRIVATE KEY` into `ENCRYPTED PRIVATE KEY` (RFC 5958 §3, PBES2 of RFC 8018).
pub fn encrypt_pkcs8(pem: &str, passphrase: &[u8]) -> Result<Zeroizing<String>, EncryptError> {
    check_length(passphrase)?;
    let (_, der) = unarmour(pem).ok_or(EncryptError::Crypto)?;
    let salt: [u8; 16] = random()?;
    let iv: [u8; 16] = random()?;
    let mut key = Zeroizing::new([0u8; 16]);
    let iterations = NonZeroU32::new(PBKDF2_ITERATIONS).ok_or(EncryptError::Crypto)?;
    aws_lc_rs::pbkdf2::derive(
        aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        &salt,
        passphrase,
        &mut key[..],
    );
    let encrypted = aes128_cbc(&key[..], iv, &der)?;
    let info = der::encrypted_private_key_info(&salt, PBKDF2_ITERATIONS, &iv, &encrypted);
    Ok(armour("ENCRYPTED PRIVATE KEY", "", &info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxssh_keys::{KeyType, PrivateKey};

    #[test]
    fn encrypted_keys_are_read_back_by_oxssh_keys() {
        let key = PrivateKey::generate(KeyType::EcdsaP256, None).unwrap();
        let pass = b"five or more";
        let traditional = encrypt_traditional(&key.encode_pem().unwrap(), pass).unwrap();
        assert!(traditional.contains("DEK-Info: AES-128-CBC,"));
        let pkcs8 = encrypt_pkcs8(&key.encode_pkcs8().unwrap(), pass).unwrap();
        assert!(pkcs8.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
        for text in [traditional, pkcs8] {
            assert!(PrivateKey::is_encrypted(text.as_bytes()));
            let back = PrivateKey::decode(text.as_bytes(), Some(pass)).unwrap();
            assert_eq!(back.public(), key.public());
            assert!(PrivateKey::decode(text.as_bytes(), Some(b"wrong one")).is_err());
        }
    }

    #[test]
    fn short_passphrases_are_refused_like_openssl() {
        let key = PrivateKey::generate(KeyType::EcdsaP256, None).unwrap();
        let pem = key.encode_pem().unwrap();
        assert_eq!(
            encrypt_traditional(&pem, b"four").err(),
            Some(EncryptError::TooShort)
        );
        assert!(encrypt_traditional(&pem, b"fives").is_ok());
    }
}
