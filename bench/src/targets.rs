//! The targets as ratios of oxssh's figure to OpenSSH's, each taken from pairings that
//! differ only in what is compared: server CPU with the same client (OpenSSH's), client CPU with
//! the same server (sshd), and throughput, logins and the long round trip ours-with-ours against
//! OpenSSH-with-OpenSSH.

use crate::clients::{ClientKind, Pairing, SUITES};
use crate::results::{Direction, Results};
use crate::servers::ServerKind;

/// Whether a smaller or a larger figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// CPU, time, memory.
    Lower,
    /// Throughput, rate.
    Higher,
}

/// One row of the headline table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// What is measured, e.g. "server CPU, upload aes128-gcm".
    pub metric: String,
    /// The unit of `ours` and `openssh`.
    pub unit: &'static str,
    /// oxssh's figure.
    pub ours: f64,
    /// OpenSSH's figure.
    pub openssh: f64,
    /// The target for ours / openssh.
    pub goal: f64,
    /// Which way is better.
    pub better: Better,
    /// Which pairings the figures come from.
    pub basis: String,
}

impl Row {
    /// ours / openssh.
    pub fn ratio(&self) -> f64 {
        self.ours / self.openssh
    }

    /// Whether the target is met (None when a figure is missing).
    pub fn met(&self) -> Option<bool> {
        let r = self.ratio();
        if !r.is_finite() {
            return None;
        }
        Some(match self.better {
            Better::Lower => r <= self.goal,
            Better::Higher => r >= self.goal,
        })
    }

    /// "≤ 0.5×" or "≥ 1.4×".
    pub fn goal_text(&self) -> String {
        match self.better {
            Better::Lower => format!("≤ {}×", self.goal),
            Better::Higher => format!("≥ {}×", self.goal),
        }
    }
}

const SSH_TO_OXSSHD: Pairing = Pairing {
    client: ClientKind::Ssh,
    server: ServerKind::OxSshd,
};
const OXSSH_TO_SSHD: Pairing = Pairing {
    client: ClientKind::OxSsh,
    server: ServerKind::Sshd,
};

/// The headline rows, for whatever parts ran.
pub fn rows(r: &Results) -> Vec<Row> {
    let mut out = Vec::new();
    for suite in SUITES {
        for d in Direction::ALL {
            let get = |p| r.bulk(suite.label, d, p);
            let what = format!("{} {}", d.name(), suite.label);
            if let (Some(a), Some(b)) = (get(SSH_TO_OXSSHD), get(Pairing::OPENSSH)) {
                out.push(Row {
                    metric: format!("server CPU/GiB, {what}"),
                    unit: "s",
                    ours: a.server_only_cpu_per_gib(),
                    openssh: b.server_only_cpu_per_gib(),
                    goal: 0.5,
                    better: Better::Lower,
                    basis: "ssh→oxsshd vs ssh→sshd, remote command excluded".into(),
                });
            }
            if let (Some(a), Some(b)) = (get(OXSSH_TO_SSHD), get(Pairing::OPENSSH)) {
                out.push(Row {
                    metric: format!("client CPU/GiB, {what}"),
                    unit: "s",
                    ours: a.client_cpu_per_gib(),
                    openssh: b.client_cpu_per_gib(),
                    goal: 0.6,
                    better: Better::Lower,
                    basis: "oxssh→sshd vs ssh→sshd".into(),
                });
            }
            if let (Some(a), Some(b)) = (get(Pairing::OURS), get(Pairing::OPENSSH)) {
                out.push(Row {
                    metric: format!("throughput, {what}"),
                    unit: "MB/s",
                    ours: a.mb_per_s(),
                    openssh: b.mb_per_s(),
                    goal: 1.4,
                    better: Better::Higher,
                    basis: "oxssh→oxsshd vs ssh→sshd".into(),
                });
            }
        }
    }
    let lat = |p| r.latency.iter().find(|l| l.pairing == p);
    if let (Some(a), Some(b)) = (lat(Pairing::OURS), lat(Pairing::OPENSSH)) {
        out.push(Row {
            metric: "login latency (host true)".into(),
            unit: "ms",
            ours: a.median_ms(),
            openssh: b.median_ms(),
            goal: 0.6,
            better: Better::Lower,
            basis: "oxssh→oxsshd vs ssh→sshd".into(),
        });
    }
    let rate = |p| r.rate.iter().find(|l| l.pairing == p);
    if let (Some(a), Some(b)) = (rate(Pairing::OURS), rate(Pairing::OPENSSH)) {
        out.push(Row {
            metric: format!("login rate, {} at once", a.parallel),
            unit: "/s",
            ours: a.per_second(),
            openssh: b.per_second(),
            goal: 2.0,
            better: Better::Higher,
            basis: "oxssh→oxsshd vs ssh→sshd".into(),
        });
    }
    let mem = |k| r.memory.iter().find(|m| m.server == k);
    if let (Some(a), Some(b)) = (mem(ServerKind::OxSshd), mem(ServerKind::Sshd)) {
        let (ours, openssh, what) = match (a.pss_kib_per_session, b.pss_kib_per_session) {
            (Some(x), Some(y)) => (x, y, "PSS"),
            _ => (a.rss_kib_per_session, b.rss_kib_per_session, "RSS"),
        };
        out.push(Row {
            metric: format!("memory per idle session ({what})"),
            unit: "KiB",
            ours,
            openssh,
            goal: 0.05,
            better: Better::Lower,
            basis: format!("{} ssh -N sessions to each server", a.sessions),
        });
    }
    if let Some(delay) = &r.delay {
        for d in Direction::ALL {
            let get = |p| {
                delay
                    .series
                    .iter()
                    .find(|s| s.direction == d && s.pairing == p)
            };
            if let (Some(a), Some(b)) = (get(Pairing::OURS), get(Pairing::OPENSSH)) {
                out.push(Row {
                    metric: format!("throughput at {} ms RTT, {}", delay.rtt_ms, d.name()),
                    unit: "MB/s",
                    ours: a.mb_per_s(),
                    openssh: b.mb_per_s(),
                    goal: 3.0,
                    better: Better::Higher,
                    basis: format!("oxssh→oxsshd vs ssh→sshd, {}", delay.method),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_and_goals() {
        let row = Row {
            metric: "m".into(),
            unit: "s",
            ours: 0.4,
            openssh: 1.0,
            goal: 0.5,
            better: Better::Lower,
            basis: String::new(),
        };
        assert_eq!(row.met(), Some(true));
        assert_eq!(row.goal_text(), "≤ 0.5×");
        let miss = Row {
            ours: 1.2,
            better: Better::Higher,
            goal: 1.4,
            ..row.clone()
        };
        assert_eq!(miss.met(), Some(false));
        let none = Row {
            openssh: f64::NAN,
            ..row
        };
        assert_eq!(none.met(), None);
    }
}
