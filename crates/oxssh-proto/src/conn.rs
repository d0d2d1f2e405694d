//! The public connection type, generic over the role; methods both roles share live here, the
//! role-specific ones in client.rs and server.rs.

use std::marker::PhantomData;
use std::time::Instant;

use bytes::BytesMut;

use crate::core::Core;
use crate::error::{ApiMisuse, Error};
use crate::event::{ChannelId, Event};
use crate::kex::Algorithms;
use crate::msg::connection::{ChannelKind, ChannelRequest};

mod sealed {
    pub trait Sealed {}
}

/// A role marker: [`Client`] or [`Server`].
pub trait Side: sealed::Sealed {}

/// The client role.
#[derive(Debug)]
pub enum Client {}
/// The server role.
#[derive(Debug)]
pub enum Server {}
impl sealed::Sealed for Client {}
impl sealed::Sealed for Server {}
impl Side for Client {}
impl Side for Server {}

/// One SSH connection's protocol state: bytes in, events and bytes out.
///
/// # Driving it
///
/// After every call that can change state (input, a timeout, a command or an answer), a driver:
/// 1. writes out everything [`poll_transmit`](Self::poll_transmit) gives,
/// 2. re-arms its timer from [`poll_timeout`](Self::poll_timeout),
/// 3. drains [`poll_event`](Self::poll_event) and acts on each event.
///
/// Input is passed to [`handle_input`](Self::handle_input) as a buffer the driver reads into; the core
/// takes whole packets from its front and leaves partial ones. While the core waits for an answer (a
/// host-key verdict, an authentication decision) it leaves later input in the buffer: after giving the
/// answer, call `handle_input` again with the same buffer even if no new bytes arrived.
///
/// Once an error is returned, the connection is dead: every later call returns the same error, and the
/// only output left is the DISCONNECT to flush.
pub struct Connection<R: Side> {
    pub(crate) core: Core,
    _role: PhantomData<R>,
}

impl<R: Side> std::fmt::Debug for Connection<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.core.role)
            .field("peer", &self.core.peer_identification())
            .finish()
    }
}

impl<R: Side> Connection<R> {
    pub(crate) fn from_core(core: Core) -> Self {
        Self {
            core,
            _role: PhantomData,
        }
    }

    /// Processes bytes from the peer, taking every whole packet off the front of `input`.
    pub fn handle_input(&mut self, input: &mut BytesMut, now: Instant) -> Result<(), Error> {
        self.core.handle_input(input, now)
    }

    /// Moves the sealed bytes waiting to be sent into `out` (swapping buffers when `out` is empty, so the
    /// steady state copies nothing).
    pub fn poll_transmit(&mut self, out: &mut BytesMut) {
        let tx = &mut self.core.transport.tx;
        if out.is_empty() {
            std::mem::swap(out, tx);
        } else {
            out.extend_from_slice(tx);
            tx.clear();
        }
    }

    /// Bytes waiting for [`poll_transmit`](Self::poll_transmit); a driver that cannot write stops
    /// feeding channel data while this is large.
    pub fn pending_transmit(&self) -> usize {
        self.core.transport.tx.len()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.core.events.pop_front()
    }

    /// The next deadline (authentication grace time, time-based re-key).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.core.poll_timeout()
    }

    /// Tells the core that time has passed; call when the deadline from `poll_timeout` is reached.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.core.handle_timeout(now)
    }

    /// Whether the connection is over (after a DISCONNECT either way or an error).
    pub fn is_closed(&self) -> bool {
        self.core.is_closed()
    }

    /// The error that ended the connection, if one did.
    pub fn error(&self) -> Option<Error> {
        self.core.check().err()
    }

    /// Sends DISCONNECT and ends the connection.
    pub fn disconnect(&mut self, reason: u32, description: &str) {
        self.core.send_disconnect(reason, description);
    }

    /// After a failed negotiation: the peer's name-list for the kind of algorithm that found no
    /// match (OpenSSH's "Their offer: ...").
    pub fn their_offer(&self) -> Option<&str> {
        self.core.kex.their_offer()
    }

    /// The session identifier (H of the first key exchange).
    pub fn session_id(&self) -> Option<&[u8]> {
        self.core.kex.session_id()
    }

    /// The algorithms of the latest key exchange.
    pub fn algorithms(&self) -> Option<&Algorithms> {
        self.core.kex.algorithms()
    }

    /// The peer's identification line.
    pub fn peer_identification(&self) -> Option<&str> {
        self.core.peer_identification()
    }

    /// Whether strict key exchange (the Terrapin countermeasure) is in force.
    pub fn is_strict_kex(&self) -> bool {
        self.core.kex.is_strict()
    }

    /// Whether user authentication has succeeded.
    pub fn is_authenticated(&self) -> bool {
        self.core.is_authenticated()
    }

    /// Whether the peer announced OpenSSH's transport-level ping.
    pub fn peer_supports_ping(&self) -> bool {
        self.core.peer_supports_ping()
    }

    /// Starts a key re-exchange now (a no-op if one is running or the first has not finished).
    pub fn start_rekey(&mut self) {
        self.core.start_rekey();
    }

    /// Number of channels in use.
    pub fn channel_count(&self) -> usize {
        self.core.channels.len()
    }

    fn connection_layer(&mut self) -> Result<&mut Core, Error> {
        self.core.check()?;
        if !self.core.is_authenticated() {
            return Err(ApiMisuse::NotAuthenticated.into());
        }
        Ok(&mut self.core)
    }

    /// Opens a channel; [`Event::ChannelOpened`] or [`Event::ChannelOpenFailed`] follows.
    pub fn open_channel(&mut self, kind: ChannelKind) -> Result<ChannelId, Error> {
        let core = self.connection_layer()?;
        core.channels.open(&mut core.transport, kind)
    }

    /// Accepts a channel the peer asked for.
    pub fn accept_channel(&mut self, channel: ChannelId) -> Result<(), Error> {
        let core = self.connection_layer()?;
        core.channels.accept(&mut core.transport, channel)
    }

    /// Refuses a channel the peer asked for (reason codes in `msg::connection::open_failure`).
    pub fn reject_channel(
        &mut self,
        channel: ChannelId,
        reason: u32,
        description: &str,
    ) -> Result<(), Error> {
        let core = self.connection_layer()?;
        core.channels
            .reject(&mut core.transport, channel, reason, description)
    }

    /// Sends as much of `data` as the peer's window allows now and returns how much that was; when it
    /// is less than all, wait for [`Event::ChannelWritable`]. The bytes are copied once, into the packet.
    pub fn send_data(&mut self, channel: ChannelId, data: &[u8]) -> Result<usize, Error> {
        let core = self.connection_layer()?;
        let sent = core
            .channels
            .send_data(&mut core.transport, channel, None, data)?;
        core.maybe_rekey_after_send();
        Ok(sent)
    }

    /// As [`send_data`](Self::send_data), as extended data (`code` 1 is stderr).
    pub fn send_extended_data(
        &mut self,
        channel: ChannelId,
        code: u32,
        data: &[u8],
    ) -> Result<usize, Error> {
        let core = self.connection_layer()?;
        let sent = core
            .channels
            .send_data(&mut core.transport, channel, Some(code), data)?;
        core.maybe_rekey_after_send();
        Ok(sent)
    }

    /// How many bytes `send_data` would take right now.
    pub fn send_capacity(&self, channel: ChannelId) -> usize {
        if self.core.transport.is_sending_kex() {
            0
        } else {
            self.core.channels.send_capacity(channel)
        }
    }

    /// Reports that `n` bytes of received data were passed on, so the window can reopen.
    pub fn consume(&mut self, channel: ChannelId, n: usize) {
        let core = &mut self.core;
        if core.check().is_ok() {
            // The last time the driver gave us (its latest read or timer): close enough to now for
            // the window's round-trip measurements, without widening this call.
            let now = core.last_now;
            core.channels.consume(&mut core.transport, channel, n, now);
        }
    }

    /// Sends EOF on a channel.
    pub fn send_eof(&mut self, channel: ChannelId) -> Result<(), Error> {
        let core = self.connection_layer()?;
        core.channels.eof(&mut core.transport, channel)
    }

    /// Closes a channel; [`Event::ChannelClosed`] follows when the peer closes too.
    pub fn close_channel(&mut self, channel: ChannelId) -> Result<(), Error> {
        let core = self.connection_layer()?;
        core.channels.close(&mut core.transport, channel)
    }

    /// Sends a channel request.
    pub fn channel_request(
        &mut self,
        channel: ChannelId,
        request: ChannelRequest,
        want_reply: bool,
    ) -> Result<(), Error> {
        let core = self.connection_layer()?;
        core.channels
            .request(&mut core.transport, channel, request, want_reply)
    }

    /// Answers the oldest unanswered want-reply request on the channel.
    pub fn channel_request_reply(
        &mut self,
        channel: ChannelId,
        success: bool,
    ) -> Result<(), Error> {
        let core = self.connection_layer()?;
        core.channels
            .request_reply(&mut core.transport, channel, success)
    }

    /// Sends a global request.
    pub fn global_request(
        &mut self,
        name: &str,
        want_reply: bool,
        data: &[u8],
    ) -> Result<(), Error> {
        let core = self.connection_layer()?;
        core.channels
            .global_request(&mut core.transport, name, want_reply, data);
        Ok(())
    }

    /// Answers the oldest unanswered want-reply global request.
    pub fn global_request_reply(&mut self, success: bool, data: &[u8]) -> Result<(), Error> {
        let core = self.connection_layer()?;
        core.channels
            .global_request_reply(&mut core.transport, success, data)
    }

    /// Sends an IGNORE message (traffic padding, or a cheap liveness write).
    pub fn send_ignore(&mut self, data: &[u8]) -> Result<(), Error> {
        self.core.check()?;
        self.core.transport.send(|b| {
            oxssh_wire::Writer::write_u8(b, crate::msg::number::IGNORE);
            oxssh_wire::Writer::write_string(b, data);
        });
        Ok(())
    }
}
