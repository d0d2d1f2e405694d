//! CPU accounting for a whole server, through a control group of its own.
//!
//! Adding up a process's own and its reaped children's times (`/proc/<pid>/stat`) misses every
//! process that exits without its parent waiting for it: OpenSSH's privileged monitor exits right
//! after its unprivileged session process without reaping it, so for any user but root the whole
//! session's CPU (encryption, copying) disappears to init. A control group counts the CPU of every
//! process that was ever in it, reaped or not, and children join their parent's group. So each
//! server is moved into a group of its own right after it starts; cgroup v2 (`cpu.stat`) is used
//! where mounted, else v1's `cpuacct`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::Error;

/// Which kind of group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// cgroup v2: `cpu.stat`'s `usage_usec`.
    V2,
    /// cgroup v1 with the cpuacct controller: `cpuacct.usage` in nanoseconds.
    V1,
}

/// A control group we created; removed on drop (once empty).
#[derive(Debug)]
pub struct CpuGroup {
    path: PathBuf,
    kind: Kind,
}

/// Where cgroup v2 or the v1 cpuacct hierarchy is mounted, from /proc/self/mountinfo.
fn mount_point() -> Option<(PathBuf, Kind)> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mut v1 = None;
    for line in info.lines() {
        // "... mount_point options - fstype source super_options"
        let (left, right) = line.split_once(" - ")?;
        let mount = left.split_whitespace().nth(4)?;
        let mut r = right.split_whitespace();
        let fstype = r.next()?;
        let super_options = r.nth(1).unwrap_or("");
        if fstype == "cgroup2" {
            return Some((PathBuf::from(mount), Kind::V2));
        }
        if fstype == "cgroup" && super_options.split(',').any(|o| o == "cpuacct") {
            v1 = Some((PathBuf::from(mount), Kind::V1));
        }
    }
    v1
}

impl CpuGroup {
    /// Creates a group named `name` and moves process `pid` (all its threads) into it; its
    /// children from now on are born there.
    pub fn create(name: &str, pid: i32) -> Result<CpuGroup, Error> {
        let (mount, kind) = mount_point()
            .ok_or_else(|| Error::new("no cgroup v2 or v1 cpuacct hierarchy is mounted"))?;
        let path = mount.join(name);
        std::fs::create_dir(&path).map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
        let group = CpuGroup { path, kind };
        let procs = group.path.join("cgroup.procs");
        std::fs::write(&procs, pid.to_string())
            .map_err(|e| Error::new(format!("{}: {e}", procs.display())))?;
        Ok(group)
    }

    /// CPU seconds used so far by every process that has been in the group.
    pub fn cpu_seconds(&self) -> Result<f64, Error> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|e| Error::new(format!("{}: {e}", p.display())))
        };
        match self.kind {
            Kind::V2 => {
                let text = read(&self.path.join("cpu.stat"))?;
                let usec = text
                    .lines()
                    .find_map(|l| l.strip_prefix("usage_usec "))
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .ok_or_else(|| Error::new("cpu.stat has no usage_usec"))?;
                Ok(usec / 1e6)
            }
            Kind::V1 => {
                let text = read(&self.path.join("cpuacct.usage"))?;
                let ns = text
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| Error::new("bad cpuacct.usage"))?;
                Ok(ns / 1e9)
            }
        }
    }
}

impl Drop for CpuGroup {
    fn drop(&mut self) {
        // The group can go once its last process has (the server was killed just before).
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::fs::remove_dir(&self.path).is_err() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_that_is_never_reaped_by_its_parent_is_still_counted() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("SKIPPED: creating a control group needs root");
            return;
        }
        if mount_point().is_none() {
            eprintln!("SKIPPED: no cgroup hierarchy mounted");
            return;
        }
        // A shell that starts a busy grandchild and exits without waiting for it: the grandchild
        // ends up with init, as OpenSSH's session process does.
        let mut parent = std::process::Command::new("sh")
            .args([
                "-c",
                "read go; (i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done) & exit 0",
            ])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let name = format!("oxbench-test-{}", std::process::id());
        let group = CpuGroup::create(&name, parent.id() as i32).unwrap();
        let before = group.cpu_seconds().unwrap();
        use std::io::Write;
        parent.stdin.take().unwrap().write_all(b"go\n").unwrap();
        parent.wait().unwrap();
        // The orphan runs on; wait (bounded) until the group's CPU stops growing.
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = group.cpu_seconds().unwrap();
        loop {
            std::thread::sleep(Duration::from_millis(200));
            let now = group.cpu_seconds().unwrap();
            if (now - last).abs() < 1e-4 || Instant::now() > deadline {
                last = now;
                break;
            }
            last = now;
        }
        assert!(last - before > 0.05, "only {} s counted", last - before);
    }
}
