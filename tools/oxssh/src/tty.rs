//! The user's terminal: prompts on /dev/tty (readpass.c `read_passphrase`), raw mode for pty
//! sessions, and restoring both on every way out.
//!
//! Prompts go to /dev/tty, never stdout, so `ssh host cmd > file` keeps the file clean and a piped
//! stdin is never consumed by a prompt. Like OpenSSH, a prompt first writes `\r` so it starts at
//! the beginning of the line, and a prompt that cannot open /dev/tty (no controlling terminal)
//! answers "nothing" rather than reading stdin.
//!
//! Terminal state that must be undone (echo turned off for a passphrase, raw mode for a session)
//! is kept in global slots (echo in oxssh-sys's prompt, raw mode here); [`restore`] undoes it and
//! every exit path calls it, including signals and panics, so the user's shell never comes back
//! without echo.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::Mutex;

use oxssh_sys::terminal::{PassphraseOptions, RawModeGuard};
use zeroize::Zeroizing;

static RAW: Mutex<Option<RawModeGuard>> = Mutex::new(None);

/// A prompt answer longer than this is a stuck key, not a secret.
const MAX_ANSWER: usize = 8192;

/// Restores the terminal: echo back on if a prompt turned it off, raw mode left. Safe to call any
/// number of times, from any thread.
pub fn restore() {
    oxssh_sys::terminal::restore_echo();
    leave_raw_mode();
}

/// Flushes stdout and stderr, restores the terminal and exits with `status`.
pub fn exit(status: i32) -> ! {
    restore();
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(status)
}

/// Puts stdin's terminal into OpenSSH's raw mode; returns the RFC 4254 encoding of the modes
/// before the switch (what `pty-req` carries). `None` if stdin is not a terminal.
pub fn enter_raw_mode() -> Option<Vec<u8>> {
    let mut slot = RAW.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(g) = slot.as_ref() {
        return Some(g.encoded_modes());
    }
    let guard = RawModeGuard::enter(std::io::stdin()).ok()?;
    let modes = guard.encoded_modes();
    *slot = Some(guard);
    Some(modes)
}

/// Leaves raw mode if it is in effect.
pub fn leave_raw_mode() {
    if let Some(mut g) = RAW.lock().unwrap_or_else(|p| p.into_inner()).take() {
        let _ = g.restore();
    }
}

/// Whether raw mode is in effect.
pub fn in_raw_mode() -> bool {
    RAW.lock().unwrap_or_else(|p| p.into_inner()).is_some()
}

/// Whether stdin is a terminal.
pub fn stdin_is_tty() -> bool {
    oxssh_sys::terminal::is_tty(std::io::stdin())
}

/// The terminal size of stdin, if it is a terminal.
pub fn window_size() -> Option<oxssh_sys::pty::WindowSize> {
    oxssh_sys::terminal::window_size(std::io::stdin()).ok()
}

fn open_tty() -> Option<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()
}

/// OpenSSH `read_passphrase`: shows `prompt` on /dev/tty and reads one line, echoing it only when
/// `echo` is set. `None` if there is no terminal or the user typed end-of-file.
pub fn read_passphrase(prompt: &str, echo: bool) -> Option<Zeroizing<String>> {
    let options = PassphraseOptions {
        echo,
        allow_stdin: false,
        max_len: MAX_ANSWER,
    };
    let line = oxssh_sys::terminal::read_passphrase(prompt, options)?;
    Some(Zeroizing::new(String::from_utf8_lossy(&line).into_owned()))
}

/// Writes text to /dev/tty (what OpenSSH shows before a prompt); false if there is no terminal.
pub fn write_tty(text: &str) -> bool {
    match open_tty() {
        Some(mut t) => t.write_all(text.as_bytes()).is_ok(),
        None => false,
    }
}

/// Until the session starts, a terminating signal (an interrupt at a password prompt, say) ends
/// the program as it would OpenSSH's, but only after the terminal has its echo back.
pub async fn exit_on_signals() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut signals = Vec::new();
    for (n, kind) in [
        (1, SignalKind::hangup()),
        (2, SignalKind::interrupt()),
        (3, SignalKind::quit()),
        (15, SignalKind::terminate()),
    ] {
        if let Ok(s) = signal(kind) {
            signals.push((n, s));
        }
    }
    let number = std::future::poll_fn(|cx| {
        for (n, s) in signals.iter_mut() {
            if s.poll_recv(cx).is_ready() {
                return std::task::Poll::Ready(*n);
            }
        }
        std::task::Poll::Pending
    })
    .await;
    // The shell sees the status of a process killed by that signal.
    exit(128 + number);
}

/// Installs a panic hook that restores the terminal before the default report, so even a bug
/// cannot leave the user's terminal raw or silent.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        default(info);
    }));
}
