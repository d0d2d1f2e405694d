//! Reaping the user's processes without a blocked thread per child: one task waits for SIGCHLD and
//! then asks each watched pid, with `waitpid(pid, WNOHANG)`, whether it ended. Only watched pids are
//! reaped, so children that PAM or the authorized_keys reader wait for themselves are left to them.
//!
//! SIGCHLD can be missed: pam_unix briefly resets its disposition while it runs its helper, and
//! signals coalesce. So while anything is watched the task also scans once a second.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use oxssh_sys::Pid;
use oxssh_sys::spawn::ExitStatus;
use tokio::sync::{Notify, oneshot};

/// How often to scan when a SIGCHLD may have been lost.
const BACKSTOP: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Reaper {
    watched: Mutex<HashMap<i32, oneshot::Sender<ExitStatus>>>,
    wake: Notify,
}

static REAPER: OnceLock<Arc<Reaper>> = OnceLock::new();

fn reaper() -> Arc<Reaper> {
    REAPER.get_or_init(Arc::default).clone()
}

/// Starts the reaping task; call once inside the runtime, before any child is started.
pub fn start() -> std::io::Result<()> {
    let mut sigchld = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::child())?;
    let r = reaper();
    tokio::spawn(async move {
        loop {
            let busy = !r
                .watched
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_empty();
            tokio::select! {
                _ = sigchld.recv() => {}
                () = r.wake.notified() => {}
                () = tokio::time::sleep(BACKSTOP), if busy => {}
            }
            scan(&r);
        }
    });
    Ok(())
}

fn scan(r: &Reaper) {
    let mut watched = r.watched.lock().unwrap_or_else(|p| p.into_inner());
    let pids: Vec<i32> = watched.keys().copied().collect();
    for pid in pids {
        match oxssh_sys::spawn::try_wait(Pid::from_raw(pid)) {
            Ok(None) => {}
            Ok(Some(status)) => {
                if let Some(tx) = watched.remove(&pid) {
                    let _ = tx.send(status);
                }
            }
            // ECHILD: someone else reaped it; report a plain failure rather than wait forever.
            Err(_) => {
                if let Some(tx) = watched.remove(&pid) {
                    let _ = tx.send(ExitStatus::Exited(255));
                }
            }
        }
    }
}

/// Watches `pid`; the receiver yields its exit status once it ends.
pub fn watch(pid: Pid) -> oneshot::Receiver<ExitStatus> {
    let (tx, rx) = oneshot::channel();
    let r = reaper();
    r.watched
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(pid.as_raw(), tx);
    // It may have ended before it was watched: scan now rather than at the next signal.
    r.wake.notify_one();
    rx
}
