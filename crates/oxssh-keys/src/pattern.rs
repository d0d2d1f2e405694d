//! OpenSSH's wildcard patterns and pattern lists (match.c), used by known_hosts host fields,
//! authorized_keys `from=` and `principals=`, and ssh_config `Host`.
//!
//! A pattern matches a whole string; `*` matches any run of bytes (also none) and `?` exactly one
//! byte. A pattern list is comma-separated; a pattern prefixed with `!` is negated, and a negated match
//! decides the whole list as a non-match, whatever else matches.

/// How a string fared against a pattern list (match.c `match_pattern_list`: 1, -1, 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListMatch {
    /// Some positive pattern matched and no negated one did.
    Positive,
    /// A negated pattern matched: the list refuses the string.
    Negative,
    /// Nothing matched.
    None,
}

/// The longest sub-pattern OpenSSH's fixed buffer holds; a longer one makes the list fail to match.
const MAX_SUBPATTERN: usize = 1023;

/// Whether `s` matches the wildcard `pattern` (case-sensitive, byte-wise).
///
/// Iterative with one backtrack point, so the work is O(len(s) × len(pattern)) at worst, where
/// OpenSSH's recursive `match_pattern` can be exponential on patterns like `*a*a*a*b`.
pub fn match_pattern(s: &str, pattern: &str) -> bool {
    let (s, p) = (s.as_bytes(), pattern.as_bytes());
    let (mut si, mut pi) = (0usize, 0usize);
    // Where the last `*` was, and the position in `s` it currently stands for the end of.
    let mut backtrack: Option<(usize, usize)> = None;
    while let Some(&c) = s.get(si) {
        match p.get(pi) {
            Some(b'*') => {
                backtrack = Some((pi, si));
                pi += 1;
            }
            Some(&pc) if pc == b'?' || pc == c => {
                si += 1;
                pi += 1;
            }
            _ => match backtrack {
                // Let the last star swallow one more byte and retry from there.
                Some((star, consumed)) => {
                    backtrack = Some((star, consumed + 1));
                    pi = star + 1;
                    si = consumed + 1;
                }
                None => return false,
            },
        }
    }
    p.get(pi..).unwrap_or_default().iter().all(|&b| b == b'*')
}

/// Matches `s` against a comma-separated pattern list. With `lowercase_patterns` the patterns are
/// lower-cased first (the caller lower-cases `s` if it wants a case-insensitive match).
pub fn match_pattern_list(s: &str, list: &str, lowercase_patterns: bool) -> ListMatch {
    let mut positive = false;
    for entry in list.split(',') {
        let (negated, sub) = match entry.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, entry),
        };
        if sub.len() > MAX_SUBPATTERN {
            return ListMatch::None;
        }
        let matched = if lowercase_patterns {
            match_pattern(s, &sub.to_ascii_lowercase())
        } else {
            match_pattern(s, sub)
        };
        if matched {
            if negated {
                return ListMatch::Negative;
            }
            positive = true;
        }
    }
    if positive {
        ListMatch::Positive
    } else {
        ListMatch::None
    }
}

/// Host name matching: the name and the patterns are compared case-insensitively (match.c
/// `match_hostname`).
pub fn match_hostname(host: &str, list: &str) -> ListMatch {
    match_pattern_list(&host.to_ascii_lowercase(), list, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(match_pattern("host.example.com", "*.example.com"));
        assert!(match_pattern("a", "?"));
        assert!(match_pattern("", "*"));
        assert!(!match_pattern("", "?"));
        assert!(match_pattern("abcabd", "*ab?"));
        assert!(match_pattern("aXbXc", "a*b*c"));
        assert!(!match_pattern("aXbXd", "a*b*c"));
        assert!(match_pattern("[h]:2222", "[h]:2222"));
        assert!(!match_pattern("abc", "ab"));
        assert!(match_pattern("abc", "ab**"));
    }

    #[test]
    fn pathological_patterns_finish_quickly() {
        let s = "a".repeat(5000);
        let p = format!("{}b", "*a".repeat(100));
        assert!(!match_pattern(&s, &p));
    }

    #[test]
    fn lists_and_negation() {
        assert_eq!(match_hostname("Host1", "host1,host2"), ListMatch::Positive);
        assert_eq!(match_hostname("host3", "host1,host2"), ListMatch::None);
        assert_eq!(
            match_hostname("bad.example.com", "*.example.com,!bad.example.com"),
            ListMatch::Negative
        );
        assert_eq!(
            match_hostname("bad.example.com", "!bad.example.com,*.example.com"),
            ListMatch::Negative
        );
        assert_eq!(
            match_hostname("ok.example.com", "*.EXAMPLE.com,!bad.example.com"),
            ListMatch::Positive
        );
        assert_eq!(match_pattern_list("X", "x", false), ListMatch::None);
        let long = "a".repeat(2000);
        assert_eq!(match_pattern_list(&long, &long, false), ListMatch::None);
    }
}
