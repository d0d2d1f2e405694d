//! Every `fuzzing` entry point on mutated seeds and random inputs, a bounded number of cases each.
//! Nothing may panic; inputs that claim huge lengths must be refused before anything is allocated
//! (an attempt would abort the process or blow the time budget).

use oxssh_keys::agent::{Constraint, Extension, Request, Response};
use oxssh_keys::fuzzing;
use oxssh_keys::{KeyType, PrivateKey, SignatureAlgorithm};
use oxssh_wire::Writer;
use proptest::prelude::*;
use zeroize::Zeroizing;

/// One edit applied to a seed.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    /// Overwrite four bytes with a big-endian length: huge, zero or just past the end.
    Length(usize, u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, x)| Mutation::Flip(at, x)),
        any::<usize>().prop_map(Mutation::Truncate),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 0..16)
        )
            .prop_map(|(at, b)| Mutation::Insert(at, b)),
        (
            any::<usize>(),
            prop_oneof![
                Just(u32::MAX),
                Just(0x8000_0000),
                Just(0),
                Just(1),
                any::<u32>()
            ]
        )
            .prop_map(|(at, len)| Mutation::Length(at, len)),
    ]
}

fn apply(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for m in mutations {
        let len = data.len().max(1);
        match m {
            Mutation::Flip(at, x) => {
                if let Some(b) = data.get_mut(at % len) {
                    *b ^= x | 1;
                }
            }
            Mutation::Truncate(at) => data.truncate(at % len),
            Mutation::Insert(at, bytes) => {
                let at = at % (data.len() + 1);
                data.splice(at..at, bytes.iter().copied());
            }
            Mutation::Length(at, value) => {
                let at = at % len;
                if let Some(slot) = data.get_mut(at..at + 4) {
                    slot.copy_from_slice(&value.to_be_bytes());
                }
            }
        }
    }
    data
}

/// Valid inputs of every kind, so mutations reach deep into the parsers.
fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    let mut keys = Vec::new();
    for key_type in [
        KeyType::Ed25519,
        KeyType::EcdsaP256,
        KeyType::EcdsaP521,
        KeyType::Rsa,
    ] {
        let mut key =
            PrivateKey::generate(key_type, (key_type == KeyType::Rsa).then_some(2048)).unwrap();
        key.set_comment("seed");
        let alg = key_type.signature_algorithms()[0];
        seeds.push(key.public().blob().to_vec());
        seeds.push(key.sign(alg, b"data").unwrap());
        seeds.push(key.public().to_openssh_line("seed").into_bytes());
        seeds.push(key.encode_openssh(None, 1).unwrap().as_bytes().to_vec());
        seeds.push(key.encode_pkcs8().unwrap().as_bytes().to_vec());
        if let Ok(pem) = key.encode_pem() {
            seeds.push(pem.as_bytes().to_vec());
        }
        let line = key.public().to_openssh_line("");
        seeds.push(format!("host.example,10.0.0.1 {line}\n@revoked * {line}\n|1|AAAAAAAAAAAAAAAAAAAAAAAAAAA=|x {line}\n").into_bytes());
        seeds.push(
            format!("restrict,command=\"a \\\"b\\\"\",from=\"10.0.0.0/8,!*.x\",expiry-time=\"20300101Z\" {line} c\n")
                .into_bytes(),
        );
        keys.push(key);
    }
    let key = keys.pop().unwrap();
    let blob = key.public().blob().to_vec();
    let requests = [
        Request::RequestIdentities,
        Request::SignRequest {
            key_blob: blob.clone(),
            data: vec![1; 32],
            flags: 4,
        },
        Request::AddIdentity {
            key: Box::new(key),
            constraints: vec![
                Constraint::Lifetime(5),
                Constraint::Confirm,
                Constraint::Extension {
                    name: "restrict-destination-v00@openssh.com".into(),
                    data: vec![0, 0, 0, 0],
                },
            ],
        },
        Request::Lock {
            passphrase: Zeroizing::new(b"x".to_vec()),
        },
        Request::Extension(Extension::SessionBind {
            host_key: blob.clone(),
            session_id: vec![2; 32],
            signature: vec![3; 8],
            is_forwarding: false,
        }),
    ];
    for r in &requests {
        seeds.push(r.encode().unwrap().to_vec());
    }
    seeds.push(
        Response::IdentitiesAnswer(vec![oxssh_keys::agent::Identity {
            key_blob: blob,
            comment: "c".into(),
        }])
        .encode(),
    );
    let mut encrypted_pkcs8_like = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n".to_vec();
    encrypted_pkcs8_like
        .extend_from_slice(b"MIIBHDBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQITESVe7rP5XwCAggA\n");
    encrypted_pkcs8_like.extend_from_slice(b"-----END ENCRYPTED PRIVATE KEY-----\n");
    seeds.push(encrypted_pkcs8_like);
    let mut signature = Vec::new();
    signature.write_string(SignatureAlgorithm::EcdsaP256.name().as_bytes());
    signature.write_string(&[0, 0, 0, 33, 0x80]);
    seeds.push(signature);
    seeds
}

type EntryPoint = fn(&[u8]);

const ENTRY_POINTS: [(&str, EntryPoint); 9] = [
    ("public_key_blob", fuzzing::public_key_blob),
    ("signature_blob", fuzzing::signature_blob),
    ("public_key_line", fuzzing::public_key_line),
    ("private_key_file", fuzzing::private_key_file),
    ("known_hosts", fuzzing::known_hosts),
    ("authorized_keys", fuzzing::authorized_keys),
    ("agent_message", fuzzing::agent_message),
    ("patterns", fuzzing::patterns),
    ("patterns_on_seed", fuzzing::patterns),
];

#[test]
fn seeds_themselves_pass_every_entry_point() {
    for seed in seeds() {
        for (_, entry) in ENTRY_POINTS {
            entry(&seed);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_seeds_never_panic(
        pick in any::<prop::sample::Index>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        thread_local!(static SEEDS: Vec<Vec<u8>> = seeds());
        SEEDS.with(|seeds| {
            let seed: &Vec<u8> = pick.get(seeds);
            let data = apply(seed, &mutations);
            for (_, entry) in ENTRY_POINTS {
                entry(&data);
            }
        });
    }

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        for (_, entry) in ENTRY_POINTS {
            entry(&data);
        }
    }

    #[test]
    fn random_text_never_panics(text in "[ -~\t\n|@!*?,\"\\\\]{0,300}") {
        for (_, entry) in ENTRY_POINTS {
            entry(text.as_bytes());
        }
    }
}
