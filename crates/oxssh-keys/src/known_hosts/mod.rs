//! known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT", OpenSSH hostfile.c).
//!
//! A line is `[@cert-authority|@revoked] hosts keytype base64 [comment]`. `hosts` is either a
//! comma-separated pattern list (`*`, `?`, `!` negation, `[host]:port` for ports other than 22) or one
//! hashed name `|1|salt|hash`. Blank lines and `#` comments are skipped; malformed lines are skipped
//! too and reported by line number, as OpenSSH does (it never fails a whole file for one bad line).
//!
//! Everything here is a pure function over text: the tools read and write the files.

mod edit;
mod hashed;

pub use edit::{Rewrite, hash_file, remove_host};
pub use hashed::{hash_host_name, hash_host_name_with_salt};

use crate::pattern::{ListMatch, match_hostname};
use crate::public::split_word;
use crate::{KeyError, KeyType, PublicKey, limits};

/// OpenSSH's default port: names for it are written bare, all others as `[host]:port`.
const DEFAULT_PORT: u16 = 22;

/// The key types OpenSSH 9 knows but oxssh does not implement. Their lines are valid entries (they
/// still count as "a different key for this host" and are removed by `ssh-keygen -R`), not errors.
const FOREIGN_KEY_TYPES: &[&str] = &[
    "ssh-dss",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "sk-ssh-ed25519@openssh.com",
    "ssh-rsa-cert-v01@openssh.com",
    "ssh-dss-cert-v01@openssh.com",
    "ssh-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com",
];

/// A line's marker (hostfile.c `check_markers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// `@cert-authority`: the key is a CA trusted to sign host certificates for these hosts.
    CertAuthority,
    /// `@revoked`: the key must never be accepted for these hosts.
    Revoked,
}

/// The key of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKey {
    /// A key type oxssh implements.
    Supported(PublicKey),
    /// A key type OpenSSH knows but oxssh does not (DSA, security keys, certificates).
    Unsupported {
        /// The key type name as written.
        key_type: String,
    },
}

#[derive(Debug, Clone)]
enum HostField {
    /// A comma-separated pattern list.
    Patterns(String),
    /// `|1|salt|hash`, kept as written and compared as a whole.
    Hashed {
        text: String,
        salt: [u8; hashed::SALT_LEN],
    },
}

/// One valid known_hosts line.
#[derive(Debug, Clone)]
pub struct Entry {
    line_number: usize,
    marker: Option<Marker>,
    hosts: HostField,
    key: EntryKey,
    comment: String,
}

impl Entry {
    /// The 1-based line number in the file.
    pub fn line_number(&self) -> usize {
        self.line_number
    }

    /// The marker, if any.
    pub fn marker(&self) -> Option<Marker> {
        self.marker
    }

    /// The host field as written.
    pub fn hosts(&self) -> &str {
        match &self.hosts {
            HostField::Patterns(p) => p,
            HostField::Hashed { text, .. } => text,
        }
    }

    /// Whether the host field is a hashed name.
    pub fn is_hashed(&self) -> bool {
        matches!(self.hosts, HostField::Hashed { .. })
    }

    /// The names as `ssh` lists them under "known by the following other names": the host field, or
    /// `[hashed name]`.
    pub fn display_names(&self) -> &str {
        if self.is_hashed() {
            "[hashed name]"
        } else {
            self.hosts()
        }
    }

    /// The entry's key.
    pub fn key(&self) -> &EntryKey {
        &self.key
    }

    /// The entry's key if oxssh implements its type.
    pub fn public_key(&self) -> Option<&PublicKey> {
        match &self.key {
            EntryKey::Supported(k) => Some(k),
            EntryKey::Unsupported { .. } => None,
        }
    }

    /// The comment after the key (possibly empty).
    pub fn comment(&self) -> &str {
        &self.comment
    }

    /// Whether this line applies to `name`, a name from [`host_port_name`]: a positive, un-negated
    /// pattern match (hostfile.c `match_maybe_hashed`).
    pub fn matches(&self, name: &str) -> bool {
        match &self.hosts {
            HostField::Patterns(list) => match_hostname(name, list) == ListMatch::Positive,
            HostField::Hashed { text, salt } => hashed::matches(text, salt, name),
        }
    }
}

/// The outcome of looking up a host's key (hostfile.c `check_key_in_hostkeys`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostStatus {
    /// A line for this host holds this key.
    Found {
        /// The line that matched.
        line: usize,
    },
    /// Lines for this host exist, but none holds this key: the host key changed (or someone is in the
    /// middle). OpenSSH names the last of these lines as the "Offending key".
    Changed {
        /// Every line for this host with a different key, in file order.
        lines: Vec<usize>,
    },
    /// An `@revoked` line for this host holds this key. This overrides `Found`.
    Revoked {
        /// The `@revoked` line.
        line: usize,
    },
    /// No line applies to this host.
    NotFound,
}

/// The name a host is looked up and stored under: lower-cased, and `[host]:port` unless the port is 22
/// (misc.c `put_host_port`).
pub fn host_port_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == DEFAULT_PORT || port == 0 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

/// Formats the lines `ssh` appends for a newly accepted key (hostfile.c `write_host_entry`). `names`
/// come from [`host_port_name`] (a host name, and with CheckHostIP its address). Unhashed, all names
/// share one line (`host,address key`); hashed, each name gets its own line with a fresh salt.
pub fn format_entry(names: &[&str], key: &PublicKey, hash: bool) -> Result<Vec<String>, KeyError> {
    let key_text = key.to_openssh_line("");
    if hash {
        names
            .iter()
            .map(|name| {
                Ok(format!(
                    "{} {key_text}",
                    hash_host_name(&name.to_ascii_lowercase())?
                ))
            })
            .collect()
    } else {
        let names: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        Ok(vec![format!("{} {key_text}", names.join(","))])
    }
}

/// A parsed known_hosts file.
#[derive(Debug, Clone, Default)]
pub struct KnownHosts {
    entries: Vec<Entry>,
    invalid_lines: Vec<usize>,
}

/// What one line of the file is.
pub(crate) enum Line {
    /// Blank or a comment.
    Comment,
    /// A line that cannot be used.
    Invalid,
    /// A valid entry; `key_start` is the byte offset of the key type in the line (for rewriting).
    Entry { entry: Entry, key_start: usize },
}

/// Parses one line (without its newline) the way hostfile.c `hostkeys_foreach` does.
pub(crate) fn parse_line(line: &str, line_number: usize) -> Line {
    if line.len() > limits::MAX_LINE {
        return Line::Invalid;
    }
    let text = line.trim_start_matches([' ', '\t']);
    if text.is_empty() || text.starts_with('#') {
        return Line::Comment;
    }
    let Some((marker, text)) = parse_marker(text) else {
        return Line::Invalid;
    };
    let (hosts, rest) = split_word(text);
    let rest = rest.trim_start_matches([' ', '\t']);
    if rest.is_empty() || rest.starts_with('#') {
        return Line::Invalid;
    }
    let hosts = if hosts.starts_with('|') {
        match hashed::parse_salt(hosts) {
            Some(salt) => HostField::Hashed {
                text: hosts.to_string(),
                salt,
            },
            None => return Line::Invalid,
        }
    } else {
        HostField::Patterns(hosts.to_string())
    };
    let (key, comment) = match PublicKey::parse_key_fields(rest) {
        Ok((key, comment)) => (EntryKey::Supported(key), comment),
        Err(KeyError::UnsupportedKeyType) => match foreign_key(rest) {
            Some(parsed) => parsed,
            None => return Line::Invalid,
        },
        Err(_) => return Line::Invalid,
    };
    let key_start = line.len() - rest.len();
    let entry = Entry {
        line_number,
        marker,
        hosts,
        key,
        comment: comment.trim().to_string(),
    };
    Line::Entry { entry, key_start }
}

/// Strips a marker (at most one) and the whitespace after it; `None` if the marker is unknown.
fn parse_marker(text: &str) -> Option<(Option<Marker>, &str)> {
    if !text.starts_with('@') {
        return Some((None, text));
    }
    let (word, rest) = split_word(text);
    let marker = match word {
        "@cert-authority" => Marker::CertAuthority,
        "@revoked" => Marker::Revoked,
        _ => return None,
    };
    let rest = rest.trim_start_matches([' ', '\t']);
    // hostfile.c allows only one marker per line.
    if rest.starts_with('@') {
        return None;
    }
    Some((Some(marker), rest))
}

/// Accepts a key of a type OpenSSH knows but we do not, if its base64 decodes to a blob that names
/// the same type.
fn foreign_key(text: &str) -> Option<(EntryKey, &str)> {
    use base64::Engine as _;
    let (type_word, rest) = split_word(text);
    if !FOREIGN_KEY_TYPES.contains(&type_word) {
        return None;
    }
    let (b64, rest) = split_word(rest.trim_start_matches([' ', '\t']));
    if b64.len() > limits::MAX_PUBLIC_KEY_BLOB / 3 * 4 + 4 {
        return None;
    }
    let blob = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let mut r = oxssh_wire::Reader::new(&blob);
    (r.read_string("key type").ok()? == type_word.as_bytes()).then(|| {
        (
            EntryKey::Unsupported {
                key_type: type_word.to_string(),
            },
            rest,
        )
    })
}

/// Splits text into lines the way `getline` does, keeping any `\r`; the final line may lack `\n`.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n')
        .map(|l| l.strip_suffix('\n').unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
}

impl KnownHosts {
    /// Parses a whole file. Invalid lines are skipped and their numbers kept.
    pub fn parse(text: &str) -> Self {
        let mut parsed = Self::default();
        for (number, line) in lines(text) {
            match parse_line(line, number) {
                Line::Comment => {}
                Line::Invalid => parsed.invalid_lines.push(number),
                Line::Entry { entry, .. } => parsed.entries.push(entry),
            }
        }
        parsed
    }

    /// The valid entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The numbers of lines that were skipped as malformed.
    pub fn invalid_lines(&self) -> &[usize] {
        &self.invalid_lines
    }

    /// Every entry for `host` on `port`, markers included (`ssh-keygen -F`).
    pub fn find(&self, host: &str, port: u16) -> Vec<&Entry> {
        let name = host_port_name(host, port);
        self.entries.iter().filter(|e| e.matches(&name)).collect()
    }

    /// Checks `key` for `host` on `port`. `host` is either the host name or, for CheckHostIP, the
    /// address: OpenSSH makes the two lookups separately.
    pub fn check(&self, host: &str, port: u16, key: &PublicKey) -> HostStatus {
        let name = host_port_name(host, port);
        let mut changed = Vec::new();
        let mut found = None;
        for entry in self
            .entries
            .iter()
            .filter(|e| e.marker.is_none() && e.matches(&name))
        {
            if entry.public_key() == Some(key) {
                found = Some(entry.line_number);
                break;
            }
            changed.push(entry.line_number);
        }
        // hostfile.c check_key_not_revoked: a revocation overrides everything else.
        let revoked = self.entries.iter().find(|e| {
            e.marker == Some(Marker::Revoked) && e.public_key() == Some(key) && e.matches(&name)
        });
        match (revoked, found) {
            (Some(r), _) => HostStatus::Revoked {
                line: r.line_number,
            },
            (None, Some(line)) => HostStatus::Found { line },
            (None, None) if changed.is_empty() => HostStatus::NotFound,
            (None, None) => HostStatus::Changed { lines: changed },
        }
    }

    /// The key types recorded for `host` on `port`, in file order without repeats; `ssh` prefers these
    /// host key algorithms (sshconnect.c `order_hostkeyalgs`).
    pub fn known_key_types(&self, host: &str, port: u16) -> Vec<KeyType> {
        let name = host_port_name(host, port);
        let mut types = Vec::new();
        for entry in self
            .entries
            .iter()
            .filter(|e| e.marker.is_none() && e.matches(&name))
        {
            if let Some(t) = entry.public_key().map(PublicKey::key_type)
                && !types.contains(&t)
            {
                types.push(t);
            }
        }
        types
    }

    /// The other lines that hold `key`: what `ssh` lists under "This host key is known by the
    /// following other names/addresses" (or, when empty, "This key is not known by any other names").
    /// Lines for `host` itself and for `address` are left out, as are marked lines.
    pub fn other_names(
        &self,
        key: &PublicKey,
        host: &str,
        port: u16,
        address: Option<&str>,
    ) -> Vec<&Entry> {
        let name = host_port_name(host, port);
        let address = address.map(|a| host_port_name(a, port));
        self.entries
            .iter()
            .filter(|e| e.marker.is_none() && e.public_key() == Some(key))
            .filter(|e| !e.matches(&name) && !address.as_deref().is_some_and(|a| e.matches(a)))
            .collect()
    }
}

#[cfg(test)]
mod tests;
