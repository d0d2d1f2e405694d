//! Port forwarding (channels.c, clientloop.c): `-L` listens here and opens `direct-tcpip` channels,
//! `-D` is a SOCKS 4/4a/5 server opening them for whatever the application asks, `-R` asks the
//! server to listen (`tcpip-forward`) and connects here for each `forwarded-tcpip` channel it opens,
//! and `-W` carries stdin and stdout over one channel. Unix-domain socket forwarding is refused
//! with a clear message.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use oxssh_config::forward::Forward;
use oxssh_proto::ChannelId;
use oxssh_proto::msg::connection::{ChannelKind, global, open_failure};
use oxssh_tokio::{Channel, Handle, Stream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::connect::Connection;
use crate::stdio::{self, Output, Writer};
use crate::{Exit, log, messages, proxy, socks};

/// Bytes per read from a forwarded TCP connection.
const TCP_CHUNK: usize = 64 * 1024;

/// A remote forward the server accepted.
#[derive(Debug, Clone)]
struct Remote {
    /// The port the server listens on (as it reported it for port 0).
    listen_port: u32,
    /// The port we asked for (0 for "any").
    asked_port: u16,
    /// Where to connect here; `None` for a remote dynamic (SOCKS) forward.
    target: Option<(String, u16)>,
}

/// The forwardings in effect; listeners stop when this is dropped.
#[derive(Debug, Default)]
pub struct Active {
    remote: Arc<Mutex<Vec<Remote>>>,
    listeners: Vec<JoinHandle<()>>,
}

impl Drop for Active {
    fn drop(&mut self) {
        for l in &self.listeners {
            l.abort();
        }
    }
}

/// What the forwarding settings are.
pub struct Settings<'a> {
    /// `-L`/`LocalForward`.
    pub local: &'a [Forward],
    /// `-R`/`RemoteForward`.
    pub remote: &'a [Forward],
    /// `-D`/`DynamicForward`.
    pub dynamic: &'a [Forward],
    /// `GatewayPorts`: listen on every address instead of loopback.
    pub gateway_ports: bool,
    /// `ExitOnForwardFailure`.
    pub exit_on_failure: bool,
}

/// The addresses a local listener binds: the configured host, or loopback (both families), or
/// every address with GatewayPorts (channels.c `channel_fwd_bind_addr`).
async fn bind_addresses(host: Option<&str>, port: u16, gateway: bool) -> Vec<SocketAddr> {
    let host = match host {
        Some("") | Some("*") => None,
        Some("localhost") => Some("localhost"),
        other => other,
    };
    match host {
        None if gateway => vec![
            SocketAddr::from(([0, 0, 0, 0], port)),
            SocketAddr::from(([0u16; 8], port)),
        ],
        None | Some("localhost") => vec![
            SocketAddr::from(([127, 0, 0, 1], port)),
            SocketAddr::from(([0, 0, 0, 0, 0, 0, 0, 1], port)),
        ],
        Some(h) => tokio::net::lookup_host((h.trim_matches(['[', ']']), port))
            .await
            .map(Iterator::collect)
            .unwrap_or_default(),
    }
}

/// Binds every address for a local or dynamic forward; empty (after OpenSSH's messages) if none
/// could be bound.
async fn listen(f: &Forward, gateway: bool) -> Vec<TcpListener> {
    let mut out = Vec::new();
    let mut last_port = f.listen_port;
    for addr in bind_addresses(f.listen_host.as_deref(), f.listen_port, gateway).await {
        // Port 0 picks one port, then binds the other family to the same one.
        let addr = SocketAddr::new(addr.ip(), last_port);
        match TcpListener::bind(addr).await {
            Ok(l) => {
                if let Ok(a) = l.local_addr() {
                    last_port = a.port();
                }
                log::debug(&format!(
                    "Local connections to {}:{} forwarded to remote address {}:{}",
                    f.listen_host.as_deref().unwrap_or("LOCALHOST"),
                    last_port,
                    f.connect_host.as_deref().unwrap_or("socks"),
                    f.connect_port
                ));
                out.push(l);
            }
            // An address family the machine does not have is not worth a message.
            Err(e) if e.kind() == std::io::ErrorKind::AddrNotAvailable => {}
            Err(e) => log::error(&messages::bind_failed(
                &addr.ip().to_string(),
                addr.port(),
                &oxssh_tokio::connect::error_text(&e),
            )),
        }
    }
    if out.is_empty() {
        log::error(&messages::cannot_listen(f.listen_port));
    }
    out
}

/// Copies between a TCP connection and a channel until both directions have ended.
pub async fn splice(channel: Channel, stream: TcpStream) {
    let (mut tcp_r, mut tcp_w) = stream.into_split();
    let mut ch_r = channel.reader(Stream::Data);
    let mut ch_w = channel.writer(Stream::Data);
    let up = async {
        let mut buf = vec![0u8; TCP_CHUNK];
        while let Ok(n) = tcp_r.read(&mut buf).await {
            if n == 0 || ch_w.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = ch_w.shutdown().await;
    };
    let down = async {
        while let Some(chunk) = ch_r.read_chunk().await {
            if tcp_w.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = tcp_w.shutdown().await;
    };
    tokio::join!(up, down);
    channel.close();
}

/// Opens `direct-tcpip` for a connection that arrived at a local listener.
async fn open_direct(handle: &Handle, host: &str, port: u16, peer: SocketAddr) -> Option<Channel> {
    let kind = ChannelKind::DirectTcpip {
        host: host.to_owned(),
        port: u32::from(port),
        originator: peer.ip().to_string(),
        originator_port: u32::from(peer.port()),
    };
    match handle.open_channel(kind).await {
        Ok(c) => Some(c),
        Err(oxssh_tokio::DriverError::ChannelOpenFailed {
            reason,
            description,
        }) => {
            log::error(&messages::channel_open_failed(0, reason, &description));
            None
        }
        Err(_) => None,
    }
}

/// Accepts on `listener` until aborted: `-L` connects each to `target`, `-D` speaks SOCKS first.
async fn serve(listener: TcpListener, handle: Handle, target: Option<(String, u16)>) {
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let handle = handle.clone();
        let target = target.clone();
        tokio::spawn(async move {
            log::debug(&format!(
                "Connection to port {} forwarding to {} requested.",
                peer.port(),
                target.as_ref().map_or("socks", |t| t.0.as_str())
            ));
            match target {
                Some((host, port)) => {
                    if let Some(c) = open_direct(&handle, &host, port, peer).await {
                        splice(c, stream).await;
                    }
                }
                None => socks::serve(stream, peer, handle).await,
            }
        });
    }
}

fn refuse_paths(f: &Forward) -> Result<(), Exit> {
    if f.listen_path.is_some() || f.connect_path.is_some() {
        log::fatal(&messages::not_supported("Unix-domain socket forwarding"));
        return Err(Exit(255));
    }
    Ok(())
}

impl Active {
    /// Sets up every forwarding (ssh.c `ssh_init_forwarding`). With ExitOnForwardFailure a
    /// failure is fatal; otherwise it is reported and the session goes on.
    pub async fn start(handle: &Handle, s: &Settings<'_>) -> Result<Self, Exit> {
        let mut active = Self::default();
        for (f, dynamic) in s
            .local
            .iter()
            .map(|f| (f, false))
            .chain(s.dynamic.iter().map(|f| (f, true)))
        {
            refuse_paths(f)?;
            if !active.add_local(handle, f, dynamic, s.gateway_ports).await {
                if s.exit_on_failure {
                    log::fatal(messages::could_not_request_local_forwarding());
                    return Err(Exit(255));
                }
                log::info(messages::could_not_request_local_forwarding());
            }
        }
        for f in s.remote {
            refuse_paths(f)?;
            if !active.add_remote(handle, f).await && s.exit_on_failure {
                log::fatal(&messages::remote_forward_failed_fatal(f.listen_port));
                return Err(Exit(255));
            }
        }
        Ok(active)
    }

    /// Starts a `-L` or `-D` listener; false if nothing could be bound.
    pub async fn add_local(
        &mut self,
        handle: &Handle,
        f: &Forward,
        dynamic: bool,
        gateway: bool,
    ) -> bool {
        let listeners = listen(f, gateway).await;
        if listeners.is_empty() {
            return false;
        }
        let target = if dynamic {
            None
        } else {
            Some((f.connect_host.clone().unwrap_or_default(), f.connect_port))
        };
        for l in listeners {
            self.listeners
                .push(tokio::spawn(serve(l, handle.clone(), target.clone())));
        }
        true
    }

    /// Asks the server to listen for a `-R` forward; false (after OpenSSH's warning) if refused.
    pub async fn add_remote(&mut self, handle: &Handle, f: &Forward) -> bool {
        let bind = match f.listen_host.as_deref() {
            None => "",
            Some("*") => "",
            Some(h) => h,
        };
        let mut data = Vec::new();
        put_string(&mut data, bind.as_bytes());
        data.extend_from_slice(&u32::from(f.listen_port).to_be_bytes());
        let Some(reply) = handle.global_request(global::TCPIP_FORWARD, data).await else {
            log::info(&messages::remote_forward_failed(f.listen_port));
            return false;
        };
        let target = f
            .connect_host
            .clone()
            .filter(|_| !f.is_dynamic())
            .map(|h| (h, f.connect_port));
        let mut listen_port = u32::from(f.listen_port);
        if f.listen_port == 0
            && let Some(p) = reply.get(..4).and_then(|b| <[u8; 4]>::try_from(b).ok())
        {
            listen_port = u32::from_be_bytes(p);
            let (h, cp) = target.clone().unwrap_or_else(|| ("socks".into(), 0));
            log::info(&messages::allocated_port(listen_port, &h, cp));
        }
        log::debug(&format!(
            "remote forward success for: listen {}, connect {}:{}",
            listen_port,
            f.connect_host.as_deref().unwrap_or(""),
            f.connect_port
        ));
        self.remote
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Remote {
                listen_port,
                asked_port: f.listen_port,
                target,
            });
        true
    }

    /// A connection arrived on a port the server listens on for us (`forwarded-tcpip`).
    pub fn accept_remote(&self, handle: &Handle, id: ChannelId, kind: ChannelKind) {
        let ChannelKind::ForwardedTcpip { port, .. } = &kind else {
            handle.reject_channel(
                id,
                open_failure::UNKNOWN_CHANNEL_TYPE,
                "unknown channel type",
            );
            return;
        };
        let found = self
            .remote
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|r| r.listen_port == *port || u32::from(r.asked_port) == *port)
            .cloned();
        let Some(remote) = found else {
            log::debug(&format!(
                "WARNING: Server requests forwarding for unknown listen_port {port}"
            ));
            handle.reject_channel(id, open_failure::ADMINISTRATIVELY_PROHIBITED, "open failed");
            return;
        };
        let handle = handle.clone();
        tokio::spawn(async move {
            match remote.target {
                Some((host, port)) => match TcpStream::connect((host.as_str(), port)).await {
                    Ok(stream) => {
                        let _ = stream.set_nodelay(true);
                        if let Ok(c) = handle.accept_channel(id).await {
                            splice(c, stream).await;
                        }
                    }
                    Err(_) => {
                        log::error(&messages::connect_to_failed(&host, port));
                        handle.reject_channel(
                            id,
                            open_failure::CONNECT_FAILED,
                            "Connection refused",
                        );
                    }
                },
                None => {
                    if let Ok(c) = handle.accept_channel(id).await {
                        socks::serve_channel(c).await;
                    }
                }
            }
        });
    }
}

fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(s);
}

/// `~C`: the command line (only when `EnableEscapeCommandline` is on): `-L`, `-R`, `-D` add a
/// forwarding for the rest of the session.
pub async fn command_line(
    handle: &Handle,
    active: &Arc<tokio::sync::Mutex<Active>>,
    gateway: bool,
) {
    crate::tty::leave_raw_mode();
    let line = tokio::task::spawn_blocking(|| {
        crate::tty::read_passphrase(messages::COMMAND_LINE_PROMPT, true)
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_default();
    let s = line.trim_start();
    let s = s.strip_prefix('-').unwrap_or(s);
    if s.starts_with(['h', 'H', '?']) {
        for l in messages::COMMAND_LINE_HELP {
            log::info(l);
        }
    } else if !s.is_empty() {
        let (kind, spec) = s.split_at(1);
        let spec = spec.trim_start();
        let env = crate::config::SysEnvironment::new().ok();
        let parsed = env.as_ref().and_then(|e| match kind {
            "L" => oxssh_config::forward::parse_forward(spec, false, false, e).map(|f| (f, 'L')),
            "D" => oxssh_config::forward::parse_forward(spec, true, false, e).map(|f| (f, 'D')),
            "R" => oxssh_config::forward::parse_forward(spec, false, true, e)
                .or_else(|| oxssh_config::forward::parse_forward(spec, true, true, e))
                .map(|f| (f, 'R')),
            _ => None,
        });
        match (kind, parsed) {
            ("L" | "D" | "R", None) => log::info(messages::BAD_FORWARDING_SPEC),
            (_, None) => log::info(messages::INVALID_COMMAND),
            (_, Some((f, k))) => {
                let mut a = active.lock().await;
                let ok = match k {
                    'R' => a.add_remote(handle, &f).await,
                    _ => a.add_local(handle, &f, k == 'D', gateway).await,
                };
                log::info(if ok {
                    messages::FORWARDING_PORT
                } else {
                    messages::PORT_FORWARDING_FAILED
                });
            }
        }
    }
    crate::tty::enter_raw_mode();
}

/// `-W host:port`: stdin to the channel, the channel to stdout; exit 0 when the channel closes
/// (ssh.c `client_cleanup_stdio_fwd`).
pub async fn stdio(mut conn: Connection, host: &str, port: u16) -> i32 {
    let Ok(channel) = proxy::open_direct(&conn.handle, host, port).await else {
        return 255;
    };
    let out = Writer::start(Output::Stdout);
    let Some(tx) = out.sender() else { return 255 };
    let reader_channel = channel.clone();
    let down = tokio::spawn(async move {
        let mut r = reader_channel.reader(Stream::Data);
        while let Some(chunk) = r.read_chunk().await {
            if tx.send(chunk).await.is_err() {
                break;
            }
        }
    });
    let up_channel = channel.clone();
    stdio::copy_stdin_to(up_channel.writer(Stream::Data));
    loop {
        tokio::select! {
            event = conn.events.recv() => match event {
                Some(oxssh_proto::Event::Disconnected { reason, description }) => {
                    conn.disconnect = Some((reason, description));
                    let _ = conn.ended(true).await;
                    return 255;
                }
                Some(e) => conn.background(e),
                None => {
                    let _ = conn.ended(true).await;
                    return 255;
                }
            },
            () = channel.closed() => break,
        }
    }
    let _ = down.await;
    out.finish().await;
    0
}
