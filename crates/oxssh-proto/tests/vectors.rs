//! Published test vectors replayed through the public packet-protection API ([`Opener`], [`Sealer`]) and
//! the key-exchange round trip. The module-level unit tests cover the primitives underneath (RFC 7748,
//! RFC 4231, RFC 2202, the GCM specification, RFC 3526); these check that the public API frames packets
//! exactly as the specifications say.

use oxssh_proto::cipher::{DirectionKeys, Opener, Sealer};
use oxssh_proto::error::CryptoError;
use oxssh_proto::names::{CipherAlgorithm, KexAlgorithm, MacAlgorithm};
use zeroize::Zeroizing;

fn keys(iv: &[u8], key: &[u8], mac_key: &[u8]) -> DirectionKeys {
    DirectionKeys {
        iv: Zeroizing::new(iv.to_vec()),
        key: Zeroizing::new(key.to_vec()),
        mac_key: Zeroizing::new(mac_key.to_vec()),
    }
}

struct ChaChaVector {
    key: Vec<u8>,
    seq: u32,
    plain: Vec<u8>,
    sealed: Vec<u8>,
}

fn chacha_vectors() -> Vec<ChaChaVector> {
    let text = include_str!("data/chacha20_poly1305_openssh.txt");
    let mut vectors = Vec::new();
    for block in text.split("\n\n").filter(|b| b.starts_with("KEY")) {
        let field = |name: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(" = ")))
                .unwrap_or_else(|| panic!("{name} missing"))
        };
        let sealed = [
            hex::decode(field("CT")).unwrap(),
            hex::decode(field("TAG")).unwrap(),
        ]
        .concat();
        vectors.push(ChaChaVector {
            key: hex::decode(field("KEY")).unwrap(),
            seq: field("SEQUENCE_NUMBER").parse().unwrap(),
            plain: hex::decode(field("IN")).unwrap(),
            sealed,
        });
    }
    assert_eq!(vectors.len(), 7);
    vectors
}

#[test]
fn chacha20_poly1305_openssh_vectors_through_the_packet_api() {
    for v in chacha_vectors() {
        let keys = keys(&[], &v.key, &[]);
        let mut sealer = Sealer::new(CipherAlgorithm::ChaCha20Poly1305, None, &keys).unwrap();
        let mut packet = v.plain.clone();
        packet.resize(v.plain.len() + sealer.tag_len(), 0);
        sealer.seal(v.seq, &mut packet);
        assert_eq!(
            hex::encode(&packet),
            hex::encode(&v.sealed),
            "seq {}",
            v.seq
        );

        let mut opener = Opener::new(CipherAlgorithm::ChaCha20Poly1305, None, &keys).unwrap();
        let length = opener.packet_length(v.seq, &mut packet[..4]);
        assert_eq!(length as usize, v.plain.len() - 4);
        assert_eq!(
            &packet[..],
            &v.sealed[..],
            "packet_length leaves the buffer alone"
        );
        opener.open(v.seq, &mut packet).unwrap();
        assert_eq!(&packet[..v.plain.len()], &v.plain[..]);
    }
}

#[test]
fn chacha20_poly1305_openssh_vectors_reject_every_flipped_tag_bit() {
    for v in chacha_vectors() {
        let keys = keys(&[], &v.key, &[]);
        for bit in 0..128 {
            let mut packet = v.sealed.clone();
            let at = packet.len() - 16 + bit / 8;
            packet[at] ^= 1 << (bit % 8);
            let mut opener = Opener::new(CipherAlgorithm::ChaCha20Poly1305, None, &keys).unwrap();
            assert_eq!(
                opener.open(v.seq, &mut packet),
                Err(CryptoError::MacMismatch)
            );
        }
    }
}

// NIST SP 800-38A, Appendix F.5 (CTR-AES*.Encrypt): four blocks from counter f0f1...feff.
const SP800_38A_COUNTER: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
const SP800_38A_PLAIN: &str = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
const SP800_38A: [(CipherAlgorithm, &str, &str); 3] = [
    (
        CipherAlgorithm::Aes128Ctr,
        "2b7e151628aed2a6abf7158809cf4f3c",
        "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee",
    ),
    (
        CipherAlgorithm::Aes192Ctr,
        "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
        "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e941e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050",
    ),
    (
        CipherAlgorithm::Aes256Ctr,
        "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6",
    ),
];

#[test]
fn encrypt_and_mac_encrypts_the_whole_packet_from_the_iv_per_rfc4344() {
    // With encrypt-and-MAC the whole packet, length included, is the CTR plaintext starting at the IV, so
    // a 64-byte "packet" equal to the SP 800-38A plaintext must encrypt to its ciphertext.
    for (cipher, key, expected) in SP800_38A {
        let mac_key = [7u8; 32];
        let keys = keys(
            &hex::decode(SP800_38A_COUNTER).unwrap(),
            &hex::decode(key).unwrap(),
            &mac_key,
        );
        let mut sealer = Sealer::new(cipher, Some(MacAlgorithm::HmacSha256), &keys).unwrap();
        let mut packet = hex::decode(SP800_38A_PLAIN).unwrap();
        packet.resize(64 + 32, 0);
        sealer.seal(0, &mut packet);
        assert_eq!(hex::encode(&packet[..64]), expected, "{cipher:?}");
    }
}

#[test]
fn encrypt_then_mac_leaves_the_length_clear_and_encrypts_the_rest_from_the_iv() {
    for (cipher, key, expected) in SP800_38A {
        let keys = keys(
            &hex::decode(SP800_38A_COUNTER).unwrap(),
            &hex::decode(key).unwrap(),
            &[7u8; 64],
        );
        let mut sealer = Sealer::new(cipher, Some(MacAlgorithm::HmacSha512Etm), &keys).unwrap();
        let mut packet = vec![0, 0, 0, 64];
        packet.extend(hex::decode(SP800_38A_PLAIN).unwrap());
        packet.resize(4 + 64 + 64, 0);
        sealer.seal(0, &mut packet);
        assert_eq!(&packet[..4], &[0, 0, 0, 64]);
        assert_eq!(hex::encode(&packet[4..68]), expected, "{cipher:?}");

        let mut opener = Opener::new(cipher, Some(MacAlgorithm::HmacSha512Etm), &keys).unwrap();
        assert_eq!(opener.packet_length(0, &mut packet[..4]), 64);
        opener.open(0, &mut packet).unwrap();
        assert_eq!(hex::encode(&packet[4..68]), SP800_38A_PLAIN);
    }
}

#[test]
fn gcm_packets_authenticate_the_clear_length_as_aad() {
    // Changing only the (clear) length must break the tag: RFC 5647 §7.3 makes it the AAD.
    let keys = keys(
        &hex::decode("cafebabefacedbaddecaf888").unwrap(),
        &[0x11; 32],
        &[],
    );
    let mut sealer = Sealer::new(CipherAlgorithm::Aes256Gcm, None, &keys).unwrap();
    let mut packet = vec![
        0, 0, 0, 16, 4, b'h', b'e', b'l', b'l', b'o', b'!', b'!', b'!', b'!', b'!', 0, 0, 0, 0, 0,
    ];
    packet.resize(20 + 16, 0);
    sealer.seal(3, &mut packet);
    let mut opener = Opener::new(CipherAlgorithm::Aes256Gcm, None, &keys).unwrap();
    let mut altered = packet.clone();
    altered[3] = 32;
    assert_eq!(opener.open(3, &mut altered), Err(CryptoError::MacMismatch));
    let mut opener = Opener::new(CipherAlgorithm::Aes256Gcm, None, &keys).unwrap();
    opener.open(3, &mut packet).unwrap();
    assert_eq!(&packet[5..15], b"hello!!!!!");
}

#[test]
fn every_key_exchange_method_agrees_through_the_benchmark_entry_point() {
    for alg in [
        KexAlgorithm::MlKem768X25519Sha256,
        KexAlgorithm::Sntrup761X25519Sha512,
        KexAlgorithm::Curve25519Sha256,
        KexAlgorithm::EcdhNistp256,
        KexAlgorithm::EcdhNistp384,
        KexAlgorithm::EcdhNistp521,
        KexAlgorithm::DhGroup14Sha256,
        KexAlgorithm::DhGroup16Sha512,
        KexAlgorithm::DhGroup18Sha512,
    ] {
        assert!(oxssh_proto::bench::kex_roundtrip(alg), "{alg:?}");
    }
}
