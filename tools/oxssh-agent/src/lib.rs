//! oxssh-agent, a drop-in replacement for OpenSSH's ssh-agent(1): holds private keys in memory and
//! signs with them for clients that connect to its Unix socket, so that passphrases are typed once.
//!
//! # What it does
//!
//! - Options as ssh-agent 9.2: `-a SOCKET`, `-c`/`-s` (csh or sh output, else chosen from
//!   `$SHELL`), `-D` (foreground), `-d` (foreground with debug lines), `-k` (kill the agent named
//!   by `SSH_AGENT_PID`), `-t life` (default key lifetime), `-E hash` (fingerprints in
//!   confirmation prompts), and `ssh-agent command [args]` (run the command with the agent, which
//!   exits when the command does). `-O no-restrict-websafe` and `-P` are accepted and have no
//!   effect: there are no security-key or PKCS#11 providers.
//! - The socket is `$TMPDIR/ssh-XXXXXXXXXXXX/agent.PID` (directory 0700, socket 0600), removed
//!   on exit (SIGTERM, SIGHUP, SIGINT in the foreground, or the command's end).
//! - Every message of the agent protocol (draft-miller-ssh-agent, PROTOCOL.agent): list, sign
//!   (rsa-sha2-256/512 flags), add with lifetime and confirm constraints, remove, remove all,
//!   lock and unlock, the `query` extension and `session-bind@openssh.com`.
//!
//! # Security
//!
//! - Only the agent's own user (and root) may use the socket: the peer's uid is checked.
//! - Messages are bounded to 256 KiB before their body is read; many clients are served at once
//!   and a slow one (waiting for a confirmation) does not hold up the others.
//! - Keys are zeroized when removed or expired; the lock passphrase is kept only as a salted hash,
//!   compared in constant time, and wrong guesses are slowed down.
//! - The process is not dumpable (no ptrace attach, no core files).
//!
//! # Differences from OpenSSH
//!
//! - No PKCS#11 or FIDO keys, certificates, destination constraints (`ssh-add -h`, refused) or
//!   XMSS signature limits (refused); DSA keys cannot be added.
//! - An RSA signature requested without a SHA-2 flag is made with rsa-sha2-512, never SHA-1.
//! - `-E` takes sha256 and md5.
//! - Instead of forking, the background agent is this program started again with the socket.
#![forbid(unsafe_code)]

pub mod cli;
pub mod confirm;
pub mod handler;
pub mod keystore;
pub mod launch;
pub mod log;
pub mod messages;
pub mod server;
pub mod socket;

use std::ffi::OsString;

/// Runs the agent with the process's arguments (program name first); returns the exit status.
pub fn main_with(args: Vec<OsString>) -> i32 {
    // Keys in memory must not be readable through ptrace or a core file: first thing, before any
    // key or socket exists (platform_disable_tracing; not fatal, as in OpenSSH, since some
    // sandboxes refuse prctl).
    let _ = oxssh_sys::process::disable_tracing();
    let mut args = args.into_iter();
    let program = args.next().unwrap_or_else(|| OsString::from("oxssh-agent"));
    let rest: Vec<OsString> = args.collect();
    if rest.first().is_some_and(|a| a == launch::CHILD_FLAG) {
        return launch::background(&rest[1..]);
    }
    match cli::parse(rest) {
        Ok(options) => launch::start(&options, &program),
        Err(exit) => {
            eprint!("{}", exit.stderr);
            exit.status
        }
    }
}
