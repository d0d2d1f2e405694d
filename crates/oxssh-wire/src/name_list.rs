use crate::{WireError, limits};

/// A validated, borrowed name-list (RFC 4251 §5): comma-separated, non-empty, printable US-ASCII names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NameList<'a>(&'a str);

impl<'a> NameList<'a> {
    /// Checks `bytes` as a name-list; `field` names it in any error.
    pub fn parse(bytes: &'a [u8], field: &'static str) -> Result<Self, WireError> {
        if bytes.len() > limits::MAX_NAME_LIST {
            return Err(WireError::LengthOverLimit(field));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| WireError::InvalidText(field))?;
        if !text.is_empty() {
            for name in text.split(',') {
                let printable = name.bytes().all(|b| (0x21..0x7f).contains(&b));
                if name.is_empty() || name.len() > limits::MAX_NAME || !printable {
                    return Err(WireError::BadNameList(field));
                }
            }
        }
        Ok(Self(text))
    }

    /// The names in order. An empty list yields nothing.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let text = self.0;
        text.split(',').filter(|n| !n.is_empty())
    }

    /// Whether `name` is in the list.
    pub fn contains(&self, name: &str) -> bool {
        self.iter().any(|n| n == name)
    }

    /// The list as it appeared on the wire.
    pub fn as_str(&self) -> &'a str {
        self.0
    }

    /// Whether the list has no names.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_lists() {
        let l = NameList::parse(b"aes128-ctr,hmac-sha2-256@x", "t").unwrap();
        assert_eq!(
            l.iter().collect::<Vec<_>>(),
            ["aes128-ctr", "hmac-sha2-256@x"]
        );
        assert!(NameList::parse(b"", "t").unwrap().is_empty());
    }

    #[test]
    fn rejects_empty_names_spaces_and_long_names() {
        for bad in [&b"a,,b"[..], b",a", b"a,", b"a b", b"a\x00"] {
            assert_eq!(
                NameList::parse(bad, "t"),
                Err(WireError::BadNameList("t")),
                "{bad:?}"
            );
        }
        assert!(NameList::parse(&[b'a'; 65], "t").is_err());
        assert!(NameList::parse(&[b'a'; 64], "t").is_ok());
    }
}
