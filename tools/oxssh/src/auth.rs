//! User authentication as OpenSSH's client does it (sshconnect2.c): "none" first to learn the
//! methods, then the `PreferredAuthentications` order restricted to what the server offers, each
//! method kept while it has something left to try: every key (agent keys, then identity files,
//! each offered before its private half is loaded), `NumberOfPasswordPrompts` keyboard-interactive
//! rounds and passwords. When nothing is left: "user@host: Permission denied (methods)." and exit.

use std::sync::Arc;

use oxssh_config::client::{ClientOptions, PubkeyAuthentication};
use oxssh_keys::{FingerprintHash, KeyType, PrivateKey, PublicKey, SignatureAlgorithm};
use oxssh_proto::Event;
use zeroize::Zeroizing;

use crate::agent_client::{self, Agent, AgentClientError};
use crate::connect::{Connection, Shared};
use crate::identity::{self, Identity, Source};
use crate::{Exit, log, messages, tty};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    PublicKey,
    KeyboardInteractive,
    Password,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Self::PublicKey => "publickey",
            Self::KeyboardInteractive => "keyboard-interactive",
            Self::Password => "password",
        }
    }

    fn from_name(n: &str) -> Option<Self> {
        match n {
            "publickey" => Some(Self::PublicKey),
            "keyboard-interactive" => Some(Self::KeyboardInteractive),
            "password" => Some(Self::Password),
            _ => None,
        }
    }
}

/// OpenSSH's default `PreferredAuthentications`.
const DEFAULT_PREFERRED: &[&str] = &[
    "gssapi-with-mic",
    "hostbased",
    "publickey",
    "keyboard-interactive",
    "password",
];

/// Prints a server banner as OpenSSH does (as sent, control characters made harmless), unless
/// the log level is below INFO.
pub fn print_banner(message: &str) {
    if !message.is_empty() && log::enabled(oxssh_config::values::LogLevel::Info) {
        log::raw_stderr(&log::sanitize(message));
    }
}

/// `AddKeysToAgent` as the loader needs it; `ask` needs a graphical askpass OpenSSH would start,
/// which oxssh does not have, so it adds nothing.
fn add_to_agent(o: &ClientOptions) -> Option<identity::AddToAgent> {
    use oxssh_config::client::AddKeysToAgent;
    use oxssh_keys::agent::Constraint;
    let mut constraints = Vec::new();
    match o.add_keys_to_agent {
        AddKeysToAgent::No => return None,
        AddKeysToAgent::Ask => {
            log::debug("AddKeysToAgent ask needs an askpass program; not adding keys");
            return None;
        }
        AddKeysToAgent::Confirm => constraints.push(Constraint::Confirm),
        AddKeysToAgent::Yes => {}
    }
    if let Some(l) = o.add_keys_to_agent_lifetime {
        constraints.push(Constraint::Lifetime(
            u32::try_from(l.as_secs()).unwrap_or(u32::MAX),
        ));
    }
    let socket = agent_client::socket_path(o.identity_agent.as_deref())?;
    Some(identity::AddToAgent {
        socket,
        constraints,
    })
}

/// A key waiting for PK_OK.
struct Pending {
    index: usize,
    algorithm: SignatureAlgorithm,
}

struct Auth<'a> {
    o: &'a ClientOptions,
    user: String,
    host: String,
    prompt_host: String,
    preferred: Vec<String>,
    /// The method list of the last failure; a different list starts the preference list over.
    supported: Option<Vec<String>>,
    position: usize,
    current: Option<Method>,
    disabled: Vec<Method>,
    identities: Vec<Identity>,
    agent: Option<Agent>,
    pending: Option<Pending>,
    server_sig_algs: Option<Vec<String>>,
    attempt_password: u32,
    attempt_kbdint: u32,
    info_request_seen: bool,
    uid: u32,
    fingerprint_hash: FingerprintHash,
    last_list: Vec<String>,
    used: Option<Method>,
    add_to_agent: Option<identity::AddToAgent>,
}

/// Runs authentication on `conn` (whose SERVICE_ACCEPT has arrived).
pub async fn authenticate(
    conn: &mut Connection,
    o: &ClientOptions,
    shared: &Shared,
) -> Result<(), Exit> {
    use oxssh_config::Environment;
    let preferred = o
        .preferred_authentications
        .clone()
        .unwrap_or_else(|| DEFAULT_PREFERRED.iter().map(|s| (*s).to_owned()).collect());
    let mut disabled = Vec::new();
    if o.pubkey_authentication == PubkeyAuthentication::No {
        disabled.push(Method::PublicKey);
    }
    if !o.password_authentication || o.batch_mode || !conn.trusted {
        disabled.push(Method::Password);
    }
    if !o.kbd_interactive_authentication || o.batch_mode || !conn.trusted {
        disabled.push(Method::KeyboardInteractive);
    }
    let mut a = Auth {
        o,
        user: o.user.clone(),
        host: o.hostname.clone(),
        prompt_host: o
            .host_key_alias
            .clone()
            .unwrap_or_else(|| o.hostname.clone()),
        preferred,
        supported: None,
        position: 0,
        current: None,
        disabled,
        identities: Vec::new(),
        agent: None,
        pending: None,
        server_sig_algs: None,
        attempt_password: 0,
        attempt_kbdint: 0,
        info_request_seen: false,
        uid: shared.env.local_uid(),
        fingerprint_hash: FingerprintHash::from_name(&o.fingerprint_hash).unwrap_or_default(),
        last_list: Vec::new(),
        used: None,
        add_to_agent: add_to_agent(o),
    };
    if !a.disabled.contains(&Method::PublicKey) {
        a.prepare_keys(shared).await;
    }
    log::debug(&format!(
        "Authenticating to {}:{} as '{}'",
        a.host, o.port, a.user
    ));
    conn.handle.auth_none(&a.user);
    loop {
        let event = conn.next_event().await?;
        match event {
            Event::AuthBanner { message } => print_banner(&message),
            Event::Authenticated => {
                let how = a.used.map_or("none", Method::name);
                match conn.remote.rsplit_once(" port ") {
                    Some((ip, port)) if conn.remote != messages::UNKNOWN_REMOTE => {
                        log::verbose(&format!(
                            "Authenticated to {} ([{ip}]:{port}) using \"{how}\".",
                            a.host
                        ));
                    }
                    _ => log::verbose(&format!(
                        "Authenticated to {} (via proxy) using \"{how}\".",
                        a.host
                    )),
                }
                return Ok(());
            }
            Event::AuthFailure {
                methods,
                partial_success,
            } => {
                if partial_success {
                    log::verbose(&format!(
                        "Authenticated using \"{}\" with partial success.",
                        a.used.map_or("none", Method::name)
                    ));
                    for id in &mut a.identities {
                        id.tried = false;
                    }
                }
                log::debug(&format!(
                    "Authentications that can continue: {}",
                    methods.join(",")
                ));
                a.last_list = methods.clone();
                a.pending = None;
                a.next(conn, Some(methods)).await?;
            }
            Event::AuthPkOk { key, .. } => {
                let sent = a.sign_pending(conn, &key).await;
                if !sent {
                    a.next(conn, None).await?;
                }
            }
            Event::AuthInfoRequest {
                name,
                instruction,
                prompts,
            } => {
                a.info_request_seen = true;
                if !name.is_empty() {
                    log::info(&log::sanitize(&name));
                }
                if !instruction.is_empty() {
                    log::info(&log::sanitize(&instruction));
                }
                let mut responses = Vec::new();
                for p in prompts {
                    let text =
                        messages::kbdint_prompt(&a.user, &a.prompt_host, &log::sanitize(&p.prompt));
                    let echo = p.echo;
                    let answer =
                        tokio::task::spawn_blocking(move || tty::read_passphrase(&text, echo))
                            .await
                            .ok()
                            .flatten()
                            .unwrap_or_default();
                    responses.push(Zeroizing::new(answer.as_bytes().to_vec()));
                }
                conn.handle.auth_info_response(responses);
            }
            Event::AuthPasswordChange { prompt } => {
                if !a.change_password(conn, &prompt).await {
                    a.next(conn, None).await?;
                }
            }
            other => conn.background(other),
        }
    }
}

impl Auth<'_> {
    /// sshconnect2.c `pubkey_prepare`, with the agent's keys.
    async fn prepare_keys(&mut self, shared: &Shared) {
        let mut agent_ids = Vec::new();
        if let Some(path) = agent_client::socket_path(self.o.identity_agent.as_deref()) {
            match agent_client::connect(&path).await {
                Ok(mut agent) => match agent.identities().await {
                    Ok(ids) => {
                        log::debug(&format!(
                            "get_agent_identities: agent returned {} keys",
                            ids.len()
                        ));
                        agent_ids = ids;
                        self.agent = Some(agent);
                    }
                    Err(e) => log::debug(&format!(
                        "get_agent_identities: ssh_fetch_identitylist: {e}"
                    )),
                },
                Err(e) => log::debug(&messages::agent_error(&e.to_string())),
            }
        }
        let defaults: Vec<String> = identity::DEFAULT_FILES
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let all_default = self.o.identity_files == defaults;
        let files: Vec<(String, bool)> = self
            .o
            .identity_files
            .iter()
            .filter_map(|f| {
                let path = self.o.expand("identityfile", f, &shared.env).ok()?;
                let explicit = shared.user_identity_files.contains(&path) || !all_default;
                Some((path, explicit))
            })
            .collect();
        let accepted = self.o.pubkey_accepted_algorithms.clone();
        let allowed = move |k: &PublicKey| {
            k.key_type()
                .signature_algorithms()
                .iter()
                .any(|a| accepted.iter().any(|n| n == a.name()))
        };
        self.identities = identity::prepare(&files, &agent_ids, self.o.identities_only, &allowed);
        for id in &self.identities {
            log::debug(&format!(
                "Will attempt key: {}",
                id.describe(self.fingerprint_hash)
            ));
        }
    }

    fn enabled(&self, m: Method) -> bool {
        !self.disabled.contains(&m)
    }

    /// sshconnect2.c `authmethod_get`.
    fn method(&mut self, list: &[String]) -> Option<Method> {
        if self.supported.as_deref() != Some(list) {
            self.supported = Some(list.to_vec());
            self.position = 0;
            self.current = None;
        } else if let Some(c) = self.current.filter(|c| self.enabled(*c)) {
            return Some(c);
        }
        while self.position < self.preferred.len() {
            let name = self.preferred[self.position].clone();
            self.position += 1;
            if !list.contains(&name) {
                continue;
            }
            if let Some(m) = Method::from_name(&name).filter(|m| self.enabled(*m)) {
                log::debug(&format!("Next authentication method: {name}"));
                self.current = Some(m);
                return Some(m);
            }
        }
        log::debug("No more authentication methods to try.");
        self.current = None;
        None
    }

    /// sshconnect2.c `userauth`: tries methods until one sends a request.
    async fn next(&mut self, conn: &mut Connection, list: Option<Vec<String>>) -> Result<(), Exit> {
        let list = list.unwrap_or_else(|| self.last_list.clone());
        loop {
            let Some(m) = self.method(&list) else {
                log::fatal(&messages::permission_denied(
                    &self.user,
                    &self.host,
                    &list.join(","),
                ));
                conn.handle.disconnect(
                    oxssh_proto::error::reason::BY_APPLICATION,
                    "disconnected by user",
                );
                return Err(Exit(255));
            };
            let sent = match m {
                Method::PublicKey => self.try_publickey(conn).await,
                Method::KeyboardInteractive => self.try_kbdint(conn),
                Method::Password => self.try_password(conn).await,
            };
            if sent {
                self.used = Some(m);
                return Ok(());
            }
            self.disabled.push(m);
        }
    }

    /// sshconnect2.c `key_sig_algorithm`.
    fn algorithm_for(&self, key: &PublicKey) -> Option<SignatureAlgorithm> {
        let accepted = &self.o.pubkey_accepted_algorithms;
        if key.key_type() != KeyType::Rsa {
            let alg = key.key_type().signature_algorithms().first().copied()?;
            return accepted.iter().any(|a| a == alg.name()).then_some(alg);
        }
        match &self.server_sig_algs {
            Some(server) => accepted
                .iter()
                .filter_map(|n| SignatureAlgorithm::from_name(n))
                .filter(|a| a.key_type() == KeyType::Rsa && *a != SignatureAlgorithm::RsaSha1)
                .find(|a| server.iter().any(|s| s == a.name())),
            // Without server-sig-algs only ssh-rsa (SHA-1) would be safe to assume, and oxssh
            // never makes SHA-1 signatures.
            None => None,
        }
    }

    async fn try_publickey(&mut self, conn: &mut Connection) -> bool {
        if self.server_sig_algs.is_none() {
            self.server_sig_algs = conn.handle.info().await.server_sig_algs;
        }
        while let Some(index) = self.identities.iter().position(|id| !id.tried) {
            self.identities[index].tried = true;
            let id = self.identities[index].clone();
            match &id.public {
                Some(key) => {
                    let Some(alg) = self.algorithm_for(key) else {
                        log::debug("send_pubkey_test: no mutual signature algorithm");
                        continue;
                    };
                    log::debug(&format!(
                        "Offering public key: {}",
                        id.describe(self.fingerprint_hash)
                    ));
                    conn.handle
                        .auth_publickey_query(&self.user, alg.name(), key.blob());
                    self.pending = Some(Pending {
                        index,
                        algorithm: alg,
                    });
                    return true;
                }
                None => {
                    log::debug(&format!("Trying private key: {}", id.name));
                    let Some(private) = self.load(&id).await else {
                        continue;
                    };
                    let Some(alg) = self.algorithm_for(private.public()) else {
                        continue;
                    };
                    if self
                        .sign_and_send(conn, &id, private.public().clone(), alg, Some(private))
                        .await
                    {
                        return true;
                    }
                }
            }
        }
        false
    }

    async fn load(&self, id: &Identity) -> Option<Arc<PrivateKey>> {
        let path = id.name.clone();
        let explicit = id.user_provided;
        let prompts = self.o.number_of_password_prompts;
        let batch = self.o.batch_mode;
        let uid = self.uid;
        // A key the agent already has is not added again.
        let add = self
            .add_to_agent
            .clone()
            .filter(|_| id.source == Source::File);
        tokio::task::spawn_blocking(move || {
            identity::load_private(&path, explicit, prompts, batch, uid, add.as_ref())
        })
        .await
        .ok()
        .flatten()
    }

    /// The server would accept the pending key: sign and send.
    async fn sign_pending(&mut self, conn: &mut Connection, blob: &[u8]) -> bool {
        let Some(p) = self.pending.take() else {
            return false;
        };
        let id = self.identities[p.index].clone();
        let Some(key) = id.public.clone().filter(|k| k.blob() == blob) else {
            log::error("input_userauth_pk_ok: server replied with unknown key");
            return false;
        };
        log::debug(&format!(
            "Server accepts key: {}",
            id.describe(self.fingerprint_hash)
        ));
        let private = match id.source {
            Source::Agent => None,
            Source::File => {
                let Some(k) = self.load(&id).await else {
                    return false;
                };
                if k.public() != &key {
                    log::error(&format!(
                        "sign_and_send_pubkey: private key {} contents do not match public",
                        id.name
                    ));
                    return false;
                }
                Some(k)
            }
        };
        self.sign_and_send(conn, &id, key, p.algorithm, private)
            .await
    }

    async fn sign_and_send(
        &mut self,
        conn: &mut Connection,
        id: &Identity,
        key: PublicKey,
        alg: SignatureAlgorithm,
        private: Option<Arc<PrivateKey>>,
    ) -> bool {
        log::debug3(&format!(
            "sign_and_send_pubkey: signing using {} {}",
            alg.name(),
            key.fingerprint(self.fingerprint_hash)
        ));
        let Some(data) = conn
            .handle
            .publickey_signed_data(&self.user, alg.name(), key.blob())
            .await
        else {
            return false;
        };
        let signature = match private {
            Some(k) => match tokio::task::spawn_blocking(move || k.sign(alg, &data)).await {
                Ok(Ok(sig)) => sig,
                _ => {
                    log::error(&format!(
                        "sign_and_send_pubkey: signing failed for {} \"{}\"",
                        key.key_type().display_name(),
                        id.name
                    ));
                    return false;
                }
            },
            None => {
                let Some(agent) = self.agent.as_mut() else {
                    return false;
                };
                match agent.sign(key.blob(), &data, alg).await {
                    Ok(sig) => sig,
                    Err(e) => {
                        // authfd.c refuses an RSA signature of another algorithm than asked for.
                        let e = match e {
                            AgentClientError::WrongSignatureType => {
                                log::debug(&e.to_string());
                                AgentClientError::Refused
                            }
                            e => e,
                        };
                        log::error(&format!(
                            "sign_and_send_pubkey: signing failed for {} \"{}\" from agent: {e}",
                            key.key_type().display_name(),
                            id.name
                        ));
                        return false;
                    }
                }
            }
        };
        conn.handle
            .auth_publickey_signed(&self.user, alg.name(), key.blob(), signature);
        true
    }

    fn try_kbdint(&mut self, conn: &mut Connection) -> bool {
        if self.attempt_kbdint >= self.o.number_of_password_prompts {
            return false;
        }
        self.attempt_kbdint += 1;
        if self.attempt_kbdint > 1 && !self.info_request_seen {
            log::debug3("userauth_kbdint: disable: no info_req_seen");
            return false;
        }
        // KbdInteractiveDevices is not passed on: OpenSSH's default is empty, letting the server
        // choose, and servers ignore the hint in practice.
        conn.handle.auth_keyboard_interactive(&self.user, "");
        true
    }

    async fn try_password(&mut self, conn: &mut Connection) -> bool {
        if self.attempt_password >= self.o.number_of_password_prompts {
            return false;
        }
        self.attempt_password += 1;
        if self.attempt_password != 1 {
            log::error(messages::PERMISSION_DENIED_TRY_AGAIN);
        }
        let prompt = messages::password_prompt(&self.user, &self.prompt_host);
        let password = tokio::task::spawn_blocking(move || tty::read_passphrase(&prompt, false))
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        conn.handle.auth_password(&self.user, password.as_bytes());
        true
    }

    /// sshconnect2.c `input_userauth_passwd_changereq`.
    async fn change_password(&mut self, conn: &mut Connection, info: &str) -> bool {
        if !info.is_empty() {
            log::info(&log::sanitize(info));
        }
        let ask = |p: String| async move {
            tokio::task::spawn_blocking(move || tty::read_passphrase(&p, false))
                .await
                .ok()
                .flatten()
        };
        let old = ask(messages::old_password_prompt(&self.user, &self.prompt_host))
            .await
            .unwrap_or_default();
        loop {
            let Some(new) = ask(messages::new_password_prompt(&self.user, &self.prompt_host)).await
            else {
                return false;
            };
            let retype = ask(messages::retype_password_prompt(
                &self.user,
                &self.prompt_host,
            ))
            .await
            .unwrap_or_default();
            if *new == *retype {
                conn.handle
                    .auth_change_password(&self.user, old.as_bytes(), new.as_bytes());
                return true;
            }
            log::info(messages::PASSWORD_MISMATCH);
        }
    }
}
