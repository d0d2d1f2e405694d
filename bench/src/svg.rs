//! The chart: one row per target, OpenSSH's figure as a grey bar of length 1 and oxssh's as a
//! coloured bar of length ours/OpenSSH, with the target marked. Plain SVG, written by hand.

use std::fmt::Write;

use crate::report::fmt_num as num;
use crate::results::Results;
use crate::targets::{self, Better, Row};

const WIDTH: f64 = 980.0;
const LABEL_W: f64 = 290.0;
const BAR_X: f64 = 300.0;
const BAR_W: f64 = 420.0;
const ROW_H: f64 = 30.0;
const TOP: f64 = 86.0;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn colour(row: &Row) -> &'static str {
    match row.met() {
        Some(true) => "#2e7d32",
        Some(false) => "#c62828",
        None => "#9e9e9e",
    }
}

/// The chart for `r` as an SVG document.
pub fn chart(r: &Results) -> String {
    let rows = targets::rows(r);
    // The scale covers every ratio and target, at least up to 2×, at most 8× (longer bars are cut
    // and say so with their number).
    let max = rows
        .iter()
        .flat_map(|row| [row.ratio(), row.goal])
        .filter(|v| v.is_finite())
        .fold(2.0f64, f64::max)
        .min(8.0);
    let x = |ratio: f64| BAR_X + BAR_W * (ratio.clamp(0.0, max) / max);
    let height = TOP + ROW_H * rows.len().max(1) as f64 + 40.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" \
         font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(s, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");
    let note = |k: &str| {
        r.notes
            .iter()
            .find(|(n, _)| n == k)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let _ = writeln!(
        s,
        "<text x=\"12\" y=\"22\" font-size=\"16\" font-weight=\"bold\">oxssh vs OpenSSH on the same machine ({} run)</text>",
        escape(&r.mode)
    );
    let _ = writeln!(
        s,
        "<text x=\"12\" y=\"42\" fill=\"#555\">{} cores, {}; {}. Grey: OpenSSH (1×). Colour: oxssh / OpenSSH, green where the target (black tick) is met.</text>",
        escape(&note("cores")),
        escape(&note("cpu")),
        escape(&note("openssh"))
    );
    let _ = writeln!(
        s,
        "<text x=\"12\" y=\"60\" fill=\"#555\">Lower is better for CPU, latency and memory; higher for throughput and login rate.</text>"
    );
    // Grid: 0, 1×, and whole multiples.
    let bottom = TOP + ROW_H * rows.len() as f64;
    let mut tick = 0.0;
    while tick <= max + 1e-9 {
        let tx = x(tick);
        let stroke = if (tick - 1.0).abs() < 1e-9 {
            "#444"
        } else {
            "#ddd"
        };
        let _ = writeln!(
            s,
            "<line x1=\"{tx:.1}\" y1=\"{:.1}\" x2=\"{tx:.1}\" y2=\"{bottom:.1}\" stroke=\"{stroke}\"/>\
             <text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{tick}×</text>",
            TOP - 6.0,
            bottom + 14.0
        );
        tick += if max > 4.0 { 1.0 } else { 0.5 };
    }
    for (i, row) in rows.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let ratio = row.ratio();
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LABEL_W,
            y + 19.0,
            escape(&row.metric)
        );
        let _ = writeln!(
            s,
            "<rect x=\"{BAR_X}\" y=\"{:.1}\" width=\"{:.1}\" height=\"9\" fill=\"#bdbdbd\"/>",
            y + 5.0,
            x(1.0) - BAR_X
        );
        if ratio.is_finite() {
            let _ = writeln!(
                s,
                "<rect x=\"{BAR_X}\" y=\"{:.1}\" width=\"{:.1}\" height=\"11\" fill=\"{}\"/>",
                y + 15.0,
                (x(ratio) - BAR_X).max(1.0),
                colour(row)
            );
        }
        let gx = x(row.goal);
        let _ = writeln!(
            s,
            "<line x1=\"{gx:.1}\" y1=\"{:.1}\" x2=\"{gx:.1}\" y2=\"{:.1}\" stroke=\"#000\" stroke-width=\"2\"/>",
            y + 2.0,
            y + 28.0
        );
        let arrow = match row.better {
            Better::Lower => "≤",
            Better::Higher => "≥",
        };
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}× ({} vs {} {}; target {arrow} {}×)</text>",
            BAR_X + BAR_W + 10.0,
            y + 19.0,
            num(ratio),
            num(row.ours),
            num(row.openssh),
            escape(row.unit),
            row.goal
        );
    }
    if rows.is_empty() {
        let _ = writeln!(
            s,
            "<text x=\"12\" y=\"{:.1}\">No comparisons in this run.</text>",
            TOP + 20.0
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::Pairing;
    use crate::results::LatencySeries;

    #[test]
    fn a_chart_has_one_row_per_target_and_escapes_text() {
        let r = Results {
            mode: "quick <test>".into(),
            latency: vec![
                LatencySeries {
                    pairing: Pairing::OURS,
                    samples: vec![0.05],
                },
                LatencySeries {
                    pairing: Pairing::OPENSSH,
                    samples: vec![0.1],
                },
            ],
            ..Results::default()
        };
        let svg = chart(&r);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("quick &lt;test&gt;"));
        assert!(svg.contains("login latency"));
        assert!(svg.contains("0.50× (50.0 vs 100 ms"));
        assert!(svg.contains("#2e7d32"), "0.5× meets ≤ 0.6×");
    }
}
