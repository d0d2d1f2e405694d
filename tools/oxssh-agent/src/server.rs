//! The running agent: accept connections on the socket, serve each in its own task, forget keys
//! when their lifetime ends, and exit (removing the socket) on SIGTERM or SIGHUP, on SIGINT in the
//! foreground, or when the command it was started for has exited.
//!
//! Each connection is checked first: only the agent's own user or root may use it (the peer's
//! credentials from the kernel, `SO_PEERCRED`). Each message is bounded to 256 KiB before its
//! body is read, and a connection that sends a longer one is closed, as OpenSSH closes it.

use std::os::unix::net::UnixListener as StdUnixListener;
use std::sync::Arc;
use std::time::Duration;

use oxssh_keys::FingerprintHash;
use oxssh_keys::agent::{self, AgentError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use crate::confirm::AskpassEnv;
use crate::handler::{self, Connection, Shared};
use crate::socket::SocketPaths;
use crate::{log, messages};

/// At most this many connections are served at once; more wait in the listen backlog (OpenSSH
/// stops accepting when it runs short of file descriptors).
const MAX_CONNECTIONS: usize = 1024;

/// How often the agent checks that the command it was started for is still running. OpenSSH
/// checks every 10 seconds; a second costs nothing and leaves no agent behind for long.
const PARENT_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// How long a refused connection stays open for its first request to arrive.
const REFUSE_LINGER: Duration = Duration::from_secs(1);

/// The exit status after a signal or the parent's exit (OpenSSH's `cleanup_handler` uses 2).
const EXIT_SIGNALLED: i32 = 2;

/// How the agent runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `-t`: default key lifetime in seconds.
    pub lifetime: u32,
    /// `-E`.
    pub hash: FingerprintHash,
    /// `-d` or `-D`: SIGINT ends the agent too.
    pub foreground: bool,
    /// The process whose exit ends the agent (the command's process), if any.
    pub watch_parent: Option<i32>,
}

/// Serves until told to stop; returns the exit status. The socket and its directory are removed.
pub fn run(listener: StdUnixListener, paths: SocketPaths, settings: Settings) -> i32 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log::error(&e.to_string());
            paths.remove();
            return 1;
        }
    };
    let status = runtime.block_on(serve(listener, settings));
    log::debug(messages::debug::CLEANUP);
    paths.remove();
    status
}

async fn serve(listener: StdUnixListener, settings: Settings) -> i32 {
    let listener = match listener
        .set_nonblocking(true)
        .and_then(|()| UnixListener::from_std(listener))
    {
        Ok(l) => l,
        Err(e) => {
            log::error(&e.to_string());
            return 1;
        }
    };
    let shared = Arc::new(Shared::new(
        settings.lifetime,
        settings.hash,
        AskpassEnv::from_process(),
    ));
    let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
        signal(SignalKind::interrupt()),
    ) else {
        log::error(messages::NO_SIGNAL_HANDLERS);
        return 1;
    };
    tokio::spawn(expire_keys(Arc::clone(&shared)));
    tokio::spawn(accept(listener, Arc::clone(&shared)));
    let mut parent_check = tokio::time::interval(PARENT_CHECK_INTERVAL);
    loop {
        tokio::select! {
            _ = term.recv() => return EXIT_SIGNALLED,
            _ = hup.recv() => return EXIT_SIGNALLED,
            // In the background SIGINT is ignored (OpenSSH sets SIG_IGN): the shell's ^C is not
            // for the agent.
            _ = int.recv() => if settings.foreground { return EXIT_SIGNALLED },
            _ = parent_check.tick(), if settings.watch_parent.is_some() => {
                let parent = rustix::process::getppid().map(|p| p.as_raw_nonzero().get());
                if parent != settings.watch_parent {
                    log::debug(messages::debug::PARENT_GONE);
                    return EXIT_SIGNALLED;
                }
            }
        }
    }
}

/// Forgets keys as their lifetimes end.
async fn expire_keys(shared: Arc<Shared>) {
    loop {
        match shared.reap() {
            Some(next) => {
                tokio::select! {
                    _ = tokio::time::sleep_until(next.into()) => {}
                    _ = shared.changed.notified() => {}
                }
            }
            None => shared.changed.notified().await,
        }
    }
}

async fn accept(listener: UnixListener, shared: Arc<Shared>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let own_uid = rustix::process::getuid().as_raw();
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                log::error(&messages::accept_failed(&e.to_string()));
                // Out of descriptors, most likely: give connections time to close.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let allowed = match stream.peer_cred() {
            Ok(cred) if cred.uid() == 0 || cred.uid() == own_uid => true,
            Ok(cred) => {
                log::error(&messages::uid_mismatch(cred.uid(), own_uid));
                false
            }
            Err(e) => {
                log::error(&messages::getpeereid_failed(&e.to_string()));
                false
            }
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            if allowed {
                log::debug(&messages::debug::new_connection());
                serve_connection(stream, &shared).await;
            } else {
                refuse(stream).await;
            }
            drop(slot);
        });
    }
}

/// Closes a stranger's connection once it has sent its request (or after a second), so that it
/// reads end-of-file ("communication with agent failed") rather than dying of SIGPIPE on a write
/// to a socket already closed. What it sends is discarded unread.
async fn refuse(mut stream: UnixStream) {
    let drain = async {
        let mut prefix = [0u8; 4];
        stream.read_exact(&mut prefix).await?;
        let len = agent::frame_length(prefix).map_err(|_| std::io::ErrorKind::InvalidData)?;
        // Discarded as it arrives; bounded by the frame limit.
        tokio::io::copy(&mut (&mut stream).take(len as u64), &mut tokio::io::sink()).await?;
        Ok::<(), std::io::Error>(())
    };
    let _ = tokio::time::timeout(REFUSE_LINGER, drain).await;
}

/// Reads requests and writes answers until the peer closes or misbehaves.
async fn serve_connection(mut stream: UnixStream, shared: &Arc<Shared>) {
    let mut conn = Connection::default();
    loop {
        let mut prefix = [0u8; 4];
        if stream.read_exact(&mut prefix).await.is_err() {
            return;
        }
        let len = match agent::frame_length(prefix) {
            Ok(len) => len,
            Err(AgentError::TooLong(len)) => {
                log::debug(&messages::debug::too_long(len));
                return;
            }
            Err(_) => return,
        };
        // Requests carry private keys and passphrases: the buffer is wiped when dropped.
        let mut body = Zeroizing::new(vec![0u8; len]);
        if stream.read_exact(&mut body).await.is_err() {
            return;
        }
        let response = handler::handle(shared, &mut conn, &body).await;
        drop(body);
        if stream.write_all(&response.encode()).await.is_err() {
            return;
        }
    }
}
