//! The order of everything. Within each part the pairings take turns (A B A B ...), so a machine
//! that slows down or speeds up during the run shifts both sides of each ratio alike.

use std::net::SocketAddr;
use std::path::Path;

use crate::cli::{Options, Part};
use crate::clients::{ClientKind, Pairing, SUITES, Suite};
use crate::delay::{self, Namespaces, Relay};
use crate::fixture::Programs;
use crate::results::{
    BulkSeries, DelayResult, Direction, LatencySeries, MemoryResult, RateResult, Results,
};
use crate::servers::{Endpoint, Server, ServerKind};
use crate::{Bench, Error, bulk, login, memory, messages, micro, procfs};

fn check_programs(p: &Programs) -> Result<(), Error> {
    for (path, hint) in [
        (&p.oxssh, "build it: cargo build --release -p oxssh"),
        (&p.oxsshd, "build it: cargo build --release -p oxsshd"),
        (&p.sshd, "install openssh-server"),
    ] {
        if !path.exists() {
            return Err(messages::missing(&path.display().to_string(), hint));
        }
    }
    for (name, hint) in [
        ("ssh", "install openssh-client"),
        ("ssh-keygen", "install openssh-client"),
    ] {
        if std::process::Command::new(name)
            .arg("-V")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_err()
        {
            return Err(messages::missing(name, hint));
        }
    }
    Ok(())
}

fn version_of(program: &Path, flag: &str) -> String {
    std::process::Command::new(program)
        .arg(flag)
        .output()
        .map(|o| {
            let mut s = String::from_utf8_lossy(&o.stderr).into_owned();
            s.push_str(&String::from_utf8_lossy(&o.stdout));
            s.lines().next().unwrap_or("").trim().to_owned()
        })
        .unwrap_or_default()
}

fn machine_notes(o: &Options, programs: &Programs) -> Vec<(String, String)> {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_default();
    vec![
        ("mode".into(), o.mode.into()),
        ("cpu".into(), cpu),
        ("cores".into(), cores.to_string()),
        ("kernel".into(), kernel.trim().into()),
        ("openssh".into(), version_of(&programs.ssh, "-V")),
        ("oxssh".into(), version_of(&programs.oxssh, "-V")),
        ("bulk bytes".into(), o.bulk_bytes.to_string()),
        ("bulk repetitions".into(), o.bulk_reps.to_string()),
        (
            "load average at start".into(),
            format!("{:.2}", procfs::load_average().unwrap_or(f64::NAN)),
        ),
    ]
}

/// Runs the parts `o` asks for and returns everything measured.
pub fn run(o: &Options, programs: Programs) -> Result<Results, Error> {
    if !nix::unistd::geteuid().is_root() {
        return Err(Error::new(messages::NEED_ROOT));
    }
    check_programs(&programs)?;
    let mut results = Results {
        mode: o.mode.to_owned(),
        notes: machine_notes(o, &programs),
        ..Results::default()
    };
    if o.parts.contains(&Part::Micro) {
        messages::part(
            "micro",
            "cargo bench -p oxssh-proto (packet path, key exchange)",
        );
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let measured = match &o.micro_from {
            Some(path) => micro::read(path),
            None => micro::run(&root),
        };
        match measured {
            Ok(m) => results.micro = m,
            Err(e) => {
                messages::skipped("micro", &e.to_string());
                results.skipped.push(("micro".into(), e.to_string()));
            }
        }
    }
    let bench = Bench::start(programs)?;
    results
        .notes
        .push(("server CPU".into(), bench.sshd.cpu_method()));
    results.notes.push((
        "login user".into(),
        match &bench.fixture.user_note {
            None => format!("{} (temporary, shell /bin/sh)", bench.fixture.user.name),
            Some(note) => note.clone(),
        },
    ));
    for part in &o.parts {
        match part {
            Part::Micro => {}
            Part::Latency => results.latency = latency(&bench, o)?,
            Part::Rate => results.rate = rate(&bench, o)?,
            Part::Memory => results.memory = memory_part(&bench, o)?,
            Part::Bulk => results.bulk = bulk_all(&bench, o)?,
            Part::Delay => match delay_part(&bench, o) {
                Ok(d) => results.delay = Some(d),
                Err(e) => {
                    messages::skipped("delay", &e.to_string());
                    results.skipped.push(("delay".into(), e.to_string()));
                }
            },
        }
    }
    results.notes.push((
        "load average at end".into(),
        format!("{:.2}", procfs::load_average().unwrap_or(f64::NAN)),
    ));
    Ok(results)
}

fn latency(bench: &Bench, o: &Options) -> Result<Vec<LatencySeries>, Error> {
    messages::part(
        "latency",
        format_args!("{} × `host true` per pairing, interleaved", o.latency_runs),
    );
    // One login each first: page cache, the daemons' first-connection work.
    for p in Pairing::ALL {
        login::login_once(bench, p)?;
    }
    let mut series: Vec<LatencySeries> = Pairing::ALL
        .iter()
        .map(|&pairing| LatencySeries {
            pairing,
            samples: Vec::new(),
        })
        .collect();
    for _ in 0..o.latency_runs {
        for s in &mut series {
            s.samples.push(login::login_once(bench, s.pairing)?);
        }
    }
    for s in &series {
        messages::step(format_args!(
            "{}: {:.1} ms",
            s.pairing.label(),
            s.median_ms()
        ));
    }
    Ok(series)
}

fn rate(bench: &Bench, o: &Options) -> Result<Vec<RateResult>, Error> {
    messages::part(
        "rate",
        format_args!(
            "{} clients at once for {} s, {} run(s) per pairing",
            o.rate_parallel,
            o.rate_duration.as_secs(),
            o.rate_reps
        ),
    );
    let mut out: Vec<RateResult> = Pairing::ALL
        .iter()
        .map(|&pairing| RateResult {
            pairing,
            parallel: o.rate_parallel,
            samples: Vec::new(),
            failures: 0,
        })
        .collect();
    for _ in 0..o.rate_reps {
        for r in &mut out {
            let (per_s, failed) =
                login::login_rate(bench, r.pairing, o.rate_parallel, o.rate_duration)?;
            r.samples.push(per_s);
            r.failures += failed;
            messages::step(format_args!(
                "{}: {per_s:.1} logins/s ({failed} failed)",
                r.pairing.label()
            ));
        }
    }
    Ok(out)
}

/// Memory is measured on servers started for it, so that what earlier parts left in the heap
/// (freed, but kept by the allocator) does not absorb the new sessions.
fn memory_part(bench: &Bench, o: &Options) -> Result<Vec<MemoryResult>, Error> {
    messages::part(
        "memory",
        format_args!(
            "{} idle ssh -N sessions per server, on freshly started servers",
            o.sessions
        ),
    );
    let mut out = Vec::new();
    for kind in ServerKind::ALL {
        let tag = format!("{}-memory", kind.name());
        let server = Server::start(kind, &bench.programs, &bench.fixture, "127.0.0.1", &tag)?;
        // One login first, so one-time start-up work is in the baseline, not in the sessions.
        login::login_to(bench, &server, ClientKind::Ssh)?;
        let m = memory::per_session(bench, &server, o.sessions)?;
        messages::step(format_args!(
            "{}: {:.0} KiB PSS, {:.0} KiB RSS per session",
            kind.name(),
            m.pss_kib_per_session.unwrap_or(f64::NAN),
            m.rss_kib_per_session
        ));
        out.push(m);
    }
    Ok(out)
}

fn suites(o: &Options) -> Vec<Suite> {
    SUITES
        .into_iter()
        .filter(|s| o.suites.is_empty() || o.suites.iter().any(|x| x == s.label))
        .collect()
}

fn bulk_all(bench: &Bench, o: &Options) -> Result<Vec<BulkSeries>, Error> {
    let bytes = o.bulk_bytes / bulk::DD_BLOCK * bulk::DD_BLOCK;
    let suites = suites(o);
    messages::part(
        "bulk",
        format_args!(
            "{} MiB × {} per suite, direction and pairing ({} runs)",
            bytes >> 20,
            o.bulk_reps,
            o.bulk_reps * suites.len() * 2 * Pairing::ALL.len()
        ),
    );
    let mut series = Vec::new();
    for &suite in &suites {
        for direction in Direction::ALL {
            for pairing in Pairing::ALL {
                series.push(BulkSeries {
                    suite: Some(suite),
                    direction,
                    pairing,
                    bytes,
                    samples: Vec::new(),
                });
            }
        }
    }
    for rep in 0..o.bulk_reps {
        for s in &mut series {
            let server = bench.server(s.pairing.server);
            let sample = bulk::transfer(
                bench,
                server,
                &server.endpoint,
                s.pairing.client,
                s.suite,
                s.direction,
                bytes,
            )?;
            messages::step(format_args!(
                "{}/{} {} {:<18} {:<14} {:6.0} MB/s  client {:.2} s  server {:.2} s (command {:.2} s)",
                rep + 1,
                o.bulk_reps,
                s.direction.name(),
                s.suite.map_or("", |x| x.label),
                s.pairing.label(),
                bytes as f64 / sample.secs / 1e6,
                sample.client_cpu,
                sample.server_cpu,
                sample.command_cpu
            ));
            s.samples.push(sample);
        }
    }
    Ok(series)
}

/// Where the long-round-trip runs connect, and what keeps it alive.
enum Path50 {
    Relays(Vec<Relay>),
    Netem(Namespaces, Vec<Server>),
}

fn delay_part(bench: &Bench, o: &Options) -> Result<DelayResult, Error> {
    let one_way = o.rtt / 2;
    let (method, path) = match delay::netem_available() {
        Ok(()) => {
            let ns = Namespaces::create(Some(one_way))?;
            let mut servers = Vec::new();
            for kind in ServerKind::ALL {
                let tag = format!("{}-netem", kind.name());
                servers.push(Server::start(
                    kind,
                    &bench.programs,
                    &bench.fixture,
                    &ns.server_addr,
                    &tag,
                )?);
            }
            (
                "netem in network namespaces".to_owned(),
                Path50::Netem(ns, servers),
            )
        }
        Err(why) => {
            let mut relays = Vec::new();
            for kind in ServerKind::ALL {
                let e = &bench.server(kind).endpoint;
                let addr: SocketAddr = format!("{}:{}", e.host, e.port)
                    .parse()
                    .map_err(|_| Error::new(format!("bad address {}:{}", e.host, e.port)))?;
                relays.push(Relay::start(addr, one_way)?);
            }
            (
                format!("userspace delay relay on 127.0.0.1 (netem unavailable: {why})"),
                Path50::Relays(relays),
            )
        }
    };
    let bytes = o.delay_bytes / bulk::DD_BLOCK * bulk::DD_BLOCK;
    messages::part(
        "delay",
        format_args!(
            "{} ms RTT, {} MiB × {}, via {method}",
            o.rtt.as_millis(),
            bytes >> 20,
            o.delay_reps
        ),
    );
    let route = |kind: ServerKind| -> (&Server, Endpoint) {
        match &path {
            Path50::Relays(relays) => {
                let i = ServerKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
                let port = relays.get(i).map_or(0, |r| r.port);
                (
                    bench.server(kind),
                    Endpoint {
                        host: "127.0.0.1".into(),
                        port,
                        client_netns: None,
                    },
                )
            }
            Path50::Netem(ns, servers) => {
                let s = servers
                    .iter()
                    .find(|s| s.kind == kind)
                    .unwrap_or(bench.server(kind));
                let mut e = s.endpoint.clone();
                e.client_netns = Some(ns.client_ns.clone());
                (s, e)
            }
        }
    };
    // The same cipher on both sides, so only the windows and the event loops differ.
    let suite = SUITES.first().copied();
    let mut series = Vec::new();
    for direction in Direction::ALL {
        for pairing in [Pairing::OURS, Pairing::OPENSSH] {
            series.push(BulkSeries {
                suite,
                direction,
                pairing,
                bytes,
                samples: Vec::new(),
            });
        }
    }
    for _ in 0..o.delay_reps {
        for s in &mut series {
            let (server, endpoint) = route(s.pairing.server);
            let sample = bulk::transfer(
                bench,
                server,
                &endpoint,
                s.pairing.client,
                s.suite,
                s.direction,
                bytes,
            )?;
            messages::step(format_args!(
                "{} {:<14} {:6.1} MB/s",
                s.direction.name(),
                s.pairing.label(),
                bytes as f64 / sample.secs / 1e6
            ));
            s.samples.push(sample);
        }
    }
    drop(path);
    Ok(DelayResult {
        method,
        rtt_ms: o.rtt.as_millis() as u64,
        series,
    })
}
