//! SSH keys for oxssh: key types and signature algorithms, public and private keys, key files,
//! signatures, fingerprints and randomart, known_hosts, authorized_keys and the agent protocol.
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
//!   encrypted) and PPK (Ed25519 only) files, and written as openssh-key-v1 (optionally encrypted),
//!   PEM or PKCS#8. aws-lc-rs loads RSA private keys of 2048 to 8192 bits only. Secret material is
//!   zeroized on drop and never printed by `Debug`.
//! - **Text files** ([`known_hosts`], [`authorized_keys`]) are parsed line by line the way OpenSSH
//!   does: a bad line is skipped and reported, never fatal for the file. Rewrites are pure functions
//!   over text.
//! - **Agent messages** ([`agent`]) are typed both ways and bounded to 256 KiB before allocation.
//! - **Nothing reachable from input panics**, and every length is checked against the input or a named
//!   bound in [`limits`] before anything is allocated ([`fuzzing`] holds the entry points that check it).
//! - The crate does no I/O of its own and reads no clock: callers pass file contents and `now`.
//!
//! Every `ssh-key` crate item (a release candidate) is confined to `private/openssh_file.rs`.
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
