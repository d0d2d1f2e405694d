//! The report: a text table for the terminal, `bench.json` with every sample, and `bench.svg`.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::json::{Json, obj};
use crate::results::{BulkSeries, Results};
use crate::targets::{self, Row};

/// A figure with three significant digits or so; "–" when missing.
pub(crate) fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        "–".to_owned()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn met_text(row: &Row) -> &'static str {
    match row.met() {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "–",
    }
}

/// The table printed at the end of a run.
pub fn text(r: &Results) -> String {
    let mut s = String::new();
    let note = |k: &str| {
        r.notes
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let _ = writeln!(
        s,
        "\noxssh vs OpenSSH ({} run; {} cores; load {} → {}; {})",
        r.mode,
        note("cores"),
        note("load average at start"),
        note("load average at end"),
        note("openssh")
    );
    let rows = targets::rows(r);
    if !rows.is_empty() {
        let _ = writeln!(s, "\nTargets (ratio = oxssh / OpenSSH)");
        let _ = writeln!(
            s,
            "{:<42} {:>10} {:>10} {:>7} {:>8}  met",
            "metric", "oxssh", "OpenSSH", "ratio", "target"
        );
        for row in &rows {
            let _ = writeln!(
                s,
                "{:<42} {:>10} {:>10} {:>6}× {:>8}  {}",
                row.metric,
                format!("{} {}", fmt_num(row.ours), row.unit),
                format!("{} {}", fmt_num(row.openssh), row.unit),
                fmt_num(row.ratio()),
                row.goal_text(),
                met_text(row)
            );
        }
    }
    if let Some(first) = r.bulk.first() {
        let _ = writeln!(
            s,
            "\nBulk transfer ({} MiB, median of {}; CPU in seconds per GiB; server includes its children, \
             \"-cmd\" without the remote command)",
            first.bytes >> 20,
            first.samples.len()
        );
        bulk_table(&mut s, &r.bulk);
    }
    if !r.latency.is_empty() {
        let n = r.latency.first().map_or(0, |l| l.samples.len());
        let _ = writeln!(s, "\nLogin latency, `host true` (median of {n})");
        for l in &r.latency {
            let _ = writeln!(
                s,
                "  {:<16} {:>8} ms",
                l.pairing.label(),
                fmt_num(l.median_ms())
            );
        }
    }
    if !r.rate.is_empty() {
        let _ = writeln!(s, "\nLogin rate");
        for l in &r.rate {
            let _ = writeln!(
                s,
                "  {:<16} {:>8} logins/s with {} at once ({} failed)",
                l.pairing.label(),
                fmt_num(l.per_second()),
                l.parallel,
                l.failures
            );
        }
    }
    if !r.memory.is_empty() {
        let _ = writeln!(s, "\nServer memory per idle session");
        for m in &r.memory {
            let _ = writeln!(
                s,
                "  {:<8} {:>8} KiB PSS {:>8} KiB RSS  ({} sessions; {:.0} KiB before)",
                m.server.name(),
                fmt_num(m.pss_kib_per_session.unwrap_or(f64::NAN)),
                fmt_num(m.rss_kib_per_session),
                m.sessions,
                m.baseline_kib
            );
        }
    }
    if let Some(d) = &r.delay {
        let _ = writeln!(s, "\nAcross {} ms RTT, via {}", d.rtt_ms, d.method);
        bulk_table(&mut s, &d.series);
    }
    if !r.micro.is_empty() {
        let _ = writeln!(s, "\nMicro-benchmarks (criterion, oxssh-proto)");
        for m in &r.micro {
            let thr = m
                .bytes_per_s
                .map_or(String::new(), |b| format!("  {:>7.2} GB/s", b / 1e9));
            let _ = writeln!(s, "  {:<48} {:>12}{thr}", m.name, time_text(m.time_ns));
        }
    }
    for (part, why) in &r.skipped {
        let _ = writeln!(s, "\n{part}: skipped: {why}");
    }
    s
}

fn time_text(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn bulk_table(s: &mut String, series: &[BulkSeries]) {
    let _ = writeln!(
        s,
        "  {:<18} {:<9} {:<14} {:>7} {:>9} {:>9} {:>9}",
        "suite", "direction", "pairing", "MB/s", "client", "server", "-cmd"
    );
    for b in series {
        let _ = writeln!(
            s,
            "  {:<18} {:<9} {:<14} {:>7} {:>9} {:>9} {:>9}",
            b.suite.map_or("defaults", |x| x.label),
            b.direction.name(),
            b.pairing.label(),
            fmt_num(b.mb_per_s()),
            fmt_num(b.client_cpu_per_gib()),
            fmt_num(b.server_cpu_per_gib()),
            fmt_num(b.server_only_cpu_per_gib())
        );
    }
}

fn bulk_json(b: &BulkSeries) -> Json {
    obj([
        ("suite", b.suite.map(|s| s.label).into()),
        ("cipher", b.suite.map(|s| s.cipher).into()),
        ("mac", b.suite.and_then(|s| s.mac).into()),
        ("direction", b.direction.name().into()),
        ("client", b.pairing.client.name().into()),
        ("server", b.pairing.server.name().into()),
        ("bytes", b.bytes.into()),
        ("mb_per_s", b.mb_per_s().into()),
        ("client_cpu_s_per_gib", b.client_cpu_per_gib().into()),
        ("server_cpu_s_per_gib", b.server_cpu_per_gib().into()),
        (
            "server_cpu_without_command_s_per_gib",
            b.server_only_cpu_per_gib().into(),
        ),
        (
            "seconds",
            b.samples.iter().map(|x| x.secs).collect::<Vec<_>>().into(),
        ),
        (
            "client_cpu_s",
            b.samples
                .iter()
                .map(|x| x.client_cpu)
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "server_cpu_s",
            b.samples
                .iter()
                .map(|x| x.server_cpu)
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "command_cpu_s",
            b.samples
                .iter()
                .map(|x| x.command_cpu)
                .collect::<Vec<_>>()
                .into(),
        ),
    ])
}

/// Everything, as JSON.
pub fn json(r: &Results) -> Json {
    let targets: Vec<Json> = targets::rows(r)
        .iter()
        .map(|row| {
            obj([
                ("metric", row.metric.clone().into()),
                ("unit", row.unit.into()),
                ("oxssh", row.ours.into()),
                ("openssh", row.openssh.into()),
                ("ratio", row.ratio().into()),
                ("target", row.goal_text().into()),
                ("met", row.met().into()),
                ("basis", row.basis.clone().into()),
            ])
        })
        .collect();
    obj([
        ("mode", r.mode.clone().into()),
        (
            "machine",
            Json::Obj(
                r.notes
                    .iter()
                    .map(|(k, v)| (k.clone(), Json::from(v.clone())))
                    .collect(),
            ),
        ),
        ("targets", Json::Arr(targets)),
        ("bulk", Json::Arr(r.bulk.iter().map(bulk_json).collect())),
        (
            "latency",
            Json::Arr(
                r.latency
                    .iter()
                    .map(|l| {
                        obj([
                            ("client", l.pairing.client.name().into()),
                            ("server", l.pairing.server.name().into()),
                            ("median_ms", l.median_ms().into()),
                            ("seconds", l.samples.clone().into()),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "rate",
            Json::Arr(
                r.rate
                    .iter()
                    .map(|l| {
                        obj([
                            ("client", l.pairing.client.name().into()),
                            ("server", l.pairing.server.name().into()),
                            ("parallel", l.parallel.into()),
                            ("logins_per_s", l.per_second().into()),
                            ("samples", l.samples.clone().into()),
                            ("failures", l.failures.into()),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "memory",
            Json::Arr(
                r.memory
                    .iter()
                    .map(|m| {
                        obj([
                            ("server", m.server.name().into()),
                            ("sessions", m.sessions.into()),
                            ("pss_kib_per_session", m.pss_kib_per_session.into()),
                            ("rss_kib_per_session", m.rss_kib_per_session.into()),
                            ("baseline_kib", m.baseline_kib.into()),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "delay",
            r.delay.as_ref().map_or(Json::Null, |d| {
                obj([
                    ("method", d.method.clone().into()),
                    ("rtt_ms", d.rtt_ms.into()),
                    ("runs", Json::Arr(d.series.iter().map(bulk_json).collect())),
                ])
            }),
        ),
        (
            "micro",
            Json::Arr(
                r.micro
                    .iter()
                    .map(|m| {
                        obj([
                            ("name", m.name.clone().into()),
                            ("time_ns", m.time_ns.into()),
                            ("bytes_per_s", m.bytes_per_s.into()),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "skipped",
            Json::Obj(
                r.skipped
                    .iter()
                    .map(|(k, v)| (k.clone(), Json::from(v.clone())))
                    .collect(),
            ),
        ),
    ])
}

/// Writes bench.json and bench.svg into `dir` (created if needed); returns their paths.
pub fn write_files(r: &Results, dir: &Path) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::new(format!("{}: {e}", dir.display())))?;
    let json_path = dir.join("bench.json");
    let svg_path = dir.join("bench.svg");
    let mut text = json(r).to_string();
    text.push('\n');
    std::fs::write(&json_path, text)
        .map_err(|e| Error::new(format!("{}: {e}", json_path.display())))?;
    std::fs::write(&svg_path, crate::svg::chart(r))
        .map_err(|e| Error::new(format!("{}: {e}", svg_path.display())))?;
    Ok(vec![json_path, svg_path])
}
