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
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

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
