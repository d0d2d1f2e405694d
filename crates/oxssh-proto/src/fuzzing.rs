//! Entry points for fuzzers and hostile-input tests. Not a stable API.
//!
//! Each entry point takes arbitrary bytes, drives one part of the core the way a peer could reach
//! it, and checks properties that must hold whatever the bytes were: nothing panics, nothing
//! allocates beyond the bounds in [`crate::limits`], a parsed message re-encodes to itself, input
//! fed in pieces gives the same result as input fed at once, and two correct peers never accuse
//! each other of a protocol violation whatever the applications on either side ask for. A broken
//! property is a panic, which is what a fuzzer reports.
//!
//! [`send_raw`] lets a test play a hostile peer behind a real key exchange: it sends any payload,
//! sealed under the current keys, bypassing every rule the core enforces on its own output.
//!
//! These functions are harness code around the sans-IO core, so they read the clock once per input
//! to obtain an `Instant` (the core itself never does).
#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use bytes::BytesMut;
use oxssh_keys::{KeyType, PrivateKey};
use oxssh_wire::Reader;

use crate::config::{ClientConfig, ServerConfig};
use crate::conn::{Connection, Side};
use crate::error::Error;
use crate::event::Event;
use crate::msg::connection::{
    ChannelKind, ChannelOpen, ChannelOpenConfirmation, ChannelOpenFailure, ChannelRequest,
    ChannelRequestMsg, GlobalRequest, read_forward_request,
};
use crate::msg::kex::{KexEcdhInit, KexEcdhReply};
use crate::msg::number;
use crate::msg::transport::{Disconnect, ExtInfo, KexInit, Service};
use crate::msg::userauth::{
    InfoRequest, InfoResponse, MethodRequest, PasswdChangeReq, UserauthBanner, UserauthFailure,
    UserauthPkOk, UserauthRequest,
};
use crate::transport::packet::PacketReader;
use crate::version::{VersionReader, software_version};
use crate::{ClientConnection, ServerConnection};

/// Sends `payload` (message number first) as one packet sealed under the current keys, bypassing
/// every rule the core applies to its own output. For tests and fuzzers playing a hostile peer.
pub fn send_raw<R: Side>(conn: &mut Connection<R>, payload: &[u8]) {
    conn.core.transport.send(|b| b.extend_from_slice(payload));
}

/// Joins payloads in the form [`payloads`] splits (for building seeds).
pub fn join_payloads(list: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in list {
        let len = u16::try_from(p.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&p[..usize::from(len)]);
    }
    out
}

/// Frames payloads as plaintext packets (the transport before the first NEWKEYS): length, padding
/// length, payload, and padding to a multiple of 8 bytes with at least 4 bytes of padding.
pub fn frame_plaintext(payload: &[u8]) -> Vec<u8> {
    let mut padding = 8 - (5 + payload.len()) % 8;
    if padding < 4 {
        padding += 8;
    }
    let length = 1 + payload.len() + padding;
    let mut packet = Vec::with_capacity(4 + length);
    packet.extend_from_slice(&(length as u32).to_be_bytes());
    packet.push(padding as u8);
    packet.extend_from_slice(payload);
    packet.resize(4 + length, 0);
    packet
}

/// Splits fuzz input into payloads: a two-byte big-endian length, then that many bytes (or what is
/// left), repeatedly. Structured chunks reach message dispatch far more often than a raw byte stream.
pub fn payloads(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while rest.len() >= 2 {
        let (len, tail) = rest.split_at(2);
        let len = usize::from(u16::from_be_bytes([len[0], len[1]])).min(tail.len());
        let (payload, tail) = tail.split_at(len);
        if !payload.is_empty() {
            out.push(payload);
        }
        rest = tail;
    }
    out
}

// ---- identification and packets -------------------------------------------------------------------

fn read_versions(
    allow_pre_banner: bool,
    chunks: &[&[u8]],
) -> (Result<Option<String>, Error>, usize) {
    let mut reader = VersionReader::new(allow_pre_banner);
    let mut buf = BytesMut::new();
    let mut result = Ok(None);
    let mut unread = 0;
    for chunk in chunks {
        if !matches!(result, Ok(None)) {
            // Done: what was not fed counts as left over for the packet layer.
            unread += chunk.len();
            continue;
        }
        buf.extend_from_slice(chunk);
        result = reader.read(&mut buf);
    }
    (result, buf.len() + unread)
}

/// The identification line reader, both as client (lines before the banner allowed) and as server.
/// Feeding the input in two pieces must give the same outcome as feeding it whole.
pub fn version_line(data: &[u8]) {
    let split = data
        .first()
        .map_or(0, |&b| usize::from(b) % (data.len() + 1));
    for allow in [false, true] {
        let (whole, left_whole) = read_versions(allow, &[data]);
        let (parts, left_parts) = read_versions(allow, &[&data[..split], &data[split..]]);
        match (&whole, &parts) {
            (Ok(Some(a)), Ok(Some(b))) => {
                assert_eq!(a, b, "identification depends on how input was split");
                assert_eq!(left_whole, left_parts);
                assert!(a.starts_with("SSH-") && a.len() <= crate::limits::MAX_VERSION_LINE);
                let _ = software_version(a);
            }
            // A line may be refused only once it is complete, so a split can turn an error into
            // "need more" but never into a different identification.
            (Ok(Some(_)), _) | (_, Ok(Some(_))) => {
                panic!("identification found only when split: {whole:?} vs {parts:?}")
            }
            _ => {}
        }
    }
}

fn read_packets(chunks: &[&[u8]]) -> (Vec<(u32, Vec<u8>)>, Option<Error>) {
    let mut reader = PacketReader::new();
    let mut buf = BytesMut::new();
    let mut packets = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            match reader.read_packet(&mut buf) {
                Ok(Some((seq, payload))) => {
                    assert!(!payload.is_empty(), "a packet without a message number");
                    packets.push((seq, payload.to_vec()));
                }
                Ok(None) => {
                    // Waiting for the rest of a packet never reserves more than one packet.
                    assert!(buf.capacity() <= buf.len().max(crate::limits::MAX_PACKET) * 2 + 64);
                    break;
                }
                Err(e) => return (packets, Some(e)),
            }
        }
    }
    (packets, None)
}

/// The packet reader under the none cipher (before the first NEWKEYS). Feeding the input in two
/// pieces must yield the same packets.
pub fn packet_reader(data: &[u8]) {
    let split = data
        .first()
        .map_or(0, |&b| usize::from(b) * 7 % (data.len() + 1));
    let (whole, whole_err) = read_packets(&[data]);
    let (parts, parts_err) = read_packets(&[&data[..split], &data[split..]]);
    assert_eq!(whole, parts, "packets depend on how input was split");
    assert_eq!(whole_err, parts_err);
    for (i, (seq, _)) in whole.iter().enumerate() {
        assert_eq!(*seq as usize, i);
    }
}

// ---- message parsers ------------------------------------------------------------------------------

/// Re-encodes a parsed message and parses it again: the result must be the same message.
macro_rules! round_trip {
    ($parsed:expr, $write:expr, $read:expr) => {{
        let mut out: Vec<u8> = Vec::new();
        $write(&mut out);
        let again = $read(&mut Reader::new(&out[1..])).expect("a written message parses");
        assert_eq!(again, $parsed, "message changed in a round trip");
    }};
}

/// Every message parser on the same bytes (the body after the message number). Whatever parses
/// must re-encode to itself; a KEXINIT is also negotiated against our own proposals.
pub fn messages(data: &[u8]) {
    let r = || Reader::new(data);
    if let Ok(m) = Disconnect::read(&mut r()) {
        round_trip!(m, |o: &mut Vec<u8>| m.write(o), Disconnect::read);
    }
    let _ = crate::msg::transport::DebugMessage::read(&mut r());
    if let Ok(m) = Service::read(&mut r()) {
        round_trip!(
            m,
            |o: &mut Vec<u8>| m.write(o, number::SERVICE_REQUEST),
            Service::read
        );
    }
    if let Ok(m) = ExtInfo::read(&mut r()) {
        round_trip!(m, |o: &mut Vec<u8>| m.write(o), ExtInfo::read);
    }
    if let Ok(peer) = KexInit::read(&mut r()) {
        negotiate_against_ours(&peer);
    }
    for mpint in [false, true] {
        if let Ok(m) = KexEcdhInit::read(&mut r(), mpint) {
            let mut out = Vec::new();
            m.write(&mut out, mpint);
            let again = KexEcdhInit::read(&mut Reader::new(&out[1..]), mpint).expect("re-parse");
            assert_eq!(again, m);
        }
        if let Ok(m) = KexEcdhReply::read(&mut r(), mpint) {
            let mut out = Vec::new();
            m.write(&mut out, mpint);
            let again = KexEcdhReply::read(&mut Reader::new(&out[1..]), mpint).expect("re-parse");
            assert_eq!(again, m);
        }
    }
    if let Ok(m) = UserauthRequest::read(&mut r())
        && !matches!(m.method, MethodRequest::Other(_))
    {
        round_trip!(m, |o: &mut Vec<u8>| m.write(o), UserauthRequest::read);
    }
    if let Ok(m) = UserauthFailure::read(&mut r()) {
        let methods: Vec<&str> = m.methods.iter().collect();
        let mut out = Vec::new();
        UserauthFailure::write(&mut out, &methods, m.partial_success);
        let again = UserauthFailure::read(&mut Reader::new(&out[1..])).expect("re-parse");
        assert_eq!(again.methods.iter().collect::<Vec<_>>(), methods);
        assert_eq!(again.partial_success, m.partial_success);
    }
    if let Ok(m) = UserauthBanner::read(&mut r()) {
        round_trip!(m, |o: &mut Vec<u8>| m.write(o), UserauthBanner::read);
    }
    if let Ok(m) = UserauthPkOk::read(&mut r()) {
        round_trip!(m, |o: &mut Vec<u8>| m.write(o), UserauthPkOk::read);
    }
    if let Ok(m) = InfoRequest::read(&mut r()) {
        round_trip!(m, |o: &mut Vec<u8>| m.write(o), InfoRequest::read);
    }
    if let Ok(m) = InfoResponse::read(&mut r()) {
        round_trip!(
            m,
            |o: &mut Vec<u8>| InfoResponse::write(o, &m.responses),
            InfoResponse::read
        );
    }
    let _ = PasswdChangeReq::read(&mut r());
    if let Ok(m) = ChannelOpen::read(&mut r())
        && !matches!(m.kind, ChannelKind::Other(_))
    {
        round_trip!(m, |o: &mut Vec<u8>| m.write(o), ChannelOpen::read);
    }
    if let Ok(m) = ChannelOpenConfirmation::read(&mut r()) {
        round_trip!(
            m,
            |o: &mut Vec<u8>| m.write(o),
            ChannelOpenConfirmation::read
        );
    }
    if let Ok(m) = ChannelOpenFailure::read(&mut r()) {
        round_trip!(m, |o: &mut Vec<u8>| m.write(o), ChannelOpenFailure::read);
    }
    if let Ok(m) = ChannelRequestMsg::read(&mut r())
        && !matches!(
            m.request,
            ChannelRequest::Other { .. } | ChannelRequest::X11Req
        )
    {
        round_trip!(m, |o: &mut Vec<u8>| m.write(o), ChannelRequestMsg::read);
    }
    if let Ok(m) = GlobalRequest::read(&mut r()) {
        round_trip!(m, |o: &mut Vec<u8>| m.write(o), GlobalRequest::read);
    }
    let _ = read_forward_request(data);
}

/// Negotiates a peer's KEXINIT against our client and server defaults: any choice made must be in
/// both lists.
fn negotiate_against_ours(peer: &KexInit<'_>) {
    for (ours, we_are_client) in [
        (
            crate::config::Algorithms::client_defaults().proposal(),
            true,
        ),
        (
            crate::config::Algorithms::server_defaults().proposal(),
            false,
        ),
    ] {
        let mut payload = Vec::new();
        ours.write(&mut payload, &[0; 16]);
        let ours = KexInit::read(&mut Reader::new(&payload[1..])).expect("our own KEXINIT parses");
        let result = if we_are_client {
            crate::kex::negotiate::negotiate(&ours, peer)
        } else {
            crate::kex::negotiate::negotiate(peer, &ours)
        };
        if let Ok(chosen) = result {
            assert!(peer.kex.iter().any(|n| n == chosen.kex_name));
            assert!(ours.kex.iter().any(|n| n == chosen.kex_name));
            assert!(peer.host_key.iter().any(|n| n == chosen.host_key.name()));
            assert!(
                peer.cipher_c2s
                    .iter()
                    .any(|n| n == chosen.cipher_c2s.name())
            );
            assert!(
                peer.cipher_s2c
                    .iter()
                    .any(|n| n == chosen.cipher_s2c.name())
            );
        }
    }
}

// ---- whole handshakes -----------------------------------------------------------------------------

fn host_key() -> Arc<PrivateKey> {
    static KEY: OnceLock<Arc<PrivateKey>> = OnceLock::new();
    KEY.get_or_init(|| Arc::new(PrivateKey::generate(KeyType::Ed25519, None).expect("keygen")))
        .clone()
}

fn server_config() -> Arc<ServerConfig> {
    static CONFIG: OnceLock<Arc<ServerConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut config = ServerConfig::new(vec![host_key()]);
            // Every method we implement, so a peer's KEXINIT can select any of them.
            config.common.algorithms.kex = crate::names::supported_kex_names()
                .map(str::to_owned)
                .collect();
            config.common.algorithms.macs = crate::names::supported_mac_names()
                .map(str::to_owned)
                .collect();
            config.build().expect("server config")
        })
        .clone()
}

fn client_config() -> Arc<ClientConfig> {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| ClientConfig::default().build().expect("client config"))
        .clone()
}

/// Feeds `input` to a connection, answering its questions the way a cautious application would,
/// and checks that the outcome is stable: once failed, it stays failed with the same error.
fn feed<R: Side>(
    conn: &mut Connection<R>,
    input: &[u8],
    answer: &mut dyn FnMut(&mut Connection<R>, Event),
) {
    let now = Instant::now();
    let mut buf = BytesMut::from(input);
    let mut out = BytesMut::new();
    // Each round either consumes input or answers a question that unpauses the core; a handful of
    // rounds is plenty, and the bound keeps a stuck core from hanging the fuzzer.
    for _ in 0..8 {
        let before = buf.len();
        let result = conn.handle_input(&mut buf, now);
        out.clear();
        conn.poll_transmit(&mut out);
        assert!(
            out.len() < 4 * 1024 * 1024,
            "output out of proportion to input"
        );
        let mut answered = false;
        while let Some(event) = conn.poll_event() {
            answered = true;
            answer(conn, event);
        }
        if let Err(e) = result {
            assert_eq!(
                conn.handle_input(&mut buf, now),
                Err(e),
                "errors must stick"
            );
            assert!(conn.is_closed());
            return;
        }
        if buf.len() == before && !answered {
            return;
        }
    }
}

fn answer_server(conn: &mut ServerConnection, event: Event) {
    if let Event::AuthRequest { .. } | Event::AuthInfoResponse { .. } = event {
        let _ = conn.reject_auth();
    }
}

fn answer_client(conn: &mut ClientConnection, event: Event) {
    if let Event::HostKey { .. } = event {
        let _ = conn.accept_host_key();
    }
}

/// A server fed a client identification and then the input framed as plaintext packets.
pub fn server_handshake(data: &[u8]) {
    let mut conn = ServerConnection::new(server_config(), Instant::now());
    let mut input = b"SSH-2.0-fuzz\r\n".to_vec();
    for payload in payloads(data) {
        input.extend(frame_plaintext(payload));
    }
    feed(&mut conn, &input, &mut answer_server);
    assert!(
        !conn.is_authenticated(),
        "authenticated without a key exchange"
    );
}

/// A server fed a client identification and then the raw input.
pub fn server_bytes(data: &[u8]) {
    let mut conn = ServerConnection::new(server_config(), Instant::now());
    let mut input = b"SSH-2.0-fuzz\r\n".to_vec();
    input.extend_from_slice(data);
    feed(&mut conn, &input, &mut answer_server);
    assert!(
        !conn.is_authenticated(),
        "authenticated without a key exchange"
    );
}

/// A client fed a server identification and then the input framed as plaintext packets.
pub fn client_handshake(data: &[u8]) {
    let mut conn = ClientConnection::new(client_config(), Instant::now());
    let mut input = b"SSH-2.0-fuzz\r\n".to_vec();
    for payload in payloads(data) {
        input.extend(frame_plaintext(payload));
    }
    feed(&mut conn, &input, &mut answer_client);
    assert!(
        !conn.is_authenticated(),
        "authenticated without a key exchange"
    );
}

/// A client fed a server identification and then the raw input.
pub fn client_bytes(data: &[u8]) {
    let mut conn = ClientConnection::new(client_config(), Instant::now());
    let mut input = b"SSH-2.0-fuzz\r\n".to_vec();
    input.extend_from_slice(data);
    feed(&mut conn, &input, &mut answer_client);
}

// ---- two cores in memory --------------------------------------------------------------------------

mod duplex;

pub use duplex::{Duplex, channel_ops, connection_messages};
