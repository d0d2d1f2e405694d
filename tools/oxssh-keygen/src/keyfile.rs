//! Reading key files as OpenSSH's authfile.c does: private keys behind a permission check
//! (`sshkey_perm_ok`) and a passphrase, public keys from `path`, then `path.pub`, then the clear
//! public half of an openssh-key-v1 private key (`sshkey_load_public`); and saving them.

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use oxssh_keys::{KeyError, PrivateKey, PublicKey, limits};
use zeroize::Zeroizing;

use crate::cli::KeyFormat;
use crate::error::strerror;
use crate::files::{with_suffix, write_atomic};
use crate::messages as msg;
use crate::pem_encrypt::{self, EncryptError};
use crate::prompt::log;

/// Why a key could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be opened or read.
    Io(io::Error),
    /// The private key file is readable by others (the warning was already printed).
    BadPermissions,
    /// The contents are not a key we can use, or the passphrase is wrong.
    Key(KeyError),
}

impl LoadError {
    /// Whether a passphrase (another one) might succeed: OpenSSH's `SSH_ERR_KEY_WRONG_PASSPHRASE`.
    pub fn is_wrong_passphrase(&self) -> bool {
        matches!(
            self,
            Self::Key(KeyError::IncorrectPassphrase | KeyError::PassphraseRequired)
        )
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => f.write_str(&strerror(e)),
            Self::BadPermissions => f.write_str(msg::ERR_BAD_PERMISSIONS),
            Self::Key(e) => f.write_str(&key_error_text(e)),
        }
    }
}

/// A key error in OpenSSH's words where OpenSSH has them (ssherr.c), in ours otherwise.
pub fn key_error_text(e: &KeyError) -> String {
    match e {
        KeyError::IncorrectPassphrase | KeyError::PassphraseRequired => {
            msg::ERR_WRONG_PASSPHRASE.to_string()
        }
        KeyError::InvalidFormat(_) | KeyError::Wire(_) | KeyError::InvalidLine(_) => {
            msg::ERR_INVALID_FORMAT.to_string()
        }
        KeyError::UnsupportedKeyType => msg::ERR_KEY_TYPE_UNKNOWN.to_string(),
        other => other.to_string(),
    }
}

/// A private key and the comment its file carried: `None` for formats without one (PEM, PKCS#8),
/// which OpenSSH reports differently from an empty comment.
pub struct LoadedPrivate {
    /// The key, with the file's comment (empty when there was none).
    pub key: PrivateKey,
    /// The comment, if the format stores one.
    pub comment: Option<String>,
}

/// Reads a whole key file, refusing one larger than any key file OpenSSH reads.
pub fn read_limited(path: &Path) -> io::Result<Vec<u8>> {
    let mut data = Vec::new();
    fs::File::open(path)?
        .take(limits::MAX_KEY_FILE as u64 + 1)
        .read_to_end(&mut data)?;
    Ok(data)
}

/// `sshkey_load_private`: checks permissions (printing OpenSSH's warning to `err`), then decodes
/// with `passphrase`. An empty passphrase never opens an encrypted file, and is refused before
/// the key derivation runs, as OpenSSH does.
pub fn load_private(
    path: &Path,
    passphrase: &[u8],
    err: &mut dyn Write,
) -> Result<LoadedPrivate, LoadError> {
    let file = fs::File::open(path).map_err(LoadError::Io)?;
    let meta = file.metadata().map_err(LoadError::Io)?;
    if meta.uid() == rustix::process::getuid().as_raw() && meta.mode() & 0o077 != 0 {
        for line in msg::unprotected_key_warning(meta.mode() & 0o777, path.display()) {
            log(err, line);
        }
        return Err(LoadError::BadPermissions);
    }
    let mut data = Zeroizing::new(Vec::new());
    file.take(limits::MAX_KEY_FILE as u64 + 1)
        .read_to_end(&mut data)
        .map_err(LoadError::Io)?;
    let encrypted = PrivateKey::is_encrypted(&data);
    if encrypted && passphrase.is_empty() {
        return Err(LoadError::Key(KeyError::IncorrectPassphrase));
    }
    let key = PrivateKey::decode(&data, encrypted.then_some(passphrase)).map_err(LoadError::Key)?;
    let comment = has_comment(&data).then(|| key.comment().to_string());
    Ok(LoadedPrivate { key, comment })
}

/// Whether a private key format keeps a comment: openssh-key-v1 and PuTTY's do, PEM does not.
fn has_comment(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    text.contains("-----BEGIN OPENSSH PRIVATE KEY-----")
        || text.trim_start().starts_with("PuTTY-User-Key-File-")
}

/// Whether a file is an openssh-key-v1 private key (whose public half can be read in the clear).
fn is_openssh_private(data: &[u8]) -> bool {
    String::from_utf8_lossy(data).contains("-----BEGIN OPENSSH PRIVATE KEY-----")
}

/// `sshkey_try_load_public`: the first line of `path` that is a public key. The comment is the
/// rest of that line, or the file's name when the line has none.
pub fn try_load_public_file(path: &Path) -> Result<(PublicKey, String), LoadError> {
    let data = read_limited(path).map_err(LoadError::Io)?;
    for raw in data.split(|&b| b == b'\n') {
        match raw.first() {
            None | Some(b'#') | Some(b'\0') => continue,
            _ => {}
        }
        // "This looks like a private key": stop.
        if raw.starts_with(b"-----BEGIN") || raw == b"SSH PRIVATE KEY FILE" {
            break;
        }
        let line = String::from_utf8_lossy(raw);
        if let Some((key, at)) = read_key(&line) {
            let rest = line.get(at..).unwrap_or_default();
            let comment = rest.split(['\r', '\n']).next().unwrap_or_default();
            let comment = if comment.is_empty() {
                path.display().to_string()
            } else {
                comment.to_string()
            };
            return Ok((key, comment));
        }
    }
    Err(LoadError::Key(KeyError::InvalidFormat("no public key")))
}

/// `sshkey_read`: a `type base64` key at the start of `text` (after spaces and tabs). Returns the
/// key and the byte offset where the comment starts, after the blanks that follow the key.
pub fn read_key(text: &str) -> Option<(PublicKey, usize)> {
    let blanks = |s: &str, from: usize| {
        from + s
            .get(from..)
            .unwrap_or_default()
            .bytes()
            .take_while(|b| *b == b' ' || *b == b'\t')
            .count()
    };
    let word_end = |s: &str, from: usize| {
        from + s
            .get(from..)
            .unwrap_or_default()
            .bytes()
            .take_while(|b| *b != b' ' && *b != b'\t')
            .count()
    };
    let type_start = blanks(text, 0);
    let type_end = word_end(text, type_start);
    let blob_start = blanks(text, type_end);
    if blob_start == type_end {
        return None;
    }
    let blob_end = word_end(text, blob_start);
    let type_word = text.get(type_start..type_end)?;
    let blob = text.get(blob_start..blob_end)?;
    let (key, _) = PublicKey::parse_openssh_line(&format!("{type_word} {blob}")).ok()?;
    Some((key, blanks(text, blob_end)))
}

/// `sshkey_load_public`: `path` as a public key file, then `path.pub`, then the public half of an
/// openssh-key-v1 private key (without its comment).
pub fn load_public(path: &Path) -> Result<(PublicKey, Option<String>), LoadError> {
    if let Ok((key, comment)) = try_load_public_file(path) {
        return Ok((key, Some(comment)));
    }
    if let Ok((key, comment)) = try_load_public_file(&with_suffix(path, ".pub")) {
        return Ok((key, Some(comment)));
    }
    // Whatever went wrong, OpenSSH reports "No such file or directory" ("Pretend we couldn't find
    // the key").
    let not_found = || LoadError::Io(io::Error::from_raw_os_error(libc_enoent()));
    let data = read_limited(path).map_err(|_| not_found())?;
    if !is_openssh_private(&data) {
        return Err(not_found());
    }
    let key = PrivateKey::decode_public(&data).map_err(|_| not_found())?;
    Ok((key, None))
}

/// ENOENT, the errno OpenSSH leaves for a public key it could not find.
fn libc_enoent() -> i32 {
    rustix::io::Errno::NOENT.raw_os_error()
}

/// Why a private key could not be saved.
#[derive(Debug)]
pub enum SaveError {
    /// Writing the file failed.
    Io(io::Error),
    /// The key cannot be written in the requested form.
    Key(KeyError),
    /// OpenSSL will not encrypt with a passphrase of one to four bytes.
    PassphraseTooShort,
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => f.write_str(&strerror(e)),
            Self::Key(e) => f.write_str(&key_error_text(e)),
            Self::PassphraseTooShort => f.write_str(msg::ERR_PASSPHRASE_TOO_SHORT),
        }
    }
}

/// The bytes of a private key file in `format` (`-m`), with `comment` stored where the format
/// allows. Ed25519 keys are always openssh-key-v1, as OpenSSH writes them whatever `-m` says.
pub fn encode_private(
    key: &mut PrivateKey,
    comment: &str,
    passphrase: &[u8],
    format: Option<KeyFormat>,
    rounds: u32,
) -> Result<Zeroizing<String>, SaveError> {
    key.set_comment(comment);
    let pem_like = matches!(format, Some(KeyFormat::Pem | KeyFormat::Pkcs8))
        && key.key_type() != oxssh_keys::KeyType::Ed25519;
    if !pem_like {
        return key
            .encode_openssh(Some(passphrase), rounds)
            .map_err(SaveError::Key);
    }
    let plain = match format {
        Some(KeyFormat::Pkcs8) => key.encode_pkcs8(),
        _ => key.encode_pem(),
    }
    .map_err(SaveError::Key)?;
    if passphrase.is_empty() {
        return Ok(plain);
    }
    match format {
        Some(KeyFormat::Pkcs8) => pem_encrypt::encrypt_pkcs8(&plain, passphrase),
        _ => pem_encrypt::encrypt_traditional(&plain, passphrase),
    }
    .map_err(|e| match e {
        EncryptError::TooShort => SaveError::PassphraseTooShort,
        EncryptError::Crypto => SaveError::Key(KeyError::Crypto),
    })
}

/// `sshkey_save_private`: encodes and writes the key atomically with mode 0600.
pub fn save_private(
    path: &Path,
    key: &mut PrivateKey,
    comment: &str,
    passphrase: &[u8],
    format: Option<KeyFormat>,
    rounds: u32,
) -> Result<(), SaveError> {
    let text = encode_private(key, comment, passphrase, format, rounds)?;
    write_atomic(path, text.as_bytes(), 0o600).map_err(SaveError::Io)
}

/// The text of a public key file as `sshkey_save_public` writes it: OpenSSH always puts a space
/// before the comment, so an empty comment leaves a trailing space.
pub fn public_file_text(key: &PublicKey, comment: &str) -> String {
    format!("{} {comment}\n", key.to_openssh_line(""))
}

/// `sshkey_save_public`: writes `path` atomically with mode 0644 (less the umask).
pub fn save_public(path: &Path, key: &PublicKey, comment: &str) -> io::Result<()> {
    write_atomic(path, public_file_text(key, comment).as_bytes(), 0o644)
}

/// The public key file next to a private key.
pub fn public_path(private: &Path) -> PathBuf {
    with_suffix(private, ".pub")
}
