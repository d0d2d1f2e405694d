//! The command line, parsed as ssh-agent's `getopt("cDdksE:a:O:P:t:")` does: flags may be grouped
//! (`-sD`), values may be attached (`-t1h`), and option parsing stops at the first word that is not
//! an option, which starts the command (`ssh-agent bash -c …` leaves `-c` to bash).

use std::ffi::OsString;

use oxssh_keys::FingerprintHash;

use crate::messages;

/// Which shell syntax to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Bourne shell (`-s`).
    Sh,
    /// C shell (`-c`).
    Csh,
    /// Neither given: csh if `$SHELL` ends in "csh", else sh.
    FromShell,
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// Output syntax.
    pub syntax: Syntax,
    /// `-d`: foreground with debug output.
    pub debug: bool,
    /// `-D`: foreground without debugging.
    pub foreground: bool,
    /// `-k`: kill the agent named by `SSH_AGENT_PID`.
    pub kill: bool,
    /// `-a`: the socket path instead of a fresh /tmp/ssh-XXXXXXXXXX/agent.PID.
    pub socket: Option<String>,
    /// `-t`: default key lifetime in seconds (0 = forever).
    pub lifetime: u32,
    /// `-E`: fingerprint hash for confirmation prompts and logs.
    pub hash: FingerprintHash,
    /// The command to run with the agent, if any.
    pub command: Vec<OsString>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            syntax: Syntax::FromShell,
            debug: false,
            foreground: false,
            kill: false,
            socket: None,
            lifetime: 0,
            hash: FingerprintHash::Sha256,
            command: Vec::new(),
        }
    }
}

impl Options {
    /// Whether to print csh syntax, given `$SHELL`.
    pub fn csh(&self, shell: Option<&str>) -> bool {
        match self.syntax {
            Syntax::Csh => true,
            Syntax::Sh => false,
            Syntax::FromShell => {
                self.command.is_empty() && shell.is_some_and(|s| s.len() > 2 && s.ends_with("csh"))
            }
        }
    }
}

pub use oxssh_cli::exit::Exit;

fn usage(first: Option<String>) -> Exit {
    Exit::usage(first, messages::USAGE)
}

fn fatal(line: &str) -> Exit {
    Exit::fatal(line)
}

/// Parses the arguments after the program name.
pub fn parse(args: Vec<OsString>) -> Result<Options, Exit> {
    let mut o = Options::default();
    let mut p = lexopt::Parser::from_args(args);
    let mut providers_given = false;
    loop {
        let arg = match p.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(lexopt::Error::MissingValue { option }) => {
                let c = oxssh_cli::args::missing_value_letter(option.as_deref());
                return Err(usage(Some(messages::option_requires_argument(c))));
            }
            Err(_) => return Err(usage(Some(messages::unknown_option('-')))),
        };
        let c = match arg {
            lexopt::Arg::Short(c) => c,
            lexopt::Arg::Long(_) => return Err(usage(Some(messages::unknown_option('-')))),
            lexopt::Arg::Value(v) => {
                o.command.push(v);
                o.command.extend(oxssh_cli::args::remaining(&mut p));
                break;
            }
        };
        let value = if "EaOPt".contains(c) {
            match p.value() {
                Ok(v) => Some(v.to_string_lossy().into_owned()),
                Err(_) => return Err(usage(Some(messages::option_requires_argument(c)))),
            }
        } else {
            None
        };
        let v = value.unwrap_or_default();
        match c {
            'c' if o.syntax == Syntax::Sh => return Err(usage(None)),
            'c' => o.syntax = Syntax::Csh,
            's' if o.syntax == Syntax::Csh => return Err(usage(None)),
            's' => o.syntax = Syntax::Sh,
            'd' | 'D' if o.debug || o.foreground => return Err(usage(None)),
            'd' => o.debug = true,
            'D' => o.foreground = true,
            'k' => o.kill = true,
            'a' => o.socket = Some(v),
            'E' => {
                o.hash = match FingerprintHash::from_name(&v) {
                    Some(h) => h,
                    None if ["sha1", "sha384", "sha512"]
                        .iter()
                        .any(|n| v.eq_ignore_ascii_case(n)) =>
                    {
                        return Err(fatal(&messages::unsupported_hash(&v)));
                    }
                    None => return Err(fatal(&messages::invalid_hash(&v))),
                }
            }
            'O' if v == "no-restrict-websafe" => {}
            'O' => return Err(fatal(messages::UNKNOWN_O_OPTION)),
            // Security-key and PKCS#11 providers are not implemented; the list only restricts them.
            'P' if providers_given => return Err(fatal(messages::P_TWICE)),
            'P' => providers_given = true,
            't' => match oxssh_config::values::parse_time(&v).and_then(|t| u32::try_from(t).ok()) {
                Some(t) => o.lifetime = t,
                None => {
                    let mut e = usage(None);
                    e.stderr = format!("{}\n{}", messages::INVALID_LIFETIME, e.stderr);
                    return Err(e);
                }
            },
            other => return Err(usage(Some(messages::unknown_option(other)))),
        }
    }
    let syntax_given = o.syntax != Syntax::FromShell;
    if !o.command.is_empty() && (syntax_given || o.kill || o.debug || o.foreground) {
        return Err(usage(None));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn options_stop_at_the_command() {
        let o = parse(args(&["-t", "1h", "-a/tmp/s", "bash", "-c", "echo hi"])).unwrap();
        assert_eq!(o.lifetime, 3600);
        assert_eq!(o.socket.as_deref(), Some("/tmp/s"));
        assert_eq!(o.command, args(&["bash", "-c", "echo hi"]));
        assert_eq!(o.syntax, Syntax::FromShell);
    }

    #[test]
    fn grouped_flags_and_conflicts() {
        let o = parse(args(&["-sD"])).unwrap();
        assert!(o.foreground && o.syntax == Syntax::Sh);
        assert_eq!(parse(args(&["-c", "-s"])).unwrap_err().status, 1);
        assert_eq!(parse(args(&["-d", "-D"])).unwrap_err().status, 1);
        assert_eq!(parse(args(&["-s", "true"])).unwrap_err().status, 1);
        let e = parse(args(&["-Z"])).unwrap_err();
        assert!(
            e.stderr
                .starts_with("unknown option -- Z\r\nusage: ssh-agent")
        );
        let e = parse(args(&["-t"])).unwrap_err();
        assert!(e.stderr.starts_with("option requires an argument -- t\r\n"));
    }

    #[test]
    fn bad_values_use_openssh_words() {
        let e = parse(args(&["-t", "xyz"])).unwrap_err();
        assert!(e.stderr.starts_with("Invalid lifetime\nusage: "));
        assert_eq!(e.status, 1);
        let e = parse(args(&["-E", "foo"])).unwrap_err();
        assert_eq!(e.stderr, "Invalid hash algorithm \"foo\"\r\n");
        assert_eq!(e.status, 255);
        assert_eq!(parse(args(&["-O", "x"])).unwrap_err().status, 255);
        assert_eq!(
            parse(args(&["-P", "a", "-P", "b"])).unwrap_err().status,
            255
        );
        assert_eq!(
            parse(args(&["-E", "md5"])).unwrap().hash,
            FingerprintHash::Md5
        );
    }

    #[test]
    fn csh_comes_from_the_flag_or_the_shell() {
        let o = parse(args(&[])).unwrap();
        assert!(o.csh(Some("/bin/tcsh")));
        assert!(!o.csh(Some("/bin/bash")));
        assert!(!o.csh(None));
        assert!(!parse(args(&["-s"])).unwrap().csh(Some("/bin/csh")));
        assert!(parse(args(&["-c"])).unwrap().csh(Some("/bin/sh")));
    }
}
