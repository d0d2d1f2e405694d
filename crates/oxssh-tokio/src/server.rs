//! Admission for servers: sshd's `MaxStartups start:rate:full` random early drop and
//! `PerSourceMaxStartups`, decided before a connection gets a task, plus a tracker that lets a
//! server stop listening and wait for its connections to finish.
//!
//! A connection counts as a "startup" from accept until it authenticates (or ends): that is what
//! an unauthenticated flood consumes. Below `start` startups every connection is admitted; from
//! `start` on, a new one is refused with a probability that rises linearly from `rate` percent to
//! 100 percent at `full` (sshd.c `should_drop_connection`). Authenticated connections are not
//! counted, so a flood never locks out users who already logged in.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

/// `MaxStartups` and `PerSourceMaxStartups`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartupLimits {
    /// Unauthenticated connections before random early drop begins.
    pub start: u32,
    /// Drop probability in percent at `start`.
    pub rate: u32,
    /// Unauthenticated connections at which every new one is refused.
    pub full: u32,
    /// At most this many unauthenticated connections from one address (`None`: no limit).
    pub per_source: Option<u32>,
}

impl Default for StartupLimits {
    /// sshd's defaults: `MaxStartups 10:30:100`, no per-source limit.
    fn default() -> Self {
        Self {
            start: 10,
            rate: 30,
            full: 100,
            per_source: None,
        }
    }
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `full` unauthenticated connections exist, or the random early drop chose this one.
    MaxStartups {
        /// Unauthenticated connections at the time.
        startups: u32,
    },
    /// The source address has `per_source` unauthenticated connections already.
    PerSource,
}

#[derive(Debug, Default)]
struct State {
    limits: StartupLimits,
    startups: u32,
    per_source: HashMap<IpAddr, u32>,
}

/// Shared admission state of one listening server. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Admission {
    state: Arc<Mutex<State>>,
}

impl Admission {
    /// Admission with these limits.
    pub fn new(limits: StartupLimits) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                limits,
                ..State::default()
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the limits (configuration reload); connections already admitted stay.
    pub fn set_limits(&self, limits: StartupLimits) {
        self.lock().limits = limits;
    }

    /// Unauthenticated connections right now.
    pub fn startups(&self) -> u32 {
        self.lock().startups
    }

    /// Decides on a new connection from `source`, drawing `random` (0..100) for the early drop.
    fn decide(state: &State, source: IpAddr, random: u32) -> Result<(), Refusal> {
        let l = state.limits;
        let n = state.startups;
        if let Some(max) = l.per_source
            && state.per_source.get(&source).copied().unwrap_or(0) >= max
        {
            return Err(Refusal::PerSource);
        }
        let refuse = Err(Refusal::MaxStartups { startups: n });
        if n < l.start {
            return Ok(());
        }
        if n >= l.full || l.rate >= 100 {
            return refuse;
        }
        // sshd.c should_drop_connection: linear from `rate` at `start` to 100 at `full`.
        let span = u64::from(l.full - l.start).max(1);
        let p = u64::from(100 - l.rate) * u64::from(n - l.start) / span + u64::from(l.rate);
        if u64::from(random) < p {
            refuse
        } else {
            Ok(())
        }
    }

    /// Admits a connection from `source` or says why not. The returned [`Startup`] counts against
    /// the limits until [`Startup::authenticated`] is called or it is dropped.
    pub fn try_admit(&self, source: IpAddr) -> Result<Startup, Refusal> {
        let mut state = self.lock();
        Self::decide(&state, source, random_percent())?;
        state.startups += 1;
        *state.per_source.entry(source).or_insert(0) += 1;
        Ok(Startup {
            admission: self.clone(),
            source,
            counted: true,
        })
    }

    fn release(&self, source: IpAddr) {
        let mut state = self.lock();
        state.startups = state.startups.saturating_sub(1);
        if let Some(n) = state.per_source.get_mut(&source) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                state.per_source.remove(&source);
            }
        }
    }
}

/// A number in 0..100 for the random early drop. It needs no cryptographic strength, only to be
/// unpredictable enough that a flood cannot time its way past the drop; std's per-instance random
/// SipHash keys give that without another dependency.
fn random_percent() -> u32 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(0x6f78_7373_6864);
    (h.finish() % 100) as u32
}

/// One admitted connection that has not authenticated yet.
#[derive(Debug)]
pub struct Startup {
    admission: Admission,
    source: IpAddr,
    counted: bool,
}

impl Startup {
    /// The connection authenticated: it no longer counts against MaxStartups.
    pub fn authenticated(&mut self) {
        if std::mem::take(&mut self.counted) {
            self.admission.release(self.source);
        }
    }
}

impl Drop for Startup {
    fn drop(&mut self) {
        self.authenticated();
    }
}

/// Counts running connection tasks so a server can stop accepting and wait for them to end.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    inner: Arc<TrackerInner>,
}

#[derive(Debug, Default)]
struct TrackerInner {
    live: AtomicUsize,
    idle: Notify,
}

/// Held by one tracked task; dropping it marks the task finished.
#[derive(Debug)]
pub struct Tracked {
    inner: Arc<TrackerInner>,
}

impl Tracker {
    /// A tracker with nothing running.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a task; keep the guard for as long as it runs.
    pub fn track(&self) -> Tracked {
        self.inner.live.fetch_add(1, Ordering::SeqCst);
        Tracked {
            inner: self.inner.clone(),
        }
    }

    /// Tasks running now.
    pub fn live(&self) -> usize {
        self.inner.live.load(Ordering::SeqCst)
    }

    /// Waits until no tracked task is running.
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.inner.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.live() == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if self.inner.live.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.inner.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    fn limits(start: u32, rate: u32, full: u32) -> StartupLimits {
        StartupLimits {
            start,
            rate,
            full,
            per_source: None,
        }
    }

    #[test]
    fn below_start_everyone_is_admitted_and_at_full_nobody() {
        let a = Admission::new(limits(2, 30, 4));
        let held: Vec<Startup> = (0..2).map(|_| a.try_admit(A).unwrap()).collect();
        assert_eq!(a.startups(), 2);
        let mut state = State {
            limits: limits(2, 30, 4),
            startups: 4,
            per_source: HashMap::new(),
        };
        assert!(Admission::decide(&state, A, 99).is_err());
        state.startups = 1;
        assert!(Admission::decide(&state, A, 0).is_ok());
        drop(held);
        assert_eq!(a.startups(), 0);
    }

    #[test]
    fn early_drop_probability_rises_linearly_from_rate_to_full() {
        let mut state = State {
            limits: limits(10, 30, 100),
            startups: 10,
            per_source: HashMap::new(),
        };
        // At start the probability is `rate`: 29 drops, 30 passes.
        assert!(Admission::decide(&state, A, 29).is_err());
        assert!(Admission::decide(&state, A, 30).is_ok());
        // Half way it is 65 percent.
        state.startups = 55;
        assert!(Admission::decide(&state, A, 64).is_err());
        assert!(Admission::decide(&state, A, 65).is_ok());
    }

    #[test]
    fn authenticated_connections_stop_counting_and_per_source_limits_apply() {
        let a = Admission::new(StartupLimits {
            per_source: Some(1),
            ..limits(10, 30, 100)
        });
        let mut first = a.try_admit(A).unwrap();
        assert_eq!(a.try_admit(A).unwrap_err(), Refusal::PerSource);
        first.authenticated();
        assert_eq!(a.startups(), 0);
        let _second = a.try_admit(A).unwrap();
    }

    #[tokio::test]
    async fn tracker_waits_for_the_last_task() {
        let t = Tracker::new();
        let guard = t.track();
        let waiter = tokio::spawn({
            let t = t.clone();
            async move { t.wait_idle().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(guard);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .unwrap()
            .unwrap();
    }
}
