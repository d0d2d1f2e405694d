//! Pattern matching as OpenSSH does it (match.c, addrmatch.c): `*`/`?` wildcards, comma-separated
//! pattern lists with `!` negation, host names compared in lower case, CIDR address lists and
//! `user@host` patterns. These are public because tools need the same rules elsewhere (known_hosts,
//! `from=` in authorized_keys, AllowUsers).

use std::net::IpAddr;

/// OpenSSH copies each sub-pattern into a 1024-byte buffer and treats longer ones as "no match".
const MAX_SUBPATTERN: usize = 1023;

/// Whether `s` matches the wildcard `pattern` (`*` any run of bytes, `?` exactly one byte),
/// case-sensitively. Same answers as OpenSSH `match_pattern`, in linear space and without
/// recursion, so hostile patterns cannot exhaust the stack.
pub fn match_pattern(s: &str, pattern: &str) -> bool {
    let s = s.as_bytes();
    let p = pattern.as_bytes();
    let (mut si, mut pi) = (0usize, 0usize);
    // Where to resume after the last '*': (pattern index after the star, string index).
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        match p.get(pi) {
            Some(b'*') => {
                while p.get(pi) == Some(&b'*') {
                    pi += 1;
                }
                if pi == p.len() {
                    return true;
                }
                backtrack = Some((pi, si));
                continue;
            }
            Some(&pc) if si < s.len() && (pc == b'?' || s.get(si) == Some(&pc)) => {
                pi += 1;
                si += 1;
                continue;
            }
            None if si == s.len() => return true,
            _ => {}
        }
        // Mismatch: let the last star swallow one more byte, or fail.
        match backtrack {
            Some((bp, bs)) if bs < s.len() => {
                backtrack = Some((bp, bs + 1));
                pi = bp;
                si = bs + 1;
            }
            _ => return false,
        }
    }
}

/// The result of matching against a pattern list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListMatch {
    /// A `!pattern` matched: the list rejects the string outright.
    Negated,
    /// No pattern matched.
    NoMatch,
    /// A positive pattern matched and no negated one did.
    Match,
}

impl ListMatch {
    /// True only for [`ListMatch::Match`].
    pub fn is_match(self) -> bool {
        self == ListMatch::Match
    }
}

/// OpenSSH `match_pattern_list`: `pattern` is a comma-separated list of wildcard patterns, each
/// optionally negated with `!`. With `lowercase`, the patterns are lowered first (the string must
/// then already be lower case).
pub fn match_pattern_list(s: &str, patterns: &str, lowercase: bool) -> ListMatch {
    let mut positive = false;
    let mut rest = patterns;
    while !rest.is_empty() {
        let (negated, after) = match rest.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let (sub, next) = match after.find(',') {
            Some(i) => (
                after.get(..i).unwrap_or(""),
                after.get(i + 1..).unwrap_or(""),
            ),
            None => (after, ""),
        };
        if sub.len() >= MAX_SUBPATTERN {
            return ListMatch::NoMatch;
        }
        let sub = if lowercase {
            sub.to_ascii_lowercase()
        } else {
            sub.to_owned()
        };
        if match_pattern(s, &sub) {
            if negated {
                return ListMatch::Negated;
            }
            positive = true;
        }
        rest = next;
    }
    if positive {
        ListMatch::Match
    } else {
        ListMatch::NoMatch
    }
}

/// OpenSSH `match_hostname`: the host is compared in lower case against a lowered pattern list.
pub fn match_hostname(host: &str, patterns: &str) -> ListMatch {
    match_pattern_list(&host.to_ascii_lowercase(), patterns, true)
}

/// A network in CIDR form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// Why a CIDR entry is unusable (OpenSSH `addr_pton_cidr` returning -2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidCidr;

impl Cidr {
    /// Parses `addr[/len]`. `Ok(None)` means "not an address at all" (OpenSSH then falls back to a
    /// wildcard match); `Err` means an address with an impossible prefix length or host bits set.
    pub fn parse(s: &str) -> Result<Option<Cidr>, InvalidCidr> {
        if s.len() >= 64 {
            return Ok(None);
        }
        let (addr_part, len_part) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let prefix = match len_part {
            Some(l) => {
                if !l.bytes().next().is_some_and(|b| b.is_ascii_digit())
                    || !l.bytes().all(|b| b.is_ascii_digit())
                {
                    return Ok(None);
                }
                match l.parse::<u32>() {
                    Ok(n) if n <= 128 => Some(n),
                    _ => return Ok(None),
                }
            }
            None => None,
        };
        let Ok(addr) = addr_part.parse::<IpAddr>() else {
            return Ok(None);
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(InvalidCidr);
        }
        let prefix = u8::try_from(prefix).map_err(|_| InvalidCidr)?;
        let cidr = Cidr { addr, prefix };
        // OpenSSH refuses "10.0.0.1/8": the host part of a network must be zero.
        if cidr.mask(addr) != addr {
            return Err(InvalidCidr);
        }
        Ok(Some(cidr))
    }

    fn mask(&self, addr: IpAddr) -> IpAddr {
        match addr {
            IpAddr::V4(a) => {
                let bits = u32::from(a);
                let m = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(self.prefix.min(32)))
                };
                IpAddr::V4((bits & m).into())
            }
            IpAddr::V6(a) => {
                let bits = u128::from(a);
                let m = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(self.prefix.min(128)))
                };
                IpAddr::V6((bits & m).into())
            }
        }
    }

    /// Whether `addr` lies in this network (never across address families).
    pub fn contains(&self, addr: IpAddr) -> bool {
        addr.is_ipv4() == self.addr.is_ipv4() && self.mask(addr) == self.addr
    }
}

/// The result of [`addr_match_list`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrMatch {
    /// A negated entry matched.
    Negated,
    /// Nothing matched.
    NoMatch,
    /// A positive entry matched.
    Match,
    /// The list has an empty or malformed network entry.
    Invalid,
}

/// OpenSSH `addr_match_list`: a comma-separated list of CIDR networks or wildcard patterns, each
/// optionally negated. With `addr == None` the list is only checked for validity.
pub fn addr_match_list(addr: Option<&str>, list: &str) -> AddrMatch {
    let parsed = match addr {
        Some(a) => match a.parse::<IpAddr>() {
            Ok(ip) => Some((a, ip)),
            Err(_) => return AddrMatch::NoMatch,
        },
        None => None,
    };
    let mut result = AddrMatch::NoMatch;
    for entry in list.split(',') {
        let (negated, entry) = match entry.strip_prefix('!') {
            Some(e) => (true, e),
            None => (false, entry),
        };
        if entry.is_empty() {
            return AddrMatch::Invalid;
        }
        let found = match Cidr::parse(entry) {
            Err(InvalidCidr) => return AddrMatch::Invalid,
            Ok(Some(net)) => parsed.is_some_and(|(_, ip)| net.contains(ip)),
            Ok(None) => parsed.is_some_and(|(text, _)| match_pattern(text, entry)),
        };
        if found {
            if negated {
                return AddrMatch::Negated;
            }
            result = AddrMatch::Match;
        }
    }
    result
}

/// OpenSSH `match_host_and_ip`: both the address list and the host-name list must agree; a
/// negated match of either rejects.
pub fn match_host_and_ip(
    host: Option<&str>,
    ipaddr: Option<&str>,
    patterns: &str,
) -> Result<bool, InvalidCidr> {
    let mip = addr_match_list(ipaddr, patterns);
    if mip == AddrMatch::Invalid {
        return Err(InvalidCidr);
    }
    let (Some(host), Some(_)) = (host, ipaddr) else {
        return Ok(false);
    };
    if mip == AddrMatch::Negated {
        return Ok(false);
    }
    let mhost = match_hostname(host, patterns);
    if mhost == ListMatch::Negated {
        return Ok(false);
    }
    Ok(!(mhost == ListMatch::NoMatch && mip == AddrMatch::NoMatch))
}

/// OpenSSH `match_user` for `AllowUsers`/`DenyUsers` entries: `user` or `user@host`, where the host
/// part may be a pattern list or CIDR networks matched against the client's name and address.
pub fn match_user(
    user: &str,
    host: Option<&str>,
    ipaddr: Option<&str>,
    pattern: &str,
) -> Result<bool, InvalidCidr> {
    match pattern.split_once('@') {
        None => Ok(match_pattern(user, pattern)),
        Some((upat, hpat)) => {
            if !match_pattern(user, upat) {
                return Ok(false);
            }
            match_host_and_ip(host, ipaddr, hpat)
        }
    }
}

/// Checks an `AllowUsers`/`DenyUsers` entry for validity (OpenSSH `match_user` in test mode).
pub fn valid_user_pattern(pattern: &str) -> bool {
    match pattern.split_once('@') {
        None => true,
        Some((_, hpat)) => addr_match_list(None, hpat) != AddrMatch::Invalid,
    }
}

/// OpenSSH `ga_match_pattern_list` for `AllowGroups` and `Match Group`: true if any of the groups
/// matches the list positively and none is rejected by a negation.
pub fn match_group_list(groups: &[String], patterns: &str) -> bool {
    let mut found = false;
    for g in groups {
        match match_pattern_list(g, patterns, false) {
            ListMatch::Negated => return false,
            ListMatch::Match => found = true,
            ListMatch::NoMatch => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_behave_like_openssh() {
        assert!(match_pattern("example.com", "*.com"));
        assert!(match_pattern("example.com", "ex?mple.*"));
        assert!(match_pattern("", "*"));
        assert!(match_pattern("abc", "a**c"));
        assert!(!match_pattern("abc", "a?"));
        assert!(!match_pattern("Example.com", "example.com"));
        assert!(match_pattern(
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
            "*a*a*a*a*a*a*a*a*b"
        ));
        assert!(!match_pattern(
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "*a*a*a*a*a*a*a*a*b"
        ));
    }

    #[test]
    fn pattern_lists_negate_and_lowercase() {
        assert_eq!(match_pattern_list("host", "a,h*", false), ListMatch::Match);
        assert_eq!(
            match_pattern_list("host", "h*,!host", false),
            ListMatch::Negated
        );
        assert_eq!(match_pattern_list("host", "x", false), ListMatch::NoMatch);
        assert_eq!(
            match_hostname("HoSt.EXAMPLE", "*.Example"),
            ListMatch::Match
        );
        let long = "a".repeat(2000);
        assert_eq!(match_pattern_list("a", &long, false), ListMatch::NoMatch);
    }

    #[test]
    fn cidr_lists_follow_addrmatch_c() {
        assert_eq!(
            addr_match_list(Some("10.1.2.3"), "10.0.0.0/8"),
            AddrMatch::Match
        );
        assert_eq!(
            addr_match_list(Some("10.1.2.3"), "192.168.0.0/16,!10.1.0.0/16,10.0.0.0/8"),
            AddrMatch::Negated
        );
        assert_eq!(
            addr_match_list(Some("2001:db8::1"), "2001:db8::/32"),
            AddrMatch::Match
        );
        assert_eq!(
            addr_match_list(Some("10.1.2.3"), "10.1.*"),
            AddrMatch::Match
        );
        assert_eq!(
            addr_match_list(Some("10.1.2.3"), "10.0.0.1/8"),
            AddrMatch::Invalid
        );
        assert_eq!(addr_match_list(None, "1.2.3.4/33"), AddrMatch::Invalid);
        assert_eq!(addr_match_list(None, "1.2.3.0/24,,x"), AddrMatch::Invalid);
        assert_eq!(addr_match_list(Some("not-an-ip"), "*"), AddrMatch::NoMatch);
        assert_eq!(
            addr_match_list(Some("0.0.0.1"), "0.0.0.0/0"),
            AddrMatch::Match
        );
    }

    #[test]
    fn user_at_host_patterns() {
        assert_eq!(
            match_user(
                "alice",
                Some("h.example"),
                Some("10.0.0.5"),
                "alice@10.0.0.0/8"
            ),
            Ok(true)
        );
        assert_eq!(
            match_user(
                "alice",
                Some("h.example"),
                Some("10.0.0.5"),
                "alice@*.example"
            ),
            Ok(true)
        );
        assert_eq!(
            match_user("alice", Some("h.example"), Some("10.0.0.5"), "bob@*"),
            Ok(false)
        );
        assert_eq!(
            match_user("alice", Some("h.example"), Some("10.0.0.5"), "a*"),
            Ok(true)
        );
        assert!(!valid_user_pattern("x@1.2.3.4/40"));
        assert!(valid_user_pattern("x@*.example"));
    }

    #[test]
    fn group_lists() {
        let g = vec!["wheel".to_owned(), "users".to_owned()];
        assert!(match_group_list(&g, "wheel"));
        assert!(!match_group_list(&g, "wheel,!users"));
        assert!(!match_group_list(&g, "admin"));
    }
}
