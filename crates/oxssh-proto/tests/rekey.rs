//! Re-keying started by either side, by bytes and by time, with data flowing across it.

use std::time::Duration;

use oxssh_proto::{ChannelId, ClientConfig, Event};
use oxssh_test::{Pair, server_config};

fn open(pair: &mut Pair) -> (ChannelId, ChannelId) {
    let c = pair.client.open_session().unwrap();
    pair.drive();
    let s = pair
        .take_server_events()
        .into_iter()
        .find_map(|e| match e {
            Event::ChannelOpenRequest { channel, .. } => Some(channel),
            _ => None,
        })
        .unwrap();
    pair.server.accept_channel(s).unwrap();
    pair.drive();
    pair.take_client_events();
    (c, s)
}

/// Sends `data` from client to server, consuming on arrival and re-sending when the window opens,
/// calling `during` after each chunk. Returns what arrived and how many re-keys the client completed.
fn pump(
    pair: &mut Pair,
    c: ChannelId,
    s: ChannelId,
    data: &[u8],
    mut during: impl FnMut(&mut Pair, usize),
) -> (Vec<u8>, usize) {
    let mut sent = 0;
    let mut got = Vec::new();
    let mut rekeys = 0;
    for round in 0..100_000 {
        if sent < data.len() {
            let end = (sent + 16 * 1024).min(data.len());
            sent += pair.client.send_data(c, &data[sent..end]).unwrap();
        }
        during(pair, round);
        pair.step();
        for e in pair.take_server_events() {
            if let Event::ChannelData { channel, data } = e {
                assert_eq!(channel, s);
                pair.server.consume(s, data.len());
                got.extend_from_slice(&data);
            }
        }
        rekeys += completed_rekeys(&pair.take_client_events());
        if got.len() == data.len() {
            return (got, rekeys);
        }
    }
    panic!("transfer did not finish: sent {sent}, got {}", got.len());
}

fn completed_rekeys(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::KexCompleted { initial: false }))
        .count()
}

#[test]
fn client_and_server_initiated_rekeys_in_the_middle_of_data() {
    let mut pair = Pair::default_pair();
    pair.connect();
    let (c, s) = open(&mut pair);
    let data: Vec<u8> = (0..4_000_000u32).map(|i| (i % 253) as u8).collect();
    let mut rekeys = 0;
    let (got, completed) = pump(&mut pair, c, s, &data, |pair, round| {
        if round == 20 {
            pair.client.start_rekey();
            rekeys += 1;
        }
        if round == 120 {
            pair.server.start_rekey();
            rekeys += 1;
        }
    });
    assert_eq!(got, data);
    assert_eq!(rekeys, 2);
    assert_eq!(completed, 2);
    assert!(pair.client_error.is_none() && pair.server_error.is_none());
    let sid = pair.client.session_id().unwrap().to_vec();
    assert_eq!(
        pair.server.session_id().unwrap(),
        &sid[..],
        "session id survives re-keys"
    );
}

#[test]
fn rekey_by_bytes_happens_repeatedly() {
    let mut client = ClientConfig::default();
    client.common.rekey_bytes = Some(256 * 1024);
    let mut pair = Pair::new(client, server_config());
    pair.connect();
    pair.take_client_events();
    let (c, s) = open(&mut pair);
    let data = vec![0x5a; 3_000_000];
    let (got, completed) = pump(&mut pair, c, s, &data, |_, _| {});
    assert_eq!(got, data);
    // The client re-keys after every 256 KiB it sends: about 11 times for 3 MB plus framing.
    assert!((10..=13).contains(&completed), "{completed} re-keys");
    assert!(pair.client_error.is_none() && pair.server_error.is_none());
}

#[test]
fn rekey_by_time_follows_the_fake_clock() {
    let mut client = ClientConfig::default();
    client.common.rekey_time = Some(Duration::from_secs(60));
    let mut pair = Pair::new(client, server_config());
    pair.connect();
    pair.take_client_events();
    let deadline = pair.client.poll_timeout().expect("a re-key deadline");
    assert!(deadline > pair.now);
    pair.advance(Duration::from_secs(61));
    pair.drive();
    assert_eq!(completed_rekeys(&pair.take_client_events()), 1);
    assert!(pair.client.poll_timeout().unwrap() > deadline);
}

/// zlib@openssh.com: off until authentication, then on in both directions, restarted at every
/// re-key, and the bytes on the wire really shrink.
#[test]
fn compressed_data_survives_rekeys_and_shrinks_on_the_wire() {
    let mut client = ClientConfig::default();
    client.common.algorithms.compression = vec!["zlib@openssh.com".into(), "none".into()];
    client.common.rekey_bytes = Some(8 * 1024);
    let mut pair = Pair::new(client, server_config());
    pair.connect();
    let negotiated = pair.client.algorithms().unwrap();
    assert!(negotiated.compress_c2s && negotiated.compress_s2c);
    pair.take_client_events();
    let (c, s) = open(&mut pair);
    let data: Vec<u8> = (0..3_000_000u32)
        .map(|i| b"the quick brown fox "[(i % 20) as usize] ^ ((i / 4096) as u8 & 1))
        .collect();
    let before = pair.bytes_c2s;
    let (got, completed) = pump(&mut pair, c, s, &data, |_, _| {});
    assert_eq!(got, data);
    let wire = pair.bytes_c2s - before;
    assert!(wire * 20 < data.len() as u64, "{wire} bytes on the wire");
    assert!(
        completed >= 2,
        "{completed} re-keys, {wire} bytes on the wire"
    );
    assert!(pair.client_error.is_none() && pair.server_error.is_none());
}

/// A client that does not ask for compression gets none, though the server offers it.
#[test]
fn compression_is_used_only_when_the_client_prefers_it() {
    let mut pair = Pair::default_pair();
    pair.connect();
    let negotiated = pair.client.algorithms().unwrap();
    assert!(!negotiated.compress_c2s && !negotiated.compress_s2c);
}
