//! A scripted hostile peer against our server and client cores: raw bytes and raw messages, each
//! test asserting the exact error and what the peer is told, and that nothing was granted.
//!
//! Before the first NEWKEYS the test speaks plaintext packets itself; after it, a real in-memory
//! client ([`oxssh_test::Pair`]) does the key exchange and `oxssh_proto::fuzzing::send_raw` slips
//! arbitrary messages into its stream, sealed under the real keys.

use std::time::Instant;

use bytes::BytesMut;
use oxssh_proto::error::{CryptoError, InvalidMessage, PeerMisbehaved, reason};
use oxssh_proto::fuzzing::{frame_plaintext, send_raw};
use oxssh_proto::msg::connection::{ChannelKind, ChannelOpen};
use oxssh_proto::msg::kex::{KexEcdhInit, KexEcdhReply};
use oxssh_proto::msg::number;
use oxssh_proto::msg::transport::{Disconnect, Proposal};
use oxssh_proto::names::markers;
use oxssh_proto::{ClientConfig, ClientConnection, Error, Event, ServerConnection};
use oxssh_test::Pair;
use oxssh_wire::{Reader, Writer};

// ---- a plaintext peer -------------------------------------------------------------------------------

fn server() -> ServerConnection {
    let mut config = oxssh_test::server_config();
    config.common.algorithms.kex = oxssh_proto::names::supported_kex_names()
        .map(str::to_owned)
        .collect();
    ServerConnection::new(config.build().unwrap(), Instant::now())
}

fn client(kex: &str) -> ClientConnection {
    let mut config = ClientConfig::default();
    config.common.algorithms.kex = vec![kex.to_owned()];
    ClientConnection::new(config.build().unwrap(), Instant::now())
}

/// A KEXINIT payload proposing one key exchange method, as a client (or server) would.
fn kexinit(kex: &str, as_client: bool) -> Vec<u8> {
    let (ext, strict) = if as_client {
        (markers::EXT_INFO_C, markers::KEX_STRICT_C)
    } else {
        (markers::EXT_INFO_S, markers::KEX_STRICT_S)
    };
    let proposal = Proposal {
        kex: vec![kex.into(), ext.into(), strict.into()],
        host_key: vec!["ssh-ed25519".into()],
        ciphers: vec!["aes128-gcm@openssh.com".into()],
        macs: vec!["hmac-sha2-256-etm@openssh.com".into()],
        compression: vec!["none".into()],
    };
    let mut out = Vec::new();
    proposal.write(&mut out, &[1; 16]);
    out
}

/// Feeds bytes to a connection and returns the outcome, the input left over and the output.
fn feed<R: oxssh_proto::Side>(
    conn: &mut oxssh_proto::Connection<R>,
    bytes: &[u8],
) -> (Result<(), Error>, BytesMut, Vec<u8>) {
    let mut input = BytesMut::from(bytes);
    let result = conn.handle_input(&mut input, Instant::now());
    let mut out = BytesMut::new();
    conn.poll_transmit(&mut out);
    (result, input, out.to_vec())
}

/// The DISCONNECT in a plaintext output stream (after the identification line), if any.
fn plaintext_disconnect(output: &[u8]) -> Option<(u32, String)> {
    let start = output.iter().position(|&b| b == b'\n')? + 1;
    let mut rest = &output[start..];
    while rest.len() >= 5 {
        let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
        let packet = rest.get(4..4 + len)?;
        let padding = packet[0] as usize;
        let payload = &packet[1..len - padding];
        if payload.first() == Some(&number::DISCONNECT) {
            let d = Disconnect::read(&mut Reader::new(&payload[1..])).ok()?;
            return Some((d.reason, d.description.to_owned()));
        }
        rest = &rest[4 + len..];
    }
    None
}

// ---- identification and framing ---------------------------------------------------------------------

#[test]
fn garbage_instead_of_a_banner_is_refused() {
    let mut conn = server();
    let (result, _, out) = feed(&mut conn, b"GET / HTTP/1.1\r\nHost: example\r\n\r\n");
    assert!(
        matches!(
            result,
            Err(Error::InvalidMessage(InvalidMessage::BadVersion(_)))
        ),
        "{result:?}"
    );
    assert_eq!(
        plaintext_disconnect(&out).map(|d| d.0),
        Some(reason::PROTOCOL_ERROR)
    );
    // The error sticks.
    assert_eq!(feed(&mut conn, b"SSH-2.0-late\r\n").0, result);
}

#[test]
fn an_endless_pre_banner_stream_is_cut_off_by_the_client() {
    let mut conn = client("curve25519-sha256");
    let junk = b"junk line\r\n".repeat(2000);
    let (result, _, _) = feed(&mut conn, &junk);
    assert!(
        matches!(
            result,
            Err(Error::PeerMisbehaved(PeerMisbehaved::NoIdentification(_)))
        ),
        "{result:?}"
    );
    // One endless line is refused before it is buffered whole.
    let mut conn = client("curve25519-sha256");
    let (result, _, _) = feed(&mut conn, &[b'x'; 64 * 1024]);
    assert!(result.is_err());
}

#[test]
fn an_oversized_packet_length_is_refused_before_allocation() {
    for length in [256 * 1024 + 4, 300 * 1024, u32::MAX as usize] {
        let mut conn = server();
        let mut bytes = b"SSH-2.0-hostile\r\n".to_vec();
        bytes.extend_from_slice(&(length as u32).to_be_bytes());
        bytes.extend_from_slice(&[4, 0, 0, 0]);
        let (result, input, out) = feed(&mut conn, &bytes);
        assert_eq!(
            result,
            Err(Error::InvalidMessage(InvalidMessage::BadPacketLength)),
            "length {length}"
        );
        // Nothing was reserved for the announced packet.
        assert!(
            input.capacity() < 4096,
            "{} bytes reserved",
            input.capacity()
        );
        assert_eq!(
            plaintext_disconnect(&out).map(|d| d.0),
            Some(reason::PROTOCOL_ERROR)
        );
    }
}

#[test]
fn a_300_kib_packet_is_refused_before_its_body_arrives() {
    let mut conn = server();
    let mut bytes = b"SSH-2.0-hostile\r\n".to_vec();
    let mut payload = vec![number::IGNORE];
    payload.write_string(&vec![0u8; 300 * 1024]);
    bytes.extend(frame_plaintext(&payload));
    // Only the first kilobyte is delivered: the length alone must be enough to refuse.
    let (result, input, _) = feed(&mut conn, &bytes[..1024]);
    assert_eq!(
        result,
        Err(Error::InvalidMessage(InvalidMessage::BadPacketLength))
    );
    assert!(input.capacity() < 64 * 1024);
}

// ---- before authentication --------------------------------------------------------------------------

/// A pair whose key exchange and service request are done, authentication not started.
fn pair_at_userauth() -> Pair {
    let mut pair = Pair::default_pair();
    pair.drive();
    assert!(pair.client_events.contains(&Event::UserauthReady));
    assert!(!pair.server.is_authenticated());
    pair.client_events.clear();
    pair
}

#[test]
fn a_client_sent_userauth_success_is_a_protocol_error_not_a_login() {
    // libssh CVE-2018-10933: a server that took the client's USERAUTH_SUCCESS as a login.
    let mut pair = pair_at_userauth();
    send_raw(&mut pair.client, &[number::USERAUTH_SUCCESS]);
    pair.drive();
    assert!(
        matches!(
            pair.server_error,
            Some(Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage { got, .. })) if got == number::USERAUTH_SUCCESS
        ),
        "{:?}",
        pair.server_error
    );
    assert!(!pair.server.is_authenticated());
    assert_eq!(pair.server.channel_count(), 0);
    assert!(
        pair.client_events.iter().any(
            |e| matches!(e, Event::Disconnected { reason: r, .. } if *r == reason::PROTOCOL_ERROR)
        ),
        "{:?}",
        pair.client_events
    );
    // Nothing the client sends afterwards is processed.
    let before = pair.server_events.len();
    send_raw(&mut pair.client, &[number::USERAUTH_SUCCESS]);
    pair.drive();
    assert_eq!(pair.server_events.len(), before);
}

#[test]
fn userauth_success_right_after_key_exchange_is_refused_too() {
    // Before even the service request: the same answer.
    let mut pair = Pair::default_pair();
    pair.auto_accept_host_key = false;
    pair.drive();
    assert!(
        pair.client_events
            .iter()
            .any(|e| matches!(e, Event::HostKey { .. }))
    );
    pair.client.accept_host_key().unwrap();
    send_raw(&mut pair.client, &[number::USERAUTH_SUCCESS]);
    pair.drive();
    assert!(pair.server_error.is_some());
    assert!(!pair.server.is_authenticated());
}

#[test]
fn connection_messages_before_authentication_are_refused() {
    let mut open = Vec::new();
    ChannelOpen {
        kind: ChannelKind::Session,
        sender_channel: 0,
        initial_window: 1 << 20,
        max_packet: 32 * 1024,
    }
    .write(&mut open);
    let mut global = vec![number::GLOBAL_REQUEST];
    global.write_string(b"tcpip-forward");
    global.write_bool(true);
    global.write_string(b"0.0.0.0");
    global.write_u32(80);
    for message in [
        open,
        global,
        vec![number::CHANNEL_DATA, 0, 0, 0, 0, 0, 0, 0, 1, b'x'],
    ] {
        let mut pair = pair_at_userauth();
        send_raw(&mut pair.client, &message);
        pair.drive();
        assert_eq!(
            pair.server_error,
            Some(Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage {
                expected: "authentication",
                got: message[0],
            }))
        );
        assert_eq!(pair.server.channel_count(), 0);
        assert!(!pair.server_events.iter().any(|e| matches!(
            e,
            Event::ChannelOpenRequest { .. } | Event::GlobalRequest { .. }
        )));
    }
}

// ---- after authentication ---------------------------------------------------------------------------

/// An authenticated pair with one session channel open (client id, server id).
fn pair_with_channel() -> (Pair, oxssh_proto::ChannelId, oxssh_proto::ChannelId) {
    let mut pair = Pair::default_pair();
    pair.connect();
    let client_id = pair.client.open_session().unwrap();
    pair.drive();
    let server_id = pair
        .take_server_events()
        .into_iter()
        .find_map(|e| match e {
            Event::ChannelOpenRequest { channel, .. } => Some(channel),
            _ => None,
        })
        .unwrap();
    pair.server.accept_channel(server_id).unwrap();
    pair.drive();
    pair.client_events.clear();
    (pair, client_id, server_id)
}

fn channel_data(recipient: u32, len: usize) -> Vec<u8> {
    let mut m = vec![number::CHANNEL_DATA];
    m.write_u32(recipient);
    m.write_string(&vec![7u8; len]);
    m
}

#[test]
fn channel_data_beyond_the_window_is_refused() {
    let (mut pair, _, server_id) = pair_with_channel();
    // The server granted 2 MiB in 32 KiB packets; nothing is consumed, so the 65th packet overruns.
    let window = oxssh_proto::limits::DEFAULT_CHANNEL_WINDOW as usize;
    let packet = oxssh_proto::limits::DEFAULT_CHANNEL_PACKET as usize;
    for _ in 0..window / packet {
        send_raw(&mut pair.client, &channel_data(server_id.0, packet));
    }
    pair.drive();
    assert_eq!(pair.server_error, None, "the whole window is allowed");
    send_raw(&mut pair.client, &channel_data(server_id.0, 1));
    pair.drive();
    assert_eq!(
        pair.server_error,
        Some(Error::PeerMisbehaved(PeerMisbehaved::WindowExceeded))
    );
    assert!(pair.client_events.iter().any(
        |e| matches!(e, Event::Disconnected { reason: r, .. } if *r == reason::PROTOCOL_ERROR)
    ));
}

#[test]
fn messages_for_channels_that_do_not_exist_are_refused() {
    let (mut pair, _, server_id) = pair_with_channel();
    send_raw(&mut pair.client, &channel_data(server_id.0 + 7, 1));
    pair.drive();
    assert_eq!(
        pair.server_error,
        Some(Error::PeerMisbehaved(PeerMisbehaved::UnknownChannel))
    );
}

#[test]
fn a_window_adjust_that_overflows_is_refused() {
    let (mut pair, _, server_id) = pair_with_channel();
    let mut m = vec![number::CHANNEL_WINDOW_ADJUST];
    m.write_u32(server_id.0);
    m.write_u32(u32::MAX);
    send_raw(&mut pair.client, &m);
    pair.drive();
    assert!(
        matches!(pair.server_error, Some(Error::PeerMisbehaved(_))),
        "{:?}",
        pair.server_error
    );
}

#[test]
fn a_flood_of_unanswered_global_requests_is_cut_off() {
    let (mut pair, _, _) = pair_with_channel();
    // tcpip-forward goes to the application, which never answers: the replies owed pile up.
    for _ in 0..=oxssh_proto::limits::MAX_PENDING_GLOBAL_REQUESTS {
        let mut m = vec![number::GLOBAL_REQUEST];
        m.write_string(b"tcpip-forward");
        m.write_bool(true);
        m.write_string(b"127.0.0.1");
        m.write_u32(0);
        send_raw(&mut pair.client, &m);
    }
    pair.drive();
    assert_eq!(
        pair.server_error,
        Some(Error::PeerMisbehaved(PeerMisbehaved::TooMany(
            "pending global requests"
        )))
    );
}

#[test]
fn a_flipped_bit_after_newkeys_is_a_mac_error() {
    let mut pair = Pair::default_pair();
    pair.connect();
    let mut armed = true;
    pair.tamper = Some(Box::new(move |dir, bytes: &mut BytesMut| {
        if armed && dir == oxssh_test::Direction::ClientToServer && bytes.len() > 20 {
            armed = false;
            bytes[10] ^= 0x40;
        }
    }));
    pair.client.send_ignore(b"some padding to flip").unwrap();
    pair.drive();
    assert_eq!(
        pair.server_error,
        Some(Error::Crypto(CryptoError::MacMismatch))
    );
}

// ---- invalid key exchange values --------------------------------------------------------------------

/// A raw client's first flight: identification, KEXINIT for `kex`, and an INIT with `value`.
fn server_given_client_value(kex: &str, value: &[u8]) -> Result<(), Error> {
    let mut conn = server();
    let mpint = kex.starts_with("diffie-hellman");
    let mut init = Vec::new();
    KexEcdhInit {
        client_value: value,
    }
    .write(&mut init, mpint);
    let mut bytes = b"SSH-2.0-hostile\r\n".to_vec();
    bytes.extend(frame_plaintext(&kexinit(kex, true)));
    bytes.extend(frame_plaintext(&init));
    let (result, _, out) = feed(&mut conn, &bytes);
    if result.is_err() {
        assert_eq!(
            plaintext_disconnect(&out).map(|d| d.0),
            Some(reason::KEY_EXCHANGE_FAILED),
            "{kex}"
        );
    }
    result
}

fn group14_prime() -> Vec<u8> {
    const HEX: &str = concat!(
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
        "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
        "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
        "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
        "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
        "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
        "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
        "3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF",
    );
    hex::decode(HEX).unwrap()
}

#[test]
fn invalid_client_public_values_are_refused_by_the_server() {
    let p = group14_prime();
    let mut p_minus_1 = p.clone();
    *p_minus_1.last_mut().unwrap() -= 1;
    let mut p_minus_2 = p.clone();
    *p_minus_2.last_mut().unwrap() -= 2;
    let mut off_curve = vec![4u8];
    off_curve.extend([1u8; 64]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // X25519: the all-zero point and other low-order points give an all-zero secret.
        ("curve25519-sha256", vec![0; 32]),
        ("curve25519-sha256", {
            let mut one = vec![0; 32];
            one[0] = 1;
            one
        }),
        ("curve25519-sha256", vec![9; 31]),
        ("curve25519-sha256", vec![9; 33]),
        // NIST curves: off the curve, compressed, the point at infinity, the wrong curve's size.
        ("ecdh-sha2-nistp256", off_curve.clone()),
        ("ecdh-sha2-nistp256", {
            let mut compressed = vec![2u8];
            compressed.extend([1u8; 32]);
            compressed
        }),
        ("ecdh-sha2-nistp256", vec![0]),
        ("ecdh-sha2-nistp384", off_curve),
        // Finite-field DH: 0, 1, a power of two, p - 1, p, beyond p.
        ("diffie-hellman-group14-sha256", vec![]),
        ("diffie-hellman-group14-sha256", vec![1]),
        ("diffie-hellman-group14-sha256", vec![1, 0, 0]),
        ("diffie-hellman-group14-sha256", p_minus_1),
        ("diffie-hellman-group14-sha256", p.clone()),
        ("diffie-hellman-group14-sha256", vec![0xff; 300]),
        // Hybrids: wrong lengths.
        ("mlkem768x25519-sha256", vec![1; 100]),
        ("sntrup761x25519-sha512", vec![1; 100]),
    ];
    for (kex, value) in &cases {
        let result = server_given_client_value(kex, value);
        assert!(
            matches!(result, Err(Error::Crypto(CryptoError::InvalidKexValue(_)))),
            "{kex} with {} bytes: {result:?}",
            value.len()
        );
    }
    // The boundary is right: p - 2 is a legal (if useless) value, and the exchange goes on.
    assert_eq!(
        server_given_client_value("diffie-hellman-group14-sha256", &p_minus_2),
        Ok(())
    );
}

#[test]
fn invalid_server_public_values_are_refused_by_the_client() {
    let host_key = oxssh_test::ed25519_host_key();
    for (kex, value) in [
        ("curve25519-sha256", vec![0u8; 32]),
        ("ecdh-sha2-nistp256", vec![4u8; 65]),
        ("diffie-hellman-group14-sha256", vec![1u8]),
        ("diffie-hellman-group14-sha256", vec![0xffu8; 256]),
    ] {
        let mut conn = client(kex);
        let mpint = kex.starts_with("diffie-hellman");
        // A well-formed signature blob over nothing useful: the value must be refused before the
        // signature matters.
        let signature = host_key
            .sign(oxssh_keys::SignatureAlgorithm::Ed25519, b"x")
            .unwrap();
        let mut reply = Vec::new();
        KexEcdhReply {
            host_key: host_key.public().blob(),
            server_value: &value,
            signature: &signature,
        }
        .write(&mut reply, mpint);
        let mut bytes = b"SSH-2.0-hostile\r\n".to_vec();
        bytes.extend(frame_plaintext(&kexinit(kex, false)));
        bytes.extend(frame_plaintext(&reply));
        let (result, _, _) = feed(&mut conn, &bytes);
        assert!(
            matches!(result, Err(Error::Crypto(CryptoError::InvalidKexValue(_)))),
            "{kex}: {result:?}"
        );
        assert!(
            conn.poll_event()
                .is_none_or(|e| !matches!(e, Event::HostKey { .. }))
        );
    }
}
