//! `from=` matching: a pattern list checked against the client's address (CIDR blocks or wildcards) and
//! host name (wildcards), as OpenSSH's match.c `match_host_and_ip` and addrmatch.c `addr_match_list`.

use std::net::IpAddr;

use crate::pattern::{ListMatch, match_hostname, match_pattern};

/// The result of matching an address list (addrmatch.c: 1, 0, -1, -2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressMatch {
    /// An entry matched and no negated entry did.
    Positive,
    /// Nothing matched.
    None,
    /// A negated entry matched.
    Negative,
    /// The list is malformed (an empty entry, or a CIDR block with host bits set or a bad length).
    Invalid,
}

/// How a `from=` list decides (match.c `match_host_and_ip`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FromMatch {
    /// The client may use the key.
    Allowed,
    /// The client may not.
    Denied,
    /// The list is malformed: OpenSSH logs "invalid from criteria" and denies.
    Invalid,
}

/// A parsed `address[/length]`, or why it is not one.
enum Cidr {
    Block(IpAddr, u8),
    /// Not an address at all: try it as a wildcard.
    NotAddress,
    /// An address with an impossible mask or host bits set.
    Bad,
}

/// addrmatch.c `addr_pton_cidr`.
fn parse_cidr(text: &str) -> Cidr {
    // The C code copies into a 64-byte buffer first; longer text is "not an address".
    if text.len() >= 64 {
        return Cidr::NotAddress;
    }
    let (addr, len) = match text.split_once('/') {
        Some((addr, len)) => {
            if !len.starts_with(|c: char| c.is_ascii_digit()) {
                return Cidr::NotAddress;
            }
            match len.parse::<u8>() {
                Ok(l) if l <= 128 => (addr, Some(l)),
                _ => return Cidr::NotAddress,
            }
        }
        None => (text, None),
    };
    let Ok(addr) = addr.parse::<IpAddr>() else {
        return Cidr::NotAddress;
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = len.unwrap_or(max);
    if len > max || host_bits(addr, len) != 0 {
        return Cidr::Bad;
    }
    Cidr::Block(addr, len)
}

fn to_bits(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(a) => u128::from(u32::from(a)) << 96,
        IpAddr::V6(a) => u128::from(a),
    }
}

/// The bits of `addr` below a `len`-bit mask (aligned so IPv4 and IPv6 use the same arithmetic).
fn host_bits(addr: IpAddr, len: u8) -> u128 {
    to_bits(addr) & !prefix_mask(len)
}

fn prefix_mask(len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len.min(128)))
    }
}

/// Whether `addr` lies in `block/len` (addrmatch.c `addr_netmatch`); families must agree.
fn in_block(addr: IpAddr, block: IpAddr, len: u8) -> bool {
    addr.is_ipv4() == block.is_ipv4() && (to_bits(addr) & prefix_mask(len)) == to_bits(block)
}

/// Matches an address against a list of CIDR blocks and wildcard patterns, `!` negating an entry.
/// `address` that does not parse as an IP address matches nothing.
pub fn addr_match_list(address: &str, list: &str) -> AddressMatch {
    let Ok(addr) = address.parse::<IpAddr>() else {
        return AddressMatch::None;
    };
    let mut result = AddressMatch::None;
    for entry in list.split(',') {
        let (negated, pattern) = match entry.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, entry),
        };
        if pattern.is_empty() {
            return AddressMatch::Invalid;
        }
        let matched = match parse_cidr(pattern) {
            Cidr::Bad => return AddressMatch::Invalid,
            Cidr::Block(block, len) => in_block(addr, block, len),
            Cidr::NotAddress => match_pattern(address, pattern),
        };
        if matched {
            if negated {
                return AddressMatch::Negative;
            }
            result = AddressMatch::Positive;
        }
    }
    result
}

/// Decides a `from=` list for a client with host name `host` (the address itself when sshd does not
/// resolve names, `UseDNS no`) and address `address`.
pub fn match_host_and_ip(host: &str, address: &str, list: &str) -> FromMatch {
    let by_address = addr_match_list(address, list);
    match by_address {
        AddressMatch::Invalid => return FromMatch::Invalid,
        AddressMatch::Negative => return FromMatch::Denied,
        AddressMatch::Positive | AddressMatch::None => {}
    }
    match match_hostname(host, list) {
        ListMatch::Negative => FromMatch::Denied,
        ListMatch::None if by_address == AddressMatch::None => FromMatch::Denied,
        _ => FromMatch::Allowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_blocks_and_wildcards() {
        assert_eq!(
            addr_match_list("10.1.2.3", "10.0.0.0/8"),
            AddressMatch::Positive
        );
        assert_eq!(
            addr_match_list("11.1.2.3", "10.0.0.0/8"),
            AddressMatch::None
        );
        assert_eq!(
            addr_match_list("10.1.2.3", "10.0.0.0/8,!10.1.0.0/16"),
            AddressMatch::Negative
        );
        assert_eq!(
            addr_match_list("10.1.2.3", "10.1.*"),
            AddressMatch::Positive
        );
        assert_eq!(
            addr_match_list("10.1.2.3", "10.0.0.1/8"),
            AddressMatch::Invalid
        );
        assert_eq!(
            addr_match_list("10.1.2.3", "10.0.0.0/33"),
            AddressMatch::Invalid
        );
        assert_eq!(addr_match_list("10.1.2.3", "a,,b"), AddressMatch::Invalid);
        assert_eq!(
            addr_match_list("2001:db8::1", "2001:db8::/32"),
            AddressMatch::Positive
        );
        assert_eq!(
            addr_match_list("2001:db8::1", "10.0.0.0/8"),
            AddressMatch::None
        );
        assert_eq!(
            addr_match_list("10.0.0.1", "0.0.0.0/0"),
            AddressMatch::Positive
        );
        assert_eq!(addr_match_list("not-an-ip", "*"), AddressMatch::None);
    }

    #[test]
    fn host_and_address_together() {
        let ok = |host, list| match_host_and_ip(host, "192.0.2.7", list);
        assert_eq!(
            ok("client.example.com", "*.example.com"),
            FromMatch::Allowed
        );
        assert_eq!(ok("client.example.com", "192.0.2.0/24"), FromMatch::Allowed);
        assert_eq!(
            ok("client.example.com", "*.example.com,!192.0.2.7"),
            FromMatch::Denied
        );
        assert_eq!(
            ok("client.example.com", "192.0.2.0/24,!client.example.com"),
            FromMatch::Denied
        );
        assert_eq!(
            ok("client.example.com", "other.example.com"),
            FromMatch::Denied
        );
        assert_eq!(ok("client.example.com", "192.0.2.1/24"), FromMatch::Invalid);
    }
}
