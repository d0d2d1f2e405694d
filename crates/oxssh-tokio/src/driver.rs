//! The per-connection task: it owns the protocol core (no lock on the hot path), reads the socket into
//! one large buffer, writes sealed output in large batches, fires the core's timers, and routes events
//! to channels or to the application.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::{Buf, BytesMut};
use oxssh_proto::error::PeerIncompatible;
use oxssh_proto::{ChannelId, Client, Connection, Error, Event, Server, Side};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::channel::{Channel, ChannelState, Op, Shared};
use crate::error::DriverError;
use crate::handle::{Command, ConnectionInfo, Handle};
use crate::input::InputBuffer;

/// Bytes read from the socket per call at most; large reads amortise the syscall and the core's
/// per-call work (ARCHITECTURE §4: 64 KiB and more).
const READ_CHUNK: usize = 256 * 1024;

/// Role-specific commands: each role applies its own and refuses the other's.
pub trait DriverRole: Side + Send + Sized + 'static {
    #[doc(hidden)]
    fn apply(conn: &mut Connection<Self>, command: Command) -> Result<(), Error>;
    #[doc(hidden)]
    fn server_sig_algs(conn: &Connection<Self>) -> Option<Vec<String>>;
}

fn wrong_role() -> Result<(), Error> {
    Err(oxssh_proto::error::ApiMisuse::BadConfig("command for the other role").into())
}

impl DriverRole for Client {
    fn apply(conn: &mut Connection<Self>, command: Command) -> Result<(), Error> {
        match command {
            Command::AcceptHostKey => conn.accept_host_key(),
            Command::RejectHostKey => conn.reject_host_key(),
            Command::AuthNone { user } => conn.auth_none(&user),
            Command::AuthPassword { user, password } => conn.auth_password(&user, &password),
            Command::AuthChangePassword { user, old, new } => {
                conn.auth_change_password(&user, &old, &new)
            }
            Command::AuthPublickeyQuery {
                user,
                algorithm,
                key,
            } => conn.auth_publickey_query(&user, &algorithm, &key),
            Command::AuthPublickeySigned {
                user,
                algorithm,
                key,
                signature,
            } => conn.auth_publickey_signed(&user, &algorithm, &key, &signature),
            Command::AuthKeyboardInteractive { user, submethods } => {
                conn.auth_keyboard_interactive(&user, &submethods)
            }
            Command::AuthInfoResponse { responses } => conn.auth_info_response(&responses),
            Command::PublickeySignedData {
                user,
                algorithm,
                key,
                reply,
            } => {
                let _ = reply.send(conn.publickey_signed_data(&user, &algorithm, &key).ok());
                Ok(())
            }
            _ => wrong_role(),
        }
    }

    fn server_sig_algs(conn: &Connection<Self>) -> Option<Vec<String>> {
        conn.server_sig_algs().map(<[String]>::to_vec)
    }
}

impl DriverRole for Server {
    fn apply(conn: &mut Connection<Self>, command: Command) -> Result<(), Error> {
        match command {
            Command::AcceptAuth => conn.accept_auth(),
            Command::RejectAuth { methods, partial } => {
                let methods: Option<Vec<&str>> = methods
                    .as_ref()
                    .map(|m| m.iter().map(String::as_str).collect());
                conn.reject_auth_with(methods.as_deref(), partial)
            }
            Command::AskInfo {
                name,
                instruction,
                prompts,
            } => conn.ask_info(&name, &instruction, &prompts),
            Command::Banner { message } => conn.send_banner(&message),
            _ => wrong_role(),
        }
    }

    fn server_sig_algs(_: &Connection<Self>) -> Option<Vec<String>> {
        None
    }
}

/// A connection running in its own task.
pub struct Driven {
    /// Commands.
    pub handle: Handle,
    /// Events that are not about a particular channel (host key, authentication, channel open
    /// requests, global requests, disconnect). Ends when the connection does.
    pub events: mpsc::UnboundedReceiver<Event>,
    /// The task; its result says why the connection ended.
    pub task: JoinHandle<Result<(), DriverError>>,
}

/// Starts driving `conn` over `io` in a new task.
pub fn spawn<R, S>(conn: Connection<R>, io: S) -> Driven
where
    R: DriverRole,
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (event_tx, events) = mpsc::unbounded_channel();
    let handle = Handle {
        tx: cmd_tx,
        _alive: Arc::new(()),
    };
    let driver = Driver {
        conn,
        handle: handle.clone(),
        commands: cmd_rx,
        events: event_tx,
        channels: HashMap::new(),
        opening: HashMap::new(),
        global_replies: VecDeque::new(),
        wake: Arc::new(Notify::new()),
        dirty: Arc::new(Mutex::new(Vec::new())),
        input: InputBuffer::new(READ_CHUNK),
        output: BytesMut::new(),
    };
    let task = tokio::spawn(driver.run(io));
    Driven {
        handle,
        events,
        task,
    }
}

struct Driver<R: DriverRole> {
    conn: Connection<R>,
    handle: Handle,
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<Event>,
    channels: HashMap<ChannelId, Arc<Shared>>,
    opening: HashMap<ChannelId, oneshot::Sender<Result<Channel, DriverError>>>,
    /// One entry per global request we sent: `Some` for those that wait for an answer.
    global_replies: VecDeque<oneshot::Sender<Option<Vec<u8>>>>,
    wake: Arc<Notify>,
    dirty: Arc<Mutex<Vec<ChannelId>>>,
    input: InputBuffer,
    output: BytesMut,
}

impl<R: DriverRole> Driver<R> {
    async fn run<S: AsyncRead + AsyncWrite + Send>(mut self, io: S) -> Result<(), DriverError> {
        let (mut reader, mut writer) = tokio::io::split(io);
        let mut result: Result<(), DriverError> = Ok(());
        let mut reading = true;
        loop {
            if let Err(e) = self.pump() {
                result = Err(e.into());
            }
            if self.conn.is_closed() && self.output.is_empty() {
                break;
            }
            if !reading && self.output.is_empty() {
                break;
            }
            self.input.make_room(Instant::now());
            // The core's next deadline, or the time to give back spare read buffers if sooner.
            let deadline = match (self.conn.poll_timeout(), self.input.expiry()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let timer = async move {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                read = reader.read_buf(&mut self.input.buf), if reading && !self.conn.is_closed() => match read {
                    Ok(0) | Err(_) => {
                        reading = false;
                        if result.is_ok() && !self.conn.is_closed() {
                            result = Err(match read { Err(e) => e.into(), Ok(_) => DriverError::PeerClosed });
                        }
                        // Nobody will read what we still have to say.
                        self.output.clear();
                    }
                    Ok(_) => {
                        if let Err(e) = self.conn.handle_input(&mut self.input.buf, Instant::now()) {
                            result = Err(e.into());
                        }
                    }
                },
                written = writer.write(&self.output), if !self.output.is_empty() => match written {
                    Ok(n) => self.output.advance(n),
                    Err(e) => {
                        result = Err(e.into());
                        break;
                    }
                },
                command = self.commands.recv() => {
                    if let Some(command) = command {
                        if let Err(e) = self.apply(command) {
                            result = Err(e.into());
                        }
                        // An answer may unpause the core, which left later input in the buffer.
                        if !self.input.buf.is_empty() && !self.conn.is_closed()
                            && let Err(e) = self.conn.handle_input(&mut self.input.buf, Instant::now()) {
                                result = Err(e.into());
                            }
                    }
                }
                () = timer => {
                    let now = Instant::now();
                    self.input.expire(now);
                    // The core checks which of its deadlines passed; an early call does nothing.
                    if let Err(e) = self.conn.handle_timeout(now) {
                        result = Err(e.into());
                    }
                }
                () = self.wake.notified() => {}
            }
        }
        let _ = writer.shutdown().await;
        self.finish();
        if let Err(DriverError::Protocol(Error::PeerIncompatible(
            PeerIncompatible::NoCommonAlgorithm(what),
        ))) = result
            && let Some(offer) = self.conn.their_offer()
        {
            result = Err(DriverError::Negotiation {
                what,
                their_offer: offer.to_owned(),
            });
        }
        if let (Ok(()), Some(Error::PeerDisconnected(_))) = (&result, self.conn.error()) {
            return Ok(());
        }
        match result {
            Err(DriverError::Protocol(Error::PeerDisconnected(_) | Error::LocallyDisconnected)) => {
                Ok(())
            }
            other => other,
        }
    }

    /// Moves channel data into the core, sealed output into our write buffer, and events out.
    fn pump(&mut self) -> Result<(), Error> {
        let dirty = std::mem::take(&mut *self.dirty.lock().unwrap_or_else(|p| p.into_inner()));
        for id in dirty {
            self.flush_channel(id);
        }
        if self.output.is_empty() {
            self.conn.poll_transmit(&mut self.output);
        }
        while let Some(event) = self.conn.poll_event() {
            self.route(event);
        }
        // Routing may have queued more (window adjusts, close replies).
        if self.output.is_empty() {
            self.conn.poll_transmit(&mut self.output);
        }
        match self.conn.error() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn flush_channel(&mut self, id: ChannelId) {
        let Some(shared) = self.channels.get(&id).cloned() else {
            return;
        };
        let mut state = shared.lock();
        let consumed = std::mem::take(&mut state.consumed);
        if consumed > 0 {
            self.conn.consume(id, consumed);
        }
        let out = &mut state.outbound;
        let before = out.data.len() + out.extended.len();
        if !out.data.is_empty()
            && let Ok(n) = self.conn.send_data(id, &out.data)
        {
            out.data.advance(n);
        }
        if !out.extended.is_empty()
            && let Ok(n) = self
                .conn
                .send_extended_data(id, out.extended_code, &out.extended)
        {
            out.extended.advance(n);
        }
        let mut drained = out.data.is_empty() && out.extended.is_empty();
        while drained && let Some(op) = state.outbound.ops.pop_front() {
            match op {
                Op::Request(request, want_reply) => {
                    if self.conn.channel_request(id, request, want_reply).is_err()
                        && want_reply
                        && let Some(reply) = state.replies.pop_back()
                    {
                        let _ = reply.send(false);
                    }
                }
                Op::Reply(success) => {
                    let _ = self.conn.channel_request_reply(id, success);
                }
            }
        }
        let out = &mut state.outbound;
        drained = drained && out.ops.is_empty();
        if drained && (out.eof || out.close) {
            let _ = self.conn.send_eof(id);
        }
        if drained && out.close {
            let _ = self.conn.close_channel(id);
        }
        if out.data.len() + out.extended.len() < before || drained {
            out.write_wakers.wake();
        }
    }

    fn new_channel(&mut self, id: ChannelId) -> Channel {
        let shared = Arc::new(Shared {
            id,
            state: Mutex::new(ChannelState::default()),
            wake_driver: self.wake.clone(),
            dirty: self.dirty.clone(),
        });
        self.channels.insert(id, shared.clone());
        Channel {
            shared,
            handle: self.handle.clone(),
        }
    }

    fn route(&mut self, event: Event) {
        let shared = |d: &Self, id: &ChannelId| d.channels.get(id).cloned();
        match event {
            Event::ChannelOpened { channel } => {
                let handle = self.new_channel(channel);
                if let Some(reply) = self.opening.remove(&channel) {
                    let _ = reply.send(Ok(handle));
                }
            }
            Event::ChannelOpenFailed {
                channel,
                reason,
                description,
            } => {
                if let Some(reply) = self.opening.remove(&channel) {
                    let _ = reply.send(Err(DriverError::ChannelOpenFailed {
                        reason,
                        description,
                    }));
                }
            }
            Event::ChannelData { channel, data } => {
                if let Some(s) = shared(self, &channel) {
                    let mut state = s.lock();
                    state.inbound.data.push_back(data);
                    if let Some(w) = state.inbound.read_waker.take() {
                        w.wake();
                    }
                }
            }
            Event::ChannelExtendedData { channel, data, .. } => {
                if let Some(s) = shared(self, &channel) {
                    let mut state = s.lock();
                    state.inbound.extended.push_back(data);
                    if let Some(w) = state.inbound.ext_waker.take() {
                        w.wake();
                    }
                }
            }
            Event::ChannelEof { channel } => {
                if let Some(s) = shared(self, &channel) {
                    let mut state = s.lock();
                    state.inbound.eof = true;
                    state.wake_all();
                }
            }
            Event::ChannelClosed { channel } => {
                if let Some(s) = self.channels.remove(&channel) {
                    let mut state = s.lock();
                    state.closed = true;
                    state.inbound.eof = true;
                    state.replies.clear();
                    state.wake_all();
                }
            }
            Event::ChannelRequest {
                channel,
                request,
                want_reply,
            } => {
                if let Some(s) = shared(self, &channel) {
                    let mut state = s.lock();
                    state.requests.push_back((request, want_reply));
                    state.request_wakers.wake();
                } else if want_reply {
                    let _ = self.conn.channel_request_reply(channel, false);
                }
            }
            Event::ChannelRequestResult { channel, success } => {
                if let Some(s) = shared(self, &channel)
                    && let Some(reply) = s.lock().replies.pop_front()
                {
                    let _ = reply.send(success);
                }
            }
            Event::ChannelWritable { channel } => self.flush_channel(channel),
            Event::GlobalRequestResult { success, data } => {
                if let Some(reply) = self.global_replies.pop_front() {
                    let _ = reply.send(success.then_some(data));
                }
            }
            other => {
                let _ = self.events.send(other);
            }
        }
    }

    fn apply(&mut self, command: Command) -> Result<(), Error> {
        match command {
            Command::OpenChannel { kind, reply } => match self.conn.open_channel(kind) {
                Ok(id) => {
                    self.opening.insert(id, reply);
                }
                Err(e) => {
                    let _ = reply.send(Err(e.into()));
                }
            },
            Command::AcceptChannel { channel, reply } => {
                let result = self
                    .conn
                    .accept_channel(channel)
                    .map(|()| self.new_channel(channel));
                let _ = reply.send(result.map_err(Into::into));
            }
            Command::RejectChannel {
                channel,
                reason,
                description,
            } => {
                let _ = self.conn.reject_channel(channel, reason, &description);
            }
            Command::GlobalRequest { name, data, reply } => {
                let want_reply = reply.is_some();
                match self.conn.global_request(&name, want_reply, &data) {
                    Ok(()) => self.global_replies.extend(reply),
                    Err(_) => {
                        if let Some(reply) = reply {
                            let _ = reply.send(None);
                        }
                    }
                }
            }
            Command::GlobalRequestReply { success, data } => {
                let _ = self.conn.global_request_reply(success, &data);
            }
            Command::Rekey => self.conn.start_rekey(),
            Command::Ignore { data } => self.conn.send_ignore(&data)?,
            Command::Disconnect {
                reason,
                description,
            } => self.conn.disconnect(reason, &description),
            Command::Query { reply } => {
                let _ = reply.send(ConnectionInfo {
                    algorithms: self.conn.algorithms().cloned(),
                    session_id: self.conn.session_id().map(<[u8]>::to_vec),
                    peer_identification: self.conn.peer_identification().map(str::to_owned),
                    server_sig_algs: R::server_sig_algs(&self.conn),
                    strict_kex: self.conn.is_strict_kex(),
                });
            }
            other => R::apply(&mut self.conn, other)?,
        }
        Ok(())
    }

    /// The connection is over: every channel reads EOF, every writer fails, every waiter learns.
    fn finish(&mut self) {
        for (_, s) in self.channels.drain() {
            let mut state = s.lock();
            // Channels closed by CLOSE both ways have left the table already: these are lost.
            state.lost = !state.closed;
            state.closed = true;
            state.inbound.eof = true;
            state.replies.clear();
            state.wake_all();
        }
        for (_, reply) in self.opening.drain() {
            let _ = reply.send(Err(DriverError::Closed));
        }
        self.global_replies.clear();
    }
}
