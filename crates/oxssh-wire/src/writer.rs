use bytes::{BufMut, BytesMut};

/// Appends SSH wire types. Implemented for `Vec<u8>` and `BytesMut`, the two buffers oxssh writes into.
pub trait Writer: Sized {
    /// Appends raw bytes.
    fn write_raw(&mut self, bytes: &[u8]);
    /// The number of bytes written so far (where the next byte goes).
    fn position(&self) -> usize;
    /// Overwrites four bytes at `at` with a big-endian `uint32`; used to patch a reserved length.
    fn patch_u32(&mut self, at: usize, value: u32);

    /// A `byte`.
    fn write_u8(&mut self, value: u8) {
        self.write_raw(&[value]);
    }
    /// A `boolean`.
    fn write_bool(&mut self, value: bool) {
        self.write_u8(u8::from(value));
    }
    /// A `uint32`.
    fn write_u32(&mut self, value: u32) {
        self.write_raw(&value.to_be_bytes());
    }
    /// A `uint64`.
    fn write_u64(&mut self, value: u64) {
        self.write_raw(&value.to_be_bytes());
    }
    /// A `string`. Lengths over `u32::MAX` cannot occur: every caller writes bounded data.
    fn write_string(&mut self, bytes: &[u8]) {
        self.write_u32(u32::try_from(bytes.len()).unwrap_or(u32::MAX));
        self.write_raw(bytes);
    }
    /// A `name-list` from its names.
    fn write_name_list<S: AsRef<str>>(&mut self, names: &[S]) {
        self.write_length_prefixed(|w| {
            for (i, name) in names.iter().enumerate() {
                if i > 0 {
                    w.write_u8(b',');
                }
                w.write_raw(name.as_ref().as_bytes());
            }
        });
    }
    /// A non-negative `mpint` from a big-endian magnitude (leading zeros are stripped, and a zero byte is
    /// prepended when the top bit is set, so the value stays positive).
    fn write_mpint_positive(&mut self, magnitude: &[u8]) {
        let first_nonzero = magnitude
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(magnitude.len());
        let digits = magnitude.get(first_nonzero..).unwrap_or_default();
        let pad = digits.first().is_some_and(|b| b & 0x80 != 0);
        self.write_u32(u32::try_from(digits.len() + usize::from(pad)).unwrap_or(u32::MAX));
        if pad {
            self.write_u8(0);
        }
        self.write_raw(digits);
    }
    /// A `string` whose body `body` writes; the length is reserved first and patched afterwards, so the
    /// body is written once, in place.
    fn write_length_prefixed(&mut self, body: impl FnOnce(&mut Self)) {
        let at = self.position();
        self.write_u32(0);
        body(self);
        let len = self.position() - at - 4;
        self.patch_u32(at, u32::try_from(len).unwrap_or(u32::MAX));
    }
}

impl Writer for Vec<u8> {
    fn write_raw(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    fn position(&self) -> usize {
        self.len()
    }
    fn patch_u32(&mut self, at: usize, value: u32) {
        if let Some(slot) = self.get_mut(at..at + 4) {
            slot.copy_from_slice(&value.to_be_bytes());
        }
    }
}

impl Writer for BytesMut {
    fn write_raw(&mut self, bytes: &[u8]) {
        self.put_slice(bytes);
    }
    fn position(&self) -> usize {
        self.len()
    }
    fn patch_u32(&mut self, at: usize, value: u32) {
        if let Some(slot) = self.get_mut(at..at + 4) {
            slot.copy_from_slice(&value.to_be_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reader;

    #[test]
    fn mpint_encodings_match_rfc4251() {
        let cases: [(&[u8], &[u8]); 4] = [
            (&[], &[0, 0, 0, 0]),
            (&[0, 0, 0x80], &[0, 0, 0, 2, 0, 0x80]),
            (&[0x7f], &[0, 0, 0, 1, 0x7f]),
            (&[0, 0], &[0, 0, 0, 0]),
        ];
        for (magnitude, wire) in cases {
            let mut out = Vec::new();
            out.write_mpint_positive(magnitude);
            assert_eq!(out, wire);
        }
    }

    #[test]
    fn length_prefix_is_patched_after_the_body() {
        let mut out = BytesMut::new();
        out.write_u8(9);
        out.write_length_prefixed(|w| {
            w.write_string(b"abc");
            w.write_u8(1);
        });
        assert_eq!(&out[..], &[9, 0, 0, 0, 8, 0, 0, 0, 3, b'a', b'b', b'c', 1]);
    }

    #[test]
    fn interrupted_length_prefix_leaves_zero_length() {
        let mut out = Vec::new();
        out.write_length_prefixed(|_| {});
        assert_eq!(out, [0, 0, 0, 0]);
    }

    proptest::proptest! {
        #[test]
        fn strings_and_mpints_round_trip(body in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let mut out = Vec::new();
            out.write_string(&body);
            out.write_mpint_positive(&body);
            let mut r = Reader::new(&out);
            proptest::prop_assert_eq!(r.read_string("s").unwrap(), &body[..]);
            let stripped: Vec<u8> = body.iter().copied().skip_while(|&b| b == 0).collect();
            proptest::prop_assert_eq!(r.read_mpint_positive("m").unwrap(), &stripped[..]);
            proptest::prop_assert!(r.finish("t").is_ok());
        }
    }
}
