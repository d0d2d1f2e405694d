//! Standard output and error, with OpenSSH's two kinds of line ending: lines written with
//! `printf`/`fprintf` end in `\n`, lines written through its log functions (`error`, `fatal`) end
//! in `\r\n`. Tests substitute buffers.

use std::io::Write;

/// Where ssh-add writes.
pub struct Output {
    out: Box<dyn Write>,
    err: Box<dyn Write>,
}

impl Output {
    /// The process's standard output and error.
    pub fn stdio() -> Self {
        Self::new(Box::new(std::io::stdout()), Box::new(std::io::stderr()))
    }

    /// Any pair of writers.
    pub fn new(out: Box<dyn Write>, err: Box<dyn Write>) -> Self {
        Self { out, err }
    }

    /// `printf("%s\n")`.
    pub fn out(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
    }

    /// `fprintf(stderr, "%s\n")`.
    pub fn err(&mut self, line: &str) {
        let _ = self.out.flush();
        let _ = writeln!(self.err, "{line}");
        let _ = self.err.flush();
    }

    /// Text on standard error with no line ending added (a prompt, usage).
    pub fn err_raw(&mut self, text: &str) {
        let _ = self.out.flush();
        let _ = self.err.write_all(text.as_bytes());
        let _ = self.err.flush();
    }

    /// `error()` / `fatal()`: the line and `\r\n`.
    pub fn log(&mut self, line: &str) {
        let _ = self.out.flush();
        let _ = write!(self.err, "{line}\r\n");
        let _ = self.err.flush();
    }
}
