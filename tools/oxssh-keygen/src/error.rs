//! How an operation ends when it does not simply succeed: the one line `main` prints and the exit
//! status OpenSSH uses for that case (255 for `fatal()`, 1 for `exit(1)` and usage errors).

use std::fmt;

/// The exit status of OpenSSH's `fatal()`.
pub const FATAL: i32 = 255;

/// A failed operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The line for standard error, if anything is left to say.
    pub message: Option<String>,
    /// Whether the usage text follows the message.
    pub usage: bool,
    /// The exit status.
    pub code: i32,
}

impl Failure {
    /// `fatal(...)`: one line, status 255.
    pub fn fatal(message: impl Into<String>) -> Self {
        Self {
            message: Some(message.into()),
            usage: false,
            code: FATAL,
        }
    }

    /// `error(...); exit(code)`.
    pub fn exit(message: impl Into<String>, code: i32) -> Self {
        Self {
            message: Some(message.into()),
            usage: false,
            code,
        }
    }

    /// An exit with nothing more to print (the reason was already shown).
    pub fn silent(code: i32) -> Self {
        Self {
            message: None,
            usage: false,
            code,
        }
    }

    /// `error(...); usage()`: the message, the usage text, status 1.
    pub fn usage(message: Option<String>) -> Self {
        Self {
            message,
            usage: true,
            code: 1,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.as_deref().unwrap_or(""))
    }
}

/// The result of one ssh-keygen operation: the exit status on the way out.
pub type Outcome = Result<i32, Failure>;

/// An I/O error in the words of `strerror(3)`, as OpenSSH prints it ("No such file or directory"),
/// without the "(os error 2)" Rust appends.
pub fn strerror(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strerror_drops_the_rust_suffix() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(strerror(&e), "No such file or directory");
        let custom = std::io::Error::other("plain");
        assert_eq!(strerror(&custom), "plain");
    }
}
