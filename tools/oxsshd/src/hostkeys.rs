//! Host keys: loading the `HostKey` files, and generating the single-user default's keys on first
//! start (Ed25519 and RSA 3072, mode 600, in a 700 directory), as `ssh-keygen -A` would.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;

use oxssh_keys::{FingerprintHash, KeyType, PrivateKey};

use crate::log;

/// The file names generated for the single-user default, in preference order.
pub const GENERATED: [&str; 2] = ["ssh_host_ed25519_key", "ssh_host_rsa_key"];

/// RSA size for generated keys: ssh-keygen's default.
const RSA_BITS: u32 = 3072;

/// Loads every readable host key; unreadable ones are logged and skipped, as sshd does. When
/// `generate_missing`, keys named like [`GENERATED`] that do not exist are created first.
pub fn load(paths: &[String], generate_missing: bool) -> Vec<Arc<PrivateKey>> {
    let mut keys = Vec::new();
    for path in paths {
        let p = Path::new(path);
        if generate_missing
            && !p.exists()
            && let Err(e) = generate(p)
        {
            log::host_key_unloadable(path, &e);
            continue;
        }
        match std::fs::read(p) {
            Ok(bytes) => match PrivateKey::decode(&bytes, None) {
                Ok(k) => {
                    log::debug(format_args!(
                        "private host key: {} {}",
                        k.public().key_type().name(),
                        k.public().fingerprint(FingerprintHash::Sha256)
                    ));
                    keys.push(Arc::new(k));
                }
                Err(e) => log::host_key_unloadable(path, &e.to_string()),
            },
            Err(e) => log::host_key_unloadable(path, &oxssh_tokio::connect::error_text(&e)),
        }
    }
    keys
}

/// Creates a private key file (mode 600) and its `.pub` (mode 644); the type follows the name.
fn generate(path: &Path) -> Result<(), String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let (key_type, bits) = if name.contains("rsa") {
        (KeyType::Rsa, Some(RSA_BITS))
    } else {
        (KeyType::Ed25519, None)
    };
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| {
                format!(
                    "{}: {}",
                    dir.display(),
                    oxssh_tokio::connect::error_text(&e)
                )
            })?;
    }
    let mut key = PrivateKey::generate(key_type, bits).map_err(|e| e.to_string())?;
    let host = oxssh_sys::fs_checks::hostname().unwrap_or_else(|_| "localhost".to_owned());
    let user = oxssh_sys::user::current_user()
        .ok()
        .flatten()
        .map_or_else(|| "oxsshd".to_owned(), |u| u.name);
    key.set_comment(format!("{user}@{host}"));
    let text = key
        .encode_openssh(None, oxssh_keys::DEFAULT_KDF_ROUNDS)
        .map_err(|e| e.to_string())?;
    let io = |e: std::io::Error| {
        format!(
            "{}: {}",
            path.display(),
            oxssh_tokio::connect::error_text(&e)
        )
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)?;
    let public = key.public().to_openssh_line(key.comment());
    let pub_path = path.with_file_name(format!("{name}.pub"));
    std::fs::write(&pub_path, format!("{public}\n")).map_err(io)?;
    let _ = std::fs::set_permissions(&pub_path, std::fs::Permissions::from_mode(0o644));
    log::host_key_generated(
        &path.display().to_string(),
        &key.public().fingerprint(FingerprintHash::Sha256),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_private_and_load_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/ssh_host_ed25519_key");
        let p = path.to_string_lossy().into_owned();
        let keys = load(std::slice::from_ref(&p), true);
        assert_eq!(keys.len(), 1);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
        // A second start loads the same key instead of making a new one.
        let again = load(&[p], true);
        assert_eq!(again[0].public(), keys[0].public());
    }
}
