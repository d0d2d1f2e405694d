//! Round trips through [`Sealer`] and [`Opener`] for every cipher × MAC pairing, driven the way the
//! transport drives them (length first, then the whole packet), plus tampering.

use zeroize::Zeroizing;

use super::{DirectionKeys, Opener, Sealer};
use crate::error::CryptoError;
use crate::names::{CipherAlgorithm, MacAlgorithm};

const MACS: [MacAlgorithm; 6] = [
    MacAlgorithm::HmacSha256,
    MacAlgorithm::HmacSha512,
    MacAlgorithm::HmacSha256Etm,
    MacAlgorithm::HmacSha512Etm,
    MacAlgorithm::HmacSha1,
    MacAlgorithm::HmacSha1Etm,
];

/// Every pairing the packet layer can be asked for.
fn combinations() -> Vec<(CipherAlgorithm, Option<MacAlgorithm>)> {
    let mut all = vec![
        (CipherAlgorithm::None, None),
        (CipherAlgorithm::ChaCha20Poly1305, None),
        (CipherAlgorithm::Aes128Gcm, None),
        (CipherAlgorithm::Aes256Gcm, None),
    ];
    for cipher in [
        CipherAlgorithm::Aes128Ctr,
        CipherAlgorithm::Aes192Ctr,
        CipherAlgorithm::Aes256Ctr,
    ] {
        all.extend(MACS.iter().map(|m| (cipher, Some(*m))));
    }
    all
}

fn filler(len: usize, seed: u8) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect(),
    )
}

fn keys(cipher: CipherAlgorithm, mac: Option<MacAlgorithm>) -> DirectionKeys {
    DirectionKeys {
        iv: filler(cipher.iv_len(), 1),
        key: filler(cipher.key_len(), 2),
        mac_key: filler(mac.map_or(0, MacAlgorithm::output_len), 3),
    }
}

fn pair(cipher: CipherAlgorithm, mac: Option<MacAlgorithm>) -> (Sealer, Opener) {
    let k = keys(cipher, mac);
    (
        Sealer::new(cipher, mac, &k).unwrap(),
        Opener::new(cipher, mac, &k).unwrap(),
    )
}

/// Frames `payload` as RFC 4253 §6 says for this sealer (at least 4 bytes of padding, aligned to the
/// block size with or without the length field), leaving room for the tag.
fn frame(sealer: &Sealer, payload: &[u8]) -> Vec<u8> {
    let block = sealer.block_size();
    let covered = 1 + payload.len() + if sealer.aligns_without_length() { 0 } else { 4 };
    let mut padding = block - covered % block;
    if padding < 4 {
        padding += block;
    }
    let packet_length = 1 + payload.len() + padding;
    let mut packet = (packet_length as u32).to_be_bytes().to_vec();
    packet.push(padding as u8);
    packet.extend_from_slice(payload);
    packet.extend(std::iter::repeat_n(0xa5, padding));
    packet.extend(std::iter::repeat_n(0, sealer.tag_len()));
    packet
}

fn seal(sealer: &mut Sealer, seq: u32, payload: &[u8]) -> Vec<u8> {
    let mut packet = frame(sealer, payload);
    sealer.seal(seq, &mut packet);
    packet
}

/// Reads a packet the way the transport does: length from the header, then open the whole thing.
fn receive(opener: &mut Opener, seq: u32, wire: &mut [u8]) -> Result<Vec<u8>, CryptoError> {
    let header = opener.header_len();
    let length = opener.packet_length(seq, &mut wire[..header]) as usize;
    assert_eq!(
        wire.len(),
        4 + length + opener.tag_len(),
        "declared length matches the frame"
    );
    opener.open(seq, wire)?;
    let padding = wire[4] as usize;
    Ok(wire[5..4 + length - padding].to_vec())
}

#[test]
fn every_combination_round_trips_a_sequence_of_packets() {
    for (cipher, mac) in combinations() {
        let (mut sealer, mut opener) = pair(cipher, mac);
        assert_eq!(sealer.block_size(), opener.block_size());
        assert_eq!(sealer.tag_len(), opener.tag_len());
        assert_eq!(
            sealer.aligns_without_length(),
            opener.aligns_without_length()
        );
        // Sequence numbers run across the u32 wrap, which only the chacha nonce notices.
        for (i, seq) in (u32::MAX - 3..=u32::MAX).chain(0..4).enumerate() {
            let payload: Vec<u8> = (0..i * 97 + 1).map(|b| b as u8).collect();
            let mut wire = seal(&mut sealer, seq, &payload);
            if cipher != CipherAlgorithm::None && payload.len() >= 8 {
                assert_ne!(
                    &wire[5..5 + payload.len()],
                    payload.as_slice(),
                    "{cipher:?}/{mac:?} encrypts"
                );
            }
            let got = receive(&mut opener, seq, &mut wire)
                .unwrap_or_else(|e| panic!("{cipher:?}/{mac:?} #{i}: {e}"));
            assert_eq!(got, payload, "{cipher:?}/{mac:?} #{i}");
        }
    }
}

#[test]
fn a_large_packet_round_trips() {
    for (cipher, mac) in combinations() {
        let (mut sealer, mut opener) = pair(cipher, mac);
        let payload = vec![0x42; 32 * 1024];
        let mut wire = seal(&mut sealer, 3, &payload);
        assert_eq!(
            receive(&mut opener, 3, &mut wire).unwrap(),
            payload,
            "{cipher:?}/{mac:?}"
        );
    }
}

#[test]
fn one_flipped_bit_anywhere_is_a_mac_mismatch() {
    for (cipher, mac) in combinations()
        .into_iter()
        .filter(|(c, _)| *c != CipherAlgorithm::None)
    {
        let (mut sealer, _) = pair(cipher, mac);
        // An earlier packet moves the GCM and CTR counters on, so the tampered one is not the first.
        let earlier = seal(&mut sealer, 6, b"earlier packet");
        let wire = seal(&mut sealer, 7, b"\x5ehello");
        for bit in 0..wire.len() * 8 {
            let (_, mut opener) = pair(cipher, mac);
            receive(&mut opener, 6, &mut earlier.clone()).unwrap();
            let mut tampered = wire.clone();
            tampered[bit / 8] ^= 1 << (bit % 8);
            let header = opener.header_len();
            let _ = opener.packet_length(7, &mut tampered[..header]);
            assert_eq!(
                opener.open(7, &mut tampered),
                Err(CryptoError::MacMismatch),
                "{cipher:?}/{mac:?} bit {bit}"
            );
        }
    }
}

#[test]
fn a_dropped_or_replayed_packet_is_detected() {
    for (cipher, mac) in combinations()
        .into_iter()
        .filter(|(c, _)| *c != CipherAlgorithm::None)
    {
        let (mut sealer, _) = pair(cipher, mac);
        let first = seal(&mut sealer, 0, b"first");
        let second = seal(&mut sealer, 1, b"second");

        // The first packet was dropped: the receiver still expects sequence number 0.
        let (_, mut opener) = pair(cipher, mac);
        let header = opener.header_len();
        let mut dropped = second.clone();
        let _ = opener.packet_length(0, &mut dropped[..header]);
        assert_eq!(
            opener.open(0, &mut dropped),
            Err(CryptoError::MacMismatch),
            "{cipher:?}/{mac:?} dropped"
        );

        // The first packet is replayed in place of the second.
        let (_, mut opener) = pair(cipher, mac);
        receive(&mut opener, 0, &mut first.clone()).unwrap();
        let mut replayed = first.clone();
        let _ = opener.packet_length(1, &mut replayed[..header]);
        assert_eq!(
            opener.open(1, &mut replayed),
            Err(CryptoError::MacMismatch),
            "{cipher:?}/{mac:?} replayed"
        );
    }
}

#[test]
fn header_lengths_and_alignment_follow_rfc4253_section_6() {
    let (s, o) = pair(CipherAlgorithm::Aes128Ctr, Some(MacAlgorithm::HmacSha256));
    assert_eq!(
        (
            o.header_len(),
            o.block_size(),
            o.tag_len(),
            o.aligns_without_length()
        ),
        (16, 16, 32, false)
    );
    assert!(!s.aligns_without_length());
    let (_, o) = pair(
        CipherAlgorithm::Aes256Ctr,
        Some(MacAlgorithm::HmacSha512Etm),
    );
    assert_eq!(
        (
            o.header_len(),
            o.block_size(),
            o.tag_len(),
            o.aligns_without_length()
        ),
        (4, 16, 64, true)
    );
    let (_, o) = pair(CipherAlgorithm::ChaCha20Poly1305, None);
    assert_eq!(
        (
            o.header_len(),
            o.block_size(),
            o.tag_len(),
            o.aligns_without_length()
        ),
        (4, 8, 16, true)
    );
    let (_, o) = pair(CipherAlgorithm::Aes256Gcm, None);
    assert_eq!(
        (
            o.header_len(),
            o.block_size(),
            o.tag_len(),
            o.aligns_without_length()
        ),
        (4, 16, 16, true)
    );
    let o = Opener::none();
    assert_eq!(
        (
            o.header_len(),
            o.block_size(),
            o.tag_len(),
            o.aligns_without_length()
        ),
        (4, 8, 0, false)
    );
    let s = Sealer::none();
    assert_eq!(
        (s.block_size(), s.tag_len(), s.aligns_without_length()),
        (8, 0, false)
    );
}

#[test]
fn lengths_in_the_clear_are_readable_before_open_and_hidden_ones_are_not() {
    let payload = b"\x14kexinit-ish";
    for (cipher, mac) in combinations() {
        let (mut sealer, mut opener) = pair(cipher, mac);
        let wire = seal(&mut sealer, 9, payload);
        let declared = wire.len() - 4 - sealer.tag_len();
        let clear = u32::from_be_bytes(wire[..4].try_into().unwrap()) as usize;
        let hidden =
            cipher == CipherAlgorithm::ChaCha20Poly1305 || mac.is_some_and(|m| !m.is_etm());
        assert_eq!(clear != declared, hidden, "{cipher:?}/{mac:?}");
        let mut header = wire[..opener.header_len()].to_vec();
        assert_eq!(
            opener.packet_length(9, &mut header) as usize,
            declared,
            "{cipher:?}/{mac:?}"
        );
    }
}

#[test]
fn mismatched_keys_and_pairings_are_internal_errors() {
    let good = keys(CipherAlgorithm::Aes128Gcm, None);
    assert!(
        Opener::new(
            CipherAlgorithm::Aes128Gcm,
            Some(MacAlgorithm::HmacSha256),
            &good
        )
        .is_err()
    );
    assert!(
        Sealer::new(
            CipherAlgorithm::Aes128Ctr,
            None,
            &keys(CipherAlgorithm::Aes128Ctr, None)
        )
        .is_err()
    );
    let short_key = DirectionKeys {
        key: filler(15, 0),
        ..keys(CipherAlgorithm::Aes128Gcm, None)
    };
    assert!(matches!(
        Opener::new(CipherAlgorithm::Aes128Gcm, None, &short_key),
        Err(CryptoError::Internal(_))
    ));
    let short_mac = DirectionKeys {
        mac_key: filler(20, 0),
        ..keys(CipherAlgorithm::Aes128Ctr, None)
    };
    assert!(
        Sealer::new(
            CipherAlgorithm::Aes128Ctr,
            Some(MacAlgorithm::HmacSha256),
            &short_mac
        )
        .is_err()
    );
}

#[test]
fn malformed_buffers_neither_panic_nor_leak() {
    for (cipher, mac) in combinations()
        .into_iter()
        .filter(|(c, _)| *c != CipherAlgorithm::None)
    {
        let (_, mut opener) = pair(cipher, mac);
        assert_eq!(opener.packet_length(0, &mut [0; 3]), u32::MAX);
        assert_eq!(
            opener.open(0, &mut [0; 5]),
            Err(CryptoError::MacMismatch),
            "{cipher:?}/{mac:?}"
        );
        assert_eq!(opener.open(0, &mut []), Err(CryptoError::MacMismatch));
    }
}

#[test]
fn sealing_a_too_short_buffer_wipes_it_in_release_builds() {
    if cfg!(debug_assertions) {
        // The debug assertion is the point in debug builds; this checks the release behaviour only.
        return;
    }
    let (mut sealer, _) = pair(CipherAlgorithm::Aes128Gcm, None);
    let mut tiny = *b"secret";
    sealer.seal(0, &mut tiny);
    assert_eq!(tiny, [0; 6]);
}

#[test]
fn openers_and_sealers_are_small_enough_to_move_freely() {
    assert!(
        std::mem::size_of::<Opener>() <= 24,
        "{}",
        std::mem::size_of::<Opener>()
    );
    assert!(
        std::mem::size_of::<Sealer>() <= 24,
        "{}",
        std::mem::size_of::<Sealer>()
    );
}
