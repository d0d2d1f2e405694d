//! The openssh-key-v1 private key file (OpenSSH's PROTOCOL.key) and PuTTY's PPK.
//!
//! The container is parsed and written here with our bounded reader; the key material inside is the
//! private key wire encoding that `PrivateKey::read_wire` handles. Only the symmetric crypto of the
//! container (bcrypt-pbkdf and the OpenSSH ciphers) and the PPK format come from the `ssh-key` crate,
//! a release candidate whose API may churn: every `ssh_key` item in oxssh-keys is named in this file
//! and nowhere else. (ssh-key's own key decoding is not used: it refuses P-256 scalars shorter than
//! 32 bytes, which OpenSSH writes for one key in 256.)

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use oxssh_wire::{Reader, Writer};
use ssh_key::{Cipher, Kdf};
use zeroize::Zeroizing;

use super::{PrivateKey, pem};
use crate::{KeyError, limits};

const MAGIC: &[u8] = b"openssh-key-v1\0";
const LABEL: &str = "OPENSSH PRIVATE KEY";
/// AEAD ciphers (aes-gcm, chacha20-poly1305) append a 16-byte tag after the private section.
const TAG_LEN: usize = 16;

/// The parsed outer layer of an openssh-key-v1 file.
struct Container<'a> {
    cipher: Cipher,
    /// bcrypt-pbkdf salt and rounds; `None` for unencrypted files.
    kdf: Option<(&'a [u8], u32)>,
    public_blob: &'a [u8],
    private: &'a [u8],
    tag: Option<&'a [u8]>,
}

fn bad(what: &'static str) -> KeyError {
    KeyError::InvalidFormat(what)
}

fn unarmour(text: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let block = pem::parse(text)?;
    if block.label != LABEL {
        return Err(bad("not an OpenSSH private key"));
    }
    Ok(block.body)
}

fn parse(raw: &[u8]) -> Result<Container<'_>, KeyError> {
    let mut r = Reader::new(raw);
    if r.take(MAGIC.len(), "openssh-key-v1 magic")? != MAGIC {
        return Err(bad("not an openssh-key-v1 file"));
    }
    let cipher_name =
        std::str::from_utf8(r.read_string("cipher name")?).map_err(|_| bad("cipher name"))?;
    let cipher =
        Cipher::new(cipher_name).map_err(|_| KeyError::UnsupportedFormat("private key cipher"))?;
    let kdf_name = r.read_string("kdf name")?;
    let mut kdf_options = r.read_sub("kdf options")?;
    let kdf = match kdf_name {
        b"none" => {
            kdf_options.finish("kdf options")?;
            None
        }
        b"bcrypt" => {
            let salt = kdf_options.read_string("bcrypt salt")?;
            let rounds = kdf_options.read_u32("bcrypt rounds")?;
            kdf_options.finish("kdf options")?;
            Some((salt, rounds))
        }
        _ => return Err(KeyError::UnsupportedFormat("private key KDF")),
    };
    // sshkey_parse_private2: a cipher needs a KDF and "none" must not have one.
    if cipher.is_none() != kdf.is_none() {
        return Err(bad("cipher and KDF disagree"));
    }
    // OpenSSH writes and reads exactly one key per file.
    if r.read_u32("number of keys")? != 1 {
        return Err(KeyError::UnsupportedFormat("more than one key in a file"));
    }
    let public_blob = r.read_string("public key")?;
    let private = r.read_string("private keys")?;
    let tag = if cipher.has_tag() {
        Some(r.take(TAG_LEN, "authentication tag")?)
    } else {
        None
    };
    r.finish("openssh-key-v1 file")?;
    if private.len() % cipher.block_size() != 0 {
        return Err(bad(
            "private section is not a whole number of cipher blocks",
        ));
    }
    Ok(Container {
        cipher,
        kdf,
        public_blob,
        private,
        tag,
    })
}

/// Whether an openssh-key-v1 file is encrypted.
pub(crate) fn is_encrypted(text: &str) -> bool {
    unarmour(text).is_ok_and(|raw| parse(&raw).is_ok_and(|c| c.cipher.is_some()))
}

/// The public key blob stored in the clear before the private section: OpenSSH reads it without the
/// passphrase (`sshkey_load_public` on a private key file).
pub(crate) fn public_blob(text: &str) -> Result<Vec<u8>, KeyError> {
    let raw = unarmour(text)?;
    Ok(parse(&raw)?.public_blob.to_vec())
}

/// Decodes (decrypting if needed) an openssh-key-v1 file.
pub(crate) fn decode(text: &str, passphrase: Option<&[u8]>) -> Result<PrivateKey, KeyError> {
    let raw = unarmour(text)?;
    let c = parse(&raw)?;
    let mut plain = Zeroizing::new(c.private.to_vec());
    if let Some((salt, rounds)) = c.kdf {
        let passphrase = passphrase.ok_or(KeyError::PassphraseRequired)?;
        if rounds == 0 || rounds > limits::MAX_KDF_ROUNDS {
            return Err(KeyError::UnsupportedFormat("bcrypt-pbkdf round count"));
        }
        let kdf = Kdf::Bcrypt {
            salt: salt.to_vec(),
            rounds,
        };
        let (key, iv) = kdf
            .derive_key_and_iv(c.cipher, passphrase)
            .map_err(|_| bad("bcrypt-pbkdf parameters"))?;
        let tag = match c.tag {
            Some(t) => {
                Some(ssh_key::cipher::Tag::try_from(t).map_err(|_| bad("authentication tag"))?)
            }
            None => None,
        };
        // With an AEAD cipher a wrong passphrase fails the tag; otherwise the check integers below.
        c.cipher
            .decrypt(&key, &iv, &mut plain, tag)
            .map_err(|_| KeyError::IncorrectPassphrase)?;
    }
    let encrypted = c.kdf.is_some();
    let mut r = Reader::new(&plain);
    let check1 = r.read_u32("checkint")?;
    let check2 = r.read_u32("checkint")?;
    if check1 != check2 {
        return Err(if encrypted {
            KeyError::IncorrectPassphrase
        } else {
            bad("check integers differ")
        });
    }
    let mut key = PrivateKey::read_wire(&mut r, String::new())?;
    key.set_comment(String::from_utf8_lossy(r.read_string("comment")?).into_owned());
    // Padding is 1, 2, 3, … (sshkey.c private2_check_padding).
    for (i, &pad) in r.take_rest().iter().enumerate() {
        if usize::from(pad) != (i + 1) & 0xff {
            return Err(bad("bad padding"));
        }
    }
    if key.public().blob() != c.public_blob {
        return Err(bad("public key does not match private key"));
    }
    Ok(key)
}

/// Writes an openssh-key-v1 file. With a passphrase the private section is encrypted with aes256-ctr
/// under bcrypt-pbkdf (`kdf_rounds` rounds, 16-byte random salt), as `ssh-keygen` does; the check
/// integer is random either way.
pub(crate) fn encode(
    key: &PrivateKey,
    passphrase: Option<&[u8]>,
    kdf_rounds: u32,
) -> Result<Zeroizing<String>, KeyError> {
    let (cipher, kdf) = match passphrase {
        Some(_) => {
            if kdf_rounds == 0 {
                return Err(KeyError::UnsupportedFormat(
                    "bcrypt-pbkdf needs at least one round",
                ));
            }
            let mut salt = vec![0u8; 16];
            aws_lc_rs::rand::fill(&mut salt).map_err(|_| KeyError::Crypto)?;
            (
                Cipher::Aes256Ctr,
                Some(Kdf::Bcrypt {
                    salt,
                    rounds: kdf_rounds,
                }),
            )
        }
        None => (Cipher::None, None),
    };
    let mut check = [0u8; 4];
    aws_lc_rs::rand::fill(&mut check).map_err(|_| KeyError::Crypto)?;

    // Reserve up front so the buffer never reallocates and leaves secret copies behind.
    let mut plain = Zeroizing::new(Vec::with_capacity(8 * 1024 + key.comment().len()));
    plain.write_raw(&check);
    plain.write_raw(&check);
    key.write_wire(&mut plain)?;
    plain.write_string(key.comment().as_bytes());
    let mut pad = 1u8;
    while plain.len() % cipher.block_size() != 0 {
        plain.write_u8(pad);
        pad += 1;
    }
    let mut kdf_options = Vec::new();
    if let (Some(kdf), Some(passphrase)) = (&kdf, passphrase) {
        if let Kdf::Bcrypt { salt, rounds } = kdf {
            kdf_options.write_string(salt);
            kdf_options.write_u32(*rounds);
        }
        let (k, iv) = kdf
            .derive_key_and_iv(cipher, passphrase)
            .map_err(|_| KeyError::Crypto)?;
        cipher
            .encrypt(&k, &iv, &mut plain)
            .map_err(|_| KeyError::Crypto)?;
    }

    let mut raw = Zeroizing::new(Vec::with_capacity(plain.len() + 1024));
    raw.write_raw(MAGIC);
    raw.write_string(cipher.as_str().as_bytes());
    raw.write_string(if kdf.is_some() { b"bcrypt" } else { b"none" });
    raw.write_string(&kdf_options);
    raw.write_u32(1);
    raw.write_string(key.public().blob());
    raw.write_string(&plain);

    // OpenSSH wraps the base64 at 70 columns (sshbuf_dtob64 with wrap).
    let b64 = Zeroizing::new(BASE64.encode(&raw[..]));
    let mut out = Zeroizing::new(String::with_capacity(b64.len() + b64.len() / 70 + 80));
    out.push_str("-----BEGIN OPENSSH PRIVATE KEY-----\n");
    for line in b64.as_bytes().chunks(70) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END OPENSSH PRIVATE KEY-----\n");
    Ok(out)
}

/// Decodes a PuTTY PPK (v2 or v3) file through ssh-key, returning the private key wire encoding and
/// the comment.
pub(crate) fn decode_ppk(
    text: &str,
    passphrase: Option<&[u8]>,
) -> Result<(Zeroizing<Vec<u8>>, String), KeyError> {
    use ssh_key::encoding::Encode as _;
    let encrypted = !text.lines().any(|l| l.trim_end() == "Encryption: none");
    let passphrase = match passphrase {
        Some(p) => Some(String::from_utf8(p.to_vec()).map_err(|_| KeyError::IncorrectPassphrase)?),
        None if encrypted => return Err(KeyError::PassphraseRequired),
        None => None,
    };
    let key = ssh_key::PrivateKey::from_ppk(text, passphrase).map_err(|e| match e {
        // ssh-key decodes PPK private halves only with its own crypto backends, which we leave off
        // (RSA through the `rsa` crate is exactly what we avoid): Ed25519 is the one type it reads.
        ssh_key::Error::AlgorithmUnsupported { .. } => KeyError::UnsupportedFormat(
            "PPK files are read for Ed25519 keys only; convert others with puttygen -O private-openssh",
        ),
        ssh_key::Error::AlgorithmUnknown => KeyError::UnsupportedKeyType,
        _ if encrypted => KeyError::IncorrectPassphrase,
        _ => bad("corrupt PPK private key"),
    })?;
    let data = key.key_data();
    if !(data.is_ed25519() || data.is_ecdsa() || data.is_rsa()) {
        return Err(KeyError::UnsupportedKeyType);
    }
    let fields = Zeroizing::new(
        data.encode_vec()
            .map_err(|_| bad("corrupt PPK private key"))?,
    );
    Ok((fields, key.comment().as_str_lossy().to_string()))
}
