//! Watching the server's identification line go by. ssh-keyscan prints a comment with the server's
//! identification for every connection that gets one, even when the key exchange later finds no
//! common host key type; our protocol core reads the line itself, so a [`Tap`] around the socket
//! reports the line as it passes, without consuming or delaying anything.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::oneshot;

/// A line longer than this is not an identification line (RFC 4253 §4.2 caps it at 255 bytes); we
/// stop collecting it, and the protocol core refuses it on its own.
const MAX_LINE: usize = 1024;

/// What the tap saw before the identification line, if the connection ended first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Greeting {
    /// The identification line, up to its first CR or LF.
    Line(String),
    /// The connection ended (EOF) before an identification line.
    Closed,
    /// Reading failed before an identification line (strerror text).
    Failed(String),
}

/// A socket wrapper that reports the first line starting with `SSH-` through a oneshot channel.
pub struct Tap<S> {
    inner: S,
    line: Vec<u8>,
    report: Option<oneshot::Sender<Greeting>>,
}

impl<S> Tap<S> {
    /// Wraps `inner`; the receiver gets the greeting once.
    pub fn new(inner: S) -> (Self, oneshot::Receiver<Greeting>) {
        let (tx, rx) = oneshot::channel();
        (
            Self {
                inner,
                line: Vec::new(),
                report: Some(tx),
            },
            rx,
        )
    }

    /// Whether the greeting (or the end of the connection before one) has been reported.
    pub fn has_reported(&self) -> bool {
        self.report.is_none()
    }

    fn observe(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.report.is_none() {
                return;
            }
            if b == b'\n' {
                if self.line.starts_with(b"SSH-") {
                    let text = String::from_utf8_lossy(&self.line);
                    // chop(): everything up to the first CR or LF.
                    let text = text
                        .split(['\r', '\n'])
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    self.send(Greeting::Line(text));
                }
                self.line.clear();
            } else if self.line.len() < MAX_LINE {
                self.line.push(b);
            }
        }
    }

    fn send(&mut self, greeting: Greeting) {
        if let Some(tx) = self.report.take() {
            let _ = tx.send(greeting);
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        match &result {
            Poll::Ready(Ok(())) => {
                let new = buf.filled().get(before..).unwrap_or_default().to_vec();
                if new.is_empty() {
                    self.send(Greeting::Closed);
                } else {
                    self.observe(&new);
                }
            }
            Poll::Ready(Err(e)) => {
                let text = oxssh_tokio::connect::error_text(e);
                self.send(Greeting::Failed(text));
            }
            Poll::Pending => {}
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Whether an identification names a protocol that includes SSH-2 (`ssh2_capable`: 2.x or 1.99).
pub fn is_ssh2(identification: &str) -> bool {
    let Some(rest) = identification.strip_prefix("SSH-") else {
        return false;
    };
    let version = rest.split('-').next().unwrap_or_default();
    let (major, minor) = version.split_once('.').unwrap_or((version, ""));
    // sscanf("%d.%d"): leading digits only.
    let number = |s: &str| -> Option<u32> {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    match number(major) {
        Some(2) => true,
        Some(1) => number(minor) == Some(99),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn the_identification_is_reported_and_passed_through() {
        let data = b"hello\r\nSSH-2.0-Test_1 comment\r\n\x00\x00\x00\x0c".to_vec();
        let (mut tap, rx) = Tap::new(&data[..]);
        let mut all = Vec::new();
        tap.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, data);
        assert_eq!(
            rx.await.unwrap(),
            Greeting::Line("SSH-2.0-Test_1 comment".into())
        );
    }

    #[tokio::test]
    async fn eof_before_the_line_is_reported() {
        let (mut tap, rx) = Tap::new(&b"no banner\n"[..]);
        let mut all = Vec::new();
        tap.read_to_end(&mut all).await.unwrap();
        assert_eq!(rx.await.unwrap(), Greeting::Closed);
    }

    #[test]
    fn ssh2_capability_follows_openssh() {
        assert!(is_ssh2("SSH-2.0-OpenSSH_9.2p1"));
        assert!(is_ssh2("SSH-1.99-old"));
        assert!(!is_ssh2("SSH-1.5-older"));
        assert!(!is_ssh2("SSH-x"));
    }
}
