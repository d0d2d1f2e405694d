//! The command line, parsed as the script's `getopts "i:o:p:F:fnsh?"` (dash) parses it: options
//! before the destination, grouped flags, values attached or separate, `--` ends the options.

use std::ffi::OsString;

use crate::messages;

/// What the user asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `-f`: install without testing which keys already work (and without the private key).
    pub force: bool,
    /// `-n`: only say what would be installed.
    pub dry_run: bool,
    /// `-s`: install over SFTP instead of a remote shell command.
    pub sftp: bool,
    /// `-i`'s value (empty means the newest ~/.ssh/id*.pub), and whether `-f` came before it (the
    /// script checks the private key only if it had not).
    pub identity: Option<(String, bool)>,
    /// `-o`, `-p` and `-F` with their values, in order, passed on to the client.
    pub client_options: Vec<(char, String)>,
    /// `[user@]hostname`.
    pub destination: String,
}

/// Why parsing stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Print `stdout` and `stderr`, then the usage, and exit 1.
    Usage {
        /// Text for standard output first.
        stdout: String,
        /// Text for standard error before the usage.
        stderr: String,
    },
    /// `-i` given twice: the first one is used (and reported) before the complaint.
    IdentityTwice {
        /// The first `-i`'s value and whether `-f` came before it.
        first: (String, bool),
    },
}

/// Parses the arguments after the program name.
pub fn parse(args: Vec<OsString>, program: &str) -> Result<Options, Stop> {
    let usage = |stdout: String, stderr: String| Stop::Usage { stdout, stderr };
    let mut o = Options::default();
    let mut p = lexopt::Parser::from_args(args);
    let mut operands: Vec<String> = Vec::new();
    loop {
        let arg = match p.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(lexopt::Error::MissingValue { option }) => {
                let c = oxssh_cli::args::missing_value_letter(option.as_deref());
                return Err(usage(String::new(), messages::no_arg(c)));
            }
            Err(_) => return Err(usage(String::new(), messages::illegal_option("-"))),
        };
        let c = match arg {
            lexopt::Arg::Short(c) => c,
            lexopt::Arg::Long(name) => {
                return Err(usage(
                    String::new(),
                    messages::illegal_option(&format!("-{name}")),
                ));
            }
            lexopt::Arg::Value(v) => {
                operands.push(v.to_string_lossy().into_owned());
                operands.extend(oxssh_cli::args::remaining_text(&mut p));
                break;
            }
        };
        let value = if "iopF".contains(c) {
            match p.value() {
                Ok(v) => v.to_string_lossy().into_owned(),
                Err(_) => return Err(usage(String::new(), messages::no_arg(c))),
            }
        } else {
            String::new()
        };
        match c {
            'i' => match &o.identity {
                Some(first) => {
                    return Err(Stop::IdentityTwice {
                        first: first.clone(),
                    });
                }
                None => o.identity = Some((value, o.force)),
            },
            'o' | 'p' | 'F' => o.client_options.push((c, value)),
            'f' => o.force = true,
            'n' => o.dry_run = true,
            's' => o.sftp = true,
            'h' | '?' => return Err(usage(String::new(), String::new())),
            other => {
                return Err(usage(
                    String::new(),
                    messages::illegal_option(&other.to_string()),
                ));
            }
        }
    }
    match operands.len() {
        0 => Err(usage(String::new(), String::new())),
        1 => {
            o.destination = operands.remove(0);
            Ok(o)
        }
        _ => Err(usage(String::new(), messages::too_many_arguments(program))),
    }
}

/// The script's `quote`: the value in single quotes, with each `'` written as `'\''`.
pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

impl Options {
    /// The client arguments the script keeps in `SSH_OPTS`: each option and its value, then the
    /// destination.
    pub fn client_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for (c, v) in &self.client_options {
            args.push(format!("-{c}"));
            args.push(v.clone());
        }
        args.push(self.destination.clone());
        args
    }

    /// `SSH_OPTS` as the final hint shows it: `-p '2222' 'user@host'`.
    pub fn quoted_client_args(&self) -> String {
        let mut parts: Vec<String> = self
            .client_options
            .iter()
            .map(|(c, v)| format!("-{c} {}", quote(v)))
            .collect();
        parts.push(quote(&self.destination));
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(list: &[&str]) -> Result<Options, Stop> {
        parse(list.iter().map(OsString::from).collect(), "/p")
    }

    #[test]
    fn options_then_one_destination() {
        let o = parse_strs(&["-fn", "-p2222", "-o", "A=b'c", "-i", "", "u@h"]).unwrap();
        assert!(o.force && o.dry_run && !o.sftp);
        assert_eq!(o.identity, Some((String::new(), true)));
        assert_eq!(o.client_args(), ["-p", "2222", "-o", "A=b'c", "u@h"]);
        assert_eq!(o.quoted_client_args(), "-p '2222' -o 'A=b'\\''c' 'u@h'");
    }

    #[test]
    fn mistakes() {
        let usage_with = |stderr: &str| Stop::Usage {
            stdout: String::new(),
            stderr: stderr.to_owned(),
        };
        assert_eq!(parse_strs(&[]), Err(usage_with("")));
        assert_eq!(parse_strs(&["-h"]), Err(usage_with("")));
        assert_eq!(
            parse_strs(&["-Z", "h"]),
            Err(usage_with("Illegal option -Z\n"))
        );
        assert_eq!(
            parse_strs(&["-p"]),
            Err(usage_with("No arg for -p option\n"))
        );
        assert_eq!(
            parse_strs(&["a", "b"]),
            Err(usage_with(
                "/p: ERROR: Too many arguments.  Expecting a target hostname, got: \n\n"
            ))
        );
        assert_eq!(
            parse_strs(&["-i", "k", "-i", "k", "h"]),
            Err(Stop::IdentityTwice {
                first: ("k".into(), false)
            })
        );
        // -i takes the next word, whatever it is, as getopts does.
        assert_eq!(
            parse_strs(&["-i", "-f", "h"]).unwrap().identity,
            Some(("-f".into(), false))
        );
    }
}
