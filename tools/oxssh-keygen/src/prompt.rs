//! The terminal: standard output and error, lines read from standard input, and passphrases read
//! the way OpenSSH's `read_passphrase(prompt, RP_ALLOW_STDIN)` and `readpassphrase(3)` do
//! (`oxssh_sys::terminal::read_passphrase`).
//!
//! Passphrases come from the controlling terminal (`/dev/tty`) with echo off, the prompt written to
//! the terminal and a newline after the answer. Without a controlling terminal they come from
//! standard input, with the prompt on standard error. (OpenSSH would first try `ssh-askpass` when
//! `DISPLAY` is set and standard input is not a terminal; oxssh-keygen does not run askpass.)

use std::io::{self, BufRead, Write};

use oxssh_sys::terminal::PassphraseOptions;
use zeroize::Zeroizing;

/// Writes one diagnostic line to standard error the way OpenSSH's log functions do (`fatal`,
/// `error`, `logit`, `debug`): they end every line with `\r\n`.
pub fn log(err: &mut dyn Write, line: impl std::fmt::Display) {
    let _ = write!(err, "{line}\r\n");
    let _ = err.flush();
}

/// Where an operation talks to the user. The binary uses [`SystemConsole`]; tests can script one.
pub trait Console {
    /// Standard output.
    fn out(&mut self) -> &mut dyn Write;
    /// Standard error.
    fn err(&mut self) -> &mut dyn Write;
    /// One line of standard input without its newline, as `fgets` reads it; `None` at end of file.
    fn read_line(&mut self) -> Option<String>;
    /// A passphrase, read without echo.
    fn read_passphrase(&mut self, prompt: &str) -> Zeroizing<Vec<u8>>;
}

/// The process's own standard streams and terminal.
pub struct SystemConsole {
    out: io::Stdout,
    err: io::Stderr,
}

impl SystemConsole {
    /// The console of this process.
    pub fn new() -> Self {
        Self {
            out: io::stdout(),
            err: io::stderr(),
        }
    }
}

impl Default for SystemConsole {
    fn default() -> Self {
        Self::new()
    }
}

impl Console for SystemConsole {
    fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    fn err(&mut self) -> &mut dyn Write {
        &mut self.err
    }

    fn read_line(&mut self) -> Option<String> {
        let _ = self.out.flush();
        let mut line = Vec::new();
        match io::stdin().lock().read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                // fgets keeps the newline and ssh-keygen cuts at the first one.
                if let Some(at) = line.iter().position(|&b| b == b'\n') {
                    line.truncate(at);
                }
                Some(String::from_utf8_lossy(&line).into_owned())
            }
        }
    }

    fn read_passphrase(&mut self, prompt: &str) -> Zeroizing<Vec<u8>> {
        let _ = self.out.flush();
        let options = PassphraseOptions {
            allow_stdin: true,
            ..PassphraseOptions::default()
        };
        oxssh_sys::terminal::read_passphrase(prompt, options).unwrap_or_default()
    }
}

/// A console that replays scripted input and records output, for tests of the operations.
#[cfg(test)]
pub mod scripted {
    use super::*;
    use std::collections::VecDeque;

    /// Scripted input lines and passphrases; everything written is kept.
    #[derive(Default)]
    pub struct ScriptedConsole {
        /// What was written to standard output.
        pub out: Vec<u8>,
        /// What was written to standard error.
        pub err: Vec<u8>,
        /// Lines standard input will give, in order.
        pub lines: VecDeque<String>,
        /// Passphrases the terminal will give, in order.
        pub passphrases: VecDeque<String>,
        /// The passphrase prompts shown.
        pub prompts: Vec<String>,
    }

    impl Console for ScriptedConsole {
        fn out(&mut self) -> &mut dyn Write {
            &mut self.out
        }
        fn err(&mut self) -> &mut dyn Write {
            &mut self.err
        }
        fn read_line(&mut self) -> Option<String> {
            self.lines.pop_front()
        }
        fn read_passphrase(&mut self, prompt: &str) -> Zeroizing<Vec<u8>> {
            self.prompts.push(prompt.to_string());
            Zeroizing::new(
                self.passphrases
                    .pop_front()
                    .unwrap_or_default()
                    .into_bytes(),
            )
        }
    }
}
