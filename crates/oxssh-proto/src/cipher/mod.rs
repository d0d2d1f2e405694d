//! Packet protection for the binary packet protocol (RFC 4253 §6): the ciphers and MACs, applied in place
//! to packets the transport layer frames.
//!
//! There are four shapes of protection, and every negotiated cipher/MAC pair falls into one:
//!
//! | shape | ciphers | packet length on the wire | authenticated data |
//! |---|---|---|---|
//! | none | `none` (before the first NEWKEYS) | clear | nothing |
//! | OpenSSH ChaCha20-Poly1305 | `chacha20-poly1305@openssh.com` | encrypted with its own key | encrypted length and ciphertext |
//! | AES-GCM | `aes128-gcm@openssh.com`, `aes256-gcm@openssh.com` | clear, as GCM's AAD | length and ciphertext |
//! | AES-CTR + HMAC, encrypt-then-MAC | `aes*-ctr` with `hmac-*-etm@openssh.com` | clear | length and ciphertext |
//! | AES-CTR + HMAC, encrypt-and-MAC | `aes*-ctr` with `hmac-*` (RFC 4253 §6.4) | inside the first encrypted block | the *plaintext* packet |
//!
//! The transport drives an [`Opener`] in two steps, as OpenSSH's `ssh_packet_read_poll2` does: first
//! [`Opener::packet_length`] on the first [`Opener::header_len`] bytes, so the length can be bounded before
//! waiting for (or allocating) the rest; then [`Opener::open`] on the whole packet. A [`Sealer`] works on a
//! packet the transport has built in its output buffer with [`Sealer::tag_len`] spare bytes at the end.
//! Neither side allocates per packet: keys and contexts are set up once in `new`.
//!
//! The sequence number is passed in on every call rather than kept here, because the transport owns it
//! (strict key exchange resets it at NEWKEYS, OpenSSH PROTOCOL §1.10); the ciphers that need their own
//! state (GCM's invocation counter, CTR's block counter) carry it across packets themselves.

mod aes_ctr;
mod aes_gcm;
mod chacha20_poly1305;
mod mac;
mod none;
#[cfg(test)]
mod tests;

use zeroize::Zeroizing;

use self::aes_ctr::AesCtr;
use self::aes_gcm::AesGcm;
use self::chacha20_poly1305::{ChaChaOpener, ChaChaSealer};
use self::mac::Mac;
use crate::error::CryptoError;
use crate::names::{CipherAlgorithm, MacAlgorithm};

/// The bytes of the `packet_length` field (RFC 4253 §6).
const LENGTH_FIELD: usize = 4;
/// The AES block size, which is also the alignment every AES mode imposes on packets.
const AES_BLOCK: usize = 16;

/// Keys for one direction from the key derivation (RFC 4253 §7.2): IV (letter A or B), encryption key
/// (C or D) and integrity key (E or F), each exactly as long as [`CipherAlgorithm::iv_len`],
/// [`CipherAlgorithm::key_len`] and [`MacAlgorithm::output_len`] say (empty where the algorithm needs none).
pub struct DirectionKeys {
    /// The initial IV: the GCM fixed field and invocation counter, or the initial CTR counter block.
    pub iv: Zeroizing<Vec<u8>>,
    /// The cipher key.
    pub key: Zeroizing<Vec<u8>>,
    /// The MAC key (empty for AEAD ciphers).
    pub mac_key: Zeroizing<Vec<u8>>,
}

/// Inbound packet protection: finds the packet length, then verifies and decrypts packets in place.
pub struct Opener {
    inner: OpenerInner,
}

/// Enum dispatch rather than `Box<dyn>`: the set of modes is closed and the call is on the hot path. The
/// key states are boxed because AWS-LC's contexts are large (an HMAC key holds two hash states, an AES key
/// its schedule): unboxed, an `Opener` is about 1.8 KB and every move of it, or of a state that holds one,
/// copies that. The box is allocated once per key change, never per packet.
enum OpenerInner {
    None,
    ChaCha(Box<ChaChaOpener>),
    Gcm(Box<AesGcm>),
    CtrEtm(Box<CtrMac>),
    CtrEam {
        state: Box<CtrMac>,
        /// Whether `packet_length` has already decrypted the first block of the current packet.
        first_block_decrypted: bool,
    },
}

/// AES-CTR with its HMAC, for either MAC ordering.
struct CtrMac {
    cipher: AesCtr,
    mac: Mac,
}

impl Opener {
    /// No protection, as before the first NEWKEYS.
    pub fn none() -> Self {
        Self {
            inner: OpenerInner::None,
        }
    }

    /// Sets up a cipher and, for the non-AEAD ciphers, its MAC. `mac` is `None` exactly when the cipher is
    /// AEAD (or `none`). Every key must have the length the algorithm table gives.
    pub fn new(
        cipher: CipherAlgorithm,
        mac: Option<MacAlgorithm>,
        keys: &DirectionKeys,
    ) -> Result<Self, CryptoError> {
        check_key_lengths(cipher, mac, keys)?;
        let inner = match (cipher, mac) {
            (CipherAlgorithm::None, None) => OpenerInner::None,
            (CipherAlgorithm::ChaCha20Poly1305, None) => {
                OpenerInner::ChaCha(Box::new(ChaChaOpener::new(&keys.key)?))
            }
            (CipherAlgorithm::Aes128Gcm | CipherAlgorithm::Aes256Gcm, None) => {
                OpenerInner::Gcm(Box::new(AesGcm::new(cipher, &keys.key, &keys.iv)?))
            }
            (
                CipherAlgorithm::Aes128Ctr
                | CipherAlgorithm::Aes192Ctr
                | CipherAlgorithm::Aes256Ctr,
                Some(m),
            ) => {
                let state = CtrMac::new(cipher, m, keys)?;
                if m.is_etm() {
                    OpenerInner::CtrEtm(state)
                } else {
                    OpenerInner::CtrEam {
                        state,
                        first_block_decrypted: false,
                    }
                }
            }
            _ => {
                return Err(CryptoError::Internal(
                    "a MAC is given exactly for the non-AEAD ciphers",
                ));
            }
        };
        Ok(Self { inner })
    }

    /// Bytes needed at the start of a packet before its length can be learned: 4, or one 16-byte block for
    /// AES-CTR with an encrypt-and-MAC MAC, whose length field is encrypted inside the first block.
    pub fn header_len(&self) -> usize {
        match self.inner {
            OpenerInner::CtrEam { .. } => AES_BLOCK,
            _ => LENGTH_FIELD,
        }
    }

    /// Returns the `packet_length` field of the packet starting at `buf`, which holds at least
    /// [`header_len`](Self::header_len) bytes. Call exactly once per packet, before [`open`](Self::open).
    ///
    /// For AES-CTR with encrypt-and-MAC the first block is decrypted in place (pass the same buffer to
    /// `open`); for chacha20-poly1305 the length is decrypted with the header key and `buf` is left
    /// untouched; otherwise the length is in the clear. The result is unauthenticated until `open`
    /// succeeds. A `buf` shorter than `header_len` gives `u32::MAX`, which every length limit rejects.
    pub fn packet_length(&mut self, seq: u32, buf: &mut [u8]) -> u32 {
        match &mut self.inner {
            OpenerInner::None | OpenerInner::Gcm(_) | OpenerInner::CtrEtm(_) => {
                none::clear_length(buf)
            }
            OpenerInner::ChaCha(c) => c.packet_length(seq, buf),
            OpenerInner::CtrEam {
                state,
                first_block_decrypted,
            } => {
                let Some(first) = buf.get_mut(..AES_BLOCK) else {
                    return u32::MAX;
                };
                if !*first_block_decrypted {
                    if state.cipher.apply(first).is_err() {
                        return u32::MAX;
                    }
                    *first_block_decrypted = true;
                }
                none::clear_length(first)
            }
        }
    }

    /// Bytes of tag or MAC that follow the packet on the wire (0 for none).
    pub fn tag_len(&self) -> usize {
        match &self.inner {
            OpenerInner::None => 0,
            OpenerInner::ChaCha(_) => chacha20_poly1305::TAG_LEN,
            OpenerInner::Gcm(_) => aes_gcm::TAG_LEN,
            OpenerInner::CtrEtm(state) | OpenerInner::CtrEam { state, .. } => state.mac.len(),
        }
    }

    /// The block size packets must align to: 8 for none and chacha20-poly1305, 16 for AES.
    pub fn block_size(&self) -> usize {
        match self.inner {
            OpenerInner::None => none::BLOCK_SIZE,
            OpenerInner::ChaCha(_) => chacha20_poly1305::BLOCK_SIZE,
            _ => AES_BLOCK,
        }
    }

    /// True when `packet_length` alone (without the 4-byte length field) must be a multiple of
    /// [`block_size`](Self::block_size), as in the AEAD and encrypt-then-MAC modes where the length is not
    /// part of the encrypted data; false when `4 + packet_length` must be (RFC 4253 §6).
    pub fn aligns_without_length(&self) -> bool {
        !matches!(self.inner, OpenerInner::None | OpenerInner::CtrEam { .. })
    }

    /// Verifies and decrypts one packet in place. `packet` is exactly `4 + packet_length + tag_len()` bytes
    /// as read from the wire (with the first block already decrypted by [`packet_length`](Self::packet_length)
    /// where that applies). On success `packet[..4 + packet_length]` is the plaintext packet: length,
    /// padding length, payload, padding.
    ///
    /// Tags and MACs are compared in constant time. In the AEAD and encrypt-then-MAC modes no plaintext is
    /// released when verification fails (AWS-LC wipes GCM's output on failure; ChaCha20-Poly1305 and ETM
    /// verify before decrypting). Encrypt-and-MAC authenticates the plaintext, so it must decrypt first.
    /// In every mode a failure is [`CryptoError::MacMismatch`] and leaves the buffer unusable.
    pub fn open(&mut self, seq: u32, packet: &mut [u8]) -> Result<(), CryptoError> {
        match &mut self.inner {
            OpenerInner::None => Ok(()),
            OpenerInner::ChaCha(c) => c.open(seq, packet),
            OpenerInner::Gcm(g) => g.open(packet),
            OpenerInner::CtrEtm(state) => {
                let (data, tag) = split_tag(packet, state.mac.len(), LENGTH_FIELD)?;
                // Encrypt-then-MAC (OpenSSH PROTOCOL §1.7): authenticate the clear length and ciphertext
                // first, so nothing unauthenticated is ever decrypted.
                state.mac.verify(seq, data, tag)?;
                state
                    .cipher
                    .apply(data.get_mut(LENGTH_FIELD..).unwrap_or_default())
            }
            OpenerInner::CtrEam {
                state,
                first_block_decrypted,
            } => {
                let already = std::mem::take(first_block_decrypted);
                let (data, tag) = split_tag(packet, state.mac.len(), AES_BLOCK)?;
                let rest = if already {
                    data.get_mut(AES_BLOCK..).unwrap_or_default()
                } else {
                    &mut *data
                };
                state.cipher.apply(rest)?;
                // RFC 4253 §6.4: mac = MAC(key, sequence_number || unencrypted_packet).
                state.mac.verify(seq, data, tag)
            }
        }
    }
}

/// Outbound packet protection: encrypts packets in place and appends their tag or MAC.
pub struct Sealer {
    inner: SealerInner,
}

/// Boxed for the same reason as [`OpenerInner`].
enum SealerInner {
    None,
    ChaCha(Box<ChaChaSealer>),
    Gcm(Box<AesGcm>),
    CtrEtm(Box<CtrMac>),
    CtrEam(Box<CtrMac>),
}

impl Sealer {
    /// No protection, as before the first NEWKEYS.
    pub fn none() -> Self {
        Self {
            inner: SealerInner::None,
        }
    }

    /// Sets up a cipher and, for the non-AEAD ciphers, its MAC; the same rules as [`Opener::new`].
    pub fn new(
        cipher: CipherAlgorithm,
        mac: Option<MacAlgorithm>,
        keys: &DirectionKeys,
    ) -> Result<Self, CryptoError> {
        check_key_lengths(cipher, mac, keys)?;
        let inner = match (cipher, mac) {
            (CipherAlgorithm::None, None) => SealerInner::None,
            (CipherAlgorithm::ChaCha20Poly1305, None) => {
                SealerInner::ChaCha(Box::new(ChaChaSealer::new(&keys.key)?))
            }
            (CipherAlgorithm::Aes128Gcm | CipherAlgorithm::Aes256Gcm, None) => {
                SealerInner::Gcm(Box::new(AesGcm::new(cipher, &keys.key, &keys.iv)?))
            }
            (
                CipherAlgorithm::Aes128Ctr
                | CipherAlgorithm::Aes192Ctr
                | CipherAlgorithm::Aes256Ctr,
                Some(m),
            ) => {
                let state = CtrMac::new(cipher, m, keys)?;
                if m.is_etm() {
                    SealerInner::CtrEtm(state)
                } else {
                    SealerInner::CtrEam(state)
                }
            }
            _ => {
                return Err(CryptoError::Internal(
                    "a MAC is given exactly for the non-AEAD ciphers",
                ));
            }
        };
        Ok(Self { inner })
    }

    /// The block size packets must align to: 8 for none and chacha20-poly1305, 16 for AES.
    pub fn block_size(&self) -> usize {
        match self.inner {
            SealerInner::None => none::BLOCK_SIZE,
            SealerInner::ChaCha(_) => chacha20_poly1305::BLOCK_SIZE,
            _ => AES_BLOCK,
        }
    }

    /// Bytes of tag or MAC [`seal`](Self::seal) writes after the packet (0 for none).
    pub fn tag_len(&self) -> usize {
        match &self.inner {
            SealerInner::None => 0,
            SealerInner::ChaCha(_) => chacha20_poly1305::TAG_LEN,
            SealerInner::Gcm(_) => aes_gcm::TAG_LEN,
            SealerInner::CtrEtm(state) | SealerInner::CtrEam(state) => state.mac.len(),
        }
    }

    /// True when `packet_length` alone must be a multiple of [`block_size`](Self::block_size); false when
    /// `4 + packet_length` must be. See [`Opener::aligns_without_length`].
    pub fn aligns_without_length(&self) -> bool {
        !matches!(self.inner, SealerInner::None | SealerInner::CtrEam(_))
    }

    /// Encrypts one packet in place and writes its tag. `packet` is the plaintext `4 + packet_length` bytes
    /// followed by [`tag_len`](Self::tag_len) bytes of space. Never allocates.
    ///
    /// A `packet` too short to hold a length field and the tag is a bug in the caller; rather than send
    /// plaintext, the buffer is then wiped, so the peer sees a MAC failure.
    pub fn seal(&mut self, seq: u32, packet: &mut [u8]) {
        let result = match &mut self.inner {
            SealerInner::None => Ok(()),
            SealerInner::ChaCha(c) => c.seal(seq, packet),
            SealerInner::Gcm(g) => g.seal(packet),
            SealerInner::CtrEtm(state) => split_tag(packet, state.mac.len(), LENGTH_FIELD)
                .and_then(|(data, tag)| {
                    state
                        .cipher
                        .apply(data.get_mut(LENGTH_FIELD..).unwrap_or_default())?;
                    state.mac.sign(seq, data, tag);
                    Ok(())
                }),
            SealerInner::CtrEam(state) => {
                split_tag(packet, state.mac.len(), AES_BLOCK).and_then(|(data, tag)| {
                    state.mac.sign(seq, data, tag);
                    state.cipher.apply(data)
                })
            }
        };
        if result.is_err() {
            debug_assert!(false, "seal called with a malformed packet buffer");
            zeroize::Zeroize::zeroize(packet);
        }
    }
}

impl CtrMac {
    fn new(
        cipher: CipherAlgorithm,
        mac: MacAlgorithm,
        keys: &DirectionKeys,
    ) -> Result<Box<Self>, CryptoError> {
        Ok(Box::new(Self {
            cipher: AesCtr::new(cipher, &keys.key, &keys.iv)?,
            mac: Mac::new(mac, &keys.mac_key),
        }))
    }
}

/// Splits `packet` into the packet proper and its trailing `tag_len` bytes, insisting on at least `min`
/// bytes of packet; a shorter buffer cannot have come from a valid peer, so it counts as a MAC failure.
fn split_tag(
    packet: &mut [u8],
    tag_len: usize,
    min: usize,
) -> Result<(&mut [u8], &mut [u8]), CryptoError> {
    let data_len = packet
        .len()
        .checked_sub(tag_len)
        .filter(|n| *n >= min)
        .ok_or(CryptoError::MacMismatch)?;
    Ok(packet.split_at_mut(data_len))
}

/// Rejects a cipher/MAC pairing or key lengths that disagree with the algorithm table in `names.rs`; a
/// mismatch is a bug in key derivation, never the peer's doing.
fn check_key_lengths(
    cipher: CipherAlgorithm,
    mac: Option<MacAlgorithm>,
    keys: &DirectionKeys,
) -> Result<(), CryptoError> {
    if keys.key.len() != cipher.key_len() {
        return Err(CryptoError::Internal("cipher key length"));
    }
    if keys.iv.len() != cipher.iv_len() {
        return Err(CryptoError::Internal("cipher IV length"));
    }
    if keys.mac_key.len() != mac.map_or(0, MacAlgorithm::output_len) {
        return Err(CryptoError::Internal("MAC key length"));
    }
    Ok(())
}
