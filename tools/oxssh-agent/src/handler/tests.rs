use super::*;
use oxssh_keys::agent::sign_flags;
use oxssh_keys::{KeyType, PrivateKey};
use zeroize::Zeroizing;

fn shared(askpass: AskpassEnv) -> Arc<Shared> {
    Arc::new(Shared::new(0, FingerprintHash::Sha256, askpass))
}

async fn call(shared: &Arc<Shared>, conn: &mut Connection, request: Request) -> Response {
    let framed = request.encode().unwrap();
    handle(shared, conn, &framed[4..]).await
}

fn add_request(key: &PrivateKey, comment: &str, constraints: Vec<Constraint>) -> Request {
    let mut copy =
        PrivateKey::decode(key.encode_openssh(None, 16).unwrap().as_bytes(), None).unwrap();
    copy.set_comment(comment);
    Request::AddIdentity {
        key: Box::new(copy),
        constraints,
    }
}

#[tokio::test]
async fn add_list_sign_remove() {
    let s = shared(AskpassEnv::default());
    let mut c = Connection::default();
    let key = PrivateKey::generate(KeyType::EcdsaP256, None).unwrap();
    let blob = key.public().blob().to_vec();
    assert_eq!(
        call(&s, &mut c, add_request(&key, "ecdsa key", vec![])).await,
        Response::Success
    );
    let Response::IdentitiesAnswer(ids) = call(&s, &mut c, Request::RequestIdentities).await else {
        panic!("no list")
    };
    assert_eq!(ids.len(), 1);
    assert_eq!(
        (ids[0].key_blob.clone(), ids[0].comment.as_str()),
        (blob.clone(), "ecdsa key")
    );
    let Response::SignResponse(sig) = call(
        &s,
        &mut c,
        Request::SignRequest {
            key_blob: blob.clone(),
            data: b"to be signed".to_vec(),
            flags: 0,
        },
    )
    .await
    else {
        panic!("no signature")
    };
    key.public()
        .verify(SignatureAlgorithm::EcdsaP256, b"to be signed", &sig)
        .unwrap();
    let remove = || Request::RemoveIdentity {
        key_blob: blob.clone(),
    };
    assert_eq!(call(&s, &mut c, remove()).await, Response::Success);
    assert_eq!(call(&s, &mut c, remove()).await, Response::Failure);
    let unknown_sign = Request::SignRequest {
        key_blob: blob.clone(),
        data: vec![1],
        flags: 0,
    };
    assert_eq!(call(&s, &mut c, unknown_sign).await, Response::Failure);
    // An unknown message type gets FAILURE and the connection goes on.
    assert_eq!(handle(&s, &mut c, &[200]).await, Response::Failure);
    assert_eq!(
        call(&s, &mut c, Request::RemoveAllIdentities).await,
        Response::Success
    );
}

#[tokio::test]
async fn rsa_signs_with_the_hash_the_flags_ask_for_and_never_sha1() {
    let s = shared(AskpassEnv::default());
    let mut c = Connection::default();
    let key = PrivateKey::generate(KeyType::Rsa, Some(2048)).unwrap();
    call(&s, &mut c, add_request(&key, "rsa", vec![])).await;
    for (flags, expected) in [
        (sign_flags::RSA_SHA2_256, SignatureAlgorithm::RsaSha256),
        (sign_flags::RSA_SHA2_512, SignatureAlgorithm::RsaSha512),
        (0, SignatureAlgorithm::RsaSha512),
    ] {
        let Response::SignResponse(sig) = call(
            &s,
            &mut c,
            Request::SignRequest {
                key_blob: key.public().blob().to_vec(),
                data: b"d".to_vec(),
                flags,
            },
        )
        .await
        else {
            panic!("no signature for flags {flags}")
        };
        key.public().verify(expected, b"d", &sig).unwrap();
    }
}

#[tokio::test]
async fn a_locked_agent_lists_nothing_and_refuses_everything_but_unlock() {
    let s = shared(AskpassEnv::default());
    let mut c = Connection::default();
    let key = PrivateKey::generate(KeyType::Ed25519, None).unwrap();
    call(&s, &mut c, add_request(&key, "k", vec![])).await;
    let lock = |p: &[u8]| Request::Lock {
        passphrase: Zeroizing::new(p.to_vec()),
    };
    let unlock = |p: &[u8]| Request::Unlock {
        passphrase: Zeroizing::new(p.to_vec()),
    };
    assert_eq!(call(&s, &mut c, lock(b"")).await, Response::Failure);
    assert_eq!(call(&s, &mut c, lock(b"secret")).await, Response::Success);
    assert_eq!(
        call(&s, &mut c, Request::RequestIdentities).await,
        Response::IdentitiesAnswer(vec![])
    );
    let sign = Request::SignRequest {
        key_blob: key.public().blob().to_vec(),
        data: vec![1],
        flags: 0,
    };
    assert_eq!(call(&s, &mut c, sign).await, Response::Failure);
    assert_eq!(call(&s, &mut c, lock(b"secret")).await, Response::Failure);
    let started = Instant::now();
    assert_eq!(call(&s, &mut c, unlock(b"wrong")).await, Response::Failure);
    assert!(
        started.elapsed() >= UNLOCK_DELAY_STEP,
        "a wrong passphrase is slowed down"
    );
    assert_eq!(call(&s, &mut c, unlock(b"secret")).await, Response::Success);
    assert_eq!(call(&s, &mut c, unlock(b"secret")).await, Response::Failure);
    let Response::IdentitiesAnswer(ids) = call(&s, &mut c, Request::RequestIdentities).await else {
        panic!()
    };
    assert_eq!(ids.len(), 1, "unlocking gives the keys back");
}

#[tokio::test]
async fn constraints_it_cannot_honour_refuse_the_key() {
    let s = shared(AskpassEnv::default());
    let mut c = Connection::default();
    let key = PrivateKey::generate(KeyType::Ed25519, None).unwrap();
    for constraints in [
        vec![Constraint::MaxSignatures(5)],
        vec![Constraint::Extension {
            name: "restrict-destination-v00@openssh.com".into(),
            data: vec![0, 0, 0, 0],
        }],
        vec![Constraint::Lifetime(5), Constraint::Lifetime(6)],
        vec![Constraint::Confirm, Constraint::Confirm],
    ] {
        assert_eq!(
            call(&s, &mut c, add_request(&key, "k", constraints)).await,
            Response::Failure
        );
    }
    assert_eq!(
        call(&s, &mut c, Request::RequestIdentities).await,
        Response::IdentitiesAnswer(vec![])
    );
}

#[tokio::test]
async fn confirmation_is_asked_and_a_no_refuses() {
    let forced = |program: &str| AskpassEnv {
        askpass: Some(program.into()),
        display: false,
        require: Some("force".into()),
    };
    for (program, allowed) in [("/bin/true", true), ("/bin/false", false)] {
        let s = shared(forced(program));
        let mut c = Connection::default();
        let key = PrivateKey::generate(KeyType::Ed25519, None).unwrap();
        call(
            &s,
            &mut c,
            add_request(&key, "k", vec![Constraint::Confirm]),
        )
        .await;
        let answer = call(
            &s,
            &mut c,
            Request::SignRequest {
                key_blob: key.public().blob().to_vec(),
                data: vec![1],
                flags: 0,
            },
        )
        .await;
        assert_eq!(
            matches!(answer, Response::SignResponse(_)),
            allowed,
            "{program}"
        );
    }
}

#[tokio::test]
async fn session_bind_checks_the_host_signature_and_the_rules() {
    let s = shared(AskpassEnv::default());
    let host = PrivateKey::generate(KeyType::Ed25519, None).unwrap();
    let sid = vec![7u8; 32];
    let bind = |sid: &[u8], sig: Vec<u8>, fwd: bool| {
        Request::Extension(Extension::SessionBind {
            host_key: host.public().blob().to_vec(),
            session_id: sid.to_vec(),
            signature: sig,
            is_forwarding: fwd,
        })
    };
    let good = host.sign(SignatureAlgorithm::Ed25519, &sid).unwrap();
    let other = host.sign(SignatureAlgorithm::Ed25519, b"other").unwrap();

    let mut c = Connection::default();
    assert_eq!(
        call(&s, &mut c, bind(&sid, other, false)).await,
        Response::Failure
    );
    assert_eq!(
        call(&s, &mut c, bind(&sid, good.clone(), false)).await,
        Response::Success
    );
    // Bound for authentication: no further binding on this connection.
    assert_eq!(
        call(&s, &mut c, bind(&sid, good.clone(), false)).await,
        Response::Failure
    );

    // A forwarding connection collects hops, and the same binding twice is fine.
    let mut f = Connection::default();
    assert_eq!(
        call(&s, &mut f, bind(&sid, good.clone(), true)).await,
        Response::Success
    );
    assert_eq!(
        call(&s, &mut f, bind(&sid, good, true)).await,
        Response::Success
    );
    let Response::QueryAnswer(names) = call(&s, &mut f, Request::Extension(Extension::Query)).await
    else {
        panic!("no query answer")
    };
    assert!(names.contains(&"session-bind@openssh.com".to_owned()));
    let other_ext = Request::Extension(Extension::Other {
        name: "x@example.com".into(),
        contents: vec![],
    });
    assert_eq!(call(&s, &mut f, other_ext).await, Response::Failure);
}
