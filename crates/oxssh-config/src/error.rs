//! Errors and diagnostics, worded as OpenSSH words them.
//!
//! OpenSSH reports configuration problems as lines on stderr: some are counted and reading goes on
//! (readconf.c `error()` then `goto out`, ending in "terminating, N bad configuration options"), some
//! stop at once (servconf.c `fatal()`). We keep the same split so a tool can print exactly the same
//! lines: [`ConfigError::messages`] holds every line in order, the last one being the reason for
//! stopping.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Only of interest when debugging (OpenSSH `debug()`): deprecated keywords on the client.
    Debug,
    /// Printed but harmless (OpenSSH `logit()`/`error()` that do not count as bad options):
    /// "Unsupported option", "Deprecated option".
    Warning,
    /// A bad option: counted, and reading continues to the end of the file.
    Error,
    /// Reading stops here (OpenSSH `fatal()`).
    Fatal,
}

/// One line of configuration feedback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// The line exactly as OpenSSH prints it, without a trailing newline.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Why configuration could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// One or more bad options in a file (the last message is "`<file>`: terminating, N bad
    /// configuration options").
    BadOptions {
        /// How many bad options were counted in the file that stopped reading.
        count: usize,
    },
    /// A problem that stops reading at once (a bad value in sshd_config, a recursion limit, a
    /// failing `Match exec`, a file that cannot be opened, an unknown `%` token...).
    Fatal,
}

/// Configuration could not be read or resolved. Print [`ConfigError::messages`] one per line and
/// exit with status 255, as ssh and sshd do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.messages.last().map(String::as_str).unwrap_or("bad configuration"))]
pub struct ConfigError {
    kind: ErrorKind,
    messages: Vec<String>,
}

impl ConfigError {
    pub(crate) fn new(kind: ErrorKind, messages: Vec<String>) -> Self {
        Self { kind, messages }
    }

    pub(crate) fn fatal(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Fatal,
            messages: vec![message.into()],
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Every line OpenSSH would have printed, in order; the last one says why reading stopped.
    pub fn messages(&self) -> &[String] {
        &self.messages
    }
}

/// Collects diagnostics while reading, and turns them into an error when reading must stop.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// Everything printed so far, in order (warnings included, so they interleave as in OpenSSH).
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn push(&mut self, severity: Severity, message: String) {
        self.diagnostics.push(Diagnostic { severity, message });
    }

    /// The error to return when a fatal diagnostic ends reading.
    pub fn into_error(self, kind: ErrorKind) -> ConfigError {
        let messages = self
            .diagnostics
            .into_iter()
            .filter(|d| d.severity >= Severity::Warning)
            .map(|d| d.message)
            .collect();
        ConfigError::new(kind, messages)
    }
}
