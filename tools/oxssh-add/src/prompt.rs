//! Passphrases, read the way OpenSSH's `read_passphrase(prompt, RP_ALLOW_STDIN)` reads them
//! (readpass.c):
//!
//! - When standard input is not a terminal and a display is available (`DISPLAY` or
//!   `WAYLAND_DISPLAY`), or whenever `SSH_ASKPASS_REQUIRE=force`, `$SSH_ASKPASS` (default
//!   /usr/bin/ssh-askpass) is run with the prompt as its argument and its first output line is the
//!   answer (nothing if it fails). `SSH_ASKPASS_REQUIRE=prefer` uses it whenever a display is
//!   available, `never` never.
//! - Otherwise `readpassphrase(3)`: the controlling terminal (`/dev/tty`) with echo off and a
//!   newline after the answer; without one, standard input, with the prompt on standard error.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::process::{Command, Stdio};

use rustix::termios::{self, LocalModes, OptionalActions};
use zeroize::Zeroizing;

/// The askpass program OpenSSH uses when `SSH_ASKPASS` is unset (Debian's `_PATH_SSH_ASKPASS_DEFAULT`).
pub const DEFAULT_ASKPASS: &str = "/usr/bin/ssh-askpass";

/// `readpassphrase` keeps at most this many bytes (OpenSSH passes a 1024-byte buffer).
const MAX_PASSPHRASE: usize = 1023;

/// Something that answers passphrase prompts. The binary uses [`SystemPrompter`]; tests script one.
pub trait Prompter {
    /// The answer to `prompt`; empty when there is none (end of input, askpass failed).
    fn read(&mut self, prompt: &str) -> Zeroizing<String>;
}

/// The environment readpass.c consults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AskpassEnv {
    /// `SSH_ASKPASS`.
    pub askpass: Option<String>,
    /// `DISPLAY` or `WAYLAND_DISPLAY` is set and not empty.
    pub display: bool,
    /// `SSH_ASKPASS_REQUIRE`.
    pub require: Option<String>,
}

impl AskpassEnv {
    /// This process's environment.
    pub fn from_process() -> Self {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        Self {
            askpass: std::env::var("SSH_ASKPASS").ok(),
            display: set("DISPLAY") || set("WAYLAND_DISPLAY"),
            require: std::env::var("SSH_ASKPASS_REQUIRE").ok(),
        }
    }

    /// The askpass program to run, given whether standard input is a terminal; `None` means
    /// `readpassphrase`.
    pub fn askpass_for(&self, stdin_is_tty: bool) -> Option<String> {
        let mut allow = self.display;
        let mut use_askpass = !stdin_is_tty;
        match self.require.as_deref() {
            Some(r) if r.eq_ignore_ascii_case("force") => {
                use_askpass = true;
                allow = true;
            }
            Some(r) if r.eq_ignore_ascii_case("prefer") => use_askpass = allow,
            Some(r) if r.eq_ignore_ascii_case("never") => allow = false,
            _ => {}
        }
        (use_askpass && allow).then(|| {
            self.askpass
                .clone()
                .unwrap_or_else(|| DEFAULT_ASKPASS.to_owned())
        })
    }
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
        let stdin_is_tty = termios::isatty(io::stdin());
        if let Some(program) = self.env.askpass_for(stdin_is_tty) {
            return askpass(&program, prompt);
        }
        let bytes = match File::options().read(true).write(true).open("/dev/tty") {
            Ok(tty) => {
                let mut output = &tty;
                read_hidden(&tty, &mut output, prompt, |buf| (&tty).read(buf))
            }
            Err(_) => {
                let stdin = io::stdin();
                let mut err = io::stderr();
                read_hidden(&stdin, &mut err, prompt, |buf| stdin.lock().read(buf))
            }
        };
        Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// readpass.c `ssh_askpass`: the program's first line of output if it exits 0, else nothing.
fn askpass(program: &str, prompt: &str) -> Zeroizing<String> {
    let output = Command::new(program)
        .arg(prompt)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output();
    let Ok(output) = output else {
        return Zeroizing::new(String::new());
    };
    let stdout = Zeroizing::new(output.stdout);
    if !output.status.success() {
        return Zeroizing::new(String::new());
    }
    let end = stdout
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(stdout.len());
    Zeroizing::new(String::from_utf8_lossy(&stdout[..end]).into_owned())
}

/// readpassphrase(3): echo off if `input` is a terminal (flushing typed-ahead input, as
/// `TCSAFLUSH` does), prompt, read to the end of the line, restore, and end the line the user
/// could not see. Without a terminal nothing is echoed and no newline is added.
fn read_hidden(
    input: impl AsFd,
    output: &mut dyn Write,
    prompt: &str,
    mut read: impl FnMut(&mut [u8]) -> io::Result<usize>,
) -> Zeroizing<Vec<u8>> {
    let saved = termios::tcgetattr(&input).ok();
    if let Some(saved) = &saved {
        let mut quiet = saved.clone();
        quiet.local_modes &= !(LocalModes::ECHO | LocalModes::ECHONL);
        let _ = termios::tcsetattr(&input, OptionalActions::Flush, &quiet);
    }
    let _ = output.write_all(prompt.as_bytes());
    let _ = output.flush();
    let mut passphrase = Zeroizing::new(Vec::with_capacity(64));
    let mut byte = [0u8; 1];
    loop {
        match read(&mut byte) {
            Ok(1) if byte[0] != b'\n' && byte[0] != b'\r' => {
                if passphrase.len() < MAX_PASSPHRASE {
                    passphrase.push(byte[0]);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            _ => break,
        }
    }
    // The last byte read may be part of the passphrase.
    zeroize::Zeroize::zeroize(&mut byte);
    if let Some(saved) = &saved {
        let _ = output.write_all(b"\n");
        let _ = output.flush();
        let _ = termios::tcsetattr(&input, OptionalActions::Flush, saved);
    }
    passphrase
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn askpass_follows_readpass_c() {
        let mut env = AskpassEnv::default();
        // No display: the terminal or standard input, never askpass.
        assert_eq!(env.askpass_for(false), None);
        env.display = true;
        assert_eq!(env.askpass_for(true), None, "a terminal on stdin is used");
        assert_eq!(env.askpass_for(false).as_deref(), Some(DEFAULT_ASKPASS));
        env.askpass = Some("/x/askpass".into());
        env.require = Some("prefer".into());
        assert_eq!(env.askpass_for(true).as_deref(), Some("/x/askpass"));
        env.require = Some("never".into());
        assert_eq!(env.askpass_for(false), None);
        env.display = false;
        env.require = Some("force".into());
        assert_eq!(env.askpass_for(true).as_deref(), Some("/x/askpass"));
    }

    #[test]
    fn askpass_answers_its_first_line_or_nothing() {
        assert_eq!(askpass("/bin/echo", "secret\nmore").as_str(), "secret");
        assert_eq!(askpass("/bin/false", "p").as_str(), "");
        assert_eq!(askpass("/nonexistent/askpass", "p").as_str(), "");
    }

    #[test]
    fn reading_without_a_terminal_adds_no_newline() {
        let input = b"pass word\nnext\n";
        let mut at = 0;
        let mut prompt_out = Vec::new();
        let null = File::open("/dev/null").unwrap();
        let got = read_hidden(&null, &mut prompt_out, "P: ", |buf| {
            let n = input.len().saturating_sub(at).min(buf.len());
            buf[..n].copy_from_slice(&input[at..at + n]);
            at += n;
            Ok(n)
        });
        assert_eq!(&got[..], b"pass word");
        assert_eq!(prompt_out, b"P: ");
        assert_eq!(at, 10, "reading stops at the end of the line");
    }
}
