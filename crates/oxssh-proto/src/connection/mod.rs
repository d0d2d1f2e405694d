//! The connection layer (RFC 4254): the channel table and global requests, written once for both roles.

mod channel;
mod window;

use std::collections::VecDeque;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use oxssh_wire::{Reader, Writer};

use crate::error::{ApiMisuse, Error, PeerMisbehaved};
use crate::event::{ChannelId, Event};
use crate::limits;
use crate::msg::connection::{
    ChannelKind, ChannelOpen, ChannelOpenConfirmation, ChannelOpenFailure, ChannelRequest,
    ChannelRequestMsg, GlobalRequest, global, open_failure,
};
use crate::msg::number;
use crate::transport::Transport;
use channel::{Channel, Phase};

/// Global requests the application is told about; any other is refused by the core so that replies
/// keep their order without the application having to know every name.
const APP_GLOBAL_REQUESTS: &[&str] = &[
    global::TCPIP_FORWARD,
    global::CANCEL_TCPIP_FORWARD,
    global::HOSTKEYS,
    global::NO_MORE_SESSIONS,
    "streamlocal-forward@openssh.com",
    "cancel-streamlocal-forward@openssh.com",
];

/// The channel table and the global-request bookkeeping.
pub(crate) struct Channels {
    slots: Vec<Option<Channel>>,
    open_count: usize,
    window: u32,
    max_packet: u32,
    /// Replies we owe for global requests, in arrival order (`None` while the application decides).
    owed_global: VecDeque<Option<(bool, Vec<u8>)>>,
    /// Global requests we sent with want-reply and not yet answered.
    awaiting_global: usize,
}

impl Channels {
    pub(crate) fn new(window: u32, max_packet: u32) -> Self {
        Self {
            slots: Vec::new(),
            open_count: 0,
            window,
            max_packet,
            owed_global: VecDeque::new(),
            awaiting_global: 0,
        }
    }

    fn get(&self, id: ChannelId) -> Option<&Channel> {
        self.slots.get(id.0 as usize).and_then(Option::as_ref)
    }

    fn get_mut(&mut self, id: ChannelId) -> Option<&mut Channel> {
        self.slots.get_mut(id.0 as usize).and_then(Option::as_mut)
    }

    fn allocate(&mut self, channel: Channel) -> Option<ChannelId> {
        if self.open_count >= limits::MAX_CHANNELS {
            return None;
        }
        let index = match self.slots.iter().position(Option::is_none) {
            Some(i) => i,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        *self.slots.get_mut(index)? = Some(channel);
        self.open_count += 1;
        Some(ChannelId(u32::try_from(index).ok()?))
    }

    fn free(&mut self, id: ChannelId) {
        if let Some(slot) = self.slots.get_mut(id.0 as usize)
            && slot.take().is_some()
        {
            self.open_count -= 1;
        }
    }

    /// The number of channels in use.
    pub(crate) fn len(&self) -> usize {
        self.open_count
    }

    /// The channel a peer message names; unknown numbers are a protocol error.
    fn peer_channel(&mut self, recipient: u32) -> Result<(ChannelId, &mut Channel), Error> {
        let id = ChannelId(recipient);
        match self.get_mut(id) {
            Some(c) if c.phase != Phase::OpeningIn => Ok((id, c)),
            _ => Err(PeerMisbehaved::UnknownChannel.into()),
        }
    }

    // ---- commands -------------------------------------------------------------------------------

    pub(crate) fn open(
        &mut self,
        t: &mut Transport,
        kind: ChannelKind,
    ) -> Result<ChannelId, Error> {
        let id = self
            .allocate(Channel::new(Phase::OpeningOut, self.window))
            .ok_or(ApiMisuse::BadConfig("too many channels"))?;
        let open = ChannelOpen {
            kind,
            sender_channel: id.0,
            initial_window: self.window,
            max_packet: self.max_packet,
        };
        t.send(|b| open.write(b));
        Ok(id)
    }

    pub(crate) fn accept(&mut self, t: &mut Transport, id: ChannelId) -> Result<(), Error> {
        let (window, max_packet) = (self.window, self.max_packet);
        let c = self
            .get_mut(id)
            .filter(|c| c.phase == Phase::OpeningIn)
            .ok_or(ApiMisuse::ChannelNotOpen)?;
        c.phase = Phase::Open;
        let confirm = ChannelOpenConfirmation {
            recipient_channel: c.remote_id,
            sender_channel: id.0,
            initial_window: window,
            max_packet,
        };
        t.send(|b| confirm.write(b));
        Ok(())
    }

    pub(crate) fn reject(
        &mut self,
        t: &mut Transport,
        id: ChannelId,
        reason: u32,
        description: &str,
    ) -> Result<(), Error> {
        let c = self
            .get(id)
            .filter(|c| c.phase == Phase::OpeningIn)
            .ok_or(ApiMisuse::ChannelNotOpen)?;
        let failure = ChannelOpenFailure {
            recipient_channel: c.remote_id,
            reason,
            description,
        };
        t.send(|b| failure.write(b));
        self.free(id);
        Ok(())
    }

    /// Sends as much of `data` as the window allows; returns how much went. With `code`, as extended
    /// data. Zero means "wait for [`Event::ChannelWritable`]".
    pub(crate) fn send_data(
        &mut self,
        t: &mut Transport,
        id: ChannelId,
        code: Option<u32>,
        data: &[u8],
    ) -> Result<usize, Error> {
        let max_payload = t.writer.max_payload() - 16;
        let can_send_now = !t.is_sending_kex();
        let c = self
            .get_mut(id)
            .filter(|c| c.can_send())
            .ok_or(ApiMisuse::ChannelNotOpen)?;
        if !can_send_now {
            // RFC 4253 §7.1: no channel data between our KEXINIT and NEWKEYS. Holding it at the source
            // (instead of queueing) keeps memory bounded.
            c.blocked = true;
            return Ok(0);
        }
        let total = data.len().min(c.send_window as usize);
        let chunk_max = (c.send_max_packet as usize).clamp(1, max_payload);
        for chunk in data.get(..total).unwrap_or_default().chunks(chunk_max) {
            let remote = c.remote_id;
            t.send(|b| {
                match code {
                    None => b.write_u8(number::CHANNEL_DATA),
                    Some(_) => b.write_u8(number::CHANNEL_EXTENDED_DATA),
                }
                b.write_u32(remote);
                if let Some(code) = code {
                    b.write_u32(code);
                }
                b.write_string(chunk);
            });
        }
        c.send_window -= total as u32;
        c.blocked = total < data.len();
        Ok(total)
    }

    /// How much could be sent right now on the channel.
    pub(crate) fn send_capacity(&self, id: ChannelId) -> usize {
        self.get(id)
            .filter(|c| c.can_send())
            .map_or(0, |c| c.send_window as usize)
    }

    pub(crate) fn eof(&mut self, t: &mut Transport, id: ChannelId) -> Result<(), Error> {
        let c = self
            .get_mut(id)
            .filter(|c| c.phase == Phase::Open)
            .ok_or(ApiMisuse::ChannelNotOpen)?;
        if !c.eof_sent && !c.close_sent {
            c.eof_sent = true;
            let remote = c.remote_id;
            t.send(|b| {
                b.write_u8(number::CHANNEL_EOF);
                b.write_u32(remote);
            });
        }
        Ok(())
    }

    pub(crate) fn close(&mut self, t: &mut Transport, id: ChannelId) -> Result<(), Error> {
        let c = self
            .get_mut(id)
            .filter(|c| c.phase == Phase::Open)
            .ok_or(ApiMisuse::ChannelNotOpen)?;
        if !c.close_sent {
            c.close_sent = true;
            let remote = c.remote_id;
            t.send(|b| {
                b.write_u8(number::CHANNEL_CLOSE);
                b.write_u32(remote);
            });
        }
        Ok(())
    }

    pub(crate) fn request(
        &mut self,
        t: &mut Transport,
        id: ChannelId,
        request: ChannelRequest,
        want_reply: bool,
    ) -> Result<(), Error> {
        let c = self
            .get_mut(id)
            .filter(|c| c.phase == Phase::Open && !c.close_sent)
            .ok_or(ApiMisuse::ChannelNotOpen)?;
        let msg = ChannelRequestMsg {
            recipient_channel: c.remote_id,
            want_reply,
            request,
        };
        t.send(|b| msg.write(b));
        Ok(())
    }

    /// The application's answer to the oldest undecided want-reply request on the channel.
    pub(crate) fn request_reply(
        &mut self,
        t: &mut Transport,
        id: ChannelId,
        success: bool,
    ) -> Result<(), Error> {
        let c = self.get_mut(id).ok_or(ApiMisuse::ChannelNotOpen)?;
        let slot = c
            .owed_replies
            .iter_mut()
            .find(|r| r.is_none())
            .ok_or(ApiMisuse::NothingPending("channel request"))?;
        *slot = Some(success);
        Self::flush_channel_replies(t, c);
        Ok(())
    }

    fn flush_channel_replies(t: &mut Transport, c: &mut Channel) {
        while let Some(Some(success)) = c.owed_replies.front().copied() {
            c.owed_replies.pop_front();
            if c.close_sent {
                continue;
            }
            let remote = c.remote_id;
            t.send(|b| {
                b.write_u8(if success {
                    number::CHANNEL_SUCCESS
                } else {
                    number::CHANNEL_FAILURE
                });
                b.write_u32(remote);
            });
        }
    }

    pub(crate) fn consume(&mut self, t: &mut Transport, id: ChannelId, n: usize, now: Instant) {
        let Some(c) = self.get_mut(id) else { return };
        if c.close_sent || c.close_received {
            return;
        }
        if let Some(adjust) = c.recv.consume(n, now) {
            let remote = c.remote_id;
            t.send(|b| {
                b.write_u8(number::CHANNEL_WINDOW_ADJUST);
                b.write_u32(remote);
                b.write_u32(adjust);
            });
        }
    }

    pub(crate) fn global_request(
        &mut self,
        t: &mut Transport,
        name: &str,
        want_reply: bool,
        data: &[u8],
    ) {
        if want_reply {
            self.awaiting_global += 1;
        }
        t.send(|b| {
            GlobalRequest {
                name,
                want_reply,
                data,
            }
            .write(b)
        });
    }

    pub(crate) fn global_request_reply(
        &mut self,
        t: &mut Transport,
        success: bool,
        data: &[u8],
    ) -> Result<(), Error> {
        let slot = self
            .owed_global
            .iter_mut()
            .find(|r| r.is_none())
            .ok_or(ApiMisuse::NothingPending("global request"))?;
        *slot = Some((success, data.to_vec()));
        self.flush_global_replies(t);
        Ok(())
    }

    fn flush_global_replies(&mut self, t: &mut Transport) {
        while let Some(Some(_)) = self.owed_global.front() {
            if let Some(Some((success, data))) = self.owed_global.pop_front() {
                t.send(|b| {
                    b.write_u8(if success {
                        number::REQUEST_SUCCESS
                    } else {
                        number::REQUEST_FAILURE
                    });
                    if success {
                        b.write_raw(&data);
                    }
                });
            }
        }
    }

    /// After a key exchange: channels that were held back may send again.
    pub(crate) fn wake_blocked(&mut self, events: &mut VecDeque<Event>) {
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if let Some(c) = slot
                && c.blocked
                && c.can_send()
                && c.send_window > 0
            {
                c.blocked = false;
                events.push_back(Event::ChannelWritable {
                    channel: ChannelId(i as u32),
                });
            }
        }
    }

    // ---- peer messages ---------------------------------------------------------------------------

    /// Handles a connection-layer message (80–127). `packet` is the whole payload, number first; it is
    /// frozen only for data messages, whose payload then leaves as a slice.
    pub(crate) fn handle(
        &mut self,
        t: &mut Transport,
        events: &mut VecDeque<Event>,
        packet: BytesMut,
        now: Instant,
    ) -> Result<(), Error> {
        let got = packet.first().copied().unwrap_or(0);
        match got {
            number::CHANNEL_DATA | number::CHANNEL_EXTENDED_DATA => {
                return self.handle_data(events, packet.freeze(), now);
            }
            _ => {}
        }
        let mut r = Reader::new(packet.get(1..).unwrap_or_default());
        match got {
            number::GLOBAL_REQUEST => self.handle_global_request(t, events, &mut r),
            number::REQUEST_SUCCESS | number::REQUEST_FAILURE => {
                if self.awaiting_global == 0 {
                    return Err(PeerMisbehaved::UnexpectedMessage {
                        expected: "no global reply",
                        got,
                    }
                    .into());
                }
                self.awaiting_global -= 1;
                let data = r.take_rest().to_vec();
                events.push_back(Event::GlobalRequestResult {
                    success: got == number::REQUEST_SUCCESS,
                    data,
                });
                Ok(())
            }
            number::CHANNEL_OPEN => self.handle_open(t, events, &mut r),
            number::CHANNEL_OPEN_CONFIRMATION => {
                let m = ChannelOpenConfirmation::read(&mut r)?;
                let id = ChannelId(m.recipient_channel);
                let c = self
                    .get_mut(id)
                    .filter(|c| c.phase == Phase::OpeningOut)
                    .ok_or(PeerMisbehaved::UnknownChannel)?;
                c.phase = Phase::Open;
                c.remote_id = m.sender_channel;
                c.send_window = m.initial_window;
                c.send_max_packet = m.max_packet;
                events.push_back(Event::ChannelOpened { channel: id });
                Ok(())
            }
            number::CHANNEL_OPEN_FAILURE => {
                let m = ChannelOpenFailure::read(&mut r)?;
                let id = ChannelId(m.recipient_channel);
                self.get(id)
                    .filter(|c| c.phase == Phase::OpeningOut)
                    .ok_or(PeerMisbehaved::UnknownChannel)?;
                self.free(id);
                events.push_back(Event::ChannelOpenFailed {
                    channel: id,
                    reason: m.reason,
                    description: m.description.to_owned(),
                });
                Ok(())
            }
            number::CHANNEL_WINDOW_ADJUST => {
                let recipient = r.read_u32("recipient channel")?;
                let add = r.read_u32("bytes to add")?;
                r.finish("window adjust")?;
                let (id, c) = self.peer_channel(recipient)?;
                // RFC 4254 §5.2 caps the window at 2^32-1; OpenSSH refuses an overflowing adjust.
                c.send_window = c
                    .send_window
                    .checked_add(add)
                    .ok_or(PeerMisbehaved::ProtocolViolation("window overflow"))?;
                if c.blocked && c.can_send() {
                    c.blocked = false;
                    events.push_back(Event::ChannelWritable { channel: id });
                }
                Ok(())
            }
            number::CHANNEL_EOF => {
                let recipient = r.read_u32("recipient channel")?;
                r.finish("channel eof")?;
                let (id, c) = self.peer_channel(recipient)?;
                if !c.eof_received {
                    c.eof_received = true;
                    events.push_back(Event::ChannelEof { channel: id });
                }
                Ok(())
            }
            number::CHANNEL_CLOSE => {
                let recipient = r.read_u32("recipient channel")?;
                r.finish("channel close")?;
                let (id, c) = self.peer_channel(recipient)?;
                if c.close_received {
                    return Err(PeerMisbehaved::ProtocolViolation("duplicate channel close").into());
                }
                c.close_received = true;
                // RFC 4254 §5.3: answer CLOSE with CLOSE; the channel is then gone on both sides.
                if !c.close_sent {
                    c.close_sent = true;
                    let remote = c.remote_id;
                    t.send(|b| {
                        b.write_u8(number::CHANNEL_CLOSE);
                        b.write_u32(remote);
                    });
                }
                self.free(id);
                events.push_back(Event::ChannelClosed { channel: id });
                Ok(())
            }
            number::CHANNEL_REQUEST => {
                let m = ChannelRequestMsg::read(&mut r)?;
                let (id, c) = self.peer_channel(m.recipient_channel)?;
                if c.phase != Phase::Open {
                    return Err(PeerMisbehaved::UnknownChannel.into());
                }
                let known = !matches!(
                    m.request,
                    ChannelRequest::Other { .. } | ChannelRequest::X11Req
                );
                if m.want_reply {
                    if c.owed_replies.len() >= limits::MAX_PENDING_CHANNEL_REQUESTS {
                        return Err(PeerMisbehaved::TooMany("pending channel requests").into());
                    }
                    c.owed_replies
                        .push_back(if known { None } else { Some(false) });
                    Self::flush_channel_replies(t, c);
                }
                if known {
                    events.push_back(Event::ChannelRequest {
                        channel: id,
                        request: m.request,
                        want_reply: m.want_reply,
                    });
                }
                Ok(())
            }
            number::CHANNEL_SUCCESS | number::CHANNEL_FAILURE => {
                let recipient = r.read_u32("recipient channel")?;
                let (id, _) = self.peer_channel(recipient)?;
                events.push_back(Event::ChannelRequestResult {
                    channel: id,
                    success: got == number::CHANNEL_SUCCESS,
                });
                Ok(())
            }
            _ => Err(PeerMisbehaved::UnexpectedMessage {
                expected: "connection message",
                got,
            }
            .into()),
        }
    }

    fn handle_data(
        &mut self,
        events: &mut VecDeque<Event>,
        packet: Bytes,
        now: Instant,
    ) -> Result<(), Error> {
        let got = packet.first().copied().unwrap_or(0);
        let mut r = Reader::new(packet.get(1..).unwrap_or_default());
        let recipient = r.read_u32("recipient channel")?;
        let code = if got == number::CHANNEL_EXTENDED_DATA {
            Some(r.read_u32("data type code")?)
        } else {
            None
        };
        let data = r.read_string("channel data")?;
        r.finish("channel data")?;
        let start = packet.len() - data.len();
        let (id, c) = self.peer_channel(recipient)?;
        if c.phase != Phase::Open {
            return Err(PeerMisbehaved::UnknownChannel.into());
        }
        c.recv
            .on_data(data.len(), now)
            .map_err(|()| PeerMisbehaved::WindowExceeded)?;
        if c.eof_received || c.close_sent || data.is_empty() {
            // OpenSSH ignores data after EOF or once it closed; the window was still debited above.
            return Ok(());
        }
        let data = packet.slice(start..);
        events.push_back(match code {
            None => Event::ChannelData { channel: id, data },
            Some(code) => Event::ChannelExtendedData {
                channel: id,
                code,
                data,
            },
        });
        Ok(())
    }

    fn handle_open(
        &mut self,
        t: &mut Transport,
        events: &mut VecDeque<Event>,
        r: &mut Reader<'_>,
    ) -> Result<(), Error> {
        let m = ChannelOpen::read(r)?;
        let mut channel = Channel::new(Phase::OpeningIn, self.window);
        channel.remote_id = m.sender_channel;
        channel.send_window = m.initial_window;
        channel.send_max_packet = m.max_packet;
        match self.allocate(channel) {
            Some(id) => {
                events.push_back(Event::ChannelOpenRequest {
                    channel: id,
                    kind: m.kind,
                });
            }
            None => {
                let failure = ChannelOpenFailure {
                    recipient_channel: m.sender_channel,
                    reason: open_failure::RESOURCE_SHORTAGE,
                    description: "too many channels",
                };
                t.send(|b| failure.write(b));
            }
        }
        Ok(())
    }

    fn handle_global_request(
        &mut self,
        t: &mut Transport,
        events: &mut VecDeque<Event>,
        r: &mut Reader<'_>,
    ) -> Result<(), Error> {
        let m = GlobalRequest::read(r)?;
        let known = APP_GLOBAL_REQUESTS.contains(&m.name);
        if m.want_reply {
            if self.owed_global.len() >= limits::MAX_PENDING_GLOBAL_REQUESTS {
                return Err(PeerMisbehaved::TooMany("pending global requests").into());
            }
            self.owed_global.push_back(if known {
                None
            } else {
                Some((false, Vec::new()))
            });
            self.flush_global_replies(t);
        }
        if known {
            events.push_back(Event::GlobalRequest {
                name: m.name.to_owned(),
                want_reply: m.want_reply,
                data: m.data.to_vec(),
            });
        }
        Ok(())
    }
}
