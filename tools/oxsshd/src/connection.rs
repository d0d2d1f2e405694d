//! One client connection: the protocol core runs in the driver's task; this task answers its
//! questions (authentication, channel opens, global requests), starts a task per session channel
//! and per forwarded connection, and logs how the connection ended in OpenSSH's words.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oxssh_proto::msg::connection::{ChannelKind, open_failure};
use oxssh_proto::{Error, Event, ServerConnection};
use oxssh_tokio::server::{Startup, Tracked};
use oxssh_tokio::{DriverError, Handle};
use tokio::net::TcpStream;

use crate::auth::{AuthContext, Decision};
use crate::daemon::Daemon;
use crate::forward::Forwards;
use crate::log::{self, Peer, Who};
use crate::privileged::Access;
use crate::session;

/// Serves one accepted connection to its end. `startup` stops counting against MaxStartups once
/// the user authenticates; `_tracked` keeps a graceful shutdown waiting for us.
pub async fn serve(
    stream: TcpStream,
    peer_addr: SocketAddr,
    local_addr: SocketAddr,
    daemon: Arc<Daemon>,
    mut startup: Startup,
    _tracked: Tracked,
) {
    let peer = Peer::new(peer_addr.ip(), peer_addr.port());
    let local = Peer::new(local_addr.ip(), local_addr.port());
    log::connection_from(&peer, &local);
    let conn = ServerConnection::new(daemon.core.clone(), Instant::now());
    let mut driven = oxssh_tokio::spawn(conn, stream);
    let handle = driven.handle.clone();
    tokio::spawn(banner_timeout(
        handle.clone(),
        banner_deadline(daemon.loaded.options.login_grace_time),
        peer.clone(),
    ));
    let access = Arc::new(Access::new(daemon.privileged.clone()));
    let mut auth = AuthContext::new(daemon.clone(), access.clone(), peer.clone(), local.clone());
    let mut sessions: Option<Arc<session::Shared>> = None;
    let mut forwards: Option<Forwards> = None;
    let mut peer_disconnected = false;
    // OpenSSH's client promises with no-more-sessions@openssh.com not to open another session.
    let mut no_more_sessions = false;

    while let Some(event) = driven.events.recv().await {
        match event {
            Event::AuthRequest { user, method } => {
                if let Some(banner) = auth.banner() {
                    handle.banner(&banner);
                }
                let decision = auth.on_request(&user, method).await;
                apply(&handle, decision);
            }
            Event::AuthInfoResponse { responses, .. } => {
                let decision = auth.on_info_response(responses).await;
                apply(&handle, decision);
            }
            Event::AuthRejected { user, method } => {
                log::debug(format_args!(
                    "userauth: {method} for {user} refused by the core"
                ));
            }
            Event::Authenticated => {
                startup.authenticated();
                let (Some(options), Some((user, _))) = (auth.options(), auth.user()) else {
                    handle.disconnect(oxssh_proto::error::reason::BY_APPLICATION, "internal error");
                    continue;
                };
                if !options.client_alive_interval.is_zero() {
                    tokio::spawn(client_alive(
                        handle.clone(),
                        options.client_alive_interval,
                        options.client_alive_count_max,
                        Who::User(user.clone()),
                        peer.clone(),
                    ));
                }
                let key_options = auth.key_options().unwrap_or_default();
                forwards = Some(Forwards::new(
                    handle.clone(),
                    options.clone(),
                    key_options.clone(),
                    access.clone(),
                ));
                sessions = Some(Arc::new(session::Shared::new(
                    access.clone(),
                    options,
                    key_options,
                    peer.clone(),
                    local.clone(),
                    user,
                )));
            }
            Event::ChannelOpenRequest { channel, kind } => match (kind, &sessions, &forwards) {
                (ChannelKind::Session, Some(shared), _) => {
                    if no_more_sessions || !shared.try_open() {
                        handle.reject_channel(
                            channel,
                            open_failure::ADMINISTRATIVELY_PROHIBITED,
                            "open failed",
                        );
                        continue;
                    }
                    match handle.accept_channel(channel).await {
                        Ok(ch) => {
                            tokio::spawn(session::run(shared.clone(), ch));
                        }
                        Err(_) => {
                            shared
                                .open
                                .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                        }
                    }
                }
                (
                    ChannelKind::DirectTcpip {
                        host,
                        port,
                        originator,
                        originator_port,
                    },
                    _,
                    Some(f),
                ) => f.direct_tcpip(channel, host, port, originator, originator_port),
                (kind, _, _) => {
                    log::debug(format_args!("channel open of type {} refused", kind.name()));
                    handle.reject_channel(
                        channel,
                        open_failure::UNKNOWN_CHANNEL_TYPE,
                        "unknown channel type",
                    );
                }
            },
            Event::GlobalRequest {
                name,
                want_reply,
                data,
            } => {
                if name == "no-more-sessions@openssh.com" {
                    no_more_sessions = true;
                }
                let answer = match &mut forwards {
                    Some(f) => f.global_request(&name, &data).await,
                    None => None,
                };
                if want_reply {
                    match answer {
                        Some(reply) => handle.global_request_reply(true, reply),
                        None => handle.global_request_reply(false, Vec::new()),
                    }
                }
            }
            Event::Disconnected {
                reason,
                description,
            } => {
                peer_disconnected = true;
                log::received_disconnect(&auth.who(), &peer, reason, &description);
            }
            _ => {}
        }
    }
    let result = driven.task.await;
    if let Some(f) = forwards.take() {
        f.shutdown();
    }
    log_end(&auth, &peer, result, peer_disconnected);
    access.finish().await;
}

/// The longest a client may take to send its identification line.
const MAX_BANNER_TIME: Duration = Duration::from_secs(30);

/// A client that has not even sent its identification has a quarter of LoginGraceTime (at most
/// 30 s, at least 1 s) to do so: a connection that says nothing holds a MaxStartups slot for no
/// reason, and real clients send their line at once.
fn banner_deadline(grace: Duration) -> Duration {
    if grace.is_zero() {
        return MAX_BANNER_TIME;
    }
    (grace / 4).clamp(Duration::from_secs(1), MAX_BANNER_TIME)
}

async fn banner_timeout(handle: Handle, after: Duration, peer: Peer) {
    tokio::time::sleep(after).await;
    if handle.is_alive() && handle.info().await.peer_identification.is_none() {
        log::connection_timed_out(&peer);
        handle.disconnect(oxssh_proto::error::reason::BY_APPLICATION, "timeout");
    }
}

/// ClientAliveInterval / ClientAliveCountMax (serverloop.c `client_alive_check`): a
/// `keepalive@openssh.com` request every interval; after `max` without an answer the client is
/// gone and the connection ends.
async fn client_alive(
    handle: Handle,
    interval: std::time::Duration,
    max: u32,
    who: Who,
    peer: Peer,
) {
    let mut missed = 0u32;
    while handle.is_alive() {
        tokio::time::sleep(interval).await;
        let asked = handle.global_request("keepalive@openssh.com", Vec::new());
        if tokio::time::timeout(interval, asked).await.is_ok() {
            missed = 0;
            continue;
        }
        missed += 1;
        if missed >= max.max(1) {
            log::client_not_responding(&who, &peer);
            handle.disconnect(oxssh_proto::error::reason::BY_APPLICATION, "Timeout");
            return;
        }
    }
}

fn apply(handle: &Handle, decision: Decision) {
    match decision {
        Decision::Accept => handle.accept_auth(),
        Decision::Reject { partial, methods } => handle.reject_auth(methods, partial),
        Decision::Ask {
            instruction,
            prompts,
        } => handle.ask_info("", &instruction, prompts),
    }
}

/// How the connection ended, as sshd logs it.
fn log_end(
    auth: &AuthContext,
    peer: &Peer,
    result: Result<Result<(), DriverError>, tokio::task::JoinError>,
    peer_disconnected: bool,
) {
    let who = auth.who();
    let Ok(result) = result else {
        return;
    };
    match result {
        Ok(()) => {
            if peer_disconnected {
                log::disconnected(&who, peer);
            }
        }
        Err(DriverError::PeerClosed) => log::connection_closed(&who, peer),
        Err(DriverError::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
            log::connection_reset(&who, peer);
        }
        Err(DriverError::Io(e)) => {
            log::connection_error(&who, peer, oxssh_tokio::connect::error_text(&e));
        }
        Err(DriverError::Protocol(e)) => log_protocol_end(auth, &who, peer, e),
        Err(e @ DriverError::Negotiation { .. }) => log::unable_to_negotiate(&who, peer, e),
        Err(_) => {}
    }
}

fn log_protocol_end(auth: &AuthContext, who: &Who, peer: &Peer, e: Error) {
    use oxssh_proto::error::{InvalidMessage, PeerIncompatible, PeerMisbehaved};
    match e {
        Error::Timeout(_) => log::grace_timeout(peer),
        Error::InvalidMessage(InvalidMessage::BadVersion(_))
        | Error::PeerMisbehaved(PeerMisbehaved::NoIdentification(_)) => log::banner_invalid(peer),
        Error::PeerIncompatible(PeerIncompatible::TooManyAuthFailures) => {
            let (user, valid) = auth.user().unwrap_or_default();
            log::max_tries_exceeded(valid, &user, peer);
            log::disconnecting(who, peer, "Too many authentication failures");
        }
        Error::PeerIncompatible(PeerIncompatible::NoCommonAlgorithm(_)) => {
            log::unable_to_negotiate(who, peer, e);
        }
        Error::PeerDisconnected(_) | Error::LocallyDisconnected => {
            log::disconnected(who, peer);
        }
        other => log::dispatch_fatal(who, peer, other),
    }
}
