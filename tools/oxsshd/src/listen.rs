//! Listening: binding `ListenAddress`/`Port`/`AddressFamily` before the runtime starts (so bind
//! errors reach the terminal before the daemon detaches), the accept loops with MaxStartups
//! admission and TCP_NODELAY, and the signals: SIGHUP re-reads the configuration for new
//! connections (existing ones keep theirs; listeners are re-bound when the addresses changed),
//! SIGTERM and SIGINT stop listening and let the open connections finish.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use oxssh_config::server::ServerOptions;
use oxssh_tokio::server::{Admission, Refusal, StartupLimits, Tracker};
use rustix::net::{AddressFamily, SocketFlags, SocketType};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use crate::cli::Flags;
use crate::daemon::{Current, Daemon};
use crate::log::{self, Peer};
use crate::options::StartError;

/// One bound listening socket and the address it was configured as.
#[derive(Debug)]
pub struct Bound {
    /// The socket.
    pub listener: std::net::TcpListener,
    /// The configured address (for logs and re-binding on reload).
    pub address: (String, u16),
}

/// sshd's listen backlog (SSH_LISTEN_BACKLOG).
const BACKLOG: i32 = 128;

/// Pause after an accept error (EMFILE...) before trying again, so a full descriptor table does not
/// turn the accept loop into a busy loop.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// MaxStartups summary lines at most this often.
const DROP_LOG_INTERVAL: Duration = Duration::from_secs(10);

fn socket_for(addr: SocketAddr) -> std::io::Result<OwnedFd> {
    let family = match addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let fd = rustix::net::socket_with(family, SocketType::STREAM, SocketFlags::CLOEXEC, None)?;
    rustix::net::sockopt::set_socket_reuseaddr(&fd, true)?;
    if addr.is_ipv6() {
        // As sshd: the IPv6 wildcard must not swallow IPv4, which has its own socket.
        rustix::net::sockopt::set_ipv6_v6only(&fd, true)?;
    }
    rustix::net::bind(&fd, &addr)?;
    rustix::net::listen(&fd, BACKLOG)?;
    Ok(fd)
}

/// Binds one configured address (a literal or a host name) and logs the outcome as sshd does.
fn bind_one(host: &str, port: u16, out: &mut Vec<Bound>) {
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => match (host, port).to_socket_addrs() {
            Ok(a) => a.collect(),
            Err(e) => {
                log::error(format_args!("bad addr or host: {host} ({e})"));
                return;
            }
        },
    };
    for addr in addrs {
        let shown = addr.ip().to_string();
        match socket_for(addr) {
            Ok(fd) => {
                log::server_listening(&shown, port);
                out.push(Bound {
                    listener: std::net::TcpListener::from(fd),
                    address: (host.to_owned(), port),
                });
            }
            Err(e) => log::bind_failed(&shown, port, &oxssh_tokio::connect::error_text(&e)),
        }
    }
}

/// Binds every configured address; fails like sshd when none could be.
pub fn bind_all(addresses: &[(String, u16)]) -> Result<Vec<Bound>, StartError> {
    let mut out = Vec::new();
    for (host, port) in addresses {
        bind_one(host, *port, &mut out);
    }
    if out.is_empty() {
        return Err(StartError::fatal(log::CANNOT_BIND));
    }
    Ok(out)
}

/// MaxStartups and PerSourceMaxStartups as admission limits.
pub fn limits(o: &ServerOptions) -> StartupLimits {
    StartupLimits {
        start: o.max_startups.start,
        rate: o.max_startups.rate,
        full: o.max_startups.full,
        per_source: o.per_source_max_startups,
    }
}

struct Loop {
    stop: watch::Sender<bool>,
}

fn spawn_loop(
    bound: Bound,
    current: &Current,
    admission: &Admission,
    tracker: &Tracker,
) -> Option<Loop> {
    if bound.listener.set_nonblocking(true).is_err() {
        return None;
    }
    let listener = tokio::net::TcpListener::from_std(bound.listener).ok()?;
    let (stop, stop_rx) = watch::channel(false);
    tokio::spawn(accept_loop(
        listener,
        current.clone(),
        admission.clone(),
        tracker.clone(),
        stop_rx,
    ));
    Some(Loop { stop })
}

/// Serves until SIGTERM/SIGINT, then waits for the open connections to end.
pub async fn run(current: Current, bound: Vec<Bound>, flags: Flags) {
    let admission = Admission::new(limits(&current.get().loaded.options));
    let tracker = Tracker::new();
    let mut loops: HashMap<(String, u16), Vec<Loop>> = HashMap::new();
    for b in bound {
        let key = b.address.clone();
        if let Some(l) = spawn_loop(b, &current, &admission, &tracker) {
            loops.entry(key).or_default().push(l);
        }
    }
    let (Ok(mut hup), Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::hangup()),
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        log::error("cannot install signal handlers");
        return;
    };
    loop {
        tokio::select! {
            _ = hup.recv() => reload(&current, &flags, &admission, &tracker, &mut loops),
            _ = term.recv() => {
                log::terminating(libc_signal::TERM);
                break;
            }
            _ = int.recv() => {
                log::terminating(libc_signal::INT);
                break;
            }
        }
    }
    for l in loops.into_values().flatten() {
        let _ = l.stop.send(true);
    }
    tracker.wait_idle().await;
}

/// Signal numbers for the log line (Linux's).
mod libc_signal {
    pub const INT: i32 = 2;
    pub const TERM: i32 = 15;
}

fn reload(
    current: &Current,
    flags: &Flags,
    admission: &Admission,
    tracker: &Tracker,
    loops: &mut HashMap<(String, u16), Vec<Loop>>,
) {
    log::restarting();
    let privileged = current.get().privileged.clone();
    let daemon = match Daemon::load(flags, Some(privileged)) {
        Ok(d) => d,
        Err(e) => {
            log::reload_failed(&e.messages.join("; "));
            return;
        }
    };
    if !flags.quiet && flags.debug == 0 {
        log::set_level(crate::log_level(daemon.loaded.options.log_level));
    }
    admission.set_limits(limits(&daemon.loaded.options));
    let wanted: Vec<(String, u16)> = daemon.loaded.options.listen_addresses.clone();
    current.replace(daemon);
    // Stop listeners that are no longer configured, bind the new ones.
    loops.retain(|addr, ls| {
        let keep = wanted.contains(addr);
        if !keep {
            for l in ls.iter() {
                let _ = l.stop.send(true);
            }
        }
        keep
    });
    for (host, port) in wanted {
        if loops.contains_key(&(host.clone(), port)) {
            continue;
        }
        let mut bound = Vec::new();
        bind_one(&host, port, &mut bound);
        for b in bound {
            if let Some(l) = spawn_loop(b, current, admission, tracker) {
                loops.entry((host.clone(), port)).or_default().push(l);
            }
        }
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    current: Current,
    admission: Admission,
    tracker: Tracker,
    mut stop: watch::Receiver<bool>,
) {
    let dropped = Arc::new(AtomicU64::new(0));
    let mut last_summary: Option<Instant> = None;
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = stop.changed() => return,
        };
        let (stream, peer_addr) = match accepted {
            Ok(a) => a,
            Err(e) => {
                log::error(format_args!(
                    "accept: {}",
                    oxssh_tokio::connect::error_text(&e)
                ));
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                continue;
            }
        };
        let local_addr = stream.local_addr().unwrap_or(peer_addr);
        let daemon = current.get();
        let _ = stream.set_nodelay(true);
        if daemon.loaded.options.tcp_keep_alive {
            let _ = rustix::net::sockopt::set_socket_keepalive(&stream, true);
        }
        match admission.try_admit(peer_addr.ip()) {
            Ok(startup) => {
                tokio::spawn(crate::connection::serve(
                    stream,
                    peer_addr,
                    local_addr,
                    daemon,
                    startup,
                    tracker.track(),
                ));
            }
            Err(refusal) => {
                let n = dropped.fetch_add(1, Ordering::Relaxed) + 1;
                let peer = Peer::new(peer_addr.ip(), peer_addr.port());
                let local = Peer::new(local_addr.ip(), local_addr.port());
                match refusal {
                    Refusal::MaxStartups { startups } => {
                        log::drop_past_max_startups(n, &peer, &local);
                        if last_summary.is_none_or(|t| t.elapsed() >= DROP_LOG_INTERVAL) {
                            last_summary = Some(Instant::now());
                            log::max_startups_exceeded(startups);
                        }
                    }
                    Refusal::PerSource => log::per_source_exceeded(&peer),
                }
                drop(stream);
            }
        }
    }
}
