//! OpenSSH's readpass.c: `read_passphrase` and `ask_permission` decide between `$SSH_ASKPASS`
//! and the terminal from the environment and their flags.
//!
//! - A display is available when `DISPLAY` or `WAYLAND_DISPLAY` is set and not empty; askpass is
//!   only allowed then. `SSH_ASKPASS_REQUIRE=force` uses askpass even without one, `prefer` uses
//!   it whenever a display is available, `never` never.
//! - With `RP_ALLOW_STDIN` (ssh-add, ssh-keygen), askpass is used when standard input is not a
//!   terminal; otherwise `readpassphrase(3)` reads the controlling terminal, or standard input
//!   with the prompt on standard error ([`oxssh_sys::terminal::read_passphrase`]).
//! - With `RP_USE_ASKPASS` (ssh-agent's confirmation of a key added with `ssh-add -c`), askpass is
//!   the only way; without it the answer is no.
//! - Askpass is `$SSH_ASKPASS`, else [`DEFAULT_ASKPASS`], run with the prompt as its one argument
//!   (and `SSH_ASKPASS_PROMPT=confirm` for a confirmation); its answer is the first line of its
//!   output if it exits 0, else nothing.

use std::process::{Command, Stdio};

use oxssh_sys::terminal::PassphraseOptions;
use zeroize::Zeroizing;

/// The askpass program OpenSSH uses when `SSH_ASKPASS` is unset (Debian's `_PATH_SSH_ASKPASS_DEFAULT`).
pub const DEFAULT_ASKPASS: &str = "/usr/bin/ssh-askpass";

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

    fn program(&self) -> String {
        self.askpass
            .clone()
            .unwrap_or_else(|| DEFAULT_ASKPASS.to_owned())
    }

    /// `read_passphrase(prompt, RP_ALLOW_STDIN)`: the askpass program to run, given whether
    /// standard input is a terminal; `None` means `readpassphrase`.
    pub fn for_passphrase(&self, stdin_is_tty: bool) -> Option<String> {
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
        (use_askpass && allow).then(|| self.program())
    }

    /// `RP_USE_ASKPASS` (`ask_permission`): the program to run, or `None` when askpass may not be
    /// used (readpass.c's `allow_askpass`), which means no.
    pub fn for_confirmation(&self) -> Option<String> {
        let allowed = match self.require.as_deref() {
            Some(r) if r.eq_ignore_ascii_case("force") => true,
            Some(r) if r.eq_ignore_ascii_case("never") => false,
            _ => self.display,
        };
        allowed.then(|| self.program())
    }
}

/// The askpass command readpass.c's `ssh_askpass` runs: `program prompt`, with
/// `SSH_ASKPASS_PROMPT=<hint>` when there is a hint ("confirm" for a confirmation). The caller
/// chooses its standard input and error and collects its standard output.
pub fn askpass_command(program: &str, prompt: &str, hint: Option<&str>) -> Command {
    let mut cmd = Command::new(program);
    cmd.arg(prompt);
    if let Some(hint) = hint {
        cmd.env("SSH_ASKPASS_PROMPT", hint);
    }
    cmd
}

/// The first line of askpass's output (up to a CR or LF).
pub fn first_line(output: &[u8]) -> &[u8] {
    let end = output
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(output.len());
    &output[..end]
}

/// Whether askpass's confirmation answer allows the use: empty, or starting with "yes" in any
/// case (readpass.c `ask_permission`).
pub fn answer_allows(output: &[u8]) -> bool {
    let answer = first_line(output);
    answer.is_empty()
        || answer
            .get(..3)
            .is_some_and(|a| a.eq_ignore_ascii_case(b"yes"))
}

/// readpass.c `ssh_askpass` for a passphrase: the program's first line of output if it exits 0,
/// else nothing. Its standard error is the user's.
pub fn askpass(program: &str, prompt: &str) -> Zeroizing<String> {
    let output = askpass_command(program, prompt, None)
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
    Zeroizing::new(String::from_utf8_lossy(first_line(&stdout)).into_owned())
}

/// `read_passphrase(prompt, RP_ALLOW_STDIN)`: askpass when `env` says so, else the controlling
/// terminal with echo off, else standard input. Empty when there is no answer.
pub fn read_passphrase(prompt: &str, env: &AskpassEnv) -> Zeroizing<String> {
    let stdin_is_tty = oxssh_sys::terminal::is_tty(std::io::stdin());
    if let Some(program) = env.for_passphrase(stdin_is_tty) {
        return askpass(&program, prompt);
    }
    let options = PassphraseOptions {
        allow_stdin: true,
        ..PassphraseOptions::default()
    };
    let bytes = oxssh_sys::terminal::read_passphrase(prompt, options).unwrap_or_default();
    Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passphrases_follow_readpass_c() {
        let mut env = AskpassEnv::default();
        // No display: the terminal or standard input, never askpass.
        assert_eq!(env.for_passphrase(false), None);
        env.display = true;
        assert_eq!(
            env.for_passphrase(true),
            None,
            "a terminal on stdin is used"
        );
        assert_eq!(env.for_passphrase(false).as_deref(), Some(DEFAULT_ASKPASS));
        env.askpass = Some("/x/askpass".into());
        env.require = Some("prefer".into());
        assert_eq!(env.for_passphrase(true).as_deref(), Some("/x/askpass"));
        env.require = Some("never".into());
        assert_eq!(env.for_passphrase(false), None);
        env.display = false;
        env.require = Some("force".into());
        assert_eq!(env.for_passphrase(true).as_deref(), Some("/x/askpass"));
    }

    #[test]
    fn confirmations_need_a_display_unless_forced() {
        let mut env = AskpassEnv::default();
        assert_eq!(env.for_confirmation(), None);
        env.display = true;
        assert_eq!(env.for_confirmation().as_deref(), Some(DEFAULT_ASKPASS));
        env.askpass = Some("/bin/true".into());
        env.require = Some("never".into());
        assert_eq!(env.for_confirmation(), None);
        env.display = false;
        env.require = Some("FORCE".into());
        assert_eq!(env.for_confirmation().as_deref(), Some("/bin/true"));
    }

    #[test]
    fn askpass_answers_its_first_line_or_nothing() {
        assert_eq!(askpass("/bin/echo", "secret\nmore").as_str(), "secret");
        assert_eq!(askpass("/bin/false", "p").as_str(), "");
        assert_eq!(askpass("/nonexistent/askpass", "p").as_str(), "");
    }

    #[test]
    fn confirmation_answers() {
        assert!(answer_allows(b""));
        assert!(answer_allows(b"\n"));
        assert!(answer_allows(b"Yes please\n"));
        assert!(!answer_allows(b"no\n"));
        assert!(!answer_allows(b"ye"));
    }

    #[test]
    fn the_hint_goes_in_the_environment() {
        let out = askpass_command("/bin/sh", "-c", Some("confirm"))
            .arg("printf '%s' \"$SSH_ASKPASS_PROMPT\"")
            .output()
            .unwrap();
        // `sh -c <script>`: the prompt slot holds "-c" here, the script follows.
        assert_eq!(out.stdout, b"confirm");
    }
}
