//! Every progress line the suite prints while it runs (to standard error, so the table on
//! standard output stays clean).

use std::fmt::Display;
use std::path::PathBuf;

use crate::Error;

/// A failure: one line, prefixed with the program's name.
pub fn fail(e: &Error) {
    eprintln!("oxssh-bench: {e}");
}

/// The start of one part.
pub fn part(name: &str, detail: impl Display) {
    eprintln!("== {name}: {detail}");
}

/// One measurement done.
pub fn step(text: impl Display) {
    eprintln!("   {text}");
}

/// A part that could not run.
pub fn skipped(part: &str, why: &str) {
    eprintln!("== {part}: SKIPPED: {why}");
}

/// The files written.
pub fn wrote(paths: &[PathBuf]) {
    for p in paths {
        eprintln!("wrote {}", p.display());
    }
}

/// Not running as root.
pub const NEED_ROOT: &str = "the suite runs sshd and oxsshd with root logins, so it must run as root (scripts/bench.sh uses sudo when needed)";

/// A program is missing.
pub fn missing(program: &str, hint: &str) -> Error {
    Error::new(format!("{program} not found ({hint})"))
}
