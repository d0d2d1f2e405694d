//! Bulk transfer: one client run moves `bytes` one way through a session channel, and we take its
//! wall time and the CPU the client and the server (children included) spent on it.
//!
//! Upload: the client's standard input is a pipe we fill with zeros, the remote command `wc -c`
//! counts what arrives. Download: the remote command `dd` writes zeros in 128 KiB blocks, we count what the
//! client prints. Either way the remote shell then runs `times`, so the remote command's own CPU
//! can be told apart from the server's.

use std::time::Duration;

use crate::clients::{self, ClientKind, Suite};
use crate::results::{BulkSample, Direction};
use crate::runner;
use crate::servers::{Endpoint, Server};
use crate::{Bench, Error};

/// Block size of the download command.
pub const DD_BLOCK: u64 = 128 * 1024;

/// What the remote side runs.
pub fn remote_command(direction: Direction, bytes: u64) -> String {
    match direction {
        Direction::Upload => "wc -c; times".to_owned(),
        Direction::Download => format!(
            "dd if=/dev/zero bs={DD_BLOCK} count={} status=none; times >&2",
            bytes / DD_BLOCK
        ),
    }
}

/// Seconds in one `times` field such as `0m1.250s`.
fn times_field(f: &str) -> Option<f64> {
    let f = f.strip_suffix('s')?;
    let (m, s) = f.split_once('m')?;
    Some(m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?)
}

/// The CPU seconds in a shell's `times` output (its own line and its children's), found among
/// other lines.
pub fn parse_times(text: &str) -> f64 {
    text.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let (a, b) = (it.next()?, it.next()?);
            if it.next().is_some() {
                return None;
            }
            Some(times_field(a)? + times_field(b)?)
        })
        .sum()
}

/// A generous deadline: 10 MB/s is far below anything a working pairing does.
fn timeout_for(bytes: u64) -> Duration {
    Duration::from_secs(30 + bytes / 10_000_000)
}

/// One transfer of `bytes` (a multiple of [`DD_BLOCK`]) through `endpoint`, which leads to
/// `server` (directly, or through a delaying relay).
pub fn transfer(
    bench: &Bench,
    server: &Server,
    endpoint: &Endpoint,
    client: ClientKind,
    suite: Option<Suite>,
    direction: Direction,
    bytes: u64,
) -> Result<BulkSample, Error> {
    let remote = remote_command(direction, bytes);
    let cmd = clients::command(
        client,
        &bench.programs,
        &bench.fixture,
        endpoint,
        suite,
        &[],
        &remote,
    );
    let stdin = match direction {
        Direction::Upload => runner::Input::Zeros(bytes),
        Direction::Download => runner::Input::Null,
    };
    server.wait_idle()?;
    let server_before = server.cpu_seconds()?;
    let what = format!(
        "{} {} with {} to {}",
        direction.name(),
        suite.map_or("defaults", |s| s.label),
        client.name(),
        server.kind.name()
    );
    let outcome = runner::run(cmd, stdin, timeout_for(bytes))
        .map_err(|e| Error::new(format!("{what}: {e}")))?;
    outcome.check(&what)?;
    server.wait_idle()?;
    let server_cpu = server.cpu_seconds()? - server_before;
    let stdout = String::from_utf8_lossy(&outcome.stdout_head);
    let (received, command_cpu) = match direction {
        Direction::Upload => {
            let count = stdout
                .lines()
                .next()
                .and_then(|l| l.trim().parse::<u64>().ok());
            (count.unwrap_or(0), parse_times(&stdout))
        }
        Direction::Download => (outcome.stdout_bytes, parse_times(&outcome.stderr)),
    };
    if received != bytes {
        return Err(Error::new(format!(
            "{what}: {received} bytes arrived, not {bytes}"
        )));
    }
    Ok(BulkSample {
        secs: outcome.wall.as_secs_f64(),
        client_cpu: outcome.cpu,
        server_cpu,
        command_cpu,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_output_is_summed() {
        let text = "1073741824\n0m0.004s 0m0.001s\n0m1.250s 1m2.000s\n";
        assert!((parse_times(text) - 63.255).abs() < 1e-9);
        assert_eq!(parse_times("no times here\n"), 0.0);
    }

    #[test]
    fn download_command_writes_whole_blocks() {
        assert_eq!(
            remote_command(Direction::Download, 4 * DD_BLOCK),
            "dd if=/dev/zero bs=131072 count=4 status=none; times >&2"
        );
    }
}
