//! The `none` cipher, in force from the start of the connection until the first NEWKEYS (RFC 4253 §6):
//! the length is in the clear and nothing is authenticated. AES-GCM and the encrypt-then-MAC modes also
//! send the length in the clear, so they read it the same way.

/// RFC 4253 §6: with no cipher, packets still align to 8 bytes ("the cipher block size or 8, whichever is
/// larger").
pub(super) const BLOCK_SIZE: usize = 8;

/// The big-endian `packet_length` in the first four bytes of `buf`, or `u32::MAX` (which every length
/// limit rejects) if `buf` is shorter than that.
pub(super) fn clear_length(buf: &[u8]) -> u32 {
    buf.first_chunk::<4>()
        .map_or(u32::MAX, |b| u32::from_be_bytes(*b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_length_in_the_clear_and_refuses_short_buffers() {
        assert_eq!(clear_length(&[0, 0, 1, 4, 9]), 260);
        assert_eq!(clear_length(&[0, 0, 1]), u32::MAX);
    }
}
