use super::*;
use crate::{KeyType, PrivateKey};
use oxssh_wire::{Reader, Writer};
use zeroize::Zeroizing;

fn body(framed: &[u8]) -> &[u8] {
    let (body, used) = split_frame(framed).unwrap().unwrap();
    assert_eq!(used, framed.len());
    body
}

fn round_trip(request: &Request) -> Request {
    let framed = request.encode().unwrap();
    let decoded = Request::decode(body(&framed)).unwrap();
    assert_eq!(&decoded.encode().unwrap()[..], &framed[..], "{request:?}");
    decoded
}

#[test]
fn simple_requests_round_trip() {
    let requests = [
        Request::RequestIdentities,
        Request::SignRequest {
            key_blob: vec![1, 2],
            data: vec![3; 40],
            flags: sign_flags::RSA_SHA2_512,
        },
        Request::RemoveIdentity { key_blob: vec![9] },
        Request::RemoveAllIdentities,
        Request::Lock {
            passphrase: Zeroizing::new(b"pw".to_vec()),
        },
        Request::Unlock {
            passphrase: Zeroizing::new(b"pw".to_vec()),
        },
        Request::Extension(Extension::Query),
        Request::Extension(Extension::SessionBind {
            host_key: vec![1],
            session_id: vec![2; 32],
            signature: vec![3],
            is_forwarding: true,
        }),
        Request::Extension(Extension::Other {
            name: "x@example.com".into(),
            contents: vec![0, 1, 2],
        }),
    ];
    for r in &requests {
        round_trip(r);
    }
    // The RFC-style layout of one of them, byte for byte.
    let framed = Request::RemoveIdentity { key_blob: vec![9] }
        .encode()
        .unwrap();
    assert_eq!(&framed[..], &[0, 0, 0, 6, 18, 0, 0, 0, 1, 9]);
}

#[test]
fn add_identity_carries_every_key_type_and_constraints() {
    for key_type in [
        KeyType::Ed25519,
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
        KeyType::EcdsaP521,
        KeyType::Rsa,
    ] {
        let mut key =
            PrivateKey::generate(key_type, (key_type == KeyType::Rsa).then_some(2048)).unwrap();
        key.set_comment("agent key");
        let constraints = vec![
            Constraint::Lifetime(60),
            Constraint::Confirm,
            Constraint::Extension {
                name: "sk-provider@openssh.com".into(),
                data: vec![0, 0, 0, 1, b'p'],
            },
        ];
        let public = key.public().clone();
        let decoded = round_trip(&Request::AddIdentity {
            key: Box::new(key),
            constraints: constraints.clone(),
        });
        let Request::AddIdentity {
            key,
            constraints: got,
        } = decoded
        else {
            panic!("not an add")
        };
        assert_eq!(key.public(), &public);
        assert_eq!(key.comment(), "agent key");
        assert_eq!(got, constraints);
        // The decoded key signs, and the original public key verifies it.
        let alg = key_type.signature_algorithms()[0];
        public
            .verify(alg, b"m", &key.sign(alg, b"m").unwrap())
            .unwrap();
    }
}

#[test]
fn rsa_keys_travel_as_n_e_d_iqmp_p_q() {
    let key = PrivateKey::generate(KeyType::Rsa, Some(2048)).unwrap();
    let framed = Request::AddIdentity {
        key: Box::new(key),
        constraints: vec![],
    }
    .encode()
    .unwrap();
    let mut r = Reader::new(body(&framed));
    assert_eq!(r.read_u8("t").unwrap(), number::ADD_IDENTITY);
    assert_eq!(r.read_string("type").unwrap(), b"ssh-rsa");
    let sizes: Vec<usize> = (0..6)
        .map(|_| r.read_mpint_positive("f").unwrap().len())
        .collect();
    assert_eq!(sizes[0], 256, "n");
    assert_eq!(sizes[1], 3, "e = 65537");
    assert!(sizes[2] > 250, "d");
    assert!(
        (126..=128).contains(&sizes[3])
            && (127..=128).contains(&sizes[4])
            && (127..=128).contains(&sizes[5])
    );
    assert_eq!(r.read_string("comment").unwrap(), b"");
    assert!(r.is_empty());
}

#[test]
fn unknown_constraints_and_messages_are_refused() {
    let key = PrivateKey::generate(KeyType::Ed25519, None).unwrap();
    let mut framed = Request::AddIdentity {
        key: Box::new(key),
        constraints: vec![Constraint::Confirm],
    }
    .encode()
    .unwrap()
    .to_vec();
    // Turn CONFIRM (2) into an unknown constraint (99).
    *framed.last_mut().unwrap() = 99;
    assert_eq!(
        Request::decode(body(&framed)).unwrap_err(),
        AgentError::UnknownConstraint(99)
    );
    assert_eq!(
        Request::decode(&[200]).unwrap_err(),
        AgentError::UnknownMessage(200)
    );
    assert_eq!(Request::decode(&[]).unwrap_err(), AgentError::Empty);
    assert!(matches!(
        Request::decode(&[number::REQUEST_IDENTITIES, 0]),
        Err(AgentError::Wire(_))
    ));
}

#[test]
fn oversized_frames_are_refused_before_reading_the_body() {
    assert_eq!(
        frame_length([0, 4, 0, 1]),
        Err(AgentError::TooLong(256 * 1024 + 1))
    );
    assert_eq!(frame_length([0, 4, 0, 0]), Ok(MAX_MESSAGE));
    assert_eq!(frame_length([0, 0, 0, 0]), Err(AgentError::Empty));
    // Only the four length bytes are present: the size is refused all the same.
    assert_eq!(
        split_frame(&[0xff, 0xff, 0xff, 0xff]),
        Err(AgentError::TooLong(u32::MAX as usize))
    );
    assert_eq!(split_frame(&[0, 0, 0, 5, 1]), Ok(None));
}

#[test]
fn responses_round_trip() {
    let responses = [
        Response::Success,
        Response::Failure,
        Response::ExtensionFailure,
        Response::IdentitiesAnswer(vec![
            Identity {
                key_blob: vec![1, 2, 3],
                comment: "one".into(),
            },
            Identity {
                key_blob: vec![4],
                comment: String::new(),
            },
        ]),
        Response::SignResponse(vec![7; 64]),
        Response::QueryAnswer(vec!["query".into(), "session-bind@openssh.com".into()]),
        Response::ExtensionResponse {
            name: "x@example.com".into(),
            contents: vec![5],
        },
    ];
    for response in responses {
        let framed = response.encode();
        assert_eq!(Response::decode(body(&framed)).unwrap(), response);
    }
}

#[test]
fn identity_counts_are_bounded_and_not_preallocated() {
    let mut claim = vec![number::IDENTITIES_ANSWER];
    claim.write_u32(u32::MAX);
    assert_eq!(
        Response::decode(&claim).unwrap_err(),
        AgentError::TooManyIdentities
    );
    let mut claim = vec![number::IDENTITIES_ANSWER];
    claim.write_u32(2000);
    assert!(matches!(Response::decode(&claim), Err(AgentError::Wire(_))));
}

#[test]
fn requested_algorithms_follow_the_flags() {
    assert_eq!(
        requested_algorithm(KeyType::Rsa, 0),
        crate::SignatureAlgorithm::RsaSha1
    );
    assert_eq!(
        requested_algorithm(KeyType::Rsa, sign_flags::RSA_SHA2_256),
        crate::SignatureAlgorithm::RsaSha256
    );
    assert_eq!(
        requested_algorithm(KeyType::Rsa, 6),
        crate::SignatureAlgorithm::RsaSha512
    );
    assert_eq!(
        requested_algorithm(KeyType::Ed25519, 4),
        crate::SignatureAlgorithm::Ed25519
    );
}
