//! Why a driven connection ended.

/// The end of a connection, or a failed operation on it.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The protocol core failed (the peer was sent a DISCONNECT where appropriate).
    #[error("{0}")]
    Protocol(#[from] oxssh_proto::Error),
    /// Reading or writing the socket failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The peer closed the TCP connection without DISCONNECT.
    #[error("Connection closed by remote host")]
    PeerClosed,
    /// The peer refused to open a channel.
    #[error("channel open failed: {description} (reason {reason})")]
    ChannelOpenFailed {
        /// RFC 4254 §5.1 reason code.
        reason: u32,
        /// The peer's description.
        description: String,
    },
    /// Algorithm negotiation found nothing in common; `their_offer` is the peer's list for that
    /// kind, which OpenSSH quotes.
    #[error("no matching {what} found. Their offer: {their_offer}")]
    Negotiation {
        /// The kind of algorithm ("cipher", "MAC", ...).
        what: &'static str,
        /// The peer's name-list for it.
        their_offer: String,
    },
    /// The connection is gone.
    #[error("connection closed")]
    Closed,
}
