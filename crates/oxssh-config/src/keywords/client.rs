//! ssh_config(5) keywords, in the order `ssh -G` prints them (OpenSSH 9.2 readconf.c
//! `dump_client_config`, plus the GSSAPI keywords of Debian's build). Defaults are those of
//! readconf.c `fill_default_options` on Debian 12 (ForwardX11Trusted yes and IPQoS
//! lowdelay/throughput are Debian's).

use super::Kind::{self, *};
use super::Special as S;
use super::{Choices, Dump, Keyword, Multi, kw};
use crate::algorithms::AlgorithmKind as A;

/// readconf.c `multistate_flag` is handled by [`Kind::Flag`]; the other multi-state tables follow.
const ADDRESS_FAMILY: Choices = &[("inet", "inet"), ("inet6", "inet6"), ("any", "any")];
const CANONICALIZE: Choices = &[
    ("true", "true"),
    ("false", "false"),
    ("yes", "true"),
    ("no", "false"),
    ("always", "always"),
];
const COMPRESSION: Choices = &[("yes", "yes"), ("no", "no")];
const CONTROL_MASTER: Choices = &[
    ("true", "true"),
    ("yes", "true"),
    ("false", "false"),
    ("no", "false"),
    ("auto", "auto"),
    ("ask", "ask"),
    ("autoask", "autoask"),
];
const PUBKEY_AUTH: Choices = &[
    ("true", "true"),
    ("false", "false"),
    ("yes", "true"),
    ("no", "false"),
    ("unbound", "unbound"),
    ("host-bound", "host-bound"),
];
const REQUEST_TTY: Choices = &[
    ("true", "true"),
    ("yes", "true"),
    ("false", "false"),
    ("no", "false"),
    ("force", "force"),
    ("auto", "auto"),
];
const SESSION_TYPE: Choices = &[
    ("none", "none"),
    ("subsystem", "subsystem"),
    ("default", "default"),
];
const STRICT_HOST_KEY: Choices = &[
    ("true", "true"),
    ("false", "false"),
    ("yes", "true"),
    ("no", "false"),
    ("ask", "ask"),
    ("off", "false"),
    ("accept-new", "accept-new"),
];
/// `yes` means the default tunnel mode, point-to-point, which is the name printed.
const TUNNEL: Choices = &[
    ("ethernet", "ethernet"),
    ("point-to-point", "point-to-point"),
    ("true", "point-to-point"),
    ("yes", "point-to-point"),
    ("false", "false"),
    ("no", "false"),
];
pub(crate) const YES_NO_ASK: Choices = &[
    ("true", "true"),
    ("false", "false"),
    ("yes", "true"),
    ("no", "false"),
    ("ask", "ask"),
];
pub(crate) const ADD_KEYS: Choices = &[
    ("true", "true"),
    ("false", "false"),
    ("yes", "true"),
    ("no", "false"),
    ("ask", "ask"),
    ("confirm", "confirm"),
];

const fn flag(name: &'static str, default: &'static str) -> Keyword {
    kw(name, Flag).def(default)
}

const fn choice(name: &'static str, c: Choices, default: &'static str) -> Keyword {
    kw(name, Choice(c)).def(default)
}

const fn algos(name: &'static str, a: crate::algorithms::AlgorithmKind) -> Keyword {
    kw(name, Algorithms(a)).computed()
}

const fn special(name: &'static str, s: S) -> Keyword {
    kw(name, Kind::Special(s)).dump(Dump::Special)
}

const fn never(name: &'static str, k: Kind) -> Keyword {
    kw(name, k).dump(Dump::Never).parse_only()
}

/// Every ssh_config keyword OpenSSH 9.2 (Debian) knows.
pub(crate) const KEYWORDS: &[Keyword] = &[
    kw("host", Host).dump(Dump::Special),
    kw("user", Text).computed(),
    kw("hostname", Text).dump(Dump::Special),
    kw("port", Port).def("22"),
    choice("addressfamily", ADDRESS_FAMILY, "any"),
    flag("batchmode", "no"),
    flag("canonicalizefallbacklocal", "yes").parse_only(),
    choice("canonicalizehostname", CANONICALIZE, "no").parse_only(),
    flag("checkhostip", "no"),
    choice("compression", COMPRESSION, "no"),
    choice("controlmaster", CONTROL_MASTER, "no"),
    flag("enablesshkeysign", "no").parse_only(),
    // Both default to yes when stdio forwarding (-W) is requested (readconf.c fill_default_options).
    kw("clearallforwardings", Flag).computed(),
    kw("exitonforwardfailure", Flag).computed(),
    kw("fingerprinthash", Digest).def("sha256"),
    flag("forwardx11", "no").parse_only(),
    flag("forwardx11trusted", "yes").parse_only(),
    flag("gatewayports", "no"),
    flag("gssapiauthentication", "no").parse_only(),
    flag("gssapikeyexchange", "no").parse_only(),
    flag("gssapidelegatecredentials", "no").parse_only(),
    flag("gssapitrustdns", "no").parse_only(),
    flag("gssapirenewalforcesrekey", "no").parse_only(),
    kw("gssapiclientidentity", Text).parse_only(),
    kw("gssapiserveridentity", Text).parse_only(),
    algos("gssapikexalgorithms", A::GssapiKex).parse_only(),
    flag("hashknownhosts", "no"),
    flag("hostbasedauthentication", "no").parse_only(),
    flag("identitiesonly", "no"),
    flag("kbdinteractiveauthentication", "yes").alias(&[
        "challengeresponseauthentication",
        "skeyauthentication",
        "tisauthentication",
    ]),
    flag("nohostauthenticationforlocalhost", "no").parse_only(),
    flag("passwordauthentication", "yes"),
    flag("permitlocalcommand", "no"),
    flag("proxyusefdpass", "no").parse_only(),
    choice("pubkeyauthentication", PUBKEY_AUTH, "yes").alias(&["dsaauthentication"]),
    choice("requesttty", REQUEST_TTY, "auto"),
    choice("sessiontype", SESSION_TYPE, "default"),
    flag("stdinnull", "no"),
    flag("forkafterauthentication", "no"),
    flag("streamlocalbindunlink", "no").parse_only(),
    choice("stricthostkeychecking", STRICT_HOST_KEY, "ask"),
    flag("tcpkeepalive", "yes").alias(&["keepalive"]),
    choice("tunnel", TUNNEL, "no").parse_only(),
    choice("verifyhostkeydns", YES_NO_ASK, "no").parse_only(),
    flag("visualhostkey", "no"),
    // yes unless VerifyHostKeyDNS is on or UserKnownHostsFile is not the default (fill_default_options).
    kw("updatehostkeys", Choice(YES_NO_ASK)).computed(),
    flag("enableescapecommandline", "no"),
    kw("canonicalizemaxdots", Int).def("1").parse_only(),
    kw("connectionattempts", Int).def("1"),
    kw("forwardx11timeout", Time).def("1200").parse_only(),
    kw("numberofpasswordprompts", Int).def("3"),
    kw("serveralivecountmax", Int).def("3"),
    // ProtocolKeepAlives and SetupTimeOut are Debian's old names for it.
    kw("serveraliveinterval", Time)
        .def("0")
        .alias(&["protocolkeepalives", "setuptimeout"]),
    kw("requiredrsasize", Int).def("1024"),
    kw("bindaddress", Text),
    kw("bindinterface", Text).parse_only(),
    algos("ciphers", A::Cipher),
    kw("controlpath", Text),
    algos("hostkeyalgorithms", A::HostKey),
    kw("hostkeyalias", Text),
    algos("hostbasedacceptedalgorithms", A::HostbasedAccepted)
        .alias(&["hostbasedkeytypes"])
        .parse_only(),
    kw("identityagent", Kind::Special(S::IdentityAgent)),
    kw("ignoreunknown", Text),
    kw("kbdinteractivedevices", Text).parse_only(),
    algos("kexalgorithms", A::Kex),
    algos("casignaturealgorithms", A::CaSignature),
    kw("localcommand", Command),
    kw("remotecommand", Command),
    kw("loglevel", LogLevel).def("INFO"),
    algos("macs", A::Mac),
    kw("pkcs11provider", Text)
        .alias(&["smartcarddevice"])
        .parse_only(),
    kw("securitykeyprovider", Text).def("internal").parse_only(),
    kw("preferredauthentications", Text),
    algos("pubkeyacceptedalgorithms", A::PubkeyAccepted).alias(&["pubkeyacceptedkeytypes"]),
    kw("revokedhostkeys", Text).parse_only(),
    kw("xauthlocation", Text).def("/usr/bin/xauth").parse_only(),
    kw("knownhostscommand", Command).parse_only(),
    special("dynamicforward", S::DynamicForward).multi(Multi::Append),
    special("localforward", S::LocalForward).multi(Multi::Append),
    special("remoteforward", S::RemoteForward).multi(Multi::Append),
    kw("identityfile", Text)
        .alias(&["identityfile2"])
        .multi(Multi::Append)
        .dump(Dump::Each)
        .defs(&[
            "~/.ssh/id_rsa",
            "~/.ssh/id_ecdsa",
            "~/.ssh/id_ecdsa_sk",
            "~/.ssh/id_ed25519",
            "~/.ssh/id_ed25519_sk",
            "~/.ssh/id_xmss",
            "~/.ssh/id_dsa",
        ]),
    kw("canonicaldomains", Kind::Special(S::NoneAloneList))
        .multi(Multi::FirstLine)
        .dump(Dump::OneLine(Some("none")))
        .parse_only(),
    kw("certificatefile", Text)
        .multi(Multi::Append)
        .dump(Dump::Each),
    kw("globalknownhostsfile", Kind::Special(S::NoneAloneList))
        .multi(Multi::FirstLine)
        .dump(Dump::OneLine(Some("none")))
        .def("/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2"),
    kw("userknownhostsfile", Kind::Special(S::NoneAloneList))
        .multi(Multi::FirstLine)
        .dump(Dump::OneLine(Some("none")))
        .def("~/.ssh/known_hosts ~/.ssh/known_hosts2"),
    kw("sendenv", Kind::Special(S::SendEnv))
        .multi(Multi::Append)
        .dump(Dump::Each),
    kw("setenv", Kind::Special(S::SetEnv))
        .multi(Multi::FirstLine)
        .dump(Dump::Each),
    kw("logverbose", Kind::Special(S::NoneAloneList))
        .multi(Multi::FirstLine)
        .dump(Dump::OneLine(Some("none")))
        .parse_only(),
    kw("permitremoteopen", Kind::Special(S::PermitOpen))
        .multi(Multi::FirstLine)
        .dump(Dump::OneLine(Some("any"))),
    special("addkeystoagent", S::AddKeysToAgent).def("no"),
    special("forwardagent", S::ForwardAgent).def("no"),
    special("connecttimeout", S::ConnectTimeout),
    special("tunneldevice", S::TunnelDevice)
        .def("any:any")
        .parse_only(),
    special("canonicalizepermittedcnames", S::PermittedCnames)
        .multi(Multi::FirstLine)
        .parse_only(),
    special("controlpersist", S::ControlPersist).def("no"),
    special("escapechar", S::EscapeChar).def("~"),
    special("ipqos", S::IpQos)
        .def("lowdelay throughput")
        .parse_only(),
    special("rekeylimit", S::RekeyLimit).def("default none"),
    // OpenSSH sets this on every line it reads, inside a Host block or not; we honour only active lines.
    special("streamlocalbindmask", S::BindMask)
        .multi(Multi::Last)
        .def("0177")
        .parse_only(),
    kw("syslogfacility", Facility).def("USER").parse_only(),
    special("proxycommand", S::ProxyCommand),
    special("proxyjump", S::ProxyJump),
    kw("match", Match).dump(Dump::Never),
    kw("include", Include).dump(Dump::Never),
    never("protocol", Ignored),
    never("cipher", Deprecated),
    never("fallbacktorsh", Deprecated),
    never("globalknownhostsfile2", Deprecated),
    never("rhostsauthentication", Deprecated),
    never("userknownhostsfile2", Deprecated),
    never("useroaming", Deprecated),
    never("usersh", Deprecated),
    never("useprivilegedport", Deprecated),
    // Debian's blacklist patch is gone; the keyword is accepted as deprecated.
    never("useblacklistedkeys", Deprecated),
    never("afstokenpassing", Unsupported),
    never("kerberosauthentication", Unsupported),
    never("kerberostgtpassing", Unsupported),
    never("rsaauthentication", Unsupported),
    never("rhostsrsaauthentication", Unsupported),
    never("compressionlevel", Unsupported),
];
