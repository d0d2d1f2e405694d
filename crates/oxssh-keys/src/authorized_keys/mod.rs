//! authorized_keys files (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"): `[options] keytype base64 [comment]`.
//!
//! Our own parser, because ssh-key's splits options from the key at the first space and so refuses
//! quoted values with spaces, tabs as separators and `restrict KEY` without a comment. Lines are read
//! the way OpenSSH's auth2-pubkeyfile.c does: try a key first; failing that, skip the options (quote
//! aware), then read the key. A line whose options do not parse is skipped entirely, with OpenSSH's
//! reason. When a key is presented, the first line holding it whose restrictions admit the client
//! wins; refused lines do not stop the search.

mod options;
mod patterns;

pub use options::{Expiry, KeyOptions, OptionError, TunnelDevice, parse_expiry, parse_options};
pub use patterns::{AddressMatch, FromMatch, addr_match_list, match_host_and_ip};

use crate::{KeyError, PublicKey, limits};

/// One usable authorized_keys line.
#[derive(Debug, Clone)]
pub struct Entry {
    line_number: usize,
    options: KeyOptions,
    key: PublicKey,
    comment: String,
}

impl Entry {
    /// The 1-based line number.
    pub fn line_number(&self) -> usize {
        self.line_number
    }

    /// The line's options (the effective restrictions for a login with this key).
    pub fn options(&self) -> &KeyOptions {
        &self.options
    }

    /// The key.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// The comment after the key.
    pub fn comment(&self) -> &str {
        &self.comment
    }

    /// Checks this line's restrictions for a client (auth2-pubkeyfile.c `auth_authorise_keyopts`).
    pub fn authorise(&self, client: &Client<'_>) -> Result<(), Denial> {
        let o = &self.options;
        if let Some(expiry) = o.expiry {
            let at = expiry.unix_time(client.local_utc_offset);
            // Valid up to and including the expiry second.
            if at < client.now {
                return Err(Denial::Expired { at });
            }
        }
        if o.principals.is_some() && !o.cert_authority {
            return Err(Denial::PrincipalsOnNonCaKey);
        }
        if let Some(from) = &o.from {
            match match_host_and_ip(client.host, client.address, from) {
                FromMatch::Allowed => {}
                FromMatch::Denied => return Err(Denial::FromNotPermitted),
                FromMatch::Invalid => return Err(Denial::InvalidFrom),
            }
        }
        Ok(())
    }
}

/// What sshd knows about the connecting client, and the time, for checking a line's restrictions.
#[derive(Debug, Clone, Copy)]
pub struct Client<'a> {
    /// The client's host name, or its address when sshd does not resolve names (`UseDNS no`).
    pub host: &'a str,
    /// The client's address.
    pub address: &'a str,
    /// The current time, Unix seconds.
    pub now: i64,
    /// The server's offset from UTC in seconds (east positive), for `expiry-time` values given in local
    /// time.
    pub local_utc_offset: i64,
}

/// Why a line holding the presented key did not admit the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// `expiry-time` has passed; the instant is in Unix seconds.
    Expired {
        /// When the entry expired.
        at: i64,
    },
    /// `principals=` on a key that is not a `cert-authority`.
    PrincipalsOnNonCaKey,
    /// `from=` does not admit the client ("correct key but not from a permitted host").
    FromNotPermitted,
    /// `from=` is malformed ("invalid from criteria").
    InvalidFrom,
}

/// The decision for a presented key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorization<'a> {
    /// A line admits the client; its options apply to the session.
    Allowed(&'a Entry),
    /// Lines hold the key but none admits the client; each with its line number and reason.
    Denied(Vec<(usize, Denial)>),
    /// No line holds the key.
    NotFound,
}

/// A line that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedLine {
    /// The 1-based line number.
    pub line_number: usize,
    /// OpenSSH's reason for bad options ("unknown key option", …), or why no key was found.
    pub reason: &'static str,
}

/// A parsed authorized_keys file.
#[derive(Debug, Clone, Default)]
pub struct AuthorizedKeys {
    entries: Vec<Entry>,
    skipped: Vec<SkippedLine>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.line_number == other.line_number
            && self.key == other.key
            && self.options == other.options
    }
}

impl Eq for Entry {}

/// Parses one line. `Ok(None)` is a blank or comment line.
pub fn parse_line(line: &str, line_number: usize) -> Result<Option<Entry>, &'static str> {
    if line.len() > limits::MAX_LINE {
        return Err("line too long");
    }
    let text = line.trim_start_matches([' ', '\t']);
    if text.is_empty() || text.starts_with(['#', '\n', '\r']) {
        return Ok(None);
    }
    // A key first; failing that, options and then a key (auth2-pubkeyfile.c auth_check_authkey_line).
    let (options, key, rest) = match PublicKey::parse_key_fields(text) {
        Ok((key, rest)) => (KeyOptions::default(), key, rest),
        Err(_) => {
            let after = skip_options(text).ok_or("invalid key option string")?;
            let (key, rest) = PublicKey::parse_key_fields(after).map_err(|e| match e {
                KeyError::UnsupportedKeyType => "unsupported or missing key type",
                _ => "invalid key",
            })?;
            let (options, _) = parse_options(text)?;
            (options, key, rest)
        }
    };
    Ok(Some(Entry {
        line_number,
        options,
        key,
        comment: rest.trim().to_string(),
    }))
}

/// sshkey.c `sshkey_advance_past_options`: skips to the first space or tab outside double quotes (`\"`
/// does not toggle); `None` for an unterminated quote.
fn skip_options(text: &str) -> Option<&str> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if text.get(i + 1..).is_some_and(|r| r.starts_with('"')) => escaped = true,
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => {
                return text.get(i..).map(|r| r.trim_start_matches([' ', '\t']));
            }
            _ => {}
        }
    }
    if quoted { None } else { Some("") }
}

impl AuthorizedKeys {
    /// Parses a whole file; unusable lines are skipped and recorded.
    pub fn parse(text: &str) -> Self {
        let mut parsed = Self::default();
        for (i, line) in text.lines().enumerate() {
            match parse_line(line, i + 1) {
                Ok(Some(entry)) => parsed.entries.push(entry),
                Ok(None) => {}
                Err(reason) => parsed.skipped.push(SkippedLine {
                    line_number: i + 1,
                    reason,
                }),
            }
        }
        parsed
    }

    /// The usable lines.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The lines that were skipped, with reasons.
    pub fn skipped(&self) -> &[SkippedLine] {
        &self.skipped
    }

    /// Decides whether `key` may log in for `client`. `cert-authority` lines never admit a plain key.
    pub fn authorize(&self, key: &PublicKey, client: &Client<'_>) -> Authorization<'_> {
        let mut denials = Vec::new();
        for entry in self
            .entries
            .iter()
            .filter(|e| &e.key == key && !e.options.cert_authority)
        {
            match entry.authorise(client) {
                Ok(()) => return Authorization::Allowed(entry),
                Err(denial) => denials.push((entry.line_number, denial)),
            }
        }
        if denials.is_empty() {
            Authorization::NotFound
        } else {
            Authorization::Denied(denials)
        }
    }
}

#[cfg(test)]
mod tests;
