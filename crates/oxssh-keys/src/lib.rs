//! SSH keys for oxssh.
//!
//! # Contract
//!
//! - **Public keys** ([`PublicKey`]) are parsed strictly from the SSH wire blob: unknown types, wrong
//!   lengths, trailing bytes, points off the curve and RSA moduli outside 1024..=16384 bits are
//!   refused. Equality is over the canonical blob.
//! - **Signatures** are SSH signature blobs (`string name, string signature`). Every signature is made
//!   and checked by aws-lc-rs; RSA private-key operations never use the `rsa` crate (Marvin,
//!   RUSTSEC-2023-0071). SHA-1 RSA signatures are verified on request but never made.
//! - **Private keys** ([`PrivateKey`]) are read from openssh-key-v1, PKCS#1, SEC1, PKCS#8 (plain or
//!   encrypted) and PPK files and written as openssh-key-v1 (optionally encrypted), PEM or PKCS#8.
//!   Secret material is zeroized on drop and never printed by `Debug`.
//! - **Nothing reachable from input panics**, and every length is checked against the input or a named
//!   bound in [`limits`] before anything is allocated.
//! - The crate does no I/O of its own and reads no clock: callers pass file contents and `now`.
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

pub mod agent;
mod algorithm;
pub mod authorized_keys;
mod error;
mod fingerprint;
#[doc(hidden)]
pub mod fuzzing;
pub mod known_hosts;
pub mod limits;
pub mod pattern;
mod private;
mod public;
pub mod randomart;
mod signature;

pub use algorithm::{KeyType, SignatureAlgorithm};
pub use error::KeyError;
pub use fingerprint::FingerprintHash;
pub use private::{DEFAULT_KDF_ROUNDS, DEFAULT_RSA_BITS, PrivateKey};
pub use public::PublicKey;
