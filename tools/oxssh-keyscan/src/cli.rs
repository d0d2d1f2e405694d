//! The command line, parsed as ssh-keyscan's getopt string `cDHv46p:T:t:f:` is (plus `-q`): flags may be
//! clustered (`-vH`), values attached (`-p2222`) or separate, and option parsing stops at the first
//! host, so `host -T 1` scans a host named `-T`.

use std::ffi::OsString;

use crate::messages as msg;
use crate::types::KeyKind;

/// Which address families to use.
pub use oxssh_tokio::connect::AddressFamily;

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `-4` / `-6`.
    pub family: AddressFamily,
    /// `-p`: the port to connect to.
    pub port: u16,
    /// `-T`: seconds without progress before a connection is given up.
    pub timeout_secs: u64,
    /// `-t`: the key types to ask for, in OpenSSH's scanning order.
    pub key_kinds: Vec<KeyKind>,
    /// `-H`: hash the host names in the output.
    pub hash: bool,
    /// `-D`: print SSHFP resource records instead of known_hosts lines.
    pub sshfp: bool,
    /// `-q`: no comment lines on stderr (older OpenSSH releases' flag; 9.2 refuses it, we accept it).
    pub quiet: bool,
    /// `-v` count (at most 3).
    pub verbose: u8,
    /// `-f`: files of hosts, in order; `None` is standard input (`-f -`).
    pub files: Vec<Option<String>>,
    /// Hosts (or "addrlist namelist" strings) from the command line.
    pub hosts: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            family: AddressFamily::Any,
            port: 22,
            timeout_secs: 5,
            key_kinds: KeyKind::DEFAULT.to_vec(),
            hash: false,
            sshfp: false,
            quiet: false,
            verbose: 0,
            files: Vec::new(),
            hosts: Vec::new(),
        }
    }
}

/// Why the command line was refused: the lines to print and the exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Text for stderr (each line ends with a newline).
    pub stderr: String,
    /// The exit status (1 for usage errors, 255 for OpenSSH's `fatal`).
    pub status: i32,
}

impl Refusal {
    /// The usage text, after an optional complaint. OpenSSH's getopt complains through the logger,
    /// so the complaint ends in CR LF and the usage text in LF.
    fn usage(program: &str, before: Option<String>) -> Self {
        let mut stderr = before.map(|l| l + msg::LOG_EOL).unwrap_or_default();
        stderr.push_str(&msg::usage(program));
        Self { stderr, status: 1 }
    }

    /// The usage text after a plain `fprintf` complaint (`Bad timeout`).
    fn usage_after_line(program: &str, before: String) -> Self {
        Self {
            stderr: before + "\n" + &msg::usage(program),
            status: 1,
        }
    }

    /// A plain `fprintf` line.
    fn line(text: String, status: i32) -> Self {
        Self {
            stderr: text + "\n",
            status,
        }
    }

    /// A `fatal()` line through OpenSSH's logger: CR LF, exit 255.
    fn fatal(text: String) -> Self {
        Self {
            stderr: text + msg::LOG_EOL,
            status: 255,
        }
    }
}

/// OpenSSH's `a2port`: a number from 1 to 65535 or the `ssh` service name.
fn parse_port(value: &str) -> Option<u16> {
    if value == "ssh" {
        return Some(22);
    }
    value.trim_start().parse::<u16>().ok().filter(|&p| p > 0)
}

/// Parses the `-t` list: comma-separated, empty names skipped (strtok), the last `-t` wins.
fn parse_key_kinds(list: &str) -> Result<Vec<KeyKind>, Refusal> {
    let mut wanted = Vec::new();
    for name in list.split(',').filter(|n| !n.is_empty()) {
        let kind =
            KeyKind::from_name(name).ok_or_else(|| Refusal::fatal(msg::unknown_key_type(name)))?;
        if !wanted.contains(&kind) {
            wanted.push(kind);
        }
    }
    // Connections are made in OpenSSH's bit order, whatever order -t named them in.
    wanted.sort();
    Ok(wanted)
}

/// Parses the arguments after the program name.
pub fn parse(program: &str, args: Vec<OsString>) -> Result<Options, Refusal> {
    use lexopt::prelude::*;

    if args.is_empty() {
        return Err(Refusal::usage(program, None));
    }
    let mut options = Options::default();
    let mut parser = lexopt::Parser::from_args(args);
    let text = |v: OsString| v.to_string_lossy().into_owned();
    loop {
        let arg = match parser.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(lexopt::Error::MissingValue { option }) => {
                let flag = option.unwrap_or_default();
                let flag = flag.trim_start_matches('-');
                return Err(Refusal::usage(program, Some(msg::missing_argument(flag))));
            }
            Err(_) => return Err(Refusal::usage(program, None)),
        };
        let value = |parser: &mut lexopt::Parser, flag: char| -> Result<String, Refusal> {
            parser.value().map(text).map_err(|_| {
                Refusal::usage(program, Some(msg::missing_argument(&flag.to_string())))
            })
        };
        match arg {
            Short('H') => options.hash = true,
            Short('c') => {
                return Err(Refusal::line(msg::certificates_unsupported(program), 1));
            }
            Short('D') => options.sshfp = true,
            Short('q') => options.quiet = true,
            Short('4') => options.family = AddressFamily::Inet,
            Short('6') => options.family = AddressFamily::Inet6,
            Short('v') => {
                if options.verbose >= 3 {
                    return Err(Refusal::fatal(msg::TOO_HIGH_DEBUG.to_owned()));
                }
                options.verbose += 1;
            }
            Short('p') => {
                let v = value(&mut parser, 'p')?;
                options.port = parse_port(&v).ok_or_else(|| Refusal::line(msg::bad_port(&v), 1))?;
            }
            Short('T') => {
                let v = value(&mut parser, 'T')?;
                match oxssh_config::values::parse_time(&v) {
                    Some(secs) if secs > 0 => options.timeout_secs = secs,
                    _ => return Err(Refusal::usage_after_line(program, msg::bad_timeout(&v))),
                }
            }
            Short('t') => options.key_kinds = parse_key_kinds(&value(&mut parser, 't')?)?,
            Short('f') => {
                let v = value(&mut parser, 'f')?;
                options.files.push((v != "-").then_some(v));
            }
            Short(c) => {
                return Err(Refusal::usage(
                    program,
                    Some(msg::unknown_option(&c.to_string())),
                ));
            }
            Long(name) => {
                // getopt reports the first letter after "--"... OpenSSH's getopt has no long options
                // at all, so "--x" is "-", "-", "x": the second '-' is the unknown one.
                let _ = name;
                return Err(Refusal::usage(program, Some(msg::unknown_option("-"))));
            }
            Value(host) => {
                // The first host ends option parsing (BSD getopt).
                options.hosts.push(text(host));
                for rest in parser
                    .raw_args()
                    .map_err(|_| Refusal::usage(program, None))?
                {
                    options.hosts.push(text(rest));
                }
                break;
            }
        }
    }
    if options.hosts.is_empty() && options.files.is_empty() {
        return Err(Refusal::usage(program, None));
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Options, Refusal> {
        parse("ssh-keyscan", args.iter().map(OsString::from).collect())
    }

    #[test]
    fn flags_cluster_and_values_attach() {
        let o = parse_str(&["-vH4p2222", "-T", "1m", "-t", "rsa,ed25519", "h1", "h2"]).unwrap();
        assert_eq!(o.verbose, 1);
        assert!(o.hash);
        assert_eq!(o.family, AddressFamily::Inet);
        assert_eq!(o.port, 2222);
        assert_eq!(o.timeout_secs, 60);
        assert_eq!(o.key_kinds, vec![KeyKind::Rsa, KeyKind::Ed25519]);
        assert_eq!(o.hosts, vec!["h1", "h2"]);
    }

    #[test]
    fn options_stop_at_the_first_host() {
        let o = parse_str(&["h", "-T", "1"]).unwrap();
        assert_eq!(o.hosts, vec!["h", "-T", "1"]);
        assert_eq!(o.timeout_secs, 5);
    }

    #[test]
    fn defaults_are_openssh_9_2s() {
        let o = parse_str(&["h"]).unwrap();
        assert_eq!(o.key_kinds, KeyKind::DEFAULT.to_vec());
        assert_eq!(o.port, 22);
    }

    #[test]
    fn refusals_use_openssh_words_and_statuses() {
        let r = parse_str(&["-p", "0", "h"]).unwrap_err();
        assert_eq!((r.stderr.as_str(), r.status), ("Bad port '0'\n", 1));
        let r = parse_str(&["-T", "0", "h"]).unwrap_err();
        assert!(
            r.stderr
                .starts_with("Bad timeout '0'\nusage: ssh-keyscan [-46cDHv]")
        );
        assert_eq!(r.status, 1);
        let r = parse_str(&["-t", "foo", "h"]).unwrap_err();
        assert_eq!(
            (r.stderr.as_str(), r.status),
            ("Unknown key type \"foo\"\r\n", 255)
        );
        let r = parse_str(&["-x", "h"]).unwrap_err();
        assert!(r.stderr.starts_with("unknown option -- x\r\nusage: "));
        let r = parse_str(&[]).unwrap_err();
        assert!(r.stderr.starts_with("usage: ssh-keyscan "));
        let r = parse_str(&["-H"]).unwrap_err();
        assert_eq!(r.status, 1);
        let r = parse_str(&["-vvvv", "h"]).unwrap_err();
        assert_eq!(r.status, 255);
    }

    #[test]
    fn last_t_wins_and_f_dash_is_stdin() {
        let o = parse_str(&["-t", "rsa", "-t", "ECDSA,,dsa", "-f", "-", "-f", "x"]).unwrap();
        assert_eq!(o.key_kinds, vec![KeyKind::Dsa, KeyKind::Ecdsa]);
        assert_eq!(o.files, vec![None, Some("x".to_owned())]);
    }
}
