//! The sans-IO SSH protocol core of oxssh.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod cipher;
pub mod error;
pub(crate) mod kex;
pub mod names;

pub use error::Error;
