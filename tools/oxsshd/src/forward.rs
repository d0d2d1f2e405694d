//! TCP port forwarding (RFC 4254 §7): `direct-tcpip` channels (the client's `-L` and `-D`) and
//! `tcpip-forward` global requests with `forwarded-tcpip` channels back (the client's `-R`).
//!
//! Both are governed by `AllowTcpForwarding` (yes, local, remote, no), `DisableForwarding`,
//! `PermitOpen`, `PermitListen` and `GatewayPorts`, and by the key options `no-port-forwarding`
//! (and `restrict`), `permitopen=` and `permitlisten=` of the key that logged in. The seed's advice
//! holds: forwarding can be switched off in sshd_config; it is on by default, as in OpenSSH.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use oxssh_config::server::{AllowForwarding, GatewayPorts, ServerOptions};
use oxssh_keys::authorized_keys::KeyOptions;
use oxssh_proto::ChannelId;
use oxssh_proto::msg::connection::{ChannelKind, open_failure};
use oxssh_tokio::{Channel, Handle, Stream};
use oxssh_wire::{Reader, Writer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::log;
use crate::privileged::Access;

/// How long a `direct-tcpip` connect may take (OpenSSH uses the system's; we bound it).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes moved per read between a socket and a channel.
const CHUNK: usize = 64 * 1024;

/// Remote forwards one connection may hold: far more than anyone uses, and a bound on the
/// listeners a client can make us open.
const MAX_REMOTE_FORWARDS: usize = 256;

/// The forwardings of one authenticated connection.
pub struct Forwards {
    handle: Handle,
    options: Arc<ServerOptions>,
    key: KeyOptions,
    access: Arc<Access>,
    listeners: HashMap<(String, u32), Vec<JoinHandle<()>>>,
}

/// Whether `host:port` matches a `PermitOpen`/`permitopen=` entry (`*` matches any host or port).
fn open_permitted(entries: &[String], host: &str, port: u32) -> bool {
    entries.iter().any(|e| {
        let Some((h, p)) = e.rsplit_once(':') else {
            return false;
        };
        let h = h.trim_start_matches('[').trim_end_matches(']');
        (h == "*" || h.eq_ignore_ascii_case(host)) && (p == "*" || p.parse() == Ok(port))
    })
}

/// Whether a listen request matches a `PermitListen`/`permitlisten=` entry (`[host:]port`).
fn listen_permitted(entries: &[String], host: &str, port: u32) -> bool {
    entries.iter().any(|e| {
        let (h, p) = match e.rsplit_once(':') {
            Some((h, p)) => (h, p),
            None => ("*", e.as_str()),
        };
        let h = h.trim_start_matches('[').trim_end_matches(']');
        let host_ok =
            h == "*" || h.eq_ignore_ascii_case(host) || (host.is_empty() && h == "localhost");
        host_ok && (p == "*" || p.parse() == Ok(port))
    })
}

impl Forwards {
    /// The forwarding state of a connection that just authenticated.
    pub fn new(
        handle: Handle,
        options: Arc<ServerOptions>,
        key: KeyOptions,
        access: Arc<Access>,
    ) -> Self {
        Self {
            handle,
            options,
            key,
            access,
            listeners: HashMap::new(),
        }
    }

    fn allowed(&self, local: bool) -> bool {
        let o = &self.options;
        let mode_ok = match o.allow_tcp_forwarding {
            AllowForwarding::Yes => true,
            AllowForwarding::Local => local,
            AllowForwarding::Remote => !local,
            AllowForwarding::No => false,
        };
        mode_ok && !o.disable_forwarding && self.key.port_forwarding
    }

    fn open_ok(&self, host: &str, port: u32) -> bool {
        let o = &self.options.permit_open;
        let config_ok = o.is_empty() || (o != &["none"] && open_permitted(o, host, port));
        let key = &self.key.permit_open;
        config_ok && (key.is_empty() || open_permitted(key, host, port))
    }

    fn listen_ok(&self, host: &str, port: u32) -> bool {
        let o = &self.options.permit_listen;
        let config_ok = o.is_empty() || (o != &["none"] && listen_permitted(o, host, port));
        let key = &self.key.permit_listen;
        let key_ok = key.is_empty() || listen_permitted(key, host, port);
        // Only root may listen on privileged ports (OpenSSH's bind_permitted).
        let is_root = self.access.account().is_some_and(|a| a.user.uid.is_root());
        let port_ok = port == 0 || port >= 1024 || is_root;
        config_ok && key_ok && port_ok
    }

    /// A `direct-tcpip` channel open: connect and bridge, or refuse.
    pub fn direct_tcpip(
        &self,
        channel: ChannelId,
        host: String,
        port: u32,
        originator: String,
        originator_port: u32,
    ) {
        if !self.allowed(true) || !self.open_ok(&host, port) {
            log::forwarding_refused("connect to", &format!("{host} port {port}"));
            self.handle.reject_channel(
                channel,
                open_failure::ADMINISTRATIVELY_PROHIBITED,
                "open failed",
            );
            return;
        }
        log::debug(format_args!(
            "direct-tcpip: {host} port {port}, originator {originator} port {originator_port}"
        ));
        let handle = self.handle.clone();
        tokio::spawn(async move {
            let Ok(p) = u16::try_from(port) else {
                handle.reject_channel(channel, open_failure::CONNECT_FAILED, "bad port");
                return;
            };
            let connected =
                tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host.as_str(), p))).await;
            let stream = match connected {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    let reason = oxssh_tokio::connect::error_text(&e);
                    log::connect_failed(&host, port, &reason);
                    handle.reject_channel(channel, open_failure::CONNECT_FAILED, &reason);
                    return;
                }
                Err(_) => {
                    log::connect_failed(&host, port, "Connection timed out");
                    handle.reject_channel(
                        channel,
                        open_failure::CONNECT_FAILED,
                        "Connection timed out",
                    );
                    return;
                }
            };
            let _ = stream.set_nodelay(true);
            if let Ok(ch) = handle.accept_channel(channel).await {
                bridge(stream, ch).await;
            }
        });
    }

    /// A global request: the reply data on success, `None` to refuse.
    pub async fn global_request(&mut self, name: &str, data: &[u8]) -> Option<Vec<u8>> {
        match name {
            "tcpip-forward" => {
                let mut r = Reader::new(data);
                let host = r.read_utf8("bind address").ok()?.to_owned();
                let port = r.read_u32("bind port").ok()?;
                self.listen(host, port).await
            }
            "cancel-tcpip-forward" => {
                let mut r = Reader::new(data);
                let host = r.read_utf8("bind address").ok()?.to_owned();
                let port = r.read_u32("bind port").ok()?;
                let tasks = self.listeners.remove(&(host, port))?;
                for t in tasks {
                    t.abort();
                }
                Some(Vec::new())
            }
            _ => None,
        }
    }

    /// The addresses a remote forward binds, by GatewayPorts.
    fn bind_addresses(&self, host: &str) -> Vec<IpAddr> {
        let loopback = vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ];
        let wildcard = vec![
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        ];
        match self.options.gateway_ports {
            GatewayPorts::No => loopback,
            GatewayPorts::Yes => wildcard,
            GatewayPorts::ClientSpecified => match host {
                "" | "*" | "0.0.0.0" => wildcard,
                "localhost" => loopback,
                other => other.parse().map(|a| vec![a]).unwrap_or(loopback),
            },
        }
    }

    async fn listen(&mut self, host: String, port: u32) -> Option<Vec<u8>> {
        if self.listeners.len() >= MAX_REMOTE_FORWARDS
            || !self.allowed(false)
            || !self.listen_ok(&host, port)
        {
            log::forwarding_refused("listen on", &format!("{host} port {port}"));
            return None;
        }
        let wanted = u16::try_from(port).ok()?;
        let mut bound_port = wanted;
        let mut tasks = Vec::new();
        for addr in self.bind_addresses(&host) {
            let listener = match bind(SocketAddr::new(addr, bound_port)) {
                Ok(l) => l,
                Err(e) => {
                    log::forward_bind_failed(
                        &addr.to_string(),
                        u32::from(bound_port),
                        &oxssh_tokio::connect::error_text(&e),
                    );
                    continue;
                }
            };
            if bound_port == 0 {
                bound_port = listener.local_addr().ok()?.port();
            }
            tasks.push(tokio::spawn(accept_loop(
                listener,
                self.handle.clone(),
                host.clone(),
                u32::from(bound_port),
            )));
        }
        if tasks.is_empty() {
            return None;
        }
        self.listeners.insert((host, u32::from(bound_port)), tasks);
        // RFC 4254 §7.1: the allocated port is returned only when port 0 was asked for.
        let mut reply = Vec::new();
        if wanted == 0 {
            Writer::write_u32(&mut reply, u32::from(bound_port));
        }
        Some(reply)
    }

    /// Stops every listener (the connection ended).
    pub fn shutdown(self) {
        for t in self.listeners.into_values().flatten() {
            t.abort();
        }
    }
}

/// Binds a listener; IPv6 sockets are IPv6-only so that the IPv4 wildcard can share the port.
fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => {
            let s = tokio::net::TcpSocket::new_v6()?;
            rustix::net::sockopt::set_ipv6_v6only(&s, true)?;
            s
        }
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(128)
}

async fn accept_loop(listener: TcpListener, handle: Handle, address: String, port: u32) {
    loop {
        let Ok((stream, from)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let task_handle = handle.clone();
        let address = address.clone();
        tokio::spawn(async move {
            let kind = ChannelKind::ForwardedTcpip {
                address,
                port,
                originator: from.ip().to_string(),
                originator_port: u32::from(from.port()),
            };
            if let Ok(ch) = task_handle.open_channel(kind).await {
                bridge(stream, ch).await;
            }
        });
        if !handle.is_alive() {
            return;
        }
    }
}

/// Copies both ways between a socket (TCP or Unix) and a channel; each direction's end becomes the
/// other's EOF, and the channel closes when both are done.
pub async fn bridge<S>(stream: S, channel: Channel)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite,
{
    let (mut rd, mut wr) = tokio::io::split(stream);
    let mut to_channel = channel.writer(Stream::Data);
    let mut from_channel = channel.reader(Stream::Data);
    let up = async {
        let mut buf = vec![0u8; CHUNK];
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to_channel.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to_channel.shutdown().await;
    };
    let down = async {
        while let Some(chunk) = from_channel.read_chunk().await {
            if wr.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = wr.shutdown().await;
    };
    tokio::join!(up, down);
    channel.close();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permit_open_entries_match_host_and_port_with_wildcards() {
        let e = vec!["localhost:80".to_owned(), "*:8080".to_owned()];
        assert!(open_permitted(&e, "localhost", 80));
        assert!(open_permitted(&e, "example.org", 8080));
        assert!(!open_permitted(&e, "localhost", 81));
        let l = vec!["2222".to_owned(), "localhost:3333".to_owned()];
        assert!(listen_permitted(&l, "", 2222));
        assert!(listen_permitted(&l, "localhost", 3333));
        assert!(!listen_permitted(&l, "0.0.0.0", 3333));
    }
}
