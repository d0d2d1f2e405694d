//! The session channel (ssh.c `ssh_session2`, clientloop.c `client_loop`): a pty when wanted, the
//! environment, the command, shell or subsystem; then stdin to the channel, channel data to stdout
//! and extended data to stderr, window-size changes, escapes, keepalives, and finally the remote
//! exit status as ours (255 when the command was killed by a signal or the connection was lost).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bytes::Bytes;
use oxssh_proto::Event;
use oxssh_proto::msg::connection::{ChannelKind, ChannelRequest};
use oxssh_tokio::{Channel, DriverError, Stream};
use tokio::io::AsyncWriteExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::connect::Connection;
use crate::escape::{Action, EscapeFilter, Piece};
use crate::stdio::{self, Output, Writer};
use crate::{Exit, agent_client, forward, log, messages, tty};

/// What to run and how.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    /// The command (or subsystem name); `None` for a login shell.
    pub command: Option<Vec<u8>>,
    /// Run `command` as a subsystem (`-s`).
    pub subsystem: bool,
    /// Ask for a pty.
    pub tty: bool,
    /// A pty failure ends the session (RequestTTY yes/force).
    pub tty_required: bool,
    /// The escape character, when escapes are on.
    pub escape: Option<u8>,
    /// `EnableEscapeCommandline`.
    pub command_line: bool,
    /// Variables to send (SendEnv matches, then SetEnv).
    pub env: Vec<(String, String)>,
    /// `-n`: stdin is /dev/null.
    pub stdin_null: bool,
    /// The agent socket to forward (`-A`).
    pub agent: Option<PathBuf>,
    /// `ServerAliveInterval` and `ServerAliveCountMax`.
    pub keepalive: Option<(Duration, u32)>,
    /// No session channel at all (`-N`).
    pub no_session: bool,
    /// `GatewayPorts`, for forwards added with `~C`.
    pub gateway_ports: bool,
}

/// Why the main loop stopped.
enum End {
    /// The session channel closed.
    Closed,
    /// `~.`
    Terminated,
    /// A signal.
    Signal(i32),
    /// The connection went away.
    Lost,
    /// Keepalives went unanswered.
    Timeout,
}

/// The terminal's size for pty-req and window-change.
fn size() -> (u32, u32, u32, u32) {
    match tty::window_size() {
        Some(w) => (w.cols, w.rows, w.xpixel, w.ypixel),
        None => (80, 24, 0, 0),
    }
}

fn window_change() -> ChannelRequest {
    let (cols, rows, width_px, height_px) = size();
    ChannelRequest::WindowChange {
        cols,
        rows,
        width_px,
        height_px,
    }
}

/// What the stdin pump asks the main loop to do.
enum Control {
    Terminate,
}

/// Copies stdin to the channel, through the escape filter when escapes are on.
async fn pump_stdin(
    channel: Channel,
    escape: Option<u8>,
    command_line: Option<CommandLine>,
    control: mpsc::UnboundedSender<Control>,
) {
    let mut writer = channel.writer(Stream::Data);
    let Some(mut filter) = escape.map(EscapeFilter::new) else {
        stdio::copy_stdin_to(writer);
        return;
    };
    let mut input = stdio::read_stdin();
    while let Some(chunk) = input.recv().await {
        for piece in filter.feed(&chunk) {
            match piece {
                Piece::Data(d) => {
                    if writer.write_all(&d).await.is_err() {
                        return;
                    }
                }
                Piece::Action(a) => {
                    let esc = escape.unwrap_or(b'~');
                    if run_escape(a, esc, command_line.as_ref(), &channel).await {
                        let _ = control.send(Control::Terminate);
                        return;
                    }
                }
            }
        }
    }
    let _ = writer.shutdown().await;
}

/// Carries out an escape command; true for `~.`.
/// What `~C` needs: the forwardings to add to.
#[derive(Clone)]
struct CommandLine {
    forwards: Arc<tokio::sync::Mutex<forward::Active>>,
    gateway_ports: bool,
}

/// Carries out an escape command; true for `~.`.
async fn run_escape(
    action: Action,
    esc: u8,
    command_line: Option<&CommandLine>,
    channel: &Channel,
) -> bool {
    match action {
        Action::Terminate => return true,
        Action::Help => log::raw_stderr(&messages::escape_help(esc, command_line.is_some())),
        Action::Break => {
            log::raw_stderr(&messages::escape_break(esc));
            channel
                .request(ChannelRequest::Break { millis: 1000 }, false)
                .await;
        }
        Action::Rekey => channel.connection().rekey(),
        Action::MoreVerbose | Action::LessVerbose => {
            let rank = log::rank(log::level());
            let rank = if action == Action::MoreVerbose {
                (rank + 1).min(7)
            } else {
                rank.saturating_sub(1)
            };
            log::set_level(log::from_rank(rank));
            let ch = if action == Action::MoreVerbose {
                b'v'
            } else {
                b'V'
            };
            log::raw_stderr(&messages::escape_log_level(esc, ch, log::level().name()));
        }
        Action::ListConnections => {
            log::raw_stderr(&messages::escape_connections(esc));
            log::raw_stderr(&messages::open_connections(&[format!(
                "#{} client-session",
                channel.id()
            )]));
        }
        Action::CommandLine => match command_line {
            Some(c) => {
                forward::command_line(channel.connection(), &c.forwards, c.gateway_ports).await;
            }
            None => log::raw_stderr(messages::COMMAND_LINE_DISABLED),
        },
        Action::Suspend => {
            log::raw_stderr(&messages::escape_suspend(esc));
            tty::leave_raw_mode();
            // Stops the whole process until the shell continues it (clientloop.c
            // client_suspend_self); the terminal is cooked meanwhile.
            let _ = rustix::process::kill_process(
                rustix::process::getpid(),
                rustix::process::Signal::TSTP,
            );
            tty::enter_raw_mode();
            channel.request(window_change(), false).await;
        }
    }
    false
}

/// Copies one stream of the channel to stdout or stderr; returns when the stream ends.
async fn pump_out(channel: Channel, stream: Stream, out: mpsc::Sender<Bytes>) {
    let mut reader = channel.reader(stream);
    while let Some(chunk) = reader.read_chunk().await {
        if out.send(chunk).await.is_err() {
            // Our output is gone (EPIPE, `ssh host cmd | head`): as OpenSSH's chan_write_failed,
            // close the channel; the remote command ends and so does the session (status 255).
            channel.close();
            return;
        }
    }
}

/// Sends keepalives; returns when `count_max` of them went unanswered.
async fn keepalive(handle: oxssh_tokio::Handle, interval: Duration, count_max: u32) {
    let outstanding = Arc::new(AtomicU32::new(0));
    let mut tick = tokio::time::interval(interval);
    tick.tick().await;
    loop {
        tick.tick().await;
        if outstanding.load(Ordering::Relaxed) >= count_max.max(1) {
            return;
        }
        outstanding.fetch_add(1, Ordering::Relaxed);
        let (h, o) = (handle.clone(), outstanding.clone());
        tokio::spawn(async move {
            // Any answer, success or failure, proves the server is alive.
            h.global_request(oxssh_proto::msg::connection::request::KEEPALIVE, Vec::new())
                .await;
            if h.is_alive() {
                o.store(0, Ordering::Relaxed);
            }
        });
    }
}

async fn pending_forever() {
    std::future::pending::<()>().await;
}

/// Opens the session and runs it to the end; returns the exit status.
pub async fn run(mut conn: Connection, spec: Spec, forwards: forward::Active) -> i32 {
    let forwards = Arc::new(tokio::sync::Mutex::new(forwards));
    let mut signals = Signals::new();
    let mut winch = WindowChanges::new();
    let (channel, have_pty) = if spec.no_session {
        (None, false)
    } else {
        match open(&mut conn, &spec).await {
            Ok((c, pty)) => (Some(c), pty),
            Err(exit) => return exit.0,
        }
    };
    let (control_tx, mut control) = mpsc::unbounded_channel();
    let stdout = Writer::start(Output::Stdout);
    let stderr = Writer::start(Output::Stderr);
    let mut out_tasks = Vec::new();
    if let Some(ch) = &channel {
        if let Some(tx) = stdout.sender() {
            out_tasks.push(tokio::spawn(pump_out(ch.clone(), Stream::Data, tx)));
        }
        if let Some(tx) = stderr.sender() {
            out_tasks.push(tokio::spawn(pump_out(ch.clone(), Stream::Extended(1), tx)));
        }
        if spec.stdin_null {
            ch.eof();
        } else {
            let esc = if have_pty { spec.escape } else { None };
            let command_line = spec.command_line.then(|| CommandLine {
                forwards: forwards.clone(),
                gateway_ports: spec.gateway_ports,
            });
            tokio::spawn(pump_stdin(
                ch.clone(),
                esc,
                command_line,
                control_tx.clone(),
            ));
        }
    }
    let ka = spec.keepalive;
    let handle = conn.handle.clone();
    let mut keepalive_task = Box::pin(async move {
        match ka {
            Some((i, n)) if !i.is_zero() => keepalive(handle, i, n).await,
            _ => pending_forever().await,
        }
    });
    let mut exit_status: Option<u32> = None;
    let end = loop {
        tokio::select! {
            event = conn.events.recv() => match event {
                None => break End::Lost,
                Some(Event::Disconnected { reason, description }) => {
                    conn.disconnect = Some((reason, description));
                    break End::Lost;
                }
                Some(Event::ChannelOpenRequest { channel: id, kind: ChannelKind::AuthAgent }) if spec.agent.is_some() => {
                    log::debug("client_input_channel_open: ctype auth-agent@openssh.com");
                    let h = conn.handle.clone();
                    let path = spec.agent.clone().unwrap_or_default();
                    tokio::spawn(async move {
                        if let Ok(c) = h.accept_channel(id).await {
                            agent_client::forward_channel(c, path).await;
                        }
                    });
                }
                Some(Event::ChannelOpenRequest { channel: id, kind: kind @ ChannelKind::ForwardedTcpip { .. } }) => {
                    forwards.lock().await.accept_remote(&conn.handle, id, kind);
                }
                Some(other) => conn.background(other),
            },
            request = next_request(channel.as_ref()) => match request {
                // Closed both ways: the session is over. Only a lost channel needs the look at
                // the connection's events (for the disconnect reason).
                None if channel.as_ref().is_some_and(Channel::is_lost) => break closed_or_lost(&mut conn).await,
                None => break End::Closed,
                Some((request, want_reply)) => {
                    handle_request(channel.as_ref(), request, want_reply, &mut exit_status);
                }
            },
            Some(Control::Terminate) = control.recv() => break End::Terminated,
            () = winch.recv(), if have_pty => {
                if let Some(ch) = &channel {
                    ch.request(window_change(), false).await;
                }
            }
            sig = signals.terminate() => break End::Signal(sig),
            () = &mut keepalive_task => break End::Timeout,
        }
    };
    finish(
        conn,
        channel,
        end,
        exit_status,
        have_pty,
        &spec,
        out_tasks,
        stdout,
        stderr,
        forwards,
    )
    .await
}

/// The session channel was lost with the whole connection (the driver marks every channel closed
/// as it stops, just before its event stream ends): the rest of the event stream, read briefly,
/// holds the server's DISCONNECT and its reason if it gave one.
async fn closed_or_lost(conn: &mut Connection) -> End {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, conn.events.recv()).await {
        if let Event::Disconnected {
            reason,
            description,
        } = event
        {
            conn.disconnect = Some((reason, description));
        }
    }
    End::Lost
}

/// The next request on the session channel; `None` once it has closed. Without a session channel
/// (`-N`) this never resolves.
async fn next_request(channel: Option<&Channel>) -> Option<(ChannelRequest, bool)> {
    match channel {
        Some(c) => c.next_request().await,
        None => {
            pending_forever().await;
            None
        }
    }
}

fn handle_request(
    channel: Option<&Channel>,
    request: ChannelRequest,
    want_reply: bool,
    exit_status: &mut Option<u32>,
) {
    log::debug(&format!(
        "client_input_channel_req: channel {} rtype {} reply {}",
        channel.map_or(0, |c| c.id().0),
        request.name(),
        u8::from(want_reply)
    ));
    match request {
        ChannelRequest::ExitStatus { code } => *exit_status = Some(code),
        ChannelRequest::ExitSignal { .. } => {}
        _ => {
            if want_reply && let Some(c) = channel {
                c.reply(false);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn finish(
    mut conn: Connection,
    channel: Option<Channel>,
    end: End,
    exit_status: Option<u32>,
    have_pty: bool,
    spec: &Spec,
    out_tasks: Vec<tokio::task::JoinHandle<()>>,
    stdout: Writer,
    stderr: Writer,
    forwards: Arc<tokio::sync::Mutex<forward::Active>>,
) -> i32 {
    // Listeners stop now: no new connections while the session winds down.
    drop(forwards);
    // After a close or a lost connection everything that arrived is written out first; after
    // `~.`, a signal or a timeout the user wants out now.
    let drain = matches!(end, End::Closed | End::Lost);
    for t in out_tasks {
        if !drain {
            t.abort();
        }
        let _ = tokio::time::timeout(Duration::from_secs(30), t).await;
    }
    let limit = Duration::from_secs(if drain { 30 } else { 1 });
    let _ = tokio::time::timeout(limit, stdout.finish()).await;
    let _ = tokio::time::timeout(limit, stderr.finish()).await;
    tty::leave_raw_mode();
    let mut status = exit_status.map_or(255, |c| (c & 0xff) as i32);
    match end {
        End::Lost => {
            let result = match conn.task.take() {
                Some(t) => tokio::time::timeout(Duration::from_secs(5), t)
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or(Ok(())),
                None => Ok(()),
            };
            if let Some((reason, description)) = &conn.disconnect {
                log::error(&messages::received_disconnect(
                    &conn.remote,
                    *reason,
                    &log::sanitize(description),
                ));
                log::error(&messages::disconnected_from(&conn.remote));
            } else {
                // clientloop.c quit_message: written whatever the log level, even with -q.
                match result {
                    Ok(()) | Err(DriverError::PeerClosed) => {
                        log::raw_stderr(&format!(
                            "{}\r\n",
                            messages::connection_closed_by_remote(&conn.host)
                        ));
                    }
                    Err(DriverError::Io(e)) => log::raw_stderr(&format!(
                        "{}\r\n",
                        messages::read_from_remote_failed(
                            &conn.host,
                            &oxssh_tokio::connect::error_text(&e)
                        )
                    )),
                    Err(e) => log::error(&messages::connection_to_failed(
                        &conn.remote,
                        &e.to_string(),
                    )),
                }
            }
            status = 255;
        }
        End::Timeout => {
            log::info(&messages::server_not_responding(&conn.host));
            return 255;
        }
        End::Signal(sig) => {
            if spec.no_session && sig == 15 {
                status = 0;
            } else {
                log::verbose(&messages::killed_by_signal(sig));
                return 255;
            }
        }
        End::Closed | End::Terminated => {}
    }
    if let Some(c) = &channel {
        log::debug(&format!(
            "channel {}: free: client-session, nchannels 1",
            c.id()
        ));
    }
    if have_pty {
        log::info(&messages::connection_closed(&conn.host));
    }
    conn.handle.disconnect(
        oxssh_proto::error::reason::BY_APPLICATION,
        "disconnected by user",
    );
    if let Some(t) = conn.task.take() {
        let _ = tokio::time::timeout(Duration::from_secs(2), t).await;
    }
    log::debug(&messages::exit_status(exit_status.map_or(-1, i64::from)));
    status
}

/// Opens the session channel and starts what was asked for. Prints OpenSSH's words and returns the
/// exit on failure.
async fn open(conn: &mut Connection, spec: &Spec) -> Result<(Channel, bool), Exit> {
    let channel = match conn.handle.open_session().await {
        Ok(c) => c,
        Err(DriverError::ChannelOpenFailed {
            reason,
            description,
        }) => {
            log::error(&messages::channel_open_failed(0, reason, &description));
            return Err(Exit(255));
        }
        Err(_) => return Err(conn.ended(true).await),
    };
    log::debug("Entering interactive session.");
    if spec.agent.is_some() {
        log::debug("Requesting authentication agent forwarding.");
        channel.request(ChannelRequest::AuthAgent, false).await;
    }
    let pty_request = if spec.tty {
        let modes = tty::enter_raw_mode();
        let (cols, rows, width_px, height_px) = size();
        Some(ChannelRequest::PtyReq {
            term: std::env::var("TERM").unwrap_or_default(),
            cols,
            rows,
            width_px,
            height_px,
            modes: modes.unwrap_or_else(|| vec![0]),
        })
    } else {
        None
    };
    let start = match (&spec.command, spec.subsystem) {
        (Some(c), true) => {
            log::debug(&format!(
                "Sending subsystem: {}",
                String::from_utf8_lossy(c)
            ));
            (
                "subsystem",
                ChannelRequest::Subsystem {
                    name: String::from_utf8_lossy(c).into_owned(),
                },
            )
        }
        (Some(c), false) => {
            log::debug(&format!("Sending command: {}", String::from_utf8_lossy(c)));
            ("exec", ChannelRequest::Exec { command: c.clone() })
        }
        (None, _) => ("shell", ChannelRequest::Shell),
    };
    // Sent back to back, answered in order: no round trip between them.
    let pty_fut = async {
        match pty_request {
            Some(r) => Some(channel.request(r, true).await),
            None => None,
        }
    };
    let env_fut = async {
        if !spec.env.is_empty() {
            log::debug("Sending environment.");
        }
        for (name, value) in &spec.env {
            log::debug(&format!(
                "channel {}: setting env {name} = \"{value}\"",
                channel.id()
            ));
            channel
                .request(
                    ChannelRequest::Env {
                        name: name.clone(),
                        value: value.clone(),
                    },
                    false,
                )
                .await;
        }
    };
    let start_fut = channel.request(start.1, true);
    let (pty_ok, (), started) = tokio::join!(pty_fut, env_fut, start_fut);
    let mut have_pty = pty_ok.is_some();
    if pty_ok == Some(false) {
        have_pty = false;
        let msg = messages::request_failed("PTY allocation", channel.id().0);
        if spec.tty_required {
            log::fatal(&msg);
            return Err(Exit(255));
        }
        log::error(&msg);
        tty::leave_raw_mode();
    }
    if !started {
        if channel.is_closed() && !conn.handle.is_alive() {
            return Err(conn.ended(true).await);
        }
        log::fatal(&messages::request_failed(start.0, channel.id().0));
        return Err(Exit(255));
    }
    Ok((channel, have_pty))
}

/// SIGWINCH, forwarded as window-change.
struct WindowChanges(Option<tokio::signal::unix::Signal>);

impl WindowChanges {
    fn new() -> Self {
        Self(signal(SignalKind::window_change()).ok())
    }

    async fn recv(&mut self) {
        match self.0.as_mut() {
            Some(s) => {
                s.recv().await;
            }
            None => pending_forever().await,
        }
    }
}

/// The signals that end a session (clientloop.c traps them to restore the terminal). Registered
/// once; the handlers stay for the life of the process.
struct Signals {
    term: Vec<(i32, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn new() -> Self {
        let mut term = Vec::new();
        for (n, kind) in [
            (1, SignalKind::hangup()),
            (2, SignalKind::interrupt()),
            (3, SignalKind::quit()),
            (15, SignalKind::terminate()),
        ] {
            if let Ok(s) = signal(kind) {
                term.push((n, s));
            }
        }
        Self { term }
    }

    async fn terminate(&mut self) -> i32 {
        if self.term.is_empty() {
            pending_forever().await;
        }
        let futures = self
            .term
            .iter_mut()
            .map(|(n, s)| {
                let n = *n;
                Box::pin(async move {
                    s.recv().await;
                    n
                })
            })
            .collect::<Vec<_>>();
        futures_select_all(futures).await
    }
}

/// The first of several futures to finish (a small stand-in for `futures::select_all`).
async fn futures_select_all<F: std::future::Future<Output = i32> + Unpin>(
    mut futures: Vec<F>,
) -> i32 {
    std::future::poll_fn(|cx| {
        for f in futures.iter_mut() {
            if let std::task::Poll::Ready(v) = std::pin::Pin::new(f).poll(cx) {
                return std::task::Poll::Ready(v);
            }
        }
        std::task::Poll::Pending
    })
    .await
}
