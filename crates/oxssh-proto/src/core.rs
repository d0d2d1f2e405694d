//! The state shared by both roles and the dispatch of every arriving message by number and state.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;
use oxssh_keys::PublicKey;
use oxssh_wire::{Reader, Writer};
use zeroize::Zeroize;

use crate::auth::client::ClientAuth;
use crate::auth::server::ServerAuth;
use crate::config::{ClientConfig, Common, ServerConfig};
use crate::connection::Channels;
use crate::error::{Error, PeerMisbehaved};
use crate::event::Event;
use crate::kex::{Kex, KexContext, KexOutput, Role};
use crate::limits;
use crate::msg::number;
use crate::msg::transport::{DebugMessage, Disconnect, ExtInfo, Proposal};
use crate::names::{CipherAlgorithm, extensions};
use crate::transport::Transport;
use crate::transport::rekey::RekeyPolicy;
use crate::version::VersionReader;

/// What differs between the roles.
pub(crate) enum Side {
    Client {
        auth: ClientAuth,
        /// The host key waiting for the application's verdict.
        pending_host_key: Option<PublicKey>,
        /// The server's server-sig-algs extension, once received.
        server_sig_algs: Option<Vec<String>>,
    },
    Server {
        config: Arc<ServerConfig>,
        auth: ServerAuth,
        /// Our EXT_INFO payload, built once.
        ext_info: Vec<u8>,
        /// LoginGraceTime: authentication must finish by then.
        auth_deadline: Option<Instant>,
    },
}

/// One connection's whole protocol state.
pub(crate) struct Core {
    pub(crate) role: Role,
    pub(crate) side: Side,
    proposal: Proposal,
    our_id: String,
    peer_id: Option<String>,
    version: VersionReader,
    pub(crate) transport: Transport,
    pub(crate) kex: Kex,
    pub(crate) channels: Channels,
    pub(crate) events: VecDeque<Event>,
    error: Option<Error>,
    closed: bool,
    rekey: RekeyPolicy,
    rekey_bytes: Option<u64>,
    rekey_time: Option<std::time::Duration>,
    keyed_at: Instant,
    /// The latest time the driver told us, for checks made outside input and timeout handling.
    pub(crate) last_now: Instant,
    /// The peer supports OpenSSH's transport-level ping (PROTOCOL §1.9).
    peer_ping: bool,
}

fn kex_context<'a>(
    role: Role,
    proposal: &'a Proposal,
    side: &'a Side,
    our_id: &'a str,
    peer_id: &'a str,
) -> KexContext<'a> {
    let (host_keys, ext_info) = match side {
        Side::Client { .. } => (&[][..], None),
        Side::Server {
            config, ext_info, ..
        } => (&config.host_keys[..], Some(&ext_info[..])),
    };
    KexContext {
        role,
        proposal,
        host_keys,
        our_id,
        peer_id,
        ext_info,
    }
}

impl Core {
    fn new(role: Role, side: Side, common: &Common, now: Instant) -> Self {
        let our_id = common.identification();
        let mut core = Self {
            role,
            side,
            proposal: common.algorithms.proposal(),
            version: VersionReader::new(role == Role::Client),
            our_id,
            peer_id: None,
            transport: Transport::new(),
            kex: Kex::new(),
            channels: Channels::new(common.channel_window, common.channel_max_packet),
            events: VecDeque::new(),
            error: None,
            closed: false,
            rekey: RekeyPolicy::for_cipher(CipherAlgorithm::None, None, None),
            rekey_bytes: common.rekey_bytes,
            rekey_time: common.rekey_time,
            keyed_at: now,
            last_now: now,
            peer_ping: false,
        };
        // Identification first, then our KEXINIT right away: neither waits for the peer (RFC 4253 §4.2,
        // §7.1), which saves a round trip.
        core.transport.tx.extend_from_slice(core.our_id.as_bytes());
        core.transport.tx.extend_from_slice(b"\r\n");
        let ctx = kex_context(role, &core.proposal, &core.side, &core.our_id, "");
        core.kex.start(&mut core.transport, &ctx);
        core
    }

    pub(crate) fn new_client(config: Arc<ClientConfig>, now: Instant) -> Self {
        let common = config.common.clone();
        let side = Side::Client {
            auth: ClientAuth::new(),
            pending_host_key: None,
            server_sig_algs: None,
        };
        Self::new(Role::Client, side, &common, now)
    }

    pub(crate) fn new_server(config: Arc<ServerConfig>, now: Instant) -> Self {
        let common = config.common.clone();
        let mut ext = Vec::new();
        let sig_algs = config.pubkey_algorithms.join(",");
        ExtInfo {
            extensions: vec![
                (extensions::SERVER_SIG_ALGS, sig_algs.as_bytes()),
                (extensions::PING, b"0"),
            ],
        }
        .write(&mut ext);
        let auth_deadline = config.login_grace_time.map(|t| now + t);
        let side = Side::Server {
            config,
            auth: ServerAuth::new(),
            ext_info: ext,
            auth_deadline,
        };
        Self::new(Role::Server, side, &common, now)
    }

    // ---- driver interface ------------------------------------------------------------------------

    pub(crate) fn handle_input(&mut self, input: &mut BytesMut, now: Instant) -> Result<(), Error> {
        self.check()?;
        self.last_now = self.last_now.max(now);
        let result = self.process_input(input, now);
        self.settle(result)
    }

    /// Fails the connection on an error: the DISCONNECT goes out (sealed with the current key) and the
    /// error sticks.
    pub(crate) fn settle(&mut self, result: Result<(), Error>) -> Result<(), Error> {
        if let Err(error) = result {
            tracing::debug!(%error, "connection failed");
            if !self.closed
                && let Some((reason, description)) = error.disconnect_reason()
            {
                self.send_disconnect(reason, description);
            }
            self.closed = true;
            self.error = Some(error);
            return Err(error);
        }
        Ok(())
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed
    }

    pub(crate) fn send_disconnect(&mut self, reason: u32, description: &str) {
        if !self.closed {
            self.transport.send(|b| {
                Disconnect {
                    reason,
                    description,
                }
                .write(b)
            });
            self.closed = true;
        }
    }

    /// Whether input processing waits for an answer from the application.
    fn is_paused(&self) -> bool {
        match &self.side {
            Side::Client { .. } => self.kex.is_awaiting_host_key(),
            Side::Server { auth, .. } => auth.is_deciding(),
        }
    }

    fn process_input(&mut self, input: &mut BytesMut, now: Instant) -> Result<(), Error> {
        if self.peer_id.is_none() {
            match self.version.read(input)? {
                Some(id) => {
                    tracing::debug!(peer = %id, "identification");
                    self.peer_id = Some(id);
                }
                None => return Ok(()),
            }
        }
        while !self.closed && !self.is_paused() {
            let Some((seq, payload)) = self.transport.reader.read_packet(input)? else {
                break;
            };
            self.handle_packet(seq, payload, now)?;
            if self.transport.held_len() > limits::MAX_QUEUED_DURING_KEX {
                return Err(PeerMisbehaved::TooMany("messages during key exchange").into());
            }
        }
        self.maybe_rekey(now);
        Ok(())
    }

    fn handle_packet(
        &mut self,
        seq: u32,
        mut payload: BytesMut,
        now: Instant,
    ) -> Result<(), Error> {
        let got = *payload
            .first()
            .ok_or(crate::error::InvalidMessage::EmptyPacket)?;
        if !self.kex.is_initial_done() {
            if got != number::KEXINIT {
                self.kex.note_message_before_kexinit();
            }
            // PROTOCOL §1.10: during the first exchange under strict kex, only the exchange's own
            // messages may arrive. This is what defeats Terrapin's injected IGNORE.
            // DISCONNECT still ends the connection cleanly: it carries no state an attacker could use.
            if self.kex.is_strict_initial() && !number::is_kex(got) && got != number::DISCONNECT {
                return Err(PeerMisbehaved::StrictKexViolation(got).into());
            }
            if self.transport.reader.seq() == 0 && seq != 0 {
                // The inbound counter wrapped before the first NEWKEYS: OpenSSH refuses this outright
                // since it only happens when a peer floods messages to line up a sequence number.
                return Err(PeerMisbehaved::SequenceWrappedInInitialKex.into());
            }
        }
        if self.kex.is_receiving_kex() && !number::is_kex(got) && !number::is_transport_generic(got)
        {
            return Err(PeerMisbehaved::UnexpectedMessage {
                expected: "key exchange message",
                got,
            }
            .into());
        }
        let body = payload.get(1..).unwrap_or_default();
        match got {
            number::DISCONNECT => {
                let d = Disconnect::read(&mut Reader::new(body))?;
                self.events.push_back(Event::Disconnected {
                    reason: d.reason,
                    description: d.description.to_owned(),
                });
                self.closed = true;
                self.error = Some(Error::PeerDisconnected(d.reason));
            }
            number::IGNORE | number::UNIMPLEMENTED => {}
            number::DEBUG => {
                let d = DebugMessage::read(&mut Reader::new(body))?;
                tracing::debug!(message = d.message, "peer debug message");
                if d.always_display {
                    self.events.push_back(Event::Debug {
                        message: d.message.to_owned(),
                    });
                }
            }
            number::KEXINIT => {
                let ctx = kex_context(
                    self.role,
                    &self.proposal,
                    &self.side,
                    &self.our_id,
                    self.peer_id.as_deref().unwrap_or(""),
                );
                self.kex
                    .handle_kexinit(&mut self.transport, &ctx, &payload)?;
            }
            number::NEWKEYS => {
                let out = self.kex.handle_newkeys(&mut self.transport)?;
                self.on_kex_output(out, now)?;
            }
            30..=49 => {
                let ctx = kex_context(
                    self.role,
                    &self.proposal,
                    &self.side,
                    &self.our_id,
                    self.peer_id.as_deref().unwrap_or(""),
                );
                if let Some(out) =
                    self.kex
                        .handle_method_message(&mut self.transport, &ctx, &payload)?
                {
                    self.on_kex_output(out, now)?;
                }
            }
            number::EXT_INFO => self.handle_ext_info(body)?,
            number::SERVICE_REQUEST | number::SERVICE_ACCEPT | 50..=79 => {
                let result = self.handle_auth(&payload);
                // Passwords and keyboard-interactive answers must not linger in freed memory.
                payload.as_mut().zeroize();
                result?;
            }
            80..=127 => {
                if !self.is_authenticated() {
                    return Err(PeerMisbehaved::UnexpectedMessage {
                        expected: "authentication",
                        got,
                    }
                    .into());
                }
                self.channels
                    .handle(&mut self.transport, &mut self.events, payload, now)?;
            }
            number::PING => {
                if !self.kex.is_initial_done() {
                    return Err(PeerMisbehaved::UnexpectedMessage {
                        expected: "key exchange",
                        got,
                    }
                    .into());
                }
                let data = Reader::new(body).read_string("ping data")?.to_vec();
                self.transport.send(|b| {
                    b.write_u8(number::PONG);
                    b.write_string(&data);
                });
            }
            number::PONG => {}
            _ => {
                // RFC 4253 §11.4: answer an unknown message with UNIMPLEMENTED and carry on.
                self.transport.send(|b| {
                    b.write_u8(number::UNIMPLEMENTED);
                    b.write_u32(seq);
                });
            }
        }
        Ok(())
    }

    fn handle_auth(&mut self, payload: &[u8]) -> Result<(), Error> {
        let got = payload.first().copied().unwrap_or(0);
        let Some(session_id) = self.kex.session_id().map(<[u8]>::to_vec) else {
            return Err(PeerMisbehaved::UnexpectedMessage {
                expected: "key exchange",
                got,
            }
            .into());
        };
        match &mut self.side {
            Side::Client { auth, .. } => {
                auth.handle(&mut self.events, payload)?;
                if got == number::USERAUTH_SUCCESS {
                    self.transport.enable_delayed_compression();
                }
                Ok(())
            }
            Side::Server { config, auth, .. } => auth.handle(
                &mut self.transport,
                &mut self.events,
                config,
                &session_id,
                payload,
            ),
        }
    }

    fn handle_ext_info(&mut self, body: &[u8]) -> Result<(), Error> {
        if !self.kex.is_initial_done() {
            return Err(PeerMisbehaved::UnexpectedMessage {
                expected: "key exchange",
                got: number::EXT_INFO,
            }
            .into());
        }
        let info = ExtInfo::read(&mut Reader::new(body))?;
        if info.get(extensions::PING).is_some() {
            self.peer_ping = true;
        }
        if let Side::Client {
            server_sig_algs, ..
        } = &mut self.side
            && let Some(value) = info.get(extensions::SERVER_SIG_ALGS)
        {
            let list = oxssh_wire::NameList::parse(value, "server-sig-algs")?;
            *server_sig_algs = Some(list.iter().map(str::to_owned).collect());
        }
        Ok(())
    }

    fn on_kex_output(&mut self, out: KexOutput, now: Instant) -> Result<(), Error> {
        match out {
            KexOutput::VerifyHostKey(key) => {
                if self.kex.is_known_host_key(&key) {
                    self.kex.accept_host_key(&mut self.transport, key)?;
                } else if let Side::Client {
                    pending_host_key, ..
                } = &mut self.side
                {
                    *pending_host_key = Some(key.clone());
                    self.events.push_back(Event::HostKey { key });
                }
            }
            KexOutput::Completed { initial } => {
                self.keyed_at = now;
                let cipher = self
                    .kex
                    .algorithms()
                    .map_or(CipherAlgorithm::None, |a| a.cipher_c2s);
                self.rekey = RekeyPolicy::for_cipher(cipher, self.rekey_bytes, self.rekey_time);
                self.events.push_back(Event::KexCompleted { initial });
                if initial && let Side::Client { auth, .. } = &mut self.side {
                    auth.start(&mut self.transport);
                }
                self.channels.wake_blocked(&mut self.events);
            }
        }
        Ok(())
    }

    /// Starts a re-key when a counter or the clock says so.
    pub(crate) fn maybe_rekey(&mut self, now: Instant) {
        if self.closed || !self.kex.is_initial_done() || self.kex.is_running() {
            return;
        }
        let t = &self.transport;
        let bytes = t.reader.bytes_under_key.max(t.writer.bytes_under_key);
        let packets = t.reader.packets_under_key.max(t.writer.packets_under_key);
        if self.rekey.is_due(bytes, packets, self.keyed_at, now) {
            tracing::debug!(bytes, packets, "re-keying");
            self.start_rekey();
        }
    }

    /// After sending: a byte or packet limit may have been crossed without any input arriving.
    pub(crate) fn maybe_rekey_after_send(&mut self) {
        self.maybe_rekey(self.last_now);
    }

    pub(crate) fn start_rekey(&mut self) {
        if self.closed || !self.kex.is_initial_done() || self.kex.is_running() {
            return;
        }
        let ctx = kex_context(
            self.role,
            &self.proposal,
            &self.side,
            &self.our_id,
            self.peer_id.as_deref().unwrap_or(""),
        );
        self.kex.start(&mut self.transport, &ctx);
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if self.closed {
            return None;
        }
        let auth = match &self.side {
            Side::Server {
                auth,
                auth_deadline,
                ..
            } if !auth.is_done() => *auth_deadline,
            _ => None,
        };
        let rekey = if self.kex.is_initial_done() {
            self.rekey.deadline(self.keyed_at)
        } else {
            None
        };
        [auth, rekey].into_iter().flatten().min()
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.check()?;
        self.last_now = self.last_now.max(now);
        if let Side::Server {
            auth,
            auth_deadline: Some(deadline),
            ..
        } = &self.side
            && !auth.is_done()
            && now >= *deadline
        {
            return self.settle(Err(Error::Timeout("authentication")));
        }
        self.maybe_rekey(now);
        Ok(())
    }

    pub(crate) fn is_authenticated(&self) -> bool {
        match &self.side {
            Side::Client { auth, .. } => auth.is_done(),
            Side::Server { auth, .. } => auth.is_done(),
        }
    }

    pub(crate) fn peer_identification(&self) -> Option<&str> {
        self.peer_id.as_deref()
    }

    pub(crate) fn peer_supports_ping(&self) -> bool {
        self.peer_ping
    }
}
