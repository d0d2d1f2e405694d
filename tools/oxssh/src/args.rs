//! The command line, parsed the way ssh.c's getopt loop does: clustered flags (`-vvv`, `-4Ai id`),
//! attached values (`-p22`, `-oUser=bob`), options after the destination (ssh restarts getopt there),
//! and everything from the first word after the destination on taken raw as the remote command.
//!
//! Most options end up as configuration lines for oxssh-config. Two kinds are distinguished because
//! OpenSSH treats them differently: flags that *assign* a setting (`-t`, `-4`, `-c`, `-J` …) override
//! anything from `-o` or the files and the last one wins, so they go first; options that behave like
//! configuration lines (`-o`, `-p`, `-l`, `user@`, `-i`) keep "first value wins" and their order.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use oxssh_config::Environment;
use oxssh_config::client::CommandLineForward;
use oxssh_config::forward::{parse_forward, parse_jump_host};

use crate::messages;

/// What `ssh -t`/`-T` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TtyFlag {
    /// Neither given.
    #[default]
    Unset,
    /// `-T`.
    No,
    /// `-t`.
    Yes,
    /// `-tt`.
    Force,
}

/// `-W host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StdioForward {
    /// Host to connect to from the server.
    pub host: String,
    /// Port.
    pub port: u16,
}

/// The parsed command line.
#[derive(Debug, Clone, Default)]
pub struct Args {
    /// The destination as given (`host`, `user@host` or `ssh://user@host:port`), host part only.
    pub host: String,
    /// The remote command (arguments joined by spaces), if any words followed the destination.
    pub command: Option<Vec<u8>>,
    /// Configuration lines, in the order they must be applied.
    pub options: Vec<String>,
    /// `-i` files that exist (tilde-expanded), which OpenSSH marks "explicit".
    pub identity_files: Vec<String>,
    /// `-F`.
    pub config_file: Option<String>,
    /// `-E`.
    pub log_file: Option<String>,
    /// How many `-v`.
    pub verbosity: u8,
    /// `-q`.
    pub quiet: bool,
    /// `-G`.
    pub dump_config: bool,
    /// `-W`.
    pub stdio_forward: Option<StdioForward>,
    /// `-L`, `-R`, `-D`, in order.
    pub forwards: Vec<CommandLineForward>,
    /// `-t`/`-T`.
    pub tty: TtyFlag,
}

/// The result of parsing: run, or stop at once with an exit status (after printing what OpenSSH
/// prints: usage, version, an error).
#[derive(Debug)]
pub enum Parsed {
    /// Connect.
    Run(Box<Args>),
    /// Print these lines to stderr and exit with this status.
    Exit {
        /// Lines (each printed with a newline).
        lines: Vec<String>,
        /// Exit status.
        status: i32,
    },
    /// `-Q`: print to stdout and exit 0.
    Query(String),
}

fn exit(lines: Vec<String>, status: i32) -> Parsed {
    Parsed::Exit { lines, status }
}

/// A line OpenSSH prints with `fatal()` (log.c ends it in CR LF) rather than `fprintf`; the
/// caller adds the LF.
fn fatal_line(text: impl Into<String>) -> String {
    let mut s = text.into();
    s.push('\r');
    s
}

/// Stops with a `fatal()` line.
fn fatal(text: impl Into<String>) -> Parsed {
    exit(vec![fatal_line(text)], 255)
}

fn usage_with(mut lines: Vec<String>) -> Parsed {
    lines.push(messages::USAGE.trim_end().to_owned());
    exit(lines, 255)
}

/// Quotes a value for a configuration line, so spaces and `#` survive ssh_config's tokenizer.
fn quote(value: &str) -> String {
    if value
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\'' && b != b'#' && b != b'=')
    {
        value.to_owned()
    } else {
        format!("\"{}\"", value.replace('"', ""))
    }
}

/// OpenSSH `a2port` for `-p`: 1..=65535 or a service name.
fn port_arg(s: &str, env: &dyn Environment) -> Option<u16> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<u16>().ok().filter(|p| *p > 0);
    }
    env.service_port(s).filter(|p| *p > 0)
}

/// ssh.c `parse_ssh_uri` then the `user@host` split: (user, host, port).
fn split_destination(
    dest: &str,
    env: &dyn Environment,
) -> Option<(Option<String>, String, Option<u16>)> {
    if dest.starts_with("ssh://") {
        let j = parse_jump_host(dest, env)?;
        return Some((j.user, j.host, j.port));
    }
    match dest.rfind('@') {
        Some(0) => None,
        Some(at) => Some((Some(dest[..at].to_owned()), dest[at + 1..].to_owned(), None)),
        None => Some((None, dest.to_owned(), None)),
    }
}

fn lossy(os: &OsString) -> String {
    String::from_utf8_lossy(os.as_bytes()).into_owned()
}

/// Where `-e` puts the escape character: `^X` notation, one character, or `none`.
fn escape_value(arg: &str) -> Option<String> {
    let b = arg.as_bytes();
    if b.len() == 2 && b[0] == b'^' && (64..128).contains(&b[1]) {
        return Some(arg.to_owned());
    }
    if arg.chars().count() == 1 || arg == "none" {
        return Some(arg.to_owned());
    }
    None
}

/// Parses `argv` (without the program name).
pub fn parse(argv: Vec<OsString>, env: &dyn Environment, known: &KnownNames) -> Parsed {
    let mut p = lexopt::Parser::from_args(argv);
    let mut a = Args::default();
    // Flags that assign (applied first, last one wins).
    let mut assign: Vec<(&'static str, String)> = Vec::new();
    let set = |assign: &mut Vec<(&'static str, String)>, key: &'static str, v: String| {
        assign.retain(|(k, _)| *k != key);
        assign.push((key, v));
    };
    // Lines that keep their order (first wins).
    let mut ordered: Vec<String> = Vec::new();
    let mut host: Option<String> = None;
    let mut jump_given = false;
    let mut session: Option<&'static str> = None;
    let mut warnings = Vec::new();
    loop {
        let arg = match p.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(lexopt::Error::MissingValue { option }) => {
                let c = oxssh_cli::args::missing_value_letter(option.as_deref());
                return usage_with(vec![fatal_line(messages::option_requires_argument(c))]);
            }
            Err(_) => return usage_with(vec![fatal_line(messages::unknown_option('-'))]),
        };
        let short = match arg {
            lexopt::Arg::Short(c) => c,
            lexopt::Arg::Long(_) => {
                return usage_with(vec![fatal_line(messages::unknown_option('-'))]);
            }
            lexopt::Arg::Value(v) => {
                if host.is_none() {
                    host = Some(lossy(&v));
                    let Some((user, h, port)) = split_destination(&lossy(&v), env) else {
                        return usage_with(Vec::new());
                    };
                    if let Some(u) = user {
                        ordered.push(format!("User={}", quote(&u)));
                    }
                    if let Some(port) = port {
                        ordered.push(format!("Port={port}"));
                    }
                    a.host = h;
                    continue;
                }
                // The first word after the destination starts the command; the rest is raw.
                let mut words = vec![v];
                words.extend(oxssh_cli::args::remaining(&mut p));
                let mut command = Vec::new();
                for (i, w) in words.into_iter().enumerate() {
                    if i > 0 {
                        command.push(b' ');
                    }
                    command.extend_from_slice(&w.into_vec());
                }
                a.command = Some(command);
                break;
            }
        };
        const WITH_VALUE: &str = "bceilmopBDEFIJLOQRSwW";
        let value = if WITH_VALUE.contains(short) {
            match p.value() {
                Ok(v) => Some(lossy(&v)),
                Err(_) => {
                    return usage_with(vec![fatal_line(messages::option_requires_argument(short))]);
                }
            }
        } else {
            None
        };
        let v = value.clone().unwrap_or_default();
        match short {
            '1' => return fatal(messages::PROTOCOL_1),
            '2' | 'P' | 'k' | 'K' | 'x' => {}
            '4' => set(&mut assign, "AddressFamily", "inet".into()),
            '6' => set(&mut assign, "AddressFamily", "inet6".into()),
            'n' => set(&mut assign, "StdinNull", "yes".into()),
            'f' => {
                set(&mut assign, "ForkAfterAuthentication", "yes".into());
                set(&mut assign, "StdinNull", "yes".into());
            }
            'X' | 'Y' => set(&mut assign, "ForwardX11", "yes".into()),
            'g' => set(&mut assign, "GatewayPorts", "yes".into()),
            'a' => set(&mut assign, "ForwardAgent", "no".into()),
            'A' => set(&mut assign, "ForwardAgent", "yes".into()),
            'C' => set(&mut assign, "Compression", "yes".into()),
            'M' => set(&mut assign, "ControlMaster", "yes".into()),
            'S' => set(&mut assign, "ControlPath", quote(&v)),
            'y' => return fatal(messages::not_supported("Logging to syslog (-y)")),
            'w' => return fatal(messages::not_supported("Tunnel forwarding (-w)")),
            'O' => return fatal(messages::not_supported("Connection multiplexing (-O)")),
            'I' => warnings.push("no support for PKCS#11.".to_owned()),
            'E' => a.log_file = Some(v),
            'F' => a.config_file = Some(v),
            'G' => a.dump_config = true,
            'V' => return exit(vec![messages::version()], 0),
            'q' => {
                a.quiet = true;
                a.verbosity = 0;
            }
            'v' => {
                a.quiet = false;
                a.verbosity = (a.verbosity + 1).min(3);
            }
            't' => {
                a.tty = if a.tty == TtyFlag::Yes {
                    TtyFlag::Force
                } else {
                    TtyFlag::Yes
                }
            }
            'T' => a.tty = TtyFlag::No,
            'N' => {
                if session == Some("subsystem") {
                    return fatal(messages::N_WITH_S);
                }
                session = Some("none");
                a.tty = TtyFlag::No;
            }
            's' => {
                if session == Some("none") {
                    return fatal(messages::S_WITH_N);
                }
                session = Some("subsystem");
            }
            'Q' => return query(&v, known),
            'e' => match escape_value(&v) {
                Some(e) => set(&mut assign, "EscapeChar", quote(&e)),
                None => return exit(vec![messages::bad_escape_char(&v)], 255),
            },
            'c' => {
                let names = v.trim_start_matches(['+', '^']);
                if names
                    .split(',')
                    .any(|n| !known.ciphers.iter().any(|k| k == n))
                {
                    return exit(vec![messages::unknown_cipher(&v)], 255);
                }
                set(&mut assign, "Ciphers", v);
            }
            'm' => {
                if v.split(',').any(|n| !known.macs.iter().any(|k| k == n)) {
                    return exit(vec![messages::unknown_mac(&v)], 255);
                }
                set(&mut assign, "MACs", v);
            }
            'p' => match port_arg(&v, env) {
                Some(port) => ordered.push(format!("Port={port}")),
                None => return exit(vec![messages::bad_port(&v)], 255),
            },
            'l' => ordered.push(format!("User={}", quote(&v))),
            'o' => ordered.push(v),
            'i' => {
                let path = oxssh_config::tokens::expand_tilde(&v, env).unwrap_or(v.clone());
                match std::fs::metadata(&path) {
                    Ok(_) => {
                        a.identity_files.push(path.clone());
                        ordered.push(format!("IdentityFile={}", quote(&path)));
                    }
                    Err(e) => warnings.push(messages::identity_not_accessible(
                        &path,
                        &oxssh_tokio::connect::error_text(&e),
                    )),
                }
            }
            'J' => {
                if jump_given {
                    return fatal(messages::SINGLE_J);
                }
                if v.split(',').any(|hop| parse_jump_host(hop, env).is_none()) && v != "none" {
                    return fatal(messages::INVALID_J);
                }
                jump_given = true;
                set(&mut assign, "ProxyJump", v);
                set(&mut assign, "ProxyCommand", "none".into());
            }
            'W' => {
                if a.stdio_forward.is_some() {
                    return fatal(messages::STDIO_FORWARD_TWICE);
                }
                match parse_forward(&v, true, false, env) {
                    Some(f) if f.listen_host.is_some() => {
                        a.stdio_forward = Some(StdioForward {
                            host: f.listen_host.unwrap_or_default(),
                            port: f.listen_port,
                        });
                        a.tty = TtyFlag::No;
                        session = Some("none");
                    }
                    _ => return exit(vec![messages::bad_stdio_forward(&v)], 255),
                }
            }
            'L' => match parse_forward(&v, false, false, env) {
                Some(f) => a.forwards.push(CommandLineForward::Local(f)),
                None => return exit(vec![messages::bad_local_forward(&v)], 255),
            },
            'R' => match parse_forward(&v, false, true, env)
                .or_else(|| parse_forward(&v, true, true, env))
            {
                Some(f) => a.forwards.push(CommandLineForward::Remote(f)),
                None => return exit(vec![messages::bad_remote_forward(&v)], 255),
            },
            'D' => match parse_forward(&v, true, false, env) {
                Some(f) => a.forwards.push(CommandLineForward::Dynamic(f)),
                None => return exit(vec![messages::bad_dynamic_forward(&v)], 255),
            },
            'b' => set(&mut assign, "BindAddress", quote(&v)),
            'B' => set(&mut assign, "BindInterface", quote(&v)),
            other => return usage_with(vec![fatal_line(messages::unknown_option(other))]),
        }
    }
    let Some(_) = host else {
        return usage_with(warnings);
    };
    if session == Some("subsystem") && a.command.is_none() {
        let mut lines = warnings;
        lines.push(messages::NO_SUBSYSTEM.to_owned());
        return usage_with(lines);
    }
    if let Some(s) = session {
        set(&mut assign, "SessionType", s.to_owned());
    }
    match a.tty {
        TtyFlag::Unset => {}
        TtyFlag::No => set(&mut assign, "RequestTTY", "no".into()),
        TtyFlag::Yes => set(&mut assign, "RequestTTY", "yes".into()),
        TtyFlag::Force => set(&mut assign, "RequestTTY", "force".into()),
    }
    if a.quiet {
        set(&mut assign, "LogLevel", "QUIET".into());
    } else if a.verbosity > 0 {
        let level = ["DEBUG1", "DEBUG2", "DEBUG3"][usize::from(a.verbosity - 1)];
        set(&mut assign, "LogLevel", level.into());
    }
    a.options = assign
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .chain(ordered)
        .collect();
    if !warnings.is_empty() {
        // Printed at once, like OpenSSH's fprintf(stderr) during option parsing.
        for w in &warnings {
            eprintln!("{w}");
        }
    }
    Parsed::Run(Box::new(a))
}

/// Algorithm names `-c`, `-m` and `-Q` need.
#[derive(Debug, Clone, Default)]
pub struct KnownNames {
    /// Cipher names.
    pub ciphers: Vec<String>,
    /// MAC names.
    pub macs: Vec<String>,
    /// Key exchange names.
    pub kex: Vec<String>,
    /// Key type names.
    pub keys: Vec<String>,
    /// Signature algorithm names.
    pub sigs: Vec<String>,
}

/// `ssh -Q`.
fn query(what: &str, known: &KnownNames) -> Parsed {
    let lower = what.to_ascii_lowercase();
    let list: Vec<String> = match lower.as_str() {
        "cipher" | "ciphers" => known.ciphers.clone(),
        "cipher-auth" => known
            .ciphers
            .iter()
            .filter(|c| c.contains("gcm") || c.contains("poly1305"))
            .cloned()
            .collect(),
        "mac" | "macs" => known.macs.clone(),
        "kex" | "kexalgorithms" => known.kex.clone(),
        "key" | "key-plain" => known.keys.clone(),
        "key-cert" => Vec::new(),
        "key-sig"
        | "pubkeyacceptedkeytypes"
        | "pubkeyacceptedalgorithms"
        | "hostkeyalgorithms"
        | "hostbasedkeytypes"
        | "hostbasedacceptedkeytypes"
        | "hostbasedacceptedalgorithms"
        | "sig" => known.sigs.clone(),
        "protocol-version" => vec!["2".to_owned()],
        "compression" => vec!["none".to_owned(), "zlib@openssh.com".to_owned()],
        "help" => [
            "cipher",
            "cipher-auth",
            "compression",
            "kex",
            "key",
            "key-cert",
            "key-plain",
            "key-sig",
            "mac",
            "protocol-version",
            "sig",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect(),
        _ => return fatal(format!("Unsupported query \"{what}\"")),
    };
    Parsed::Query(list.join("\n"))
}

#[cfg(test)]
mod tests;
