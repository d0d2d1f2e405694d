use crate::{NameList, WireError};

/// A cursor over borrowed bytes. Every read checks the remaining length first; nothing is copied.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Starts reading at the beginning of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The unread bytes, without consuming them.
    pub fn peek_rest(&self) -> &'a [u8] {
        self.rest
    }

    /// Consumes and returns all unread bytes.
    pub fn take_rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.rest)
    }

    /// Fails with [`WireError::TrailingData`] unless everything has been read, like OpenSSH's
    /// `sshpkt_get_end`: a message with extra bytes is malformed, not merely long.
    pub fn finish(&self, message: &'static str) -> Result<(), WireError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(WireError::TrailingData(message))
        }
    }

    /// Consumes exactly `n` bytes.
    pub fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], WireError> {
        if n > self.rest.len() {
            return Err(WireError::Truncated(field));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    /// Consumes exactly `N` bytes as an array.
    pub fn take_array<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<[u8; N], WireError> {
        let bytes = self.take(N, field)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// A `byte`.
    pub fn read_u8(&mut self, field: &'static str) -> Result<u8, WireError> {
        Ok(self.take_array::<1>(field)?[0])
    }

    /// A `boolean`: any non-zero byte is true (RFC 4251 §5).
    pub fn read_bool(&mut self, field: &'static str) -> Result<bool, WireError> {
        Ok(self.read_u8(field)? != 0)
    }

    /// A `uint32`, big-endian.
    pub fn read_u32(&mut self, field: &'static str) -> Result<u32, WireError> {
        Ok(u32::from_be_bytes(self.take_array(field)?))
    }

    /// A `uint64`, big-endian.
    pub fn read_u64(&mut self, field: &'static str) -> Result<u64, WireError> {
        Ok(u64::from_be_bytes(self.take_array(field)?))
    }

    /// A `string`: a uint32 length and that many bytes, borrowed. The length is checked against what is
    /// present, so a hostile length costs nothing.
    pub fn read_string(&mut self, field: &'static str) -> Result<&'a [u8], WireError> {
        let len = self.read_u32(field)? as usize;
        self.take(len, field)
    }

    /// A `string` no longer than `max` bytes.
    pub fn read_string_max(
        &mut self,
        max: usize,
        field: &'static str,
    ) -> Result<&'a [u8], WireError> {
        let len = self.read_u32(field)? as usize;
        if len > max {
            return Err(WireError::LengthOverLimit(field));
        }
        self.take(len, field)
    }

    /// A `string` that must be UTF-8 text (user names, descriptions, prompts).
    pub fn read_utf8(&mut self, field: &'static str) -> Result<&'a str, WireError> {
        let bytes = self.read_string(field)?;
        std::str::from_utf8(bytes).map_err(|_| WireError::InvalidText(field))
    }

    /// A `string` holding a nested structure, returned as a reader over just its bytes.
    pub fn read_sub(&mut self, field: &'static str) -> Result<Reader<'a>, WireError> {
        Ok(Reader::new(self.read_string(field)?))
    }

    /// A `name-list`.
    pub fn read_name_list(&mut self, field: &'static str) -> Result<NameList<'a>, WireError> {
        let bytes = self.read_string_max(crate::limits::MAX_NAME_LIST, field)?;
        NameList::parse(bytes, field)
    }

    /// A non-negative `mpint`, returned as its big-endian magnitude without leading zeros (empty for zero).
    /// A negative value or a redundant leading zero byte is rejected, as RFC 4251 requires.
    pub fn read_mpint_positive(&mut self, field: &'static str) -> Result<&'a [u8], WireError> {
        let bytes = self.read_string(field)?;
        match bytes {
            [] => Ok(bytes),
            [first, ..] if first & 0x80 != 0 => Err(WireError::BadMpint(field)),
            [0, second, ..] if second & 0x80 != 0 => Ok(bytes.get(1..).unwrap_or_default()),
            [0, ..] => Err(WireError::BadMpint(field)),
            _ => Ok(bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc4251_examples() {
        // RFC 4251 §5 mpint examples.
        let mut r = Reader::new(&[0, 0, 0, 0]);
        assert_eq!(r.read_mpint_positive("m").unwrap(), b"");
        let mut r = Reader::new(&[0, 0, 0, 2, 0, 0x80]);
        assert_eq!(r.read_mpint_positive("m").unwrap(), &[0x80]);
        let mut r = Reader::new(&[0, 0, 0, 8, 0x09, 0xa3, 0x78, 0xf9, 0xb2, 0xe3, 0x32, 0xa7]);
        assert_eq!(r.read_mpint_positive("m").unwrap().len(), 8);
        let mut r = Reader::new(&[0, 0, 0, 2, 0xed, 0xcc]);
        assert_eq!(r.read_mpint_positive("m"), Err(WireError::BadMpint("m")));
        let mut r = Reader::new(&[0, 0, 0, 2, 0, 0x7f]);
        assert_eq!(r.read_mpint_positive("m"), Err(WireError::BadMpint("m")));
    }

    #[test]
    fn a_hostile_length_is_truncation_not_allocation() {
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
        assert_eq!(r.read_string("s"), Err(WireError::Truncated("s")));
    }

    #[test]
    fn finish_rejects_trailing_bytes() {
        let mut r = Reader::new(&[0, 0, 0, 1, 7, 9]);
        assert_eq!(r.read_string("s").unwrap(), &[7]);
        assert_eq!(r.finish("msg"), Err(WireError::TrailingData("msg")));
        r.read_u8("b").unwrap();
        assert!(r.finish("msg").is_ok());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let mut r = Reader::new(&bytes);
            let _ = r.read_name_list("n");
            let _ = r.read_mpint_positive("m");
            let _ = r.read_utf8("u");
            let _ = r.read_u64("q");
        }
    }
}
