//! Public-key authentication against the user's authorized_keys files (auth2-pubkeyfile.c): each
//! `AuthorizedKeysFile` is read as the user after the StrictModes checks, and the first line holding
//! the key whose restrictions (`from=`, `expiry-time=`) admit the client wins; its options then govern
//! the session.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use oxssh_config::server::ServerOptions;
use oxssh_keys::authorized_keys::{Authorization, AuthorizedKeys, Client, Denial, KeyOptions};
use oxssh_keys::{FingerprintHash, PublicKey};

use crate::log;
use crate::privileged::{Access, Account};

/// The log text after "ssh2: " for a key: "ED25519 SHA256:...".
pub fn describe(key: &PublicKey) -> String {
    format!(
        "{} {}",
        key.key_type().display_name(),
        key.fingerprint(FingerprintHash::Sha256)
    )
}

/// `RevokedKeys` (auth2-pubkey.c `user_key_allowed`): a file of public keys, one per line, none of
/// which may log in. Fails closed: a file that cannot be read, or that is not a key list (a binary
/// KRL, which oxssh does not read yet), revokes every key, as OpenSSH refuses on a read error.
/// Blocks briefly (one small file); the file is the administrator's, read as the daemon.
pub fn is_revoked(options: &ServerOptions, key: &PublicKey) -> bool {
    let Some(path) = &options.revoked_keys else {
        return false;
    };
    let text = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                log::revoked_keys_unreadable(path, "not a list of public keys");
                return true;
            }
        },
        Err(e) => {
            log::revoked_keys_unreadable(path, &oxssh_tokio::connect::error_text(&e));
            return true;
        }
    };
    let revoked = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| PublicKey::parse_openssh_line(l).ok())
        .any(|(k, _)| &k == key);
    if revoked {
        log::key_revoked(&describe(key), path);
    }
    revoked
}

/// Looks for `key` in the user's authorized_keys files; the options of the admitting line.
pub async fn find_key(
    access: &Access,
    account: &Account,
    options: &ServerOptions,
    key: &PublicKey,
    address: &str,
) -> Option<KeyOptions> {
    if !account.valid || !options.pubkey_authentication || is_revoked(options, key) {
        return None;
    }
    let user = &account.user;
    let files = options
        .authorized_keys_files_for(&user.name, user.uid.as_raw(), &user.home.to_string_lossy())
        .ok()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    // expiry-time values without a zone are local time; the daemon runs in UTC unless TZ says
    // otherwise, and oxssh-keys takes the offset from us.
    let client = Client {
        host: address,
        address,
        now,
        local_utc_offset: 0,
    };
    for file in files {
        let text = match access
            .read_user_file(account, PathBuf::from(&file), options.strict_modes)
            .await
        {
            Ok(Ok(Some(text))) => text,
            Ok(Ok(None)) | Err(_) => continue,
            Ok(Err(refusal)) => {
                log::strict_modes_refused(refusal);
                continue;
            }
        };
        let keys = AuthorizedKeys::parse(&text);
        match keys.authorize(key, &client) {
            Authorization::Allowed(entry) => {
                log::debug(format_args!(
                    "{file}:{}: matching key found: {}",
                    entry.line_number(),
                    describe(key)
                ));
                return Some(entry.options().clone());
            }
            Authorization::Denied(reasons) => {
                for (line, why) in reasons {
                    match why {
                        Denial::FromNotPermitted | Denial::InvalidFrom => {
                            log::key_not_from_permitted_host(&user.name, address, address);
                        }
                        Denial::Expired { .. } => log::key_expired(&file, line),
                        Denial::PrincipalsOnNonCaKey => {}
                    }
                }
            }
            Authorization::NotFound => {}
        }
    }
    None
}
