//! The agent's keys and its lock (ssh-agent.c's `idtab` and `lock_pwhash`).
//!
//! Keys are held as `Arc<PrivateKey>` so a signature can be made outside the table's lock; the
//! key's secret material is zeroized when the last holder drops it: at once on removal or expiry,
//! or when an in-flight signature finishes. The lock passphrase is never kept: only a salted
//! PBKDF2 hash of it, compared in constant time, as OpenSSH keeps a bcrypt-pbkdf hash.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oxssh_keys::PrivateKey;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// PBKDF2 rounds for the lock hash: the hash only avoids keeping the passphrase in memory (OpenSSH
/// uses one bcrypt-pbkdf round); guessing is slowed by the unlock delay, not by this.
const LOCK_ROUNDS: u32 = 1024;

/// One key the agent holds.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The key (its comment is in `comment`).
    pub key: Arc<PrivateKey>,
    /// The comment `ssh-add` sent.
    pub comment: String,
    /// When the key is forgotten (`-t`, `ssh-add -t`); `None` = never.
    pub death: Option<Instant>,
    /// Ask the user before each use (`ssh-add -c`).
    pub confirm: bool,
}

/// A salted hash of the lock passphrase.
struct LockHash {
    salt: [u8; 16],
    hash: Zeroizing<[u8; 32]>,
}

impl LockHash {
    fn derive(salt: [u8; 16], passphrase: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        aws_lc_rs::pbkdf2::derive(
            aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
            NonZeroU32::new(LOCK_ROUNDS).unwrap_or(NonZeroU32::MIN),
            &salt,
            passphrase,
            &mut out[..],
        );
        out
    }
}

/// The identity table.
pub struct KeyStore {
    entries: Vec<Entry>,
    lock: Option<LockHash>,
    default_lifetime: u32,
}

/// Why LOCK or UNLOCK was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockError {
    /// An empty passphrase (OpenSSH: "empty password not supported").
    Empty,
    /// Locking a locked agent, or unlocking an unlocked one.
    WrongState,
    /// The passphrase does not match.
    Mismatch,
}

impl KeyStore {
    /// An empty table; keys added without a lifetime get `default_lifetime` seconds (0 = forever).
    pub fn new(default_lifetime: u32) -> Self {
        Self {
            entries: Vec::new(),
            lock: None,
            default_lifetime,
        }
    }

    /// Whether the agent is locked.
    pub fn is_locked(&self) -> bool {
        self.lock.is_some()
    }

    /// Forgets every key whose lifetime is over at `now`; returns their comments (for the log).
    pub fn reap(&mut self, now: Instant) -> Vec<String> {
        let mut expired = Vec::new();
        self.entries.retain(|e| match e.death {
            Some(death) if now >= death => {
                expired.push(e.comment.clone());
                false
            }
            _ => true,
        });
        expired
    }

    /// When the next key expires.
    pub fn next_expiry(&self) -> Option<Instant> {
        self.entries.iter().filter_map(|e| e.death).min()
    }

    /// The keys, in the order they were added: (public key blob, comment).
    pub fn identities(&self) -> Vec<(Vec<u8>, String)> {
        self.entries
            .iter()
            .map(|e| (e.key.public().blob().to_vec(), e.comment.clone()))
            .collect()
    }

    /// The entry for a public key blob.
    pub fn find(&self, blob: &[u8]) -> Option<Entry> {
        self.entries
            .iter()
            .find(|e| e.key.public().blob() == blob)
            .cloned()
    }

    /// Adds a key, or replaces the entry of the same key (its comment and constraints may have
    /// changed, as in ssh-agent.c). `lifetime` is the key's own constraint, which wins over the
    /// agent's default.
    pub fn add(
        &mut self,
        key: PrivateKey,
        comment: String,
        lifetime: Option<u32>,
        confirm: bool,
        now: Instant,
    ) {
        let seconds = lifetime.or((self.default_lifetime != 0).then_some(self.default_lifetime));
        let entry = Entry {
            key: Arc::new(key),
            comment,
            death: seconds.map(|s| now + Duration::from_secs(u64::from(s))),
            confirm,
        };
        match self
            .entries
            .iter_mut()
            .find(|e| e.key.public() == entry.key.public())
        {
            Some(existing) => *existing = entry,
            None => self.entries.push(entry),
        }
    }

    /// Removes the key with this public blob; false if there is none.
    pub fn remove(&mut self, blob: &[u8]) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.key.public().blob() != blob);
        self.entries.len() != before
    }

    /// Removes every key.
    pub fn remove_all(&mut self) {
        self.entries.clear();
    }

    /// Locks the agent with `passphrase`.
    pub fn lock(&mut self, passphrase: &[u8]) -> Result<(), LockError> {
        if passphrase.is_empty() {
            return Err(LockError::Empty);
        }
        if self.lock.is_some() {
            return Err(LockError::WrongState);
        }
        let mut salt = [0u8; 16];
        aws_lc_rs::rand::fill(&mut salt).map_err(|_| LockError::WrongState)?;
        self.lock = Some(LockHash {
            salt,
            hash: LockHash::derive(salt, passphrase),
        });
        Ok(())
    }

    /// Unlocks the agent if `passphrase` is the one it was locked with (compared in constant time).
    pub fn unlock(&mut self, passphrase: &[u8]) -> Result<(), LockError> {
        if passphrase.is_empty() {
            return Err(LockError::Empty);
        }
        let Some(lock) = &self.lock else {
            return Err(LockError::WrongState);
        };
        let candidate = LockHash::derive(lock.salt, passphrase);
        if bool::from(candidate[..].ct_eq(&lock.hash[..])) {
            self.lock = None;
            Ok(())
        } else {
            Err(LockError::Mismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxssh_keys::KeyType;

    fn key() -> PrivateKey {
        PrivateKey::generate(KeyType::Ed25519, None).unwrap()
    }

    #[test]
    fn keys_are_replaced_not_duplicated_and_expire() {
        let mut store = KeyStore::new(0);
        let now = Instant::now();
        let k = key();
        let blob = k.public().blob().to_vec();
        let again =
            PrivateKey::decode(k.encode_openssh(None, 16).unwrap().as_bytes(), None).unwrap();
        store.add(k, "one".into(), None, false, now);
        store.add(again, "two".into(), Some(10), true, now);
        assert_eq!(store.identities(), vec![(blob.clone(), "two".into())]);
        assert!(store.find(&blob).unwrap().confirm);
        assert_eq!(store.next_expiry(), Some(now + Duration::from_secs(10)));
        assert!(store.reap(now + Duration::from_secs(9)).is_empty());
        assert_eq!(store.reap(now + Duration::from_secs(10)), vec!["two"]);
        assert!(store.identities().is_empty());
        assert!(!store.remove(&blob));
    }

    #[test]
    fn the_default_lifetime_applies_to_keys_without_their_own() {
        let mut store = KeyStore::new(60);
        let now = Instant::now();
        store.add(key(), "a".into(), None, false, now);
        store.add(key(), "b".into(), Some(5), false, now);
        assert_eq!(store.next_expiry(), Some(now + Duration::from_secs(5)));
        assert_eq!(store.reap(now + Duration::from_secs(5)), vec!["b"]);
        assert_eq!(store.next_expiry(), Some(now + Duration::from_secs(60)));
    }

    #[test]
    fn lock_and_unlock() {
        let mut store = KeyStore::new(0);
        assert_eq!(store.lock(b""), Err(LockError::Empty));
        assert_eq!(store.unlock(b"pw"), Err(LockError::WrongState));
        store.lock(b"pw").unwrap();
        assert!(store.is_locked());
        assert_eq!(store.lock(b"pw"), Err(LockError::WrongState));
        assert_eq!(store.unlock(b"pW"), Err(LockError::Mismatch));
        assert!(store.is_locked());
        store.unlock(b"pw").unwrap();
        assert!(!store.is_locked());
    }
}
