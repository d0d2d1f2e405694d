//! The SOCKS server of dynamic forwarding (channels.c `channel_decode_socks4/5`): SOCKS 4, 4a and
//! 5 with the CONNECT command and no authentication. `-D` answers applications here and opens a
//! `direct-tcpip` channel to what they ask for; a remote dynamic forward (`-R port`) speaks SOCKS
//! on a channel the server opened and connects from here.
//!
//! Every field the application sends is bounded before it is read (a SOCKS 4 user id or a host
//! name is at most 255 bytes), and a malformed request closes the connection.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use oxssh_tokio::{Channel, Handle};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::log;

/// The longest SOCKS 4 user id or 4a host name accepted.
const MAX_FIELD: usize = 255;

/// Which protocol the application spoke, for the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    Four,
    Five,
}

/// A CONNECT request.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Request {
    version: Version,
    host: String,
    port: u16,
}

async fn read_nul_terminated<S: AsyncRead + Unpin>(s: &mut S) -> Option<String> {
    let mut out = Vec::new();
    loop {
        let b = s.read_u8().await.ok()?;
        if b == 0 {
            return String::from_utf8(out).ok();
        }
        if out.len() >= MAX_FIELD {
            return None;
        }
        out.push(b);
    }
}

/// Reads the greeting and request; `None` for anything but a well-formed CONNECT.
async fn read_request<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S) -> Option<Request> {
    match s.read_u8().await.ok()? {
        4 => {
            if s.read_u8().await.ok()? != 1 {
                return None;
            }
            let port = s.read_u16().await.ok()?;
            let mut ip = [0u8; 4];
            s.read_exact(&mut ip).await.ok()?;
            read_nul_terminated(s).await?;
            // SOCKS 4a: 0.0.0.x with x != 0 means a host name follows the user id.
            let host = if ip[..3] == [0, 0, 0] && ip[3] != 0 {
                read_nul_terminated(s).await?
            } else {
                Ipv4Addr::from(ip).to_string()
            };
            Some(Request {
                version: Version::Four,
                host,
                port,
            })
        }
        5 => {
            let n = usize::from(s.read_u8().await.ok()?);
            let mut methods = vec![0u8; n];
            s.read_exact(&mut methods).await.ok()?;
            if !methods.contains(&0) {
                // No acceptable method.
                let _ = s.write_all(&[5, 0xff]).await;
                return None;
            }
            s.write_all(&[5, 0]).await.ok()?;
            let mut head = [0u8; 4];
            s.read_exact(&mut head).await.ok()?;
            if head[0] != 5 || head[1] != 1 {
                // Only CONNECT: "command not supported".
                let _ = s.write_all(&[5, 7, 0, 1, 0, 0, 0, 0, 0, 0]).await;
                return None;
            }
            let host = match head[3] {
                1 => {
                    let mut ip = [0u8; 4];
                    s.read_exact(&mut ip).await.ok()?;
                    Ipv4Addr::from(ip).to_string()
                }
                3 => {
                    let len = usize::from(s.read_u8().await.ok()?);
                    let mut name = vec![0u8; len];
                    s.read_exact(&mut name).await.ok()?;
                    String::from_utf8(name).ok()?
                }
                4 => {
                    let mut ip = [0u8; 16];
                    s.read_exact(&mut ip).await.ok()?;
                    Ipv6Addr::from(ip).to_string()
                }
                _ => {
                    let _ = s.write_all(&[5, 8, 0, 1, 0, 0, 0, 0, 0, 0]).await;
                    return None;
                }
            };
            let port = s.read_u16().await.ok()?;
            Some(Request {
                version: Version::Five,
                host,
                port,
            })
        }
        _ => None,
    }
}

/// The reply: granted, or refused.
async fn reply<S: AsyncWrite + Unpin>(s: &mut S, version: Version, ok: bool) -> bool {
    let bytes: &[u8] = match (version, ok) {
        (Version::Four, true) => &[0, 0x5a, 0, 0, 0, 0, 0, 0],
        (Version::Four, false) => &[0, 0x5b, 0, 0, 0, 0, 0, 0],
        (Version::Five, true) => &[5, 0, 0, 1, 0, 0, 0, 0, 0, 0],
        // "Connection refused".
        (Version::Five, false) => &[5, 5, 0, 1, 0, 0, 0, 0, 0, 0],
    };
    s.write_all(bytes).await.is_ok()
}

/// `-D`: one application connection.
pub async fn serve(mut stream: TcpStream, peer: SocketAddr, handle: Handle) {
    let Some(req) = read_request(&mut stream).await else {
        log::debug("channel: dynamic request: bad or unsupported SOCKS request");
        return;
    };
    log::debug(&format!(
        "channel: dynamic request: socks{} host {} port {}",
        if req.version == Version::Four { 4 } else { 5 },
        req.host,
        req.port
    ));
    let kind = oxssh_proto::msg::connection::ChannelKind::DirectTcpip {
        host: req.host.clone(),
        port: u32::from(req.port),
        originator: peer.ip().to_string(),
        originator_port: u32::from(peer.port()),
    };
    match handle.open_channel(kind).await {
        Ok(channel) => {
            if reply(&mut stream, req.version, true).await {
                crate::forward::splice(channel, stream).await;
            } else {
                channel.close();
            }
        }
        Err(oxssh_tokio::DriverError::ChannelOpenFailed {
            reason,
            description,
        }) => {
            log::error(&crate::messages::channel_open_failed(
                0,
                reason,
                &description,
            ));
            reply(&mut stream, req.version, false).await;
        }
        Err(_) => {
            reply(&mut stream, req.version, false).await;
        }
    }
}

/// A remote dynamic forward: the server's channel speaks SOCKS; we connect from here.
pub async fn serve_channel(channel: Channel) {
    let mut stream = crate::proxy::channel_stream(&channel);
    let Some(req) = read_request(&mut stream).await else {
        channel.close();
        return;
    };
    match TcpStream::connect((req.host.as_str(), req.port)).await {
        Ok(tcp) => {
            if reply(&mut stream, req.version, true).await {
                drop(stream);
                crate::forward::splice(channel, tcp).await;
            } else {
                channel.close();
            }
        }
        Err(_) => {
            log::error(&crate::messages::connect_to_failed(&req.host, req.port));
            reply(&mut stream, req.version, false).await;
            let _ = stream.shutdown().await;
            channel.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn parse(bytes: &[u8]) -> (Option<Request>, Vec<u8>) {
        let (mut a, mut b) = tokio::io::duplex(1024);
        b.write_all(bytes).await.unwrap();
        let req = read_request(&mut a).await;
        drop(a);
        let mut answer = Vec::new();
        b.read_to_end(&mut answer).await.unwrap();
        (req, answer)
    }

    #[tokio::test]
    async fn socks4_and_4a_requests() {
        let (r, _) = parse(&[4, 1, 0, 80, 10, 1, 2, 3, b'u', 0]).await;
        assert_eq!(
            r,
            Some(Request {
                version: Version::Four,
                host: "10.1.2.3".into(),
                port: 80
            })
        );
        let mut a = vec![4, 1, 0x1f, 0x90, 0, 0, 0, 1, 0];
        a.extend_from_slice(b"example.org\0");
        let (r, _) = parse(&a).await;
        assert_eq!(r.unwrap().host, "example.org");
        // BIND is not supported.
        assert_eq!(parse(&[4, 2, 0, 80, 1, 2, 3, 4, 0]).await.0, None);
    }

    #[tokio::test]
    async fn socks5_connect_by_name_and_address() {
        let mut m = vec![5, 1, 0, 5, 1, 0, 3, 9];
        m.extend_from_slice(b"localhost");
        m.extend_from_slice(&[0, 22]);
        let (r, answer) = parse(&m).await;
        assert_eq!(answer, [5, 0]);
        assert_eq!(
            r,
            Some(Request {
                version: Version::Five,
                host: "localhost".into(),
                port: 22
            })
        );
        let mut m = vec![5, 1, 0, 5, 1, 0, 4];
        m.extend_from_slice(&[0; 15]);
        m.extend_from_slice(&[1, 0, 80]);
        assert_eq!(parse(&m).await.0.unwrap().host, "::1");
    }

    #[tokio::test]
    async fn socks5_without_no_auth_or_with_bind_is_refused() {
        let (r, answer) = parse(&[5, 1, 2]).await;
        assert_eq!((r, answer), (None, vec![5, 0xff]));
        let (r, answer) = parse(&[5, 1, 0, 5, 2, 0, 1, 1, 2, 3, 4, 0, 80]).await;
        assert_eq!(r, None);
        assert_eq!(answer, [5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0]);
    }

    #[tokio::test]
    async fn overlong_fields_are_refused() {
        let mut m = vec![4, 1, 0, 80, 1, 2, 3, 4];
        m.extend(std::iter::repeat_n(b'a', 300));
        m.push(0);
        assert_eq!(parse(&m).await.0, None);
    }
}
