//! Passphrases, read the way OpenSSH's `read_passphrase(prompt, RP_ALLOW_STDIN)` reads them
//! (readpass.c, shared with the other tools in `oxssh_cli::readpass`): `$SSH_ASKPASS` when
//! standard input is not a terminal and a display is available (or `SSH_ASKPASS_REQUIRE` says so),
//! otherwise the controlling terminal with echo off, or standard input without one.

use oxssh_cli::readpass::{self, AskpassEnv};
use zeroize::Zeroizing;

/// Something that answers passphrase prompts. The binary uses [`SystemPrompter`]; tests script one.
pub trait Prompter {
    /// The answer to `prompt`; empty when there is none (end of input, askpass failed).
    fn read(&mut self, prompt: &str) -> Zeroizing<String>;
}

/// Passphrases from askpass, the terminal or standard input.
#[derive(Debug, Default)]
pub struct SystemPrompter {
    env: AskpassEnv,
}

impl SystemPrompter {
    /// A prompter for this process's environment.
    pub fn new() -> Self {
        Self {
            env: AskpassEnv::from_process(),
        }
    }
}

impl Prompter for SystemPrompter {
    fn read(&mut self, prompt: &str) -> Zeroizing<String> {
        readpass::read_passphrase(prompt, &self.env)
    }
}
