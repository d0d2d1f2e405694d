//! Session channels (RFC 4254 §6, OpenSSH session.c): `pty-req`, `env`, `window-change`, then one of
//! `shell`, `exec` or `subsystem` starts the user's process; `signal` reaches it; when it has
//! exited **and** its output has reached end of file, `exit-status` (or `exit-signal`), EOF and
//! CLOSE go out in that order, so no output is lost.
//!
//! Output moves in 64 KiB reads straight into the channel's send buffer; input chunks go to the
//! child as they arrived, without a copy. One task moves both stdout and stderr, so the channel's
//! single send buffer is never waited on twice at once. On a pty, the shell's exit ends the session
//! once what it wrote has been read, even if a background job still holds the terminal (that job
//! gets SIGHUP when we close the master, as with OpenSSH).

use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use oxssh_config::matching::match_pattern;
use oxssh_config::server::ServerOptions;
use oxssh_keys::authorized_keys::KeyOptions;
use oxssh_proto::msg::connection::ChannelRequest;
use oxssh_sys::pty::WindowSize;
use oxssh_sys::spawn::{ChildIo, ExitStatus, SpawnStdio};
use oxssh_tokio::{Channel, ChannelWriter, Stream};
use tokio::io::AsyncWriteExt;
use tokio::sync::{OnceCell, watch};

use crate::fdio::{FdReader, FdWriter};
use crate::log::{self, Peer};
use crate::options::SFTP_SERVER;
use crate::privileged::Access;
use crate::spawn::{self, EnvParts, Forced, Request};

/// Bytes read from the child per call: large reads keep the per-packet overhead low.
const READ_CHUNK: usize = 64 * 1024;

/// Bytes of the client's data gathered into one write to the process: a default pipe's capacity.
const WRITE_BATCH: usize = 64 * 1024;

/// At most this many `env` requests are kept per session (OpenSSH's SSH_MAX_ENV is 1024; nobody
/// needs more than a few).
const MAX_ENV: usize = 256;

/// What every session of one authenticated connection shares.
#[derive(Debug)]
pub struct Shared {
    /// Privileged operations, in the post-authentication phase.
    pub access: Arc<Access>,
    /// The options for this user (after Match).
    pub options: Arc<ServerOptions>,
    /// The authorized_keys options of the key that logged in (defaults otherwise).
    pub key_options: KeyOptions,
    /// The client.
    pub peer: Peer,
    /// Our end.
    pub local: Peer,
    /// The user name, for log lines.
    pub user: String,
    /// PAM's environment, from the session opened with the first process.
    pub pam_env: OnceCell<Vec<(String, String)>>,
    /// Open session channels (MaxSessions).
    pub open: AtomicU32,
    /// The forwarded agent's socket, once a session asked for one.
    agent: std::sync::Mutex<Option<crate::agent::AgentForward>>,
    next_id: AtomicU32,
}

impl Shared {
    /// State for the sessions of an authenticated connection.
    pub fn new(
        access: Arc<Access>,
        options: Arc<ServerOptions>,
        key_options: KeyOptions,
        peer: Peer,
        local: Peer,
        user: String,
    ) -> Self {
        Self {
            access,
            options,
            key_options,
            peer,
            local,
            user,
            pam_env: OnceCell::new(),
            open: AtomicU32::new(0),
            next_id: AtomicU32::new(0),
            agent: std::sync::Mutex::new(None),
        }
    }

    /// Takes a MaxSessions slot; false when all are in use.
    pub fn try_open(&self) -> bool {
        let max = self.options.max_sessions;
        self.open
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .is_ok()
    }

    /// `auth-agent-req@openssh.com`: starts (once per connection) the forwarded agent socket if
    /// AllowAgentForwarding and the key's options allow it.
    fn start_agent(&self, handle: &oxssh_tokio::Handle) -> bool {
        let o = &self.options;
        if !o.allow_agent_forwarding || o.disable_forwarding || !self.key_options.agent_forwarding {
            return false;
        }
        let mut slot = self.agent.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() {
            return true;
        }
        let owner = match self.access.account() {
            Some(a) if oxssh_sys::user::is_root() => {
                Some((a.user.uid.as_raw(), a.user.gid.as_raw()))
            }
            Some(_) => None,
            None => return false,
        };
        match crate::agent::AgentForward::start(handle.clone(), owner) {
            Ok(agent) => {
                *slot = Some(agent);
                true
            }
            Err(e) => {
                log::error(format_args!("auth_input_request_forwarding: {e}"));
                false
            }
        }
    }

    fn agent_socket(&self) -> Option<std::path::PathBuf> {
        self.agent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(crate::agent::AgentForward::socket)
    }

    fn forced(&self) -> Option<Forced> {
        if let Some(c) = &self.options.force_command {
            return Some(Forced::Config(c.clone()));
        }
        self.key_options.command.clone().map(Forced::Key)
    }
}

struct PtyRequest {
    pair: oxssh_sys::pty::PtyPair,
    term: String,
}

/// Runs one session channel to its end. The MaxSessions slot taken at open is given back here.
pub async fn run(shared: Arc<Shared>, channel: Channel) {
    let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
    serve(&shared, &channel, id).await;
    // Whatever ended the session (the peer closing, a refused start), the channel goes too.
    channel.close();
    shared.open.fetch_sub(1, Ordering::SeqCst);
    log::close_session(&shared.user, &shared.peer, id);
}

async fn serve(shared: &Arc<Shared>, channel: &Channel, id: u32) {
    let mut pty: Option<PtyRequest> = None;
    let mut client_env: Vec<(String, String)> = Vec::new();
    loop {
        let Some((request, want_reply)) = channel.next_request().await else {
            return;
        };
        let ok = match request {
            ChannelRequest::PtyReq {
                term,
                cols,
                rows,
                width_px,
                height_px,
                modes,
            } => {
                let allowed = shared.options.permit_tty && shared.key_options.pty;
                if pty.is_some() || !allowed {
                    false
                } else {
                    match shared.access.open_pty() {
                        Ok(pair) => {
                            let _ = oxssh_sys::pty::apply_terminal_modes(&pair.slave, &modes);
                            let size = WindowSize {
                                cols,
                                rows,
                                xpixel: width_px,
                                ypixel: height_px,
                            };
                            let _ = oxssh_sys::pty::set_window_size(&pair.master, size);
                            pty = Some(PtyRequest { pair, term });
                            true
                        }
                        Err(e) => {
                            log::error(format_args!("session_pty_req: {e}"));
                            false
                        }
                    }
                }
            }
            ChannelRequest::Env { name, value } => {
                let accepted = client_env.len() < MAX_ENV
                    && shared
                        .options
                        .accept_env
                        .iter()
                        .any(|p| match_pattern(&name, p));
                if accepted {
                    client_env.push((name, value));
                } else {
                    log::debug2(format_args!("Ignoring env request {name}: disallowed name"));
                }
                accepted
            }
            ChannelRequest::WindowChange {
                cols,
                rows,
                width_px,
                height_px,
            } => pty.as_ref().is_some_and(|p| {
                let size = WindowSize {
                    cols,
                    rows,
                    xpixel: width_px,
                    ypixel: height_px,
                };
                oxssh_sys::pty::set_window_size(&p.pair.master, size).is_ok()
            }),
            ChannelRequest::Shell => {
                return start(
                    shared,
                    channel,
                    id,
                    Request::Shell,
                    pty,
                    client_env,
                    want_reply,
                )
                .await;
            }
            ChannelRequest::Exec { command } => {
                return start(
                    shared,
                    channel,
                    id,
                    Request::Exec(command),
                    pty,
                    client_env,
                    want_reply,
                )
                .await;
            }
            ChannelRequest::Subsystem { name } => {
                log::subsystem_request(&name, &shared.user);
                let found = shared
                    .options
                    .subsystems
                    .iter()
                    .find(|s| s.name == name)
                    .map(|s| s.command.clone());
                match found {
                    Some(command) => {
                        // No built-in SFTP server yet: internal-sftp runs OpenSSH's.
                        let command = if command == "internal-sftp" {
                            SFTP_SERVER.to_owned()
                        } else {
                            command
                        };
                        let request = Request::Subsystem { name, command };
                        return start(shared, channel, id, request, pty, client_env, want_reply)
                            .await;
                    }
                    None => {
                        log::subsystem_unknown(&name);
                        false
                    }
                }
            }
            ChannelRequest::AuthAgent => shared.start_agent(channel.connection()),
            _ => false,
        };
        if want_reply {
            channel.reply(ok);
        }
    }
}

/// Starts the user's process and runs the session; answers the starting request.
async fn start(
    shared: &Arc<Shared>,
    channel: &Channel,
    id: u32,
    request: Request,
    pty: Option<PtyRequest>,
    client_env: Vec<(String, String)>,
    want_reply: bool,
) {
    if let Some(dir) = &shared.options.chroot_directory {
        log::chroot_unsupported(&shared.user, dir);
        if want_reply {
            channel.reply(false);
        }
        return;
    }
    let forced = shared.forced();
    let tty_name = pty.as_ref().map(|p| p.pair.slave_name.clone());
    let tty_short = tty_name
        .as_ref()
        .map(|t| t.to_string_lossy().trim_start_matches("/dev/").to_owned());
    let pam_env = shared
        .pam_env
        .get_or_init(|| shared.access.open_pam_session(tty_short.clone()))
        .await
        .clone();
    let account = shared.access.account();
    let Some(account) = account else {
        if want_reply {
            channel.reply(false);
        }
        return;
    };
    let options = &shared.options;
    let key_env = match &options.permit_user_environment {
        oxssh_config::server::PermitUserEnvironment::No => Vec::new(),
        _ => shared.key_options.environment.clone(),
    };
    let is_shell = request == Request::Shell;
    let parts = EnvParts {
        term: pty.as_ref().map(|p| p.term.clone()),
        tty: tty_name.clone(),
        key_env,
        client_env,
        pam_env,
        set_env: options.set_env.clone(),
        auth_sock: shared.agent_socket(),
    };
    let signals_allowed = forced.is_none() && !matches!(request, Request::Subsystem { .. });
    let (stdio, is_pty) = match pty {
        Some(p) => (SpawnStdio::Pty(p.pair), true),
        None => (SpawnStdio::Pipes, false),
    };
    let plan = spawn::plan(
        &account.user,
        &shared.peer,
        &shared.local,
        &request,
        forced.as_ref(),
        parts,
        stdio,
    );
    log::starting_session(
        &plan.kind,
        tty_short.as_deref(),
        &shared.user,
        &shared.peer,
        id,
    );
    let motd = is_pty
        && is_shell
        && options.print_motd
        && forced.is_none()
        && !spawn::hushed(&account.user.home);
    let access = shared.access.clone();
    let request = plan.request;
    let child = tokio::task::spawn_blocking(move || access.spawn(request))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    let child = match child {
        Ok(c) => c,
        Err(e) => {
            log::spawn_failed(&e);
            if want_reply {
                channel.reply(false);
            }
            return;
        }
    };
    if want_reply {
        channel.reply(true);
    }
    if motd && let Ok(text) = std::fs::read("/etc/motd") {
        let crlf: Vec<u8> = text
            .iter()
            .flat_map(|&b| {
                if b == b'\n' {
                    vec![b'\r', b'\n']
                } else {
                    vec![b]
                }
            })
            .collect();
        let _ = channel.writer(Stream::Data).write_all(&crlf).await;
    }
    running(channel, child, signals_allowed).await;
}

/// The session while the user's process runs, and its orderly end.
async fn running(channel: &Channel, child: oxssh_sys::spawn::SpawnedChild, signals_allowed: bool) {
    let pid = child.pid;
    let exit = crate::reaper::watch(pid);
    let (exited_tx, exited_rx) = watch::channel(false);
    let (closed_tx, mut closed_rx) = watch::channel(false);
    let dup = |fd: &OwnedFd| fd.try_clone();
    let started = match child.io {
        ChildIo::Pty { master, .. } => (|| {
            let reader = FdReader::new(dup(&master)?)?;
            let writer = FdWriter::new(dup(&master)?)?;
            Ok::<_, std::io::Error>((reader, None, writer, Some(Arc::new(master))))
        })(),
        ChildIo::Pipes {
            stdin,
            stdout,
            stderr,
        } => (|| {
            Ok((
                FdReader::new(stdout)?,
                Some(FdReader::new(stderr)?),
                FdWriter::new(stdin)?,
                None,
            ))
        })(),
    };
    let Ok((out, err, stdin, master)) = started else {
        channel.close();
        return;
    };
    // On a pty the exit of the process ends the output; pipes end at their EOF.
    let stop_on_exit = if master.is_some() {
        exited_rx
    } else {
        watch::channel(false).1
    };
    let outputs = tokio::spawn(pump_output(
        out,
        err,
        channel.writer(Stream::Data),
        channel.writer(Stream::Extended(1)),
        stop_on_exit,
    ));
    let input = tokio::spawn(pump_input(stdin, channel.clone()));
    let requests = tokio::spawn(requests(
        channel.clone(),
        pid,
        master.clone(),
        signals_allowed,
        closed_tx,
    ));
    let closed = async move {
        let _ = closed_rx.wait_for(|c| *c).await;
    };
    tokio::pin!(closed);

    let status = tokio::select! {
        s = exit => s.ok(),
        () = &mut closed => None,
    };
    let _ = exited_tx.send(true);
    if let Some(status) = status {
        // Everything the process wrote reaches the client before the status.
        let drained = tokio::select! {
            r = outputs => r.is_ok(),
            () = &mut closed => false,
        };
        if drained {
            let report = match status {
                ExitStatus::Exited(code) => ChannelRequest::ExitStatus {
                    code: u32::try_from(code).unwrap_or(255),
                },
                ExitStatus::Signaled {
                    signal,
                    core_dumped,
                    ..
                } => ChannelRequest::ExitSignal {
                    name: signal.to_owned(),
                    core_dumped,
                    message: String::new(),
                },
            };
            channel.request(report, false).await;
            // The request travels on the driver's command queue, EOF and CLOSE on the channel's
            // own state, which the driver may act on first. A query behind the request on the same
            // queue returns only once the core has the status, so it goes out before EOF.
            let _ = channel.connection().info().await;
            channel.eof();
            channel.close();
        }
    } else {
        // The client closed the channel first: closing our ends (and the pty master) lets the
        // process see EOF, EPIPE or SIGHUP, as with OpenSSH; the reaper collects it later.
        channel.close();
    }
    input.abort();
    requests.abort();
    drop(master);
}

/// Moves the child's output (and stderr, for pipes) into the channel until EOF. On a pty, once the
/// process has exited, what is already in the terminal is read and the pump stops.
async fn pump_output(
    out: FdReader,
    err: Option<FdReader>,
    mut data: ChannelWriter,
    mut extended: ChannelWriter,
    mut exited: watch::Receiver<bool>,
) {
    let mut out_open = true;
    let mut err_open = err.is_some();
    let mut watching = true;
    while out_open || err_open {
        tokio::select! {
            biased;
            r = fill_from(&out, &mut data), if out_open => match r {
                Ok(n) if n > 0 => {}
                Err(FillError::ChannelGone) => return,
                _ => out_open = false,
            },
            r = async {
                match &err {
                    Some(e) => fill_from(e, &mut extended).await,
                    None => Ok(0),
                }
            }, if err_open => match r {
                Ok(n) if n > 0 => {}
                Err(FillError::ChannelGone) => return,
                _ => err_open = false,
            },
            exited_now = async { exited.wait_for(|e| *e).await.is_ok() }, if watching => {
                if !exited_now {
                    watching = false;
                    continue;
                }
                // A pty: take what is buffered now and stop.
                let mut buf = vec![0u8; READ_CHUNK];
                while let Ok(Some(n)) = out.try_read(&mut buf) {
                    if n == 0 || data.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                break;
            }
        }
    }
    let _ = data.flush().await;
    let _ = extended.flush().await;
}

/// Why [`fill_from`] stopped early.
enum FillError {
    /// The channel takes no more data.
    ChannelGone,
    /// Reading the descriptor failed.
    Read,
}

/// Reads what `fd` has straight into `writer`'s outgoing buffer, waiting for room and then for
/// data; `Ok(0)` at end of file. Saves copying every byte through a buffer of ours.
async fn fill_from(fd: &FdReader, writer: &mut ChannelWriter) -> Result<usize, FillError> {
    loop {
        writer.ready().await.map_err(|_| FillError::ChannelGone)?;
        fd.readable().await.map_err(|_| FillError::Read)?;
        let read = writer
            .fill(|buf| {
                buf.reserve(READ_CHUNK);
                fd.try_read_buf(buf)
            })
            .map_err(|_| FillError::ChannelGone)?;
        match read {
            Ok(Some(n)) => return Ok(n),
            Ok(None) => {}
            Err(_) => return Err(FillError::Read),
        }
    }
}

/// Moves the client's data to the child. At the client's EOF a pipe is closed (the child sees
/// end of input); a pty stays open.
async fn pump_input(fd: FdWriter, channel: Channel) {
    let mut reader = channel.reader(Stream::Data);
    let mut batch = Vec::new();
    let mut pending = std::collections::VecDeque::new();
    while let Some(chunk) = reader.read_chunk().await {
        // Everything that has arrived goes in one write: the process is woken once per batch
        // instead of once per packet.
        batch.push(chunk);
        reader.take_queued(&mut batch, WRITE_BATCH);
        pending.extend(batch.drain(..));
        if fd.write_all_chunks(&mut pending).await.is_err() {
            break;
        }
    }
}

/// Requests while the process runs: window changes and signals. Ends when the channel closes.
async fn requests(
    channel: Channel,
    pid: oxssh_sys::Pid,
    master: Option<Arc<OwnedFd>>,
    signals_allowed: bool,
    closed: watch::Sender<bool>,
) {
    while let Some((request, want_reply)) = channel.next_request().await {
        let ok = match request {
            ChannelRequest::WindowChange {
                cols,
                rows,
                width_px,
                height_px,
            } => master.as_ref().is_some_and(|m| {
                let size = WindowSize {
                    cols,
                    rows,
                    xpixel: width_px,
                    ypixel: height_px,
                };
                oxssh_sys::pty::set_window_size(&**m, size).is_ok()
            }),
            ChannelRequest::Signal { name } => {
                if signals_allowed {
                    // The process leads its own group (setsid): signal the whole group, as
                    // OpenSSH's killpg does.
                    oxssh_sys::spawn::kill(oxssh_sys::Pid::from_raw(-pid.as_raw()), &name).is_ok()
                } else {
                    log::signal_refused(&name, "forced-command or subsystem");
                    false
                }
            }
            _ => false,
        };
        if want_reply {
            channel.reply(ok);
        }
    }
    let _ = closed.send(true);
}
