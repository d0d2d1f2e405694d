//! Every word oxssh-agent shows a user or writes to a log, in OpenSSH 9.2 ssh-agent's wording, so
//! "the same words as OpenSSH" can be checked in one place.
//!
//! Lines that OpenSSH writes through its log functions (`fatal`, `error`, `debug`) end in `\r\n`
//! when they go to a terminal; lines it writes with `printf`/`fprintf`/`perror` end in `\n`. The
//! functions here return the text without the ending; [`crate::log`] and the callers add it.

/// The environment variable for the socket.
pub const AUTH_SOCK: &str = "SSH_AUTH_SOCK";
/// The environment variable for the agent's process id.
pub const AGENT_PID: &str = "SSH_AGENT_PID";

/// `usage()`, printed to stderr before exiting with status 1.
pub const USAGE: &str = "\
usage: ssh-agent [-c | -s] [-Dd] [-a bind_address] [-E fingerprint_hash]
                 [-O option] [-P allowed_providers] [-t life]
       ssh-agent [-a bind_address] [-E fingerprint_hash] [-O option]
                 [-P allowed_providers] [-t life] command [arg ...]
       ssh-agent [-c | -s] -k
";

/// getopt's complaint about an unknown flag.
pub fn unknown_option(c: char) -> String {
    format!("unknown option -- {c}")
}

/// getopt's complaint about a flag without its value.
pub fn option_requires_argument(c: char) -> String {
    format!("option requires an argument -- {c}")
}

/// `-t` with a value `convtime` refuses.
pub const INVALID_LIFETIME: &str = "Invalid lifetime";

/// `-E` with an unknown digest (fatal).
pub fn invalid_hash(name: &str) -> String {
    format!("Invalid hash algorithm \"{name}\"")
}

/// `-E` with a digest OpenSSH knows but oxssh-keys does not fingerprint with (fatal).
pub fn unsupported_hash(name: &str) -> String {
    format!("Fingerprint hash \"{name}\" is not supported by oxssh-agent (use sha256 or md5)")
}

/// `-O` with anything but `no-restrict-websafe` (fatal).
pub const UNKNOWN_O_OPTION: &str = "Unknown -O option";

/// `-P` given twice (fatal).
pub const P_TWICE: &str = "-P option already specified";

/// `-k` without `SSH_AGENT_PID`.
pub const KILL_NO_PID: &str = "SSH_AGENT_PID not set, cannot kill agent";

/// `-k` with an unusable `SSH_AGENT_PID`; `why` is strtonum's "invalid", "too small" or "too large".
pub fn kill_bad_pid(value: &str, why: &str) -> String {
    format!("{AGENT_PID}=\"{value}\", which is not a good PID: {why}")
}

/// `perror("kill")`.
pub fn kill_failed(why: &str) -> String {
    format!("kill: {why}")
}

/// What `-k` prints for the shell to evaluate.
pub fn killed(csh: bool, pid: i32) -> String {
    let unset = if csh { "unsetenv" } else { "unset" };
    format!("{unset} {AUTH_SOCK};\n{unset} {AGENT_PID};\necho Agent pid {pid} killed;\n")
}

/// What a started agent prints for the shell to evaluate. `agent_pid` is absent with `-d`/`-D`,
/// where OpenSSH prints no `SSH_AGENT_PID` line (the agent is the printing process itself).
pub fn started(csh: bool, socket: &str, agent_pid: Option<u32>, echo_pid: u32) -> String {
    let set = |name: &str, value: &str| {
        if csh {
            format!("setenv {name} {value};\n")
        } else {
            format!("{name}={value}; export {name};\n")
        }
    };
    let mut out = set(AUTH_SOCK, socket);
    if let Some(pid) = agent_pid {
        out.push_str(&set(AGENT_PID, &pid.to_string()));
    }
    out.push_str(&format!("echo Agent pid {echo_pid};\n"));
    out
}

/// `perror("mkdtemp: private socket dir")`.
pub fn mkdtemp_failed(why: &str) -> String {
    format!("mkdtemp: private socket dir: {why}")
}

/// misc.c `unix_listener`: the path does not fit in `sun_path`.
pub fn socket_path_too_long(path: &str) -> String {
    format!("unix_listener: path \"{path}\" too long for Unix domain socket")
}

/// misc.c `unix_listener`: bind failed.
pub fn cannot_bind(path: &str, why: &str) -> String {
    format!("unix_listener: cannot bind to path {path}: {why}")
}

/// The agent could not start its background process (OpenSSH: `perror("fork")`).
pub fn fork_failed(why: &str) -> String {
    format!("fork: {why}")
}

/// `perror(av[0])` after the command could not be run.
pub fn exec_failed(command: &str, why: &str) -> String {
    format!("{command}: {why}")
}

/// `setsid` failed in the background agent.
pub fn setsid_failed(why: &str) -> String {
    format!("setsid: {why}")
}

/// The background agent was started without its listening socket (only by hand).
pub const NO_INHERITED_SOCKET: &str = "internal error: no listening socket on standard input";

/// The signal handlers could not be installed (fatal for the agent).
pub const NO_SIGNAL_HANDLERS: &str = "cannot install signal handlers";

/// accept(2) failed.
pub fn accept_failed(why: &str) -> String {
    format!("accept from AUTH_SOCKET: {why}")
}

/// The peer's credentials could not be read.
pub fn getpeereid_failed(why: &str) -> String {
    format!("getpeereid failed: {why}")
}

/// strtonum's complaints about `SSH_AGENT_PID`.
pub mod strtonum {
    /// Not a number.
    pub const INVALID: &str = "invalid";
    /// Below the minimum.
    pub const TOO_SMALL: &str = "too small";
    /// Above the maximum.
    pub const TOO_LARGE: &str = "too large";
}

/// A connection from another user was refused (ssh-agent.c `handle_socket_read`).
pub fn uid_mismatch(peer: u32, own: u32) -> String {
    format!("uid mismatch: peer euid {peer} != uid {own}")
}

/// The confirmation question (ssh-agent.c `confirm_key`), shown by `ssh-askpass`.
pub fn confirm_prompt(comment: &str, fingerprint: &str) -> String {
    format!("Allow use of key {comment}?\nKey fingerprint {fingerprint}.")
}

/// Debug lines (`-d`).
pub mod debug {
    /// A new connection.
    pub fn new_connection() -> String {
        "new_socket: type = CONNECTION".to_owned()
    }

    /// A request arrived.
    pub fn message(kind: u8) -> String {
        format!("process_message: type {kind}")
    }

    /// A message over the size limit closes the connection.
    pub fn too_long(len: usize) -> String {
        format!("process_message: message too long {len} > 262144")
    }

    /// An unknown request type.
    pub fn unknown_message(kind: u8) -> String {
        format!("Unknown message {kind}")
    }

    /// A request that could not be parsed.
    pub fn parse_failed(what: &str, why: &str) -> String {
        format!("{what}: parse: {why}")
    }

    /// IDENTITIES_ANSWER.
    pub fn identities(count: usize) -> String {
        format!(
            "process_request_identities: replying with {count} allowed of {count} available keys"
        )
    }

    /// A key was added.
    pub fn added(
        key_type: &str,
        fingerprint: &str,
        comment: &str,
        life: u32,
        confirm: bool,
    ) -> String {
        format!(
            "process_add_identity: add {key_type} {fingerprint} \"{comment}\" (life: {life}) (confirm: {}) (provider: none) (destination constraints: 0)",
            u8::from(confirm)
        )
    }

    /// A constraint oxssh-agent does not implement; the key is refused rather than held without it.
    pub fn unsupported_constraint(name: &str) -> String {
        format!("parse_key_constraints: unsupported constraint \"{name}\"")
    }

    /// A sign request for a key the agent does not hold.
    pub fn key_not_found(key_type: &str) -> String {
        format!("process_sign_request2: {key_type} key not found")
    }

    /// The user said no (or no askpass could ask).
    pub const USER_REFUSED: &str = "process_sign_request2: user refused key";

    /// Signing failed.
    pub fn sign_failed(why: &str) -> String {
        format!("process_sign_request2: sshkey_sign: {why}")
    }

    /// REMOVE_IDENTITY for an unknown key.
    pub const REMOVE_NOT_FOUND: &str = "process_remove_identity: key not found";

    /// A key's lifetime ran out.
    pub fn expiring(comment: &str) -> String {
        format!("expiring key '{comment}'")
    }

    /// LOCK with an empty passphrase.
    pub const EMPTY_PASSWORD: &str = "empty password not supported";
    /// The agent was locked.
    pub const LOCKED: &str = "agent locked";
    /// The agent was unlocked.
    pub const UNLOCKED: &str = "agent unlocked";

    /// A wrong unlock passphrase and the delay before the answer.
    pub fn unlock_failed(delay_tenths: u32) -> String {
        format!(
            "unlock failed, delaying {}.{} seconds",
            delay_tenths / 10,
            delay_tenths % 10
        )
    }

    /// session-bind@openssh.com was recorded.
    pub fn session_bound(key_type: &str, fingerprint: &str, slot: usize) -> String {
        format!("process_ext_session_bind: recorded {key_type} {fingerprint} (slot {slot} of 16)")
    }

    /// session-bind@openssh.com was refused.
    pub fn session_bind_refused(why: &str) -> String {
        format!("process_ext_session_bind: {why}")
    }

    /// Why session-bind@openssh.com was refused.
    pub mod bind {
        /// The host key did not parse.
        pub const BAD_HOST_KEY: &str = "parse: invalid host key";
        /// An empty or over-long session identifier.
        pub const BAD_SESSION_ID: &str = "bad session ID length";
        /// The signature is not of the host key's type.
        pub const WRONG_SIGNATURE_TYPE: &str = "sshkey_verify: unexpected signature type";
        /// The signature does not verify.
        pub const BAD_SIGNATURE: &str = "sshkey_verify: incorrect signature";
        /// The connection was already bound for authentication.
        pub const ALREADY_BOUND: &str =
            "attempt to bind session ID to socket previously bound for authentication attempt";
        /// The same session identifier with another host key.
        pub const OTHER_KEY: &str = "session ID recorded against different key";
        /// More than 16 bindings.
        pub const TOO_MANY: &str = "too many session IDs recorded";
    }

    /// A request that could not be parsed, by type.
    pub fn request_of_type(kind: u8) -> String {
        format!("process_message type {kind}")
    }

    /// An extension the agent does not implement.
    pub fn unsupported_extension(name: &str) -> String {
        format!("process_extension: unsupported extension \"{name}\"")
    }

    /// Shutting down.
    pub const CLEANUP: &str = "cleanup_socket: cleanup";

    /// The command the agent was started for has exited.
    pub const PARENT_GONE: &str = "parent has exited; agent exiting";
}
