//! Algorithm lists with OpenSSH's `+` (append), `-` (remove), `^` (prepend) modifiers
//! (kex.c `kex_assemble_names`, match.c `match_filter_allowlist`/`match_filter_denylist`).
//!
//! The library does not know which algorithms exist: the caller passes, per list, the names it
//! implements and its default order ([`AlgorithmList`]). The tools take them from oxssh-proto's
//! `names.rs`; tests take them from the installed OpenSSH (`ssh -Q`), which is how our output can be
//! compared with `ssh -G` line for line.

use crate::matching::{ListMatch, match_pattern_list};

/// Which algorithm list a keyword sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlgorithmKind {
    /// `Ciphers`.
    Cipher,
    /// `MACs`.
    Mac,
    /// `KexAlgorithms`.
    Kex,
    /// `HostKeyAlgorithms`.
    HostKey,
    /// `PubkeyAcceptedAlgorithms` (alias `PubkeyAcceptedKeyTypes`).
    PubkeyAccepted,
    /// `HostbasedAcceptedAlgorithms` (alias `HostbasedKeyTypes`/`HostbasedAcceptedKeyTypes`).
    HostbasedAccepted,
    /// `CASignatureAlgorithms`.
    CaSignature,
    /// Debian's `GSSAPIKexAlgorithms` (parsed only; oxssh has no GSSAPI key exchange).
    GssapiKex,
}

impl AlgorithmKind {
    /// Key-type lists accept wildcards in the names themselves (sshkey.c `sshkey_names_valid2`
    /// with `allow_wildcard`); cipher, MAC and kex names must be exact.
    fn allows_wildcards(self) -> bool {
        matches!(
            self,
            Self::HostKey | Self::PubkeyAccepted | Self::HostbasedAccepted | Self::CaSignature
        )
    }

    /// OpenSSH's name for the list in the "fill_default_options: ciphers: invalid argument"
    /// message (the options-struct field name).
    pub(crate) fn field_name(self) -> &'static str {
        match self {
            Self::Cipher => "ciphers",
            Self::Mac => "macs",
            Self::Kex => "kex_algorithms",
            Self::HostKey => "hostkeyalgorithms",
            Self::PubkeyAccepted => "pubkey_accepted_algos",
            Self::HostbasedAccepted => "hostbased_accepted_algos",
            Self::CaSignature => "ca_sign_algorithms",
            Self::GssapiKex => "gss_kex_algorithms",
        }
    }
}

/// The names one list may contain and its default, in preference order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlgorithmList {
    /// Every name the program implements, in OpenSSH's internal (`ssh -Q`) order: wildcard and `+`
    /// expansions pick names in this order.
    pub supported: Vec<String>,
    /// The default list, in preference order.
    pub default: Vec<String>,
}

impl AlgorithmList {
    /// Builds a list from string slices.
    pub fn new(supported: &[&str], default: &[&str]) -> Self {
        Self {
            supported: supported.iter().map(|s| (*s).to_owned()).collect(),
            default: default.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

/// Every algorithm list, for one side (client or server).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Algorithms {
    /// `Ciphers`.
    pub ciphers: AlgorithmList,
    /// `MACs`.
    pub macs: AlgorithmList,
    /// `KexAlgorithms`.
    pub kex: AlgorithmList,
    /// `HostKeyAlgorithms`.
    pub host_key: AlgorithmList,
    /// `PubkeyAcceptedAlgorithms`.
    pub pubkey_accepted: AlgorithmList,
    /// `HostbasedAcceptedAlgorithms`.
    pub hostbased_accepted: AlgorithmList,
    /// `CASignatureAlgorithms`.
    pub ca_signature: AlgorithmList,
    /// `GSSAPIKexAlgorithms` (Debian; parse-only).
    pub gssapi_kex: AlgorithmList,
}

/// The GSSAPI key-exchange names Debian's OpenSSH knows, which are also its default.
pub const GSSAPI_KEX_NAMES: &[&str] = &[
    "gss-group14-sha256-",
    "gss-group16-sha512-",
    "gss-nistp256-sha256-",
    "gss-curve25519-sha256-",
    "gss-group14-sha1-",
    "gss-gex-sha1-",
];

impl Algorithms {
    /// The list for one kind.
    pub fn list(&self, kind: AlgorithmKind) -> &AlgorithmList {
        match kind {
            AlgorithmKind::Cipher => &self.ciphers,
            AlgorithmKind::Mac => &self.macs,
            AlgorithmKind::Kex => &self.kex,
            AlgorithmKind::HostKey => &self.host_key,
            AlgorithmKind::PubkeyAccepted => &self.pubkey_accepted,
            AlgorithmKind::HostbasedAccepted => &self.hostbased_accepted,
            AlgorithmKind::CaSignature => &self.ca_signature,
            AlgorithmKind::GssapiKex => &self.gssapi_kex,
        }
    }

    /// Fills `gssapi_kex` with Debian's list if the caller left it empty.
    pub(crate) fn with_gssapi_defaults(mut self) -> Self {
        if self.gssapi_kex.supported.is_empty() {
            self.gssapi_kex = AlgorithmList::new(GSSAPI_KEX_NAMES, GSSAPI_KEX_NAMES);
        }
        self
    }
}

/// A list spec that names something unknown. Carries OpenSSH's extra diagnostic line, if it prints
/// one (kex.c `kex_names_valid` logs `Unsupported KEX algorithm "x"` before the caller's error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidNames {
    pub detail: Option<String>,
}

/// Checks a configured spec before it is stored, as readconf.c/servconf.c do: a `-` list is never
/// checked (it only removes), otherwise every name (after the modifier) must be known. Like
/// OpenSSH's loops, checking stops at the first empty element.
pub(crate) fn validate(
    kind: AlgorithmKind,
    spec: &str,
    list: &AlgorithmList,
) -> Result<(), InvalidNames> {
    if spec.starts_with('-') {
        return Ok(());
    }
    let names = spec.strip_prefix(['+', '^']).unwrap_or(spec);
    for name in names.split(',') {
        if name.is_empty() {
            break;
        }
        let known = if kind.allows_wildcards() {
            list.supported
                .iter()
                .any(|s| match_pattern_list(s, name, false) != ListMatch::NoMatch)
        } else {
            list.supported.iter().any(|s| s == name)
        };
        if !known {
            let detail = (kind == AlgorithmKind::Kex || kind == AlgorithmKind::GssapiKex)
                .then(|| format!("Unsupported KEX algorithm \"{}\"", truncate(name, 100)));
            return Err(InvalidNames { detail });
        }
    }
    Ok(())
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or(s)
}

/// The assembled list is empty or uses a negation where only positive patterns are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EmptyList;

/// `a` followed by the names of `b` not already in `a` (kex.c `kex_names_cat`; stops at the first
/// empty element of `b`, and returns `b` verbatim when `a` is empty).
fn names_cat(a: &[String], b: &[&str]) -> Vec<String> {
    if a.is_empty() {
        return b.iter().map(|s| (*s).to_owned()).collect();
    }
    let mut out = a.to_vec();
    for name in b {
        if name.is_empty() {
            break;
        }
        if !out.iter().any(|n| n == name) {
            out.push((*name).to_owned());
        }
    }
    out
}

/// Turns a configured spec (or `None` for "not configured") into the final list
/// (kex.c `kex_assemble_names`).
pub(crate) fn assemble(spec: Option<&str>, list: &AlgorithmList) -> Result<Vec<String>, EmptyList> {
    let spec = match spec {
        None | Some("") => return Ok(list.default.clone()),
        Some(s) => s,
    };
    if let Some(remove) = spec.strip_prefix('-') {
        // Removal patterns are applied to the default list and the result used as is, even empty.
        return Ok(list
            .default
            .iter()
            .filter(|name| match_pattern_list(name, remove, false) != ListMatch::Match)
            .cloned()
            .collect());
    }
    let combined: Vec<String> = if let Some(add) = spec.strip_prefix('+') {
        names_cat(&list.default, &add.split(',').collect::<Vec<_>>())
    } else if let Some(first) = spec.strip_prefix('^') {
        let head: Vec<String> = first.split(',').map(str::to_owned).collect();
        let tail: Vec<&str> = list.default.iter().map(String::as_str).collect();
        names_cat(&head, &tail)
    } else {
        spec.split(',').map(str::to_owned).collect()
    };
    // Every element is a pattern, expanded against the supported names in their own order.
    let mut out: Vec<String> = Vec::new();
    for pattern in &combined {
        if pattern.starts_with('!') {
            return Err(EmptyList);
        }
        let matching: Vec<&str> = list
            .supported
            .iter()
            .filter(|name| match_pattern_list(name, pattern, false) == ListMatch::Match)
            .map(String::as_str)
            .collect();
        out = names_cat(&out, &matching);
    }
    if out.is_empty() {
        return Err(EmptyList);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ciphers() -> AlgorithmList {
        AlgorithmList::new(
            &[
                "3des-cbc",
                "aes128-ctr",
                "aes192-ctr",
                "aes256-ctr",
                "chacha20-poly1305@openssh.com",
            ],
            &["chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-ctr"],
        )
    }

    fn run(spec: &str) -> Vec<String> {
        assemble(Some(spec), &ciphers()).unwrap()
    }

    #[test]
    fn modifiers_append_remove_and_prepend() {
        assert_eq!(
            run("+3des-cbc"),
            [
                "chacha20-poly1305@openssh.com",
                "aes128-ctr",
                "aes256-ctr",
                "3des-cbc"
            ]
        );
        assert_eq!(
            run("+aes128-ctr"),
            ["chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-ctr"]
        );
        assert_eq!(run("-aes*"), ["chacha20-poly1305@openssh.com"]);
        assert_eq!(
            run("^aes256-ctr"),
            ["aes256-ctr", "chacha20-poly1305@openssh.com", "aes128-ctr"]
        );
        assert_eq!(run("aes*"), ["aes128-ctr", "aes192-ctr", "aes256-ctr"]);
        assert_eq!(run("aes256-ctr,3des-cbc"), ["aes256-ctr", "3des-cbc"]);
        assert_eq!(assemble(None, &ciphers()).unwrap(), ciphers().default);
        assert_eq!(run("-*"), Vec::<String>::new());
    }

    #[test]
    fn empty_results_and_negations_are_errors() {
        assert_eq!(assemble(Some("nomatch*"), &ciphers()), Err(EmptyList));
        assert_eq!(assemble(Some("!aes128-ctr"), &ciphers()), Err(EmptyList));
        assert_eq!(assemble(Some(","), &ciphers()), Err(EmptyList));
    }

    #[test]
    fn validation_follows_openssh() {
        let l = ciphers();
        assert!(validate(AlgorithmKind::Cipher, "+3des-cbc", &l).is_ok());
        assert!(validate(AlgorithmKind::Cipher, "-anything*", &l).is_ok());
        assert!(validate(AlgorithmKind::Cipher, "aes*", &l).is_err());
        assert!(validate(AlgorithmKind::Cipher, "aes128-ctr,,bogus", &l).is_ok());
        let e = validate(AlgorithmKind::Kex, "baz", &l).unwrap_err();
        assert_eq!(
            e.detail.as_deref(),
            Some("Unsupported KEX algorithm \"baz\"")
        );
        let keys = AlgorithmList::new(&["ssh-ed25519", "rsa-sha2-256"], &["ssh-ed25519"]);
        assert!(validate(AlgorithmKind::HostKey, "rsa-*", &keys).is_ok());
        assert!(validate(AlgorithmKind::HostKey, "dss-*", &keys).is_err());
    }
}
