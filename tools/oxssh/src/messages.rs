//! Every word the client shows a user, in one place, so that "the same words as OpenSSH 9.2" can be
//! checked here (sshconnect.c, sshconnect2.c, clientloop.c, ssh.c, readpass.c, packet.c).
//!
//! Where OpenSSH prefixes a line with its program name (`ssh: connect to host ...`), we print the
//! name the program was invoked as: a user who installs oxssh as `ssh` sees exactly OpenSSH's text.
//! OpenSSH itself hard-codes `ssh: ` in the connect error but uses its invoked name for the others;
//! using the invoked name everywhere is the one deliberate difference.

/// `ssh -V`.
pub fn version() -> String {
    format!(
        "OxSSH_{}, aws-lc-rs",
        env!("CARGO_PKG_VERSION").trim_end_matches(".0")
    )
}

/// ssh.c `usage()`.
pub const USAGE: &str = "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface]\n\
\x20          [-b bind_address] [-c cipher_spec] [-D [bind_address:]port]\n\
\x20          [-E log_file] [-e escape_char] [-F configfile] [-I pkcs11]\n\
\x20          [-i identity_file] [-J [user@]host[:port]] [-L address]\n\
\x20          [-l login_name] [-m mac_spec] [-O ctl_cmd] [-o option] [-p port]\n\
\x20          [-Q query_option] [-R address] [-S ctl_path] [-W host:port]\n\
\x20          [-w local_tun[:remote_tun]] destination [command [argument ...]]\n";

/// getopt's complaint about an unknown option.
pub fn unknown_option(c: char) -> String {
    format!("unknown option -- {c}")
}

/// getopt's complaint about an option without its argument.
pub fn option_requires_argument(c: char) -> String {
    format!("option requires an argument -- {c}")
}

/// `-p` with a bad value.
pub fn bad_port(p: &str) -> String {
    format!("Bad port '{p}'")
}

/// `-e` with a bad value.
pub fn bad_escape_char(e: &str) -> String {
    format!("Bad escape character '{e}'.")
}

/// `-c` with an unknown cipher.
pub fn unknown_cipher(c: &str) -> String {
    format!("Unknown cipher type '{c}'")
}

/// `-m` with an unknown MAC.
pub fn unknown_mac(m: &str) -> String {
    format!("Unknown mac type '{m}'")
}

/// `-W` with a bad value.
pub fn bad_stdio_forward(s: &str) -> String {
    format!("Bad stdio forwarding specification '{s}'")
}

/// `-L` with a bad value.
pub fn bad_local_forward(s: &str) -> String {
    format!("Bad local forwarding specification '{s}'")
}

/// `-R` with a bad value.
pub fn bad_remote_forward(s: &str) -> String {
    format!("Bad remote forwarding specification '{s}'")
}

/// `-D` with a bad value.
pub fn bad_dynamic_forward(s: &str) -> String {
    format!("Bad dynamic forwarding specification '{s}'")
}

/// A second `-J`.
pub const SINGLE_J: &str =
    "Only a single -J option is permitted (use commas to separate multiple jump hops)";
/// A bad `-J` argument.
pub const INVALID_J: &str = "Invalid -J argument";
/// A second `-W`.
pub const STDIO_FORWARD_TWICE: &str = "stdio forward already specified";
/// `-s` without a subsystem name.
pub const NO_SUBSYSTEM: &str = "You must specify a subsystem to invoke.";
/// `-N` together with `-s`.
pub const N_WITH_S: &str = "Cannot specify -N with -s/SessionType";
/// `-s` together with `-N`.
pub const S_WITH_N: &str = "Cannot specify -s with -N/SessionType";
/// `-1`.
pub const PROTOCOL_1: &str = "SSH protocol v.1 is no longer supported";
/// `-i` naming a file that cannot be read.
pub fn identity_not_accessible(path: &str, why: &str) -> String {
    format!("Warning: Identity file {path} not accessible: {why}.")
}
/// A command both on the command line and in RemoteCommand.
pub const COMMAND_AND_REMOTE_COMMAND: &str = "Cannot execute command-line and remote command.";
/// `-f` without anything to run.
pub const FORK_WITHOUT_COMMAND: &str = "Cannot fork into background without a command to execute.";
/// ProxyCommand and ProxyJump together.
pub const PROXY_COMMAND_AND_JUMP: &str = "inconsistent options: ProxyCommand+ProxyJump";
/// `-y` together with `-E`.
pub fn jumphost_loop(host: &str) -> String {
    format!("jumphost loop via {host}")
}

/// Features not implemented yet: said plainly, then the program stops (exit 255) rather than run
/// without what was asked for.
pub fn not_supported(what: &str) -> String {
    format!("{what} is not supported by this version of oxssh")
}

/// ssh.c when the passwd entry of the user is missing.
pub fn no_user_for_uid(uid: u32) -> String {
    format!("No user exists for uid {uid}")
}

// ---- connecting -------------------------------------------------------------------------------

/// A name that does not resolve (ssh.c `resolve_host`).
pub fn could_not_resolve(prog: &str, host: &str, why: &str) -> String {
    format!("{prog}: Could not resolve hostname {host}: {why}")
}

/// Every address failed (sshconnect.c `ssh_connect_direct`).
pub fn connect_failed(prog: &str, host: &str, port: u16, why: &str) -> String {
    format!("{prog}: connect to host {host} port {port}: {why}")
}

/// The TCP connection closed before the server's identification line.
pub const BANNER_CLOSED: &str = "kex_exchange_identification: Connection closed by remote host";

/// ConnectTimeout passed before the server's identification line.
pub const BANNER_TIMEOUT: &str = "Connection timed out during banner exchange";

/// packet.c `sshpkt_fatal` for SSH_ERR_CONN_TIMEOUT.
pub fn connection_timed_out(remote: &str) -> String {
    format!("Connection to {remote} timed out")
}

/// packet.c `sshpkt_fatal` for SSH_ERR_CONN_CLOSED.
pub fn connection_closed_by(remote: &str) -> String {
    format!("Connection closed by {remote}")
}

/// packet.c `sshpkt_fatal` for ECONNRESET.
pub fn connection_reset_by(remote: &str) -> String {
    format!("Connection reset by {remote}")
}

/// packet.c `sshpkt_fatal`, default case.
pub fn connection_to_failed(remote: &str, why: &str) -> String {
    format!("Connection to {remote}: {why}")
}

/// packet.c `sshpkt_fatal` for a failed algorithm negotiation.
pub fn unable_to_negotiate(remote: &str, what: &str) -> String {
    format!("Unable to negotiate with {remote}: {what}")
}

/// The DISCONNECT a server sent (packet.c).
pub fn received_disconnect(remote: &str, reason: u32, description: &str) -> String {
    format!("Received disconnect from {remote}:{reason}: {description}")
}

/// After a DISCONNECT (packet.c `sshpkt_fatal` for SSH_ERR_DISCONNECTED).
pub fn disconnected_from(remote: &str) -> String {
    format!("Disconnected from {remote}")
}

/// The `remote_id` of a connection that has no socket address (ProxyCommand, ProxyJump).
pub const UNKNOWN_REMOTE: &str = "UNKNOWN port 65535";

/// The address half of the host key prompt for a proxied connection (sshconnect.c).
pub const NO_HOSTIP_FOR_PROXY: &str = "<no hostip for proxy command>";

// ---- host keys (sshconnect.c check_host_key) --------------------------------------------------

/// First line of the first-contact prompt (the address part comes from `put_host_port`).
pub fn authenticity(host: &str, ip: &str) -> String {
    format!("The authenticity of host '{host} ({ip})' can't be established")
}

/// Appended to [`authenticity`] when keys of other types are known for the host.
pub const OTHER_TYPES_KNOWN: &str = "but keys of different type are already known for this host.";

/// The fingerprint line of the prompt.
pub fn key_fingerprint_is(key_type: &str, fingerprint: &str) -> String {
    format!("{key_type} key fingerprint is {fingerprint}.")
}

/// When no other known_hosts line holds the key.
pub const NOT_KNOWN_BY_OTHER_NAMES: &str = "This key is not known by any other names.";
/// Heading of the list of other names holding the key.
pub const KNOWN_BY_OTHER_NAMES: &str =
    "This host key is known by the following other names/addresses:";
/// Tail of that list when it is long.
pub fn other_names_omitted(n: usize) -> String {
    format!("    ({n} additional names omitted)")
}
/// The question.
pub const CONTINUE_CONNECTING_FP: &str =
    "Are you sure you want to continue connecting (yes/no/[fingerprint])? ";
/// The question without the fingerprint option.
pub const CONTINUE_CONNECTING: &str = "Are you sure you want to continue connecting (yes/no)? ";
/// Asked again after an answer that is neither.
pub const PLEASE_TYPE_FP: &str = "Please type 'yes', 'no' or the fingerprint: ";
/// Asked again (no fingerprint option).
pub const PLEASE_TYPE: &str = "Please type 'yes' or 'no': ";

/// A key of another type is already known (show_other_keys).
pub fn other_key_found(key_type: &str, host: &str, file: &str, line: usize, fp: &str) -> String {
    format!(
        "WARNING: {key_type} key found for host {host}\nin {file}:{line}\n{key_type} key fingerprint {fp}."
    )
}

/// The new key was written.
pub fn permanently_added(host: &str, key_type: &str) -> String {
    format!("Warning: Permanently added '{host}' ({key_type}) to the list of known hosts.")
}

/// The new key could not be written.
pub fn failed_to_add(file: &str) -> String {
    format!("Failed to add the host to the list of known hosts ({file}).")
}

/// StrictHostKeyChecking=yes and the key is unknown.
pub fn no_host_key_known(key_type: &str, host: &str) -> String {
    format!("No {key_type} host key is known for {host} and you have requested strict checking.")
}

/// The end of every host key refusal (sshconnect2.c `verify_host_key_callback`).
pub const HOST_KEY_VERIFICATION_FAILED: &str = "Host key verification failed.";

/// sshconnect.c `warn_changed_key`, one entry per line.
pub fn changed_key_warning(key_type: &str, fingerprint: &str) -> Vec<String> {
    vec![
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@".to_owned(),
        "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @".to_owned(),
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@".to_owned(),
        "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!".to_owned(),
        "Someone could be eavesdropping on you right now (man-in-the-middle attack)!".to_owned(),
        "It is also possible that a host key has just been changed.".to_owned(),
        format!(
            "The fingerprint for the {key_type} key sent by the remote host is\n{fingerprint}."
        ),
        "Please contact your system administrator.".to_owned(),
    ]
}

/// After the changed-key warning.
pub fn add_correct_host_key(file: &str) -> String {
    format!("Add correct host key in {file} to get rid of this message.")
}

/// Where the old key is, and how to remove it (Debian's OpenSSH 9.2 adds the last two lines).
pub fn offending_key(key_type: &str, file: &str, line: usize, host: &str) -> Vec<String> {
    vec![
        format!("Offending {key_type} key in {file}:{line}"),
        "  remove with:".to_owned(),
        format!("  ssh-keygen -f \"{file}\" -R \"{host}\""),
    ]
}

/// StrictHostKeyChecking is not off and the key changed.
pub fn changed_strict(host: &str) -> String {
    format!("Host key for {host} has changed and you have requested strict checking.")
}

/// sshconnect.c: the host key is marked @revoked.
pub fn revoked_key_warning(key_type: &str, host: &str) -> Vec<String> {
    vec![
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@".to_owned(),
        "@       WARNING: REVOKED HOST KEY DETECTED!               @".to_owned(),
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@".to_owned(),
        format!("The {key_type} host key for {host} is marked as revoked."),
        "This could mean that a stolen key is being used to".to_owned(),
        "impersonate this host.".to_owned(),
    ]
}

/// The revoked key is refused.
pub fn revoked_strict(key_type: &str, host: &str) -> String {
    format!("{key_type} host key for {host} was revoked and you have requested strict checking.")
}

/// Continuing with a changed key (StrictHostKeyChecking=no): what is switched off.
pub const PASSWORD_DISABLED_MITM: &str =
    "Password authentication is disabled to avoid man-in-the-middle attacks.";
/// See [`PASSWORD_DISABLED_MITM`].
pub const KBDINT_DISABLED_MITM: &str =
    "Keyboard-interactive authentication is disabled to avoid man-in-the-middle attacks.";
/// See [`PASSWORD_DISABLED_MITM`].
pub const AGENT_FORWARDING_DISABLED_MITM: &str =
    "Agent forwarding is disabled to avoid man-in-the-middle attacks.";
/// See [`PASSWORD_DISABLED_MITM`].
pub const PORT_FORWARDING_DISABLED_MITM: &str =
    "Port forwarding is disabled to avoid man-in-the-middle attacks.";
/// ExitOnForwardFailure after an accepted changed key.
pub const FORWARDING_DISABLED_HOST_KEY: &str =
    "Error: forwarding disabled due to host key check failure";
/// See [`PASSWORD_DISABLED_MITM`].
pub const UPDATE_HOSTKEYS_DISABLED: &str =
    "UpdateHostkeys is disabled because the host key is not trusted.";

// ---- authentication (sshconnect2.c) -----------------------------------------------------------

/// The password prompt.
pub fn password_prompt(user: &str, host: &str) -> String {
    format!("{user}@{host}'s password: ")
}

/// After a failed password, before the next prompt.
pub const PERMISSION_DENIED_TRY_AGAIN: &str = "Permission denied, please try again.";

/// Everything failed.
pub fn permission_denied(user: &str, host: &str, methods: &str) -> String {
    format!("{user}@{host}: Permission denied ({methods}).")
}

/// The passphrase prompt of a key file.
pub fn passphrase_prompt(path: &str) -> String {
    format!("Enter passphrase for key '{path}': ")
}

/// A keyboard-interactive prompt.
pub fn kbdint_prompt(user: &str, host: &str, prompt: &str) -> String {
    format!("({user}@{host}) {prompt}")
}

/// A password change: the old password.
pub fn old_password_prompt(user: &str, host: &str) -> String {
    format!("Enter {user}@{host}'s old password: ")
}

/// A password change: the new password.
pub fn new_password_prompt(user: &str, host: &str) -> String {
    format!("Enter {user}@{host}'s new password: ")
}

/// A password change: the new password again.
pub fn retype_password_prompt(user: &str, host: &str) -> String {
    format!("Retype {user}@{host}'s new password: ")
}

/// The two new passwords differ.
pub const PASSWORD_MISMATCH: &str = "Mismatch; try again, EOF to quit.";

/// A key file that cannot be read.
pub fn load_key_failed(path: &str, why: &str) -> String {
    format!("Load key \"{path}\": {why}")
}

/// A user-provided identity file that is missing at authentication time.
pub fn no_such_identity(path: &str, why: &str) -> String {
    format!("no such identity: {path}: {why}")
}

/// authfile.c: a private key file others can read.
pub fn unprotected_key(path: &str, mode: u32) -> Vec<String> {
    vec![
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@".to_owned(),
        "@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @".to_owned(),
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@".to_owned(),
        format!("Permissions 0{mode:o} for '{path}' are too open."),
        "It is required that your private key files are NOT accessible by others.".to_owned(),
        "This private key will be ignored.".to_owned(),
    ]
}

/// The reason OpenSSH gives for a key file it refuses for its permissions.
pub const BAD_PERMISSIONS: &str = "bad permissions";

/// ssh-agent connection trouble (authfd.c), shown at debug level by OpenSSH.
pub fn agent_error(why: &str) -> String {
    format!("Error connecting to agent: {why}")
}

// ---- sessions (clientloop.c, ssh.c) -----------------------------------------------------------

/// No pty for a piped stdin.
pub const NO_PTY_STDIN_NOT_TERMINAL: &str =
    "Pseudo-terminal will not be allocated because stdin is not a terminal.";

/// The pty session ended.
pub fn connection_closed(host: &str) -> String {
    format!("Connection to {host} closed.")
}

/// The server went away during a session.
pub fn connection_closed_by_remote(host: &str) -> String {
    format!("Connection to {host} closed by remote host.")
}

/// Reading from the server failed during a session (clientloop.c).
pub fn read_from_remote_failed(host: &str, why: &str) -> String {
    format!("Read from remote host {host}: {why}")
}

/// The server stopped answering keepalives.
pub fn server_not_responding(host: &str) -> String {
    format!("Timeout, server {host} not responding.")
}

/// A failed channel request on the session (clientloop.c `client_status_confirm`).
pub fn request_failed(what: &str, channel: u32) -> String {
    format!("{what} request failed on channel {channel}")
}

/// The server refused the session channel (channels.c).
pub fn channel_open_failed(channel: u32, reason: u32, description: &str) -> String {
    format!(
        "channel {channel}: open failed: {}: {description}",
        open_failure_reason(reason)
    )
}

/// ssh.c `ssh_stdio_confirm`.
pub fn stdio_forwarding_failed() -> &'static str {
    "stdio forwarding failed"
}

/// channels.c `reason2txt`.
pub fn open_failure_reason(reason: u32) -> &'static str {
    match reason {
        1 => "administratively prohibited",
        2 => "connect failed",
        3 => "unknown channel type",
        4 => "resource shortage",
        _ => "unknown reason",
    }
}

/// A remote signal at verbose level (clientloop.c reports only the exit status).
pub fn exit_status(code: i64) -> String {
    format!("Exit status {code}")
}

/// A local signal ended the session.
pub fn killed_by_signal(sig: i32) -> String {
    format!("Killed by signal {sig}.")
}

/// Bytes moved, at verbose level.
pub fn transferred(sent: u64, received: u64, seconds: f64) -> String {
    format!("Transferred: sent {sent}, received {received} bytes, in {seconds:.1} seconds")
}

// ---- escapes (clientloop.c process_escapes) ---------------------------------------------------

/// `~.`
pub fn escape_terminate(esc: u8) -> String {
    format!("{}.\r\n", esc as char)
}

/// `~^Z`
pub fn escape_suspend(esc: u8) -> String {
    format!("{}^Z [suspend ssh]\r\n", esc as char)
}

/// `~B`
pub fn escape_break(esc: u8) -> String {
    format!("{}B\r\n", esc as char)
}

/// `~V`/`~v`
pub fn escape_log_level(esc: u8, ch: u8, level: &str) -> String {
    format!("{}{} [LogLevel {level}]\r\n", esc as char, ch as char)
}

/// `~#` heading (the list follows).
pub fn escape_connections(esc: u8) -> String {
    format!("{}#\r\n", esc as char)
}

/// `~#`: channels.c `channel_open_message`.
pub fn open_connections(channels: &[String]) -> String {
    let mut s = String::from("The following connections are open:\r\n");
    for c in channels {
        s.push_str("  ");
        s.push_str(c);
        s.push_str("\r\n");
    }
    s
}

/// `~?`: the help. `C` is listed only when the command line is enabled (OpenSSH 9.2 hides it
/// otherwise); `&` is never listed, because oxssh cannot fork into the background.
pub fn escape_help(esc: u8, command_line: bool) -> String {
    let e = esc as char;
    let mut rows: Vec<(&str, &str)> = vec![
        (".", "terminate connection (and any multiplexed sessions)"),
        ("B", "send a BREAK to the remote system"),
    ];
    if command_line {
        rows.push(("C", "open a command line"));
    }
    rows.extend([
        ("R", "request rekey"),
        ("V/v", "decrease/increase verbosity (LogLevel)"),
        ("^Z", "suspend ssh"),
        ("#", "list forwarded connections"),
        ("?", "this message"),
    ]);
    let mut s = format!("{e}?\r\nSupported escape sequences:\r\n");
    for (cmd, text) in rows {
        s.push_str(&format!(" {e}{cmd:<3} - {text}\r\n"));
    }
    s.push_str(&format!(
        " {e}{e}   - send the escape character by typing it twice\r\n\
         (Note that escapes are only recognized immediately after newline.)\r\n"
    ));
    s
}

/// `~C` while `EnableEscapeCommandline` is off (the default).
pub const COMMAND_LINE_DISABLED: &str = "commandline disabled\r\n";

/// `~C`: the command line prompt.
pub const COMMAND_LINE_PROMPT: &str = "\r\nssh> ";
/// `~C` help.
pub const COMMAND_LINE_HELP: &[&str] = &[
    "Commands:",
    "      -L[bind_address:]port:host:hostport    Request local forward",
    "      -R[bind_address:]port:host:hostport    Request remote forward",
    "      -D[bind_address:]port                  Request dynamic forward",
    "      -KL[bind_address:]port                 Cancel local forward",
    "      -KR[bind_address:]port                 Cancel remote forward",
    "      -KD[bind_address:]port                 Cancel dynamic forward",
];
/// `~C` with something it does not know.
pub const INVALID_COMMAND: &str = "Invalid command.";
/// `~C -L...` with a bad specification.
pub const BAD_FORWARDING_SPEC: &str = "Bad forwarding specification.";
/// `~C` forward set up.
pub const FORWARDING_PORT: &str = "Forwarding port.";
/// `~C` forward failed.
pub const PORT_FORWARDING_FAILED: &str = "Port forwarding failed.";

// ---- forwarding (channels.c, clientloop.c) ----------------------------------------------------

/// A local listener could not be set up.
pub fn bind_failed(addr: &str, port: u16, why: &str) -> String {
    format!("bind [{addr}]:{port}: {why}")
}

/// channels.c when no address of a local forward could be bound.
pub fn cannot_listen(port: u16) -> String {
    format!("channel_setup_fwd_listener_tcpip: cannot listen to port: {port}")
}

/// No listener could be set up for a local forward.
pub fn could_not_request_local_forwarding() -> &'static str {
    "Could not request local forwarding."
}

/// The server refused a remote forward.
pub fn remote_forward_failed(port: u16) -> String {
    format!("Warning: remote port forwarding failed for listen port {port}")
}

/// With ExitOnForwardFailure.
pub fn remote_forward_failed_fatal(port: u16) -> String {
    format!("Error: remote port forwarding failed for listen port {port}")
}

/// A remote forward to port 0: the port the server picked.
pub fn allocated_port(port: u32, host: &str, connect_port: u16) -> String {
    format!("Allocated port {port} for remote forward to {host}:{connect_port}")
}

/// A forwarded connection the server opened could not be connected locally.
pub fn connect_to_failed(host: &str, port: u16) -> String {
    format!("connect_to {host} port {port}: failed.")
}

/// A local forward's channel was refused by the server.
pub fn forward_open_failed(channel: u32, reason: u32, description: &str) -> String {
    channel_open_failed(channel, reason, description)
}
