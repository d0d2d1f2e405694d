//! Running one client process under a watchdog: its wall time, the CPU it used, what it wrote.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::Error;
use crate::procfs;

/// How much of standard output is kept (the rest is only counted).
const HEAD: usize = 4096;

/// What one client run did.
#[derive(Debug)]
pub struct Outcome {
    /// From spawning to its exit.
    pub wall: Duration,
    /// Its user + system CPU seconds (meaningful only when nothing else is reaped meanwhile).
    pub cpu: f64,
    /// Bytes it wrote to standard output.
    pub stdout_bytes: u64,
    /// The first bytes of its standard output.
    pub stdout_head: Vec<u8>,
    /// Everything it wrote to standard error.
    pub stderr: String,
    /// How it ended.
    pub status: ExitStatus,
}

impl Outcome {
    /// An error unless it exited 0, with the client's own last words.
    pub fn check(&self, what: &str) -> Result<(), Error> {
        if self.status.success() {
            return Ok(());
        }
        let last = self.stderr.lines().last().unwrap_or("").trim();
        Err(Error::new(format!("{what}: {} ({last})", self.status)))
    }
}

/// What a client reads on its standard input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Nothing (/dev/null).
    Null,
    /// This many zero bytes through a pipe, written by a thread of ours in 1 MiB writes: a
    /// stream as `tar c . | ssh host ...` gives, costing the client one copy per byte (a sparse
    /// file would make the kernel allocate and zero page-cache pages for every read, a cost that
    /// belongs to neither client).
    Zeros(u64),
}

/// Runs `cmd` to completion, killing it after `timeout`. Standard output is read (and counted)
/// here; standard input is `input`.
pub fn run(mut cmd: Command, input: Input, timeout: Duration) -> Result<Outcome, Error> {
    cmd.stdin(match input {
        Input::Null => Stdio::null(),
        Input::Zeros(_) => Stdio::piped(),
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let program = cmd.get_program().to_string_lossy().into_owned();
    let cpu_before = procfs::reaped_children_cpu_seconds();
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::new(format!("cannot run {program}: {e}")))?;
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(timeout) {
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            return true;
        }
        false
    });
    let feeder = match (input, child.stdin.take()) {
        (Input::Zeros(total), Some(mut pipe)) => Some(std::thread::spawn(move || {
            use std::io::Write;
            let block = vec![0u8; 1 << 20];
            let mut left = total;
            while left > 0 {
                let n = left.min(block.len() as u64) as usize;
                // The client exiting early closes the pipe: stop, its exit status tells why.
                if pipe.write_all(block.get(..n).unwrap_or(&[])).is_err() {
                    return;
                }
                left -= n as u64;
            }
        })),
        _ => None,
    };
    let mut err_pipe = child.stderr.take();
    let stderr_thread = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_string(&mut s);
        }
        s
    });
    let mut stdout_bytes = 0u64;
    let mut stdout_head = Vec::new();
    if let Some(mut out) = child.stdout.take() {
        // Large reads keep this process's share of a download small.
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match out.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if stdout_head.len() < HEAD {
                        let take = n.min(HEAD - stdout_head.len());
                        stdout_head.extend_from_slice(buf.get(..take).unwrap_or(&[]));
                    }
                    stdout_bytes += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| Error::new(format!("waiting for {program}: {e}")))?;
    let wall = start.elapsed();
    let cpu = procfs::reaped_children_cpu_seconds() - cpu_before;
    let _ = done_tx.send(());
    let killed = watchdog.join().unwrap_or(false);
    let stderr = stderr_thread.join().unwrap_or_default();
    if let Some(f) = feeder {
        let _ = f.join();
    }
    if killed {
        return Err(Error::new(format!(
            "{program} did not finish within {} s and was killed",
            timeout.as_secs()
        )));
    }
    Ok(Outcome {
        wall,
        cpu,
        stdout_bytes,
        stdout_head,
        stderr,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_counted_and_cpu_is_charged() {
        let mut c = Command::new("sh");
        c.args(["-c", "head -c 1000000 /dev/zero; echo oops >&2"]);
        let o = run(c, Input::Null, Duration::from_secs(20)).unwrap();
        assert_eq!(o.stdout_bytes, 1_000_000);
        assert_eq!(o.stderr.trim(), "oops");
        assert!(o.status.success());
        assert!(o.cpu >= 0.0);
    }

    #[test]
    fn zeros_arrive_on_standard_input() {
        let mut c = Command::new("wc");
        c.arg("-c");
        let o = run(c, Input::Zeros(3 << 20), Duration::from_secs(20)).unwrap();
        assert_eq!(String::from_utf8_lossy(&o.stdout_head).trim(), "3145728");
    }

    #[test]
    fn a_hung_client_is_killed_at_the_deadline() {
        let mut c = Command::new("sleep");
        c.arg("30");
        let start = Instant::now();
        let e = run(c, Input::Null, Duration::from_millis(300)).unwrap_err();
        assert!(e.to_string().contains("was killed"), "{e}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }
}
