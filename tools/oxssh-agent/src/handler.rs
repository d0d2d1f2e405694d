//! One request in, one answer out: ssh-agent.c's `process_message` and the handlers behind it.
//!
//! While the agent is locked every request but UNLOCK fails, except REQUEST_IDENTITIES, which gets
//! an empty list (as OpenSSH answers). Constraints the agent does not implement (destination
//! restrictions, security-key providers, XMSS signature counts) make it refuse the key rather than
//! hold it without the restriction the user asked for.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use oxssh_keys::agent::{self, AgentError, Constraint, Extension, Identity, Request, Response};
use oxssh_keys::{FingerprintHash, PublicKey, SignatureAlgorithm};

use crate::confirm::{self, AskpassEnv};
use crate::keystore::{KeyStore, LockError};
use crate::messages::debug::bind;
use crate::{log, messages};

/// How many session bindings one connection may record (ssh-agent.c `AGENT_MAX_SESSION_IDS`).
const MAX_SESSION_BINDINGS: usize = 16;

/// The longest session identifier accepted (`AGENT_MAX_SID_LEN`): SHA-512 output is 64 bytes.
const MAX_SESSION_ID: usize = 128;

/// Failed unlocks add 0.1 s each to the delay before the answer, up to 10 s (as OpenSSH).
const UNLOCK_DELAY_STEP: Duration = Duration::from_millis(100);
const MAX_UNLOCK_FAILURES: u32 = 100;

/// State every connection shares.
pub struct Shared {
    store: Mutex<KeyStore>,
    /// Wakes the expiry task when keys change.
    pub changed: tokio::sync::Notify,
    /// Serialises unlock attempts and counts failures: the delay after a wrong passphrase holds it,
    /// so parallel connections cannot guess faster than one connection.
    unlock_gate: tokio::sync::Mutex<u32>,
    hash: FingerprintHash,
    askpass: AskpassEnv,
}

impl Shared {
    /// New agent state: `lifetime` is `-t` (0 = forever), `hash` is `-E`.
    pub fn new(lifetime: u32, hash: FingerprintHash, askpass: AskpassEnv) -> Self {
        Self {
            store: Mutex::new(KeyStore::new(lifetime)),
            changed: tokio::sync::Notify::new(),
            unlock_gate: tokio::sync::Mutex::new(0),
            hash,
            askpass,
        }
    }

    /// The identity table. A panic while it was held cannot leave it half-updated (every change is
    /// one `Vec` operation), so a poisoned lock is taken over.
    pub fn store(&self) -> MutexGuard<'_, KeyStore> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets expired keys, logging each; returns when the next one expires.
    pub fn reap(&self) -> Option<Instant> {
        let mut store = self.store();
        for comment in store.reap(Instant::now()) {
            log::debug(&messages::debug::expiring(&comment));
        }
        store.next_expiry()
    }
}

/// A session this connection was bound to (`session-bind@openssh.com`).
struct Binding {
    host_key: Vec<u8>,
    session_id: Vec<u8>,
    forwarded: bool,
}

/// Per-connection state.
#[derive(Default)]
pub struct Connection {
    bindings: Vec<Binding>,
}

/// The answer to one message body (type byte and contents).
pub async fn handle(shared: &Arc<Shared>, conn: &mut Connection, body: &[u8]) -> Response {
    let Some(&kind) = body.first() else {
        return Response::Failure;
    };
    log::debug(&messages::debug::message(kind));
    shared.reap();
    if shared.store().is_locked() && kind != agent::number::UNLOCK {
        return if kind == agent::number::REQUEST_IDENTITIES {
            Response::IdentitiesAnswer(Vec::new())
        } else {
            Response::Failure
        };
    }
    let request = match Request::decode(body) {
        Ok(r) => r,
        Err(AgentError::UnknownMessage(k)) => {
            log::error(&messages::debug::unknown_message(k));
            return Response::Failure;
        }
        Err(e) => {
            log::error(&messages::debug::parse_failed(
                &messages::debug::request_of_type(kind),
                &e.to_string(),
            ));
            return Response::Failure;
        }
    };
    match request {
        Request::RequestIdentities => identities(shared),
        Request::SignRequest {
            key_blob,
            data,
            flags,
        } => sign(shared, key_blob, data, flags).await,
        Request::AddIdentity { key, constraints } => add(shared, *key, constraints),
        Request::RemoveIdentity { key_blob } => {
            if shared.store().remove(&key_blob) {
                shared.changed.notify_one();
                Response::Success
            } else {
                log::debug(messages::debug::REMOVE_NOT_FOUND);
                Response::Failure
            }
        }
        Request::RemoveAllIdentities => {
            shared.store().remove_all();
            shared.changed.notify_one();
            Response::Success
        }
        Request::Lock { passphrase } => match shared.store().lock(&passphrase) {
            Ok(()) => {
                log::debug(messages::debug::LOCKED);
                Response::Success
            }
            Err(LockError::Empty) => {
                log::debug(messages::debug::EMPTY_PASSWORD);
                Response::Failure
            }
            Err(_) => Response::Failure,
        },
        Request::Unlock { passphrase } => unlock(shared, &passphrase).await,
        Request::Extension(Extension::Query) => Response::QueryAnswer(vec![
            "query".to_owned(),
            "session-bind@openssh.com".to_owned(),
        ]),
        Request::Extension(Extension::SessionBind {
            host_key,
            session_id,
            signature,
            is_forwarding,
        }) => match conn.bind(host_key, session_id, &signature, is_forwarding) {
            Ok(()) => Response::Success,
            Err(why) => {
                log::error(&messages::debug::session_bind_refused(why));
                Response::Failure
            }
        },
        Request::Extension(Extension::Other { name, .. }) => {
            log::debug(&messages::debug::unsupported_extension(&name));
            Response::Failure
        }
    }
}

fn identities(shared: &Shared) -> Response {
    let ids: Vec<Identity> = shared
        .store()
        .identities()
        .into_iter()
        .map(|(key_blob, comment)| Identity { key_blob, comment })
        .collect();
    log::debug2(&messages::debug::identities(ids.len()));
    Response::IdentitiesAnswer(ids)
}

/// The key type name of a blob for log lines, or "unknown".
fn blob_type(blob: &[u8]) -> &'static str {
    PublicKey::from_blob(blob).map_or("unknown", |k| k.key_type().name())
}

async fn sign(shared: &Arc<Shared>, key_blob: Vec<u8>, data: Vec<u8>, flags: u32) -> Response {
    let Some(entry) = shared.store().find(&key_blob) else {
        log::info(&messages::debug::key_not_found(blob_type(&key_blob)));
        return Response::Failure;
    };
    if entry.confirm {
        let fingerprint = entry.key.public().fingerprint(shared.hash);
        let question = messages::confirm_prompt(&entry.comment, &fingerprint);
        if !confirm::ask_permission(&shared.askpass, &question).await {
            log::info(messages::debug::USER_REFUSED);
            return Response::Failure;
        }
    }
    let mut algorithm = agent::requested_algorithm(entry.key.key_type(), flags);
    // No flag asks for ssh-rsa, an RSA/SHA-1 signature, which oxssh never makes (SHA-1 collisions
    // are practical). A SHA-512 signature serves every caller that does not insist on SHA-1
    // (ssh-add -T verifies whatever it gets); a server that does would refuse either answer.
    if algorithm == SignatureAlgorithm::RsaSha1 {
        algorithm = SignatureAlgorithm::RsaSha512;
    }
    // RSA signing takes milliseconds: off the thread that serves the other connections.
    let key = Arc::clone(&entry.key);
    let signed = tokio::task::spawn_blocking(move || key.sign(algorithm, &data)).await;
    match signed {
        Ok(Ok(signature)) => Response::SignResponse(signature),
        Ok(Err(e)) => {
            log::error(&messages::debug::sign_failed(&e.to_string()));
            Response::Failure
        }
        Err(_) => Response::Failure,
    }
}

fn add(shared: &Shared, key: oxssh_keys::PrivateKey, constraints: Vec<Constraint>) -> Response {
    let mut lifetime = None;
    let mut confirm = false;
    for c in constraints {
        match c {
            Constraint::Lifetime(_) if lifetime.is_some() => return Response::Failure,
            Constraint::Lifetime(seconds) => lifetime = Some(seconds),
            Constraint::Confirm if confirm => return Response::Failure,
            Constraint::Confirm => confirm = true,
            Constraint::MaxSignatures(_) => {
                log::error(&messages::debug::unsupported_constraint("maxsign"));
                return Response::Failure;
            }
            Constraint::Extension { name, .. } => {
                log::error(&messages::debug::unsupported_constraint(&name));
                return Response::Failure;
            }
        }
    }
    let comment = key.comment().to_owned();
    log::debug(&messages::debug::added(
        key.key_type().name(),
        &key.public().fingerprint(FingerprintHash::Sha256),
        &comment,
        lifetime.unwrap_or(0),
        confirm,
    ));
    shared
        .store()
        .add(key, comment, lifetime, confirm, Instant::now());
    shared.changed.notify_one();
    Response::Success
}

async fn unlock(shared: &Shared, passphrase: &[u8]) -> Response {
    let mut failures = shared.unlock_gate.lock().await;
    let result = shared.store().unlock(passphrase);
    match result {
        Ok(()) => {
            *failures = 0;
            log::debug(messages::debug::UNLOCKED);
            Response::Success
        }
        Err(LockError::Mismatch) => {
            *failures = (*failures + 1).min(MAX_UNLOCK_FAILURES);
            log::debug(&messages::debug::unlock_failed(*failures));
            tokio::time::sleep(UNLOCK_DELAY_STEP * *failures).await;
            Response::Failure
        }
        Err(LockError::Empty) => {
            log::debug(messages::debug::EMPTY_PASSWORD);
            Response::Failure
        }
        Err(LockError::WrongState) => Response::Failure,
    }
}

impl Connection {
    /// `process_ext_session_bind`: records (host key, session id) after checking the host's
    /// signature over the session id. A connection bound for authentication may not be bound
    /// again; one used for forwarding may collect a chain of hops.
    fn bind(
        &mut self,
        host_key: Vec<u8>,
        session_id: Vec<u8>,
        signature: &[u8],
        forwarded: bool,
    ) -> Result<(), &'static str> {
        let key = PublicKey::from_blob(&host_key).map_err(|_| bind::BAD_HOST_KEY)?;
        if session_id.is_empty() || session_id.len() > MAX_SESSION_ID {
            return Err(bind::BAD_SESSION_ID);
        }
        let algorithm = signature_algorithm(signature)
            .filter(|a| a.key_type() == key.key_type())
            .ok_or(bind::WRONG_SIGNATURE_TYPE)?;
        key.verify(algorithm, &session_id, signature)
            .map_err(|_| bind::BAD_SIGNATURE)?;
        for b in &self.bindings {
            if !b.forwarded {
                return Err(bind::ALREADY_BOUND);
            }
            if b.session_id == session_id {
                return if b.host_key == host_key {
                    Ok(())
                } else {
                    Err(bind::OTHER_KEY)
                };
            }
        }
        if self.bindings.len() >= MAX_SESSION_BINDINGS {
            return Err(bind::TOO_MANY);
        }
        log::debug(&messages::debug::session_bound(
            key.key_type().name(),
            &key.fingerprint(FingerprintHash::Sha256),
            self.bindings.len(),
        ));
        self.bindings.push(Binding {
            host_key,
            session_id,
            forwarded,
        });
        Ok(())
    }
}

/// The algorithm named at the front of a signature blob.
fn signature_algorithm(blob: &[u8]) -> Option<SignatureAlgorithm> {
    let len = u32::from_be_bytes(*blob.first_chunk::<4>()?) as usize;
    let name = blob.get(4..4usize.checked_add(len)?)?;
    SignatureAlgorithm::from_name(std::str::from_utf8(name).ok()?)
}

#[cfg(test)]
mod tests;
