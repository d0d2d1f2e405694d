//! Two cores joined in memory, and the entry points that drive them: sequences of application calls
//! on both sides, and hostile connection-layer messages under real keys.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use bytes::BytesMut;

use super::{payloads, send_raw, server_config};
use crate::config::ClientConfig;
use crate::conn::{Connection, Side};
use crate::error::{ApiMisuse, Error};
use crate::event::{AuthMethod, ChannelId, Event};
use crate::msg::connection::{ChannelKind, ChannelRequest};
use crate::{ClientConnection, ServerConnection};

/// A client and a server core joined in memory. Host keys are accepted and any password is, so
/// [`Duplex::connect`] reaches the connection layer; every other event is kept for the caller.
pub struct Duplex {
    pub client: ClientConnection,
    pub server: ServerConnection,
    pub client_events: Vec<Event>,
    pub server_events: Vec<Event>,
    now: Instant,
    c2s: BytesMut,
    s2c: BytesMut,
}

impl Duplex {
    /// Two cores with the cheapest algorithms (X25519, Ed25519, AES-128-GCM): a fuzzer pays for a
    /// whole key exchange on every input.
    pub fn fast() -> Self {
        static CLIENT: OnceLock<Arc<ClientConfig>> = OnceLock::new();
        let client = CLIENT
            .get_or_init(|| {
                let mut c = ClientConfig::default();
                c.common.algorithms.kex = vec!["curve25519-sha256".into()];
                c.common.algorithms.host_key = vec!["ssh-ed25519".into()];
                c.common.algorithms.ciphers = vec!["aes128-gcm@openssh.com".into()];
                c.build().expect("client config")
            })
            .clone();
        let now = Instant::now();
        Self {
            client: ClientConnection::new(client, now),
            server: ServerConnection::new(server_config(), now),
            client_events: Vec::new(),
            server_events: Vec::new(),
            now,
            c2s: BytesMut::new(),
            s2c: BytesMut::new(),
        }
    }

    /// Moves bytes both ways once and collects events; whether anything moved.
    pub fn step(&mut self) -> bool {
        let mut progress = false;
        let mut out = BytesMut::new();
        self.client.poll_transmit(&mut out);
        progress |= !out.is_empty();
        self.c2s.extend_from_slice(&out);
        out.clear();
        self.server.poll_transmit(&mut out);
        progress |= !out.is_empty();
        self.s2c.extend_from_slice(&out);
        if !self.c2s.is_empty() && self.server.error().is_none() {
            let before = self.c2s.len();
            let _ = self.server.handle_input(&mut self.c2s, self.now);
            progress |= self.c2s.len() != before;
        }
        if !self.s2c.is_empty() && self.client.error().is_none() {
            let before = self.s2c.len();
            let _ = self.client.handle_input(&mut self.s2c, self.now);
            progress |= self.s2c.len() != before;
        }
        while let Some(event) = self.client.poll_event() {
            progress = true;
            match event {
                Event::HostKey { .. } => {
                    let _ = self.client.accept_host_key();
                }
                other => self.client_events.push(other),
            }
        }
        while let Some(event) = self.server.poll_event() {
            progress = true;
            match event {
                Event::AuthRequest {
                    method: AuthMethod::Password { .. },
                    ..
                } => {
                    let _ = self.server.accept_auth();
                }
                Event::AuthRequest { .. } => {
                    let _ = self.server.reject_auth();
                }
                other => self.server_events.push(other),
            }
        }
        progress
    }

    /// Steps until nothing moves (at most `limit` steps); whether it settled.
    pub fn drive(&mut self, limit: usize) -> bool {
        (0..limit).any(|_| !self.step())
    }

    /// Key exchange and password authentication; whether both sides are authenticated.
    pub fn connect(&mut self) -> bool {
        self.drive(1000);
        if !self.client_events.contains(&Event::UserauthReady) {
            return false;
        }
        let _ = self.client.auth_password("fuzz", b"pw");
        self.drive(1000);
        self.client_events.clear();
        self.server_events.clear();
        self.client.is_authenticated() && self.server.is_authenticated()
    }
}

/// What the application on one side knows about its channels.
#[derive(Default)]
struct App {
    open: Vec<ChannelId>,
    offered: Vec<ChannelId>,
    unconsumed: std::collections::HashMap<ChannelId, usize>,
    owed_replies: std::collections::HashMap<ChannelId, usize>,
    awaiting_replies: std::collections::HashMap<ChannelId, usize>,
    owed_global: usize,
    awaiting_global: usize,
}

impl App {
    fn learn(&mut self, events: Vec<Event>) {
        for event in events {
            match event {
                Event::ChannelOpenRequest { channel, .. } => self.offered.push(channel),
                Event::ChannelOpened { channel } => self.open.push(channel),
                Event::ChannelData { channel, data }
                | Event::ChannelExtendedData { channel, data, .. } => {
                    *self.unconsumed.entry(channel).or_default() += data.len();
                }
                Event::ChannelRequest {
                    channel,
                    want_reply: true,
                    ..
                } => *self.owed_replies.entry(channel).or_default() += 1,
                Event::ChannelRequestResult { channel, .. } => {
                    if let Some(n) = self.awaiting_replies.get_mut(&channel) {
                        *n = n.saturating_sub(1);
                    }
                }
                Event::ChannelClosed { channel } => {
                    self.open.retain(|c| *c != channel);
                    self.offered.retain(|c| *c != channel);
                    self.unconsumed.remove(&channel);
                    self.owed_replies.remove(&channel);
                    self.awaiting_replies.remove(&channel);
                }
                Event::GlobalRequest {
                    want_reply: true, ..
                } => self.owed_global += 1,
                Event::GlobalRequestResult { .. } => {
                    self.awaiting_global = self.awaiting_global.saturating_sub(1);
                }
                _ => {}
            }
        }
    }

    fn pick(list: &[ChannelId], b: u8) -> Option<ChannelId> {
        (!list.is_empty()).then(|| list[usize::from(b) % list.len()])
    }
}

/// One application call, chosen and parameterised by fuzz bytes. Calls the protocol state does not
/// allow return `ApiMisuse`, which is fine; what must never happen is the *peer* failing.
fn apply<R: Side>(conn: &mut Connection<R>, app: &mut App, op: u8, a: u8, b: u8) {
    let any_channel = || {
        let all: Vec<ChannelId> = app.open.iter().chain(&app.offered).copied().collect();
        App::pick(&all, a).unwrap_or(ChannelId(u32::from(a)))
    };
    match op % 16 {
        0 => {
            if let Ok(id) = conn.open_channel(ChannelKind::Session) {
                let _ = id;
            }
        }
        1 => {
            let _ = conn.open_channel(ChannelKind::DirectTcpip {
                host: "h".into(),
                port: u32::from(b),
                originator: "o".into(),
                originator_port: 1,
            });
        }
        2 => {
            if let Some(id) = App::pick(&app.offered, a) {
                app.offered.retain(|c| *c != id);
                if conn.accept_channel(id).is_ok() {
                    app.open.push(id);
                }
            }
        }
        3 => {
            if let Some(id) = App::pick(&app.offered, a) {
                app.offered.retain(|c| *c != id);
                let _ = conn.reject_channel(id, u32::from(b), "no");
            }
        }
        4 | 5 => {
            let data = vec![b; usize::from(b) * 97 + 1];
            let id = any_channel();
            let _ = if op % 16 == 4 {
                conn.send_data(id, &data)
            } else {
                conn.send_extended_data(id, 1, &data)
            };
        }
        6 => {
            let _ = conn.send_eof(any_channel());
        }
        7 => {
            let _ = conn.close_channel(any_channel());
        }
        8 | 9 => {
            let id = any_channel();
            let want_reply = b & 1 == 1;
            // A well-behaved application does not pile up unanswered requests beyond the peer's
            // bound (limits::MAX_PENDING_CHANNEL_REQUESTS); one that does is cut off, rightly.
            let waiting = app.awaiting_replies.entry(id).or_default();
            if want_reply && *waiting >= crate::limits::MAX_PENDING_CHANNEL_REQUESTS / 2 {
                return;
            }
            let request = if op % 16 == 8 {
                ChannelRequest::Exec {
                    command: vec![b'x'; usize::from(b)],
                }
            } else {
                ChannelRequest::ExitStatus { code: u32::from(b) }
            };
            if conn.channel_request(id, request, want_reply).is_ok() && want_reply {
                *waiting += 1;
            }
        }
        10 => {
            if let Some((&id, n)) = app.owed_replies.iter_mut().find(|(_, n)| **n > 0) {
                *n -= 1;
                let _ = conn.channel_request_reply(id, b & 1 == 1);
            }
        }
        11 => {
            let id = any_channel();
            if let Some(n) = app.unconsumed.get_mut(&id) {
                let take = (*n).min(usize::from(b) * 512 + 1);
                *n -= take;
                conn.consume(id, take);
            }
        }
        12 => {
            let names = [
                "tcpip-forward",
                "keepalive@openssh.com",
                "no-more-sessions@openssh.com",
            ];
            let want_reply = b & 1 == 1;
            if want_reply && app.awaiting_global >= crate::limits::MAX_PENDING_GLOBAL_REQUESTS / 2 {
                return;
            }
            let name = names[usize::from(a) % names.len()];
            let mut data = Vec::new();
            oxssh_wire::Writer::write_string(&mut data, b"");
            oxssh_wire::Writer::write_u32(&mut data, u32::from(b));
            if conn.global_request(name, want_reply, &data).is_ok() && want_reply {
                app.awaiting_global += 1;
            }
        }
        13 => {
            if app.owed_global > 0 {
                app.owed_global -= 1;
                let _ = conn.global_request_reply(b & 1 == 1, &[]);
            }
        }
        14 => conn.start_rekey(),
        _ => {
            let _ = conn.send_ignore(&[b; 3]);
        }
    }
}

/// Sequences of application calls on both sides of a connected pair: channels opened, accepted,
/// refused, written, half-closed and closed in any order, requests and replies, windows consumed,
/// re-keys started. Whatever the applications do, neither core may see a protocol violation from
/// the other.
pub fn channel_ops(data: &[u8]) {
    let mut d = Duplex::fast();
    assert!(d.connect(), "in-memory pair failed to connect");
    let mut apps = [App::default(), App::default()];
    for op in data.chunks(3) {
        let [code, a, b] = [op[0], *op.get(1).unwrap_or(&0), *op.get(2).unwrap_or(&0)];
        if code & 0x10 == 0 {
            apply(&mut d.client, &mut apps[0], code, a, b);
        } else {
            apply(&mut d.server, &mut apps[1], code, a, b);
        }
        if code & 0x80 != 0 {
            d.step();
        }
        apps[0].learn(std::mem::take(&mut d.client_events));
        apps[1].learn(std::mem::take(&mut d.server_events));
        assert_eq!(d.client.error(), None, "client failed");
        assert_eq!(d.server.error(), None, "server failed");
    }
    // Let everything in flight arrive, consuming as the applications would.
    for _ in 0..64 {
        let settled = d.drive(200);
        apps[0].learn(std::mem::take(&mut d.client_events));
        apps[1].learn(std::mem::take(&mut d.server_events));
        let mut consumed = false;
        for (i, app) in apps.iter_mut().enumerate() {
            for (id, n) in app.unconsumed.iter_mut().filter(|(_, n)| **n > 0) {
                consumed = true;
                if i == 0 {
                    d.client.consume(*id, *n);
                } else {
                    d.server.consume(*id, *n);
                }
                *n = 0;
            }
        }
        if settled && !consumed {
            break;
        }
    }
    assert_eq!(d.client.error(), None, "client failed");
    assert_eq!(d.server.error(), None, "server failed");
}

/// Arbitrary connection-layer messages (numbers 80–127) between authenticated cores, sealed under
/// real keys, in both directions; the receiving side answers what it is asked as an application
/// would. Nothing may panic, and a failure must stick.
pub fn connection_messages(data: &[u8]) {
    let mut d = Duplex::fast();
    assert!(d.connect(), "in-memory pair failed to connect");
    for payload in payloads(data) {
        let mut payload = payload.to_vec();
        let to_client = payload[0] & 0x80 != 0;
        payload[0] = 80 + (payload[0] & 0x7f) % 48;
        if to_client {
            send_raw(&mut d.server, &payload);
        } else {
            send_raw(&mut d.client, &payload);
        }
        d.drive(50);
        answer_app(&mut d.server, std::mem::take(&mut d.server_events));
        answer_app(&mut d.client, std::mem::take(&mut d.client_events));
        d.drive(50);
    }
    for conn_error in [d.client.error(), d.server.error()].into_iter().flatten() {
        assert!(
            !matches!(conn_error, Error::ApiMisuse(ApiMisuse::BadConfig(_))),
            "{conn_error}"
        );
    }
}

/// Accepts channels, answers requests: the application behaviour that takes hostile messages deepest.
fn answer_app<R: Side>(conn: &mut Connection<R>, events: Vec<Event>) {
    for event in events {
        match event {
            Event::ChannelOpenRequest { channel, .. } => {
                let _ = conn.accept_channel(channel);
            }
            Event::ChannelRequest {
                channel,
                want_reply: true,
                ..
            } => {
                let _ = conn.channel_request_reply(channel, true);
            }
            Event::GlobalRequest {
                want_reply: true, ..
            } => {
                let _ = conn.global_request_reply(true, &[]);
            }
            Event::ChannelData { channel, data } => conn.consume(channel, data.len()),
            _ => {}
        }
    }
}
