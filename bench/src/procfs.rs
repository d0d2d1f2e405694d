//! What the suite reads from `/proc`: CPU time of a process and of the children it reaped, the
//! processes below a server, and their memory (PSS from `smaps_rollup`, RSS as a fallback).

use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// `/proc/<pid>/stat` counts in USER_HZ, which the kernel fixes at 100 for user space on every
/// architecture we run on (it is the ABI value, independent of CONFIG_HZ).
const USER_HZ: f64 = 100.0;

/// The fields of `/proc/<pid>/stat` after the command name; index 0 is field 3 (state).
fn stat_fields(pid: i32) -> io::Result<Vec<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    parse_stat(&text).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "malformed stat"))
}

/// Splits a stat line after the last `)`, since the command name may itself contain spaces and
/// parentheses.
fn parse_stat(text: &str) -> Option<Vec<String>> {
    let close = text.rfind(')')?;
    let rest = text.get(close + 1..)?;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

fn field_f64(fields: &[String], index: usize) -> f64 {
    fields
        .get(index)
        .and_then(|f| f.parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// CPU seconds of `pid` (all its threads) plus those of every descendant it has waited for
/// (utime + stime + cutime + cstime). A reaped child's own cutime is folded into its parent's,
/// so a whole tree is counted once each process in it has been reaped by its parent.
pub fn tree_cpu_seconds(pid: i32) -> io::Result<f64> {
    let f = stat_fields(pid)?;
    // Fields 14..=17 are utime, stime, cutime, cstime: indexes 11..=14 after the name.
    Ok((11..=14).map(|i| field_f64(&f, i)).sum::<f64>() / USER_HZ)
}

/// The parent of `pid`, if it still exists.
fn parent(pid: i32) -> Option<i32> {
    stat_fields(pid).ok()?.get(1)?.parse().ok()
}

/// Every live process below `pid` (children, grandchildren, ...), found by walking each process's
/// parent; `/proc/<pid>/task/<tid>/children` is not built into every kernel.
pub fn descendants(pid: i32) -> Vec<i32> {
    let mut all: Vec<(i32, i32)> = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            if let Some(p) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<i32>().ok())
                && let Some(pp) = parent(p)
            {
                all.push((p, pp));
            }
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while let Some(&current) = found.get(i) {
        for &(p, pp) in &all {
            if pp == current && !found.contains(&p) {
                found.push(p);
            }
        }
        i += 1;
    }
    found.remove(0);
    found
}

/// Waits until `pid` has no child processes left (its per-connection children have exited and
/// been reaped, so their CPU is in its cutime/cstime). Returns false at the deadline.
pub fn wait_no_children(pid: i32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if descendants(pid).is_empty() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        // Polling with a deadline: the kernel offers no portable "children gone" notification for a
        // process that is not ours to wait for.
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Resident memory of one process, in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Memory {
    /// Proportional set size (shared pages divided among their users), when the kernel has
    /// `smaps_rollup`.
    pub pss_kib: Option<u64>,
    /// Resident set size.
    pub rss_kib: u64,
}

impl std::ops::Add for Memory {
    type Output = Memory;
    fn add(self, o: Memory) -> Memory {
        Memory {
            pss_kib: match (self.pss_kib, o.pss_kib) {
                (Some(a), Some(b)) => Some(a + b),
                _ => None,
            },
            rss_kib: self.rss_kib + o.rss_kib,
        }
    }
}

fn kib_line(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// The memory of one process.
pub fn memory(pid: i32) -> io::Result<Memory> {
    let base = Path::new("/proc").join(pid.to_string());
    match std::fs::read_to_string(base.join("smaps_rollup")) {
        Ok(text) => Ok(Memory {
            pss_kib: kib_line(&text, "Pss:"),
            rss_kib: kib_line(&text, "Rss:").unwrap_or(0),
        }),
        Err(_) => {
            let status = std::fs::read_to_string(base.join("status"))?;
            Ok(Memory {
                pss_kib: None,
                rss_kib: kib_line(&status, "VmRSS:").unwrap_or(0),
            })
        }
    }
}

/// The memory of `pid` and every process below it.
pub fn tree_memory(pid: i32) -> io::Result<Memory> {
    let mut total = memory(pid)?;
    for d in descendants(pid) {
        // A process may exit between listing and reading; it then holds no memory.
        if let Ok(m) = memory(d) {
            total = total + m;
        }
    }
    Ok(total)
}

/// CPU seconds (user + system) of every child this process has waited for.
pub fn reaped_children_cpu_seconds() -> f64 {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_CHILDREN).map_or(0.0, |u| {
        let t = |tv: nix::sys::time::TimeVal| tv.tv_sec() as f64 + tv.tv_usec() as f64 / 1e6;
        t(u.user_time()) + t(u.system_time())
    })
}

/// The 1-minute load average, as a reminder in the report of how busy the machine was.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_names_with_spaces_and_parens_parse() {
        let f = parse_stat("42 (a b) c) S 1 42 42 0 -1 4194560 1 2 3 4 150 25 7 3 20 0").unwrap();
        assert_eq!(f[0], "S");
        assert_eq!(f[1], "1");
        assert_eq!((11..=14).map(|i| field_f64(&f, i)).sum::<f64>(), 185.0);
    }

    #[test]
    fn our_own_process_is_visible() {
        let me = std::process::id() as i32;
        assert!(tree_cpu_seconds(me).is_ok());
        let m = memory(me).unwrap();
        assert!(m.rss_kib > 0);
    }

    #[test]
    fn a_child_is_a_descendant_until_reaped() {
        let me = std::process::id() as i32;
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        assert!(descendants(me).contains(&(child.id() as i32)));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!descendants(me).contains(&(child.id() as i32)));
    }

    #[test]
    fn memory_lines_parse() {
        let text = "Rss:                1708 kB\nPss:                 207 kB\n";
        assert_eq!(kib_line(text, "Pss:"), Some(207));
        assert_eq!(kib_line(text, "Rss:"), Some(1708));
    }
}
