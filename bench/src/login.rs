//! Logins: the wall time of `client host true`, one at a time, and how many such logins complete
//! per second with many clients running at once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::clients::{self, ClientKind, Pairing};
use crate::runner;
use crate::servers::Server;
use crate::{Bench, Error};

/// No login takes this long on a working pairing.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(30);

/// One `client host true`: its wall time in seconds.
pub fn login_once(bench: &Bench, pairing: Pairing) -> Result<f64, Error> {
    login_to(bench, bench.server(pairing.server), pairing.client)
}

/// One `client host true` to `server`: its wall time in seconds.
pub fn login_to(bench: &Bench, server: &Server, client: ClientKind) -> Result<f64, Error> {
    let cmd = clients::command(
        client,
        &bench.programs,
        &bench.fixture,
        &server.endpoint,
        None,
        &[],
        "true",
    );
    let outcome = runner::run(cmd, runner::Input::Null, LOGIN_TIMEOUT)?;
    outcome.check(&format!("{} true to {}", client.name(), server.kind.name()))?;
    Ok(outcome.wall.as_secs_f64())
}

/// Logins completed per second by `parallel` clients, each starting its next login as soon as
/// the last one ended, for `duration`. Returns (logins per second, failed runs).
pub fn login_rate(
    bench: &Bench,
    pairing: Pairing,
    parallel: usize,
    duration: Duration,
) -> Result<(f64, u64), Error> {
    let server = bench.server(pairing.server);
    server.wait_idle()?;
    let ok = AtomicU64::new(0);
    let failed = AtomicU64::new(0);
    let start = Instant::now();
    let deadline = start + duration;
    std::thread::scope(|scope| {
        for _ in 0..parallel {
            scope.spawn(|| {
                while Instant::now() < deadline {
                    let cmd = clients::command(
                        pairing.client,
                        &bench.programs,
                        &bench.fixture,
                        &server.endpoint,
                        None,
                        &[],
                        "true",
                    );
                    match runner::run(cmd, runner::Input::Null, LOGIN_TIMEOUT) {
                        Ok(o) if o.status.success() => ok.fetch_add(1, Ordering::Relaxed),
                        _ => failed.fetch_add(1, Ordering::Relaxed),
                    };
                }
            });
        }
    });
    // The logins under way at the deadline finish and count, so the time runs until they do.
    let elapsed = start.elapsed().as_secs_f64();
    let ok = ok.load(Ordering::Relaxed);
    let failed = failed.load(Ordering::Relaxed);
    if ok == 0 {
        return Err(Error::new(format!(
            "{}: no login succeeded with {parallel} clients at once ({failed} failed)",
            pairing.label()
        )));
    }
    Ok((ok as f64 / elapsed, failed))
}
