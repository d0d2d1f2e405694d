//! The suite's flags.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::Error;

/// One part of the suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// Bulk transfer, every suite, both directions, all four pairings.
    Bulk,
    /// `ssh host true`, one at a time.
    Latency,
    /// Logins per second with many clients at once.
    Rate,
    /// Server memory per idle session.
    Memory,
    /// Throughput across a 50 ms round trip.
    Delay,
    /// The criterion benchmarks of the packet path and key exchange.
    Micro,
}

impl Part {
    /// Every part, in the order they run.
    pub const ALL: [Part; 6] = [
        Part::Micro,
        Part::Latency,
        Part::Rate,
        Part::Memory,
        Part::Bulk,
        Part::Delay,
    ];

    /// The name on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Part::Bulk => "bulk",
            Part::Latency => "latency",
            Part::Rate => "rate",
            Part::Memory => "memory",
            Part::Delay => "delay",
            Part::Micro => "micro",
        }
    }

    fn parse(s: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// How much to measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// "full" or "quick".
    pub mode: &'static str,
    /// The parts to run.
    pub parts: Vec<Part>,
    /// Bytes per bulk transfer.
    pub bulk_bytes: u64,
    /// Repetitions of every bulk transfer.
    pub bulk_reps: usize,
    /// Cipher suites to run (labels); empty means all.
    pub suites: Vec<String>,
    /// Logins per pairing for the latency.
    pub latency_runs: usize,
    /// Clients at once for the login rate.
    pub rate_parallel: usize,
    /// How long each login-rate run lasts.
    pub rate_duration: Duration,
    /// Login-rate runs per pairing.
    pub rate_reps: usize,
    /// Idle sessions for the memory figure.
    pub sessions: usize,
    /// Bytes per transfer across the long round trip.
    pub delay_bytes: u64,
    /// Repetitions across the long round trip.
    pub delay_reps: usize,
    /// The round trip to emulate.
    pub rtt: Duration,
    /// Where bench.json and bench.svg go.
    pub out_dir: PathBuf,
    /// Criterion's output saved by scripts/bench.sh, read instead of running cargo here (which,
    /// under sudo, may not find the user's toolchain).
    pub micro_from: Option<PathBuf>,
}

impl Options {
    /// The full run: 1 GiB transfers, three of each.
    pub fn full() -> Options {
        Options {
            mode: "full",
            parts: Part::ALL.to_vec(),
            bulk_bytes: 1024 * MIB,
            bulk_reps: 3,
            suites: Vec::new(),
            latency_runs: 21,
            rate_parallel: 16,
            rate_duration: Duration::from_secs(5),
            rate_reps: 2,
            sessions: 100,
            delay_bytes: 512 * MIB,
            delay_reps: 2,
            rtt: Duration::from_millis(50),
            out_dir: PathBuf::from("target/oxssh-bench"),
            micro_from: None,
        }
    }

    /// The quick run: 128 MiB transfers, fewer repetitions, no micro-benchmarks.
    pub fn quick() -> Options {
        Options {
            mode: "quick",
            parts: Part::ALL
                .into_iter()
                .filter(|p| *p != Part::Micro)
                .collect(),
            bulk_bytes: 128 * MIB,
            bulk_reps: 2,
            latency_runs: 11,
            rate_duration: Duration::from_secs(3),
            rate_reps: 1,
            delay_bytes: 128 * MIB,
            delay_reps: 1,
            ..Options::full()
        }
    }
}

const MIB: u64 = 1024 * 1024;

/// The usage text.
pub const USAGE: &str =
    "usage: oxssh-bench [--quick] [--only part,...] [--skip part,...] [--size MiB] [--reps n]
                   [--suite label]... [--sessions n] [--latency-runs n] [--rate-seconds s]
                   [--out dir] [--micro-from criterion-output] [--list-parts]
parts: micro latency rate memory bulk delay
suites: aes128-gcm aes256-gcm chacha20-poly1305 aes128-ctr+etm";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Run the suite.
    Run(Options),
    /// Print the usage and exit 0.
    Help,
    /// Print the parts these flags select, one a line, and exit 0 (for scripts/bench.sh).
    ListParts(Vec<Part>),
}

fn parts(list: &str) -> Result<Vec<Part>, Error> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Part::parse(s).ok_or_else(|| Error::new(format!("unknown part: {s}"))))
        .collect()
}

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, Error> {
    v.parse()
        .map_err(|_| Error::new(format!("{flag} needs a number, not {v}")))
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, Error> {
    use lexopt::Arg;
    let args: Vec<OsString> = args.into_iter().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let mut o = if quick {
        Options::quick()
    } else {
        Options::full()
    };
    let mut p = lexopt::Parser::from_args(args);
    let mut only: Option<Vec<Part>> = None;
    let mut skip: Vec<Part> = Vec::new();
    let mut list = false;
    while let Some(arg) = p.next().map_err(|e| Error::new(e.to_string()))? {
        let flag = match arg {
            Arg::Long(l) => l.to_owned(),
            Arg::Short(c) => c.to_string(),
            other => return Err(Error::new(other.unexpected().to_string())),
        };
        let mut value = |name: &str| -> Result<String, Error> {
            p.value()
                .map(|v| v.to_string_lossy().into_owned())
                .map_err(|_| Error::new(format!("{name} needs a value")))
        };
        match flag.as_str() {
            "quick" => {}
            "help" | "h" => return Ok(Command::Help),
            "only" => only = Some(parts(&value("--only")?)?),
            "skip" => skip.extend(parts(&value("--skip")?)?),
            "size" => {
                let mib: u64 = number("--size", &value("--size")?)?;
                if mib == 0 {
                    return Err(Error::new("--size must be at least 1 MiB"));
                }
                o.bulk_bytes = mib * MIB;
                o.delay_bytes = o.delay_bytes.min(o.bulk_bytes);
            }
            "reps" => {
                let n: usize = number("--reps", &value("--reps")?)?;
                o.bulk_reps = n.max(1);
                o.delay_reps = n.max(1);
                o.rate_reps = n.max(1);
            }
            "suite" => {
                let s = value("--suite")?;
                if !crate::clients::SUITES.iter().any(|x| x.label == s) {
                    return Err(Error::new(format!("unknown suite: {s}")));
                }
                o.suites.push(s);
            }
            "sessions" => o.sessions = number::<usize>("--sessions", &value("--sessions")?)?.max(1),
            "latency-runs" => {
                o.latency_runs =
                    number::<usize>("--latency-runs", &value("--latency-runs")?)?.max(1);
            }
            "rate-seconds" => {
                o.rate_duration = Duration::from_secs(
                    number::<u64>("--rate-seconds", &value("--rate-seconds")?)?.max(1),
                );
            }
            "out" => o.out_dir = PathBuf::from(value("--out")?),
            "micro-from" => o.micro_from = Some(PathBuf::from(value("--micro-from")?)),
            "list-parts" => list = true,
            _ => {
                let dashes = if flag.len() == 1 { "-" } else { "--" };
                return Err(Error::new(format!("invalid option '{dashes}{flag}'")));
            }
        }
    }
    if let Some(only) = only {
        o.parts.retain(|p| only.contains(p));
        // --only names a part the mode leaves out (micro in --quick): run it anyway.
        for p in only {
            if !o.parts.contains(&p) {
                o.parts.push(p);
            }
        }
    }
    o.parts.retain(|p| !skip.contains(p));
    o.parts
        .sort_by_key(|p| Part::ALL.iter().position(|q| q == p));
    if list {
        return Ok(Command::ListParts(o.parts));
    }
    Ok(Command::Run(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(a: &[&str]) -> Options {
        match parse(a.iter().map(OsString::from)).unwrap() {
            Command::Run(o) => o,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn quick_is_smaller_and_leaves_out_micro() {
        let q = run(&["--quick"]);
        assert_eq!(q.bulk_bytes, 128 * MIB);
        assert!(!q.parts.contains(&Part::Micro));
        assert_eq!(run(&[]).bulk_bytes, 1024 * MIB);
    }

    #[test]
    fn only_and_skip_select_parts_in_run_order() {
        let o = run(&["--only", "bulk,latency"]);
        assert_eq!(o.parts, vec![Part::Latency, Part::Bulk]);
        let o = run(&["--quick", "--only", "micro"]);
        assert_eq!(o.parts, vec![Part::Micro]);
        assert_eq!(
            parse(["--quick", "--list-parts"].map(OsString::from)).unwrap(),
            Command::ListParts(vec![
                Part::Latency,
                Part::Rate,
                Part::Memory,
                Part::Bulk,
                Part::Delay
            ])
        );
        let o = run(&["--skip", "micro,delay"]);
        assert!(!o.parts.contains(&Part::Micro) && !o.parts.contains(&Part::Delay));
    }

    #[test]
    fn bad_flags_are_one_clear_line() {
        let e = parse(["--only", "nonsense"].map(OsString::from)).unwrap_err();
        assert_eq!(e.to_string(), "unknown part: nonsense");
        let e = parse(["--size", "x"].map(OsString::from)).unwrap_err();
        assert_eq!(e.to_string(), "--size needs a number, not x");
        assert!(parse(["--suite", "rot13"].map(OsString::from)).is_err());
    }
}
