//! The binary packet protocol (RFC 4253 §6): framing, padding, sequence numbers and the length-first
//! read path.
//!
//! Reading: the length is learned from the first bytes (in the clear, or decrypted with the cipher's
//! header key), checked against [`limits::MAX_PACKET`] and the block alignment before we wait for or
//! buffer anything more, and then the whole packet is split off the input (no copy), verified and
//! decrypted in place. Writing: the packet is built directly in the output buffer, padded, and sealed in
//! place; the length and padding-length fields are patched after the payload is written.

use bytes::{Buf, BytesMut};

use super::compress::{Compressor, Decompressor};
use crate::cipher::{Opener, Sealer};
use crate::error::{Error, InvalidMessage};
use crate::limits;

/// Inbound half: one key, one sequence number, and the length of the packet being assembled.
pub(crate) struct PacketReader {
    opener: Opener,
    seq: u32,
    /// The packet_length of the packet at the front of the input, once learned. Kept because learning
    /// it may decrypt the first block in place, which must happen exactly once.
    pending_length: Option<u32>,
    /// Inflates payloads once zlib@openssh.com is on.
    pub(crate) decompressor: Option<Decompressor>,
    /// Bytes and packets received under the current key, for re-key decisions.
    pub(crate) bytes_under_key: u64,
    pub(crate) packets_under_key: u64,
}

impl PacketReader {
    pub(crate) fn new() -> Self {
        Self {
            opener: Opener::none(),
            seq: 0,
            pending_length: None,
            decompressor: None,
            bytes_under_key: 0,
            packets_under_key: 0,
        }
    }

    /// Takes the next whole packet from the front of `input`. Returns its sequence number and payload
    /// (message number first), or `None` if more bytes are needed.
    pub(crate) fn read_packet(
        &mut self,
        input: &mut BytesMut,
    ) -> Result<Option<(u32, BytesMut)>, Error> {
        let packet_length = match self.pending_length {
            Some(len) => len,
            None => {
                let header = self.opener.header_len();
                let Some(head) = input.get_mut(..header) else {
                    return Ok(None);
                };
                let len = self.opener.packet_length(self.seq, head);
                self.check_length(len)?;
                self.pending_length = Some(len);
                len
            }
        };
        let total = 4 + packet_length as usize + self.opener.tag_len();
        if input.len() < total {
            // Room for the rest is the caller's to provide: reserving here would, whenever a packet
            // straddles the end of a buffer the application still shares (channel data leaves as
            // slices of it), allocate a fresh buffer behind the driver, which recycles its own.
            return Ok(None);
        }
        self.pending_length = None;
        let mut packet = input.split_to(total);
        self.opener.open(self.seq, &mut packet)?;
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        self.bytes_under_key += total as u64;
        self.packets_under_key += 1;

        let padding = usize::from(*packet.get(4).ok_or(InvalidMessage::BadPadding)?);
        let body = packet_length as usize - 1;
        // RFC 4253 §6: at least four bytes of padding, and something left for the payload.
        if padding < 4 || padding >= body {
            return Err(if padding < 4 {
                InvalidMessage::BadPadding
            } else {
                InvalidMessage::EmptyPacket
            }
            .into());
        }
        packet.advance(5);
        packet.truncate(body - padding);
        if let Some(d) = self.decompressor.as_mut() {
            packet = d.decompress(&packet)?;
        }
        Ok(Some((seq, packet)))
    }

    fn check_length(&self, len: u32) -> Result<(), Error> {
        let block = self.opener.block_size() as u32;
        let aligned = if self.opener.aligns_without_length() {
            len
        } else {
            len.wrapping_add(4)
        };
        let total = 4 + len as usize + self.opener.tag_len();
        if len < limits::MIN_PACKET_LENGTH || total > limits::MAX_PACKET || aligned % block != 0 {
            return Err(InvalidMessage::BadPacketLength.into());
        }
        Ok(())
    }

    /// Installs the next key (after NEWKEYS).
    pub(crate) fn set_opener(&mut self, opener: Opener) {
        self.opener = opener;
        self.bytes_under_key = 0;
        self.packets_under_key = 0;
    }

    /// The sequence number the next packet will have.
    pub(crate) fn seq(&self) -> u32 {
        self.seq
    }

    /// Strict key exchange resets the counter at every NEWKEYS (OpenSSH PROTOCOL §1.10).
    pub(crate) fn reset_seq(&mut self) {
        self.seq = 0;
    }
}

/// Outbound half.
pub(crate) struct PacketWriter {
    sealer: Sealer,
    seq: u32,
    /// Random bytes for padding, refilled in bulk so that padding costs no call per packet.
    pad_pool: [u8; 256],
    pad_pos: usize,
    /// Deflates payloads once zlib@openssh.com is on.
    pub(crate) compressor: Option<Compressor>,
    pub(crate) bytes_under_key: u64,
    pub(crate) packets_under_key: u64,
}

impl PacketWriter {
    pub(crate) fn new() -> Self {
        Self {
            sealer: Sealer::none(),
            seq: 0,
            pad_pool: [0; 256],
            pad_pos: 256,
            compressor: None,
            bytes_under_key: 0,
            packets_under_key: 0,
        }
    }

    /// Appends one sealed packet to `out`; `body` writes the payload (message number first) in place.
    /// Returns the message number written.
    pub(crate) fn write_packet(
        &mut self,
        out: &mut BytesMut,
        body: impl FnOnce(&mut BytesMut),
    ) -> u8 {
        let start = out.len();
        out.extend_from_slice(&[0; 5]);
        body(out);
        let number = out.get(start + 5).copied().unwrap_or(0);
        if let Some(c) = self.compressor.as_mut() {
            c.compress_tail(out, start + 5);
        }
        let payload_len = out.len() - start - 5;
        self.seal_in_place(out, start, payload_len);
        number
    }

    /// Pads and seals the packet whose header starts at `start` and whose payload is already written.
    fn seal_in_place(&mut self, out: &mut BytesMut, start: usize, payload_len: usize) {
        let block = self.sealer.block_size();
        let counted = if self.sealer.aligns_without_length() {
            1 + payload_len
        } else {
            5 + payload_len
        };
        let mut padding = block - counted % block;
        if padding < 4 {
            padding += block;
        }
        self.append_padding(out, padding);
        let packet_length = 1 + payload_len + padding;
        if let Some(header) = out.get_mut(start..start + 5) {
            let [l0, l1, l2, l3] = (packet_length as u32).to_be_bytes();
            header.copy_from_slice(&[l0, l1, l2, l3, padding as u8]);
        }
        let tag = self.sealer.tag_len();
        out.resize(out.len() + tag, 0);
        if let Some(packet) = out.get_mut(start..) {
            self.sealer.seal(self.seq, packet);
        }
        self.seq = self.seq.wrapping_add(1);
        self.bytes_under_key += (4 + packet_length + tag) as u64;
        self.packets_under_key += 1;
    }

    fn append_padding(&mut self, out: &mut BytesMut, len: usize) {
        if self.pad_pos + len > self.pad_pool.len() {
            crate::random::fill(&mut self.pad_pool);
            self.pad_pos = 0;
        }
        out.extend_from_slice(
            self.pad_pool
                .get(self.pad_pos..self.pad_pos + len)
                .unwrap_or_default(),
        );
        self.pad_pos += len;
    }

    /// Installs the next key (after sending NEWKEYS).
    pub(crate) fn set_sealer(&mut self, sealer: Sealer) {
        self.sealer = sealer;
        self.bytes_under_key = 0;
        self.packets_under_key = 0;
    }

    /// Strict key exchange resets the counter at every NEWKEYS.
    pub(crate) fn reset_seq(&mut self) {
        self.seq = 0;
    }

    /// The largest payload that fits in one packet under the current key, leaving room for the header,
    /// worst-case padding and tag. Channel data is cut to fit this.
    pub(crate) fn max_payload(&self) -> usize {
        limits::MAX_PACKET - 5 - 2 * self.sealer.block_size() - self.sealer.tag_len() - 64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_packet_reads_back_in_the_clear() {
        let mut w = PacketWriter::new();
        let mut r = PacketReader::new();
        let mut wire = BytesMut::new();
        w.write_packet(&mut wire, |b| b.extend_from_slice(&[21]));
        w.write_packet(&mut wire, |b| b.extend_from_slice(&[2, 0, 0, 0, 1, 9]));
        assert_eq!(wire.len() % 8, 0);
        let (seq, p) = r.read_packet(&mut wire).unwrap().unwrap();
        assert_eq!((seq, &p[..]), (0, &[21][..]));
        let (seq, p) = r.read_packet(&mut wire).unwrap().unwrap();
        assert_eq!((seq, &p[..]), (1, &[2, 0, 0, 0, 1, 9][..]));
        assert!(r.read_packet(&mut wire).unwrap().is_none());
    }

    #[test]
    fn a_partial_packet_waits() {
        let mut w = PacketWriter::new();
        let mut wire = BytesMut::new();
        w.write_packet(&mut wire, |b| b.extend_from_slice(&[5; 40]));
        let mut r = PacketReader::new();
        let mut part = BytesMut::from(&wire[..10]);
        assert!(r.read_packet(&mut part).unwrap().is_none());
        part.extend_from_slice(&wire[10..]);
        assert_eq!(
            &r.read_packet(&mut part).unwrap().unwrap().1[..],
            &[5; 40][..]
        );
    }

    #[test]
    fn packet_over_256k_is_refused_before_allocation() {
        let mut r = PacketReader::new();
        let mut wire = BytesMut::from(&[0x00, 0x04, 0x00, 0x04, 4][..]);
        assert_eq!(
            r.read_packet(&mut wire).unwrap_err(),
            Error::InvalidMessage(InvalidMessage::BadPacketLength)
        );
        assert!(wire.capacity() < 1024);
    }

    #[test]
    fn misaligned_and_tiny_lengths_are_refused() {
        for len in [0u32, 4, 13] {
            let mut r = PacketReader::new();
            let mut wire = BytesMut::from(&len.to_be_bytes()[..]);
            assert!(r.read_packet(&mut wire).is_err(), "{len}");
        }
    }

    #[test]
    fn short_padding_is_refused() {
        // packet_length 12: padding 3, payload 8 → total 16, aligned, but padding under 4.
        let mut wire = BytesMut::from(&[0, 0, 0, 12, 3, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0][..]);
        assert_eq!(
            PacketReader::new().read_packet(&mut wire).unwrap_err(),
            Error::InvalidMessage(InvalidMessage::BadPadding)
        );
    }
}
