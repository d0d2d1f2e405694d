//! The resolved client configuration as typed values (readconf.h `Options` after
//! `fill_default_options`).

use std::time::Duration;

use crate::forward::{Forward, JumpHost};
use crate::store::{Settings, Value};
use crate::tokens::ClientTokens;
use crate::types::{AddressFamily, IpQos, RekeyLimit, View};
use crate::values::LogLevel;

/// `StrictHostKeyChecking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrictHostKeyChecking {
    /// Refuse unknown and changed keys.
    Yes,
    /// Accept unknown keys and add them; refuse changed ones (`accept-new`).
    AcceptNew,
    /// Accept anything (`no`/`off`).
    No,
    /// Ask about unknown keys.
    Ask,
}

/// `RequestTTY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestTty {
    /// A pty when there is no command and stdin is a terminal.
    Auto,
    /// Always when stdin is a terminal.
    Yes,
    /// Never.
    No,
    /// Always, even without a terminal.
    Force,
}

/// `ControlMaster`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlMaster {
    /// Do not listen for multiplexed sessions.
    No,
    /// Listen.
    Yes,
    /// Listen, asking before each use.
    Ask,
    /// Use an existing master or become one.
    Auto,
    /// Like `Auto`, asking before each use.
    AutoAsk,
}

/// `ControlPersist`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlPersist {
    /// The master exits with its first session.
    No,
    /// The master stays until explicitly stopped.
    Yes,
    /// The master stays this long after its last session.
    For(Duration),
}

/// `PubkeyAuthentication`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PubkeyAuthentication {
    /// Disabled.
    No,
    /// Enabled, host-bound where the server supports it.
    Yes,
    /// Only the original, unbound method.
    Unbound,
    /// Only the host-bound method.
    HostBound,
}

/// `UpdateHostKeys`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateHostKeys {
    /// Ignore keys the server announces.
    No,
    /// Add them to known_hosts.
    Yes,
    /// Ask first.
    Ask,
}

/// `AddKeysToAgent` mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddKeysToAgent {
    /// Do not add keys.
    No,
    /// Add them.
    Yes,
    /// Ask first.
    Ask,
    /// Add them, requiring confirmation for each use.
    Confirm,
}

/// `ForwardAgent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardAgent {
    /// Off.
    No,
    /// Forward the agent in `SSH_AUTH_SOCK`.
    Yes,
    /// Forward this socket (already `~`/token/`${}` expanded).
    Socket(String),
}

/// `SessionType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionType {
    /// No session at all (`-N`).
    None,
    /// A subsystem (`-s`).
    Subsystem,
    /// A shell or command.
    Default,
}

/// Every ssh_config setting the tools act on, resolved for one destination, with OpenSSH's
/// defaults filled in. Parse-only keywords are reachable through
/// [`super::ClientConfig::values`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientOptions {
    /// The destination as given on the command line (`%n`).
    pub host_arg: String,
    /// The host to connect to (`HostName` applied and lower-cased; `%h`).
    pub hostname: String,
    /// `Port`.
    pub port: u16,
    /// `User` (the local user by default).
    pub user: String,
    /// `IdentityFile`, as written (expand with [`ClientOptions::expand`] at use).
    pub identity_files: Vec<String>,
    /// `IdentitiesOnly`.
    pub identities_only: bool,
    /// `IdentityAgent`, expanded (`none`, `SSH_AUTH_SOCK` and `$VAR` forms are kept).
    pub identity_agent: Option<String>,
    /// `CertificateFile`, as written.
    pub certificate_files: Vec<String>,
    /// `ProxyJump` hops in the order written (the last one is connected to through the others).
    pub proxy_jump: Option<Vec<JumpHost>>,
    /// `ProxyCommand`, unexpanded (tokens `%h %n %p %r`).
    pub proxy_command: Option<String>,
    /// `StrictHostKeyChecking`.
    pub strict_host_key_checking: StrictHostKeyChecking,
    /// `UserKnownHostsFile`, expanded; empty for `none`.
    pub user_known_hosts_files: Vec<String>,
    /// `GlobalKnownHostsFile`; empty for `none`.
    pub global_known_hosts_files: Vec<String>,
    /// `HashKnownHosts`.
    pub hash_known_hosts: bool,
    /// `CheckHostIP`.
    pub check_host_ip: bool,
    /// `HostKeyAlias`, lower-cased.
    pub host_key_alias: Option<String>,
    /// `ConnectTimeout` (`None`: the system's TCP timeout).
    pub connect_timeout: Option<Duration>,
    /// `ConnectionAttempts`.
    pub connection_attempts: u32,
    /// `ServerAliveInterval` (zero: off).
    pub server_alive_interval: Duration,
    /// `ServerAliveCountMax`.
    pub server_alive_count_max: u32,
    /// `TCPKeepAlive`.
    pub tcp_keep_alive: bool,
    /// `BatchMode`.
    pub batch_mode: bool,
    /// `PreferredAuthentications`.
    pub preferred_authentications: Option<Vec<String>>,
    /// `PubkeyAuthentication`.
    pub pubkey_authentication: PubkeyAuthentication,
    /// `PasswordAuthentication`.
    pub password_authentication: bool,
    /// `KbdInteractiveAuthentication`.
    pub kbd_interactive_authentication: bool,
    /// `NumberOfPasswordPrompts`.
    pub number_of_password_prompts: u32,
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
    /// `LogLevel`.
    pub log_level: LogLevel,
    /// `RequestTTY`.
    pub request_tty: RequestTty,
    /// `SessionType`.
    pub session_type: SessionType,
    /// `StdinNull`.
    pub stdin_null: bool,
    /// `ForkAfterAuthentication`.
    pub fork_after_authentication: bool,
    /// `SendEnv` patterns.
    pub send_env: Vec<String>,
    /// `SetEnv` as (name, value).
    pub set_env: Vec<(String, String)>,
    /// `RemoteCommand`, expanded.
    pub remote_command: Option<String>,
    /// `EscapeChar` (`None`: no escape character).
    pub escape_char: Option<u8>,
    /// `EnableEscapeCommandline`.
    pub enable_escape_commandline: bool,
    /// `ForwardAgent`.
    pub forward_agent: ForwardAgent,
    /// `LocalForward`, socket paths expanded.
    pub local_forwards: Vec<Forward>,
    /// `RemoteForward` (including one-argument remote dynamic forwards).
    pub remote_forwards: Vec<Forward>,
    /// `DynamicForward`.
    pub dynamic_forwards: Vec<Forward>,
    /// `PermitRemoteOpen` entries (empty: any).
    pub permit_remote_open: Vec<String>,
    /// `GatewayPorts`.
    pub gateway_ports: bool,
    /// `ExitOnForwardFailure`.
    pub exit_on_forward_failure: bool,
    /// `ClearAllForwardings` (already applied to the lists above).
    pub clear_all_forwardings: bool,
    /// `Compression`.
    pub compression: bool,
    /// `AddressFamily`.
    pub address_family: AddressFamily,
    /// `BindAddress`.
    pub bind_address: Option<String>,
    /// `AddKeysToAgent`.
    pub add_keys_to_agent: AddKeysToAgent,
    /// Lifetime of keys added to the agent.
    pub add_keys_to_agent_lifetime: Option<Duration>,
    /// `VisualHostKey`.
    pub visual_host_key: bool,
    /// `UpdateHostKeys`.
    pub update_host_keys: UpdateHostKeys,
    /// `ControlMaster`.
    pub control_master: ControlMaster,
    /// `ControlPath`, expanded.
    pub control_path: Option<String>,
    /// `ControlPersist`.
    pub control_persist: ControlPersist,
    /// `LocalCommand`, unexpanded (all tokens, expanded after forwarding is set up).
    pub local_command: Option<String>,
    /// `PermitLocalCommand`.
    pub permit_local_command: bool,
    /// `IPQoS`.
    pub ip_qos: IpQos,
    /// `FingerprintHash` (`SHA256` or `MD5`...).
    pub fingerprint_hash: String,
    /// `ForwardX11` (parsed; X11 forwarding is not implemented).
    pub forward_x11: bool,
    /// The `%` token values for this connection.
    pub tokens: ClientTokens,
}

impl ClientOptions {
    pub(crate) fn from_settings(
        s: &Settings,
        host_arg: &str,
        hostname: &str,
        tokens: ClientTokens,
    ) -> Self {
        let v = View(s);
        let forwards = |name: &str| match s.get(name) {
            Some(Value::Forwards(f)) => f.clone(),
            _ => Vec::new(),
        };
        let (add_keys, add_life) = match s.get("addkeystoagent") {
            Some(Value::WordInt(m, life)) => (
                match *m {
                    "true" => AddKeysToAgent::Yes,
                    "ask" => AddKeysToAgent::Ask,
                    "confirm" => AddKeysToAgent::Confirm,
                    _ => AddKeysToAgent::No,
                },
                u64::try_from(*life)
                    .ok()
                    .filter(|l| *l > 0)
                    .map(Duration::from_secs),
            ),
            _ => (AddKeysToAgent::No, None),
        };
        ClientOptions {
            host_arg: host_arg.to_owned(),
            hostname: hostname.to_owned(),
            port: u16::try_from(v.int("port")).unwrap_or(22),
            user: v.text("user").unwrap_or_default(),
            identity_files: v.list("identityfile"),
            identities_only: v.flag("identitiesonly"),
            identity_agent: v.text("identityagent"),
            certificate_files: v.list("certificatefile"),
            proxy_jump: match s.get("proxyjump") {
                Some(Value::Jump(Some(h), _)) => Some(h.clone()),
                _ => None,
            },
            proxy_command: v.text("proxycommand"),
            strict_host_key_checking: match v.word("stricthostkeychecking") {
                "true" => StrictHostKeyChecking::Yes,
                "false" => StrictHostKeyChecking::No,
                "accept-new" => StrictHostKeyChecking::AcceptNew,
                _ => StrictHostKeyChecking::Ask,
            },
            user_known_hosts_files: v.list("userknownhostsfile"),
            global_known_hosts_files: v.list("globalknownhostsfile"),
            hash_known_hosts: v.flag("hashknownhosts"),
            check_host_ip: v.flag("checkhostip"),
            host_key_alias: v.text("hostkeyalias"),
            connect_timeout: s.get("connecttimeout").map(|_| v.secs("connecttimeout")),
            connection_attempts: v.u32("connectionattempts"),
            server_alive_interval: v.secs("serveraliveinterval"),
            server_alive_count_max: v.u32("serveralivecountmax"),
            tcp_keep_alive: v.flag("tcpkeepalive"),
            batch_mode: v.flag("batchmode"),
            preferred_authentications: v
                .text("preferredauthentications")
                .map(|t| t.split(',').map(str::to_owned).collect()),
            pubkey_authentication: match v.word("pubkeyauthentication") {
                "false" => PubkeyAuthentication::No,
                "unbound" => PubkeyAuthentication::Unbound,
                "host-bound" => PubkeyAuthentication::HostBound,
                _ => PubkeyAuthentication::Yes,
            },
            password_authentication: v.flag("passwordauthentication"),
            kbd_interactive_authentication: v.flag("kbdinteractiveauthentication"),
            number_of_password_prompts: v.u32("numberofpasswordprompts"),
            ciphers: v.names("ciphers"),
            macs: v.names("macs"),
            kex_algorithms: v.names("kexalgorithms"),
            host_key_algorithms: v.names("hostkeyalgorithms"),
            pubkey_accepted_algorithms: v.names("pubkeyacceptedalgorithms"),
            ca_signature_algorithms: v.names("casignaturealgorithms"),
            required_rsa_size: v.u32("requiredrsasize"),
            rekey_limit: v.rekey_limit(),
            log_level: v.log_level(),
            request_tty: match v.word("requesttty") {
                "true" => RequestTty::Yes,
                "false" => RequestTty::No,
                "force" => RequestTty::Force,
                _ => RequestTty::Auto,
            },
            session_type: match v.word("sessiontype") {
                "none" => SessionType::None,
                "subsystem" => SessionType::Subsystem,
                _ => SessionType::Default,
            },
            stdin_null: v.flag("stdinnull"),
            fork_after_authentication: v.flag("forkafterauthentication"),
            send_env: v.list("sendenv"),
            set_env: v
                .list("setenv")
                .into_iter()
                .map(|e| match e.split_once('=') {
                    Some((n, val)) => (n.to_owned(), val.to_owned()),
                    None => (e, String::new()),
                })
                .collect(),
            remote_command: v.text("remotecommand"),
            escape_char: match v.int("escapechar") {
                -2 => None,
                c => u8::try_from(c).ok(),
            },
            enable_escape_commandline: v.flag("enableescapecommandline"),
            forward_agent: match s.get("forwardagent") {
                Some(Value::Flag(true)) => ForwardAgent::Yes,
                Some(Value::Text(p)) => ForwardAgent::Socket(p.clone()),
                _ => ForwardAgent::No,
            },
            local_forwards: forwards("localforward"),
            remote_forwards: forwards("remoteforward"),
            dynamic_forwards: forwards("dynamicforward"),
            permit_remote_open: v
                .list("permitremoteopen")
                .into_iter()
                .filter(|e| e != "any")
                .collect(),
            gateway_ports: v.flag("gatewayports"),
            exit_on_forward_failure: v.flag("exitonforwardfailure"),
            clear_all_forwardings: v.flag("clearallforwardings"),
            compression: v.word("compression") == "yes",
            address_family: v.address_family(),
            bind_address: v.text("bindaddress"),
            add_keys_to_agent: add_keys,
            add_keys_to_agent_lifetime: add_life,
            visual_host_key: v.flag("visualhostkey"),
            update_host_keys: match v.word("updatehostkeys") {
                "true" => UpdateHostKeys::Yes,
                "ask" => UpdateHostKeys::Ask,
                _ => UpdateHostKeys::No,
            },
            control_master: match v.word("controlmaster") {
                "true" => ControlMaster::Yes,
                "ask" => ControlMaster::Ask,
                "auto" => ControlMaster::Auto,
                "autoask" => ControlMaster::AutoAsk,
                _ => ControlMaster::No,
            },
            control_path: v.text("controlpath"),
            control_persist: match s.get("controlpersist") {
                Some(Value::WordInt("yes", 0)) => ControlPersist::Yes,
                Some(Value::WordInt("yes", t)) => {
                    ControlPersist::For(Duration::from_secs(u64::try_from(*t).unwrap_or(0)))
                }
                _ => ControlPersist::No,
            },
            local_command: v.text("localcommand"),
            permit_local_command: v.flag("permitlocalcommand"),
            ip_qos: v.ipqos(),
            fingerprint_hash: v.word("fingerprinthash").to_owned(),
            forward_x11: v.flag("forwardx11"),
            tokens,
        }
    }

    /// Expands `%` tokens (and `~`, and `${VAR}` where ssh_config(5) allows it) in the value of
    /// `keyword` at the time of use, with the tokens ssh_config(5) TOKENS allows for that keyword:
    /// `IdentityFile`, `CertificateFile`, `LocalCommand` (without `%T`), `ProxyCommand`,
    /// `KnownHostsCommand` (without its host-key tokens), `Match exec`...
    pub fn expand(
        &self,
        keyword: &str,
        value: &str,
        env: &dyn crate::env::Environment,
    ) -> Result<String, crate::tokens::TokenError> {
        let all = self.tokens.all();
        let keyword = keyword.to_ascii_lowercase();
        let proxy: Vec<(char, &str)> = all
            .iter()
            .copied()
            .filter(|(k, _)| "hnpr".contains(*k))
            .collect();
        match keyword.as_str() {
            "proxycommand" | "proxyjump" => crate::tokens::expand(value, &proxy, None),
            "hostname" => crate::tokens::expand(value, &[('h', &self.tokens.original_host)], None),
            "localcommand" | "remotecommand" => crate::tokens::expand(value, &all, None),
            "identityfile" | "certificatefile" | "controlpath" | "identityagent"
            | "userknownhostsfile" | "knownhostscommand" => {
                let t = crate::tokens::expand_tilde(value, env)?;
                crate::tokens::expand(&t, &all, Some(env))
            }
            _ => crate::tokens::expand(value, &all, None),
        }
    }
}
