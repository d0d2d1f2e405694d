//! The escape character (clientloop.c `process_escapes`): after a newline, `~` followed by a command
//! character is a command to ssh rather than input for the remote side.
//!
//! | keys | action |
//! |---|---|
//! | `~.` | terminate the connection |
//! | `~^Z` | suspend ssh |
//! | `~B` | send a BREAK |
//! | `~R` | re-key |
//! | `~V` / `~v` | less / more verbose |
//! | `~#` | list open connections |
//! | `~?` | help |
//! | `~C` | command line (when `EnableEscapeCommandline` allows it) |
//! | `~~` | a literal `~` |
//!
//! Any other character after `~` is sent with the `~` in front of it. `~&` (background ssh) needs
//! `fork`, which a threaded program cannot do safely, so it is passed through like an unknown
//! escape and is not listed in the help.
//!
//! The filter is pure: bytes in, data and actions out in order, so it is tested without a terminal.

/// A command given with the escape character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `~.`
    Terminate,
    /// `~^Z`
    Suspend,
    /// `~B`
    Break,
    /// `~R`
    Rekey,
    /// `~v`
    MoreVerbose,
    /// `~V`
    LessVerbose,
    /// `~#`
    ListConnections,
    /// `~?`
    Help,
    /// `~C`
    CommandLine,
}

/// What the filter produced, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Bytes for the remote side.
    Data(Vec<u8>),
    /// A command.
    Action(Action),
}

/// The escape filter of one session.
#[derive(Debug, Clone)]
pub struct EscapeFilter {
    escape: u8,
    pending: bool,
    last_was_newline: bool,
}

impl EscapeFilter {
    /// A filter for `escape`; the session starts as if after a newline, as OpenSSH's does.
    pub fn new(escape: u8) -> Self {
        Self {
            escape,
            pending: false,
            last_was_newline: true,
        }
    }

    /// Filters one chunk of input.
    pub fn feed(&mut self, input: &[u8]) -> Vec<Piece> {
        let mut out = Vec::new();
        let mut data = Vec::with_capacity(input.len());
        // The common case, no escape character at all, is one copy.
        if !self.pending && !input.contains(&self.escape) {
            if let Some(&last) = input.last() {
                self.last_was_newline = last == b'\r' || last == b'\n';
                out.push(Piece::Data(input.to_vec()));
            }
            return out;
        }
        for &ch in input {
            if self.pending {
                self.pending = false;
                let action = match ch {
                    b'.' => Some(Action::Terminate),
                    0x1a => Some(Action::Suspend),
                    b'B' => Some(Action::Break),
                    b'R' => Some(Action::Rekey),
                    b'v' => Some(Action::MoreVerbose),
                    b'V' => Some(Action::LessVerbose),
                    b'#' => Some(Action::ListConnections),
                    b'?' => Some(Action::Help),
                    b'C' => Some(Action::CommandLine),
                    _ => None,
                };
                if let Some(a) = action {
                    if !data.is_empty() {
                        out.push(Piece::Data(std::mem::take(&mut data)));
                    }
                    out.push(Piece::Action(a));
                    continue;
                }
                // Not a command: the escape character goes out first, unless it was doubled.
                if ch != self.escape {
                    data.push(self.escape);
                }
            } else if self.last_was_newline && ch == self.escape {
                self.pending = true;
                continue;
            }
            self.last_was_newline = ch == b'\r' || ch == b'\n';
            data.push(ch);
        }
        if !data.is_empty() {
            out.push(Piece::Data(data));
        }
        out
    }
}

/// Parses the `-e`/`EscapeChar` form: `^X` notation or a single character.
pub fn parse_escape_char(s: &str) -> Option<u8> {
    let b = s.as_bytes();
    match b {
        [b'^', c] if (64..128).contains(c) => Some(c & 31),
        [c] => Some(*c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(s: &[u8]) -> Piece {
        Piece::Data(s.to_vec())
    }

    #[test]
    fn plain_input_passes_through_unchanged() {
        let mut f = EscapeFilter::new(b'~');
        assert_eq!(f.feed(b"ls -l\r"), vec![data(b"ls -l\r")]);
        assert_eq!(f.feed(b""), vec![]);
    }

    #[test]
    fn tilde_dot_after_newline_terminates_but_not_mid_line() {
        let mut f = EscapeFilter::new(b'~');
        assert_eq!(f.feed(b"~."), vec![Piece::Action(Action::Terminate)]);
        let mut f = EscapeFilter::new(b'~');
        assert_eq!(f.feed(b"a~."), vec![data(b"a~.")]);
        assert_eq!(
            f.feed(b"\r~."),
            vec![data(b"\r"), Piece::Action(Action::Terminate)]
        );
    }

    #[test]
    fn escape_can_be_split_across_reads() {
        let mut f = EscapeFilter::new(b'~');
        assert_eq!(f.feed(b"echo\r~"), vec![data(b"echo\r")]);
        assert_eq!(f.feed(b"?"), vec![Piece::Action(Action::Help)]);
        // Still at the start of a line: another escape works at once.
        assert_eq!(f.feed(b"~."), vec![Piece::Action(Action::Terminate)]);
    }

    #[test]
    fn doubled_escape_sends_one_and_unknown_commands_pass_through() {
        let mut f = EscapeFilter::new(b'~');
        assert_eq!(f.feed(b"~~x"), vec![data(b"~x")]);
        let mut f = EscapeFilter::new(b'~');
        assert_eq!(f.feed(b"~x\r"), vec![data(b"~x\r")]);
        let mut f = EscapeFilter::new(b'~');
        assert_eq!(f.feed(b"~&"), vec![data(b"~&")]);
    }

    #[test]
    fn every_command_is_recognised() {
        for (c, a) in [
            (b'.', Action::Terminate),
            (0x1a, Action::Suspend),
            (b'B', Action::Break),
            (b'R', Action::Rekey),
            (b'v', Action::MoreVerbose),
            (b'V', Action::LessVerbose),
            (b'#', Action::ListConnections),
            (b'?', Action::Help),
            (b'C', Action::CommandLine),
        ] {
            let mut f = EscapeFilter::new(b'~');
            assert_eq!(
                f.feed(&[b'\n', b'~', c]),
                vec![data(b"\n"), Piece::Action(a)]
            );
        }
    }

    #[test]
    fn another_escape_character_works_the_same() {
        let mut f = EscapeFilter::new(0x1d);
        assert_eq!(
            f.feed(&[0x1d, b'.']),
            vec![Piece::Action(Action::Terminate)]
        );
        assert_eq!(parse_escape_char("^]"), Some(0x1d));
        assert_eq!(parse_escape_char("%"), Some(b'%'));
        assert_eq!(parse_escape_char("ab"), None);
    }
}
