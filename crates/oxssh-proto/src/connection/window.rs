//! Receive-window flow control (RFC 4254 §5.2), with a window that grows when it is what limits the
//! transfer.
//!
//! OpenSSH keeps a fixed 2 MiB window, which caps one stream at window / round-trip time (40 MB/s at
//! 50 ms). HPN-SSH's lesson is that the window must follow the bandwidth-delay product. We grow it
//! without measuring anything: when the application has consumed half the window and the peer has
//! nearly run out of window at that moment, the window was the bottleneck, so it doubles (up to
//! [`limits::MAX_CHANNEL_WINDOW`]). An application that consumes slowly never triggers growth, so memory
//! stays bounded by what the consumer keeps up with.

use crate::limits;

/// How much the peer may still send, and what the application has consumed but we have not yet
/// re-advertised.
#[derive(Debug, Clone)]
pub(crate) struct RecvWindow {
    size: u32,
    available: u32,
    consumed: u32,
    max: u32,
}

impl RecvWindow {
    pub(crate) fn new(size: u32) -> Self {
        Self {
            size,
            available: size,
            consumed: 0,
            max: limits::MAX_CHANNEL_WINDOW.max(size),
        }
    }

    /// The window we advertise right now.
    #[cfg(test)]
    pub(crate) fn available(&self) -> u32 {
        self.available
    }

    /// Debits arriving data. Data beyond the window is a protocol violation.
    pub(crate) fn on_data(&mut self, len: usize) -> Result<(), ()> {
        let len = u32::try_from(len).map_err(|_| ())?;
        self.available = self.available.checked_sub(len).ok_or(())?;
        Ok(())
    }

    /// Records that the application passed `n` bytes on. Returns the WINDOW_ADJUST to send, if any.
    pub(crate) fn consume(&mut self, n: usize) -> Option<u32> {
        // Never credit more than was debited: a confused application must not let the peer overrun us.
        let outstanding = self
            .size
            .saturating_sub(self.available)
            .saturating_sub(self.consumed);
        let n = u32::try_from(n).unwrap_or(u32::MAX).min(outstanding);
        self.consumed += n;
        if self.consumed < self.size / 2 {
            return None;
        }
        let mut adjust = self.consumed;
        self.consumed = 0;
        if self.available < self.size / 4 && self.size < self.max {
            let grown = self.size.saturating_mul(2).min(self.max);
            adjust += grown - self.size;
            self.size = grown;
        }
        self.available += adjust;
        Some(adjust)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_beyond_the_window_is_refused() {
        let mut w = RecvWindow::new(100);
        assert!(w.on_data(60).is_ok());
        assert!(w.on_data(41).is_err());
        assert!(w.on_data(40).is_ok());
    }

    #[test]
    fn adjusts_after_half_is_consumed_and_never_over_credits() {
        let mut w = RecvWindow::new(1000);
        w.on_data(100).unwrap();
        assert_eq!(w.consume(100), None);
        assert_eq!(w.consume(10_000), None, "cannot consume more than arrived");
        w.on_data(500).unwrap();
        assert_eq!(w.consume(500), Some(600));
        assert_eq!(w.available(), 1000);
    }

    #[test]
    fn a_window_that_ran_dry_grows() {
        let mut w = RecvWindow::new(1000);
        w.on_data(900).unwrap();
        assert_eq!(w.consume(900), Some(1900));
        assert_eq!(w.available(), 2000);
    }
}
