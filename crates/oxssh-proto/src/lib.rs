//! The sans-IO SSH protocol core of oxssh.
//!
//! This crate implements SSH-2 (RFC 4251–4254 with their updates) as a state machine with no I/O: it
//! opens no socket, spawns no task, reads no clock and touches no file. Bytes read from the peer go in
//! through [`Connection::handle_input`]; bytes to send come out of [`Connection::poll_transmit`]; what
//! the application must see or decide comes out of [`Connection::poll_event`]; time comes in as `now`
//! arguments and deadlines go out through [`Connection::poll_timeout`]. See [`Connection`] for the
//! calling order a driver follows.
//!
//! Decisions that need the outside world — is this host key known, is this password right, may this
//! user open a pty — are events, and the answers are method calls. The core makes no progress on the
//! question meanwhile, so an answer may take as long as it needs (a prompt, PAM, an agent) without
//! blocking anything else.
//!
//! Every length read from the network is checked against a bound in [`limits`] before anything is
//! allocated, and nothing reachable from input panics: the crate denies `unwrap`, `expect`, `panic` and
//! indexing outside tests.
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

mod auth;
pub mod cipher;
mod client;
mod config;
mod conn;
mod connection;
mod core;
pub mod error;
mod event;
#[doc(hidden)]
pub mod fuzzing;
mod kex;
pub mod limits;
pub mod msg;
pub mod names;
mod random;
mod server;
mod transport;
mod version;

pub use client::ClientConnection;
pub use config::{Algorithms as AlgorithmPreferences, ClientConfig, Common, ServerConfig};
pub use conn::{Client, Connection, Server, Side};
pub use error::Error;
pub use event::{AuthMethod, ChannelId, Event, InfoPrompt};
pub use kex::{Algorithms, Role};
pub use server::ServerConnection;
pub use version::software_version;

/// Entry points for benchmarks; not a stable API.
#[doc(hidden)]
pub mod bench {
    pub use crate::kex::method::kex_roundtrip;
}
