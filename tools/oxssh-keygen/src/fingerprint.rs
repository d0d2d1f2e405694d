//! `-l`: fingerprints of every key in a file — public keys, private keys, authorized_keys and
//! known_hosts — printed as ssh-keygen.c `do_fingerprint` prints them, randomart with `-v`.
//!
//! One quirk is kept on purpose. `do_fingerprint` remembers the comment as a pointer into the line
//! buffer that `getline` reuses, and does not reset it between lines: a bare key without comment
//! after a line that had one prints whatever bytes now sit at the old offset. Scripts compare
//! `ssh-keygen -l` output, so the buffer is modelled here and the same text comes out.

use std::io::{Read, Write};
use std::path::Path;

use oxssh_keys::{FingerprintHash, PublicKey, randomart};

use crate::error::{Failure, Outcome, strerror};
use crate::keyfile::{self, read_key};
use crate::messages as msg;
use crate::prompt::{Console, log};
use crate::{Context, ask_filename};

/// `fingerprint_one_key`: the `-l` line, and the randomart under `-v`.
pub fn print_one(
    out: &mut dyn Write,
    key: &PublicKey,
    comment: Option<&str>,
    hash: FingerprintHash,
    verbose: bool,
) {
    let _ = writeln!(
        out,
        "{}",
        msg::fingerprint_line(
            key.bits(),
            &key.fingerprint(hash),
            comment.unwrap_or(msg::NO_COMMENT),
            key.key_type().display_name()
        )
    );
    if verbose {
        let _ = writeln!(out, "{}", randomart::randomart(key, hash));
    }
}

/// The file `-l` and `-L` read: `-f` or asked for, `-` for standard input.
pub(crate) struct KeySource {
    pub(crate) path: std::path::PathBuf,
    /// The name in messages: the path, or "(stdin)".
    pub(crate) display: String,
    pub(crate) from_stdin: bool,
    pub(crate) data: Vec<u8>,
}

/// Reads the whole key source; a missing file is fatal in ssh-keygen's words.
pub(crate) fn read_source(ctx: &Context, console: &mut dyn Console) -> Result<KeySource, Failure> {
    let path = match &ctx.options.file {
        Some(p) => p.clone(),
        None => ask_filename(ctx, console, msg::ASK_KEY_FILE)?,
    };
    let from_stdin = path.as_os_str() == "-";
    let display = if from_stdin {
        "(stdin)".to_string()
    } else {
        path.display().to_string()
    };
    let mut data = Vec::new();
    let read = if from_stdin {
        std::io::stdin().lock().read_to_end(&mut data)
    } else {
        std::fs::File::open(&path)
            .map_err(|e| Failure::fatal(msg::progname_path_error(&display, strerror(&e))))?
            .read_to_end(&mut data)
    };
    // A directory opens but cannot be read: getline fails and the file has no keys.
    if read.is_err() {
        data.clear();
    }
    Ok(KeySource {
        path,
        display,
        from_stdin,
        data,
    })
}

/// `-l [-v] [-E hash] [-f file]`.
pub fn run(ctx: &Context, console: &mut dyn Console) -> Outcome {
    let opts = &ctx.options;
    let KeySource {
        path,
        display,
        from_stdin,
        data,
    } = read_source(ctx, console)?;

    let mut buf = LineBuffer::default();
    let mut comment: Option<usize> = None;
    let mut found = false;
    for (index, raw) in data.split_inclusive(|&b| b == b'\n').enumerate() {
        let lnum = index + 1;
        buf.load(raw);
        let mut cp = buf.skip_blanks(0);
        if matches!(buf.at(cp), b'#' | 0) {
            continue;
        }
        if lnum == 1 && !from_stdin && buf.text(cp).contains("PRIVATE KEY") {
            return private(ctx, console, &path);
        }
        let mut key = read_key(&buf.text(cp)).map(|(k, off)| (k, cp + off));
        if key.is_none() {
            let (value, end) = strtol(buf.text(cp).as_bytes());
            if value == 0 || !matches!(buf.at(cp + end), b' ' | b'\t') {
                // Skip a leading host list or options field, honouring quotes.
                comment = Some(cp);
                let mut quoted = false;
                while buf.at(cp) != 0 && (quoted || !matches!(buf.at(cp), b' ' | b'\t')) {
                    if buf.at(cp) == b'\\' && buf.at(cp + 1) == b'"' {
                        cp += 1;
                    } else if buf.at(cp) == b'"' {
                        quoted = !quoted;
                    }
                    cp += 1;
                }
                if buf.at(cp) == 0 {
                    continue;
                }
                buf.terminate(cp);
                cp += 1;
            }
            key = read_key(&buf.text(cp)).map(|(k, off)| (k, cp + off));
        }
        let Some((key, after)) = key else {
            if opts.verbose > 0 {
                log(console.err(), msg::debug_not_a_public_key(&display, lnum));
            }
            continue;
        };
        let cp = buf.skip_blanks(after);
        if !matches!(buf.at(cp), 0 | b'#') {
            comment = Some(cp);
        }
        let text = comment.map(|c| buf.text(c));
        print_one(
            console.out(),
            &key,
            text.as_deref(),
            opts.hash,
            opts.verbose > 0,
        );
        found = true;
    }
    if !found {
        return Err(Failure::fatal(msg::not_a_public_key_file(&display)));
    }
    Ok(0)
}

/// `fingerprint_private`: a private key file, named by its first line.
fn private(ctx: &Context, console: &mut dyn Console, path: &Path) -> Outcome {
    let opts = &ctx.options;
    let verbose = opts.verbose > 0;
    std::fs::metadata(path)
        .map_err(|e| Failure::fatal(msg::path_error(path.display(), strerror(&e))))?;
    let (public, mut comment) = match keyfile::load_public(path) {
        Ok((key, comment)) => (Some(key), comment),
        Err(e) => {
            if verbose {
                log(console.err(), msg::debug_load_public(path.display(), &e));
            }
            (None, None)
        }
    };
    let mut private_public = None;
    if public.is_none() || comment.as_deref().is_none_or(str::is_empty) {
        comment = None;
        match keyfile::load_private(path, b"", console.err()) {
            Ok(loaded) => {
                comment = loaded.comment;
                private_public = Some(loaded.key.public().clone());
            }
            Err(e) => {
                if verbose {
                    log(console.err(), msg::debug_load_private(path.display(), &e));
                }
            }
        }
    }
    let Some(key) = public.or(private_public) else {
        return Err(Failure::fatal(msg::not_a_key_file(path.display())));
    };
    print_one(console.out(), &key, comment.as_deref(), opts.hash, verbose);
    Ok(0)
}

/// The reused line buffer of `getline(3)`: each line overwrites the start, NUL-terminated, and the
/// bytes after it are whatever longer lines left there (zero where nothing was ever written).
#[derive(Default)]
struct LineBuffer {
    bytes: Vec<u8>,
}

impl LineBuffer {
    /// Copies a line in, ends it at its first newline as `cp[strcspn(cp, "\n")] = '\0'` does.
    fn load(&mut self, raw: &[u8]) {
        if self.bytes.len() < raw.len() + 1 {
            self.bytes.resize(raw.len() + 1, 0);
        }
        self.bytes[..raw.len()].copy_from_slice(raw);
        self.bytes[raw.len()] = 0;
        if let Some(nl) = raw.iter().position(|&b| b == b'\n') {
            self.bytes[nl] = 0;
        }
    }

    fn at(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    fn terminate(&mut self, i: usize) {
        if let Some(b) = self.bytes.get_mut(i) {
            *b = 0;
        }
    }

    fn skip_blanks(&self, mut i: usize) -> usize {
        while matches!(self.at(i), b' ' | b'\t') {
            i += 1;
        }
        i
    }

    /// The C string starting at `i`.
    fn text(&self, i: usize) -> String {
        let rest = self.bytes.get(i..).unwrap_or_default();
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        String::from_utf8_lossy(&rest[..end]).into_owned()
    }
}

/// `strtol(s, &ep, 10)`: the value of a leading decimal number and where it ends (0 and 0 when
/// there is none). Only whether the value is zero matters to the caller.
fn strtol(s: &[u8]) -> (i64, usize) {
    let mut i = 0;
    while matches!(s.get(i), Some(b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)) {
        i += 1;
    }
    if matches!(s.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = s[i.min(s.len())..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return (0, 0);
    }
    let value = s[i..i + digits].iter().fold(0i64, |v, d| {
        v.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    });
    (value, i + digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_buffer_keeps_stale_bytes_like_getline() {
        let mut b = LineBuffer::default();
        b.load(b"abcdefgh\n");
        assert_eq!(b.text(0), "abcdefgh");
        b.load(b"xy\n");
        assert_eq!(b.text(0), "xy");
        // getline ends "xy\n" with a NUL; the old line's tail is still there after it.
        assert_eq!(b.text(3), "");
        assert_eq!(b.text(4), "efgh");
    }

    #[test]
    fn strtol_finds_leading_numbers() {
        assert_eq!(strtol(b"2048 35 123"), (2048, 4));
        assert_eq!(strtol(b"host"), (0, 0));
        assert_eq!(strtol(b"0 x"), (0, 1));
    }
}
