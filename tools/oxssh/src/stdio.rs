//! Our stdin, stdout and stderr, moved in large chunks by dedicated threads.
//!
//! Blocking threads rather than non-blocking descriptors: stdin is often the user's terminal or a
//! pipe shared with other processes, and setting O_NONBLOCK on it would change it for them too.
//! A thread per stream costs nothing next to the data it moves, reads up to [`CHUNK`] bytes per
//! system call, and hands over whole chunks without copying them again. Bounded queues carry the
//! back-pressure: a slow stdout stops the reader, which stops crediting the channel window, which
//! stops the server.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::thread::JoinHandle;

use bytes::Bytes;
use oxssh_tokio::ChannelWriter;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

/// Bytes per read of stdin: large enough that a bulk transfer is a few system calls per megabyte.
pub const CHUNK: usize = 256 * 1024;

/// Chunks queued between a thread and the async side.
const DEPTH: usize = 4;

/// A private duplicate of one of our standard descriptors, unbuffered and unlocked: the standard
/// library's handles buffer (stdout by line) and lock, and a thread holding stderr's lock would
/// stop every diagnostic line while it waits for data.
fn dup(fd: impl AsFd) -> Option<File> {
    fd.as_fd().try_clone_to_owned().ok().map(File::from)
}

/// Starts a thread that reads stdin until end of file; the receiver yields its chunks and ends at
/// end of file (or a read error).
pub fn read_stdin() -> mpsc::Receiver<Bytes> {
    let (tx, rx) = mpsc::channel(DEPTH);
    let Some(mut stdin) = dup(std::io::stdin()) else {
        return rx;
    };
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            // One buffer, zeroed once; each read's bytes leave as an exact-size copy. A fresh
            // zeroed CHUNK per read cost a 256 KiB memset (and fresh pages) for every read, while
            // a pipe delivers at most 64 KiB per read: a fifth of the client's CPU on uploads.
            let mut buf = vec![0u8; CHUNK];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let chunk = Bytes::copy_from_slice(buf.get(..n).unwrap_or_default());
                        if tx.blocking_send(chunk).is_err() {
                            break;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        })
        .ok();
    rx
}

/// Starts a thread that copies stdin into a channel stream until end of file, then sends EOF.
/// The thread appends each read to the channel's buffer itself, waiting there for room: no chunk
/// allocated per read and no queue between, so a bulk upload copies each byte once fewer than
/// through [`read_stdin`]. For streams that need no filtering on the way (escapes).
pub fn copy_stdin_to(mut writer: ChannelWriter) {
    let stdin = dup(std::io::stdin());
    let runtime = tokio::runtime::Handle::current();
    let copy = move || {
        if let Some(mut stdin) = stdin {
            let mut buf = vec![0u8; CHUNK];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let data = buf.get(..n).unwrap_or_default();
                        if runtime.block_on(writer.write_all(data)).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        }
        let _ = runtime.block_on(writer.shutdown());
    };
    let _ = std::thread::Builder::new().name("stdin".into()).spawn(copy);
}

/// Which output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// stdout.
    Stdout,
    /// stderr.
    Stderr,
}

/// A thread writing chunks to stdout or stderr, in order.
pub struct Writer {
    tx: Option<mpsc::Sender<Bytes>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts the thread.
    pub fn start(which: Output) -> Self {
        let (tx, mut rx) = mpsc::channel::<Bytes>(DEPTH);
        let out = match which {
            Output::Stdout => dup(std::io::stdout()),
            Output::Stderr => dup(std::io::stderr()),
        };
        let thread = std::thread::Builder::new()
            .name(match which {
                Output::Stdout => "stdout".into(),
                Output::Stderr => "stderr".into(),
            })
            .spawn(move || {
                let Some(mut out) = out else {
                    while rx.blocking_recv().is_some() {}
                    return;
                };
                while let Some(chunk) = rx.blocking_recv() {
                    if out.write_all(&chunk).is_err() {
                        // The reader went away (EPIPE): the sender learns from the closed queue.
                        return;
                    }
                }
            })
            .ok();
        Self {
            tx: Some(tx),
            thread,
        }
    }

    /// Queues a chunk; waits while the queue is full. False if the thread is gone.
    pub async fn write(&self, chunk: Bytes) -> bool {
        match &self.tx {
            Some(tx) => tx.send(chunk).await.is_ok(),
            None => false,
        }
    }

    /// A sender for another task.
    pub fn sender(&self) -> Option<mpsc::Sender<Bytes>> {
        self.tx.clone()
    }

    /// Ends the stream and waits (off the runtime) until everything queued is written.
    pub async fn finish(mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
    }
}
