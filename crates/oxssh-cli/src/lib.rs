//! What the oxssh command-line tools share that is neither protocol nor system call: OpenSSH's
//! readpass.c decisions ([`readpass`]: whether a passphrase or a confirmation comes from
//! `$SSH_ASKPASS` or from the terminal, and how askpass is run and its answer read), and the
//! getopt habits of argument parsing ([`args`], [`exit`]).
//!
//! The terminal itself (echo off, signals, `/dev/tty`) is `oxssh_sys::terminal`; this crate
//! decides when to use it.
#![forbid(unsafe_code)]

pub mod args;
pub mod exit;
pub mod readpass;
