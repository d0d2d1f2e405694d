//! Every `oxssh_proto::fuzzing` entry point on stable Rust: seeds (valid inputs of each kind),
//! mutations of them, and random bytes — a bounded number of cases each, a few thousand in all.
//! The entry points panic on any broken property (a panic, a parse that does not round-trip, input
//! that behaves differently when split, two correct cores accusing each other), so each case only
//! has to run. The same entry points run unbounded under cargo-fuzz in fuzz/.

use oxssh_proto::fuzzing::{self, join_payloads};
use oxssh_proto::msg::connection::{
    ChannelKind, ChannelOpen, ChannelOpenConfirmation, ChannelOpenFailure, ChannelRequest,
    ChannelRequestMsg, GlobalRequest,
};
use oxssh_proto::msg::kex::{KexEcdhInit, KexEcdhReply};
use oxssh_proto::msg::number;
use oxssh_proto::msg::transport::{Disconnect, ExtInfo, Proposal, Service};
use oxssh_proto::msg::userauth::{
    InfoRequest, InfoResponse, MethodRequest, Prompt, UserauthBanner, UserauthFailure,
    UserauthPkOk, UserauthRequest,
};
use oxssh_proto::names::defaults;
use oxssh_wire::Writer;
use proptest::prelude::*;

/// One edit applied to a seed.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    /// Overwrite four bytes with a big-endian length: huge, zero or small.
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
                Just(0x0004_0000),
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

/// A seed picked by index plus a few mutations of it.
fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let n = seeds.len();
    (0..n, proptest::collection::vec(mutation(), 0..4)).prop_map(move |(i, m)| apply(&seeds[i], &m))
}

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn kexinit(client: bool) -> Vec<u8> {
    let mut kex = owned(if client {
        defaults::CLIENT_KEX
    } else {
        defaults::SERVER_KEX
    });
    kex.push(
        if client {
            "kex-strict-c-v00@openssh.com"
        } else {
            "kex-strict-s-v00@openssh.com"
        }
        .into(),
    );
    let proposal = Proposal {
        kex,
        host_key: owned(defaults::CLIENT_HOST_KEY),
        ciphers: owned(defaults::CIPHERS),
        macs: owned(defaults::CLIENT_MACS),
        compression: vec!["none".into()],
    };
    let mut out = Vec::new();
    proposal.write(&mut out, &[7; 16]);
    out
}

/// Message bodies (after the number) of every kind the parsers know.
fn message_bodies() -> Vec<Vec<u8>> {
    let mut all: Vec<Vec<u8>> = Vec::new();
    let mut push = |write: &dyn Fn(&mut Vec<u8>)| {
        let mut out = Vec::new();
        write(&mut out);
        all.push(out[1..].to_vec());
    };
    push(&|o| {
        Disconnect {
            reason: 2,
            description: "bye",
        }
        .write(o)
    });
    push(&|o| {
        Service {
            name: "ssh-userauth",
        }
        .write(o, number::SERVICE_REQUEST)
    });
    push(&|o| {
        ExtInfo {
            extensions: vec![("server-sig-algs", b"ssh-ed25519".as_slice())],
        }
        .write(o)
    });
    push(&|o| o.extend_from_slice(&kexinit(true)));
    push(&|o| {
        KexEcdhInit {
            client_value: &[9; 32],
        }
        .write(o, false)
    });
    push(&|o| {
        KexEcdhInit {
            client_value: &[0x80, 1, 2],
        }
        .write(o, true)
    });
    push(&|o| {
        KexEcdhReply {
            host_key:
                b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            server_value: &[5; 32],
            signature: b"sig",
        }
        .write(o, false)
    });
    for method in [
        MethodRequest::None,
        MethodRequest::Password {
            password: b"pw",
            new_password: Some(b"new"),
        },
        MethodRequest::PublicKey {
            algorithm: "ssh-ed25519",
            key: b"key",
            signature: Some(b"sig"),
        },
        MethodRequest::KeyboardInteractive { submethods: "" },
    ] {
        push(&|o| {
            UserauthRequest {
                user: "u",
                service: "ssh-connection",
                method: method.clone(),
            }
            .write(o)
        });
    }
    push(&|o| UserauthFailure::write(o, &["publickey", "password"], false));
    push(&|o| UserauthBanner { message: "hi" }.write(o));
    push(&|o| {
        UserauthPkOk {
            algorithm: "ssh-ed25519",
            key: b"k",
        }
        .write(o)
    });
    push(&|o| {
        InfoRequest {
            name: "n",
            instruction: "i",
            prompts: vec![Prompt {
                text: "Password: ",
                echo: false,
            }],
        }
        .write(o)
    });
    push(&|o| InfoResponse::write(o, &[b"secret"]));
    for kind in [
        ChannelKind::Session,
        ChannelKind::DirectTcpip {
            host: "h".into(),
            port: 22,
            originator: "o".into(),
            originator_port: 1,
        },
    ] {
        push(&|o| {
            ChannelOpen {
                kind: kind.clone(),
                sender_channel: 0,
                initial_window: 2 << 20,
                max_packet: 32768,
            }
            .write(o)
        });
    }
    push(&|o| {
        ChannelOpenConfirmation {
            recipient_channel: 0,
            sender_channel: 1,
            initial_window: 100,
            max_packet: 1024,
        }
        .write(o)
    });
    push(&|o| {
        ChannelOpenFailure {
            recipient_channel: 0,
            reason: 1,
            description: "no",
        }
        .write(o)
    });
    for request in [
        ChannelRequest::PtyReq {
            term: "xterm".into(),
            cols: 80,
            rows: 24,
            width_px: 0,
            height_px: 0,
            modes: vec![0],
        },
        ChannelRequest::Exec {
            command: b"ls".to_vec(),
        },
        ChannelRequest::ExitSignal {
            name: "KILL".into(),
            core_dumped: false,
            message: String::new(),
        },
        ChannelRequest::WindowChange {
            cols: 1,
            rows: 2,
            width_px: 3,
            height_px: 4,
        },
    ] {
        push(&|o| {
            ChannelRequestMsg {
                recipient_channel: 0,
                want_reply: true,
                request: request.clone(),
            }
            .write(o)
        });
    }
    push(&|o| {
        let mut data = Vec::new();
        data.write_string(b"localhost");
        data.write_u32(8080);
        GlobalRequest {
            name: "tcpip-forward",
            want_reply: true,
            data: &data,
        }
        .write(o)
    });
    all
}

fn version_seeds() -> Vec<Vec<u8>> {
    [
        &b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"[..],
        b"SSH-2.0-dropbear\n\x00\x00\x00\x0c",
        b"banner line\r\nanother\r\nSSH-1.99-old\r\n",
        b"SSH-1.5-ancient\r\n",
        b"SSH-2.0-\r\n",
        b"SSH-2.0-a\x00b\r\n",
    ]
    .iter()
    .map(|s| s.to_vec())
    .collect()
}

fn packet_seeds() -> Vec<Vec<u8>> {
    let mut joined = Vec::new();
    for body in message_bodies().iter().take(6) {
        let mut payload = vec![number::IGNORE];
        payload.extend_from_slice(body);
        joined.extend(fuzzing::frame_plaintext(&payload));
    }
    vec![
        joined,
        vec![0, 4, 0, 4, 4],
        fuzzing::frame_plaintext(&[number::KEXINIT]),
        vec![0, 0, 0, 12, 3, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0],
    ]
}

fn server_handshake_seeds() -> Vec<Vec<u8>> {
    let kexinit = kexinit(true);
    let mut init = Vec::new();
    KexEcdhInit {
        client_value: &[9; 32],
    }
    .write(&mut init, false);
    vec![
        join_payloads(&[&kexinit, &init]),
        join_payloads(&[&kexinit, &[number::NEWKEYS]]),
        join_payloads(&[&[number::IGNORE, 0, 0, 0, 0], &kexinit]),
        join_payloads(&[&kexinit, &[number::USERAUTH_SUCCESS]]),
        join_payloads(&[&[number::SERVICE_REQUEST, 0, 0, 0, 12], &kexinit]),
    ]
}

fn client_handshake_seeds() -> Vec<Vec<u8>> {
    let kexinit = kexinit(false);
    let mut reply = Vec::new();
    KexEcdhReply {
        host_key: b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        server_value: &[5; 32],
        signature: b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x40xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    }
    .write(&mut reply, false);
    vec![
        join_payloads(&[&kexinit, &reply]),
        join_payloads(&[&kexinit, &reply, &[number::NEWKEYS]]),
        join_payloads(&[&kexinit, &[number::KEXINIT]]),
    ]
}

fn connection_seeds() -> Vec<Vec<u8>> {
    let mut open = Vec::new();
    ChannelOpen {
        kind: ChannelKind::Session,
        sender_channel: 0,
        initial_window: 1 << 20,
        max_packet: 32768,
    }
    .write(&mut open);
    let mut data = vec![number::CHANNEL_DATA];
    data.write_u32(0);
    data.write_string(&[1; 100]);
    let mut request = Vec::new();
    ChannelRequestMsg {
        recipient_channel: 0,
        want_reply: true,
        request: ChannelRequest::Shell,
    }
    .write(&mut request);
    let close = [number::CHANNEL_CLOSE, 0, 0, 0, 0];
    vec![
        join_payloads(&[&open, &data, &request, &close, &close]),
        join_payloads(&[
            &open,
            &[
                number::CHANNEL_WINDOW_ADJUST,
                0,
                0,
                0,
                0,
                0xff,
                0xff,
                0xff,
                0xff,
            ],
        ]),
    ]
}

fn channel_op_seeds() -> Vec<Vec<u8>> {
    // client open session; step; server accept; step; data both ways; eof; close; step.
    vec![
        vec![
            0x80, 0, 0, 0x92, 0, 0, 0x84, 0, 200, 0x94, 0, 50, 0x86, 0, 0, 0x87, 0, 0, 0x80,
        ],
        vec![0x88, 0, 1, 0x9a, 0, 1, 0x8e, 0, 0, 0x8c, 0, 1, 0x9d, 0, 1],
    ]
}

fn random_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn version_line_on_seeds_and_noise(data in prop_oneof![mutated(version_seeds()), random_bytes(300)]) {
        fuzzing::version_line(&data);
    }

    #[test]
    fn packet_reader_on_seeds_and_noise(data in prop_oneof![mutated(packet_seeds()), random_bytes(600)]) {
        fuzzing::packet_reader(&data);
    }

    #[test]
    fn message_parsers_on_seeds_and_noise(data in prop_oneof![mutated(message_bodies()), random_bytes(200)]) {
        fuzzing::messages(&data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 250, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn server_handshake_on_hostile_packets(data in prop_oneof![mutated(server_handshake_seeds()), random_bytes(400)]) {
        fuzzing::server_handshake(&data);
        fuzzing::server_bytes(&data);
    }

    #[test]
    fn client_handshake_on_hostile_packets(data in prop_oneof![mutated(client_handshake_seeds()), random_bytes(400)]) {
        fuzzing::client_handshake(&data);
        fuzzing::client_bytes(&data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 80, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn channel_operations_never_make_a_correct_peer_fail(data in prop_oneof![mutated(channel_op_seeds()), random_bytes(300)]) {
        fuzzing::channel_ops(&data);
    }

    #[test]
    fn hostile_connection_messages_after_authentication(data in prop_oneof![mutated(connection_seeds()), random_bytes(300)]) {
        fuzzing::connection_messages(&data);
    }
}

#[test]
fn every_seed_runs_unmutated() {
    for s in version_seeds() {
        fuzzing::version_line(&s);
    }
    for s in packet_seeds() {
        fuzzing::packet_reader(&s);
    }
    for s in message_bodies() {
        fuzzing::messages(&s);
    }
    for s in server_handshake_seeds() {
        fuzzing::server_handshake(&s);
    }
    for s in client_handshake_seeds() {
        fuzzing::client_handshake(&s);
    }
    for s in channel_op_seeds() {
        fuzzing::channel_ops(&s);
    }
    for s in connection_seeds() {
        fuzzing::connection_messages(&s);
    }
}
