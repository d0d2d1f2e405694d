//! Test support for oxssh (never published).
//!
//! [`Pair`] runs a client and a server core against each other in memory with a fake clock, so every
//! algorithm combination can be exercised in milliseconds, and the bytes on the wire can be inspected or
//! tampered with between the two sides. Loops are bounded: [`Pair::drive`] gives up after a fixed number
//! of steps instead of spinning.
//!
//! Around real programs: [`peers`] starts OpenSSH's and Dropbear's servers, [`process`] runs a
//! program with a deadline, [`bins`] finds the workspace's other executables, [`users`] makes
//! throw-away system accounts, and [`pty`] drives a program in a terminal and keeps its transcript.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

pub mod bins;
pub mod data;
pub mod peers;
pub mod process;
pub mod pty;
pub mod users;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use oxssh_keys::{KeyType, PrivateKey};
use oxssh_proto::{
    AuthMethod, ClientConfig, ClientConnection, Event, InfoPrompt, ServerConfig, ServerConnection,
};

/// Sets the permission bits of `path`.
pub fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// Which way bytes travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    ClientToServer,
    ServerToClient,
}

/// A hook that may inspect or change bytes in flight.
pub type Tamper = Box<dyn FnMut(Direction, &mut BytesMut)>;

/// How the server side of a [`Pair`] answers authentication requests.
#[derive(Debug, Clone)]
pub struct ServerPolicy {
    /// The password that is accepted.
    pub password: Vec<u8>,
    /// Whether publickey queries and signed attempts are accepted.
    pub accept_keys: bool,
    /// Whether keyboard-interactive asks for the password with one "Password: " prompt.
    pub keyboard_interactive: bool,
}

impl Default for ServerPolicy {
    fn default() -> Self {
        Self {
            password: b"secret".to_vec(),
            accept_keys: true,
            keyboard_interactive: true,
        }
    }
}

/// A client and a server connected in memory.
pub struct Pair {
    pub client: ClientConnection,
    pub server: ServerConnection,
    pub now: Instant,
    c2s: BytesMut,
    s2c: BytesMut,
    /// Events the client produced that the pair did not answer itself.
    pub client_events: Vec<Event>,
    /// Events the server produced that the pair did not answer itself.
    pub server_events: Vec<Event>,
    pub tamper: Option<Tamper>,
    pub policy: ServerPolicy,
    /// Whether the pair answers the host-key question (accepting) by itself.
    pub auto_accept_host_key: bool,
    pub client_error: Option<oxssh_proto::Error>,
    pub server_error: Option<oxssh_proto::Error>,
    /// Total bytes moved in each direction.
    pub bytes_c2s: u64,
    pub bytes_s2c: u64,
}

/// An ed25519 host key, generated once per test process.
pub fn ed25519_host_key() -> Arc<PrivateKey> {
    static KEY: OnceLock<Arc<PrivateKey>> = OnceLock::new();
    KEY.get_or_init(|| Arc::new(PrivateKey::generate(KeyType::Ed25519, None).unwrap()))
        .clone()
}

/// One host key of each type we support, generated once per test process.
pub fn all_host_keys() -> Vec<Arc<PrivateKey>> {
    static KEYS: OnceLock<Vec<Arc<PrivateKey>>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys = vec![ed25519_host_key()];
        keys.push(Arc::new(
            PrivateKey::generate(KeyType::Rsa, Some(2048)).unwrap(),
        ));
        for t in [KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::EcdsaP521] {
            keys.push(Arc::new(PrivateKey::generate(t, None).unwrap()));
        }
        keys
    })
    .clone()
}

/// A server configuration with the default algorithms and an ed25519 host key.
pub fn server_config() -> ServerConfig {
    ServerConfig::new(vec![ed25519_host_key()])
}

impl Pair {
    /// Connects a client and a server with the given configurations.
    pub fn new(client: ClientConfig, server: ServerConfig) -> Self {
        let now = Instant::now();
        Self {
            client: ClientConnection::new(client.build().unwrap(), now),
            server: ServerConnection::new(server.build().unwrap(), now),
            now,
            c2s: BytesMut::new(),
            s2c: BytesMut::new(),
            client_events: Vec::new(),
            server_events: Vec::new(),
            tamper: None,
            policy: ServerPolicy::default(),
            auto_accept_host_key: true,
            client_error: None,
            server_error: None,
            bytes_c2s: 0,
            bytes_s2c: 0,
        }
    }

    /// A pair with default configurations.
    pub fn default_pair() -> Self {
        Self::new(ClientConfig::default(), server_config())
    }

    /// Advances the fake clock and lets both sides handle their deadlines.
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        if self.client.poll_timeout().is_some_and(|t| t <= self.now)
            && let Err(e) = self.client.handle_timeout(self.now)
        {
            self.client_error.get_or_insert(e);
        }
        if self.server.poll_timeout().is_some_and(|t| t <= self.now)
            && let Err(e) = self.server.handle_timeout(self.now)
        {
            self.server_error.get_or_insert(e);
        }
    }

    /// Moves bytes both ways once and handles events. Returns whether anything happened.
    pub fn step(&mut self) -> bool {
        let mut progress = false;
        let mut out = BytesMut::new();
        self.client.poll_transmit(&mut out);
        if !out.is_empty() {
            if let Some(t) = self.tamper.as_mut() {
                t(Direction::ClientToServer, &mut out);
            }
            self.bytes_c2s += out.len() as u64;
            self.c2s.extend_from_slice(&out);
            progress = true;
        }
        let mut out = BytesMut::new();
        self.server.poll_transmit(&mut out);
        if !out.is_empty() {
            if let Some(t) = self.tamper.as_mut() {
                t(Direction::ServerToClient, &mut out);
            }
            self.bytes_s2c += out.len() as u64;
            self.s2c.extend_from_slice(&out);
            progress = true;
        }
        if self.server_error.is_none() && !self.c2s.is_empty() {
            let before = self.c2s.len();
            if let Err(e) = self.server.handle_input(&mut self.c2s, self.now) {
                self.server_error = Some(e);
            }
            progress |= self.c2s.len() != before;
        }
        if self.client_error.is_none() && !self.s2c.is_empty() {
            let before = self.s2c.len();
            if let Err(e) = self.client.handle_input(&mut self.s2c, self.now) {
                self.client_error = Some(e);
            }
            progress |= self.s2c.len() != before;
        }
        progress |= self.handle_events();
        progress
    }

    fn handle_events(&mut self) -> bool {
        let mut progress = false;
        while let Some(event) = self.client.poll_event() {
            progress = true;
            match event {
                Event::HostKey { .. } if self.auto_accept_host_key => {
                    if let Err(e) = self.client.accept_host_key() {
                        self.client_error.get_or_insert(e);
                    }
                }
                other => self.client_events.push(other),
            }
        }
        while let Some(event) = self.server.poll_event() {
            progress = true;
            match &event {
                Event::AuthRequest {
                    method: AuthMethod::KeyboardInteractive { .. },
                    ..
                } if self.policy.keyboard_interactive => {
                    let prompt = InfoPrompt {
                        prompt: "Password: ".into(),
                        echo: false,
                    };
                    if let Err(e) = self.server.ask_info("", "", &[prompt]) {
                        self.server_error.get_or_insert(e);
                    }
                    self.server_events.push(event);
                }
                Event::AuthInfoResponse { responses, .. } => {
                    let ok = responses.len() == 1
                        && responses[0].as_slice() == self.policy.password.as_slice();
                    let result = if ok {
                        self.server.accept_auth()
                    } else {
                        self.server.reject_auth()
                    };
                    if let Err(e) = result {
                        self.server_error.get_or_insert(e);
                    }
                    self.server_events.push(event);
                }
                Event::AuthRequest { method, .. } => {
                    let accept = match method {
                        AuthMethod::Password { password, .. } => {
                            password.as_slice() == self.policy.password.as_slice()
                        }
                        AuthMethod::PublicKey { .. } | AuthMethod::PublicKeyQuery { .. } => {
                            self.policy.accept_keys
                        }
                        AuthMethod::None | AuthMethod::KeyboardInteractive { .. } => false,
                    };
                    let result = if accept {
                        self.server.accept_auth()
                    } else {
                        self.server.reject_auth()
                    };
                    if let Err(e) = result {
                        self.server_error.get_or_insert(e);
                    }
                    self.server_events.push(event);
                }
                _ => self.server_events.push(event),
            }
        }
        progress
    }

    /// Steps until nothing moves, at most `limit` times; panics if it never settles.
    pub fn drive_bounded(&mut self, limit: usize) {
        for _ in 0..limit {
            if !self.step() {
                return;
            }
        }
        panic!("pair did not settle within {limit} steps");
    }

    /// Steps until nothing moves (bounded).
    pub fn drive(&mut self) {
        self.drive_bounded(10_000);
    }

    /// Runs key exchange and password authentication for user "user"; panics on failure.
    pub fn connect(&mut self) {
        self.drive();
        assert!(
            self.client_events.contains(&Event::UserauthReady),
            "no userauth: {:?} {:?}",
            self.client_error,
            self.server_error
        );
        self.client
            .auth_password("user", &self.policy.password.clone())
            .unwrap();
        self.drive();
        assert!(
            self.client.is_authenticated(),
            "client not authenticated: {:?}",
            self.client_events
        );
        assert!(self.server.is_authenticated());
    }

    /// Takes the client's unanswered events.
    pub fn take_client_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.client_events)
    }

    /// Takes the server's unanswered events.
    pub fn take_server_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.server_events)
    }
}
