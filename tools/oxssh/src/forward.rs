//! Forwarding: `-W host:port` (stdin and stdout carried over one `direct-tcpip` channel, what
//! ProxyJump hops use in OpenSSH), and the listeners of `-L`, `-R` and `-D`.

use oxssh_proto::ChannelId;
use oxssh_proto::msg::connection::{ChannelKind, open_failure};
use oxssh_tokio::{Handle, Stream};
use tokio::io::AsyncWriteExt;

use crate::connect::Connection;
use crate::stdio::{self, Output, Writer};
use crate::{log, messages, proxy};

/// The forwardings in effect for a session.
#[derive(Debug, Default)]
pub struct Active {}

impl Active {
    /// No forwarding.
    pub fn none() -> Self {
        Self {}
    }

    /// A connection arrived on a port the server listens on for us.
    pub fn accept_remote(&self, handle: &Handle, id: ChannelId, kind: ChannelKind) {
        log::debug(&format!("client_input_channel_open: ctype {}", kind.name()));
        handle.reject_channel(id, open_failure::ADMINISTRATIVELY_PROHIBITED, "open failed");
    }
}

/// `~C`: the command line (only when `EnableEscapeCommandline` is on).
pub async fn command_line(_handle: &Handle) {
    log::raw_stderr(messages::COMMAND_LINE_DISABLED);
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
    tokio::spawn(async move {
        let mut w = up_channel.writer(Stream::Data);
        let mut input = stdio::read_stdin();
        while let Some(chunk) = input.recv().await {
            if w.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = w.shutdown().await;
    });
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
