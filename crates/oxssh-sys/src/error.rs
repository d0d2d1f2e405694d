//! The crate's error type.

use std::io;

use crate::fs_checks::StrictModesError;
use crate::pam::PamError;

/// Everything that can go wrong in `oxssh-sys`.
///
/// `Os` carries the name of the failing call so that the daemon's one-line messages can say what
/// was attempted (`openpt: No such device`), as OpenSSH's `error("%s: ...", __func__)` does.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A system call failed.
    #[error("{op}: {source}")]
    Os {
        /// The call or step that failed, e.g. `"tcgetattr"`.
        op: &'static str,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// An RFC 4254 §8 terminal-mode string ended in the middle of an argument.
    #[error("terminal modes truncated at byte {offset}")]
    TruncatedModes {
        /// Where the incomplete opcode started.
        offset: usize,
    },
    /// A string handed to a C interface contained a NUL byte.
    #[error("{0} contains a NUL byte")]
    NulByte(&'static str),
    /// A change to another user was asked for while not running as root.
    #[error("cannot switch to uid {target}: not running as root")]
    NotPrivileged {
        /// The uid that was asked for.
        target: u32,
    },
    /// After dropping privileges the child could regain its old uid or gid, so the drop was not
    /// permanent; the child was not started. OpenSSH's `permanently_set_uid` treats this as fatal.
    #[error("privilege drop was not permanent: old uid or gid could be restored")]
    PrivilegeDropNotPermanent,
    /// A signal name outside RFC 4254 §6.10's list.
    #[error("unknown signal name {0:?}")]
    UnknownSignal(String),
    /// A PAM call failed.
    #[error(transparent)]
    Pam(#[from] PamError),
    /// A StrictModes check failed.
    #[error(transparent)]
    StrictModes(#[from] StrictModesError),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an OS error (from std, rustix or nix) with the name of the failing call.
    pub(crate) fn os(op: &'static str, source: impl Into<io::Error>) -> Self {
        Self::Os {
            op,
            source: source.into(),
        }
    }
}
