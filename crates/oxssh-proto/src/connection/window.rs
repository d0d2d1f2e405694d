//! Receive-window flow control (RFC 4254 §5.2), with a window that grows towards the bandwidth-delay
//! product of the path when, and only when, it is what limits the transfer.
//!
//! OpenSSH keeps a fixed 2 MiB window, which caps one stream at window / round-trip time (40 MB/s at
//! 50 ms). HPN-SSH's lesson is that the window must follow the bandwidth-delay product. We size it the
//! way TCP receivers size their buffers ("dynamic right-sizing", Fisk and Feng; Linux's
//! `tcp_rcv_space_adjust`), from two measurements:
//!
//! * **Round trip.** When we send a WINDOW_ADJUST we note the time and how far the peer could send
//!   before it. The first byte beyond that point can only leave the peer after the adjust reached it.
//!   If the stream had gone quiet before that byte came, the peer was waiting for the window, and the
//!   time since the adjust is a round trip. (Without the quiet, the time is mostly the peer draining
//!   what it had already sent, which says nothing about the path.) The smallest such time is the
//!   estimate; without one the window never grows.
//! * **Rate.** Once per estimated round trip we look at how much the application consumed in it. A
//!   window-limited stream consumes most of a window per round trip; when twice that exceeds the window
//!   by a quarter, the window grows to it (up to [`limits::MAX_CHANNEL_WINDOW`]), so it grows by up to
//!   three quarters each round trip until it no longer limits, and a stream limited by the network
//!   settles near twice its bandwidth-delay product.
//!
//! On a short path the peer is never kept waiting, and an application that consumes slowly consumes
//! little per round trip, so neither grows the window: memory stays bounded by what a fast consumer on
//! a long path needs. (An earlier rule, "the peer nearly ran out of window when half was consumed",
//! grew the window exactly when the consumer lagged, to 64 MiB on loopback; OpenSSH's client then
//! buffered that much and slowed down twentyfold.)
//!
//! Consumed data is credited back once an eighth of the window has been consumed (OpenSSH does after
//! three packets), so the peer's window is topped up continuously; crediting only at half the window
//! halved what a window-limited stream could move per round trip.

use std::time::{Duration, Instant};

use crate::limits;

/// How much the peer may still send, and what the application has consumed but we have not yet
/// re-advertised.
#[derive(Debug, Clone)]
pub(crate) struct RecvWindow {
    size: u32,
    available: u32,
    consumed: u32,
    max: u32,
    tuning: Tuning,
}

/// The measurements behind window growth.
#[derive(Debug, Clone, Default)]
struct Tuning {
    /// Bytes received on the channel so far.
    received: u64,
    /// Bytes the application has consumed so far.
    consumed: u64,
    /// The smallest time seen from an adjust to the first byte it allowed: the round trip.
    rtt: Option<Duration>,
    /// The adjust being timed: when it was sent, and how far the peer could send before it.
    probe: Option<(Instant, u64)>,
    /// When data last arrived.
    last_arrival: Option<Instant>,
    /// The current measurement interval: its start and the consumed count then.
    epoch: Option<(Instant, u64)>,
}

impl RecvWindow {
    pub(crate) fn new(size: u32) -> Self {
        Self {
            size,
            available: size,
            consumed: 0,
            max: limits::MAX_CHANNEL_WINDOW.max(size),
            tuning: Tuning::default(),
        }
    }

    /// The window we advertise right now.
    #[cfg(test)]
    pub(crate) fn available(&self) -> u32 {
        self.available
    }

    /// The window's current size.
    #[cfg(test)]
    pub(crate) fn size(&self) -> u32 {
        self.size
    }

    /// Debits arriving data. Data beyond the window is a protocol violation.
    pub(crate) fn on_data(&mut self, len: usize, now: Instant) -> Result<(), ()> {
        let len = u32::try_from(len).map_err(|_| ())?;
        self.available = self.available.checked_sub(len).ok_or(())?;
        let t = &mut self.tuning;
        t.received += u64::from(len);
        let quiet = t
            .last_arrival
            .map_or(Duration::ZERO, |last| now.saturating_duration_since(last));
        t.last_arrival = Some(now);
        if let Some((sent, limit)) = t.probe
            && t.received > limit
        {
            t.probe = None;
            let sample = now.saturating_duration_since(sent);
            // The peer had been waiting for the window (the stream was quiet for at least a quarter
            // of the time since the adjust): the sample is a round trip.
            if !sample.is_zero() && quiet * 4 >= sample {
                t.rtt = Some(t.rtt.map_or(sample, |r| r.min(sample)));
            }
        }
        Ok(())
    }

    /// Records that the application passed `n` bytes on, at `now`. Returns the WINDOW_ADJUST to
    /// send, if any.
    pub(crate) fn consume(&mut self, n: usize, now: Instant) -> Option<u32> {
        // Never credit more than was debited: a confused application must not let the peer overrun us.
        let outstanding = self
            .size
            .saturating_sub(self.available)
            .saturating_sub(self.consumed);
        let n = u32::try_from(n).unwrap_or(u32::MAX).min(outstanding);
        self.consumed += n;
        self.tuning.consumed += u64::from(n);
        let growth = self.growth(now);
        if self.consumed < self.size / 8 && growth == 0 {
            return None;
        }
        if self.tuning.probe.is_none() {
            let limit = self.tuning.received + u64::from(self.available);
            self.tuning.probe = Some((now, limit));
        }
        let adjust = self.consumed + growth;
        self.consumed = 0;
        self.size += growth;
        self.available += adjust;
        Some(adjust)
    }

    /// How much to grow the window by now (zero most of the time): at the end of each measurement
    /// interval of one round trip, to twice what was consumed per round trip when that is at least a
    /// quarter more than the window (small steps would only add adjusts).
    fn growth(&mut self, now: Instant) -> u32 {
        let t = &mut self.tuning;
        let Some(rtt) = t.rtt else { return 0 };
        let Some((start, consumed_then)) = t.epoch else {
            t.epoch = Some((now, t.consumed));
            return 0;
        };
        let elapsed = now.saturating_duration_since(start);
        if elapsed < rtt || elapsed.is_zero() {
            return 0;
        }
        t.epoch = Some((now, t.consumed));
        let per_rtt =
            (t.consumed - consumed_then) as f64 * rtt.as_secs_f64() / elapsed.as_secs_f64();
        let want = (2.0 * per_rtt).min(f64::from(self.max)) as u32;
        if u64::from(want) * 4 < u64::from(self.size) * 5 {
            return 0;
        }
        want.saturating_sub(self.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u32 = 1024 * 1024;

    #[test]
    fn data_beyond_the_window_is_refused() {
        let now = Instant::now();
        let mut w = RecvWindow::new(100);
        assert!(w.on_data(60, now).is_ok());
        assert!(w.on_data(41, now).is_err());
        assert!(w.on_data(40, now).is_ok());
    }

    #[test]
    fn adjusts_after_an_eighth_is_consumed_and_never_over_credits() {
        let now = Instant::now();
        let mut w = RecvWindow::new(8000);
        w.on_data(500, now).unwrap();
        assert_eq!(w.consume(500, now), None);
        assert_eq!(
            w.consume(10_000, now),
            None,
            "cannot consume more than arrived"
        );
        w.on_data(3000, now).unwrap();
        assert_eq!(w.consume(3000, now), Some(3500));
        assert_eq!(w.available(), 8000);
    }

    /// A bulk sender with unlimited data and a fast receiver over a path with this round trip and
    /// bandwidth, simulated in 100 µs steps for `secs`. Returns (bytes delivered, final window size).
    fn simulate(rtt_ms: u64, bytes_per_ms: u64, consume_per_ms: u64, secs: u64) -> (u64, u32) {
        simulate_us(rtt_ms * 1000, bytes_per_ms, consume_per_ms, secs)
    }

    fn simulate_us(rtt_us: u64, bytes_per_ms: u64, consume_per_ms: u64, secs: u64) -> (u64, u32) {
        let step = Duration::from_micros(100);
        let one_way = Duration::from_micros(rtt_us) / 2;
        let start = Instant::now();
        let mut w = RecvWindow::new(2 * MIB);
        // The sender's view of the window, and what is on the way in each direction.
        let mut send_window = u64::from(2 * MIB);
        let mut to_receiver: std::collections::VecDeque<(Instant, u64)> = Default::default();
        let mut to_sender: std::collections::VecDeque<(Instant, u64)> = Default::default();
        let mut backlog = 0u64;
        let mut delivered = 0u64;
        let mut now = start;
        let per_step = |per_ms: u64| (per_ms / 10).max(1);
        while now < start + Duration::from_secs(secs) {
            while let Some(&(at, n)) = to_sender.front() {
                if at > now {
                    break;
                }
                send_window += n;
                to_sender.pop_front();
            }
            let send = send_window.min(per_step(bytes_per_ms));
            if send > 0 {
                send_window -= send;
                to_receiver.push_back((now + one_way, send));
            }
            while let Some(&(at, n)) = to_receiver.front() {
                if at > now {
                    break;
                }
                w.on_data(n as usize, now).unwrap();
                backlog += n;
                to_receiver.pop_front();
            }
            let take = backlog.min(per_step(consume_per_ms));
            if take > 0 {
                backlog -= take;
                delivered += take;
                if let Some(adjust) = w.consume(take as usize, now) {
                    to_sender.push_back((now + one_way, u64::from(adjust)));
                }
            }
            now += step;
        }
        (delivered, w.size())
    }

    #[test]
    fn a_long_fast_path_grows_the_window_until_it_no_longer_limits() {
        // 50 ms and 400 MB/s: a 2 MiB window alone allows 40 MB/s.
        let (delivered, size) = simulate(50, 400_000, u64::MAX / 2, 3);
        assert!(size >= 16 * MIB, "window stayed at {size}");
        assert!(size <= limits::MAX_CHANNEL_WINDOW);
        let rate = delivered / 3;
        assert!(rate > 250_000_000, "only {rate} B/s");
    }

    #[test]
    fn a_short_path_keeps_the_initial_window() {
        // Loopback-like: no delay, or 0.2 ms, at 1 GB/s; 2 MiB is ten times the product.
        let (_, size) = simulate_us(0, 1_000_000, u64::MAX / 2, 1);
        assert_eq!(size, 2 * MIB);
        let (_, size) = simulate_us(200, 1_000_000, u64::MAX / 2, 1);
        assert_eq!(size, 2 * MIB);
    }

    #[test]
    fn a_slow_consumer_never_grows_the_window() {
        // A long fast path, but the application takes only 10 MB/s.
        let (delivered, size) = simulate(50, 400_000, 10_000, 2);
        assert_eq!(size, 2 * MIB);
        assert!(delivered <= 20_000_000 + 1_000_000);
    }

    #[test]
    fn a_network_limited_path_settles_near_twice_its_bandwidth_delay_product() {
        // 50 ms at 100 MB/s: the product is 5 MB; the window ends between it and three times it.
        let (_, size) = simulate(50, 100_000, u64::MAX / 2, 3);
        assert!((5_000_000..=15_000_000).contains(&size), "window {size}");
    }
}
