//! Channels as async streams. The driver task owns the protocol core; a [`Channel`] talks to it through
//! a small shared state: arriving data is queued here (bounded by the window we granted), outgoing data
//! waits here until the window lets the driver seal it, and the driver is woken when either side moves.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::{Buf, Bytes, BytesMut};
use oxssh_proto::ChannelId;
use oxssh_proto::msg::connection::ChannelRequest;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{Notify, oneshot};

use crate::handle::Handle;

/// Outgoing bytes a channel buffers before its writer waits: enough for several full packets, so the
/// driver always has something to seal while the application produces more.
const WRITE_BUFFER: usize = 256 * 1024;

/// A stream of a channel: ordinary data or one extended-data type (stderr is 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    /// CHANNEL_DATA.
    Data,
    /// CHANNEL_EXTENDED_DATA with this code.
    Extended(u32),
}

#[derive(Default)]
pub(crate) struct Inbound {
    pub(crate) data: VecDeque<Bytes>,
    pub(crate) extended: VecDeque<Bytes>,
    pub(crate) eof: bool,
    pub(crate) read_waker: Option<Waker>,
    pub(crate) ext_waker: Option<Waker>,
}

/// Every task waiting on one condition. Several handles can wait at once (a data writer and a stderr
/// writer; `next_request` and `closed`), so one slot would lose a wake-up.
#[derive(Default)]
pub(crate) struct Wakers(Vec<Waker>);

impl Wakers {
    pub(crate) fn register(&mut self, waker: &Waker) {
        if !self.0.iter().any(|w| w.will_wake(waker)) {
            self.0.push(waker.clone());
        }
    }

    pub(crate) fn wake(&mut self) {
        for w in self.0.drain(..) {
            w.wake();
        }
    }
}

/// Control messages that must keep their order relative to data, EOF and close.
pub(crate) enum Op {
    Request(ChannelRequest, bool),
    Reply(bool),
}

#[derive(Default)]
pub(crate) struct Outbound {
    /// Requests and replies, sent in order once the data written before them has gone out.
    pub(crate) ops: VecDeque<Op>,
    pub(crate) data: BytesMut,
    pub(crate) extended: BytesMut,
    pub(crate) extended_code: u32,
    pub(crate) eof: bool,
    pub(crate) close: bool,
    pub(crate) write_wakers: Wakers,
}

/// State shared between the driver and the application's handles on one channel.
#[derive(Default)]
pub(crate) struct ChannelState {
    pub(crate) inbound: Inbound,
    pub(crate) outbound: Outbound,
    /// Bytes the application has read but the driver has not yet credited back to the window.
    pub(crate) consumed: usize,
    /// Requests from the peer, in order.
    pub(crate) requests: VecDeque<(ChannelRequest, bool)>,
    pub(crate) request_wakers: Wakers,
    /// Answers we wait for, in the order our want-reply requests went out.
    pub(crate) replies: VecDeque<oneshot::Sender<bool>>,
    /// The channel is gone (closed both ways, or the connection ended).
    pub(crate) closed: bool,
    /// It is gone because the connection ended, not by CLOSE both ways.
    pub(crate) lost: bool,
}

impl ChannelState {
    pub(crate) fn wake_all(&mut self) {
        for w in [
            self.inbound.read_waker.take(),
            self.inbound.ext_waker.take(),
        ]
        .into_iter()
        .flatten()
        {
            w.wake();
        }
        self.outbound.write_wakers.wake();
        self.request_wakers.wake();
    }
}

/// The driver's view of one channel plus the doorbell that wakes the driver.
pub(crate) struct Shared {
    pub(crate) id: ChannelId,
    pub(crate) state: Mutex<ChannelState>,
    pub(crate) wake_driver: Arc<Notify>,
    /// Channels with something for the driver to do (shared by all channels of a connection).
    pub(crate) dirty: Arc<Mutex<Vec<ChannelId>>>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, ChannelState> {
        // A panic while holding this lock cannot leave the state half-updated in a way that matters
        // more than losing the channel, so a poisoned lock is simply taken over.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn mark_dirty(&self) {
        self.dirty
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(self.id);
        self.wake_driver.notify_one();
    }
}

/// One open channel. Reading yields the peer's data; writing sends data (respecting the peer's window);
/// requests, EOF and close are methods. Dropping the last handle does not close the channel: call
/// [`Channel::close`] (the daemon and client decide when).
#[derive(Clone)]
pub struct Channel {
    pub(crate) shared: Arc<Shared>,
    pub(crate) handle: Handle,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("id", &self.shared.id)
            .finish()
    }
}

impl Channel {
    /// Our channel number.
    pub fn id(&self) -> ChannelId {
        self.shared.id
    }

    /// The connection this channel belongs to.
    pub fn connection(&self) -> &Handle {
        &self.handle
    }

    /// Sends a channel request; with `want_reply`, waits for the answer and returns it (false if the
    /// connection ended first). Without, returns true once queued.
    pub async fn request(&self, request: ChannelRequest, want_reply: bool) -> bool {
        let (tx, rx) = oneshot::channel();
        {
            let mut state = self.shared.lock();
            if state.closed {
                return false;
            }
            if want_reply {
                state.replies.push_back(tx);
            }
            state
                .outbound
                .ops
                .push_back(Op::Request(request, want_reply));
        }
        self.shared.mark_dirty();
        if want_reply {
            rx.await.unwrap_or(false)
        } else {
            true
        }
    }

    /// The next request from the peer (and whether it wants an answer); `None` once the channel is gone.
    pub async fn next_request(&self) -> Option<(ChannelRequest, bool)> {
        std::future::poll_fn(|cx| {
            let mut state = self.shared.lock();
            if let Some(r) = state.requests.pop_front() {
                return Poll::Ready(Some(r));
            }
            if state.closed {
                return Poll::Ready(None);
            }
            state.request_wakers.register(cx.waker());
            Poll::Pending
        })
        .await
    }

    /// Answers the oldest peer request that wanted a reply.
    pub fn reply(&self, success: bool) {
        self.shared
            .lock()
            .outbound
            .ops
            .push_back(Op::Reply(success));
        self.shared.mark_dirty();
    }

    /// Sends EOF after any data already written.
    pub fn eof(&self) {
        self.shared.lock().outbound.eof = true;
        self.shared.mark_dirty();
    }

    /// Closes the channel after any data already written (and EOF).
    pub fn close(&self) {
        self.shared.lock().outbound.close = true;
        self.shared.mark_dirty();
    }

    /// Whether the peer sent EOF and everything before it has been read.
    pub fn is_eof(&self) -> bool {
        let s = self.shared.lock();
        s.inbound.eof && s.inbound.data.is_empty()
    }

    /// Whether the channel is gone.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed
    }

    /// Whether the channel is gone because the connection ended (the peer vanished or
    /// disconnected) rather than by CHANNEL_CLOSE both ways. Known as soon as
    /// [`Channel::is_closed`] is, so a client can tell a finished session from a lost connection
    /// without waiting to see whether the connection's events end.
    pub fn is_lost(&self) -> bool {
        self.shared.lock().lost
    }

    /// Waits until the channel is closed both ways.
    pub async fn closed(&self) {
        std::future::poll_fn(|cx| {
            let mut state = self.shared.lock();
            if state.closed {
                return Poll::Ready(());
            }
            state.request_wakers.register(cx.waker());
            Poll::Pending
        })
        .await;
    }

    /// A reader of one stream: `Stream::Data` or `Stream::Extended(1)` (stderr).
    pub fn reader(&self, stream: Stream) -> ChannelReader {
        ChannelReader {
            shared: self.shared.clone(),
            stream,
            current: Bytes::new(),
        }
    }

    /// A writer of one stream.
    pub fn writer(&self, stream: Stream) -> ChannelWriter {
        ChannelWriter {
            shared: self.shared.clone(),
            stream,
        }
    }
}

/// Reads one stream of a channel; ends at the peer's EOF or when the channel closes.
pub struct ChannelReader {
    shared: Arc<Shared>,
    stream: Stream,
    current: Bytes,
}

impl ChannelReader {
    /// The next chunk as it arrived (no copy), or `None` at EOF.
    pub async fn read_chunk(&mut self) -> Option<Bytes> {
        if !self.current.is_empty() {
            return Some(std::mem::take(&mut self.current));
        }
        std::future::poll_fn(|cx| self.poll_chunk(cx)).await
    }

    /// Moves the chunks that have already arrived, up to about `limit` bytes, onto `out` without
    /// waiting, and returns how many bytes that was. After [`read_chunk`](Self::read_chunk), this
    /// lets one system call write everything that is there.
    pub fn take_queued(&mut self, out: &mut Vec<Bytes>, limit: usize) -> usize {
        let mut taken = 0;
        if !self.current.is_empty() {
            taken += self.current.len();
            out.push(std::mem::take(&mut self.current));
        }
        let mut state = self.shared.lock();
        let queue = match self.stream {
            Stream::Data => &mut state.inbound.data,
            Stream::Extended(_) => &mut state.inbound.extended,
        };
        let mut credited = 0;
        while taken < limit
            && let Some(chunk) = queue.pop_front()
        {
            taken += chunk.len();
            credited += chunk.len();
            out.push(chunk);
        }
        state.consumed += credited;
        drop(state);
        if credited > 0 {
            self.shared.mark_dirty();
        }
        taken
    }

    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        let mut state = self.shared.lock();
        let queue = match self.stream {
            Stream::Data => &mut state.inbound.data,
            Stream::Extended(_) => &mut state.inbound.extended,
        };
        if let Some(chunk) = queue.pop_front() {
            state.consumed += chunk.len();
            drop(state);
            self.shared.mark_dirty();
            return Poll::Ready(Some(chunk));
        }
        if state.inbound.eof || state.closed {
            return Poll::Ready(None);
        }
        let waker = Some(cx.waker().clone());
        match self.stream {
            Stream::Data => state.inbound.read_waker = waker,
            Stream::Extended(_) => state.inbound.ext_waker = waker,
        }
        Poll::Pending
    }
}

impl AsyncRead for ChannelReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.current.is_empty() {
            match self.poll_chunk(cx) {
                Poll::Ready(Some(chunk)) => self.current = chunk,
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
        let n = self.current.len().min(buf.remaining());
        buf.put_slice(&self.current[..n]);
        self.current.advance(n);
        Poll::Ready(Ok(()))
    }
}

/// Writes one stream of a channel. Bytes wait in a bounded buffer until the peer's window lets the
/// driver send them; `poll_shutdown` sends EOF.
pub struct ChannelWriter {
    shared: Arc<Shared>,
    stream: Stream,
}

impl ChannelWriter {
    /// Ready once the buffer has room; an error once the channel takes no more data.
    fn poll_room(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = self.shared.lock();
        if state.closed || state.outbound.close || state.outbound.eof {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        let out = &mut state.outbound;
        if out.data.len() + out.extended.len() >= WRITE_BUFFER {
            out.write_wakers.register(cx.waker());
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    /// Waits until the channel's buffer has room for more, as a write would; an error once the
    /// channel takes no more data.
    pub async fn ready(&mut self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_room(cx)).await
    }

    /// Lets `fill` append straight to the stream's outgoing buffer, and sends what it appended.
    /// A non-blocking read from a descriptor lands here without passing through a buffer of the
    /// caller's, which saves a copy of every byte of a bulk transfer. Call after
    /// [`ready`](Self::ready); `fill` runs under the channel's lock, so it must not wait.
    pub fn fill<T>(&mut self, fill: impl FnOnce(&mut BytesMut) -> T) -> io::Result<T> {
        let mut state = self.shared.lock();
        if state.closed || state.outbound.close || state.outbound.eof {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        let out = &mut state.outbound;
        let buf = match self.stream {
            Stream::Data => &mut out.data,
            Stream::Extended(code) => {
                out.extended_code = code;
                &mut out.extended
            }
        };
        let before = buf.len();
        let result = fill(buf);
        let grew = buf.len() > before;
        drop(state);
        if grew {
            self.shared.mark_dirty();
        }
        Ok(result)
    }
}

impl AsyncWrite for ChannelWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut state = self.shared.lock();
        if state.closed || state.outbound.close || state.outbound.eof {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        let out = &mut state.outbound;
        let pending = out.data.len() + out.extended.len();
        if pending >= WRITE_BUFFER {
            out.write_wakers.register(cx.waker());
            return Poll::Pending;
        }
        let n = data.len().min(WRITE_BUFFER - pending);
        match self.stream {
            Stream::Data => out.data.extend_from_slice(&data[..n]),
            Stream::Extended(code) => {
                out.extended_code = code;
                out.extended.extend_from_slice(&data[..n]);
            }
        }
        drop(state);
        self.shared.mark_dirty();
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = self.shared.lock();
        if state.closed {
            return Poll::Ready(Ok(()));
        }
        if state.outbound.data.is_empty() && state.outbound.extended.is_empty() {
            return Poll::Ready(Ok(()));
        }
        state.outbound.write_wakers.register(cx.waker());
        Poll::Pending
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.stream == Stream::Data {
            self.shared.lock().outbound.eof = true;
            self.shared.mark_dirty();
        }
        self.poll_flush(cx)
    }
}
