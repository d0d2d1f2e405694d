//! Command-line flags, parsed as sshd's getopt string `46C:DE:Tc:deiqrtf:g:h:k:o:p:u:V` reads them.

use std::ffi::OsString;
use std::path::PathBuf;

/// The flags oxsshd understands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    /// `-f`: the configuration file.
    pub config_file: Option<PathBuf>,
    /// `-p`: ports, replacing `Port` lines.
    pub ports: Vec<u16>,
    /// `-o`: configuration lines, in order.
    pub options: Vec<String>,
    /// `-h`: host key files.
    pub host_keys: Vec<String>,
    /// `-D`: stay in the foreground.
    pub foreground: bool,
    /// `-d` count: debug mode (foreground, stderr, DEBUG1..3).
    pub debug: u8,
    /// `-e`: log to stderr.
    pub log_stderr: bool,
    /// `-E`: append the log to this file.
    pub log_file: Option<PathBuf>,
    /// `-q`: log nothing.
    pub quiet: bool,
    /// `-t`: check the configuration and keys, then exit.
    pub test: bool,
    /// `-T`: print the effective configuration, then exit.
    pub test_extended: bool,
    /// `-C`: the connection spec for `-T`.
    pub connection_spec: Option<String>,
    /// `-4` / `-6`.
    pub address_family: Option<&'static str>,
    /// `-g`: LoginGraceTime.
    pub grace_time: Option<String>,
    /// `-V`: print the version.
    pub version: bool,
}

/// What went wrong with the command line; `Display` is the line sshd prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// A flag sshd does not have.
    #[error("unknown option -- {0}")]
    UnknownOption(String),
    /// A flag missing its argument.
    #[error("option requires an argument -- {0}")]
    MissingArgument(char),
    /// `-p` with something that is not a port.
    #[error("Bad port number.")]
    BadPort,
    /// Operands after the flags.
    #[error("Extra argument {0}.")]
    ExtraArgument(String),
}

/// sshd's usage text (printed after a [`UsageError`]).
pub fn usage() -> String {
    format!(
        "{}\nusage: oxsshd [-46DdeqTtV] [-C connection_spec] [-E log_file] [-f config_file]\n              [-g login_grace_time] [-h host_key_file] [-o option] [-p port]\n",
        version_line()
    )
}

/// The version line (`-V` and the head of the usage text).
pub fn version_line() -> String {
    format!("oxssh_{}, aws-lc-rs", env!("CARGO_PKG_VERSION"))
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Flags, UsageError> {
    use lexopt::Arg;
    let mut p = lexopt::Parser::from_args(args);
    let mut f = Flags::default();
    loop {
        let arg = match p.next() {
            Ok(Some(a)) => a,
            Ok(None) => break,
            Err(lexopt::Error::MissingValue { option }) => {
                let c = oxssh_cli::args::missing_value_letter(option.as_deref());
                return Err(UsageError::MissingArgument(c));
            }
            Err(lexopt::Error::UnexpectedValue { option, .. }) => {
                return Err(UsageError::UnknownOption(option));
            }
            Err(e) => return Err(UsageError::UnknownOption(e.to_string())),
        };
        let value = |p: &mut lexopt::Parser, c: char| -> Result<String, UsageError> {
            p.value()
                .map(|v| v.to_string_lossy().into_owned())
                .map_err(|_| UsageError::MissingArgument(c))
        };
        match arg {
            Arg::Short('4') => f.address_family = Some("inet"),
            Arg::Short('6') => f.address_family = Some("inet6"),
            Arg::Short('D') => f.foreground = true,
            Arg::Short('d') => f.debug = f.debug.saturating_add(1).min(3),
            Arg::Short('e') => f.log_stderr = true,
            Arg::Short('q') => f.quiet = true,
            Arg::Short('t') => f.test = true,
            Arg::Short('T') => f.test_extended = true,
            Arg::Short('V') => f.version = true,
            Arg::Short('f') => f.config_file = Some(PathBuf::from(value(&mut p, 'f')?)),
            Arg::Short('E') => f.log_file = Some(PathBuf::from(value(&mut p, 'E')?)),
            Arg::Short('C') => f.connection_spec = Some(value(&mut p, 'C')?),
            Arg::Short('g') => f.grace_time = Some(value(&mut p, 'g')?),
            Arg::Short('h') => f.host_keys.push(value(&mut p, 'h')?),
            Arg::Short('o') => f.options.push(value(&mut p, 'o')?),
            Arg::Short('p') => {
                let v = value(&mut p, 'p')?;
                match v.parse::<u16>() {
                    Ok(port) if port > 0 => f.ports.push(port),
                    _ => return Err(UsageError::BadPort),
                }
            }
            // Accepted for compatibility and ignored, as inetd mode and re-exec are not ours.
            Arg::Short('r') => {}
            Arg::Short(c) => return Err(UsageError::UnknownOption(c.to_string())),
            Arg::Long(l) => return Err(UsageError::UnknownOption(format!("-{l}"))),
            Arg::Value(v) => {
                return Err(UsageError::ExtraArgument(v.to_string_lossy().into_owned()));
            }
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn clustered_and_separate_flags_parse_like_getopt() {
        let f = parse(args(&[
            "-De",
            "-p2222",
            "-p",
            "2223",
            "-oPort=1",
            "-o",
            "LogLevel DEBUG",
        ]))
        .unwrap();
        assert!(f.foreground && f.log_stderr);
        assert_eq!(f.ports, vec![2222, 2223]);
        assert_eq!(f.options, vec!["Port=1", "LogLevel DEBUG"]);
        assert_eq!(parse(args(&["-ddd"])).unwrap().debug, 3);
    }

    #[test]
    fn bad_flags_give_sshd_words() {
        assert_eq!(
            parse(args(&["-x"])).unwrap_err().to_string(),
            "unknown option -- x"
        );
        assert_eq!(
            parse(args(&["-p", "x"])).unwrap_err().to_string(),
            "Bad port number."
        );
        assert_eq!(
            parse(args(&["-f"])).unwrap_err().to_string(),
            "option requires an argument -- f"
        );
    }
}
