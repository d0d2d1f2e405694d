//! The effective server configuration as typed values (servconf.h `ServerOptions` after
//! `fill_default_server_options`, and after a Match overlay for a connection).

use std::time::Duration;

use crate::matching::{match_pattern, match_user};
use crate::parse::server::{TOUCH_REQUIRED, VERIFY_REQUIRED};
use crate::store::{Settings, Value};
use crate::tokens;
use crate::types::{AddressFamily, IpQos, RekeyLimit, View};
use crate::values::LogLevel;

/// `PermitRootLogin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermitRootLogin {
    /// Any method.
    Yes,
    /// Not with passwords or keyboard-interactive (`prohibit-password`, `without-password`).
    ProhibitPassword,
    /// Only public keys with a forced command.
    ForcedCommandsOnly,
    /// Never.
    No,
}

/// `AllowTcpForwarding` / `AllowStreamLocalForwarding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllowForwarding {
    /// Both directions.
    Yes,
    /// Neither.
    No,
    /// Only local (client-to-server) forwarding.
    Local,
    /// Only remote (server-to-client) forwarding.
    Remote,
}

/// `GatewayPorts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayPorts {
    /// Remote forwardings listen on loopback only.
    No,
    /// On the wildcard address.
    Yes,
    /// Where the client asks.
    ClientSpecified,
}

/// `MaxStartups start:rate:full`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxStartups {
    /// Unauthenticated connections before random early drop starts.
    pub start: u32,
    /// Drop probability (percent) at `start`.
    pub rate: u32,
    /// Unauthenticated connections at which every new one is refused.
    pub full: u32,
}

/// `PermitUserEnvironment`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PermitUserEnvironment {
    /// Ignore ~/.ssh/environment and `environment=`.
    No,
    /// Accept every variable.
    Yes,
    /// Accept variables matching this pattern list.
    Only(String),
}

/// A `Subsystem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subsystem {
    /// Its name (`sftp`).
    pub name: String,
    /// The command line (program and arguments, joined by spaces).
    pub command: String,
}

/// Why [`ServerOptions::check_user_access`] refused a user, worded as sshd logs it (after
/// "User %s from %s not allowed because ").
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessDenied {
    /// A DenyUsers entry matched.
    #[error("listed in DenyUsers")]
    DenyUsers,
    /// AllowUsers is set and no entry matched.
    #[error("not listed in AllowUsers")]
    NotInAllowUsers,
    /// Group checks are configured and the user has no groups.
    #[error("not in any group")]
    NoGroups,
    /// A DenyGroups entry matched.
    #[error("a group is listed in DenyGroups")]
    DenyGroups,
    /// AllowGroups is set and none of the user's groups is listed.
    #[error("none of user's groups are listed in AllowGroups")]
    NotInAllowGroups,
}

/// The sshd_config settings the daemon acts on, with defaults filled in. Parse-only keywords are
/// reachable through [`super::Resolved::values`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerOptions {
    /// `Port`.
    pub ports: Vec<u16>,
    /// `ListenAddress` expanded over the ports: (address, port). Wildcards for the address
    /// family when none is configured.
    pub listen_addresses: Vec<(String, u16)>,
    /// `AddressFamily`.
    pub address_family: AddressFamily,
    /// `HostKey` files (absolute).
    pub host_keys: Vec<String>,
    /// `HostCertificate` files (absolute).
    pub host_certificates: Vec<String>,
    /// `PidFile` (`None` for `none`).
    pub pid_file: Option<String>,
    /// `AuthorizedKeysFile`, with tokens kept (see [`ServerOptions::authorized_keys_files_for`]).
    pub authorized_keys_files: Vec<String>,
    /// `PasswordAuthentication`.
    pub password_authentication: bool,
    /// `PubkeyAuthentication`.
    pub pubkey_authentication: bool,
    /// `KbdInteractiveAuthentication`.
    pub kbd_interactive_authentication: bool,
    /// `UsePAM`.
    pub use_pam: bool,
    /// `PermitRootLogin`.
    pub permit_root_login: PermitRootLogin,
    /// `PermitEmptyPasswords`.
    pub permit_empty_passwords: bool,
    /// `MaxAuthTries`.
    pub max_auth_tries: u32,
    /// `MaxSessions`.
    pub max_sessions: u32,
    /// `MaxStartups`.
    pub max_startups: MaxStartups,
    /// `PerSourceMaxStartups` (`None`: no limit).
    pub per_source_max_startups: Option<u32>,
    /// `LoginGraceTime` (zero: none).
    pub login_grace_time: Duration,
    /// `AllowUsers`.
    pub allow_users: Vec<String>,
    /// `DenyUsers`.
    pub deny_users: Vec<String>,
    /// `AllowGroups`.
    pub allow_groups: Vec<String>,
    /// `DenyGroups`.
    pub deny_groups: Vec<String>,
    /// `AllowTcpForwarding`.
    pub allow_tcp_forwarding: AllowForwarding,
    /// `AllowAgentForwarding`.
    pub allow_agent_forwarding: bool,
    /// `AllowStreamLocalForwarding`.
    pub allow_stream_local_forwarding: AllowForwarding,
    /// `DisableForwarding`.
    pub disable_forwarding: bool,
    /// `GatewayPorts`.
    pub gateway_ports: GatewayPorts,
    /// `PermitOpen` entries (empty: any; `["none"]`: none).
    pub permit_open: Vec<String>,
    /// `PermitListen` entries (empty: any; `["none"]`: none).
    pub permit_listen: Vec<String>,
    /// `PermitTTY`.
    pub permit_tty: bool,
    /// `PermitUserRC`.
    pub permit_user_rc: bool,
    /// `X11Forwarding` (parsed; not implemented).
    pub x11_forwarding: bool,
    /// `ClientAliveInterval` (zero: off).
    pub client_alive_interval: Duration,
    /// `ClientAliveCountMax`.
    pub client_alive_count_max: u32,
    /// `TCPKeepAlive`.
    pub tcp_keep_alive: bool,
    /// `LogLevel`.
    pub log_level: LogLevel,
    /// `SyslogFacility` (upper case).
    pub syslog_facility: String,
    /// `Ciphers`, assembled.
    pub ciphers: Vec<String>,
    /// `MACs`, assembled.
    pub macs: Vec<String>,
    /// `KexAlgorithms`, assembled.
    pub kex_algorithms: Vec<String>,
    /// `HostKeyAlgorithms`, assembled.
    pub host_key_algorithms: Vec<String>,
    /// `PubkeyAcceptedAlgorithms`, assembled.
    pub pubkey_accepted_algorithms: Vec<String>,
    /// `CASignatureAlgorithms`, assembled.
    pub ca_signature_algorithms: Vec<String>,
    /// `RequiredRSASize`.
    pub required_rsa_size: u32,
    /// `RekeyLimit`.
    pub rekey_limit: RekeyLimit,
    /// `Subsystem`s.
    pub subsystems: Vec<Subsystem>,
    /// `ForceCommand`.
    pub force_command: Option<String>,
    /// `ChrootDirectory` (parsed; not implemented).
    pub chroot_directory: Option<String>,
    /// `Banner` file.
    pub banner: Option<String>,
    /// `PrintMotd`.
    pub print_motd: bool,
    /// `PrintLastLog`.
    pub print_last_log: bool,
    /// `AcceptEnv` patterns.
    pub accept_env: Vec<String>,
    /// `SetEnv` as (name, value).
    pub set_env: Vec<(String, String)>,
    /// `PermitUserEnvironment`.
    pub permit_user_environment: PermitUserEnvironment,
    /// `StrictModes`.
    pub strict_modes: bool,
    /// `AuthenticationMethods` lists (empty: any single method).
    pub authentication_methods: Vec<Vec<String>>,
    /// `UseDNS`.
    pub use_dns: bool,
    /// `Compression` (delayed compression when true).
    pub compression: bool,
    /// `AuthorizedKeysCommand` (parsed; not implemented).
    pub authorized_keys_command: Option<String>,
    /// `AuthorizedKeysCommandUser`.
    pub authorized_keys_command_user: Option<String>,
    /// `RevokedKeys` file.
    pub revoked_keys: Option<String>,
    /// `VersionAddendum` (empty: none).
    pub version_addendum: String,
    /// `FingerprintHash`.
    pub fingerprint_hash: String,
    /// `IPQoS`.
    pub ip_qos: IpQos,
    /// `PubkeyAuthOptions touch-required`.
    pub pubkey_touch_required: bool,
    /// `PubkeyAuthOptions verify-required`.
    pub pubkey_verify_required: bool,
}

impl ServerOptions {
    pub(crate) fn from_settings(s: &Settings, listen: Vec<(String, u16)>) -> Self {
        let v = View(s);
        let none_is_unset = |name: &str| v.text(name).filter(|t| !t.eq_ignore_ascii_case("none"));
        let forwarding = |name: &str| match v.word(name) {
            "no" => AllowForwarding::No,
            "local" => AllowForwarding::Local,
            "remote" => AllowForwarding::Remote,
            _ => AllowForwarding::Yes,
        };
        let (start, rate, full) = match s.get("maxstartups") {
            Some(Value::Triple(a, b, c)) => (*a, *b, *c),
            _ => (10, 30, 100),
        };
        let to_u32 = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        let pubkey_options = v.int("pubkeyauthoptions");
        ServerOptions {
            ports: v
                .list("port")
                .iter()
                .filter_map(|p| p.parse().ok())
                .collect(),
            listen_addresses: listen,
            address_family: v.address_family(),
            host_keys: v
                .list("hostkey")
                .into_iter()
                .filter(|k| !k.eq_ignore_ascii_case("none"))
                .collect(),
            host_certificates: v
                .list("hostcertificate")
                .into_iter()
                .filter(|k| !k.eq_ignore_ascii_case("none"))
                .collect(),
            pid_file: none_is_unset("pidfile"),
            authorized_keys_files: v.list("authorizedkeysfile"),
            password_authentication: v.flag("passwordauthentication"),
            pubkey_authentication: v.flag("pubkeyauthentication"),
            kbd_interactive_authentication: v.flag("kbdinteractiveauthentication"),
            use_pam: v.flag("usepam"),
            permit_root_login: match v.word("permitrootlogin") {
                "yes" => PermitRootLogin::Yes,
                "forced-commands-only" => PermitRootLogin::ForcedCommandsOnly,
                "no" => PermitRootLogin::No,
                _ => PermitRootLogin::ProhibitPassword,
            },
            permit_empty_passwords: v.flag("permitemptypasswords"),
            max_auth_tries: v.u32("maxauthtries"),
            max_sessions: v.u32("maxsessions"),
            max_startups: MaxStartups {
                start: to_u32(start),
                rate: to_u32(rate),
                full: to_u32(full),
            },
            per_source_max_startups: Some(v.u32("persourcemaxstartups"))
                .filter(|n| i64::from(*n) < i64::from(i32::MAX)),
            login_grace_time: v.secs("logingracetime"),
            allow_users: v.list("allowusers"),
            deny_users: v.list("denyusers"),
            allow_groups: v.list("allowgroups"),
            deny_groups: v.list("denygroups"),
            allow_tcp_forwarding: forwarding("allowtcpforwarding"),
            allow_agent_forwarding: v.flag("allowagentforwarding"),
            allow_stream_local_forwarding: forwarding("allowstreamlocalforwarding"),
            disable_forwarding: v.flag("disableforwarding"),
            gateway_ports: match v.word("gatewayports") {
                "yes" => GatewayPorts::Yes,
                "clientspecified" => GatewayPorts::ClientSpecified,
                _ => GatewayPorts::No,
            },
            permit_open: v
                .list("permitopen")
                .into_iter()
                .filter(|e| e != "any")
                .collect(),
            permit_listen: v
                .list("permitlisten")
                .into_iter()
                .filter(|e| e != "any")
                .collect(),
            permit_tty: v.flag("permittty"),
            permit_user_rc: v.flag("permituserrc"),
            x11_forwarding: v.flag("x11forwarding"),
            client_alive_interval: v.secs("clientaliveinterval"),
            client_alive_count_max: v.u32("clientalivecountmax"),
            tcp_keep_alive: v.flag("tcpkeepalive"),
            log_level: v.log_level(),
            syslog_facility: v.word("syslogfacility").to_owned(),
            ciphers: v.names("ciphers"),
            macs: v.names("macs"),
            kex_algorithms: v.names("kexalgorithms"),
            host_key_algorithms: v.names("hostkeyalgorithms"),
            pubkey_accepted_algorithms: v.names("pubkeyacceptedalgorithms"),
            ca_signature_algorithms: v.names("casignaturealgorithms"),
            required_rsa_size: v.u32("requiredrsasize"),
            rekey_limit: v.rekey_limit(),
            subsystems: match s.get("subsystem") {
                Some(Value::Pairs(p)) => p
                    .iter()
                    .map(|(n, c)| Subsystem {
                        name: n.clone(),
                        command: c.clone(),
                    })
                    .collect(),
                _ => Vec::new(),
            },
            force_command: none_is_unset("forcecommand"),
            chroot_directory: none_is_unset("chrootdirectory"),
            banner: none_is_unset("banner"),
            print_motd: v.flag("printmotd"),
            print_last_log: v.flag("printlastlog"),
            accept_env: v.list("acceptenv"),
            set_env: v
                .list("setenv")
                .into_iter()
                .map(|e| match e.split_once('=') {
                    Some((n, val)) => (n.to_owned(), val.to_owned()),
                    None => (e, String::new()),
                })
                .collect(),
            permit_user_environment: match s.get("permituserenvironment") {
                Some(Value::Word("yes")) => PermitUserEnvironment::Yes,
                Some(Value::Text(p)) => PermitUserEnvironment::Only(p.clone()),
                _ => PermitUserEnvironment::No,
            },
            strict_modes: v.flag("strictmodes"),
            authentication_methods: v
                .list("authenticationmethods")
                .into_iter()
                .filter(|m| m != "any")
                .map(|m| m.split(',').map(str::to_owned).collect())
                .collect(),
            use_dns: v.flag("usedns"),
            // "delayed" is the old name of "yes".
            compression: v.word("compression") != "no",
            authorized_keys_command: none_is_unset("authorizedkeyscommand"),
            authorized_keys_command_user: none_is_unset("authorizedkeyscommanduser"),
            revoked_keys: none_is_unset("revokedkeys"),
            version_addendum: v.text("versionaddendum").unwrap_or_default(),
            fingerprint_hash: v.word("fingerprinthash").to_owned(),
            ip_qos: v.ipqos(),
            pubkey_touch_required: pubkey_options & TOUCH_REQUIRED != 0,
            pubkey_verify_required: pubkey_options & VERIFY_REQUIRED != 0,
        }
    }

    /// The authorized_keys files for a user: `%h` (home), `%u` (user), `%U` (uid) and `%%`
    /// expanded, relative names taken from the home directory (auth.c `expand_authorized_keys`).
    /// `none` entries are dropped.
    pub fn authorized_keys_files_for(
        &self,
        user: &str,
        uid: u32,
        home: &str,
    ) -> Result<Vec<String>, tokens::TokenError> {
        let uid = uid.to_string();
        let mut out = Vec::new();
        for f in &self.authorized_keys_files {
            if f.eq_ignore_ascii_case("none") {
                continue;
            }
            let e = tokens::expand(f, &[('h', home), ('u', user), ('U', &uid)], None)?;
            out.push(if tokens::is_absolute(&e) {
                e
            } else {
                format!("{home}/{e}")
            });
        }
        Ok(out)
    }

    /// AllowUsers/DenyUsers/AllowGroups/DenyGroups for one user connecting from `host`/`addr`
    /// (auth.c `allowed_user`, the configuration part). `groups` are the user's group names.
    pub fn check_user_access(
        &self,
        user: &str,
        groups: &[String],
        host: &str,
        addr: &str,
    ) -> Result<(), AccessDenied> {
        if self
            .deny_users
            .iter()
            .any(|p| match_user(user, Some(host), Some(addr), p).unwrap_or(false))
        {
            return Err(AccessDenied::DenyUsers);
        }
        if !self.allow_users.is_empty()
            && !self
                .allow_users
                .iter()
                .any(|p| match_user(user, Some(host), Some(addr), p).unwrap_or(false))
        {
            return Err(AccessDenied::NotInAllowUsers);
        }
        if !self.deny_groups.is_empty() || !self.allow_groups.is_empty() {
            if groups.is_empty() {
                return Err(AccessDenied::NoGroups);
            }
            let any = |pats: &[String]| {
                pats.iter()
                    .any(|p| groups.iter().any(|g| match_pattern(g, p)))
            };
            if any(&self.deny_groups) {
                return Err(AccessDenied::DenyGroups);
            }
            if !self.allow_groups.is_empty() && !any(&self.allow_groups) {
                return Err(AccessDenied::NotInAllowGroups);
            }
        }
        Ok(())
    }
}
