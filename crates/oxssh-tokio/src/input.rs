//! The socket's read buffer, recycled.
//!
//! The core splits whole packets off the front of the read buffer without copying, and channel data
//! leaves as `Bytes` that still point into it. So once the buffer fills, it cannot be reused in place
//! while the application holds any of that data, and `BytesMut::reserve` allocates a fresh one: for a
//! bulk transfer, a new 256 KiB buffer every few reads, each returned to the kernel on free and
//! faulted in (zeroed page by page) on the next read. That was about a sixth of the daemon's CPU
//! while receiving. Instead, a filled buffer is kept aside, and reused once the application has let
//! go of everything in it; a fresh allocation happens only when every kept buffer is still in use.
//! Kept buffers are released once no read has needed one for a second, so an idle connection holds
//! none.

use std::time::{Duration, Instant};

use bytes::BytesMut;

/// Buffers kept aside for reuse at most. Data waiting for a slow consumer (up to a channel window,
/// 2 MiB by default) keeps the buffers it came in alive, one per read-sized piece of it; with fewer
/// spares than that, every read while the consumer lags allocates afresh.
const SPARES: usize = 16;

/// How long kept buffers outlive the last read that needed one.
const SPARE_LIFETIME: Duration = Duration::from_secs(1);

/// The read buffer and the filled buffers kept for reuse.
pub(crate) struct InputBuffer {
    chunk: usize,
    /// What the socket is read into; the core takes packets from its front.
    pub(crate) buf: BytesMut,
    spares: Vec<BytesMut>,
    /// When the spares are given back unless a read needs one before.
    spares_until: Option<Instant>,
    /// Fresh allocations so far (for tests).
    allocations: u64,
}

impl InputBuffer {
    /// A buffer that reads up to `chunk` bytes at a time.
    pub(crate) fn new(chunk: usize) -> Self {
        Self {
            chunk,
            buf: BytesMut::with_capacity(chunk),
            spares: Vec::new(),
            spares_until: None,
            allocations: 1,
        }
    }

    /// Makes room for a read of about `chunk` bytes after what the buffer holds (a partial packet).
    pub(crate) fn make_room(&mut self, now: Instant) {
        if self.buf.capacity() - self.buf.len() >= self.chunk / 4 {
            return;
        }
        // Nobody holds data from this buffer any more: move the partial packet to its front.
        if self.buf.try_reclaim(self.chunk) {
            return;
        }
        let need = self.buf.len() + self.chunk;
        let next = match self.spares.iter_mut().position(|s| s.try_reclaim(need)) {
            Some(i) => self.spares.swap_remove(i),
            None => {
                self.allocations += 1;
                // Twice the read size, so that the buffer can be reclaimed later with a partial
                // packet of up to a read in it.
                BytesMut::with_capacity(need.max(2 * self.chunk))
            }
        };
        let mut old = std::mem::replace(&mut self.buf, next);
        self.buf.extend_from_slice(&old);
        old.clear();
        if self.spares.len() < SPARES {
            self.spares.push(old);
        }
        self.spares_until = Some(now + SPARE_LIFETIME);
    }

    /// When [`InputBuffer::expire`] should next be called, if buffers are kept.
    pub(crate) fn expiry(&self) -> Option<Instant> {
        self.spares_until.filter(|_| !self.spares.is_empty())
    }

    /// Gives the kept buffers back if no read has needed one for a while.
    pub(crate) fn expire(&mut self, now: Instant) {
        if self.spares_until.is_some_and(|t| now >= t) {
            self.spares.clear();
            self.spares_until = None;
        }
    }

    /// How many buffers are kept aside.
    #[cfg(test)]
    fn spare_count(&self) -> usize {
        self.spares.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills the buffer as a read would, then takes `packets` packets off the front, leaving a
    /// partial one, as the core does.
    fn read_and_split(input: &mut InputBuffer, packets: usize, size: usize) -> Vec<bytes::Bytes> {
        input.make_room(Instant::now());
        let spare = input.buf.capacity() - input.buf.len();
        input.buf.resize(input.buf.len() + spare, 7);
        let mut out = Vec::new();
        for _ in 0..packets {
            if input.buf.len() > size {
                out.push(input.buf.split_to(size).freeze());
            }
        }
        out
    }

    #[test]
    fn buffers_are_reused_once_the_application_lets_go() {
        let mut input = InputBuffer::new(64 * 1024);
        let mut held = std::collections::VecDeque::new();
        for _ in 0..100 {
            // The application still holds the last two reads' data, and lets go of older data.
            held.push_back(read_and_split(&mut input, 1000, 5000));
            if held.len() > 2 {
                held.pop_front();
            }
        }
        // Without reuse every read after the first needs a new buffer; with it a few take turns.
        assert!(
            input.allocations <= 1 + SPARES as u64,
            "{} allocations",
            input.allocations
        );
        // Holding everything forces fresh buffers, and the kept ones stay bounded.
        let mut all = Vec::new();
        for _ in 0..10 {
            all.push(read_and_split(&mut input, 1000, 5000));
        }
        assert!(input.allocations >= 10);
        assert!(input.spare_count() <= SPARES);
    }

    #[test]
    fn a_partial_packet_survives_the_move_and_spares_are_bounded() {
        let mut input = InputBuffer::new(1024);
        let mut held = Vec::new();
        let now = Instant::now();
        for round in 0..30u8 {
            input.make_room(now);
            input.buf.extend_from_slice(&[round; 700]);
            // Keep every packet: no buffer is ever free again.
            let take = input.buf.len() - 100;
            held.push(input.buf.split_to(take).freeze());
            assert_eq!(&input.buf[..], &[round; 100][..]);
        }
        assert!(input.spare_count() <= SPARES);
        assert_eq!(input.expiry(), Some(now + SPARE_LIFETIME));
        input.expire(now + SPARE_LIFETIME / 2);
        assert!(input.spare_count() > 0, "kept while recent");
        input.expire(now + SPARE_LIFETIME);
        assert_eq!(input.spare_count(), 0);
        assert_eq!(input.expiry(), None);
    }
}
