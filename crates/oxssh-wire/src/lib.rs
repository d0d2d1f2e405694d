//! SSH wire encoding, RFC 4251 §5.
//!
//! Everything oxssh reads from the network goes through [`Reader`]: it borrows from the input, checks
//! every length field against the bytes actually present before touching them, and can insist that a
//! message has no trailing bytes ([`Reader::finish`]). Nothing here allocates on behalf of the peer.
//!
//! [`Writer`] is implemented for `Vec<u8>` and `BytesMut`; a length that precedes its body is written
//! by reserving four bytes and patching them afterwards ([`Writer::write_length_prefixed`]).
#![forbid(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod error;
mod name_list;
mod reader;
mod writer;

pub use error::WireError;
pub use name_list::NameList;
pub use reader::Reader;
pub use writer::Writer;

/// Wire limits shared by every layer.
pub mod limits {
    /// The longest name-list we accept. OpenSSH's proposals are well under 2 KiB; 64 KiB leaves room for
    /// long custom lists while bounding the work of matching two lists (quadratic in the names).
    pub const MAX_NAME_LIST: usize = 64 * 1024;
    /// The longest single algorithm or method name (RFC 4251 §6 says 64 characters).
    pub const MAX_NAME: usize = 64;
}
