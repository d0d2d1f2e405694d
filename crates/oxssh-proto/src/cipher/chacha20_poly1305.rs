//! `chacha20-poly1305@openssh.com` (OpenSSH PROTOCOL.chacha20poly1305): the 64-byte key is split into a
//! header key K_1 (the second half) that encrypts only the 4-byte length, and a main key K_2 (the first
//! half) that encrypts the rest and, at block counter 0, yields the Poly1305 key. The nonce is the packet
//! sequence number. The tag covers the encrypted length and the ciphertext.
//!
//! AWS-LC implements exactly this construction (`aead::chacha20_poly1305_openssh`, ring's API). Its
//! `open_in_place` verifies the tag before decrypting and leaves the length field encrypted; we decrypt
//! the length again afterwards so the caller sees a whole plaintext packet.

use aws_lc_rs::aead::chacha20_poly1305_openssh::{
    KEY_LEN, OpeningKey, PACKET_LENGTH_LEN, SealingKey,
};
use zeroize::Zeroizing;

use crate::error::CryptoError;

/// Bytes of Poly1305 tag after each packet.
pub(super) const TAG_LEN: usize = aws_lc_rs::aead::chacha20_poly1305_openssh::TAG_LEN;
/// PROTOCOL.chacha20poly1305 keeps RFC 4253's minimum alignment of 8; packet_length alone must be a
/// multiple of it, since the length is not part of the main ciphertext (OpenSSH packet.c `aadlen`).
pub(super) const BLOCK_SIZE: usize = 8;

fn key_material(key: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, CryptoError> {
    let mut material = Zeroizing::new([0u8; KEY_LEN]);
    if key.len() != KEY_LEN {
        return Err(CryptoError::Internal("chacha20-poly1305 key length"));
    }
    material.copy_from_slice(key);
    Ok(material)
}

/// The inbound half.
pub(super) struct ChaChaOpener {
    key: OpeningKey,
}

impl ChaChaOpener {
    pub(super) fn new(key: &[u8]) -> Result<Self, CryptoError> {
        Ok(Self {
            key: OpeningKey::new(&*key_material(key)?),
        })
    }

    /// Decrypts the length with K_1 without touching `buf`; `u32::MAX` if `buf` is too short.
    pub(super) fn packet_length(&self, seq: u32, buf: &[u8]) -> u32 {
        match buf.first_chunk::<PACKET_LENGTH_LEN>() {
            Some(encrypted) => u32::from_be_bytes(self.key.decrypt_packet_length(seq, *encrypted)),
            None => u32::MAX,
        }
    }

    /// `packet` is encrypted length || ciphertext || tag.
    pub(super) fn open(&self, seq: u32, packet: &mut [u8]) -> Result<(), CryptoError> {
        let (body, tag) = super::split_tag(packet, TAG_LEN, PACKET_LENGTH_LEN)?;
        let tag: &[u8; TAG_LEN] = (&*tag).try_into().map_err(|_| CryptoError::MacMismatch)?;
        let encrypted_length = *body
            .first_chunk::<PACKET_LENGTH_LEN>()
            .ok_or(CryptoError::MacMismatch)?;
        self.key
            .open_in_place(seq, body, tag)
            .map_err(|_| CryptoError::MacMismatch)?;
        let length = self.key.decrypt_packet_length(seq, encrypted_length);
        if let Some(field) = body.first_chunk_mut::<PACKET_LENGTH_LEN>() {
            *field = length;
        }
        Ok(())
    }
}

/// The outbound half.
pub(super) struct ChaChaSealer {
    key: SealingKey,
}

impl ChaChaSealer {
    pub(super) fn new(key: &[u8]) -> Result<Self, CryptoError> {
        Ok(Self {
            key: SealingKey::new(&*key_material(key)?),
        })
    }

    /// `packet` is plaintext length || plaintext || TAG_LEN bytes of space.
    pub(super) fn seal(&self, seq: u32, packet: &mut [u8]) -> Result<(), CryptoError> {
        let (body, tag) = super::split_tag(packet, TAG_LEN, PACKET_LENGTH_LEN)?;
        let tag: &mut [u8; TAG_LEN] = tag
            .try_into()
            .map_err(|_| CryptoError::Internal("tag space"))?;
        self.key.seal_in_place(seq, body, tag);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vectors for chacha20-poly1305@openssh.com from ring's tests/aead_chacha20_poly1305_openssh_tests.txt
    /// (the same file aws-lc-rs runs): KEY, SEQUENCE_NUMBER, IN (plaintext packet), CT, TAG.
    const VECTORS: &[(&str, u32, &str, &str, &str)] = &[
        (
            "247a041f6780baf0de3741aa4436024b6a5169b0eab8a090a291f5900bf566a54ac2c64c0f38cab14a143111bc39d1873013f52f2e92062e375c1a5378ad9b32",
            94,
            "000000100f000000000000000000000000000000",
            "c87186a24d89e672f37df98a95d0a0653e9f0fe4",
            "075bc727e855c8d487bb3060c42267cd",
        ),
        (
            "50c985a29c39c3b75d6326e5f92d2bbc1341ff49b9eda105a853deab9125de9217856e27887b29b61989b8ba4f4169875f402289aeaef239457eceb8e8c2fcf7",
            52,
            "000000100e610000000000000000000000000000",
            "b6cbf6d61986eb477ae0e4edfab641effc148824",
            "7b476f69d8abc8b948ddc5f45f422f8b",
        ),
        (
            "4a3042e117e06543aeb7fc450dab16b8652fe0a79378f78d6cb0c23f50bdbf4ac00c92a0b330bd035d6cd3918ff1daeb65d0fe329d88305f0728661dccd7278d",
            204,
            "000000180b6162636465666768696a6b6c0000000000000000000000",
            "60bbfcf8be81835fe6fa7a1e482a0a6fdd8d11599c3786e3c7976893",
            "411803ef2f1b4187c1019fb47290d0d1",
        ),
        (
            "aa3f42ae78356f6529dc4eafbf3dd7aabfa6921188627e6b31f39fc4930b2c7f5f13cfea36e47000a59897a2aafde1ae53590a913dc90434d0a18bf1c39f15ee",
            62,
            "000000300b6162636465666768696a6b6c6d6e6f707172737475767778797a414243444546303132330000000000000000000000",
            "54a9962b5f227c41bdcd901279f2db09e91bf4f1320ae053f6b2625abdc06f12774d759bc1998d42799ef5656f964502e9509dbf",
            "65b3b25f3f1bef915414b8348b2c8d5b",
        ),
    ];

    #[test]
    fn seals_and_opens_the_published_vectors() {
        for &(key, seq, plain, ct, tag) in VECTORS {
            let key = hex::decode(key).unwrap();
            let plain = hex::decode(plain).unwrap();
            let expected = [hex::decode(ct).unwrap(), hex::decode(tag).unwrap()].concat();

            let mut packet = plain.clone();
            packet.extend_from_slice(&[0; TAG_LEN]);
            ChaChaSealer::new(&key)
                .unwrap()
                .seal(seq, &mut packet)
                .unwrap();
            assert_eq!(packet, expected);

            let opener = ChaChaOpener::new(&key).unwrap();
            let declared = u32::from_be_bytes(plain[..4].try_into().unwrap());
            assert_eq!(opener.packet_length(seq, &packet), declared);
            opener.open(seq, &mut packet).unwrap();
            assert_eq!(&packet[..plain.len()], plain.as_slice());
        }
    }

    #[test]
    fn wrong_sequence_number_fails_without_releasing_plaintext() {
        let (key, seq, plain, ct, tag) = VECTORS[0];
        let key = hex::decode(key).unwrap();
        let mut packet = [hex::decode(ct).unwrap(), hex::decode(tag).unwrap()].concat();
        let before = packet.clone();
        let opener = ChaChaOpener::new(&key).unwrap();
        assert_eq!(
            opener.open(seq + 1, &mut packet),
            Err(CryptoError::MacMismatch)
        );
        assert_eq!(packet, before, "verification happens before decryption");
        assert_ne!(hex::encode(&packet[..20]), plain);
    }

    #[test]
    fn short_buffers_are_refused_not_panicked_on() {
        let opener = ChaChaOpener::new(&[7; KEY_LEN]).unwrap();
        assert_eq!(opener.packet_length(0, &[1, 2, 3]), u32::MAX);
        assert_eq!(
            opener.open(0, &mut [0; TAG_LEN + 3]),
            Err(CryptoError::MacMismatch)
        );
        assert!(ChaChaOpener::new(&[7; 32]).is_err());
    }
}
