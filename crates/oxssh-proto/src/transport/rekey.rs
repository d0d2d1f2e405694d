//! When to re-key: by bytes, by packets and by time (RFC 4253 §9, RFC 4344 §3).

use std::time::{Duration, Instant};

use crate::limits;
use crate::names::CipherAlgorithm;

/// Re-key thresholds for one key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RekeyPolicy {
    /// Bytes in either direction after which we start a new exchange.
    pub(crate) bytes: u64,
    /// Time after which we start a new exchange.
    pub(crate) time: Option<Duration>,
}

impl RekeyPolicy {
    /// The byte limit for a cipher, as OpenSSH computes it (packet.c ssh_set_newkeys): 2^(2·block) blocks
    /// for 128-bit block ciphers, otherwise 1 GiB; a configured RekeyLimit lowers it.
    pub(crate) fn for_cipher(
        cipher: CipherAlgorithm,
        configured_bytes: Option<u64>,
        time: Option<Duration>,
    ) -> Self {
        let default = match cipher {
            CipherAlgorithm::None => u64::MAX,
            CipherAlgorithm::ChaCha20Poly1305 => 1 << 30,
            _ => (1u64 << 32) * 16,
        };
        let bytes = configured_bytes.map_or(default, |c| c.min(default));
        Self { bytes, time }
    }

    /// Whether the counters or the clock say it is time.
    pub(crate) fn is_due(&self, bytes: u64, packets: u64, keyed_at: Instant, now: Instant) -> bool {
        bytes >= self.bytes
            || packets >= limits::MAX_PACKETS_PER_KEY
            || self
                .time
                .is_some_and(|t| now.saturating_duration_since(keyed_at) >= t)
    }

    /// The instant a time-based re-key falls due.
    pub(crate) fn deadline(&self, keyed_at: Instant) -> Option<Instant> {
        self.time.map(|t| keyed_at + t)
    }
}
