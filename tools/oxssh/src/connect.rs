//! From a resolved configuration to an authenticated connection: the transport (TCP, ProxyCommand
//! or ProxyJump), the protocol driver, the host key check and user authentication. ProxyJump hops
//! are connections made the same way, each with its own configuration, as `ssh -W` would make
//! them.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oxssh_config::client::ClientOptions;
use oxssh_config::{Algorithms, Environment};
use oxssh_keys::{FingerprintHash, KeyType, PublicKey};
use oxssh_proto::names::{COMPRESSION_NONE, COMPRESSION_ZLIB_OPENSSH};
use oxssh_proto::{AlgorithmPreferences, ClientConfig, ClientConnection, Event};
use oxssh_tokio::{DriverError, Handle, connect as tcp};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinHandle;

use crate::config::{self, SysEnvironment};
use crate::host_key_check::{self, Verdict};
use crate::proxy::{self, Transport};
use crate::{Exit, auth, log, messages};

/// What every connection of one run shares.
pub struct Shared {
    /// The program name as invoked, for OpenSSH's `ssh: ` prefixes.
    pub prog: String,
    /// The machine.
    pub env: SysEnvironment,
    /// The algorithms the core implements.
    pub algorithms: Algorithms,
    /// `-F`, passed on to jump hosts as `ssh -F` would be.
    pub config_file: Option<String>,
    /// `-i` files, which count as "explicit".
    pub user_identity_files: Vec<String>,
}

/// An authenticated connection.
pub struct Connection {
    /// Commands to the driver.
    pub handle: Handle,
    /// Connection-level events.
    pub events: UnboundedReceiver<Event>,
    /// The driver task.
    pub task: Option<JoinHandle<Result<(), DriverError>>>,
    /// OpenSSH's `remote_id`: "ADDRESS port PORT", or "UNKNOWN port 65535" when proxied.
    pub remote: String,
    /// The host name for "Connection to H closed.".
    pub host: String,
    /// The server's host key (re-keying must present the same one).
    pub host_key: Option<PublicKey>,
    /// False when a changed key was accepted with `StrictHostKeyChecking no`.
    pub trusted: bool,
    /// The peer sent DISCONNECT.
    pub disconnect: Option<(u32, String)>,
}

impl Connection {
    /// The next connection-level event; when the connection has ended, prints why in OpenSSH's
    /// words and returns the exit.
    pub async fn next_event(&mut self) -> Result<Event, Exit> {
        match self.events.recv().await {
            Some(Event::Disconnected {
                reason,
                description,
            }) => {
                self.disconnect = Some((reason, description));
                Err(self.ended(true).await)
            }
            Some(e) => Ok(e),
            None => Err(self.ended(true).await),
        }
    }

    /// The connection is over: waits for the driver and prints OpenSSH's line for why.
    pub async fn ended(&mut self, after_banner: bool) -> Exit {
        let result = match self.task.take() {
            Some(t) => tokio::time::timeout(Duration::from_secs(5), t)
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or(Ok(())),
            None => Ok(()),
        };
        if let Some((reason, description)) = &self.disconnect {
            log::error(&messages::received_disconnect(
                &self.remote,
                *reason,
                &log::sanitize(description),
            ));
            log::error(&messages::disconnected_from(&self.remote));
            return Exit(255);
        }
        report_driver_end(&self.remote, result, after_banner);
        Exit(255)
    }

    /// Answers events nobody else handles: a re-key presents the host key again (it must be the
    /// same one), global requests are refused, unknown channel opens are refused.
    pub fn background(&self, event: Event) {
        match event {
            Event::HostKey { key } => {
                if self.host_key.as_ref() == Some(&key) {
                    self.handle.accept_host_key();
                } else {
                    log::error(messages::HOST_KEY_VERIFICATION_FAILED);
                    self.handle.reject_host_key();
                }
            }
            Event::GlobalRequest {
                name, want_reply, ..
            } => {
                log::debug(&format!(
                    "client_input_global_request: rtype {name} want_reply {}",
                    u8::from(want_reply)
                ));
                if want_reply {
                    self.handle.global_request_reply(false, Vec::new());
                }
            }
            Event::ChannelOpenRequest { channel, kind } => {
                log::debug(&format!("client_input_channel_open: ctype {}", kind.name()));
                self.handle.reject_channel(
                    channel,
                    oxssh_proto::msg::connection::open_failure::ADMINISTRATIVELY_PROHIBITED,
                    "open failed",
                );
            }
            Event::Debug { message } => log::debug(&format!("Remote: {}", log::sanitize(&message))),
            Event::KexCompleted { .. } => log::debug("rekey done"),
            _ => {}
        }
    }
}

/// packet.c `sshpkt_fatal`: why the driver stopped, in OpenSSH's words.
fn report_driver_end(remote: &str, result: Result<(), DriverError>, after_banner: bool) {
    use oxssh_proto::error::{CryptoError, PeerIncompatible};
    match result {
        Ok(()) => log::error(&messages::connection_closed_by(remote)),
        Err(DriverError::PeerClosed) if !after_banner => log::error(messages::BANNER_CLOSED),
        Err(DriverError::PeerClosed) => log::error(&messages::connection_closed_by(remote)),
        Err(DriverError::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
            log::error(&messages::connection_reset_by(remote));
        }
        Err(DriverError::Io(e)) => log::error(&messages::connection_to_failed(
            remote,
            &tcp::error_text(&e),
        )),
        Err(DriverError::Protocol(oxssh_proto::Error::PeerIncompatible(
            PeerIncompatible::NoCommonAlgorithm(what),
        ))) => log::error(&messages::unable_to_negotiate(
            remote,
            &format!("no matching {what} found"),
        )),
        Err(e @ DriverError::Negotiation { .. }) => {
            log::error(&messages::unable_to_negotiate(remote, &e.to_string()));
        }
        Err(DriverError::Protocol(oxssh_proto::Error::Crypto(CryptoError::BadHostKey))) => {}
        Err(DriverError::Protocol(oxssh_proto::Error::Crypto(CryptoError::MacMismatch))) => {
            log::error("Corrupted MAC on input.");
            log::error(&messages::connection_to_failed(
                remote,
                "message authentication code incorrect",
            ));
        }
        Err(e) => log::error(&messages::connection_to_failed(remote, &e.to_string())),
    }
}

/// ssh.c's and sshd's identification debug lines, once the server's line has arrived.
async fn log_versions(handle: &Handle) {
    log::debug(&format!(
        "Local version string {}",
        ClientConfig::default().common.identification()
    ));
    if let Some(id) = handle.info().await.peer_identification {
        let rest = id.strip_prefix("SSH-").unwrap_or(&id);
        let (protocol, software) = rest.split_once('-').unwrap_or((rest, ""));
        log::debug(&format!(
            "Remote protocol version {protocol}, remote software version {software}"
        ));
    }
}

/// kex.c `kex_choose_conf`'s debug lines: what was negotiated.
async fn log_algorithms(handle: &Handle) {
    let Some(a) = handle.info().await.algorithms else {
        return;
    };
    log::debug(&format!("kex: algorithm: {}", a.kex_name));
    log::debug(&format!("kex: host key algorithm: {}", a.host_key.name()));
    for (dir, cipher, mac, zlib) in [
        ("server->client", a.cipher_s2c, a.mac_s2c, a.compress_s2c),
        ("client->server", a.cipher_c2s, a.mac_c2s, a.compress_c2s),
    ] {
        let mac = mac.map_or("<implicit>", |m| m.name());
        let compression = if zlib {
            COMPRESSION_ZLIB_OPENSSH
        } else {
            COMPRESSION_NONE
        };
        log::debug(&format!(
            "kex: {dir} cipher: {} MAC: {mac} compression: {compression}",
            cipher.name()
        ));
    }
}

/// Whether `list` keeps the relative order of `default` (OpenSSH reorders host key algorithms by
/// known_hosts only when the user did not choose an order: no HostKeyAlgorithms, or a `+`/`-`
/// modification of the default).
fn keeps_default_order(list: &[String], default: &[String]) -> bool {
    let positions: Vec<usize> = list
        .iter()
        .filter_map(|n| default.iter().position(|d| d == n))
        .collect();
    positions.windows(2).all(|w| w[0] < w[1])
}

/// sshconnect.c `order_hostkeyalgs`: algorithms whose key type is already known for the host first.
fn order_host_key_algorithms(list: &[String], known: &[KeyType]) -> Vec<String> {
    let known_alg = |n: &String| {
        oxssh_keys::SignatureAlgorithm::from_name(n).is_some_and(|a| known.contains(&a.key_type()))
    };
    let mut out: Vec<String> = list.iter().filter(|n| known_alg(n)).cloned().collect();
    out.extend(list.iter().filter(|n| !known_alg(n)).cloned());
    out
}

/// The core's configuration from ssh_config.
fn proto_config(
    o: &ClientOptions,
    known: &[KeyType],
    default_host_keys: &[String],
) -> Result<Arc<ClientConfig>, Exit> {
    let mut c = ClientConfig::default();
    let host_key = if keeps_default_order(&o.host_key_algorithms, default_host_keys) {
        order_host_key_algorithms(&o.host_key_algorithms, known)
    } else {
        o.host_key_algorithms.clone()
    };
    c.common.algorithms = AlgorithmPreferences {
        kex: o.kex_algorithms.clone(),
        host_key,
        ciphers: o.ciphers.clone(),
        macs: o.macs.clone(),
        // OpenSSH's compression_alg_list: -C puts zlib first; without it, none first.
        compression: if o.compression {
            vec![
                COMPRESSION_ZLIB_OPENSSH.to_owned(),
                COMPRESSION_NONE.to_owned(),
            ]
        } else {
            vec![
                COMPRESSION_NONE.to_owned(),
                COMPRESSION_ZLIB_OPENSSH.to_owned(),
            ]
        },
    };
    c.common.rekey_bytes = o.rekey_limit.bytes;
    c.common.rekey_time = o.rekey_limit.interval;
    c.build().map_err(|e| {
        log::fatal(&format!("ssh_kex2: {e}"));
        Exit(255)
    })
}

/// The host key check's view of the options.
pub fn host_key_context(
    o: &ClientOptions,
    address: Option<IpAddr>,
    env: &SysEnvironment,
) -> host_key_check::Context {
    host_key_check::Context {
        hostname: o.hostname.clone(),
        port: o.port,
        alias: o.host_key_alias.clone(),
        address,
        user_files: o.user_known_hosts_files.clone(),
        system_files: o.global_known_hosts_files.clone(),
        strict: o.strict_host_key_checking,
        hash: o.hash_known_hosts,
        check_host_ip: o.check_host_ip,
        batch_mode: o.batch_mode,
        fingerprint_hash: FingerprintHash::from_name(&o.fingerprint_hash).unwrap_or_default(),
        visual_host_key: o.visual_host_key,
        home: env.home_dir().to_path_buf(),
    }
}

/// The configuration of a jump host, resolved as `ssh [-l user] [-p port] [-J rest] [-F file]
/// -W host:port hop` would resolve it.
fn hop_options(
    shared: &Shared,
    hops: &[oxssh_config::forward::JumpHost],
) -> Result<ClientOptions, Exit> {
    let Some((last, rest)) = hops.split_last() else {
        return Err(Exit(255));
    };
    let mut lines = Vec::new();
    if !rest.is_empty() {
        let chain: Vec<String> = rest
            .iter()
            .map(|h| {
                let mut s = String::new();
                if let Some(u) = &h.user {
                    s.push_str(u);
                    s.push('@');
                }
                if h.host.contains(':') {
                    s.push_str(&format!("[{}]", h.host));
                } else {
                    s.push_str(&h.host);
                }
                if let Some(p) = h.port {
                    s.push_str(&format!(":{p}"));
                }
                s
            })
            .collect();
        lines.push(format!("ProxyJump={}", chain.join(",")));
        lines.push("ProxyCommand=none".to_owned());
    }
    if let Some(u) = &last.user {
        lines.push(format!("User={u}"));
    }
    if let Some(p) = last.port {
        lines.push(format!("Port={p}"));
    }
    let mut env = shared.env.clone();
    let req = config::Request {
        host: &last.host,
        options: &lines,
        forwards: &[],
        config_file: shared.config_file.as_deref(),
        stdio_forward: true,
    };
    let resolved = config::resolve(&req, &mut env, &shared.algorithms)?;
    Ok(resolved.options().clone())
}

/// Opens the transport to the destination of `o`: (stream, remote_id, address).
async fn transport(
    o: &ClientOptions,
    shared: &Shared,
    hops_alive: &mut Vec<Connection>,
) -> Result<(Transport, String, Option<IpAddr>), Exit> {
    if let Some(hops) = o.proxy_jump.as_ref().filter(|h| !h.is_empty()) {
        if o.proxy_command.is_some() {
            log::fatal(messages::PROXY_COMMAND_AND_JUMP);
            return Err(Exit(255));
        }
        let hop = hop_options(shared, hops)?;
        log::debug(&format!(
            "Setting implicit ProxyCommand from ProxyJump: {}",
            hops.last().map(|h| h.host.as_str()).unwrap_or("")
        ));
        // OpenSSH runs the hop as `ssh -W`; when that fails, the outer ssh sees its proxy close
        // before any banner and says so too. The same two lines keep the words identical.
        let proxy_closed = |e: Exit| {
            log::error(messages::BANNER_CLOSED);
            log::error(&messages::connection_closed_by(messages::UNKNOWN_REMOTE));
            e
        };
        let conn = Box::pin(establish(&hop, shared, hops_alive))
            .await
            .map_err(proxy_closed)?;
        let channel = proxy::open_direct(&conn.handle, &o.hostname, o.port)
            .await
            .map_err(|()| proxy_closed(Exit(255)))?;
        let stream: Transport = Box::new(proxy::channel_stream(&channel));
        hops_alive.push(conn);
        return Ok((stream, messages::UNKNOWN_REMOTE.to_owned(), None));
    }
    if let Some(cmd) = &o.proxy_command {
        if cmd == "-" {
            return Ok((
                proxy::stdio_transport(),
                messages::UNKNOWN_REMOTE.to_owned(),
                None,
            ));
        }
        let expanded = o.expand("proxycommand", cmd, &shared.env).map_err(|e| {
            log::fatal(&e.to_string());
            Exit(255)
        })?;
        let stream = proxy::spawn_command(&expanded).map_err(|e| {
            log::fatal(&e);
            Exit(255)
        })?;
        return Ok((Box::new(stream), messages::UNKNOWN_REMOTE.to_owned(), None));
    }
    let family = match o.address_family {
        oxssh_config::types::AddressFamily::Any => tcp::AddressFamily::Any,
        oxssh_config::types::AddressFamily::Inet => tcp::AddressFamily::Inet,
        oxssh_config::types::AddressFamily::Inet6 => tcp::AddressFamily::Inet6,
    };
    log::debug(&format!("Connecting to {} port {}.", o.hostname, o.port));
    let stream = tcp::connect(
        &o.hostname,
        o.port,
        family,
        o.connect_timeout,
        o.connection_attempts,
    )
    .await
    .map_err(|e| {
        match &e {
            tcp::ConnectError::Resolve { host, reason } => {
                log::error(&messages::could_not_resolve(&shared.prog, host, reason));
            }
            tcp::ConnectError::Connect { host, port, reason } => {
                log::error(&messages::connect_failed(&shared.prog, host, *port, reason));
            }
        }
        Exit(255)
    })?;
    let peer = stream.peer_addr().ok();
    log::debug("Connection established.");
    let address = peer.map(|p| p.ip());
    let remote = match peer {
        Some(p) => format!("{} port {}", p.ip(), p.port()),
        None => messages::UNKNOWN_REMOTE.to_owned(),
    };
    Ok((Box::new(stream), remote, address))
}

/// Connects, checks the host key and authenticates, as configured by `o`. Jump host connections
/// are pushed onto `hops_alive` (they must outlive the connection through them).
pub async fn establish(
    o: &ClientOptions,
    shared: &Shared,
    hops_alive: &mut Vec<Connection>,
) -> Result<Connection, Exit> {
    let (io, remote, address) = transport(o, shared, hops_alive).await?;
    let hk = host_key_context(o, address, &shared.env);
    let known = {
        let hk = hk.clone();
        tokio::task::spawn_blocking(move || host_key_check::known_key_types(&hk))
            .await
            .unwrap_or_default()
    };
    let defaults: Vec<String> = oxssh_proto::names::defaults::CLIENT_HOST_KEY
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let config = proto_config(o, &known, &defaults)?;
    let driven = oxssh_tokio::spawn(ClientConnection::new(config, Instant::now()), io);
    let mut conn = Connection {
        handle: driven.handle,
        events: driven.events,
        task: Some(driven.task),
        remote,
        host: o.hostname.clone(),
        host_key: None,
        trusted: true,
        disconnect: None,
    };
    // Key exchange: the one question is the host key.
    let mut saw_banner = false;
    loop {
        // ConnectTimeout also bounds the wait for the server's first words (ssh.c passes it to
        // kex_exchange_identification); after that the server may take its time.
        let next = conn.events.recv();
        let received = match (o.connect_timeout, saw_banner) {
            (Some(limit), false) => match tokio::time::timeout(limit, next).await {
                Ok(r) => r,
                Err(_) => {
                    log::error(messages::BANNER_TIMEOUT);
                    log::error(&messages::connection_timed_out(&conn.remote));
                    return Err(Exit(255));
                }
            },
            _ => next.await,
        };
        let event = match received {
            Some(Event::Disconnected {
                reason,
                description,
            }) => {
                conn.disconnect = Some((reason, description));
                return Err(conn.ended(saw_banner).await);
            }
            Some(e) => e,
            None => return Err(conn.ended(saw_banner).await),
        };
        if !saw_banner {
            log_versions(&conn.handle).await;
        }
        saw_banner = true;
        match event {
            Event::HostKey { key } => {
                let ctx = hk.clone();
                let k = key.clone();
                let verdict = tokio::task::spawn_blocking(move || host_key_check::check(&ctx, &k))
                    .await
                    .unwrap_or(Verdict::Refused);
                match verdict {
                    Verdict::Refused => {
                        log::error(messages::HOST_KEY_VERIFICATION_FAILED);
                        conn.handle.reject_host_key();
                        if let Some(t) = conn.task.take() {
                            let _ = tokio::time::timeout(Duration::from_secs(1), t).await;
                        }
                        return Err(Exit(255));
                    }
                    Verdict::Untrusted => conn.trusted = false,
                    Verdict::Trusted => {}
                }
                conn.host_key = Some(key);
                conn.handle.accept_host_key();
            }
            Event::KexCompleted { .. } => {
                if log::enabled(oxssh_config::values::LogLevel::Debug1) {
                    log_algorithms(&conn.handle).await;
                }
                log::debug("SSH2_MSG_NEWKEYS received");
            }
            Event::UserauthReady => break,
            Event::AuthBanner { message } => auth::print_banner(&message),
            other => conn.background(other),
        }
    }
    if !conn.trusted {
        if o.password_authentication {
            log::error(messages::PASSWORD_DISABLED_MITM);
        }
        if o.kbd_interactive_authentication {
            log::error(messages::KBDINT_DISABLED_MITM);
        }
    }
    auth::authenticate(&mut conn, o, shared).await?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn known_key_types_come_first_unless_the_user_chose_an_order() {
        let default = s(&[
            "ssh-ed25519",
            "ecdsa-sha2-nistp256",
            "rsa-sha2-512",
            "rsa-sha2-256",
        ]);
        assert!(keeps_default_order(&default, &default));
        assert!(keeps_default_order(
            &s(&["ssh-ed25519", "rsa-sha2-256"]),
            &default
        ));
        assert!(!keeps_default_order(
            &s(&["rsa-sha2-256", "ssh-ed25519"]),
            &default
        ));
        assert_eq!(
            order_host_key_algorithms(&default, &[KeyType::Rsa]),
            s(&[
                "rsa-sha2-512",
                "rsa-sha2-256",
                "ssh-ed25519",
                "ecdsa-sha2-nistp256"
            ])
        );
    }
}
