//! Splitting a configuration line into a keyword and its arguments, byte for byte as OpenSSH does.
//!
//! Three OpenSSH routines are reproduced here (misc.c): `strdelim` takes the keyword (it splits on
//! whitespace, on one `=`, and understands double quotes), `argv_split` takes the arguments (single
//! and double quotes, backslash escapes, `#` starting a comment only at the start of a word), and the
//! trailing-whitespace trim at the top of `process_config_line`. Commands (`ProxyCommand` and friends)
//! take the raw rest of the line instead, quotes and comments included, exactly as OpenSSH does.

/// OpenSSH's WHITESPACE set.
const WHITESPACE: &[u8] = b" \t\r\n";

fn is_ws(b: u8) -> bool {
    WHITESPACE.contains(&b)
}

fn skip_ws(s: &str) -> &str {
    s.trim_start_matches(|c: char| c.is_ascii() && is_ws(c as u8))
}

/// Strips trailing whitespace and form feeds. Like OpenSSH's loop, it never strips the first
/// character.
pub(crate) fn trim_line(line: &str) -> &str {
    let bytes = line.as_bytes();
    let mut end = bytes.len();
    while end > 1
        && bytes
            .get(end - 1)
            .is_some_and(|b| is_ws(*b) || *b == b'\x0c')
    {
        end -= 1;
    }
    line.get(..end).unwrap_or(line)
}

/// OpenSSH `strdelim` (with `=` splitting): returns the next word of `*s` and advances past it and
/// the whitespace (and at most one `=`) that follows. `*s` becomes `None` at the end of the line.
/// Returns `None` when there is nothing left, or when a quote is never closed.
pub(crate) fn strdelim(s: &mut Option<&str>) -> Option<String> {
    let cur = (*s)?;
    let bytes = cur.as_bytes();
    let Some(pos) = bytes
        .iter()
        .position(|b| is_ws(*b) || *b == b'"' || *b == b'=')
    else {
        *s = None;
        return Some(cur.to_owned());
    };
    let before = cur.get(..pos).unwrap_or("");
    let after = cur.get(pos + 1..).unwrap_or("");
    if bytes.get(pos) == Some(&b'"') {
        // The opening quote is dropped and the word runs to the next quote.
        let Some(close) = after.find('"') else {
            *s = None;
            return None;
        };
        let word = format!("{before}{}", after.get(..close).unwrap_or(""));
        *s = Some(skip_ws(after.get(close + 1..).unwrap_or("")));
        return Some(word);
    }
    let was_equals = bytes.get(pos) == Some(&b'=');
    let mut rest = skip_ws(after);
    // Only one '=' may separate a keyword from its value ("Port = 22" and "Port=22" both work).
    if !was_equals && rest.starts_with('=') {
        rest = skip_ws(rest.get(1..).unwrap_or(""));
    }
    *s = Some(rest);
    Some(before.to_owned())
}

/// A non-blank, non-comment configuration line split into its keyword and the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line<'a> {
    /// The keyword as written (case preserved).
    pub keyword: String,
    /// Everything after the keyword and its separator, leading whitespace removed.
    pub rest: &'a str,
}

/// What the start of a line turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineStart<'a> {
    /// Blank or a comment: nothing to do.
    Empty,
    /// A keyword with no argument after it (always an error in OpenSSH).
    NoArgument(String),
    /// A keyword and its arguments.
    Directive(Line<'a>),
}

/// Splits the keyword off a line, as `process_config_line` does before looking the keyword up.
pub(crate) fn split_line(line: &str) -> LineStart<'_> {
    let line = trim_line(line);
    let mut s = Some(line);
    let Some(mut keyword) = strdelim(&mut s) else {
        return LineStart::Empty;
    };
    if keyword.is_empty() {
        // Leading whitespace: the first word is empty, take the next one.
        match strdelim(&mut s) {
            Some(k) => keyword = k,
            None => return LineStart::Empty,
        }
    }
    if keyword.is_empty() || keyword.starts_with('\n') || keyword.starts_with('#') {
        return LineStart::Empty;
    }
    let rest = s.map(skip_ws).unwrap_or("");
    if rest.is_empty() {
        return LineStart::NoArgument(keyword);
    }
    LineStart::Directive(Line { keyword, rest })
}

/// An argument list with an unterminated quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidQuotes;

/// OpenSSH `argv_split(s, ..., terminate_on_comment = 1)`.
pub(crate) fn argv_split(s: &str) -> Result<Vec<String>, InvalidQuotes> {
    let bytes = s.as_bytes();
    let mut args = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b' ' || b == b'\t' {
            i += 1;
            continue;
        }
        if b == b'#' {
            break;
        }
        let mut arg: Vec<u8> = Vec::new();
        let mut quote = 0u8;
        while let Some(&c) = bytes.get(i) {
            if c == b'\\' {
                let next = bytes.get(i + 1).copied().unwrap_or(0);
                if next == b'\'' || next == b'"' || next == b'\\' || (quote == 0 && next == b' ') {
                    i += 1;
                    arg.push(next);
                } else {
                    // An escape OpenSSH does not recognise keeps its backslash.
                    arg.push(c);
                }
            } else if quote == 0 && (c == b' ' || c == b'\t') {
                break;
            } else if quote == 0 && (c == b'"' || c == b'\'') {
                quote = c;
            } else if quote != 0 && c == quote {
                quote = 0;
            } else {
                arg.push(c);
            }
            i += 1;
        }
        if quote != 0 {
            return Err(InvalidQuotes);
        }
        // Every byte pushed came from `s` whole, or is an ASCII escape target, so this is UTF-8;
        // the lossy conversion only guards against a backslash split from a multibyte sequence.
        args.push(String::from_utf8_lossy(&arg).into_owned());
    }
    Ok(args)
}

/// The raw rest of a line for keywords that take a whole command (`ProxyCommand`, `LocalCommand`,
/// `RemoteCommand`, `KnownHostsCommand`): OpenSSH skips leading whitespace and `=` and keeps the rest
/// verbatim, quotes and comments included.
pub(crate) fn command_rest(rest: &str) -> &str {
    rest.trim_start_matches(|c: char| c == '=' || (c.is_ascii() && is_ws(c as u8)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directive(line: &str) -> (String, String) {
        match split_line(line) {
            LineStart::Directive(l) => (l.keyword, l.rest.to_owned()),
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    #[test]
    fn keyword_and_value_forms_match_openssh_strdelim() {
        assert_eq!(directive("Port 22"), ("Port".into(), "22".into()));
        assert_eq!(directive("Port=22"), ("Port".into(), "22".into()));
        assert_eq!(directive("  Port = 22  "), ("Port".into(), "22".into()));
        assert_eq!(directive("\tPort\t=\t22"), ("Port".into(), "22".into()));
        // Only one '=' is a separator; the second belongs to the value.
        assert_eq!(directive("Port==22"), ("Port".into(), "=22".into()));
        assert_eq!(directive("\"Port\" 22"), ("Port".into(), "22".into()));
    }

    #[test]
    fn blank_comment_and_missing_argument_lines() {
        assert_eq!(split_line(""), LineStart::Empty);
        assert_eq!(split_line("   "), LineStart::Empty);
        assert_eq!(split_line("# Port 22"), LineStart::Empty);
        assert_eq!(split_line("  #x"), LineStart::Empty);
        assert_eq!(split_line("Port"), LineStart::NoArgument("Port".into()));
        assert_eq!(split_line("Port   "), LineStart::NoArgument("Port".into()));
        assert_eq!(split_line("Port="), LineStart::NoArgument("Port".into()));
    }

    #[test]
    fn argv_split_handles_quotes_escapes_and_comments() {
        assert_eq!(argv_split("a b\tc").unwrap(), vec!["a", "b", "c"]);
        assert_eq!(argv_split("\"a b\" 'c d'").unwrap(), vec!["a b", "c d"]);
        assert_eq!(argv_split("x\"y z\"w").unwrap(), vec!["xy zw"]);
        assert_eq!(argv_split("a\\ b c").unwrap(), vec!["a b", "c"]);
        assert_eq!(argv_split("a\\n").unwrap(), vec!["a\\n"]);
        assert_eq!(argv_split("a #comment").unwrap(), vec!["a"]);
        assert_eq!(argv_split("a#b").unwrap(), vec!["a#b"]);
        assert_eq!(argv_split("\"\"").unwrap(), vec![""]);
        assert_eq!(argv_split("\"open"), Err(InvalidQuotes));
    }

    #[test]
    fn strdelim_unterminated_quote_ends_the_words() {
        let mut s = Some("\"abc");
        assert_eq!(strdelim(&mut s), None);
        let mut s = Some("host=a,b user \"x y\" z");
        assert_eq!(strdelim(&mut s).as_deref(), Some("host"));
        assert_eq!(strdelim(&mut s).as_deref(), Some("a,b"));
        assert_eq!(strdelim(&mut s).as_deref(), Some("user"));
        assert_eq!(strdelim(&mut s).as_deref(), Some("x y"));
        assert_eq!(strdelim(&mut s).as_deref(), Some("z"));
        assert_eq!(strdelim(&mut s), None);
    }

    #[test]
    fn commands_keep_the_raw_rest() {
        assert_eq!(command_rest("= nc %h %p # keep"), "nc %h %p # keep");
    }
}
