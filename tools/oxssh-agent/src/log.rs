//! Where the agent's log lines go, as OpenSSH's log.c sends them: to standard error in the
//! foreground (`-D` at INFO, `-d` with debug lines, every line ending in `\r\n`), to syslog
//! (facility AUTH, INFO and above) in the background. The words are in [`crate::messages`].

use std::io::Write;
use std::sync::OnceLock;

use oxssh_sys::syslog::{LogLevel, SyslogFacility};

/// Where lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// Standard error; `debug` also shows debug lines.
    Stderr {
        /// `-d`.
        debug: bool,
    },
    /// The system log.
    Syslog,
}

static SINK: OnceLock<Sink> = OnceLock::new();

/// Chooses the sink once, at start-up; later calls are ignored.
pub fn init(sink: Sink) {
    if SINK.set(sink).is_ok() && sink == Sink::Syslog {
        let _ = oxssh_sys::syslog::openlog("oxssh-agent", SyslogFacility::Auth);
    }
}

fn emit(level: LogLevel, prefix: &str, message: &str) {
    match SINK.get().copied().unwrap_or(Sink::Syslog) {
        Sink::Stderr { debug } => {
            let is_debug = matches!(
                level,
                LogLevel::Debug1 | LogLevel::Debug2 | LogLevel::Debug3
            );
            if is_debug && !debug {
                return;
            }
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "{prefix}{message}\r\n");
            let _ = err.flush();
        }
        Sink::Syslog => {
            if level == LogLevel::Error {
                oxssh_sys::syslog::syslog(level, &format!("error: {message}"));
            } else if level == LogLevel::Info {
                oxssh_sys::syslog::syslog(level, message);
            }
        }
    }
}

/// `error()`.
pub fn error(message: &str) {
    emit(LogLevel::Error, "", message);
}

/// `logit()`.
pub fn info(message: &str) {
    emit(LogLevel::Info, "", message);
}

/// `debug()`, shown with `-d` only.
pub fn debug(message: &str) {
    emit(LogLevel::Debug1, "debug1: ", message);
}

/// `debug2()`, shown with `-d` only.
pub fn debug2(message: &str) {
    emit(LogLevel::Debug2, "debug2: ", message);
}
