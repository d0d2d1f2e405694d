//! The criterion benchmarks of the protocol core (crates/oxssh-proto/benches/{packet,kex}.rs):
//! run through cargo with short measurement times, their estimates read from what criterion
//! prints.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::Error;
use crate::results::MicroResult;

/// The criterion flags: short runs, since the suite reports these beside the end-to-end figures
/// rather than hunting for small changes. scripts/bench.sh passes the same.
pub const CRITERION_ARGS: [&str; 4] = ["--warm-up-time", "0.5", "--measurement-time", "1.5"];

/// Reads criterion's output saved in `path`.
pub fn read(path: &Path) -> Result<Vec<MicroResult>, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
    let parsed = parse(&text);
    if parsed.is_empty() {
        return Err(Error::new(format!(
            "{}: no criterion estimates in it",
            path.display()
        )));
    }
    Ok(parsed)
}

/// Runs both criterion benches of oxssh-proto in the workspace at `root` and returns their
/// medians.
pub fn run(root: &Path) -> Result<Vec<MicroResult>, Error> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root)
        .args([
            "bench",
            "-q",
            "-p",
            "oxssh-proto",
            "--bench",
            "packet",
            "--bench",
            "kex",
            "--",
        ])
        .args(CRITERION_ARGS)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Error::new(format!("cannot run cargo bench: {e}")))?;
    if !out.status.success() {
        return Err(Error::new(format!(
            "cargo bench -p oxssh-proto failed: {}",
            out.status
        )));
    }
    let parsed = parse(&String::from_utf8_lossy(&out.stdout));
    if parsed.is_empty() {
        return Err(Error::new(
            "cargo bench -p oxssh-proto printed no estimates",
        ));
    }
    Ok(parsed)
}

fn time_ns(value: &str, unit: &str) -> Option<f64> {
    let v: f64 = value.parse().ok()?;
    let scale = match unit {
        "ps" => 1e-3,
        "ns" => 1.0,
        "µs" | "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return None,
    };
    Some(v * scale)
}

fn bytes_per_s(value: &str, unit: &str) -> Option<f64> {
    let v: f64 = value.parse().ok()?;
    let scale = match unit {
        "B/s" => 1.0,
        "KiB/s" => 1024.0,
        "MiB/s" => 1024.0 * 1024.0,
        "GiB/s" => 1024.0 * 1024.0 * 1024.0,
        "TiB/s" => 1024.0f64.powi(4),
        _ => return None,
    };
    Some(v * scale)
}

/// The middle of criterion's `[low mid high]` triple: (value, unit).
fn middle(bracketed: &str) -> Option<(&str, &str)> {
    let inner = bracketed.split_once('[')?.1.split_once(']')?.0;
    let words: Vec<&str> = inner.split_whitespace().collect();
    // Three value/unit pairs.
    Some((*words.get(2)?, *words.get(3)?))
}

/// Reads criterion's report: an id (on its own line when long, else before `time:`), a `time:`
/// line and optionally a `thrpt:` line.
pub fn parse(text: &str) -> Vec<MicroResult> {
    let mut out: Vec<MicroResult> = Vec::new();
    let mut last_line = "";
    for line in text.lines() {
        if let Some((before, after)) = line.split_once("time:") {
            let name = if before.trim().is_empty() {
                last_line.trim()
            } else {
                before.trim()
            };
            if let Some(ns) = middle(after).and_then(|(v, u)| time_ns(v, u))
                && !name.is_empty()
            {
                out.push(MicroResult {
                    name: name.to_owned(),
                    time_ns: ns,
                    bytes_per_s: None,
                });
            }
        } else if let Some((_, after)) = line.split_once("thrpt:")
            && let (Some(last), Some(bps)) = (
                out.last_mut(),
                middle(after).and_then(|(v, u)| bytes_per_s(v, u)),
            )
        {
            last.bytes_per_s = Some(bps);
        }
        if !line.trim().is_empty() {
            last_line = line;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criterion_reports_parse() {
        let text = "\
packet-32KiB/seal/chacha20-poly1305
                        time:   [17.046 µs 17.093 µs 17.146 µs]
                        thrpt:  [1.7798 GiB/s 1.7852 GiB/s 1.7902 GiB/s]
kex/short               time:   [1.0 ms 2.5 ms 3.0 ms]
                        change: [-1.0% +0.5% +2.0%] (p = 0.50 > 0.05)
";
        let r = parse(text);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].name, "packet-32KiB/seal/chacha20-poly1305");
        assert!((r[0].time_ns - 17093.0).abs() < 1e-6);
        assert!((r[0].bytes_per_s.unwrap() - 1.7852 * 1024.0 * 1024.0 * 1024.0).abs() < 1.0);
        assert_eq!(r[1].name, "kex/short");
        assert_eq!(r[1].time_ns, 2.5e6);
        assert_eq!(r[1].bytes_per_s, None);
    }
}
