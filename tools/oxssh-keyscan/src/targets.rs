//! What to scan: host specifications from the command line and from `-f` files, read exactly as
//! ssh-keyscan.c reads them (`do_host` and the loop in `main`).
//!
//! A specification is `addrlist [namelist]`: a comma-separated list of names or addresses to try in
//! turn, and optionally, after a space or tab, the comma-separated names to print instead. A
//! specification that is an address or a CIDR range (`192.168.16.0/28`) is scanned address by address,
//! network and broadcast addresses included, as OpenSSH does.

use std::net::IpAddr;

/// One host to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The names or addresses to connect to, tried in order until one accepts a connection.
    pub addresses: Vec<String>,
    /// The names printed with the keys: the namelist if one was given, otherwise the addrlist as
    /// written (commas included).
    pub output_names: String,
}

impl Target {
    /// Parses one specification (`do_host`): the first word separated by spaces, tabs or newlines is
    /// the addrlist; whatever follows the character that ended it is the namelist.
    pub fn parse(spec: &str) -> Option<Self> {
        let is_delim = |c: char| matches!(c, ' ' | '\t' | '\n');
        let start = spec.trim_start_matches(is_delim);
        if start.is_empty() {
            return None;
        }
        let (name, rest) = match start.find(is_delim) {
            // The delimiter itself is consumed; anything after it, even more blanks, is the namelist.
            Some(at) => (&start[..at], &start[at + 1..]),
            None => (start, ""),
        };
        let output_names = if rest.is_empty() { name } else { rest };
        Some(Self {
            // strsep: empty fields between commas are kept (and fail to resolve, as in OpenSSH).
            addresses: name.split(',').map(str::to_owned).collect(),
            output_names: output_names.to_owned(),
        })
    }
}

/// A specification: one target, or a CIDR range expanded lazily (a /8 is 16 million targets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// A host (or addrlist with a namelist).
    One(Target),
    /// Every address from `first` to `last` inclusive, both of one family.
    Range {
        /// The first address (the network address).
        first: IpAddr,
        /// The last address (all host bits set).
        last: IpAddr,
    },
}

impl Spec {
    /// Parses one specification (`do_host`): an address or CIDR range, or else a host.
    pub fn parse(spec: &str) -> Option<Self> {
        match parse_cidr(spec) {
            Some((first, last)) => Some(Self::Range { first, last }),
            None => Target::parse(spec).map(Self::One),
        }
    }

    /// The targets, in order.
    pub fn targets(&self) -> Box<dyn Iterator<Item = Target> + Send + '_> {
        let target = |a: IpAddr| Target::parse(&a.to_string());
        match *self {
            Self::One(ref t) => Box::new(std::iter::once(t.clone())),
            Self::Range {
                first: IpAddr::V4(f),
                last: IpAddr::V4(l),
            } => Box::new(
                (u32::from(f)..=u32::from(l)).filter_map(move |a| target(IpAddr::V4(a.into()))),
            ),
            Self::Range {
                first: IpAddr::V6(f),
                last: IpAddr::V6(l),
            } => Box::new(
                (u128::from(f)..=u128::from(l)).filter_map(move |a| target(IpAddr::V6(a.into()))),
            ),
            Self::Range { .. } => Box::new(std::iter::empty()),
        }
    }
}

/// addrmatch.c `addr_pton_cidr`: `address[/masklen]` with no host bits set; the first and last address
/// of the range. A bare address is a range of one.
pub fn parse_cidr(spec: &str) -> Option<(IpAddr, IpAddr)> {
    // OpenSSH copies the argument into a 64-byte buffer first and gives up on longer ones.
    if spec.len() >= 64 {
        return None;
    }
    let (address, mask) = match spec.split_once('/') {
        Some((a, m)) => {
            if !m.starts_with(|c: char| c.is_ascii_digit())
                || !m.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            (a, Some(m.parse::<u32>().ok()?))
        }
        None => (spec, None),
    };
    let address: IpAddr = address.parse().ok()?;
    match address {
        IpAddr::V4(a) => {
            let len = mask.unwrap_or(32);
            let host = u32::MAX.checked_shr(len).unwrap_or(0);
            if len > 32 || u32::from(a) & host != 0 {
                return None;
            }
            Some((address, IpAddr::V4((u32::from(a) | host).into())))
        }
        IpAddr::V6(a) => {
            let len = mask.unwrap_or(128);
            let host = u128::MAX.checked_shr(len).unwrap_or(0);
            if len > 128 || u128::from(a) & host != 0 {
                return None;
            }
            Some((address, IpAddr::V6((u128::from(a) | host).into())))
        }
    }
}

/// Parses a `-f` file: each line loses everything from the first `#` and trailing blanks; empty lines
/// are skipped.
pub fn parse_file(text: &str) -> Vec<Spec> {
    text.split_inclusive('\n')
        .map(|line| {
            let line = match line.find('#') {
                Some(at) => &line[..at],
                None => line,
            };
            line.trim_end_matches([' ', '\t', '\n', '#'])
        })
        .filter(|line| !line.is_empty())
        .filter_map(Spec::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_host_is_its_own_output_name() {
        let t = Target::parse("example.org").unwrap();
        assert_eq!(t.addresses, vec!["example.org"]);
        assert_eq!(t.output_names, "example.org");
    }

    #[test]
    fn addrlist_and_namelist() {
        let t = Target::parse("10.0.0.1,192.0.2.1 a,b").unwrap();
        assert_eq!(t.addresses, vec!["10.0.0.1", "192.0.2.1"]);
        assert_eq!(t.output_names, "a,b");
        let t = Target::parse("10.0.0.1,sad.example.org").unwrap();
        assert_eq!(t.output_names, "10.0.0.1,sad.example.org");
    }

    #[test]
    fn file_lines_lose_comments_and_blanks() {
        let specs = parse_file("h1,foo  # comment\n  \n# only a comment\n\th2 bar,baz\n");
        let targets: Vec<Target> = specs.iter().flat_map(Spec::targets).collect();
        assert_eq!(targets.len(), 2);
        assert_eq!(targets[0].addresses, vec!["h1", "foo"]);
        assert_eq!(targets[0].output_names, "h1,foo");
        assert_eq!(targets[1].addresses, vec!["h2"]);
        assert_eq!(targets[1].output_names, "bar,baz");
    }

    #[test]
    fn cidr_ranges_expand_with_network_and_broadcast() {
        let spec = Spec::parse("127.0.0.0/30").unwrap();
        let names: Vec<String> = spec.targets().map(|t| t.output_names).collect();
        assert_eq!(names, ["127.0.0.0", "127.0.0.1", "127.0.0.2", "127.0.0.3"]);
        let one: Vec<Target> = Spec::parse("::1").unwrap().targets().collect();
        assert_eq!(one[0].output_names, "::1");
        // Host bits set: not a range, so a (failing) host name, as in OpenSSH.
        assert!(matches!(Spec::parse("127.0.0.1/31"), Some(Spec::One(_))));
        assert!(matches!(Spec::parse("10.0.0.1 name"), Some(Spec::One(_))));
        assert!(matches!(
            Spec::parse("fe80::/127"),
            Some(Spec::Range { .. })
        ));
    }

    #[test]
    fn empty_specifications_are_skipped() {
        assert_eq!(Target::parse(" \t"), None);
        assert!(parse_file("\n\n").is_empty());
    }
}
