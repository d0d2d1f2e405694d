//! Operating-system calls for oxssh: ptys and terminal modes, users and groups, shadow passwords,
//! crypt, PAM, starting a user's process, StrictModes checks, daemonising and syslog.
//!
//! # Contract
//!
//! - This is the only crate of the workspace allowed `unsafe_code`, and inside it only
//!   `src/ffi.rs` does (ARCHITECTURE.md §1). Everything else here is safe Rust over `rustix` and
//!   `nix`; `ffi.rs` holds what no safe crate offers: PAM (over `libpam-sys`), `crypt_rn`,
//!   `getspnam_r`, and the `pre_exec` hook that sets up a child between `fork` and `exec`.
//! - Every function here **blocks** (PAM may sleep seconds after a failure, NSS may ask the
//!   network, `waitpid` waits). Callers on an async runtime run them with
//!   `tokio::task::spawn_blocking` or on a dedicated thread.
//! - Nothing here panics on bad input; errors are [`Error`] (or the domain errors
//!   [`pam::PamError`] and [`fs_checks::StrictModesError`], which convert into it).
//! - The daemon reaches these calls through its privileged module only
//!   (ARCHITECTURE.md §9): user lookup and password checks before authentication, pty and spawn
//!   after.
//!
//! # Modules
//!
//! | module | what |
//! |---|---|
//! | [`pty`] | open a pty pair, window size, RFC 4254 §8 terminal modes (decode and apply, encode) |
//! | [`terminal`] | the client's raw-mode guard, window size and `isatty` of its own terminal |
//! | [`user`] | passwd and group lookup through NSS, supplementary groups, shadow entries |
//! | [`password`] | checking a password against a crypt(3) hash with libxcrypt |
//! | [`pam`] | a PAM transaction with a Rust conversation |
//! | [`spawn`] | starting a user's process on a pty or pipes; waiting; signals |
//! | [`fs_checks`] | StrictModes path checks, pid file, daemonising, host name |
//! | [`process`] | hardening a process that holds secrets: no ptrace, no core dumps |
//! | [`syslog`] | `openlog`/`syslog` with OpenSSH's facility and level names |
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod ffi;

pub mod fs_checks;
pub mod pam;
pub mod password;
pub mod process;
pub mod pty;
pub mod spawn;
pub mod syslog;
pub mod terminal;
pub mod user;

pub use error::{Error, Result};

/// Process, user and group ids as the rest of oxssh sees them, re-exported so that callers need
/// no direct dependency on `nix`.
pub use nix::unistd::{Gid, Pid, Uid};
