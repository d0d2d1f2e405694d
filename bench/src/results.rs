//! What the suite measured, as plain data: every sample kept, medians computed on demand.

use crate::clients::{Pairing, Suite};
use crate::servers::ServerKind;

/// The median of `values` (the mean of the middle two for an even count); NaN when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// Bytes in a GiB.
pub const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Which way the data flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Client to server (`client < file`, `wc -c` remotely).
    Upload,
    /// Server to client (`dd if=/dev/zero` remotely).
    Download,
}

impl Direction {
    /// Both.
    pub const ALL: [Direction; 2] = [Direction::Upload, Direction::Download];

    /// The name in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Upload => "upload",
            Direction::Download => "download",
        }
    }
}

/// One transfer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BulkSample {
    /// Wall time of the whole client run, login included.
    pub secs: f64,
    /// CPU seconds of the client process.
    pub client_cpu: f64,
    /// CPU seconds of the server and all its children, the remote command included.
    pub server_cpu: f64,
    /// CPU seconds of the remote command (shell and `wc`/`dd`), as its shell's `times` reported.
    pub command_cpu: f64,
}

/// All transfers of one kind.
#[derive(Debug, Clone)]
pub struct BulkSeries {
    /// Cipher suite (None: the defaults, used across the long round trip).
    pub suite: Option<Suite>,
    /// Direction.
    pub direction: Direction,
    /// Client and server.
    pub pairing: Pairing,
    /// Bytes per transfer.
    pub bytes: u64,
    /// Every run, in order.
    pub samples: Vec<BulkSample>,
}

impl BulkSeries {
    fn per_gib(&self, f: impl Fn(&BulkSample) -> f64) -> f64 {
        let gib = self.bytes as f64 / GIB;
        median(&self.samples.iter().map(|s| f(s) / gib).collect::<Vec<_>>())
    }

    /// Median throughput in MB/s (10^6 bytes per second).
    pub fn mb_per_s(&self) -> f64 {
        median(
            &self
                .samples
                .iter()
                .map(|s| self.bytes as f64 / s.secs / 1e6)
                .collect::<Vec<_>>(),
        )
    }

    /// Median client CPU seconds per GiB.
    pub fn client_cpu_per_gib(&self) -> f64 {
        self.per_gib(|s| s.client_cpu)
    }

    /// Median server CPU seconds per GiB, children (and so the remote command) included.
    pub fn server_cpu_per_gib(&self) -> f64 {
        self.per_gib(|s| s.server_cpu)
    }

    /// Median server CPU seconds per GiB without the remote command's own.
    pub fn server_only_cpu_per_gib(&self) -> f64 {
        self.per_gib(|s| (s.server_cpu - s.command_cpu).max(0.0))
    }
}

/// Login times of one pairing.
#[derive(Debug, Clone)]
pub struct LatencySeries {
    /// Client and server.
    pub pairing: Pairing,
    /// Seconds per `client host true`, in order.
    pub samples: Vec<f64>,
}

impl LatencySeries {
    /// Median in milliseconds.
    pub fn median_ms(&self) -> f64 {
        median(&self.samples) * 1000.0
    }
}

/// Logins completed with many clients at once.
#[derive(Debug, Clone)]
pub struct RateResult {
    /// Client and server.
    pub pairing: Pairing,
    /// Clients running at once.
    pub parallel: usize,
    /// Completed logins (exit status 0) per second, one figure per repetition.
    pub samples: Vec<f64>,
    /// Runs that failed, over all repetitions.
    pub failures: u64,
}

impl RateResult {
    /// Median logins per second.
    pub fn per_second(&self) -> f64 {
        median(&self.samples)
    }
}

/// Server memory with many idle sessions.
#[derive(Debug, Clone)]
pub struct MemoryResult {
    /// Which server.
    pub server: ServerKind,
    /// Sessions open at the measurement.
    pub sessions: usize,
    /// PSS per session in KiB (None without smaps_rollup).
    pub pss_kib_per_session: Option<f64>,
    /// RSS per session in KiB.
    pub rss_kib_per_session: f64,
    /// The server's whole PSS (or RSS) before the sessions, in KiB.
    pub baseline_kib: f64,
}

/// Throughput across an emulated long round trip.
#[derive(Debug, Clone)]
pub struct DelayResult {
    /// "netem" or "relay".
    pub method: String,
    /// The round-trip time added.
    pub rtt_ms: u64,
    /// One series per direction and pairing.
    pub series: Vec<BulkSeries>,
}

/// One criterion benchmark of the packet path or key exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct MicroResult {
    /// Criterion's id, e.g. `packet-32KiB/seal/aes128-gcm`.
    pub name: String,
    /// Median time per iteration in nanoseconds.
    pub time_ns: f64,
    /// Throughput (when reported) in bytes per second.
    pub bytes_per_s: Option<f64>,
}

/// Everything one run of the suite produced.
#[derive(Debug, Clone, Default)]
pub struct Results {
    /// "full" or "quick".
    pub mode: String,
    /// Notes about the machine and the run.
    pub notes: Vec<(String, String)>,
    /// Bulk transfers.
    pub bulk: Vec<BulkSeries>,
    /// Login latency.
    pub latency: Vec<LatencySeries>,
    /// Login rate.
    pub rate: Vec<RateResult>,
    /// Idle-session memory.
    pub memory: Vec<MemoryResult>,
    /// Long round trip.
    pub delay: Option<DelayResult>,
    /// Micro-benchmarks.
    pub micro: Vec<MicroResult>,
    /// Parts that could not run, and why.
    pub skipped: Vec<(String, String)>,
}

impl Results {
    /// The bulk series for one suite, direction and pairing.
    pub fn bulk(&self, suite: &str, direction: Direction, pairing: Pairing) -> Option<&BulkSeries> {
        self.bulk.iter().find(|s| {
            s.suite.map(|x| x.label) == Some(suite)
                && s.direction == direction
                && s.pairing == pairing
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(median(&[f64::NAN, 5.0]), 5.0);
    }
}
