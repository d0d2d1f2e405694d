//! What ssh-add does with the agent: add key files (asking for passphrases), remove them, remove
//! everything, list, lock and unlock, and test that the agent signs (ssh-add.c's `add_file`,
//! `delete_file`, `delete_all`, `list_identities`, `lock_agent`, `test_key`).

use std::io;
use std::path::{Path, PathBuf};

use oxssh_keys::agent::Constraint;
use oxssh_keys::{KeyError, KeyType, PrivateKey, SignatureAlgorithm};
use oxssh_tokio::agent::BlockingAgent;
use zeroize::Zeroizing;

use crate::cli::Options;
use crate::keyfile::{self, LoadedPublic};
use crate::messages;
use crate::output::Output;
use crate::prompt::Prompter;

/// The key files added when none are named, in OpenSSH 9.2's order (ssh-add.c `default_files`).
pub const DEFAULT_FILES: &[&str] = &[
    ".ssh/id_rsa",
    ".ssh/id_ecdsa",
    ".ssh/id_ecdsa_sk",
    ".ssh/id_ed25519",
    ".ssh/id_ed25519_sk",
    ".ssh/id_xmss",
    ".ssh/id_dsa",
];

/// How many bytes `-T` asks the agent to sign.
const TEST_DATA_LEN: usize = 1024;

/// One run of ssh-add.
pub struct Session<'a> {
    agent: BlockingAgent,
    out: &'a mut Output,
    prompter: &'a mut dyn Prompter,
    options: &'a Options,
    /// ssh-add keeps the last passphrase that worked and tries it on the next encrypted file.
    pass: Option<Zeroizing<String>>,
    uid: u32,
}

/// strerror(3) text of an I/O error.
fn strerror(e: &io::Error) -> String {
    oxssh_tokio::connect::error_text(e)
}

impl<'a> Session<'a> {
    /// A session with a connected agent.
    pub fn new(
        agent: BlockingAgent,
        out: &'a mut Output,
        prompter: &'a mut dyn Prompter,
        options: &'a Options,
    ) -> Self {
        Self {
            agent,
            out,
            prompter,
            options,
            pass: None,
            uid: rustix::process::getuid().as_raw(),
        }
    }

    /// `-x` / `-X`.
    pub fn lock(&mut self, lock: bool) -> bool {
        let first = self.prompter.read(messages::LOCK_PROMPT);
        if lock {
            let again = self.prompter.read(messages::AGAIN_PROMPT);
            if *first != *again {
                self.out.err(messages::PASSWORDS_DIFFER);
                return false;
            }
        }
        match self.agent.lock(first.as_bytes(), lock) {
            Ok(()) => {
                self.out.err(&messages::lock_done(lock));
                true
            }
            Err(e) => {
                self.out.err(&messages::lock_failed(lock, &e.to_string()));
                false
            }
        }
    }

    /// `-l` / `-L`.
    pub fn list(&mut self, fingerprints: bool) -> bool {
        let ids = match self.agent.identities() {
            Ok(ids) => ids,
            Err(e) => {
                self.out.err(&messages::fetch_failed(&e.to_string()));
                return false;
            }
        };
        if ids.is_empty() {
            self.out.out(messages::NO_IDENTITIES);
            return false;
        }
        for id in ids {
            // Like OpenSSH with key types it does not know, skip what oxssh cannot parse.
            let Ok(key) = id.public_key() else { continue };
            if fingerprints {
                self.out.out(&messages::list_fingerprint(
                    key.bits(),
                    &key.fingerprint(self.options.hash),
                    &id.comment,
                    key.key_type().display_name(),
                ));
            } else {
                self.out.out(&messages::list_public(
                    &key.to_openssh_line(""),
                    &id.comment,
                ));
            }
        }
        true
    }

    /// `-D`.
    pub fn delete_all(&mut self) -> bool {
        match self.agent.remove_all() {
            Ok(()) => {
                if !self.options.quiet {
                    self.out.err(messages::ALL_REMOVED);
                }
                true
            }
            Err(_) => {
                self.out.err(messages::REMOVE_ALL_FAILED);
                false
            }
        }
    }

    /// `-T`: the agent signs random data with each key and the signature verifies.
    pub fn test(&mut self, files: &[String]) -> bool {
        let mut ok = true;
        for file in files {
            ok &= self.test_one(file);
        }
        ok
    }

    fn test_one(&mut self, file: &str) -> bool {
        let key = match keyfile::load_public(file) {
            Ok(loaded) => loaded.key,
            Err(e) => {
                self.out
                    .log(&messages::cannot_read_public(file, &strerror(&e)));
                return false;
            }
        };
        let mut data = [0u8; TEST_DATA_LEN];
        if aws_lc_rs::rand::fill(&mut data).is_err() {
            return false;
        }
        // OpenSSH asks for the key's default; for RSA that is SHA-1, which oxssh never makes or
        // asks for, so RSA keys are tested with rsa-sha2-512.
        let algorithm = match key.key_type() {
            KeyType::Rsa => SignatureAlgorithm::RsaSha512,
            other => other.signature_algorithms()[0],
        };
        let signature = match self.agent.sign(key.blob(), &data, algorithm) {
            Ok(s) => s,
            Err(e) => {
                self.out
                    .log(&messages::agent_signature_failed(file, &e.to_string()));
                return false;
            }
        };
        if let Err(e) = key.verify(algorithm, &data, &signature) {
            self.out.log(&messages::verification_failed(
                file,
                &messages::key_error(&e),
            ));
            return false;
        }
        true
    }

    /// Adds or deletes each named file (or the default keys); true if all succeeded.
    pub fn files(&mut self, deleting: bool) -> bool {
        if !self.options.files.is_empty() {
            let files = self.options.files.clone();
            let mut ok = true;
            for f in &files {
                ok &= self.do_file(deleting, f);
            }
            return ok;
        }
        let Some(home) = home_dir() else {
            self.out.err(&messages::no_user(self.uid));
            return false;
        };
        let mut ok = true;
        let mut count = 0;
        for name in DEFAULT_FILES {
            let path = home.join(name);
            if std::fs::metadata(&path).is_err() {
                continue;
            }
            if self.do_file(deleting, &path.display().to_string()) {
                count += 1;
            } else {
                ok = false;
            }
        }
        ok && count > 0
    }

    fn do_file(&mut self, deleting: bool, file: &str) -> bool {
        if deleting {
            self.delete_file(file)
        } else {
            self.add_file(file)
        }
    }

    fn delete_file(&mut self, file: &str) -> bool {
        if file == "-" {
            return self.delete_stdin();
        }
        let LoadedPublic { key, comment } = match keyfile::load_public(file) {
            Ok(l) => l,
            Err(e) => {
                self.out.out(&messages::bad_key_file(file, &strerror(&e)));
                return false;
            }
        };
        let comment = comment.unwrap_or_else(|| messages::NO_COMMENT.to_owned());
        let ok = self.delete_one(&key, &comment, file);
        self.certificate(file);
        ok
    }

    fn delete_stdin(&mut self) -> bool {
        let Ok(bytes) = keyfile::read_all(io::stdin()) else {
            return false;
        };
        let mut ok = false;
        for (i, line) in String::from_utf8_lossy(&bytes).lines().enumerate() {
            let line = line.trim_start_matches([' ', '\t']);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match oxssh_keys::PublicKey::parse_openssh_line(line) {
                Ok((key, comment)) => ok |= self.delete_one(&key, &comment, "(stdin)"),
                Err(e) => self.out.log(&messages::stdin_invalid_key(
                    i + 1,
                    &messages::key_error(&e),
                )),
            }
        }
        ok
    }

    fn delete_one(&mut self, key: &oxssh_keys::PublicKey, comment: &str, path: &str) -> bool {
        match self.agent.remove(key.blob()) {
            Ok(()) => {
                if !self.options.quiet {
                    self.out.err(&messages::identity_removed(
                        path,
                        key.key_type().display_name(),
                        comment,
                    ));
                }
                true
            }
            Err(e) => {
                self.out
                    .err(&messages::could_not_remove(path, &e.to_string()));
                false
            }
        }
    }

    /// ssh-add also adds or removes `FILE-cert.pub`; oxssh does not handle certificates, so one
    /// that exists is reported rather than silently passed over. `-k` skips the look.
    fn certificate(&mut self, file: &str) {
        if self.options.key_only {
            return;
        }
        let path = messages::certificate_path(file);
        if Path::new(&path).exists() {
            let why = messages::key_error(&KeyError::UnsupportedKeyType);
            self.out.log(&messages::certificate_failed(&path, &why));
        }
    }

    /// Reads and decrypts a private key file, asking for its passphrase as ssh-add does.
    fn load_private(&mut self, name: &str, bytes: &[u8]) -> Option<PrivateKey> {
        match PrivateKey::decode(bytes, None) {
            Ok(k) => return Some(k),
            Err(KeyError::PassphraseRequired | KeyError::IncorrectPassphrase) => {}
            Err(e) => {
                self.out
                    .err(&messages::error_loading_key(name, &messages::key_error(&e)));
                return None;
            }
        }
        if let Some(pass) = &self.pass {
            match PrivateKey::decode(bytes, Some(pass.as_bytes())) {
                Ok(k) => return Some(k),
                Err(KeyError::IncorrectPassphrase) => {}
                Err(e) => {
                    self.out
                        .err(&messages::error_loading_key(name, &messages::key_error(&e)));
                    self.pass = None;
                    return None;
                }
            }
        }
        self.pass = None;
        let confirm = self.options.confirm;
        let mut prompt = messages::passphrase_prompt(name, confirm);
        loop {
            let pass = self.prompter.read(&prompt);
            if pass.is_empty() {
                return None;
            }
            match PrivateKey::decode(bytes, Some(pass.as_bytes())) {
                Ok(k) => {
                    self.pass = Some(pass);
                    return Some(k);
                }
                Err(KeyError::IncorrectPassphrase) => {
                    prompt = messages::bad_passphrase_prompt(name, confirm);
                }
                Err(e) => {
                    self.out
                        .err(&messages::error_loading_key(name, &messages::key_error(&e)));
                    return None;
                }
            }
        }
    }

    fn add_file(&mut self, file: &str) -> bool {
        let (name, bytes) = if file == "-" {
            match keyfile::read_all(io::stdin()) {
                Ok(b) => ("(stdin)", b),
                Err(e) => {
                    self.out
                        .err(&messages::error_loading_key("(stdin)", &strerror(&e)));
                    return false;
                }
            }
        } else {
            let opened = std::fs::File::open(file).and_then(|f| {
                let meta = f.metadata()?;
                Ok((f, meta))
            });
            let (f, meta) = match opened {
                Ok(fm) => fm,
                Err(e) => {
                    self.out.err(&messages::perror(file, &strerror(&e)));
                    return false;
                }
            };
            // Checked once, before the passphrase questions (ssh-add.c).
            if let Some(mode) = keyfile::too_open(&meta, self.uid) {
                for line in messages::unprotected_key(file, mode) {
                    self.out.log(&line);
                }
                return false;
            }
            match keyfile::read_all(f) {
                Ok(b) => (file, b),
                Err(e) => {
                    self.out
                        .err(&messages::error_loading_key(file, &strerror(&e)));
                    return false;
                }
            }
        };
        let Some(mut key) = self.load_private(name, &bytes) else {
            return false;
        };
        drop(bytes);
        let comment = if key.comment().is_empty() {
            name.to_owned()
        } else {
            key.comment().to_owned()
        };
        key.set_comment(comment.clone());
        let mut constraints = Vec::new();
        if self.options.lifetime != 0 {
            constraints.push(Constraint::Lifetime(self.options.lifetime));
        }
        if self.options.confirm {
            constraints.push(Constraint::Confirm);
        }
        let added = match self.agent.add(Box::new(key), constraints) {
            Ok(()) => {
                if !self.options.quiet {
                    self.out.err(&messages::identity_added(name, &comment));
                    if self.options.lifetime != 0 {
                        self.out.err(&messages::lifetime_set(self.options.lifetime));
                    }
                    if self.options.confirm {
                        self.out.err(messages::MUST_CONFIRM);
                    }
                }
                true
            }
            Err(e) => {
                self.out.err(&messages::could_not_add(name, &e.to_string()));
                false
            }
        };
        self.certificate(name);
        added
    }
}

/// The user's home directory: `$HOME` when set and absolute, else the passwd entry's. OpenSSH uses
/// the passwd entry only; honouring `$HOME` (as the oxssh client does) lets a user or a test point
/// ssh-add at other default keys, and changes nothing when `$HOME` is the passwd home.
pub fn home_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from)
        && home.is_absolute()
    {
        return Some(home);
    }
    oxssh_sys::user::current_user()
        .ok()
        .flatten()
        .map(|u| u.home)
}
