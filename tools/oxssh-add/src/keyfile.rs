//! Reading key files as ssh-add reads them (authfile.c).
//!
//! - A private key file must not be readable by others when it belongs to the user
//!   (`sshkey_perm_ok`); such a file is refused with OpenSSH's warning.
//! - A public key is looked for the way `sshkey_load_public` looks: the file itself as a public key
//!   line, then `FILE.pub`, then the clear public part of the private key file (openssh-key-v1
//!   keeps it unencrypted); if none works the key is "not found".

use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use oxssh_keys::PublicKey;
use zeroize::Zeroizing;

/// The largest key file read (a 16384-bit RSA key in PEM is under 13 KiB).
const MAX_KEY_FILE: u64 = 1024 * 1024;

/// A public key and where its comment came from.
#[derive(Debug, Clone)]
pub struct LoadedPublic {
    /// The key.
    pub key: PublicKey,
    /// The comment of its public key line (the file name if the line has none); `None` when the
    /// key came from a private key file.
    pub comment: Option<String>,
}

/// The first key line of a public key file (`sshkey_try_load_public`): comment and blank lines
/// are skipped; a line without a comment is named after the file.
pub fn parse_public_text(text: &str, file_name: &str) -> Option<(PublicKey, String)> {
    text.lines()
        .map(|l| l.trim_start_matches([' ', '\t']))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .find_map(|l| PublicKey::parse_openssh_line(l).ok())
        .map(|(key, comment)| {
            let comment = if comment.is_empty() {
                file_name.to_owned()
            } else {
                comment
            };
            (key, comment)
        })
}

fn try_public_file(path: &str) -> Option<(PublicKey, String)> {
    let text = read_limited(Path::new(path)).ok()?;
    parse_public_text(&String::from_utf8_lossy(&text), path)
}

/// `sshkey_load_public`: `path` as a public key, `path.pub`, or the private key's public part.
pub fn load_public(path: &str) -> Result<LoadedPublic, io::Error> {
    if let Some((key, comment)) = try_public_file(path) {
        return Ok(LoadedPublic {
            key,
            comment: Some(comment),
        });
    }
    if let Some((key, comment)) = try_public_file(&format!("{path}.pub")) {
        return Ok(LoadedPublic {
            key,
            comment: Some(comment),
        });
    }
    if let Ok(bytes) = read_limited(Path::new(path))
        && let Ok(key) = oxssh_keys::PrivateKey::decode_public(&bytes)
    {
        return Ok(LoadedPublic { key, comment: None });
    }
    // OpenSSH pretends the key could not be found (ENOENT), whatever went wrong.
    Err(io::Error::from(rustix::io::Errno::NOENT))
}

/// Reads a file of at most [`MAX_KEY_FILE`] bytes into a buffer wiped on drop.
pub fn read_limited(path: &Path) -> io::Result<Zeroizing<Vec<u8>>> {
    let file = std::fs::File::open(path)?;
    read_all(file)
}

/// Reads all of `input` (bounded) into a buffer wiped on drop.
pub fn read_all(input: impl Read) -> io::Result<Zeroizing<Vec<u8>>> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(8192));
    input.take(MAX_KEY_FILE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_KEY_FILE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "key file too large",
        ));
    }
    Ok(bytes)
}

/// `sshkey_perm_ok`: the mode bits that make a private key file too open, if the file belongs to
/// the user and others may read or write it.
pub fn too_open(meta: &std::fs::Metadata, uid: u32) -> Option<u32> {
    (meta.uid() == uid && meta.mode() & 0o077 != 0).then_some(meta.mode() & 0o777)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxssh_keys::{KeyType, PrivateKey};

    #[test]
    fn public_keys_come_from_the_file_its_pub_or_the_private_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = PrivateKey::generate(KeyType::Ed25519, None).unwrap();
        let private = dir.path().join("id");
        std::fs::write(
            &private,
            key.encode_openssh(Some(b"pw"), 16).unwrap().as_bytes(),
        )
        .unwrap();
        let p = private.to_str().unwrap();

        let from_private = load_public(p).unwrap();
        assert_eq!(&from_private.key, key.public());
        assert_eq!(from_private.comment, None);

        std::fs::write(format!("{p}.pub"), key.public().to_openssh_line("") + "\n").unwrap();
        let from_pub = load_public(p).unwrap();
        assert_eq!(
            from_pub.comment.as_deref(),
            Some(format!("{p}.pub").as_str())
        );

        let only = dir.path().join("only.pub");
        std::fs::write(
            &only,
            format!(
                "# a comment\n\n{}\n",
                key.public().to_openssh_line("me@host")
            ),
        )
        .unwrap();
        let direct = load_public(only.to_str().unwrap()).unwrap();
        assert_eq!(direct.comment.as_deref(), Some("me@host"));

        let missing = load_public(dir.path().join("nope").to_str().unwrap()).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
