/// A field could not be decoded. Each variant carries the name of the field so that a log line says what
/// was wrong without copying any of the peer's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The input ended inside the named field.
    #[error("truncated {0}")]
    Truncated(&'static str),
    /// Bytes were left after the last field of the named message.
    #[error("trailing data after {0}")]
    TrailingData(&'static str),
    /// A length field was larger than the limit for the named field.
    #[error("{0} is longer than allowed")]
    LengthOverLimit(&'static str),
    /// The named field must be UTF-8 (or US-ASCII) and is not.
    #[error("{0} is not valid text")]
    InvalidText(&'static str),
    /// An mpint had a redundant leading byte, or was negative where only positive values are allowed.
    #[error("malformed mpint {0}")]
    BadMpint(&'static str),
    /// A name-list contained an empty name, a name over 64 bytes, or a character outside printable ASCII.
    #[error("malformed name-list {0}")]
    BadNameList(&'static str),
}
