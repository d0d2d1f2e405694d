//! ssh_config(5) and sshd_config(5) for oxssh.
//!
//! # Contract
//!
//! - **One keyword table per format** ([`keywords::client_keywords`], [`keywords::server_keywords`])
//!   drives parsing, defaults, the sshd `Match` overlay and the `ssh -G` / `sshd -T` output. Every
//!   keyword OpenSSH 9.2 (as Debian builds it) knows is in the table: the ones oxssh does not act on
//!   are still read, checked and printed ([`keywords::Support::ParseOnly`]); the ones OpenSSH marks
//!   deprecated or unsupported are accepted with OpenSSH's own note.
//! - **Same words as OpenSSH.** Errors and warnings are the lines ssh/sshd print
//!   ([`ConfigError::messages`]), and ssh keeps reading after a bad line to count them
//!   ("terminating, N bad configuration options") while sshd stops at the first bad value.
//! - **No side effects.** The library reads the files it is given and the ones they `Include`, and
//!   nothing else: it runs no command, resolves no name, looks up no user. `Match exec`, group
//!   membership, home directories, the host name and environment variables come from the caller's
//!   [`Environment`]. Algorithm names come from the caller too ([`Algorithms`]), so this crate does
//!   not depend on the protocol crate.
//! - **Nothing panics on any input**; include depth is bounded (16, as OpenSSH) and so is the size of
//!   a file.
//!
//! The client side is [`client::resolve`]; the server side is [`server::ServerConfig`].
//!
//! # Compared with OpenSSH
//!
//! The tests run the installed OpenSSH 9.2 (`ssh -G`, `sshd -T [-C]`) on the same files and compare
//! every output and error line. Where we knowingly differ:
//!
//! - **Algorithm lines** (`ciphers`, `macs`, `kexalgorithms`, `hostkeyalgorithms`...) list what the
//!   caller implements; they equal OpenSSH's only when OpenSSH's lists are passed in, as the tests
//!   do. A name we do not implement is refused like an algorithm missing from OpenSSH's build.
//! - **No name resolution**: `CanonicalizeHostname` re-reads the files with the lower-cased name but
//!   does not try `CanonicalDomains` or follow CNAMEs, ssh's canonical-name lookup of dot-less host
//!   names is not done, and a `ListenAddress` given as a host name is printed unresolved.
//! - **`LocalForward` to a socket path**: ssh 9.2 also prints such a forward as a `dynamicforward`
//!   line (a bug in `dump_cfg_forwards`); we print only the `localforward` line.
//! - **Inactive blocks**: ssh applies `StreamLocalBindMask` and `SyslogFacility` even from `Host`
//!   blocks that do not match; we apply them only from active ones.
//! - **Duplicates**: `IdentityFile`/`CertificateFile` drop a repeated path even when one came from
//!   the user file and one from the system file (ssh keeps both).
//! - **Addresses**: CIDR lists take the usual dotted-quad and RFC 4291 forms only (not `10.1` or
//!   `fe80::1%eth0`).
//! - `UpdateHostKeys ask` is not switched off for remote commands or ControlPersist here: that
//!   depends on the command line, which is the tool's business.
//!
//! The keyword tables follow Debian's build of OpenSSH (GSSAPI, Kerberos and PAM keywords, Debian's
//! defaults for `ForwardX11Trusted` and `IPQoS`), because that is the OpenSSH oxssh replaces here.
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

pub mod algorithms;
pub mod client;
mod defaults;
pub mod env;
mod error;
pub mod forward;
pub mod keywords;
mod lexer;
pub mod matching;
mod parse;
pub mod server;
mod source;
mod store;
pub mod tokens;
pub mod types;
pub mod values;

#[doc(hidden)]
pub mod fuzzing;

pub use algorithms::{AlgorithmKind, AlgorithmList, Algorithms};
pub use env::{Environment, FixedEnvironment};
pub use error::{ConfigError, Diagnostic, ErrorKind, Severity};
pub use store::ListenAddress;
