//! `zlib@openssh.com` compression (OpenSSH PROTOCOL §1.3, RFC 4253 §6.2): one zlib stream per
//! direction, each packet's payload compressed with a partial flush so the peer can decompress it
//! alone. It starts only once the user is authenticated, so nothing an unauthenticated peer sends
//! ever reaches the decompressor, and it restarts with fresh streams at every later NEWKEYS, as
//! OpenSSH's packet.c does.

use bytes::{Bytes, BytesMut};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::error::{Error, InvalidMessage};
use crate::limits;

/// OpenSSH's level (packet.c `start_compression_out(ssh, 6)`).
const LEVEL: u32 = 6;

/// Growth step of the output while (de)compressing one payload.
const STEP: usize = 4096;

/// The outbound stream.
pub(crate) struct Compressor {
    stream: Compress,
    scratch: Vec<u8>,
}

impl Compressor {
    pub(crate) fn new() -> Self {
        Self {
            stream: Compress::new(Compression::new(LEVEL), true),
            scratch: Vec::with_capacity(STEP),
        }
    }

    /// Replaces `buf[start..]` (a payload just written) by its compressed form.
    pub(crate) fn compress_tail(&mut self, buf: &mut BytesMut, start: usize) {
        self.scratch.clear();
        let input = buf.get(start..).unwrap_or_default();
        let mut consumed = 0;
        loop {
            if self.scratch.capacity() - self.scratch.len() < STEP {
                self.scratch.reserve(STEP);
            }
            let before_in = self.stream.total_in();
            let before_out = self.scratch.len();
            let rest = input.get(consumed..).unwrap_or_default();
            // A partial flush ends the packet on a byte boundary the peer can inflate up to.
            let status = self
                .stream
                .compress_vec(rest, &mut self.scratch, FlushCompress::Partial);
            let taken = (self.stream.total_in() - before_in) as usize;
            consumed += taken;
            let room_left = self.scratch.capacity() > self.scratch.len();
            let stalled = taken == 0 && self.scratch.len() == before_out && room_left;
            match status {
                // Done once all input is taken and the flush had room to finish.
                Ok(_) if (consumed >= input.len() && room_left) || stalled => break,
                Ok(_) => {}
                // zlib reports no progress when it has nothing left to flush.
                Err(_) => break,
            }
        }
        buf.truncate(start);
        buf.extend_from_slice(&self.scratch);
    }
}

/// The inbound stream.
pub(crate) struct Decompressor {
    stream: Decompress,
}

impl Decompressor {
    pub(crate) fn new() -> Self {
        Self {
            stream: Decompress::new(true),
        }
    }

    /// Inflates one packet's payload. The result may not exceed the largest payload an
    /// uncompressed packet could carry, so a small packet cannot expand into unbounded memory.
    pub(crate) fn decompress(&mut self, payload: &[u8]) -> Result<BytesMut, Error> {
        let mut out = Vec::with_capacity((payload.len() * 4).clamp(STEP, limits::MAX_PACKET));
        let mut consumed = 0;
        loop {
            if out.len() >= limits::MAX_PACKET {
                return Err(InvalidMessage::BadCompression.into());
            }
            if out.capacity() == out.len() {
                out.reserve_exact(STEP.min(limits::MAX_PACKET - out.len()));
            }
            let before_in = self.stream.total_in();
            let before_out = out.len();
            let rest = payload.get(consumed..).unwrap_or_default();
            let status = self
                .stream
                .decompress_vec(rest, &mut out, FlushDecompress::Sync)
                .map_err(|_| InvalidMessage::BadCompression)?;
            let taken = (self.stream.total_in() - before_in) as usize;
            consumed += taken;
            let room_left = out.capacity() > out.len();
            match status {
                Status::StreamEnd => return Err(InvalidMessage::BadCompression.into()),
                _ if consumed >= payload.len() && room_left => break,
                Status::BufError if consumed >= payload.len() => break,
                // Input left, room left, and nothing moved: the data cannot be inflated.
                _ if taken == 0 && out.len() == before_out && room_left => {
                    return Err(InvalidMessage::BadCompression.into());
                }
                _ => {}
            }
        }
        if out.is_empty() {
            return Err(InvalidMessage::EmptyPacket.into());
        }
        // The vector becomes the payload without another copy.
        Ok(BytesMut::from(Bytes::from(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_round_trip_one_by_one_through_one_stream() {
        let mut c = Compressor::new();
        let mut d = Decompressor::new();
        let payloads: Vec<Vec<u8>> = vec![
            b"\x5e hello".to_vec(),
            vec![0x5e; 70_000],
            (0..50_000u32).map(|i| (i * 7919 % 251) as u8).collect(),
            b"\x02".to_vec(),
        ];
        for p in &payloads {
            let mut buf = BytesMut::from(&b"head"[..]);
            buf.extend_from_slice(p);
            c.compress_tail(&mut buf, 4);
            assert_eq!(&buf[..4], b"head");
            let out = d.decompress(&buf[4..]).unwrap();
            assert_eq!(&out[..], &p[..]);
        }
    }

    #[test]
    fn a_bomb_is_refused_not_inflated() {
        let mut c = Compressor::new();
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&vec![0u8; limits::MAX_PACKET + 1]);
        c.compress_tail(&mut buf, 0);
        assert!(buf.len() < 4096);
        assert!(Decompressor::new().decompress(&buf).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_never_exceed_the_bound() {
        let mut seed = 0x9e37_79b9_u32;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        // Valid streams cut short or with bytes flipped, and plain noise.
        let mut c = Compressor::new();
        let mut valid = BytesMut::new();
        valid.extend_from_slice(&[7u8; 10_000]);
        c.compress_tail(&mut valid, 0);
        for _ in 0..2000 {
            let mut input = valid.to_vec();
            let cut = next() as usize % (input.len() + 1);
            input.truncate(cut);
            if let Some(b) = input.get_mut(next() as usize % (cut + 1)) {
                *b ^= next() as u8;
            }
            if let Ok(out) = Decompressor::new().decompress(&input) {
                assert!(out.len() <= limits::MAX_PACKET);
            }
            let noise: Vec<u8> = (0..next() % 300).map(|_| next() as u8).collect();
            if let Ok(out) = Decompressor::new().decompress(&noise) {
                assert!(out.len() <= limits::MAX_PACKET);
            }
        }
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(Decompressor::new().decompress(b"not zlib at all").is_err());
    }
}
