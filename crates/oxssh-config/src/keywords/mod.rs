//! The keyword tables: one entry per keyword of each format, saying how its arguments are read,
//! where it may appear, how repeated lines combine, what its default is and how `-G`/`-T` print it.
//!
//! This follows OpenSSH's servconf.h/readconf.c design (a keyword list that expands into parsing,
//! defaults, Match copying and dumping) one step further: parsing, defaults (written as the
//! arguments of a config line and read by the same parser), the Match overlay and the `-G`/`-T`
//! output are all driven from these tables, so they cannot drift apart. Each table is in `-G`/`-T`
//! output order; keywords that are never printed come last.

pub(crate) mod client;
pub(crate) mod server;

use crate::algorithms::AlgorithmKind;

/// The accepted words of a multi-state keyword and the canonical word each one means (the word
/// OpenSSH prints: the first table entry with the same internal value, e.g. `yes` prints as `true`
/// for StrictHostKeyChecking).
pub type Choices = &'static [(&'static str, &'static str)];

/// How a keyword's arguments are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Host` (client): starts a host block.
    Host,
    /// `Match`: starts a conditional block.
    Match,
    /// `Include`: reads more files in place.
    Include,
    /// Known but obsolete: accepted and ignored, with OpenSSH's "Deprecated option" note.
    Deprecated,
    /// Known but not available: accepted and ignored, with OpenSSH's "Unsupported option" warning.
    Unsupported,
    /// Silently accepted and ignored (`Protocol`).
    Ignored,
    /// `yes`/`no` (the client also accepts `true`/`false`).
    Flag,
    /// One of a fixed set of words (case-insensitive).
    Choice(Choices),
    /// A non-negative decimal integer.
    Int,
    /// A time interval (`90`, `1m30s`), printed in seconds.
    Time,
    /// A port number or service name (client `Port`).
    Port,
    /// One argument kept as written.
    Text,
    /// A file name; sshd makes relative names absolute (`none` stays `none`).
    Path,
    /// The raw rest of the line (`ProxyCommand`, `LocalCommand`, `RemoteCommand`,
    /// `KnownHostsCommand`).
    Command,
    /// An algorithm list with `+`, `-`, `^` modifiers.
    Algorithms(AlgorithmKind),
    /// A `LogLevel` name.
    LogLevel,
    /// A syslog facility name.
    Facility,
    /// A digest name (`FingerprintHash`).
    Digest,
    /// A keyword with a syntax of its own, read by code specific to it.
    Special(Special),
}

/// Keywords whose syntax is their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    /// `ConnectTimeout`: a time or `none`.
    ConnectTimeout,
    /// `ForwardAgent`: a flag or a socket path.
    ForwardAgent,
    /// `IdentityAgent`: a socket path, `none`, `SSH_AUTH_SOCK` or `$VAR`.
    IdentityAgent,
    /// `RekeyLimit`: bytes and an optional interval.
    RekeyLimit,
    /// `LocalForward`.
    LocalForward,
    /// `RemoteForward`.
    RemoteForward,
    /// `DynamicForward`.
    DynamicForward,
    /// `UserKnownHostsFile`/`GlobalKnownHostsFile`/`CanonicalDomains`/`LogVerbose`: a list where
    /// `none` may only appear alone.
    NoneAloneList,
    /// `PermitRemoteOpen` (client), `PermitOpen`/`PermitListen` (server): `any`, `none` or
    /// `host:port` entries.
    PermitOpen,
    /// `PermitListen` (server): like PermitOpen, but a bare port means `*:port`.
    PermitListen,
    /// `SendEnv`: names, `-pattern` removes.
    SendEnv,
    /// `SetEnv`: `NAME=value` entries.
    SetEnv,
    /// `ControlPersist`: a flag or a time.
    ControlPersist,
    /// `TunnelDevice`: `local[:remote]`, each a number or `any`.
    TunnelDevice,
    /// `EscapeChar`.
    EscapeChar,
    /// `IPQoS`: one or two QoS names or numbers.
    IpQos,
    /// `CanonicalizePermittedCNAMEs`: `source:target` rules.
    PermittedCnames,
    /// `StreamLocalBindMask`: an octal mode.
    BindMask,
    /// `AddKeysToAgent`: a choice and an optional lifetime.
    AddKeysToAgent,
    /// `ProxyJump`.
    ProxyJump,
    /// `ProxyCommand` (first of ProxyCommand/ProxyJump wins).
    ProxyCommand,
    /// Server `Port` (repeatable).
    ServerPort,
    /// `ListenAddress`.
    ListenAddress,
    /// `HostKey`/`HostCertificate`: absolute-ised paths, repeatable.
    HostKey,
    /// `HostKeyAgent`.
    HostKeyAgent,
    /// `AuthorizedKeysFile`: `~` expanded, tokens kept.
    AuthorizedKeysFile,
    /// `AuthorizedPrincipalsFile`: `~` expanded.
    AuthorizedPrincipalsFile,
    /// `AllowUsers`/`DenyUsers`: `user[@host]` patterns.
    Users,
    /// `AllowGroups`/`DenyGroups`.
    Groups,
    /// `AcceptEnv`.
    AcceptEnv,
    /// `Subsystem name command [args...]`.
    Subsystem,
    /// `MaxStartups start:rate:full` or a single number.
    MaxStartups,
    /// `PerSourceMaxStartups`: a number or `none`.
    PerSourceMaxStartups,
    /// `PerSourceNetBlockSize v4[:v6]`.
    PerSourceNetBlockSize,
    /// `PermitTunnel`.
    PermitTunnel,
    /// `PermitUserEnvironment`: yes, no or a pattern list.
    PermitUserEnvironment,
    /// `PubkeyAuthOptions`.
    PubkeyAuthOptions,
    /// `ForceCommand`: the raw rest of the line.
    ForceCommand,
    /// `AuthorizedKeysCommand`/`AuthorizedPrincipalsCommand`: an absolute command or `none`.
    AbsoluteCommand,
    /// `VersionAddendum`: the rest of the line up to a comment.
    VersionAddendum,
    /// `AuthenticationMethods`.
    AuthenticationMethods,
    /// `ChannelTimeout type=interval` entries.
    ChannelTimeout,
    /// `UnusedConnectionTimeout`: a time or `none`.
    UnusedConnectionTimeout,
    /// `SecurityKeyProvider` (server): `internal` or a path.
    SecurityKeyProvider,
    /// `RDomain`: routing domains, which Linux lacks.
    RDomain,
}

/// Where a keyword may appear (sshd_config; every ssh_config keyword may appear in any block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Only in the global section (servconf.c SSHCFG_GLOBAL).
    Global,
    /// Also inside `Match` blocks (SSHCFG_ALL).
    Match,
}

/// How repeated lines of a keyword combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Multi {
    /// The first value obtained is used (most keywords).
    First,
    /// Every line replaces the previous value.
    Last,
    /// Every line adds its values (IdentityFile, LocalForward, SendEnv, HostKey, AcceptEnv...).
    Append,
    /// A list taken whole from the first line only (UserKnownHostsFile, SetEnv, AuthorizedKeysFile...).
    FirstLine,
}

/// A keyword's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    /// Unset unless configured.
    None,
    /// The arguments of a config line, read by the keyword's own parser.
    Line(&'static str),
    /// Several lines (for appending keywords such as IdentityFile).
    Lines(&'static [&'static str]),
    /// Computed during resolution from other values or from the caller (documented at the keyword).
    Computed,
}

/// How `-G`/`-T` print a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dump {
    /// Not printed.
    Never,
    /// `keyword value`. When unset the client prints nothing and the server prints `none`.
    Value,
    /// One `keyword value` line per element.
    Each,
    /// All elements on one line; with no elements print `empty`, or nothing if `None`.
    OneLine(Option<&'static str>),
    /// Printed by code specific to the keyword.
    Special,
}

/// Whether oxssh acts on a keyword or only reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// The tools act on it.
    Implemented,
    /// Read, checked and printed, but the tools do not act on it (yet).
    ParseOnly,
}

/// One keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    /// The canonical lower-case name, as `-G`/`-T` print it.
    pub name: &'static str,
    /// Other names OpenSSH accepts for it (lower case).
    pub aliases: &'static [&'static str],
    /// How its arguments are read.
    pub kind: Kind,
    /// Where it may appear.
    pub scope: Scope,
    /// How repeated lines combine.
    pub multi: Multi,
    /// Its default.
    pub default: Default,
    /// How it is printed.
    pub dump: Dump,
    /// Whether oxssh acts on it.
    pub support: Support,
}

impl Keyword {
    /// Whether `word` (any case) names this keyword.
    pub fn is_named(&self, word: &str) -> bool {
        self.name.eq_ignore_ascii_case(word)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(word))
    }
}

/// Finds a keyword by name or alias, case-insensitively.
pub fn lookup<'a>(table: &'a [Keyword], word: &str) -> Option<(usize, &'a Keyword)> {
    table.iter().enumerate().find(|(_, k)| k.is_named(word))
}

/// The ssh_config(5) keyword table, in `ssh -G` order.
pub fn client_keywords() -> &'static [Keyword] {
    client::KEYWORDS
}

/// The sshd_config(5) keyword table, in `sshd -T` order.
pub fn server_keywords() -> &'static [Keyword] {
    server::KEYWORDS
}

/// Shorthand constructors keep the tables to one line per keyword.
pub(crate) const fn kw(name: &'static str, kind: Kind) -> Keyword {
    Keyword {
        name,
        aliases: &[],
        kind,
        scope: Scope::Match,
        multi: Multi::First,
        default: Default::None,
        dump: Dump::Value,
        support: Support::Implemented,
    }
}

impl Keyword {
    pub(crate) const fn alias(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }
    pub(crate) const fn global(mut self) -> Self {
        self.scope = Scope::Global;
        self
    }
    pub(crate) const fn multi(mut self, m: Multi) -> Self {
        self.multi = m;
        self
    }
    pub(crate) const fn def(mut self, d: &'static str) -> Self {
        self.default = Default::Line(d);
        self
    }
    pub(crate) const fn defs(mut self, d: &'static [&'static str]) -> Self {
        self.default = Default::Lines(d);
        self
    }
    pub(crate) const fn computed(mut self) -> Self {
        self.default = Default::Computed;
        self
    }
    pub(crate) const fn dump(mut self, d: Dump) -> Self {
        self.dump = d;
        self
    }
    pub(crate) const fn parse_only(mut self) -> Self {
        self.support = Support::ParseOnly;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defaults::default_value;
    use crate::env::FixedEnvironment;
    use crate::parse::Side;
    use crate::store::Settings;

    fn check_table(table: &'static [Keyword], side: Side) {
        let mut seen = std::collections::HashSet::new();
        for k in table {
            for n in std::iter::once(&k.name).chain(k.aliases) {
                assert_eq!(*n, n.to_ascii_lowercase(), "{n} must be lower case");
                assert!(seen.insert(*n), "{n} appears twice");
            }
        }
        let settings = Settings::new(table);
        let env = FixedEnvironment::new("u", "/home/u");
        let algorithms = crate::fuzzing::algorithms();
        for (i, k) in table.iter().enumerate() {
            let v = default_value(side, i, &settings, &env, &algorithms);
            assert!(v.is_ok(), "default of {} does not parse: {v:?}", k.name);
            if matches!(k.default, Default::Line(_) | Default::Lines(_)) {
                assert!(v.unwrap().is_some(), "default of {} gives no value", k.name);
            }
        }
    }

    #[test]
    fn client_table_names_are_unique_and_defaults_parse() {
        check_table(client_keywords(), Side::Client);
        assert_eq!(client_keywords().first().map(|k| k.name), Some("host"));
    }

    #[test]
    fn server_table_names_are_unique_and_defaults_parse() {
        check_table(server_keywords(), Side::Server);
        assert_eq!(server_keywords().first().map(|k| k.name), Some("port"));
    }

    #[test]
    fn lookup_is_case_insensitive_and_knows_aliases() {
        assert_eq!(
            lookup(client_keywords(), "PubkeyAcceptedKeyTypes").map(|(_, k)| k.name),
            Some("pubkeyacceptedalgorithms")
        );
        assert_eq!(
            lookup(server_keywords(), "ChallengeResponseAuthentication").map(|(_, k)| k.name),
            Some("kbdinteractiveauthentication")
        );
        assert!(lookup(client_keywords(), "nosuchkeyword").is_none());
    }

    #[test]
    fn match_scope_follows_sshd_config_5() {
        let global = [
            "port",
            "listenaddress",
            "hostkey",
            "ciphers",
            "subsystem",
            "maxstartups",
            "usepam",
            "printmotd",
        ];
        let in_match = [
            "passwordauthentication",
            "allowtcpforwarding",
            "forcecommand",
            "authorizedkeysfile",
            "permitopen",
            "banner",
        ];
        for n in global {
            assert_eq!(
                lookup(server_keywords(), n).map(|(_, k)| k.scope),
                Some(Scope::Global),
                "{n}"
            );
        }
        for n in in_match {
            assert_eq!(
                lookup(server_keywords(), n).map(|(_, k)| k.scope),
                Some(Scope::Match),
                "{n}"
            );
        }
    }
}
