//! Errors of the protocol core, classified by who is at fault (the rustls model), and the single mapping
//! from an error to the DISCONNECT the peer receives.
//!
//! Every part is `Copy` and carries only `&'static str` context: a flood of hostile input costs nothing to
//! report, and no peer bytes are echoed into logs.

use oxssh_wire::WireError;

/// Anything that ends a connection. Once returned, the connection is dead and every later call returns
/// the same error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The peer sent bytes we could not parse.
    #[error("invalid message: {0}")]
    InvalidMessage(#[from] InvalidMessage),
    /// The peer sent something well-formed that breaks a protocol rule.
    #[error("peer misbehaved: {0}")]
    PeerMisbehaved(#[from] PeerMisbehaved),
    /// The peer is legal but we cannot agree with it.
    #[error("{0}")]
    PeerIncompatible(#[from] PeerIncompatible),
    /// A MAC, tag or signature did not verify, or a key-exchange value was invalid.
    #[error("{0}")]
    Crypto(#[from] CryptoError),
    /// The application called the core in a way the protocol state does not allow.
    #[error("API misuse: {0}")]
    ApiMisuse(#[from] ApiMisuse),
    /// The peer sent DISCONNECT with this reason code.
    #[error("disconnected by peer (reason {0})")]
    PeerDisconnected(u32),
    /// We disconnected on the application's request.
    #[error("disconnected locally")]
    LocallyDisconnected,
    /// A deadline passed (the named stage).
    #[error("timed out during {0}")]
    Timeout(&'static str),
}

impl From<WireError> for Error {
    fn from(e: WireError) -> Self {
        Self::InvalidMessage(InvalidMessage::Wire(e))
    }
}

/// Bytes that could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidMessage {
    /// A field was truncated, too long, had trailing data or bad text.
    #[error("{0}")]
    Wire(#[from] WireError),
    /// The identification line was not `SSH-2.0-...` or broke the RFC 4253 §4.2 rules.
    #[error("bad identification line: {0}")]
    BadVersion(&'static str),
    /// A packet length was above the limit or below the minimum.
    #[error("bad packet length")]
    BadPacketLength,
    /// The padding was shorter than 4 bytes, longer than the packet, or the packet was not block-aligned.
    #[error("bad padding")]
    BadPadding,
    /// A packet had no payload (not even a message number).
    #[error("empty packet")]
    EmptyPacket,
    /// A message's fields were well-formed but carried a value outside the allowed set.
    #[error("bad value in {0}")]
    BadValue(&'static str),
    /// A compressed payload did not inflate, or inflated beyond the largest payload.
    #[error("bad compressed data")]
    BadCompression,
}

/// Well-formed input that breaks a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeerMisbehaved {
    /// A message arrived in a state that does not allow it.
    #[error("unexpected message {got} (expected {expected})")]
    UnexpectedMessage {
        /// What the state waits for.
        expected: &'static str,
        /// The message number that arrived.
        got: u8,
    },
    /// Under strict key exchange, a message other than the key exchange's own arrived before the first
    /// NEWKEYS (the Terrapin defence, CVE-2023-48795).
    #[error("strict key exchange violated by message {0}")]
    StrictKexViolation(u8),
    /// The inbound sequence number wrapped during the initial key exchange under strict kex.
    #[error("sequence number wrapped during initial key exchange")]
    SequenceWrappedInInitialKex,
    /// The peer guessed a first kex packet wrongly and we could not skip it.
    #[error("first_kex_packet_follows used improperly")]
    BadGuess,
    /// Channel data beyond the window we granted.
    #[error("channel window exceeded")]
    WindowExceeded,
    /// Channel data larger than the maximum packet size we announced.
    #[error("channel packet over the announced maximum")]
    ChannelPacketTooLarge,
    /// A message named a channel that does not exist or is closed.
    #[error("unknown channel")]
    UnknownChannel,
    /// More of something than a limit allows (the named limit).
    #[error("too many {0}")]
    TooMany(&'static str),
    /// The peer sent its identification or packets in a way the RFC forbids (named).
    #[error("{0}")]
    ProtocolViolation(&'static str),
    /// The peer did not send its identification line in time or sent too much before it.
    #[error("identification exchange failed: {0}")]
    NoIdentification(&'static str),
}

/// The peer's choices and ours do not meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeerIncompatible {
    /// No algorithm of the named kind is in both lists.
    #[error("no matching {0} found")]
    NoCommonAlgorithm(&'static str),
    /// The peer speaks an SSH protocol version other than 2.0.
    #[error("protocol major versions differ")]
    UnsupportedVersion,
    /// Authentication failed with every method we had.
    #[error("no more authentication methods to try")]
    NoMoreAuthMethods,
    /// The client failed authentication more often than MaxAuthTries allows.
    #[error("Too many authentication failures")]
    TooManyAuthFailures,
    /// The server refused the service request.
    #[error("service not available")]
    ServiceNotAvailable,
}

/// Cryptographic failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// A packet's MAC or AEAD tag did not verify.
    #[error("message authentication code incorrect")]
    MacMismatch,
    /// The host key's signature over the exchange hash did not verify.
    #[error("host key signature verification failed")]
    BadSignature,
    /// The peer's key-exchange public value was invalid (a low-order point, off the curve, out of range).
    #[error("invalid key exchange value: {0}")]
    InvalidKexValue(&'static str),
    /// The peer's host key blob could not be parsed or was of the wrong type.
    #[error("bad host key")]
    BadHostKey,
    /// A primitive failed for a reason that is not the peer's fault (key setup, RNG).
    #[error("cryptographic operation failed: {0}")]
    Internal(&'static str),
}

/// The application used the core wrongly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApiMisuse {
    /// The channel id does not name an open channel.
    #[error("channel not open")]
    ChannelNotOpen,
    /// Connection-layer traffic before authentication finished.
    #[error("not authenticated yet")]
    NotAuthenticated,
    /// An answer was given when no question was pending.
    #[error("no {0} pending")]
    NothingPending(&'static str),
    /// The configuration is unusable (named).
    #[error("bad configuration: {0}")]
    BadConfig(&'static str),
}

/// DISCONNECT reason codes, RFC 4253 §11.1.
pub mod reason {
    /// SSH_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT
    pub const HOST_NOT_ALLOWED_TO_CONNECT: u32 = 1;
    /// SSH_DISCONNECT_PROTOCOL_ERROR
    pub const PROTOCOL_ERROR: u32 = 2;
    /// SSH_DISCONNECT_KEY_EXCHANGE_FAILED
    pub const KEY_EXCHANGE_FAILED: u32 = 3;
    /// SSH_DISCONNECT_MAC_ERROR
    pub const MAC_ERROR: u32 = 5;
    /// SSH_DISCONNECT_SERVICE_NOT_AVAILABLE
    pub const SERVICE_NOT_AVAILABLE: u32 = 7;
    /// SSH_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED
    pub const PROTOCOL_VERSION_NOT_SUPPORTED: u32 = 8;
    /// SSH_DISCONNECT_HOST_KEY_NOT_VERIFIABLE
    pub const HOST_KEY_NOT_VERIFIABLE: u32 = 9;
    /// SSH_DISCONNECT_BY_APPLICATION
    pub const BY_APPLICATION: u32 = 11;
    /// SSH_DISCONNECT_TOO_MANY_CONNECTIONS
    pub const TOO_MANY_CONNECTIONS: u32 = 12;
    /// SSH_DISCONNECT_AUTH_CANCELLED_BY_USER
    pub const AUTH_CANCELLED_BY_USER: u32 = 13;
    /// SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE
    pub const NO_MORE_AUTH_METHODS_AVAILABLE: u32 = 14;
}

impl Error {
    /// The DISCONNECT reason code and description the peer receives for this error. This is the only
    /// place the core chooses a reason code. `None` means no DISCONNECT is sent (the peer already left).
    pub fn disconnect_reason(&self) -> Option<(u32, &'static str)> {
        Some(match self {
            Self::InvalidMessage(InvalidMessage::BadVersion(_)) => {
                (reason::PROTOCOL_ERROR, "bad identification")
            }
            Self::InvalidMessage(_) => (reason::PROTOCOL_ERROR, "malformed packet"),
            Self::PeerMisbehaved(PeerMisbehaved::StrictKexViolation(_)) => {
                (reason::PROTOCOL_ERROR, "strict KEX violation")
            }
            Self::PeerMisbehaved(_) => (reason::PROTOCOL_ERROR, "protocol error"),
            Self::PeerIncompatible(PeerIncompatible::NoCommonAlgorithm(_)) => {
                (reason::KEY_EXCHANGE_FAILED, "no matching algorithm")
            }
            Self::PeerIncompatible(PeerIncompatible::UnsupportedVersion) => (
                reason::PROTOCOL_VERSION_NOT_SUPPORTED,
                "protocol version not supported",
            ),
            Self::PeerIncompatible(PeerIncompatible::NoMoreAuthMethods) => (
                reason::NO_MORE_AUTH_METHODS_AVAILABLE,
                "no more authentication methods",
            ),
            Self::PeerIncompatible(PeerIncompatible::TooManyAuthFailures) => {
                (reason::PROTOCOL_ERROR, "Too many authentication failures")
            }
            Self::PeerIncompatible(PeerIncompatible::ServiceNotAvailable) => {
                (reason::SERVICE_NOT_AVAILABLE, "service not available")
            }
            Self::Crypto(CryptoError::MacMismatch) => {
                (reason::MAC_ERROR, "message authentication code incorrect")
            }
            Self::Crypto(CryptoError::BadSignature | CryptoError::BadHostKey) => (
                reason::HOST_KEY_NOT_VERIFIABLE,
                "host key verification failed",
            ),
            Self::Crypto(_) => (reason::KEY_EXCHANGE_FAILED, "key exchange failed"),
            Self::ApiMisuse(_) | Self::LocallyDisconnected => {
                (reason::BY_APPLICATION, "disconnected by application")
            }
            Self::Timeout(_) => (reason::BY_APPLICATION, "timeout"),
            Self::PeerDisconnected(_) => return None,
        })
    }
}
