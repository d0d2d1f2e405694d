//! A minimal SSH server built on the core and oxssh-tokio, for real clients to talk to (OpenSSH's
//! `ssh`, PuTTY's `plink`, paramiko, asyncssh). It spawns no processes: `exec` runs a few built-in
//! commands in-process, so a test checks the protocol, not a shell.
//!
//! - Authentication: password [`PASSWORD`] for any user (also through keyboard-interactive), and
//!   any of the authorized public keys.
//! - Channels: sessions only. Built-in commands: `echo ARGS`, `cat` (stdin back to stdout), `exit N`,
//!   `true`, `false`, `rekey-then-cat` (like `cat`, but the server starts a key re-exchange after
//!   every [`REKEY_EVERY`] bytes), `stderr TEXT` (TEXT on stderr); anything else prints
//!   "sh: 1: NAME: not found" on stderr and exits 127. A `shell` request behaves as `cat`.
//! - Every command ends with exit-status, EOF and close, in that order.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use oxssh_keys::{PrivateKey, PublicKey, SignatureAlgorithm};
use oxssh_proto::msg::connection::{ChannelKind, ChannelRequest, open_failure};
use oxssh_proto::names;
use oxssh_proto::{AuthMethod, Event, InfoPrompt, ServerConfig, ServerConnection};
use oxssh_tokio::{Channel, Handle, Stream, spawn};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The password every user has.
pub const PASSWORD: &[u8] = b"secret";

/// `rekey-then-cat` starts a re-key after every this many bytes echoed.
pub const REKEY_EVERY: usize = 1024 * 1024;

/// What the server counted, for assertions.
#[derive(Debug, Default)]
pub struct Stats {
    /// Connections accepted.
    pub connections: AtomicUsize,
    /// Successful authentications.
    pub authenticated: AtomicUsize,
    /// Key re-exchanges completed (not counting the first exchange).
    pub rekeys: AtomicUsize,
    /// Commands run.
    pub commands: AtomicUsize,
    /// Connections that ended with a protocol error detected by our side (the error text).
    pub errors: std::sync::Mutex<Vec<String>>,
}

/// A running test server on 127.0.0.1; stops when dropped.
pub struct TestServer {
    /// The port it listens on.
    pub port: u16,
    /// Its host keys.
    pub host_keys: Vec<Arc<PrivateKey>>,
    /// What it counted.
    pub stats: Arc<Stats>,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A server configuration with one host key of every type and every algorithm we implement, so any
/// client's choice can be tested (`ssh-rsa` is left out: we never make SHA-1 signatures).
pub fn config_with_everything() -> ServerConfig {
    let mut config = ServerConfig::new(oxssh_test::all_host_keys());
    let algorithms = &mut config.common.algorithms;
    algorithms.kex = names::supported_kex_names().map(str::to_owned).collect();
    algorithms.host_key = SignatureAlgorithm::ALL
        .iter()
        .filter(|a| **a != SignatureAlgorithm::RsaSha1)
        .map(|a| a.name().to_owned())
        .collect();
    algorithms.ciphers = names::supported_cipher_names().map(str::to_owned).collect();
    algorithms.macs = names::supported_mac_names().map(str::to_owned).collect();
    config
}

impl TestServer {
    /// Starts a server with `config` that also accepts these public keys. Must run inside a tokio
    /// runtime.
    pub async fn start(config: ServerConfig, authorized: Vec<PublicKey>) -> Self {
        let host_keys = config.host_keys.clone();
        let config = config.build().expect("test server configuration");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let stats = Arc::new(Stats::default());
        let authorized = Arc::new(authorized);
        let task = tokio::spawn({
            let stats = stats.clone();
            async move {
                loop {
                    let Ok((socket, peer)) = listener.accept().await else {
                        return;
                    };
                    let _ = socket.set_nodelay(true);
                    stats.connections.fetch_add(1, Ordering::Relaxed);
                    let conn = ServerConnection::new(config.clone(), Instant::now());
                    tokio::spawn(serve(conn, socket, peer, authorized.clone(), stats.clone()));
                }
            }
        });
        Self {
            port,
            host_keys,
            stats,
            task,
        }
    }

    /// Starts a server with [`config_with_everything`].
    pub async fn start_default(authorized: Vec<PublicKey>) -> Self {
        Self::start(config_with_everything(), authorized).await
    }

    /// The host key of this type, as an OpenSSH public key line.
    pub fn host_key_line(&self, key_type: oxssh_keys::KeyType) -> Option<String> {
        self.host_keys
            .iter()
            .find(|k| k.public().key_type() == key_type)
            .map(|k| k.public().to_openssh_line(""))
    }

    /// Protocol errors seen so far.
    pub fn errors(&self) -> Vec<String> {
        self.stats.errors.lock().unwrap().clone()
    }
}

async fn serve(
    conn: ServerConnection,
    socket: tokio::net::TcpStream,
    _peer: SocketAddr,
    authorized: Arc<Vec<PublicKey>>,
    stats: Arc<Stats>,
) {
    let mut driven = spawn(conn, socket);
    let handle = driven.handle.clone();
    while let Some(event) = driven.events.recv().await {
        match event {
            Event::AuthRequest { method, .. } => {
                let accept = match method {
                    AuthMethod::Password { password, .. } => password.as_slice() == PASSWORD,
                    AuthMethod::PublicKeyQuery { key, .. } | AuthMethod::PublicKey { key, .. } => {
                        authorized.contains(&key)
                    }
                    AuthMethod::KeyboardInteractive { .. } => {
                        let prompt = InfoPrompt {
                            prompt: "Password: ".into(),
                            echo: false,
                        };
                        handle.ask_info("", "", vec![prompt]);
                        continue;
                    }
                    AuthMethod::None => false,
                };
                if accept {
                    handle.accept_auth();
                } else {
                    handle.reject_auth(None, false);
                }
            }
            Event::AuthInfoResponse { responses, .. } => {
                if responses.len() == 1 && responses[0].as_slice() == PASSWORD {
                    handle.accept_auth();
                } else {
                    handle.reject_auth(None, false);
                }
            }
            Event::Authenticated => {
                stats.authenticated.fetch_add(1, Ordering::Relaxed);
            }
            Event::KexCompleted { initial: false } => {
                stats.rekeys.fetch_add(1, Ordering::Relaxed);
            }
            Event::ChannelOpenRequest { channel, kind } => {
                if kind == ChannelKind::Session {
                    if let Ok(channel) = handle.accept_channel(channel).await {
                        tokio::spawn(session(channel, stats.clone()));
                    }
                } else {
                    handle.reject_channel(
                        channel,
                        open_failure::ADMINISTRATIVELY_PROHIBITED,
                        "only sessions",
                    );
                }
            }
            Event::GlobalRequest {
                want_reply: true, ..
            } => handle.global_request_reply(false, Vec::new()),
            _ => {}
        }
    }
    // A client that just closes the socket (paramiko does) is not an error worth reporting; a
    // protocol failure on our side is.
    if let Ok(Err(e @ oxssh_tokio::DriverError::Protocol(_))) = driven.task.await {
        stats.errors.lock().unwrap().push(e.to_string());
    }
}

/// One session: take requests until a command starts, run it, then report and close.
async fn session(channel: Channel, stats: Arc<Stats>) {
    let command = loop {
        let Some((request, want_reply)) = channel.next_request().await else {
            return;
        };
        match request {
            ChannelRequest::Exec { command } => {
                if want_reply {
                    channel.reply(true);
                }
                break String::from_utf8_lossy(&command).into_owned();
            }
            ChannelRequest::Shell => {
                if want_reply {
                    channel.reply(true);
                }
                break "cat".to_owned();
            }
            ChannelRequest::PtyReq { .. } | ChannelRequest::Env { .. } => {
                if want_reply {
                    channel.reply(true);
                }
            }
            _ => {
                if want_reply {
                    channel.reply(false);
                }
            }
        }
    };
    stats.commands.fetch_add(1, Ordering::Relaxed);
    // Requests that arrive while the command runs (eow@openssh.com, keepalives) are answered so the
    // client never waits on them.
    let drain = tokio::spawn({
        let channel = channel.clone();
        async move {
            while let Some((_, want_reply)) = channel.next_request().await {
                if want_reply {
                    channel.reply(false);
                }
            }
        }
    });
    let code = run_builtin(&channel, &command).await;
    channel
        .request(ChannelRequest::ExitStatus { code }, false)
        .await;
    channel.eof();
    channel.close();
    channel.closed().await;
    drain.abort();
}

/// Runs a built-in command and returns its exit status.
async fn run_builtin(channel: &Channel, command: &str) -> u32 {
    let (name, args) = command.split_once(' ').unwrap_or((command, ""));
    let mut out = channel.writer(Stream::Data);
    let mut err = channel.writer(Stream::Extended(1));
    let code = match name {
        "echo" => {
            let _ = out.write_all(format!("{args}\n").as_bytes()).await;
            0
        }
        "true" => 0,
        "false" => 1,
        "exit" => args.trim().parse().unwrap_or(255),
        "stderr" => {
            let _ = err.write_all(format!("{args}\n").as_bytes()).await;
            0
        }
        "cat" => {
            copy(channel, None).await;
            0
        }
        "rekey-then-cat" => {
            copy(channel, Some(channel.connection().clone())).await;
            0
        }
        other => {
            let _ = err
                .write_all(format!("sh: 1: {other}: not found\n").as_bytes())
                .await;
            127
        }
    };
    let _ = out.flush().await;
    let _ = err.flush().await;
    code
}

/// Copies the channel's input to its output; with a handle, re-keys every [`REKEY_EVERY`] bytes.
async fn copy(channel: &Channel, rekey: Option<Handle>) {
    let mut reader = channel.reader(Stream::Data);
    let mut writer = channel.writer(Stream::Data);
    let mut total = 0usize;
    let mut next_rekey = REKEY_EVERY;
    while let Some(chunk) = reader.read_chunk().await {
        if writer.write_all(&chunk).await.is_err() {
            return;
        }
        total += chunk.len();
        if let Some(handle) = &rekey
            && total >= next_rekey
        {
            handle.rekey();
            next_rekey += REKEY_EVERY;
        }
    }
    let _ = writer.flush().await;
}
