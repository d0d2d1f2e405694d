//! Diagnostics the way OpenSSH's log.c prints them on the client: one line per message, ending in
//! `\r\n` even on a pipe (so a line reads correctly while the terminal is in raw mode), debug lines
//! prefixed `debug1: ` and so on, and nothing at all above the chosen `LogLevel` (`-q` silences even
//! fatal errors, as it does in OpenSSH). `-E file` sends the same lines to a file instead.
//!
//! The level lives in an atomic so the `~v`/`~V` escapes can change it while a session runs.

use std::fs::File;
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

use oxssh_config::values::LogLevel;

static LEVEL: AtomicU8 = AtomicU8::new(3);
static FILE: Mutex<Option<File>> = Mutex::new(None);

/// The numeric rank of a level (QUIET = 0 … DEBUG3 = 7), as log.c orders them.
pub fn rank(level: LogLevel) -> u8 {
    match level {
        LogLevel::Quiet => 0,
        LogLevel::Fatal => 1,
        LogLevel::Error => 2,
        LogLevel::Info => 3,
        LogLevel::Verbose => 4,
        LogLevel::Debug1 => 5,
        LogLevel::Debug2 => 6,
        LogLevel::Debug3 => 7,
    }
}

/// The level with this rank (clamped).
pub fn from_rank(rank: u8) -> LogLevel {
    match rank {
        0 => LogLevel::Quiet,
        1 => LogLevel::Fatal,
        2 => LogLevel::Error,
        3 => LogLevel::Info,
        4 => LogLevel::Verbose,
        5 => LogLevel::Debug1,
        6 => LogLevel::Debug2,
        _ => LogLevel::Debug3,
    }
}

/// Sets the level.
pub fn set_level(level: LogLevel) {
    LEVEL.store(rank(level), Ordering::Relaxed);
}

/// The current level.
pub fn level() -> LogLevel {
    from_rank(LEVEL.load(Ordering::Relaxed))
}

/// Whether messages of `level` are shown.
pub fn enabled(level: LogLevel) -> bool {
    rank(level) <= LEVEL.load(Ordering::Relaxed)
}

/// Sends every later line to `file` (`-E`).
pub fn redirect(file: File) {
    *FILE.lock().unwrap_or_else(|p| p.into_inner()) = Some(file);
}

fn emit(prefix: &str, message: &str) {
    let mut line = Vec::with_capacity(prefix.len() + message.len() + 2);
    line.extend_from_slice(prefix.as_bytes());
    line.extend_from_slice(message.as_bytes());
    line.extend_from_slice(b"\r\n");
    let mut file = FILE.lock().unwrap_or_else(|p| p.into_inner());
    match file.as_mut() {
        Some(f) => {
            let _ = f.write_all(&line);
        }
        None => {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(&line);
            let _ = err.flush();
        }
    }
}

fn log_at(level: LogLevel, message: &str) {
    if !enabled(level) {
        return;
    }
    let prefix = match level {
        LogLevel::Debug1 => "debug1: ",
        LogLevel::Debug2 => "debug2: ",
        LogLevel::Debug3 => "debug3: ",
        _ => "",
    };
    emit(prefix, message);
}

/// OpenSSH `fatal()`: shown unless `-q`. The caller then exits with 255.
pub fn fatal(message: &str) {
    log_at(LogLevel::Fatal, message);
}

/// OpenSSH `error()`.
pub fn error(message: &str) {
    log_at(LogLevel::Error, message);
}

/// OpenSSH `logit()`: informational, shown by default.
pub fn info(message: &str) {
    log_at(LogLevel::Info, message);
}

/// OpenSSH `verbose()`: shown with `-v` or `LogLevel VERBOSE`.
pub fn verbose(message: &str) {
    log_at(LogLevel::Verbose, message);
}

/// OpenSSH `debug()`.
pub fn debug(message: &str) {
    log_at(LogLevel::Debug1, message);
}

/// OpenSSH `debug2()`.
pub fn debug2(message: &str) {
    log_at(LogLevel::Debug2, message);
}

/// OpenSSH `debug3()`.
pub fn debug3(message: &str) {
    log_at(LogLevel::Debug3, message);
}

/// Writes text to stderr as it is (no level, no line ending added): banners, escape feedback.
pub fn raw_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// Makes text that came from the peer safe to print: control characters other than newline and tab
/// become `\ooo` octal escapes, as OpenSSH's `strnvis`-based printing does, so a server cannot move
/// the cursor or rewrite earlier lines of the user's terminal.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (c.is_control() && c != '\n' && c != '\t') || c == '\u{7f}' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\{b:03o}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip_and_order() {
        for r in 0..=7 {
            assert_eq!(rank(from_rank(r)), r);
        }
        assert!(rank(LogLevel::Quiet) < rank(LogLevel::Fatal));
        assert!(rank(LogLevel::Info) < rank(LogLevel::Debug3));
    }

    #[test]
    fn peer_text_cannot_carry_terminal_controls() {
        assert_eq!(sanitize("hi\x1b[2Jthere\n"), "hi\\033[2Jthere\n");
        assert_eq!(sanitize("tab\tok \u{7f}"), "tab\tok \\177");
        assert_eq!(sanitize("héllo"), "héllo");
    }
}
