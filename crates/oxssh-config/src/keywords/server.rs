//! sshd_config(5) keywords, in the order `sshd -T` prints them (OpenSSH 9.2 servconf.c
//! `dump_config`, built as Debian builds it: with PAM, Kerberos and GSSAPI keywords). Defaults are
//! those of `fill_default_server_options` on Debian 12. `Scope::Match` marks the SSHCFG_ALL keywords,
//! which are exactly the ones a matching Match block overrides (servconf.c
//! `copy_set_server_options`).

use super::Kind::{self, *};
use super::Special as S;
use super::{Choices, Dump, Keyword, Multi, kw};
use crate::algorithms::AlgorithmKind as A;

const ADDRESS_FAMILY: Choices = &[("inet", "inet"), ("inet6", "inet6"), ("any", "any")];
const PERMIT_ROOT_LOGIN: Choices = &[
    ("without-password", "without-password"),
    ("prohibit-password", "without-password"),
    ("forced-commands-only", "forced-commands-only"),
    ("yes", "yes"),
    ("no", "no"),
];
const IGNORE_RHOSTS: Choices = &[("yes", "yes"), ("no", "no"), ("shosts-only", "shosts-only")];
const COMPRESSION: Choices = &[("yes", "yes"), ("delayed", "yes"), ("no", "no")];
const GATEWAY_PORTS: Choices = &[
    ("clientspecified", "clientspecified"),
    ("yes", "yes"),
    ("no", "no"),
];
const TCP_FORWARDING: Choices = &[
    ("yes", "yes"),
    ("all", "yes"),
    ("no", "no"),
    ("remote", "remote"),
    ("local", "local"),
];

const fn flag(name: &'static str, default: &'static str) -> Keyword {
    kw(name, Flag).def(default)
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

/// Every sshd_config keyword OpenSSH 9.2 (Debian) knows.
pub(crate) const KEYWORDS: &[Keyword] = &[
    // Ports from the command line (-p) replace these (servconf.c `ports_from_cmdline`).
    kw("port", Kind::Special(S::ServerPort))
        .global()
        .multi(Multi::Append)
        .dump(Dump::Each)
        .computed(),
    kw("addressfamily", Choice(ADDRESS_FAMILY))
        .global()
        .def("any"),
    special("listenaddress", S::ListenAddress)
        .global()
        .multi(Multi::Append)
        .computed(),
    flag("usepam", "no").global(),
    kw("logingracetime", Time).global().def("120"),
    kw("x11displayoffset", Int).def("10").parse_only(),
    kw("maxauthtries", Int).def("6"),
    kw("maxsessions", Int).def("10"),
    kw("clientaliveinterval", Time).def("0"),
    kw("clientalivecountmax", Int).def("3"),
    kw("requiredrsasize", Int).def("1024"),
    special("streamlocalbindmask", S::BindMask)
        .multi(Multi::Last)
        .def("0177")
        .parse_only(),
    special("unusedconnectiontimeout", S::UnusedConnectionTimeout)
        .def("none")
        .parse_only(),
    kw("permitrootlogin", Choice(PERMIT_ROOT_LOGIN)).def("prohibit-password"),
    kw("ignorerhosts", Choice(IGNORE_RHOSTS))
        .def("yes")
        .parse_only(),
    flag("ignoreuserknownhosts", "no").global().parse_only(),
    flag("hostbasedauthentication", "no").parse_only(),
    flag("hostbasedusesnamefrompacketonly", "no").parse_only(),
    flag("pubkeyauthentication", "yes"),
    flag("kerberosauthentication", "no").parse_only(),
    flag("kerberosorlocalpasswd", "yes").global().parse_only(),
    flag("kerberosticketcleanup", "yes").global().parse_only(),
    flag("gssapiauthentication", "no").parse_only(),
    flag("gssapicleanupcredentials", "yes")
        .alias(&["gssapicleanupcreds"])
        .global()
        .parse_only(),
    flag("gssapikeyexchange", "no").global().parse_only(),
    flag("gssapistrictacceptorcheck", "yes")
        .global()
        .parse_only(),
    flag("gssapistorecredentialsonrekey", "no")
        .global()
        .parse_only(),
    algos("gssapikexalgorithms", A::GssapiKex)
        .global()
        .parse_only(),
    flag("passwordauthentication", "yes"),
    flag("kbdinteractiveauthentication", "yes")
        .alias(&["challengeresponseauthentication", "skeyauthentication"]),
    flag("printmotd", "yes").global(),
    flag("printlastlog", "yes").global(),
    flag("x11forwarding", "no").parse_only(),
    flag("x11uselocalhost", "yes").parse_only(),
    flag("permittty", "yes"),
    flag("permituserrc", "yes"),
    flag("strictmodes", "yes").global(),
    flag("tcpkeepalive", "yes").alias(&["keepalive"]).global(),
    flag("permitemptypasswords", "no"),
    kw("compression", Choice(COMPRESSION)).global().def("yes"),
    kw("gatewayports", Choice(GATEWAY_PORTS)).def("no"),
    flag("usedns", "no").global(),
    kw("allowtcpforwarding", Choice(TCP_FORWARDING)).def("yes"),
    flag("allowagentforwarding", "yes"),
    flag("disableforwarding", "no"),
    kw("allowstreamlocalforwarding", Choice(TCP_FORWARDING))
        .def("yes")
        .parse_only(),
    flag("streamlocalbindunlink", "no").parse_only(),
    kw("fingerprinthash", Digest)
        .global()
        .multi(Multi::Last)
        .def("sha256"),
    flag("exposeauthinfo", "no").parse_only(),
    kw("pidfile", Path).global().def("/run/sshd.pid"),
    kw("modulifile", Path)
        .global()
        .def("/etc/ssh/moduli")
        .parse_only(),
    kw("xauthlocation", Path)
        .global()
        .def("/usr/bin/xauth")
        .parse_only(),
    algos("ciphers", A::Cipher).global(),
    algos("macs", A::Mac).global(),
    kw("banner", Path),
    kw("forcecommand", Kind::Special(S::ForceCommand)),
    kw("chrootdirectory", Text).parse_only(),
    kw("trustedusercakeys", Path).parse_only(),
    kw("revokedkeys", Path),
    kw("securitykeyprovider", Kind::Special(S::SecurityKeyProvider))
        .global()
        .def("internal")
        .parse_only(),
    kw(
        "authorizedprincipalsfile",
        Kind::Special(S::AuthorizedPrincipalsFile),
    )
    .parse_only(),
    kw("versionaddendum", Kind::Special(S::VersionAddendum)).global(),
    kw("authorizedkeyscommand", Kind::Special(S::AbsoluteCommand)).parse_only(),
    kw("authorizedkeyscommanduser", Text).parse_only(),
    kw(
        "authorizedprincipalscommand",
        Kind::Special(S::AbsoluteCommand),
    )
    .parse_only(),
    kw("authorizedprincipalscommanduser", Text).parse_only(),
    kw("hostkeyagent", Kind::Special(S::HostKeyAgent))
        .global()
        .parse_only(),
    algos("kexalgorithms", A::Kex).global(),
    algos("casignaturealgorithms", A::CaSignature),
    algos("hostbasedacceptedalgorithms", A::HostbasedAccepted)
        .alias(&["hostbasedacceptedkeytypes"])
        .parse_only(),
    algos("hostkeyalgorithms", A::HostKey).global(),
    algos("pubkeyacceptedalgorithms", A::PubkeyAccepted).alias(&["pubkeyacceptedkeytypes"]),
    kw("loglevel", LogLevel).def("INFO"),
    kw("syslogfacility", Facility).global().def("AUTH"),
    kw("authorizedkeysfile", Kind::Special(S::AuthorizedKeysFile))
        .multi(Multi::FirstLine)
        .dump(Dump::OneLine(None))
        .def(".ssh/authorized_keys .ssh/authorized_keys2"),
    kw("hostkey", Kind::Special(S::HostKey))
        .alias(&["hostdsakey"])
        .global()
        .multi(Multi::Append)
        .dump(Dump::Each)
        .computed(),
    kw("hostcertificate", Kind::Special(S::HostKey))
        .global()
        .multi(Multi::Append)
        .dump(Dump::Each)
        .parse_only(),
    kw("allowusers", Kind::Special(S::Users))
        .multi(Multi::Append)
        .dump(Dump::Each),
    kw("denyusers", Kind::Special(S::Users))
        .multi(Multi::Append)
        .dump(Dump::Each),
    kw("allowgroups", Kind::Special(S::Groups))
        .multi(Multi::Append)
        .dump(Dump::Each),
    kw("denygroups", Kind::Special(S::Groups))
        .multi(Multi::Append)
        .dump(Dump::Each),
    kw("acceptenv", Kind::Special(S::AcceptEnv))
        .multi(Multi::Append)
        .dump(Dump::Each),
    kw("setenv", Kind::Special(S::SetEnv))
        .multi(Multi::FirstLine)
        .dump(Dump::Each),
    kw(
        "authenticationmethods",
        Kind::Special(S::AuthenticationMethods),
    )
    .multi(Multi::FirstLine)
    .dump(Dump::OneLine(Some("any"))),
    kw("logverbose", Kind::Special(S::NoneAloneList))
        .multi(Multi::FirstLine)
        .dump(Dump::OneLine(None))
        .parse_only(),
    kw("channeltimeout", Kind::Special(S::ChannelTimeout))
        .multi(Multi::FirstLine)
        .dump(Dump::OneLine(None))
        .parse_only(),
    special("subsystem", S::Subsystem)
        .global()
        .multi(Multi::Append),
    special("maxstartups", S::MaxStartups)
        .global()
        .multi(Multi::Last)
        .def("10:30:100"),
    special("persourcemaxstartups", S::PerSourceMaxStartups)
        .global()
        .multi(Multi::Last)
        .def("none")
        .parse_only(),
    special("persourcenetblocksize", S::PerSourceNetBlockSize)
        .global()
        .multi(Multi::Last)
        .def("32:128")
        .parse_only(),
    special("permittunnel", S::PermitTunnel)
        .def("no")
        .parse_only(),
    special("ipqos", S::IpQos)
        .multi(Multi::Last)
        .def("lowdelay throughput")
        .parse_only(),
    special("rekeylimit", S::RekeyLimit).def("default none"),
    kw("permitopen", Kind::Special(S::PermitOpen))
        .multi(Multi::FirstLine)
        .dump(Dump::OneLine(Some("any"))),
    kw("permitlisten", Kind::Special(S::PermitListen))
        .multi(Multi::FirstLine)
        .dump(Dump::OneLine(Some("any"))),
    special("permituserenvironment", S::PermitUserEnvironment)
        .global()
        .def("no"),
    special("pubkeyauthoptions", S::PubkeyAuthOptions)
        .def("none")
        .parse_only(),
    kw("rdomain", Kind::Special(S::RDomain))
        .dump(Dump::Never)
        .parse_only(),
    kw("debianbanner", Flag)
        .global()
        .def("yes")
        .dump(Dump::Never)
        .parse_only(),
    kw("match", Match).dump(Dump::Never),
    kw("include", Include).dump(Dump::Never),
    never("protocol", Ignored).global(),
    never("pamauthenticationviakbdint", Deprecated).global(),
    never("serverkeybits", Deprecated).global(),
    never("keyregenerationinterval", Deprecated).global(),
    never("rhostsauthentication", Deprecated).global(),
    never("rhostsrsaauthentication", Deprecated),
    never("rsaauthentication", Deprecated),
    never("checkmail", Deprecated).global(),
    never("uselogin", Deprecated).global(),
    never("verifyreversemapping", Deprecated).global(),
    never("reversemappingcheck", Deprecated).global(),
    never("authorizedkeysfile2", Deprecated),
    never("useprivilegeseparation", Deprecated).global(),
    never("permitblacklistedkeys", Deprecated).global(),
    never("kerberosgetafstoken", Unsupported).global(),
    never("kerberostgtpassing", Unsupported).global(),
    never("afstokenpassing", Unsupported).global(),
    never("gssapiusesessioncredcache", Unsupported).global(),
    never("gssusesessionccache", Unsupported).global(),
];
