//! Every word oxssh-keyscan shows a user, in one place, so "the same words as OpenSSH's ssh-keyscan"
//! can be checked here. Texts are taken from OpenSSH 9.2's ssh-keyscan.c and checked against the
//! installed binary; where OpenSSH prints nothing (a refused or timed-out connection, a host without
//! the requested key type) we print nothing either.
//!
//! Two kinds of lines go to stderr, as in OpenSSH: those printed with `fprintf` (usage, `Bad port`,
//! the `#` comments) end in `\n`; those that go through OpenSSH's logger (`error`, `fatal`, `debug`:
//! `getaddrinfo …`, `Unknown key type …`, `debug1: …`) end in `\r\n`, which [`LOG_EOL`] is.

/// The end of a line written through OpenSSH's logger to stderr (log.c `do_log`).
pub const LOG_EOL: &str = "\r\n";

/// The usage text (`usage()`), two lines, on stderr; exit status 1.
pub fn usage(program: &str) -> String {
    format!(
        "usage: {program} [-46cDHv] [-f file] [-p port] [-T timeout] [-t type]\n\
         \t\t   [host | addrlist namelist]\n"
    )
}

/// getopt's complaint about an unknown flag.
pub fn unknown_option(flag: &str) -> String {
    format!("unknown option -- {flag}")
}

/// getopt's complaint about a flag missing its value.
pub fn missing_argument(flag: &str) -> String {
    format!("option requires an argument -- {flag}")
}

/// `-p` with something that is not a port (exit 1).
pub fn bad_port(value: &str) -> String {
    format!("Bad port '{value}'")
}

/// `-T` with something that is not a positive time (followed by the usage, exit 1).
pub fn bad_timeout(value: &str) -> String {
    format!("Bad timeout '{value}'")
}

/// `-t` with a name that is not a key type (fatal, exit 255).
pub fn unknown_key_type(name: &str) -> String {
    format!("Unknown key type \"{name}\"")
}

/// `-v` given more than three times (fatal, exit 255).
pub const TOO_HIGH_DEBUG: &str = "Too high debugging level.";

/// `-f` naming a file that cannot be read (fatal, exit 255).
pub fn file_error(program: &str, path: &str, reason: &str) -> String {
    format!("{program}: {path}: {reason}")
}

/// `-c`: host certificates are not implemented (exit 1). OpenSSH has no such message.
pub fn certificates_unsupported(program: &str) -> String {
    format!("{program}: certificates (-c) are not supported")
}

/// A name that does not resolve (`tcpconnect`: one line per connection attempt).
pub fn getaddrinfo(host: &str, reason: &str) -> String {
    format!("getaddrinfo {host}: {reason}")
}

/// A connection attempt that failed at once for a reason other than a refusal or a timeout.
pub fn connect_failed(host: &str, reason: &str) -> String {
    format!("connect (`{host}'): {reason}")
}

/// The server closed the connection before its identification line.
pub fn closed_by_remote(host: &str) -> String {
    format!("{host}: Connection closed by remote host")
}

/// Reading the identification line failed.
pub fn read_failed(host: &str, reason: &str) -> String {
    format!("read ({host}): {reason}")
}

/// The identification line was not terminated where it had to be.
pub fn bad_greeting(host: &str) -> String {
    format!("{host}: bad greeting")
}

/// `-H` could not draw a salt (fatal, exit 255).
pub const HOST_HASH_FAILED: &str = "host_hash failed";

/// The comment line on stderr for every connection that got an SSH-2 identification: `#` (or `;`
/// with `-D`), the name connected to, the port and the server's identification.
pub fn greeting_comment(sshfp: bool, host: &str, port: u16, identification: &str) -> String {
    let mark = if sshfp { ';' } else { '#' };
    format!("{mark} {host}:{port} {identification}")
}

/// `-v`: a debug line, prefixed as OpenSSH's log prefixes them.
pub fn debug1(text: &str) -> String {
    format!("debug1: {text}")
}

/// `-v`: connecting to an address.
pub fn debug_connecting(host: &str, address: &str, port: u16) -> String {
    debug1(&format!("Connecting to {host} [{address}] port {port}."))
}

/// `-v`: the server's identification.
pub fn debug_remote_version(identification: &str) -> String {
    debug1(&format!(
        "Remote protocol version and software: {identification}"
    ))
}

/// `-v`: a server that does not speak SSH-2.
pub fn debug_not_ssh2(host: &str) -> String {
    debug1(&format!("{host} doesn't support ssh2"))
}

/// `-v`: the key exchange ended without a key.
pub fn debug_no_key(host: &str, key_type: &str, reason: &str) -> String {
    debug1(&format!("{host}: no {key_type} key: {reason}"))
}

/// `-v`: a key type we cannot scan for; the greeting is read but no key exchange is attempted.
pub fn debug_type_unsupported(key_type: &str) -> String {
    debug1(&format!(
        "key type {key_type} is not supported; reading the greeting only"
    ))
}
