//! The tokio driver around the oxssh protocol core.
//!
//! [`spawn`] runs one connection in its own task, which alone owns the core: no lock is taken on the
//! packet path. The application holds a [`Handle`] for commands and answers, receives connection-level
//! events (host key, authentication, channel open requests) from [`Driven::events`], and uses each
//! [`Channel`] as async streams. [`connect`] opens TCP connections with OpenSSH's behaviour and error
//! words. [`agent`] is the ssh-agent protocol client (async and blocking) for the tools.
#![forbid(unsafe_code)]

pub mod agent;
mod channel;
pub mod connect;
mod driver;
mod error;
mod handle;
mod input;
pub mod server;

pub use channel::{Channel, ChannelReader, ChannelWriter, Stream};
pub use driver::{Driven, DriverRole, spawn};
pub use error::DriverError;
pub use handle::{ConnectionInfo, Handle};
