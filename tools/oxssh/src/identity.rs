//! The keys publickey authentication offers, in OpenSSH's order (sshconnect2.c `pubkey_prepare`):
//! agent keys that are also configured identity files, then the agent's other keys (unless
//! `IdentitiesOnly`), then the remaining identity files. A file's public key comes from `file.pub`
//! or from the clear public part of an openssh-key-v1 file, so keys can be offered before anyone is
//! asked for a passphrase; the private key is loaded only once the server says it would accept it.

use std::os::unix::fs::MetadataExt;
use std::sync::Arc;

use oxssh_keys::agent::Identity as AgentIdentity;
use oxssh_keys::{KeyError, PrivateKey, PublicKey};

use crate::{log, messages, tty};

/// The default identity files, in the order ssh tries them (readconf.c `fill_default_options`);
/// when the configured list is exactly this, missing files are not worth a message.
pub const DEFAULT_FILES: &[&str] = &[
    "~/.ssh/id_rsa",
    "~/.ssh/id_ecdsa",
    "~/.ssh/id_ecdsa_sk",
    "~/.ssh/id_ed25519",
    "~/.ssh/id_ed25519_sk",
    "~/.ssh/id_xmss",
    "~/.ssh/id_dsa",
];

/// Where a key lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file, loaded when needed.
    File,
    /// The agent.
    Agent,
}

/// One key to offer.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The file name (expanded), or the agent's comment.
    pub name: String,
    /// The public key if known before loading the private key.
    pub public: Option<PublicKey>,
    /// Where the private half is.
    pub source: Source,
    /// Named by the user (`-i` or a configuration file) rather than a default.
    pub user_provided: bool,
    /// Already tried in this round.
    pub tried: bool,
}

impl Identity {
    /// sshconnect2.c `format_identity` for debug lines.
    pub fn describe(&self, hash: oxssh_keys::FingerprintHash) -> String {
        let mut s = self.name.clone();
        if let Some(k) = &self.public {
            s.push(' ');
            s.push_str(k.key_type().display_name());
            s.push(' ');
            s.push_str(&k.fingerprint(hash));
        }
        if self.user_provided {
            s.push_str(" explicit");
        }
        if self.source == Source::Agent {
            s.push_str(" agent");
        }
        s
    }
}

/// The public key of an identity file without asking for a passphrase, if it can be had.
fn file_public_key(path: &str) -> Option<PublicKey> {
    if let Ok(text) = std::fs::read_to_string(format!("{path}.pub"))
        && let Ok((k, _)) = PublicKey::parse_openssh_line(&text)
    {
        return Some(k);
    }
    let bytes = std::fs::read(path).ok()?;
    PrivateKey::decode_public(&bytes).ok()
}

/// Builds the list of keys to offer from the identity files (already expanded) and the agent's
/// identities.
pub fn prepare(
    files: &[(String, bool)],
    agent: &[AgentIdentity],
    identities_only: bool,
    allowed: &dyn Fn(&PublicKey) -> bool,
) -> Vec<Identity> {
    let mut file_ids: Vec<Identity> = Vec::new();
    for (path, user_provided) in files {
        if path.ends_with("-cert.pub") || path.ends_with("-cert") {
            continue;
        }
        let public = file_public_key(path);
        if public.is_none() && !std::path::Path::new(path).exists() {
            log::debug(&format!("identity file {path} type -1"));
            if !*user_provided {
                continue;
            }
        }
        file_ids.push(Identity {
            name: path.clone(),
            public,
            source: Source::File,
            user_provided: *user_provided,
            tried: false,
        });
    }
    let mut preferred = Vec::new();
    let mut other_agent = Vec::new();
    for a in agent {
        let Ok(key) = a.public_key() else { continue };
        if let Some(pos) = file_ids
            .iter()
            .position(|f| f.public.as_ref() == Some(&key))
        {
            let mut id = file_ids.remove(pos);
            id.source = Source::Agent;
            preferred.push(id);
        } else if !identities_only {
            other_agent.push(Identity {
                name: a.comment.clone(),
                public: Some(key),
                source: Source::Agent,
                user_provided: false,
                tried: false,
            });
        }
    }
    preferred.extend(other_agent);
    preferred.extend(file_ids);
    preferred.retain(|id| match &id.public {
        Some(k) if !allowed(k) => {
            log::debug(&format!(
                "Skipping {} key {} - corresponding algo not in PubkeyAcceptedAlgorithms",
                k.key_type().name(),
                id.name
            ));
            false
        }
        _ => true,
    });
    preferred
}

/// ssh_err-style text for a key file problem.
fn key_error_text(e: &KeyError) -> String {
    match e {
        KeyError::IncorrectPassphrase => {
            "incorrect passphrase supplied to decrypt private key".to_owned()
        }
        KeyError::InvalidFormat(_) | KeyError::InvalidLine(_) => "invalid format".to_owned(),
        KeyError::UnsupportedKeyType => "unknown or unsupported key type".to_owned(),
        other => other.to_string(),
    }
}

/// `AddKeysToAgent`: where and how a key loaded from a file is handed to the agent.
#[derive(Debug, Clone)]
pub struct AddToAgent {
    /// The agent socket.
    pub socket: std::path::PathBuf,
    /// Constraints (lifetime, confirmation).
    pub constraints: Vec<oxssh_keys::agent::Constraint>,
}

/// sshconnect.c `maybe_add_key_to_agent`: gives the agent a copy of a key just loaded from a
/// file, so the next connection needs no passphrase. Failures only matter for debugging.
fn add_to_agent(add: &AddToAgent, path: &str, bytes: &[u8], passphrase: Option<&[u8]>) {
    let Ok(mut key) = PrivateKey::decode(bytes, passphrase) else {
        return;
    };
    if key.comment().is_empty() {
        key.set_comment(path);
    }
    let added = oxssh_tokio::agent::BlockingAgent::connect(&add.socket).and_then(|mut agent| {
        agent.set_timeout(Some(std::time::Duration::from_secs(10)))?;
        agent.add(Box::new(key), add.constraints.clone())
    });
    match added {
        Ok(()) => log::debug(&format!("identity added to agent: {path}")),
        Err(_) => log::debug(&format!("could not add identity to agent: {path}")),
    }
}

/// sshconnect2.c `load_identity_file`: reads the private key, first without a passphrase, then
/// asking up to `prompts` times (an empty answer gives up on this key; `batch` never asks).
/// Blocking: the KDF of an encrypted key takes a noticeable time, and prompts wait for the user.
pub fn load_private(
    path: &str,
    user_provided: bool,
    prompts: u32,
    batch: bool,
    uid: u32,
    add: Option<&AddToAgent>,
) -> Option<Arc<PrivateKey>> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            let why = oxssh_tokio::connect::error_text(&e);
            if user_provided {
                log::info(&messages::no_such_identity(path, &why));
            } else {
                log::debug3(&messages::no_such_identity(path, &why));
            }
            return None;
        }
    };
    // authfile.c sshkey_perm_ok: a key file others can read is refused.
    if meta.uid() == uid && meta.mode() & 0o077 != 0 {
        for l in messages::unprotected_key(path, meta.mode() & 0o777) {
            log::error(&l);
        }
        log::error(&messages::load_key_failed(path, messages::BAD_PERMISSIONS));
        return None;
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => zeroize::Zeroizing::new(b),
        Err(e) => {
            log::error(&messages::load_key_failed(
                path,
                &oxssh_tokio::connect::error_text(&e),
            ));
            return None;
        }
    };
    let prompt = messages::passphrase_prompt(path);
    for attempt in 0..=prompts {
        let passphrase = if attempt == 0 {
            None
        } else {
            let p = tty::read_passphrase(&prompt, false).unwrap_or_default();
            if p.is_empty() {
                log::debug2("no passphrase given, try next key");
                return None;
            }
            Some(p)
        };
        match PrivateKey::decode(&bytes, passphrase.as_ref().map(|p| p.as_bytes())) {
            Ok(k) => {
                if let Some(a) = add {
                    add_to_agent(a, path, &bytes, passphrase.as_ref().map(|p| p.as_bytes()));
                }
                return Some(Arc::new(k));
            }
            Err(KeyError::PassphraseRequired | KeyError::IncorrectPassphrase) => {
                if batch {
                    return None;
                }
                if attempt != 0 {
                    log::debug2("bad passphrase given, try again...");
                }
            }
            Err(e) => {
                log::error(&messages::load_key_failed(path, &key_error_text(&e)));
                return None;
            }
        }
    }
    None
}
