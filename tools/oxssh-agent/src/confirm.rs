//! Asking the user before a key added with `ssh-add -c` is used, the way OpenSSH's
//! `ask_permission` does (readpass.c, shared in `oxssh_cli::readpass`): run `$SSH_ASKPASS`
//! (default /usr/bin/ssh-askpass) with the question as its argument and
//! `SSH_ASKPASS_PROMPT=confirm`; the use is allowed when it exits 0 and answers nothing or "yes".
//!
//! The agent has no terminal, so askpass is the only way to ask. OpenSSH runs it only when there
//! is a display to show it on (`DISPLAY` or `WAYLAND_DISPLAY` set) or `SSH_ASKPASS_REQUIRE=force`;
//! otherwise, or when askpass cannot run, the signature is refused: a key the user asked to
//! confirm is never used unconfirmed. Only the asking connection waits; other clients carry on.

use std::process::Stdio;

pub use oxssh_cli::readpass::AskpassEnv;
use oxssh_cli::readpass::{answer_allows, askpass_command};

/// Asks `question`; true only if the user allowed it.
pub async fn ask_permission(env: &AskpassEnv, question: &str) -> bool {
    let Some(program) = env.for_confirmation() else {
        return false;
    };
    let output =
        tokio::process::Command::from(askpass_command(&program, question, Some("confirm")))
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
