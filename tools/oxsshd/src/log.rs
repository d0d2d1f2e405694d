//! Every line the daemon logs, in OpenSSH's words (sshd.c, auth.c, auth2.c, packet.c, session.c), so
//! that log scrapers such as fail2ban and people used to sshd's log read ours unchanged.
//!
//! Lines go to stderr (`-e`, `-d`), to a file (`-E`) or to syslog with `SyslogFacility` and
//! `LogLevel`, formatted as OpenSSH's log.c does: level prefixes `debug1: `, `error: `, `fatal: `
//! for those levels only, lines ending in CR LF on stderr. Text a client chose (user names, disconnect
//! descriptions) is escaped as OpenSSH's `strnvis` would, so it cannot forge extra lines.
//!
//! Lines logged by OpenSSH's unprivileged pre-authentication child carry the suffix ` [preauth]`;
//! ours carry it in the same places, so the same patterns match.

use std::fmt::Display;
use std::io::Write;
use std::net::IpAddr;
use std::sync::{Mutex, RwLock};

pub use oxssh_sys::syslog::LogLevel;

/// Where log lines go.
#[derive(Debug)]
pub enum Sink {
    /// Standard error (`-e`, `-d`).
    Stderr,
    /// A file opened for appending (`-E`).
    File(Mutex<std::fs::File>),
    /// The system log.
    Syslog,
}

struct Logger {
    level: LogLevel,
    sink: Sink,
}

static LOGGER: RwLock<Logger> = RwLock::new(Logger {
    level: LogLevel::Info,
    sink: Sink::Stderr,
});

/// Sets the level and destination (at start and after SIGHUP).
pub fn configure(level: LogLevel, sink: Sink) {
    let mut l = LOGGER.write().unwrap_or_else(|p| p.into_inner());
    l.level = level;
    l.sink = sink;
}

/// Changes only the level (after SIGHUP re-read LogLevel).
pub fn set_level(level: LogLevel) {
    LOGGER.write().unwrap_or_else(|p| p.into_inner()).level = level;
}

/// Whether a message of `level` would be written.
pub fn enabled(level: LogLevel) -> bool {
    let l = LOGGER.read().unwrap_or_else(|p| p.into_inner());
    level != LogLevel::Quiet && level <= l.level
}

/// Logs one line at `level`.
pub fn log(level: LogLevel, message: impl Display) {
    let l = LOGGER.read().unwrap_or_else(|p| p.into_inner());
    if level == LogLevel::Quiet || level > l.level {
        return;
    }
    let message = message.to_string();
    let prefix = match level {
        LogLevel::Debug1 => "debug1: ",
        LogLevel::Debug2 => "debug2: ",
        LogLevel::Debug3 => "debug3: ",
        LogLevel::Error => "error: ",
        LogLevel::Fatal => "fatal: ",
        _ => "",
    };
    match &l.sink {
        Sink::Syslog => oxssh_sys::syslog::syslog(level, &format!("{prefix}{message}")),
        Sink::Stderr => {
            let line = format!("{prefix}{}\r\n", oxssh_sys::syslog::vis_escape(&message));
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
        Sink::File(f) => {
            let line = format!("{prefix}{}\n", oxssh_sys::syslog::vis_escape(&message));
            let mut f = f.lock().unwrap_or_else(|p| p.into_inner());
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// `logit()`.
pub fn info(message: impl Display) {
    log(LogLevel::Info, message);
}

/// `verbose()`.
pub fn verbose(message: impl Display) {
    log(LogLevel::Verbose, message);
}

/// `error()`.
pub fn error(message: impl Display) {
    log(LogLevel::Error, message);
}

/// `debug()`.
pub fn debug(message: impl Display) {
    log(LogLevel::Debug1, message);
}

/// `debug2()`.
pub fn debug2(message: impl Display) {
    log(LogLevel::Debug2, message);
}

/// The client's end of a connection as log lines name it.
#[derive(Debug, Clone)]
pub struct Peer {
    /// The client's address (IPv4-mapped IPv6 shown as IPv4, as OpenSSH's `ipv64_normalise_mapped`).
    pub ip: String,
    /// The client's port.
    pub port: u16,
}

impl Peer {
    /// From a socket address.
    pub fn new(ip: IpAddr, port: u16) -> Self {
        let ip = match ip {
            IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
            IpAddr::V4(v4) => v4.to_string(),
        };
        Self { ip, port }
    }
}

/// Who is on the other end, as far as authentication got (packet.c's log preamble).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// No user name yet.
    Unknown,
    /// A user that exists is authenticating.
    Authenticating(String),
    /// A user name that does not exist (or may not log in here).
    Invalid(String),
    /// The authenticated user.
    User(String),
}

impl Who {
    /// Whether authentication has not finished: such lines carry ` [preauth]`.
    pub fn is_preauth(&self) -> bool {
        !matches!(self, Who::User(_))
    }

    fn preamble(&self) -> String {
        match self {
            Who::Unknown => String::new(),
            Who::Authenticating(u) => format!("authenticating user {u} "),
            Who::Invalid(u) => format!("invalid user {u} "),
            Who::User(u) => format!("user {u} "),
        }
    }

    fn suffix(&self) -> &'static str {
        if self.is_preauth() { " [preauth]" } else { "" }
    }
}

/// packet.c `fmt_connection_id`: "authenticating user U 1.2.3.4 port 5".
fn connection_id(who: &Who, peer: &Peer) -> String {
    format!("{}{} port {}", who.preamble(), peer.ip, peer.port)
}

// ---- daemon ------------------------------------------------------------------------------------

/// sshd.c `server_listen`.
pub fn server_listening(addr: &str, port: u16) {
    info(format_args!("Server listening on {addr} port {port}."));
}

/// sshd.c `listen_on_addrs`, for each address that could not be bound.
pub fn bind_failed(addr: &str, port: u16, reason: &str) {
    error(format_args!(
        "Bind to port {port} on {addr} failed: {reason}."
    ));
}

/// sshd.c, when no address could be bound (fatal).
pub const CANNOT_BIND: &str = "Cannot bind any address.";

/// sshd.c: no host key could be loaded (fatal).
pub const NO_HOST_KEYS: &str = "sshd: no hostkeys available -- exiting.";

/// sshd.c, a HostKey that cannot be read.
pub fn host_key_unloadable(path: &str, reason: &str) {
    error(format_args!("Unable to load host key \"{path}\": {reason}"));
}

/// Our addition: where the generated host keys of the single-user default live.
pub fn host_key_generated(path: &str, fingerprint: &str) {
    info(format_args!("Generated host key {path}: {fingerprint}"));
}

/// Our addition for the single-user default (no configuration file, not root): what this server is
/// and how to reach it.
pub fn single_user_mode(user: &str, port: u16, password: bool, authorized_keys: &str) {
    let methods = if password {
        "publickey from ".to_owned() + authorized_keys + " or your password (PAM)"
    } else {
        "publickey from ".to_owned() + authorized_keys + " only (no PAM service for passwords)"
    };
    info(format_args!(
        "Running as {user} without a configuration file: serving only {user}; login with {methods}."
    ));
    info(format_args!("Connect with: ssh -p {port} {user}@HOST"));
}

/// Our addition: root without a configuration file on a fresh machine.
pub fn builtin_defaults(missing: &str, port: u16) {
    info(format_args!(
        "{missing} does not exist: using the built-in defaults (port {port}, host keys generated in root's state directory)"
    ));
}

/// sshd.c `sigterm_handler` / the main loop.
pub fn terminating(signal: i32) {
    info(format_args!("Received signal {signal}; terminating."));
}

/// sshd.c `sighup_restart`.
pub fn restarting() {
    info("Received SIGHUP; restarting.");
}

/// Our words when a re-read configuration is bad: the old one stays in force.
pub fn reload_failed(reason: &str) {
    error(format_args!(
        "Configuration not reloaded, keeping the current one: {reason}"
    ));
}

/// sshd.c `should_drop_connection` / `drop_connection`.
pub fn drop_past_max_startups(number: u64, peer: &Peer, local: &Peer) {
    verbose(format_args!(
        "drop connection #{number} from [{}]:{} on [{}]:{} past MaxStartups",
        peer.ip, peer.port, local.ip, local.port
    ));
}

/// Our line when MaxStartups makes us drop connections, once per burst (OpenSSH 9.2 logs the same
/// information with its "exceeded MaxStartups" summary).
pub fn max_startups_exceeded(unauthenticated: u32) {
    info(format_args!(
        "exceeded MaxStartups: {unauthenticated} connections waiting to authenticate"
    ));
}

/// sshd.c: PerSourceMaxStartups.
pub fn per_source_exceeded(peer: &Peer) {
    info(format_args!(
        "drop connection from [{}]:{}: exceeded PerSourceMaxStartups",
        peer.ip, peer.port
    ));
}

// ---- connection --------------------------------------------------------------------------------

/// sshd.c `main`, after accept.
pub fn connection_from(peer: &Peer, local: &Peer) {
    verbose(format_args!(
        "Connection from {} port {} on {} port {}",
        peer.ip, peer.port, local.ip, local.port
    ));
}

/// sshd.c `grace_alarm_handler`.
pub fn grace_timeout(peer: &Peer) {
    info(format_args!(
        "Timeout before authentication for {} port {}",
        peer.ip, peer.port
    ));
}

/// packet.c `sshpkt_fatal` for SSH_ERR_CONN_TIMEOUT (a client that never sent its banner).
pub fn connection_timed_out(peer: &Peer) {
    info(format_args!(
        "Connection from {} port {} timed out",
        peer.ip, peer.port
    ));
}

/// kex.c + sshd.c: the client's identification line was not one.
pub fn banner_invalid(peer: &Peer) {
    info(format_args!(
        "banner exchange: Connection from {} port {}: invalid format",
        peer.ip, peer.port
    ));
}

/// packet.c `sshpkt_fatal` for SSH_ERR_CONN_CLOSED.
pub fn connection_closed(who: &Who, peer: &Peer) {
    info(format_args!(
        "Connection closed by {}{}",
        connection_id(who, peer),
        who.suffix()
    ));
}

/// packet.c `sshpkt_fatal` for ECONNRESET.
pub fn connection_reset(who: &Who, peer: &Peer) {
    info(format_args!(
        "Connection reset by {}{}",
        connection_id(who, peer),
        who.suffix()
    ));
}

/// packet.c `sshpkt_fatal` for SSH_ERR_DISCONNECTED.
pub fn disconnected(who: &Who, peer: &Peer) {
    info(format_args!(
        "Disconnected from {}{}",
        connection_id(who, peer),
        who.suffix()
    ));
}

/// serverloop.c `client_alive_check`.
pub fn client_not_responding(who: &Who, peer: &Peer) {
    info(format_args!(
        "Timeout, client not responding from {}",
        connection_id(who, peer)
    ));
}

/// packet.c `ssh_packet_disconnect`: we disconnect the client.
pub fn disconnecting(who: &Who, peer: &Peer, reason: &str) {
    info(format_args!(
        "Disconnecting {}: {reason}{}",
        connection_id(who, peer),
        who.suffix()
    ));
}

/// packet.c, an SSH_MSG_DISCONNECT from the client.
pub fn received_disconnect(who: &Who, peer: &Peer, reason: u32, description: &str) {
    info(format_args!(
        "Received disconnect from {} port {}:{reason}: {description}{}",
        peer.ip,
        peer.port,
        who.suffix()
    ));
}

/// packet.c `sshpkt_fatal`, algorithm negotiation failed.
pub fn unable_to_negotiate(who: &Who, peer: &Peer, what: impl Display) {
    error(format_args!(
        "Unable to negotiate with {}: {what}{}",
        connection_id(who, peer),
        who.suffix()
    ));
}

/// packet.c `sshpkt_fatal`'s default case (bad MAC, bad packet, protocol errors).
pub fn dispatch_fatal(who: &Who, peer: &Peer, what: impl Display) {
    error(format_args!(
        "ssh_dispatch_run_fatal: Connection from {}: {what}{}",
        connection_id(who, peer),
        who.suffix()
    ));
}

/// Any other end of a connection (a socket error).
pub fn connection_error(who: &Who, peer: &Peer, what: impl Display) {
    error(format_args!(
        "Connection from {}: {what}{}",
        connection_id(who, peer),
        who.suffix()
    ));
}

// ---- authentication ----------------------------------------------------------------------------

/// auth2.c `input_userauth_request` (via monitor `getpwnamallow`).
pub fn invalid_user(user: &str, peer: &Peer) {
    info(format_args!(
        "Invalid user {user} from {} port {}",
        peer.ip, peer.port
    ));
}

/// auth.c `allowed_user`: why an existing user may not log in.
pub fn user_not_allowed(user: &str, host: &str, why: impl Display) {
    info(format_args!(
        "User {user} from {host} not allowed because {why}"
    ));
}

/// auth.c `allowed_user`, a locked account.
pub fn account_locked(user: &str) {
    info(format_args!(
        "User {user} not allowed because account is locked"
    ));
}

/// auth.c `allowed_user`, an expired account.
pub fn account_expired(user: &str) {
    info(format_args!("Account {user} has expired"));
}

/// auth.c `allowed_user`, a login shell that is missing.
pub fn shell_missing(user: &str, shell: &str) {
    info(format_args!(
        "User {user} not allowed because shell {shell} does not exist"
    ));
}

/// auth.c `allowed_user`, a login shell that cannot be executed.
pub fn shell_not_executable(user: &str, shell: &str) {
    info(format_args!(
        "User {user} not allowed because shell {shell} is not executable"
    ));
}

/// auth.c `auth_root_allowed`.
pub fn root_login_refused(peer: &Peer) {
    info(format_args!(
        "ROOT LOGIN REFUSED FROM {} port {}",
        peer.ip, peer.port
    ));
}

/// What an authentication attempt ended as (auth.c `auth_log`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The login succeeded.
    Accepted,
    /// One step of several succeeded (AuthenticationMethods).
    Partial,
    /// It failed.
    Failed,
}

/// auth.c `auth_log`: "Accepted publickey for U from IP port P ssh2: ED25519 SHA256:...". Failed
/// attempts log at VERBOSE unless the user is invalid, half the tries are used up, or the method is
/// password, as OpenSSH raises them to INFO.
#[allow(clippy::too_many_arguments)]
pub fn auth_result(
    outcome: Outcome,
    method: &str,
    submethod: Option<&str>,
    valid: bool,
    user: &str,
    peer: &Peer,
    info_text: Option<&str>,
    failures: u32,
    max_tries: u32,
) {
    let level = if outcome == Outcome::Accepted
        || !valid
        || failures >= max_tries / 2
        || method == "password"
    {
        LogLevel::Info
    } else {
        LogLevel::Verbose
    };
    let word = match outcome {
        Outcome::Accepted => "Accepted",
        Outcome::Partial => "Partial",
        Outcome::Failed => "Failed",
    };
    let sub = submethod.map(|s| format!("/{s}")).unwrap_or_default();
    let invalid = if valid { "" } else { "invalid user " };
    let extra = info_text.map(|i| format!(": {i}")).unwrap_or_default();
    log(
        level,
        format_args!(
            "{word} {method}{sub} for {invalid}{user} from {} port {} ssh2{extra}",
            peer.ip, peer.port
        ),
    );
}

/// auth.c `auth_maxtries_exceeded`.
pub fn max_tries_exceeded(valid: bool, user: &str, peer: &Peer) {
    error(format_args!(
        "maximum authentication attempts exceeded for {}{user} from {} port {} ssh2 [preauth]",
        if valid { "" } else { "invalid user " },
        peer.ip,
        peer.port
    ));
}

/// auth2-pubkeyfile.c: StrictModes refused a file.
pub fn strict_modes_refused(reason: impl Display) {
    info(format_args!("Authentication refused: {reason}"));
}

/// auth2-pubkeyfile.c `auth_authorise_keyopts`, a key whose `from=` does not admit the client.
pub fn key_not_from_permitted_host(user: &str, host: &str, ip: &str) {
    info(format_args!(
        "Authentication tried for {user} with correct key but not from a permitted host (host={host}, ip={ip})."
    ));
}

/// auth2-pubkey.c: a key listed in RevokedKeys.
pub fn key_revoked(key: &str, file: &str) {
    error(format_args!(
        "Authentication key {key} revoked by file {file}"
    ));
}

/// auth2-pubkey.c: the RevokedKeys file could not be used, so no key is accepted.
pub fn revoked_keys_unreadable(file: &str, why: &str) {
    error(format_args!(
        "Error checking authentication key in revoked keys file {file}: {why}"
    ));
}

/// Our words: a configured ChrootDirectory, which oxsshd does not implement, refuses the session
/// rather than silently giving the user the whole file system.
pub fn chroot_unsupported(user: &str, dir: &str) {
    error(format_args!(
        "ChrootDirectory {dir} is not supported by oxsshd; refusing the session of {user}"
    ));
}

/// auth-options.c: an `expiry-time` in the past.
pub fn key_expired(file: &str, line: usize) {
    verbose(format_args!("{file}:{line}: expired key; refusing"));
}

/// auth-passwd.c / auth-pam.c: a PAM call failed for a reason other than a bad password.
pub fn pam_error(what: impl Display) {
    error(format_args!("PAM: {what}"));
}

/// auth2.c `userauth_finish`: PAM's account check refused a user who authenticated.
pub fn pam_account_denied(user: &str) {
    error(format_args!(
        "Access denied for user {user} by PAM account configuration"
    ));
}

/// auth.c: shadow says the password has expired; only PAM can change it here.
pub fn password_expired(user: &str) {
    info(format_args!(
        "Password for {user} has expired; refusing login (change it through PAM or locally)"
    ));
}

// ---- sessions ----------------------------------------------------------------------------------

/// session.c `do_exec`.
pub fn starting_session(kind: &str, tty: Option<&str>, user: &str, peer: &Peer, id: u32) {
    verbose(format_args!(
        "Starting session: {kind}{}{} for {user} from {} port {} id {id}",
        if tty.is_some() { " on " } else { "" },
        tty.unwrap_or(""),
        peer.ip,
        peer.port
    ));
}

/// session.c `session_close`.
pub fn close_session(user: &str, peer: &Peer, id: u32) {
    verbose(format_args!(
        "Close session: user {user} from {} port {} id {id}",
        peer.ip, peer.port
    ));
}

/// session.c `session_subsystem_req`.
pub fn subsystem_request(name: &str, user: &str) {
    info(format_args!("subsystem request for {name} by user {user}"));
}

/// session.c: a subsystem nobody configured.
pub fn subsystem_unknown(name: &str) {
    info(format_args!(
        "subsystem request for {name} failed, subsystem not found"
    ));
}

/// session.c: the user's process could not be started.
pub fn spawn_failed(what: impl Display) {
    error(format_args!(
        "session: could not start the user's process: {what}"
    ));
}

/// session.c `session_signal_req` refused.
pub fn signal_refused(signal: &str, what: &str) {
    error(format_args!(
        "session_signal_req: refusing to send signal {signal} to {what} session"
    ));
}

/// serverloop.c, a forwarding refused by policy.
pub fn forwarding_refused(kind: &str, target: &str) {
    info(format_args!(
        "Received request to {kind} {target}, but the request was denied."
    ));
}

/// channels.c `channel_connect_to_port` failure.
pub fn connect_failed(host: &str, port: u32, reason: &str) {
    error(format_args!(
        "connect_to {host} port {port}: failed: {reason}"
    ));
}

/// channels.c `channel_setup_fwd_listener_tcpip` bind failure.
pub fn forward_bind_failed(host: &str, port: u32, reason: &str) {
    error(format_args!("bind [{host}]:{port}: {reason}"));
}
