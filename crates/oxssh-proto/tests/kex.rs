//! Every key exchange, host key, cipher and MAC against ourselves, in memory, followed by data both ways.

use oxssh_proto::names::{self, CipherAlgorithm};
use oxssh_proto::{ChannelId, ClientConfig, Event, ServerConfig};
use oxssh_test::{Pair, all_host_keys, server_config};

fn configs(kex: &str, host_key: &str, cipher: &str, mac: &str) -> (ClientConfig, ServerConfig) {
    let mut client = ClientConfig::default();
    client.common.algorithms.kex = vec![kex.to_owned()];
    client.common.algorithms.host_key = vec![host_key.to_owned()];
    client.common.algorithms.ciphers = vec![cipher.to_owned()];
    client.common.algorithms.macs = vec![mac.to_owned()];
    let mut server = ServerConfig::new(all_host_keys());
    server.common.algorithms = client.common.algorithms.clone();
    (client, server)
}

/// Opens a session and moves a few packets of data each way, checking the bytes.
fn exchange_data(pair: &mut Pair) {
    let channel = pair.client.open_session().unwrap();
    pair.drive();
    let server_channel = pair
        .take_server_events()
        .into_iter()
        .find_map(|e| match e {
            Event::ChannelOpenRequest { channel, .. } => Some(channel),
            _ => None,
        })
        .expect("server saw the open");
    pair.server.accept_channel(server_channel).unwrap();
    pair.drive();
    assert!(
        pair.take_client_events()
            .contains(&Event::ChannelOpened { channel })
    );
    let payload: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    assert_eq!(
        pair.client.send_data(channel, &payload).unwrap(),
        payload.len()
    );
    assert_eq!(
        pair.server
            .send_data(server_channel, &payload[..5000])
            .unwrap(),
        5000
    );
    pair.drive();
    assert_eq!(
        received(&pair.take_server_events(), server_channel),
        payload
    );
    assert_eq!(
        received(&pair.take_client_events(), channel),
        &payload[..5000]
    );
}

fn received(events: &[Event], channel: ChannelId) -> Vec<u8> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ChannelData { channel: c, data } if *c == channel => Some(data.to_vec()),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn every_key_exchange_method_with_every_host_key_type() {
    for kex in names::supported_kex_names() {
        for host_key in [
            "ssh-ed25519",
            "rsa-sha2-256",
            "rsa-sha2-512",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
        ] {
            let (client, server) =
                configs(kex, host_key, "aes128-gcm@openssh.com", "hmac-sha2-256");
            let mut pair = Pair::new(client, server);
            pair.connect();
            let algs = pair.client.algorithms().unwrap().clone();
            assert_eq!(algs.kex_name, kex);
            assert_eq!(algs.host_key.name(), host_key);
            assert_eq!(
                pair.client.session_id(),
                pair.server.session_id(),
                "{kex} {host_key}"
            );
        }
    }
}

#[test]
fn every_cipher_with_every_mac_carries_data() {
    for cipher in names::supported_cipher_names() {
        for mac in names::supported_mac_names() {
            let (client, server) = configs("curve25519-sha256", "ssh-ed25519", cipher, mac);
            let mut pair = Pair::new(client, server);
            pair.connect();
            let algs = pair.server.algorithms().unwrap();
            assert_eq!(algs.cipher_c2s.name(), cipher);
            let aead = CipherAlgorithm::from_name(cipher).unwrap().is_aead();
            assert_eq!(
                algs.mac_c2s.map(|m| m.name()),
                if aead { None } else { Some(mac) }
            );
            exchange_data(&mut pair);
        }
    }
}

#[test]
fn defaults_negotiate_the_post_quantum_hybrid_and_strict_kex() {
    let mut pair = Pair::default_pair();
    pair.connect();
    let algs = pair.client.algorithms().unwrap();
    assert_eq!(algs.kex_name, "mlkem768x25519-sha256");
    assert_eq!(algs.host_key.name(), "ssh-ed25519");
    assert_eq!(algs.cipher_c2s.name(), "chacha20-poly1305@openssh.com");
    assert!(pair.client.is_strict_kex() && pair.server.is_strict_kex());
    assert_eq!(
        pair.client.server_sig_algs().map(<[String]>::len),
        Some(names::defaults::PUBKEY_ACCEPTED.len())
    );
    exchange_data(&mut pair);
}

#[test]
fn no_common_cipher_fails_both_sides_with_key_exchange_failed() {
    let mut client = ClientConfig::default();
    client.common.algorithms.ciphers = vec!["aes128-ctr".into()];
    let mut server = server_config();
    server.common.algorithms.ciphers = vec!["aes256-gcm@openssh.com".into()];
    let mut pair = Pair::new(client, server);
    pair.drive();
    let expected = oxssh_proto::Error::PeerIncompatible(
        oxssh_proto::error::PeerIncompatible::NoCommonAlgorithm("cipher"),
    );
    assert_eq!(pair.client_error, Some(expected));
    assert_eq!(pair.server_error, Some(expected));
}

#[test]
fn a_rejected_host_key_ends_the_connection() {
    let mut pair = Pair::default_pair();
    pair.auto_accept_host_key = false;
    pair.drive();
    assert!(matches!(
        pair.take_client_events().as_slice(),
        [Event::HostKey { .. }]
    ));
    pair.client.reject_host_key().unwrap();
    pair.drive();
    assert!(pair.client.is_closed());
    assert!(
        matches!(
            pair.server_events.last(),
            Some(Event::Disconnected { reason: 9, .. })
        ),
        "{:?} {:?}",
        pair.server_events,
        pair.server_error
    );
}
