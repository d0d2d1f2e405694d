//! Server memory per idle authenticated session: open many sessions with OpenSSH's client
//! (`ssh -N`, the same client for both servers, so only the server differs), and compare the
//! server's memory (every process below it included) with what it was before.
//!
//! A client says it is logged in by running `LocalCommand`, which OpenSSH runs only once
//! authentication succeeded; it prints one line to us.

use std::io::BufRead;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::clients::{self, ClientKind};
use crate::results::MemoryResult;
use crate::servers::Server;
use crate::{Bench, Error};

/// Clients logging in at once while the sessions are opened.
const BATCH: usize = 10;

/// The clients; killed on drop.
struct Sessions(Vec<Child>);

impl Drop for Sessions {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
        }
        for c in &mut self.0 {
            let _ = c.wait();
        }
    }
}

fn open_batch(
    bench: &Bench,
    server: &Server,
    count: usize,
    sessions: &mut Sessions,
) -> Result<(), Error> {
    let (tx, rx) = mpsc::channel::<bool>();
    for _ in 0..count {
        let mut cmd = clients::command(
            ClientKind::Ssh,
            &bench.programs,
            &bench.fixture,
            &server.endpoint,
            None,
            &[
                "-N",
                "-o",
                "PermitLocalCommand=yes",
                "-o",
                "LocalCommand=echo up",
            ],
            "",
        );
        cmd.stdout(Stdio::piped()).stderr(Stdio::null());
        let mut child = cmd
            .spawn()
            .map_err(|e| Error::new(format!("cannot run ssh: {e}")))?;
        let out = child.stdout.take();
        sessions.0.push(child);
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            let up = out
                .map(std::io::BufReader::new)
                .is_some_and(|mut r| r.read_line(&mut line).is_ok() && line.trim() == "up");
            let _ = tx.send(up);
        });
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for _ in 0..count {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(true) => {}
            Ok(false) => {
                return Err(Error::new(format!(
                    "an idle ssh -N session to {} ended before logging in: {}",
                    server.kind.name(),
                    server.log_tail()
                )));
            }
            Err(_) => {
                return Err(Error::new(format!(
                    "idle sessions to {} did not all log in within 60 s",
                    server.kind.name()
                )));
            }
        }
    }
    Ok(())
}

/// Opens `count` idle sessions to `server` and reports its memory per session.
pub fn per_session(bench: &Bench, server: &Server, count: usize) -> Result<MemoryResult, Error> {
    server.wait_idle()?;
    let before = server.memory()?;
    let mut sessions = Sessions(Vec::with_capacity(count));
    let mut opened = 0;
    while opened < count {
        let n = BATCH.min(count - opened);
        open_batch(bench, server, n, &mut sessions)?;
        opened += n;
    }
    let after = server.memory()?;
    drop(sessions);
    server.wait_idle()?;
    let n = count as f64;
    let per = |a: u64, b: u64| (a as f64 - b as f64) / n;
    Ok(MemoryResult {
        server: server.kind,
        sessions: count,
        pss_kib_per_session: match (after.pss_kib, before.pss_kib) {
            (Some(a), Some(b)) => Some(per(a, b)),
            _ => None,
        },
        rss_kib_per_session: per(after.rss_kib, before.rss_kib),
        baseline_kib: before.pss_kib.unwrap_or(before.rss_kib) as f64,
    })
}
