//! User authentication in memory: password, publickey (query and signature), keyboard-interactive,
//! MaxAuthTries, a change of user name, LoginGraceTime.

use std::time::Duration;

use oxssh_keys::{KeyType, PrivateKey, SignatureAlgorithm};
use oxssh_proto::error::{PeerIncompatible, PeerMisbehaved};
use oxssh_proto::{AuthMethod, Error, Event, InfoPrompt};
use oxssh_test::Pair;

fn ready() -> Pair {
    let mut pair = Pair::default_pair();
    pair.drive();
    assert!(pair.take_client_events().contains(&Event::UserauthReady));
    pair
}

fn failure(events: &[Event]) -> bool {
    events.iter().any(|e| {
        matches!(
            e,
            Event::AuthFailure {
                partial_success: false,
                ..
            }
        )
    })
}

#[test]
fn right_password_succeeds_and_wrong_one_fails() {
    let mut pair = ready();
    pair.client.auth_password("alice", b"wrong").unwrap();
    pair.drive();
    assert!(failure(&pair.take_client_events()));
    assert!(!pair.server.is_authenticated());
    pair.client.auth_password("alice", b"secret").unwrap();
    pair.drive();
    assert!(pair.take_client_events().contains(&Event::Authenticated));
    assert_eq!(pair.server.auth_user(), Some("alice"));
}

#[test]
fn publickey_query_then_signature() {
    let key = PrivateKey::generate(KeyType::Ed25519, None).unwrap();
    let blob = key.public().blob().to_vec();
    let mut pair = ready();
    pair.client
        .auth_publickey_query("bob", "ssh-ed25519", &blob)
        .unwrap();
    pair.drive();
    assert!(
        pair.take_client_events()
            .iter()
            .any(|e| matches!(e, Event::AuthPkOk { .. }))
    );
    let data = pair
        .client
        .publickey_signed_data("bob", "ssh-ed25519", &blob)
        .unwrap();
    let signature = key.sign(SignatureAlgorithm::Ed25519, &data).unwrap();
    pair.client
        .auth_publickey_signed("bob", "ssh-ed25519", &blob, &signature)
        .unwrap();
    pair.drive();
    assert!(pair.client.is_authenticated());
    assert!(pair.server_events.iter().any(|e| matches!(
        e,
        Event::AuthRequest {
            method: AuthMethod::PublicKey { .. },
            ..
        }
    )));
}

#[test]
fn a_signature_over_the_wrong_data_is_rejected_without_asking() {
    let key = PrivateKey::generate(KeyType::EcdsaP256, None).unwrap();
    let blob = key.public().blob().to_vec();
    let mut pair = ready();
    let signature = key
        .sign(SignatureAlgorithm::EcdsaP256, b"not the session")
        .unwrap();
    pair.client
        .auth_publickey_signed("bob", "ecdsa-sha2-nistp256", &blob, &signature)
        .unwrap();
    pair.drive();
    assert!(failure(&pair.take_client_events()));
    assert!(!pair.server.is_authenticated());
    assert!(
        pair.server_events
            .iter()
            .any(|e| matches!(e, Event::AuthRejected { .. }))
    );
    assert!(
        !pair
            .server_events
            .iter()
            .any(|e| matches!(e, Event::AuthRequest { .. }))
    );
}

#[test]
fn rsa_sha1_is_not_accepted_by_default() {
    let key = PrivateKey::generate(KeyType::Rsa, Some(2048)).unwrap();
    let mut pair = ready();
    pair.client
        .auth_publickey_query("bob", "ssh-rsa", key.public().blob())
        .unwrap();
    pair.drive();
    assert!(failure(&pair.take_client_events()));
}

#[test]
fn keyboard_interactive_round_trip() {
    let mut pair = ready();
    pair.client.auth_keyboard_interactive("carol", "").unwrap();
    pair.drive();
    let prompts = pair
        .take_client_events()
        .into_iter()
        .find_map(|e| match e {
            Event::AuthInfoRequest { prompts, .. } => Some(prompts),
            _ => None,
        })
        .expect("prompts");
    assert_eq!(
        prompts,
        vec![InfoPrompt {
            prompt: "Password: ".into(),
            echo: false
        }]
    );
    pair.client.auth_info_response(&[b"secret"]).unwrap();
    pair.drive();
    assert!(pair.client.is_authenticated());
}

#[test]
fn max_auth_tries_disconnects_with_openssh_words() {
    let mut pair = ready();
    for attempt in 0..6 {
        if pair.client.auth_password("dave", b"nope").is_err() {
            panic!("attempt {attempt} refused locally");
        }
        pair.drive();
        if pair.server_error.is_some() {
            break;
        }
    }
    assert_eq!(
        pair.server_error,
        Some(Error::PeerIncompatible(
            PeerIncompatible::TooManyAuthFailures
        ))
    );
    let last = pair.client_events.last().unwrap();
    assert_eq!(
        last,
        &Event::Disconnected {
            reason: 2,
            description: "Too many authentication failures".into()
        }
    );
}

#[test]
fn changing_the_user_name_is_a_protocol_error() {
    let mut pair = ready();
    pair.client.auth_password("erin", b"nope").unwrap();
    pair.drive();
    pair.client.auth_password("root", b"nope").unwrap();
    pair.drive();
    assert_eq!(
        pair.server_error,
        Some(Error::PeerMisbehaved(PeerMisbehaved::ProtocolViolation(
            "change of username not allowed"
        )))
    );
}

#[test]
fn login_grace_time_expires() {
    let mut pair = ready();
    pair.advance(Duration::from_secs(119));
    assert!(pair.server_error.is_none());
    pair.advance(Duration::from_secs(2));
    assert_eq!(pair.server_error, Some(Error::Timeout("authentication")));
    pair.drive();
    assert!(matches!(
        pair.client_events.last(),
        Some(Event::Disconnected { reason: 11, .. })
    ));
}

#[test]
fn connection_layer_is_closed_before_authentication() {
    let mut pair = ready();
    assert!(pair.client.open_session().is_err());
}
