//! oxssh-add, a drop-in replacement for OpenSSH's ssh-add(1): adds private keys to the
//! authentication agent (oxssh-agent or OpenSSH's ssh-agent), lists, tests and removes them, and
//! locks the agent.
//!
//! # What it does
//!
//! - `ssh-add [file ...]`: adds the files, or without files the default keys that exist
//!   (~/.ssh/id_rsa, id_ecdsa, id_ecdsa_sk, id_ed25519, id_ed25519_sk, id_xmss, id_dsa, in
//!   OpenSSH 9.2's order), asking "Enter passphrase for FILE: " for encrypted ones and reusing the
//!   last passphrase that worked. `-` reads a key from standard input.
//! - `-t life` and `-c` add the keys with a lifetime and with confirmation; `-q` is quiet; `-k`
//!   skips certificates.
//! - `-l` (with `-E md5|sha256`) and `-L` list; `-d` removes the files' keys (`-d -` reads public
//!   keys from standard input); `-D` removes all; `-x`/`-X` lock and unlock ("Enter lock
//!   password:", "Again:"); `-T pubkey ...` tests that the agent signs with each key.
//! - Messages, standard output versus standard error, line endings and exit statuses are
//!   OpenSSH's: 2 when there is no agent, 1 when an action fails (including "The agent has no
//!   identities."), 255 for fatal option errors.
//! - Passphrases come from `$SSH_ASKPASS` when standard input is not a terminal and a display is
//!   available (or `SSH_ASKPASS_REQUIRE` says so), else from the terminal, else from standard input.
//!
//! # Differences from OpenSSH
//!
//! - No PKCS#11 (`-s`, `-e`), FIDO (`-K`, `-S`), XMSS (`-M`, `-m`) or destination constraints
//!   (`-H`, `-h`): these are refused with a message, never ignored. Certificates (`FILE-cert.pub`)
//!   are reported, not added; `-l` skips keys of types oxssh cannot parse, as OpenSSH skips types
//!   it does not know.
//! - `-T` asks for rsa-sha2-512 signatures from RSA keys instead of SHA-1 ones.
//! - `~` is `$HOME` when that is set, as for the oxssh client.
#![forbid(unsafe_code)]

pub mod actions;
pub mod cli;
pub mod keyfile;
pub mod messages;
pub mod output;
pub mod prompt;

use std::ffi::OsString;

use oxssh_tokio::agent::{AgentClientError, BlockingAgent};

use crate::cli::Action;
use crate::output::Output;
use crate::prompt::{Prompter, SystemPrompter};

/// Runs ssh-add with the arguments after the program name; returns the exit status.
pub fn main_with(args: Vec<OsString>) -> i32 {
    run(args, &mut Output::stdio(), &mut SystemPrompter::new())
}

/// [`main_with`] with the output and the passphrase source given.
pub fn run(args: Vec<OsString>, out: &mut Output, prompter: &mut dyn Prompter) -> i32 {
    // Like ssh-add, the agent comes first: without one, nothing else matters.
    let agent = match BlockingAgent::connect_env() {
        Ok(a) => a,
        Err(AgentClientError::NotPresent) => {
            out.err(messages::NO_AGENT);
            return 2;
        }
        Err(e) => {
            out.err(&messages::agent_connect_failed(&e.to_string()));
            return 2;
        }
    };
    let options = match cli::parse(args) {
        Ok(o) => o,
        Err(exit) => {
            out.err_raw(&exit.stderr);
            return exit.status;
        }
    };
    let mut session = actions::Session::new(agent, out, prompter, &options);
    let ok = match options.action {
        Action::Lock { lock } => session.lock(lock),
        Action::List { fingerprints } => session.list(fingerprints),
        Action::DeleteAll => session.delete_all(),
        Action::Test => session.test(&options.files),
        Action::Delete => session.files(true),
        Action::Add => session.files(false),
    };
    i32::from(!ok)
}
