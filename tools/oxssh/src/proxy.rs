//! Transports other than a plain TCP connection: `ProxyCommand` (a child process whose stdin and
//! stdout carry the SSH stream, sshconnect.c `ssh_proxy_connect`), `ProxyCommand -` (our own stdin
//! and stdout), and `ProxyJump` (a `direct-tcpip` channel through an authenticated connection to the
//! jump host, done in-process where OpenSSH starts `ssh -W` as a ProxyCommand).
//!
//! Each is an `AsyncRead + AsyncWrite` the protocol driver runs over, exactly like a socket.

use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

use oxssh_proto::msg::connection::ChannelKind;
use oxssh_tokio::{Channel, ChannelReader, ChannelWriter, Stream};
use tokio::io::{AsyncRead, AsyncWrite, Join, ReadBuf};
use tokio::process::{Child, ChildStdin, ChildStdout};

use crate::{log, messages};

/// Any byte stream the driver can run over.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// A boxed transport.
pub type Transport = Box<dyn Io>;

/// A ProxyCommand's stdout (read) and stdin (write). The child is killed when this is dropped
/// (OpenSSH sends it SIGHUP when the connection ends; tokio's kill_on_drop sends SIGKILL, which a
/// proxy that only copies bytes does not mind).
pub struct CommandStream {
    io: Join<ChildStdout, ChildStdin>,
    _child: Child,
}

impl AsyncRead for CommandStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for CommandStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, data)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Starts `command` (already %-expanded) as `$SHELL -c "exec command"`, stderr left on ours so the
/// proxy's complaints reach the user.
pub fn spawn_command(command: &str) -> Result<CommandStream, String> {
    let shell = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".to_owned());
    let line = format!("exec {command}");
    log::debug(&format!("Executing proxy command: {line}"));
    let mut child = tokio::process::Command::new(&shell)
        .arg("-c")
        .arg(&line)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{shell}: {}", oxssh_tokio::connect::error_text(&e)))?;
    let (Some(stdout), Some(stdin)) = (child.stdout.take(), child.stdin.take()) else {
        return Err("proxy command has no stdio".to_owned());
    };
    Ok(CommandStream {
        io: tokio::io::join(stdout, stdin),
        _child: child,
    })
}

/// Our own stdin and stdout as the transport (`ProxyCommand -`), moved by the same blocking threads
/// as session data (see [`crate::stdio`]).
pub fn stdio_transport() -> Transport {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (ours, theirs) = tokio::io::duplex(256 * 1024);
    let (mut from_peer, mut to_peer) = tokio::io::split(theirs);
    let mut stdin = crate::stdio::read_stdin();
    tokio::spawn(async move {
        while let Some(chunk) = stdin.recv().await {
            if to_peer.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = to_peer.shutdown().await;
    });
    let stdout = crate::stdio::Writer::start(crate::stdio::Output::Stdout);
    tokio::spawn(async move {
        let mut buf = vec![0u8; crate::stdio::CHUNK];
        loop {
            match from_peer.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if !stdout.write(bytes::Bytes::copy_from_slice(&buf[..n])).await {
                        break;
                    }
                }
            }
        }
        stdout.finish().await;
    });
    Box::new(ours)
}

/// A channel as a byte stream: reads are the peer's data, writes are sent as data, shutdown sends
/// EOF.
pub type ChannelStream = Join<ChannelReader, ChannelWriter>;

/// The stream of a channel.
pub fn channel_stream(channel: &Channel) -> ChannelStream {
    tokio::io::join(channel.reader(Stream::Data), channel.writer(Stream::Data))
}

/// Opens `direct-tcpip` to `host:port` through an authenticated connection (ssh -W). Prints
/// OpenSSH's words on failure.
pub async fn open_direct(
    handle: &oxssh_tokio::Handle,
    host: &str,
    port: u16,
) -> Result<Channel, ()> {
    let kind = ChannelKind::DirectTcpip {
        host: host.to_owned(),
        port: u32::from(port),
        originator: "127.0.0.1".to_owned(),
        originator_port: 65535,
    };
    match handle.open_channel(kind).await {
        Ok(c) => Ok(c),
        Err(oxssh_tokio::DriverError::ChannelOpenFailed {
            reason,
            description,
        }) => {
            log::error(&messages::channel_open_failed(0, reason, &description));
            log::error(messages::stdio_forwarding_failed());
            Err(())
        }
        Err(_) => {
            log::error(messages::stdio_forwarding_failed());
            Err(())
        }
    }
}
