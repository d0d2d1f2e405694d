//! Why a tool's argument parsing stopped, in the form OpenSSH's tools end: the text for standard
//! error and the exit status.

/// Text for standard error (with OpenSSH's log line endings) and the exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// What to write to standard error.
    pub stderr: String,
    /// The exit status.
    pub status: i32,
}

impl Exit {
    /// getopt's complaint, if any, then the tool's usage text; status 1. The complaint goes through
    /// OpenSSH's log functions, hence `\r\n`.
    pub fn usage(first: Option<String>, usage: &str) -> Self {
        let mut stderr = first.map(|l| l + "\r\n").unwrap_or_default();
        stderr.push_str(usage);
        Self { stderr, status: 1 }
    }

    /// `fatal()`: the line with OpenSSH's log ending, status 255.
    pub fn fatal(line: &str) -> Self {
        Self {
            stderr: format!("{line}\r\n"),
            status: 255,
        }
    }
}
