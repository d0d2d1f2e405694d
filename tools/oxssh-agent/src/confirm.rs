//! Asking the user before a key added with `ssh-add -c` is used, the way OpenSSH's
//! `ask_permission` does (readpass.c): run `$SSH_ASKPASS` (default /usr/bin/ssh-askpass) with the
//! question as its argument and `SSH_ASKPASS_PROMPT=confirm`; the use is allowed when it exits 0
//! and answers nothing or "yes".
//!
//! The agent has no terminal, so askpass is the only way to ask. OpenSSH runs it only when there
//! is a display to show it on (`DISPLAY` or `WAYLAND_DISPLAY` set) or `SSH_ASKPASS_REQUIRE=force`;
//! otherwise, or when askpass cannot run, the signature is refused: a key the user asked to
//! confirm is never used unconfirmed. Only the asking connection waits; other clients carry on.

use std::process::Stdio;

/// The askpass program OpenSSH uses when `SSH_ASKPASS` is unset (Debian's `_PATH_SSH_ASKPASS_DEFAULT`).
pub const DEFAULT_ASKPASS: &str = "/usr/bin/ssh-askpass";

/// The environment `ask_permission` consults, captured for testing.
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

    /// The program to run, or `None` when askpass may not be used (readpass.c's `allow_askpass`).
    pub fn program(&self) -> Option<String> {
        let allowed = match self.require.as_deref() {
            Some(r) if r.eq_ignore_ascii_case("force") => true,
            Some(r) if r.eq_ignore_ascii_case("never") => false,
            _ => self.display,
        };
        allowed.then(|| {
            self.askpass
                .clone()
                .unwrap_or_else(|| DEFAULT_ASKPASS.to_owned())
        })
    }
}

/// Whether askpass's answer allows the use: empty, or starting with "yes" in any case.
pub fn answer_allows(output: &[u8]) -> bool {
    let end = output
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(output.len());
    let answer = &output[..end];
    answer.is_empty()
        || answer
            .get(..3)
            .is_some_and(|a| a.eq_ignore_ascii_case(b"yes"))
}

/// Asks `question`; true only if the user allowed it.
pub async fn ask_permission(env: &AskpassEnv, question: &str) -> bool {
    let Some(program) = env.program() else {
        return false;
    };
    let output = tokio::process::Command::new(&program)
        .arg(question)
        .env("SSH_ASKPASS_PROMPT", "confirm")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await;
    match output {
        Ok(out) => out.status.success() && answer_allows(&out.stdout),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn askpass_needs_a_display_unless_forced() {
        let mut env = AskpassEnv::default();
        assert_eq!(env.program(), None);
        env.display = true;
        assert_eq!(env.program().as_deref(), Some(DEFAULT_ASKPASS));
        env.askpass = Some("/bin/true".into());
        env.require = Some("never".into());
        assert_eq!(env.program(), None);
        env.display = false;
        env.require = Some("FORCE".into());
        assert_eq!(env.program().as_deref(), Some("/bin/true"));
    }

    #[test]
    fn answers() {
        assert!(answer_allows(b""));
        assert!(answer_allows(b"\n"));
        assert!(answer_allows(b"Yes please\n"));
        assert!(!answer_allows(b"no\n"));
        assert!(!answer_allows(b"ye"));
    }

    #[tokio::test]
    async fn a_failing_or_missing_askpass_refuses() {
        let forced = |program: &str| AskpassEnv {
            askpass: Some(program.into()),
            display: false,
            require: Some("force".into()),
        };
        assert!(ask_permission(&forced("/bin/true"), "q?").await);
        assert!(!ask_permission(&forced("/bin/false"), "q?").await);
        assert!(!ask_permission(&forced("/nonexistent/askpass"), "q?").await);
    }
}
