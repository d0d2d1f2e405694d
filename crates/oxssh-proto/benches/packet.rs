//! Sealing and opening one 32 KiB packet (the size OpenSSH uses for channel data) with each cipher, in
//! place, as the transport does. Criterion reports throughput in bytes per second.
//!
//! Run: `cargo bench -p oxssh-proto --bench packet -- --warm-up-time 1 --measurement-time 2`

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use oxssh_proto::cipher::{DirectionKeys, Opener, Sealer};
use oxssh_proto::names::{CipherAlgorithm, MacAlgorithm};
use zeroize::Zeroizing;

const PAYLOAD: usize = 32 * 1024;

const CASES: &[(&str, CipherAlgorithm, Option<MacAlgorithm>)] = &[
    ("chacha20-poly1305", CipherAlgorithm::ChaCha20Poly1305, None),
    ("aes128-gcm", CipherAlgorithm::Aes128Gcm, None),
    ("aes256-gcm", CipherAlgorithm::Aes256Gcm, None),
    (
        "aes128-ctr+hmac-sha2-256-etm",
        CipherAlgorithm::Aes128Ctr,
        Some(MacAlgorithm::HmacSha256Etm),
    ),
    (
        "aes128-ctr+hmac-sha2-256",
        CipherAlgorithm::Aes128Ctr,
        Some(MacAlgorithm::HmacSha256),
    ),
    (
        "aes256-ctr+hmac-sha2-256-etm",
        CipherAlgorithm::Aes256Ctr,
        Some(MacAlgorithm::HmacSha256Etm),
    ),
    (
        "aes256-ctr+hmac-sha2-512-etm",
        CipherAlgorithm::Aes256Ctr,
        Some(MacAlgorithm::HmacSha512Etm),
    ),
];

fn keys(cipher: CipherAlgorithm, mac: Option<MacAlgorithm>) -> DirectionKeys {
    DirectionKeys {
        iv: Zeroizing::new(vec![1; cipher.iv_len()]),
        key: Zeroizing::new(vec![2; cipher.key_len()]),
        mac_key: Zeroizing::new(vec![3; mac.map_or(0, MacAlgorithm::output_len)]),
    }
}

/// A plaintext packet carrying PAYLOAD bytes, padded per RFC 4253 §6, with room for the tag.
fn frame(sealer: &Sealer) -> Vec<u8> {
    let block = sealer.block_size();
    let covered = 1 + PAYLOAD + if sealer.aligns_without_length() { 0 } else { 4 };
    let mut padding = block - covered % block;
    if padding < 4 {
        padding += block;
    }
    let length = u32::try_from(1 + PAYLOAD + padding).unwrap();
    let mut packet = length.to_be_bytes().to_vec();
    packet.push(u8::try_from(padding).unwrap());
    packet.resize(4 + 1 + PAYLOAD + padding + sealer.tag_len(), 0x61);
    packet
}

fn packet(c: &mut Criterion) {
    let mut group = c.benchmark_group("packet-32KiB");
    group.throughput(Throughput::Bytes(PAYLOAD as u64));
    for &(name, cipher, mac) in CASES {
        let k = keys(cipher, mac);

        let mut sealer = Sealer::new(cipher, mac, &k).unwrap();
        let mut buf = frame(&sealer);
        let mut seq = 0u32;
        // Sealing re-encrypts the same buffer each time: the content does not change the cost.
        group.bench_function(format!("seal/{name}"), |b| {
            b.iter(|| {
                sealer.seal(seq, black_box(&mut buf));
                seq = seq.wrapping_add(1);
            })
        });

        // Opening needs packets sealed in step with the opener's counters, so a paired sealer makes them
        // outside the timed section, in order.
        let mut sealer = Sealer::new(cipher, mac, &k).unwrap();
        let mut opener = Opener::new(cipher, mac, &k).unwrap();
        let template = frame(&sealer);
        let (mut seal_seq, mut open_seq) = (0u32, 0u32);
        group.bench_function(format!("open/{name}"), |b| {
            b.iter_batched(
                || {
                    let mut p = template.clone();
                    sealer.seal(seal_seq, &mut p);
                    seal_seq = seal_seq.wrapping_add(1);
                    p
                },
                |mut p| {
                    let header = opener.header_len();
                    let length = opener.packet_length(open_seq, &mut p[..header]);
                    assert_eq!(length as usize + 4 + opener.tag_len(), p.len());
                    opener.open(open_seq, &mut p).unwrap();
                    open_seq = open_seq.wrapping_add(1);
                    p
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

/// The same work done directly with aws-lc-rs, so the overhead of our framing can be told apart from the
/// machine's speed.
fn reference(c: &mut Criterion) {
    use aws_lc_rs::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
    let mut group = c.benchmark_group("packet-32KiB");
    group.throughput(Throughput::Bytes(PAYLOAD as u64));
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &[2; 16]).unwrap());
    let mut buf = vec![0x61u8; PAYLOAD + 12];
    let mut counter = 0u64;
    group.bench_function("reference/aws-lc-rs-aes128-gcm-seal", |b| {
        b.iter(|| {
            let mut nonce = [0u8; 12];
            nonce[4..].copy_from_slice(&counter.to_be_bytes());
            counter += 1;
            // Returned, so criterion keeps the tag alive and the call is not optimised away.
            key.seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from([0u8; 4]),
                black_box(&mut buf),
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, packet, reference);
criterion_main!(benches);
